"""What the web view reads from the published warehouse: one read-only connection per request.

The web view is a reader like ``jixiao sql`` (DESIGN.md): it opens the published warehouse
(:mod:`load.snapshot`) read-only with the readers' locked configuration
(:data:`load.engine.READER_CONFIG`) for one request and closes it before answering, so it holds
no connection between requests and never stands in the way of the night (the ingest writes its
working copy and renames it over the published file; a request that opened the old file reads
the old warehouse whole). Cross-year questions go through the warehouse's views
(``warehouse/views``: year over year, target changes, credibility, the issue list); this module
only filters them by unit, project or file.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from load.engine import READER_CONFIG

#: fields of the fact tables whose printed cell is kept (fact_cell_source.field)
FIELD_LABELS = {
    "budget_initial": "年初预算数（万元）", "budget_full_year": "全年预算数（万元）",
    "executed": "全年执行数（万元）", "execution_rate": "执行率（%）",
    "weight": "分值（分）", "score": "得分（分）", "reported_name": "三级指标",
    "target_text": "年度指标值", "actual_text": "实际完成值",
    "deviation_reason": "偏差原因分析及改进措施", "total_weight": "总分分值（分）",
    "total_score": "总分（分）", "grade": "评分等级",
}
FUNDING_LABELS = {"total": "年度资金总额", "appropriation": "其中：当年财政拨款",
                  "carryover": "上年结转资金", "other": "其他资金"}
STATUS_LABELS = {"loaded": "已入库", "quarantined": "已隔离", "failed": "无法读取",
                 "duplicate": "重复文件", "superseded": "已被新版本替代"}
RUN_STATES = {"running": "运行中", "interrupted": "已中断", "completed": "完成",
              "completed_with_problems": "完成·有问题"}


class NoWarehouse(RuntimeError):
    """The warehouse file does not exist (yet)."""


# ------------------------------------------------------------------ the cross-year views, once

def file_key(db: Path) -> tuple[int, int, int, int]:
    """What identifies one published warehouse: a night publishes a new file by rename."""
    st = os.stat(db)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class Derived:
    """The cross-year views (year over year, target changes, flags, credibility, the units'
    summaries) read once per published warehouse and kept by project and by unit: each view
    computes over the whole warehouse whatever the filter, so the pages look them up here
    (≤ 300 ms on 10 years × 1,500 projects) instead of running them per request. Rows only: no
    connection is kept."""

    key: tuple
    yoy_by_unit: dict[tuple, list[dict[str, Any]]]
    yoy_by_project: dict[str, list[dict[str, Any]]]
    summary_by_unit: dict[tuple, list[dict[str, Any]]]
    lowered_by_project: dict[str, list[dict[str, Any]]]
    flags_by_project: dict[str, list[dict[str, Any]]]
    credibility_by_project: dict[str, list[dict[str, Any]]]
    #: 首页: reports and units by year, and the units with their projects and years
    years: list[dict[str, Any]] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)
    #: v_issue_list, in the order of the 问题 page
    issues: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


#: the views of each warehouse file served (by path), as last read
_DERIVED: dict[str, Derived] = {}
_DERIVED_LOCK = threading.Lock()


def _group(items: list[dict[str, Any]], *keys: str) -> dict:
    out: dict = {}
    for r in items:
        k = r[keys[0]] if len(keys) == 1 else tuple(r[k] for k in keys)
        out.setdefault(k, []).append(r)
    return out


def derived(db: Path) -> Derived:
    """The views of the warehouse now published at ``db`` (read again after each publish)."""
    if not Path(db).is_file():
        raise NoWarehouse(str(db))
    with _DERIVED_LOCK:
        for _ in range(5):
            key = file_key(db)
            cached = _DERIVED.get(str(db))
            if cached is not None and cached.key == key:
                return cached
            t0 = time.perf_counter()
            with connect(db) as con:
                if file_key(db) != key:  # published between the two looks: read the new one
                    continue
                yoy = rows(con, """
                    SELECT department, implementing_unit, project_id, project_name,
                           reported_name, prev_reported_name, fiscal_year, budget_full_year,
                           execution_rate_printed, execution_rate, total_score,
                           recomputed_score, grade, dq_status, file_name, page, document_id
                    FROM v_project_year_over_year ORDER BY project_name, fiscal_year""")
                summary = rows(con, """
                    SELECT department, implementing_unit, fiscal_year, projects,
                           budget_full_year, execution_rate, avg_total_score, grade_excellent,
                           grade_good, grade_fair, grade_poor, flagged_reports, open_issues
                    FROM v_unit_year_summary ORDER BY fiscal_year""")
                lowered = rows(con, """
                    SELECT project_id, indicator_id, fiscal_year, prev_target_text, target_text
                    FROM v_indicator_target_changes WHERE lowered""")
                flags = rows(con, """
                    SELECT project_id, fiscal_year, flag_code, flag_description, items, detail,
                           penalty
                    FROM v_self_evaluation_flags ORDER BY fiscal_year, penalty DESC""")
                cred = rows(con, """
                    SELECT project_id, fiscal_year, credibility, review_rank, reasons
                    FROM v_report_credibility""")
                years, units = _home_views(con)
                found = rows(con, ISSUES_SQL)
            _DERIVED[str(db)] = got = Derived(
                key, _group(yoy, "department", "implementing_unit"), _group(yoy, "project_id"),
                _group(summary, "department", "implementing_unit"), _group(lowered, "project_id"),
                _group(flags, "project_id"), _group(cred, "project_id"), years, units, found,
                time.perf_counter() - t0)
            return got
        raise RuntimeError("数据仓库在读取时不断被替换，请稍后再试")


@contextmanager
def connect(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection on the published warehouse, closed on exit."""
    if not Path(db).is_file():
        raise NoWarehouse(str(db))
    con = duckdb.connect(str(db), read_only=True, config=dict(READER_CONFIG))
    try:
        yield con
    finally:
        con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | tuple = ()
         ) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | tuple = ()
        ) -> dict[str, Any] | None:
    got = rows(con, sql, params)
    return got[0] if got else None


