"""Reports for people who work in Excel: the warehouse's reporting views as a workbook a finance
bureau can hand on, CSV files Excel opens correctly, and a user's query with its errors explained
in Chinese.

Readers only: every query goes through :func:`load.read` (read-only, no other file, configuration
locked). What a column is called, its unit and its number format come from
:data:`warehouse.schema.VIEW_COLUMNS` (one place); what a check code means from the registries
of the checks (transform, load, extract).

The workbook (:func:`standard_sheets`, :func:`write_xlsx`):

* 说明 (what each sheet holds), 汇总 (one row per 主管部门 / 实施单位 and year), 复核优先
  (every report by 可信度), the detail views, the credibility weights;
* per unit and year a ``<year>汇总-<unit>`` sheet (its projects, a 合计 row below the filter);
* per unit a ``问题清单-<unit>`` sheet: the findings to send back (file, page, project, rule and
  its meaning, message, what to do); findings whose unit cannot be found go to
  ``问题清单-未识别单位``.

Every sheet: Chinese headers, bold and frozen, a filter over the data, widths set, amounts
``#,##0.00``, rates and scores ``0.00``, counts and years ``0``; ids and hashes (project, file,
indicator ids) in hidden columns at the right; text is never read as a formula.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from warehouse.schema import (
    COUNT_UNITS,
    MONEY_UNIT,
    PERCENT_UNIT,
    POINTS_UNIT,
    VIEW_COLUMNS,
    ViewColumn,
    view_column,
)

#: Excel's number formats by the unit of a column
MONEY_FORMAT = "#,##0.00"
TWO_DECIMALS = "0.00"
WHOLE = "0"
#: Excel's limits: sheet name length, rows per sheet, characters per cell
SHEET_NAME_MAX = 31
MAX_ROWS = 1_048_576
MAX_CELL = 32_767
#: characters Excel refuses in a sheet name → the full-width forms a Chinese reader knows
_SHEET_FORBIDDEN = str.maketrans({"/": "／", "\\": "＼", "?": "？", "*": "＊", "[": "【",
                                  "]": "】", ":": "："})
#: values that are ids or hashes, whatever the column is called (hidden in exports)
_ID_VALUE = re.compile(r"^(?:(?:prj|ind|dep)_[0-9a-f]{8,}|[0-9a-f]{64}(?:-[0-9a-f]+)?)$")
#: a text starting so is a formula to a spreadsheet (CSV: prefixed with ')
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: columns of long text: wrapped, wider
_LONG_TEXT = {"reasons", "detail", "message", "history", "reason_text", "deviation_reason",
              "last_deviation_reason", "action", "flag_description", "expected", "printed",
              "rule_title", "about"}
UNKNOWN_UNIT = "未识别单位"


class ExportError(ValueError):
    """The export cannot be written as asked (the message says why and what to do)."""


class QueryError(ValueError):
    """A query failed; the message is one line, in Chinese first, for the user."""


# --------------------------------------------------------------------------------------------
# sheets and columns
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet: the query's name, the heading shown, format, hidden or not."""

    name: str
    header: str
    number_format: str | None = None
    hidden: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def long_text(self) -> bool:
        return self.name in _LONG_TEXT


@dataclass(slots=True)
class Sheet:
    """A table for a sheet or a CSV file: columns, rows (as the query returned them), what it
    holds (for the 说明 sheet), and an optional 合计 row written below the filtered range."""

    name: str
    columns: list[Column]
    rows: list[tuple]
    about: str = ""
    total: tuple | None = None


def _format_for(doc: ViewColumn | None, header: str, values: Sequence[object]) -> str | None:
    unit = doc.unit if doc else ""
    if unit == MONEY_UNIT or (not doc and "万元" in header):
        return MONEY_FORMAT
    if unit in (PERCENT_UNIT, POINTS_UNIT):
        return TWO_DECIMALS
    if unit in COUNT_UNITS:
        return WHOLE
    numbers = [v for v in values if isinstance(v, (int, float, Decimal)) and
               not isinstance(v, bool)]
    if not numbers:
        return None
    if all(isinstance(v, int) for v in numbers):
        return WHOLE
    if not doc and re.search(r"率|%|分", header):
        return TWO_DECIMALS
    return MONEY_FORMAT


