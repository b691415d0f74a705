"""一级/二级指标 merged over rows and cut by a page break: carried over, filled back from the
next page, or left empty (a finding downstream), never the label of the group before."""

from __future__ import annotations

import pytest

from extract.form import FormReader
from extract.grid import Cell, Row

HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
X = [(0, 60), (60, 120), (120, 220), (220, 290), (290, 360), (360, 400), (400, 440)]


def _row(page: int, top: float, texts: list[str | None]) -> Row:
    """A ruled row; None: no cell there (covered by a cell merged from the row above)."""
    cells = [Cell(a, b, top, top + 10, t) for (a, b), t in zip(X, texts) if t is not None]
    return Row(page, top, top + 10, cells)


def _read(pages: list[list[list[str | None]]]) -> list[tuple[str | None, str | None]]:
    reader = FormReader("merged.pdf")
    rows = [Row(1, 0, 10, [Cell(0, 60, 0, 10, "项目名称"), Cell(60, 440, 0, 10, "某项目")]),
            _row(1, 20, HEADER)]
    rows += [_row(p, 40 + 12 * i, texts) for p, page in enumerate(pages, start=1)
             for i, texts in enumerate(page)]
    for i, row in enumerate(rows):
        reader.feed_row(row, rows[i + 1:])
    (report,) = reader.finish()
    return [(i.level1, i.level2) for i in report.indicators]


def _ind(l1, l2, name):
    return [l1, l2, name, "≥1", "1", "5", "5"]


def test_a_label_cut_by_the_page_break_carries_over():
    got = _read([[_ind("产出指标", "数量指标", "甲"), _ind(None, None, "乙")],
                 [_ind("", "", "丙")]])
    assert got == [("产出指标", "数量指标")] * 3


def test_a_label_printed_on_the_next_page_only_fills_back_the_rows_before_the_break():
    got = _read([[_ind("产出指标", "数量指标", "甲"), _ind("", "", "乙")],
                 [_ind("效益指标", "社会效益指标", "丙")]])
    assert got == [("产出指标", "数量指标"), ("效益指标", "社会效益指标"),
                   ("效益指标", "社会效益指标")]


def test_an_empty_label_that_starts_a_group_mid_page_is_not_the_group_before():
    got = _read([[_ind("产出指标", "数量指标", "甲"), _ind("", "", "乙"), _ind(None, None, "丙")]])
    assert got == [("产出指标", "数量指标"), (None, None), (None, None)]


@pytest.mark.parametrize("texts", [_ind("产出指标", "质量指标", "乙")])
def test_a_new_label_ends_the_carry(texts):
    got = _read([[_ind("产出指标", "数量指标", "甲"), texts]])
    assert got[1] == ("产出指标", "质量指标")
