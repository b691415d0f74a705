"""The ``ingest_run`` record: one row per flow run, written at its start and at its end.

A row without ``finished_at`` is a run still going, or one that was killed; ``jixiao status``
shows it as unfinished. The end writes the counts, the state (``completed`` or
``completed_with_problems``) and what became of the run's alert, so an alert that could not be
delivered is on record even though its message never arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from warehouse.schema import ALERT_STATUSES, RUN_COUNTS, RUN_STATES, ingest_run


@dataclass(frozen=True, slots=True)
class RunCounts:
    """The counters of one ``ingest_run`` row."""

    files_seen: int = 0
    files_new: int = 0
    loaded: int = 0
    quarantined: int = 0
    failed: int = 0
    duplicate: int = 0
    superseded: int = 0
    reports_loaded: int = 0
    indicators_loaded: int = 0
    issues_new: int = 0
    alerts_sent: int = 0
    reports_missing: int = 0

    @property
    def state(self) -> str:
        """``completed_with_problems`` when a file failed or was quarantined or a report could
        not be read, else ``completed``."""
        problems = self.failed or self.quarantined or self.reports_missing
        return "completed_with_problems" if problems else "completed"


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """What became of the run's alert (``ingest_run.alert_status`` / ``alert_detail``)."""

    status: str  # one of ALERT_STATUSES
    detail: str | None = None

    def __post_init__(self) -> None:
        if self.status not in ALERT_STATUSES:
            raise ValueError(f"alert status {self.status!r} is not one of {ALERT_STATUSES}")


def start_run(conn: Connection, run_id: str, *, started_at: datetime | None = None) -> None:
    """Record the start of an ingest run (nothing happens if the run is already recorded)."""
    exists = conn.execute(select(ingest_run.c.run_id)
                          .where(ingest_run.c.run_id == run_id)).first()
    if exists is None:
        conn.execute(insert(ingest_run).values(run_id=run_id, state="running",
                                               started_at=started_at or datetime.now(UTC)))


def close_interrupted(conn: Connection) -> list[str]:
    """Runs recorded as started but never finished, marked ``interrupted``; their ids. Call it
    only while holding the writer lock (no other run is alive then)."""
    ids = [r for (r,) in conn.execute(select(ingest_run.c.run_id).where(
        ingest_run.c.finished_at.is_(None) & (ingest_run.c.state != "interrupted")))]
    if ids:
        conn.execute(update(ingest_run).where(ingest_run.c.run_id.in_(ids))
                     .values(state="interrupted"))
    return ids


def finish_run(conn: Connection, run_id: str, counts: RunCounts, *,
               alert: AlertRecord | None = None, finished_at: datetime | None = None) -> None:
    """Store the run's counts, state, alert and end time (the run is recorded if it was not)."""
    start_run(conn, run_id)
    values: dict[str, object] = {name: getattr(counts, name) for name in RUN_COUNTS}
    assert counts.state in RUN_STATES
    values.update(state=counts.state, finished_at=finished_at or datetime.now(UTC))
    if alert is not None:
        values.update(alert_status=alert.status, alert_detail=alert.detail)
    conn.execute(update(ingest_run).where(ingest_run.c.run_id == run_id).values(**values))
