"""The ingest flow (Prefect 3): discover → extract → transform → validate → load → alert.

Thin wiring: every task calls a library function of the layers below. The flow owns what only it
can: concurrency (extraction spread over worker processes), retries (a locked database only,
never a malformed file), the order of loads (one writer, one transaction per document), the run
record, the alert and the Prefect artifact. A bad file never stops the run: it is recorded as
``failed`` (or ``quarantined``) with its reason, and the next file goes on.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from extract import ExtractError, RawDocument, extract_file
from flows.alerts import AlertResult, AlertSummary, FileOutcome, send_alert
from flows.config import Settings
from flows.inbox import find_pdfs
from load import (
    LoadResult,
    RunCounts,
    SeenKind,
    SourceFile,
    classify,
    error_code_of,
    finish_run,
    known_projects,
    load_document,
    record_duplicate,
    record_failed,
    start_run,
    writer,
)
from transform import Finding, load_overrides, transform_document
from transform.identity import observations, resolve_identity

#: stages whose time the summary reports (the share spent in validation goes in the README)
STAGES = ("discover", "extract", "transform", "validate", "load", "data_docs", "alert")


@dataclass(frozen=True)
class Extracted:
    """One file after extraction: a document, or why it could not be read."""

    src: SourceFile
    doc: RawDocument | None = None
    error_code: str | None = None
    reason: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class FileResult:
    """What became of one file in the run."""

    path: str
    file_name: str
    status: str  # seen / duplicate / loaded / quarantined / failed
    reason: str | None = None
    reports: int = 0
    indicators: int = 0
    findings: tuple[Finding, ...] = ()
    superseded_documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestSummary:
    """The closing summary of a run (also written to ``ingest_run``)."""

    run_id: str
    db: str
    counts: RunCounts
    files: tuple[FileResult, ...]
    alert: AlertResult | None
    seconds: dict[str, float] = field(default_factory=dict)

    def text(self) -> str:
        c = self.counts
        lines = [
            f"files seen {c.files_seen} · new {c.files_new} · loaded {c.loaded} · "
            f"quarantined {c.quarantined} · failed {c.failed} · duplicate {c.duplicate} · "
            f"superseded {c.superseded}",
            f"reports loaded {c.reports_loaded} · indicators loaded {c.indicators_loaded} · "
            f"new data-quality issues {c.issues_new} · alerts sent {c.alerts_sent}",
        ]
        for f in self.files:
            if f.status in ("failed", "quarantined", "duplicate"):
                lines.append(f"  {f.status:11} {f.file_name}: {f.reason or ''}")
        total = sum(self.seconds.values()) or 1.0
        lines.append("time: " + ", ".join(
            f"{k} {v:.2f}s ({100 * v / total:.0f} %)" for k, v in self.seconds.items()))
        return "\n".join(lines)


# ------------------------------------------------------------------------------ library calls


def _extract_one(src: SourceFile) -> Extracted:
    """Extract one file (in a worker process); a file that cannot be read is a value, not a raise."""
    try:
        return Extracted(src, doc=extract_file(src.path))
    except ExtractError as exc:
        return Extracted(src, error_code=exc.code, reason=str(exc), page=exc.page)
    except Exception as exc:  # a bug or a file no rule foresaw: recorded, never fatal
        return Extracted(src, error_code=error_code_of(exc),
                         reason=f"{src.file_name}: unexpected {type(exc).__name__}: {exc}")


def _prepare_validation() -> None:
    from expectations.runner import prepare

    prepare()


def _is_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _retry_if_locked(task, task_run, state) -> bool:
    """Retry a load only when another process holds the DuckDB file (transient)."""
    try:
        state.result()
    except Exception as exc:
        return _is_locked(exc)
    return False


# ------------------------------------------------------------------------------ tasks


@task(name="discover", cache_policy=NO_CACHE)
def discover(paths: Sequence[str]) -> list[SourceFile]:
    """Find the PDFs and hash them (sha256); a path that does not exist is logged and skipped
    (the inbox of a scheduled run may be missing for a night)."""
    found = []
    for p in find_pdfs(paths):
        if p.is_file():
            found.append(SourceFile.from_path(p))
        else:
            get_run_logger().warning("no such file or folder: %s", p)
    return found


@task(name="extract", cache_policy=NO_CACHE)
def extract_files(sources: Sequence[SourceFile], workers: int) -> list[Extracted]:
    """Extract new files, spread over worker processes (extraction is CPU-bound)."""
    if workers <= 1 or len(sources) <= 1:
        return [_extract_one(s) for s in sources]
    return _extract_in_pool(sources, workers)


def _extract_in_pool(sources: Sequence[SourceFile], workers: int) -> list[Extracted]:
    """Extract in worker processes. A worker that dies (memory, a crash in a C library) breaks
    the pool and every unfinished file with it: those are tried again in a pool of one, where
    files run in order, so the first unfinished one is the file that crashed."""
    done: dict[str, Extracted] = {}
    pending = list(sources)
    size = workers
    while pending:
        broken = False
        with ProcessPoolExecutor(max_workers=size) as pool:
            futures = [(src, pool.submit(_extract_one, src)) for src in pending]
            for src, fut in futures:
                try:
                    done[src.sha256] = fut.result()
                except BrokenProcessPool:
                    broken = True
                except Exception as exc:
                    done[src.sha256] = _crashed(src, exc)
        pending = [src for src in pending if src.sha256 not in done]
        if broken and size == 1 and pending:
            culprit = pending.pop(0)
            done[culprit.sha256] = _crashed(culprit, "the worker process died")
        size = 1 if broken else size
    return [done[src.sha256] for src in sources]


def _crashed(src: SourceFile, cause: object) -> Extracted:
    what = f"{type(cause).__name__}: {cause}" if isinstance(cause, BaseException) else cause
    return Extracted(src, error_code="extract_crashed",
                     reason=f"{src.file_name}: extraction crashed ({what}); "
                            "check the file, or report it with the file attached")


@task(name="record-file", retries=2, retry_delay_seconds=2, retry_condition_fn=_retry_if_locked,
      cache_policy=NO_CACHE)
def record_file(db: str, run_id: str, item: Extracted | SourceFile, duplicate_of: str | None = None,
                ) -> str:
    """Record a file that is not loaded: failed (with its reason) or duplicate."""
    with writer(db, init=False) as engine, engine.begin() as conn:
        if duplicate_of is not None:
            assert isinstance(item, SourceFile)
            return record_duplicate(conn, run_id, item, duplicate_of)
        assert isinstance(item, Extracted)
        pages = item.doc.page_count if item.doc else None
        return record_failed(conn, run_id, item.src, item.error_code or "extract_failed",
                             item.reason or "unreadable", page=item.page, page_count=pages)


@task(name="transform", cache_policy=NO_CACHE)
def transform_all(db: str, docs: Sequence[RawDocument], rules: str
                  ) -> tuple[dict[str, object], dict[str, str], object]:
    """Typed rows and findings of every new document (by document id), with ids resolved over
    every name already in the warehouse and every document of the run (so they do not depend on
    arrival order); a document the transform fails on is returned with the reason instead."""
    with writer(db, init=False) as engine, engine.connect() as conn:
        known = known_projects(conn)
    ident = resolve_identity([*known, *observations(docs)], load_overrides())
    done, failed = {}, {}
    for d in docs:
        try:
            done[_doc_id(d)] = transform_document(d, rules=rules, identity=ident)
        except Exception as exc:  # a bug meeting an unforeseen file: that file fails, not the run
            failed[_doc_id(d)] = f"{d.file}: transform failed ({type(exc).__name__}: {exc})"
    return done, failed, ident


@task(name="validate", cache_policy=NO_CACHE)
def validate_all(tdocs: Sequence) -> dict[str, object]:
    """The Great Expectations suites over all new documents in one pass (GX's cost is per
    expectation, hardly per row); if the batch fails, each document alone, and a document
    GX fails on is loaded without its GX findings, with a warning saying so."""
    from expectations.runner import run_suites_many

    try:
        return {td.document_id: run for td, run in zip(tdocs, run_suites_many(list(tdocs)))}
    except Exception:
        out = {}
        for td in tdocs:
            try:
                out[td.document_id] = run_suites_many([td])[0]
            except Exception as exc:
                out[td.document_id] = Finding(
                    check_code="validation_failed", severity="warning", file=td.file,
                    document_id=td.document_id, project_name=None, page=None,
                    message=f"数据质量校验未能运行（{type(exc).__name__}: {exc}），"
                            "已按转换结果载入，请复核")
        return out


@task(name="load", retries=2, retry_delay_seconds=2, retry_condition_fn=_retry_if_locked,
      cache_policy=NO_CACHE)
def load_one(db: str, run_id: str, src: SourceFile, tdoc, findings: Sequence[Finding],
             page_count: int, identity) -> LoadResult:
    """One document in one transaction; the writer is released right after (readers may query
    between two documents)."""
    with writer(db, init=False) as engine:
        return load_document(engine, run_id, src, tdoc, findings, page_count, identity=identity)


@task(name="alert", cache_policy=NO_CACHE)
def alert(summary: AlertSummary, urls: Sequence[str]) -> AlertResult:
    """One message per run to every configured URL (never fails the run)."""
    return send_alert(summary, list(urls))


@task(name="finish-run", retries=2, retry_delay_seconds=2, retry_condition_fn=_retry_if_locked,
      cache_policy=NO_CACHE)
def finish(db: str, run_id: str, counts: RunCounts) -> None:
    with writer(db, init=False) as engine, engine.begin() as conn:
        finish_run(conn, run_id, counts)


# ------------------------------------------------------------------------------ the flow


def _run_id() -> str:
    try:
        from prefect.runtime import flow_run

        rid = flow_run.id
    except Exception:  # outside a flow run (the .fn of the flow in a unit test)
        rid = None
    return str(rid) if rid else str(uuid.uuid4())


@flow(name="ingest-reports")
def ingest_reports(paths: list[str] | None = None, db: str | None = None,
                   rules: str | None = None, workers: int = 2,
                   alert_urls: list[str] | None = None, data_docs: bool = True,
                   progress: bool = False) -> IngestSummary:
    """Ingest every new report found under ``paths`` into the warehouse ``db``.

    Defaults come from the configuration (``JIXIAO_INBOX``, ``JIXIAO_DB``, ``JIXIAO_RULES``,
    ``JIXIAO_ALERT_URLS``). Returns the closing summary; the run completes even when files are
    quarantined or failed.
    """
    settings = Settings.load()
    paths = [str(p) for p in (paths or settings.inbox)]
    db = str(db or settings.db)
    rules = rules or settings.rules
    urls = list(alert_urls if alert_urls is not None else settings.alert_urls)
    run_id = _run_id()
    started = datetime.now(UTC)
    timings = dict.fromkeys(STAGES, 0.0)
    bar = _Progress(progress)

    # Great Expectations takes ~2 s to start (import, context): warm it up in a thread while
    # files are hashed and the workers extract
    warm = threading.Thread(target=_prepare_validation, daemon=True)
    warm.start()
    t = time.perf_counter()
    sources = discover(paths)
    with writer(db) as engine, engine.begin() as conn:  # creates the schema (once a run)
        start_run(conn, run_id, started_at=started)
        seen = [(s, classify(conn, s)) for s in sources]
    timings["discover"] = time.perf_counter() - t

    new = [s for s, k in seen if k.kind == SeenKind.NEW]
    results: list[FileResult] = []
    for s, k in seen:
        if k.kind == SeenKind.SEEN:
            results.append(FileResult(s.path, s.file_name, "seen"))
        elif k.kind == SeenKind.DUPLICATE:
            record_file(db, run_id, s, duplicate_of=k.document_id)
            results.append(FileResult(s.path, s.file_name, "duplicate",
                                      reason=f"same bytes as document {k.document_id[:12]}"))

    # the same bytes twice in this run are read once; load_document records the second copy
    # as a duplicate of the first
    unique = list({s.sha256: s for s in reversed(new)}.values())[::-1]
    t = time.perf_counter()
    extracted = {e.src.sha256: e for e in extract_files(unique, workers)}
    timings["extract"] = time.perf_counter() - t
    t = time.perf_counter()
    warm.join()
    timings["validate"] = time.perf_counter() - t  # what the warm-up did not hide

    t = time.perf_counter()
    tdocs, broken, identity = transform_all(db, [extracted[s.sha256].doc for s in unique
                                                 if extracted[s.sha256].doc is not None], rules)
    timings["transform"] = time.perf_counter() - t
    t = time.perf_counter()
    checks = validate_all(list(tdocs.values()))
    timings["validate"] += time.perf_counter() - t
    suite_runs = [c for c in checks.values() if not isinstance(c, Finding)]

    bar.start(len(new))
    t = time.perf_counter()
    for s in new:
        bar.advance(s.file_name)
        item = replace(extracted[s.sha256], src=s)
        if item.doc is None:
            record_file(db, run_id, item)
            results.append(_failed(s, item.error_code or "extract_failed", item.reason or "",
                                   item.page))
            continue
        doc_id = _doc_id(item.doc)
        if doc_id in broken:
            item = replace(item, error_code="transform_failed", reason=broken[doc_id])
            record_file(db, run_id, item)
            results.append(_failed(s, "transform_failed", broken[doc_id], None))
            continue
        check = checks[doc_id]
        extra = (check,) if isinstance(check, Finding) else check.new_findings
        results.append(_load(db, run_id, item, tdocs[doc_id], extra, identity))
    timings["load"] = time.perf_counter() - t
    bar.stop()

    if data_docs and suite_runs:
        from expectations.runner import build_data_docs

        t = time.perf_counter()
        build_data_docs(suite_runs, Path(db).resolve().parent / "data_docs")
        timings["data_docs"] = time.perf_counter() - t

    counts = _counts(results)
    t = time.perf_counter()
    outcomes = [FileOutcome(r.file_name, r.status, r.reason, len(r.findings))
                for r in results if r.status != "seen"]
    findings = [f for r in results for f in r.findings]
    summary = AlertSummary.from_run(run_id, outcomes, findings, started_at=started,
                                    finished_at=datetime.now(UTC))
    sent = alert(summary, urls) if urls else None
    _artifact(summary)
    timings["alert"] = time.perf_counter() - t
    counts = replace(counts, alerts_sent=sent.sent if sent else 0)
    finish(db, run_id, counts)
    out = IngestSummary(run_id, db, counts, tuple(results), sent,
                        {k: round(v, 3) for k, v in timings.items()})
    get_run_logger().info("ingest summary\n%s", out.text())
    return out


def _doc_id(doc: RawDocument) -> str:
    """The id the transform gives a document (its sha256)."""
    return doc.sha256 or doc.file


def _load(db: str, run_id: str, item: Extracted, tdoc, findings: Sequence[Finding],
          identity) -> FileResult:
    """Load one checked document; a load that fails is recorded and the run goes on."""
    src = item.src
    try:
        res = load_one(db, run_id, src, tdoc, findings, item.doc.page_count, identity)
    except Exception as exc:  # the document's transaction rolled back: record why, go on
        reason = f"{src.file_name}: load failed ({type(exc).__name__}: {exc})"
        record_file(db, run_id, Extracted(src, item.doc, "load_failed", reason))
        return _failed(src, "load_failed", reason, None)
    reason = None
    if res.status == "quarantined":  # structural errors, or a worse copy of a clean report
        errors = [f for f in res.findings if f.severity == "error"] or [
            f for f in res.findings if f.check_code == "version_not_applied"]
        reason = "; ".join(f.one_line() for f in errors[:3])
    elif res.status == "duplicate":
        reason = f"same bytes as document {res.document_id[:12]}"
    return FileResult(src.path, src.file_name, res.status, reason=reason,
                      reports=res.reports_loaded, indicators=res.indicators_loaded,
                      findings=res.findings, superseded_documents=res.superseded_documents)


def _failed(src: SourceFile, code: str, reason: str, page: int | None) -> FileResult:
    finding = Finding(check_code=code, severity="error", file=src.file_name,
                      document_id=src.sha256, project_name=None, page=page, message=reason)
    return FileResult(src.path, src.file_name, "failed", reason=reason, findings=(finding,))


def _counts(results: Sequence[FileResult]) -> RunCounts:
    def n(status: str) -> int:
        return sum(1 for r in results if r.status == status)

    return RunCounts(
        files_seen=len(results),
        files_new=len(results) - n("seen") - n("duplicate"),
        loaded=n("loaded"), quarantined=n("quarantined"), failed=n("failed"),
        duplicate=n("duplicate"),
        superseded=sum(len(r.superseded_documents) for r in results),
        reports_loaded=sum(r.reports for r in results),
        indicators_loaded=sum(r.indicators for r in results),
        issues_new=sum(len(r.findings) for r in results),
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


def nightly_deployment(settings: Settings | None = None):
    """The nightly deployment of :func:`ingest_reports` (cron in Asia/Shanghai)."""
    from prefect.schedules import Cron

    from flows.config import TIMEZONE

    settings = settings or Settings.load()
    return ingest_reports.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(settings.schedule, timezone=TIMEZONE)],
        parameters={"paths": [str(p) for p in settings.inbox], "db": str(settings.db),
                    "rules": settings.rules},
        description="Nightly ingestion of new 自评表 reports into the jixiao warehouse",
        tags=["jixiao"],
    )


def serve(settings: Settings | None = None, on_start: Callable[[str], None] | None = None) -> None:
    """Serve the nightly deployment until interrupted (the schedule is not paused on exit)."""
    from prefect import serve as prefect_serve

    deployment = nightly_deployment(settings)
    if on_start:
        on_start(f"serving {DEPLOYMENT_NAME}: cron {deployment.schedules[0].schedule.cron} "
                 f"({deployment.schedules[0].schedule.timezone})")
    prefect_serve(deployment, pause_on_shutdown=False)
