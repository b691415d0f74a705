"""Extraction of the run's new files on an existing Dask cluster (``JIXIAO_DASK_ADDRESS``).

The per-file work (:func:`flows.extraction.extract_one`) runs as one Prefect task per file in
the subflow ``extract-on-dask``, whose task runner is prefect-dask's ``DaskTaskRunner``
connected to the scheduler at the given address: each file is one task run in the Prefect UI,
and Dask spreads them over the cluster's workers. Everything else of the night (transform,
validation, the single DuckDB writer) stays on the machine that runs the flow.

Every file comes back as an :class:`~flows.extraction.Extracted`, in the order given, and
none is lost: a file whose task fails, runs out of memory, loses its worker or passes its time
limit comes back with an error code and a reason in Chinese, as from the local pool:

* the time limit is the task's Prefect timeout (``timeout_seconds``: the task run ends
  ``TimedOut``, recorded ``too_slow``); a file stuck where Python cannot interrupt it (inside C
  code) is given up ``GRACE`` seconds later, counted from the moment its task starts on a
  worker (each task tells the scheduler, topic :data:`TOPIC`), its Dask future cancelled, and
  the night goes on (Dask cannot end a worker's thread: the worker stays busy until the call
  returns);
* a file whose worker died (Dask's ``KilledWorker``) is ``worker_died``; a ``MemoryError`` is
  ``out_of_memory``; a worker that cannot read the path, or reads other bytes than the night
  hashed, gives ``not_on_worker`` / ``changed_on_worker``; a scheduler that cannot be reached,
  or has no worker for :data:`IDLE` seconds, gives ``cluster_unavailable``; any other failure
  ``cluster_failed``. None of these codes is the file's fault: the next night reads the file
  again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from extract.errors import safe_name
from flows.extraction import Extracted, ended, extract_one
from flows.pool import GRACE, Ended
from load.records import SourceFile

#: the topic on which each task tells the scheduler that it started (its Prefect task run id)
TOPIC = "jixiao-extract-started"
#: seconds a night waits for a cluster that has no worker before its files are given up
IDLE = 120.0
#: seconds between two looks at the tasks (for the time limit and an empty cluster)
POLL = 0.5


class _InWorkerThread(logging.Filter):
    """Drop Prefect's warning that a timeout in a worker thread cannot interrupt a blocking
    call: every Dask task runs in a worker thread; extraction is Python code, which the
    timeout does interrupt, and a call that is not is ended by the flow (see module doc)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Timeout of %s seconds configured for this task")


logging.getLogger("prefect.task_runs").addFilter(_InWorkerThread())


def _here() -> str:
    """This Dask worker's address (for a reason that names where a file could not be read)."""
    try:
        from distributed import get_worker

        return get_worker().address
    except Exception:  # not on a Dask worker (a direct call)
        return socket.gethostname()


def _announce_start() -> None:
    """Tell the scheduler (topic :data:`TOPIC`) that this task run started on a worker."""
    try:
        from distributed import get_worker
        from prefect.runtime import task_run

        worker = get_worker()
        worker.log_event(TOPIC, {"task_run_id": str(task_run.id), "worker": worker.address})
    except Exception:  # not on a Dask worker: no one to tell
        pass


@task(name="extract-file", cache_policy=NO_CACHE, persist_result=False, retries=0)
def extract_on_worker(src: SourceFile, fn: Callable[[SourceFile], Extracted] | None = None,
                      ) -> Extracted:
    """One file, on a Dask worker: the worker must read the same bytes at the same path."""
    _announce_start()
    name = safe_name(src.file_name)
    if not os.access(src.path, os.R_OK):
        return Extracted(src, error_code="not_on_worker", reason=(
            f"{name}：Dask 集群的工作进程（{_here()}）读不到此文件（{safe_name(src.path)}），"
            "文件未载入；下次运行将重新读取。请让集群的每个工作进程都能以同一路径读取收件目录"))
    got = (fn or extract_one)(src)
    sha = got.doc.sha256 if got.doc is not None else None
    if sha and sha != src.sha256:
        return Extracted(src, error_code="changed_on_worker", reason=(
            f"{name}：Dask 集群的工作进程（{_here()}）读到的文件内容与本次运行登记的不同"
            "（文件在读取期间被改动，或工作进程上同一路径是另一个文件），文件未载入；"
            "下次运行将重新读取"))
    return got


