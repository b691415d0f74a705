"""Frames of one document: one row per grain, location columns kept, computed columns right."""

from __future__ import annotations

import copy
import json
import math

import pytest

from expectations.frames import (
    FUNDING_COLUMNS,
    INDICATOR_COLUMNS,
    REPORT_COLUMNS,
    document_frames,
    funding_frame,
    indicator_frame,
    report_frame,
)
from extract.records import document_from_truth
from tests.conftest import MALFORMED, SICHUAN
from transform import transform_document


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((MALFORMED / "total-not-sum.pdf.truth.json").read_text(encoding="utf-8"))


def _tdoc(truth: dict, mutate=None, name: str = "t.pdf"):
    t = copy.deepcopy(truth)
    t["file"] = name
    if mutate:
        mutate(t["reports"][0])
    return transform_document(document_from_truth(t, sha256=f"sha-{name}"))


def test_three_grains_with_their_columns(truth):
    f = document_frames(_tdoc(truth))
    assert tuple(f.report.columns) == REPORT_COLUMNS
    assert tuple(f.funding.columns) == FUNDING_COLUMNS
    assert tuple(f.indicator.columns) == INDICATOR_COLUMNS
    assert (len(f.report), len(f.funding), len(f.indicator)) == (1, 4, 6)
    for _, df in f.items():
        assert list(df["row_id"]) == list(range(len(df))) == list(df.index)
        assert set(df["file"]) == {"t.pdf"}
        assert set(df["project_name"]) == {"法律顾问费"}
        assert set(df["page"]) == {4}
        assert set(df["fiscal_year"]) == {2023}


def test_report_sums(truth):
    r = report_frame(_tdoc(truth)).iloc[0]
    assert r["total_score"] == 98.5
    assert r["funding_score"] == 10.0 and r["sum_indicator_scores"] == 90.0
    assert r["sum_scores"] == 100.0 and r["total_diff"] == -1.5
    assert r["sum_weights"] == 100.0 and r["total_weight_diff"] == 0.0
    assert r["grade"] == "优" and r["grade_band"] == "优"
    assert (r["funding_total_rows"], r["indicator_count"]) == (1, 6)
    assert r["total_page"] == 4


def test_funding_rows(truth):
    f = funding_frame(_tdoc(truth))
    assert list(f["funding_source"]) == ["total", "appropriation", "carryover", "other"]
    total = f.iloc[0]
    assert (total["execution_rate"], total["recomputed_rate"], total["rate_diff"]) == (100, 100, 0)
    assert (total["weight"], total["score"], total["score_diff"]) == (10, 10, 0)
    assert math.isnan(f.iloc[1]["weight"])  # printed "-": no weight on the sub-rows


def test_indicator_rows(truth):
    f = indicator_frame(_tdoc(truth))
    first = f.iloc[0]
    assert first["indicator"] == first["label"] == "年度法律咨询服务完成率"
    assert (first["level1"], first["target_kind"], first["target_unit_norm"]) == (
        "产出指标", "numeric", "%")
    assert (first["target_low"], first["actual_value"], first["score_diff"]) == (100, 100, 0)
    assert list(f["position"]) == list(range(1, 7))


def test_report_carries_the_rule_sets_form(truth):
    r = report_frame(_tdoc(truth)).iloc[0]  # shanghai: 总分 and a 评分等级 row
    assert (r["total_label"], r["grade_printed"]) == ("总分", True)
    sichuan = json.loads((SICHUAN / "sichuan-2023.pdf.truth.json").read_text(encoding="utf-8"))
    tdoc = transform_document(document_from_truth(sichuan, sha256="sha-sc"), rules="sichuan")
    f = report_frame(tdoc)
    assert list(f["total_label"]) == ["合计", "合计"]
    assert list(f["grade_printed"]) == [False, False]


def test_unit_known_flags_come_from_the_transform(truth):
    def units(r):
        r["indicators"][0].update(target="≥300(人次/年)", actual="320(人次/年)")
        r["indicators"][1].update(target="≤1000(元/户)", actual="980(元/户)")
        r["indicators"][2].update(target="≥85(拍)", actual="90(拍)")

    f = indicator_frame(_tdoc(truth, units))
    rows = f[["target_unit_norm", "target_unit_known", "actual_unit_norm",
              "actual_unit_known"]].values.tolist()
    assert rows[0] == ["人次/年", True, "人次/年", True]
    assert rows[1] == ["万元/户", True, "万元/户", True]  # compound, part by part
    assert rows[2] == ["拍", False, "拍", False]
    # a value without a unit (qualitative): nothing to check
    none = f[f["target_unit_norm"].isna()]
    assert not none.empty and none["target_unit_known"].isna().all()
    assert set(f["target_unit_known"].dropna()) <= {True, False}


def test_missing_parts_leave_sums_missing(truth):
    def drop(r):
        r["indicators"][0]["score"] = None
        r["indicators"][1]["level3"] = ""
        r["grade"] = "  "

    tdoc = _tdoc(truth, drop)
    r = report_frame(tdoc).iloc[0]
    assert math.isnan(r["sum_indicator_scores"]) and math.isnan(r["total_diff"])
    assert r["grade"] is None
    ind = indicator_frame(tdoc)
    assert ind.iloc[1]["indicator"] is None and ind.iloc[1]["label"] == "第 2 行"


def test_a_document_without_reports_gives_empty_frames():
    tdoc = transform_document(document_from_truth({"file": "e.pdf", "reports": []}))
    f = document_frames(tdoc)
    assert all(df.empty for _, df in f.items())
    assert tuple(f.report.columns) == REPORT_COLUMNS