def make_columns(names: Sequence[str], rows: Sequence[tuple], view: str | None = None,
                 headers: Mapping[str, str] | None = None) -> list[Column]:
    """The sheet's columns for a query's columns: documented ones get their Chinese heading,
    unit format and value labels; ids and hashes (documented as such, or by their values) are
    hidden; an undocumented column keeps its name as heading and is formatted by its values."""
    out = []
    for i, name in enumerate(names):
        doc = view_column(view, name) if view else VIEW_COLUMNS.get(name)
        values = [r[i] for r in rows]
        header = (headers or {}).get(name) or (doc.header if doc else name)
        texts = [v for v in values if isinstance(v, str)]
        looks_like_ids = bool(texts) and all(_ID_VALUE.match(v) for v in texts)
        out.append(Column(name, header, _format_for(doc, header, values),
                          hidden=bool(doc and doc.internal) or looks_like_ids,
                          labels=dict(doc.labels) if doc else {}))
    # hidden columns go to the right, so that unhiding them moves nothing
    return [c for c in out if not c.hidden] + [c for c in out if c.hidden]


def _reorder(sheet_columns: list[Column], names: Sequence[str], rows: list[tuple]
             ) -> list[tuple]:
    index = {n: i for i, n in enumerate(names)}
    order = [index[c.name] for c in sheet_columns]
    return [tuple(r[i] for i in order) for r in rows]


def table_sheet(name: str, names: Sequence[str], rows: Sequence[tuple], *, view: str | None = None,
                about: str = "", headers: Mapping[str, str] | None = None) -> Sheet:
    """A sheet of a query's result (columns reordered so that hidden ones come last)."""
    cols = make_columns(names, rows, view, headers)
    return Sheet(name, cols, _reorder(cols, names, list(rows)), about=about)


# --------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------

def sheet_name(name: str, used: set[str]) -> str:
    """A sheet name Excel accepts, unique in ``used`` (case-insensitive, as Excel compares):
    ``/ \\ ? * [ ] :`` become their full-width forms, control characters go, at most 31
    characters, no apostrophe at either end, not the reserved ``History``; a clash gets ``~2``,
    ``~3`` … The name is added to ``used``."""
    s = "".join(ch for ch in name.translate(_SHEET_FORBIDDEN) if ch.isprintable())
    s = s.strip().strip("'").strip() or "Sheet"
    if s.lower() == "history":
        s = "History（表）"
    base = s[:SHEET_NAME_MAX].rstrip("'")
    taken = {u.lower() for u in used}
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f"~{n}"
        candidate = base[:SHEET_NAME_MAX - len(suffix)].rstrip("'") + suffix
        n += 1
    used.add(candidate)
    return candidate


def file_part(name: str) -> str:
    """A sheet name as part of a file name (CSV: one file per sheet): no path separator and
    nothing Windows refuses."""
    return re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", name).strip(" .") or "sheet"


def unit_label(department: str | None, implementing_unit: str | None) -> str:
    """The name a unit's sheets are called by: the 实施单位 (the one that fills in the report),
    else the 主管部门, else 未识别单位."""
    return implementing_unit or department or UNKNOWN_UNIT


# --------------------------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------------------------

def _shanghai(v: datetime) -> datetime:
    from zoneinfo import ZoneInfo

    return v.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None) if v.tzinfo else v


