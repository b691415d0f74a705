"""The reporting views (issue 12): the unit and the project id on every view, every view column
documented in Chinese with its unit, the budget counted once per unit, 可信度 from its weights,
the findings with the unit they go back to; on the corpus warehouse (one unit) and on
``two_units`` (a second unit that printed the same project names)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import text

from load.engine import reader
from tests.load.conftest import UNIT_B
from tests.load.helpers import rows
from warehouse.schema import VIEW_COLUMNS, catalog, query_files, view_column, view_files

D = Decimal
#: views whose grain is not a project: the flag weights (no unit either) and the unit summary
NOT_PER_PROJECT = {"v_credibility_weights", "v_unit_year_summary"}
NOT_PER_UNIT = {"v_credibility_weights"}
CJK = range(0x4E00, 0xA000)


def _has_cjk(s: str) -> bool:
    return any(ord(ch) in CJK for ch in s)


@pytest.fixture(scope="module")
def views() -> dict[str, list[str]]:
    return {r.name: [c.name for c in r.columns] for r in catalog() if r.kind == "view"}


@pytest.fixture(scope="module")
def two(two_units):
    with reader(two_units) as engine, engine.connect() as conn:
        yield conn


def test_every_reporting_view_carries_the_unit_and_the_project_id(views):
    assert set(views) == {f.name for f in view_files()}
    for name, cols in views.items():
        if name not in NOT_PER_UNIT:
            assert {"department", "implementing_unit"} <= set(cols), name
        if name not in NOT_PER_PROJECT:
            assert "project_id" in cols, name


def test_every_view_and_view_column_has_a_chinese_comment_in_duckdb(ro_engine, views):
    with ro_engine.connect() as conn:
        stored_views = dict(conn.execute(text(
            "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal")).all())
        stored = {(t, c): m for t, c, m in conn.execute(text(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name = 'main'")).all()}
    for name, cols in views.items():
        assert _has_cjk(stored_views[name]), name
        for col in cols:
            doc = view_column(name, col)
            assert doc is not None, f"{name}.{col} is not documented in VIEW_COLUMNS"
            assert stored[(name, col)] == doc.comment, f"{name}.{col}"
            assert _has_cjk(doc.label), f"{name}.{col}"


def test_view_column_docs_name_no_column_that_does_not_exist(views):
    used = {c for cols in views.values() for c in cols}
    assert set(VIEW_COLUMNS) - used == set()


def test_units_of_money_scores_and_rates_are_in_the_comments():
    for name in ("budget_full_year", "executed", "unexecuted", "appropriation_full_year"):
        assert VIEW_COLUMNS[name].unit == "万元" and "（万元）" in VIEW_COLUMNS[name].comment
    for name in ("execution_rate", "completion_pct", "budget_full_year_change_pct"):
        assert VIEW_COLUMNS[name].unit == "%"
    for name in ("total_score", "score", "credibility", "penalty", "points_lost"):
        assert VIEW_COLUMNS[name].unit == "分"


@pytest.mark.parametrize("view", sorted({f.name for f in view_files()} - NOT_PER_UNIT))
def test_every_row_of_the_corpus_carries_its_unit(ro_engine, view):
    with ro_engine.connect() as conn:
        names = {n for (n,) in rows(conn, "SELECT name FROM dim_department")}
        got = rows(conn, f"SELECT DISTINCT department, implementing_unit FROM {view}")
    assert {tuple(r) for r in got} <= {(n, n) for n in names}  # the corpus: one unit, both roles


def test_same_project_names_in_two_units_stay_apart(two):
    got = rows(two, "SELECT department, implementing_unit, project_id, total_score "
                    "FROM v_project_year_over_year WHERE project_name = '政府雇员' "
                    "AND fiscal_year = 2024 ORDER BY department")
    assert [r.department for r in got] == sorted(["上海市闵行区总工会", UNIT_B[0]])
    assert len({r.project_id for r in got}) == 2
    assert {r.implementing_unit for r in got} == {"上海市闵行区总工会", UNIT_B[1]}


def test_budget_per_unit_and_year_is_counted_once(two):
    summary = {(r.department, r.implementing_unit, r.fiscal_year): r for r in rows(
        two, "SELECT * FROM v_unit_year_summary")}
    # independently: the funding rows by the unit printed in that year's report
    by_source = defaultdict(lambda: defaultdict(D))
    for dep, unit, year, source, budget in rows(two, """
            SELECT d.name, u.name, f.fiscal_year, f.funding_source, f.budget_full_year
            FROM fact_project_funding f
            JOIN project_alias a USING (project_id, fiscal_year)
            JOIN dim_department d ON d.department_id = a.department_id
            JOIN dim_department u ON u.department_id = a.implementing_unit_id
            JOIN source_document s ON s.document_id = f.document_id AND s.status = 'loaded'"""):
        by_source[(dep, unit, year)][source] += budget or 0
    assert set(summary) == set(by_source)
    assert (UNIT_B[0], UNIT_B[1], 2024) in summary
    for key, sources in by_source.items():
        s = summary[key]
        assert s.budget_full_year == sources["total"], key
        assert s.appropriation_full_year == sources["appropriation"], key
        # adding every funding row counts the money twice: the sources split the total
        assert sum(sources.values()) != s.budget_full_year
        assert s.appropriation_full_year + s.carryover_full_year + s.other_full_year == (
            s.budget_full_year)
        assert s.execution_rate == round(s.executed / s.budget_full_year * 100, 2)


def test_summary_counts_agree_with_the_detail_views(two):
    for s in rows(two, "SELECT * FROM v_unit_year_summary"):
        key = {"d": s.department, "u": s.implementing_unit, "y": s.fiscal_year}
        where = "department = :d AND implementing_unit = :u AND fiscal_year = :y"
        y = rows(two, f"SELECT count(*) AS n, avg(total_score) AS avg, "
                      f"count(*) FILTER (WHERE grade = '优') AS excellent "
                      f"FROM v_project_year_over_year WHERE {where}", **key)[0]
        assert (s.projects, s.grade_excellent) == (y.n, y.excellent)
        assert s.avg_total_score == round(D(y.avg), 2)
        assert s.unmet_indicators == rows(
            two, f"SELECT count(*) FROM v_unmet_indicators WHERE {where}", **key)[0][0]
        assert s.low_execution == rows(
            two, f"SELECT count(*) FROM v_low_execution WHERE {where}", **key)[0][0]
        assert s.open_issues == rows(
            two, f"SELECT count(*) FROM v_issue_list WHERE needs_action AND {where}", **key)[0][0]


def test_credibility_is_100_minus_the_weighted_flags(ro_engine):
    with ro_engine.connect() as conn:
        weights = {r.flag_code: r for r in rows(conn, "SELECT * FROM v_credibility_weights")}
        flags = rows(conn, "SELECT project_id, fiscal_year, flag_code, flag_description, items, "
                           "penalty FROM v_self_evaluation_flags")
        cred = rows(conn, "SELECT * FROM v_report_credibility ORDER BY review_rank")
        reports = rows(conn, "SELECT count(*) FROM fact_project_evaluation")[0][0]
    penalty: dict[tuple, int] = defaultdict(int)
    for f in flags:
        w = weights[f.flag_code]
        expected = min(w.first_penalty + w.per_extra_item * (f.items - 1), w.max_penalty)
        assert f.penalty == expected, f
        penalty[(f.project_id, f.fiscal_year)] += expected
    assert len(cred) == reports  # every report gets a score, flagged or not
    assert [r.review_rank for r in cred] == list(range(1, reports + 1))
    for r in cred:
        assert r.credibility == max(0, 100 - penalty[(r.project_id, r.fiscal_year)])
        mine = [f for f in flags if (f.project_id, f.fiscal_year) == (r.project_id, r.fiscal_year)]
        assert r.flags == len(mine)
        for f in mine:  # every reason named in Chinese with its penalty
            assert f"{f.flag_description}（扣 {f.penalty} 分）" in r.reasons
        if not mine:
            assert r.reasons == "无可信度标记" and r.credibility == 100
    keys = [(r.credibility, -r.total_score) for r in cred]
    assert keys == sorted(keys)  # lowest credibility first, then the higher self-score


def test_every_flag_code_has_a_weight(ro_engine):
    import re

    from warehouse.sqlfiles import VIEWS_DIR

    sql = (VIEWS_DIR / "v_self_evaluation_flags.sql").read_text(encoding="utf-8")
    items = sql[sql.index("items AS ("):sql.index("grouped AS (")]
    codes = set(re.findall(r"'([a-z_0-9]+)'(?:,| AS flag_code)", items))
    with ro_engine.connect() as conn:
        weighted = {c for (c,) in rows(conn, "SELECT flag_code FROM v_credibility_weights")}
    assert codes and codes == weighted


def test_unit_rank_restarts_per_unit(two):
    got = rows(two, "SELECT department, implementing_unit, unit_rank, review_rank "
                    "FROM v_report_credibility ORDER BY review_rank")
    per_unit = defaultdict(list)
    for r in got:
        per_unit[(r.department, r.implementing_unit)].append(r.unit_rank)
    assert len(per_unit) == 2
    assert all(ranks == list(range(1, len(ranks) + 1)) for ranks in per_unit.values())


def test_indicators_never_met(ro_engine):
    with ro_engine.connect() as conn:
        got = rows(conn, "SELECT * FROM v_indicators_never_met")
        by_year = rows(conn, """
            SELECT indicator_id, bool_or(achieved) AS ever, count(*) FILTER (WHERE NOT achieved)
                AS missed
            FROM fact_indicator_result GROUP BY indicator_id""")
    expected = {r.indicator_id for r in by_year if not r.ever and r.missed >= 2}
    assert {r.indicator_id for r in got} == expected and expected
    (training,) = got
    assert training.years == "2022,2023,2024" and training.years_missed == 3
    assert training.department == training.implementing_unit == "上海市闵行区总工会"
    assert "2024：目标 ≥250.00(家)，实际 241.00(家)" in training.history


def test_issue_list_finds_the_unit_a_finding_goes_back_to(two):
    got = rows(two, "SELECT * FROM v_issue_list ORDER BY issue_id")
    by_file = defaultdict(list)
    for r in got:
        by_file[r.file_name].append(r)
    # the kept version tells the unit of a new version that was not applied
    v2 = {r.check_code: r for r in by_file["jiaoyuju-2024-tuiguanhui-v2.pdf"]}
    assert v2["version_not_applied"].unit_basis == "已入库版本"
    assert v2["total_not_sum"].unit_basis == "同一文件"
    for r in v2.values():
        assert (r.department, r.implementing_unit) == UNIT_B and r.needs_action
        assert r.project_id is not None
    assert "请改正所列问题后重新报送" in v2["version_not_applied"].action
    # a quarantined report whose name both units printed: no unit is guessed
    (no_grade,) = by_file["jiaoyuju-2024-no-grade.pdf"]
    assert (no_grade.department, no_grade.implementing_unit, no_grade.unit_basis) == (
        None, None, None)
    assert no_grade.action == "该自评表未入库：请更正后重新报送" and no_grade.needs_action


def test_every_documented_query_carries_the_unit_when_it_is_per_unit():
    for f in query_files():
        if "各单位" in f.header:
            cols = next(x for x in f.header.splitlines() if x.startswith("Columns:"))
            assert cols.startswith("Columns: department, implementing_unit"), f.name
    per_unit = [f.name for f in query_files() if "各单位" in f.header]
    assert len(per_unit) >= 5
