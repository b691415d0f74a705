"""The suites on inline defects (no PDF) and the deduplication rule on inline findings."""

from __future__ import annotations

import copy
import json

import pytest

from expectations.runner import finding_key, new_findings, run_suites, validate_document
from extract.records import document_from_truth
from tests.conftest import MALFORMED
from transform import transform_document
from transform.rows import Finding


@pytest.fixture(scope="module")
def truth() -> dict:
    t = json.loads((MALFORMED / "total-not-sum.pdf.truth.json").read_text(encoding="utf-8"))
    t["reports"][0]["total_score"] = "100"  # a clean report to start from
    return t


def _run(truth, mutate, name="s.pdf"):
    t = copy.deepcopy(truth)
    t["file"] = name
    mutate(t["reports"][0])
    tdoc = transform_document(document_from_truth(t, sha256=f"sha-{name}"))
    return tdoc, run_suites(tdoc)


def _codes(findings):
    return {(f.check_code, f.severity) for f in findings}


def test_clean_report_passes(truth):
    tdoc, run = _run(truth, lambda r: None)
    assert tdoc.findings == () and run.findings == ()


def test_checks_only_the_suites_make(truth):
    def weird(r):
        r["indicators"][0].update(level1="成效指标", level3="")
        r["indicators"][4].update(target="≥120.00(%)", actual="130.00(%)")
        r["indicators"][5].update(target="≥85(拍)", actual="90(拍)")
        r["funding"][0].update(execution_rate="150.00")

    _, run = _run(truth, weird)
    new = _codes(run.new_findings)
    assert {("missing_indicator_name", "error"), ("unknown_level1", "warning"),
            ("unknown_unit", "warning"), ("percent_out_of_range", "warning")} <= new
    pct = [f for f in run.new_findings if f.check_code == "percent_out_of_range"]
    assert any("≥120.00(%)" in f.message for f in pct)
    assert any("130.00(%)" in f.message for f in pct)
    assert any("150.00" in f.message for f in pct)
    level1 = next(f for f in run.new_findings if f.check_code == "unknown_level1")
    assert "第 1 行" in level1.message and "成效指标" in level1.message
    # the transform's execution_rate_mismatch is not repeated
    assert "execution_rate_mismatch" not in {f.check_code for f in run.new_findings}
    assert "execution_rate_mismatch" in {f.check_code for f in run.findings}


@pytest.mark.parametrize(("mutate", "code"), [
    (lambda r: r.update(funding=[f for f in r["funding"] if f["source"] != "年度资金总额"]),
     "missing_funding"),
    (lambda r: r.update(indicators=[]), "missing_indicators"),
    (lambda r: r.update(project_name=None), "missing_project_name"),
    (lambda r: r.update(total_score=None), "missing_total"),
    (lambda r: r.update(total_weight=None), "missing_total_weight"),
    (lambda r: r.update(grade="优良"), "unreadable_grade"),
    (lambda r: r["indicators"][2].update(weight=None), "missing_weight"),
    (lambda r: r["indicators"][2].update(score=None), "missing_score"),
])
def test_structure_errors(truth, mutate, code):
    tdoc, run = _run(truth, mutate)
    hit = [f for f in run.findings if f.check_code == code]
    assert hit and hit[0].severity == "error"
    # the transform knows these too: reported once
    assert code in {f.check_code for f in tdoc.findings}
    assert code not in {f.check_code for f in run.new_findings}


def test_compound_units_are_known(truth):
    def compound(r):
        r["indicators"][0].update(target="≥300(人次/年)", actual="320(人次/年)")
        r["indicators"][4].update(target="≤1000(元/户)", actual="980(元/户)")
        r["indicators"][5].update(target="≥2(万元/人)", actual="2.5(万元/人)")

    _, run = _run(truth, compound)
    assert "unknown_unit" not in {f.check_code for f in run.findings}, [
        f.one_line() for f in run.findings]


