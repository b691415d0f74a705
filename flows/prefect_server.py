"""The Prefect API that ``jixiao serve`` registers its deployment with.

Prefect's *temporary* server (what a flow uses when ``PREFECT_API_URL`` is unset) runs without
the scheduler service, so a deployment served against it never fires. ``jixiao serve``
therefore uses ``PREFECT_API_URL`` when it is set (a shared Prefect server), and otherwise
starts a full local server, with its scheduler and its UI, on ``127.0.0.1:JIXIAO_PREFECT_PORT``
as a child process, and stops it on the way out. The child is told by the kernel to stop when
its parent dies (``PR_SET_PDEATHSIG``), so even a ``kill -9`` of ``jixiao serve`` leaves no
server behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flows.pool import parent_death_signal

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 120.0


class PrefectServerError(RuntimeError):
    """The local Prefect server could not be started (the message says why and what to do)."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    parent_death_signal(signal.SIGTERM)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
            return r.status == 200
    except Exception:
        return False


@contextmanager
def local_server(port: int, *, timeout: float = STARTUP_TIMEOUT, services: bool = True,
                 ) -> Iterator[str]:
    """Run a Prefect server (API, scheduler and other services, UI) on ``127.0.0.1:port``;
    yields its API URL (``http://127.0.0.1:port/api``) once it answers, stops it on exit.
    ``services=False``: the API alone, as Prefect's temporary server runs it (no scheduler,
    no UI), for one ingest."""
    if not _port_free(port):
        raise PrefectServerError(
            f"port {port} on {HOST} is in use: another `jixiao serve` or Prefect server may be "
            "running. Stop it, set JIXIAO_PREFECT_PORT to a free port, or point PREFECT_API_URL "
            "at the running server")
    url = f"http://{HOST}:{port}/api"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_API_URL": url, "PREFECT_API_URL": url}
    env.pop("PREFECT__SERVER_EPHEMERAL", None)
    if not services:
        env.update(PREFECT__SERVER_EPHEMERAL="1", PREFECT_UI_ENABLED="0")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
         "--host", HOST, "--port", str(port), "--log-level", "error", "--lifespan", "on"],
        env=env, stdin=subprocess.DEVNULL,
        preexec_fn=_die_with_parent)  # noqa: PLW1509 - prctl only, no lock taken
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if proc.poll() is not None:
                raise PrefectServerError(
                    f"the local Prefect server exited at start (status {proc.returncode}); "
                    "run `prefect server start` to see why")
            if time.monotonic() > deadline:
                raise PrefectServerError(
                    f"the local Prefect server did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _configured() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()


@contextmanager
def _using(url: str) -> Iterator[str]:
    """Prefect (this process and the flow runs it starts) talks to ``url`` inside the block."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        os.environ.pop("PREFECT_API_URL", None)


@contextmanager
def prefect_api(port: int, say: Callable[[str], None] = print) -> Iterator[str]:
    """The API URL to serve against: ``PREFECT_API_URL`` when set, else a local server started
    here. Inside the block, Prefect (this process and the flow runs it starts) uses that URL."""
    configured = _configured()
    if configured:
        say(f"Prefect API: {configured} (PREFECT_API_URL)")
        yield configured
        return
    say(f"starting the local Prefect server on {HOST}:{port} (scheduler, UI) …")
    with local_server(port) as url, _using(url):
        say(f"Prefect UI: {url.removesuffix('/api')}")
        yield url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def run_api() -> Iterator[str | None]:
    """The Prefect API for one ``jixiao ingest``: ``PREFECT_API_URL`` when set, else a
    temporary server of its own (what Prefect would start by itself, but bound to this
    process: after a ``kill -9`` of the ingest it does not live on)."""
    if _configured():
        yield None
        return
    with local_server(_free_port(), services=False) as url, _using(url), _no_heartbeats():
        try:
            yield url
        finally:
            _flush_logs()


#: Prefect's settings of flow-run heartbeats (the second is its older name)
HEARTBEAT_SETTINGS = ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")


@contextmanager
def _no_heartbeats() -> Iterator[None]:
    """No flow-run heartbeats against a temporary server, unless asked for (a heartbeat
    setting in the environment): the server lives and dies with this process, so nothing can
    watch them, and they cost up to a second at the end of every run (Prefect joins the
    heartbeat thread, which sleeps in one-second steps; measured 0.9 s on average per run)."""
    if any(os.environ.get(name) for name in HEARTBEAT_SETTINGS):
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def _flush_logs() -> None:
    """Send Prefect's queued run logs while its server still answers (else they fail at exit
    with "Error logging to API")."""
    try:
        from prefect.logging.handlers import APILogHandler

        APILogHandler.flush()
    except Exception:
        pass
