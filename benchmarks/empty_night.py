"""A night with nothing new over many known files (issue 11: ≤ 5 s after start-up at 10,000).

    .venv/bin/python benchmarks/empty_night.py [--files 10000]

Makes an inbox of ``--files`` files (hard links to the bundled samples under other names: the
same bytes, so one night records 3 loaded files and the rest as duplicates), ingests it once,
then times a second night in which nothing is new. Start-up (the temporary Prefect API the
ingest starts, imports) is timed apart from the run itself; the run is timed per stage. A
benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=10000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    from flows.ingest import ingest_reports
    from flows.prefect_server import run_api

    imports = time.perf_counter() - t0
    samples = sorted((ROOT / "samples").glob("*.pdf"))
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        for i in range(args.files):
            folder = inbox / f"{i // 1000:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            os.link(samples[i % len(samples)], folder / f"{i:05d}-{samples[i % 3].name}")
        db = Path(tmp) / "w.duckdb"
        t0 = time.perf_counter()
        with run_api():
            api = time.perf_counter() - t0
            t0 = time.perf_counter()
            first = ingest_reports(paths=[str(inbox)], db=str(db), alert_urls=[], report=True)
            first_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            empty = ingest_reports(paths=[str(inbox)], db=str(db), alert_urls=[], report=True)
            empty_s = time.perf_counter() - t0
    print(f"files {args.files}; imports {imports:.1f} s, Prefect API start {api:.1f} s")
    print(f"first night: {first_s:.1f} s (new {first.counts.files_new}, duplicates "
          f"{first.counts.duplicate})")
    print(f"empty night: {empty_s:.2f} s after start-up (new {empty.counts.files_new}); "
          f"stages: " + ", ".join(f"{k} {v:.2f}s" for k, v in empty.seconds.items()))
    other = empty_s - sum(empty.seconds.values())
    print(f"  outside the timed stages (Prefect task and flow bookkeeping, publish, "
          f"finish): {other:.2f} s")


if __name__ == "__main__":
    main()
