"""What people put in an inbox besides PDFs: never a hang, never a traceback, always a reason."""

from __future__ import annotations

import os
import shutil

import pytest
from typer.testing import CliRunner

from extract.errors import safe_name
from flows.cli import app
from flows.inbox import scan
from tests.conftest import MALFORMED, SAMPLES


@pytest.fixture
def odd_inbox(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLES / "minhang-zonggonghui-2023.pdf", inbox / "a.pdf")
    (inbox / "folder.pdf").mkdir()
    os.mkfifo(inbox / "pipe.pdf")
    (inbox / "loop.pdf").symlink_to(inbox / "loop.pdf")
    (inbox / "gone.pdf").symlink_to(inbox / "nowhere.pdf")
    (inbox / "sub").mkdir()
    (inbox / "sub" / "up").symlink_to(inbox)  # a link back up: never followed
    shutil.copy(MALFORMED / "empty.pdf", inbox / "sub" / "new\nline.pdf")
    return inbox


def test_scan_passes_over_what_is_no_file_with_its_reason(odd_inbox):
    got = scan([odd_inbox])
    assert [p.name for p in got.files] == ["a.pdf", "new\nline.pdf"]
    assert {s.path.name: s.reason for s in got.skipped} == {
        "folder.pdf": "a folder named like a PDF", "pipe.pdf": "a named pipe (FIFO), not a file",
        "loop.pdf": "a symbolic link loop", "gone.pdf": "a broken symbolic link"}


def test_extract_says_one_line_each_and_exits_2(odd_inbox):
    r = CliRunner().invoke(app, ["extract", "--summary", str(odd_inbox)])
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert sum("skipped" in ln for ln in lines) == 4
    assert any(r"new\nline.pdf" in ln and "zero-byte" in ln for ln in lines)
    assert not any(ln.startswith("line.pdf") for ln in lines)  # the name kept on one line


def test_a_named_pipe_given_by_name_does_not_hang(odd_inbox):
    r = CliRunner().invoke(app, ["extract", str(odd_inbox / "pipe.pdf")])
    assert r.exit_code == 2 and "a named pipe (FIFO)" in r.stderr


def test_safe_name_keeps_one_line():
    assert safe_name("a\nb\tc.pdf") == r"a\nb\tc.pdf" and safe_name("年度.pdf") == "年度.pdf"


@pytest.mark.xdist_group("flows")
def test_the_night_reports_them_and_loads_the_rest(prefect_harness, odd_inbox, tmp_path):
    from flows.ingest import ingest_reports

    state = ingest_reports(paths=[str(odd_inbox)], db=str(tmp_path / "w.duckdb"),
                           alert_urls=[], report=False, workers=1, return_state=True)
    out = state.result()
    assert state.name == "CompletedWithProblems"
    assert out.counts.loaded == 1 and out.counts.failed == 5  # 4 passed over, 1 empty file
    reasons = {f.file_name: f.reason for f in out.files if f.status == "failed"}
    assert "是命名管道（FIFO），不是文件" in reasons["pipe.pdf"]
    assert "符号链接循环" in reasons["loop.pdf"]
