"""Versions of a project-year: which of two documents' reports keeps the facts (a newer one
supersedes, unless it has rule warnings and the stored one is clean), and the findings that
say so and list the numbers that differ."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    Connection,
    delete,
    func,
    select,
)

from load.history import _finding
from load.records import SourceFile, Superseded
from transform.rows import (
    Finding,
    TransformedDocument,
    TransformedReport,
)
from warehouse.schema import (
    FACT_TABLES,
    fact_indicator_result,
    fact_project_evaluation,
    fact_project_funding,
    project_alias,
    source_document,
)

_FUNDING_LABELS = (
    ("budget_initial", "年初预算数"),
    ("budget_full_year", "全年预算数"),
    ("executed", "全年执行数"),
    ("execution_rate", "执行率(%)"),
    ("score", "预算执行得分"),
)


_EVALUATION_LABELS = (
    ("total_weight", "总分分值"),
    ("total_score", "总分"),
    ("grade", "评分等级"),
)


_CENT = Decimal("0.01")


def _same(a: object, b: object) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a.quantize(_CENT) == b.quantize(_CENT)
    return a == b


def _show(v: object) -> str:
    if v is None:
        return "空"
    if isinstance(v, Decimal):
        return f"{v.quantize(_CENT)}"
    return str(v)


def _changes(conn: Connection, report: TransformedReport) -> list[tuple[str, str, str]]:
    """(what, old, new) for every number of the report that differs from the stored one."""
    pid, year = report.project_id, report.fiscal_year
    out: list[tuple[str, str, str]] = []
    old_total = conn.execute(select(fact_project_funding).where(
        (fact_project_funding.c.project_id == pid) & (fact_project_funding.c.fiscal_year == year)
        & (fact_project_funding.c.funding_source == "total"))).mappings().first()
    new_total = next((f for f in report.funding if f.funding_source == "total"), None)
    for col, label in _FUNDING_LABELS:
        old = old_total[col] if old_total else None
        new = getattr(new_total, col) if new_total else None
        if not _same(old, new):
            out.append((label, _show(old), _show(new)))
    old_eval = conn.execute(select(fact_project_evaluation).where(
        (fact_project_evaluation.c.project_id == pid)
        & (fact_project_evaluation.c.fiscal_year == year))).mappings().first()
    for col, label in _EVALUATION_LABELS:
        old = old_eval[col] if old_eval else None
        new = getattr(report.evaluation, col)
        if not _same(old, new):
            out.append((label, _show(old), _show(new)))
    old_inds = {r["indicator_id"]: r for r in conn.execute(select(fact_indicator_result).where(
        (fact_indicator_result.c.project_id == pid)
        & (fact_indicator_result.c.fiscal_year == year))).mappings().all()}
    for new_r, dim in zip(report.results, report.indicators, strict=True):
        old_r = old_inds.pop(new_r.indicator_id, None)
        name = dim.name
        if old_r is None:
            out.append((f"指标「{name}」", "无", f"得分 {_show(new_r.score)}"))
            continue
        if (old_r["actual_text"] or "") != (new_r.actual_text or ""):
            out.append((f"指标「{name}」实际完成值", old_r["actual_text"] or "空",
                        new_r.actual_text or "空"))
        for col, label in (("weight", "分值"), ("score", "得分")):
            if not _same(old_r[col], getattr(new_r, col)):
                out.append((f"指标「{name}」{label}", _show(old_r[col]),
                            _show(getattr(new_r, col))))
    for old_r in old_inds.values():
        out.append((f"指标「{old_r['reported_name']}」", f"得分 {_show(old_r['score'])}", "无"))
    return out


def _keeps_clean_version(conn: Connection, report: TransformedReport, tdoc: TransformedDocument,
                         status: str, broken: Sequence[Finding] = ()) -> Finding | None:
    """A version with rule warnings does not replace a clean version of the same project-year:
    the clean facts stay, and the finding returned says so, the broken rule first, then the
    numbers that differ (so the unit can correct and resubmit). None when the report may be
    loaded: no other version, the stored one has warnings too, or this one is clean (a clean
    version replaces anything)."""
    if status == "ok":
        return None
    pid, year = report.project_id, report.fiscal_year
    old = conn.execute(select(fact_project_evaluation.c.document_id,
                              fact_project_evaluation.c.dq_status).where(
        (fact_project_evaluation.c.project_id == pid)
        & (fact_project_evaluation.c.fiscal_year == year)
        & (fact_project_evaluation.c.document_id != tdoc.document_id))).first()
    if old is None or old.dq_status != "ok":
        return None
    old_file = conn.execute(select(source_document.c.file_name).where(
        source_document.c.document_id == old.document_id)).scalar() or old.document_id
    name = report.project_name or report.project.project_name
    changes = _changes(conn, report)
    differs = ("；数字不同：" + "；".join(f"{w} {a} → {b}" for w, a, b in changes)) if changes else ""
    rules = ""
    if broken:
        rules = f"违反规则 [{broken[0].check_code}] {broken[0].message}"
        rules += (f"（另有 {len(broken) - 1} 条问题）" if len(broken) > 1 else "") + "；因此"
    return _finding(
        "version_not_applied", tdoc.file, tdoc.document_id,
        f"{rules}项目「{name}」{year} 年度的新版本（{tdoc.file}）有数据质量问题，未替换已入库的无问题版本"
        f"（{old_file}）{differs}；请单位更正后重新报送",
        project_name=name, fiscal_year=year, page=report.pages[0] if report.pages else None,
        printed=tdoc.file, expected=old_file)


@dataclass(frozen=True, slots=True)
class _Version:
    """What orders two versions of one project-year's report."""

    document_id: str
    file_name: str
    sha256: str
    pdf_date: datetime | None
    first_seen: datetime | None

    def date_text(self) -> str:
        return f"文件日期 {self.pdf_date:%Y-%m-%d %H:%M}" if self.pdf_date else "无文件日期"


