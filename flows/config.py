"""Configuration from the environment (and a ``.env`` file in the working directory), validated
when loaded: a bad value stops the command at once with one line naming the variable, instead of
a night that records every good file as failed.

| variable              | meaning                                                        | default                     |
|-----------------------|----------------------------------------------------------------|-----------------------------|
| ``JIXIAO_DB``         | the DuckDB warehouse file                                      | ``warehouse/jixiao.duckdb`` |
| ``JIXIAO_INBOX``      | folder(s) of new reports (space-separated)                     | ``samples/``                |
| ``JIXIAO_RULES``      | scoring rule set (``shanghai``, ``hubei``, ``jiangxi``, ``sichuan``) | ``shanghai``          |
| ``JIXIAO_ALERT_URLS`` | Apprise URLs for the run's summary, space-separated            | (none: no alerts)           |
| ``JIXIAO_ALERT_ON``   | ``always`` (every run: a heartbeat) or ``problems``            | ``always``                  |
| ``JIXIAO_SCHEDULE``   | cron of the nightly ingest (Asia/Shanghai), or ``every 30s``   | ``0 2 * * *``               |
| ``JIXIAO_PREFECT_PORT`` | port of the local Prefect server ``jixiao serve`` starts     | ``4200``                    |
| ``JIXIAO_WRITER_WAIT`` | seconds an ingest waits for another on the same warehouse     | ``3600``                    |
| ``JIXIAO_LIMIT_*``    | per-file extraction limits (:data:`LIMIT_VARIABLES`)           | ``extract.limits.Limits()`` |
| ``JIXIAO_DASK_ADDRESS`` | Dask scheduler ``tcp://host:port`` for the per-file work     | (none: local processes)     |
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from extract.limits import Limits
from flows.schedule import TIMEZONE, NightlySchedule, ScheduleError, parse_schedule

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT / "warehouse" / "jixiao.duckdb"
DEFAULT_INBOX = ROOT / "samples"
DEFAULT_SCHEDULE = "0 2 * * *"
DEFAULT_PREFECT_PORT = 4200
#: how long an ingest waits for another one on the same warehouse to finish (seconds)
DEFAULT_WRITER_WAIT = 3600.0
#: when the run's summary is sent: every run (so a missing message means a missing run), or
#: only runs with new findings or failed files
ALERT_ON = ("always", "problems")
DEFAULT_ALERT_ON = "always"

#: the per-file extraction limits (``extract.limits.Limits``), one variable per field; counts
#: are whole numbers, seconds and MiB may have decimals; each above 0
LIMIT_VARIABLES = {
    "JIXIAO_LIMIT_SECONDS": "seconds",  # 30
    "JIXIAO_LIMIT_MEMORY_MB": "memory_mb",  # 1024
    "JIXIAO_LIMIT_PAGES": "pages",  # 2000
    "JIXIAO_LIMIT_FILE_MB": "file_mb",  # 256
    "JIXIAO_LIMIT_STREAM_MB": "stream_mb",  # 64
    "JIXIAO_LIMIT_TOTAL_MB": "total_mb",  # 512
    "JIXIAO_LIMIT_CONTENT_MB": "content_mb",  # 8
    "JIXIAO_LIMIT_PAGE_OBJECTS": "page_objects",  # 100000
    "JIXIAO_LIMIT_DEPTH": "depth",  # 100
    "JIXIAO_LIMIT_OCR_PAGE_SECONDS": "ocr_page_seconds",  # 30: added per page read by OCR
}
_COUNTS = ("pages", "page_objects", "depth")

__all__ = ["ALERT_ON", "DEFAULT_SCHEDULE", "LIMIT_VARIABLES", "ROOT", "TIMEZONE", "Settings",
           "SettingsError", "load_limits"]


class SettingsError(ValueError):
    """A configuration value that cannot be used (the message names the variable)."""


def _dotenv(path: Path = Path(".env")) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (comments and blank lines ignored)."""
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip().strip('"').strip("'")
    return out