def _unavailable(src: SourceFile, address: str, why: str) -> Extracted:
    return Extracted(src, error_code="cluster_unavailable", reason=(
        f"{safe_name(src.file_name)}：{why}，文件未读取；下次运行将重新读取。"
        f"请检查 JIXIAO_DASK_ADDRESS（{address}）与 Dask 集群的状态"))


def _failed(src: SourceFile, exc: BaseException) -> Extracted:
    if "Failed to reach API" in str(exc):  # Prefect's task engine, on the worker
        return Extracted(src, error_code="cluster_failed", reason=(
            f"{safe_name(src.file_name)}：Dask 集群的工作进程连不上 Prefect API（{str(exc)[:200]}），"
            "文件未载入；下次运行将重新读取。请把 PREFECT_API_URL 设为工作进程也能访问的 "
            "Prefect 服务器地址"))
    return Extracted(src, error_code="cluster_failed", reason=(
        f"{safe_name(src.file_name)}：在 Dask 集群上读取时出错（{type(exc).__name__}: "
        f"{str(exc)[:300]}），文件未载入；下次运行将重新读取。请确认集群的工作进程安装了"
        "与本机相同版本的 jixiao"))


def _out_of_memory(src: SourceFile, exc: MemoryError) -> Extracted:
    return Extracted(src, error_code="out_of_memory", reason=(
        f"{safe_name(src.file_name)}：读取所需内存超过 Dask 工作进程的上限（MemoryError: "
        f"{str(exc)[:200]}），文件未载入；下次运行将重新读取。请检查文件是否异常，"
        "或调高 Dask 工作进程的内存上限（dask worker --memory-limit）"))


def _outcome(src: SourceFile, future, seconds: float | None) -> Extracted:
    """What became of the file of a finished future."""
    from distributed.scheduler import KilledWorker

    try:
        state = future.wrapped_future.result()  # a Prefect state, or the error of the Dask task
    except KilledWorker as exc:
        last = getattr(exc.last_worker, "address", exc.last_worker)
        return ended(src, Ended(src, "worker_died", f"the Dask worker reading it died, "
                                                    f"{exc.allowed_failures + 1} time(s); the "
                                                    f"last was {last}", 0.0))
    except MemoryError as exc:
        return _out_of_memory(src, exc)
    except Exception as exc:  # the task could not run on the worker (an import, a pickle)
        return _failed(src, exc)
    if state.name == "TimedOut":
        return ended(src, Ended(src, "too_slow", f"limit {seconds:.0f} s, on the Dask cluster",
                                seconds or 0.0))
    try:
        value = state.result(raise_on_failure=False)
    except Exception as exc:  # a result that cannot be read back
        return _failed(src, exc)
    if isinstance(value, Extracted):
        return value
    if isinstance(value, MemoryError):
        return _out_of_memory(src, value)
    if isinstance(value, BaseException):
        return _failed(src, value)
    return _failed(src, TypeError(f"the task returned {type(value).__name__}"))


class _Starts:
    """When each task run last started on a worker (monotonic seconds): a task that Dask runs
    again after its worker died starts its clock again."""

    def __init__(self) -> None:
        self._at: dict[str, float] = {}
        self._lock = threading.Lock()

    def __call__(self, event) -> None:
        _, msg = event
        run = msg.get("task_run_id") if isinstance(msg, dict) else None
        if run:
            with self._lock:
                self._at[str(run)] = time.monotonic()

    def get(self, run_id) -> float | None:
        with self._lock:
            return self._at.get(str(run_id))


