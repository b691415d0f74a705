"""Alerts for an ingest run: one summary per run, sent through Apprise; never fails the run.

Pure-ish: no Prefect import, so the flow can call it from a task and tests can call it directly.

* :class:`AlertSummary` is built from a run (:meth:`AlertSummary.from_run`): its id, the counts of
  findings by severity and of files by status (``loaded`` / ``quarantined`` / ``failed`` /
  ``duplicate`` / ``superseded``), the files, and the top findings as Chinese one-liners
  (:meth:`transform.rows.Finding.one_line`: file, page, project). :meth:`~AlertSummary.summary_markdown`
  is the report (the flow publishes the same text as a Prefect markdown artifact), ``title``
  its one-line title.
* :func:`send_alert` sends ONE message per run to every Apprise URL (webhook ``json://`` /
  ``jsons://``, e-mail ``mailto://``, 企业微信 ``wecombot://``, 钉钉 ``dingtalk://`` …): every run
  with ``always=True`` (``JIXIAO_ALERT_ON=always``, a heartbeat: a missing message means a
  missing run), else only when the run has new findings or failed files. A URL that does not
  take the message is logged
  (standard :mod:`logging`, URL with its secrets masked) and retried once; nothing raises:
  the :class:`AlertResult` says what was sent, what failed and why.

Apprise's own socket timeouts apply (4 s connect, 4 s read unless the URL says ``?cto=…&rto=…``).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flows.schedule import shanghai
from transform.rows import Finding

log = logging.getLogger(__name__)

#: file statuses of ``source_document`` (DESIGN.md), in the order a reader cares about them
FILE_STATUSES = ("failed", "quarantined", "loaded", "duplicate", "superseded")
#: statuses that make a run worth an alert on their own
ALERT_STATUSES = frozenset({"failed"})
SEVERITY_ORDER = ("error", "warning")
STATUS_LABELS = {"loaded": "已载入", "quarantined": "已隔离", "failed": "失败",
                 "duplicate": "重复", "superseded": "已被替代"}
SEVERITY_LABELS = {"error": "错误", "warning": "警告"}
#: how many findings the report lists, and how many files
TOP_FINDINGS = 20
MAX_FILES = 50


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What became of one file in the run."""

    file: str
    status: str  # one of FILE_STATUSES
    reason: str | None = None  # why it was not loaded (failed / quarantined / duplicate of …)
    findings: int = 0  # new findings of this file in the run
    unit: str | None = None  # 主管部门 / 实施单位 where the file could be read


