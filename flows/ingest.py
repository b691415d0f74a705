"""The ingest flow (Prefect 3): discover → extract → transform → validate → load → alert.

Thin wiring: every task calls a library function of the layers below. The flow owns what only it
can: concurrency (extraction in worker processes under per-file limits, :mod:`flows.pool`, or
on a Dask cluster, :mod:`flows.dask_extract`), retries (the next night reads again a file that
failed for a reason outside its bytes, never a malformed file), the order of loads (one writer,
one transaction per document, into the working copy it publishes for readers:
:mod:`load.snapshot`), the run record (a killed run is closed by the next), the quality report,
the alert and the Prefect artifact. A bad file never stops the run: it is recorded as
``failed`` (or ``quarantined``) with its reason in Chinese, and the next file goes on.

The run's outcome shows without reading logs: a run in which a file failed or was quarantined
ends in the Prefect state ``CompletedWithProblems`` (a named Completed state: the pipeline did
its job, good files are in the warehouse; *Failed* is kept for a run that itself broke, so that
retries and automations on failure stay meaningful), a clean run in ``Completed``.
"""

from __future__ import annotations

import gc
import os
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

# sqlalchemy.orm is imported before the GX warm-up thread imports it too: two threads
# importing it at once saw it half-initialized ("partially initialized module")
import sqlalchemy.orm  # noqa: F401
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from extract import Limits
from extract.errors import FILE_ERROR_CODES, safe_name
from flows import quality_report
from flows.alerts import AlertResult, AlertSummary, FileOutcome, send_alert
from flows.config import Settings, SettingsError
from flows.extraction import Extracted, ExtractionStream, extract_one
from flows.inbox import scan
from flows.loading import (
    FileResult,
    StreamingLoad,
    Unsettled,
    duplicate_reason,
    load_serial,
)
from flows.pool import start_fork_server
from flows.schedule import TZ, NightlySchedule
from load import (
    AlertRecord,
    RunCounts,
    RunRecord,
    Seen,
    SeenKind,
    SourceFile,
    classify,
    classify_all,
    close_interrupted,
    finish_run,
    forget_document,
    is_lock_conflict,
    known_files,
    record_alert,
    record_duplicate,
    start_run,
    writer,
    writer_lock,
)
from load.snapshot import publish, working_copy

#: stages whose time the summary reports (the share spent in validation goes in the README)
STAGES = ("discover", "extract", "transform", "validate", "load", "report", "alert")
#: the Prefect state name of a run in which files failed or were quarantined
PROBLEM_STATE = "CompletedWithProblems"


@dataclass(frozen=True)
class IngestSummary:
    """The closing summary of a run (also written to ``ingest_run``)."""

    run_id: str
    db: str
    counts: RunCounts
    files: tuple[FileResult, ...]
    alert: AlertResult | None
    seconds: dict[str, float] = field(default_factory=dict)
    alert_record: AlertRecord | None = None
    report: str | None = None  # the quality report (HTML) of the run
    #: how the files were loaded: ``streaming`` (while the others were read, see
    #: :mod:`flows.loading`) or ``serial`` (after the last was read)
    load_way: str = "serial"

    @property
    def state(self) -> str:
        return self.counts.state

    def text(self) -> str:
        c = self.counts
        lines = [
            f"state {self.state}",
            f"files seen {c.files_seen} · new {c.files_new} · loaded {c.loaded} · "
            f"quarantined {c.quarantined} · failed {c.failed} · duplicate {c.duplicate} · "
            f"superseded {c.superseded}",
            f"reports loaded {c.reports_loaded} · reports not read {c.reports_missing} · "
            f"indicators loaded {c.indicators_loaded} · "
            f"new data-quality issues {c.issues_new} · alerts sent {c.alerts_sent}",
        ]
        for f in self.files:
            if f.status in ("failed", "quarantined", "duplicate"):
                unit = f" [{f.unit}]" if f.unit else ""
                lines.append(f"  {f.status:11} {f.file_name}{unit}: {f.reason or ''}")
        if self.alert_record is not None:
            lines.append(f"alert {self.alert_record.status}"
                         + (f": {self.alert_record.detail}" if self.alert_record.detail else ""))
        if self.report:
            lines.append(f"quality report 质量报告: {self.report}")
        total = sum(self.seconds.values()) or 1.0
        lines.append("time: " + ", ".join(
            f"{k} {v:.2f}s ({100 * v / total:.0f} %)" for k, v in self.seconds.items())
            + f" (loaded {self.load_way})")
        return "\n".join(lines)


