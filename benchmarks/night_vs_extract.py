"""A whole night against the extractor alone on the same files (issue 11: ≤ 1.5×).

    .venv/bin/python benchmarks/night_vs_extract.py [--n 100 500] [--workers 2] [--started]
                                                    [--reports K]

Renders N layout-fuzzer documents (seeds 0 … N-1, units and layouts drawn from the seed: a
unit's projects recur over years; 1–3 自评表 each, or K with ``--reports``: a unit's whole
report holds about a dozen, as the bundled samples do, 11–12 on 15–16 pages), then, in the same run and on the same files: the extractor
alone (:func:`extract.extract_file` over N files in ``--workers`` processes), and a night of
``ingest-reports`` into a fresh warehouse (the Prefect API started before the clock). With
``--started``, the warehouse is created, Great Expectations and the workers' fork server started
before the clock too, and the process has run one night (over an empty inbox: a process's first
flow run sets up Prefect's client, ~0.45 s), i.e. a night of a process after its first:
start-up excluded, as for the empty night;
without, the night pays both. Prints both times, the ratio, how the files were loaded
(``streaming``: while the rest were read) and the night's stages (they overlap). A benchmark,
not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def _extract(path: str) -> int:
    from extract import ExtractError, extract_file

    try:
        return extract_file(path).page_count
    except ExtractError:
        return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[100, 500])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--started", action="store_true",
                    help="warehouse created, Great Expectations and the fork server started, "
                         "one night run before the clock")
    ap.add_argument("--reports", type=int, default=None,
                    help="自评表 per document (default: the fuzzer's 1–3; a unit's report: ~12)")
    args = ap.parse_args()
    from flows.ingest import ingest_reports
    from flows.prefect_server import run_api
    from tests.layout_fuzzer import render

    with tempfile.TemporaryDirectory() as tmp, run_api():
        for n in args.n:
            inbox = Path(tmp) / f"inbox-{n}"
            inbox.mkdir()
            files = [str(render(seed, inbox, reports=args.reports)[0]) for seed in range(n)]
            for f in inbox.glob("*.json"):
                f.unlink()
            t0 = time.perf_counter()
            with ProcessPoolExecutor(args.workers) as pool:
                pages = sum(pool.map(_extract, files, chunksize=4))
            alone = time.perf_counter() - t0
            db = str(Path(tmp) / f"w-{n}.duckdb")
            if args.started:
                from expectations.runner import prepare
                from flows.pool import start_fork_server
                from load import writer

                prepare()
                start_fork_server()
                with writer(db):
                    pass
                if n == args.n[0]:  # the process's first flow run sets up Prefect's client
                    empty = Path(tmp) / "empty"
                    empty.mkdir()
                    ingest_reports(paths=[str(empty)], db=str(Path(tmp) / "warm.duckdb"),
                                   alert_urls=[], workers=args.workers)
            t0 = time.perf_counter()
            out = ingest_reports(paths=[str(inbox)], db=db, alert_urls=[], workers=args.workers)
            night = time.perf_counter() - t0
            print(f"{n} files, {pages} pages: extractor alone {alone:.1f} s, night {night:.1f} s,"
                  f" ratio {night / alone:.2f} (loaded {out.counts.loaded}, reports "
                  f"{out.counts.reports_loaded}, {out.load_way})")
            print("  stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in out.seconds.items()))


if __name__ == "__main__":
    main()
