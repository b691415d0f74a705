"""OCR of pages without a text layer (extract/ocr.py, extract/ocr_repair.py): the rulings and
the cleaning on small drawn images, the repair rules, and one real scan read end to end by the
same grid and form reader as a text page (real rendering, real OpenCV, real RapidOCR)."""

from __future__ import annotations

import json
from dataclasses import replace

import cv2
import numpy as np
import pytest

from extract import extract_file
from extract.errors import NoTextLayer
from extract.ocr import (
    _is_dash,
    _mark_widths,
    _one_ink_mark,
    _one_width_per_cell,
    _operator_shape,
    ink,
    rulings,
    seal_cleaned,
    skew_angle,
    upright,
    without_red,
)
from extract.ocr_repair import REPAIRS, repair_number
from extract.ocr_seal import Ring, find_ring, ring_cleaned, seal_pieces
from tests.conftest import ROOT
from tests.truth import count_cells, diff_document
from transform import transform_document

SCANS = ROOT / "tests" / "fixtures" / "scans"
EXACT_SCAN = SCANS / "scan-2023-p4-200dpi-grey.pdf"
DPI = 200

pytestmark = pytest.mark.xdist_group("ocr")


# ------------------------------------------------------------------------- repair rules


@pytest.mark.parametrize(("read", "want", "rule"), [
    ("0:00", "0.00", "colon_as_point"),
    ("8；02", "8.02", "colon_as_point"),
    ("9。70", "9.70", "stop_as_point"),
    ("0,00", "0.00", "comma_as_point"),
    ("1O.00", "10.00", "letter_o_as_zero"),
    ("·", "-", "lone_mark_as_dash"),
    ("5.00：", "5.00", "trailing_mark"),
    ("10.00.", "10.00", "trailing_mark"),
])
def test_certain_repairs(read, want, rule):
    assert repair_number(read) == (want, rule)


@pytest.mark.parametrize("read", [
    "10.00", "2,863.00", "1,000", "99.7",  # numbers already: untouched
    "32.K", "5.00=", "3:5", "1:000", "", None,  # no certain repair: left for the checks
    "5.0：", "5.001", "：5.00",  # a mark after a number cut short, a digit, a leading mark
])
def test_no_repair_where_not_certain(read):
    assert repair_number(read) is None


def test_rules_are_data_with_names():
    names = [r.name for r in REPAIRS]
    assert len(names) == len(set(names)) and all(r.why for r in REPAIRS)


# ------------------------------------------------------------------------- drawn images


