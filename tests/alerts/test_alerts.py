"""Alerts end to end: a real HTTP receiver on 127.0.0.1, Apprise ``json://`` pointed at it."""

from __future__ import annotations

import logging
import time

import pytest

from flows.alerts import AlertResult, AlertSummary, FileOutcome, send_alert
from tests.http_receiver import TIMEOUT, closed_port, receiver
from transform.rows import Finding


def _finding(code="missing_grade", severity="error", file="missing-grade.pdf",
             project="退管会工作", message="缺少评分等级", page=4) -> Finding:
    return Finding(check_code=code, severity=severity, file=file, document_id="d",
                   project_name=project, page=page, message=message)


@pytest.fixture
def summary() -> AlertSummary:
    findings = [
        _finding(),
        _finding("total_not_sum", "warning", "total-not-sum.pdf", "法律顾问费",
                 "总分 98.50 ≠ 预算执行率得分 10.00 + 各指标得分之和 90.00 = 100.00"),
        _finding("grade_mismatch", "warning", "grade-not-total.pdf", "劳动保护",
                 "评分等级 优 ≠ 总分 82.00 对应的等级 良"),
    ]
    files = [
        FileOutcome("minhang-zonggonghui-2023.pdf", "loaded"),
        FileOutcome("total-not-sum.pdf", "loaded", findings=1),
        FileOutcome("grade-not-total.pdf", "loaded", findings=1),
        FileOutcome("missing-grade.pdf", "quarantined", "缺少评分等级", findings=1),
        FileOutcome("encrypted.pdf", "failed", "EncryptedPDF: 文件加密"),
        FileOutcome("zonggonghui-2023-copy.pdf", "duplicate", "与 minhang-zonggonghui-2023.pdf 相同"),
    ]
    return AlertSummary.from_run("run-42", files, findings)


# --------------------------------------------------------------------------------------------
# the summary
# --------------------------------------------------------------------------------------------

def test_summary_counts_files_and_top_findings(summary):
    assert summary.severity_counts == {"error": 1, "warning": 2}
    assert summary.status_counts == {"failed": 1, "quarantined": 1, "loaded": 3,
                                     "duplicate": 1, "superseded": 0}
    assert summary.files[0].status == "failed"  # what needs a look comes first
    assert summary.top_findings[0].startswith("missing-grade.pdf, 第 4 页, 项目 退管会工作")
    assert summary.should_alert
    assert summary.title == ("jixiao 入库 run-42：错误 1 条，警告 2 条，失败文件 1 个，隔离文件 1 个，"
                             "载入文件 3 个")
    md = summary.summary_markdown()
    assert md.startswith("## jixiao 入库 run-42")
    assert "| 问题 | 错误 (error) | 1 |" in md
    assert "| 文件 | 失败 (failed) | 1 |" in md
    assert "| encrypted.pdf |  | 失败 (failed) | 0 | EncryptedPDF: 文件加密 |" in md
    assert "1. **error** missing-grade.pdf, 第 4 页, 项目 退管会工作: [missing_grade] 缺少评分等级" in md


def test_summary_lists_the_top_twenty():
    findings = [_finding("total_not_sum", "warning", f"f{i}.pdf", "P", f"m{i}") for i in range(25)]
    findings.append(_finding())
    s = AlertSummary.from_run("r", [FileOutcome("a.pdf", "loaded")], findings)
    assert len(s.top_findings) == 20
    assert "[missing_grade]" in s.top_findings[0]  # errors first
    md = s.summary_markdown()
    assert "20. " in md and "21. " not in md
    assert "另有 6 条问题未列出" in md


def test_cells_are_escaped():
    s = AlertSummary.from_run("r", [FileOutcome("a|b.pdf", "failed", "bad\nthing")], [])
    assert "| a\\|b.pdf |  | 失败 (failed) | 0 | bad thing |" in s.summary_markdown()


# --------------------------------------------------------------------------------------------
# sending, end to end
# --------------------------------------------------------------------------------------------

def test_one_message_with_title_counts_and_a_chinese_finding(summary):
    with receiver() as rx:
        result = send_alert(summary, [rx.url()], retry_delay=0)
    assert result == AlertResult(sent=1, failed=0, attempts=1)
    assert len(rx.bodies) == 1 and rx.paths == ["/hook"]
    body = rx.bodies[0]
    assert body["title"] == summary.title
    assert body["type"] == "failure"
    message = body["message"]
    assert summary.title in message
    assert "| 问题 | 错误 (error) | 1 |" in message
    assert "| 问题 | 警告 (warning) | 2 |" in message
    assert "| 文件 | 已隔离 (quarantined) | 1 |" in message
    assert "total-not-sum.pdf, 第 4 页, 项目 法律顾问费: [total_not_sum] 总分 98.50 ≠" in message


