"""The cross-year views on the corpus warehouse, against the facts in the corpus README."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.load.helpers import rows
from warehouse.schema import view_files

D = Decimal


@pytest.fixture(scope="module")
def conn(ro_engine):
    with ro_engine.connect() as c:
        yield c


@pytest.mark.parametrize("view", [f.name for f in view_files() if f.name != "v_issue_list"])
def test_every_view_returns_rows(conn, view):  # the corpus has no finding: v_issue_list elsewhere
    assert rows(conn, f"SELECT count(*) FROM {view}")[0][0] > 0


def test_low_execution(conn):
    got = rows(conn, "SELECT project_name, fiscal_year, budget_full_year, executed, "
                     "execution_rate, score, has_reason FROM v_low_execution ORDER BY 2")
    assert [tuple(r) for r in got] == [
        ("劳动保护项目", 2022, D("12.75"), D("10.97"), D("86.04"), D("8.60"), False),
        ("退管会工作", 2024, D("23.91"), D("18.65"), D("78.00"), D("7.80"), False),
    ]


def test_indicator_target_changes(conn):
    got = rows(conn, "SELECT indicator_name, prev_fiscal_year, fiscal_year, prev_target_text, "
                     "target_text, change, lowered FROM v_indicator_target_changes "
                     "ORDER BY fiscal_year, indicator_name")
    assert [tuple(r) for r in got] == [
        # 2022 was printed with lower targets than 2023 (党员满意度, 接待法律咨询职工人数) and a
        # higher one (退休市劳模体检人数): seen from 2023 these are raises and a lowering
        ("党员满意度", 2022, 2023, "≥80.00(%)", "≥85.00(%)", "raised", False),
        ("接待法律咨询职工人数", 2022, 2023, "≥ 4200.00(名)", "≥ 4500.00(名)", "raised", False),
        ("退休市劳模体检人数", 2022, 2023, "=300.00(人)", "=290.00(人)", "lowered", True),
        ("完成企业培训补贴申报审核工作", 2023, 2024, "≥350.00(家)", "≥250.00(家)", "lowered", True),
        ("接待法律咨询职工人数", 2023, 2024, "≥ 4500.00(名)", "≥ 5000.00(名)", "raised", False),
        ("灵活就业人员入会补贴人数", 2023, 2024, "=10764.00(名)", "=12000.00(名)", "raised",
         False),
    ]


def test_unmet_indicators(conn):
    got = rows(conn, "SELECT project_name, fiscal_year, indicator_name, actual_text, weight, "
                     "score, points_lost, has_reason FROM v_unmet_indicators "
                     "ORDER BY fiscal_year, project_name, indicator_name")
    assert len(got) == 10 and all(r.has_reason for r in got)
    as_tuples = {tuple(r)[:7] for r in got}
    assert ("职工心理健康服务", 2024, "个体心理咨询人次", "463.00(人次)", D("15.00"), D("13.89"),
            D("1.11")) in as_tuples
    assert ("法律援助办案补贴", 2022, "接待法律咨询职工人数", "3980.00(名)", D("10.00"),
            D("9.48"), D("0.52")) in as_tuples
    assert ("劳模慰问和管理", 2022, "退休市劳模体检人数", "281.00(人)", D("5.00"), D("4.68"),
            D("0.32")) in as_tuples
    assert sum(1 for r in got if r.project_name == "政府雇员" and r.fiscal_year == 2024
               and r.score == D("3.75") and r.weight == D("7.50")) == 4
    assert [r.fiscal_year for r in got if r.indicator_name == "完成企业培训补贴申报审核工作"] == [
        2022, 2023, 2024]


def test_project_year_over_year(conn):
    gov = rows(conn, "SELECT fiscal_year, grade, prev_grade, total_score, prev_total_score, "
                     "total_score_change, grade_changed, is_first_year "
                     "FROM v_project_year_over_year WHERE project_name = '政府雇员' ORDER BY 1")
    assert [tuple(r) for r in gov] == [
        (2022, "优", None, D("100.00"), None, None, False, True),
        (2023, "优", "优", D("99.70"), D("100.00"), D("-0.30"), False, False),
        (2024, "良", "优", D("85.00"), D("99.70"), D("-14.70"), True, False),
    ]
    labour = rows(conn, "SELECT project_id, project_name, reported_name, fiscal_year, "
                        "execution_rate, prev_execution_rate FROM v_project_year_over_year "
                        "WHERE reported_name LIKE '劳动保护%' ORDER BY fiscal_year")
    assert len({r.project_id for r in labour}) == 1
    assert [(r.reported_name, r.fiscal_year, r.project_name) for r in labour] == [
        ("劳动保护", 2022, "劳动保护项目"), ("劳动保护", 2023, "劳动保护项目"),
        ("劳动保护项目", 2024, "劳动保护项目")]
    assert labour[1].prev_execution_rate == D("86.04")
    training = rows(conn, "SELECT budget_initial, budget_full_year, prev_budget_full_year, "
                          "budget_full_year_change_pct FROM v_project_year_over_year "
                          "WHERE project_name LIKE '使用地方教育%' AND fiscal_year = 2023")
    assert tuple(training[0]) == (D("2863.00"), D("1980.00"), D("2863.00"), D("-30.84"))
    assert rows(conn, "SELECT count(*) FROM v_project_year_over_year")[0][0] == 34


def test_self_evaluation_flags(conn):
    got = rows(conn, "SELECT project_name, fiscal_year, flag_code, flag_description, items, "
                     "detail FROM v_self_evaluation_flags")
    by = {(r.project_name, r.fiscal_year, r.flag_code): r for r in got}
    assert all(r.flag_description for r in got)
    # one row per project-year-flag
    assert len(by) == len(got)
    full = {(p, y) for p, y, f in by if f == "all_full_marks"}
    assert {y: sum(1 for _, yy in full if yy == y) for y in (2022, 2023, 2024)} == {
        2022: 8, 2023: 10, 2024: 9}  # "10 of the 11 real 2023 tables"
    assert by[("法律顾问费", 2023, "actual_equals_threshold")].detail == (
        "服务对象满意程度：实际 85.00(%)，目标 ≥85.00(%)")
    assert ("劳动保护项目", 2022, "low_execution_no_reason") in by
    assert "78.00%" in by[("退管会工作", 2024, "low_execution_no_reason")].detail
    assert {(p, y) for p, y, f in by if f == "budget_cut_over_20pct"} == {
        ("劳模慰问和管理", 2023), ("使用地方教育附加专项资金开展职工职业培训工作", 2023)}
    assert {(p, y) for p, y, f in by if f == "target_lowered"} == {
        ("劳模慰问和管理", 2023), ("使用地方教育附加专项资金开展职工职业培训工作", 2024)}
    trivial = by[("政府雇员", 2024, "trivial_target")]
    assert trivial.detail == "部门工作效率提升度：目标 ≥0.00(%)，实际 0.00(%)"
    assert "年度考核分数" in by[
        ("职业化、社会化工会工作者保障经费项目", 2023, "actual_far_above_target")].detail
    reason = by[("使用地方教育附加专项资金开展职工职业培训工作", 2023, "reason_on_full_marks")]
    assert reason.items == 2 and "完成工匠培育奖励发放工作" in reason.detail
    assert not any(f == "reason_missing_below_full" for _, _, f in by)  # every miss explained
