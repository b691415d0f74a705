"""Cell provenance (issue 13): for every bundled PDF, load it into a warehouse of its own
(extract → transform → load), take a sample of the stored fact values of every kind, re-read
with pdfplumber the text inside each value's stored box, and find the value there.

The value compared is the fact's own (the Decimal in 万元 or percent, the target or actual text,
the grade), not the printed copy kept beside the box."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pdfplumber
import pytest

from load.engine import READER_CONFIG, writer
from load.runs import start_run
from tests.conftest import SAMPLES, readable_pdfs

BUNDLED = [*sorted(SAMPLES.glob("*.pdf")), *readable_pdfs()]
#: facts sampled per PDF and field (every field of every fact table that has a box)
PER_FIELD = 6
#: the fact column each stored field stands for
FACT_VALUE = {
    "fact_project_funding": ("funding_source", "fact_project_funding f",
                             "f.project_id = s.project_id AND f.fiscal_year = s.fiscal_year "
                             "AND f.funding_source = s.funding_source"),
    "fact_indicator_result": ("indicator_id", "fact_indicator_result f",
                              "f.project_id = s.project_id AND f.fiscal_year = s.fiscal_year "
                              "AND f.indicator_id = s.indicator_id"),
    "fact_project_evaluation": (None, "fact_project_evaluation f",
                                "f.project_id = s.project_id AND f.fiscal_year = s.fiscal_year"),
}
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _squash(s: str) -> str:
    return "".join(s.split())


def _numbers(text: str) -> list[Decimal]:
    return [Decimal(m.group().replace(",", "")) for m in NUMBER.finditer(text)]


def found(value, text: str, money_unit: str) -> bool:
    """Is the fact ``value`` what the box's ``text`` says?"""
    if isinstance(value, Decimal):
        factors = (Decimal(1), Decimal(10000)) if money_unit == "元" else (Decimal(1),)
        return any(abs(n - value * f) <= Decimal("0.005") * f
                   for n in _numbers(_squash(text)) for f in factors)
    if value in ("优", "良", "中", "差"):  # the grade, normalized spelling (优秀 → 优)
        return value in text
    return _squash(str(value)) in _squash(text)


def _load(pdf: Path, tmp: Path):
    from extract import extract_file
    from load import known_projects, load_document
    from tests.load.helpers import source_of
    from transform import transform_document
    from transform.identity import observations, resolve_identity

    raw = extract_file(pdf)
    rules = "sichuan" if any(r.family == "sichuan" for r in raw.reports) else "shanghai"
    db = tmp / "w.duckdb"
    with writer(db) as engine:
        with engine.begin() as conn:
            start_run(conn, "run")
            identity = resolve_identity([*known_projects(conn), *observations([raw])])
        tdoc = transform_document(raw, rules=rules, identity=identity)
        load_document(engine, "run", source_of(raw), tdoc, (), raw.page_count,
                      identity=identity)
    return raw, db


def _sample(con, pdf_seed: int) -> list[tuple]:
    out = []
    for fact, (_key, table, on) in FACT_VALUE.items():
        fields = [f for (f,) in con.execute(
            "SELECT DISTINCT field FROM fact_cell_source WHERE fact = ? ORDER BY 1",
            [fact]).fetchall()]
        for field in fields:
            got = con.execute(f"""
                SELECT s.field, f.{field}, s.page, s.x0, s.top, s.x1, s.bottom, s.part,
                       (SELECT count(*) FROM fact_cell_source t WHERE t.project_id = s.project_id
                        AND t.fiscal_year = s.fiscal_year AND t.field = s.field
                        AND t.fact = s.fact AND t.funding_source IS NOT DISTINCT FROM
                        s.funding_source) AS parts
                FROM fact_cell_source s JOIN {table} ON {on}
                WHERE s.fact = ? AND s.field = ? ORDER BY s.project_id, s.fiscal_year,
                      s.funding_source, s.indicator_id, s.part""", [fact, field]).fetchall()
            rng = random.Random(pdf_seed * 1000 + len(out))
            out += rng.sample(got, min(PER_FIELD, len(got)))
    return out


def _check_records(pdf: Path, raw) -> None:
    pairs = [(getattr(x, k), b) for r in raw.reports
             for x in (*r.funding, *r.indicators, r) for k, b in x.boxes]
    assert len(pairs) >= 10
    with pdfplumber.open(pdf) as doc:
        misses = [(v, b) for v, b in pairs if _squash(v) not in _squash(
            doc.pages[b.page - 1].crop((b.x0 - 0.5, b.top - 0.5, b.x1 + 0.5, b.bottom + 0.5))
            .extract_text())]
    assert misses == []


@pytest.mark.parametrize("pdf", BUNDLED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_boxes_hold_the_stored_values(pdf: Path, tmp_path: Path):
    raw, db = _load(pdf, tmp_path)
    money_unit = {r.money_unit for r in raw.reports}
    with duckdb.connect(str(db), read_only=True, config=dict(READER_CONFIG)) as con:
        facts = con.execute("SELECT count(*) FROM fact_project_evaluation").fetchone()[0]
        if facts == 0:  # a file quarantined whole: no fact stored, and no box either
            assert con.execute("SELECT count(*) FROM fact_cell_source").fetchone()[0] == 0
            _check_records(pdf, raw)  # the extractor's boxes, which a fixed file would load
            return
        sample = _sample(con, BUNDLED.index(pdf))
    kinds = {s[0] for s in sample}
    assert {"budget_full_year", "target_text", "actual_text", "score", "total_score"} <= kinds
    misses = []
    with pdfplumber.open(pdf) as doc:
        for field, value, page, x0, top, x1, bottom, _part, parts in sample:
            if value is None or parts > 1:  # a sum of several printed rows: no one cell holds it
                continue
            p = doc.pages[page - 1]
            text = p.crop((float(x0) - 0.5, float(top) - 0.5, float(x1) + 0.5,
                           float(bottom) + 0.5)).extract_text()
            if not found(value, text, next(iter(money_unit))):
                misses.append((field, value, page, text))
    checked = len([s for s in sample if s[1] is not None and s[8] == 1])
    assert checked >= 10
    assert misses == [], misses