# ------------------------------------------------------------------------------ library calls


#: the function each extraction worker runs (a module attribute, so a test can swap it)
_extract_one = extract_one


def _prepare_validation() -> None:
    from expectations.runner import prepare

    prepare()


@cache
def _warm_up_validation() -> threading.Thread:
    """Great Expectations takes ~2 s to start (import, context): warm it up in a thread while
    the workers extract (once per process; GX's context is kept). Started once the night knows
    it has new files: while the files were hashed, the import held the GIL the registration
    needed, and a night with nothing new does not need GX at all."""
    thread = threading.Thread(target=_prepare_validation, daemon=True, name="jixiao-gx-warm-up")
    thread.start()
    return thread


def _validation_ready() -> None:
    """Wait for the warm-up (what it did not hide)."""
    _warm_up_validation().join()


def _retry_if_locked(task, task_run, state) -> bool:
    """Retry a load only when another process holds the DuckDB file (transient)."""
    try:
        state.result()
    except Exception as exc:
        return is_lock_conflict(exc)
    return False


# ------------------------------------------------------------------------------ tasks


@task(name="discover", cache_policy=NO_CACHE)
def discover(paths: Sequence[str]) -> tuple[list[SourceFile], list[FileResult]]:
    """Find the PDFs (their size and modification time: :func:`register` hashes only the files
    it does not know by path, size and time); a path that does not exist is logged and skipped
    (the inbox of a scheduled run may be missing for a night). Entries that are no regular file
    (a folder named ``x.pdf``, a named pipe, a link loop) are reported as failed, never read."""
    inbox = scan(paths)
    found = []
    for p in inbox.files:
        if p.is_file():
            found.append(SourceFile.unhashed(p))
        else:
            get_run_logger().warning("no such file or folder: %s", p)
    passed_over = []
    for s in inbox.skipped:
        get_run_logger().warning("%s: %s; skipped", safe_name(str(s.path)), s.reason)
        reason = f"{safe_name(s.path.name)}：{s.reason_zh}，未读取（{safe_name(str(s.path))}）"
        passed_over.append(FileResult(str(s.path), s.path.name, "failed", reason=reason))
    return found, passed_over


