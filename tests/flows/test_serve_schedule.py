"""`jixiao serve` as an operator runs it: the real command, its own local Prefect server, a
schedule a few seconds apart. The test waits for a run created by the server's scheduler (not
one triggered by hand) to finish, then checks the warehouse, the heartbeat alert, the run
lines on the command's output, and that stopping the command leaves no server behind."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from load import reader
from tests.conftest import SAMPLES
from tests.http_receiver import receiver

pytestmark = pytest.mark.xdist_group("serve")

#: upper bound for the whole wait: server start (~10 s), first tick, one ingest of the samples
DEADLINE = 240.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jixiao() -> list[str]:
    exe = Path(sys.executable).with_name("jixiao")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "flows.cli"]


def _api(url: str, path: str, body: dict) -> list[dict]:
    req = urllib.request.Request(f"{url}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_jixiao_serve_fires_on_its_schedule_and_loads_the_inbox(tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES, inbox)
    db = tmp_path / "warehouse" / "jixiao.duckdb"
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    lines: list[str] = []
    with receiver() as hook:
        env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"),
               "JIXIAO_SCHEDULE": "every 5s", "JIXIAO_INBOX": str(inbox), "JIXIAO_DB": str(db),
               "JIXIAO_PREFECT_PORT": str(port), "JIXIAO_ALERT_URLS": hook.url(),
               "JIXIAO_ALERT_ON": "always", "PREFECT_RUNNER_POLL_FREQUENCY": "1",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        env.pop("PREFECT_API_URL", None)
        proc = subprocess.Popen([*_jixiao(), "serve"], cwd=tmp_path, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        reader_thread = threading.Thread(
            target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
        reader_thread.start()
        try:
            deadline = time.monotonic() + DEADLINE
            while not any("结束：" in ln for ln in lines):
                assert proc.poll() is None, "jixiao serve exited:\n" + "".join(lines)
                assert time.monotonic() < deadline, "no run finished:\n" + "".join(lines)
                time.sleep(0.5)
            # the end line is printed inside the run; Prefect records it Completed just
            # after: wait for that record (same deadline)
            while not (runs := _api(api, "/flow_runs/filter", {"flow_runs": {
                    "state": {"type": {"any_": ["COMPLETED"]}}}})):
                assert time.monotonic() < deadline, "no run completed:\n" + "".join(lines)
                time.sleep(0.5)
            bodies = list(hook.bodies)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            reader_thread.join(timeout=5)
    out = "".join(lines)

    # a run the scheduler created (not one triggered by hand), completed
    assert runs and all(r["auto_scheduled"] for r in runs), out
    assert runs[0]["created_by"]["type"] == "SCHEDULE"
    # the banner: the next three run times in Asia/Shanghai, 5 s apart
    (nxt,) = [ln for ln in lines if ln.startswith("next runs")]
    times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", nxt)
    assert len(times) == 3
    # one line when the run started and one when it finished, with the counts
    assert re.search(r"入库运行 \S+ 开始", out)
    assert re.search(r"入库运行 \S+ 结束：completed，新文件 3，载入 3，隔离 0，失败 0", out)
    # the warehouse holds the inbox's reports
    from sqlalchemy import text

    with reader(db) as engine, engine.connect() as conn:
        years = conn.execute(text("SELECT fiscal_year, count(*) FROM fact_project_evaluation "
                                  "GROUP BY 1 ORDER BY 1")).all()
        run = conn.execute(text("SELECT state, alert_status, loaded FROM ingest_run "
                                "WHERE finished_at IS NOT NULL ORDER BY started_at "
                                "LIMIT 1")).one()
    assert [tuple(r) for r in years] == [(2022, 11), (2023, 11), (2024, 12)]
    assert tuple(run) == ("completed", "sent", 3)
    # heartbeat: a clean night still sends its summary
    assert bodies and "无新问题" in bodies[0]["title"]
    # stopping the command stops its Prefect server too
    deadline = time.monotonic() + 15
    while _listening(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _listening(port), "the local Prefect server outlived jixiao serve"