@dataclass(frozen=True)
class AlertSummary:
    """What one run has to say: counts, files, top findings."""

    run_id: str
    severity_counts: Mapping[str, int]  # error / warning → number of new findings
    status_counts: Mapping[str, int]  # loaded / quarantined / failed / … → number of files
    files: tuple[FileOutcome, ...]
    top_findings: tuple[str, ...]  # Chinese one-liners, errors first
    total_findings: int
    started_at: datetime | None = None
    finished_at: datetime | None = None
    top_severities: tuple[str, ...] = field(default=())  # severity of each top finding
    report: str | None = None  # the run's quality report (HTML file)
    reports_missing: int = 0  # reports the pages start but the reader could not read
    resent: bool = False  # the alert of a run killed before it went out, sent by the next run

    # ----------------------------------------------------------------------------------------
    @classmethod
    def from_run(cls, run_id: str, files: Iterable[FileOutcome],
                 findings: Iterable[Finding], *, started_at: datetime | None = None,
                 finished_at: datetime | None = None, report: str | None = None,
                 top: int = TOP_FINDINGS, resent: bool = False) -> AlertSummary:
        """A summary of a run from its files and its NEW findings (those of this run)."""
        files = tuple(files)
        findings = tuple(findings)
        sev = Counter(f.severity for f in findings)
        status = Counter(f.status for f in files)
        ranked = sorted(findings, key=lambda f: _rank(f.severity, SEVERITY_ORDER))
        return cls(
            run_id=run_id,
            severity_counts=_counts(sev, SEVERITY_ORDER),
            status_counts=_counts(status, FILE_STATUSES),
            files=tuple(sorted(files, key=lambda f: _rank(f.status, FILE_STATUSES))),
            top_findings=tuple(f.one_line() for f in ranked[:top]),
            top_severities=tuple(f.severity for f in ranked[:top]),
            total_findings=len(findings),
            started_at=started_at,
            finished_at=finished_at,
            report=report,
            reports_missing=sum(1 for f in findings if f.check_code == "report_missing"),
            resent=resent,
        )

    # ----------------------------------------------------------------------------------------
    @property
    def failed_files(self) -> int:
        return sum(self.status_counts.get(s, 0) for s in ALERT_STATUSES)

    @property
    def should_alert(self) -> bool:
        """True when the run has new findings or failed files."""
        return self.total_findings > 0 or self.failed_files > 0

    @property
    def notify_type(self) -> str:
        """Apprise's message type: ``failure`` with errors or failed files, ``warning`` with
        warnings or quarantined files, else ``success``."""
        if self.failed_files or self.severity_counts.get("error"):
            return "failure"
        if self.should_alert or self.status_counts.get("quarantined"):
            return "warning"
        return "success"

    @property
    def title(self) -> str:
        """One line: ``jixiao 入库 run-1：错误 1 条，警告 3 条，失败文件 1 个``."""
        parts = [f"{SEVERITY_LABELS.get(s, s)} {n} 条"
                 for s, n in self.severity_counts.items() if n]
        if self.failed_files:
            parts.append(f"失败文件 {self.failed_files} 个")
        if self.status_counts.get("quarantined"):
            parts.append(f"隔离文件 {self.status_counts['quarantined']} 个")
        if self.reports_missing:
            parts.append(f"未读出自评表 {self.reports_missing} 张")
        if not parts:
            parts.append("无新问题")
        parts.append(f"载入文件 {self.status_counts.get('loaded', 0)} 个")
        if self.resent:
            parts.append("运行曾中断，本告警由下次运行补发")
        return f"jixiao 入库 {self.run_id}：{'，'.join(parts)}"

    def summary_markdown(self) -> str:
        """The report: counts, files, top findings (also the flow's Prefect markdown artifact)."""
        lines = [f"## {_md(self.title)}", ""]
        when = []
        if self.started_at:
            when.append(f"开始 {shanghai(self.started_at)}")
        if self.finished_at:
            when.append(f"结束 {shanghai(self.finished_at)}")
        lines.append(f"运行 `{self.run_id}`" + (f"（{'，'.join(when)}，北京时间）" if when else ""))
        if self.report:
            lines.append(f"\n质量报告（可离线打开的网页）：`{self.report}`")
        lines += ["", "| 类别 | 项目 | 数量 |", "|---|---|---:|"]
        for s, n in self.severity_counts.items():
            lines.append(f"| 问题 | {SEVERITY_LABELS.get(s, s)} ({s}) | {n} |")
        lines.append(f"| 问题 | 合计 | {self.total_findings} |")
        for s, n in self.status_counts.items():
            lines.append(f"| 文件 | {STATUS_LABELS.get(s, s)} ({s}) | {n} |")
        lines.append(f"| 文件 | 合计 | {len(self.files)} |")

        lines += ["", "### 文件", ""]
        if self.files:
            lines += ["| 文件 | 单位 | 状态 | 新问题 | 原因 |", "|---|---|---|---:|---|"]
            for f in self.files[:MAX_FILES]:
                lines.append(f"| {_cell(f.file)} | {_cell(f.unit or '')} | "
                             f"{STATUS_LABELS.get(f.status, f.status)} ({f.status}) | "
                             f"{f.findings} | {_cell(f.reason or '')} |")
            if len(self.files) > MAX_FILES:
                lines.append(f"\n（另有 {len(self.files) - MAX_FILES} 个文件未列出）")
        else:
            lines.append("（本次运行没有文件）")

        lines += ["", f"### 主要问题（前 {TOP_FINDINGS} 条）", ""]
        if self.top_findings:
            for i, (line, sev) in enumerate(
                    zip(self.top_findings, self.top_severities or ("",) * len(self.top_findings),
                        strict=False), start=1):
                tag = f"**{sev}** " if sev else ""
                lines.append(f"{i}. {tag}{_md(line)}")
            rest = self.total_findings - len(self.top_findings)
            if rest > 0:
                lines.append(f"\n（另有 {rest} 条问题未列出，见 `jixiao issues`）")
        else:
            lines.append("（无新问题）")
        return "\n".join(lines) + "\n"


def _counts(counter: Counter, order: Sequence[str]) -> dict[str, int]:
    """Every known key in order (0 when absent), then any unknown key."""
    keys = (*order, *sorted(set(counter) - set(order)))
    return {k: counter.get(k, 0) for k in keys}


def _rank(value: str, order: Sequence[str]) -> int:
    return order.index(value) if value in order else len(order)