@task(name="extract-and-load", cache_policy=NO_CACHE)
def extract_and_load(cfg: RunConfig, work: str, run_id: str, new: Sequence[SourceFile],
                     workers: int, progress: bool, *, refresh_all: bool) -> tuple[list[FileResult], dict[str, float], str]:
    """Extract the new files in worker processes (each under the limits ``JIXIAO_LIMIT_*``; a
    file that ends or kills its worker is recorded, not retried that night) and load them
    while the rest are still being read (:class:`flows.loading.StreamingLoad`, one
    transaction); if that cannot give the serial way's rows, the serial way
    (:func:`flows.loading.load_serial`). With a Dask scheduler's address
    (``JIXIAO_DASK_ADDRESS``), extraction runs on that cluster (:mod:`flows.dask_extract`)
    and the files are loaded the serial way. Returns the files' results and the seconds spent
    per stage (extraction's is its wall time; the others overlap it), and which way the files
    were loaded (``streaming`` / ``serial``)."""
    unique = list({s.sha256: s for s in reversed(new)}.values())[::-1]  # same bytes read once
    seconds: dict[str, float] = defaultdict(float)
    bar = _Progress(progress)
    bar.start(len(new))
    t0 = time.perf_counter()
    log = get_run_logger()
    with writer(work, init=False) as engine:
        if cfg.dask_address:
            from flows.dask_extract import extract_on_dask

            got = extract_on_dask(unique, cfg.dask_address, seconds=cfg.limits.seconds,
                                  fn=partial(_extract_one, limits=cfg.limits, ocr=cfg.ocr))
            seconds["extract"] = time.perf_counter() - t0
            _validation_ready()
            results = load_serial(engine, run_id, new, {e.src.sha256: e for e in got},
                                  cfg.rules, refresh_all=refresh_all, on_file=bar.advance,
                                  seconds=seconds)
            bar.stop()
            return results, dict(seconds), "serial"
        extracted: dict[str, Extracted] = {}
        results, way = None, "streaming"
        stream = ExtractionStream(unique, workers=workers, limits=cfg.limits, fn=_extract_one,
                                  ocr=cfg.ocr)
        with engine.connect() as conn:
            tx = conn.begin()
            streaming = StreamingLoad(conn, run_id, new, cfg.rules, refresh_all=refresh_all,
                                      on_file=bar.advance, seconds=seconds,
                                      before_validation=_validation_ready)
            checks = None
            for batch in stream.batches():
                extracted.update((e.src.sha256, e) for e in batch)
                if streaming is None:
                    continue
                try:
                    streaming.add(batch)
                except Exception as exc:  # the serial way records what failed, file by file
                    log.warning("loading while reading stopped (%s: %s); the files are loaded "
                                "one by one after the last is read", type(exc).__name__, exc)
                    tx.rollback()
                    streaming = None
            seconds["extract"] = time.perf_counter() - t0
            if streaming is not None:
                try:
                    results = streaming.finish()
                    tx.commit()
                except Exception as exc:
                    log.info("loading while reading rolled back (%s: %s); loading one by one",
                             type(exc).__name__, exc)
                    tx.rollback()
                    if isinstance(exc, Unsettled) and streaming.checks is not None:
                        checks = streaming.checks  # the same documents: validated already
        if results is None:
            way = "serial"
            _validation_ready()
            results = load_serial(engine, run_id, new, extracted, cfg.rules,
                                  refresh_all=refresh_all, on_file=bar.advance, seconds=seconds,
                                  checks=checks)
    bar.stop()
    return results, dict(seconds), way


@task(name="alert", cache_policy=NO_CACHE)
def alert(summary: AlertSummary, urls: Sequence[str], always: bool) -> AlertResult:
    """One message per run to every configured URL (never fails the run)."""
    return send_alert(summary, list(urls), always=always)


@task(name="finish-run", retries=2, retry_delay_seconds=2, retry_condition_fn=_retry_if_locked,
      cache_policy=NO_CACHE)
def finish(db: str, run_id: str, counts: RunCounts, alert_record: AlertRecord) -> None:
    with writer(db, init=False) as engine, engine.begin() as conn:
        finish_run(conn, run_id, counts, alert=alert_record)


@task(name="publish", cache_policy=NO_CACHE)
def publish_warehouse(work: str, db: str) -> None:
    """Publish the working copy as the warehouse readers open (an atomic rename)."""
    publish(work, db)


@task(name="start-run", retries=2, retry_delay_seconds=2, retry_condition_fn=_retry_if_locked,
      cache_policy=NO_CACHE)
def register(db: str, run_id: str, sources: Sequence[SourceFile], started: datetime,
             reprocess: str | None = None
             ) -> tuple[list[tuple[SourceFile, object]], list[RunRecord]]:
    """Create the schema (once a run), close the runs that were killed (``interrupted``),
    record the run's start, and classify every file as new, seen (skip) or a duplicate of a
    known document. A file seen before that failed for a reason outside its bytes (a crash, a
    bug, a lock, a limit) is read again, and so are the files ``reprocess`` names (after an
    upgrade of jixiao). Returns the classification and the records of the killed runs."""
    with writer(db) as engine, engine.begin() as conn:
        killed = close_interrupted(conn)  # this run holds the writer lock: none is alive
        for rec in killed:
            get_run_logger().warning("run %s never finished (killed): marked interrupted",
                                     rec.run_id)
            _announce(f"上次入库运行 {rec.run_id} 未正常结束（进程被终止），已标记为中断")
        start_run(conn, run_id, started_at=started)
        known = known_files(conn)
        hashed = [_identify(found, known) for found in sources]
        out = []
        for given, first in zip(hashed, classify_all(conn, hashed), strict=True):
            src, seen = given, first
            if seen.kind == SeenKind.SEEN and _read_again(seen, reprocess):
                again = replace(given, first_seen=seen.first_seen_at)
                if forget_document(conn, seen.document_id):  # failed / quarantined
                    src, seen = again, classify(conn, given)
                elif reprocess == "all":  # replaced when the new reading is loaded
                    src, seen = replace(again, replaces=seen.document_id), Seen(SeenKind.NEW)
            if seen.kind == SeenKind.DUPLICATE:
                record_duplicate(conn, run_id, src, seen.document_id)
            out.append((src, seen))
        return out, killed


