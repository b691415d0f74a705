"""Document history and atomic loads into the warehouse.

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
* dimensions are derived from the facts (latest year's names), so the warehouse holds the same
  rows whatever order the documents arrived in; :func:`apply_identity` re-keys rows whose ids
  changed because an earlier year arrived later.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from importlib.metadata import version as _version
from pathlib import Path

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)

from load.checks import KEEPS_OTHER_REPORTS, LOAD_CHECKS, REPORT_ERRORS
from transform.identity import (
    IdentityMap,
    IndicatorSeen,
    ProjectSeen,
    department_key,
    indicator_keys,
    normalize_name,
)
from transform.rows import (
    SEVERITIES,
    DimDepartment,
    FactProjectEvaluation,
    Finding,
    TransformedDocument,
    TransformedReport,
)
from warehouse.schema import (
    FACT_TABLES,
    dim_department,
    dq_issue,
    fact_cell_source,
    fact_indicator_result,
    fact_project_evaluation,
    fact_project_funding,
    ingest_run,
    project_alias,
    source_document,
)

# --------------------------------------------------------------------------------------------
# types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file as found in the inbox: where, what name, which bytes."""

    path: str
    file_name: str
    sha256: str
    bytes: int
    #: when a file read again (``--reprocess``) was first seen; None for a new file
    first_seen: datetime | None = None
    #: the document this reading replaces (``--reprocess all`` of a loaded file): its record
    #: and facts are dropped in the same transaction that loads the new reading
    replaces: str | None = None
    #: the file's modification time (ns since 1970) when it was found
    mtime_ns: int | None = None

    @classmethod
    def from_path(cls, path: str | Path) -> SourceFile:
        """Hash the file at ``path`` (read in 1 MiB blocks); the path is kept absolute, so the
        same file given by a relative and an absolute path is one file."""
        return cls.unhashed(path).hashed()

    @classmethod
    def unhashed(cls, path: str | Path) -> SourceFile:
        """The file at ``path`` by its size and modification time only (``sha256`` empty): a
        file known at that path with the same size and time is not read again."""
        p = Path(path).resolve()
        st = p.stat()
        return cls(path=str(p), file_name=p.name, sha256="", bytes=st.st_size,
                   mtime_ns=st.st_mtime_ns)

    def hashed(self) -> SourceFile:
        """This file with its sha256 (read in 1 MiB blocks) and the size read."""
        h = hashlib.sha256()
        size = 0
        with Path(self.path).open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
                size += len(block)
        return replace(self, sha256=h.hexdigest(), bytes=size)


class SeenKind(StrEnum):
    """What the warehouse already knows of a file."""

    NEW = "new"  # these bytes were never recorded
    SEEN = "seen"  # these bytes at this path are recorded: skip (idempotent)
    DUPLICATE = "duplicate"  # these bytes are recorded under another path


@dataclass(frozen=True, slots=True)
class Seen:
    """The answer of :func:`classify`."""

    kind: SeenKind
    #: SEEN: the document recorded at this path; DUPLICATE: the original document
    document_id: str | None = None
    #: status of that document
    status: str | None = None
    #: why it failed or was quarantined (its check code), if it did
    error_code: str | None = None
    #: SEEN: when the file was first seen (kept when it is read again)
    first_seen_at: datetime | None = None

    @property
    def is_new(self) -> bool:
        return self.kind is SeenKind.NEW


