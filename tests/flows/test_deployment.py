"""The nightly deployment's declaration and the schedule setting (that it fires is
tests/flows/test_serve_schedule.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.config import Settings, SettingsError
from flows.ingest import DEPLOYMENT_NAME, ingest_reports, nightly_deployment
from flows.schedule import ScheduleError, parse_schedule

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


def test_next_runs_are_in_shanghai_time():
    after = datetime(2026, 11, 30, 17, 59, tzinfo=UTC)  # 01:59 in Shanghai
    runs = parse_schedule("0 2 * * *").next_runs(3, after=after)
    assert [f"{t:%Y-%m-%d %H:%M %Z}" for t in runs] == [
        "2026-12-01 02:00 CST", "2026-12-02 02:00 CST", "2026-12-03 02:00 CST"]
    every = parse_schedule("every 15m").anchored(after)
    assert [f"{t:%H:%M}" for t in every.next_runs(3, after=after)] == ["02:14", "02:29", "02:44"]


@pytest.mark.parametrize("bad", ["nope", "0 2 * *", "61 2 * * *", "0 2 * * * *", "every 0s"])
def test_a_bad_schedule_is_refused_with_its_variable(bad, monkeypatch):
    with pytest.raises(ScheduleError):
        parse_schedule(bad)
    monkeypatch.setenv("JIXIAO_SCHEDULE", bad)
    with pytest.raises(SettingsError, match="JIXIAO_SCHEDULE"):
        Settings.load()


@pytest.mark.parametrize(("key", "value"), [("JIXIAO_RULES", "atlantis"),
                                            ("JIXIAO_ALERT_ON", "sometimes"),
                                            ("JIXIAO_PREFECT_PORT", "99999")])
def test_settings_are_validated_when_loaded(key, value, monkeypatch):
    monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=key):
        Settings.load()
