"""The published warehouse and the ingest's working copy: readers are never refused.

DuckDB lets one process write a database file or many read it, never both. So the nightly
ingest does not write the file readers open:

* ``warehouse/jixiao.duckdb`` (``JIXIAO_DB``) is the **published** warehouse. Every reader opens
  it read-only: ``jixiao sql``/``export``/``issues``/``status``, the web view, an analyst's
  DuckDB shell or BI tool. Nothing writes it in place.
* ``warehouse/jixiao.duckdb.work`` is the ingest's **working copy**, written only while the
  ingest holds the writer lock (``<db>.ingest-lock``, see :func:`load.engine.writer_lock`). It
  survives a killed run, so the next run goes on from exactly what the killed one committed
  (each document is one transaction).
* :func:`publish` checkpoints the working copy, copies it beside the published file and
  renames the copy over it (``rename(2)`` is atomic on one file system). A reader that opens
  the path gets either the old or the new warehouse, whole; a reader holding the old file open
  keeps reading it undisturbed (its inode lives until it closes) and sees the new one when it
  opens again. The ingest publishes after recording its start and at its end.

The working copy is made from the published file when it is missing (the first run of a
warehouse written before this scheme, or after an operator deleted it): restoring a backup
means putting it at the published path and deleting the ``.work`` file.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

#: suffix of the working copy beside the published warehouse
WORK_SUFFIX = ".work"


def work_path(db: str | Path) -> Path:
    """The working copy of the published warehouse ``db``."""
    return Path(f"{db}{WORK_SUFFIX}")


def _wal(path: Path) -> Path:
    return Path(f"{path}.wal")


def checkpoint(path: Path, *, wait: float = 30.0) -> None:
    """Fold a pending write-ahead log into ``path`` (nothing to do without one). Retries while
    another process holds the file (a reader of a warehouse from before this scheme)."""
    if not _wal(path).exists():
        return
    import duckdb

    deadline = time.monotonic() + wait
    while True:
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(src: Path, dst: Path) -> None:
    """``src`` to ``dst`` via a temporary file in ``dst``'s folder, renamed over ``dst``."""
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(src, tmp)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(dst.parent)


def working_copy(db: str | Path) -> Path:
    """The working copy of ``db``, made from the published warehouse if it is missing (an
    empty path when there is neither: the ingest creates the schema). Call it only while
    holding the writer lock."""
    db = Path(db)
    work = work_path(db)
    if not work.exists():
        _wal(work).unlink(missing_ok=True)  # a log without its database cannot be replayed
        if db.exists():
            checkpoint(db)  # a warehouse written in place before this scheme
            _copy(db, work)
    return work


def publish(work: str | Path, db: str | Path) -> None:
    """Make the working copy the published warehouse (atomically; see the module docstring).
    Every writing engine on ``work`` must be disposed of. Call it only while holding the
    writer lock."""
    work, db = Path(work), Path(db)
    checkpoint(work)
    _copy(work, db)
    _wal(db).unlink(missing_ok=True)  # none is written in the new scheme; a stale one would
    # make the published file's readers replay a log of another state
