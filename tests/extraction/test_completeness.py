"""Reports are counted apart from the reader: a report a page starts but the reader loses is a
`report_missing` finding (file, page, project), never a silent loss."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from extract import extract_file
from extract.completeness import PageSignals, missing_reports, page_signals
from extract.grid import Char
from extract.records import RawReport
from flows.cli import app
from tests.conftest import CORPUS, VARIANTS


def _line(text: str, top: float, x: float = 50, size: float = 10) -> list[Char]:
    return [Char(ch, x + i * size, x + (i + 1) * size, top, top + size, size)
            for i, ch in enumerate(text)]


def _report(page: int, name: str) -> RawReport:
    return RawReport(pages=(page,), project_name=name, supervising_department=None,
                     implementing_unit=None, funding=(), goal_expected=None, goal_actual=None,
                     indicators=(), total_weight=None, total_score=None, grade=None)


def test_signals_count_starts_with_the_legible_name():
    chars = (_line("财政项目支出绩效自评表", 10) + _line("（2023年度）", 25)
             + _line("项目名称", 40) + _line("法律顾问费", 40, x=200)
             + _line("一级指标 二级指标 三级指标 年度指标值", 80)
             + _line("项目名称：党建经费主管部门某区总工会", 300))
    s = page_signals(4, chars)
    assert s == PageSignals(4, ("法律顾问费", "党建经费"), title=True, header=True)


@pytest.mark.parametrize("text", ["附件：财政项目支出绩效自评表", "部门整体支出绩效自评表",
                                  "详见财政项目支出绩效自评表第3页"])
def test_a_mention_of_the_form_in_prose_is_not_a_title(text):
    assert not page_signals(1, _line(text, 10)).title


def test_missing_reports_compares_starts_with_what_was_read():
    signals = [PageSignals(1, ("甲",)), PageSignals(2, ("乙", "丙")),
               PageSignals(3, (), title=True), PageSignals(4, (), header=True),
               PageSignals(5, (), header=True)]
    read = [_report(1, "甲"), _report(2, "乙"), _report(3, "丁")]
    got = missing_reports(signals, read, notes={5: "部门整体支出绩效自评表"})
    assert [(m.page, m.project_name, m.kind) for m in got] == [
        (2, "丙", "start_not_read"), (4, None, "form_page_not_read")]


def test_no_finding_on_any_bundled_file():
    for pdf in [*sorted(CORPUS.glob("*.pdf")), *sorted(VARIANTS.glob("*.pdf"))]:
        if pdf.name == "unknown-header.pdf":
            continue
        assert extract_file(pdf).missing_reports == (), pdf.name


@pytest.fixture
def lossy_reader(monkeypatch):
    """The reader loses the third report of every file (as it did on layouts it could not
    follow, with exit 0 and no finding)."""
    from extract.form import FormReader

    real = FormReader.finish
    monkeypatch.setattr(FormReader, "finish", lambda self: (lambda r: r[:2] + r[3:])(real(self)))


def test_a_lost_report_is_named_with_its_page_and_project(lossy_reader):
    doc = extract_file(CORPUS / "minhang-zonggonghui-2023.pdf")
    assert len(doc.reports) == 10
    (m,) = doc.missing_reports
    assert (m.page, m.project_name, m.kind) == (6, "法律顾问费", "start_not_read")


def test_jixiao_extract_says_so_on_stderr_and_exits_2(lossy_reader):
    r = CliRunner().invoke(app, ["extract", "--compact", str(CORPUS / "minhang-zonggonghui-2023.pdf")])
    assert r.exit_code == 2
    assert ("jixiao extract: minhang-zonggonghui-2023.pdf, page 6: report_missing: a report "
            "starts here (project 法律顾问费) but could not be read") in r.stderr
    assert r.stdout.count('"project_name"') == 10  # the other reports are still printed


def test_a_file_whose_reports_all_start_but_none_is_read_fails_with_the_pages(monkeypatch):
    from extract.errors import ReportsNotRead
    from extract.form import FormReader

    monkeypatch.setattr(FormReader, "finish", lambda self: [])
    with pytest.raises(ReportsNotRead) as info:
        extract_file(CORPUS / "minhang-zonggonghui-2023.pdf")
    assert info.value.code == "report_missing" and info.value.page == 4
    assert "11 report(s) start on page(s) 4, 5, 6" in str(info.value)
    assert info.value.zh().startswith("minhang-zonggonghui-2023.pdf，第 4 页：文件中有自评表，但一张也未能读出")
