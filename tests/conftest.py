"""Shared fixtures: the bundled corpus copies and variant-layout PDFs (no ../shared at run time)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = FIXTURES / "corpus"
MALFORMED = CORPUS / "malformed"
VARIANTS = FIXTURES / "variants"
SICHUAN = FIXTURES / "sichuan"
SAMPLES = ROOT / "samples"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


def truth_of(pdf: Path) -> dict:
    return json.loads(Path(str(pdf) + ".truth.json").read_text(encoding="utf-8"))


def readable_pdfs() -> list[Path]:
    """Every bundled PDF whose truth lists reports (good corpus, readable malformed, variants,
    the Sichuan family)."""
    out = []
    for pdf in [*sorted(CORPUS.rglob("*.pdf")), *sorted(VARIANTS.glob("*.pdf")),
                *sorted(SICHUAN.glob("*.pdf"))]:
        t = truth_of(pdf)
        if t.get("reports"):
            out.append(pdf)
    return out


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS
