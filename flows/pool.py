"""Worker processes for per-file work, each file under a wall-clock and a memory limit.

Why not :class:`concurrent.futures.ProcessPoolExecutor`: when one of its workers dies (a
decompression bomb, a crash in a C library), the whole pool breaks and nothing says which file
did it; a worker stuck in C code is never ended; and after a ``kill -9`` of the ingest its
workers lived on. Here each worker takes one file at a time over its own pipe, so the parent
always knows which file a worker holds:

* a file still running ``grace`` seconds after its time limit has its worker killed and is
  recorded ``too_slow``; a worker that dies (out of memory, a crash) has its file recorded
  ``worker_died``; in both cases a fresh worker takes the next file, and the file is not tried
  again that night (it could kill the next worker too);
* each worker caps its own address space at its size after start-up plus ``memory_mb``
  (``RLIMIT_AS``): a file that needs more gets a ``MemoryError`` in its worker, which is
  recorded ``out_of_memory`` while the worker lives on;
* workers are forked from a *fork server* (:func:`start_fork_server`: a fresh interpreter,
  started once per process, that has imported the workers' modules; no lock inherited from a
  thread of the parent), so a worker starts in milliseconds, not the ~0.5 s of a spawned
  interpreter's imports (``spawn`` where there is no fork server). They end when the ingest
  ends, however it ends: a thread in each worker waits on the ingest's process handle
  (``pidfd``) and ends the worker, after which the fork server (whose pipe the workers held)
  sees its end of the pipe close and exits; the kernel also sends a worker SIGKILL when its
  parent dies (``PR_SET_PDEATHSIG``); closing the pool terminates them.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: seconds a worker may overrun a file's time limit (its own check should stop it first)
GRACE = 5.0


@dataclass(frozen=True)
class Ended(Generic[T]):
    """A file whose worker did not give an answer: ``too_slow`` (killed at the limit) or
    ``worker_died`` (the process ended: memory, a crash) or ``out_of_memory`` (a
    ``MemoryError`` the worker survived); ``detail`` says how."""

    item: T
    code: str
    detail: str
    seconds: float


def parent_death_signal(sig: int) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent ends
    (``PR_SET_PDEATHSIG``); nothing where that does not exist (not Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG
    except Exception:  # pragma: no cover - not Linux
        pass


def _die_with(ingest: int) -> None:
    """End this worker when the process ``ingest`` (the one that asked for it) ends, however
    it ends: SIGKILL from the kernel when the worker's parent ends (spawned: the ingest; forked
    from the fork server: the server), and a thread that waits on the ingest's process handle
    (``pidfd``: the fork server lives on while a worker holds its pipe, so its end would not
    come first) or, without one, looks every second."""
    parent_death_signal(signal.SIGKILL)

    def watch() -> None:
        try:
            handle = os.pidfd_open(ingest)
        except (AttributeError, OSError):  # gone already, or no pidfd (old kernel, not Linux)
            handle = None
        if handle is not None:
            select.select([handle], [], [])
            os._exit(1)
        while True:
            try:
                os.kill(ingest, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pragma: no cover - the pid was taken by another user
                os._exit(1)
            time.sleep(1.0)

    threading.Thread(target=watch, daemon=True, name="jixiao-watch-ingest").start()


def _cap_memory(memory_mb: int | None) -> None:
    if not memory_mb:
        return
    import resource

    with open("/proc/self/statm") as fh:
        size = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = size + memory_mb * (1 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


#: imported once by the fork server, before any worker is forked from it (``extract.pdf``:
#: the reader and pdfplumber, which ``import extract`` leaves to the first file: 0.1 s a
#: worker a night otherwise)
PRELOAD = ("flows.extraction", "extract.pdf")


def _context():
    """The fork server's context where there is one (Linux), else ``spawn``."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(PRELOAD))  # (read when the server starts)
        return ctx
    return multiprocessing.get_context("spawn")  # pragma: no cover - not Linux


def start_fork_server() -> None:
    """Start the fork server now, so that its imports (:data:`PRELOAD`) run while the caller
    does other work (finding and hashing the files); once per process, a no-op after."""
    if _context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _worker(conn: Connection, fn: Callable, ingest: int, memory_mb: int | None) -> None:
    """Take items from ``conn``, answer ``("ok", result)`` or ``("memory", text)``; end with
    the process ``ingest``."""
    _die_with(ingest)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C reaches it too
    _cap_memory(memory_mb)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        try:
            answer = ("ok", fn(item))
        except MemoryError as exc:
            answer = ("memory", f"MemoryError: {exc}")
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(("memory", "MemoryError while sending the result"))


class _Slot:
    """One worker process and the file it holds."""

    def __init__(self, ctx, fn: Callable, memory_mb: int | None) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, fn, os.getpid(), memory_mb),
                                daemon=True, name="jixiao-worker")
        self.proc.start()
        child.close()
        self.index: int | None = None
        self.started = 0.0

    def give(self, index: int, item: object) -> None:
        self.index, self.started = index, time.monotonic()
        self.conn.send(item)

    def stop(self, *, kill: bool = False) -> None:
        if self.proc.is_alive():
            if kill:
                self.proc.kill()
            else:
                try:
                    self.conn.send(None)
                except OSError:
                    pass
                self.proc.join(2)
                if self.proc.is_alive():
                    self.proc.terminate()
        self.proc.join(5)
        if self.proc.is_alive():  # pragma: no cover - a worker ignoring SIGTERM
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run_all(fn: Callable[[T], R], items: Sequence[T], *, workers: int, seconds: float | None,
            memory_mb: int | None = None, grace: float = GRACE,
            ) -> Iterator[tuple[int, R | Ended[T]]]:
    """``fn(item)`` for every item in worker processes; yields ``(index, result)`` as they
    finish, or ``(index, Ended)`` for an item whose worker was killed at ``seconds + grace`` or
    died. ``fn`` must be importable (a module-level function) and return a picklable value.
    Workers are ended when the iteration ends, including by an exception or a signal."""
    if not items:
        return
    ctx = _context()
    todo = list(enumerate(items))[::-1]
    slots = [_Slot(ctx, fn, memory_mb) for _ in range(min(workers, len(items)))]
    try:
        busy: list[_Slot] = []
        for s in slots:
            if todo:
                s.give(*todo.pop())
                busy.append(s)
        while busy:
            limit = None
            if seconds is not None:
                now = time.monotonic()
                limit = max(0.0, min(s.started + seconds + grace - now for s in busy))
            ready = wait([x for s in busy for x in (s.conn, s.proc.sentinel)], timeout=limit)
            for s in list(busy):
                index = s.index
                assert index is not None
                answer = _answer(s) if (s.conn in ready or s.proc.sentinel in ready) else None
                took = time.monotonic() - s.started
                if answer is None and seconds is not None and took > seconds + grace:
                    s.stop(kill=True)
                    answer = Ended(items[index], "too_slow",
                                   f"ended after {took:.0f} s (limit {seconds:.0f} s)", took)
                elif answer is None and not s.proc.is_alive():
                    answer = _died(s, items[index], took)
                if answer is None:
                    continue
                if isinstance(answer, Ended) and answer.item is None:
                    answer = Ended(items[index], answer.code, answer.detail, answer.seconds)
                busy.remove(s)
                free = s
                if not s.proc.is_alive() or s.conn.closed:
                    slots.remove(s)
                    s.stop()
                    free = _Slot(ctx, fn, memory_mb)
                    slots.append(free)
                if todo:  # the worker takes its next file before the answer is handed on
                    free.give(*todo.pop())
                    busy.append(free)
                yield index, answer
    finally:
        for s in slots:
            s.stop(kill=True)


def _answer(slot: _Slot):
    """The worker's answer if one is waiting; None if it has none (yet, or it died)."""
    try:
        if not slot.conn.poll():
            return None
        kind, value = slot.conn.recv()
    except (EOFError, OSError):
        return None
    if kind == "memory":
        return Ended(None, "out_of_memory", value, time.monotonic() - slot.started)
    return value


def _died(slot: _Slot, item, took: float) -> Ended:
    slot.proc.join(1)
    code = slot.proc.exitcode
    how = (f"killed by signal {signal.Signals(-code).name}" if code is not None and code < 0
           else f"exit status {code}")
    if code == -signal.SIGKILL:
        how += " (often the out-of-memory killer)"
    return Ended(item, "worker_died", f"the worker process ended ({how})", took)
