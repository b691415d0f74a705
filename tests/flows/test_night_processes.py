"""The night as processes: readers beside a running ingest, and ``kill -9`` / SIGTERM of it.

Real ``jixiao ingest`` subprocesses on a copy of the bundled PDFs; they talk to one Prefect
server started here (as a shared server would be), except the trial that checks that the
ingest's own temporary server does not outlive it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import MALFORMED, SAMPLES
from tests.http_receiver import receiver

pytestmark = pytest.mark.xdist_group("night-processes")

JIXIAO = str(Path(sys.executable).with_name("jixiao"))
TABLES = ("fact_project_funding", "fact_indicator_result", "fact_project_evaluation",
          "dim_project", "dim_department", "project_alias")


@pytest.fixture(scope="module")
def api():
    from flows.prefect_server import _free_port, local_server

    with local_server(_free_port(), services=False) as url:
        yield url


#: a night's inbox: the three samples, a revised version, a quarantined and an empty file
PROBLEMS = ("minhang-zonggonghui-2023-revised.pdf", "missing-grade.pdf", "empty.pdf")


def _fill(inbox: Path) -> Path:
    shutil.copytree(SAMPLES, inbox / "a-samples")
    (inbox / "b-malformed").mkdir()
    for name in PROBLEMS:
        shutil.copy(MALFORMED / name, inbox / "b-malformed")
    return inbox


@pytest.fixture
def inbox(tmp_path):
    return _fill(tmp_path / "inbox")


def _env(api: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "JIXIAO_"))}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="INFO",
               JIXIAO_ALERT_ON="always", **extra)
    if api:
        env["PREFECT_API_URL"] = api
    return env


def _ingest(inbox: Path, db: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([JIXIAO, "ingest", str(inbox), "--db", str(db)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def _session(sid: int) -> set[int]:
    """Every live process of the session ``sid`` (the ingest runs in a session of its own,
    so its workers and server are found even after it is gone)."""
    out = subprocess.run(["ps", "-eo", "pid=,sid=,stat="], capture_output=True, text=True,
                         check=False).stdout
    return {int(p) for p, s, st in (line.split()[:3] for line in out.splitlines())
            if int(s) == sid and not st.startswith("Z")}


def _interrupt(inbox: Path, db: Path, env: dict[str, str], after: str, times: int,
               sig: int = signal.SIGKILL, delay: float = 0.0) -> tuple[int, set[int], set[int]]:
    """Start an ingest with Prefect's task logs on, send ``sig`` ``delay`` seconds after
    ``after`` has been logged ``times`` times; its exit status, the processes of its session
    just before the signal, and those still alive 15 s after it ended (none expected)."""
    proc = subprocess.Popen([JIXIAO, "ingest", str(inbox), "--db", str(db), "--verbose"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    seen = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        if f"Task run '{after}-" in line and ("Finished" in line or "文件已处理" in line):
            seen += 1
            if seen == times:
                time.sleep(delay)
                family = _session(proc.pid)
                proc.send_signal(sig)
                break
    else:
        pytest.fail(f"the ingest ended before {after} × {times}")
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    status = proc.wait(timeout=60)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _session(proc.pid):
        time.sleep(0.2)
    return status, family, _session(proc.pid)


def _tables(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))
               for t in TABLES}
        out["source_document"] = sorted(con.execute(
            "SELECT file_name, status, error_code, reports FROM source_document").fetchall())
        out["dq_issue"] = sorted(  # paths in messages: relative to the (temporary) inbox
            ((*r[:-1], re.sub(r"/\S*?/inbox/", "inbox/", r[-1])) for r in con.execute(
                "SELECT file_name, page, project_name, check_code, severity, message "
                "FROM dq_issue").fetchall()), key=repr)
        return out
    finally:
        con.close()


def _runs(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT run_id, state, alert_status FROM ingest_run "
                           "ORDER BY started_at").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def clean(api, tmp_path_factory):
    """The tables of an ingest that was never interrupted."""
    tmp = tmp_path_factory.mktemp("clean")
    done = _ingest(_fill(tmp / "inbox"), tmp / "w.duckdb", _env(api))
    assert done.returncode == 0, done.stderr
    return _tables(tmp / "w.duckdb")


# where a kill lands: in the extraction (workers running), between two documents' loads (the
# ingest with its own temporary Prefect server), after the load (the quality report written,
# the alert not yet sent); and the processes alive when the kill came
KILL_POINTS = {"extract": ("publish", 1, 1.0, False, 3), "mid-load": ("extract-and-load", 2, 0.0, True, 2),
               # (the load logs each file it is done with: the second of six)
               "after-load": ("quality-report", 1, 0.0, False, 1)}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_killed_night_is_finished_by_the_next(api, clean, inbox, tmp_path, point):
    after, times, delay, own_server, processes = KILL_POINTS[point]
    db = tmp_path / "warehouse" / "w.duckdb"
    with receiver() as hook:
        env = _env(api, JIXIAO_ALERT_URLS=hook.url())
        status, family, left = _interrupt(inbox, db, _env(None, **{
            "JIXIAO_ALERT_URLS": hook.url()}) if own_server else env, after, times, delay=delay)
        assert status == -signal.SIGKILL
        assert len(family) >= processes and left == set()  # nothing left behind
        assert not Path(f"{db}.wal").exists()  # the published warehouse is never written
        shown = subprocess.run([JIXIAO, "status", "--db", str(db)], capture_output=True,
                               text=True, env=env, check=False).stdout
        assert "已中断" in shown  # no ingest holds the lock: the run is not running
        alerts_of_killed = len(hook.bodies)
        t = time.monotonic()
        again = _ingest(inbox, db, env)
        assert again.returncode == 0, again.stderr
        assert "another ingest" not in again.stderr  # no stale lock
        assert time.monotonic() - t < 120
        assert _tables(db) == clean  # as if the night had never been killed
        runs = _runs(db)
        killed, last = runs[-2], runs[-1]
        assert killed[1] == "interrupted"
        loaded_all = point == "after-load"  # nothing left for the next run to load
        assert last[1] == ("completed" if loaded_all else "completed_with_problems")
        titles = [b.get("title", "") for b in hook.bodies[alerts_of_killed:]]
        assert alerts_of_killed == 0 and killed[2] == "sent"  # sent by the next run
        assert len(titles) == 2 and "补发" in titles[0] and killed[0] in titles[0]
    reports = {p.name for p in (db.parent / "reports").glob("run-*.html")}
    assert any(killed[0][:8] in name for name in reports)  # its report, written again
    assert any(last[0][:8] in name for name in reports)


def test_sigterm_ends_the_ingest_its_server_and_workers(inbox, tmp_path):
    """No PREFECT_API_URL: the ingest starts its own temporary server; SIGTERM during the
    extraction ends it cleanly, and nothing it started lives on."""
    status, family, left = _interrupt(inbox, tmp_path / "w.duckdb", _env(None), "publish", 1,
                                      sig=signal.SIGTERM, delay=1.0)
    assert status == 143
    assert len(family) >= 3 and left == set()  # the ingest, its server and workers were seen


def test_readers_are_never_refused_by_a_running_night(api, inbox, tmp_path):
    """A reader holds the published warehouse open through a whole night while another asks
    questions in a loop through ``jixiao sql``: no reader is refused, the night completes,
    and readers see the new data once it is published."""
    db = tmp_path / "w.duckdb"
    first = _ingest(inbox / "a-samples", db, _env(api))
    assert first.returncode == 0, first.stderr
    held = duckdb.connect(str(db), read_only=True)
    before = held.execute("SELECT count(*) FROM fact_project_evaluation").fetchone()[0]
    stop, answers, refusals = threading.Event(), [], []

    def ask() -> None:
        while not stop.is_set():
            got = subprocess.run([JIXIAO, "sql", "--db", str(db), "--format", "csv",
                                  "SELECT count(*) AS n FROM source_document"],
                                 capture_output=True, text=True, env=_env(api), check=False)
            (answers if got.returncode == 0 else refusals).append(got.stderr or got.stdout)

    loop = threading.Thread(target=ask)
    loop.start()
    try:
        night = _ingest(inbox, db, _env(api))
    finally:
        stop.set()
        loop.join()
    assert night.returncode == 0, night.stderr
    assert refusals == [] and len(answers) >= 3
    # the reader held open still reads its own (old) warehouse, undisturbed
    assert held.execute("SELECT count(*) FROM fact_project_evaluation").fetchone()[0] == before
    held.close()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM source_document").fetchone()[0] > 3
    con.close()