def _clean_text(s: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    s = ILLEGAL_CHARACTERS_RE.sub("", s)
    return s if len(s) <= MAX_CELL else s[:MAX_CELL - 1] + "…"


def shown(value: object, column: Column) -> object:
    """The value as a person reads it: coded values in Chinese (是/否, 已入库 …), amounts as
    numbers, times in Beijing time without a zone (Excel has none)."""
    if value is None:
        return None
    if isinstance(value, bool):
        key = "true" if value else "false"
        return column.labels.get(key, "是" if value else "否")
    if isinstance(value, str):
        return _clean_text(column.labels.get(value, value))
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return _shanghai(value)
    return value


def _csv_value(value: object, column: Column) -> object:
    v = shown(value, column)
    if v is None:
        return ""
    if isinstance(value, Decimal):  # as stored: 3103.64, not 3103.6400000001
        return str(value)
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v  # a spreadsheet would read =300.00(人) as a formula
    return v


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------

def _text_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def _shown_text(v: object, fmt: str | None) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and fmt == MONEY_FORMAT:
        return f"{v:,.2f}"
    if isinstance(v, float) and fmt == TWO_DECIMALS:
        return f"{v:.2f}"
    if isinstance(v, datetime):
        return f"{v:%Y-%m-%d %H:%M}"
    return str(v)


def column_width(column: Column, values: Iterable[object]) -> float:
    """Width in Excel's character units: the widest of the heading (plus the filter button) and
    the values as shown, at most 60 for long text (wrapped) and 40 for the rest."""
    widest = _text_width(column.header) + 3
    for v in values:
        text = _shown_text(v, column.number_format)
        widest = max(widest, max((_text_width(line) for line in text.splitlines()), default=0) + 2)
    return float(min(widest, 60 if column.long_text else 40))


def write_xlsx(path: Path, sheets: Sequence[Sheet], *, title: str = "") -> None:
    """The sheets as one workbook (see the module's docstring for the layout of a sheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for s in sheets:
        if len(s.rows) + 2 > MAX_ROWS:
            raise ExportError(f"工作表 {s.name} 有 {len(s.rows)} 行，超过 Excel 的上限 "
                              f"{MAX_ROWS - 1} 行；请缩小查询范围，或导出为 .csv")
    wb = Workbook()
    wb.remove(wb.active)
    if title:
        wb.properties.title = title
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for s in sheets:
        ws = wb.create_sheet(s.name)
        ws.append([c.header for c in s.columns])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        shown_rows = [[shown(v, c) for v, c in zip(r, s.columns)] for r in s.rows]
        for r in shown_rows:
            ws.append(r)
        last_data = len(shown_rows) + 1
        if s.total is not None:
            ws.append([shown(v, c) for v, c in zip(s.total, s.columns)])
            for cell in ws[ws.max_row]:
                cell.font = bold
        for j, col in enumerate(s.columns, start=1):
            letter = get_column_letter(j)
            for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell = row[0]
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
                if col.number_format and isinstance(cell.value, (int, float)):
                    cell.number_format = col.number_format
                cell.alignment = wrap if col.long_text else top
            dim = ws.column_dimensions[letter]
            dim.width = column_width(col, (r[j - 1] for r in shown_rows))
            dim.hidden = col.hidden
        ws.freeze_panes = "A2"
        if s.columns:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(s.columns))}{last_data}"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def write_csv(path: Path, sheet: Sheet) -> None:
    """One sheet as CSV for Excel: UTF-8 with a BOM, Chinese headings, values as in the
    workbook; hidden columns (ids, hashes) left out; text that a spreadsheet would take for a
    formula prefixed with '."""
    cols = [(i, c) for i, c in enumerate(sheet.columns) if not c.hidden]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([c.header for _, c in cols])
        for r in sheet.rows:
            w.writerow([_csv_value(r[i], c) for i, c in cols])
        if sheet.total is not None:
            w.writerow([_csv_value(sheet.total[i], c) for i, c in cols])


def write_rows_csv(out, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """A query's rows as CSV on a text stream, as they are (``jixiao sql --format csv``), with
    the UTF-8 BOM first so that Excel reads the Chinese."""
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(columns)
    w.writerows(rows)


def write_parquet(path: Path, names: Sequence[str], rows: Sequence[tuple]) -> None:
    """A query's rows as parquet, for other tools: column names as in the warehouse, decimals
    as floats."""
    import pandas as pd

    df = pd.DataFrame(list(rows), columns=list(names))
    decimals = [c for c in df.columns if df[c].map(type).eq(Decimal).any()]
    path.parent.mkdir(parents=True, exist_ok=True)
    df.astype(dict.fromkeys(decimals, "float64")).to_parquet(path, index=False)


# --------------------------------------------------------------------------------------------
# queries and their errors
# --------------------------------------------------------------------------------------------

def check_one_statement(query: str) -> None:
    """A user's query: exactly one statement (else :class:`QueryError`)."""
    import duckdb

    try:
        count = len(duckdb.extract_statements(query))
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise QueryError(f"{_hint(first, query, None) or 'SQL 语法错误'}（DuckDB：{first}）"
                         ) from None
    if count != 1:
        raise QueryError(f"一次只能执行一条语句 (give one statement at a time ({count} given))")


def require_warehouse(db: Path) -> None:
    """:class:`QueryError` unless the warehouse file exists."""
    if not db.exists():
        raise QueryError(f"没有数据仓库 {db}：请先运行 `jixiao ingest` "
                         f"(no warehouse at {db}: run `jixiao ingest` first)")


def run_query(db: Path, query: str, params: dict | None = None
              ) -> tuple[list[str], list[tuple]]:
    """Columns and rows of one statement on the warehouse opened read-only. ``params`` None: a
    user's statement (exactly one; ``:name`` in it is no parameter). Failures raise
    :class:`QueryError` with one line: what is wrong in Chinese (for a common cause, the hint:
    the columns of the view, the tables and views there are), then DuckDB's own words."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from load import is_lock_conflict, read

    require_warehouse(db)
    if params is None:
        check_one_statement(query)

    def run(conn) -> tuple[list[str], list[tuple]]:
        result = (conn.exec_driver_sql(query) if params is None
                  else conn.execute(text(query), params))
        if not result.returns_rows:
            return [], []
        return list(result.keys()), [tuple(r) for r in result]

    try:
        return read(db, run)
    except (DBAPIError, SQLAlchemyError) as exc:
        orig = getattr(exc, "orig", exc)
        first = str(orig).strip().splitlines()[0]
        low = first.lower()
        if is_lock_conflict(exc):
            msg = ("入库正在写数据仓库，已等待 30 秒；请在入库结束后再试（`jixiao status`） "
                   "(an ingest has been writing the warehouse for the last 30 s; try again when "
                   "it has finished)")
        elif "read-only" in low or "read only" in low:
            msg = (f"查询不能修改数据仓库 (the warehouse is opened read-only; writing is not "
                   f"allowed here ({first}))")
        elif "disabled by configuration" in low or "configuration has been locked" in low:
            msg = ("查询只能读取数据仓库：不能读写其他文件、安装扩展或修改设置 (queries may read "
                   f"the warehouse only: no other file, no extension, no setting ({first}))")
        else:
            hint = _hint(first, query, lambda: read(db, _relations))
            msg = f"{hint}（DuckDB：{first}）" if hint else first
        raise QueryError(msg) from None


def _relations(conn) -> dict[str, tuple[str, list[str]]]:
    """name → (table or view, its columns), as stored in the warehouse."""
    views = {n for (n,) in conn.exec_driver_sql(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'")}
    out: dict[str, tuple[str, list[str]]] = {}
    for t, c in conn.exec_driver_sql(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' "
            "AND NOT internal ORDER BY table_name, column_index"):
        out.setdefault(t, ("view" if t in views else "table", []))[1].append(c)
    return out


def _near(word: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(word.lower(), list(names), n=1, cutoff=0.6)
    return f"是否想用 “{close[0]}”？" if close else ""


def _hint(first: str, query: str,
          relations: Callable[[], dict[str, tuple[str, list[str]]]] | None) -> str | None:
    """A Chinese explanation of DuckDB's first error line, for the common causes."""
    m = (re.search(r'Referenced column "([^"]+)" not found', first)
         or re.search(r'does not have a column named "([^"]+)"', first)
         or re.search(r'Column "([^"]+)" does not exist', first))
    if m and relations is not None:
        rels = relations()
        used = [n for n in rels if re.search(rf"\b{re.escape(n)}\b", query, re.I)]
        parts = [f"未知列 “{m.group(1)}”"]
        cols = [c for n in used for c in rels[n][1]]
        if near := _near(m.group(1), cols):
            parts.append(near)
        for n in used[:3]:
            kind = "视图" if rels[n][0] == "view" else "表"
            parts.append(f"{kind} {n} 的列：{', '.join(rels[n][1])}")
        if used:
            parts.append(f"各列的中文含义：jixiao schema {used[0]}")
        return "；".join(parts)
    m = re.search(r"Table with name (\S+?) does not exist", first)
    if m and relations is not None:
        rels = relations()
        views = [n for n, (k, _) in rels.items() if k == "view"]
        tables = [n for n, (k, _) in rels.items() if k == "table"]
        parts = [f"没有表或视图 “{m.group(1)}”"]
        if near := _near(m.group(1), rels):
            parts.append(near)
        if not rels:
            parts.append("数据仓库是空的：请先运行 `jixiao ingest`")
        else:
            parts += [f"可查询的视图：{', '.join(views)}", f"表：{', '.join(tables)}",
                      "说明：jixiao schema；视图如缺少，运行一次 `jixiao ingest` 即会更新"]
        return "；".join(parts)
    m = re.search(r'Ambiguous reference to column name "([^"]+)"(?: \(use: (.*)\))?', first)
    if m:
        use = f"，如 {m.group(2)}" if m.group(2) else ""
        return f"列 “{m.group(1)}” 在多个表或视图中都有：请在列名前加表名或别名{use}"
    m = re.search(r'column "([^"]+)" must appear in the GROUP BY clause', first)
    if m:
        return (f"列 “{m.group(1)}” 既不在 GROUP BY 中，也不在聚合函数（sum、count、avg …）中："
                "把它加到 GROUP BY，或用聚合函数汇总它")
    m = re.search(r'Referenced table "([^"]+)" not found', first)
    if m:
        return (f"语句中没有名为 “{m.group(1)}” 的表或别名：检查 “{m.group(1)}.列名” 的前缀"
                "是否与 FROM / JOIN 中的表名或别名一致")
    m = re.search(r'syntax error at or near "([^"]*)"', first)
    if m:
        return (f"SQL 语法错误，在 “{m.group(1)}” 附近：检查关键字拼写（SELECT … FROM … "
                "WHERE …）、逗号、括号和引号（文字用单引号 '…'）")
    if "unterminated" in first:
        return "引号没有配对：文字的两端都要有单引号 '…'，列名的两端都要有双引号 \"…\""
    m = re.search(r"(?:Scalar|Aggregate|Table) Function with name (\S+?) does not exist", first)
    if m:
        return f"没有函数 “{m.group(1)}”：检查函数名（DuckDB 的函数见其文档）"
    if "No function matches" in first:
        return "函数或运算的参数类型不符：需要时用 CAST(x AS DOUBLE) 或 CAST(x AS VARCHAR) 转换"
    if first.startswith("Conversion Error") or "Could not convert" in first:
        return "类型不符：数字不要加引号，文字要用单引号 '…'，年度是整数（如 fiscal_year = 2024）"
    return None


# --------------------------------------------------------------------------------------------
# rule titles
# --------------------------------------------------------------------------------------------

def rule_title(code: str) -> str:
    """The Chinese meaning of a check code: the transform's and the load's registries, then the
    extraction errors (an unreadable file); '' if unknown."""
    from extract.errors import ExtractError
    from load.checks import LOAD_CHECKS
    from transform.rows import CHECKS

    spec = CHECKS.get(code) or LOAD_CHECKS.get(code)
    if spec:
        return spec.title
    for cls in (ExtractError, *ExtractError.__subclasses__()):
        if cls.code == code:
            return f"{cls.title_zh}（{cls.advice_zh}）"
    return ""


# --------------------------------------------------------------------------------------------
# the standard workbook
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SheetSpec:
    """A fixed sheet: its name, the view, the columns shown (hidden ids last), the order."""

    name: str
    view: str
    columns: tuple[str, ...]
    order: str
    about: str
    unit_filter: bool = True


_YEAR_SHEET_COLUMNS = ("project_name", "reported_name", "budget_initial", "budget_full_year",
                       "executed", "execution_rate", "total_score", "grade", "prev_total_score",
                       "prev_grade", "total_score_change", "credibility", "flags", "file_name",
                       "page", "department", "implementing_unit", "fiscal_year", "project_id")
_ISSUE_COLUMNS = ("fiscal_year", "file_name", "page", "project_name", "indicator", "check_code",
                  "rule_title", "severity", "message", "printed", "expected", "action",
                  "department", "implementing_unit", "unit_basis", "document_status",
                  "detected_at", "project_id", "issue_id", "document_id")

#: headings of the 问题清单 columns that are not view columns
ISSUE_HEADERS = {"rule_title": "规则说明"}

#: the fixed sheets, in their order after 说明
FIXED_SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("汇总", "v_unit_year_summary", (
        "department", "implementing_unit", "fiscal_year", "projects", "budget_initial",
        "budget_full_year", "executed", "execution_rate", "appropriation_full_year",
        "carryover_full_year", "other_full_year", "avg_total_score", "min_total_score",
        "grade_excellent", "grade_good", "grade_fair", "grade_poor", "score_dropped",
        "low_execution", "unmet_indicators", "flagged_reports", "min_credibility",
        "avg_credibility", "open_issues"),
        "department, implementing_unit, fiscal_year",
        "每个主管部门、实施单位每年一行：项目数，预算与执行（万元，资金只按年度资金总额计一次），"
        "得分与等级分布，可信度，待处理问题数"),
    SheetSpec("复核优先", "v_report_credibility", (
        "review_rank", "department", "implementing_unit", "fiscal_year", "project_name",
        "total_score", "grade", "credibility", "flags", "reasons", "file_name", "page",
        "unit_rank", "project_id"),
        "review_rank",
        "全部自评表按可信度从低到高排列（最值得复核的在前），附扣分原因；可信度 = 100 − 各标记扣分，"
        "扣分权重见“可信度权重”"),
    SheetSpec("逐年对比", "v_project_year_over_year", (
        "department", "implementing_unit", "fiscal_year", "project_name", "reported_name",
        "budget_initial", "budget_full_year", "executed", "execution_rate", "total_score",
        "grade", "prev_total_score", "prev_grade", "total_score_change", "grade_changed",
        "prev_budget_full_year", "budget_full_year_change", "budget_full_year_change_pct",
        "prev_execution_rate", "execution_rate_change", "recomputed_score", "dq_status",
        "file_name", "page", "project_id"),
        "department, implementing_unit, project_name, fiscal_year",
        "每个项目每年一行，与同一项目上年对比：预算、执行率、总分、等级的变化"),
    SheetSpec("未达成指标", "v_unmet_indicators", (
        "department", "implementing_unit", "fiscal_year", "project_name", "level1", "level2",
        "indicator_name", "target_text", "actual_text", "completion_pct", "weight", "score",
        "points_lost", "has_reason", "deviation_reason", "file_name", "page", "project_id",
        "indicator_id"),
        "department, implementing_unit, fiscal_year, project_name, indicator_name",
        "未完成目标的绩效指标：分值、得分、失分与偏差原因"),
    SheetSpec("多年未达成指标", "v_indicators_never_met", (
        "department", "implementing_unit", "project_name", "indicator_name", "level1",
        "level2", "years_missed", "years_reported", "years", "history", "points_lost",
        "last_deviation_reason", "file_name", "page", "project_id", "indicator_id"),
        "department, implementing_unit, years_missed DESC, project_name, indicator_name",
        "同一指标至少两年未达成、且从未达成"),
    SheetSpec("执行率低于90%", "v_low_execution", (
        "department", "implementing_unit", "fiscal_year", "project_name", "budget_initial",
        "budget_full_year", "executed", "execution_rate", "execution_rate_printed",
        "unexecuted", "score", "has_reason", "reason_text", "file_name", "page", "project_id"),
        "department, implementing_unit, fiscal_year, execution_rate",
        "预算执行率（全年执行数 / 全年预算数）低于 90% 的项目，是否说明原因"),
    SheetSpec("指标值变化", "v_indicator_target_changes", (
        "department", "implementing_unit", "fiscal_year", "project_name", "indicator_name",
        "prev_target_text", "target_text", "change", "prev_actual_text", "actual_text",
        "achieved", "level1", "level2", "file_name", "page", "project_id", "indicator_id"),
        "department, implementing_unit, fiscal_year, project_name, indicator_name",
        "同一指标的年度指标值与上年不同：调低、调高或写法改变"),
    SheetSpec("可信度标记", "v_self_evaluation_flags", (
        "department", "implementing_unit", "fiscal_year", "project_name", "flag_description",
        "items", "penalty", "detail", "grade", "total_score", "flag_code", "file_name", "page",
        "project_id"),
        "department, implementing_unit, fiscal_year, project_name, penalty DESC, flag_code",
        "每张自评表的每个可信度标记：涉及条数、扣分与依据"),
    SheetSpec("可信度权重", "v_credibility_weights", (
        "flag_code", "flag_description", "first_penalty", "per_extra_item", "max_penalty"),
        "max_penalty DESC, first_penalty DESC, flag_code",
        "各可信度标记的扣分：首项扣分 + 每增一项加扣，至多“最多扣分”", unit_filter=False),
)

_UNIT_WHERE = "(department LIKE :unit OR implementing_unit LIKE :unit)"


def _select(conn, sql: str, params: Mapping[str, object]) -> tuple[list[str], list[tuple]]:
    from sqlalchemy import text

    result = conn.execute(text(sql), dict(params))
    return list(result.keys()), [tuple(r) for r in result]


def missing_views(conn) -> list[str]:
    """The reporting views the workbook needs that the warehouse lacks (one made by an older
    jixiao: the next ingest creates them)."""
    have = {n for (n,) in conn.exec_driver_sql(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal")}
    need = {s.view for s in FIXED_SHEETS} | {"v_issue_list", "v_report_unit"}
    return sorted(need - have)


def units(conn, unit: str | None = None) -> list[tuple[str | None, str | None]]:
    """The units (主管部门, 实施单位) with a loaded report or a finding, matching ``unit``
    (a part of either name) if given."""
    where = f"WHERE {_UNIT_WHERE}" if unit else ""
    _, rows = _select(conn, f"""
        SELECT DISTINCT department, implementing_unit FROM (
            SELECT department, implementing_unit FROM v_report_unit
            UNION ALL
            SELECT department, implementing_unit FROM v_issue_list
            WHERE department IS NOT NULL OR implementing_unit IS NOT NULL
        ) {where}
        ORDER BY department NULLS LAST, implementing_unit NULLS LAST""",
        {"unit": f"%{unit}%"} if unit else {})
    return [tuple(r) for r in rows]


def standard_sheets(conn, unit: str | None = None) -> list[Sheet]:
    """Every sheet of the standard workbook, read in one connection (one snapshot). ``unit``:
    only the units whose 主管部门 or 实施单位 contains it (a workbook for one unit)."""
    missing = missing_views(conn)
    if missing:
        raise ExportError(f"数据仓库缺少视图 {', '.join(missing)}（由较早版本的 jixiao 建立）："
                          "运行一次 `jixiao ingest` 即会更新视图，无需新文件")
    known = units(conn, unit)
    if unit and not known:
        everyone = units(conn)
        names = "、".join(unit_label(d, u) for d, u in everyone) or "（无）"
        raise ExportError(f"没有主管部门或实施单位名称包含 “{unit}”；已有单位：{names}")
    params = {"unit": f"%{unit}%"} if unit else {}
    used: set[str] = {"说明"}
    sheets: list[Sheet] = []
    for spec in FIXED_SHEETS:
        where = f" WHERE {_UNIT_WHERE}" if unit and spec.unit_filter else ""
        names, rows = _select(conn, f"SELECT {', '.join(spec.columns)} FROM {spec.view}{where} "
                                    f"ORDER BY {spec.order}", params)
        sheets.append(table_sheet(sheet_name(spec.name, used), names, rows, view=spec.view,
                                  about=spec.about))
    sheets += _unit_sheets(conn, known, used)
    return sheets


def view_tables(conn, unit: str | None = None) -> dict[str, tuple[list[str], list[tuple]]]:
    """Each view of the fixed sheets as stored (every column, names as in the warehouse), for
    tools (parquet); ``unit`` as in :func:`standard_sheets`."""
    params = {"unit": f"%{unit}%"} if unit else {}
    out = {}
    for spec in FIXED_SHEETS:
        where = f" WHERE {_UNIT_WHERE}" if unit and spec.unit_filter else ""
        out[spec.view] = _select(conn, f"SELECT * FROM {spec.view}{where} ORDER BY {spec.order}",
                                 params)
    return out


def _unit_sheets(conn, known: list[tuple[str | None, str | None]], used: set[str]
                 ) -> list[Sheet]:
    """Per unit: a ``<year>汇总-<unit>`` sheet per year, then its ``问题清单-<unit>``; last the
    findings whose unit is unknown (unreadable files)."""
    names, rows = _select(conn, f"""
        SELECT {', '.join('y.' + c if c not in ('credibility', 'flags') else 'c.' + c
                          for c in _YEAR_SHEET_COLUMNS)}
        FROM v_project_year_over_year AS y
        LEFT JOIN v_report_credibility AS c
            ON c.project_id = y.project_id AND c.fiscal_year = y.fiscal_year
        ORDER BY y.fiscal_year DESC, y.total_score, y.project_name""", {})
    by_unit_year: dict[tuple, list[tuple]] = {}
    for r in rows:
        d = dict(zip(names, r))
        by_unit_year.setdefault((d["department"], d["implementing_unit"], d["fiscal_year"]),
                                []).append(r)
    tnames, trows = _select(conn, "SELECT * FROM v_unit_year_summary", {})
    totals = {(t["department"], t["implementing_unit"], t["fiscal_year"]): t
              for t in (dict(zip(tnames, r)) for r in trows)}
    inames, irows = _select(conn, f"""
        SELECT {', '.join(c if c != 'rule_title' else "'' AS rule_title" for c in _ISSUE_COLUMNS)}
        FROM v_issue_list WHERE needs_action
        ORDER BY file_name, page NULLS FIRST, issue_id""", {})
    code_at, title_at = inames.index("check_code"), inames.index("rule_title")
    irows = [(*r[:title_at], rule_title(r[code_at]), *r[title_at + 1:]) for r in irows]
    by_unit_issues: dict[tuple, list[tuple]] = {}
    for r in irows:
        d = dict(zip(inames, r))
        by_unit_issues.setdefault((d["department"], d["implementing_unit"]), []).append(r)

    out: list[Sheet] = []
    for dep, imp in known:
        label = unit_label(dep, imp)
        who = f"{dep or '（未填主管部门）'} / {imp or '（未填实施单位）'}"
        years = sorted({y for (d, u, y) in by_unit_year if (d, u) == (dep, imp)}, reverse=True)
        for year in years:
            sheet = table_sheet(sheet_name(f"{year}汇总-{label}", used), names,
                                by_unit_year[(dep, imp, year)],
                                about=f"{who} {year} 年度的项目：预算、执行率、总分、等级、可信度；"
                                      "末行合计（总分、可信度为平均）")
            sheet.total = _total_row(sheet, totals.get((dep, imp, year)))
            out.append(sheet)
        out.append(table_sheet(sheet_name(f"问题清单-{label}", used), inames,
                               by_unit_issues.get((dep, imp), []), headers=ISSUE_HEADERS,
                               about=f"{who}：需要退回单位更正或说明的问题（文件、页码、项目、规则、"
                                     "说明、处理建议）"))
    unknown = by_unit_issues.get((None, None), [])
    if unknown:
        out.append(table_sheet(sheet_name(f"问题清单-{UNKNOWN_UNIT}", used), inames, unknown,
                               headers=ISSUE_HEADERS,
                               about="无法确定单位的问题（多为无法读取的文件）：按文件名联系报送单位"))
    return out


def _total_row(sheet: Sheet, total: Mapping[str, object] | None) -> tuple | None:
    """The 合计 row of a unit-year sheet, from v_unit_year_summary (amounts summed once, the
    unit's execution rate, mean total score and 可信度)."""
    if total is None:
        return None
    values = {"budget_initial": total["budget_initial"],
              "budget_full_year": total["budget_full_year"], "executed": total["executed"],
              "execution_rate": total["execution_rate"],
              "total_score": total["avg_total_score"],
              "credibility": total["avg_credibility"], "flags": None}
    first = sheet.columns[0].name
    return tuple("合计（总分、可信度为平均）" if c.name == first else values.get(c.name)
                 for c in sheet.columns)


def about_sheet(sheets: Sequence[Sheet], *, db: Path, unit: str | None, at: datetime) -> Sheet:
    """The 说明 sheet: each sheet with its rows and what it holds, then when and from where."""
    rows: list[tuple] = [(s.name, len(s.rows), s.about) for s in sheets]
    rows.append(("（生成）", None, f"{at:%Y-%m-%d %H:%M}（北京时间），数据仓库 {db}"
                 + (f"，单位筛选 “{unit}”" if unit else "")))
    rows.append(("（说明）", None, "金额单位万元；执行率、得分、可信度保留两位小数；各列含义见 "
                 "`jixiao schema 视图名`；项目编号等内部编号在隐藏列中"))
    return Sheet("说明", [Column("sheet", "工作表"), Column("rows", "行数", WHOLE),
                        Column("about", "内容")], rows)
