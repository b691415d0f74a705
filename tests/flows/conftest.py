"""Prefect's test harness (a temporary local server, offline) once per test session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def night(prefect_harness, tmp_path_factory):
    """One night's run over samples/ and malformed/ (in that order), alerts to a loopback
    receiver (every run: a heartbeat), then the same run again, then once more with an alert
    address nobody answers. Tests only read the warehouse it leaves."""
    import shutil

    from flows.ingest import ingest_reports
    from tests.conftest import MALFORMED, SAMPLES
    from tests.flows.test_ingest_flow import _dump
    from tests.http_receiver import closed_port, receiver

    tmp = tmp_path_factory.mktemp("night")
    inbox = tmp / "inbox"
    shutil.copytree(SAMPLES, inbox / "samples")
    shutil.copytree(MALFORMED, inbox / "malformed", ignore=shutil.ignore_patterns("*.json"))
    db = tmp / "warehouse" / "jixiao.duckdb"
    paths = [str(inbox / "samples"), str(inbox / "malformed")]  # processed in this order
    with receiver() as hook:
        first = ingest_reports(paths=paths, db=str(db), alert_urls=[hook.url()],
                               alert_on="always", return_state=True)
        after_first = _dump(db)
        second = ingest_reports(paths=paths, db=str(db), alert_urls=[hook.url()],
                                alert_on="always", return_state=True)
        bodies = list(hook.bodies)
    # a third night whose alert cannot be delivered (nothing listens on the port)
    unreachable = f"json://127.0.0.1:{closed_port()}/hook?cto=1&rto=1"
    third = ingest_reports(paths=paths, db=str(db), alert_urls=[unreachable], alert_on="always",
                           return_state=True)
    return {"db": db, "first": first.result(), "second": second.result(),
            "third": third.result(), "states": (first, second, third), "dump": after_first,
            "alerts": bodies}
