"""The night's load stage: transform, validate and load each new file, fed while it is read.

Two ways to the same warehouse (the flow picks; :mod:`flows.ingest` wires them):

* **streaming** (:class:`StreamingLoad`): files are transformed and loaded while the workers
  are still extracting the rest, in the order they were found, all in ONE transaction. Each
  batch (:data:`READY_FILES` files whose turn has come) has its identity resolved over the
  stored rows of its departments and its own files; new files that meet no other version are
  written with one statement per table for every :data:`PENDING_FILES` of them
  (:func:`load.load_new_documents`); a file that meets another version of a project-year (found
  by department, printed name and year, and by id) is loaded at the end, under the night's
  final identity (resolved over everything, as the serial way does), to which the rows loaded
  before are re-keyed, in waves of files that share no project-year (each wave's versions
  decided and its tables written at once: :func:`load.load_versions`); Great Expectations runs
  once over every document. When that cannot give the serial way's rows (:class:`Unsettled`: a
  project that met another version had its ids moved, validation found what the transform had
  not), or anything fails inside the transaction, it is rolled back and the files are loaded
  the serial way.
* **serial** (:func:`load_serial`): after the last file is extracted, identity once over the
  run's departments, every document transformed and validated in one batch, then each file in
  its own transaction (a file that fails to load is recorded, the others load).

Why one transaction for the streaming way: DuckDB aborts a transaction at its first error, and
a fallback must find the warehouse as the night found it; the serial way is the fallback that
records each failure. ``tests/flows/test_streaming_load.py`` holds both ways to the same rows.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from prefect import get_run_logger
from prefect.exceptions import MissingContextError
from sqlalchemy import Engine

from extract import RawDocument
from extract.errors import safe_name
from flows.extraction import Extracted
from load import (
    NewDocument,
    SourceFile,
    apply_identity,
    held_project_years,
    known_projects,
    load_document,
    load_new_documents,
    load_versions,
    record_failed,
    refresh_dimensions,
    reports_to_load,
)
from transform import Finding, load_overrides, transform_document
from transform.completeness import missing_findings
from transform.identity import (
    IdentityMap,
    ProjectSeen,
    department_id,
    make_id,
    normalize_name,
    observations,
    resolve_identity,
)


@dataclass(frozen=True)
class FileResult:
    """What became of one file in the run."""

    path: str
    file_name: str
    status: str  # seen / duplicate / loaded / quarantined / failed
    reason: str | None = None
    reports: int = 0
    indicators: int = 0
    findings: tuple[Finding, ...] = ()
    superseded_documents: tuple[str, ...] = ()
    unit: str | None = None  # 主管部门 / 实施单位, where the file could be read
    #: projects whose numbers met another version of the same project-year at load
    compared: tuple[str, ...] = ()


#: new files that meet no other version are written together once this many are waiting (or
#: the night's files are all read): a batch of the stream holds a few files, and each write
#: costs a few statements per table (~3 ms each) whatever its number of rows
PENDING_FILES = 50

#: files are transformed and loaded once this many have come in (or at the end): each batch
#: costs a few queries (identity, the project-years held) whatever its number of files
READY_FILES = 12


class Unsettled(Exception):
    """A batch was loaded under ids the run's final identity resolution changes."""


#: seconds spent per part of the load stage (the flow adds them to its clock)
Seconds = dict[str, float]


# --------------------------------------------------------------------------------------------
# the three steps, shared by both ways
# --------------------------------------------------------------------------------------------

def transform_docs(docs: Sequence[RawDocument], rules: str, identity: IdentityMap
                   ) -> tuple[dict[str, object], dict[str, str]]:
    """Typed rows and findings of each document by id, or the reason its transform failed
    (a bug meeting an unforeseen file fails that file, not the run)."""
    done, failed = {}, {}
    for d in docs:
        try:
            done[doc_id(d)] = transform_document(d, rules=rules, identity=identity)
        except Exception as exc:
            failed[doc_id(d)] = (f"{d.file}：转换时发生程序错误（{type(exc).__name__}: {exc}），"
                                 "文件未载入；请附上文件报告此问题")
    return done, failed