@dataclass(frozen=True, slots=True)
class Superseded:
    """One project-year whose facts moved from an older document to the one being loaded."""

    project_id: str
    project_name: str
    fiscal_year: int
    old_document_id: str
    old_file: str
    #: ``全年预算数 8.02 → 8.50`` …; empty when the numbers are the same
    changes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rekeyed:
    """One project-year whose ids :func:`apply_identity` rewrote."""

    fiscal_year: int
    old_project_id: str
    new_project_id: str
    indicators_rekeyed: int


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What :func:`load_document` did with one document."""

    status: str  # loaded / quarantined / duplicate / seen
    document_id: str
    reports_loaded: int = 0
    indicators_loaded: int = 0
    superseded: tuple[Superseded, ...] = ()
    #: earlier documents left without facts, now status ``superseded``
    superseded_documents: tuple[str, ...] = ()
    issues: int = 0  # dq_issue rows written
    findings: tuple[Finding, ...] = ()  # the findings written as dq_issue rows
    rekeyed: tuple[Rekeyed, ...] = ()
    #: projects of the document that met another version of the same project-year (their
    #: numbers were compared by indicator id)
    compared: tuple[str, ...] = ()


class LoadError(Exception):
    """A document cannot be loaded as given (names the file and, where known, the project)."""


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------

#: the program that reads the files, recorded on each (``source_document.reader_version``)
READER_VERSION = f"jixiao {_version('jixiao')}"


def _now() -> datetime:
    return datetime.now(UTC)


def _short_hash(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()[:8]


def _row(table: Table, obj: object, **extra: object) -> dict[str, object]:
    """Column values of a row dataclass (every field must be a column of ``table``)."""
    out: dict[str, object] = {}
    for f in fields(obj):  # type: ignore[arg-type]
        if f.name not in table.c:
            raise LoadError(f"{table.name}: no column for field {type(obj).__name__}.{f.name}")
        out[f.name] = getattr(obj, f.name)
    out.update(extra)
    return out


def _free_document_id(conn: Connection, src: SourceFile) -> str:
    """The sha256, or ``sha256-<path hash>`` when another row already uses it."""
    taken = conn.execute(select(source_document.c.document_id)
                         .where(source_document.c.document_id == src.sha256)).first()
    return src.sha256 if taken is None else f"{src.sha256}-{_short_hash(src.path)}"


def _issue_row(run_id: str, document_id: str, file_name: str, f: Finding,
               at: datetime) -> dict[str, object]:
    if f.severity not in SEVERITIES:
        raise LoadError(f"{f.file}: finding {f.check_code} has severity {f.severity!r}, "
                        f"expected one of {SEVERITIES}")
    return {
        "run_id": run_id, "document_id": document_id, "file_name": file_name,
        "fiscal_year": f.fiscal_year, "project_name": f.project_name, "page": f.page,
        "indicator": f.indicator, "check_code": f.check_code, "severity": f.severity,
        "message": f.message, "printed": f.printed, "expected": f.expected, "detected_at": at,
    }


def _write_issues(conn: Connection, run_id: str, document_id: str, file_name: str,
                  findings: Sequence[Finding], at: datetime) -> int:
    _insert_rows(conn, dq_issue, [_issue_row(run_id, document_id, file_name, f, at)
                                  for f in findings])
    return len(findings)


def _finding(code: str, src_file: str, document_id: str, message: str, *,
             project_name: str | None = None, fiscal_year: int | None = None,
             page: int | None = None, indicator: str | None = None,
             printed: str | None = None, expected: str | None = None) -> Finding:
    spec = LOAD_CHECKS[code]
    return Finding(check_code=code, severity=spec.severity, file=src_file,
                   document_id=document_id, project_name=project_name, page=page,
                   message=message, fiscal_year=fiscal_year, indicator=indicator,
                   printed=printed, expected=expected)


# --------------------------------------------------------------------------------------------
# runs and document history
# --------------------------------------------------------------------------------------------

def _history(conn: Connection, sha256: str | None = None):
    """``source_document`` rows (of one sha256, or all), oldest first."""
    sd = source_document
    query = (select(sd.c.document_id, sd.c.sha256, sd.c.path, sd.c.status, sd.c.duplicate_of,
                    sd.c.error_code,
                    func.coalesce(sd.c.first_seen_at, sd.c.ingested_at).label("first_seen_at"))
             .order_by(sd.c.ingested_at, sd.c.document_id))
    if sha256 is not None:
        query = query.where(sd.c.sha256 == sha256)
    return conn.execute(query).all()


def _by_path(rows: Sequence) -> dict[str, object]:
    """Rows by absolute path (paths recorded relative, before 0.2.0, are taken from the
    current folder); the first row of a path wins."""
    out: dict[str, object] = {}
    for r in rows:
        out.setdefault(r.path if r.path.startswith("/") else str(Path(r.path).resolve()), r)
    return out


def _classified(src: SourceFile, rows: Sequence, paths: dict[str, object]) -> Seen:
    """What the rows recorded for ``src``'s bytes say of it (see :func:`classify`)."""
    r = paths.get(src.path)
    if r is not None:
        return Seen(SeenKind.SEEN, r.document_id, r.status, r.error_code, r.first_seen_at)
    if rows:
        originals = [r for r in rows if r.status != "duplicate"]
        first = originals[0] if originals else rows[0]
        original = first.document_id if originals else (first.duplicate_of or first.document_id)
        return Seen(SeenKind.DUPLICATE, original, first.status)
    return Seen(SeenKind.NEW)


def classify(conn: Connection, src: SourceFile) -> Seen:
    """``new`` (bytes never recorded), ``seen`` (same bytes at the same path: skip) or
    ``duplicate`` (same bytes recorded under another path; ``document_id`` = the original)."""
    rows = _history(conn, src.sha256)
    return _classified(src, rows, _by_path(rows))


def classify_all(conn: Connection, sources: Sequence[SourceFile]) -> list[Seen]:
    """:func:`classify` of many files with one query (a night over 10,000 known files)."""
    by_sha: dict[str, list] = defaultdict(list)
    for r in _history(conn):
        by_sha[r.sha256].append(r)
    paths = {sha: _by_path(rows) for sha, rows in by_sha.items()}
    return [_classified(src, by_sha.get(src.sha256, ()), paths.get(src.sha256, {}))
            for src in sources]


def known_files(conn: Connection) -> dict[str, tuple[int, int, str]]:
    """Path → (bytes, modification time in ns, sha256) of every file recorded with its time:
    a file found at a known path with the same size and time is the same file (not hashed)."""
    sd = source_document
    return {r.path: (r.bytes, r.file_mtime_ns, r.sha256) for r in conn.execute(
        select(sd.c.path, sd.c.bytes, sd.c.file_mtime_ns, sd.c.sha256)
        .where(sd.c.file_mtime_ns.is_not(None)))}


def _insert_document(conn: Connection, document_id: str, src: SourceFile, run_id: str, *,
                     status: str, at: datetime, **values: object) -> None:
    started = conn.execute(select(ingest_run.c.started_at)
                           .where(ingest_run.c.run_id == run_id)).scalar()
    conn.execute(insert(source_document).values(
        _document_row(document_id, src, run_id, status=status, at=at, started=started,
                      **values)))


