"""The schema: names and key columns of DESIGN.md, every row field stored, comments in DuckDB,
types, constraints, idempotent init, the generated SCHEMA.md, the engines."""

from __future__ import annotations

from dataclasses import fields

import duckdb
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from load.engine import init_db, make_engine, writer
from transform.rows import (
    DimDepartment,
    DimIndicator,
    DimProject,
    FactCellSource,
    FactIndicatorResult,
    FactProjectEvaluation,
    FactProjectFunding,
    Finding,
    ProjectAlias,
)
from warehouse import docs
from warehouse.schema import (
    RUN_COUNTS,
    add_missing_columns,
    metadata,
    query_files,
    view_files,
)

#: DESIGN.md "Warehouse schema": table → key columns
DESIGN_COLUMNS = {
    "dim_fiscal_year": ["fiscal_year"],
    "dim_department": ["department_id", "name"],
    "dim_project": ["project_id", "project_name", "department_id", "implementing_unit_id"],
    "project_alias": ["project_id", "fiscal_year", "reported_name"],
    "dim_indicator": ["indicator_id", "project_id", "level1", "level2", "name"],
    "fact_project_funding": [
        "project_id", "fiscal_year", "funding_source", "budget_initial", "budget_full_year",
        "executed", "execution_rate", "weight", "score", "document_id", "page"],
    "fact_indicator_result": [
        "project_id", "fiscal_year", "indicator_id", "target_text", "target_kind",
        "target_operator", "target_low", "target_high", "target_unit", "actual_text",
        "actual_value", "actual_unit", "achieved", "weight", "score", "expected_score",
        "deviation_reason", "document_id", "page"],
    "fact_project_evaluation": [
        "project_id", "fiscal_year", "total_weight", "total_score", "recomputed_score", "grade",
        "expected_grade", "goal_expected", "goal_actual", "dq_status", "document_id"],
    # added (issue 13): where each fact value was printed
    "fact_cell_source": [
        "project_id", "fiscal_year", "fact", "funding_source", "indicator_id", "field", "part",
        "page", "x0", "top", "x1", "bottom", "printed", "document_id"],
    "source_document": [
        "document_id", "sha256", "file_name", "path", "bytes", "pages", "fiscal_year", "status",
        "duplicate_of", "reason", "ingested_at", "run_id"],
    "dq_issue": [
        "issue_id", "run_id", "document_id", "file_name", "fiscal_year", "project_name", "page",
        "indicator", "check_code", "severity", "message", "printed", "expected",
        "detected_at"],
    "ingest_run": ["run_id", "started_at", "finished_at", *RUN_COUNTS, "state", "alert_status",
                   "alert_detail"],
}

ROW_TYPES = {
    DimDepartment: "dim_department", DimProject: "dim_project", ProjectAlias: "project_alias",
    DimIndicator: "dim_indicator", FactProjectFunding: "fact_project_funding",
    FactIndicatorResult: "fact_indicator_result",
    FactProjectEvaluation: "fact_project_evaluation", FactCellSource: "fact_cell_source",
}


def test_tables_and_key_columns_of_design():
    assert set(metadata.tables) == set(DESIGN_COLUMNS)
    for name, cols in DESIGN_COLUMNS.items():
        missing = [c for c in cols if c not in metadata.tables[name].c]
        assert not missing, f"{name} lacks {missing}"


@pytest.mark.parametrize("row_type", list(ROW_TYPES), ids=lambda t: t.__name__)
def test_every_field_of_the_row_types_is_a_column(row_type):
    table = metadata.tables[ROW_TYPES[row_type]]
    missing = [f.name for f in fields(row_type) if f.name not in table.c]
    assert not missing, f"{table.name} lacks {missing}"


def test_every_finding_field_is_stored_in_dq_issue():
    table = metadata.tables["dq_issue"]
    stored = {"file": "file_name"}
    for f in fields(Finding):
        assert stored.get(f.name, f.name) in table.c, f.name


def test_metadata_comments_are_bilingual():
    for t in metadata.tables.values():
        assert t.comment and any("\u4e00" <= ch <= "\u9fff" for ch in t.comment), t.name
        assert t.info.get("grain"), t.name
        for c in t.columns:
            assert c.comment, f"{t.name}.{c.name}"
            assert any("\u4e00" <= ch <= "\u9fff" for ch in c.comment), f"{t.name}.{c.name}"
            assert any("a" <= ch.lower() <= "z" for ch in c.comment), f"{t.name}.{c.name}"