@task(name="recover", cache_policy=NO_CACHE)
def recover(cfg: RunConfig, work: str, killed: Sequence[RunRecord]) -> None:
    """For each killed run: its quality report written again from what it recorded, and its
    alert sent if it never went out (marked 补发, resent)."""
    for rec in killed:
        results = [FileResult(f.document_id, f.file_name, f.status, reason=f.reason,
                              findings=tuple(x for x in rec.findings
                                             if x.document_id == f.document_id))
                   for f in rec.files]
        path = _write_report(cfg.db, rec.run_id, "interrupted", rec.counts, results,
                             rec.started_at) if cfg.report else None
        if rec.alert_status is None:
            _alert(cfg, work, rec.run_id, results, rec.started_at, path, resent=True)


def _identify(found: SourceFile, known: dict[str, tuple[int, int, str]]) -> SourceFile:
    """The file with its sha256: taken from the record of a file at the same path with the same
    size and modification time, else read (hashing 10,000 known files took seconds a night)."""
    size, mtime, sha = known.get(found.path, (None, None, ""))
    if sha and size == found.bytes and mtime == found.mtime_ns:
        return replace(found, sha256=sha)
    return found.hashed()


#: values of ``--reprocess``: the statuses whose files are read again, or all files
REPROCESS = ("failed", "quarantined", "all")


def _read_again(seen, reprocess: str | None) -> bool:
    if seen.status == "failed" and seen.error_code not in FILE_ERROR_CODES:
        return True  # the file was not the cause: never skipped forever
    return reprocess == "all" or (reprocess is not None and seen.status == reprocess)


@task(name="quality-report", cache_policy=NO_CACHE)
def write_report(db: str, run_id: str, counts: RunCounts, results: Sequence[FileResult],
                 started: datetime) -> str:
    """The run's data-quality report (HTML, Chinese, no external asset) beside the warehouse."""
    return _write_report(db, run_id, counts.state, counts, results, started)


def _write_report(db: str, run_id: str, state: str, counts: RunCounts,
                  results: Sequence[FileResult], started: datetime) -> str:
    html = quality_report.render(
        run_id, state, _count_labels(counts),
        [quality_report.FileLine(r.file_name, r.status, r.unit, r.reason)
         for r in results if r.status != "seen"],
        [f for r in results for f in r.findings],
        started_at=started, finished_at=datetime.now(UTC))
    return str(quality_report.write(Path(db).resolve().parent / "reports", run_id, html))


# ------------------------------------------------------------------------------ the flow


def _run_id() -> str:
    try:
        from prefect.runtime import flow_run

        rid = flow_run.id
    except Exception:  # outside a flow run (the .fn of the flow in a unit test)
        rid = None
    return str(rid) if rid else str(uuid.uuid4())


@dataclass(frozen=True)
class RunConfig:
    """What one run works on, from its parameters and the settings (validated)."""

    paths: tuple[str, ...]
    db: str
    rules: str
    urls: tuple[str, ...]
    alert_on: str
    writer_wait: float = 3600.0
    report: bool = True
    limits: Limits = field(default_factory=Limits)
    dask_address: str | None = None  # JIXIAO_DASK_ADDRESS: per-file work on that Dask cluster
    ocr: bool = True  # JIXIAO_OCR: pages without a text layer read by OCR

    @classmethod
    def of(cls, paths, db, rules, alert_urls, alert_on) -> RunConfig:
        from flows.config import ALERT_ON
        from transform.scoring import RULE_SETS

        settings = Settings.load()
        cfg = cls(paths=tuple(str(p) for p in (paths or settings.inbox)),
                  db=str(db or settings.db), rules=rules or settings.rules,
                  urls=tuple(alert_urls if alert_urls is not None else settings.alert_urls),
                  alert_on=alert_on or settings.alert_on, writer_wait=settings.writer_wait,
                  limits=settings.limits, dask_address=settings.dask_address,
                  ocr=settings.ocr)
        if cfg.rules not in RULE_SETS:
            raise SettingsError(f"rule set {cfg.rules!r} is not one of {', '.join(RULE_SETS)}")
        if cfg.alert_on not in ALERT_ON:
            raise SettingsError(f"alert_on {cfg.alert_on!r} is not one of {', '.join(ALERT_ON)}")
        return cfg