def _naive(t: datetime | None) -> datetime | None:
    return t.astimezone(UTC).replace(tzinfo=None) if t is not None and t.tzinfo else t


def _later_version(conn: Connection, report: TransformedReport, tdoc: TransformedDocument,
                   src: SourceFile, status: str) -> tuple[bool, list[Finding], str | None]:
    """Whether ``report`` replaces the version of its project-year already loaded, decided by
    the documents, never by names or arrival order: a clean version replaces one with rule
    warnings (the reverse is :func:`_keeps_clean_version`); otherwise the later PDF date
    (ModDate, else CreationDate) wins, then the file first seen on a later night. Two versions
    seen the same night with nothing to tell them apart: the one with the greater sha256 is
    loaded (so the result does not depend on their order) and a ``version_undecided`` finding
    asks the bureau to choose. Returns (replaces, findings, the stored document's id)."""
    pid, year = report.project_id, report.fiscal_year
    ev, sd = fact_project_evaluation, source_document
    old = conn.execute(
        select(sd.c.document_id, sd.c.file_name, sd.c.sha256, sd.c.pdf_date,
               func.coalesce(sd.c.first_seen_at, sd.c.ingested_at).label("first_seen"),
               ev.c.dq_status)
        .join(ev, ev.c.document_id == sd.c.document_id)
        .where((ev.c.project_id == pid) & (ev.c.fiscal_year == year)
               & (ev.c.document_id != tdoc.document_id))).first()
    if old is None or (status == "ok" and old.dq_status != "ok"):
        return True, [], None
    started = conn.execute(select(sd.c.first_seen_at).where(
        sd.c.document_id == tdoc.document_id)).scalar()
    new = _Version(tdoc.document_id, src.file_name, src.sha256, _naive(tdoc.pdf_date),
                   _naive(started))
    was = _Version(old.document_id, old.file_name, old.sha256, _naive(old.pdf_date),
                   _naive(old.first_seen))
    name = report.project_name or report.project.project_name
    page = report.pages[0] if report.pages else None
    if new.pdf_date and was.pdf_date and new.pdf_date != was.pdf_date:
        newer, basis = new.pdf_date > was.pdf_date, "文件日期"
    elif new.first_seen != was.first_seen:
        newer, basis = (new.first_seen or datetime.min) > (was.first_seen or datetime.min), \
            "收到时间"
    else:
        newer = new.sha256 > was.sha256
        chosen, other = (new, was) if newer else (was, new)
        return newer, [_finding(
            "version_undecided", tdoc.file, tdoc.document_id,
            f"同一晚收到项目「{name}」{year} 年度的两个版本：{new.file_name}（{new.date_text()}）"
            f"与 {was.file_name}（{was.date_text()}），无法从文件判断哪个在后；暂采用 "
            f"{chosen.file_name}（两个文件均已保存）。请财政局与单位核对后选定：如应采用 "
            f"{other.file_name}，请单位重新导出该文件后报送",
            project_name=name, fiscal_year=year, page=page, printed=new.file_name,
            expected=was.file_name)], was.document_id
    if newer:
        return True, [], None
    return False, [_finding(
        "older_version", tdoc.file, tdoc.document_id,
        f"项目「{name}」{year} 年度：本文件 {new.file_name}（{new.date_text()}）早于已入库的版本 "
        f"{was.file_name}（{was.date_text()}，按{basis}判断），未替换；如本文件才是最新版本，"
        "请单位重新导出后报送",
        project_name=name, fiscal_year=year, page=page, printed=new.file_name,
        expected=was.file_name)], was.document_id


