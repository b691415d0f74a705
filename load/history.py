"""The history of documents: which files the warehouse has seen (new / seen / duplicate), the
``source_document`` records of files failed, duplicated, dropped or forgotten, and the
``dq_issue`` rows of their findings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from importlib.metadata import version as _version
from pathlib import Path

from sqlalchemy import (
    Connection,
    delete,
    func,
    insert,
    select,
)

from load.checks import LOAD_CHECKS
from load.records import LoadError, Seen, SeenKind, SourceFile
from load.rows import _insert_rows, _now, _short_hash
from transform.rows import (
    SEVERITIES,
    Finding,
)
from warehouse.schema import (
    FACT_TABLES,
    dq_issue,
    ingest_run,
    project_alias,
    source_document,
)

#: the program that reads the files, recorded on each (``source_document.reader_version``)
READER_VERSION = f"jixiao {_version('jixiao')}"


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


def run_started(conn: Connection, run_id: str) -> datetime | None:
    """When the run started (the first-seen time of the files it sees for the first time)."""
    return conn.execute(select(ingest_run.c.started_at)
                        .where(ingest_run.c.run_id == run_id)).scalar()


def _insert_document(conn: Connection, document_id: str, src: SourceFile, run_id: str, *,
                     status: str, at: datetime, **values: object) -> None:
    conn.execute(insert(source_document).values(
        _document_row(document_id, src, run_id, status=status, at=at,
                      started=run_started(conn, run_id), **values)))


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
