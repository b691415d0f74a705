"""Hostile input: regenerate seeded mutants of the bundled PDFs and count what extraction does.

    .venv/bin/python benchmarks/hostile.py [--n 40] [--seed 0] [--workers 2] [--cli 3]

For every class of ``tests/extraction/mutants.py`` (byte flips, truncation, broken xref,
duplicated objects, huge ``/Length``, decompression and operator bombs, 100k-deep nesting,
page-tree loops, thousands of pages) it writes ``--n`` mutants (seeds ``--seed`` …; fewer
``many_pages``, see ``--n-many``) and extracts each one in a fresh process
(``extract.extract_file`` with the default limits), then prints per class: how many, the
outcomes (``ok``, ``ok-fewer`` when fewer reports than the sample came out, each error code,
``traceback`` for any other exception, ``killed`` past the safety timeout), the most resident
memory a process reached (its ``VmHWM``: see ``tests/extraction/capped.py``) and the longest
time. Lines written on stderr by a
run (library warnings) are counted as ``noise``.

``--cli N`` also runs ``jixiao extract`` on the first N mutants of each class and checks the
command's contract: exit 0, or exit 2 with one line on stderr, never a traceback or a warning.

Each process runs with a safety limit on its address space (``--backstop-mb``, far above the
extractor's own limits) and is killed past ``--timeout`` seconds, so that a regression cannot take
the machine down; ``killed`` or ``MemoryError`` in the table means the limits did not hold.
It is a benchmark, not a test: CI never runs it (``make test`` runs a fixed few per class,
``tests/extraction/test_hostile.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.extraction import capped  # noqa: E402
from tests.extraction.mutants import CLASSES, SOURCES, mutant  # noqa: E402

CHILD = """
import json, sys, time, traceback
sys.path.insert(0, {root!r})
from extract import ExtractError, extract_file
t = time.perf_counter()
try:
    doc = extract_file({path!r})
    out = {{"outcome": "ok", "reports": len(doc.reports), "missing": len(doc.missing_reports)}}
except ExtractError as exc:
    out = {{"outcome": exc.code, "message": str(exc), "zh": exc.zh()}}
except BaseException as exc:
    tb = traceback.extract_tb(exc.__traceback__)
    out = {{"outcome": "traceback", "message": f"{{type(exc).__name__}}: {{exc}}"[:300],
           "where": f"{{tb[-1].filename}}:{{tb[-1].lineno}}" if tb else ""}}