def _supersede(conn: Connection, report: TransformedReport, tdoc: TransformedDocument
               ) -> tuple[Superseded, list[Finding]] | None:
    """Delete the facts of the report's project-year loaded from another document; the
    finding(s) saying so. None when there were none."""
    pid, year = report.project_id, report.fiscal_year
    old_docs = set()
    for t in (*FACT_TABLES, project_alias):
        old_docs.update(conn.execute(select(t.c.document_id).distinct().where(
            (t.c.project_id == pid) & (t.c.fiscal_year == year)
            & (t.c.document_id != tdoc.document_id))).scalars())
    if not old_docs:
        return None
    old_doc = sorted(old_docs)[0]
    old_file = conn.execute(select(source_document.c.file_name).where(
        source_document.c.document_id == old_doc)).scalar() or old_doc
    changes = _changes(conn, report)
    for t in (*FACT_TABLES, project_alias):
        conn.execute(delete(t).where((t.c.project_id == pid) & (t.c.fiscal_year == year)))
    name = report.project_name or report.project.project_name
    page = report.pages[0] if report.pages else None
    findings = [_finding(
        "superseded_report", tdoc.file, tdoc.document_id,
        f"项目「{name}」{year} 年度的自评表由新文件 {tdoc.file} 替代原文件 {old_file}"
        f"（原文件编号 {old_doc[:12]}…）",
        project_name=name, fiscal_year=year, page=page, printed=tdoc.file, expected=old_file)]
    described = tuple(f"{what} {old} → {new}" for what, old, new in changes)
    if changes:
        findings.append(_finding(
            "superseded_numbers_differ", tdoc.file, tdoc.document_id,
            f"项目「{name}」{year} 年度新版本（{tdoc.file}）与被替代版本（{old_file}）数字不同："
            + "；".join(described),
            project_name=name, fiscal_year=year, page=page,
            printed="；".join(f"{what} {new}" for what, _, new in changes),
            expected="；".join(f"{what} {old}" for what, old, _ in changes)))
    return Superseded(pid, name, year, old_doc, old_file, described), findings  # type: ignore[arg-type]
