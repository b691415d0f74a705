"""The Sichuan family end to end in transform, on the truth of tests/fixtures/sichuan/ (no PDF read).

Rule set ``sichuan``: 合计 (100 points) instead of 总分, no grade row, ``/`` = not applicable,
rates printed with ``%``, 指标性质 / 度量单位 in columns of their own, five funding rows.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest

from extract.records import document_from_truth
from transform import transform_document
from transform.identity import normalize_name
from transform.rows import CHECKS, FUNDING_SOURCES
from transform.scoring import RULE_SETS, get_rule_set

TRUTH = (Path(__file__).resolve().parents[1] / "fixtures" / "sichuan"
         / "sichuan-2023.pdf.truth.json")


@pytest.fixture(scope="module")
def doc():
    return document_from_truth(json.loads(TRUTH.read_text(encoding="utf-8")), sha256="sha-sc")


@pytest.fixture(scope="module")
def out(doc):
    return transform_document(doc, rules="sichuan")


def codes(report):
    return sorted(f.check_code for f in report.findings)


def test_rule_set_is_data():
    rs = get_rule_set("sichuan")
    assert "sichuan" in RULE_SETS and rs.total_label == "合计"
    assert rs.grade_printed is False and rs.execution.expected_weight == D(10)
    assert rs.full_marks == D(100)


def test_filled_report_is_clean(out):
    filled = out.reports[0]
    assert filled.findings == (), [f.one_line() for f in filled.findings]
    assert filled.dq_status == "ok"
    ev = filled.evaluation
    assert (ev.total_weight, ev.total_score, ev.recomputed_score) == (D(100), D("97.88"),
                                                                      D("97.88"))
    assert ev.grade is None and ev.expected_grade == "优"  # no grade row: computed, no error
    assert ev.rule_set == "sichuan"


def test_funding_sources_mapped_and_summed(out):
    rows = {f.funding_source: f for f in out.reports[0].funding}
    assert list(rows) == ["total", "appropriation", "other"]
    assert set(rows) <= set(FUNDING_SOURCES)
    total, approp, other = rows["total"], rows["appropriation"], rows["other"]
    assert (total.source_text, total.budget_initial, total.budget_full_year, total.executed) == (
        "总额", D("120.00"), D("135.50"), D("128.73"))
    assert (total.execution_rate, total.computed_execution_rate) == (D("95.00"), D("95.00"))
    assert (total.weight, total.score, total.expected_score) == (D(10), D("9.50"), D("9.50"))
    assert approp.source_text == "其中:财政资金" and approp.execution_rate == D("95.44")
    # 财政专户管理资金 + 单位资金 + 其他资金: one `other` row, amounts added
    assert other.source_text == "财政专户管理资金+单位资金+其他资金"
    assert (other.budget_initial, other.budget_full_year, other.executed) == (
        D("20.00"), D("20.00"), D("18.50"))
    assert other.execution_rate is None and other.computed_execution_rate == D("92.50")
    # `/` in the sub-rows' 权重 / 得分: not applicable, null, no finding
    assert (approp.weight, approp.score, other.weight, other.score) == (None,) * 4
    # the (project, year, source) grain stays unique
    keys = [(f.project_id, f.fiscal_year, f.funding_source) for f in out.funding]
    assert len(keys) == len(set(keys))


def test_targets_take_operator_and_unit_from_their_columns(out):
    res = {x.position: x for x in out.reports[0].results}
    r1 = res[1]  # ≥ | 1200 | 户, actual 1150: missed, scored in proportion
    assert (r1.target_kind, r1.target_operator, r1.target_low, r1.target_unit) == (
        "numeric", ">=", D(1200), "户")
    assert (r1.actual_value, r1.actual_unit, r1.achieved) == (D(1150), "户", False)
    assert r1.expected_score == D("14.38") == r1.score
    r2 = res[2]  # compound unit in 度量单位
    assert (r2.target_unit, r2.target_unit_norm, r2.achieved) == ("人次/年", "人次/年", True)
    r4 = res[4]  # full-width ＝
    assert (r4.target_operator, r4.target_low, r4.target_high) == ("=", D(100), D(100))
    r5 = res[5]  # ≤ | 1000 | 元/户: 万元/户, lower is better
    assert (r5.target_operator, r5.target_high, r5.target_unit_norm) == ("<=", D(1000), "万元/户")
    assert r5.achieved is True and r5.scoring_formula.startswith("lower_is_better")
    r6 = res[6]  # 定性 | 有所提升 | (no unit), actual 达成: qualitative band
    assert (r6.target_kind, r6.target_operator, r6.scoring_formula) == (
        "qualitative", None, "qualitative_band")


def test_blank_results_report_is_quarantined_with_one_chinese_error(out):
    blank = out.reports[1]
    assert blank.dq_status == "error"
    assert codes(blank) == ["blank_results"]  # not one missing_* per row
    (f,) = blank.findings
    assert f.severity == "error" and CHECKS["blank_results"].title == "完成值和得分均未填写"
    assert "完成值和得分均未填写" in f.message and "2 个绩效指标" in f.message
    assert "合计得分空白" in f.message
    assert (f.printed, f.expected) == ("0/2", "2/2")
    assert out.dq_status == "error"


def test_partly_blank_report_keeps_the_row_findings(doc):
    rep = doc.reports[0]
    ind = replace(rep.indicators[0], actual="", score="")
    t = transform_document(replace(doc, reports=(replace(rep, indicators=(ind,
                                                                          *rep.indicators[1:])),)),
                           rules="sichuan")
    c = codes(t.reports[0])
    assert "blank_results" not in c and {"missing_actual", "missing_score"} <= set(c)


def test_total_row_is_called_he_ji_in_messages(doc):
    rep = replace(doc.reports[0], total_score="96.00")
    t = transform_document(replace(doc, reports=(rep,)), rules="sichuan")
    (f,) = [x for x in t.findings if x.check_code == "total_not_sum"]
    assert f.message.startswith("合计 96.00 ≠ 预算执行率得分 9.50") and "97.88" in f.message


def test_missing_grade_still_an_error_under_shanghai(doc):
    t = transform_document(replace(doc, reports=doc.reports[:1]), rules="shanghai")
    assert "missing_grade" in codes(t.reports[0])
    t = transform_document(replace(doc, reports=doc.reports[:1]), rules="sichuan")
    assert "missing_grade" not in codes(t.reports[0])


def test_a_printed_grade_is_still_checked_under_sichuan(doc):
    rep = replace(doc.reports[0], grade="良")
    t = transform_document(replace(doc, reports=(rep,)), rules="sichuan")
    assert codes(t.reports[0]) == ["grade_mismatch"]


def test_budget_code_does_not_break_identity(doc):
    rep = doc.reports[0]
    assert normalize_name(rep.project_name) == "高标准农田建设管护补助"
    next_year = replace(rep, project_name="51142525R000000040022-高标准农田建设管护补助",
                        fiscal_year=2024)
    a = transform_document(replace(doc, reports=(rep,)), rules="sichuan")
    b = transform_document(replace(doc, fiscal_year=2024, reports=(next_year,)), rules="sichuan")
    assert a.reports[0].project_id == b.reports[0].project_id
    # the printed name is kept
    assert a.reports[0].alias.reported_name == rep.project_name
    assert b.reports[0].project.project_name == next_year.project_name
