"""The web view never fights the night: a real ``jixiao ingest`` publishes a new warehouse
while ``jixiao web`` answers requests on it; neither fails, and the site shows the new
warehouse once it is published."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.conftest import ROOT, VARIANTS
from tests.web.conftest import Server

pytestmark = pytest.mark.xdist_group("web-night")  # its own server: runs beside the others


def test_ingest_while_requests_are_served(web_db, tmp_path):
    db = tmp_path / "published.duckdb"
    shutil.copy(web_db, db)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("back-to-back.pdf", "yuan-narrow.pdf"):
        shutil.copy(VARIANTS / name, inbox / name)
    server = Server(db)
    results: list[tuple[str, int | str]] = []
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            home = c.get("/").text
            unit = home.split('class="unit-link" href="')[1].split('"')[0].replace("&amp;", "&")
            pages = ["/", unit, "/issues", "/search?q=工会"]
            while not stop.is_set():
                for p in pages:
                    try:
                        results.append((p, c.get(p).status_code))
                    except httpx.HTTPError as exc:
                        results.append((p, repr(exc)))

    try:
        before = httpx.get(server.url + "/").text
        worker = threading.Thread(target=hammer)
        worker.start()
        t0 = time.monotonic()
        night = subprocess.run(
            [sys.executable, "-m", "flows.cli", "ingest", str(inbox), "--db", str(db),
             "--no-alerts"], check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
        during = len(results)
        time.sleep(0.5)
        stop.set()
        worker.join(30)
        after = httpx.get(server.url + "/").text
    finally:
        stop.set()
        server.stop()
    assert night.returncode == 0, night.stdout + night.stderr
    assert during >= 10, f"only {during} requests in {time.monotonic() - t0:.1f} s"
    failed = [r for r in results if r[1] != 200]
    assert failed == []
    assert "back-to-back.pdf" not in before
    # the site opens the warehouse per request: the night's files show without a restart
    assert "完成" in after and after.count("<tr") > before.count("<tr")
