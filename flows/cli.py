"""The ``jixiao`` command line (entry points only: each command calls the layers below).

Heavy imports (Prefect, SQLAlchemy, Great Expectations) stay inside the commands that need
them, so ``jixiao extract`` starts fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer

from extract.errors import safe_name
from flows.inbox import find_pdfs, scan

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="jixiao (绩效): 财政项目支出绩效自评表 PDFs → checked, queryable warehouse tables.",
)

#: exit status for a file that cannot be read (CLI contract, see README)
EXIT_UNREADABLE = 2


@app.command()
def extract(
    files: list[Path] = typer.Argument(..., help="PDF file(s), or folders of PDFs"),
    summary: bool = typer.Option(
        False, "--summary", help="print one line per report instead of the JSON"),
    compact: bool = typer.Option(False, "--compact", help="JSON on one line"),
    no_ocr: bool = typer.Option(
        False, "--no-ocr", help="do not read pages without a text layer by OCR (such a file "
                                "fails with no_text_layer)"),
) -> None:
    """读取自评表 PDF，按原样输出提取结果（JSON）。

    Print the raw extraction of FILE.pdf as JSON (the shape of the corpus *.truth.json).

    Cells are kept exactly as printed; a cell printed "-" is null. Exit status 2 with one line on
    stderr when a file cannot be read (encrypted, corrupt, empty, not a PDF, no 自评表, unknown
    column header), and per report a page starts that could not be read (report_missing: the
    other reports are still printed). A scanned page (no text layer) is read by OCR: its
    report says "ocr": true, with every cell's confidence ("ocr_cells"); --no-ocr: such a file
    fails (no_text_layer).
    """
    from extract import ExtractError, extract_file

    limits = _limits("extract")
    inbox = scan(files)
    targets = inbox.files
    for s in inbox.skipped:
        typer.echo(f"jixiao extract: {safe_name(str(s.path))}: {s.reason}; skipped", err=True)
    if not targets:
        if not inbox.skipped:
            typer.echo(f"jixiao extract: no PDF found in {' '.join(map(str, files))}", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    failed = len(inbox.skipped)
    docs = []
    for i, path in enumerate(targets, start=1):
        if summary and len(targets) > 1:
            typer.echo(f"[{i}/{len(targets)}] {safe_name(str(path))}", err=True)
        try:
            doc = extract_file(path, limits=limits, ocr=not no_ocr)
        except ExtractError as exc:
            typer.echo(f"jixiao extract: {exc}", err=True)
            failed += 1
            continue
        for m in doc.missing_reports:  # read the rest, but never lose one without a word
            typer.echo(f"jixiao extract: {m.one_line(doc.file)}", err=True)
            failed += 1
        docs.append(doc)
        if not summary:
            text = json.dumps(doc.to_truth(), ensure_ascii=False,
                              indent=None if compact else 1)
            sys.stdout.write(text + "\n")
    if summary:
        _print_summary(docs)
    if failed:
        raise typer.Exit(EXIT_UNREADABLE)


@app.command()
def check(
    files: list[Path] = typer.Argument(..., help="PDF file(s), or folders of PDFs"),
    rules: str | None = typer.Option(
        None, "--rules", help="scoring rule set (default: $JIXIAO_RULES, else shanghai)"),
    as_json: bool = typer.Option(False, "--json", help="findings as JSON lines"),
) -> None:
    """按评分规则检查自评表（不写入数据仓库）：总分、等级、各项问题。

    Extract and check reports against the scoring rules, without a warehouse.

    Prints, per report, the printed and the recomputed total and grade, every finding
    (data-quality issue) with both numbers, and what the identity matching across years did
    (renamed, new and unmatched projects). Exit 2 if a file cannot be read.
    """
    from rich.console import Console
    from rich.table import Table

    from extract import ExtractError, extract_file
    from transform import load_overrides, transform_documents
    from transform.completeness import missing_findings
    from transform.scoring import RULE_SETS

    rule_set = rules or _settings("check").rules
    if rule_set not in RULE_SETS:
        typer.echo(f"jixiao check: unknown rule set {rule_set!r}; known: {', '.join(RULE_SETS)}",
                   err=True)
        raise typer.Exit(1)
    docs, failed = [], 0
    limits = _limits("check")
    for path in find_pdfs(files):
        try:
            docs.append(extract_file(path, limits=limits))
        except ExtractError as exc:
            typer.echo(f"jixiao check: {exc}", err=True)
            failed += 1
    out, identity = transform_documents(docs, rules=rule_set, overrides=load_overrides())
    findings = [f for d in out for r in d.reports for f in r.findings]
    findings += [f for d in docs for f in missing_findings(d)]
    failed += sum(len(d.missing_reports) for d in docs)
    if as_json:
        import dataclasses

        for f in findings:
            sys.stdout.write(json.dumps(dataclasses.asdict(f), ensure_ascii=False) + "\n")
        raise typer.Exit(2 if failed else 0)
    console = Console(width=150)
    table = Table(title=f"自评表 checked by rule set {rule_set}")
    for col in ("file", "year", "project 项目", "总分 printed", "recomputed", "等级", "expected",
                "findings"):
        table.add_column(col)
    for d in out:
        for r in d.reports:
            e = r.evaluation
            table.add_row(_plain(d.file), str(e.fiscal_year or ""),
                          _plain(r.project.project_name),
                          str(e.total_score or ""), str(e.recomputed_score or ""),
                          e.grade or "", e.expected_grade or "", str(len(r.findings)))
    console.print(table)
    from rich.markup import escape

    for f in findings:
        console.print(f"[{'red' if f.severity == 'error' else 'yellow'}]{f.severity}[/] "
                      f"{escape(f.one_line())}", highlight=False)
    console.print(f"{len(findings)} finding(s) in {sum(len(d.reports) for d in out)} report(s)")
    if identity.renamed_projects:
        console.print("renamed 更名: " + "; ".join(
            " → ".join(f"{n} ({y})" for y, n in p.aliases) for p in identity.renamed_projects))
    for label, group in (("new 新增", identity.new_projects),
                         ("unmatched 仅出现一年", identity.unmatched_projects),
                         ("discontinued 停止", identity.discontinued_projects)):
        if group:
            console.print(f"{label}: " + ", ".join(
                f"{p.latest_name} ({','.join(map(str, p.years))})" for p in group))
    for m in identity.fuzzy_matches:
        console.print(f"fuzzy match 模糊匹配 ({m.score:.0f}): {m.name_a} ≈ {m.name_b} "
                      "(add a row to transform/identity_overrides.csv if wrong)")
    if failed:
        raise typer.Exit(EXIT_UNREADABLE)


# ------------------------------------------------------------------------------ warehouse


def _settings(command: str):
    """The validated settings; a bad variable ends the command with one line (exit 1)."""
    from flows.config import Settings, SettingsError

    try:
        return Settings.load()
    except SettingsError as exc:
        typer.echo(f"jixiao {command}: {exc}", err=True)
        raise typer.Exit(1) from None


def _limits(command: str):
    """The per-file extraction limits (``JIXIAO_LIMIT_*``); a bad one ends the command with one
    line (exit 1). Only these are read: a bad schedule does not stop ``jixiao extract``."""
    from flows.config import SettingsError, load_limits

    try:
        return load_limits()
    except SettingsError as exc:
        typer.echo(f"jixiao {command}: {exc}", err=True)
        raise typer.Exit(1) from None


def _db(db: Path | None, command: str = "sql", *, write: bool = False) -> Path:
    """The warehouse path (``--db``, else the settings), refused at once if it is unusable."""
    from load import WarehouseError, check_warehouse

    path = Path(db) if db else _settings(command).db
    try:
        check_warehouse(path, write=write)
    except WarehouseError as exc:
        typer.echo(f"jixiao {command}: {exc}", err=True)
        raise typer.Exit(1) from None
    return path


def _quiet_prefect(verbose: bool) -> None:
    import os

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    import logging

    for name in ("great_expectations",):
        logging.getLogger(name).setLevel(logging.WARNING)


DB_OPTION = typer.Option(None, "--db", help="warehouse file (default: $JIXIAO_DB, else "
                                             "warehouse/jixiao.duckdb)")


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="files and folders (default: $JIXIAO_INBOX, "
                                                  "else samples/)"),
    db: Path | None = DB_OPTION,
    rules: str | None = typer.Option(None, "--rules", help="scoring rule set"),
    workers: int = typer.Option(2, "--workers", min=1, help="extraction worker processes"),
    no_alerts: bool = typer.Option(False, "--no-alerts", help="send no alert this run"),
    verbose: bool = typer.Option(False, "--verbose", help="show Prefect's logs"),
    reprocess: str | None = typer.Option(
        None, "--reprocess", help="read files again after an upgrade of jixiao 升级后重新读取: "
                                  "failed, quarantined, or all (loaded ones too)"),
) -> None:
    """把新的自评表载入数据仓库（Prefect 流程 ingest-reports）。

    Ingest new reports into the warehouse (the Prefect flow ingest-reports).

    Every file is hashed; files already ingested are skipped, the same bytes under another name
    are recorded as duplicates, unreadable files as failed, reports with structural errors as
    quarantined. Exit 0 when the run completed, whatever the files held.
    """
    missing = [str(p) for p in paths or () if not p.exists()]
    if missing:
        typer.echo(f"jixiao ingest: no such file or folder: {', '.join(missing)}", err=True)
        raise typer.Exit(1)
    _quiet_prefect(verbose)
    settings = _settings("ingest")
    from transform.scoring import RULE_SETS

    if reprocess is not None and reprocess not in ("failed", "quarantined", "all"):
        typer.echo(f"jixiao ingest: --reprocess is failed, quarantined or all, not {reprocess!r}",
                   err=True)
        raise typer.Exit(1)
    if rules is not None and rules not in RULE_SETS:
        typer.echo(f"jixiao ingest: unknown rule set {rules!r}; known: {', '.join(RULE_SETS)}",
                   err=True)
        raise typer.Exit(1)
    from flows.ingest import ingest_reports
    from flows.prefect_server import PrefectServerError, run_api
    from load import WriterBusy

    target = _db(db or settings.db, "ingest", write=True)
    _stop_on_sigterm()
    try:
        with run_api():
            summary = ingest_reports(paths=[str(p) for p in paths] if paths else None,
                                     db=str(target), rules=rules, workers=workers,
                                     alert_urls=[] if no_alerts else None, progress=True,
                                     reprocess=reprocess)
    except (WriterBusy, PrefectServerError) as exc:
        typer.echo(f"jixiao ingest: {exc}", err=True)
        raise typer.Exit(1) from None
    except BaseException as exc:
        if not _is_termination(exc):
            raise
        # the workers and the Prefect server were stopped on the way out; leave at once
        # (Prefect's exit handlers would wait for a server that is gone)
        sys.stderr.write("jixiao ingest: stopped by SIGTERM 已终止; the next run marks this "
                         "run interrupted and goes on from what was loaded\n")
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(143)
    typer.echo(summary.text())


class _Terminated(BaseException):
    """SIGTERM: unwinds the run like Ctrl-C, so workers and the Prefect server are stopped and
    the warehouse lock released on the way out (inside a flow run, Prefect's own handler
    raises its ``TerminationSignal`` instead)."""


def _stop_on_sigterm() -> None:
    import signal

    def stop(signum, frame):
        raise _Terminated()

    signal.signal(signal.SIGTERM, stop)


def _is_termination(exc: BaseException) -> bool:
    from prefect.exceptions import TerminationSignal

    return isinstance(exc, _Terminated | TerminationSignal)


def _views_help() -> str:
    """The views, one a line, for ``jixiao sql --help`` (read from the SQL files: no
    SQLAlchemy import at start)."""
    import re

    from warehouse.sqlfiles import view_files

    return "\n".join(f"  {f.name}  {re.split(r' (?=[A-Z][a-z])', f.title, maxsplit=1)[0]}"
                     for f in view_files())


SQL_HELP = f"""在数据仓库上运行一条只读 SQL 查询并显示结果。

