"""The load stage's cost as the warehouse grows (issue 11: flat at 15,000 reports).

    .venv/bin/python benchmarks/load_cost.py [--reports 15000] [--sample 5]

Builds a warehouse of synthetic units: the bundled samples (three years of one unit, 34
reports) extracted once, then given as other units (the 主管部门 and 实施单位 renamed, new file
names and hashes) until the warehouse holds ``--reports`` reports. Each unit is loaded the way
the nightly flow loads a run (known projects of the run's departments → identity → re-key once
→ one transaction per document → dimensions once). At the empty warehouse and at the end it
times ``--sample`` nights of one new document each: seconds per document for the steps that
depend on the warehouse (identity, re-key, load, dimensions). A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract import extract_file  # noqa: E402
from load import (  # noqa: E402
    SourceFile,
    apply_identity,
    known_projects,
    load_document,
    refresh_dimensions,
    start_run,
    writer,
)
from transform import load_overrides, transform_document  # noqa: E402
from transform.identity import department_id, observations, resolve_identity  # noqa: E402

#: units whose files one night of the build brings
NIGHT_UNITS = 20


def as_unit(doc, unit: int):
    """The document as unit ``unit`` would print it (its own 主管部门, 实施单位, file, hash)."""
    import hashlib

    dept = f"上海市闵行区第{unit}单位"
    reports = tuple(replace(r, supervising_department=dept, implementing_unit=f"{dept}办公室")
                    for r in doc.reports)
    name = f"unit{unit:05d}-{doc.file}"
    return replace(doc, file=name, path=f"/inbox/{name}", reports=reports,
                   sha256=hashlib.sha256(name.encode()).hexdigest())


def night(engine, run: str, docs) -> dict[str, float]:
    """The load stage of one run over ``docs`` (as :func:`flows.loading.load_serial` does it);
    seconds per step."""
    t = {}
    deps = sorted({department_id(r.supervising_department) for d in docs for r in d.reports})
    t0 = time.perf_counter()
    with engine.begin() as conn:
        start_run(conn, run)
    with engine.connect() as conn:
        known = known_projects(conn, deps)
    ident = resolve_identity([*known, *observations(docs)], load_overrides())
    tdocs = [transform_document(d, identity=ident) for d in docs]
    t["identity"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with engine.begin() as conn:
        moved = apply_identity(conn, ident, deps)
    t["rekey"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d, td in zip(docs, tdocs, strict=True):
        src = SourceFile(path=d.path, file_name=d.file, sha256=d.sha256, bytes=d.bytes)
        load_document(engine, run, src, td, (), d.page_count, refresh=False)
    t["load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    touched = {*(r.project_id for td in tdocs for r in td.reports),
               *(x for m in moved for x in (m.old_project_id, m.new_project_id))}
    with engine.begin() as conn:
        refresh_dimensions(conn, touched)
    t["dimensions"] = time.perf_counter() - t0
    return t


def sample(engine, base: list, unit0: int, n: int) -> dict[str, float]:
    """Mean seconds per step over ``n`` nights of one new document each."""
    total: dict[str, float] = {}
    for i in range(n):
        got = night(engine, f"sample-{unit0 + i}", [as_unit(base[1], unit0 + i)])
        for k, v in got.items():
            total[k] = total.get(k, 0.0) + v / n
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=15000)
    ap.add_argument("--sample", type=int, default=5)
    args = ap.parse_args()
    base = [extract_file(p) for p in sorted((ROOT / "samples").glob("*.pdf"))]
    per_unit = sum(len(d.reports) for d in base)
    with tempfile.TemporaryDirectory() as tmp, writer(Path(tmp) / "w.duckdb") as engine:
        empty = sample(engine, base, 900000, args.sample)
        units = args.reports // per_unit
        t0 = time.perf_counter()
        for first in range(0, units, NIGHT_UNITS):  # a night brings the files of 20 units
            batch = range(first, min(first + NIGHT_UNITS, units))
            night(engine, f"build-{first}", [as_unit(d, u) for u in batch for d in base])
            print(f"  {batch[-1] * per_unit + per_unit} reports loaded "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
        build = time.perf_counter() - t0
        with engine.connect() as conn:
            reports = conn.exec_driver_sql(
                "SELECT count(*) FROM fact_project_evaluation").scalar()
            indicators = conn.exec_driver_sql(
                "SELECT count(*) FROM fact_indicator_result").scalar()
        full = sample(engine, base, 800000, args.sample)
    print(f"warehouse: {reports} reports, {indicators} indicator rows; built in {build:.0f} s "
          f"({reports / build:.0f} reports/s, {indicators / build:.0f} indicator rows/s, "
          f"one run per {NIGHT_UNITS} units of {len(base)} documents)")
    print(f"{'step (s per run of one document)':34} {'empty':>8} {'full':>8} {'full/empty':>10}")
    for k in empty:
        print(f"{k:34} {empty[k]:8.3f} {full[k]:8.3f} {full[k] / max(empty[k], 1e-9):10.2f}")
    doc_empty, doc_full = empty["rekey"] + empty["load"], full["rekey"] + full["load"]
    print(f"{'one document (re-key + load)':34} {doc_empty:8.3f} {doc_full:8.3f} "
          f"{doc_full / doc_empty:10.2f}")


if __name__ == "__main__":
    main()
