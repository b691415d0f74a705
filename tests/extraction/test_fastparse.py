"""The fast page parser agrees with pdfminer/pdfplumber: tokens, characters and edges."""

from __future__ import annotations

import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfminer.converter import PDFLayoutAnalyzer
from pdfminer.pdfinterp import PDFContentParser, PDFPageInterpreter
from pdfminer.pdftypes import PDFStream
from pdfminer.psparser import PSEOF, PSKeyword, PSLiteral

from extract.fastparse import CharDevice, FastInterpreter, parse_page, tokenize
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


# --- parse_page against the stock path: pdfminer's layout objects + pdfplumber's process_object


class _StockDevice(CharDevice):
    """The device with pdfminer's own ``paint_path``: every path becomes a layout object."""

    paint_path = PDFLayoutAnalyzer.paint_path


class _StockInterpreter(FastInterpreter):
    """The interpreter with pdfminer's own font building (its CMapParser for ToUnicode)."""

    init_resources = PDFPageInterpreter.init_resources


def _stock_parse_page(pdf, page):
    """parse_page as it was before paths were kept as tuples and CMaps read by a regex: the
    oracle."""
    from pdfminer.layout import LTContainer, LTCurve, LTImage
    from pdfplumber.utils import obj_to_edges

    device = _StockDevice(pdf.rsrcmgr, page.page_number)
    _StockInterpreter(pdf.rsrcmgr, device).process_page(page.page_obj)
    layout = device.get_result()
    assert not device.paths
    height = page.height
    mb_x0, mb_top = page.mediabox[:2]
    chars = [(t, x0 + mb_x0, x1 + mb_x0, height - y1 + mb_top, height - y0 + mb_top, size, up, turn)
             for t, x0, y0, x1, y1, size, up, turn in device.chars]
    objs: list = []

    def flatten(container):
        for obj in container:
            if isinstance(obj, (LTCurve, LTImage)):
                objs.append(obj)
            elif isinstance(obj, LTContainer):
                flatten(obj)

    flatten(layout)
    edges, images = [], 0
    for obj in objs:
        if isinstance(obj, LTImage):
            images += 1
            continue
        po = page.process_object(obj)
        kind = po.get("object_type")
        if kind == "rect":
            po["rect_thickness"] = min(po.get("width", 0), po.get("height", 0))
        got = obj_to_edges(po)
        if kind == "curve":
            paint = {k: po.get(k) for k in ("stroke", "fill", "stroking_color",
                                             "non_stroking_color", "linewidth")}
            for e in got:
                e.update(paint)
        edges.extend(got)
    return chars, edges, images


def _strict(edges):
    """Edges in order, every value by its repr (0 ≠ 0.0 ≠ -0.0), without the ``pts`` and
    ``path`` lists that parse_page leaves out of its fast edges (nothing downstream reads them)."""
    return [sorted((k, repr(v)) for k, v in e.items() if k not in ("pts", "path")) for e in edges]


def _assert_same_as_stock(path) -> int:
    """Every page of ``path``: parse_page's chars, edges and image count are the stock path's."""
    # two documents: nothing cached by one run (fonts, glyph tables) serves the other
    with pdfplumber.open(path) as ref, pdfplumber.open(path) as doc:
        for page_ref, page in zip(ref.pages, doc.pages, strict=True):
            chars_ref, edges_ref, images_ref = _stock_parse_page(ref, page_ref)
            chars, edges, images = parse_page(doc, page)
            where = f"{path.name} page {page.page_number}"
            assert chars == chars_ref, where
            assert images == images_ref, where
            assert _strict(edges) == _strict(edges_ref), where
            # the keys the grid reader uses, as sorted tuples (the brief's comparison)
            keys = ("object_type", "orientation", "x0", "x1", "top", "bottom", "width", "height",
                    "stroke", "fill", "stroking_color", "non_stroking_color", "linewidth",
                    "rect_thickness")
            assert sorted(repr(tuple(e.get(k) for k in keys)) for e in edges) == \
                   sorted(repr(tuple(e.get(k) for k in keys)) for e in edges_ref), where
        return len(doc.pages)


def _fixture_pdfs():
    from tests.conftest import FIXTURES

    out = []
    for p in sorted(FIXTURES.rglob("*.pdf")):
        try:
            with pdfplumber.open(p) as doc:
                doc.pages  # noqa: B018 (unreadable files are tested elsewhere)
        except Exception:
            continue
        out.append(p)
    return out


