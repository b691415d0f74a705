"""SQLAlchemy engines on the DuckDB warehouse file.

DuckDB allows one writing process or many reading ones (the ingest writes a working copy and
publishes it: :mod:`load.snapshot`). SQLAlchemy's pool keeps a closed
connection open, and with it the file lock, until ``engine.dispose()``: use :func:`writer`
(a context manager that disposes) for loads, and ``make_engine(path, read_only=True)`` for
readers (``jixiao sql``, exports, tests of queries), which also cannot touch any other file
(:data:`READER_CONFIG`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import DBAPIError

from warehouse.schema import create_schema, schema_is_current

#: every reader (``jixiao sql``, exports, issues, status): no file read or written outside the
#: warehouse (``COPY … TO``, ``EXPORT DATABASE``, ``read_csv``, ``read_text``, ``glob``,
#: ``ATTACH`` are refused), no extension installed or loaded, and the configuration locked so a
#: query cannot turn any of it back on
READER_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


#: how long a reader tries again while an ingest holds the file (seconds)
READER_WAIT = 30.0
T = TypeVar("T")


class WriterBusy(RuntimeError):
    """Another ingest kept the warehouse longer than this one would wait."""


@contextmanager
def writer_lock(path: str | Path, *, wait: float = 3600.0,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """One ingest at a time per warehouse: an exclusive ``flock`` on ``<warehouse>.ingest-lock``
    held for the whole run. A second ingest waits for it (``on_wait`` is told at once and then
    every minute) up to ``wait`` seconds, then raises :class:`WriterBusy`. The kernel releases
    the lock when its holder ends, however it ends (``kill -9`` included): no stale lock."""
    import fcntl

    lock = Path(f"{path}.ingest-lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a+") as fh:
        start = time.monotonic()
        told = None
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - start
                if waited >= wait:
                    raise WriterBusy(
                        f"warehouse {path}: another ingest has held it for more than "
                        f"{wait:.0f} s; this run stopped before reading any file (run it "
                        "again later, or look at `jixiao status`)") from None
                if on_wait is not None and (told is None or waited - told >= 60):
                    told = waited
                    on_wait(f"warehouse {path}: another ingest is running; waiting "
                            f"(at most {wait:.0f} s)")
                time.sleep(min(0.5, max(wait - waited, 0.01)))
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ingest_running(path: str | Path) -> bool:
    """Whether an ingest holds the writer lock of the warehouse ``path`` now."""
    import fcntl

    lock = Path(f"{path}.ingest-lock")
    if not lock.exists():
        return False
    with lock.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


class WarehouseError(ValueError):
    """The warehouse path cannot be used (the message says why and what to do)."""


def check_warehouse(path: str | Path, *, write: bool) -> None:
    """Refuse, before any file is read, a warehouse path that is a folder, a file that is not a
    DuckDB database, or (for a writer) one whose folder cannot be written."""
    p = Path(path)
    if p.is_dir():
        raise WarehouseError(f"warehouse {p}: is a folder, not a DuckDB file (set JIXIAO_DB or "
                             "--db to a file such as warehouse/jixiao.duckdb)")
    if p.exists():
        with p.open("rb") as f:
            head = f.read(16)
        if head and head[8:12] != b"DUCK":
            raise WarehouseError(f"warehouse {p}: is not a DuckDB database (another kind of "
                                 "file); point JIXIAO_DB or --db at the warehouse file")
        if write and not os.access(p, os.W_OK):
            raise WarehouseError(f"warehouse {p}: cannot be written (read-only file)")
    elif write:
        folder = p.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not os.access(folder, os.W_OK):
            raise WarehouseError(f"warehouse {p}: folder {folder} cannot be written")


def make_engine(path: str | Path, *, read_only: bool = False) -> Engine:
    """An engine on the DuckDB file ``path`` (``duckdb:///path``).

    Writers get the parent folder created; readers open the file read-only (a write through
    them fails with DuckDB's "attached in read-only mode" error). ``":memory:"`` is accepted.
    """
    target = str(path)
    if target != ":memory:":
        p = Path(path)
        if read_only:
            if not p.exists():
                raise FileNotFoundError(f"warehouse {p}: no such file (run `jixiao ingest` first)")
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
        target = str(p)
    connect_args = {"read_only": True, "config": dict(READER_CONFIG)} if read_only else {}
    engine = create_engine(f"duckdb:///{target}", connect_args=connect_args)
    # DuckDB binds and returns Python decimals exactly; duckdb-engine says it does not, so
    # SQLAlchemy went through float both ways: 706742517676.3603 was stored as …3604
    # (tests/load/test_insert_rows.py)
    engine.dialect.supports_native_decimal = True
    return engine


def init_db(engine: Engine) -> None:
    """Create tables, the sequence, column comments and views (idempotent), unless the last
    run recorded brought the warehouse to this very schema."""
    with engine.begin() as conn:
        if not schema_is_current(conn):
            create_schema(conn)


@contextmanager
def writer(path: str | Path, *, init: bool = True) -> Iterator[Engine]:
    """A writing engine on ``path`` (schema created unless ``init=False``), disposed on exit so
    the file lock is released for the next writer or readers."""
    engine = make_engine(path)
    try:
        if init:
            init_db(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def reader(path: str | Path) -> Iterator[Engine]:
    """A read-only engine on ``path``, disposed on exit."""
    engine = make_engine(path, read_only=True)
    try:
        yield engine
    finally:
        engine.dispose()


def is_lock_conflict(exc: BaseException) -> bool:
    """DuckDB's refusal while another process holds the file to write."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def read(path: str | Path, fn: Callable[[Connection], T], *, wait: float = READER_WAIT) -> T:
    """``fn(connection)`` on the warehouse opened read-only. The ingest never writes the
    published file (:mod:`load.snapshot`), so no reader of it is refused; a refusal can only
    come from another program writing it (or a warehouse written in place by jixiao before
    0.2.0): it is tried again every 0.2 s for up to ``wait`` seconds before it stands."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with reader(path) as engine, engine.connect() as conn:
                return fn(conn)
        except DBAPIError as exc:
            if not is_lock_conflict(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.2)
