"""Atomic loads of documents into the warehouse (the rules below; the pieces by concern live in
:mod:`load.history`, :mod:`load.rekey`, :mod:`load.versions`, :mod:`load.facts`,
:mod:`load.dimensions` and :mod:`load.rows`).

One call of :func:`load_document` is one transaction: the ``source_document`` row, every
``dq_issue`` row, identity re-keying, supersession of earlier versions and the fact rows commit
together or not at all. Typical use by the ingest flow (``flows/``), per file::

    src = SourceFile.from_path(path)
    with writer(db) as engine:
        with engine.begin() as conn:
            seen = classify(conn, src)             # new / seen (skip) / duplicate
        ...                                        # extract (record_failed on ExtractError)
        with engine.connect() as conn:
            ident = resolve_identity([*known_projects(conn), *observations([raw])], overrides)
        tdoc = transform_document(raw, identity=ident, rules=...)
        result = load_document(engine, run_id, src, tdoc, gx_findings, raw.page_count,
                               identity=ident)

Rules kept here:

* a document with any ``error`` finding is quarantined: ``source_document`` and ``dq_issue``
  rows, no dimension or fact row;
* the facts of a project-year come from exactly one document; a newer document of the same
  project-year supersedes the older one's facts (``superseded_report`` and, when numbers
  differ, ``superseded_numbers_differ`` issues) unless the newer version has rule warnings and
  the stored one is clean: then the clean facts stay and the newer version is kept out with a
  ``version_not_applied`` issue listing the numbers that differ (a document with no report
  applied is ``quarantined``). So a good report is never replaced by a worse copy, whatever
  order the files arrive in; a document left without facts becomes ``superseded``;
* :func:`load_new_documents` and :func:`load_versions` load many documents with a few
  statements per table, by the same rules (the versions decided by :func:`_decide` from what
  :func:`load.versions.held_versions` read once);
* dimensions are derived from the facts (latest year's names), so the warehouse holds the same
  rows whatever order the documents arrived in; :func:`apply_identity` re-keys rows whose ids
  changed because an earlier year arrived later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    select,
    update,
)

from load.checks import KEEPS_OTHER_REPORTS, REPORT_ERRORS
from load.dimensions import _refresh_dimensions, _upsert_departments
from load.facts import FACT_ORDER, _fact_rows, held_project_years
from load.history import (
    _document_row,
    _finding,
    _issue_row,
    classify,
    drop_document,
    record_duplicate,
    run_started,
)
from load.records import LoadError, LoadResult, NewDocument, SeenKind, SourceFile, Superseded
from load.rekey import apply_identity
from load.rows import _insert_rows, _now
from load.versions import (
    Held,
    drop_facts,
    held_versions,
    holding,
    keeps_clean_version,
    later_version,
    supersede,
)
from transform.identity import (
    IdentityMap,
)
from transform.rows import (
    DimDepartment,
    Finding,
    TransformedDocument,
    TransformedReport,
)
from warehouse.schema import (
    dq_issue,
    source_document,
)


def _structure_findings(tdoc: TransformedDocument) -> list[Finding]:
    """Errors only the loader can see: no reports, one project-year twice, one indicator id
    twice in a report."""
    out = []
    if not tdoc.reports:
        out.append(_finding("no_reports", tdoc.file, tdoc.document_id,
                            f"{tdoc.file}：没有可载入的自评表"))
    seen: dict[tuple[str, int | None], TransformedReport] = {}
    for r in tdoc.reports:
        key = (r.project_id, r.fiscal_year)
        page = r.pages[0] if r.pages else None
        if key in seen:
            first = seen[key]
            out.append(_finding(
                "duplicate_report", tdoc.file, tdoc.document_id,
                f"项目「{r.project_name}」{r.fiscal_year} 年度在本文件出现两次"
                f"（第 {first.pages[0] if first.pages else '?'} 页与第 {page} 页）",
                project_name=r.project_name, fiscal_year=r.fiscal_year, page=page))
        seen.setdefault(key, r)
        counts: dict[str, int] = defaultdict(int)
        for x in r.results:
            counts[x.indicator_id] += 1
        for dim, x in zip(r.indicators, r.results, strict=True):
            if counts[x.indicator_id] > 1:
                counts[x.indicator_id] = 0  # report once
                out.append(_finding(
                    "duplicate_indicator", tdoc.file, tdoc.document_id,
                    f"项目「{r.project_name}」指标「{dim.name}」与同表另一行被识别为同一指标"
                    "（请检查指标名称或身份覆盖表）",
                    project_name=r.project_name, fiscal_year=r.fiscal_year, page=x.page,
                    indicator=dim.name))
    return out


def _report_warnings(report: TransformedReport, extra: Sequence[Finding]) -> list[Finding]:
    """The report's rule warnings: the transform's, and each extra warning that names its
    project (and year) or names no project (it is about the whole document)."""
    out = [f for f in report.findings if f.severity == "warning"]
    for f in extra:
        if f.severity != "warning":
            continue
        if f.fiscal_year is not None and f.fiscal_year != report.fiscal_year:
            continue
        if f.project_name is None or f.project_name.strip() == (report.project_name or "").strip():
            out.append(f)
    return out


def _findings_of(tdoc: TransformedDocument, extra: Sequence[Finding]
                 ) -> tuple[list[Finding], list[Finding]]:
    """Every finding of the document once (the transform's, the caller's, the loader's), and
    the errors among them that quarantine the whole document."""
    found = list(dict.fromkeys((*tdoc.findings, *extra, *_structure_findings(tdoc))))
    return found, [f for f in found
                   if f.severity == "error" and f.check_code not in KEEPS_OTHER_REPORTS]


def reports_to_load(tdoc: TransformedDocument, extra: Sequence[Finding] = ()
                    ) -> tuple[TransformedReport, ...]:
    """The reports :func:`load_document` loads from the document when they meet no other
    version: none when an error quarantines the whole document, else those not kept out."""
    _, errors = _findings_of(tdoc, extra)
    return () if errors else tuple(r for r in tdoc.reports if not _kept_out(r))


def _quarantine_reason(errors: Sequence[Finding]) -> str:
    return f"隔离：{len(errors)} 个结构错误，未载入事实表；首个：{errors[0].one_line()}"


def _statuses(tdoc: TransformedDocument, extra: Sequence[Finding]
              ) -> tuple[dict[int, list[Finding]], dict[int, str]]:
    """Each report's rule warnings and data-quality status (``warning`` / ``ok``), by id()."""
    warnings = {id(r): _report_warnings(r, extra) for r in tdoc.reports}
    return warnings, {
        id(r): "warning" if warnings[id(r)] or r.evaluation.dq_status != "ok" else "ok"
        for r in tdoc.reports}


def _kept_out(report: TransformedReport) -> bool:
    """A report the document's other reports load without (e.g. 完成值 and 得分 left blank)."""
    return any(f.check_code in REPORT_ERRORS for f in report.findings)


def _nothing_applied(findings: Sequence[Finding]) -> dict[str, str]:
    """``error_code`` and ``reason`` of a document none of whose reports was loaded."""
    out = [f for f in findings
           if f.check_code in ("version_not_applied", "older_version")
           or f.check_code in REPORT_ERRORS]
    return {"error_code": out[0].check_code if out else "no_reports",
            "reason": "隔离：" + "；".join(f.message for f in out)}


def _refuse(conn: Connection, caller: str, docs: Sequence[NewDocument],
            pairs: Sequence[tuple[str, int | None]], why: str | None = None) -> None:
    """:class:`LoadError` unless the documents can be loaded together: none recorded already
    (by id or bytes), none reading a file again, no project-year (``pairs``: each document's
    once) or id twice among them (``why``: the caller's own reason, first)."""
    ids = [d.tdoc.document_id for d in docs]
    recorded = conn.execute(select(source_document.c.document_id).where(
        source_document.c.document_id.in_(ids)
        | source_document.c.sha256.in_([d.src.sha256 for d in docs]))).first()
    why = (why if why
           else f"document {recorded.document_id} is recorded" if recorded is not None
           else "two documents hold one project-year" if len(set(pairs)) < len(pairs)
           else "two documents have one id" if len(set(ids)) < len(ids)
           else "a document replaces another" if any(d.src.replaces for d in docs) else None)
    if why:
        raise LoadError(f"{caller}: {why}; load such documents with load_document")


def load_new_documents(conn: Connection, run_id: str, docs: Sequence[NewDocument]
                       ) -> list[LoadResult]:
    """Load documents that are new and meet no other version of any project-year they load,
    writing each table once for all of them (in the caller's transaction): what
    :func:`load_document` does for each, without a statement per document. A document that
    does not meet the condition (its bytes or id recorded, a project-year held by another
    document or twice among ``docs``) raises :class:`LoadError` before anything is written."""
    if not docs:
        return []
    pairs = [p for d in docs for p in {(r.project_id, r.fiscal_year)
                                       for r in reports_to_load(d.tdoc, d.findings)}]
    held = held_project_years(conn, {p for p, _ in pairs}) & set(pairs)
    _refuse(conn, "load_new_documents", docs, pairs,
            f"project-years {sorted(held)[:3]} are held by loaded documents" if held else None)
    return _load_many(conn, run_id, docs, {})


def load_versions(conn: Connection, run_id: str, docs: Sequence[NewDocument]
                  ) -> list[LoadResult]:
    """Load new documents that may meet versions of their project-years already loaded, in
    the order given, as :func:`load_document` loads each (in the caller's transaction), with
    a few statements for all of them: what other documents hold of their project-years is
    read once, the versions decided, then each table written once. No two documents may share
    a project-year (the second's decision would depend on the first's load), nor be recorded
    already, nor share an id: :class:`LoadError` before anything is written."""
    if not docs:
        return []
    pairs = [p for d in docs for p in {(r.project_id, r.fiscal_year) for r in d.tdoc.reports}]
    _refuse(conn, "load_versions", docs, pairs)
    return _load_many(conn, run_id, docs, held_versions(
        conn, set(pairs), but=[d.tdoc.document_id for d in docs]))


def _load_many(conn: Connection, run_id: str, docs: Sequence[NewDocument],
               held: Mapping[tuple[str, int | None], Held]) -> list[LoadResult]:
    """Documents that may be loaded together (see :func:`_refuse`), in order, against what
    other documents hold of their project-years (``held``): each decided as
    :func:`load_document` decides it, then each table written once."""
    started, at = run_started(conn, run_id), _now()
    rows: dict[Table, list[dict[str, object]]] = defaultdict(list)
    departments: dict[str, DimDepartment] = {}
    retire: dict[str, str] = {}  # an earlier document → the last that took its facts
    planned = []
    for d in docs:
        found, errors = _findings_of(d.tdoc, d.findings)
        row, dec, found = _planned(run_id, d, found, errors, at, started, held)
        if dec is not None:
            for dep in {x.department_id: x for x in d.tdoc.departments}.values():
                departments.setdefault(dep.department_id, dep)  # the first document's
            _fact_rows(dec.applied, dec.statuses, rows)
            retire.update((s.old_document_id, row["document_id"]) for s in dec.superseded)
        rows[source_document].append(row)
        rows[dq_issue] += [_issue_row(run_id, row["document_id"], d.src.file_name, f, at)
                           for f in found]
        planned.append((row["document_id"], dec, found))
    _insert_rows(conn, source_document, rows[source_document])
    drop_facts(conn, [(s.project_id, s.fiscal_year)
                      for _, dec, _ in planned if dec is not None for s in dec.superseded])
    _upsert_departments(conn, departments.values())
    for table in FACT_ORDER:
        _insert_rows(conn, table, rows[table])
    gone = _retire(conn, retire, at)
    _insert_rows(conn, dq_issue, rows[dq_issue])
    return [_result(doc_id, dec, found, [g for g in gone if retire[g] == doc_id])
            for doc_id, dec, found in planned]


def _planned(run_id: str, d: NewDocument, found: list[Finding], errors: list[Finding],
             at: datetime, started: datetime | None,
             held: Mapping[tuple[str, int | None], Held]
             ) -> tuple[dict[str, object], _Decided | None, list[Finding]]:
    """A new document's ``source_document`` row, what its load comes to (None: structural
    errors quarantine it whole) and every finding to record (``found``, ``errors``: from
    :func:`_findings_of`)."""
    tdoc = d.tdoc
    values = dict(pages=d.page_count, fiscal_year=tdoc.fiscal_year, reports=len(tdoc.reports),
                  rule_set=tdoc.rule_set, pdf_date=tdoc.pdf_date)
    if errors:
        return _document_row(tdoc.document_id, d.src, run_id, status="quarantined", at=at,
                             started=started, error_code=errors[0].check_code,
                             reason=_quarantine_reason(errors), **values), None, found
    row = _document_row(tdoc.document_id, d.src, run_id, status="loaded", at=at,
                        started=started, **values)
    dec = _decide(tdoc, d.src, d.findings, found, held, row["first_seen_at"])
    row.update(status=dec.status, **dec.values)
    return row, dec, dec.findings


def _result(doc_id: str, dec: _Decided | None, found: Sequence[Finding],
            gone: Sequence[str] = ()) -> LoadResult:
    """What the load of a new document did (``dec`` None: quarantined whole)."""
    if dec is None:
        return LoadResult(status="quarantined", document_id=doc_id, issues=len(found),
                          findings=tuple(found))
    if dec.status != "loaded":
        return LoadResult(status=dec.status, document_id=doc_id, issues=len(found),
                          findings=tuple(found), compared=dec.compared)
    return LoadResult(status="loaded", document_id=doc_id, reports_loaded=len(dec.applied),
                      indicators_loaded=sum(len(r.results) for r in dec.applied),
                      superseded=tuple(dec.superseded), superseded_documents=tuple(gone),
                      issues=len(found), findings=tuple(found), compared=dec.compared)


def load_document(target: Engine | Connection, run_id: str, src: SourceFile,
                  tdoc: TransformedDocument, findings: Sequence[Finding] = (),
                  page_count: int | None = None, *,
                  identity: IdentityMap | None = None, refresh: bool = True) -> LoadResult:
    """Load one transformed document in ONE transaction (see the module docstring).

    ``findings``: extra findings of the caller (Great Expectations …); the transform's own
    (``tdoc``'s) are always recorded, a finding passed twice is recorded once.
    ``identity``: the map ``tdoc`` was transformed with (resolved over :func:`known_projects`
    and the new document); stored rows are re-keyed to it first (:func:`apply_identity`).
    With an Engine the call opens and commits its own transaction; with a Connection it joins
    the one in progress, or begins one. A file already recorded at this path with these bytes
    returns status ``seen`` and changes nothing; the same bytes under another path are recorded
    as a duplicate.
    """
    if isinstance(target, Engine):
        with target.begin() as conn:
            return _load(conn, run_id, src, tdoc, findings, page_count, identity, refresh)
    if target.in_transaction():
        return _load(target, run_id, src, tdoc, findings, page_count, identity, refresh)
    with target.begin():
        return _load(target, run_id, src, tdoc, findings, page_count, identity, refresh)


def _load(conn: Connection, run_id: str, src: SourceFile, tdoc: TransformedDocument,
          extra: Sequence[Finding], page_count: int | None,
          identity: IdentityMap | None, refresh: bool = True) -> LoadResult:
    if src.replaces is not None:
        drop_document(conn, src.replaces)
    seen = classify(conn, src)
    if seen.kind is SeenKind.SEEN:
        return LoadResult(status="seen", document_id=seen.document_id or "")
    if seen.kind is SeenKind.DUPLICATE:
        doc_id = record_duplicate(conn, run_id, src, seen.document_id or "",
                                  page_count=page_count)
        return LoadResult(status="duplicate", document_id=doc_id, issues=1)
    doc_id = tdoc.document_id
    taken = conn.execute(select(source_document.c.file_name).where(
        source_document.c.document_id == doc_id)).scalar()
    if taken is not None:
        raise LoadError(f"{src.file_name}: document id {doc_id} is already used by {taken}")

    found, errors = _findings_of(tdoc, extra)
    at = _now()
    for f in found:  # validate before writing anything
        _issue_row(run_id, doc_id, src.file_name, f, at)
    doc = NewDocument(src, tdoc, tuple(extra), page_count)
    if errors:  # quarantined whole: nothing re-keyed, no version to decide
        return _load_many(conn, run_id, [doc], {})[0]
    rekeyed = apply_identity(conn, identity) if identity is not None else ()
    (res,) = _load_many(conn, run_id, [doc], held_versions(
        conn, {(r.project_id, r.fiscal_year) for r in tdoc.reports}, but=(doc_id,)))
    if refresh:
        _refresh_dimensions(conn)
    return replace(res, rekeyed=rekeyed)


@dataclass
class _Decided:
    """What a new document's load comes to, decided from what other documents hold of its
    project-years (:func:`load.versions.held_versions`) before anything is written."""

    status: str  # loaded / superseded / quarantined
    #: the status fields of its ``source_document`` row (superseded_by, error_code, reason)
    values: dict[str, object]
    applied: list[TransformedReport]
    statuses: dict[int, str]
    findings: list[Finding]
    superseded: list[Superseded]
    compared: tuple[str, ...]


def _decide(tdoc: TransformedDocument, src: SourceFile, extra: Sequence[Finding],
            found: Sequence[Finding], held: Mapping[tuple[str, int | None], Held],
            first_seen: datetime | None) -> _Decided:
    """Which reports of a document without structural errors load, which stay out for a
    version already loaded (see :mod:`load.versions`), and whose facts they supersede
    (``found``: the document's findings so far; those the decisions add follow them)."""
    found = list(found)
    warnings, statuses = _statuses(tdoc, extra)
    applied, older_than = [], []
    stored = {pair for pair, h in held.items() if h.stored}
    compared = tuple(sorted({r.project_id for r in tdoc.reports
                             if (r.project_id, r.fiscal_year) in stored}))
    for report in tdoc.reports:
        pair = (report.project_id, report.fiscal_year)
        if _kept_out(report):
            continue
        if pair not in stored:
            applied.append(report)  # no other version: nothing to compare or supersede
            continue
        kept = keeps_clean_version(report, tdoc, statuses[id(report)], held[pair],
                                   warnings[id(report)])
        if kept is None:
            newer, said, other = later_version(report, tdoc, src, statuses[id(report)],
                                               held[pair], first_seen)
            found.extend(said)
            if newer:
                applied.append(report)
            else:
                older_than.append(other)
        else:
            found.append(kept)
    superseded: list[Superseded] = []
    for report in applied:
        pair = (report.project_id, report.fiscal_year)
        got = supersede(report, tdoc, held[pair]) if pair in stored else None
        if got is not None:
            superseded.append(got[0])
            found.extend(got[1])
    if not applied and older_than and len(older_than) == len(tdoc.reports):
        # every report has a later version in the warehouse: this one is superseded
        status, values = "superseded", {"superseded_by": sorted(older_than)[0]}
    elif not applied:  # every report kept out: the document holds no facts
        status, values = "quarantined", _nothing_applied(found)
    else:
        status, values = "loaded", {}
    return _Decided(status, values, applied, statuses, found, superseded, compared)


def _retire(conn: Connection, by: Mapping[str, str], at: datetime) -> list[str]:
    """Earlier documents (keys of ``by``) whose facts were all superseded: status
    ``superseded``, by the document that took their last facts (``by``'s value)."""
    left = holding(conn, by)
    gone = sorted(old for old in by if old not in left)
    for old in gone:
        conn.execute(update(source_document)
                     .where((source_document.c.document_id == old)
                            & (source_document.c.status == "loaded"))
                     .values(status="superseded", superseded_by=by[old],
                             status_changed_at=at))
    return gone