# ------------------------------------------------------------------------------- 首页

def _home_views(con) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    years = rows(con, """
        SELECT fiscal_year, count(*) AS reports, count(DISTINCT implementing_unit) AS units
        FROM v_report_unit GROUP BY fiscal_year ORDER BY fiscal_year DESC""")
    units = rows(con, """
        SELECT department, implementing_unit, count(DISTINCT project_id) AS projects,
               min(fiscal_year) AS first_year, max(fiscal_year) AS last_year,
               count(*) AS reports
        FROM v_report_unit GROUP BY ALL
        ORDER BY department NULLS LAST, implementing_unit NULLS LAST""")
    return years, units


def home(con, d: Derived) -> dict[str, Any]:
    years, units = d.years, d.units
    statuses = {r["status"]: r["n"] for r in rows(con, """
        SELECT status, count(*) AS n FROM source_document GROUP BY status""")}
    problems = rows(con, """
        SELECT document_id, file_name, status, reason, fiscal_year, ingested_at
        FROM source_document WHERE status IN ('quarantined', 'failed')
        ORDER BY ingested_at DESC, file_name LIMIT 200""")
    runs = rows(con, """
        SELECT run_id, started_at, finished_at, files_seen, files_new, loaded, quarantined,
               failed, reports_loaded, issues_new, state, alert_status
        FROM ingest_run ORDER BY started_at DESC LIMIT 10""")
    return {"years": years, "units": units, "statuses": statuses, "problems": problems,
            "runs": runs, "reports": sum(y["reports"] for y in years)}


# ------------------------------------------------------------------------------- 单位

