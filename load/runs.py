"""The ``ingest_run`` record: one row per flow run, written at its start and at its end.

A row without ``finished_at`` is a run still going, or one that was killed; ``jixiao status``
shows it as unfinished. The end writes the counts, the state (``completed`` or
``completed_with_problems``) and what became of the run's alert, so an alert that could not be
delivered is on record even though its message never arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, select, update

from transform.rows import Finding
from warehouse.schema import (
    ALERT_STATUSES,
    RUN_COUNTS,
    RUN_STATES,
    dq_issue,
    fact_indicator_result,
    fact_project_evaluation,
    ingest_run,
    schema_fingerprint,
    source_document,
)


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
                                               started_at=started_at or datetime.now(UTC),
                                               schema_version=schema_fingerprint()))


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """A file as a run recorded it in ``source_document``."""

    file_name: str
    status: str
    reason: str | None
    document_id: str


@dataclass(frozen=True)
class RunRecord:
    """What the warehouse holds of one run: enough to write its report and alert again."""

    run_id: str
    started_at: datetime
    alert_status: str | None
    files: tuple[RecordedFile, ...]
    findings: tuple[Finding, ...]
    counts: RunCounts


def run_record(conn: Connection, run_id: str) -> RunRecord:
    """The files and findings a run recorded, and the counts they make."""
    run = conn.execute(select(ingest_run.c.started_at, ingest_run.c.alert_status)
                       .where(ingest_run.c.run_id == run_id)).one()
    sd, dq = source_document, dq_issue
    files = tuple(RecordedFile(r.file_name, r.status, r.reason, r.document_id)
                  for r in conn.execute(select(sd.c.file_name, sd.c.status, sd.c.reason,
                                               sd.c.document_id)
                                        .where(sd.c.run_id == run_id)
                                        .order_by(sd.c.ingested_at, sd.c.file_name)))
    findings = tuple(
        Finding(check_code=r.check_code, severity=r.severity, file=r.file_name,
                document_id=r.document_id, project_name=r.project_name, page=r.page,
                message=r.message, fiscal_year=r.fiscal_year, indicator=r.indicator,
                printed=r.printed, expected=r.expected)
        for r in conn.execute(select(dq).where(dq.c.run_id == run_id).order_by(dq.c.issue_id)))
    ids = [f.document_id for f in files]

    def facts(table) -> int:
        return conn.execute(select(func.count()).select_from(table)
                            .where(table.c.document_id.in_(ids))).scalar() or 0

    def n(*statuses: str) -> int:
        return sum(1 for f in files if f.status in statuses)

    counts = RunCounts(
        files_seen=len(files), files_new=len(files) - n("duplicate"),
        loaded=n("loaded", "superseded"), quarantined=n("quarantined"), failed=n("failed"),
        duplicate=n("duplicate"), reports_loaded=facts(fact_project_evaluation),
        indicators_loaded=facts(fact_indicator_result), issues_new=len(findings),
        reports_missing=sum(1 for f in findings if f.check_code == "report_missing"))
    return RunRecord(run_id, run.started_at, run.alert_status, files, findings, counts)


def close_interrupted(conn: Connection) -> list[RunRecord]:
    """Runs recorded as started but never finished, marked ``interrupted`` with the counts of
    what they recorded; their records (to send the alerts they never sent). Call it only while
    holding the writer lock (no other run is alive then)."""
    ids = [r for (r,) in conn.execute(select(ingest_run.c.run_id).where(
        ingest_run.c.finished_at.is_(None) & (ingest_run.c.state != "interrupted")))]
    out = []
    for rid in ids:
        rec = run_record(conn, rid)
        conn.execute(update(ingest_run).where(ingest_run.c.run_id == rid).values(
            state="interrupted", **{name: getattr(rec.counts, name) for name in RUN_COUNTS}))
        out.append(rec)
    return out


def record_alert(conn: Connection, run_id: str, alert: AlertRecord) -> None:
    """What became of a run's alert, stored as soon as it is known (a run killed after its
    alert went out does not send it twice)."""
    conn.execute(update(ingest_run).where(ingest_run.c.run_id == run_id)
                 .values(alert_status=alert.status, alert_detail=alert.detail))


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