def _document_row(document_id: str, src: SourceFile, run_id: str, *, status: str,
                  at: datetime, started: datetime | None, pages: int | None = None,
                  fiscal_year: int | None = None, reports: int | None = None,
                  duplicate_of: str | None = None, error_code: str | None = None,
                  reason: str | None = None, rule_set: str | None = None,
                  pdf_date: datetime | None = None) -> dict[str, object]:
    """The ``source_document`` row of a file (``started``: its run's start, the first-seen
    time of a file seen for the first time)."""
    return dict(
        document_id=document_id, sha256=src.sha256, file_name=src.file_name, path=src.path,
        bytes=src.bytes, pages=pages, fiscal_year=fiscal_year, reports=reports, status=status,
        duplicate_of=duplicate_of, superseded_by=None, error_code=error_code, reason=reason,
        rule_set=rule_set, ingested_at=at, status_changed_at=at, run_id=run_id,
        reader_version=READER_VERSION, pdf_date=pdf_date, file_mtime_ns=src.mtime_ns,
        first_seen_at=src.first_seen or started or at,
    )


#: from this many rows on, a table's rows are written in one statement from an Arrow table
#: (DuckDB runs ``executemany`` a row at a time: ~0.25 ms a row of ``fact_indicator_result``
#: against ~3 ms a statement and a few µs a row from Arrow; measured, ``benchmarks/load_rate.py``)
BULK_ROWS = 8

#: the ``INSERT … SELECT CAST(…)`` statement of a table and its columns, made once
_BULK_SQL: dict[tuple[str, tuple[str, ...]], str] = {}


def _insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, object]]) -> None:
    """Insert ``rows`` into ``table``: few with ``executemany``; more through an Arrow table
    that DuckDB reads on the same connection (so in the same transaction), every value
    passed as text and cast to its column's type (decimals stay exact)."""
    if not rows:
        return
    if len(rows) < BULK_ROWS:
        conn.execute(insert(table), list(rows))
        return
    import pyarrow as pa

    present = {k for r in rows for k in r}
    names = tuple(c.name for c in table.columns if c.name in present)
    view = f"_jixiao_rows_{table.name}"
    sql = _BULK_SQL.get((table.name, names))
    if sql is None:
        casts = ", ".join(f'CAST("{n}" AS {table.c[n].type.compile(dialect=conn.dialect)})'
                          for n in names)
        columns = ", ".join(f'"{n}"' for n in names)
        sql = f"INSERT INTO {table.name} ({columns}) SELECT {casts} FROM {view}"
        _BULK_SQL[(table.name, names)] = sql
    frame = pa.table({n: pa.array([_as_text(r.get(n)) for r in rows], type=pa.string())
                      for n in names})
    raw = conn.connection.driver_connection
    # a result SQLAlchemy left unread (``.first()``, ``.scalar()``) is run to its end first:
    # DuckDB refuses to register a table while one is open ("unfinished result")
    raw.complete()
    raw.register(view, frame)
    try:
        raw.execute(sql)
    finally:
        raw.unregister(view)


def _as_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, datetime):
        return v.isoformat()
    return str(v)


def drop_document(conn: Connection, document_id: str) -> None:
    """Delete a document's record, findings and facts (to load a new reading of the same file
    in the same transaction: ``--reprocess all``)."""
    for t in (*FACT_TABLES, project_alias, dq_issue):
        conn.execute(delete(t).where(t.c.document_id == document_id))
    conn.execute(delete(source_document).where(source_document.c.document_id == document_id))


def forget_document(conn: Connection, document_id: str) -> bool:
    """Drop the record of a file that holds no facts (``failed`` or ``quarantined``) and its
    findings, so that the next read of the file is recorded afresh (a retry, or a re-read by a
    newer version: ``jixiao ingest --reprocess``). False (nothing done) for any other status."""
    status = conn.execute(select(source_document.c.status)
                          .where(source_document.c.document_id == document_id)).scalar()
    if status not in ("failed", "quarantined"):
        return False
    conn.execute(delete(dq_issue).where(dq_issue.c.document_id == document_id))
    conn.execute(delete(source_document).where(source_document.c.document_id == document_id))
    return True


def record_failed(conn: Connection, run_id: str, src: SourceFile, error_code: str,
                  reason: str, page: int | None = None, *,
                  page_count: int | None = None) -> str:
    """Record a file that could not be read or loaded: ``source_document`` (status ``failed``)
    and one ``error`` dq_issue with the reason. Returns the document id; a file already
    recorded at this path with these bytes is left as it is."""
    seen = classify(conn, src)
    if seen.kind is SeenKind.SEEN and seen.document_id is not None:
        return seen.document_id
    at = _now()
    doc_id = _free_document_id(conn, src)
    _insert_document(conn, doc_id, src, run_id, status="failed", at=at, pages=page_count,
                     error_code=error_code, reason=reason)
    finding = Finding(check_code=error_code, severity="error", file=src.file_name,
                      document_id=doc_id, project_name=None, page=page, message=reason)
    _write_issues(conn, run_id, doc_id, src.file_name, [finding], at)
    return doc_id


