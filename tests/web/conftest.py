"""The web view's tests: one demo warehouse per session (the samples' three years, a file whose
version is kept out, a file that cannot be read), and the real ``jixiao web`` serving it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import MALFORMED, ROOT, SAMPLES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_demo(db: Path) -> None:
    """Extract, transform and load (the load layer, one transaction per document) the samples
    and two malformed files; record an encrypted file as failed, as the night would."""
    from extract import extract_file
    from extract.errors import ExtractError
    from load import SourceFile, record_failed
    from load.engine import writer
    from load.runs import RunCounts, finish_run, start_run
    from tests.load.helpers import ingest

    run = "run-web-demo"
    with writer(db) as engine:
        with engine.begin() as conn:
            start_run(conn, run)
        loaded = []
        for pdf in [*sorted(SAMPLES.glob("*.pdf")), MALFORMED / "weights-not-100.pdf"]:
            loaded.append(ingest(engine, run, extract_file(pdf)))
        bad = MALFORMED / "encrypted.pdf"
        try:
            extract_file(bad)
        except ExtractError as exc:
            with engine.begin() as conn:
                record_failed(conn, run, SourceFile.from_path(bad).hashed(), exc.code, exc.zh())
        with engine.begin() as conn:
            finish_run(conn, run, RunCounts(
                files_seen=5, files_new=5, loaded=3, quarantined=1, failed=1,
                reports_loaded=sum(r.reports_loaded for r in loaded),
                indicators_loaded=sum(r.indicators_loaded for r in loaded)))


@pytest.fixture(scope="session")
def web_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("web") / "demo.duckdb"
    build_demo(db)
    return db


class Server:
    def __init__(self, db: Path, *args: str, env: dict | None = None) -> None:
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "web", "--db", str(db), "--port", str(self.port),
             *args], cwd=ROOT, env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(self.url + "/static/style.css", timeout=2)
                break
            except httpx.TransportError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    out = self.proc.stdout.read() if self.proc.stdout else ""
                    raise RuntimeError(f"jixiao web did not start: {out}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture(scope="session")
def server(web_db) -> Iterator[Server]:
    """``jixiao web`` serving the demo warehouse (a process of its own, as a user runs it)."""
    s = Server(web_db)
    try:
        yield s
    finally:
        s.stop()
