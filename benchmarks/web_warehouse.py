"""A warehouse of 10 years × 1,500 projects for the web view's benchmark (issue 13).

    .venv/bin/python benchmarks/web_warehouse.py --out /tmp/web-bench [--years 10] [--projects 1500]

Fast, without rendering PDFs: the bundled samples (three years of one unit, 13 projects) are
extracted once, then loaded through the load layer (the nightly flow's load stage:
:func:`benchmarks.load_cost.night`) as many units as it takes to reach ``--projects``, each
unit reporting every year of ``--years`` (the sample of year ``y mod 3`` under year ``y``, so that a
project's numbers, targets and names change from year to year as the samples' do; in the years
of the 2023 sample every third unit also sends a re-submission whose total does not add up:
findings, and a file kept out). Every document's
path is a link to the sample it was made from (``<out>/files/``), so that the 来源 pages
render the real page and box. Prints the counts; the warehouse is ``<out>/warehouse.duckdb``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load_cost import night  # noqa: E402
from extract import extract_file  # noqa: E402
from load import writer  # noqa: E402
from transform import transform_document  # noqa: E402
from transform.identity import observations, resolve_identity  # noqa: E402

FIRST_YEAR = 2015
#: units loaded by one run (as one night brings the files of several units)
NIGHT_UNITS = 20


def as_unit_year(doc, unit: int, year: int, files: Path, kind: str = ""):
    """The sample ``doc`` as unit ``unit`` printed it for ``year``."""
    dept = f"上海市某区第{unit:03d}委办局"
    imp = f"{dept}下属第{unit % 7 + 1}中心"
    reports = tuple(replace(r, supervising_department=dept, implementing_unit=imp,
                            fiscal_year=year) for r in doc.reports)
    name = f"unit{unit:04d}-{year}{'-' + kind if kind else ''}.pdf"
    link = files / name
    if not link.exists():
        link.symlink_to(Path(doc.path).resolve())
    return replace(doc, file=name, path=str(link), reports=reports, fiscal_year=year,
                   sha256=hashlib.sha256(name.encode()).hexdigest())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--projects", type=int, default=1500)
    args = ap.parse_args()
    base = [extract_file(p) for p in sorted((ROOT / "samples").glob("*.pdf"))]
    # a re-submission with a broken total: a finding, and a file kept out (the 问题 pages)
    resubmitted = extract_file(ROOT / "tests/fixtures/corpus/malformed/total-not-sum.pdf")
    ident = resolve_identity(observations(base))
    per_unit = len({r.project_id for d in base for r in transform_document(
        d, identity=ident).reports})
    units = -(-args.projects // per_unit)
    files = args.out / "files"
    files.mkdir(parents=True, exist_ok=True)
    db = args.out / "warehouse.duckdb"
    t0 = time.perf_counter()
    with writer(db) as engine:
        for year in range(FIRST_YEAR, FIRST_YEAR + args.years):
            doc = base[(year - FIRST_YEAR) % len(base)]
            for first in range(0, units, NIGHT_UNITS):
                batch = range(first, min(first + NIGHT_UNITS, units))
                docs = [as_unit_year(doc, u, year, files) for u in batch]
                if doc.fiscal_year == resubmitted.fiscal_year:
                    docs += [as_unit_year(resubmitted, u, year, files, "resubmitted")
                             for u in batch if u % 3 == 0]
                night(engine, f"bench-{year}-{first}", docs)
            print(f"  {year}: {units} units loaded ({time.perf_counter() - t0:.0f} s)",
                  flush=True)
        with engine.connect() as conn:
            counts = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in (
                "dim_project", "fact_project_evaluation", "fact_indicator_result",
                "fact_cell_source", "source_document")}
    print(f"{db}: {units} units, " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
          + f"; built in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
