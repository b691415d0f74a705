"""transform.build: rows and findings of small inline reports."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from extract.records import RawDocument, RawFundingRow, RawIndicator, RawReport
from transform.build import funding_source, transform_document
from transform.rows import CHECKS, SEVERITIES

FULL = ("10.00", "10.00", "10.00", "10.00", "100.00", "10.00")  # budget_i, full, exec, w, rate, s


def funding(total=FULL, source="年度资金总额", sub=True):
    bi, bf, ex, w, rate, sc = total
    rows = [RawFundingRow(source, bi, bf, ex, w, rate, sc, page=4)]
    if sub:
        rows += [
            RawFundingRow("其中：当年财政拨款", bi, bf, ex, None, rate, None, page=4),
            RawFundingRow("上年结转资金", "0.00", "0.00", "0.00", None, "0.00", None, page=4),
            RawFundingRow("其他资金", "0.00", "0.00", "0.00", None, "0.00", None, page=4),
        ]
    return tuple(rows)


def ind(name, target, actual, weight, score, reason="", level1="产出指标"):
    return RawIndicator(level1, "数量指标", name, target, actual, weight, score, reason, page=4)


GOOD_INDICATORS = (
    ind("慰问企业数", "=5.00(家)", "5.00(家)", "30.00", "30.00"),
    ind("及时性", "及时", "达成指标", "30.00", "30.00"),
    ind("满意度", "≥85.00(%)", "90.00(%)", "30.00", "30.00", level1="满意度指标"),
)


def report(**kw):
    base = dict(pages=(4,), project_name="测试项目", supervising_department="某部门(汇总)",
                implementing_unit="某单位", funding=funding(), goal_expected="目标",
                goal_actual="完成", indicators=GOOD_INDICATORS, total_weight="100",
                total_score="100", grade="优", fiscal_year=2023)
    base.update(kw)
    return RawReport(**base)


def doc(*reports, file="t.pdf"):
    return RawDocument(file=file, path=file, sha256="abc123", bytes=0, page_count=5,
                       fiscal_year=2023, reports=reports)


def run(rules="shanghai", **kw):
    return transform_document(doc(report(**kw)), rules=rules)


def codes(t):
    return sorted(f.check_code for f in t.findings)


# ---- rows

def test_clean_report_rows_and_no_findings():
    t = run()
    assert t.findings == ()
    assert t.document_id == "abc123" and t.rule_set == "shanghai"
    (r,) = t.reports
    assert r.dq_status == "ok" and t.dq_status == "ok"
    assert [f.funding_source for f in t.funding] == ["total", "appropriation", "carryover", "other"]
    total = t.funding[0]
    assert (total.budget_full_year, total.executed, total.execution_rate) == (
        D("10.00"), D("10.00"), D("100.00"))
    assert (total.weight, total.score, total.expected_score) == (D(10), D(10), D(10))
    assert t.funding[2].computed_execution_rate is None  # 0 / 0
    e = t.evaluations[0]
    assert (e.total_score, e.recomputed_score, e.grade, e.expected_grade) == (
        D(100), D("100.00"), "优", "优")
    assert e.dq_status == "ok" and e.document_id == "abc123"
    res = t.results
    assert [x.position for x in res] == [1, 2, 3]
    assert res[0].target_kind == "numeric" and res[0].target_unit_norm == "家"
    assert res[1].target_kind == "qualitative" and res[1].achieved is True
    assert res[2].actual_value == D("90.00") and res[2].scoring_formula == "higher_is_better"
    assert {d.name for d in t.departments} == {"某部门", "某单位"}
    (p,) = t.projects
    assert p.department_id != p.implementing_unit_id
    assert t.aliases[0].reported_name == "测试项目"
    assert len({i.indicator_id for i in t.indicators}) == 3


def test_document_id_can_be_passed():
    assert transform_document(doc(report()), document_id="D1").reports[0].funding[0].document_id \
        == "D1"


def test_money_in_yuan_converted():
    t = run(money_unit="元", funding=funding(("215,457.60", "200,000.00", "200,000.00", "10.00",
                                              "100.00", "10.00")))
    f = t.funding[0]
    assert (f.budget_initial, f.budget_full_year, f.executed) == (
        D("21.55"), D("20.00"), D("20.00"))
    assert t.findings == ()


@pytest.mark.parametrize(("label", "source"), [
    ("年度资金总额", "total"), ("其中：当年财政拨款", "appropriation"),
    ("其中:当年财政拨款", "appropriation"), ("上年结转资金", "carryover"), ("其他资金", "other"),
    ("财政资金", "appropriation"), ("单位资金", "other"), ("奇怪的行", None),
])
def test_funding_source_labels(label, source):
    assert funding_source(label) == source


# ---- findings (each with both numbers)

def test_indicator_score_mismatch():
    t = run(indicators=(ind("审核企业", "≥350.00(家)", "223.00(家)", "5.00", "3.00"),
                        ind("及时性", "及时", "达成指标", "85.00", "85.00")), total_score="98")
    (f,) = t.findings
    assert f.check_code == "indicator_score_mismatch" and f.severity == "warning"
    assert "得分 3.00 ≠ 按规则应得 3.19" in f.message
    assert (f.printed, f.expected, f.indicator, f.page) == ("3.00", "3.19", "审核企业", 4)
    assert t.evaluations[0].dq_status == "warning"
    assert t.results[0].expected_score == D("3.19") and t.results[0].achieved is False
    assert t.evaluations[0].recomputed_score == D("98.19")


def test_published_partial_score_passes():
    t = run(indicators=(ind("审核企业", "≥350.00(家)", "223.00(家)", "5.00", "3.19"),
                        ind("其他", "及时", "达成指标", "85.00", "85.00")), total_score="98.19")
    assert t.findings == ()


def test_score_above_weight_reported_once():
    t = run(indicators=(ind("计提率", "=100.00(%)", "100.00(%)", "30.00", "36.00"),
                        *GOOD_INDICATORS[1:]), total_score="106")
    assert codes(t) == ["score_above_weight"]
    assert "36.00" in t.findings[0].message and "30.00" in t.findings[0].message


def test_qualitative_out_of_band():
    t = run(indicators=(ind("慰问准确性", "符合标准", "部分达成", "30.00", "30.00"),
                        *GOOD_INDICATORS[1:]))
    (f,) = t.findings
    assert f.check_code == "qualitative_score_out_of_band"
    assert "18.00–24.00" in f.message and "30.00" in f.message


def test_total_not_sum():
    t = run(total_score="98.5")
    (f,) = t.findings
    assert f.check_code == "total_not_sum"
    assert "98.50" in f.message and "100.00" in f.message


def test_weights_not_100_and_total_weight_mismatch():
    inds = (ind("a", "=5.00(家)", "5.00(家)", "25.00", "25.00"), *GOOD_INDICATORS[1:])
    t = run(indicators=inds, total_weight="100", total_score="95")
    assert codes(t) == ["total_weight_mismatch", "weights_not_100"]
    t2 = run(indicators=inds, total_weight="95", total_score="95")
    assert codes(t2) == ["weights_not_100"]
    assert "95.00" in t2.findings[0].message and "100.00" in t2.findings[0].message


def test_grade_mismatch():
    t = run(indicators=(ind("a", "=5.00(家)", "1.00(家)", "30.00", "6.00"), *GOOD_INDICATORS[1:]),
            total_score="76", grade="优")
    (f,) = t.findings
    assert f.check_code == "grade_mismatch" and "优" in f.message and "中" in f.message
    assert t.evaluations[0].expected_grade == "中"


def test_recomputed_grade_differs():
    # a printed score far above the rule pushes the total into another band
    t = run(indicators=(ind("a", "=100.00(%)", "10.00(%)", "30.00", "30.00"),
                        *GOOD_INDICATORS[1:]))
    assert codes(t) == ["indicator_score_mismatch", "recomputed_grade_differs"]
    assert t.evaluations[0].recomputed_score == D("73.00")


def test_execution_rate_mismatch_reported_once_with_the_score_consequence():
    t = run(funding=funding(("9.00", "8.02", "7.21", "10.00", "100.00", "10.00"), sub=False),
            )
    (f,) = t.findings
    assert f.check_code == "execution_rate_mismatch"
    assert "100.00" in f.message and "89.90" in f.message and "7.21/8.02" in f.message
    assert "8.99" in f.message
    assert t.funding[0].expected_score == D("8.99")
    assert t.evaluations[0].recomputed_score == D("98.99")


def test_funding_score_mismatch():
    t = run(funding=funding(("10.00", "26.82", "26.04", "10.00", "97.09", "9.00"), sub=False),
            total_score="99")
    (f,) = t.findings
    assert f.check_code == "funding_score_mismatch"
    assert "9.00" in f.message and "9.70" in f.message


def test_truncated_execution_score_accepted():
    t = run(funding=funding(("24.70", "26.82", "26.04", "10.00", "97.09", "9.70")),
            total_score="99.7")
    assert t.findings == ()


def test_rule_set_by_configuration():
    t = run(rules="hubei")  # Hubei scores the execution rate out of 20, the table prints 10
    assert codes(t) == ["execution_weight_unexpected"]
    assert "10.00" in t.findings[0].message and "20.00" in t.findings[0].message
    assert t.rule_set == "hubei" and t.evaluations[0].rule_set == "hubei"
    with pytest.raises(KeyError):
        run(rules="nowhere")


@pytest.mark.parametrize(("changes", "code"), [
    ({"grade": None}, "missing_grade"),
    ({"grade": "甲"}, "unreadable_grade"),
    ({"total_score": None}, "missing_total"),
    ({"total_score": "-"}, "missing_total"),
    ({"total_score": ""}, "missing_total"),
    ({"total_weight": None}, "missing_total_weight"),
    ({"funding": ()}, "missing_funding"),
    ({"indicators": ()}, "missing_indicators"),
    ({"project_name": None}, "missing_project_name"),
    ({"money_unit": "美元"}, "unknown_money_unit"),
])
def test_structure_findings_are_errors(changes, code):
    t = run(**changes)
    assert code in codes(t)
    assert CHECKS[code].severity == "error"
    assert t.evaluations[0].dq_status == "error"


def test_missing_fiscal_year():
    r = report(fiscal_year=None)
    d = replace(doc(r), fiscal_year=None)
    assert "missing_fiscal_year" in codes(transform_document(d))


def test_unreadable_cells_are_findings_not_exceptions():
    t = run(indicators=(ind("a", "=5.00(家)", "5.00(家)", "三十", "30.00"), *GOOD_INDICATORS[1:]),
            total_score="一百")
    assert {"unreadable_number"} <= set(codes(t))
    assert "missing_weight" not in codes(t)  # reported once, as unreadable
    msgs = [f.message for f in t.findings if f.check_code == "unreadable_number"]
    assert any("三十" in m for m in msgs) and any("一百" in m for m in msgs)


def test_blank_score_is_missing():
    t = run(indicators=(ind("a", "=5.00(家)", "5.00(家)", "30.00", ""), *GOOD_INDICATORS[1:]))
    assert "missing_score" in codes(t)


def test_unparsed_target_is_a_warning_not_an_exception():
    t = run(indicators=(ind("a", "≥abc", "5.00(家)", "30.00", "30.00"), *GOOD_INDICATORS[1:]))
    assert codes(t) == ["unparsed_target"]
    f = t.findings[0]
    assert f.severity == "warning" and "≥abc" in f.message
    assert t.results[0].target_kind == "unparsed" and t.results[0].expected_score is None
    assert t.evaluations[0].recomputed_score is None


def test_unparsed_and_missing_actual():
    t = run(indicators=(ind("a", "=5(家)", "……", "30.00", "30.00"),
                        ind("b", "及时", "", "30.00", "30.00"), GOOD_INDICATORS[2]))
    assert codes(t) == ["missing_actual", "unparsed_actual"]


def test_unit_mismatch_finding():
    t = run(indicators=(ind("a", "≥85.00(%)", "90.00(人)", "30.00", "30.00"),
                        *GOOD_INDICATORS[1:]))
    assert codes(t) == ["unit_mismatch"]
    assert "%" in t.findings[0].message and "人" in t.findings[0].message


def test_unknown_funding_source_row():
    rows = (*funding(), RawFundingRow("奇怪的行", "1", "1", "1", None, "100", None, page=4))
    t = run(funding=rows)
    assert codes(t) == ["unknown_funding_source"]
    assert len(t.funding) == 4


def test_finding_names_file_page_and_project():
    t = run(total_score="98.5")
    f = t.findings[0]
    assert (f.file, f.page, f.project_name, f.fiscal_year) == ("t.pdf", 4, "测试项目", 2023)
    assert f.one_line().startswith("t.pdf, 第 4 页, 项目 测试项目: [total_not_sum]")


def test_check_table():
    assert all(c.severity in SEVERITIES for c in CHECKS.values())
    assert all(code == c.code and code.isidentifier() and code.islower()
               for code, c in CHECKS.items())


def test_sichuan_columns_flow_through():
    r = RawIndicator("产出指标", "数量指标", "培训人数", "95", "96", "30.00", "30.00", "", page=4,
                     target_operator="≥", target_unit="人")
    t = run(indicators=(r, *GOOD_INDICATORS[1:]))
    x = t.results[0]
    assert (x.target_operator, x.target_low, x.target_unit, x.actual_unit) == (
        ">=", D(95), "人", "人")
    assert x.achieved is True and t.findings == ()


def test_grade_not_checked_against_a_missing_total():
    """Without a printed total there is no band to compare the grade with: only missing_total."""
    from dataclasses import replace

    from extract.records import document_from_truth
    from tests.conftest import CORPUS, truth_of
    from transform import transform_document

    doc = document_from_truth(truth_of(CORPUS / "minhang-zonggonghui-2023.pdf"))
    rep = replace(doc.reports[0], total_score=None)
    out = transform_document(replace(doc, reports=(rep,)))
    codes = {f.check_code for f in out.reports[0].findings}
    assert "missing_total" in codes and "grade_mismatch" not in codes
    assert out.reports[0].evaluation.expected_grade is None
