"""Rows to tables: a record's row, and rows written in few statements (an Arrow table from
:data:`BULK_ROWS` rows on)."""

from __future__ import annotations

import functools
import hashlib
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    Connection,
    Table,
    insert,
)

from load.records import LoadError


def _now() -> datetime:
    return datetime.now(UTC)


def _short_hash(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()[:8]


def _row(table: Table, obj: object, **extra: object) -> dict[str, object]:
    """Column values of a row dataclass (every field must be a column of ``table``)."""
    names, values = _fields_of(table, type(obj))
    out = dict(zip(names, values(obj)))
    out.update(extra)
    return out


@functools.cache
def _fields_of(table: Table, cls: type) -> tuple[tuple[str, ...], Callable[[object], tuple]]:
    """A row class's field names, checked once against ``table``, and a getter of their values
    (a night makes a row of ~130,000 records: the check and ``fields()`` were most of it)."""
    names = tuple(f.name for f in fields(cls))
    for name in names:
        if name not in table.c:
            raise LoadError(f"{table.name}: no column for field {cls.__name__}.{name}")
    get = operator.attrgetter(*names)
    return names, (get if len(names) > 1 else lambda obj: (get(obj),))


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
    with registered(conn, view, frame) as raw:
        raw.execute(sql)


@contextmanager
def registered(conn: Connection, view: str, frame) -> Iterator:
    """The Arrow table ``frame`` readable as ``view`` by the statements run, on the DuckDB
    connection it yields, inside ``conn``'s transaction (unregistered after)."""
    raw = conn.connection.driver_connection
    # a result SQLAlchemy left unread (``.first()``, ``.scalar()``) is run to its end first:
    # DuckDB refuses to register a table while one is open ("unfinished result")
    raw.complete()
    raw.register(view, frame)
    try:
        yield raw
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