@flow(name="ingest-reports")
def ingest_reports(paths: list[str] | None = None, db: str | None = None,
                   rules: str | None = None, workers: int = 2,
                   alert_urls: list[str] | None = None, alert_on: str | None = None,
                   report: bool = True, progress: bool = False, reprocess: str | None = None):
    """Ingest every new report found under ``paths`` into the warehouse ``db``.

    Defaults come from the configuration (``JIXIAO_INBOX``, ``JIXIAO_DB``, ``JIXIAO_RULES``,
    ``JIXIAO_ALERT_URLS``, ``JIXIAO_ALERT_ON``); ``reprocess`` (``failed`` / ``quarantined``)
    reads the files of that status again. Returns the closing summary
    (:class:`IngestSummary`); the run completes even when files are quarantined or failed, in
    the state ``CompletedWithProblems``.
    """
    cfg = RunConfig.of(paths, db, rules, alert_urls, alert_on)
    if reprocess is not None and reprocess not in REPROCESS:
        raise SettingsError(f"reprocess {reprocess!r} is not one of {', '.join(REPROCESS)}")
    # one ingest at a time per warehouse: a second one waits here, before reading any file
    with writer_lock(cfg.db, wait=cfg.writer_wait, on_wait=_waiting), _fewer_collections():
        return _night(replace(cfg, report=report), str(working_copy(cfg.db)), workers, progress,
                      reprocess)


#: allocations between two collections of the youngest generation during a night (Python's
#: default is 700): see :func:`_fewer_collections`
NIGHT_GC_THRESHOLD = 50_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cycle collector, tuned for the night's main process: the objects of start-up
    (modules, Prefect, Great Expectations) are frozen out of its scans, and it runs every
    :data:`NIGHT_GC_THRESHOLD` allocations, not every 700. The night makes and keeps millions of
    small objects (the documents the workers hand over, their rows), few of them in cycles; with
    the defaults the collector scanned them over and over (identity and transform of 100 files
    of a dozen 自评表 each: 1.21–1.35 s with the defaults, 0.94–0.97 s with these settings).
    Memory is still freed by reference counting as before; the settings are put back after."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(NIGHT_GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _waiting(message: str) -> None:
    get_run_logger().warning("%s", message)
    _announce(message)