@flow(name="extract-on-dask", persist_result=False, validate_parameters=False)
def extract_on_dask_flow(sources: list[SourceFile], address: str, seconds: float | None,
                         fn: Callable[[SourceFile], Extracted] | None = None,
                         idle: float = IDLE, grace: float = GRACE) -> list[Extracted]:
    """Every source extracted on the Dask cluster (this flow's task runner), in order."""
    from prefect import get_run_logger
    from prefect.context import FlowRunContext

    try:
        client = FlowRunContext.get().task_runner.client  # connects to the scheduler
    except (OSError, TimeoutError) as exc:
        get_run_logger().error("cannot reach the Dask scheduler at %s: %s", address, exc)
        why = f"无法连接 Dask 集群（{type(exc).__name__}: {str(exc)[:200]}）"
        return [_unavailable(s, address, why) for s in sources]
    starts = _Starts()
    client.subscribe_topic(TOPIC, starts)
    try:
        work = extract_on_worker.with_options(timeout_seconds=seconds)
        return _collect(client, sources, {i: work.submit(s, fn) for i, s in enumerate(sources)},
                        address, seconds, starts, idle, grace)
    finally:
        client.unsubscribe_topic(TOPIC)


def _collect(client, sources: Sequence[SourceFile], pending: dict, address: str,
             seconds: float | None, starts: _Starts, idle: float, grace: float,
             ) -> list[Extracted]:
    """Each file's outcome as its task ends (its future dropped at once, so that the cluster
    forgets its result), or when its time is up, or when the cluster has had no worker for
    ``idle`` seconds. A file's time is up ``grace`` seconds after its limit."""
    from distributed import wait

    out: list[Extracted | None] = [None] * len(sources)
    no_worker_since: float | None = None
    while pending:
        try:
            with client.as_current():
                wait([f.wrapped_future for f in pending.values()], timeout=POLL,
                     return_when="FIRST_COMPLETED")
        except TimeoutError:  # none finished: look at the clocks
            pass
        now = time.monotonic()
        for i, f in list(pending.items()):
            began = starts.get(f.task_run_id)
            if f.wrapped_future.done():
                out[i] = _outcome(sources[i], f, seconds)
            elif seconds is not None and began is not None and now - began > seconds + grace:
                f.wrapped_future.cancel()  # stuck where Python cannot stop it
                out[i] = ended(sources[i], Ended(
                    sources[i], "too_slow", f"no answer {now - began:.0f} s after it started on "
                                            f"the Dask cluster (limit {seconds:.0f} s)",
                    now - began))
            else:
                continue
            del pending[i]
        if pending and not client.nthreads():
            no_worker_since = no_worker_since or now
            if now - no_worker_since > idle:
                for i, f in pending.items():
                    f.wrapped_future.cancel()
                    out[i] = _unavailable(sources[i], address,
                                          f"Dask 集群在 {idle:.0f} 秒内没有可用的工作进程")
                pending.clear()
        else:
            no_worker_since = None
    return out  # type: ignore[return-value]


def extract_on_dask(sources: Sequence[SourceFile], address: str, *, seconds: float | None,
                    fn: Callable[[SourceFile], Extracted] | None = None,
                    idle: float = IDLE, grace: float = GRACE) -> list[Extracted]:
    """``fn`` (:func:`~flows.extraction.extract_one`) for every source on the Dask cluster whose
    scheduler is at ``address`` (``tcp://host:port``), through prefect-dask's
    ``DaskTaskRunner``; results in the order given, a file that fails as a value (see the
    module doc), never an exception. ``seconds``: each file's time limit (None: no limit);
    ``idle``: how long to wait for a cluster without workers; ``grace``: how long past its
    limit a file stuck where Python cannot stop it is waited for."""
    if not sources:
        return []
    from prefect_dask import DaskTaskRunner

    runner = DaskTaskRunner(address=address)
    try:
        return extract_on_dask_flow.with_options(task_runner=runner)(
            list(sources), address, seconds, fn, idle, grace)
    except Exception as exc:  # the subflow itself broke: every file is recorded all the same
        return [_failed(s, exc) for s in sources]
