"""``jixiao export`` and ``jixiao sql`` for people (issue 12): the workbook opened with openpyxl
(sheet names, headings, formats, widths, frozen bold header, filters, hidden ids, values against
SQL on the same warehouse), CSV with a BOM, one's own query, errors in Chinese."""

from __future__ import annotations

import csv
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from typer.testing import CliRunner

from flows.cli import app
from load.engine import reader, writer
from tests.load.conftest import UNIT_B
from warehouse.export import file_part, sheet_name
from warehouse.schema import VIEW_COLUMNS, view_column

A = "上海市闵行区总工会"
FORBIDDEN = set('/\\?*[]:')
#: a visible cell must not look like an id or a hash
ID_LIKE = re.compile(r"\b(?:prj|ind|dep)_[0-9a-f]{8,}\b|\b[0-9a-f]{32,}\b")


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def _sql(db: Path, sql: str, **params) -> tuple[list[str], list[tuple]]:
    with reader(db) as engine, engine.connect() as conn:
        result = conn.execute(text(sql), params)
        return list(result.keys()), [tuple(r) for r in result]


def _plain(v):
    """A warehouse value as the workbook holds it."""
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, bool):
        return "是" if v else "否"
    return v


def _visible(ws) -> list[int]:
    from openpyxl.utils import get_column_letter

    return [j for j in range(1, ws.max_column + 1)
            if not ws.column_dimensions[get_column_letter(j)].hidden]


def _data(ws, *, with_total: bool = False) -> list[list]:
    last = int(re.search(r"(\d+)$", ws.auto_filter.ref).group(1))
    end = ws.max_row if with_total else last
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=end)]


@pytest.fixture(scope="module")
def book(two_units, tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "报表.xlsx"
    r = _run("export", "--db", str(two_units), "--to", str(out))
    assert r.exit_code == 0, r.stderr
    return load_workbook(out)


B_LABEL = UNIT_B[1]


def test_sheet_names(book):
    names = book.sheetnames
    assert names[:11] == ["说明", "汇总", "复核优先", "逐年对比", "未达成指标", "多年未达成指标",
                          "执行率低于90%", "指标值变化", "可信度标记", "可信度权重",
                          "2024汇总-上海市闵行区总工会"]
    assert names[11:14] == ["2023汇总-上海市闵行区总工会", "2022汇总-上海市闵行区总工会",
                            "问题清单-上海市闵行区总工会"]
    # the second unit's name is too long for a sheet name: cut at 31 characters
    assert names[14] == f"2024汇总-{B_LABEL}"[:31] and names[15] == f"问题清单-{B_LABEL}"[:31]
    assert names[16:] == ["问题清单-未识别单位"]
    assert all(len(n) <= 31 and not FORBIDDEN & set(n) for n in names)
    assert len({n.lower() for n in names}) == len(names)


def test_every_sheet_bold_frozen_filtered_sized_and_no_id_visible(book):
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1]), ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        visible = _visible(ws)
        from openpyxl.utils import get_column_letter

        for j in visible:
            width = ws.column_dimensions[get_column_letter(j)].width
            assert width and width >= 6, (ws.title, j)
        for row in ws.iter_rows(min_row=1):
            for j in visible:
                v = row[j - 1].value
                assert not (isinstance(v, str) and ID_LIKE.search(v)), (ws.title, v)


def test_headers_are_chinese_with_units(book):
    heads = [c.value for c in book["汇总"][1]]
    assert heads[:8] == ["主管部门", "实施单位", "年度", "项目数（个）", "年初预算数（万元）",
                         "全年预算数（万元）", "全年执行数（万元）", "执行率（%）"]
    for ws in book.worksheets:
        for c in ws[1]:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in c.value), (ws.title, c.value)
    # a documented column is headed by its documentation (one place)
    heads = [c.value for c in book["复核优先"][1]]
    assert view_column("v_report_credibility", "credibility").header in heads
    assert VIEW_COLUMNS["reasons"].header in heads