def validate_docs(tdocs: Sequence) -> dict[str, object]:
    """The Great Expectations suites over the documents in one pass (GX's cost is per
    expectation, hardly per row); if the batch fails, each document alone, and a document GX
    fails on is loaded without its GX findings, with a warning saying so."""
    from expectations.runner import run_suites_many

    try:
        return {td.document_id: run for td, run in zip(tdocs, run_suites_many(list(tdocs)))}
    except Exception:
        out = {}
        for td in tdocs:
            try:
                out[td.document_id] = run_suites_many([td])[0]
            except Exception as exc:
                out[td.document_id] = Finding(
                    check_code="validation_failed", severity="warning", file=td.file,
                    document_id=td.document_id, project_name=None, page=None,
                    message=f"数据质量校验未能运行（{type(exc).__name__}: {exc}），"
                            "已按转换结果载入，请复核")
        return out


def load_file(target, run_id: str, item: Extracted, tdocs: dict, broken: dict[str, str],
              checks: dict, *, strict: bool = False) -> FileResult:
    """One new file: recorded as failed, or loaded (``target``: an Engine, each file in its
    own transaction; or a Connection in the caller's transaction). ``strict``: a load that
    fails raises (the caller rolls back) instead of being recorded."""
    s = item.src
    if item.doc is None and s.replaces is not None:  # the earlier reading stays loaded
        return FileResult(s.path, s.file_name, "failed", reason=(
            f"{safe_name(s.file_name)}：重新读取失败（{item.reason}），保留此前的入库数据"))
    if item.doc is None:
        _record_failed(target, run_id, item)
        return failed_result(s, item.error_code or "extract_failed", item.reason or "",
                             item.page)
    did = doc_id(item.doc)
    if did in broken:
        item = replace(item, error_code="transform_failed", reason=broken[did])
        _record_failed(target, run_id, item)
        return failed_result(s, "transform_failed", broken[did], None, unit=unit_of(item.doc))
    extra = _gx_findings(checks.get(did)) + missing_findings(item.doc, did)
    return _load_checked(target, run_id, item, tdocs[did], extra, strict)


def _gx_findings(check) -> tuple[Finding, ...]:
    """The findings Great Expectations adds to the transform's (none before it has run)."""
    if check is None:
        return ()
    return (check,) if isinstance(check, Finding) else tuple(check.new_findings)


def _record_failed(target, run_id: str, item: Extracted) -> str:
    """Record a file that could not be loaded (failed, with its reason)."""
    pages = item.doc.page_count if item.doc else None

    def record(conn):
        return record_failed(conn, run_id, item.src, item.error_code or "extract_failed",
                             item.reason or "unreadable", page=item.page, page_count=pages)

    if isinstance(target, Engine):
        with target.begin() as conn:
            return record(conn)
    return record(target)


def _load_checked(target, run_id: str, item: Extracted, tdoc, findings: Sequence[Finding],
                  strict: bool) -> FileResult:
    """Load one checked document; a load that fails is recorded and the run goes on."""
    src, unit = item.src, unit_of(item.doc)
    try:
        res = load_document(target, run_id, src, tdoc, findings, item.doc.page_count,
                            refresh=False)
    except Exception as exc:  # the document's transaction rolled back: record why, go on
        if strict:
            raise
        reason = (f"{src.file_name}：载入数据仓库时出错（{type(exc).__name__}: {exc}），"
                  "文件未载入；请管理员查看日志后重新入库")
        _record_failed(target, run_id, Extracted(src, item.doc, "load_failed", reason))
        return failed_result(src, "load_failed", reason, None, unit=unit)
    return _file_result(src, unit, res)