FIXTURE_PDFS = _fixture_pdfs()


@pytest.mark.parametrize("pdf", FIXTURE_PDFS, ids=[p.name for p in FIXTURE_PDFS])
def test_same_as_stock_on_fixtures(pdf):
    assert _assert_same_as_stock(pdf) >= 1


#: fuzzer seeds covering every ruling style (filled, hlines, shade, lines, rect) and landscape
FUZZ_SEEDS = [0, 1, 2, 4, 36]


@pytest.mark.parametrize("seed", FUZZ_SEEDS)
def test_same_as_stock_on_fuzzer_documents(seed, tmp_path):
    from tests.layout_fuzzer import render

    pdf, _ = render(seed, tmp_path)
    assert _assert_same_as_stock(pdf) >= 1


def _one_page_pdf(content: bytes, form: bytes, mediabox: str) -> bytes:
    """A minimal PDF: one page drawing ``content``, which may paint the form XObject /Fm1."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [" + mediabox.encode() + b"] "
        b"/Resources << /XObject << /Fm1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 600 800] /Length %d >>\nstream\n"
        % len(form) + form + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


#: every kind of path: single lines (``ml``, ``mlh``, a closed ``mllh``), rectangles (``re``,
#: ``mllll``, ``mlllh``, with a redundant ``l``, turned 90°), shapes that are not (a turned
#: rectangle, a degenerate one, an open polygon, a Bézier curve, two subpaths, a lone ``m h``),
#: integer and fractional CTMs, grey/RGB/CMYK colours, dashes, line widths, a form XObject
_PATHS = b"""
1 0 0 1 10 20 cm
0.5 w 0 0 1 RG 10 10 m 200 10 l S
1 0 0 rg 10 30 m 10 300 l h S
[3 2] 0 d 20 40 m 220 40 l 20 40 l h S [] 0 d
0.9 g 30 50 100 20 re f
0 0 0 1 K 30 80 100 20 re S
0.2 0.3 0.4 0.5 k 30 110 m 130 110 l 130 130 l 30 130 l 30 110 l f
30 140 m 130 140 l 130 160 l 30 160 l h B
30 170 m 130 170 l 130 190 l 30 190 l 30 170 l h b*
30 200 m 130 200 l 130 200 l 30 200 l h S
30 210 m 130 220 l 120 240 l 20 230 l h f
30 250 m 130 250 l 130 270 l S
30 280 m 60 320 90 320 130 280 c S
30 330 80 10 re 150 330 80 10 re f
200 200 m h S
q 0 1 -1 0 400 100 cm 0 0 50 30 re S 2 w 0 40 m 60 40 l S Q
q 0.7071 0.7071 -0.7071 0.7071 300 400 cm 0 0 40 40 re f Q
q 0.3 0 0 0.7 5.5 7.25 cm 1.1 w 10 500 m 300 500 l S 10 520 100 3 re f Q
/Fm1 Do
1 0 0 1 0 0 cm 5 600 200 0.4 re f
"""
_FORM = b"0 0 1 RG 10 700 m 100 700 l S 10 710 50 50 re S 10 770 m 40 790 l 70 770 l S"


@pytest.mark.parametrize("mediabox", ["0 0 612 792", "50 60 662 852", "-20 -30 600 800"])
def test_same_as_stock_on_every_path_shape(mediabox, tmp_path):
    pdf = tmp_path / "paths.pdf"
    pdf.write_bytes(_one_page_pdf(_PATHS, _FORM, mediabox))
    _assert_same_as_stock(pdf)
    with pdfplumber.open(pdf) as doc:
        _, edges, _ = parse_page(doc, doc.pages[0])
    kinds = {e["object_type"] for e in edges}
    assert kinds == {"line", "rect_edge", "curve_edge"}


# --- ToUnicode CMaps: FastCMapParser fills the same map as pdfminer's CMapParser

_CMAP_HEAD = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
"""
_CMAP_TAIL = b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"