def _formats(ws) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    heads = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        for h, c in zip(heads, row):
            if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                out.setdefault(h, set()).add(c.number_format)
    return out


def test_number_formats(book):
    f = _formats(book["汇总"])
    for h in ("年初预算数（万元）", "全年预算数（万元）", "全年执行数（万元）", "当年财政拨款（万元）"):
        assert f[h] == {"#,##0.00"}, h
    for h in ("执行率（%）", "平均总分（分）", "最低可信度（分）"):
        assert f[h] == {"0.00"}, h
    for h in ("年度", "项目数（个）", "优（个）"):
        assert f[h] == {"0"}, h
    f = _formats(book["2024汇总-上海市闵行区总工会"])
    assert f["总分（分）"] == f["可信度（分）"] == f["执行率（%）"] == {"0.00"}
    assert f["全年预算数（万元）"] == {"#,##0.00"}


def test_summary_values_match_sql(book, two_units):
    names, rows = _sql(two_units, "SELECT * FROM v_unit_year_summary "
                                  "ORDER BY department, implementing_unit, fiscal_year")
    ws = book["汇总"]
    heads = [c.value for c in ws[1]]
    assert [r[:len(names)] for r in _data(ws)] == [[_plain(v) for v in r] for r in rows]
    assert heads == [view_column("v_unit_year_summary", n).header for n in names]


def test_review_order_matches_the_credibility_view(book, two_units):
    _, rows = _sql(two_units, "SELECT review_rank, project_name, fiscal_year, credibility, "
                              "reasons FROM v_report_credibility ORDER BY review_rank")
    ws = book["复核优先"]
    heads = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(heads)}
    got = [(r[col["复核优先序（位）"]], r[col["项目名称"]], r[col["年度"]], r[col["可信度（分）"]],
            r[col["扣分原因"]]) for r in _data(ws)]
    assert got == [tuple(_plain(v) for v in r) for r in rows]


def test_unit_year_sheet_and_its_total_row(book, two_units):
    ws = book[f"2024汇总-{B_LABEL}"[:31]]
    heads = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(heads)}
    _, rows = _sql(two_units, """
        SELECT project_name, budget_full_year, total_score FROM v_project_year_over_year
        WHERE department = :d AND implementing_unit = :u AND fiscal_year = 2024
        ORDER BY total_score, project_name""", d=UNIT_B[0], u=UNIT_B[1])
    data = _data(ws)
    assert [(r[col["项目名称"]], r[col["全年预算数（万元）"]], r[col["总分（分）"]])
            for r in data] == [tuple(_plain(v) for v in r) for r in rows]
    total = _data(ws, with_total=True)[-1]
    _, (summary,) = _sql(two_units, """
        SELECT budget_full_year, executed, execution_rate, avg_total_score
        FROM v_unit_year_summary WHERE implementing_unit = :u AND fiscal_year = 2024""",
                         u=UNIT_B[1])
    assert total[0].startswith("合计")
    assert (total[col["全年预算数（万元）"]], total[col["全年执行数（万元）"]],
            total[col["执行率（%）"]], total[col["总分（分）"]]) == tuple(map(_plain, summary))
    assert ws.cell(ws.max_row, 1).font.bold
    assert ws.auto_filter.ref.endswith(str(ws.max_row - 1))  # the total row is not filtered


