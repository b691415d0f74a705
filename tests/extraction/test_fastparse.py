"""The fast page parser agrees with pdfminer/pdfplumber: tokens, characters and edges."""

from __future__ import annotations

import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfminer.pdfinterp import PDFContentParser
from pdfminer.pdftypes import PDFStream
from pdfminer.psparser import PSEOF, PSKeyword, PSLiteral

from extract.fastparse import parse_page, tokenize
from tests.conftest import CORPUS, VARIANTS


def _pdfminer_tokens(data: bytes) -> list:
    """The oracle: pdfminer's own content-stream parser."""
    parser = PDFContentParser([PDFStream({}, data)])
    out = []
    while True:
        try:
            _, obj = parser.nextobject()
        except PSEOF:
            break
        out.append(obj)
    return out


def _plain(obj):
    """Comparable form: keywords and names by their name, containers recursively."""
    if isinstance(obj, PSKeyword):
        return ("kw", obj.name)
    if isinstance(obj, PSLiteral):
        return ("lit", obj.name)
    if isinstance(obj, list):
        return [_plain(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


def test_tokenize_small():
    toks = tokenize(b"BT /F1 9.5 Tf 1 0 0 1 72 700 Tm [(Ab\\(c\\)) -250 <4E2D>] TJ ET")
    assert _plain(toks) == [
        ("kw", b"BT"), ("lit", "F1"), 9.5, ("kw", b"Tf"), 1, 0, 0, 1, 72, 700, ("kw", b"Tm"),
        [b"Ab(c)", -250, b"N-"], ("kw", b"TJ"), ("kw", b"ET")]


def test_tokenize_dict_and_escapes():
    toks = tokenize(b"/Span <</MCID 3 /ActualText (\\101\\n)>> BDC % comment\nEMC")
    assert _plain(toks) == [("lit", "Span"), {"MCID": 3, "ActualText": b"A\n"},
                            ("kw", b"BDC"), ("kw", b"EMC")]


_number = st.one_of(st.integers(-10_000, 10_000),
                    st.floats(-1000, 1000, allow_nan=False).map(lambda f: round(f, 3)))
_name = st.text("ABCFabcf0123456789", min_size=1, max_size=6)
_string = st.binary(max_size=12)


def _lit_string(b: bytes) -> bytes:
    return b"(" + b"".join(b"\\" + bytes((c,)) if c in b"()\\" else bytes((c,)) for c in b) + b")"


_operand = st.one_of(
    _number.map(lambda n: str(n).encode()),
    _name.map(lambda n: b"/" + n.encode()),
    _string.map(_lit_string),
    _string.map(lambda b: b"<" + b.hex().encode() + b">"),
)
_op = st.sampled_from([b"Tf", b"Td", b"TJ", b"Tj", b"re", b"m", b"l", b"S", b"f", b"q", b"Q",
                       b"cm", b"rg", b"BT", b"ET", b"T*", b"'"])
_array = st.lists(_operand, max_size=4).map(lambda xs: b"[" + b" ".join(xs) + b"]")
_stream = st.lists(st.tuples(st.lists(st.one_of(_operand, _array), max_size=4), _op), max_size=20).map(
    lambda ops: b"\n".join(b" ".join([*args, op]) for args, op in ops))


@settings(max_examples=200, deadline=None)
@given(_stream)
def test_tokenize_agrees_with_pdfminer(data: bytes):
    # pdfminer needs a delimiter after the last token (real streams end in a newline)
    assert _plain(tokenize(data)) == _plain(_pdfminer_tokens(data + b"\n"))


PAGES = [(p, i) for p in [CORPUS / "minhang-zonggonghui-2023.pdf", *sorted(VARIANTS.glob("*.pdf"))]
         for i in range(len(pdfplumber.open(p).pages))]


@pytest.mark.parametrize("pdf,index", PAGES, ids=[f"{p.name}:{i + 1}" for p, i in PAGES])
def test_chars_and_edges_equal_pdfplumber(pdf, index):
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[index]
        ref_chars = [(c["text"], c["x0"], c["x1"], c["top"], c["bottom"], c["size"], c["upright"])
                     for c in page.chars]
        ref_edges = sorted((e["orientation"], e["x0"], e["top"], e["x1"], e["bottom"])
                           for e in page.edges)
        ref_images = len(page.images)
        page.close()
        chars, edges, images = parse_page(doc, doc.pages[index])
    chars = [c[:7] for c in chars]  # the 8th value (turn) is not pdfplumber's
    assert [(t, *(round(v, 6) for v in xs), up) for t, *xs, up in chars] == \
           [(t, *(round(v, 6) for v in xs), up) for t, *xs, up in ref_chars]
    assert sorted((e["orientation"], e["x0"], e["top"], e["x1"], e["bottom"]) for e in edges) == ref_edges
    assert images == ref_images


def _ruled(pdf, index) -> bool:
    from extract.grid import visible_edges

    with pdfplumber.open(pdf) as doc:
        return bool(visible_edges(doc.pages[index].edges)[1])


RULED_PAGES = [(p, i) for p, i in PAGES if _ruled(p, i)]


@pytest.mark.parametrize("pdf,index", RULED_PAGES,
                         ids=[f"{p.name}:{i + 1}" for p, i in RULED_PAGES])
def test_table_finder_equals_pdfplumbers(pdf, index):
    """FastTableFinder finds exactly the cells and tables of pdfplumber's TableFinder."""
    from pdfplumber.table import TableFinder

    from extract.grid import TABLE_SETTINGS, FastTableFinder, visible_edges

    with pdfplumber.open(pdf) as doc:
        page = doc.pages[index]
        hs, vs = visible_edges(page.edges)
        settings = dict(TABLE_SETTINGS, explicit_vertical_lines=vs, explicit_horizontal_lines=hs)
        ours, theirs = FastTableFinder(page, settings), TableFinder(page, settings)
        assert ours.cells == theirs.cells
        assert [t.bbox for t in ours.tables] == [t.bbox for t in theirs.tables]
        assert [[r.cells for r in t.rows] for t in ours.tables] == \
               [[r.cells for r in t.rows] for t in theirs.tables]