@dataclass(frozen=True)
class Settings:
    db: Path
    inbox: tuple[Path, ...]
    rules: str
    alert_urls: tuple[str, ...]
    schedule: NightlySchedule
    alert_on: str = DEFAULT_ALERT_ON
    prefect_port: int = DEFAULT_PREFECT_PORT
    writer_wait: float = DEFAULT_WRITER_WAIT
    limits: Limits = field(default_factory=Limits)
    dask_address: str | None = None
    #: JIXIAO_OCR: read pages without a text layer by OCR (on), or fail such files (off)
    ocr: bool = True

    @classmethod
    def load(cls) -> Settings:
        """The settings in force; :class:`SettingsError` names a bad variable."""
        env = {**_dotenv(), **os.environ}

        def get(key: str) -> str | None:
            value = env.get(key)
            return value if value not in (None, "") else None

        inbox = get("JIXIAO_INBOX")
        return cls(
            db=Path(get("JIXIAO_DB") or DEFAULT_DB),
            inbox=tuple(Path(p) for p in inbox.split()) if inbox else (DEFAULT_INBOX,),
            rules=_rules(get("JIXIAO_RULES") or "shanghai"),
            alert_urls=tuple((get("JIXIAO_ALERT_URLS") or "").split()),
            schedule=_schedule(get("JIXIAO_SCHEDULE") or DEFAULT_SCHEDULE),
            alert_on=_choice("JIXIAO_ALERT_ON", get("JIXIAO_ALERT_ON") or DEFAULT_ALERT_ON,
                             ALERT_ON),
            prefect_port=_port(get("JIXIAO_PREFECT_PORT")),
            writer_wait=_seconds("JIXIAO_WRITER_WAIT", get("JIXIAO_WRITER_WAIT")),
            limits=load_limits(env),
            dask_address=_dask_address(get("JIXIAO_DASK_ADDRESS")),
            ocr=_switch("JIXIAO_OCR", get("JIXIAO_OCR"), default=True),
        )


def _rules(name: str) -> str:
    from transform.scoring import RULE_SETS

    return _choice("JIXIAO_RULES", name, tuple(RULE_SETS))


_ON, _OFF = ("on", "1", "true", "yes"), ("off", "0", "false", "no")


def _switch(key: str, text: str | None, *, default: bool) -> bool:
    if text is None:
        return default
    if text.strip().lower() in _ON:
        return True
    if text.strip().lower() in _OFF:
        return False
    raise SettingsError(f"{key}={text!r} is not on or off")


def _choice(key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise SettingsError(f"{key}={value!r} is not one of {', '.join(allowed)}")
    return value


def _schedule(text: str) -> NightlySchedule:
    try:
        return parse_schedule(text)
    except ScheduleError as exc:
        raise SettingsError(str(exc)) from None


def _seconds(key: str, text: str | None) -> float:
    if text is None:
        return DEFAULT_WRITER_WAIT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise SettingsError(f"{key}={text!r} is not a number of seconds (0 or more)")
    return value


def _port(text: str | None) -> int:
    if text is None:
        return DEFAULT_PREFECT_PORT
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise SettingsError(f"JIXIAO_PREFECT_PORT={text!r} is not a TCP port (1–65535)")
    return int(text)


def load_limits(env: dict[str, str] | None = None) -> Limits:
    """The extraction limits of the ``JIXIAO_LIMIT_*`` variables (``.env`` and the environment
    when ``env`` is None), the defaults for those unset; :class:`SettingsError` names a bad one."""
    if env is None:
        env = {**_dotenv(), **os.environ}
    values: dict[str, float] = {}
    for key, name in LIMIT_VARIABLES.items():
        text = (env.get(key) or "").strip()
        if not text:
            continue
        try:
            value = int(text) if name in _COUNTS else float(text)
        except ValueError:
            value = 0
        if not 0 < value < float("inf"):
            kind = "a whole number" if name in _COUNTS else "a number"
            raise SettingsError(f"{key}={text!r} is not {kind} above 0")
        values[name] = value
    return Limits(**values)


_DASK_ADDRESS = re.compile(r"tcp://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(\d{1,5})")


def _dask_address(text: str | None) -> str | None:
    m = _DASK_ADDRESS.fullmatch(text) if text is not None else None
    if text is not None and not (m and 1 <= int(m[3]) <= 65535):
        raise SettingsError(f"JIXIAO_DASK_ADDRESS={text!r} is not a Dask scheduler address "
                            "tcp://host:port (e.g. tcp://scheduler:8786); leave it empty to "
                            "extract in local worker processes")
    return text
