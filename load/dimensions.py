"""Dimensions, derived from the facts (latest year's names), so the warehouse holds the same rows
whatever order the documents arrived in."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    Connection,
    insert,
    select,
    text,
)

from load.rows import _row
from transform.rows import (
    DimDepartment,
)
from warehouse.schema import (
    dim_department,
)


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