out["seconds"] = time.perf_counter() - t
print(json.dumps(out, ensure_ascii=False))
"""


def run(argv: list[str], args) -> dict:
    r = capped.run(argv, cap_mb=args.backstop_mb, timeout=args.timeout)
    return {**r, "rss": r["peak_mib"] or 0.0}


def extract_one(path: Path, args) -> dict:
    r = run(["-c", CHILD.format(root=str(ROOT), path=str(path))], args)
    if r["killed"]:
        return {**r, "outcome": "killed", "message": f"past {args.timeout:.0f} s"}
    try:
        res = json.loads(r["stdout"].strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {**r, "outcome": "traceback", "message": f"exit {r['code']}: "
                + (r["stderr"].strip().splitlines() or [""])[-1][:200]}
    return {**r, **res, "noise": len(r["stderr"].strip().splitlines())}


def cli_one(path: Path, args) -> str | None:
    """None when ``jixiao extract`` keeps its contract on the file, else what went wrong."""
    r = run(["-m", "flows.cli", "extract", "--compact", str(path)], args)
    lines = r["stderr"].strip().splitlines()
    if r["killed"]:
        return "killed"
    if "Traceback" in r["stderr"] or r["code"] not in (0, 2):
        return f"exit {r['code']}: {lines[-1] if lines else ''}"
    if r["code"] == 2 and (len(lines) != 1 or not lines[0].startswith("jixiao extract: ")):
        return f"exit 2 with {len(lines)} stderr lines: {lines[:2]}"
    if r["code"] == 0 and lines:
        return f"exit 0 with stderr: {lines[:2]}"
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=40, help="mutants per class")
    ap.add_argument("--n-many", type=int, default=3, help="mutants of the class many_pages")
    ap.add_argument("--seed", type=int, default=0, help="first seed")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cli", type=int, default=3, help="mutants per class run through the CLI")
    ap.add_argument("--classes", nargs="+", choices=sorted(CLASSES), default=list(CLASSES))
    ap.add_argument("--timeout", type=float, default=180.0, help="kill a run after (seconds)")
    ap.add_argument("--backstop-mb", type=int, default=6144, help="address-space cap of a run")
    ap.add_argument("--keep", type=Path, help="write the mutants to this folder")
    ap.add_argument("--verbose", action="store_true", help="one line per mutant")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        folder = args.keep or Path(tmp_name)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        jobs = []  # (class, name, path, source)
        for cls in args.classes:
            n = args.n_many if cls == "many_pages" else args.n
            for seed in range(args.seed, args.seed + n):
                m = mutant(cls, seed)
                path = folder / f"{m.name}.pdf"
                path.write_bytes(m.data)
                jobs.append((cls, m.name, path, m.source))
        made = time.perf_counter() - t0
        from extract import extract_file

        expected = {s: len(extract_file(s).reports) for s in SOURCES}
        with ThreadPoolExecutor(args.workers) as pool:
            results = list(pool.map(lambda j: extract_one(j[2], args), jobs))
            cli_jobs = [j for cls in args.classes
                        for j in [j for j in jobs if j[0] == cls][:args.cli]]
            cli = list(pool.map(lambda j: cli_one(j[2], args), cli_jobs))

    rows = defaultdict(list)
    problems = []
    for (cls, name, _, source), r in zip(jobs, results):
        if r["outcome"] == "ok" and r["reports"] < expected[source]:
            r["outcome"] = "ok-fewer"
        rows[cls].append(r)
        if args.verbose:
            print(f"{name:60s} {r['outcome']:24s} {r['rss']:7.0f} MiB {r['seconds']:6.1f} s  "
                  f"{r.get('message', '')[:110]}")
        if r["outcome"] in ("traceback", "killed") or r.get("noise"):
            problems.append(f"{name}: {r['outcome']} {r.get('message', '')} "
                            f"{r.get('where', '')} (stderr lines: {r.get('noise', 0)})")
    print(f"\n{len(jobs)} mutants (made in {made:.0f} s), default limits, one process each\n")
    print(f"| {'class':18s} | {'n':>3s} | {'outcomes':70s} | {'max RSS MiB':>11s} | "
          f"{'max s':>6s} |")
    print(f"|{'-' * 20}|{'-' * 5}|{'-' * 72}|{'-' * 13}|{'-' * 8}|")
    total = Counter()
    for cls in args.classes:
        rs = rows[cls]
        c = Counter(r["outcome"] for r in rs)
        total.update(c)
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(c.items(), key=lambda kv: -kv[1]))
        print(f"| {cls:18s} | {len(rs):3d} | {outcomes:70s} | "
              f"{max(r['rss'] for r in rs):11.0f} | {max(r['seconds'] for r in rs):6.1f} |")
    print(f"\nall: {', '.join(f'{k} {v}' for k, v in total.most_common())}")
    noise = sum(r.get("noise", 0) for rs in rows.values() for r in rs)
    print(f"stderr lines written by the runs (library warnings): {noise}")
    bad_cli = [(j[1], c) for j, c in zip(cli_jobs, cli) if c]
    print(f"jixiao extract on {len(cli_jobs)} mutants ({args.cli} per class): "
          f"{len(cli_jobs) - len(bad_cli)} kept the contract (exit 0, or 2 with one line)")
    for name, what in bad_cli:
        print(f"  CLI {name}: {what}")
    for p in problems:
        print(f"  {p}")


if __name__ == "__main__":
    main()
