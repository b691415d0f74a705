"""load: typed rows of :mod:`transform` → the DuckDB warehouse (writes only).

Imports :mod:`warehouse.schema` and the row types of :mod:`transform`, nothing of ``flows``.
Public API::

    from load import make_engine, init_db, writer, reader            # engines (load.engine)
    from load import SourceFile, classify, load_document, ...         # documents (load.documents)
    from load import start_run, finish_run, RunCounts, AlertRecord    # run records (load.runs)

One document = one transaction (:func:`load_document`); see :mod:`load.documents` for the
rules (quarantine, supersession, identity re-keying, idempotence). By concern:
:mod:`load.records` (the records passed around), :mod:`load.history` (files seen, document
records, findings), :mod:`load.rekey` (identity re-keying), :mod:`load.versions` (which version
of a project-year keeps the facts), :mod:`load.facts` (fact rows), :mod:`load.dimensions`
(derived from the facts), :mod:`load.rows` (rows written in few statements).
"""

from load.checks import LOAD_CHECKS, error_code_of
from load.dimensions import refresh_dimensions
from load.documents import load_document, load_new_documents, load_versions, reports_to_load
from load.engine import (
    WarehouseError,
    WriterBusy,
    check_warehouse,
    ingest_running,
    init_db,
    is_lock_conflict,
    make_engine,
    read,
    reader,
    writer,
    writer_lock,
)
from load.facts import held_project_years
from load.history import (
    classify,
    classify_all,
    drop_document,
    forget_document,
    known_files,
    record_duplicate,
    record_failed,
)
from load.records import (
    LoadError,
    LoadResult,
    NewDocument,
    Rekeyed,
    Seen,
    SeenKind,
    SourceFile,
    Superseded,
)
from load.rekey import apply_identity, known_projects
from load.runs import (
    AlertRecord,
    RecordedFile,
    RunCounts,
    RunRecord,
    close_interrupted,
    finish_run,
    record_alert,
    run_record,
    start_run,
)

__all__ = [
    "LOAD_CHECKS",
    "AlertRecord",
    "LoadError",
    "LoadResult",
    "NewDocument",
    "RecordedFile",
    "Rekeyed",
    "RunCounts",
    "RunRecord",
    "Seen",
    "SeenKind",
    "SourceFile",
    "Superseded",
    "WarehouseError",
    "WriterBusy",
    "apply_identity",
    "check_warehouse",
    "classify",
    "classify_all",
    "close_interrupted",
    "drop_document",
    "error_code_of",
    "finish_run",
    "forget_document",
    "held_project_years",
    "ingest_running",
    "init_db",
    "is_lock_conflict",
    "known_files",
    "known_projects",
    "load_document",
    "load_new_documents",
    "load_versions",
    "make_engine",
    "read",
    "reader",
    "record_alert",
    "record_duplicate",
    "record_failed",
    "refresh_dimensions",
    "reports_to_load",
    "run_record",
    "start_run",
    "writer",
    "writer_lock",
]
