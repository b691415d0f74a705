"""Extraction throughput: jixiao's extractor against pdfplumber's default ``extract_tables()``.

    .venv/bin/python benchmarks/extract.py FOLDER [FOLDER ...] [--repeat N] [--workers 2]

Over every readable PDF below the folders (unreadable ones are skipped), in one run:

* ``default``: each file opened anew, ``page.extract_tables()`` with default settings on every
  page, page closed (the baseline the issue names);
* ``jixiao``: :func:`extract.extract_file` on every file, one process (one core);
* ``jixiao×N``: the same files spread over N worker processes.

It prints pages per second for each and the ratios, and checks that every cell of the files
that have a ``*.truth.json`` beside them is still exact. It is a benchmark, not a test: CI never
runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

from extract import ExtractError, extract_file  # noqa: E402
from tests.truth import diff_document  # noqa: E402


def readable(folders: list[str]) -> list[tuple[Path, int]]:
    out = []
    for folder in folders:
        for p in sorted(Path(folder).rglob("*.pdf")):
            try:
                doc = extract_file(p)
            except ExtractError:
                continue
            out.append((p, doc.page_count))
    return out


def run_default(files: list[Path]) -> None:
    for p in files:
        with pdfplumber.open(p) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.close()


def interleaved(files: list) -> tuple[float, float]:
    """Seconds of the default ``extract_tables()`` and of jixiao's extractor over ``files`` on
    one core, timed file by file in turn: on a shared machine whose speed drifts, both sides
    see the same drift (timing one side after the other moved the ratio by ±20 %)."""
    t_def = t_jx = 0.0
    for p in files:
        t = time.perf_counter()
        run_default([p])
        t_def += time.perf_counter() - t
        t = time.perf_counter()
        try:
            extract_file(p)
        except ExtractError:
            pass
        t_jx += time.perf_counter() - t
    return t_def, t_jx


def _one(p: Path) -> dict:
    return extract_file(p).to_truth()


def run_pool(files: list[Path], workers: int) -> list[dict]:
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_one, files, chunksize=1))


def timed(fn, *args) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--repeat", type=int, default=3, help="pass over the files this many times")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()

    found = readable(args.folders)
    files = [p for p, _ in found] * args.repeat
    pages = sum(n for _, n in found) * args.repeat
    print(f"{len(found)} readable PDF(s), {pages} pages in the run (×{args.repeat}), "
          f"cpu count {os.cpu_count()}")

    t_def, t_one = interleaved(files)
    t_pool, docs_pool = timed(run_pool, files, args.workers)

    exact = checked = 0
    for p, doc in zip(files, docs_pool):
        truth_path = Path(str(p) + ".truth.json")
        if truth_path.exists():
            checked += 1
            diffs = diff_document(doc, json.loads(truth_path.read_text(encoding="utf-8")))
            exact += not diffs
            for d in diffs[:5]:
                print(f"  MISMATCH {p.name}: {d}")
    rows = [
        ("default extract_tables()", t_def),
        ("jixiao, 1 process", t_one),
        (f"jixiao, {args.workers} processes", t_pool),
    ]
    print(f"{'mode':32} {'seconds':>8} {'pages/s':>8} {'× default':>9}")
    for name, t in rows:
        print(f"{name:32} {t:8.2f} {pages / t:8.1f} {t_def / t:9.2f}")
    print(f"cells exact: {exact}/{checked} files with a truth file (all cells, white space aside)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "pages": pages, "files": len(files),
            "seconds": {name: round(t, 3) for name, t in rows},
            "pages_per_second": {name: round(pages / t, 2) for name, t in rows},
            "exact_files": exact, "checked_files": checked}, indent=1))


if __name__ == "__main__":
    main()
