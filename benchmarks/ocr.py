"""OCR benchmark: accuracy on the scanned fixtures, OCR pages per second on one core, and the
time of a 10-page scan through the worker pool on two processes.

    .venv/bin/python benchmarks/ocr.py [--workers 2] [--held-out 12] [--held-out-seed 1]

* accuracy: every scan of ``tests/fixtures/scans`` (see its generate.py) extracted and compared
  cell by cell with the truth of its original (white space aside, as the corpus tests do);
  each report transformed: a report with no error finding would be loaded, and any of its
  numbers (amounts, rates, weights, scores, totals, targets and actuals) that differs from the
  truth is a *wrong number loaded* (must be 0: a misread must be caught by a finding);
* the same on a held-out set made here by the same generator (``--held-out N`` scans,
  ``--held-out-seed``): reports of the corpus other than the fixtures' (by source and pages),
  150–300 dpi, grey or colour, turned −2° to +2°, a seal on half of them, JPEG quality 50–80
  with grain; written to a temporary directory, never kept;
* speed: the OCR of each scan page in this process (``read_page``, one ONNX thread);
* a 10-page scan (pages 4–13 of the 2023 corpus report, 200 dpi, grey, skewed) through
  :func:`flows.extraction.extract_all` (text pass, pages to the pool, the file read again).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract import extract_file  # noqa: E402
from extract.ocr import read_page  # noqa: E402
from tests.truth import count_cells, diff_document, squash  # noqa: E402
from transform import transform_document  # noqa: E402

SCANS = ROOT / "tests" / "fixtures" / "scans"
NUMBER_FIELDS = {"funding": ("budget_initial", "budget_full_year", "executed", "weight",
                             "execution_rate", "score"),
                 "indicators": ("target", "actual", "weight", "score")}


def generator():
    spec = importlib.util.spec_from_file_location("scan_generate", SCANS / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def wrong_numbers(got: dict, truth: dict) -> list[str]:
    out = []
    for k in ("total_weight", "total_score", "grade"):
        if squash(got.get(k)) != squash(truth.get(k)):
            out.append(f"{k}: {got.get(k)!r} != {truth.get(k)!r}")
    for block, names in NUMBER_FIELDS.items():
        gb, tb = got.get(block) or [], truth.get(block) or []
        if len(gb) != len(tb):
            out.append(f"{block}: {len(gb)} rows != {len(tb)}")
        for j, (g, t) in enumerate(zip(gb, tb)):
            for k in names:
                if k in ("target", "actual") and not any(c.isdigit() for c in t.get(k) or ""):
                    continue  # a worded target (及时, 上半年策划…) is text, not a number
                if squash(g.get(k)) != squash(t.get(k)):
                    out.append(f"{block}[{j}].{k}: {g.get(k)!r} != {t.get(k)!r}")
    return out


def accuracy(pdfs: list[Path], title: str, misses: bool = False) -> dict:
    """Cells exact, reports loaded / kept out / failed and wrong numbers loaded over ``pdfs``
    (each beside its ``.truth.json``); printed (with ``misses``, every cell that differs from
    its truth too), and returned."""
    cells = wrong = reports = loaded = loaded_wrong = quarantined = failed = failed_cells = 0
    print(f"{title}\n{'scan':48} {'cells exact':>12} {'loaded':>7} {'kept out':>9} "
          f"{'wrong loaded':>13}")
    for pdf in pdfs:
        truth = json.loads(pdf.with_name(pdf.name + ".truth.json").read_text("utf-8"))
        n = count_cells(truth)
        cells += n
        reports += len(truth["reports"])
        try:
            doc = extract_file(pdf)
        except Exception as exc:  # an unreadable scan is a failure, not a wrong number
            failed += 1
            wrong += n
            failed_cells += n
            print(f"{pdf.name:48} {'failed':>12}  {getattr(exc, 'code', type(exc).__name__)}")
            continue
        diffs = diff_document(doc.to_truth(), truth)
        wrong += len(diffs)
        t = transform_document(doc)
        ok = bad = out = 0
        for rep, got, want in zip(t.reports, doc.to_truth()["reports"], truth["reports"]):
            if any(f.severity == "error" for f in rep.findings):
                out += 1
                continue
            ok += 1
            w = wrong_numbers(got, want)
            if w:
                bad += 1
                print("   WRONG NUMBER LOADED:", pdf.name, w)
        loaded += ok
        quarantined += out
        loaded_wrong += bad
        print(f"{pdf.name:48} {n - len(diffs):5}/{n:<5}  {ok:7} {out:9} {bad:13}")
        for d in diffs if misses else ():
            print("    miss:", d)
    read = cells - failed_cells
    print(f"cells exact {cells - wrong:,} / {cells:,} ({100 * (cells - wrong) / cells:.2f} %; "
          f"of the files read: {read - (wrong - failed_cells):,} / {read:,}, "
          f"{100 * (read - (wrong - failed_cells)) / max(read, 1):.2f} %); "
          f"reports {reports}: loaded {loaded}, kept out (ocr_uncertain or another error) "
          f"{quarantined}, files failed {failed}; reports loaded with a wrong number: "
          f"{loaded_wrong}")
    return {"cells": cells, "exact": cells - wrong, "reports": reports, "loaded": loaded,
            "kept_out": quarantined, "failed": failed, "wrong_loaded": loaded_wrong}


#: the corpus reports a held-out scan may show: (source, pages); the fixtures' are left out
CORPUS_REPORTS = tuple(
    (f"minhang-zonggonghui-{year}.pdf", pages)
    for year, last in ((2022, 15), (2023, 15), (2024, 16))
    for pages in [(p,) for p in range(4, last + 1) if p not in (11, 12)] + [(11, 12)]
)


def held_out_specs(n: int, seed: int) -> list:
    """``n`` scans of corpus reports the fixtures do not show, their conditions drawn at
    random (seeded) over the issue's range."""
    import numpy as np

    gen = generator()
    used = {(s.source, s.pages) for s in gen.SCANS}
    pool = [r for r in CORPUS_REPORTS if r not in used]
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(pool), size=min(n, len(pool)), replace=False)
    out = []
    for k, i in enumerate(picks):
        source, pages = pool[int(i)]
        dpi = int(rng.choice([150, 180, 200, 240, 300]))
        colour = bool(rng.random() < 0.5)
        stamp = bool(rng.random() < 0.5)
        angle = round(float(rng.uniform(-2.0, 2.0)), 2)
        quality = int(rng.integers(50, 81))
        noise = round(float(rng.uniform(4.0, 9.0)), 1)
        year = source.split("-")[-1][:4]
        name = (f"held-{year}-p{'-'.join(map(str, pages))}-{dpi}dpi-"
                f"{'colour' if colour else 'grey'}{'-stamp' if stamp else ''}")
        out.append(gen.Scan(name, source, pages, dpi, colour, angle, stamp, quality, noise,
                            1000 * seed + k))
    return out