def test_an_unknown_unit_is_still_flagged_on_both_sides(truth):
    _, run = _run(truth, lambda r: r["indicators"][5].update(target="≥85(拍)", actual="90(元/拍)"))
    msgs = [f.message for f in run.new_findings if f.check_code == "unknown_unit"]
    assert len(msgs) == 2
    assert any("年度指标值「≥85(拍)」的单位「拍」不在单位表中" in m for m in msgs)
    assert any("实际完成值「90(元/拍)」的单位「元/拍」不在单位表中" in m for m in msgs)


def test_unreadable_number_covers_the_missing_value(truth):
    tdoc, run = _run(truth, lambda r: r["indicators"][0].update(weight="abc"))
    assert "missing_weight" in {f.check_code for f in run.findings}
    assert "unreadable_number" in {f.check_code for f in tdoc.findings}
    assert validate_document(tdoc) == []


def test_qualitative_band_and_unit_mismatch(truth):
    def mutate(r):
        r["indicators"][2].update(score="5.00", actual="部分达成")
        r["indicators"][4].update(actual="100.00(人)")
        r["total_score"] = "90"

    _, run = _run(truth, mutate)
    codes = {f.check_code for f in run.findings}
    assert {"qualitative_score_out_of_band", "unit_mismatch"} <= codes
    band = next(f for f in run.findings if f.check_code == "qualitative_score_out_of_band")
    assert band.indicator == "咨询反馈及时性" and "5.00" in band.message


def _f(code, project="P", indicator=None, severity="warning"):
    return Finding(check_code=code, severity=severity, file="f.pdf", document_id="d",
                   project_name=project, page=4, message=code, indicator=indicator)


def test_dedup_rule():
    transform = [_f("total_not_sum"), _f("score_above_weight", indicator="A")]
    gx = [
        _f("total_not_sum"),  # same key: dropped
        _f("total_not_sum", project="Q"),  # other project: kept
        _f("indicator_score_mismatch", indicator="A"),  # covered by score_above_weight
        _f("indicator_score_mismatch", indicator="B"),  # other indicator: kept
        _f("unknown_level1", indicator="A"),  # nothing like it: kept
    ]
    kept = new_findings(gx, transform)
    assert [(f.check_code, f.project_name, f.indicator) for f in kept] == [
        ("total_not_sum", "Q", None),
        ("indicator_score_mismatch", "P", "B"),
        ("unknown_level1", "P", "A"),
    ]


def test_dedup_report_level_cover():
    """``covered_by_report``: a report-level blank_results covers every row of its project."""
    transform = [_f("blank_results", severity="error")]
    gx = [
        _f("missing_total", severity="error"),  # report level: covered
        _f("missing_score", severity="error"),  # the funding total row: covered
        _f("missing_score", indicator="A", severity="error"),  # an indicator row: covered
        _f("missing_score", project="Q", indicator="A", severity="error"),  # other project
        _f("missing_weight", indicator="A", severity="error"),  # not covered by blank_results
    ]
    assert [finding_key(f) for f in new_findings(gx, transform)] == [
        ("missing_score", "Q", "A"), ("missing_weight", "P", "A")]
    # an indicator-level finding of the covering code covers nothing report-wide
    assert len(new_findings(gx[2:3], [_f("blank_results", indicator="B")])) == 1


def test_dedup_covers_within_the_suites_too():
    gx = [_f("score_above_weight", indicator="A"), _f("indicator_score_mismatch", indicator="A")]
    assert [f.check_code for f in new_findings(gx, [])] == ["score_above_weight"]


def test_blank_names_share_a_key():
    assert finding_key(_f("missing_project_name", project="")) == finding_key(
        _f("missing_project_name", project=None))


def test_an_indicator_whose_level1_could_not_be_placed_is_a_warning(truth):
    def unplaced(r):
        r["indicators"][2]["level1"] = None

    _, run = _run(truth, unplaced, "unplaced.pdf")
    (f,) = [f for f in run.findings if f.check_code == "missing_level1"]
    assert f.severity == "warning" and "一级指标未能确定" in f.message
