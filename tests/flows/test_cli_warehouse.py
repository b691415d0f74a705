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
    assert r.returncode == 0 and r.stdout.splitlines() == ["\ufeffa,grade", "1,优"]  # BOM: Excel
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
    """The night's workbook: the findings of the malformed files go back to their unit, the
    unreadable files (no unit to be read) to 问题清单-未识别单位; CSV and parquet alike."""
    import pandas as pd
    from openpyxl import load_workbook

    r = _cli("export", "--db", db, "--to", str(tmp_path / "report.xlsx"))
    assert r.returncode == 0, r.stderr
    wb = load_workbook(tmp_path / "report.xlsx")
    unit = "上海市闵行区总工会"
    assert {"说明", "汇总", "复核优先", "逐年对比", "未达成指标", "执行率低于90%", "可信度标记",
            f"2024汇总-{unit}", f"问题清单-{unit}", "问题清单-未识别单位"} <= set(wb.sheetnames)
    sheet = wb[f"问题清单-{unit}"]
    heads = [c.value for c in sheet[1]]
    rows = [dict(zip(heads, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    by_file = {}
    for x in rows:
        by_file.setdefault(x["文件名"], []).append(x)
    (grade,) = by_file["missing-grade.pdf"]
    assert (grade["页码"], grade["项目名称"], grade["规则代码"], grade["规则说明"]) == (
        4, "退管会工作", "missing_grade", "缺少评分等级")
    assert grade["处理建议"] == "该自评表未入库：请更正后重新报送"
    assert {x["规则代码"] for x in by_file["total-not-sum.pdf"]} == {
        "total_not_sum", "version_not_applied"}
    # notices (a duplicate, a superseded report) are not sent back
    assert "zonggonghui-2023-copy.pdf" not in by_file
    assert not any(x["规则代码"] == "superseded_report" for x in rows)
    unknown = wb["问题清单-未识别单位"]
    files = {row[1].value for row in unknown.iter_rows(min_row=2)}
    assert files == {"empty.pdf", "encrypted.pdf", "not-a-pdf.pdf", "scanned-no-text.pdf",
                     "truncated.pdf"}
    assert len(wb[f"2024汇总-{unit}"]["A"]) == 12 + 2  # heading, 12 projects, 合计
    for suffix in (".csv", ".parquet"):
        r = _cli("export", "--db", db, "--to", str(tmp_path / f"report{suffix}"))
        assert r.returncode == 0, r.stderr
    low = pd.read_csv(tmp_path / "report-执行率低于90%.csv", encoding="utf-8-sig")
    assert sorted(low["年度"]) == [2022, 2024]
    low = pd.read_parquet(tmp_path / "report-v_low_execution.parquet")
    assert sorted(low["fiscal_year"]) == [2022, 2024]


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
    assert r.stdout.splitlines() == ["\ufeffs", ":abc"]