_CMAP_BODIES = {
    "bfchar": b"3 beginbfchar\n<0003> <0020>\n<0011> <4E2D>\n<0012> <D83DDE00>\nendbfchar\n",
    "bfrange": b"2 beginbfrange\n<0020> <0030> <0041>\n<00FE> <0101> <00FE>\nendbfrange\n",
    "bfrange-array": b"1 beginbfrange\n<0040> <0042> [<0061> <0062> <0063>]\nendbfrange\n",
    "bfrange-short-array": b"1 beginbfrange\n<0040> <0043> [<0061> <0062>]\nendbfrange\n",
    "cid": b"1 begincidrange\n<0000> <00ff> 100\nendcidrange\n1 begincidchar\n<41> 7\nendcidchar\n",
    "nbsp-after-space": b"2 beginbfchar\n<0001> <0020>\n<0001> <00A0>\nendbfchar\n",
    "comments-and-names": b"% a comment\n2 beginbfchar %x\n<01> /space\n<02> <0041>\nendbfchar\n",
    "bad-entries": b"2 beginbfchar\n<01>\n12 <0041>\nendbfchar\n1 beginbfrange\n<01> <0002> <41>\n"
                   b"endbfrange\n",
    "odd-hex": b"2 beginbfchar\n<003> <004>\n<0005> <0041>\nendbfchar\n",
    "null": b"/Foo null def\n1 beginbfchar\n<0005> <0041>\nendbfchar\n",
    "escaped-string": b"/Foo (a\\)b) def\n1 beginbfchar\n<0005> <0041>\nendbfchar\n",
    "keyword-in-array": b"1 beginbfrange\n<0040> <0041> [<0061> def <0062>]\nendbfrange\n",
    "odd-dict": b"/Foo << /A 1 /B >> def\n1 beginbfchar\n<0005> <0041>\nendbfchar\n",
    "number-glued": b"1 beginbfchar\n<0005> <0041>\nendbfchar\n/X 12abc def\n",
    "no-begincmap": b"endcmap\n1 beginbfchar\n<0005> <0041>\nendbfchar\n",
}


@pytest.mark.parametrize("name", sorted(_CMAP_BODIES))
def test_fast_cmap_parser_equals_pdfminers(name):
    import io

    from pdfminer.cmapdb import CMapParser, FileUnicodeMap

    from extract.fonts import FastCMapParser

    data = _CMAP_HEAD + _CMAP_BODIES[name] + _CMAP_TAIL
    results = []
    for parser in (CMapParser, FastCMapParser):
        umap = FileUnicodeMap()
        try:
            parser(umap, io.BytesIO(data)).run()
            error = None
        except Exception as exc:  # the same failure, or none, from both
            error = type(exc)
        results.append((umap.cid2unichr, umap.attrs, error))
    assert results[0] == results[1]
    assert bool(results[0][0]) == (name not in {"bad-entries", "keyword-in-array", "no-begincmap",
                                                "odd-dict"})


def test_fast_cmap_parser_takes_the_plain_cmaps():
    """The plain ones are tokenized by the regex; the others go to pdfminer's parser."""
    from extract.fonts import fast_tokens

    plain = {"bfchar", "bfrange", "bfrange-array", "bfrange-short-array", "cid",
             "nbsp-after-space", "comments-and-names", "bad-entries", "no-begincmap"}
    for name, body in _CMAP_BODIES.items():
        got = fast_tokens(_CMAP_HEAD + body + _CMAP_TAIL)
        assert (got is not None) == (name in plain), name


def test_fast_cmap_parser_on_the_fixtures_tounicode_maps():
    """Every ToUnicode stream of the bundled PDFs: the same map, and most by the fast path."""
    import io

    from pdfminer.cmapdb import CMapParser, FileUnicodeMap
    from pdfminer.pdftypes import PDFStream, resolve1

    from extract.fonts import FastCMapParser, fast_tokens

    fast = total = 0
    for path in FIXTURE_PDFS:
        with pdfplumber.open(path) as pdf:
            for xref in pdf.doc.xrefs:
                for objid in xref.get_objids():
                    try:
                        obj = pdf.doc.getobj(objid)
                    except Exception:  # damaged objects of the malformed files
                        continue
                    if not isinstance(obj, dict) or "ToUnicode" not in obj:
                        continue
                    stream = resolve1(obj["ToUnicode"])
                    if not isinstance(stream, PDFStream):
                        continue
                    data = stream.get_data()
                    ref, got = FileUnicodeMap(), FileUnicodeMap()
                    CMapParser(ref, io.BytesIO(data)).run()
                    FastCMapParser(got, io.BytesIO(data)).run()
                    assert (got.cid2unichr, got.attrs) == (ref.cid2unichr, ref.attrs), path
                    total += 1
                    fast += fast_tokens(data) is not None
    assert total and fast == total
