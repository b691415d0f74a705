"""THE schema of the jixiao warehouse: SQLAlchemy Core metadata, the single source of the DDL,
the column comments (stored in DuckDB with ``COMMENT ON``), the docs (``python -m
warehouse.docs`` → ``warehouse/SCHEMA.md``) and the views (``warehouse/views/*.sql``).

Conventions (DESIGN.md "Warehouse schema"):

* money in 万元 as ``DECIMAL(18,2)`` (:data:`MONEY`), percentages in percent as ``DECIMAL(9,2)``
  (:data:`PERCENT`), weights and scores in points (分) as ``DECIMAL(9,2)`` (:data:`POINTS`);
  indicator targets and actuals in the unit printed beside them (:data:`QUANTITY`);
* project, indicator and department ids are text ids derived from natural keys
  (``prj_…``, ``ind_…``, ``dep_…``, see :mod:`transform.identity`), document ids are the file's
  sha256; the one integer surrogate key (``dq_issue.issue_id``) draws from a :class:`Sequence`
  (duckdb-engine would render a bare integer primary key as ``SERIAL``, which DuckDB rejects);
* every table and column has a ``comment`` (Chinese term, unit, short English);
  ``Table.info["grain"]`` says what one row is, ``Column.info["ref"]`` names the column a key
  points to (no physical foreign keys: DuckDB cannot update a referenced key, and identity
  re-keying must, see :func:`load.rekey.apply_identity`).

Provenance (where each number was printed) is one table, :data:`fact_cell_source`: one row per
fact value (a funding amount, rate, weight or score; an indicator's target, actual, weight,
score; a report's total, its weight, its grade) with its page and box (x0, top, x1, bottom in
PDF points, the origin at the page's top-left as pdfplumber gives it), keyed like the fact rows
(project_id, fiscal_year, and funding_source or indicator_id) plus the fact table and column
the value is in. Why a table and not box columns on the facts: a fact row has up to six
values, each with five numbers, so box columns would add 30 columns to the funding facts and
24 to the indicator facts, burying the numbers a bureau reads among coordinates; one narrow
table keeps the facts as they were, serves every fact table alike, and holds the several boxes
of a value summed from several printed rows (``part``). It is keyed and written like a fact
table (in :data:`FACT_TABLES`): loaded, superseded, re-keyed by identity and dropped with the
document's facts, in the same transaction, so a box never outlives or misses its number.

Public API: :data:`metadata`, the :class:`~sqlalchemy.Table` objects, :data:`TABLES`,
:func:`create_schema` (tables, sequence, comments, views; idempotent), :func:`apply_views`,
:func:`apply_comments`, :func:`view_files`, :func:`query_files`, :func:`sql_header`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Sequence,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.engine import Connection

from warehouse.sqlfiles import (  # noqa: F401  (re-exported: the schema's public API)
    HERE,
    QUERIES_DIR,
    VIEWS_DIR,
    SqlFile,
    query_files,
    sql_header,
    view_files,
)

#: 万元, 2 decimals
MONEY = Numeric(18, 2)
#: percent, 2 decimals
PERCENT = Numeric(9, 2)
#: weights and scores (分), 2 decimals
POINTS = Numeric(9, 2)
#: indicator targets and actuals in their printed unit
QUANTITY = Numeric(18, 4)
#: timestamps with time zone (UTC stored, shown in the session's zone)
TIMESTAMP = DateTime(timezone=True)

#: source_document.status values
DOCUMENT_STATUSES = ("loaded", "quarantined", "failed", "duplicate", "superseded")
#: dq_issue.severity values
SEVERITIES = ("error", "warning")
#: fact_project_funding.funding_source values
FUNDING_SOURCES = ("total", "appropriation", "carryover", "other")
#: fact_project_evaluation.dq_status values (facts are loaded only from trusted structure)
DQ_STATUSES = ("ok", "warning")
#: ingest_run.state values: running, interrupted (killed: found unfinished by a later run),
#: completed (every file loaded
#: or already known), completed_with_problems (a file failed or was quarantined, or a report
#: could not be read)
RUN_STATES = ("running", "completed", "completed_with_problems", "interrupted")
#: ingest_run.alert_status values: sent (every URL took it), failed (some URL did not),
#: skipped (JIXIAO_ALERT_ON=problems and a clean run), off (no alert URL, or --no-alerts)
ALERT_STATUSES = ("sent", "failed", "skipped", "off")

metadata = MetaData()

issue_id_seq = Sequence("dq_issue_id_seq", metadata=metadata, start=1)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _col(name: str, type_, comment: str, *args, nullable: bool = True,
         ref: str | None = None, **kw) -> Column:
    info = {"ref": ref} if ref else {}
    if kw.get("primary_key") and "autoincrement" not in kw:
        kw["autoincrement"] = False  # natural keys; else duckdb-engine renders SERIAL
    return Column(name, type_, *args, nullable=nullable, comment=comment, info=info, **kw)


def _year(comment: str = "年度 fiscal year of the report (YYYY)", nullable: bool = False) -> Column:
    return _col("fiscal_year", Integer, comment, nullable=nullable,
                ref="dim_fiscal_year.fiscal_year")


def _document(comment: str = "来源文件 source document the row was loaded from "
              "(source_document.document_id, the file's sha256)") -> Column:
    return _col("document_id", String, comment, nullable=False,
                ref="source_document.document_id")


def _page(comment: str = "页码 1-based PDF page the row was printed on") -> Column:
    return _col("page", Integer, comment)


def _ocr() -> tuple[Column, Column]:
    """Whether the row was read by OCR (a scan), and how sure the reading was."""
    return (
        _col("ocr", Boolean, "OCR识别 read by OCR from a scanned page (true), or from the PDF's "
                             "text layer (false)"),
        _col("ocr_confidence", Numeric(5, 4),
             "OCR置信度 the least probability of a character OCR read in the row's cells "
             "(0–1; null: not read by OCR)"),
    )


# --------------------------------------------------------------------------------------------
# dimensions
# --------------------------------------------------------------------------------------------

dim_fiscal_year = Table(
    "dim_fiscal_year", metadata,
    _col("fiscal_year", Integer, "年度 fiscal year (YYYY)", nullable=False, primary_key=True),
    _col("label", String, "年度名称 label as printed on the forms, e.g. 2023年度", nullable=False),
    comment="年度维 fiscal years with loaded reports",
    info={"grain": "one fiscal year"},
)

dim_department = Table(
    "dim_department", metadata,
    _col("department_id", String,
         "部门编号 department id (dep_ + hash of the normalized name)",
         nullable=False, primary_key=True),
    _col("name", String,
         "部门名称 organisation name as printed, without the 闵行 “(汇总)” suffix",
         nullable=False),
    comment="部门维 organisations: 主管部门 (supervising) and 实施单位 (implementing units)",
    info={"grain": "one organisation"},
)

dim_project = Table(
    "dim_project", metadata,
    _col("project_id", String,
         "项目编号 project id, stable across years (prj_ + hash of department and the name "
         "printed in the earliest year)", nullable=False, primary_key=True),
    _col("project_name", String, "项目名称 latest name the project was reported under",
         nullable=False),
    _col("department_id", String, "主管部门 supervising department (latest year)",
         ref="dim_department.department_id"),
    _col("implementing_unit_id", String, "实施单位 implementing unit (latest year)",
         ref="dim_department.department_id"),
    _col("first_year", Integer, "首次年度 first fiscal year with a loaded report"),
    _col("last_year", Integer, "最近年度 last fiscal year with a loaded report"),
    comment="项目维 funded projects, one row per project across all years "
            "(renamed projects keep their id)",
    info={"grain": "one project, stable across years"},
)

project_alias = Table(
    "project_alias", metadata,
    _col("project_id", String, "项目编号 project id", nullable=False,
         ref="dim_project.project_id"),
    _year(),
    _col("reported_name", String, "项目名称(当年) name as printed in that year's report",
         nullable=False),
    _col("department_id", String, "主管部门(当年) supervising department printed that year",
         ref="dim_department.department_id"),
    _col("implementing_unit_id", String, "实施单位(当年) implementing unit printed that year",
         ref="dim_department.department_id"),
    _document(),
    _page("页码 first PDF page of the report"),
    PrimaryKeyConstraint("project_id", "fiscal_year", "reported_name"),
    comment="项目曾用名 names a project was reported under, per year "
            "(identity across years: 劳动保护 → 劳动保护项目)",
    info={"grain": "one name a project was reported under in one year"},
)

dim_indicator = Table(
    "dim_indicator", metadata,
    _col("indicator_id", String,
         "指标编号 indicator id, stable across years (ind_ + hash of project, 一级指标, name)",
         nullable=False, primary_key=True),
    _col("project_id", String, "项目编号 project the indicator belongs to", nullable=False,
         ref="dim_project.project_id"),
    _col("level1", String, "一级指标 level-1 indicator (产出 / 效益 / 满意度), latest year"),
    _col("level2", String, "二级指标 level-2 indicator (数量, 质量, 时效, 成本 …), latest year"),
    _col("name", String, "三级指标 indicator name, latest printed", nullable=False),
    _col("first_year", Integer, "首次年度 first fiscal year with a result"),
    _col("last_year", Integer, "最近年度 last fiscal year with a result"),
    comment="绩效指标维 performance indicators of a project, stable across years",
    info={"grain": "one indicator, stable across years"},
)

# --------------------------------------------------------------------------------------------
# facts
# --------------------------------------------------------------------------------------------

fact_project_funding = Table(
    "fact_project_funding", metadata,
    _col("project_id", String, "项目编号 project id", nullable=False,
         ref="dim_project.project_id"),
    _year(),
    _col("funding_source", String,
         "资金来源 funding source: total 年度资金总额, appropriation 当年财政拨款, "
         "carryover 上年结转资金, other 其他资金", nullable=False),
    _col("source_text", String, "资金来源(原文) row label as printed", nullable=False),
    _col("budget_initial", MONEY, "年初预算数 initial budget (万元)"),
    _col("budget_full_year", MONEY,
         "全年预算数 full-year budget after mid-year adjustment (万元)"),
    _col("executed", MONEY, "全年执行数 amount executed in the year (万元)"),
    _col("execution_rate", PERCENT, "执行率 execution rate as printed (%)"),
    _col("computed_execution_rate", PERCENT,
         "执行率(复核) execution rate recomputed: 全年执行数 / 全年预算数 × 100 (%)"),
    _col("weight", POINTS, "分值 weight of the execution rate, total row only (分, points)"),
    _col("score", POINTS, "得分 execution score as printed, total row only (分, points)"),
    _col("expected_score", POINTS,
         "应得分 execution score by the rule set, total row only (分, points)"),
    _document(),
    _page(),
    *_ocr(),
    PrimaryKeyConstraint("project_id", "fiscal_year", "funding_source"),
    CheckConstraint(_in("funding_source", FUNDING_SOURCES), name="ck_funding_source"),
    comment="项目资金事实 funding block 项目资金(万元): budget, execution and its score",
    info={"grain": "project × year × funding source"},
)

fact_indicator_result = Table(
    "fact_indicator_result", metadata,
    _col("project_id", String, "项目编号 project id", nullable=False,
         ref="dim_project.project_id"),
    _year(),
    _col("indicator_id", String, "指标编号 indicator id", nullable=False,
         ref="dim_indicator.indicator_id"),
    _col("position", Integer, "行序 1-based row of the indicator block", nullable=False),
    _col("reported_level1", String, "一级指标(原文) level-1 label as printed that year"),
    _col("reported_level2", String, "二级指标(原文) level-2 label as printed that year"),
    _col("reported_name", String, "三级指标(原文) indicator name as printed that year",
         nullable=False),
    _col("target_text", Text, "年度指标值 target as printed"),
    _col("target_kind", String,
         "指标值类型 target kind: numeric / range / qualitative / period / unparsed / empty",
         nullable=False),
    _col("target_operator", String, "比较符 target operator: = >= <= > <"),
    _col("target_low", QUANTITY, "目标下限 lower bound of the target (in target_unit)"),
    _col("target_high", QUANTITY, "目标上限 upper bound of the target (in target_unit)"),
    _col("target_unit", String, "计量单位 unit of the target as printed (%, 名, 家 …)"),
    _col("target_unit_norm", String, "计量单位(规范) normalized unit (名 → 人, 百分比 → %)"),
    _col("target_qualifier", String, "限定词 qualifier printed with the number (约, 每月 …)"),
    _col("actual_text", Text, "实际完成值 actual as printed"),
    _col("actual_kind", String,
         "完成值类型 actual kind: numeric / qualitative / period / unparsed / empty",
         nullable=False),
    _col("actual_value", QUANTITY, "实际完成值(数值) actual as a number (in actual_unit)"),
    _col("actual_unit", String, "完成值单位 unit of the actual as printed"),
    _col("actual_unit_norm", String, "完成值单位(规范) normalized unit of the actual"),
    _col("achieved", Boolean, "是否达成 target met (true / false; null: not comparable)"),
    _col("weight", POINTS, "分值 weight of the indicator (分, points)"),
    _col("score", POINTS, "得分 score as printed (分, points)"),
    _col("expected_score", POINTS, "应得分 score by the rule set (分, points)"),
    _col("scoring_formula", String,
         "计分规则 rule applied: higher_is_better, zero_target, lower_is_better:<formula>, "
         "qualitative_band …", nullable=False),
    _col("deviation_reason", Text, "偏差原因分析及改进措施 deviation reason and remedy as printed"),
    _document(),
    _page(),
    *_ocr(),
    PrimaryKeyConstraint("project_id", "fiscal_year", "indicator_id"),
    comment="绩效指标事实 indicator results: target, actual, weight, score, deviation reason",
    info={"grain": "project × year × indicator"},
)

fact_project_evaluation = Table(
    "fact_project_evaluation", metadata,
    _col("project_id", String, "项目编号 project id", nullable=False,
         ref="dim_project.project_id"),
    _year(),
    _col("total_weight", POINTS, "总分分值 total weight, 总分 row (分, points; 100)"),
    _col("total_score", POINTS, "总分 self-assessed total score as printed (分, points)"),
    _col("recomputed_score", POINTS,
         "复核总分 total recomputed by the rule set: execution score + Σ indicator scores "
         "(分, points)"),
    _col("grade", String, "评分等级 grade as printed (优 / 良 / 中 / 差)"),
    _col("expected_grade", String, "应得等级 grade band of the printed total (优 ≥ 90, 良 ≥ 80, "
                                   "中 ≥ 60, 差 < 60)"),
    _col("goal_expected", Text, "年度总体目标-预期目标 expected annual goal (free text)"),
    _col("goal_actual", Text, "年度总体目标-实际完成情况 actual achievement (free text)"),
    _col("dq_status", String,
         "数据质量状态 data quality: ok, or warning when the report broke a scoring rule "
         "(see dq_issue)", nullable=False),
    _col("rule_set", String, "评分规则集 scoring rule set checked against (shanghai …)",
         nullable=False),
    _document(),
    _page("页码 first PDF page of the report"),
    *_ocr(),
    PrimaryKeyConstraint("project_id", "fiscal_year"),
    CheckConstraint(_in("dq_status", DQ_STATUSES), name="ck_dq_status"),
    comment="项目绩效评价事实 one self-evaluation: total score, grade, goals, data quality",
    info={"grain": "project × year"},
)

#: fact_cell_source.fact values
CELL_SOURCE_FACTS = ("fact_project_funding", "fact_indicator_result", "fact_project_evaluation")
_PT = "(磅 pt, PDF 坐标，1 磅 = 1/72 英寸，原点在页面左上角)"

fact_cell_source = Table(
    "fact_cell_source", metadata,
    _col("project_id", String, "项目编号 project id of the fact row", nullable=False,
         ref="dim_project.project_id"),
    _year(),
    _col("fact", String, "事实表 fact table the value is in: fact_project_funding 项目资金, "
         "fact_indicator_result 绩效指标, fact_project_evaluation 总分与等级", nullable=False),
    _col("funding_source", String, "资金来源 funding row of the value (fact_project_funding "
         "only: total / appropriation / carryover / other)"),
    _col("indicator_id", String, "指标编号 indicator row of the value (fact_indicator_result "
         "only)", ref="dim_indicator.indicator_id"),
    _col("field", String, "字段 column of the fact table the value is in (budget_full_year 全年"
         "预算数, target_text 年度指标值, total_score 总分, grade 评分等级 …)", nullable=False),
    _col("part", Integer, "部分 1, or 1, 2 … for a value summed from several printed rows "
         "(其他资金 of the Sichuan form)", nullable=False),
    _col("page", Integer, "页码 1-based PDF page the value was printed on", nullable=False),
    _col("x0", Numeric(9, 2), f"左边距 left edge of the cell {_PT}", nullable=False),
    _col("top", Numeric(9, 2), f"上边距 top edge of the cell, from the page's top {_PT}",
         nullable=False),
    _col("x1", Numeric(9, 2), f"右边距 right edge of the cell {_PT}", nullable=False),
    _col("bottom", Numeric(9, 2), f"下边距 bottom edge of the cell, from the page's top {_PT}",
         nullable=False),
    _col("printed", Text, "单元格原文 the cell's text as printed (before numbers and units are "
         "read)"),
    _document("来源文件 source document the value was read from (source_document.document_id)"),
    CheckConstraint(_in("fact", CELL_SOURCE_FACTS), name="ck_cell_source_fact"),
    comment="数字来源 where each fact value was printed: the PDF page and the box of its cell "
            "(点击数字可打开原 PDF 的这一格)",
    info={"grain": "one value of a fact row (one printed cell; a summed value: one per row)"},
)

# --------------------------------------------------------------------------------------------
# bookkeeping
# --------------------------------------------------------------------------------------------

source_document = Table(
    "source_document", metadata,
    _col("document_id", String,
         "文件编号 document id: the file's sha256; a duplicate or a failed copy of an id "
         "already used gets sha256-<path hash>", nullable=False, primary_key=True),
    _col("sha256", String, "文件摘要 sha256 of the file's bytes", nullable=False),
    _col("file_name", String, "文件名 file name", nullable=False),
    _col("path", String, "路径 path the file was seen at", nullable=False),
    _col("bytes", BigInteger, "文件大小 file size (bytes)"),
    _col("pages", Integer, "页数 number of PDF pages"),
    _col("fiscal_year", Integer, "年度 fiscal year printed in the document (YYYY)"),
    _col("reports", Integer, "自评表数 self-evaluation tables found in the file"),
    _col("status", String,
         "状态 loaded 已入库 / quarantined 隔离(结构不可信) / failed 无法读取 / "
         "duplicate 重复文件 / superseded 已被新版本替代", nullable=False),
    _col("duplicate_of", String, "重复于 document this file duplicates (same sha256)",
         ref="source_document.document_id"),
    _col("superseded_by", String,
         "替代文件 document whose reports replaced this one's last facts",
         ref="source_document.document_id"),
    _col("error_code", String, "错误代码 why the file failed or was quarantined (check code)"),
    _col("reason", Text, "原因 why the file was not loaded (Chinese, with file and page)"),
    _col("rule_set", String, "评分规则集 scoring rule set the reports were checked against"),
    _col("reader_version", String, "读取程序版本 jixiao version that read the file (jixiao X.Y.Z)"),
    _col("ingested_at", TIMESTAMP, "入库时间 when the file was first recorded", nullable=False),
    _col("status_changed_at", TIMESTAMP, "状态变更时间 when the status last changed",
         nullable=False),
    _col("run_id", String, "运行编号 ingest run that recorded the file", nullable=False,
         ref="ingest_run.run_id"),
    _col("pdf_date", TIMESTAMP, "文件日期 the PDF's own date (ModDate, else CreationDate; "
         "UTC): the later of two versions of a report wins"),
    _col("first_seen_at", TIMESTAMP, "首次收到时间 start of the run that first saw the file "
         "(kept when the file is read again): orders versions without a file date; two "
         "versions seen the same night with no file date to tell them apart are both kept"),
    _col("file_mtime_ns", BigInteger, "修改时间 the file's modification time when it was read "
         "(ns since 1970): a file at a known path with the same size and time is not read "
         "again (not even hashed)"),
    CheckConstraint(_in("status", DOCUMENT_STATUSES), name="ck_document_status"),
    comment="来源文件 every file seen, with what became of it (loaded, quarantined, failed …)",
    info={"grain": "one file seen at one path"},
)

dq_issue = Table(
    "dq_issue", metadata,
    _col("issue_id", Integer, "问题编号 issue id (sequence dq_issue_id_seq)", issue_id_seq,
         nullable=False, primary_key=True, autoincrement=True,
         server_default=issue_id_seq.next_value()),
    _col("run_id", String, "运行编号 ingest run that found the issue", nullable=False,
         ref="ingest_run.run_id"),
    _col("document_id", String, "文件编号 document the issue is about", nullable=False,
         ref="source_document.document_id"),
    _col("file_name", String, "文件名 file name", nullable=False),
    _col("fiscal_year", Integer, "年度 fiscal year of the report (YYYY)"),
    _col("project_name", String, "项目名称 project as printed"),
    _col("page", Integer, "页码 1-based PDF page"),
    _col("indicator", String, "三级指标 indicator the issue is about, if one row"),
    _col("check_code", String, "检查代码 stable check code (missing_grade, total_not_sum …)",
         nullable=False),
    _col("severity", String,
         "严重程度 error (structure cannot be trusted: quarantined) or warning (loaded, flagged)",
         nullable=False),
    _col("message", Text, "说明 what is wrong, in Chinese, with both numbers", nullable=False),
    _col("printed", String, "填报值 value printed in the report (as text)"),
    _col("expected", String, "应为 value the rules give, or the earlier version (as text)"),
    _col("detected_at", TIMESTAMP, "发现时间 when the issue was recorded", nullable=False),
    CheckConstraint(_in("severity", SEVERITIES), name="ck_issue_severity"),
    comment="数据质量问题 data-quality findings of the checks, newest with the highest issue_id",
    info={"grain": "one finding"},
)

_COUNTS = (
    ("files_seen", "文件数 files seen by the run"),
    ("files_new", "新文件数 files not seen before at that path with those bytes"),
    ("loaded", "已入库 files loaded"),
    ("quarantined", "已隔离 files quarantined (error findings)"),
    ("failed", "失败 files that could not be read"),
    ("duplicate", "重复 files recorded as duplicates"),
    ("superseded", "被替代 earlier files superseded by this run"),
    ("reports_loaded", "入库自评表数 self-evaluation reports loaded"),
    ("indicators_loaded", "入库指标数 indicator results loaded"),
    ("issues_new", "新问题数 new dq_issue rows"),
    ("reports_missing", "未读出自评表数 reports the pages start but the reader could not read"),
    ("alerts_sent", "告警数 alerts sent"),
)

ingest_run = Table(
    "ingest_run", metadata,
    _col("run_id", String, "运行编号 run id: the Prefect flow-run id, or a uuid",
         nullable=False, primary_key=True),
    _col("started_at", TIMESTAMP, "开始时间 when the run started", nullable=False),
    _col("finished_at", TIMESTAMP, "结束时间 when the run finished (null: running or crashed)"),
    *(_col(name, Integer, comment + " (count)", nullable=False, server_default=text("0"))
      for name, comment in _COUNTS),
    _col("state", String, "运行状态 running, interrupted (killed, found by a later run), "
         "completed, completed_with_problems (files failed or quarantined, reports not read)",
         server_default=text("'running'")),
    _col("alert_status", String, "告警状态 sent, failed (not delivered), skipped (clean run, "
         "JIXIAO_ALERT_ON=problems), off (no alert address)"),
    _col("alert_detail", Text, "告警说明 why an alert was not delivered or not sent"),
    _col("schema_version", String, "库结构版本 fingerprint of the tables, comments and views "
         "the run's program brought the warehouse to (a later run with the same skips "
         "re-applying them)"),
    CheckConstraint(_in("state", RUN_STATES), name="ck_run_state"),
    comment="入库运行 one ingest flow run with its counts, state and alert",
    info={"grain": "one flow run"},
)

#: every table in dependency-free creation order
TABLES: tuple[Table, ...] = tuple(metadata.sorted_tables)
#: fact tables keyed by (project_id, fiscal_year, …) that carry document_id
FACT_TABLES: tuple[Table, ...] = (fact_project_funding, fact_indicator_result,
                                  fact_project_evaluation, fact_cell_source)
#: names of the run counters of :data:`ingest_run`
RUN_COUNTS: tuple[str, ...] = tuple(name for name, _ in _COUNTS)


# --------------------------------------------------------------------------------------------
# views and queries (SQL files with a header comment)
# --------------------------------------------------------------------------------------------

#: units of the view columns (the part of a comment in （）), with the number format exports use
MONEY_UNIT, PERCENT_UNIT, POINTS_UNIT = "万元", "%", "分"
#: units counted in whole numbers (exports: no decimals)
COUNT_UNITS = ("个", "项", "条", "年", "位", "页")


@dataclass(frozen=True, slots=True)
class ViewColumn:
    """What a column of a view means: the Chinese term (the header of an export), its unit
    (万元, %, 分, a count …), a short explanation; ``internal`` marks ids and hashes (hidden in
    exports); ``labels`` the Chinese words exports show for coded values."""

    label: str
    unit: str = ""
    note: str = ""
    internal: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def header(self) -> str:
        """``全年预算数（万元）``: the term with its unit, as a column heading."""
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    @property
    def comment(self) -> str:
        """The COMMENT stored in DuckDB: Chinese term, unit, explanation."""
        return f"{self.header} {self.note}".strip()


_V = ViewColumn
_YES_NO = {"true": "是", "false": "否"}
_STATUS = {"loaded": "已入库", "quarantined": "已隔离（未入库）", "failed": "无法读取",
           "duplicate": "重复文件", "superseded": "已被新版本替代"}
_KINDS = {"numeric": "数值", "range": "区间", "qualitative": "定性", "period": "期限",
          "unparsed": "无法解析", "empty": "空"}

#: every column of every view, by name (one meaning per name across the views); the one place
#: their documentation lives: DuckDB's comments, ``jixiao schema``, SCHEMA.md and the headers and
#: number formats of ``jixiao export`` come from here
VIEW_COLUMNS: Mapping[str, ViewColumn] = MappingProxyType({
    # who and what
    "department": _V("主管部门", note="supervising department as printed in the report of that "
                     "year (dim_department.name)"),
    "implementing_unit": _V("实施单位", note="implementing unit as printed in the report of that "
                            "year (dim_department.name)"),
    "project_id": _V("项目编号", note="stable project id across years (prj_ + hash; "
                     "dim_project.project_id)", internal=True),
    "project_name": _V("项目名称", note="latest name of the project (dim_project)"),
    "reported_name": _V("项目名称(当年)", note="name as printed in that year's report"),
    "prev_reported_name": _V("项目名称(上年)", note="name as printed in the previous year's report"),
    "fiscal_year": _V("年度", note="fiscal year of the report (YYYY)"),
    "prev_fiscal_year": _V("上年年度", note="fiscal year compared with (fiscal_year - 1)"),
    "file_name": _V("文件名", note="file the report was read from"),
    "page": _V("页码", note="1-based PDF page (the report's first page, or the row's)"),
    "document_id": _V("文件编号", note="source_document.document_id (the file's sha256)",
                      internal=True),
    # indicators
    "indicator_id": _V("指标编号", note="stable indicator id across years (ind_ + hash)",
                       internal=True),
    "indicator_name": _V("三级指标", note="indicator name as printed that year"),
    "prev_indicator_name": _V("三级指标(上年)", note="indicator name as printed the year before"),
    "indicator": _V("三级指标", note="indicator the finding is about, if one row"),
    "position": _V("行序", note="1-based row of the indicator block"),
    "level1": _V("一级指标", note="level-1 indicator as printed (产出 / 效益 / 满意度)"),
    "level2": _V("二级指标", note="level-2 indicator as printed (数量, 质量, 时效, 成本 …)"),
    "target_text": _V("年度指标值", note="target as printed"),
    "prev_target_text": _V("年度指标值(上年)", note="target as printed the year before"),
    "target_kind": _V("指标值类型", note="numeric / range / qualitative / period / unparsed / empty",
                      labels=_KINDS),
    "prev_target_kind": _V("指标值类型(上年)", note="kind of the previous year's target",
                           labels=_KINDS),
    "target_operator": _V("比较符", note="target operator: = >= <= > <"),
    "prev_target_operator": _V("比较符(上年)", note="the previous year's operator"),
    "target_low": _V("目标下限", note="lower bound of the target, in target_unit"),
    "prev_target_low": _V("目标下限(上年)", note="the previous year's lower bound"),
    "target_high": _V("目标上限", note="upper bound of the target, in target_unit"),
    "prev_target_high": _V("目标上限(上年)", note="the previous year's upper bound"),
    "target_unit": _V("计量单位", note="unit of the target as printed (%, 名, 家 …)"),
    "prev_target_unit": _V("计量单位(上年)", note="the previous year's unit"),
    "direction": _V("指标方向", note="higher_is_better / lower_is_better (numeric targets)",
                    labels={"higher_is_better": "越高越好", "lower_is_better": "越低越好"}),
    "actual_text": _V("实际完成值", note="actual as printed"),
    "prev_actual_text": _V("实际完成值(上年)", note="the previous year's actual as printed"),
    "actual_value": _V("实际完成值(数值)", note="actual as a number, in actual_unit"),
    "actual_unit": _V("完成值单位", note="unit of the actual as printed"),
    "achieved": _V("是否达成", note="target met (null: not comparable)", labels=_YES_NO),
    "prev_achieved": _V("上年是否达成", note="target met the year before", labels=_YES_NO),
    "completion_pct": _V("完成比例", PERCENT_UNIT, "actual / target floor × 100"),
    "change": _V("变化类型", note="lowered / raised / operator_changed / direction_changed / "
                 "unit_changed / kind_changed / range_changed / text_changed",
                 labels={"lowered": "调低", "raised": "调高", "operator_changed": "比较符改变",
                         "direction_changed": "方向改变", "unit_changed": "单位改变",
                         "kind_changed": "类型改变", "range_changed": "区间改变",
                         "text_changed": "文字改变"}),
    "lowered": _V("是否调低", note="target easier to meet than the year before", labels=_YES_NO),
    "raised": _V("是否调高", note="target harder to meet than the year before", labels=_YES_NO),
    "deviation_reason": _V("偏差原因", note="偏差原因分析及改进措施 as printed"),
    "last_deviation_reason": _V("偏差原因(最近一年)", note="偏差原因分析及改进措施 of the "
                                "latest year missed"),
    "has_reason": _V("是否说明原因", note="a deviation reason is written (placeholders such as "
                     "无, /, - do not count)", labels=_YES_NO),
    "reason_text": _V("偏差原因汇总", note="the report's 偏差原因分析 texts, joined"),
    "years_missed": _V("未达成年数", "年", "fiscal years with achieved = false"),
    "years_reported": _V("填报年数", "年", "fiscal years with a result for the indicator"),
    "first_year": _V("首次未达成年度", note="first fiscal year missed"),
    "last_year": _V("最近未达成年度", note="latest fiscal year missed"),
    "years": _V("未达成年度", note="fiscal years missed, comma-separated"),
    "history": _V("历年目标与实际", note="target and actual of each year missed"),
    "points_lost": _V("失分", POINTS_UNIT, "weight − score (summed over the years missed in "
                      "v_indicators_never_met)"),
    # money and scores
    "budget_initial": _V("年初预算数", MONEY_UNIT, "initial budget, 年度资金总额 row (summed "
                         "per unit in v_unit_year_summary)"),
    "budget_full_year": _V("全年预算数", MONEY_UNIT, "full-year budget after mid-year "
                           "adjustment, 年度资金总额 row (summed per unit in v_unit_year_summary)"),
    "executed": _V("全年执行数", MONEY_UNIT, "amount executed, 年度资金总额 row (summed per unit "
                   "in v_unit_year_summary)"),
    "unexecuted": _V("未执行金额", MONEY_UNIT, "全年预算数 − 全年执行数"),
    "appropriation_full_year": _V("当年财政拨款", MONEY_UNIT, "full-year budget from the year's "
                                  "appropriation (funding_source = appropriation)"),
    "carryover_full_year": _V("上年结转资金", MONEY_UNIT, "full-year budget carried over "
                              "(funding_source = carryover)"),
    "other_full_year": _V("其他资金", MONEY_UNIT, "full-year budget from other sources "
                          "(funding_source = other)"),
    "prev_budget_full_year": _V("上年全年预算数", MONEY_UNIT, "the previous year's full-year "
                                "budget"),
    "prev_executed": _V("上年全年执行数", MONEY_UNIT, "the previous year's amount executed"),
    "budget_full_year_change": _V("全年预算数变化", MONEY_UNIT, "全年预算数 − 上年全年预算数"),
    "budget_full_year_change_pct": _V("全年预算数变化率", PERCENT_UNIT,
                                      "(全年预算数 − 上年) / 上年 × 100"),
    "executed_change": _V("全年执行数变化", MONEY_UNIT, "全年执行数 − 上年全年执行数"),
    "execution_rate": _V("执行率", PERCENT_UNIT, "全年执行数 / 全年预算数 × 100, recomputed "
                         "(the printed one when it cannot be; per unit: the sums' ratio)"),
    "execution_rate_printed": _V("执行率(填报)", PERCENT_UNIT, "execution rate as printed"),
    "prev_execution_rate": _V("上年执行率", PERCENT_UNIT, "the previous year's execution rate"),
    "execution_rate_change": _V("执行率变化", PERCENT_UNIT, "执行率 − 上年执行率 "
                                "(percentage points)"),
    "weight": _V("分值", POINTS_UNIT, "weight of the row (the execution rate's in "
                 "v_low_execution, the indicator's otherwise)"),
    "score": _V("得分", POINTS_UNIT, "score as printed"),
    "expected_score": _V("应得分", POINTS_UNIT, "score by the rule set"),
    "total_score": _V("总分", POINTS_UNIT, "self-assessed total score as printed"),
    "recomputed_score": _V("复核总分", POINTS_UNIT, "total recomputed by the rule set"),
    "prev_total_score": _V("上年总分", POINTS_UNIT, "the previous year's total score"),
    "total_score_change": _V("总分变化", POINTS_UNIT, "总分 − 上年总分"),
    "avg_total_score": _V("平均总分", POINTS_UNIT, "mean of the unit's total scores"),
    "min_total_score": _V("最低总分", POINTS_UNIT, "lowest of the unit's total scores"),
    "grade": _V("评分等级", note="grade as printed (优 / 良 / 中 / 差)"),
    "prev_grade": _V("上年评分等级", note="the previous year's grade"),
    "grade_changed": _V("等级是否变化", note="grade differs from the previous year's",
                        labels=_YES_NO),
    "is_first_year": _V("是否首年", note="no report for the previous year", labels=_YES_NO),
    "dq_status": _V("数据质量状态", note="ok, or warning when the report broke a scoring rule",
                    labels={"ok": "无问题", "warning": "有警告"}),
    # per unit and year
    "projects": _V("项目数", "个", "loaded reports (projects) of the unit that year"),
    "grade_excellent": _V("优", "个", "reports graded 优"),
    "grade_good": _V("良", "个", "reports graded 良"),
    "grade_fair": _V("中", "个", "reports graded 中"),
    "grade_poor": _V("差", "个", "reports graded 差"),
    "score_dropped": _V("总分下降项目数", "个", "reports whose total fell from the previous year"),
    "low_execution": _V("执行率低于90%项目数", "个", "reports with execution rate below 90 %"),
    "unmet_indicators": _V("未达成指标数", "项", "indicator rows with achieved = false"),
    "flagged_reports": _V("有可信度标记的自评表数", "个", "reports with at least one flag"),
    "min_credibility": _V("最低可信度", POINTS_UNIT, "lowest 可信度 of the unit's reports"),
    "avg_credibility": _V("平均可信度", POINTS_UNIT, "mean 可信度 of the unit's reports"),
    "open_issues": _V("待处理问题数", "条", "v_issue_list rows with needs_action"),
    # credibility
    "flag_code": _V("标记代码", note="stable code of the credibility flag"),
    "flag_description": _V("可信度标记", note="what the flag means, in Chinese"),
    "items": _V("涉及条数", "条", "rows (indicators, funding rows) behind the flag"),
    "detail": _V("标记依据", note="the rows behind the flag, with their numbers"),
    "penalty": _V("扣分", POINTS_UNIT, "what the flag takes off 可信度 (v_report_credibility: "
                  "the sum of its flags')"),
    "first_penalty": _V("首项扣分", POINTS_UNIT, "penalty of a flag on one item"),
    "per_extra_item": _V("每增一项加扣", POINTS_UNIT, "added for each further item"),
    "max_penalty": _V("最多扣分", POINTS_UNIT, "cap of the flag's penalty"),
    "credibility": _V("可信度", POINTS_UNIT, "100 − Σ penalty of the report's flags, at least 0"),
    "flags": _V("标记数", "个", "credibility flags of the report"),
    "reasons": _V("扣分原因", note="each flag with its penalty and evidence, costliest first"),
    "flag_codes": _V("标记代码列表", note="codes of the report's flags, costliest first"),
    "review_rank": _V("复核优先序", "位", "order to review all reports in (1 = first)"),
    "unit_rank": _V("单位内复核优先序", "位", "the same order within one 主管部门 / 实施单位"),
    # findings
    "unit_basis": _V("单位依据", note="how the unit was found: 本表, 已入库版本, 同一文件, "
                     "同名项目(推断) (a guess: check it); null: not found"),
    "check_code": _V("规则代码", note="stable check code (missing_grade, total_not_sum …)"),
    "severity": _V("严重程度", note="error (not loaded) or warning",
                   labels={"error": "错误", "warning": "警告"}),
    "message": _V("问题说明", note="what is wrong, in Chinese, with both numbers"),
    "printed": _V("填报值", note="value printed in the report"),
    "expected": _V("应为", note="value the rules give, or the earlier version's"),
    "document_status": _V("文件状态", note="loaded / quarantined / failed / duplicate / "
                          "superseded", labels=_STATUS),
    "action": _V("处理建议", note="what the unit (or the bureau) should do, in Chinese"),
    "needs_action": _V("是否需处理", note="false for notices and findings fixed by a later file",
                       labels=_YES_NO),
    "detected_at": _V("发现时间", note="when the finding was recorded"),
    "issue_id": _V("问题编号", note="dq_issue.issue_id", internal=True),
})

#: a column whose meaning differs in one view: (view, column) → its documentation
VIEW_COLUMN_OVERRIDES: Mapping[tuple[str, str], ViewColumn] = MappingProxyType({
    ("v_report_credibility", "penalty"): _V("扣分合计", POINTS_UNIT, "Σ penalty of the "
                                            "report's flags"),
})


def view_column(view: str, column: str) -> ViewColumn | None:
    """The documentation of one column of a view (None: undocumented)."""
    return VIEW_COLUMN_OVERRIDES.get((view, column)) or VIEW_COLUMNS.get(column)


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def apply_views(conn: Connection) -> tuple[str, ...]:
    """``CREATE OR REPLACE VIEW`` for every file of ``warehouse/views`` (the file's statement is
    the view's SELECT), with the header's first line as the view's comment and each column's
    comment from :data:`VIEW_COLUMNS`."""
    names = []
    for f in view_files():
        body = f.sql.strip().rstrip(";")
        conn.exec_driver_sql(f"CREATE OR REPLACE VIEW {f.name} AS\n{body}")
        conn.exec_driver_sql(f"COMMENT ON VIEW {f.name} IS {_quote(f.title)}")
        for (column,) in conn.exec_driver_sql(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' "
                f"AND table_name = {_quote(f.name)} ORDER BY column_index").all():
            doc = view_column(f.name, column)
            if doc is not None:  # an undocumented column fails the tests, not an ingest
                conn.exec_driver_sql(
                    f"COMMENT ON COLUMN {f.name}.{column} IS {_quote(doc.comment)}")
        names.append(f.name)
    return tuple(names)


def apply_comments(conn: Connection) -> int:
    """``COMMENT ON TABLE/COLUMN`` for every table and column whose stored comment differs from
    the metadata (duckdb-engine emits them on create, this repairs older files); returns how
    many comments were written."""
    stored_tables = dict(conn.exec_driver_sql(
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'").all())
    stored_cols = {(t, c): m for t, c, m in conn.exec_driver_sql(
        "SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE schema_name = 'main'").all()}
    written = 0
    for table in TABLES:
        if stored_tables.get(table.name) != table.comment:
            conn.exec_driver_sql(f"COMMENT ON TABLE {table.name} IS {_quote(table.comment)}")
            written += 1
        for c in table.columns:
            if stored_cols.get((table.name, c.name)) != c.comment:
                conn.exec_driver_sql(
                    f"COMMENT ON COLUMN {table.name}.{c.name} IS {_quote(c.comment)}")
                written += 1
    return written


def add_missing_columns(conn: Connection) -> tuple[str, ...]:
    """``ALTER TABLE … ADD COLUMN`` for each column of the metadata that a warehouse made by an
    older version lacks (new columns are nullable or have a default); returns their names."""
    stored = {(t, c) for t, c in conn.exec_driver_sql(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main'").all()}
    tables = {t for t, _ in stored}
    added = []
    for table in TABLES:
        if table.name not in tables:
            continue
        for c in table.columns:
            if (table.name, c.name) in stored:
                continue
            ddl = f"ALTER TABLE {table.name} ADD COLUMN {c.name} {c.type.compile(conn.dialect)}"
            if c.server_default is not None:
                ddl += f" DEFAULT {c.server_default.arg.text}"
            conn.exec_driver_sql(ddl)
            added.append(f"{table.name}.{c.name}")
    return tuple(added)


@functools.cache
def schema_fingerprint() -> str:
    """The schema's fingerprint: a hash of the files that define it (this module, the view
    files and their reader); any change to them changes it. (Read once per process: the
    night asks for it when it opens the warehouse and when it starts the run.)"""
    import hashlib
    from pathlib import Path

    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in (here / "schema.py", here / "sqlfiles.py", *sorted((here / "views").glob("*.sql"))):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def schema_is_current(conn: Connection) -> bool:
    """Whether the last run recorded in the warehouse brought it to this schema (then
    :func:`create_schema` has nothing to do: 0.2 s saved at the start of every night)."""
    has = conn.exec_driver_sql(
        "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'main' "
        "AND table_name = 'ingest_run' AND column_name = 'schema_version'").scalar()
    if not has:
        return False
    last = conn.exec_driver_sql(
        "SELECT schema_version FROM ingest_run ORDER BY started_at DESC LIMIT 1").scalar()
    return last == schema_fingerprint()


def create_schema(conn: Connection) -> None:
    """Tables, the sequence, comments and views; safe to run on an existing warehouse (columns
    added since it was made are added)."""
    metadata.create_all(conn, checkfirst=True)
    add_missing_columns(conn)
    apply_comments(conn)
    apply_views(conn)


# --------------------------------------------------------------------------------------------
# the catalog: every table and view with its columns, as DuckDB stores them
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CatalogColumn:
    """One column of a table or view: name, DuckDB type, comment (Chinese term, unit, note)."""

    name: str
    type: str
    comment: str


@dataclass(frozen=True, slots=True)
class Relation:
    """A table or a view of the warehouse with its comment, grain (tables) and columns."""

    name: str
    kind: str  # "table" or "view"
    comment: str
    grain: str
    columns: tuple[CatalogColumn, ...]


def catalog() -> tuple[Relation, ...]:
    """Every table (in :data:`TABLES` order) and view (in dependency order) of this version of
    the schema, with the types and comments DuckDB stores, read from an in-memory build (no
    warehouse file needed)."""
    from sqlalchemy import create_engine

    engine = create_engine("duckdb:///:memory:")
    try:
        with engine.begin() as conn:
            create_schema(conn)
            cols: dict[str, list[CatalogColumn]] = {}
            for t, c, d, m in conn.exec_driver_sql(
                    "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
                    "WHERE schema_name = 'main' AND NOT internal "
                    "ORDER BY table_name, column_index").all():
                cols.setdefault(t, []).append(CatalogColumn(c, d, m or ""))
    finally:
        engine.dispose()
    out = [Relation(t.name, "table", t.comment or "", t.info.get("grain", ""),
                    tuple(cols[t.name])) for t in TABLES]
    out += [Relation(f.name, "view", f.title, "", tuple(cols[f.name])) for f in view_files()]
    return tuple(out)
