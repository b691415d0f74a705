"""Which files a command or a run works on (kept free of Prefect, so ``jixiao extract`` starts fast)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def find_pdfs(paths: Iterable[str | Path]) -> list[Path]:
    """Files given (as given: a missing one is the caller's to report) and every ``*.pdf`` below
    folders given, at any depth; in a stable order, each file once."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        found = (sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() == ".pdf")
                 if p.is_dir() else [p])
        for q in found:
            key = q.resolve()
            if key not in seen:
                seen.add(key)
                out.append(q)
    return out