def unit(con, d: Derived, department: str | None, implementing_unit: str | None
         ) -> dict[str, Any]:
    """A unit's projects × years (全年预算数, 执行率, 总分, 等级) from v_project_year_over_year,
    the unit's totals by year (v_unit_year_summary), and which numbers have a printed cell."""
    key = (department, implementing_unit)
    projects = d.yoy_by_unit.get(key, [])
    years = sorted({p["fiscal_year"] for p in projects})
    by_project: dict[str, dict[str, Any]] = {}
    for p in projects:
        entry = by_project.setdefault(p["project_id"], {"project_id": p["project_id"],
                                                        "project_name": p["project_name"],
                                                        "years": {}})
        entry["years"][p["fiscal_year"]] = p
    summary = [{k: v for k, v in r.items() if k not in ("department", "implementing_unit")}
               for r in d.summary_by_unit.get(key, [])]
    pids = list(by_project)
    sources = set()
    if pids:
        sources = {(r["project_id"], r["fiscal_year"], r["field"]) for r in rows(con, """
            SELECT DISTINCT project_id, fiscal_year, field FROM fact_cell_source
            WHERE project_id IN (SELECT unnest(?)) AND (fact = 'fact_project_evaluation'
                  OR (fact = 'fact_project_funding' AND funding_source = 'total'))""",
            [pids])}
    return {"department": department, "implementing_unit": implementing_unit,
            "years": years, "projects": list(by_project.values()), "summary": summary,
            "sources": sources}


# ------------------------------------------------------------------------------- 项目

def project(con, d: Derived, project_id: str) -> dict[str, Any] | None:
    head = one(con, """
        SELECT p.project_id, p.project_name, d.name AS department, u.name AS implementing_unit
        FROM dim_project p LEFT JOIN dim_department d ON d.department_id = p.department_id
        LEFT JOIN dim_department u ON u.department_id = p.implementing_unit_id
        WHERE p.project_id = ?""", [project_id])
    if head is None:
        return None
    key = [project_id]
    years = d.yoy_by_project.get(project_id, [])
    funding = rows(con, """
        SELECT fiscal_year, funding_source, source_text, budget_initial, budget_full_year,
               executed, execution_rate, weight, score
        FROM fact_project_funding WHERE project_id = ?
        ORDER BY fiscal_year, CASE funding_source WHEN 'total' THEN 0
                 WHEN 'appropriation' THEN 1 WHEN 'carryover' THEN 2 ELSE 3 END""", key)
    results = rows(con, """
        SELECT r.indicator_id, r.fiscal_year, r.position, r.reported_level1 AS level1,
               r.reported_level2 AS level2, r.reported_name, r.target_text, r.actual_text,
               r.achieved, r.weight, r.score, r.expected_score
        FROM fact_indicator_result r WHERE r.project_id = ?
        ORDER BY r.fiscal_year, r.position""", key)
    lowered = {(r["indicator_id"], r["fiscal_year"]): r
               for r in d.lowered_by_project.get(project_id, [])}
    flags = d.flags_by_project.get(project_id, [])
    credibility = {r["fiscal_year"]: r for r in d.credibility_by_project.get(project_id, [])}
    aliases = rows(con, """
        SELECT fiscal_year, reported_name FROM project_alias WHERE project_id = ?
        ORDER BY fiscal_year""", key)
    sources = {(r["fiscal_year"], r["funding_source"] or r["indicator_id"] or "", r["field"])
               for r in rows(con, """
        SELECT DISTINCT fiscal_year, funding_source, indicator_id, field
        FROM fact_cell_source WHERE project_id = ?""", key)}

    year_list = [y["fiscal_year"] for y in years]
    indicators: dict[str, dict[str, Any]] = {}
    for r in results:
        ind = indicators.setdefault(r["indicator_id"], {
            "indicator_id": r["indicator_id"], "level1": r["level1"], "level2": r["level2"],
            "name": r["reported_name"], "position": r["position"], "years": {}})
        ind["name"] = r["reported_name"]  # the latest year's name
        r["lowered"] = lowered.get((r["indicator_id"], r["fiscal_year"]))
        ind["years"][r["fiscal_year"]] = r
    fund: dict[str, dict[str, Any]] = {}
    for f in funding:
        fund.setdefault(f["funding_source"], {"source": f["funding_source"],
                                              "label": FUNDING_LABELS.get(f["funding_source"],
                                                                          f["source_text"]),
                                              "years": {}})["years"][f["fiscal_year"]] = f
    renames = sorted({a["reported_name"] for a in aliases})
    return {**head, "years": years, "year_list": year_list, "funding": list(fund.values()),
            "indicators": sorted(indicators.values(), key=lambda i: i["position"]),
            "flags": flags, "credibility": credibility, "aliases": aliases,
            "renamed": len(renames) > 1, "sources": sources}


# ------------------------------------------------------------------------------- 问题

