"""The worker pool: each file under its limits, a dead or stuck worker costs only its file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flows.pool import Ended, run_all

ROOT = Path(__file__).resolve().parents[2]


# module-level functions: the spawned workers import them by name


def square_or_misbehave(x: int) -> int:
    if x == 3:
        time.sleep(600)  # stuck (as in C code that never returns)
    if x == 5:
        os._exit(7)  # a crash
    if x == 7:
        bytearray(400 << 20)  # more than the worker may hold
    return x * x


def _run(items, **kw):
    return dict(run_all(square_or_misbehave, items, **kw))


def test_each_misbehaving_file_costs_only_itself():
    t = time.monotonic()
    got = _run(list(range(10)), workers=2, seconds=1.0, memory_mb=200, grace=0.5)
    took = time.monotonic() - t
    assert {i: v for i, v in got.items() if not isinstance(v, Ended)} == {
        i: i * i for i in (0, 1, 2, 4, 6, 8, 9)}
    assert (got[3].code, got[3].item) == ("too_slow", 3)
    assert got[5].code == "worker_died" and "exit status 7" in got[5].detail
    assert (got[7].code, got[7].item) == ("out_of_memory", 7) and "MemoryError" in got[7].detail
    assert took < 30  # the stuck file was ended at its limit, not waited for


def test_no_limit_means_no_kill():
    got = _run([1, 2, 4], workers=1, seconds=None, memory_mb=None)
    assert got == {0: 1, 1: 4, 2: 16}


_ORPHAN_SCRIPT = """
import sys, time
sys.path.insert(0, {root!r})
from flows.pool import run_all
from tests.flows.test_pool import square_or_misbehave
for _ in run_all(square_or_misbehave, [3, 3], workers=2, seconds=None):
    pass
"""


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True, check=False).stdout
    return {int(x) for x in out.split()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def _descendants(pid: int) -> set[int]:
    out, todo = set(), [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def _busy_workers(pid: int) -> set[int]:
    """The processes below ``pid`` running a worker (on Linux, forked from the fork server: a
    child of a child; elsewhere spawned)."""
    out = set()
    for p in _descendants(pid):
        try:
            threads = int(Path(f"/proc/{p}/status").read_text().split("Threads:")[1].split()[0])
        except (FileNotFoundError, IndexError):
            continue
        if threads >= 2:  # a worker runs its watch thread; the fork server has none
            out.add(p)
    return out


def test_workers_end_with_a_killed_parent():
    proc = subprocess.Popen([sys.executable, "-c", _ORPHAN_SCRIPT.format(root=str(ROOT))])
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline:
        workers = _busy_workers(proc.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.2)
    assert len(workers) >= 2, "the workers did not start"
    everyone = _descendants(proc.pid)  # the workers and the fork server they were forked from
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in everyone):
        time.sleep(0.2)
    assert not any(_alive(p) for p in everyone)


def test_workers_are_forked_from_a_warm_fork_server():
    """On Linux a worker is forked from the fork server, which imported the workers' modules
    once: the first answer comes in well under the ~0.5 s a spawned worker's imports took."""
    from flows import pool

    assert pool._context().get_start_method() == "forkserver"
    pool.start_fork_server()
    list(run_all(square_or_misbehave, [1], workers=1, seconds=None))  # the server is up
    t = time.monotonic()
    got = dict(run_all(square_or_misbehave, [2, 4], workers=2, seconds=None))
    assert got == {0: 4, 1: 16}
    assert time.monotonic() - t < 0.25