def record_duplicate(conn: Connection, run_id: str, src: SourceFile, duplicate_of: str, *,
                     page_count: int | None = None) -> str:
    """Record ``src`` as a byte-identical copy of the document ``duplicate_of`` (status
    ``duplicate``, one ``duplicate_file`` warning); nothing is loaded twice. Returns its id."""
    seen = classify(conn, src)
    if seen.kind is SeenKind.SEEN and seen.document_id is not None:
        return seen.document_id
    original = conn.execute(
        select(source_document.c.file_name, source_document.c.path,
               source_document.c.fiscal_year, source_document.c.reports,
               source_document.c.pages)
        .where(source_document.c.document_id == duplicate_of)).first()
    if original is None:
        raise LoadError(f"{src.file_name}: duplicate of unknown document {duplicate_of}")
    at = _now()
    doc_id = _free_document_id(conn, src)
    reason = (f"文件 {src.file_name}（{src.path}）与已收文件 {original.file_name}"
              f"（{original.path}）内容完全相同（sha256 {src.sha256[:12]}…），记为重复，未再次载入")
    _insert_document(conn, doc_id, src, run_id, status="duplicate", at=at,
                     pages=page_count if page_count is not None else original.pages,
                     fiscal_year=original.fiscal_year, reports=original.reports,
                     duplicate_of=duplicate_of, error_code="duplicate_file", reason=reason)
    finding = _finding("duplicate_file", src.file_name, doc_id, reason,
                       fiscal_year=original.fiscal_year, printed=src.file_name,
                       expected=original.file_name)
    _write_issues(conn, run_id, doc_id, src.file_name, [finding], at)
    return doc_id


# --------------------------------------------------------------------------------------------
# identity
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _LoadedReport:
    """One loaded project-year as stored: its names and its indicator rows in order."""

    project_id: str
    fiscal_year: int
    names: tuple[str, ...]  # reported names (one, normally)
    department: str | None  # 主管部门 as stored (dim_department.name)
    indicators: tuple[tuple[str, str | None, str | None, str], ...]  # (id, l1, l2, name)


def _loaded_reports(conn: Connection, department_ids: Iterable[str] | None = None
                    ) -> list[_LoadedReport]:
    """Every loaded project-year with its names and indicators; only those of the given
    departments (``project_alias.department_id``) when ``department_ids`` is given (identity is
    resolved per department, so a run needs no other)."""
    where, params = "", {}
    if department_ids is not None:
        params = {"deps": sorted(set(department_ids))}
        if not params["deps"]:
            return []
        where = "WHERE a.department_id IN :deps"
    aliases = conn.execute(text(
        "SELECT a.project_id, a.fiscal_year, a.reported_name, d.name AS department "
        "FROM project_alias AS a LEFT JOIN dim_department AS d "
        f"ON d.department_id = a.department_id {where} "
        "ORDER BY a.fiscal_year, a.project_id, a.reported_name").bindparams(
            *_expanding(params)), params).all()
    indicators_of = ("" if not where else
                     "WHERE project_id IN (SELECT a.project_id FROM project_alias AS a "
                     f"{where}) ")
    inds: dict[tuple[str, int], list] = defaultdict(list)
    for r in conn.execute(text(
            "SELECT project_id, fiscal_year, indicator_id, reported_level1, reported_level2, "
            f"reported_name FROM fact_indicator_result {indicators_of}"
            "ORDER BY project_id, fiscal_year, position").bindparams(*_expanding(params)),
            params).all():
        inds[(r.project_id, r.fiscal_year)].append(
            (r.indicator_id, r.reported_level1, r.reported_level2, r.reported_name))
    groups: dict[tuple[str, int], list] = defaultdict(list)
    departments: dict[tuple[str, int], str | None] = {}
    for a in aliases:
        groups[(a.project_id, a.fiscal_year)].append(a.reported_name)
        departments.setdefault((a.project_id, a.fiscal_year), a.department)
    return [_LoadedReport(pid, year, tuple(names), departments[(pid, year)],
                          tuple(inds.get((pid, year), ())))
            for (pid, year), names in groups.items()]


def _expanding(params: dict) -> list:
    return [bindparam(k, expanding=True) for k in params]


def known_projects(conn: Connection, department_ids: Iterable[str] | None = None
                   ) -> list[ProjectSeen]:
    """Every (department, year, reported name) loaded, with that year's indicators in printed
    order: the input of :func:`transform.identity.resolve_identity` together with the new
    document's observations, so ids are resolved over all years. ``department_ids``: only
    those departments' (the departments of a run's documents: identity is per department)."""
    out = []
    for rep in _loaded_reports(conn, department_ids):
        for i, name in enumerate(rep.names):
            indicators = tuple(IndicatorSeen(l1, l2, n) for _, l1, l2, n in rep.indicators)
            out.append(ProjectSeen(fiscal_year=rep.fiscal_year, department=rep.department,
                                   name=name, indicators=indicators if i == 0 else ()))
    return out


def _resolved(identity: IdentityMap, department: str | None, name: str) -> str | None:
    """The project id of a name the identity map resolved, else None (leave it as it is)."""
    return identity.project_ids.get((department_key(department), normalize_name(name)))