def _cell(text: str) -> str:
    """Text for a markdown table cell: one line, ``|`` escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _md(text: str) -> str:
    """One line of markdown text: no line breaks."""
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------
# sending
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AlertResult:
    """What :func:`send_alert` did. ``sent`` + ``failed`` = the URLs tried."""

    sent: int = 0
    failed: int = 0
    skipped: bool = False
    reason: str | None = None  # why nothing was sent (skipped)
    errors: tuple[str, ...] = ()  # one line per failed URL (URL masked)
    attempts: int = 0  # notification attempts made, retries included

    @property
    def ok(self) -> bool:
        return self.failed == 0


def send_alert(summary: AlertSummary, urls: Sequence[str] | str | None, *,
               always: bool = False, retry_delay: float = 1.0) -> AlertResult:
    """Send the run's summary once to every Apprise URL; never raises.

    Nothing is sent (``skipped``) when there is no URL, or, unless ``always``, when the run has
    no new findings and no failed files. Each URL gets one message (title :attr:`AlertSummary.title`, body
    :meth:`AlertSummary.summary_markdown`); a URL that fails is logged and retried once after
    ``retry_delay`` seconds. ``urls`` may also be one space-separated string
    (``JIXIAO_ALERT_URLS``).
    """
    url_list = [u.strip() for u in (urls.split() if isinstance(urls, str) else urls or ())
                if u and u.strip()]
    try:
        if not always and not summary.should_alert:
            return AlertResult(skipped=True, reason="没有新问题，也没有失败的文件")
        if not url_list:
            return AlertResult(skipped=True, reason="没有配置告警地址 (JIXIAO_ALERT_URLS)")
        title, body = summary.title, summary.summary_markdown()
        notify_type = summary.notify_type
    except Exception as exc:  # an alert must never fail the run
        log.exception("alert: could not render the summary; nothing sent")
        return AlertResult(failed=len(url_list), errors=(f"summary: {exc!r}",))
    sent = failed = attempts = 0
    errors: list[str] = []
    for url in url_list:
        try:
            ok, n, error = _send_one(url, title, body, retry_delay, notify_type)
        except Exception as exc:  # never let one URL stop the others or the run
            log.exception("alert: unexpected error for %s", _mask(url))
            ok, n, error = False, 1, f"{_mask(url)}: {exc!r}"
        attempts += n
        if ok:
            sent += 1
        else:
            failed += 1
            errors.append(error)
    return AlertResult(sent=sent, failed=failed, errors=tuple(errors), attempts=attempts)


def _send_one(url: str, title: str, body: str, retry_delay: float,
              notify_type: str = "warning") -> tuple[bool, int, str]:
    """(delivered, attempts, error) for one URL: one try and one retry."""
    import apprise

    ap = apprise.Apprise()
    if not ap.add(url):
        error = f"{_mask(url)}: 无法识别的告警地址（Apprise 不支持或格式错误）"
        log.error("alert: %s", error)
        return False, 0, error
    shown = _mask(url, ap)
    last = ""
    for attempt in (1, 2):
        raised = ""
        with apprise.LogCapture(level=logging.WARNING) as captured:
            try:
                ok = bool(ap.notify(body=body, title=title, notify_type=notify_type,
                                    body_format=apprise.NotifyFormat.MARKDOWN))
            except Exception as exc:  # a plugin that raises instead of returning False
                ok, raised = False, repr(exc)
            detail = _last_line(captured.getvalue()) or raised
        if ok:
            if attempt > 1:
                log.info("alert: %s delivered on retry", shown)
            return True, attempt, ""
        last = detail or "发送失败"
        if attempt == 1:
            log.warning("alert: %s not delivered (%s); retrying once", shown, last)
            if retry_delay > 0:
                time.sleep(retry_delay)
    error = f"{shown}: {last}"
    log.error("alert: %s not delivered after retry: %s", shown, last)
    return False, 2, error


def _mask(url: str, ap=None) -> str:
    """The URL with its secrets hidden (Apprise's privacy mode); scheme only if unknown."""
    try:
        if ap is not None and len(ap) > 0:
            return ap[0].url(privacy=True).split("?", 1)[0]
    except Exception:  # pragma: no cover - privacy rendering is best effort
        pass
    return url.split("://", 1)[0] + "://…" if "://" in url else "(invalid URL)"


def _last_line(text: str) -> str:
    lines = [ln.split(" - ", 2)[-1].strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else ""
