"""OCR benchmark: accuracy on the scanned fixtures, OCR pages per second on one core, and the
time of a 10-page scan through the worker pool on two processes.

    .venv/bin/python benchmarks/ocr.py [--workers 2]

* accuracy: every scan of ``tests/fixtures/scans`` (see its generate.py) extracted and compared
  cell by cell with the truth of its original (white space aside, as the corpus tests do);
  each report transformed: a report with no error finding would be loaded, and any of its
  numbers (amounts, rates, weights, scores, totals, targets and actuals) that differs from the
  truth is a *wrong number loaded* (must be 0: a misread must be caught by a finding);
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


def accuracy() -> None:
    cells = wrong = reports = loaded = loaded_wrong = quarantined = failed = failed_cells = 0
    print(f"{'scan':44} {'cells exact':>12} {'loaded':>7} {'kept out':>9} {'wrong loaded':>13}")
    for pdf in sorted(SCANS.glob("*.pdf")):
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
            print(f"{pdf.name:44} {'failed':>12}  {getattr(exc, 'code', type(exc).__name__)}")
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
        print(f"{pdf.name:44} {n - len(diffs):5}/{n:<5}  {ok:7} {out:9} {bad:13}")
    read = cells - failed_cells
    print(f"cells exact {cells - wrong:,} / {cells:,} ({100 * (cells - wrong) / cells:.2f} %; "
          f"of the files read: {read - (wrong - failed_cells):,} / {read:,}, "
          f"{100 * (read - (wrong - failed_cells)) / max(read, 1):.2f} %); "
          f"reports {reports}: loaded {loaded}, kept out (ocr_uncertain or another error) "
          f"{quarantined}, files failed {failed}; reports loaded with a wrong number: "
          f"{loaded_wrong}")


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
    args = ap.parse_args()
    if not args.skip_accuracy:
        accuracy()
    speed()
    ten_pages(args.workers)


if __name__ == "__main__":
    main()
