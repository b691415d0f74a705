"""SQLAlchemy engines on the DuckDB warehouse file.

DuckDB allows one writing process or many reading ones. SQLAlchemy's pool keeps a closed
connection open, and with it the file lock, until ``engine.dispose()``: use :func:`writer`
(a context manager that disposes) for loads, and ``make_engine(path, read_only=True)`` for
readers (``jixiao sql``, exports, tests of queries), which also cannot touch any other file
(:data:`READER_CONFIG`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine

from warehouse.schema import create_schema


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
    return create_engine(f"duckdb:///{target}", connect_args=connect_args)


def init_db(engine: Engine) -> None:
    """Create tables, the sequence, column comments and views (idempotent)."""
    with engine.begin() as conn:
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