def apply_identity(conn: Connection, identity: IdentityMap,
                   department_ids: Iterable[str] | None = None) -> tuple[Rekeyed, ...]:
    """Rewrite project and indicator ids of loaded rows where ``identity`` resolves their
    printed names to other ids (a canonical name is the earliest year's: loading an older year
    after a newer one can change ids). Names the map did not resolve are left alone; with
    ``department_ids`` (the departments ``identity`` was resolved for), only their rows are
    read. Dimensions are refreshed afterwards."""
    department_ids = None if department_ids is None else sorted(set(department_ids))
    moves: list[tuple[_LoadedReport, str, dict[str, str]]] = []
    for rep in _loaded_reports(conn, department_ids):
        new_pid = _resolved(identity, rep.department, rep.names[0])
        if new_pid is None:  # the map does not know this project: leave it as it is
            continue
        keys = indicator_keys(IndicatorSeen(l1, l2, n) for _, l1, l2, n in rep.indicators)
        ind_map = {}
        for (old_iid, *_), (l1, nkey) in zip(rep.indicators, keys, strict=True):
            if new_pid != rep.project_id:  # every indicator id derives from the project's
                new_iid = identity.indicator_id(new_pid, l1, nkey)
            else:
                new_iid = identity.indicator_ids.get((new_pid, l1, nkey), old_iid)
            if new_iid != old_iid:
                ind_map[old_iid] = new_iid
        if new_pid != rep.project_id or ind_map:
            moves.append((rep, new_pid, ind_map))
    if not moves:
        return ()
    targets: dict[tuple[str, int], _LoadedReport] = {}
    moved = {(rep.project_id, rep.fiscal_year) for rep, _, _ in moves}
    for rep, new_pid, _ in moves:
        key = (new_pid, rep.fiscal_year)
        other = targets.get(key)
        if other is None and key not in moved:
            stays = conn.execute(select(fact_project_evaluation.c.project_id).where(
                (fact_project_evaluation.c.project_id == new_pid)
                & (fact_project_evaluation.c.fiscal_year == rep.fiscal_year))).first()
            if stays is not None:
                other = next((r for r in _loaded_reports(conn, department_ids)
                              if (r.project_id, r.fiscal_year) == key), None)
        if other is not None:
            raise LoadError(
                f"identity: {rep.fiscal_year} reports 「{rep.names[0]}」 and "
                f"「{other.names[0] if other.names else new_pid}」 would both become project "
                f"{new_pid}; two reports of one year cannot be one project "
                "(check transform/identity_overrides.csv)")
        targets[key] = rep
    _rekey(conn, [(rep.project_id, rep.fiscal_year, new_pid, ind_map)
                  for rep, new_pid, ind_map in moves])
    _refresh_dimensions(conn)
    return tuple(Rekeyed(rep.fiscal_year, rep.project_id, new_pid, len(ind_map))
                 for rep, new_pid, ind_map in moves)


def _rekey(conn: Connection,
           moves: Sequence[tuple[str, int | None, str, Mapping[str, str]]]) -> None:
    """Give the rows of each moved project-year ``(project id, year, new project id,
    {old indicator id: new})`` their new ids, in every fact table and ``project_alias``: for
    each table, the moved rows with their new ids are copied aside, then all moved rows are
    deleted, then the copies inserted (no transient key clash when ids swap or chain); a few
    statements per table, however many project-years move."""
    import pyarrow as pa

    projects = pa.table({
        "old_pid": pa.array([m[0] for m in moves], pa.string()),
        "year": pa.array([m[1] for m in moves], pa.int32()),
        "new_pid": pa.array([m[2] for m in moves], pa.string())})
    indicators = [(pid, year, old, new) for pid, year, _, ind in moves for old, new in ind.items()]
    indicator_moves = pa.table({
        "old_pid": pa.array([m[0] for m in indicators], pa.string()),
        "year": pa.array([m[1] for m in indicators], pa.int32()),
        "old_iid": pa.array([m[2] for m in indicators], pa.string()),
        "new_iid": pa.array([m[3] for m in indicators], pa.string())})
    raw = conn.connection.driver_connection
    raw.complete()  # (see _insert_rows)
    raw.register("_jixiao_project_moves", projects)
    raw.register("_jixiao_indicator_moves", indicator_moves)
    tables = (*FACT_TABLES, project_alias)
    try:
        for t in tables:
            names = [c.name for c in t.columns]
            values = ", ".join(
                "m.new_pid" if n == "project_id"
                else "coalesce(i.new_iid, t.indicator_id)" if n == "indicator_id"
                else f't."{n}"' for n in names)
            join = (" LEFT JOIN _jixiao_indicator_moves AS i ON i.old_pid = t.project_id"
                    " AND i.year = t.fiscal_year"
                    " AND i.old_iid = t.indicator_id") if "indicator_id" in names else ""
            raw.execute(f"CREATE TEMP TABLE _jixiao_moved_{t.name} AS SELECT {values} "
                        f"FROM {t.name} AS t JOIN _jixiao_project_moves AS m "
                        "ON m.old_pid = t.project_id "
                        f"AND m.year = t.fiscal_year{join}")
        for t in tables:
            raw.execute(f"DELETE FROM {t.name} AS t USING _jixiao_project_moves AS m "
                        "WHERE m.old_pid = t.project_id "
                        "AND m.year = t.fiscal_year")
        for t in tables:
            names = ", ".join(f'"{c.name}"' for c in t.columns)
            raw.execute(f"INSERT INTO {t.name} ({names}) "
                        f"SELECT * FROM _jixiao_moved_{t.name}")
    finally:
        for t in tables:
            raw.execute(f"DROP TABLE IF EXISTS _jixiao_moved_{t.name}")
        raw.unregister("_jixiao_project_moves")
        raw.unregister("_jixiao_indicator_moves")


