"""Insert rate of the load stage: reports and indicator rows per second that the single
warehouse writer loads, night after night, as the warehouse grows.

    .venv/bin/python benchmarks/load_rate.py [--copies 25] [--nights 4] [--workers 2]

The bundled samples (3 files, 34 reports, 382 indicator rows) are extracted once. Copy k of
them is the same documents under a unit of its own (主管部门 and 实施单位 prefixed
``样本单位k``, so no copy is a version of another) in files of their own (the sample's bytes
plus a trailing comment: a new sha256). Each night's copies go through the real ingest flow
(``flows.ingest.ingest_reports``: discover, extract in the worker pool, transform, validate,
load, into a working copy, published) into one fresh warehouse; the extraction returns the
renamed documents instead of reading the PDF again, since only the load is measured here. The
flow's own clock gives the seconds of its load stage and its counts the reports and indicator
rows loaded. It is a benchmark, not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
#: where the worker processes find the documents extracted once (set by main)
CACHE_ENV = "JIXIAO_BENCH_DOCS"
NAME = re.compile(r"c(\d+)-(.+\.pdf)$")


def renamed(src):
    """The pool's per-file function for this benchmark (runs in the workers): the sample the
    file copies, as extracted once, under copy k's unit and the file's own name and hash."""
    from flows.extraction import Extracted

    k, sample = NAME.match(src.file_name).groups()
    with open(os.environ[CACHE_ENV], "rb") as fh:
        doc = pickle.load(fh)[sample]
    unit = f"样本单位{int(k):03d}"
    reports = tuple(replace(r, supervising_department=unit + (r.supervising_department or ""),
                            implementing_unit=unit + (r.implementing_unit or ""))
                    for r in doc.reports)
    return Extracted(src, doc=replace(doc, file=src.file_name, path=src.path, sha256=src.sha256,
                                      bytes=src.bytes, reports=reports))


def write_copies(folder: Path, first: int, count: int) -> None:
    folder.mkdir(parents=True)
    for k in range(first, first + count):
        for pdf in sorted(SAMPLES.glob("*.pdf")):
            (folder / f"c{k:04d}-{pdf.name}").write_bytes(
                pdf.read_bytes() + f"\n% load-rate copy {k}\n".encode())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=25, help="copies of the samples per night")
    ap.add_argument("--nights", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.pop("JIXIAO_DASK_ADDRESS", None)
    sys.path.insert(0, str(ROOT))
    import flows.ingest as ingest
    from extract import extract_file
    from flows.prefect_server import run_api

    tmp = Path(tempfile.mkdtemp(prefix="jixiao-load-rate-"))
    try:
        docs = {p.name: extract_file(p) for p in sorted(SAMPLES.glob("*.pdf"))}
        cache = tmp / "docs.pickle"
        cache.write_bytes(pickle.dumps(docs))
        os.environ[CACHE_ENV] = str(cache)
        ingest._extract_one = renamed
        per_copy = (sum(len(d.reports) for d in docs.values()),
                    sum(len(r.indicators) for d in docs.values() for r in d.reports))
        print(f"one copy: {len(docs)} files, {per_copy[0]} reports, {per_copy[1]} indicator "
              f"rows; {args.copies} copies a night; load average {os.getloadavg()[0]:.1f}")
        print(f"{'night':>5} {'reports before':>15} {'files':>6} {'reports':>8} "
              f"{'indicators':>11} {'load s':>8} {'reports/s':>10} {'rows/s':>8} "
              f"{'s/file':>7} {'night s':>8}")
        db = tmp / "warehouse" / "jixiao.duckdb"
        before = 0
        totals = [0, 0, 0.0]
        with run_api():
            for night in range(args.nights):
                inbox = tmp / f"night{night}"
                write_copies(inbox, night * args.copies, args.copies)
                t = time.perf_counter()
                out = ingest.ingest_reports(paths=[str(inbox)], db=str(db), workers=args.workers,
                                            alert_urls=[], report=False)
                whole = time.perf_counter() - t
                c, load = out.counts, out.seconds["load"]
                assert c.loaded == c.files_new == 3 * args.copies, out.text()
                print(f"{night + 1:5d} {before:15d} {c.loaded:6d} {c.reports_loaded:8d} "
                      f"{c.indicators_loaded:11d} {load:8.2f} {c.reports_loaded / load:10.1f} "
                      f"{c.indicators_loaded / load:8.0f} {load / c.loaded:7.3f} {whole:8.1f}",
                      flush=True)
                before += c.reports_loaded
                totals = [totals[0] + c.reports_loaded, totals[1] + c.indicators_loaded,
                          totals[2] + load]
        print(f"all nights: {totals[0]} reports and {totals[1]} indicator rows loaded in "
              f"{totals[2]:.1f} s of load stage: {totals[0] / totals[2]:.1f} reports/s, "
              f"{totals[1] / totals[2]:.0f} indicator rows/s; load average "
              f"{os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
