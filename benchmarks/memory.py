"""Peak memory of extracting long files: does it stay flat as the page count grows?

    .venv/bin/python benchmarks/memory.py [--pages 50 500]

Builds PDFs of N pages by repeating the pages of a bundled report (pypdfium2, in a temporary
folder), extracts each in a fresh child process and prints the child's peak resident memory
(ru_maxrss) and its throughput. It is a benchmark, not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "samples" / "minhang-zonggonghui-2023.pdf"

CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from extract import extract_file
t = time.perf_counter()
doc = extract_file({path!r})
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(doc.page_count, len(doc.reports), round(dt, 2), round(peak, 1))
"""


def build(pages: int, out: Path) -> Path:
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(SOURCE))
    n = len(src)
    doc = pdfium.PdfDocument.new()
    # one import call: the copies share their fonts, as the pages of one exported report do
    doc.import_pages(src, [i % n for i in range(pages)])
    path = out / f"long-{pages}.pdf"
    doc.save(str(path))
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pages", type=int, nargs="+", default=[50, 500])
    args = ap.parse_args()
    print(f"{'pages':>6} {'reports':>8} {'seconds':>8} {'pages/s':>8} {'peak RSS MiB':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.pages:
            path = build(n, Path(tmp))
            t = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), path=str(path))],
                                 capture_output=True, text=True, check=True).stdout.split()
            pages, reports, dt, peak = int(out[0]), int(out[1]), float(out[2]), float(out[3])
            print(f"{pages:6d} {reports:8d} {dt:8.2f} {pages / dt:8.1f} {peak:13.1f}")
            del t


if __name__ == "__main__":
    main()
