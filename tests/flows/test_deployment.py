"""The nightly deployment: schedule (cron, Asia/Shanghai) and parameters; prefect.yaml agrees."""

from __future__ import annotations

import pytest
import yaml

from flows.config import ROOT, Settings
from flows.ingest import DEPLOYMENT_NAME, ingest_reports, nightly_deployment

# one worker runs every flow test: one Prefect harness, one night's run
pytestmark = pytest.mark.xdist_group("flows")


def test_nightly_schedule_and_parameters(monkeypatch, tmp_path):
    monkeypatch.delenv("JIXIAO_SCHEDULE", raising=False)
    monkeypatch.setenv("JIXIAO_DB", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("JIXIAO_INBOX", f"{tmp_path / 'a'} {tmp_path / 'b'}")
    monkeypatch.setenv("JIXIAO_RULES", "hubei")
    d = nightly_deployment(Settings.load())
    assert d.name == DEPLOYMENT_NAME and d.flow_name == ingest_reports.name
    (schedule,) = d.schedules
    assert schedule.schedule.cron == "0 2 * * *"
    assert schedule.schedule.timezone == "Asia/Shanghai"
    assert d.parameters == {"paths": [str(tmp_path / "a"), str(tmp_path / "b")],
                            "db": str(tmp_path / "w.duckdb"), "rules": "hubei"}


def test_schedule_from_the_environment(monkeypatch):
    monkeypatch.setenv("JIXIAO_SCHEDULE", "30 1 * * 1-5")
    (schedule,) = nightly_deployment(Settings.load()).schedules
    assert schedule.schedule.cron == "30 1 * * 1-5"


def test_prefect_yaml_declares_the_same_deployment(monkeypatch):
    monkeypatch.delenv("JIXIAO_SCHEDULE", raising=False)
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (dep,) = spec["deployments"]
    served = nightly_deployment(Settings.load())
    assert dep["name"] == served.name
    (sched,) = dep["schedules"]
    assert (sched["cron"], sched["timezone"]) == (served.schedules[0].schedule.cron,
                                                  served.schedules[0].schedule.timezone)
    module, _, name = dep["entrypoint"].partition(":")
    assert module == "flows/ingest.py" and name == "ingest_reports"
    assert dep["work_pool"]["name"]
