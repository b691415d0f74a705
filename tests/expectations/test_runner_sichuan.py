"""The suites on the Sichuan family (truth of tests/fixtures/sichuan/, rules ``sichuan``; no PDF).

The form has no 评分等级 row (no ``missing_grade``), prints compound units (``人次/年``,
``元/户``: known), and one of its reports leaves 完成值 and 得分 blank: the transform's one
``blank_results`` error covers the suites' ``missing_score`` / ``missing_total``.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from expectations.runner import all_findings, run_suites, run_suites_many
from extract.records import document_from_truth
from tests.conftest import SICHUAN
from transform import transform_document


@pytest.fixture(scope="module")
def doc():
    truth = json.loads((SICHUAN / "sichuan-2023.pdf.truth.json").read_text(encoding="utf-8"))
    return document_from_truth(truth, sha256="sha-sc")


@pytest.fixture(scope="module")
def tdoc(doc):
    return transform_document(doc, rules="sichuan")


@pytest.fixture(scope="module")
def run(tdoc):
    (r,) = run_suites_many([tdoc])
    return r


def _by_project(findings, name):
    return [f for f in findings if f.project_name and f.project_name.endswith(name)]


def test_filled_report_has_no_finding(run):
    filled = _by_project(run.findings, "高标准农田建设管护补助")
    assert filled == [], [f.one_line() for f in filled]


def test_blank_report_is_one_blank_results(tdoc, run):
    blank = _by_project(run.findings, "工资性支出")
    # what the suites see (all of it explained by blank_results) ...
    assert {f.check_code for f in blank} == {"missing_score", "missing_total"}
    assert any("缺少合计（得分）" in f.message for f in blank)
    # ... and nothing new: the defect is reported once
    assert run.new_findings == ()
    merged = all_findings(tdoc)
    assert [f.check_code for f in merged] == ["blank_results"]
    (f,) = merged
    assert f.severity == "error" and f.page == 2 and "完成值和得分均未填写" in f.message


def test_missing_grade_still_an_error_under_shanghai(doc):
    filled = replace(doc, reports=doc.reports[:1])
    shanghai = run_suites(transform_document(filled, rules="shanghai"))
    (f,) = [f for f in shanghai.findings if f.check_code == "missing_grade"]
    assert f.severity == "error" and "总分 97.88" in f.message
    assert run_suites(transform_document(filled, rules="sichuan")).findings == ()


def test_a_partly_blank_report_keeps_its_row_findings(doc):
    rep = doc.reports[0]
    ind = replace(rep.indicators[0], actual="", score="")
    part = replace(doc, reports=(replace(rep, indicators=(ind, *rep.indicators[1:])),))
    tdoc = transform_document(part, rules="sichuan")
    assert "blank_results" not in {f.check_code for f in tdoc.findings}
    gx = run_suites(tdoc)
    assert "missing_score" in {f.check_code for f in gx.findings}
    # the transform reports that missing_score itself: still once
    assert "missing_score" not in {f.check_code for f in gx.new_findings}