ISSUES_SQL = """
    SELECT department, implementing_unit, file_name, document_id, page, project_id,
           project_name, fiscal_year, indicator, check_code, severity, message, printed,
           expected, document_status, action, needs_action
    FROM v_issue_list
    ORDER BY department NULLS LAST, implementing_unit NULLS LAST, file_name,
             page NULLS FIRST, issue_id"""


def issues(d: Derived, department: str | None = None, implementing_unit: str | None = None,
           *, only_unit: bool = False) -> dict[str, Any]:
    found = d.issues
    if only_unit:
        found = [f for f in found if (f["department"], f["implementing_unit"])
                 == (department, implementing_unit)]
    units: dict[tuple, dict[str, Any]] = {}
    for f in found:
        u = units.setdefault((f["department"], f["implementing_unit"]), {
            "department": f["department"], "implementing_unit": f["implementing_unit"],
            "files": {}, "count": 0, "to_send": 0})
        u["files"].setdefault(f["file_name"], []).append(f)
        u["count"] += 1
        u["to_send"] += bool(f["needs_action"])
    return {"units": list(units.values()), "total": len(found)}


# ------------------------------------------------------------------------------- 搜索

def search(con, q: str, limit: int = 100) -> list[dict[str, Any]]:
    like = f"%{q}%"
    return rows(con, """
        SELECT p.project_id, p.project_name, d.name AS department, u.name AS implementing_unit,
               string_agg(DISTINCT a.reported_name, '、') AS names,
               min(a.fiscal_year) AS first_year, max(a.fiscal_year) AS last_year
        FROM dim_project p
        JOIN project_alias a ON a.project_id = p.project_id
        LEFT JOIN dim_department d ON d.department_id = p.department_id
        LEFT JOIN dim_department u ON u.department_id = p.implementing_unit_id
        WHERE p.project_id IN (SELECT project_id FROM project_alias WHERE reported_name ILIKE ?)
        GROUP BY ALL ORDER BY p.project_name LIMIT ?""", [like, limit])


# ------------------------------------------------------------------------------- 来源

@dataclass(frozen=True, slots=True)
class Source:
    """Where one number was printed, with the file it came from."""

    project_id: str
    project_name: str | None
    fiscal_year: int
    fact: str
    item: str  # funding source or indicator id ('' for the report's own values)
    item_label: str
    field: str
    field_label: str
    part: int
    printed: str | None
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    document_id: str
    file_name: str
    path: str


def source(con, project_id: str, fiscal_year: int, field: str, item: str = ""
           ) -> list[Source]:
    """The printed cell(s) of one fact value (several for a value summed from several rows)."""
    got = rows(con, """
        SELECT s.*, d.file_name, d.path, p.project_name,
               i.name AS indicator_name
        FROM fact_cell_source s
        JOIN source_document d ON d.document_id = s.document_id
        LEFT JOIN dim_project p ON p.project_id = s.project_id
        LEFT JOIN dim_indicator i ON i.indicator_id = s.indicator_id
        WHERE s.project_id = ? AND s.fiscal_year = ? AND s.field = ?
          AND coalesce(s.funding_source, s.indicator_id, '') = ?
        ORDER BY s.part""", [project_id, fiscal_year, field, item])
    out = []
    for r in got:
        if r["fact"] == "fact_project_funding":
            item_label = FUNDING_LABELS.get(r["funding_source"], r["funding_source"])
        elif r["fact"] == "fact_indicator_result":
            item_label = f"指标「{r['indicator_name']}」"
        else:
            item_label = "总分与评分等级"
        out.append(Source(r["project_id"], r["project_name"], r["fiscal_year"], r["fact"],
                          item, item_label, r["field"], FIELD_LABELS.get(r["field"], r["field"]),
                          r["part"], r["printed"], r["page"], float(r["x0"]), float(r["top"]),
                          float(r["x1"]), float(r["bottom"]), r["document_id"], r["file_name"],
                          r["path"]))
    return out


def document(con, document_id: str) -> dict[str, Any] | None:
    """A file the warehouse recorded (only those may be downloaded or rendered)."""
    return one(con, """
        SELECT document_id, file_name, path, pages, status FROM source_document
        WHERE document_id = ?""", [document_id])