# --------------------------------------------------------------------------------------------
# dimensions (derived from the facts)
# --------------------------------------------------------------------------------------------

def _refresh_sql(scope: str) -> tuple[str, ...]:
    """The statements deriving the dimensions from the facts, for the rows where ``scope`` (a
    condition on ``project_id``) holds; every window partitions by project or by indicator (an
    indicator id belongs to one project), so a scoped refresh equals the full one there."""
    return (
        # projects: latest year's name, departments; first and last year
        f"""
        INSERT INTO dim_project (project_id, project_name, department_id, implementing_unit_id,
                                 first_year, last_year)
        SELECT project_id, reported_name, department_id, implementing_unit_id, first_year,
               last_year
        FROM (
            SELECT a.*,
                   min(fiscal_year) OVER (PARTITION BY project_id) AS first_year,
                   max(fiscal_year) OVER (PARTITION BY project_id) AS last_year,
                   row_number() OVER (PARTITION BY project_id
                                      ORDER BY fiscal_year DESC, reported_name DESC) AS rn
            FROM project_alias AS a WHERE {scope}
        ) WHERE rn = 1
        ON CONFLICT (project_id) DO UPDATE SET
            project_name = excluded.project_name, department_id = excluded.department_id,
            implementing_unit_id = excluded.implementing_unit_id,
            first_year = excluded.first_year, last_year = excluded.last_year
        """,
        f"DELETE FROM dim_project WHERE {scope} AND project_id NOT IN "
        f"(SELECT project_id FROM project_alias WHERE {scope})",
        # indicators: latest year's labels
        f"""
        INSERT INTO dim_indicator (indicator_id, project_id, level1, level2, name,
                                   first_year, last_year)
        SELECT indicator_id, project_id, reported_level1, reported_level2, reported_name,
               first_year, last_year
        FROM (
            SELECT r.indicator_id, r.project_id, r.reported_level1, r.reported_level2,
                   r.reported_name,
                   min(fiscal_year) OVER (PARTITION BY indicator_id) AS first_year,
                   max(fiscal_year) OVER (PARTITION BY indicator_id) AS last_year,
                   row_number() OVER (PARTITION BY indicator_id
                                      ORDER BY fiscal_year DESC, position) AS rn
            FROM fact_indicator_result AS r WHERE {scope}
        ) WHERE rn = 1
        ON CONFLICT (indicator_id) DO UPDATE SET
            project_id = excluded.project_id, level1 = excluded.level1,
            level2 = excluded.level2, name = excluded.name,
            first_year = excluded.first_year, last_year = excluded.last_year
        """,
        f"DELETE FROM dim_indicator WHERE {scope} AND indicator_id NOT IN "
        f"(SELECT indicator_id FROM fact_indicator_result WHERE {scope})",
        # years with facts
        """
        INSERT INTO dim_fiscal_year (fiscal_year, label)
        SELECT DISTINCT fiscal_year, CAST(fiscal_year AS VARCHAR) || '年度'
        FROM fact_project_evaluation
        ON CONFLICT (fiscal_year) DO NOTHING
        """,
        "DELETE FROM dim_fiscal_year WHERE fiscal_year NOT IN "
        "(SELECT fiscal_year FROM fact_project_evaluation)",
    )


_REFRESH_SQL = _refresh_sql("TRUE")
_REFRESH_SCOPED_SQL = _refresh_sql("project_id IN (SELECT project_id FROM _refresh_scope)")


def refresh_dimensions(conn: Connection, project_ids: Iterable[str] | None = None) -> None:
    """Projects, indicators and years derived again from the facts (after a run's loads made
    with ``refresh=False``); only the given projects' (those the run loaded, re-keyed or
    superseded) when ``project_ids`` is given: a run's cost does not grow with the
    warehouse."""
    if project_ids is None:
        _refresh_dimensions(conn)
        return
    ids = sorted(set(project_ids))
    conn.exec_driver_sql("CREATE OR REPLACE TEMP TABLE _refresh_scope (project_id VARCHAR)")
    if ids:
        conn.execute(text("INSERT INTO _refresh_scope VALUES (:p)"), [{"p": i} for i in ids])
    for sql in _REFRESH_SCOPED_SQL:
        conn.execute(text(sql))
    conn.exec_driver_sql("DROP TABLE _refresh_scope")


def _refresh_dimensions(conn: Connection) -> None:
    """dim_project, dim_indicator and dim_fiscal_year from the facts (order-independent)."""
    for sql in _REFRESH_SQL:
        conn.execute(text(sql))


def _upsert_departments(conn: Connection, departments: Iterable[DimDepartment]) -> None:
    known = set(conn.execute(select(dim_department.c.department_id)).scalars())
    new = {d.department_id: d for d in departments if d.department_id not in known}
    if new:
        conn.execute(insert(dim_department), [_row(dim_department, d) for d in new.values()])


# --------------------------------------------------------------------------------------------
# supersession
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# the load
# --------------------------------------------------------------------------------------------

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


