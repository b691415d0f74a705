"""Scale-out: the per-file work on a real Dask cluster (``distributed.LocalCluster``, two worker
processes on 127.0.0.1) through prefect-dask, with the same warehouse as a local run; every
file that fails there comes back with its code and a Chinese reason; no Dask process is left."""

from __future__ import annotations

import os
import shutil
import socket
import time

import pytest

from load import SourceFile, reader
from tests.conftest import SAMPLES

pytestmark = pytest.mark.xdist_group("flows")

#: each file's time limit in the failure tests, and how long a stuck file blocks its worker
LIMIT = 2.0
STUCK = 40.0
#: how long past its limit the flow waits for a file stuck where Python cannot stop it
GRACE = 1.0


def _worker_pids(client) -> set[int]:
    return set(client.run(os.getpid).values())


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes (one thread each) and their scheduler; on the way out, every worker
    process it ever had (restarts included) must be gone."""
    import dask
    import psutil
    from distributed import Client, LocalCluster

    # a task whose worker dies is not run again (the scheduler's setting; Dask's default: 3)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                         dashboard_address="127.0.0.1:0") as c, \
            Client(c, set_as_default=False) as client:
        pids = _worker_pids(client)
        c.pids = pids  # the tests add the pids of restarted workers
        c.client = client
        yield c
        pids |= _worker_pids(client)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(psutil, p) for p in pids):
        time.sleep(0.2)
    assert not [p for p in pids if _alive(psutil, p)], "a Dask worker outlived the cluster"


def _alive(psutil, pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _snapshot(db) -> dict:
    from tests.load.helpers import snapshot

    with reader(db) as engine, engine.connect() as conn:
        return snapshot(conn)


def test_a_night_on_the_cluster_loads_what_a_local_night_loads(prefect_harness, cluster,
                                                                 tmp_path, monkeypatch):
    from flows.dask_extract import TOPIC
    from flows.ingest import ingest_reports

    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES, inbox)
    monkeypatch.delenv("JIXIAO_DASK_ADDRESS", raising=False)
    local = ingest_reports(paths=[str(inbox)], db=str(tmp_path / "local.duckdb"),
                           alert_urls=[], report=False)
    before = len(cluster.client.get_events(TOPIC))
    monkeypatch.setenv("JIXIAO_DASK_ADDRESS", cluster.scheduler_address)
    on_dask = ingest_reports(paths=[str(inbox)], db=str(tmp_path / "dask.duckdb"),
                             alert_urls=[], report=False)
    # the three files were read by the cluster's workers, one task each
    started = [msg for _, msg in cluster.client.get_events(TOPIC)][before:]
    assert len(started) == 3
    assert {m["worker"] for m in started} <= set(cluster.client.scheduler_info()["workers"])
    assert (on_dask.counts.loaded, on_dask.counts.failed, on_dask.counts.reports_loaded,
            on_dask.counts.indicators_loaded) == (3, 0, 34, 382)
    assert on_dask.counts == local.counts
    ours, theirs = _snapshot(tmp_path / "dask.duckdb"), _snapshot(tmp_path / "local.duckdb")
    assert ours["fact_indicator_result"] and ours["fact_project_evaluation"]
    assert ours == theirs


# ------------------------------------------------------------------ what each worker is told to do


def _behave(src: SourceFile):
    """Runs on a Dask worker (module level, so it can be sent there): per file name."""
    from flows.extraction import extract_one

    name = src.file_name
    if name.startswith("spin"):  # Python code past the limit: Prefect's timeout stops it
        t = time.monotonic()
        while time.monotonic() - t < 60:
            pass
    elif name.startswith("stuck"):  # a call Python cannot interrupt: the flow gives it up
        time.sleep(STUCK)
    elif name.startswith("oom"):
        raise MemoryError("cannot allocate 4 GiB")
    elif name.startswith("die"):  # the worker process ends (a crash, the OOM killer)
        os._exit(9)
    return extract_one(src)


def _inbox(tmp_path, names) -> list[SourceFile]:
    sample = SAMPLES / "minhang-zonggonghui-2022.pdf"
    out = []
    for n in names:
        shutil.copy(sample, tmp_path / n)
        out.append(SourceFile.from_path(tmp_path / n))
    return out


def test_files_that_fail_on_the_cluster_come_back_with_a_code_and_a_reason(
        prefect_harness, cluster, tmp_path):
    from dataclasses import replace

    from flows.dask_extract import extract_on_dask

    srcs = _inbox(tmp_path, ["good.pdf", "spin.pdf", "oom.pdf", "changed.pdf", "good2.pdf"])
    srcs[3] = replace(srcs[3], sha256="0" * 64)  # the night hashed other bytes than are there
    gone = SourceFile(str(tmp_path / "nowhere" / "gone.pdf"), "gone.pdf", "1" * 64, 10)
    srcs.insert(1, gone)
    got = extract_on_dask(srcs, cluster.scheduler_address, seconds=LIMIT, fn=_behave)
    assert [e.src.file_name for e in got] == [s.file_name for s in srcs]  # in order, none lost
    codes = {e.src.file_name: e.error_code for e in got}
    assert codes == {"good.pdf": None, "gone.pdf": "not_on_worker", "spin.pdf": "too_slow",
                     "oom.pdf": "out_of_memory", "changed.pdf": "changed_on_worker", "good2.pdf": None}
    assert all(len(e.doc.reports) == 11 for e in got if e.error_code is None)
    for e in got:
        if e.error_code:
            assert e.doc is None and e.reason.startswith(e.src.file_name + "：")
            assert "下次运行将重新读取" in e.reason  # none of these is the file's fault
    reasons = {e.src.file_name: e.reason for e in got}
    assert "读不到此文件" in reasons["gone.pdf"] and str(gone.path) in reasons["gone.pdf"]
    assert "limit 2 s" in reasons["spin.pdf"] and "读取超过时间上限" in reasons["spin.pdf"]
    assert "内存" in reasons["oom.pdf"] and "内容与本次运行登记的不同" in reasons["changed.pdf"]


def test_a_file_that_kills_its_worker_is_recorded_and_the_cluster_goes_on(prefect_harness,
                                                                          cluster, tmp_path):
    from flows.dask_extract import extract_on_dask

    got = extract_on_dask(_inbox(tmp_path, ["die.pdf"]), cluster.scheduler_address,
                          seconds=LIMIT, fn=_behave)
    assert got[0].error_code == "worker_died" and "工作进程意外终止" in got[0].reason
    # the nanny started a new worker in its place: the next file is read
    cluster.client.wait_for_workers(2, timeout=30)
    cluster.pids |= _worker_pids(cluster.client)
    again = extract_on_dask(_inbox(tmp_path, ["good.pdf"]), cluster.scheduler_address,
                            seconds=LIMIT, fn=_behave)
    assert again[0].error_code is None and len(again[0].doc.reports) == 11


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_cluster_that_cannot_be_reached_fails_every_file_with_a_reason(prefect_harness,
                                                                         tmp_path):
    import dask

    from flows.dask_extract import extract_on_dask

    srcs = _inbox(tmp_path, ["a.pdf", "b.pdf"])
    address = f"tcp://127.0.0.1:{_closed_port()}"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        got = extract_on_dask(srcs, address, seconds=LIMIT)
    assert [(e.src.file_name, e.error_code) for e in got] == [
        ("a.pdf", "cluster_unavailable"), ("b.pdf", "cluster_unavailable")]
    assert all("无法连接 Dask 集群" in e.reason and address in e.reason for e in got)


def test_a_cluster_without_workers_is_given_up_after_the_wait(prefect_harness, tmp_path):
    from distributed import LocalCluster

    from flows.dask_extract import extract_on_dask

    srcs = _inbox(tmp_path, ["a.pdf"])
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address="127.0.0.1:0") as empty:
        t = time.monotonic()
        got = extract_on_dask(srcs, empty.scheduler_address, seconds=LIMIT, idle=1.0)
        assert time.monotonic() - t < 15
    assert got[0].error_code == "cluster_unavailable"
    assert "没有可用的工作进程" in got[0].reason


def test_workers_that_cannot_reach_the_prefect_api_are_named(prefect_harness, cluster,
                                                              tmp_path, monkeypatch):
    """The task engine on a worker reports to the flow's Prefect API: a bureau whose API is
    on 127.0.0.1 of the ingest machine sees this reason, not a traceback."""
    import prefect_dask.client as pdc

    from flows.dask_extract import extract_on_dask

    real = pdc.serialize_context

    def elsewhere(**kwargs):
        ctx = real(**kwargs)
        ctx["settings_context"]["settings"]["api"]["url"] = f"http://127.0.0.1:{_closed_port()}/api"
        return ctx

    monkeypatch.setattr(pdc, "serialize_context", elsewhere)
    got = extract_on_dask(_inbox(tmp_path, ["a.pdf"]), cluster.scheduler_address, seconds=LIMIT)
    assert got[0].error_code == "cluster_failed"
    assert "连不上 Prefect API" in got[0].reason and "PREFECT_API_URL" in got[0].reason


def test_a_file_stuck_where_python_cannot_stop_it_is_given_up(prefect_harness, cluster,
                                                              tmp_path):
    """Last of the cluster's tests: its worker stays busy until the call returns (Dask cannot
    end a thread), and the cluster's teardown ends it."""
    from flows.dask_extract import extract_on_dask

    t = time.monotonic()
    got = extract_on_dask(_inbox(tmp_path, ["stuck.pdf", "good.pdf"]),
                          cluster.scheduler_address, seconds=LIMIT, fn=_behave, grace=GRACE)
    took = time.monotonic() - t
    assert [e.error_code for e in got] == ["too_slow", None]
    assert "no answer" in got[0].reason and "读取超过时间上限" in got[0].reason
    # given up at its limit plus the grace after it started, long before the call returns
    assert LIMIT + GRACE <= took < STUCK / 2


@pytest.mark.parametrize(("value", "ok"), [
    ("tcp://scheduler:8786", True), ("tcp://10.1.2.3:8786", True), ("tcp://[::1]:8786", True),
    ("", True), ("scheduler:8786", False), ("tcp://scheduler", False),
    ("tcp://scheduler:0", False), ("tcp://scheduler:70000", False),
    ("http://scheduler:8786", False), ("tcp://a b:8786", False)])
def test_the_dask_address_is_checked_when_the_settings_are_read(value, ok, monkeypatch,
                                                                tmp_path):
    from flows.config import Settings, SettingsError

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("JIXIAO_DASK_ADDRESS", value)
    if ok:
        assert Settings.load().dask_address == (value or None)
    else:
        with pytest.raises(SettingsError, match="JIXIAO_DASK_ADDRESS"):
            Settings.load()
