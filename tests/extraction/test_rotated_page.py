"""Landscape pages read like any other: a page turned by /Rotate, or a table printed sideways."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from extract import extract_file
from tests.conftest import CORPUS, truth_of
from tests.extraction.synth import Layout, render
from tests.truth import diff_document

PORTRAIT = (595.0, 842.0)


def _draw(report: dict, path: Path, rotate: int, sideways: bool) -> None:
    """Draw the report on a landscape view of a portrait page.

    ``sideways``: the table is printed turned on a portrait page (text runs bottom to top for
    90, top to bottom for 270), as some exports do; else the page carries /Rotate ``rotate`` and
    the content is drawn turned the other way, so that it displays upright.
    """
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = render(report, Layout(widths=[60, 70, 110, 80, 80, 50, 50, 110], size=9.0))
    w, h = PORTRAIT
    c = canvas.Canvas(str(path), pagesize=PORTRAIT, invariant=1)
    if not sideways:
        c.setPageRotation(rotate)
    view_h = w  # the landscape view is h wide and w high
    if rotate == 90:
        c.translate(w, 0)
        c.rotate(90)
    else:
        c.translate(0, h)
        c.rotate(-90)
    c.setFont("STSong-Light", 9)
    for ch, x0, _x1, _top, bottom, *_ in page.chars:
        c.drawString(x0, view_h - bottom + 1.0, ch)
    c.setLineWidth(0.5)
    for e in page.edges:
        c.line(e["x0"], view_h - e["top"], e["x1"], view_h - e["bottom"])
    c.drawString(20, 20, "stamp")  # a few characters in another direction: ignored
    c.showPage()
    c.save()


@pytest.mark.parametrize("rotate,sideways", [(90, False), (270, False), (90, True), (270, True)],
                         ids=["rotate-90", "rotate-270", "sideways-90", "sideways-270"])
def test_landscape_pages(tmp_path: Path, rotate: int, sideways: bool):
    report = truth_of(CORPUS / "minhang-zonggonghui-2023.pdf")["reports"][8]  # 退管会工作
    report = {**report, "pages": [1]}
    path = tmp_path / f"page-{rotate}-{sideways}.pdf"
    _draw(report, path, rotate, sideways)
    with pdfplumber.open(path) as pdf:  # sideways: the text really is not upright
        upright = sum(c["upright"] for c in pdf.pages[0].chars)
        assert (upright < 10) if sideways else (pdf.pages[0].rotation == rotate)
    doc = extract_file(path)
    got = doc.to_truth()
    assert diff_document(got, {"fiscal_year": got["fiscal_year"], "reports": [report]}) == []


def chars_in(page, box) -> str:
    """The characters of a pdfplumber page whose centre lies in ``box`` (any direction)."""
    return "".join(c["text"] for c in page.chars
                   if box.x0 <= (c["x0"] + c["x1"]) / 2 <= box.x1
                   and box.top <= (c["top"] + c["bottom"]) / 2 <= box.bottom)


@pytest.mark.parametrize("rotate,sideways", [(90, False), (270, False), (90, True), (270, True)],
                         ids=["rotate-90", "rotate-270", "sideways-90", "sideways-270"])
def test_landscape_boxes_on_the_page_as_printed(tmp_path: Path, rotate: int, sideways: bool):
    """Provenance on a turned page: each value's box, on the page as pdfplumber gives it, holds
    the value's characters (a table printed sideways is read turned upright; its boxes are
    turned back)."""
    from collections import Counter

    report = truth_of(CORPUS / "minhang-zonggonghui-2023.pdf")["reports"][8]
    path = tmp_path / f"page-{rotate}-{sideways}.pdf"
    _draw({**report, "pages": [1]}, path, rotate, sideways)
    rep = extract_file(path).reports[0]
    pairs = [(getattr(x, k), b) for x in (*rep.funding, *rep.indicators, rep) for k, b in x.boxes]
    assert len(pairs) > 40
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        for value, box in pairs:
            if sideways:  # (with /Rotate, pdfplumber's frame is the page's turned by pdfminer)
                assert (0 <= box.x0 < box.x1 <= page.width
                        and 0 <= box.top < box.bottom <= page.height)
            inside = Counter(chars_in(page, box))
            want = Counter("".join(value.split()))
            assert not want - inside, (value, box, "".join(inside))


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_file_turned_whole_by_rotate_reads_as_printed(tmp_path: Path, turn: int):
    """Every page of a real report turned by /Rotate (a scanner or a driver turns the whole
    file; upside down included): every cell still equals the truth. At 180 degrees the
    rulings keep their direction (a quarter turn swaps them: the 180 case swapped them too, and
    no report was read)."""
    import pypdfium2 as pdfium

    src = CORPUS / "minhang-zonggonghui-2023.pdf"
    pdf = pdfium.PdfDocument(src)
    for i in range(len(pdf)):
        pdf[i].set_rotation(turn)
    path = tmp_path / f"turned-{turn}.pdf"
    pdf.save(path)
    pdf.close()
    assert diff_document(extract_file(path).to_truth(), truth_of(src)) == []
