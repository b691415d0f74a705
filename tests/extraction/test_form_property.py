"""Property: any report laid out on any column widths, ruled on all sides or with horizontal
lines only, wrapped or not, reads back cell for cell (geometry → cells → records)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from extract.form import FormReader
from extract.pdf import feed_page, page_layout
from tests.extraction.synth import Layout, render
from tests.truth import diff_document

CJK = "工会职工培训补贴发放审核服务项目资金慰问劳模法律援助心理健康党建活动"
_text = st.text(CJK + "0123456789", min_size=1, max_size=30)
_num = st.decimals(0, 5000, places=2).map(lambda d: f"{d:,.2f}")
_level1 = ["产出指标", "效益指标", "满意度指标"]
_level2 = ["数量指标", "质量指标", "时效指标", "社会效益指标", "服务对象满意度指标"]


@st.composite
def reports(draw) -> dict:
    n = draw(st.integers(1, 10))
    l1 = sorted(draw(st.lists(st.sampled_from(_level1), min_size=n, max_size=n)), key=_level1.index)
    inds = []
    for i in range(n):
        l2 = _level2[min(i // 2, len(_level2) - 1)]
        inds.append({
            "level1": l1[i], "level2": l2, "level3": draw(_text),
            "target": draw(st.sampled_from(["≥85.00(%)", "=100.00(%)", "及时", "≥ 4500.00(名)", "7-8月"])),
            "actual": draw(st.sampled_from(["100.00(%)", "达成指标", "3980.00(名)"])),
            "weight": draw(st.sampled_from(["5.00", "10.00", "7.50"])),
            "score": draw(st.sampled_from(["5.00", "9.48", "3.19"])),
            "deviation_reason": draw(st.one_of(st.just(""), _text)),
        })
    funding = [{"source": s, "budget_initial": draw(_num), "budget_full_year": draw(_num),
                "executed": draw(_num), "weight": "10.00" if i == 0 else None,
                "execution_rate": "100.00", "score": "10.00" if i == 0 else None}
               for i, s in enumerate(["年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"])]
    return {"pages": [1], "project_name": draw(_text), "supervising_department": draw(_text),
            "implementing_unit": draw(_text), "funding": funding,
            "goal_expected": draw(st.text(CJK, min_size=1, max_size=120)),
            "goal_actual": draw(st.text(CJK, min_size=1, max_size=120)),
            "indicators": inds, "total_weight": "100", "total_score": draw(_num),
            "grade": draw(st.sampled_from(["优", "良", "中", "差"]))}


layouts = st.builds(
    Layout,
    widths=st.tuples(st.floats(45, 70), st.floats(45, 90), st.floats(50, 110), st.floats(55, 90),
                     st.floats(55, 90), st.floats(40, 55), st.floats(40, 55), st.floats(50, 110)
                     ).map(list),
    size=st.sampled_from([7.5, 9.0, 10.5]),
    ruled=st.booleans(),
)


def read(report: dict, layout: Layout) -> dict:
    page = render(report, layout)
    bbox_page = SimpleNamespace(bbox=(0, 0, 2000, 3000))
    grids, lines, _ = page_layout(1, page.chars, page.edges, bbox_page)
    reader = FormReader("synthetic.pdf")
    feed_page(reader, grids, lines)
    return {"fiscal_year": None, "reports": [r.to_truth() for r in reader.finish()]}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports(), layouts)
def test_any_layout_reads_back(report, layout):
    # a value that *is* a form label (a project named 总分) is ambiguous by construction
    from extract.headers import KNOWN, norm

    texts = [report[k] for k in ("project_name", "supervising_department", "implementing_unit",
                                 "goal_expected", "goal_actual")]
    texts += [i[k] or "" for i in report["indicators"] for k in ("level3", "deviation_reason")]
    assume(not any(norm(t) in KNOWN for t in texts))
    got = read(report, layout)
    assert diff_document(got, {"fiscal_year": None, "reports": [report]}) == []


def test_two_horizontal_only_reports_on_one_page_with_a_title_between():
    """Back to back without vertical rulings: the title and "(2023年度)" between the tables fall
    inside the ruled region; they are read as text, and the year goes to the next report."""
    from tests.conftest import CORPUS, truth_of

    reps = truth_of(CORPUS / "minhang-zonggonghui-2023.pdf")["reports"]
    a, b = {**reps[2], "pages": [1]}, {**reps[4], "pages": [1]}
    widths = [60, 70, 110, 80, 80, 50, 50, 110]
    first = render(a, Layout(widths=widths, ruled=False, top=60))
    bottom = max(e["bottom"] for e in first.edges)

    def text(t: str, x: float, top: float, size: float = 10) -> list[tuple]:
        return [(ch, x + i * size, x + (i + 1) * size, top, top + size, size, True, 0)
                for i, ch in enumerate(t)]

    title = text("财政项目支出绩效自评表", 200, bottom + 15) + text("(2023年度)", 230, bottom + 30)
    second = render(b, Layout(widths=widths, ruled=False, top=bottom + 50))
    grids, lines, _ = page_layout(1, first.chars + title + second.chars, first.edges + second.edges,
                               SimpleNamespace(bbox=(0, 0, 2000, 3000)))
    reader = FormReader("two.pdf")
    feed_page(reader, grids, lines)
    got = reader.finish()
    assert diff_document({"fiscal_year": None, "reports": [r.to_truth() for r in got]},
                         {"fiscal_year": None, "reports": [a, b]}) == []
    assert [r.fiscal_year for r in got] == [None, 2023]


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "hlines"])
def test_other_spellings_of_labels_and_headers(ruled):
    """Labels with a colon, points annotations and provincial spellings read alike; money in 元
    is recognised from the block label."""
    from tests.conftest import CORPUS, truth_of

    report = {**truth_of(CORPUS / "minhang-zonggonghui-2023.pdf")["reports"][0], "pages": [1]}
    labels = {"项目名称": "项目名称：", "主管部门": "主管单位", "实施单位": "项目实施单位",
              "项目资金(万元)": "预算执行情况（元）", "分数": "分值", "执行率(%)": "预算执行率",
              "全年预算数": "调整后预算数", "年度指标值": "指标值", "实际完成值": "完成值",
              "分值": "权重(90分)", "评分等级": "自评等级", "偏差原因分析及改进措施": "未完成原因分析"}
    page = render(report, Layout(widths=[70, 70, 110, 80, 80, 55, 55, 110], ruled=ruled), labels)
    grids, lines, _ = page_layout(1, page.chars, page.edges, SimpleNamespace(bbox=(0, 0, 2000, 3000)))
    reader = FormReader("spellings.pdf")
    feed_page(reader, grids, lines)
    (got,) = reader.finish()
    assert diff_document({"fiscal_year": None, "reports": [got.to_truth()]},
                         {"fiscal_year": None, "reports": [report]}) == []
    assert got.money_unit == "元" and got.family == "sichuan"