def _grid(h_only: bool = False, angle: float = 0.0) -> np.ndarray:
    """A white A5-ish page at 200 dpi with a 4 × 3 table (or horizontal rulings only), a
    tall title stroke above it, and text-like blobs in the cells."""
    img = np.full((900, 1200), 255, np.uint8)
    ys = [200, 300, 400, 500, 600]
    xs = [100, 500, 800, 1100]
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
    if not h_only:
        for x in xs:
            cv2.line(img, (x, ys[0]), (x, ys[-1]), 0, 2)
    cv2.line(img, (600, 40), (600, 120), 0, 6)  # a title character's long stroke
    for y in ys[:-1]:
        for x in xs[:-1]:
            cv2.putText(img, "10.00", (x + 20, y + 60), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    return upright(img, -angle) if angle else img


def _ink(img: np.ndarray) -> np.ndarray:
    return np.where(img < 128, 255, 0).astype(np.uint8)


def test_ruled_grid_found():
    r = rulings(_ink(_grid()), DPI)
    assert len(r.horizontal) == 5
    assert sorted(x for _, _, x, _ in r.vertical) == pytest.approx([100, 500, 800, 1100], abs=2)


def test_horizontal_only_table_has_no_vertical_ruling():
    r = rulings(_ink(_grid(h_only=True)), DPI)
    assert len(r.horizontal) == 5
    assert r.vertical == ()  # the title's stroke meets no ruling: not one


@pytest.mark.parametrize("angle", [-2.0, -0.7, 1.3, 2.0])
def test_skew_measured_and_undone(angle):
    page = _grid(angle=angle)
    measured = skew_angle(_ink(page), DPI)
    assert measured == pytest.approx(angle, abs=0.15)
    r = rulings(_ink(upright(page, measured)), DPI)
    assert len(r.horizontal) == 5 and len(r.vertical) == 4


def test_red_seal_dropped_black_print_kept():
    img = np.full((200, 200, 3), 255, np.uint8)
    cv2.line(img, (100, 0), (100, 199), (0, 0, 0), 3)  # a ruling
    cv2.circle(img, (100, 100), 60, (40, 40, 220), 8)  # the seal's ring (BGR red) over it
    img[95:106, 97:104] = 0  # the ruling where the ring crosses it: ink on ink
    grey = without_red(img)
    assert grey[100, 40] > 200  # the ring
    assert grey[100, 100] < 60 and grey[10, 100] < 60  # the ruling, also under the ring


def _jpeg(img: np.ndarray, quality: int = 70) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def _sealed_page() -> np.ndarray:
    """A colour page (BGR) with a 3 × 2 table, digits in the cells and a red seal (ring,
    star, thin boxes) over the middle vertical ruling, saved as JPEG as a scanner does."""
    img = np.full((700, 900, 3), 245, np.uint8)
    for y in (100, 300, 500):
        cv2.line(img, (100, y), (800, y), (0, 0, 0), 2)
    for x in (100, 450, 800):
        cv2.line(img, (x, 100), (x, 500), (0, 0, 0), 2)
    for y in (100, 300):
        for x in (100, 450):
            cv2.putText(img, "7.50", (x + 110, y + 120), cv2.FONT_HERSHEY_SIMPLEX, 1.2,
                        (0, 0, 0), 2)
    seal = np.full_like(img, 255)
    red = (45, 40, 220)
    cv2.circle(seal, (450, 300), 160, red, 6)
    cv2.fillPoly(seal, [np.array([(450, 230), (475, 290), (540, 295), (490, 335), (510, 400),
                                  (450, 360), (390, 400), (410, 335), (360, 295), (425, 290)],
                                 np.int32)], red)
    for k in range(8):
        a = np.pi * (0.9 + 1.2 * k / 7)
        x, y = int(450 + 115 * np.cos(a)), int(300 + 115 * np.sin(a))
        cv2.rectangle(seal, (x - 12, y - 12), (x + 12, y + 12), red, 2)
    page = (img.astype(np.float32) * seal.astype(np.float32) / 255).astype(np.uint8)
    return _jpeg(page)


def test_seal_turned_to_paper_print_under_it_kept():
    page = _sealed_page()
    grey, seal = seal_cleaned(page, DPI)
    assert seal is not None and seal[187, 337]  # the ring is the seal
    bw = ink(grey)
    assert not bw[181:194, 331:344].any()  # the ring, up left
    assert not bw[262:285, 456:464].any()  # the star's upper arm, beside the ruling
    assert bw[300, 300] and bw[400, 450]  # the rulings, also under the ring and the star
    # "7.50" right of the middle ruling (rows 196–221), crossed by the ring: its ink kept
    assert np.count_nonzero(bw[190:225, 560:640]) >= 0.8 * np.count_nonzero(
        cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)[190:225, 560:640] < 100)
    assert not bw[226:240, 585:600].any()  # the ring below it, crossing the cell


def _grey_sealed_page() -> np.ndarray:
    """The sealed page scanned in grey: the seal's red is a mid grey, as dark as print's
    edges, and no colour tells it."""
    grey = cv2.cvtColor(_sealed_page(), cv2.COLOR_BGR2GRAY)
    ok, buf = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 65])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def test_grey_seal_found_by_its_ring():
    ring = find_ring(_grey_sealed_page(), DPI)
    assert ring is not None
    assert (ring.cx, ring.cy, ring.r) == pytest.approx((450, 300, 160), abs=3)
    assert 60 <= ring.level <= 140 and ring.cover >= 0.95