def _file_result(src: SourceFile, unit: str | None, res) -> FileResult:
    """The file's result from its :class:`load.LoadResult`."""
    reason = None
    held = [f for f in res.findings if f.severity == "error"]  # reports not read or kept out
    if res.status == "loaded" and held:
        reason = "；".join(f.one_line() for f in held[:3])
    if res.status == "quarantined":  # structural errors, or a worse copy of a clean report
        errors = [f for f in res.findings if f.severity == "error"] or [
            f for f in res.findings if f.check_code == "version_not_applied"]
        reason = "；".join(f.one_line() for f in errors[:3])
    elif res.status == "duplicate":
        reason = duplicate_reason(res.document_id)
    elif res.status == "superseded":  # an earlier version of reports already loaded
        reason = "；".join(f.one_line() for f in res.findings
                          if f.check_code == "older_version")[:600] or None
    return FileResult(src.path, src.file_name, res.status, reason=reason,
                      reports=res.reports_loaded, indicators=res.indicators_loaded,
                      findings=res.findings, superseded_documents=res.superseded_documents,
                      unit=unit, compared=res.compared)


def failed_result(src: SourceFile, code: str, reason: str, page: int | None, *,
                  unit: str | None = None) -> FileResult:
    finding = Finding(check_code=code, severity="error", file=src.file_name,
                      document_id=src.sha256, project_name=None, page=page, message=reason)
    return FileResult(src.path, src.file_name, "failed", reason=reason, findings=(finding,),
                      unit=unit)


def duplicate_reason(original: str) -> str:
    return f"与已收文件 {original[:12]} 内容相同（重复报送）"


def doc_id(doc: RawDocument) -> str:
    """The id the transform gives a document (its sha256)."""
    return doc.sha256 or doc.file


def unit_of(doc: RawDocument | None) -> str | None:
    """``主管部门 / 实施单位`` as printed in the document's reports (distinct, at most two)."""
    if doc is None:
        return None
    names: list[str] = []
    for r in doc.reports:
        for printed in (r.supervising_department, r.implementing_unit):
            n = (printed or "").strip()
            if n and n not in names:
                names.append(n)
    return " / ".join(names[:2]) or None


def _logger():
    """The Prefect run's logger; a plain one outside a run (a library call, a test)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("jixiao.load")


def departments_of(docs: Iterable[RawDocument]) -> set[str]:
    return {department_id(r.supervising_department) for d in docs for r in d.reports}


def _pairs(reports: Iterable) -> set[tuple[str, int | None]]:
    """(project id, year) of the reports."""
    return {(r.project_id, r.fiscal_year) for r in reports}


def _keys(reports: Iterable) -> set[tuple[str, str, int | None]]:
    """(department id, printed name, year) of the reports (see
    :attr:`StreamingLoad._claimed`)."""
    return {(r.project.department_id, normalize_name(r.project_name), r.fiscal_year)
            for r in reports}


def _loading(tdoc, doc: RawDocument) -> tuple[tuple, tuple[Finding, ...]]:
    """The document's reports that would load (a report kept out, or a document quarantined
    whole, meets no version), and the findings of reports printed but not read that decide it
    (computed once: the load records them)."""
    missing = tuple(missing_findings(doc, tdoc.document_id))
    return reports_to_load(tdoc, missing), missing


def _refresh_all(new: Sequence[SourceFile], asked: bool) -> bool:
    """Derive every dimension, not only the touched projects': when asked (after a killed
    run), or when a file read again replaces its earlier reading."""
    return asked or any(s.replaces for s in new)


def _touched(tdocs: Iterable, rekeyed: Iterable) -> set[str]:
    """The projects whose facts a load changed: its reports' and those re-keyed."""
    return {*(r.project_id for td in tdocs for r in td.reports),
            *(x for r in rekeyed for x in (r.old_project_id, r.new_project_id))}


# --------------------------------------------------------------------------------------------
# the serial way
# --------------------------------------------------------------------------------------------

