"""Fixtures of the expectations tests: corpus PDFs extracted, transformed and validated ONCE.

Extraction, the GX import and the GX context are the slow parts; every test of this folder
shares the session-scoped results below.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from expectations.runner import SuiteRun, load_suites, run_suites
from extract import extract_file
from tests.conftest import CORPUS, MALFORMED, VARIANTS, truth_of
from transform import TransformedDocument, transform_document

GOOD = ("minhang-zonggonghui-2022.pdf", "minhang-zonggonghui-2023.pdf",
        "minhang-zonggonghui-2024.pdf")
MALFORMED_READABLE = ("total-not-sum.pdf", "score-above-weight.pdf", "weights-not-100.pdf",
                      "grade-not-total.pdf", "rate-not-executed.pdf", "missing-grade.pdf")


def corpus_path(name: str) -> Path:
    p = CORPUS / name
    return p if p.exists() else MALFORMED / name


@dataclass(frozen=True)
class Validated:
    """One corpus file through extract → transform → suites, with the validation time."""

    name: str
    tdoc: TransformedDocument
    run: SuiteRun
    seconds: float  # run_suites wall time, context already warm


@pytest.fixture(scope="session")
def validated() -> dict[str, Validated]:
    """Good and readable malformed corpus files plus the readable layout variants."""
    load_suites()
    names = [corpus_path(n) for n in (*GOOD, *MALFORMED_READABLE)]
    names += [p for p in sorted(VARIANTS.glob("*.pdf")) if truth_of(p).get("reports")]
    tdocs = {p.name: transform_document(extract_file(p)) for p in names}
    run_suites(tdocs[GOOD[0]])  # warm the GX context: its creation is not validation time
    out = {}
    for name, tdoc in tdocs.items():
        t0 = time.perf_counter()
        run = run_suites(tdoc)
        out[name] = Validated(name, tdoc, run, time.perf_counter() - t0)
    return out