Run one read-only query on the warehouse and print the result. The database is opened
read-only: a statement that writes, or reads any other file, fails with one line (exit 1); a
common mistake (an unknown column or table) is explained in Chinese with the columns or views
there are. csv starts with a UTF-8 BOM (Excel reads the Chinese); json prints one array of
objects keyed by column name. Each view's columns: jixiao schema NAME. For a workbook with
Chinese headers and formats: jixiao export --query.

可查询的视图 views:

{_views_help()}
"""


@app.command(help=SQL_HELP)
def sql(
    query: str | None = typer.Argument(None, help="one SQL statement (read-only) 一条只读语句"),
    db: Path | None = DB_OPTION,
    fmt: str = typer.Option("table", "--format", help="table, csv (UTF-8 BOM) or json"),
    file: Path | None = typer.Option(None, "--file", "-f", help="read the statement from a "
                                     "file, e.g. warehouse/queries/02_grade_distribution.sql"),
) -> None:
    _check_format(fmt, "sql")
    query = _statement(query, file, "sql")
    columns, rows = _query(_db(db), query)
    if not _write_rows(columns, rows, fmt):
        from rich.console import Console
        from rich.table import Table

        table = Table()
        for c in columns:
            table.add_column(c)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        Console(width=200).print(table)
        typer.echo(f"{len(rows)} row(s)")


def _statement(query: str | None, file: Path | None, command: str) -> str:
    """The statement given, or read from ``--file``; one line and exit 1 if there is none."""
    if file is not None:
        try:
            query = file.read_text(encoding="utf-8-sig")
        except OSError as exc:
            typer.echo(f"jixiao {command}: 无法读取 {file}：{exc.strerror} "
                       f"(cannot read {file})", err=True)
            raise typer.Exit(1) from None
    if not query or not query.strip():
        typer.echo(f"jixiao {command}: 请给出一条语句或 --file 文件.sql "
                   "(give a statement or --file FILE.sql)", err=True)
        raise typer.Exit(1)
    return query


FORMATS = ("table", "csv", "json")


def _check_format(fmt: str, command: str) -> None:
    if fmt not in FORMATS:
        typer.echo(f"jixiao {command}: unknown format {fmt!r} ({', '.join(FORMATS)})", err=True)
        raise typer.Exit(1)


def _write_rows(columns: list[str], rows: list[tuple], fmt: str) -> bool:
    """Rows as ``json`` (one array of objects) or ``csv`` (UTF-8 BOM first) on stdout; False
    for ``table``."""
    if fmt == "json":
        sys.stdout.write(json.dumps([dict(zip(columns, map(_jsonable, r))) for r in rows],
                                    ensure_ascii=False, indent=1) + "\n")
        return True
    if fmt == "csv":
        from warehouse.export import write_rows_csv

        write_rows_csv(sys.stdout, columns, rows)
        return True
    return False


def _jsonable(v):
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return v


def _query(db: Path, query: str, params: dict | None = None, command: str = "sql"
           ) -> tuple[list[str], list[tuple]]:
    """Columns and rows of one statement on the warehouse opened read-only; one-line errors
    (``jixiao <command>: …``, in Chinese first), exit 1."""
    from warehouse.export import QueryError, run_query

    try:
        return run_query(db, query, params)
    except QueryError as exc:
        typer.echo(f"jixiao {command}: {exc}", err=True)
        raise typer.Exit(1) from None


EXPORT_SUFFIXES = (".xlsx", ".csv", ".parquet")


@app.command()
def export(
    to: Path = typer.Option(..., "--to", help="FILE.xlsx (the workbook), FILE.csv (one file per "
                                              "sheet, FILE-<sheet>.csv) or FILE.parquet (one "
                                              "file per view)"),
    db: Path | None = DB_OPTION,
    query: str | None = typer.Option(None, "--query", help="export this one query instead "
                                     "(read-only) 导出自己的查询"),
    file: Path | None = typer.Option(None, "--file", "-f", help="export the query of FILE.sql "
                                     "instead"),
    unit: str | None = typer.Option(None, "--unit", help="only the units whose 主管部门 or "
                                    "实施单位 contains this text 只导出该单位"),
    sheet: str | None = typer.Option(None, "--sheet", help="sheet name for --query / --file "
                                     "(default: 查询结果, or the file's name)"),
) -> None:
    """导出 Excel 工作簿（中文表头、单位汇总、问题清单），可直接转交。

    Write the reporting views as a workbook a finance bureau can hand on: 说明, 汇总 (per unit
    and year), 复核优先 (every report by 可信度), the detail views, and per unit a
    <year>汇总-<unit> sheet per year and a 问题清单-<unit> sheet (what to send back: file,
    page, project, rule, message, what to do). Chinese headers, bold and frozen, filters on,
    widths set, amounts #,##0.00, rates and scores 0.00; ids and hashes only in hidden columns.
    --query or --file exports one query the same way. CSV files start with a UTF-8 BOM.
    """
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from warehouse import export as ex

    suffix = to.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        typer.echo(f"jixiao export: {to.name}：请用 .xlsx、.csv 或 .parquet 文件名 "
                   "(use a .xlsx, .csv or .parquet file name)", err=True)
        raise typer.Exit(1)
    if query is not None and file is not None:
        typer.echo("jixiao export: --query 与 --file 只能用一个 (give --query or --file, "
                   "not both)", err=True)
        raise typer.Exit(1)
    path = _db(db, "export")
    if query is not None or file is not None:
        statement = _statement(query, file, "export")
        names, rows = _query(path, statement, command="export")
        if not names:
            typer.echo("jixiao export: 该语句不返回数据，没有可导出的内容 (the statement returns "
                       "no rows to export)", err=True)
            raise typer.Exit(1)
        title = sheet or (file.stem if file is not None else "查询结果")
        sheets = [ex.table_sheet(ex.sheet_name(title, set()), names, rows,
                                 about=statement.strip())]
        raw = {sheets[0].name: (names, rows)}
    else:
        sheets, raw = _standard_workbook(path, unit, views=suffix == ".parquet")
    try:
        if suffix == ".xlsx":
            if query is None and file is None:
                at = datetime.now(ZoneInfo("Asia/Shanghai"))
                sheets = [ex.about_sheet(sheets, db=path, unit=unit, at=at), *sheets]
            ex.write_xlsx(to, sheets, title="jixiao 绩效自评报表")
            for s in sheets:
                typer.echo(f"{s.name}: {len(s.rows)} 行 row(s)")
            typer.echo(f"→ {to}")
        elif suffix == ".csv":
            one = query is not None or file is not None
            for s in sheets:
                target = to if one else to.with_name(f"{to.stem}-{ex.file_part(s.name)}.csv")
                ex.write_csv(target, s)
                typer.echo(f"{s.name}: {len(s.rows)} 行 row(s) → {target}")
        else:
            for name, (names, rows) in raw.items():
                target = to if len(raw) == 1 and (query or file) else to.with_name(
                    f"{to.stem}-{name}.parquet")
                ex.write_parquet(target, names, rows)
                typer.echo(f"{name}: {len(rows)} row(s) → {target}")
    except ex.ExportError as exc:
        typer.echo(f"jixiao export: {to}: {exc}", err=True)
        raise typer.Exit(1) from None
    except BrokenPipeError:  # stdout closed early (| head): not about the file
        raise
    except OSError as exc:
        typer.echo(f"jixiao export: 无法写入 {exc.filename or to}（{exc.strerror}）：请换一个可写的"
                   f"位置或文件名 (cannot write {exc.filename or to}: {exc.strerror})", err=True)
        raise typer.Exit(1) from None


def _standard_workbook(db: Path, unit: str | None, views: bool):
    """The standard sheets and, if ``views`` (parquet), each view's rows as stored (one
    snapshot)."""
    from load import read
    from warehouse import export as ex

    try:
        ex.require_warehouse(db)
    except ex.QueryError as exc:
        typer.echo(f"jixiao export: {exc}", err=True)
        raise typer.Exit(1) from None

    def build(conn):
        return ex.standard_sheets(conn, unit), ex.view_tables(conn, unit) if views else {}

    try:
        return read(db, build)
    except ex.ExportError as exc:
        typer.echo(f"jixiao export: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def issues(
    db: Path | None = DB_OPTION,
    file: str | None = typer.Option(None, "--file", help="only this file name (substring)"),
    severity: str | None = typer.Option(None, "--severity", help="error or warning"),
    year: int | None = typer.Option(None, "--year", help="only this fiscal year"),
    limit: int = typer.Option(100, "--limit", min=1),
    fmt: str = typer.Option("table", "--format", help="table, csv (UTF-8 BOM) or json"),
) -> None:
    """列出数据质量问题（文件、页码、项目、规则、说明），最新的在前。

    List the data-quality issues (dq_issue), newest first. Per unit, with what to send back:
    the 问题清单 sheets of jixiao export (view v_issue_list).
    """
    _check_format(fmt, "issues")
    where, params = [], {}
    if file:
        where.append("file_name LIKE :file")
        params["file"] = f"%{file}%"
    if severity:
        if severity not in ("error", "warning"):
            typer.echo("jixiao issues: --severity 为 error 或 warning "
                       "(--severity is error or warning)", err=True)
            raise typer.Exit(1)
        where.append("severity = :severity")
        params["severity"] = severity
    if year:
        where.append("fiscal_year = :year")
        params["year"] = year
    query = ("SELECT detected_at, severity, check_code, file_name, fiscal_year, page, "
             "project_name, message FROM dq_issue"
             + (" WHERE " + " AND ".join(where) if where else "")
             + " ORDER BY detected_at DESC, issue_id DESC LIMIT :limit")
    params["limit"] = limit
    columns, rows = _query(_db(db, "issues"), query, params, command="issues")
    if _write_rows(columns, rows, fmt):
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console(width=200)
    for r in rows:
        d = dict(zip(columns, r))
        where_ = f"{d['file_name']}" + (f", 第 {d['page']} 页" if d["page"] else "") + (
            f", 项目 {d['project_name']}" if d["project_name"] else "")
        color = "red" if d["severity"] == "error" else "yellow"
        console.print(f"{d['detected_at']:%Y-%m-%d %H:%M} [{color}]{d['severity']:7}[/] "
                      f"{escape(d['check_code'])} {escape(where_)}: {escape(d['message'])}",
                      highlight=False)
    typer.echo(f"{len(rows)} issue(s)")


@app.command()
def schema(
    name: str | None = typer.Argument(None, help="a table, view or documented query "
                                      "表、视图或查询的名称"),
) -> None:
    """显示数据仓库的表和视图：每列的中文名称、单位和说明。

    Without NAME: every table, view and documented query with what it holds. With NAME: that
    table's or view's columns (type, Chinese term and unit, meaning), or that query's question.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from warehouse.schema import catalog, query_files

    relations = {r.name: r for r in catalog()}
    queries = {q.name: q for q in query_files()}
    console = Console(width=200)
    if name is None:
        for kind, title in (("table", "表 tables"), ("view", "视图 views")):
            table = Table(title=title, title_justify="left")
            table.add_column("名称 name")
            table.add_column("说明 comment")
            for r in relations.values():
                if r.kind == kind:
                    table.add_row(r.name, escape(r.comment))
            console.print(table)
        table = Table(title="查询 documented queries (warehouse/queries, jixiao sql --file)",
                      title_justify="left")
        table.add_column("名称 name")
        table.add_column("问题 question")
        for q in queries.values():
            table.add_row(q.name, escape(q.title))
        console.print(table)
        typer.echo("jixiao schema NAME：显示该表或视图的各列 (the columns of NAME)")
        return
    if name in queries:
        q = queries[name]
        console.print(escape(q.header), highlight=False)
        import os

        typer.echo(f"jixiao sql --file {os.path.relpath(q.path)}")
        return
    rel = relations.get(name) or relations.get(name.lower())
    if rel is None:
        import difflib

        near = difflib.get_close_matches(name.lower(), [*relations, *queries], n=1)
        typer.echo(f"jixiao schema: 没有名为 “{name}” 的表、视图或查询"
                   + (f"；是否想用 “{near[0]}”？" if near else "")
                   + "；不带参数运行 `jixiao schema` 列出全部 (no table, view or query named "
                     f"{name!r})", err=True)
        raise typer.Exit(1)
    console.print(f"{'表' if rel.kind == 'table' else '视图'} {rel.name}: {escape(rel.comment)}",
                  highlight=False)
    if rel.grain:
        console.print(f"grain 粒度: {escape(rel.grain)}", highlight=False)
    table = Table()
    for col in ("列 column", "类型 type", "中文名称（单位）与说明 comment"):
        table.add_column(col)
    for c in rel.columns:
        table.add_row(c.name, c.type, escape(c.comment))
    console.print(table)


