"""The warehouse built from the three real corpus years: rows, identity across years,
bookkeeping, and re-runs that change nothing."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from load import (
    SeenKind,
    classify,
    known_projects,
    load_document,
)
from load.engine import writer
from load.runs import RunCounts, finish_run, start_run
from tests.load.helpers import YEARS, ingest, rows, scalar, snapshot, source_of
from transform import transform_document


def test_every_year_loaded(corpus_build):
    _, results = corpus_build
    assert {y: (r.status, r.reports_loaded) for y, r in results.items()} == {
        2022: ("loaded", 11), 2023: ("loaded", 11), 2024: ("loaded", 12)}
    assert all(r.issues == 0 and not r.superseded for r in results.values())


def test_row_counts(ro_engine, corpus_build):
    _, results = corpus_build
    with ro_engine.connect() as conn:
        assert rows(conn, "SELECT status, count(*) FROM source_document GROUP BY 1") == [
            ("loaded", 3)]
        assert rows(conn, "SELECT fiscal_year, count(*) FROM fact_project_evaluation "
                          "GROUP BY 1 ORDER BY 1") == [(2022, 11), (2023, 11), (2024, 12)]
        assert scalar(conn, "SELECT count(*) FROM fact_project_funding") == 34 * 4
        assert scalar(conn, "SELECT count(*) FROM fact_indicator_result") == sum(
            r.indicators_loaded for r in results.values())
        assert scalar(conn, "SELECT count(*) FROM dim_project") == 13
        assert rows(conn, "SELECT fiscal_year, label FROM dim_fiscal_year ORDER BY 1") == [
            (2022, "2022年度"), (2023, "2023年度"), (2024, "2024年度")]
        assert rows(conn, "SELECT name FROM dim_department") == [("上海市闵行区总工会",)]
        assert scalar(conn, "SELECT count(*) FROM dq_issue") == 0
        assert rows(conn, "SELECT DISTINCT dq_status FROM fact_project_evaluation") == [("ok",)]


def test_documents_recorded(ro_engine, raw):
    with ro_engine.connect() as conn:
        docs = rows(conn, "SELECT document_id, sha256, file_name, bytes, pages, fiscal_year, "
                          "reports, status, rule_set, run_id FROM source_document ORDER BY 6")
    assert [(d.file_name, d.fiscal_year, d.reports, d.pages) for d in docs] == [
        ("minhang-zonggonghui-2022.pdf", 2022, 11, 15),
        ("minhang-zonggonghui-2023.pdf", 2023, 11, 15),
        ("minhang-zonggonghui-2024.pdf", 2024, 12, 16)]
    for d in docs:
        assert d.document_id == d.sha256 == raw[str(d.fiscal_year)].sha256
        assert d.bytes == raw[str(d.fiscal_year)].bytes
        assert (d.status, d.rule_set, d.run_id) == ("loaded", "shanghai", "run-corpus")


def test_run_counts(ro_engine):
    with ro_engine.connect() as conn:
        run = conn.execute(text("SELECT * FROM ingest_run")).mappings().one()
    assert run["run_id"] == "run-corpus" and run["finished_at"] >= run["started_at"]
    assert (run["files_seen"], run["loaded"], run["reports_loaded"], run["failed"]) == (
        3, 3, 34, 0)


def test_renamed_project_keeps_one_id(ro_engine):
    with ro_engine.connect() as conn:
        aliases = rows(conn, "SELECT project_id, fiscal_year, reported_name FROM project_alias "
                             "WHERE reported_name LIKE '劳动保护%' ORDER BY fiscal_year")
        assert [(a.fiscal_year, a.reported_name) for a in aliases] == [
            (2022, "劳动保护"), (2023, "劳动保护"), (2024, "劳动保护项目")]
        assert len({a.project_id for a in aliases}) == 1
        pid = aliases[0].project_id
        assert rows(conn, "SELECT project_name, first_year, last_year FROM dim_project "
                          "WHERE project_id = :p", p=pid) == [("劳动保护项目", 2022, 2024)]
        assert scalar(conn, "SELECT count(*) FROM fact_project_evaluation "
                            "WHERE project_id = :p", p=pid) == 3


def test_indicators_keep_their_id_across_years(ro_engine):
    with ro_engine.connect() as conn:
        got = rows(conn, "SELECT d.indicator_id, d.first_year, d.last_year, "
                         "count(r.fiscal_year) AS n FROM dim_indicator d "
                         "JOIN fact_indicator_result r USING (indicator_id) "
                         "WHERE d.name = '接待法律咨询职工人数' GROUP BY ALL")
    assert [(g.first_year, g.last_year, g.n) for g in got] == [(2022, 2024, 3)]


def test_funding_and_evaluation_values(ro_engine):
    with ro_engine.connect() as conn:
        got = rows(conn, """
            SELECT a.reported_name, f.fiscal_year, f.budget_full_year, f.executed,
                   f.execution_rate, f.score, e.total_score, e.grade
            FROM fact_project_funding f
            JOIN fact_project_evaluation e USING (project_id, fiscal_year)
            JOIN project_alias a USING (project_id, fiscal_year)
            WHERE f.funding_source = 'total'
              AND (a.reported_name, f.fiscal_year) IN
                  (('劳动保护', 2022), ('退管会工作', 2024), ('政府雇员', 2023), ('政府雇员', 2024))
            ORDER BY 1, 2""")
    D = Decimal
    assert [tuple(r) for r in got] == [
        ("劳动保护", 2022, D("12.75"), D("10.97"), D("86.04"), D("8.60"), D("98.60"), "优"),
        ("政府雇员", 2023, D("26.82"), D("26.04"), D("97.09"), D("9.70"), D("99.70"), "优"),
        ("政府雇员", 2024, D("25.94"), D("25.94"), D("100.00"), D("10.00"), D("85.00"), "良"),
        ("退管会工作", 2024, D("23.91"), D("18.65"), D("78.00"), D("7.80"), D("97.80"), "优"),
    ]


def test_known_projects_round_trip(ro_engine, raw):
    with ro_engine.connect() as conn:
        seen = known_projects(conn)
    assert len(seen) == 34
    by_key = {(s.fiscal_year, s.name): s for s in seen}
    training = by_key[(2023, "使用地方教育附加专项资金开展职工职业培训工作")]
    printed = next(r for r in raw["2023"].reports if r.project_name == training.name)
    assert [i.name for i in training.indicators] == [i.level3 for i in printed.indicators]
    assert training.department == "上海市闵行区总工会"


def test_rerun_changes_nothing(db_copy, raw):
    with writer(db_copy) as engine:
        with engine.connect() as conn:
            before = snapshot(conn)
        with engine.begin() as conn:
            start_run(conn, "run-2")
            for y in YEARS:
                assert classify(conn, source_of(raw[str(y)])).kind is SeenKind.SEEN
        results = [ingest(engine, "run-2", raw[str(y)]) for y in YEARS]
        # the same transformed document handed to load_document directly: also a no-op
        tdoc = transform_document(raw["2023"])
        again = load_document(engine, "run-2", source_of(raw["2023"]), tdoc,
                              tdoc.findings, raw["2023"].page_count)
        with engine.begin() as conn:
            finish_run(conn, "run-2", RunCounts(files_seen=3))
        with engine.connect() as conn:
            after = snapshot(conn)
            runs = scalar(conn, "SELECT count(*) FROM ingest_run")
    assert [r.status for r in results] == ["seen"] * 3 and again.status == "seen"
    assert after == before
    assert runs == 2
