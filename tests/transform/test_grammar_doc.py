"""docs/target-grammar.md: every example row says what the parser does."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from transform.targets import parse_actual, parse_target

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "target-grammar.md"
README = ROOT / "README.md"


def _example_rows(doc: Path = DOC):
    text = doc.read_text(encoding="utf-8")
    section = text.split("**Examples**", 1)[1]
    rows = []
    in_table = False
    for line in section.splitlines():  # the one table right under the marker
        if line.startswith("|"):
            in_table = True
            if line.startswith("| `"):
                rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif in_table:
            break
    return rows


def test_doc_has_examples_of_every_kind():
    rows = _example_rows()
    assert len(rows) >= 40
    assert {r[2] for r in rows} == {"numeric", "range", "qualitative", "period", "unparsed"}


@pytest.mark.parametrize("doc", [DOC, README], ids=["docs/target-grammar.md", "README.md"])
def test_doc_examples_match_the_parser(doc: Path):
    rows = _example_rows(doc)
    assert rows
    for printed, role, kind, op, low, high, unit, norm, note in rows:
        text = printed.strip("`")
        p = parse_target(text) if role == "target" else parse_actual(text)
        assert p.kind == kind, printed
        assert (p.operator or "") == op, printed
        assert p.low == (Decimal(low) if low else None), printed
        assert p.high == (Decimal(high) if high else None), printed
        assert (p.unit or "") == unit, printed
        assert (p.unit_norm or "") == norm, printed
        if kind == "unparsed":
            assert p.reason == note, printed
        if p.verdict:
            assert p.verdict == note, printed