def test_no_ring_on_a_page_without_a_seal():
    page = _grid()
    cv2.circle(page, (300, 700), 40, 0, 2)  # a small printed circle: no seal's size
    assert find_ring(page, DPI) is None
    # a seal's size, ink on a quarter of it: the rulings and text it crosses are no ring
    assert find_ring(upright(page, 1.0), DPI) is None


def test_grey_seal_ring_and_star_lifted_print_kept():
    grey = _grey_sealed_page()
    ring = find_ring(grey, DPI)
    assert ring is not None
    clean, cover = ring_cleaned(grey, ring)
    assert cover[187, 337] and not cover[600, 200]
    assert grey[187, 337] < 160 and clean[187, 337] > 200  # the ring, up left: paper
    assert (clean[262:285, 456:464] > 200).mean() > 0.9  # the star's upper arm
    bw = ink(clean)
    assert bw[300, 290] and bw[140, 450]  # the rulings where the ring crosses them
    assert bw[220:240, 560:640].any()  # "7.50" crossed by the ring
    assert (clean == grey)[~cover].all()  # nothing else touched


def test_ruling_under_a_seal_bridged():
    page = _sealed_page()
    grey, seal = seal_cleaned(page, DPI)
    bw = ink(grey)
    band = bw[:, 446:455]
    band[seal[:, 446:455]] = 0  # the middle ruling lost where the seal crossed it (150 dpi)
    found = rulings(bw, DPI, seal)
    assert any(abs(x - 450) <= 3 and y0 <= 105 and y1 >= 495 for y0, y1, x, _ in found.vertical)
    assert not any(abs(x - 450) <= 3 for _, _, x, _ in rulings(bw, DPI).vertical)


def test_rulings_under_a_solid_shape_kept():
    """A seal printed grey in a grey scan is ink like print: its solid star over a crossing of
    rulings is no ruling, and hides the rulings under it (they go on beyond it)."""
    page = _grid()
    cv2.circle(page, (500, 400), 45, 100, -1)  # a solid grey disc on a crossing
    r = rulings(_ink(page), DPI)
    assert sorted(x for _, _, x, _ in r.vertical) == pytest.approx([100, 500, 800, 1100], abs=2)
    assert all(y0 <= 202 and y1 >= 598 for y0, y1, _, _ in r.vertical)
    assert len(r.horizontal) == 5 and r.blob is not None
    assert not r.mask[420, 470] and not r.mask[370, 520]  # the disc is not ruling


def test_a_ruling_whose_top_a_seal_hides_goes_on_to_the_ruling_above():
    bw = np.zeros((600, 900), np.uint8)
    for y in (100, 300, 500):
        bw[y - 1:y + 2, 100:801] = 255
    for x in (100, 800):
        bw[100:501, x - 1:x + 2] = 255
    bw[262:501, 449:452] = 255  # the middle ruling, its top under the seal lost
    yy, xx = np.mgrid[0:600, 0:900]
    seal = (yy - 150) ** 2 + (xx - 450) ** 2 <= 120 ** 2
    bw[seal & ((yy - 150) ** 2 + (xx - 450) ** 2 >= 110 ** 2)] = 0  # ring turned to paper
    found = rulings(bw, DPI, seal)
    assert any(abs(x - 450) <= 2 and y0 <= 102 and y1 >= 498 for y0, y1, x, _ in found.vertical)
    assert not any(abs(x - 450) <= 2 for _, _, x, _ in rulings(bw, DPI).vertical)


def test_a_ruling_that_ends_is_not_bridged_by_a_seal():
    page = _sealed_page()
    grey, seal = seal_cleaned(page, DPI)
    bw = ink(grey)
    bw[302:500, 446:455] = 0  # a merged cell below: the middle ruling stops at y = 300
    found = rulings(bw, DPI, seal)
    assert not any(abs(x - 450) <= 3 and y1 > 320 for _, y1, x, _ in found.vertical)


