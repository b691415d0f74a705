"""Every documented query of warehouse/queries runs through a read-only engine in one statement
and returns what the corpus README says."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from warehouse.schema import query_files

D = Decimal
QUERIES = {f.name: f for f in query_files()}
TRAINING = "使用地方教育附加专项资金开展职工职业培训工作"


@pytest.fixture(scope="module")
def run(ro_engine):
    results = {}
    with ro_engine.connect() as conn:
        for name, f in QUERIES.items():
            res = conn.execute(text(f.sql))
            results[name] = (list(res.keys()), res.all())
        with pytest.raises(DBAPIError, match="read-only"):
            conn.execute(text("INSERT INTO dim_fiscal_year VALUES (2030, '2030年度')"))
    return results


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_columns_match_its_header(run, name):
    header = QUERIES[name].header.splitlines()
    declared = next(x for x in header if x.startswith("Columns:"))
    assert run[name][0] == [c.strip() for c in declared.removeprefix("Columns:").split(",")]


def _t(rows, *cols):
    return [tuple(getattr(r, c) for c in cols) for r in rows]


def test_01_low_execution_this_and_last_year(run):
    assert _t(run["01_low_execution_this_and_last_year"][1], "project_name", "last_year",
              "rate_last_year", "this_year", "rate_this_year", "under_90_both_years") == [
        ("退管会工作", 2023, D("100.00"), 2024, D("78.00"), False)]


def test_02_grade_distribution(run):
    assert _t(run["02_grade_distribution"][1], "fiscal_year", "grade", "projects") == [
        (2022, "优", 11), (2023, "优", 11), (2024, "优", 11), (2024, "良", 1)]


def test_03_self_score_above_recomputed(run):
    # every corpus total equals its recomputation (the malformed case: test_history)
    assert run["03_self_score_above_recomputed"][1] == []


def test_04_indicators_missed_two_years(run):
    assert _t(run["04_indicators_missed_two_years"][1], "project_name", "indicator_name",
              "first_year", "second_year", "first_actual", "second_actual") == [
        (TRAINING, "完成企业培训补贴申报审核工作", 2022, 2023, "223.00(家)", "223.00(家)"),
        (TRAINING, "完成企业培训补贴申报审核工作", 2023, 2024, "223.00(家)", "241.00(家)")]


def test_05_budget_cut_mid_year(run):
    assert _t(run["05_budget_cut_mid_year"][1], "fiscal_year", "project_name",
              "budget_initial", "budget_full_year", "cut_pct") == [
        (2023, TRAINING, D("2863.00"), D("1980.00"), D("-30.84")),
        (2023, "劳模慰问和管理", D("142.60"), D("101.26"), D("-28.99"))]


def test_06_all_indicators_full_marks(run):
    got = run["06_all_indicators_full_marks"][1]
    per_year = {y: sorted(r.project_name for r in got if r.fiscal_year == y)
                for y in (2022, 2023, 2024)}
    assert {y: len(v) for y, v in per_year.items()} == {2022: 8, 2023: 10, 2024: 9}
    assert TRAINING not in per_year[2023]  # the one 2023 table with a missed indicator
    assert "政府雇员" not in per_year[2024] and "职工心理健康服务" not in per_year[2024]
    assert "职工疗休养补贴" in per_year[2022]


def test_07_satisfaction_at_threshold(run):
    got = run["07_satisfaction_at_threshold"][1]
    assert {y: sum(1 for r in got if r.fiscal_year == y) for y in (2022, 2023, 2024)} == {
        2022: 8, 2023: 8, 2024: 8}
    assert ("法律顾问费", "服务对象满意程度", "≥85.00(%)", "85.00(%)") in _t(
        [r for r in got if r.fiscal_year == 2023], "project_name", "indicator_name",
        "target_text", "actual_text")
    assert ("政府雇员", "≥90.00(%)", "90.00(%)") in _t(got, "project_name", "target_text",
                                                     "actual_text")
    assert "党员满意度" not in {r.indicator_name for r in got}


def test_08_new_and_discontinued_projects(run):
    assert _t(run["08_new_and_discontinued_projects"][1], "fiscal_year", "change",
              "project_name", "years_reported") == [
        (2023, "new", "群团改革专项", "2023,2024"),
        (2023, "discontinued", "职工疗休养补贴", "2022"),
        (2024, "new", "职工心理健康服务", "2024")]


def test_09_total_score_change(run):
    got = run["09_total_score_change"][1]
    assert len(got) == 21  # 34 project-years minus 13 first years
    assert _t(got[:2], "fiscal_year", "project_name", "prev_total_score", "total_score",
              "total_score_change", "prev_grade", "grade", "grade_changed") == [
        (2024, "政府雇员", D("99.70"), D("85.00"), D("-14.70"), "优", "良", True),
        (2024, "退管会工作", D("100.00"), D("97.80"), D("-2.20"), "优", "优", False)]
    assert [r.project_name for r in got if r.grade_changed] == ["政府雇员"]


def test_10_targets_lowered(run):
    assert _t(run["10_targets_lowered"][1], "fiscal_year", "project_name", "indicator_name",
              "prev_target_text", "target_text", "achieved") == [
        (2023, "劳模慰问和管理", "退休市劳模体检人数", "=300.00(人)", "=290.00(人)", True),
        (2024, TRAINING, "完成企业培训补贴申报审核工作", "≥350.00(家)", "≥250.00(家)", False)]


def test_11_documents_not_loaded(run):
    assert run["11_documents_not_loaded"][1] == []  # see test_history for the other cases


def test_12_self_evaluation_flag_summary(run):
    got = run["12_self_evaluation_flag_summary"][1]
    top_2024 = got[0]
    assert (top_2024.fiscal_year, top_2024.project_name, top_2024.flags) == (2024, TRAINING, 4)
    assert top_2024.flag_codes == ("actual_equals_threshold, reason_on_full_marks, "
                                   "target_lowered, trivial_target")
    # every corpus project-year but one carries at least one flag
    assert len(got) == 33
    assert ("职工心理健康服务", 2024) not in _t(got, "project_name", "fiscal_year")