def _insert_facts(conn: Connection, reports: Sequence[TransformedReport],
                  statuses: dict[int, str]) -> int:
    """The reports' alias, funding, indicator and evaluation rows, one statement per table;
    returns the indicators inserted."""
    rows: dict[Table, list[dict[str, object]]] = defaultdict(list)
    _fact_rows(reports, statuses, rows)
    for table in FACT_ORDER:
        _insert_rows(conn, table, rows[table])
    return len(rows[fact_indicator_result])


#: the order fact rows are written in
FACT_ORDER = (project_alias, fact_project_funding, fact_indicator_result,
              fact_project_evaluation, fact_cell_source)


def _fact_rows(reports: Sequence[TransformedReport], statuses: dict[int, str],
               rows: dict[Table, list[dict[str, object]]]) -> None:
    """Add the reports' fact rows to ``rows`` (by table)."""
    for report in reports:
        if report.alias is not None:
            rows[project_alias].append(_row(
                project_alias, report.alias,
                department_id=report.project.department_id,
                implementing_unit_id=report.project.implementing_unit_id,
                document_id=report.evaluation.document_id,
                page=report.pages[0] if report.pages else None))
        rows[fact_project_funding] += [_row(fact_project_funding, f) for f in report.funding]
        rows[fact_indicator_result] += [
            _row(fact_indicator_result, x, reported_level1=dim.level1,
                 reported_level2=dim.level2, reported_name=dim.name)
            for x, dim in zip(report.results, report.indicators, strict=True)]
        ev: FactProjectEvaluation = report.evaluation
        rows[fact_project_evaluation].append(
            _row(fact_project_evaluation, ev, dq_status=statuses[id(report)]))
        rows[fact_cell_source] += [_row(fact_cell_source, x) for x in report.sources]


def _stored(conn: Connection, tdoc: TransformedDocument) -> set[tuple[str, int]]:
    """The document's project-years that another document's facts hold (most reports of a
    night are new, and need no version check)."""
    return held_project_years(conn, {r.project_id for r in tdoc.reports},
                              but=tdoc.document_id)


def held_project_years(conn: Connection, project_ids: Iterable[str], *, but: str | None = None
                       ) -> set[tuple[str, int]]:
    """The (project id, year) pairs of these projects that loaded facts hold (one query per
    table), leaving out the document ``but``."""
    pids = sorted(set(project_ids))
    if not pids:
        return set()
    out = set()
    for t in (fact_project_evaluation, project_alias):
        cond = t.c.project_id.in_(pids)
        if but is not None:
            cond = cond & (t.c.document_id != but)
        out |= {(r.project_id, r.fiscal_year) for r in conn.execute(
            select(t.c.project_id, t.c.fiscal_year).distinct().where(cond))}
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


@dataclass(frozen=True)
class NewDocument:
    """A checked document to load (see :func:`load_new_documents`)."""

    src: SourceFile
    tdoc: TransformedDocument
    findings: tuple[Finding, ...] = ()  # the caller's (Great Expectations, completeness …)
    page_count: int | None = None


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
    ids = [d.tdoc.document_id for d in docs]
    recorded = conn.execute(select(source_document.c.document_id).where(
        source_document.c.document_id.in_(ids)
        | source_document.c.sha256.in_([d.src.sha256 for d in docs]))).first()
    why = (f"project-years {sorted(held)[:3]} are held by loaded documents" if held
           else f"document {recorded.document_id} is recorded" if recorded is not None
           else "two documents hold one project-year" if len(set(pairs)) < len(pairs)
           else "two documents have one id" if len(set(ids)) < len(ids) else None)
    if why:
        raise LoadError(f"load_new_documents: {why}; load such documents with load_document")
    started = conn.execute(select(ingest_run.c.started_at)
                           .where(ingest_run.c.run_id == run_id)).scalar()
    at = _now()
    rows: dict[Table, list[dict[str, object]]] = defaultdict(list)
    departments: dict[str, DimDepartment] = {}
    out = [_new_document(run_id, d, at, started, rows, departments) for d in docs]
    _upsert_departments(conn, departments.values())
    for table in (source_document, *FACT_ORDER, dq_issue):
        _insert_rows(conn, table, rows[table])
    return out