def _line(next_at: int) -> np.ndarray:
    """A printed line 20 px high: a character (0–18), a comma (20–24, low), a character from
    ``next_at``, and one more after it."""
    piece = np.zeros((20, 120), np.uint8)
    piece[:, 0:18] = 255
    piece[14:20, 20:24] = 255
    piece[:, next_at:next_at + 18] = 255
    piece[:, next_at + 20:next_at + 38] = 255
    return piece


@pytest.mark.parametrize(("read", "next_at", "want"), [
    ("报,由总", 42, "报，由总"),  # a character's advance of blank: full width
    ("报，由总", 42, "报，由总"),
    ("报，由总", 28, "报,由总"),  # a third of one: half width, as printed
    ("报:由总", 28, "报:由总"),
    ("报，由总", 33, "报，由总"),  # in between: as read
    ("2,86", 42, "2,86"),  # between digits: a number's, as read
])
def test_punctuation_width_from_the_room_it_takes(read, next_at, want):
    # frame 2 of a 48-px-high crop without border: columns 16–24 hold the mark
    assert _mark_widths(read, [0, 2, 5, 8], _line(next_at), 48, 0)[0] == want


def _sign(kind: str, size: int) -> np.ndarray:
    """A comparison sign drawn ``size`` pixels high (binary, ink 255): ``⩾`` is the slanted
    ``≥`` of the CJK fonts the forms are printed in."""
    thick = max(2, size // 8)
    img = np.zeros((size + 6, size + 6), np.uint8)

    def at(x: float, y: float) -> tuple[int, int]:
        return int(3 + x * (size - 1)), int(3 + y * (size - 1))

    if kind == "=":
        img[3:3 + thick, 3:3 + int(0.6 * size)] = 255
        img[3 + 3 * thick:3 + 4 * thick, 3:3 + int(0.6 * size)] = 255
        return img
    if kind == "二":  # a shorter bar on top
        img[3:3 + thick, 6:3 + int(0.6 * size)] = 255
        img[3 + 3 * thick:3 + 4 * thick, 3:3 + int(0.8 * size)] = 255
        return img
    right = kind in (">", "≥", "⩾")
    lone = kind in (">", "<")
    tip, end = (0.5, 1.0) if lone else (0.32, 0.64)
    a, b = (0, 1) if right else (1, 0)
    cv2.polylines(img, [np.array([at(a, 0), at(b, tip), at(a, end)])], False, 255, thick)
    if kind in ("≥", "≤"):
        cv2.line(img, at(0, 1), at(1, 1), 255, thick)
    if kind == "⩾":
        cv2.line(img, at(1, 0.68), at(0, 1), 255, thick)
    return img


@pytest.mark.parametrize("size", [14, 20, 30])
@pytest.mark.parametrize(("kind", "want"), [
    (">", ">"), ("<", "<"), ("≥", "≥"), ("⩾", "≥"), ("≤", "≤"), ("=", "="), ("二", None),
])
def test_comparison_sign_told_by_its_shape(kind, want, size):
    assert _operator_shape(_sign(kind, size))[0] == want


@pytest.mark.parametrize("size", [14, 20, 30])
def test_a_digit_is_no_sign(size):
    for d in "0123456789":
        img = np.zeros((size + 8, size + 8), np.uint8)
        cv2.putText(img, d, (2, size + 3), cv2.FONT_HERSHEY_SIMPLEX, size / 22, 255,
                    max(1, size // 10))
        assert _operator_shape(img)[0] is None, d


def _two_marks(upper: int, lower: int) -> np.ndarray:
    """A mark's columns 20 px high: a dot ``upper`` px high near the middle and one ``lower``
    px high at the foot of the line."""
    mark = np.zeros((20, 4), np.uint8)
    mark[7:7 + upper, :3] = 255
    mark[14:14 + lower, :3] = 255
    return mark


@pytest.mark.parametrize(("upper", "lower", "want"), [
    (3, 3, ":"), (3, 5, ";"), (2, 5, ";"), (3, 4, None), (4, 3, None),
])
def test_colon_and_semicolon_by_shape(upper, lower, want):
    from extract.ocr import _mark_shape

    assert _mark_shape(_two_marks(upper, lower)) == want


def test_dash_by_shape():
    dash = np.zeros((3, 9), np.uint8)
    dash[:] = 255
    dot = np.full((4, 4), 255, np.uint8)
    assert _is_dash(dash, 20)
    assert not _is_dash(dot, 20)
    assert not _is_dash(np.full((3, 40), 255, np.uint8), 20)  # a full-width 一 or —


# ------------------------------------------------------------------------- a real scan


@pytest.fixture(scope="module")
def scanned():
    return extract_file(EXACT_SCAN)


def test_scan_read_into_the_same_records(scanned):
    truth = json.loads(EXACT_SCAN.with_name(EXACT_SCAN.name + ".truth.json").read_text("utf-8"))
    assert diff_document(scanned.to_truth(), truth) == []
    assert scanned.ocr_pages == (1,)
    report = scanned.reports[0]
    assert report.ocr and report.ocr_cells
    cell = next(c for c in report.ocr_cells if c.text == "8.02")
    x0, top, x1, bottom = cell.box()
    assert 0 < x0 < x1 < 595 and 0 < top < bottom < 842  # PDF points of an A4 page
    assert cell.confidence > 0.9


def test_scan_json_marks_ocr(scanned):
    d = scanned.to_truth()
    assert d["ocr"] is True and d["ocr_pages"] == [1]
    rep = d["reports"][0]
    assert rep["ocr"] is True
    assert {"page", "box", "text", "confidence", "alternatives"} <= set(rep["ocr_cells"][0])


def test_no_ocr_fails_as_before():
    with pytest.raises(NoTextLayer) as err:
        extract_file(EXACT_SCAN, ocr=False)
    assert err.value.pages == (1,)
    assert "needs OCR" in str(err.value)


def test_clean_scan_loads_with_its_confidence(scanned):
    t = transform_document(scanned)
    rep = t.reports[0]
    assert not [f for f in rep.findings if f.severity == "error"], rep.findings
    assert rep.evaluation.ocr and all(f.ocr and f.ocr_confidence for f in rep.funding)
    assert all(x.ocr for x in rep.results)


def test_row_confidence_found_by_the_boxes_of_its_values(scanned):
    """Each fact's confidence is its own row's least, found by the boxes of its values (not by
    its label's text: here the label cells of every row read alike, and one score cell of
    one row doubtful)."""
    report = scanned.reports[0]
    i = 2
    box = report.indicators[i].box("score")
    assert box is not None

    def inside(c) -> bool:
        return box.x0 <= (c.x0 + c.x1) / 2 <= box.x1 and box.top <= (c.top + c.bottom) / 2 <= box.bottom

    labels = {x.level3 for x in report.indicators}
    cells = tuple(replace(c, confidence=0.41) if inside(c)
                  else replace(c, text="某指标") if c.text in labels else c
                  for c in report.ocr_cells)
    doc = replace(scanned, reports=(replace(report, ocr_cells=cells),))
    results = transform_document(doc).reports[0].results
    assert results[i].ocr_confidence == pytest.approx(0.41)
    assert all(x.ocr_confidence > 0.41 for k, x in enumerate(results) if k != i)


def test_a_misread_number_is_caught(scanned):
    """OCR reads 10.00 as 16.00, sure of it: the report's own arithmetic (score ≤ weight,
    Σ scores = total) does not bear it out, so it becomes ocr_uncertain (an error) naming the
    cell, where the text version would only be warned."""
    report = scanned.reports[0]
    i = next(k for k, x in enumerate(report.indicators) if x.score == "10.00")
    bad = replace(report.indicators[i], score="16.00")
    cells = tuple(replace(c, text="16.00") if c.text == "10.00" and c.top > 300 else c
                  for c in report.ocr_cells)
    misread = replace(report, indicators=(*report.indicators[:i], bad,
                                          *report.indicators[i + 1:]), ocr_cells=cells)
    doc = replace(scanned, reports=(misread,))
    found = transform_document(doc).reports[0].findings
    uncertain = [f for f in found if f.check_code == "ocr_uncertain"]
    assert uncertain and all(f.severity == "error" for f in uncertain)
    assert any("16.00" in f.message and "第 1 页 (" in f.message for f in uncertain)
    as_text = transform_document(replace(doc, reports=(replace(misread, ocr=False),)))
    assert not [f for f in as_text.reports[0].findings if f.severity == "error"]


NUMBERS = {"funding": ("budget_initial", "budget_full_year", "executed", "weight",
                       "execution_rate", "score"),
           "indicators": ("target", "actual", "weight", "score")}


@pytest.mark.parametrize(("name", "least"), [
    # 150 dpi, colour, a seal over the table: a vertical ruling under it (was unknown_header)
    ("scan-2024-p9-150dpi-colour-stamp.pdf", 0.98),
    # 150 dpi, grey: a target's ≥ dropped by one read, taken into the number by the other
    ("scan-2023-p6-150dpi-grey.pdf", 1.0),
])
def test_hard_scans_read_and_no_wrong_number_loaded(name, least):
    pdf = SCANS / name
    truth = json.loads(pdf.with_name(pdf.name + ".truth.json").read_text("utf-8"))
    doc = extract_file(pdf)
    diffs = diff_document(doc.to_truth(), truth)
    assert 1 - len(diffs) / count_cells(truth) >= least, diffs
    t = transform_document(doc)
    for rep, got, want in zip(t.reports, doc.to_truth()["reports"], truth["reports"]):
        if any(f.severity == "error" for f in rep.findings):
            continue  # kept out: what it read doubtful is named
        assert (got["total_score"], got["grade"]) == (want["total_score"], want["grade"])
        for block, names in NUMBERS.items():
            for g, w in zip(got[block], want[block], strict=True):
                assert {k: g.get(k) for k in names} == {k: w.get(k) for k in names}
    if least == 1.0:  # every cell exact: the report loads
        assert not [f for r in t.reports for f in r.findings if f.severity == "error"]


# ------------------------------------------------------------------------- settings


def test_ocr_settings_checked_when_read(monkeypatch):
    from flows.config import Settings, SettingsError, load_limits

    monkeypatch.setenv("JIXIAO_OCR", "off")
    assert Settings.load().ocr is False
    monkeypatch.setenv("JIXIAO_OCR", "maybe")
    with pytest.raises(SettingsError, match="JIXIAO_OCR"):
        Settings.load()
    assert load_limits({"JIXIAO_LIMIT_OCR_PAGE_SECONDS": "12"}).ocr_page_seconds == 12.0
    with pytest.raises(SettingsError, match="JIXIAO_LIMIT_OCR_PAGE_SECONDS"):
        load_limits({"JIXIAO_LIMIT_OCR_PAGE_SECONDS": "0"})


def test_mark_widths_told_and_untold():
    # told by the room it takes (half width), then a mark at the piece's end (untold)
    text, widths = _mark_widths("报,由总，", [0, 2, 5, 8, 11], _line(28), 48, 0)
    assert text == "报,由总，"
    assert widths == {1: False, 4: None}


@pytest.mark.parametrize(("texts", "widths", "cells", "want"), [
    # a cell's untold mark takes the width its other marks were told
    (["报,由总", "赛，提"], [{1: False}, {1: None}], [3, 3], ["报,由总", "赛,提"]),
    (["报，由总", "赛;提"], [{1: True}, {1: None}], [3, 3], ["报，由总", "赛；提"]),
    # another cell's marks say nothing
    (["报,由总", "赛，提"], [{1: False}, {1: None}], [3, 4], ["报,由总", "赛，提"]),
    # the cell's marks told both widths: as read
    (["报,由，总", "赛，提"], [{1: False, 3: True}, {1: None}], [3, 3],
     ["报,由，总", "赛，提"]),
    # nothing told: as read
    (["赛，提"], [{1: None}], [3], ["赛，提"]),
])
def test_one_width_per_cell(texts, widths, cells, want):
    assert _one_width_per_cell(texts, widths, cells) == want


def _dots(*rows: tuple[int, int]) -> np.ndarray:
    """A 14 × 6 mark: a 4 × 4 blob at each of the (top, bottom) rows given."""
    piece = np.zeros((14, 6), np.uint8)
    for top, bottom in rows:
        piece[top:bottom, 1:5] = 255
    return piece


@pytest.mark.parametrize(("read", "piece", "want"), [
    # one ring of ink read as a colon, the reader's runner-up a full stop: a full stop
    (("：", [0.15], ["。"], [3]), _dots((9, 14)), ("。", [0.95], ["："], [3])),
    ((";", [0.4], ["，"], [3]), _dots((6, 14)), ("，", [0.95], [";"], [3])),
    # two dots one above the other: a colon, as read
    (("：", [0.15], ["。"], [3]), _dots((1, 5), (9, 13)), ("：", [0.15], ["。"], [3])),
    # the runner-up no mark of one piece, or more than the mark read: as read
    (("：", [0.15], ["二"], [3]), _dots((9, 14)), ("：", [0.15], ["二"], [3])),
    (("关系：", [0.9, 0.9, 0.15], ["", "", "。"], [1, 3, 5]), _dots((9, 14)),
     ("关系：", [0.9, 0.9, 0.15], ["", "", "。"], [1, 3, 5])),
])
def test_a_colon_of_one_piece_of_ink_is_none(read, piece, want):
    assert _one_ink_mark(read, piece) == want


#: a seal's ring at (300, 300), radius 160, grey 90 with a grain of 5: the seal alone is no
#: darker than 80
_RING = Ring(300, 300, 160, 5, 90.0, 5.0, 1.0)


def _pieces_page(light_outside: bool = False) -> tuple[np.ndarray, np.ndarray, list]:
    """A grey page: print (grey 20) in two cells inside the ring and one outside, a stroke of
    the seal's grey (95) beside the print in the first cell; with ``light_outside``, print
    outside the ring as light as the seal."""
    grey = np.full((700, 900), 250, np.uint8)
    boxes = [(250, 200, 290, 220), (300, 200, 330, 220),  # print, the seal's stroke: cell 0
             (250, 350, 290, 370),  # print alone in cell 1
             (600, 600, 640, 620)]  # print outside the ring: cell 2
    for (x0, y0, x1, y1), g in zip(boxes, (20, 95, 20, 100 if light_outside else 20)):
        grey[y0 + 2:y1 - 2, x0:x1] = g
    bw = np.where(grey < 200, 255, 0).astype(np.uint8)
    return grey, bw, boxes


def test_a_piece_of_the_seal_alone_dropped():
    grey, bw, boxes = _pieces_page()
    assert seal_pieces(grey, bw, boxes, [0, 0, 1, 2], _RING) == {1}


def test_a_piece_as_light_as_the_seal_kept_where_print_is_as_light():
    grey, bw, boxes = _pieces_page(light_outside=True)
    assert seal_pieces(grey, bw, boxes, [0, 0, 1, 2], _RING) == set()


def test_a_piece_alone_in_its_cell_kept():
    grey, bw, boxes = _pieces_page()
    grey[352:368, 250:290] = 95  # the cell's only piece as light as the seal
    assert seal_pieces(grey, bw, boxes, [0, 0, 1, 2], _RING) == {1}
    assert seal_pieces(grey, bw, boxes, [0, 3, 1, 2], _RING) == set()
