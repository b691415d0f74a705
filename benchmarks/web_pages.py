"""Latency of each page type of ``jixiao web`` (issue 13: ≤ 300 ms on 10 years × 1,500 projects).

    .venv/bin/python benchmarks/web_warehouse.py --out /tmp/web-bench     # the warehouse, once
    .venv/bin/python benchmarks/web_pages.py --db /tmp/web-bench/warehouse.duckdb [--n 40]

Starts the real ``jixiao web`` (a process of its own, as a user runs it) on the warehouse and
requests each page type ``--n`` times, each time another unit, project or number (drawn with a
fixed seed), one request at a time; prints median and 95th percentile of the time to the last
byte, as a client on the same machine sees it. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import httpx  # noqa: E402

from load.engine import READER_CONFIG  # noqa: E402
from tests.web.conftest import Server  # noqa: E402


def targets(db: Path, n: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    with duckdb.connect(str(db), read_only=True, config=dict(READER_CONFIG)) as con:
        units = con.execute("SELECT DISTINCT department, implementing_unit FROM v_report_unit "
                            "ORDER BY ALL").fetchall()
        projects = [p for (p,) in con.execute("SELECT project_id FROM dim_project ORDER BY 1")
                    .fetchall()]
        names = [x for (x,) in con.execute("SELECT DISTINCT reported_name FROM project_alias "
                                           "ORDER BY 1").fetchall()]
        cells = con.execute("""SELECT project_id, fiscal_year, field,
                                      coalesce(funding_source, indicator_id, ''), document_id, page
                               FROM fact_cell_source USING SAMPLE reservoir(2000 ROWS)
                               REPEATABLE (7)""").fetchall()
    pick = [rng.choice for _ in range(n)]
    out: dict[str, list[str]] = {
        "首页 /": ["/"] * n,
        "单位 /unit": ["/unit?" + urlencode({"d": d or "", "u": u or ""})
                     for d, u in (pick[i](units) for i in range(n))],
        "项目 /project": [f"/project/{pick[i](projects)}" for i in range(n)],
        "问题 /issues (一个单位)": ["/issues?" + urlencode({"d": d or "", "u": u or ""})
                                for d, u in (pick[i](units) for i in range(n))],
        "问题 /issues (全部)": ["/issues"] * n,
        "搜索 /search": ["/search?" + urlencode({"q": pick[i](names)[:3]}) for i in range(n)],
        "来源 /source": [],
        "来源页图 .png (首次)": [],
        "来源页图 .png (缓存)": [],
    }
    for i in range(n):
        pid, year, field, item, doc, page = pick[i](cells)
        out["来源 /source"].append("/source?" + urlencode({"p": pid, "y": year, "f": field,
                                                           "i": item}))
        out["来源页图 .png (首次)"].append(f"/document/{doc}/page/{page}.png")
    out["来源页图 .png (缓存)"] = out["来源页图 .png (首次)"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    plan = targets(args.db, args.n, args.seed)
    with duckdb.connect(str(args.db), read_only=True, config=dict(READER_CONFIG)) as con:
        counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("dim_project", "fact_project_evaluation", "fact_indicator_result",
                            "fact_cell_source")]
        years = con.execute("SELECT count(*) FROM dim_fiscal_year").fetchone()[0]
    print(f"warehouse {args.db}: {years} years, {counts[0]:,} projects, {counts[1]:,} reports, "
          f"{counts[2]:,} indicator rows, {counts[3]:,} cell sources; {args.n} requests a page")
    from web.queries import derived

    took = derived(args.db).seconds
    print(f"the cross-year views read once per published warehouse: {took:.2f} s "
          "(in the background, after a night publishes)")
    server = Server(args.db)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            c.get("/")  # the first request imports what the pages need
            print(f"{'page':26} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'KiB':>7}")
            for name, urls in plan.items():
                if name.endswith("(首次)"):
                    # a page not rendered yet: a fresh server process (the cache is per process)
                    server.stop()
                    server = Server(args.db)
                    c.base_url = httpx.URL(server.url)
                times, size = [], 0
                for url in urls:
                    t0 = time.perf_counter()
                    r = c.get(url)
                    times.append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200:
                        raise SystemExit(f"{url}: HTTP {r.status_code}")
                    size = max(size, len(r.content))
                times.sort()
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                print(f"{name:26} {statistics.median(times):10.0f} {p95:8.0f} "
                      f"{times[-1]:8.0f} {size / 1024:7.0f}", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