@app.command()
def serve(verbose: bool = typer.Option(False, "--verbose", help="show Prefect's logs")) -> None:
    """按计划每晚自动入库（直到中断）。

    Serve the nightly deployment of the ingest flow until interrupted.

    Schedule: $JIXIAO_SCHEDULE (cron, default 0 2 * * *, Asia/Shanghai; or 'every 30s').
    Without PREFECT_API_URL a local Prefect server (scheduler and UI) is started on
    127.0.0.1:$JIXIAO_PREFECT_PORT (default 4200) and stopped on exit. Prints the next three
    run times, then one line when each run starts and ends.
    """
    _quiet_prefect(verbose)
    settings = _settings("serve")
    _db(settings.db, "serve", write=True)
    from flows.ingest import serve as serve_flow
    from flows.prefect_server import PrefectServerError

    try:
        serve_flow(settings, say=typer.echo)
    except PrefectServerError as exc:
        typer.echo(f"jixiao serve: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("jixiao serve: stopped")


RUN_STATE_LABELS = {"completed": "完成", "completed_with_problems": "完成·有问题",
                    "running": "未结束", "interrupted": "中断（进程被终止）"}
ALERT_LABELS = {"sent": "已发送", "failed": "未送达", "skipped": "无需发送", "off": "不发送"}


@app.command()
def status(
    db: Path | None = DB_OPTION,
    limit: int = typer.Option(10, "--limit", min=1, help="how many runs to show"),
) -> None:
    """最近的入库运行：时间、用时、数量、状态、告警，以及下次计划运行。

    The last ingest runs (ingest_run): when, how long, counts, state, alert; and when the
    next scheduled run is due. A run without an end is still running or was killed."""
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from flows.schedule import as_utc, shanghai

    settings = _settings("status")
    path = Path(db) if db else settings.db
    console = Console(width=200)
    if path.exists():
        columns, rows = _query(path, "SELECT * FROM ingest_run ORDER BY started_at DESC, run_id "
                               "LIMIT :limit", {"limit": limit}, command="status")
    else:
        columns, rows = [], []
        console.print(f"no warehouse at {escape(str(path))} yet: no run has finished")
    runs = [dict(zip(columns, r)) for r in rows]
    table = Table(title=f"最近的入库运行 last ingest runs ({escape(str(path))})")
    for col in ("开始（北京时间）", "用时", "状态", "新文件", "载入", "隔离", "失败", "重复",
                "自评表", "新问题", "告警", "运行编号"):
        table.add_column(col)
    from load import ingest_running

    now, alive = datetime.now(UTC), ingest_running(path)
    for r in runs:
        started, finished = as_utc(r["started_at"]), as_utc(r["finished_at"])
        took = (finished or now) - started
        state = r.get("state") or ("completed" if finished else "running")
        label = RUN_STATE_LABELS.get(state, state)
        if finished is None and state == "running":
            label += (f"（已 {_duration(took)}）" if alive else
                      "（已中断：进程被终止，下次运行将补记）")
        color = {"completed": "green", "completed_with_problems": "red"}.get(state, "yellow")
        table.add_row(shanghai(started), _duration(took) if finished else "",
                      f"[{color}]{escape(label)}[/]",
                      *(str(r[k]) for k in ("files_new", "loaded", "quarantined", "failed",
                                            "duplicate", "reports_loaded", "issues_new")),
                      ALERT_LABELS.get(r.get("alert_status") or "", r.get("alert_status") or ""),
                      str(r["run_id"])[:8])
    if runs:
        console.print(table)
    for r in runs:
        if r.get("alert_status") == "failed":
            console.print(f"[red]告警未送达[/] {shanghai(r['started_at'])} 运行 "
                          f"{str(r['run_id'])[:8]}：{escape(r.get('alert_detail') or '')}",
                          highlight=False)
    schedule = settings.schedule
    console.print(f"下次计划运行 next scheduled run: "
                  f"{', '.join(f'{t:%Y-%m-%d %H:%M:%S}' for t in schedule.next_runs(1))}"
                  f"（北京时间，{schedule.describe()}；由 `jixiao serve` 执行）", highlight=False)


def _duration(delta) -> str:
    s = int(delta.total_seconds())
    if s < 60:
        return f"{s} 秒"
    if s < 3600:
        return f"{s // 60} 分 {s % 60} 秒"
    return f"{s // 3600} 小时 {s % 3600 // 60} 分"


def _print_summary(docs: list) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="自评表 extracted (项目 · 指标 · 总分 · 等级)")
    for col in ("file", "year", "pages", "project 项目名称", "indicators", "total 总分", "grade 等级"):
        table.add_column(col)
    for doc in docs:
        for r in doc.reports:
            table.add_row(_plain(doc.file), str(r.fiscal_year or doc.fiscal_year or ""),
                          ",".join(map(str, r.pages)), _plain(r.project_name or ""),
                          str(len(r.indicators)), r.total_score or "", r.grade or "")
    console = Console(width=140)
    console.print(table)
    n_rep = sum(len(d.reports) for d in docs)
    n_ind = sum(len(r.indicators) for d in docs for r in d.reports)
    console.print(f"{len(docs)} file(s), {n_rep} report(s), {n_ind} indicator(s)")


