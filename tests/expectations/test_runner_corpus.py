"""The suites on the corpus: nothing on good files, each malformed file's defect with its numbers."""

from __future__ import annotations

import pytest

from expectations.runner import (
    all_findings,
    finding_key,
    run_suites,
    run_suites_many,
    validate_document,
)
from tests.expectations.conftest import GOOD, MALFORMED_READABLE

#: file → (check code, severity, project, indicator, texts the message must contain)
DEFECTS = {
    "total-not-sum.pdf": ("total_not_sum", "warning", "法律顾问费", None, ("98.5", "100.00")),
    "score-above-weight.pdf": ("score_above_weight", "warning", "残疾人就业保障金",
                               "残疾人保障金计提率", ("12.00", "10.00")),
    "weights-not-100.pdf": ("weights_not_100", "warning", "党建经费", None, ("95",)),
    "grade-not-total.pdf": ("grade_mismatch", "warning", "劳动保护", None, ("82", "优", "良")),
    "rate-not-executed.pdf": ("execution_rate_mismatch", "warning", "残疾人就业保障金", None,
                              ("89.90", "100.00", "7.21", "8.02")),
    "missing-grade.pdf": ("missing_grade", "error", "退管会工作", None, ("评分等级",)),
}
#: every code the suites raise on each malformed file, before deduplication (no false alarm)
RAW_CODES = {
    "total-not-sum.pdf": {"total_not_sum"},
    # the 12.00 row also misses the rule's 10.00; the other row scored 8.00 of 10.00
    "score-above-weight.pdf": {"score_above_weight", "indicator_score_mismatch"},
    "weights-not-100.pdf": {"weights_not_100"},
    "grade-not-total.pdf": {"grade_mismatch"},
    # the score 10.00 follows the printed rate, not the executed 89.90 %
    "rate-not-executed.pdf": {"execution_rate_mismatch", "funding_score_mismatch"},
    "missing-grade.pdf": {"missing_grade"},
}


@pytest.mark.parametrize("name", [*GOOD])
def test_good_corpus_has_no_finding(validated, name):
    v = validated[name]
    assert v.tdoc.reports
    assert v.run.findings == (), [f.one_line() for f in v.run.findings]
    assert validate_document(v.tdoc) == []


def test_layout_variants_have_no_finding(validated):
    variants = [v for n, v in validated.items() if n not in (*GOOD, *MALFORMED_READABLE)]
    assert len(variants) >= 8
    for v in variants:
        assert v.run.findings == (), (v.name, [f.one_line() for f in v.run.findings])


@pytest.mark.parametrize("name", MALFORMED_READABLE)
def test_malformed_file_defect_found_with_numbers(validated, name):
    code, severity, project, indicator, texts = DEFECTS[name]
    v = validated[name]
    hits = [f for f in v.run.findings if f.check_code == code]
    assert hits, [f.one_line() for f in v.run.findings]
    f = hits[0]
    assert f.severity == severity
    assert f.project_name == project
    assert f.indicator == indicator
    assert f.file == name and f.page == 4 and f.fiscal_year is not None
    for t in texts:
        assert t in f.message, (t, f.message)
    assert {x.check_code for x in v.run.findings} == RAW_CODES[name]


def test_missing_grade_is_an_error_that_quarantines(validated):
    f = next(f for f in validated["missing-grade.pdf"].run.findings)
    assert (f.check_code, f.severity) == ("missing_grade", "error")


def test_printed_and_expected_fields(validated):
    f = next(f for f in validated["total-not-sum.pdf"].run.findings)
    assert (f.printed, f.expected) == ("98.50", "100.00")
    f = next(f for f in validated["rate-not-executed.pdf"].run.findings
             if f.check_code == "execution_rate_mismatch")
    assert (f.printed, f.expected) == ("100.00", "89.90")
    f = next(f for f in validated["grade-not-total.pdf"].run.findings)
    assert (f.printed, f.expected) == ("优", "良")


@pytest.mark.parametrize("name", MALFORMED_READABLE)
def test_no_defect_reported_twice(validated, name):
    v = validated[name]
    # the transform already reports every corpus defect: the suites add nothing new
    assert v.run.new_findings == ()
    merged = all_findings(v.tdoc)
    assert merged == list(v.tdoc.findings)
    code = DEFECTS[name][0]
    keys = [finding_key(f) for f in merged if f.check_code == code]
    # one finding per defect (two funding rows each misprint the rate in rate-not-executed)
    assert len(keys) == (2 if code == "execution_rate_mismatch" else 1)


def test_covered_by_hides_the_consequence(validated):
    run = validated["rate-not-executed.pdf"].run
    assert any(f.check_code == "funding_score_mismatch" for f in run.findings)
    assert not any(f.check_code == "funding_score_mismatch" for f in run.new_findings)
    run = validated["score-above-weight.pdf"].run
    over = [f for f in run.findings if f.check_code == "indicator_score_mismatch"
            and f.indicator == "残疾人保障金计提率"]
    assert over and over[0] not in run.new_findings


def test_batch_validation_gives_the_same_findings(validated):
    names = [*GOOD, *MALFORMED_READABLE]
    runs = run_suites_many([validated[n].tdoc for n in names])
    for n, r in zip(names, runs, strict=True):
        assert r.file == n
        assert r.findings == validated[n].run.findings
        assert r.new_findings == validated[n].run.new_findings


def test_progress_bars_are_silent(validated, capfd):
    run_suites(validated["total-not-sum.pdf"].tdoc)
    out, err = capfd.readouterr()
    assert "Calculating Metrics" not in out + err
    assert "%|" not in err


def test_validation_time_per_document(validated):
    """Measured with the GX context warm (its creation is once per process)."""
    lines = [f"{v.name:42s} {len(v.tdoc.reports):3d} reports {v.seconds:6.3f} s"
             for v in validated.values()]
    print("\n" + "\n".join(lines))
    three = sum(validated[n].seconds for n in GOOD)
    print(f"three sample files together: {three:.3f} s")
    assert all(v.seconds < 5 for v in validated.values())
