"""Fact rows of a document's reports, and the project-years the warehouse already holds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import (
    Connection,
    Table,
    select,
    union,
)

from load.rows import _row
from transform.rows import (
    FactProjectEvaluation,
    TransformedReport,
)
from warehouse.schema import (
    fact_cell_source,
    fact_indicator_result,
    fact_project_evaluation,
    fact_project_funding,
    project_alias,
)

#: the order fact rows are written in
FACT_ORDER = (project_alias, fact_project_funding, fact_indicator_result,
              fact_project_evaluation, fact_cell_source)


def _fact_rows(reports: Sequence[TransformedReport], statuses: dict[int, str],
               rows: dict[Table, list[dict[str, object]]]) -> None:
    """Add the reports' fact rows to ``rows`` (by table)."""
    for report in reports:
        if report.alias is not None:
            rows[project_alias].append(_row(
                project_alias, report.alias,
                department_id=report.project.department_id,
                implementing_unit_id=report.project.implementing_unit_id,
                document_id=report.evaluation.document_id,
                page=report.pages[0] if report.pages else None))
        rows[fact_project_funding] += [_row(fact_project_funding, f) for f in report.funding]
        rows[fact_indicator_result] += [
            _row(fact_indicator_result, x, reported_level1=dim.level1,
                 reported_level2=dim.level2, reported_name=dim.name)
            for x, dim in zip(report.results, report.indicators, strict=True)]
        ev: FactProjectEvaluation = report.evaluation
        rows[fact_project_evaluation].append(
            _row(fact_project_evaluation, ev, dq_status=statuses[id(report)]))
        rows[fact_cell_source] += [_row(fact_cell_source, x) for x in report.sources]


def held_project_years(conn: Connection, project_ids: Iterable[str], *, but: str | None = None
                       ) -> set[tuple[str, int]]:
    """The (project id, year) pairs of these projects that loaded facts hold (one query),
    leaving out the document ``but``."""
    pids = sorted(set(project_ids))
    if not pids:
        return set()

    def of(t):
        cond = t.c.project_id.in_(pids)
        if but is not None:
            cond = cond & (t.c.document_id != but)
        return select(t.c.project_id, t.c.fiscal_year).where(cond)

    return {(r.project_id, r.fiscal_year) for r in conn.execute(
        union(of(fact_project_evaluation), of(project_alias)))}
