"""Layout-fuzzer benchmark: extraction accuracy and speed on randomized whole documents.

    .venv/bin/python benchmarks/fuzz.py --n 2000 --seed 0 [--workers 2] [--time-docs 100]

Renders N documents (seeds SEED … SEED+N-1, each reproducible alone with
``tests.layout_fuzzer.render(seed, dir)``), extracts each with :func:`extract.extract_file`
(an :class:`extract.ExtractError` counts the file's reports as lost) and prints documents,
reports, cells exact (%), reports lost / invented, files failed, the failures per sampled
dimension value and the seeds of the first failing documents. Then times, on one core and on
the same PDFs (the first ``--time-docs`` documents), pdfplumber's default
``page.extract_tables()`` against jixiao's extractor. A benchmark, not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

from benchmarks.extract import interleaved  # noqa: E402
from extract import ExtractError, extract_file  # noqa: E402
from tests.layout_fuzzer import DIMENSIONS, compare, render  # noqa: E402
from tests.layout_fuzzer.build import ROTATIONS  # noqa: E402


def one(args: tuple[int, str, bool]) -> dict:
    seed, out, keep = args
    t = time.perf_counter()
    pdf, truth = render(seed, Path(out))
    t_render = time.perf_counter() - t
    err = None
    t = time.perf_counter()
    try:
        got = extract_file(pdf).to_truth()
    except ExtractError as e:
        got, err = None, f"{type(e).__name__}: {e}"
    t_extract = time.perf_counter() - t
    sc = compare(truth, got, err, max_diffs=4)
    if not keep:
        pdf.unlink()
    return {"seed": seed, "dims": truth["dimensions"], "cells": sc.cells, "exact": sc.exact,
            "extra": sc.extra_cells, "reports": sc.reports, "lost": sc.lost,
            "invented": sc.invented, "failed": err, "ok": sc.ok, "diffs": sc.diffs,
            "pdf": str(pdf), "render_s": t_render, "extract_s": t_extract}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--time-docs", type=int, default=100,
                    help="documents timed (default vs jixiao, one core); 0: no timing")
    ap.add_argument("--failing", type=int, default=12, help="failing seeds listed")
    ap.add_argument("--out", help="keep the PDFs in this folder (default: a temporary one)")
    ap.add_argument("--json", help="also write every document's result to this file")
    args = ap.parse_args()

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="jixiao-fuzz-"))
    seeds = list(range(args.seed, args.seed + args.n))
    timed = set(seeds[:args.time_docs])
    jobs = [(s, str(out), bool(args.out) or s in timed) for s in seeds]
    t0 = time.perf_counter()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            results = list(pool.map(one, jobs, chunksize=4))
    else:
        results = [one(j) for j in jobs]
    wall = time.perf_counter() - t0

    cells = sum(r["cells"] for r in results)
    exact = sum(r["exact"] for r in results)
    reports = sum(r["reports"] for r in results)
    lost = sum(r["lost"] for r in results)
    invented = sum(r["invented"] for r in results)
    failed = sum(1 for r in results if r["failed"])
    ok = sum(1 for r in results if r["ok"])
    print(f"documents        {len(results)}  (seeds {args.seed}..{args.seed + args.n - 1}, "
          f"{wall:.1f} s with {args.workers} worker(s))")
    print(f"documents exact  {ok} ({100 * ok / len(results):.1f} %)")
    print(f"reports          {reports}")
    print(f"cells exact      {exact}/{cells} ({100 * exact / cells:.2f} %)"
          f"   extra cells extracted: {sum(r['extra'] for r in results)}")
    print(f"reports lost     {lost}")
    print(f"reports invented {invented}")
    print(f"files failed     {failed}")
    errors: dict[str, int] = defaultdict(int)
    for r in results:
        if r["failed"]:
            errors[r["failed"].split(":")[0]] += 1
    if errors:
        print("  errors: " + ", ".join(f"{k} {v}" for k, v in sorted(errors.items())))

    print("\nfailures per dimension value (docs failing / docs with the value, cells exact):")
    for dim, values in {**DIMENSIONS, "page_rotation": sorted(set(ROTATIONS))}.items():
        parts = []
        for v in values:
            rs = [r for r in results if r["dims"][dim] == v]
            if not rs:
                continue
            bad = sum(1 for r in rs if not r["ok"])
            ce = sum(r["exact"] for r in rs) / max(1, sum(r["cells"] for r in rs))
            parts.append(f"{v}: {bad}/{len(rs)} ({100 * bad / len(rs):.0f} %, "
                         f"{100 * ce:.1f} %)")
        print(f"  {dim:16} " + "; ".join(parts))

    bad = [r for r in results if not r["ok"]]
    if bad:
        print(f"\nfirst failing seeds ({len(bad)} failing in all):")
        for r in bad[:args.failing]:
            d = r["dims"]
            short = ", ".join(f"{k}={d[k]}" for k in ("family", "label_cols", "funding_label",
                                                       "rulings", "forced_break",
                                                       "between_reports", "level_merge"))
            print(f"  seed {r['seed']}: {r['exact']}/{r['cells']} cells, lost {r['lost']}, "
                  f"invented {r['invented']} [{short}]")
            for line in r["diffs"][:2]:
                print(f"      {line[:160]}")

    if args.time_docs:
        files = [r["pdf"] for r in results if r["seed"] in timed]
        pages = 0
        for p in files:
            with pdfplumber.open(p) as pdf:
                pages += len(pdf.pages)
        t_def, t_jx = interleaved(files)
        print(f"\nspeed on one core, {len(files)} documents, {pages} pages "
              f"(cpu count {os.cpu_count()}):")
        print(f"  default extract_tables()  {t_def:7.2f} s  {pages / t_def:7.1f} pages/s")
        print(f"  jixiao extract_file()     {t_jx:7.2f} s  {pages / t_jx:7.1f} pages/s")
        print(f"  jixiao / default speed    {t_def / t_jx:.2f} ×")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=0),
                                   encoding="utf-8")
    if not args.out:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
