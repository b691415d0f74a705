"""The transform over every corpus truth: grammar coverage, scores, defects of the malformed files."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from corpus_helpers import CORPUS, GOOD, all_truth_paths, corpus_doc

from transform.build import transform_document, transform_documents
from transform.targets import parse_actual, parse_target

PARSED_KINDS = {"numeric", "range", "qualitative", "period"}


def _strings():
    out = []
    for p in all_truth_paths():
        d = json.loads(p.read_text(encoding="utf-8"))
        for r in d["reports"]:
            for i in r["indicators"]:
                out.append((p.name, r["project_name"], i["level3"], i["target"], i["actual"]))
    return out


STRINGS = _strings()


def test_corpus_has_strings():
    assert len(STRINGS) > 400


def test_every_corpus_target_and_actual_parses():
    bad = []
    for file, project, name, target, actual in STRINGS:
        t, a = parse_target(target), parse_actual(actual)
        if t.kind not in PARSED_KINDS:
            bad.append((file, project, name, "target", target, t.kind, t.reason))
        if a.kind not in PARSED_KINDS:
            bad.append((file, project, name, "actual", actual, a.kind, a.reason))
    assert bad == []


@pytest.mark.parametrize("name", [*GOOD, "zonggonghui-2023-copy.pdf"])
def test_good_corpus_has_no_findings_and_every_score_as_printed(name):
    t = transform_document(corpus_doc(name))
    assert [f.one_line() for f in t.findings] == []
    assert t.dq_status == "ok"
    for r in t.results:
        assert r.expected_score is not None, r
        assert r.expected_score == r.score, r
        assert r.achieved is not None, r
    for f in t.funding:
        if f.funding_source == "total":
            assert f.expected_score == f.score
        if f.computed_execution_rate is not None:
            assert f.computed_execution_rate == f.execution_rate
    for e in t.evaluations:
        assert e.recomputed_score == e.total_score
        assert e.grade == e.expected_grade


def _report(t, project):
    return next(r for r in t.reports if r.project_name == project)


def test_real_2023_published_numbers():
    t = transform_document(corpus_doc("minhang-zonggonghui-2023.pdf"))
    training = _report(t, "使用地方教育附加专项资金开展职工职业培训工作")
    assert training.evaluation.total_score == D("97.81")
    assert training.evaluation.recomputed_score == D("97.81")
    audit = next(r for r in training.results if r.target_text == "≥350.00(家)")
    assert (audit.expected_score, audit.score, audit.achieved) == (D("3.19"), D("3.19"), False)
    assert training.funding[0].budget_initial == D("2863.00")

    employees = _report(t, "政府雇员")
    total = employees.funding[0]
    assert (total.executed, total.budget_full_year, total.computed_execution_rate) == (
        D("26.04"), D("26.82"), D("97.09"))
    assert total.expected_score == D("9.70")

    reform = _report(t, "群团改革专项")
    assert reform.funding[0].expected_score == D("9.98")
    assert reform.evaluation.total_score == D("99.98")


def test_synthetic_years_partial_scores():
    out, _ = transform_documents([corpus_doc(n) for n in GOOD])
    partial = {(r.fiscal_year, r.target_text, r.actual_text): r.expected_score
               for t in out for r in t.results if r.achieved is False}
    assert partial[(2022, "≥ 4200.00(名)", "3980.00(名)")] == D("9.48")
    assert partial[(2022, "=300.00(人)", "281.00(人)")] == D("4.68")
    assert partial[(2024, "≥250.00(家)", "241.00(家)")] == D("4.82")
    assert partial[(2024, "≥500.00(人次)", "463.00(人次)")] == D("13.89")
    y2022, _, y2024 = out
    assert _report(y2022, "劳动保护").funding[0].expected_score == D("8.60")
    assert _report(y2024, "退管会工作").funding[0].expected_score == D("7.80")
    employees = _report(y2024, "政府雇员").evaluation
    assert (employees.total_score, employees.grade, employees.expected_grade) == (D(85), "良", "良")


#: malformed truth → the check codes it must produce (and nothing else)
DEFECTS = {
    "total-not-sum.pdf": {"total_not_sum"},
    "score-above-weight.pdf": {"score_above_weight", "indicator_score_mismatch"},
    "weights-not-100.pdf": {"weights_not_100"},
    "grade-not-total.pdf": {"grade_mismatch"},
    "rate-not-executed.pdf": {"execution_rate_mismatch"},
    "missing-grade.pdf": {"missing_grade"},
    # a second version of a 2023 report: consistent in itself; the conflict is the loader's
    "minhang-zonggonghui-2023-revised.pdf": set(),
}


@pytest.mark.parametrize(("name", "expected"), sorted(DEFECTS.items()))
def test_malformed_defects_found(name, expected):
    t = transform_document(corpus_doc(name))
    assert {f.check_code for f in t.findings} == expected
    for f in t.findings:
        assert f.file == name and f.page == 4 and f.project_name


def test_malformed_messages_carry_both_numbers():
    def msgs(name):
        return " ".join(f.message for f in transform_document(corpus_doc(name)).findings)

    assert "98.50" in msgs("total-not-sum.pdf") and "100.00" in msgs("total-not-sum.pdf")
    m = msgs("score-above-weight.pdf")
    assert "12.00" in m and "10.00" in m and "8.00" in m
    assert "95.00" in msgs("weights-not-100.pdf")
    m = msgs("grade-not-total.pdf")
    assert "82.00" in m and "优" in m and "良" in m
    m = msgs("rate-not-executed.pdf")
    assert "100.00" in m and "89.90" in m and "7.21/8.02" in m
    t = transform_document(corpus_doc("missing-grade.pdf"))
    assert t.findings[0].severity == "error" and t.dq_status == "error"


def test_unreadable_files_give_no_rows():
    for name in ("empty.pdf", "encrypted.pdf", "truncated.pdf", "not-a-pdf.pdf",
                 "scanned-no-text.pdf"):
        t = transform_document(corpus_doc(name))
        assert t.reports == () and t.findings == ()


def test_variant_layout_truths_parse_too():
    """The extractor's layout variants (Sichuan-style unit column, 元, worded operators …)."""
    variants = sorted((CORPUS.parent / "variants").glob("*.truth.json"))
    if not variants:
        pytest.skip("no variant fixtures")
    bad = []
    for p in variants:
        for r in json.loads(p.read_text(encoding="utf-8")).get("reports", []):
            for i in r["indicators"]:
                t = parse_target(i["target"], operator=i.get("target_operator"),
                                 unit=i.get("target_unit"))
                a = parse_actual(i["actual"], unit=i.get("target_unit"))
                if t.kind not in PARSED_KINDS or a.kind not in PARSED_KINDS:
                    bad.append((p.name, i["target"], t.kind, i["actual"], a.kind))
    assert bad == []