def _night(cfg: RunConfig, work: str, workers: int, progress: bool, reprocess: str | None):
    """The run itself, with the working copy ``work`` to itself (see :func:`ingest_reports`):
    it publishes the warehouse once the run is on record, and again at the end."""
    run_id, started, clock = _run_id(), datetime.now(UTC), _Clock()
    _announce(f"入库运行 {run_id} 开始：收件目录 {' '.join(cfg.paths)} → {cfg.db}")
    start_fork_server()  # the workers' imports, while the files are found and hashed
    # (quote(): Prefect does not walk a night's thousands of files looking for futures in a
    # task's arguments, which took seconds a night)
    with clock("discover"):
        sources, passed_over = discover(cfg.paths)
        seen, killed = register(work, run_id, quote(sources), started, reprocess)
        results = [*passed_over, *_known(seen)]
        if killed:
            recover(cfg, work, killed)
        publish_warehouse(work, cfg.db)  # readers see the run as running
    new = [s for s, k in seen if k.kind == SeenKind.NEW]
    if new:
        _warm_up_validation()
    loaded, seconds, way = extract_and_load(cfg, work, run_id, quote(new), workers, progress,
                                            refresh_all=bool(killed))
    results += loaded
    clock.add(seconds)
    counts = _counts(results)
    with clock("report"):
        report_path = (write_report(cfg.db, run_id, counts, quote(results), started) if cfg.report
                       else None)
    with clock("alert"):
        sent, alert_record = _alert(cfg, work, run_id, results, started, report_path)
    counts = replace(counts, alerts_sent=sent.sent if sent else 0)
    finish(work, run_id, counts, alert_record)
    publish_warehouse(work, cfg.db)
    out = IngestSummary(run_id, cfg.db, counts, tuple(results), sent, clock.seconds(),
                        alert_record, report_path, way)
    get_run_logger().info("ingest summary\n%s", out.text())
    _announce(f"入库运行 {run_id} 结束：{counts.state}，新文件 {counts.files_new}，"
              f"载入 {counts.loaded}，隔离 {counts.quarantined}，失败 {counts.failed}，"
              f"未读出自评表 {counts.reports_missing}，"
              f"重复 {counts.duplicate}，自评表 {counts.reports_loaded}，"
              f"新问题 {counts.issues_new}，告警 {alert_record.status}")
    if counts.state == "completed":
        return out
    from prefect.states import Completed

    return Completed(data=out, name=PROBLEM_STATE, message=_problem_message(counts))


def _problem_message(counts: RunCounts) -> str:
    missing = f"，未读出自评表 {counts.reports_missing} 张" if counts.reports_missing else ""
    return (f"失败文件 {counts.failed} 个，隔离文件 {counts.quarantined} 个{missing}"
            "（见质量报告与告警）")


def _known(seen) -> list[FileResult]:
    """Files known before the run: already ingested (skipped), or duplicates (recorded as such
    by :func:`register`)."""
    results = []
    for s, k in seen:
        if k.kind == SeenKind.SEEN:
            results.append(FileResult(s.path, s.file_name, "seen"))
        elif k.kind == SeenKind.DUPLICATE:
            results.append(FileResult(s.path, s.file_name, "duplicate",
                                      reason=duplicate_reason(k.document_id)))
    return results


def _alert(cfg: RunConfig, work: str, run_id: str, results: Sequence[FileResult],
           started: datetime, report_path: str | None, *, resent: bool = False,
           ) -> tuple[AlertResult | None, AlertRecord]:
    """The run's summary as a Prefect artifact and, per ``alert_on``, to every alert URL; what
    became of the alert, recorded in ``ingest_run`` at once. ``resent``: the alert of a run
    that was killed before it went out."""
    outcomes = [FileOutcome(r.file_name, r.status, r.reason, len(r.findings), r.unit)
                for r in results if r.status != "seen"]
    findings = [f for r in results for f in r.findings]
    summary = AlertSummary.from_run(run_id, outcomes, findings, started_at=started,
                                    finished_at=datetime.now(UTC), report=report_path,
                                    resent=resent)
    if not resent:
        _artifact(summary)
    if not cfg.urls:
        sent, record = None, AlertRecord("off", "没有配置告警地址 (JIXIAO_ALERT_URLS) 或本次不发送")
    else:
        sent = alert(summary, cfg.urls, cfg.alert_on == "always")
        if sent.skipped:
            record = AlertRecord("skipped", sent.reason)
        elif sent.failed:
            record = AlertRecord("failed", f"{sent.failed} 个地址未送达：" + "；".join(sent.errors))
        else:
            record = AlertRecord("sent", None)
    store_alert(work, run_id, record)
    return sent, record


@task(name="record-alert", retries=2, retry_delay_seconds=2,
      retry_condition_fn=_retry_if_locked, cache_policy=NO_CACHE)
def store_alert(db: str, run_id: str, record: AlertRecord) -> None:
    with writer(db, init=False) as engine, engine.begin() as conn:
        record_alert(conn, run_id, record)


def _announce(line: str) -> None:
    """One line on the served process's output for a run started by the deployment
    (``jixiao serve`` shows it); silent for ``jixiao ingest``, which has its own summary."""
    try:
        from prefect.runtime import deployment

        served = deployment.id is not None
    except Exception:
        served = False
    if served:
        print(f"[{datetime.now(TZ):%Y-%m-%d %H:%M:%S}] jixiao: {line}", flush=True)


