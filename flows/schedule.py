"""The nightly schedule (``JIXIAO_SCHEDULE``): a cron line, or ``every N s|m|h`` for testing.

Times are in Asia/Shanghai. The next run times are computed by the same schedule classes that
Prefect's scheduler service uses (``prefect.server.schemas.schedules``), so what ``jixiao serve``
and ``jixiao status`` print is what the server will schedule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

TIMEZONE = "Asia/Shanghai"
TZ = ZoneInfo(TIMEZONE)

_EVERY = re.compile(r"^\s*every\s+(\d+)\s*(s|sec|m|min|h)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


#: the five cron fields' ranges: minute, hour, day of month, month, day of week (0 or 7 = Sunday)
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_CRON_NAMES = re.compile(r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
                         r"sun|mon|tue|wed|thu|fri|sat)$", re.IGNORECASE)
_CRON_PART = re.compile(r"^(\*|\w+(?:-\w+)?)(?:/(\d+))?$")


def _cron_field(field: str, lo: int, hi: int) -> bool:
    """One cron field (``*``, ``5``, ``1-5``, ``*/10``, ``mon-fri``, lists of these) in range.
    Checked here without importing Prefect, so every command starts fast."""
    for part in field.split(","):
        m = _CRON_PART.match(part)
        if not m or (m.group(2) is not None and int(m.group(2)) == 0):
            return False
        if m.group(1) == "*":
            continue
        for v in m.group(1).split("-"):
            if v.isdigit():
                if not lo <= int(v) <= hi:
                    return False
            elif not _CRON_NAMES.match(v):
                return False
    return True


class ScheduleError(ValueError):
    """``JIXIAO_SCHEDULE`` is neither a cron line nor ``every N s|m|h``."""


@dataclass(frozen=True, slots=True)
class NightlySchedule:
    """When the ingest runs: a cron line (Asia/Shanghai) or a fixed interval from ``anchor``."""

    text: str
    cron: str | None = None
    interval: timedelta | None = None
    anchor: datetime | None = None

    def describe(self) -> str:
        if self.cron is not None:
            return f"cron {self.cron} ({TIMEZONE})"
        return f"every {int(self.interval.total_seconds())} s"

    def anchored(self, at: datetime | None = None) -> NightlySchedule:
        """An interval schedule whose first run is one interval after ``at`` (default now, to
        the second); a cron schedule unchanged."""
        if self.interval is None:
            return self
        at = (at or datetime.now(UTC)).replace(microsecond=0) + self.interval
        return NightlySchedule(self.text, interval=self.interval, anchor=at)

    def prefect_schedule(self):
        """The schedule object for ``flow.to_deployment(schedules=[…])``."""
        from prefect.schedules import Cron, Interval

        if self.cron is not None:
            return Cron(self.cron, timezone=TIMEZONE)
        return Interval(self.interval, anchor_date=self.anchor, timezone=TIMEZONE)

    def next_runs(self, n: int = 3, after: datetime | None = None) -> list[datetime]:
        """The next ``n`` run times after ``after`` (default now), in Asia/Shanghai."""
        from prefect.server.schemas.schedules import CronSchedule, IntervalSchedule

        start = after or datetime.now(UTC)
        if self.cron is not None:
            server = CronSchedule(cron=self.cron, timezone=TIMEZONE)
        else:
            anchor = self.anchor or start
            server = IntervalSchedule(interval=self.interval, anchor_date=anchor,
                                      timezone=TIMEZONE)
            start = max(start, anchor)  # the anchor is the first run (see anchored)
        dates = sorted(server._get_dates_generator(n=n, start=start))
        return [datetime.fromtimestamp(d.timestamp(), TZ) for d in dates[:n]]


def parse_schedule(text: str) -> NightlySchedule:
    """``0 2 * * *`` (cron, five fields) or ``every 30s`` / ``every 15m`` / ``every 2h``."""
    m = _EVERY.match(text)
    if m:
        seconds = int(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()]
        if seconds < 1:
            raise ScheduleError(f"JIXIAO_SCHEDULE={text!r}: the interval must be at least 1 s")
        return NightlySchedule(text, interval=timedelta(seconds=seconds))
    fields = text.split()
    if len(fields) != 5 or not all(_cron_field(f, lo, hi) for f, (lo, hi) in
                                   zip(fields, _CRON_RANGES, strict=True)):
        raise ScheduleError(
            f"JIXIAO_SCHEDULE={text!r} is not a schedule: give a cron line of five fields "
            "(minute hour day month weekday, e.g. '0 2 * * *' = 02:00 every night, "
            "Asia/Shanghai) or 'every 30s' / 'every 15m' / 'every 2h'")
    return NightlySchedule(" ".join(fields), cron=" ".join(fields))


def as_utc(dt: datetime | None) -> datetime | None:
    """A time as stored (DuckDB gives naive UTC back) made aware."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def shanghai(dt: datetime | None) -> str:
    """``2026-12-01 02:00:00`` in Asia/Shanghai (naive datetimes are taken as UTC)."""
    if dt is None:
        return ""
    return as_utc(dt).astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")
