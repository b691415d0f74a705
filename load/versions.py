"""Versions of a project-year: which of two documents' reports keeps the facts (a newer one
supersedes, unless it has rule warnings and the stored one is clean), and the findings that
say so and list the numbers that differ."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    func,
    literal,
    select,
    union_all,
)

from load.history import _finding
from load.records import SourceFile, Superseded
from load.rows import registered
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


@dataclass(frozen=True)
class Held:
    """What other documents hold of one project-year, read once before a new version of it is
    decided (:func:`held_versions`): every rule below works on this, not on the database, so
    one document and a wave of many are decided alike."""

    #: the ``fact_project_evaluation`` row, with its document's file name, sha256, PDF date,
    #: first-seen time (``first_seen``) and data-quality status; None when there is none
    evaluation: Mapping[str, Any] | None
    #: the ``fact_project_funding`` row of the total (``funding_source = 'total'``)
    funding_total: Mapping[str, Any] | None
    #: the ``fact_indicator_result`` rows
    indicators: tuple[Mapping[str, Any], ...]
    #: the documents holding fact or ``project_alias`` rows of it, sorted
    documents: tuple[str, ...]
    #: file names of those documents (and of the evaluation's), by id
    file_names: Mapping[str, str]
    #: whether ``fact_project_evaluation`` or ``project_alias`` hold it: a version to decide
    stored: bool


def held_versions(conn: Connection, pairs: Iterable[tuple[str, int | None]],
                  but: Collection[str] = ()) -> dict[tuple[str, int | None], Held]:
    """What the warehouse holds of each (project id, year), leaving out the documents ``but``
    (those being loaded): a few statements however many pairs. Pairs nothing holds are
    absent."""
    wanted = set(pairs)
    pids = sorted({p for p, _ in wanted})
    if not pids:
        return {}
    ev, sd, fu, ir = (fact_project_evaluation, source_document, fact_project_funding,
                      fact_indicator_result)
    others = sorted(set(but))

    def where(t, ids: list[str]):
        cond = t.c.project_id.in_(ids)
        return cond & t.c.document_id.not_in(others) if others else cond

    def key(r) -> tuple[str, int | None]:
        return r["project_id"], r["fiscal_year"]

    holders: dict[tuple[str, int | None], set[str]] = defaultdict(set)
    stored: set[tuple[str, int | None]] = set()
    tables = (*FACT_TABLES, project_alias)
    for r in conn.execute(union_all(*(
            select(literal(t.name).label("t"), t.c.project_id, t.c.fiscal_year,
                   t.c.document_id).distinct().where(where(t, pids)) for t in tables))).mappings():
        if key(r) in wanted:
            holders[key(r)].add(r["document_id"])
            if r["t"] in (ev.name, project_alias.name):
                stored.add(key(r))
    if not holders:  # (most documents of a night: nothing to compare)
        return {}
    held_pids = sorted({p for p, _ in holders})
    evaluations = {key(r): r for r in conn.execute(
        select(ev, sd.c.file_name, sd.c.sha256, sd.c.pdf_date,
               func.coalesce(sd.c.first_seen_at, sd.c.ingested_at).label("first_seen"))
        .join(sd, sd.c.document_id == ev.c.document_id, isouter=True)
        .where(where(ev, held_pids))).mappings() if key(r) in wanted}
    totals = {key(r): r for r in conn.execute(
        select(fu).where(where(fu, held_pids) & (fu.c.funding_source == "total"))).mappings()
        if key(r) in wanted}
    indicators: dict[tuple[str, int | None], list] = defaultdict(list)
    for r in conn.execute(select(ir).where(where(ir, held_pids))).mappings():
        if key(r) in wanted:
            indicators[key(r)].append(r)
    docs = sorted({d for ds in holders.values() for d in ds}
                  | {r["document_id"] for r in evaluations.values()})
    names = dict(conn.execute(select(sd.c.document_id, sd.c.file_name)
                              .where(sd.c.document_id.in_(docs))).all()) if docs else {}
    return {k: Held(evaluation=evaluations.get(k), funding_total=totals.get(k),
                    indicators=tuple(indicators.get(k, ())),
                    documents=tuple(sorted(holders.get(k, ()))), file_names=names,
                    stored=k in stored)
            for k in wanted if k in holders or k in evaluations}


def _changes(report: TransformedReport, held: Held) -> list[tuple[str, str, str]]:
    """(what, old, new) for every number of the report that differs from the stored one."""
    out: list[tuple[str, str, str]] = []
    old_total = held.funding_total
    new_total = next((f for f in report.funding if f.funding_source == "total"), None)
    for col, label in _FUNDING_LABELS:
        old = old_total[col] if old_total else None
        new = getattr(new_total, col) if new_total else None
        if not _same(old, new):
            out.append((label, _show(old), _show(new)))
    old_eval = held.evaluation
    for col, label in _EVALUATION_LABELS:
        old = old_eval[col] if old_eval else None
        new = getattr(report.evaluation, col)
        if not _same(old, new):
            out.append((label, _show(old), _show(new)))
    old_inds = {r["indicator_id"]: r for r in held.indicators}
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


def keeps_clean_version(report: TransformedReport, tdoc: TransformedDocument, status: str,
                        held: Held, broken: Sequence[Finding] = ()) -> Finding | None:
    """A version with rule warnings does not replace a clean version of the same project-year:
    the clean facts stay, and the finding returned says so, the broken rule first, then the
    numbers that differ (so the unit can correct and resubmit). None when the report may be
    loaded: no other version, the stored one has warnings too, or this one is clean (a clean
    version replaces anything)."""
    if status == "ok":
        return None
    old = held.evaluation
    if old is None or old["dq_status"] != "ok":
        return None
    old_file = held.file_names.get(old["document_id"]) or old["document_id"]
    year = report.fiscal_year
    name = report.project_name or report.project.project_name
    changes = _changes(report, held)
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


def later_version(report: TransformedReport, tdoc: TransformedDocument, src: SourceFile,
                  status: str, held: Held, first_seen: datetime | None
                  ) -> tuple[bool, list[Finding], str | None]:
    """Whether ``report`` replaces the version of its project-year already loaded, decided by
    the documents, never by names or arrival order: a clean version replaces one with rule
    warnings (the reverse is :func:`keeps_clean_version`); otherwise the later PDF date
    (ModDate, else CreationDate) wins, then the file first seen on a later night
    (``first_seen``: the new document's). Two versions seen the same night with nothing to
    tell them apart: the one with the greater sha256 is loaded (so the result does not depend
    on their order) and a ``version_undecided`` finding asks the bureau to choose. Returns
    (replaces, findings, the stored document's id)."""
    year = report.fiscal_year
    old = held.evaluation
    if old is None or old["file_name"] is None or (status == "ok" and old["dq_status"] != "ok"):
        return True, [], None
    started = first_seen
    new = _Version(tdoc.document_id, src.file_name, src.sha256, _naive(tdoc.pdf_date),
                   _naive(started))
    was = _Version(old["document_id"], old["file_name"], old["sha256"],
                   _naive(old["pdf_date"]), _naive(old["first_seen"]))
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


def supersede(report: TransformedReport, tdoc: TransformedDocument, held: Held
              ) -> tuple[Superseded, list[Finding]] | None:
    """The project-year's facts loaded from another document give way to ``report`` (the
    caller deletes them): what moved, and the finding(s) saying so. None when there were
    none."""
    if not held.documents:
        return None
    year = report.fiscal_year
    pid = report.project_id
    old_doc = held.documents[0]
    old_file = held.file_names.get(old_doc) or old_doc
    changes = _changes(report, held)
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


def drop_facts(conn: Connection, pairs: Collection[tuple[str, int | None]]) -> None:
    """Delete the fact and ``project_alias`` rows of these project-years (superseded by a new
    version): one statement per table however many."""
    if not pairs:
        return
    import pyarrow as pa

    gone = pa.table({"pid": pa.array([p for p, _ in pairs], pa.string()),
                     "year": pa.array([y for _, y in pairs], pa.int32())})
    with registered(conn, "_jixiao_superseded", gone) as raw:
        for t in (*FACT_TABLES, project_alias):
            raw.execute(f"DELETE FROM {t.name} AS t USING _jixiao_superseded AS g "
                        "WHERE g.pid = t.project_id "
                        "AND g.year IS NOT DISTINCT FROM t.fiscal_year")


def holding(conn: Connection, documents: Collection[str]) -> set[str]:
    """Those of ``documents`` that still hold fact or ``project_alias`` rows."""
    if not documents:
        return set()
    docs = sorted(documents)
    return set(conn.execute(union_all(*(
        select(t.c.document_id).where(t.c.document_id.in_(docs)).distinct()
        for t in (*FACT_TABLES, project_alias)))).scalars())
