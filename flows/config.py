"""Configuration from the environment (and a ``.env`` file in the working directory).

| variable            | meaning                                                      | default                  |
|---------------------|--------------------------------------------------------------|--------------------------|
| ``JIXIAO_DB``       | the DuckDB warehouse file                                    | ``warehouse/jixiao.duckdb`` |
| ``JIXIAO_INBOX``    | folder(s) of new reports for ``jixiao ingest`` (space-separated) | ``samples/``          |
| ``JIXIAO_RULES``    | scoring rule set (``shanghai``, ``hubei``, ``jiangxi``)      | ``shanghai``             |
| ``JIXIAO_ALERT_URLS`` | Apprise URLs for data-quality alerts, space-separated      | (none: no alerts)        |
| ``JIXIAO_SCHEDULE`` | cron of the nightly ingest (time zone Asia/Shanghai)         | ``0 2 * * *``            |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT / "warehouse" / "jixiao.duckdb"
DEFAULT_INBOX = ROOT / "samples"
DEFAULT_SCHEDULE = "0 2 * * *"
TIMEZONE = "Asia/Shanghai"


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
    schedule: str

    @classmethod
    def load(cls) -> Settings:
        env = {**_dotenv(), **os.environ}

        def get(key: str) -> str | None:
            value = env.get(key)
            return value if value not in (None, "") else None

        inbox = get("JIXIAO_INBOX")
        return cls(
            db=Path(get("JIXIAO_DB") or DEFAULT_DB),
            inbox=tuple(Path(p) for p in inbox.split()) if inbox else (DEFAULT_INBOX,),
            rules=get("JIXIAO_RULES") or "shanghai",
            alert_urls=tuple((get("JIXIAO_ALERT_URLS") or "").split()),
            schedule=get("JIXIAO_SCHEDULE") or DEFAULT_SCHEDULE,
        )
