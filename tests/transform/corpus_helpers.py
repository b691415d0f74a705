"""Corpus truths as RawDocuments for the transform tests (no PDF is read)."""

from __future__ import annotations

import json
from pathlib import Path

from extract.records import RawDocument, document_from_truth

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
GOOD = ("minhang-zonggonghui-2022.pdf", "minhang-zonggonghui-2023.pdf",
        "minhang-zonggonghui-2024.pdf")


def truth_path(name: str) -> Path:
    for p in (CORPUS / f"{name}.truth.json", CORPUS / "malformed" / f"{name}.truth.json"):
        if p.exists():
            return p
    raise FileNotFoundError(name)


def load_truth(name: str) -> dict:
    return json.loads(truth_path(name).read_text(encoding="utf-8"))


def corpus_doc(name: str) -> RawDocument:
    return document_from_truth(load_truth(name), sha256=f"sha-{name}")


def all_truth_paths() -> list[Path]:
    return sorted(CORPUS.glob("*.truth.json")) + sorted((CORPUS / "malformed").glob("*.truth.json"))