def load_serial(engine, run_id: str, new: Sequence[SourceFile],
                extracted: dict[str, Extracted], rules: str, *, refresh_all: bool = False,
                on_file: Callable[[str], None] = lambda name: None,
                seconds: Seconds | None = None, checks: dict | None = None
                ) -> list[FileResult]:
    """Every file after the last is extracted: identity once over the run's departments (the
    stored rows re-keyed to it), every document transformed and validated in one batch
    (``checks``: the validation of these very documents, already run), then each file in its
    own transaction, then the dimensions of the projects touched derived once (all of them
    with ``refresh_all``: after a killed run, or a re-read)."""
    seconds = seconds if seconds is not None else defaultdict(float)
    t = time.perf_counter()
    docs = [e.doc for e in extracted.values() if e.doc is not None]
    departments = sorted(departments_of(docs))
    with engine.connect() as conn:
        known = known_projects(conn, departments)
    identity = resolve_identity([*known, *observations(docs)], load_overrides())
    tdocs, broken = transform_docs(docs, rules, identity)
    seconds["transform"] += time.perf_counter() - t
    t = time.perf_counter()
    if checks is None:
        checks = validate_docs(list(tdocs.values()))
    seconds["validate"] += time.perf_counter() - t
    t = time.perf_counter()
    with engine.begin() as conn:
        rekeyed = apply_identity(conn, identity, departments)
    results = []
    log = _logger()
    for s in new:
        on_file(s.file_name)
        results.append(load_file(engine, run_id, replace(extracted[s.sha256], src=s),
                                 tdocs, broken, checks))
        log.info("file done 文件已处理: %s %s", results[-1].status, safe_name(s.file_name))
    touched = None if _refresh_all(new, refresh_all) else _touched(tdocs.values(), rekeyed)
    with engine.begin() as conn:
        refresh_dimensions(conn, touched)
    seconds["load"] += time.perf_counter() - t
    return results


# --------------------------------------------------------------------------------------------
# the streaming way
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Used:
    """The identity a batch was transformed and loaded with, for its departments."""

    departments: frozenset[str]
    identity: IdentityMap


