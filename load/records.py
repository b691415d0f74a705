"""Records the load passes around: a file as found, what a file is to the warehouse (new, seen,
a duplicate), what a load did."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from transform.rows import (
    Finding,
    TransformedDocument,
)


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


@dataclass(frozen=True)
class NewDocument:
    """A checked document to load (see :func:`load_new_documents`)."""

    src: SourceFile
    tdoc: TransformedDocument
    findings: tuple[Finding, ...] = ()  # the caller's (Great Expectations, completeness …)
    page_count: int | None = None
