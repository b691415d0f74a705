"""The SQL files of the warehouse: the views (``warehouse/views/*.sql``) and the documented
queries (``warehouse/queries/*.sql``), each headed by ``--`` comment lines.

Kept apart from :mod:`warehouse.schema` (which imports SQLAlchemy) so that the command line can
list the views in its ``--help`` without slowing every command's start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
VIEWS_DIR = HERE / "views"
QUERIES_DIR = HERE / "queries"


@dataclass(frozen=True, slots=True)
class SqlFile:
    """One ``.sql`` file of views/ or queries/: name (file stem), header comment, statement."""

    name: str
    path: Path
    header: str  # the leading ``--`` comment lines, without ``--``
    sql: str  # the whole file

    @property
    def title(self) -> str:
        """The first header line."""
        return self.header.splitlines()[0] if self.header else self.name


def sql_header(sql: str) -> str:
    """The leading ``--`` comment lines of a SQL text, without the ``--``."""
    lines = []
    for line in sql.splitlines():
        s = line.strip()
        if not s.startswith("--"):
            break
        lines.append(s[2:].strip())
    return "\n".join(lines).strip()


def _sql_files(folder: Path) -> tuple[SqlFile, ...]:
    out = []
    for p in sorted(folder.glob("*.sql")):
        sql = p.read_text(encoding="utf-8")
        out.append(SqlFile(p.stem, p, sql_header(sql), sql))
    return tuple(out)


def view_files() -> tuple[SqlFile, ...]:
    """Every view of ``warehouse/views``, in an order where a view comes after those it uses."""
    files = {f.name: f for f in _sql_files(VIEWS_DIR)}
    order: list[str] = []

    def visit(name: str, stack: tuple[str, ...] = ()) -> None:
        if name in order:
            return
        if name in stack:
            raise ValueError(f"views: cycle {' → '.join((*stack, name))}")
        body = re.sub(r"--[^\n]*", "", files[name].sql)  # names in comments are no use
        for other in sorted(files):
            if other != name and re.search(rf"\b{re.escape(other)}\b", body):
                visit(other, (*stack, name))
        order.append(name)

    for name in sorted(files):
        visit(name)
    return tuple(files[n] for n in order)


def query_files() -> tuple[SqlFile, ...]:
    """Every documented query of ``warehouse/queries``, by file name."""
    return _sql_files(QUERIES_DIR)