def _plain(text: str) -> str:
    """Printed text for a rich table: markup not applied (``[bold]x.pdf`` stays as named),
    control characters escaped."""
    from rich.markup import escape

    return escape(safe_name(text))


def _reflow(text: str | None) -> str | None:
    """A help text for the terminal: the lines of a paragraph joined (the help printer keeps
    every line break, then wraps again), blank lines between paragraphs kept, lines of a list
    (starting with two spaces) kept apart."""
    if not text:
        return text
    import inspect

    out = []
    for para in inspect.cleandoc(text).split("\n\n"):
        lines = para.splitlines()
        if lines and all(line.startswith("  ") for line in lines):
            out.append("\n".join(line.strip() for line in lines))
        else:
            out.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(out)


for _info in app.registered_commands:  # every command's --help: Chinese first, reflowed
    _info.help = _reflow(_info.help or (_info.callback.__doc__ if _info.callback else None))


def main() -> None:  # pragma: no cover - console entry
    app()




@app.command()
def web(
    db: Path | None = DB_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (default: this "
                             "machine only); any other needs --token"),
    port: int = typer.Option(8000, "--port", help="port"),
    token: str | None = typer.Option(None, "--token", envvar="JIXIAO_WEB_TOKEN",
                                     help="access token every request must carry (header "
                                          "X-Jixiao-Token, or ?token= once, then a cookie); "
                                          "required with a --host other than this machine"),
) -> None:
    """中文网页（只读）：首页、单位、项目、问题与退回清单、搜索，每个数字可打开它在原 PDF 中的位置。

    A read-only site over the published warehouse, on http://127.0.0.1:8000 by default; it
    opens the warehouse read-only for each request and holds nothing between requests, so the
    nightly ingest runs undisturbed."""
    from web.app import is_loopback, serve

    path = _db(db, "web")
    if not is_loopback(host) and not token:
        typer.echo(f"jixiao web: --host {host} 会把报告开放到网络上：需要访问令牌 --token（或 "
                   "JIXIAO_WEB_TOKEN）/ a non-local --host needs --token", err=True)
        raise typer.Exit(1)
    typer.echo(f"jixiao web: http://{host}:{port}/ (数据仓库 {path}，只读；Ctrl-C 停止)")
    serve(path, host=host, port=port, token=token)


if __name__ == "__main__":  # pragma: no cover
    main()