def test_duckdb_stores_every_comment(ro_engine):
    with ro_engine.connect() as conn:
        tables = dict(conn.execute(text(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'")).all())
        cols = {(t, c): m for t, c, m in conn.execute(text(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name = 'main'")).all()}
        views = dict(conn.execute(text(
            "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal")).all())
    for t in metadata.tables.values():
        assert tables[t.name] == t.comment
        for c in t.columns:
            assert cols[(t.name, c.name)] == c.comment, f"{t.name}.{c.name}"
    assert set(views) == {f.name for f in view_files()}
    assert all(views.values())


def test_types_money_percent_points(ro_engine):
    with ro_engine.connect() as conn:
        types = {(t, c): d for t, c, d in conn.execute(text(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'main'")).all()}
    for col in ("budget_initial", "budget_full_year", "executed"):
        assert types[("fact_project_funding", col)] == "DECIMAL(18,2)"
    for col in ("execution_rate", "computed_execution_rate", "weight", "score"):
        assert types[("fact_project_funding", col)] == "DECIMAL(9,2)"
    assert types[("fact_project_evaluation", "total_score")] == "DECIMAL(9,2)"
    assert types[("dq_issue", "issue_id")] == "INTEGER"
    assert types[("source_document", "ingested_at")] == "TIMESTAMP WITH TIME ZONE"


def test_init_db_is_idempotent_and_sequences_issue_ids(tmp_path):
    db = tmp_path / "sub" / "folder" / "w.duckdb"  # parent folders are created
    with writer(db) as engine:
        init_db(engine)  # twice
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO dq_issue (run_id, document_id, file_name, check_code, severity, "
                "message, detected_at) VALUES ('r', 'd', 'f.pdf', 'x', 'warning', '测试', now()), "
                "('r', 'd', 'f.pdf', 'y', 'error', '测试', now())"))
    with writer(db) as engine:
        with engine.connect() as conn:
            ids = conn.execute(text("SELECT issue_id FROM dq_issue ORDER BY 1")).scalars().all()
    assert ids == [1, 2]


@pytest.mark.parametrize(("table", "values"), [
    ("source_document", "('d', 's', 'f', 'p', 1, 1, 2023, 1, 'bogus', NULL, NULL, NULL, NULL, "
                        "NULL, NULL, now(), now(), 'r', NULL, NULL, NULL)"),
    ("dq_issue", "(nextval('dq_issue_id_seq'), 'r', 'd', 'f', NULL, NULL, NULL, NULL, 'x', "
                 "'info', 'm', NULL, NULL, now())"),
])
def test_check_constraints(tmp_path, table, values):
    with writer(tmp_path / "w.duckdb") as engine:
        with pytest.raises(DBAPIError, match="CHECK"), engine.begin() as conn:
            conn.execute(text(f"INSERT INTO {table} VALUES {values}"))


def test_read_only_engine_refuses_writes_and_missing_files(ro_engine, tmp_path):
    with ro_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dim_project")).scalar() > 0
        with pytest.raises(DBAPIError, match="read-only"):
            conn.execute(text("DELETE FROM dq_issue"))
    with pytest.raises(FileNotFoundError):
        make_engine(tmp_path / "nope.duckdb", read_only=True)


def test_a_warehouse_of_an_older_version_gets_the_new_columns(tmp_path):
    db = tmp_path / "old.duckdb"
    with writer(db) as engine, engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE ingest_run DROP COLUMN alert_detail")
        conn.exec_driver_sql("ALTER TABLE ingest_run DROP COLUMN state")
        conn.exec_driver_sql("INSERT INTO ingest_run (run_id, started_at) VALUES ('r', now())")
    with writer(db) as engine, engine.begin() as conn:  # the next run's schema step
        row = conn.exec_driver_sql("SELECT state, alert_detail FROM ingest_run").one()
        assert add_missing_columns(conn) == ()
    assert tuple(row) == ("running", None)


def test_schema_md_is_up_to_date():
    assert docs.SCHEMA_MD.read_text(encoding="utf-8") == docs.render(), (
        "warehouse/SCHEMA.md is stale: run .venv/bin/python -m warehouse.docs")


def test_sql_files_have_headers_and_one_statement():
    for f in (*view_files(), *query_files()):
        assert f.header, f.path
        assert len(duckdb.extract_statements(f.sql)) == 1, f"{f.path}: not one statement"
    for f in query_files():
        lines = f.header.splitlines()
        assert lines[0].startswith("问题："), f.path
        assert any(x.startswith("Question:") for x in lines), f.path
        assert any(x.startswith("Columns:") for x in lines), f.path
    assert len(query_files()) >= 8
    names = {f.name for f in view_files()}
    assert {"v_project_year_over_year", "v_indicator_target_changes", "v_unmet_indicators",
            "v_low_execution", "v_self_evaluation_flags"} <= names


def test_a_night_after_a_run_of_the_same_schema_skips_it_and_a_changed_one_does_not(tmp_path):
    """The schema is re-applied only when the last run was made under another one: a view
    dropped by hand comes back only then (the fingerprint is what says the schema is
    current)."""
    from load.runs import start_run
    from warehouse.schema import schema_fingerprint, schema_is_current

    db = tmp_path / "w.duckdb"
    with writer(db) as engine, engine.begin() as conn:
        assert not schema_is_current(conn)  # no run yet
        start_run(conn, "r1")
        conn.exec_driver_sql("DROP VIEW v_unit_year_summary")
    with writer(db) as engine, engine.begin() as conn:
        assert schema_is_current(conn)
        assert conn.exec_driver_sql("SELECT count(*) FROM duckdb_views() "
                                    "WHERE view_name = 'v_unit_year_summary'").scalar() == 0
        conn.exec_driver_sql("UPDATE ingest_run SET schema_version = 'older'")
    with writer(db) as engine, engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM duckdb_views() "
                                    "WHERE view_name = 'v_unit_year_summary'").scalar() == 1
    assert len(schema_fingerprint()) == 16
