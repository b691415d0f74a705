"""Flow runs against the ingest's temporary Prefect server start no heartbeat thread (nothing
can watch it, and Prefect joins that thread at the end of each run, up to a second), unless
Prefect's heartbeat setting is given."""

from __future__ import annotations

import threading

import pytest
from prefect import flow

from flows.prefect_server import HEARTBEAT_SETTINGS, _no_heartbeats


def _heartbeat_threads() -> int:
    return sum(1 for t in threading.enumerate()
               if any(getattr(a, "__name__", "") == "heartbeat_loop"
                      for a in getattr(t, "_args", ())))


@flow
def _probe() -> int:
    return _heartbeat_threads()


@pytest.mark.parametrize("asked", [None, "60"])
def test_a_flow_run_beats_only_when_asked(prefect_harness, monkeypatch, asked):
    for name in HEARTBEAT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    assert _probe() == 1  # Prefect's default: a heartbeat thread per flow run
    if asked:
        monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", asked)
    with _no_heartbeats():
        assert _probe() == (1 if asked else 0)