def test_issue_sheets_say_what_to_send_back(book, two_units):
    ws = book[f"问题清单-{B_LABEL}"[:31]]
    heads = [c.value for c in ws[1]]
    for h in ("文件名", "页码", "项目名称", "规则代码", "规则说明", "问题说明", "处理建议"):
        assert h in heads, h
    col = {h: i for i, h in enumerate(heads)}
    _, rows = _sql(two_units, """
        SELECT file_name, page, project_name, check_code, message FROM v_issue_list
        WHERE needs_action AND implementing_unit = :u ORDER BY file_name, page, issue_id""",
                   u=UNIT_B[1])
    data = _data(ws)
    assert [(r[col["文件名"]], r[col["页码"]], r[col["项目名称"]], r[col["规则代码"]],
             r[col["问题说明"]]) for r in data] == rows and rows
    titles = {r[col["规则代码"]]: r[col["规则说明"]] for r in data}
    assert titles["total_not_sum"] == "总分不等于各项得分之和"
    assert "未替换" in titles["version_not_applied"]
    assert all(r[col["严重程度"]] in ("错误", "警告") for r in data)
    # the unit that sent nothing wrong has an empty list; the unknown one holds the rest
    assert _data(book["问题清单-上海市闵行区总工会"]) == []
    unknown = _data(book["问题清单-未识别单位"])
    assert [r[col["文件名"]] for r in unknown] == ["jiaoyuju-2024-no-grade.pdf"]
    assert unknown[0][col["规则说明"]] == "缺少评分等级"


def test_text_is_never_a_formula(book):
    ws = book["指标值变化"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row
             if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)  # =300.00(人) stays text