def test_one_message_per_url_from_a_space_separated_string(summary):
    with receiver() as a, receiver() as b:
        result = send_alert(summary, f"{a.url('/a')} {b.url('/b')}", retry_delay=0)
    assert (result.sent, result.failed) == (2, 0)
    assert (a.paths, b.paths) == (["/a"], ["/b"])


def test_a_500_is_retried_once_and_delivered(summary, caplog):
    caplog.set_level(logging.WARNING, logger="flows.alerts")
    with receiver(500) as rx:
        result = send_alert(summary, [rx.url()], retry_delay=0.01)
    assert (result.sent, result.failed, result.attempts) == (1, 0, 2)
    assert len(rx.bodies) == 2 and rx.bodies[0] == rx.bodies[1]
    assert any("retrying once" in r.getMessage() for r in caplog.records)


def test_two_500s_fail_after_one_retry(summary):
    with receiver(500, 500) as rx:
        result = send_alert(summary, [rx.url()], retry_delay=0)
    assert (result.sent, result.failed, result.attempts) == (0, 1, 2)
    assert len(rx.bodies) == 2
    assert result.errors and "127.0.0.1" in result.errors[0]


def test_connection_refused_is_logged_and_returned_never_raised(summary, caplog):
    caplog.set_level(logging.WARNING, logger="flows.alerts")
    port = closed_port()
    t0 = time.perf_counter()
    with receiver() as rx:  # a working URL beside the dead one still gets its message
        result = send_alert(summary, [f"json://127.0.0.1:{port}/hook?cto=2&rto=2", rx.url()],
                            retry_delay=0)
    assert time.perf_counter() - t0 < 2 * TIMEOUT
    assert (result.sent, result.failed, result.attempts) == (1, 1, 3)
    assert not result.ok and len(result.errors) == 1
    assert f"127.0.0.1:{port}" in result.errors[0]
    assert len(rx.bodies) == 1
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "not delivered after retry" in errors[-1].getMessage()


def test_an_unknown_url_is_an_error_not_an_exception(summary):
    result = send_alert(summary, ["nosuchscheme://whatever"], retry_delay=0)
    assert (result.sent, result.failed, result.attempts) == (0, 1, 0)
    assert "无法识别" in result.errors[0]


def test_secrets_do_not_reach_the_log(summary, caplog):
    caplog.set_level(logging.DEBUG, logger="flows.alerts")
    port = closed_port()
    result = send_alert(summary, [f"json://user:s3cretpw@127.0.0.1:{port}/hook?cto=1&rto=1"],
                        retry_delay=0)
    assert caplog.records and result.failed == 1
    assert not any("s3cretpw" in e for e in result.errors)
    assert not any("s3cretpw" in r.getMessage() for r in caplog.records)


def test_no_findings_and_no_failed_file_sends_nothing():
    quiet = AlertSummary.from_run("run-7", [FileOutcome("a.pdf", "loaded"),
                                            FileOutcome("b.pdf", "duplicate")], [])
    assert not quiet.should_alert
    with receiver() as rx:
        result = send_alert(quiet, [rx.url()], retry_delay=0)
    assert result.skipped and result.sent == result.failed == 0
    assert rx.bodies == []


def test_heartbeat_sends_a_clean_night_when_always():
    quiet = AlertSummary.from_run("run-9", [FileOutcome("a.pdf", "loaded", unit="某区总工会")], [])
    with receiver() as rx:
        result = send_alert(quiet, [rx.url()], always=True, retry_delay=0)
    assert result.sent == 1 and not result.skipped
    (body,) = rx.bodies
    assert body["title"] == "jixiao 入库 run-9：无新问题，载入文件 1 个"
    assert body["type"] == "success" and "某区总工会" in body["message"]


def test_a_failed_file_alone_alerts():
    s = AlertSummary.from_run("run-8", [FileOutcome("x.pdf", "failed", "CorruptPDF")], [])
    assert s.should_alert and "失败文件 1 个" in s.title
    with receiver() as rx:
        result = send_alert(s, [rx.url()], retry_delay=0)
    assert result.sent == 1 and "x.pdf" in rx.bodies[0]["message"]


def test_no_urls_is_skipped(summary):
    assert send_alert(summary, [], retry_delay=0).skipped
    assert send_alert(summary, None, retry_delay=0).skipped
    assert send_alert(summary, "  ", retry_delay=0).skipped