def _new_document(run_id: str, d: NewDocument, at: datetime, started: datetime | None,
                  rows: dict[Table, list[dict[str, object]]],
                  departments: dict[str, DimDepartment]) -> LoadResult:
    """The rows of one new document that meets no other version (added to ``rows``)."""
    tdoc, src, doc_id = d.tdoc, d.src, d.tdoc.document_id
    found, errors = _findings_of(tdoc, d.findings)
    issues = [_issue_row(run_id, doc_id, src.file_name, f, at) for f in found]
    values = dict(pages=d.page_count, fiscal_year=tdoc.fiscal_year, reports=len(tdoc.reports),
                  rule_set=tdoc.rule_set, pdf_date=tdoc.pdf_date)
    applied = [] if errors else [r for r in tdoc.reports if not _kept_out(r)]
    if not errors:  # (as load_document: a document whose reports were all kept out too)
        departments.update((x.department_id, x) for x in tdoc.departments)
    if errors:
        status, more = "quarantined", {"error_code": errors[0].check_code,
                                       "reason": _quarantine_reason(errors)}
    elif not applied:
        status, more = "quarantined", _nothing_applied(found)
    else:
        status, more = "loaded", {}
        _fact_rows(applied, _statuses(tdoc, d.findings)[1], rows)
    rows[source_document].append(_document_row(doc_id, src, run_id, status=status, at=at,
                                               started=started, **values, **more))
    rows[dq_issue] += issues
    return LoadResult(status=status, document_id=doc_id, reports_loaded=len(applied),
                      indicators_loaded=sum(len(r.results) for r in applied),
                      issues=len(issues), findings=tuple(found))


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

    at = _now()
    all_findings, errors = _findings_of(tdoc, extra)
    for f in all_findings:  # validate before writing anything
        _issue_row(run_id, doc_id, src.file_name, f, at)

    if errors:
        _insert_document(conn, doc_id, src, run_id, status="quarantined", at=at,
                         pages=page_count, fiscal_year=tdoc.fiscal_year,
                         reports=len(tdoc.reports), error_code=errors[0].check_code,
                         reason=_quarantine_reason(errors), rule_set=tdoc.rule_set,
                         pdf_date=tdoc.pdf_date)
        n = _write_issues(conn, run_id, doc_id, src.file_name, all_findings, at)
        return LoadResult(status="quarantined", document_id=doc_id, issues=n,
                          findings=tuple(all_findings))

    _insert_document(conn, doc_id, src, run_id, status="loaded", at=at, pages=page_count,
                     fiscal_year=tdoc.fiscal_year, reports=len(tdoc.reports),
                     rule_set=tdoc.rule_set, pdf_date=tdoc.pdf_date)
    rekeyed = apply_identity(conn, identity) if identity is not None else ()

    # a version with rule warnings does not replace a clean one (see _keeps_clean_version)
    warnings, statuses = _statuses(tdoc, extra)
    applied, older_than = [], []
    stored = _stored(conn, tdoc)
    compared = tuple(sorted({r.project_id for r in tdoc.reports
                             if (r.project_id, r.fiscal_year) in stored}))
    for report in tdoc.reports:
        if _kept_out(report):
            continue
        if (report.project_id, report.fiscal_year) not in stored:
            applied.append(report)  # no other version: nothing to compare or supersede
            continue
        kept = _keeps_clean_version(conn, report, tdoc, statuses[id(report)], warnings[id(report)])
        if kept is None:
            newer, said, other = _later_version(conn, report, tdoc, src, statuses[id(report)])
            all_findings.extend(said)
            if newer:
                applied.append(report)
            else:
                older_than.append(other)
        else:
            all_findings.append(kept)

    superseded: list[Superseded] = []
    for report in applied:
        if (report.project_id, report.fiscal_year) not in stored:
            continue
        got = _supersede(conn, report, tdoc)
        if got is not None:
            superseded.append(got[0])
            all_findings.extend(got[1])

    _upsert_departments(conn, tdoc.departments)
    indicators = _insert_facts(conn, applied, statuses)
    if refresh:
        _refresh_dimensions(conn)
    if not applied and older_than and len(older_than) == len(tdoc.reports):
        # every report has a later version in the warehouse: this one is superseded
        n = _write_issues(conn, run_id, doc_id, src.file_name, all_findings, at)
        conn.execute(update(source_document).where(source_document.c.document_id == doc_id)
                     .values(status="superseded", superseded_by=sorted(older_than)[0]))
        return LoadResult(status="superseded", document_id=doc_id, issues=n,
                          findings=tuple(all_findings), rekeyed=rekeyed,
                          compared=compared)
    if not applied:  # every report kept out: the document holds no facts
        conn.execute(update(source_document).where(source_document.c.document_id == doc_id)
                     .values(status="quarantined", **_nothing_applied(all_findings)))
        n = _write_issues(conn, run_id, doc_id, src.file_name, all_findings, at)
        return LoadResult(status="quarantined", document_id=doc_id, issues=n,
                          findings=tuple(all_findings), rekeyed=rekeyed,
                          compared=compared)

    gone = []
    for old in sorted({s.old_document_id for s in superseded}):
        left = sum(conn.execute(select(func.count()).select_from(t)
                                .where(t.c.document_id == old)).scalar() or 0
                   for t in (*FACT_TABLES, project_alias))
        if left == 0:
            conn.execute(update(source_document)
                         .where((source_document.c.document_id == old)
                                & (source_document.c.status == "loaded"))
                         .values(status="superseded", superseded_by=doc_id,
                                 status_changed_at=at))
            gone.append(old)

    n = _write_issues(conn, run_id, doc_id, src.file_name, all_findings, at)
    return LoadResult(status="loaded", document_id=doc_id, reports_loaded=len(applied),
                      indicators_loaded=indicators, superseded=tuple(superseded),
                      superseded_documents=tuple(gone), issues=n,
                      findings=tuple(all_findings), rekeyed=rekeyed,
                      compared=compared)


__all__ = [
    "LoadError",
    "LoadResult",
    "NewDocument",
    "Rekeyed",
    "Seen",
    "SeenKind",
    "SourceFile",
    "Superseded",
    "apply_identity",
    "classify",
    "classify_all",
    "drop_document",
    "forget_document",
    "held_project_years",
    "known_files",
    "known_projects",
    "load_document",
    "load_new_documents",
    "record_duplicate",
    "record_failed",
    "refresh_dimensions",
    "reports_to_load",
]