class _Clock:
    """Seconds spent per stage (a stage may be timed in several pieces)."""

    def __init__(self) -> None:
        self._s = dict.fromkeys(STAGES, 0.0)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self._s[stage] += time.perf_counter() - t

    def add(self, seconds: dict[str, float]) -> None:
        for k, v in seconds.items():
            self._s[k] += v

    def seconds(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self._s.items()}


def _count_labels(c: RunCounts) -> dict[str, int]:
    return {"新文件": c.files_new, "载入": c.loaded, "隔离": c.quarantined, "失败": c.failed,
            "未读出自评表": c.reports_missing,
            "重复": c.duplicate, "被替代": c.superseded, "载入自评表": c.reports_loaded,
            "载入指标": c.indicators_loaded, "新问题": c.issues_new}


def _counts(results: Sequence[FileResult]) -> RunCounts:
    def n(status: str) -> int:
        return sum(1 for r in results if r.status == status)

    return RunCounts(
        files_seen=len(results),
        files_new=len(results) - n("seen") - n("duplicate"),
        loaded=n("loaded"), quarantined=n("quarantined"), failed=n("failed"),
        duplicate=n("duplicate"),
        superseded=sum(len(r.superseded_documents) for r in results) + n("superseded"),
        reports_loaded=sum(r.reports for r in results),
        indicators_loaded=sum(r.indicators for r in results),
        issues_new=sum(len(r.findings) for r in results),
        reports_missing=sum(1 for r in results for f in r.findings
                            if f.check_code == "report_missing"),
    )


def _artifact(summary: AlertSummary) -> None:
    """The run's summary as a Prefect markdown artifact (shown with the flow run)."""
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(summary.summary_markdown(), key="ingest-summary",
                             description=summary.title)


class _Progress:
    """A progress bar on stderr (rich); silent when not asked for."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar = None
        self._task = None

    def start(self, total: int) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._bar = Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.description}"), console=Console(stderr=True))
        self._bar.start()
        self._task = self._bar.add_task("", total=total)

    def advance(self, name: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=name)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()


# ------------------------------------------------------------------------------ deployment

DEPLOYMENT_NAME = "nightly-ingest"


def nightly_deployment(settings: Settings | None = None, schedule: NightlySchedule | None = None):
    """The nightly deployment of :func:`ingest_reports` (``JIXIAO_SCHEDULE``, Asia/Shanghai).

    The inbox, warehouse and rule set are fixed as parameters when it is served (shown in the
    Prefect UI); alert addresses are not (they hold secrets): the run reads them itself."""
    settings = settings or Settings.load()
    schedule = schedule or settings.schedule
    return ingest_reports.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[schedule.prefect_schedule()],
        parameters={"paths": [str(p) for p in settings.inbox], "db": str(settings.db),
                    "rules": settings.rules},
        description="Nightly ingestion of new 自评表 reports into the jixiao warehouse",
        tags=["jixiao"],
    )


def serve(settings: Settings | None = None, say: Callable[[str], None] = print) -> None:
    """Serve the nightly deployment until interrupted: against ``PREFECT_API_URL`` when set,
    else against a local Prefect server started for the purpose (it has the scheduler that
    Prefect's temporary server lacks). One run at a time; the schedule is not paused on exit.
    Prints the next three run times (Asia/Shanghai) first; each run prints a line when it
    starts and when it ends, with its counts."""
    from prefect import serve as prefect_serve

    from flows.prefect_server import prefect_api

    settings = settings or Settings.load()
    schedule = settings.schedule.anchored()
    deployment = nightly_deployment(settings, schedule)
    with prefect_api(settings.prefect_port, say):
        say(f"jixiao serve: {DEPLOYMENT_NAME} ({schedule.describe()}), inbox "
            f"{' '.join(map(str, settings.inbox))} → {settings.db}")
        say("next runs 下次运行（北京时间）: " + ", ".join(
            f"{t:%Y-%m-%d %H:%M:%S}" for t in schedule.next_runs(3)))
        prefect_serve(deployment, pause_on_shutdown=False, limit=1, print_starting_message=False)