def test_csv_per_sheet_with_bom(two_units, tmp_path):
    r = _run("export", "--db", str(two_units), "--to", str(tmp_path / "r.csv"))
    assert r.exit_code == 0, r.stderr
    files = sorted(tmp_path.glob("r-*.csv"))
    assert {f.name for f in files} >= {"r-汇总.csv", "r-复核优先.csv",
                                       f"r-{file_part('问题清单-' + B_LABEL[:26])}.csv"}
    for f in files:
        assert f.read_bytes().startswith(b"\xef\xbb\xbf"), f.name
    with (tmp_path / "r-指标值变化.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["主管部门", "实施单位", "年度"]
    assert "项目编号" not in rows[0]  # ids are left out of CSV
    targets = {row[rows[0].index("年度指标值")] for row in rows[1:]}
    assert "'=290.00(人)" in targets  # a formula to Excel otherwise


def test_export_one_query_the_same_way(corpus_db, tmp_path):
    out = tmp_path / "q.xlsx"
    query = ("SELECT project_name AS 项目, fiscal_year, budget_full_year, execution_rate, "
             "project_id FROM v_project_year_over_year WHERE fiscal_year = 2024 "
             "ORDER BY project_name")
    r = _run("export", "--db", str(corpus_db), "--to", str(out), "--query", query)
    assert r.exit_code == 0, r.stderr
    ws = load_workbook(out)["查询结果"]
    assert [c.value for c in ws[1]] == ["项目", "年度", "全年预算数（万元）", "执行率（%）", "项目编号"]
    assert ws.column_dimensions["E"].hidden and not ws.column_dimensions["D"].hidden
    _, rows = _sql(corpus_db, query)
    assert _data(ws) == [[_plain(v) for v in r] for r in rows]
    assert {ws.cell(i, 3).number_format for i in range(2, ws.max_row + 1)} == {"#,##0.00"}
    assert {ws.cell(i, 2).number_format for i in range(2, ws.max_row + 1)} == {"0"}

    q = Path("warehouse/queries/15_unit_budget_by_year.sql").resolve()
    out = tmp_path / "budget.csv"
    r = _run("export", "--db", str(corpus_db), "--to", str(out), "--file", str(q))
    assert r.exit_code == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    _, expected = _sql(corpus_db, q.read_text(encoding="utf-8"))
    assert rows[0][:6] == ["主管部门", "实施单位", "年度", "项目数（个）", "年初预算数（万元）",
                           "全年预算数（万元）"]
    assert [r[5] for r in rows[1:]] == [str(e[5]) for e in expected]


def test_export_for_one_unit(two_units, tmp_path):
    out = tmp_path / "b.xlsx"
    r = _run("export", "--db", str(two_units), "--to", str(out), "--unit", "教育局")
    assert r.exit_code == 0, r.stderr
    wb = load_workbook(out)
    assert not [n for n in wb.sheetnames if A in n]
    assert {c.value for row in wb["汇总"].iter_rows(min_row=2, max_col=1) for c in row} == {
        UNIT_B[0]}
    r = _run("export", "--db", str(two_units), "--to", str(tmp_path / "b.parquet"),
             "--unit", "教育局")
    assert r.exit_code == 0, r.stderr
    import pandas as pd

    summary = pd.read_parquet(tmp_path / "b-v_unit_year_summary.parquet")
    assert set(summary["department"]) == {UNIT_B[0]} and list(summary["fiscal_year"]) == [2024]
    r = _run("export", "--db", str(two_units), "--to", str(out), "--unit", "财政局")
    assert r.exit_code == 1 and "没有主管部门或实施单位名称包含 “财政局”" in r.stderr
    assert A in r.stderr  # the units there are


@pytest.mark.parametrize(("name", "expected"), [
    ("问题清单-a/b\\c?d*e[f]g:h", "问题清单-a／b＼c？d＊e【f】g：h"),
    ("x" * 40, "x" * 31),
    ("'quoted'", "quoted"),
    ("History", "History（表）"),
    ("", "Sheet"),
])
def test_sheet_name_rules(name, expected):
    assert sheet_name(name, set()) == expected


def test_sheet_names_are_unique_case_insensitively():
    used: set[str] = set()
    long = "问题清单-" + "单" * 40
    got = [sheet_name(n, used) for n in ("Summary", "SUMMARY", long, long, long)]
    assert got[:2] == ["Summary", "SUMMARY~2"]
    assert got[2] == long[:31] and got[3] == long[:29] + "~2" and got[4] == long[:29] + "~3"
    assert all(len(n) <= 31 for n in got)


@pytest.mark.parametrize(("args", "says"), [
    (["--to", "r.txt"], "请用 .xlsx、.csv 或 .parquet"),
    (["--to", "r.xlsx", "--query", "SELECT 1", "--file", "q.sql"], "只能用一个"),
    (["--to", "r.xlsx", "--query", "DELETE FROM dq_issue"], "查询不能修改数据仓库"),
    (["--to", "r.xlsx", "--query", "SELECT nope FROM v_low_execution"], "未知列 “nope”"),
])
def test_export_errors_name_what_is_wrong(corpus_db, tmp_path, args, says):
    args = [a if not a.startswith("r.") else str(tmp_path / a) for a in args]
    r = _run("export", "--db", str(corpus_db), *args)
    assert r.exit_code == 1 and says in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_a_warehouse_without_the_new_views_says_to_ingest(corpus_db, tmp_path):
    db = tmp_path / "old.duckdb"
    shutil.copyfile(corpus_db, db)
    with writer(db, init=False) as engine, engine.begin() as conn:
        conn.exec_driver_sql("DROP VIEW v_unit_year_summary")
    r = _run("export", "--db", str(db), "--to", str(tmp_path / "r.xlsx"))
    assert r.exit_code == 1 and "v_unit_year_summary" in r.stderr and "jixiao ingest" in r.stderr


# --------------------------------------------------------------------------------- jixiao sql

def test_sql_csv_starts_with_a_bom(corpus_db):
    r = _run("sql", "--db", str(corpus_db), "--format", "csv",
             "SELECT project_name, grade FROM v_project_year_over_year "
             "WHERE project_name = '政府雇员' ORDER BY fiscal_year")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("\ufeff")
    assert r.stdout.lstrip("\ufeff").splitlines() == [
        "project_name,grade", "政府雇员,优", "政府雇员,优", "政府雇员,良"]


def test_unknown_column_lists_the_view_columns(corpus_db):
    r = _run("sql", "--db", str(corpus_db), "SELECT projct_name FROM v_low_execution")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert "未知列 “projct_name”" in r.stderr and "是否想用 “project_name”" in r.stderr
    _, cols = _sql(corpus_db, "SELECT column_name FROM duckdb_columns() "
                              "WHERE table_name = 'v_low_execution' ORDER BY column_index")
    assert f"视图 v_low_execution 的列：{', '.join(c for (c,) in cols)}" in r.stderr
    assert "jixiao schema v_low_execution" in r.stderr and "Binder Error" in r.stderr


def test_unknown_table_lists_views_and_tables(corpus_db):
    r = _run("sql", "--db", str(corpus_db), "SELECT * FROM v_low_exec")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert "没有表或视图 “v_low_exec”" in r.stderr and "是否想用 “v_low_execution”" in r.stderr
    assert "v_report_credibility" in r.stderr and "fact_project_funding" in r.stderr


@pytest.mark.parametrize(("statement", "says"), [
    ("SELEC 1", "SQL 语法错误，在 “SELEC” 附近"),
    ("SELECT * FROM v_low_execution WHERE fiscal_year = 'abc'", "类型不符"),
    ("SELECT x.project_id FROM v_low_execution", "没有名为 “x” 的表或别名"),
    ("SELECT nosuchfunction(1)", "没有函数 “nosuchfunction”"),
    ("SELECT 'abc", "引号没有配对"),
    ("SELECT project_id FROM v_low_execution JOIN v_unmet_indicators USING (fiscal_year)",
     "列 “project_id” 在多个表或视图中都有"),
    ("SELECT department, count(*) FROM v_low_execution", "既不在 GROUP BY 中"),
])
def test_common_mistakes_are_explained_in_chinese(corpus_db, statement, says):
    r = _run("sql", "--db", str(corpus_db), statement)
    assert r.exit_code == 1 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr


# ------------------------------------------------------------------------------ jixiao schema

def test_schema_lists_and_describes(corpus_db):
    r = _run("schema")
    assert r.exit_code == 0
    for name in ("fact_project_funding", "v_report_credibility", "v_unit_year_summary",
                 "15_unit_budget_by_year"):
        assert name in r.stdout
    r = _run("schema", "v_unit_year_summary")
    assert r.exit_code == 0
    for col in ("budget_full_year", "open_issues"):
        assert col in r.stdout and VIEW_COLUMNS[col].header in r.stdout
    r = _run("schema", "fact_project_funding")
    assert r.exit_code == 0 and "全年预算数" in r.stdout
    r = _run("schema", "v_unit_year_sumary")
    assert r.exit_code == 1 and "是否想用 “v_unit_year_summary”" in r.stderr


# --------------------------------------------------------------------------------- --help

def test_every_command_help_has_a_chinese_line():
    import typer.main

    group = typer.main.get_command(app)
    assert set(group.commands) >= {"extract", "check", "ingest", "sql", "export", "issues",
                                   "schema", "serve", "status"}
    for name in group.commands:
        r = _run(name, "--help")
        assert r.exit_code == 0, name
        first = group.commands[name].help.split("\n\n")[0]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in first), name
        assert first[:12] in r.stdout, name


def test_sql_help_lists_the_views():
    from warehouse.sqlfiles import view_files

    r = _run("sql", "--help")
    for f in view_files():
        assert f.name in r.stdout


def test_export_names_a_missing_warehouse_and_a_target_it_cannot_write(corpus_db, tmp_path):
    r = _run("export", "--db", str(tmp_path / "nope.duckdb"), "--to", str(tmp_path / "r.xlsx"))
    assert r.exit_code == 1 and "没有数据仓库" in r.stderr and "jixiao ingest" in r.stderr
    (tmp_path / "taken.xlsx").mkdir()
    r = _run("export", "--db", str(corpus_db), "--to", str(tmp_path / "taken.xlsx"))
    assert r.exit_code == 1 and "无法写入" in r.stderr and r.stderr.count("\n") == 1