def held_out(n: int, seed: int, misses: bool = False, keep: Path | None = None) -> dict:
    """The held-out set's accuracy; made in a temporary directory, or in ``keep`` (kept there,
    to look at a scan's misses)."""
    gen = generator()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) if keep is None else keep
        out.mkdir(parents=True, exist_ok=True)
        pdfs = [gen.make(spec, out=out) for spec in held_out_specs(n, seed)]
        return accuracy(pdfs, f"held-out scans ({n}, seed {seed}), made by generate.py here:",
                        misses)


def speed() -> None:
    pages = 0
    spent = 0.0
    read_page((SCANS / "scan-2023-p4-200dpi-grey.pdf").read_bytes(), 1)  # load the model
    for pdf in sorted(SCANS.glob("*.pdf")):
        data = pdf.read_bytes()
        import pypdfium2 as pdfium

        n = len(pdfium.PdfDocument(data))
        for p in range(1, n + 1):
            t = time.perf_counter()
            read_page(data, p)
            spent += time.perf_counter() - t
            pages += 1
    print(f"OCR on one core (one process, one ONNX thread): {pages} pages in {spent:.1f} s = "
          f"{pages / spent:.2f} pages/s ({spent / pages:.2f} s a page)")


def ten_pages(workers: int) -> None:
    from extract.limits import Limits
    from flows.extraction import extract_all
    from load import SourceFile

    gen = generator()
    with tempfile.TemporaryDirectory() as tmp:
        spec = gen.Scan("scan-2023-p4-13-200dpi-grey", "minhang-zonggonghui-2023.pdf",
                        tuple(range(4, 14)), 200, False, 0.7, False, 70, 6.0, 21)
        path = gen.make(spec, out=Path(tmp))
        data = path.read_bytes()
        src = SourceFile(path=str(path), file_name=path.name,
                         sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
        t = time.perf_counter()
        got = extract_all([src], workers=workers, limits=Limits())[0]
        took = time.perf_counter() - t
        truth = json.loads(path.with_name(path.name + ".truth.json").read_text("utf-8"))
        diffs = diff_document(got.doc.to_truth(), truth) if got.doc else ["failed"]
        print(f"10-page scan through the pool on {workers} processes: {took:.1f} s "
              f"({got.error_code or 'read'}, {len(got.doc.reports) if got.doc else 0} reports, "
              f"{count_cells(truth) - len(diffs)}/{count_cells(truth)} cells exact)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--held-out", type=int, default=12, help="held-out scans made (0: none)")
    ap.add_argument("--held-out-seed", type=int, default=1)
    ap.add_argument("--only-accuracy", action="store_true", help="no speed measurements")
    ap.add_argument("--skip-fixtures", action="store_true", help="held-out scans only")
    ap.add_argument("--misses", action="store_true", help="print every cell that differs")
    ap.add_argument("--keep-held-out", type=Path, default=None, metavar="DIR",
                    help="write the held-out scans (and their truth) to DIR and keep them")
    ap.add_argument("--scans", type=Path, default=None, metavar="DIR",
                    help="also measure the scans in DIR (each beside its .truth.json)")
    args = ap.parse_args()
    if args.scans is not None:
        accuracy(sorted(args.scans.glob("*.pdf")), f"the scans in {args.scans}:", args.misses)
    if not args.skip_accuracy:
        if not args.skip_fixtures:
            accuracy(sorted(SCANS.glob("*.pdf")), "the scanned fixtures (tests/fixtures/scans):",
                     args.misses)
        if args.held_out:
            held_out(args.held_out, args.held_out_seed, args.misses, args.keep_held_out)
    if args.only_accuracy:
        return
    speed()
    ten_pages(args.workers)


if __name__ == "__main__":
    main()
