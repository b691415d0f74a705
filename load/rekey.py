"""Identity re-keying: the names the warehouse holds, and loaded rows moved to the ids an identity
map gives their printed names (a canonical name is the earliest year's: loading an older year
after a newer one can change ids)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    bindparam,
    select,
    text,
)

from load.dimensions import _refresh_dimensions
from load.records import LoadError, Rekeyed
from transform.identity import (
    IdentityMap,
    IndicatorSeen,
    ProjectSeen,
    department_key,
    indicator_keys,
    normalize_name,
)
from warehouse.schema import (
    FACT_TABLES,
    fact_project_evaluation,
    project_alias,
)


@dataclass(frozen=True, slots=True)
class _LoadedReport:
    """One loaded project-year as stored: its names and its indicator rows in order."""

    project_id: str
    fiscal_year: int
    names: tuple[str, ...]  # reported names (one, normally)
    department: str | None  # 主管部门 as stored (dim_department.name)
    indicators: tuple[tuple[str, str | None, str | None, str], ...]  # (id, l1, l2, name)


def _loaded_reports(conn: Connection, department_ids: Iterable[str] | None = None
                    ) -> list[_LoadedReport]:
    """Every loaded project-year with its names and indicators; only those of the given
    departments (``project_alias.department_id``) when ``department_ids`` is given (identity is
    resolved per department, so a run needs no other)."""
    where, params = "", {}
    if department_ids is not None:
        params = {"deps": sorted(set(department_ids))}
        if not params["deps"]:
            return []
        where = "WHERE a.department_id IN :deps"
    aliases = conn.execute(text(
        "SELECT a.project_id, a.fiscal_year, a.reported_name, d.name AS department "
        "FROM project_alias AS a LEFT JOIN dim_department AS d "
        f"ON d.department_id = a.department_id {where} "
        "ORDER BY a.fiscal_year, a.project_id, a.reported_name").bindparams(
            *_expanding(params)), params).all()
    indicators_of = ("" if not where else
                     "WHERE project_id IN (SELECT a.project_id FROM project_alias AS a "
                     f"{where}) ")
    inds: dict[tuple[str, int], list] = defaultdict(list)
    for r in conn.execute(text(
            "SELECT project_id, fiscal_year, indicator_id, reported_level1, reported_level2, "
            f"reported_name FROM fact_indicator_result {indicators_of}"
            "ORDER BY project_id, fiscal_year, position").bindparams(*_expanding(params)),
            params).all():
        inds[(r.project_id, r.fiscal_year)].append(
            (r.indicator_id, r.reported_level1, r.reported_level2, r.reported_name))
    groups: dict[tuple[str, int], list] = defaultdict(list)
    departments: dict[tuple[str, int], str | None] = {}
    for a in aliases:
        groups[(a.project_id, a.fiscal_year)].append(a.reported_name)
        departments.setdefault((a.project_id, a.fiscal_year), a.department)
    return [_LoadedReport(pid, year, tuple(names), departments[(pid, year)],
                          tuple(inds.get((pid, year), ())))
            for (pid, year), names in groups.items()]


def _expanding(params: dict) -> list:
    return [bindparam(k, expanding=True) for k in params]


def known_projects(conn: Connection, department_ids: Iterable[str] | None = None
                   ) -> list[ProjectSeen]:
    """Every (department, year, reported name) loaded, with that year's indicators in printed
    order: the input of :func:`transform.identity.resolve_identity` together with the new
    document's observations, so ids are resolved over all years. ``department_ids``: only
    those departments' (the departments of a run's documents: identity is per department)."""
    out = []
    for rep in _loaded_reports(conn, department_ids):
        for i, name in enumerate(rep.names):
            indicators = tuple(IndicatorSeen(l1, l2, n) for _, l1, l2, n in rep.indicators)
            out.append(ProjectSeen(fiscal_year=rep.fiscal_year, department=rep.department,
                                   name=name, indicators=indicators if i == 0 else ()))
    return out


def _resolved(identity: IdentityMap, department: str | None, name: str) -> str | None:
    """The project id of a name the identity map resolved, else None (leave it as it is)."""
    return identity.project_ids.get((department_key(department), normalize_name(name)))


def apply_identity(conn: Connection, identity: IdentityMap,
                   department_ids: Iterable[str] | None = None) -> tuple[Rekeyed, ...]:
    """Rewrite project and indicator ids of loaded rows where ``identity`` resolves their
    printed names to other ids (a canonical name is the earliest year's: loading an older year
    after a newer one can change ids). Names the map did not resolve are left alone; with
    ``department_ids`` (the departments ``identity`` was resolved for), only their rows are
    read. Dimensions are refreshed afterwards."""
    department_ids = None if department_ids is None else sorted(set(department_ids))
    moves: list[tuple[_LoadedReport, str, dict[str, str]]] = []
    for rep in _loaded_reports(conn, department_ids):
        new_pid = _resolved(identity, rep.department, rep.names[0])
        if new_pid is None:  # the map does not know this project: leave it as it is
            continue
        keys = indicator_keys(IndicatorSeen(l1, l2, n) for _, l1, l2, n in rep.indicators)
        ind_map = {}
        for (old_iid, *_), (l1, nkey) in zip(rep.indicators, keys, strict=True):
            if new_pid != rep.project_id:  # every indicator id derives from the project's
                new_iid = identity.indicator_id(new_pid, l1, nkey)
            else:
                new_iid = identity.indicator_ids.get((new_pid, l1, nkey), old_iid)
            if new_iid != old_iid:
                ind_map[old_iid] = new_iid
        if new_pid != rep.project_id or ind_map:
            moves.append((rep, new_pid, ind_map))
    if not moves:
        return ()
    targets: dict[tuple[str, int], _LoadedReport] = {}
    moved = {(rep.project_id, rep.fiscal_year) for rep, _, _ in moves}
    for rep, new_pid, _ in moves:
        key = (new_pid, rep.fiscal_year)
        other = targets.get(key)
        if other is None and key not in moved:
            stays = conn.execute(select(fact_project_evaluation.c.project_id).where(
                (fact_project_evaluation.c.project_id == new_pid)
                & (fact_project_evaluation.c.fiscal_year == rep.fiscal_year))).first()
            if stays is not None:
                other = next((r for r in _loaded_reports(conn, department_ids)
                              if (r.project_id, r.fiscal_year) == key), None)
        if other is not None:
            raise LoadError(
                f"identity: {rep.fiscal_year} reports 「{rep.names[0]}」 and "
                f"「{other.names[0] if other.names else new_pid}」 would both become project "
                f"{new_pid}; two reports of one year cannot be one project "
                "(check transform/identity_overrides.csv)")
        targets[key] = rep
    _rekey(conn, [(rep.project_id, rep.fiscal_year, new_pid, ind_map)
                  for rep, new_pid, ind_map in moves])
    _refresh_dimensions(conn)
    return tuple(Rekeyed(rep.fiscal_year, rep.project_id, new_pid, len(ind_map))
                 for rep, new_pid, ind_map in moves)


def _rekey(conn: Connection,
           moves: Sequence[tuple[str, int | None, str, Mapping[str, str]]]) -> None:
    """Give the rows of each moved project-year ``(project id, year, new project id,
    {old indicator id: new})`` their new ids, in every fact table and ``project_alias``: for
    each table, the moved rows with their new ids are copied aside, then all moved rows are
    deleted, then the copies inserted (no transient key clash when ids swap or chain); a few
    statements per table, however many project-years move."""
    import pyarrow as pa

    projects = pa.table({
        "old_pid": pa.array([m[0] for m in moves], pa.string()),
        "year": pa.array([m[1] for m in moves], pa.int32()),
        "new_pid": pa.array([m[2] for m in moves], pa.string())})
    indicators = [(pid, year, old, new) for pid, year, _, ind in moves for old, new in ind.items()]
    indicator_moves = pa.table({
        "old_pid": pa.array([m[0] for m in indicators], pa.string()),
        "year": pa.array([m[1] for m in indicators], pa.int32()),
        "old_iid": pa.array([m[2] for m in indicators], pa.string()),
        "new_iid": pa.array([m[3] for m in indicators], pa.string())})
    raw = conn.connection.driver_connection
    raw.complete()  # (see _insert_rows)
    raw.register("_jixiao_project_moves", projects)
    raw.register("_jixiao_indicator_moves", indicator_moves)
    tables = (*FACT_TABLES, project_alias)
    try:
        for t in tables:
            names = [c.name for c in t.columns]
            values = ", ".join(
                "m.new_pid" if n == "project_id"
                else "coalesce(i.new_iid, t.indicator_id)" if n == "indicator_id"
                else f't."{n}"' for n in names)
            join = (" LEFT JOIN _jixiao_indicator_moves AS i ON i.old_pid = t.project_id"
                    " AND i.year = t.fiscal_year"
                    " AND i.old_iid = t.indicator_id") if "indicator_id" in names else ""
            raw.execute(f"CREATE TEMP TABLE _jixiao_moved_{t.name} AS SELECT {values} "
                        f"FROM {t.name} AS t JOIN _jixiao_project_moves AS m "
                        "ON m.old_pid = t.project_id "
                        f"AND m.year = t.fiscal_year{join}")
        for t in tables:
            raw.execute(f"DELETE FROM {t.name} AS t USING _jixiao_project_moves AS m "
                        "WHERE m.old_pid = t.project_id "
                        "AND m.year = t.fiscal_year")
        for t in tables:
            names = ", ".join(f'"{c.name}"' for c in t.columns)
            raw.execute(f"INSERT INTO {t.name} ({names}) "
                        f"SELECT * FROM _jixiao_moved_{t.name}")
    finally:
        for t in tables:
            raw.execute(f"DROP TABLE IF EXISTS _jixiao_moved_{t.name}")
        raw.unregister("_jixiao_project_moves")
        raw.unregister("_jixiao_indicator_moves")
