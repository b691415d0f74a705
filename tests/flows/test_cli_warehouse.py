"""jixiao sql / export / issues on the warehouse the night's run left (read-only)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# one worker runs every flow test: one Prefect harness, one night's run
pytestmark = pytest.mark.xdist_group("flows")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def db(night) -> str:
    return str(night["db"])


def test_sql_json_is_one_array_of_objects(db):
    r = _cli("sql", "--db", db, "--format", "json",
             "SELECT project_name, fiscal_year, execution_rate FROM v_low_execution ORDER BY 2")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [(x["fiscal_year"], x["execution_rate"]) for x in rows] == [(2022, 86.04), (2024, 78.0)]


def test_sql_csv_and_table(db):
    r = _cli("sql", "--db", db, "--format", "csv", "SELECT 1 AS a, '优' AS grade")
    assert r.returncode == 0 and r.stdout.splitlines() == ["a,grade", "1,优"]
    r = _cli("sql", "--db", db, "SELECT count(*) AS n FROM fact_project_evaluation")
    assert r.returncode == 0 and "34" in r.stdout and "1 row(s)" in r.stdout


@pytest.mark.parametrize("statement", ["DELETE FROM dq_issue",
                                       "CREATE TABLE x (a INTEGER)",
                                       "UPDATE fact_project_evaluation SET grade = '差'"])
def test_sql_refuses_to_write(db, statement):
    r = _cli("sql", "--db", db, statement)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "read-only" in r.stderr and "Traceback" not in r.stderr


def test_sql_bad_statement_one_line(db):
    r = _cli("sql", "--db", db, "SELEC 1")
    assert r.returncode == 1 and r.stderr.startswith("jixiao sql: ") and r.stderr.count("\n") == 1


def test_export_xlsx_csv_parquet(db, tmp_path):
    import pandas as pd

    r = _cli("export", "--db", db, "--to", str(tmp_path / "report.xlsx"))
    assert r.returncode == 0, r.stderr
    sheets = pd.read_excel(tmp_path / "report.xlsx", sheet_name=None)
    assert set(sheets) == {"v_project_year_over_year", "v_indicator_target_changes",
                           "v_unmet_indicators", "v_low_execution", "v_self_evaluation_flags"}
    assert len(sheets["v_project_year_over_year"]) == 34
    for suffix in (".csv", ".parquet"):
        r = _cli("export", "--db", db, "--to", str(tmp_path / f"report{suffix}"))
        assert r.returncode == 0, r.stderr
        low = tmp_path / f"report-v_low_execution{suffix}"
        df = pd.read_csv(low) if suffix == ".csv" else pd.read_parquet(low)
        assert sorted(df["fiscal_year"]) == [2022, 2024]


def test_issues_newest_first_and_filters(db):
    r = _cli("issues", "--db", db, "--format", "json", "--limit", "500")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    stamps = [x["detected_at"] for x in rows]
    assert rows and stamps == sorted(stamps, reverse=True)
    r = _cli("issues", "--db", db, "--severity", "error", "--file", "missing-grade", "--format",
             "json")
    (row,) = json.loads(r.stdout)
    assert row["check_code"] == "missing_grade" and row["project_name"] == "退管会工作"
    r = _cli("issues", "--db", db, "--year", "2023")
    assert r.returncode == 0 and "issue(s)" in r.stdout and "第 4 页" in r.stdout


def test_every_documented_query_runs_from_its_file(db):
    from warehouse.schema import query_files

    for q in query_files():
        r = _cli("sql", "--db", db, "--format", "json", "--file", str(q.path))
        assert r.returncode == 0, f"{q.name}: {r.stderr}"
        assert isinstance(json.loads(r.stdout), list)


def test_ingest_names_a_missing_path(tmp_path):
    r = _cli("ingest", str(tmp_path / "no-such-inbox"), "--db", str(tmp_path / "w.duckdb"))
    assert r.returncode == 1 and "no such file or folder" in r.stderr
    assert not (tmp_path / "w.duckdb").exists()


HOSTILE = [  # (statement, what the refusal says)
    ("COPY (SELECT * FROM dq_issue) TO '{tmp}/out.csv'", "no other file"),
    ("EXPORT DATABASE '{tmp}/export'", "no other file"),
    ("SELECT * FROM read_text('/proc/self/environ')", "no other file"),
    ("SELECT * FROM read_csv('/etc/passwd')", "no other file"),
    ("SELECT * FROM glob('/etc/*')", "no other file"),
    ("ATTACH '{tmp}/other.duckdb' (READ_WRITE)", "no other file"),
    ("SET enable_external_access = true", "no setting"),
    ("INSTALL httpfs", "no other file"),
    ("SELECT 1; DELETE FROM dq_issue", "one statement at a time (2 given)"),
]


@pytest.mark.parametrize(("statement", "says"), HOSTILE, ids=[h[0][:24] for h in HOSTILE])
def test_sql_reads_the_warehouse_and_nothing_else(db, tmp_path, statement, says):
    from typer.testing import CliRunner

    from flows.cli import app

    r = CliRunner().invoke(app, ["sql", "--db", db, statement.format(tmp=tmp_path)])
    assert r.exit_code == 1, r.stdout
    assert says in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_colon_in_a_string_is_no_parameter(db):
    r = _cli("sql", "--db", db, "--format", "csv", "SELECT ':abc' AS s")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["s", ":abc"]
