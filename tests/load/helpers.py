"""Helpers of the load tests: push a RawDocument through identity → transform → load, and
snapshot the warehouse for comparisons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from extract.records import RawDocument, RawReport
from load import LoadResult, SourceFile, known_projects, load_document
from transform import transform_document
from transform.identity import Override, observations, resolve_identity
from transform.rows import Finding
from warehouse.schema import metadata

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
MALFORMED = CORPUS / "malformed"
YEARS = (2022, 2023, 2024)

#: columns that differ between two builds of the same documents (clock and run)
VOLATILE = {"ingested_at", "first_seen_at", "status_changed_at", "detected_at", "started_at", "finished_at",
            "run_id", "issue_id"}


def corpus_pdf(year: int) -> Path:
    return CORPUS / f"minhang-zonggonghui-{year}.pdf"


def source_of(raw: RawDocument) -> SourceFile:
    return SourceFile(path=raw.path, file_name=raw.file, sha256=raw.sha256, bytes=raw.bytes)


def ingest(engine: Engine, run_id: str, raw: RawDocument, *, extra: Sequence[Finding] = (),
           overrides: Iterable[Override] = ()) -> LoadResult:
    """What the ingest flow does with one readable file: identity over every known name and the
    new document, transform, load in one transaction."""
    with engine.connect() as conn:
        known = known_projects(conn)
    identity = resolve_identity([*known, *observations([raw])], tuple(overrides))
    tdoc = transform_document(raw, identity=identity)
    return load_document(engine, run_id, source_of(raw), tdoc, extra, raw.page_count,
                         identity=identity)


def as_new_file(raw: RawDocument, name: str) -> RawDocument:
    """The same content as another file (new path, new fake sha256)."""
    import hashlib

    sha = hashlib.sha256(name.encode()).hexdigest()
    return replace(raw, file=name, path=f"/inbox/{name}", sha256=sha)


def rename(raw: RawDocument, old: str, new: str, *, indicator: tuple[str, str] | None = None
           ) -> RawDocument:
    """A copy of ``raw`` whose project ``old`` is printed as ``new`` (and one indicator renamed)."""
    reports: list[RawReport] = []
    for r in raw.reports:
        if r.project_name != old:
            reports.append(r)
            continue
        inds = r.indicators
        if indicator:
            inds = tuple(replace(i, level3=indicator[1]) if i.level3 == indicator[0] else i
                         for i in inds)
        reports.append(replace(r, project_name=new, indicators=inds))
    return replace(raw, reports=tuple(reports))


def snapshot(conn: Connection, *, exclude: Iterable[str] = ("ingest_run",)
             ) -> dict[str, list[tuple]]:
    """Every table's rows (volatile columns left out), sorted: equal snapshots = same rows and
    values."""
    out = {}
    for t in metadata.tables.values():
        if t.name in exclude:
            continue
        cols = [c.name for c in t.columns if c.name not in VOLATILE]
        rows = conn.execute(text(f"SELECT {', '.join(cols)} FROM {t.name}")).all()
        out[t.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def scalar(conn: Connection, sql: str, **params) -> object:
    return conn.execute(text(sql), params).scalar()


def rows(conn: Connection, sql: str, **params) -> list:
    return conn.execute(text(sql), params).all()