class StreamingLoad:
    """Load files as they are extracted, inside the caller's transaction on ``conn`` (see the
    module docstring): :meth:`add` each batch of extracted files, then :meth:`finish`, which
    raises :class:`Unsettled` when the rows would differ from the serial way's."""

    def __init__(self, conn, run_id: str, new: Sequence[SourceFile], rules: str, *,
                 refresh_all: bool = False, on_file: Callable[[str], None] = lambda name: None,
                 seconds: Seconds | None = None, before_validation: Callable[[], None] | None = None
                 ) -> None:
        self.conn, self.run_id, self.rules = conn, run_id, rules
        self.refresh_all = _refresh_all(new, refresh_all)
        self.on_file = on_file
        self.seconds = seconds if seconds is not None else defaultdict(float)
        self.before_validation = before_validation
        self._by_sha: dict[str, list[SourceFile]] = defaultdict(list)
        for s in new:  # a file found twice in the inbox is loaded once, the other a duplicate
            self._by_sha[s.sha256].append(s)
        self._order = {s.path: i for i, s in enumerate(new)}
        self._overrides = load_overrides()
        self._known: dict[str, list[ProjectSeen]] = {}  # department → stored, before the run
        self._seen: dict[str, list[ProjectSeen]] = defaultdict(list)  # department → the run's
        self._used: list[_Used] = []
        self._tdocs: dict[str, object] = {}
        self._compared: set[str] = set()  # projects that met another version
        #: project-years the warehouse holds, or a file of the run loaded or will load at the
        #: end, by department, printed name and year (a name means one project in any
        #: identity, and two names printed in one year are never one project: unlike ids,
        #: these keys do not move when a later file changes the identity)
        self._claimed: set[tuple[str, str, int | None]] = set()
        #: files extracted before their turn (by the order they were found in)
        self._waiting: dict[int, Extracted] = {}
        #: files whose turn has come, transformed and loaded once there are enough of them
        self._ready: list[Extracted] = []
        self._next = 0
        self._rank = {sha: i for i, sha in enumerate(dict.fromkeys(s.sha256 for s in new))}
        self._deferred: list[Extracted] = []  # files met another version: loaded at the end
        #: new files that meet no other version, not written yet (with their findings of
        #: reports not read), and the project-years they hold
        self._pending: list[tuple[Extracted, object, tuple[Finding, ...]]] = []
        self._pending_pairs: set[tuple[str, int | None]] = set()
        #: the validation of every document, once :meth:`finish` has run it
        self.checks: dict | None = None
        self._touched: set[str] = set()
        self.results: list[FileResult] = []

    @property
    def files_taken(self) -> int:
        """Files taken in their turn so far: loaded, set aside, or gathered to be loaded with
        the next ones (not those still waiting for a file found before them)."""
        return self._next

    def add(self, extracted: Sequence[Extracted]) -> None:
        """Take extracted files (in any order) and load those whose turn has come: files
        are loaded in the order they were found, as the serial way does (which version of a
        project-year stays can depend on it). Great Expectations runs once, in
        :meth:`finish`."""
        for e in extracted:
            self._waiting[self._rank[e.src.sha256]] = e
        while self._next in self._waiting:
            self._ready.append(self._waiting.pop(self._next))
            self._next += 1
        if len(self._ready) >= READY_FILES:
            self._take_ready()

    def _take_ready(self) -> None:
        items, self._ready = self._ready, []
        if items:
            self._add(items)

    def _add(self, items: Sequence[Extracted]) -> None:
        """Transform and load files, in the transaction."""
        t = time.perf_counter()
        docs = [e.doc for e in items if e.doc is not None]
        identity, fresh = self._identity(docs)
        tdocs, broken = transform_docs(docs, self.rules, identity)
        self._tdocs.update(tdocs)
        self.seconds["transform"] += time.perf_counter() - t
        t = time.perf_counter()
        # the stored rows of departments met for the first time, re-keyed before any file of
        # theirs is loaded (versions are found by project id)
        rekeyed = apply_identity(self.conn, identity, fresh) if fresh else ()
        self._touched |= _touched(tdocs.values(), rekeyed)
        # (ids too: a name the batch's identity resolves to an id a stored row or an earlier
        # file holds under another name goes to the end as well, where ids are final)
        held = held_project_years(self.conn, {r.project_id for td in tdocs.values()
                                              for r in td.reports}) | self._pending_pairs
        for item in items:
            td = tdocs.get(doc_id(item.doc)) if item.doc is not None else None
            loading, missing = _loading(td, item.doc) if td is not None else ((), ())
            if td is not None and (_keys(loading) & self._claimed or _pairs(loading) & held):
                # another version of a project-year: loaded at the end, under the run's
                # final identity (versions' numbers are compared by indicator id), after
                # every file found before it; a later file of the same project-year too
                self._deferred.append(item)
                self._claimed |= _keys(loading)
            elif (td is not None and item.src.replaces is None
                    and len(self._by_sha[item.src.sha256]) == 1):
                self._pending.append((item, td, missing))  # new, alone: written with others
                self._claimed |= _keys(loading)
                held |= _pairs(loading)
                self._pending_pairs |= _pairs(loading)
            else:
                self._load(item, tdocs, broken, {})
        if len(self._pending) >= PENDING_FILES:
            self._load_pending()
        self.seconds["load"] += time.perf_counter() - t

    def _load_pending(self) -> None:
        """The new files that meet no other version, set aside so far: each table written once
        for all of them."""
        fresh, self._pending, self._pending_pairs = self._pending, [], set()
        self._done([item for item, _, _ in fresh], load_new_documents(
            self.conn, self.run_id, [NewDocument(item.src, td, missing, item.doc.page_count)
                                     for item, td, missing in fresh]))

    def _load_versions(self, items: Sequence[Extracted], tdocs: dict, broken: dict) -> None:
        """Files that met another version, in the order they were found, under the night's
        final identity: in waves of files that share no project-year, each wave's versions
        decided and its tables written at once (:func:`load.load_versions`); a file found at
        two paths, read again, or not transformed, alone (:func:`load.load_document`)."""
        wave: list[tuple[Extracted, object]] = []
        taken: set[tuple[str, int | None]] = set()

        def flush() -> None:
            self._done([item for item, _ in wave], load_versions(
                self.conn, self.run_id,
                [NewDocument(item.src, td, tuple(missing_findings(item.doc, td.document_id)),
                             item.doc.page_count) for item, td in wave]))
            wave.clear()
            taken.clear()

        for item in items:
            td = tdocs.get(doc_id(item.doc)) if item.doc is not None else None
            alone = (td is None or item.src.replaces is not None
                     or len(self._by_sha[item.src.sha256]) > 1)
            pairs = _pairs(td.reports) if td is not None else set()
            if alone or pairs & taken:
                flush()
            if alone:
                self._load(item, tdocs, broken, {})
            else:
                wave.append((item, td))
                taken |= pairs
        flush()

    def _done(self, items: Sequence[Extracted], got: Sequence) -> None:
        """Record the files' results (:class:`load.LoadResult`, in the same order)."""
        log = _logger()
        for item, res in zip(items, got, strict=True):
            self.on_file(item.src.file_name)
            self.results.append(_file_result(item.src, unit_of(item.doc), res))
            self._compared.update(res.compared)
            log.info("file done 文件已处理: %s %s", res.status, safe_name(item.src.file_name))

    def _load(self, item: Extracted, tdocs: dict, broken: dict, checks: dict) -> None:
        """Load the file (each path it was found at: the second is a duplicate)."""
        log = _logger()
        for s in self._by_sha[item.src.sha256]:
            self.on_file(s.file_name)
            res = load_file(self.conn, self.run_id, replace(item, src=s), tdocs, broken,
                            checks, strict=True)
            self.results.append(res)
            self._compared.update(res.compared)
            log.info("file done 文件已处理: %s %s", res.status, safe_name(s.file_name))
        if item.doc is not None and doc_id(item.doc) in tdocs:
            self._claimed |= _keys(_loading(tdocs[doc_id(item.doc)], item.doc)[0])

    def _identity(self, docs: Sequence[RawDocument]) -> tuple[IdentityMap, list[str]]:
        """The batch's identity: over the stored rows of the batch's departments and the
        batch's own documents (the run's earlier documents are left out: resolving over all
        of them at every batch grew with the square of a department's documents; ids that
        the night's final identity gives otherwise are re-keyed in :meth:`finish`); and the
        departments met for the first time."""
        departments = sorted(departments_of(docs))
        fresh = [d for d in departments if d not in self._known]
        if fresh:  # read before any file of these departments is loaded: the stored rows
            for d in fresh:
                self._known[d] = []
            for p in known_projects(self.conn, fresh):
                self._known.setdefault(department_id(p.department), []).append(p)
                self._claimed.add((department_id(p.department), normalize_name(p.name),
                                   p.fiscal_year))
        batch: dict[str, list[ProjectSeen]] = defaultdict(list)
        for p in observations(docs):
            self._seen[department_id(p.department)].append(p)
            batch[department_id(p.department)].append(p)
        identity = resolve_identity(
            [p for d in departments for p in (*self._known.get(d, ()), *batch[d])],
            self._overrides)
        self._used.append(_Used(frozenset(departments), identity))
        return identity, fresh

    def _resolve(self, departments: Iterable[str]) -> IdentityMap:
        seen = [p for d in departments for p in (*self._known.get(d, ()), *self._seen[d])]
        return resolve_identity(seen, self._overrides)

    def finish(self) -> list[FileResult]:
        """Resolve identity over everything and hold each batch's against it; validate every
        document (Great Expectations, one batch); re-key the run's rows to the final
        identity; derive the dimensions of the projects touched; return the files' results
        in the order they were found. :class:`Unsettled` (the caller rolls back) when the
        rows would differ from the serial way's (see :func:`_settled`), or validation found
        what the transform had not (the files were loaded without it; :attr:`checks` keeps
        the validation for the serial way)."""
        if self._waiting:
            raise Unsettled(f"{len(self._waiting)} files were extracted but never loaded")
        self._take_ready()
        t = time.perf_counter()
        self._load_pending()
        self.seconds["load"] += time.perf_counter() - t
        t = time.perf_counter()
        final = self._resolve(sorted(self._known))
        for used in self._used:
            why = _unsettled(used.identity, final, self._compared)
            if why:
                raise Unsettled(f"departments {sorted(used.departments)}: {why}")
        self.seconds["transform"] += time.perf_counter() - t
        if self.before_validation is not None and self._tdocs:
            self.before_validation()
        # Great Expectations (Python) runs in a thread while this one re-keys and loads the
        # deferred files (mostly DuckDB, which lets go of the GIL); those are loaded without
        # GX findings: if GX finds any, the whole run is rolled back below
        with ThreadPoolExecutor(1, thread_name_prefix="jixiao-validation") as pool:
            validation = pool.submit(_timed, validate_docs, list(self._tdocs.values()))
            t = time.perf_counter()
            moved = sorted(set().union(*(_moved(u.identity, final) for u in self._used)))
            rekeyed = apply_identity(self.conn, final, moved) if moved else ()
            self._touched |= _touched((), rekeyed)
            if self._deferred:
                docs = [e.doc for e in self._deferred if e.doc is not None]
                tdocs, broken = transform_docs(docs, self.rules, final)
                self._touched |= _touched(tdocs.values(), ())
                self._load_versions(sorted(self._deferred,
                                           key=lambda e: self._order.get(e.src.path, 0)),
                                    tdocs, broken)
            self.seconds["load"] += time.perf_counter() - t
            self.checks, took = validation.result()
        self.seconds["validate"] += took
        added = sorted(did for did, c in self.checks.items() if _gx_findings(c))
        if added:
            raise Unsettled(f"validation found more than the transform in {len(added)} "
                            "documents")
        t = time.perf_counter()
        refresh_dimensions(self.conn, None if self.refresh_all else self._touched)
        self.seconds["load"] += time.perf_counter() - t
        return sorted(self.results, key=lambda r: self._order.get(r.path, len(self._order)))


