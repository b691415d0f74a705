"""Pages with ``/Rotate`` (a scanner or a printer driver turns pages that way): the stored box
of a value is in the frame the 来源 page draws it in. Checked on copies of a sample turned by
90, 180 and 270 degrees: pdfplumber reads the value inside every box, and the page image that
:mod:`web.render` makes has ink under every box (a box drawn in the unturned frame would fall
on white paper for most cells)."""

from __future__ import annotations

import io

import pdfplumber
import pypdfium2 as pdfium
import pytest
from PIL import Image

from extract import extract_file
from tests.conftest import SAMPLES
from web.render import page_png


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_boxes_of_a_turned_page_fall_on_its_values(tmp_path, turn):
    pdf = pdfium.PdfDocument(SAMPLES / "minhang-zonggonghui-2023.pdf")
    for i in range(len(pdf)):
        pdf[i].set_rotation(turn)
    path = tmp_path / f"turned-{turn}.pdf"
    pdf.save(path)
    pdf.close()
    doc = extract_file(path)
    boxes = [(str(getattr(ind, field)), box) for r in doc.reports for ind in r.indicators
             for field, box in ind.boxes if box is not None and box.page <= 6
             and getattr(ind, field, None)]
    assert len(boxes) > 30
    images = {}
    for page in {b.page for _, b in boxes}:
        png, width, height = page_png(path, page)
        image = Image.open(io.BytesIO(png)).convert("L")
        images[page] = (image, image.size[0] / width, image.size[1] / height)
    with pdfplumber.open(path) as plumber:
        for printed, box in boxes:
            text = plumber.pages[box.page - 1].crop(
                (box.x0, box.top, box.x1, box.bottom), strict=False).extract_text() or ""
            # (pdfplumber reads a page turned by 270 degrees backwards: the characters count)
            assert set("".join(printed.split())[:4]) <= set(text), (printed, text, box)
            image, sx, sy = images[box.page]
            cell = image.crop((int(box.x0 * sx), int(box.top * sy),
                               int(box.x1 * sx), int(box.bottom * sy)))
            assert cell.getextrema()[0] < 128, (printed, box)  # some ink under the box