def _timed(fn: Callable, *args) -> tuple[object, float]:
    t = time.perf_counter()
    return fn(*args), time.perf_counter() - t


def _unsettled(used: IdentityMap, final: IdentityMap, compared: set[str]) -> str | None:
    """Why rows loaded under ``used`` would differ from the serial way's, or None.

    An id that the final identity changes is re-keyed at the end (:func:`load.apply_identity`,
    as it re-keys stored rows when an earlier year arrives later), except for a project that
    met another version while loading: versions' numbers are compared by indicator id and
    named by the latest name, so such a project's ids and names must not have moved. A
    version that a changed id hid (the same name resolved to two ids) makes the re-key find
    two reports of one year in one project: it raises, and the night loads the serial way.
    """
    changed = {v for k, v in used.project_ids.items() if final.project_ids.get(k) != v}
    changed |= {k[0] for k, v in used.indicator_ids.items() if final.indicator_ids.get(k) != v}
    changed |= {k for k, v in used.latest_names.items() if final.latest_names.get(k) != v}
    if changed & compared:
        return (f"{len(changed & compared)} projects met another version and their ids or "
                "names changed after")
    return None


def _moved(used: IdentityMap, final: IdentityMap) -> set[str]:
    """The departments (ids) where ``final`` gives another project or indicator id than
    ``used`` for a name ``used`` resolved: the only ones whose rows the end re-keys."""
    department_of: dict[str, str] = {}
    out: set[str] = set()
    for (dkey, nkey), pid in used.project_ids.items():
        department_of[pid] = dkey
        if final.project_ids.get((dkey, nkey)) != pid:
            out.add(dkey)
    for (pid, l1, nkey), iid in used.indicator_ids.items():
        if final.indicator_ids.get((pid, l1, nkey)) != iid:
            # (an indicator of a project the map does not name: every department, to be safe)
            out |= {department_of[pid]} if pid in department_of else set(department_of.values())
    return {make_id("dep", k) for k in out}
