"""A page without a usable text layer → the characters and rulings a text page yields, by OCR.

OCR is another way to read a page, not another reader: this module turns the page image into
the same inputs :func:`extract.pdf.page_layout` takes from a text page (character tuples and
ruling edges, in PDF points, top-origin), so the grid builder and the header-driven
:class:`~extract.form.FormReader` are one code path for both. What OCR adds is a confidence per
character, kept per cell (:class:`OcrCell`).

1. **Render** the page with pypdfium2 (shipped with pdfplumber) at :data:`DPI`.
2. **Clean**: red ink (a 公章 over the table) is turned to paper before anything is read, by
   the seal's share of the light where it covers (:func:`seal_cleaned`: print under it
   stays); a seal in a grey scan is found by its ring and its ring and star lifted the same
   way (:mod:`extract.ocr_seal`); the page is turned upright by the angle of its long
   horizontal rulings (up to ± :data:`MAX_SKEW` degrees).
3. **Rulings** by morphology (OpenCV): an opening with a long horizontal (vertical) line
   kernel keeps only the horizontal (vertical) rulings; each run becomes an edge dict like the
   ones pdfplumber yields. Runs cut by the seal (where its ink was, or ink thicker than a
   ruling: a seal's star printed grey) are joined across it, or go on under it to the ruling
   they end on. A vertical run that does not meet a horizontal ruling at both ends (a stroke
   of a large title character) is no ruling. Tables ruled with horizontal lines only simply
   have no vertical edge, as on a text page.
4. **Text pieces**: with the rulings erased, the page is cut into the regions the rulings
   enclose (each cell, merged cells included; the band of a table without verticals); inside a
   region, ink rows make printed lines and wide ink gaps cut a line into pieces.
5. **Recognition only** (no detector): every piece is read by RapidOCR's PP-OCRv4 recognizer
   (the ONNX model inside the ``rapidocr-onnxruntime`` wheel, read from the installed package:
   nothing is downloaded), one piece a call; the CTC output gives each character's probability
   and its runner-up, hence the piece's confidence (its least sure character) and
   alternatives, and each character's place (its output frame).
6. **Shapes the reader is unsure of**: a target's leading comparison sign (``≥`` ``≤`` ``>``
   ``<`` ``=``) by its shape, the rest of the piece read again alone; a comma, colon or
   semicolon in prose given the width the page shows (the room it takes, else its cell's
   other marks') and, for a colon or semicolon, its kind by its two marks (one mark of ink
   is none). Pieces of a grey seal's own ink alone are dropped.

The characters of a piece are laid evenly over the piece's box. See the README (*Scanned
submissions*) for what was measured.
"""

from __future__ import annotations

import functools
import math
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from extract.ocr_seal import find_ring, lifted_by_share, ring_cleaned, seal_pieces
from extract.records import OcrCell

#: resolution the page is rendered at (dots per inch): the recognizer reads 48-pixel-high lines,
#: a 10.5 pt character is 29 px at 200 dpi
DPI = 200
#: the largest skew corrected (degrees); a page turned more is read as it is
MAX_SKEW = 3.0
#: a horizontal ruling is at least this long (points); a vertical one at least this tall
MIN_H_RULING_PT, MIN_V_RULING_PT = 36.0, 12.0
#: a gap in a printed line wider than this share of the line's height cuts it into pieces
PIECE_GAP = 0.9
#: a pixel is a seal's red ink when its red channel is this much above green and blue, and
#: above RED_MIN (lower, JPEG's colour bleeding turns black lines under the seal red)
RED_MARGIN, RED_MIN = 30, 120
#: pieces recognized per call: one (measured: a batch pads every crop to the widest, and a
#: batch of 8 took 3.5 times as long as 8 single calls on one core)
BATCH = 1


@dataclass(frozen=True, slots=True)
class OcrPiece:
    """One printed piece of text read by OCR: its box (points, top-origin), text, confidence
    (the probability of its least sure character) and the alternatives (the text with that
    character replaced by the recognizer's runner-up)."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    confidence: float
    alternatives: tuple[str, ...] = ()
    #: each character's probability, and the recognizer's runner-up for it ("" for none)
    probs: tuple[float, ...] = ()
    runner_up: tuple[str, ...] = ()

    def number_confidence(self) -> float:
        """The least probability among the characters a number is made of (digits, signs,
        separators), or whose runner-up is one; 1.0 when there is none."""
        ps = [p for c, p, r in zip(self.text, self.probs, self.runner_up)
              if c in NUMBER_CHARS or r in NUMBER_CHARS]
        return min(ps, default=1.0)


#: what numbers are made of (a doubt on one of these is a doubt on a number)
NUMBER_CHARS = frozenset("0123456789.,:：;；%％≥≤≧≦<>＜＞=＝+-－—一·。．，、oOlI")
#: OCR cannot tell full-width brackets from half-width ones; the forms print half-width
OCR_FOLD = str.maketrans({"（": "(", "）": ")"})


@dataclass(frozen=True, slots=True)
class OcrPage:
    """What OCR read on one page, in the shape a text page gives (picklable: a worker sends it
    back to the flow): character tuples ``(text, x0, x1, top, bottom, size, upright, turn)``,
    ruling edges, and the pieces with their confidence."""

    page: int
    width: float  # points
    height: float
    chars: tuple[tuple, ...]
    edges: tuple[dict, ...]
    pieces: tuple[OcrPiece, ...]
    angle: float  # degrees the image was turned to be upright
    dpi: int
    seconds: float
    #: resolution of the page's largest image (the scan), dots per inch; 0: unknown
    source_dpi: float = 0.0


# --------------------------------------------------------------------------- image


#: scans below this resolution are not read (measured: at 120 dpi headers come back wrong;
#: the issue's range is 150–300 dpi); such a page stays ``no_text_layer``
MIN_SOURCE_DPI = 140.0


def source_dpi(data: bytes, page: int) -> float:
    """The resolution of the largest image on page ``page``: its pixels over its size."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(data)
    try:
        p = pdf[page - 1]
        best = (0.0, 0.0)
        for obj in p.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
            w, h = obj.get_px_size()
            left, _, right, _ = obj.get_bounds()
            width_pt = max(right - left, 1e-6)
            if w * h > best[0]:
                best = (w * h, w / (width_pt / 72))
        p.close()
    finally:
        pdf.close()
    return best[1]


def render(data: bytes, page: int, dpi: int = DPI) -> tuple[np.ndarray, float, float]:
    """Page ``page`` (1-based) of the PDF ``data`` as a BGR image at ``dpi``, and the page size
    in points."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        p = pdf[page - 1]
        w, h = p.get_size()
        bitmap = p.render(scale=dpi / 72)
        img = bitmap.to_numpy().copy()
        p.close()
    finally:
        pdf.close()
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return img[:, :, :3], w, h


def without_red(img: np.ndarray) -> np.ndarray:
    """Grey image with red ink (a seal) turned to paper (:func:`seal_cleaned`)."""
    return seal_cleaned(img)[0]


#: redness (red channel over green and blue) of paper and grey print: JPEG noise, a tint
RED_NOISE = 8
#: the seal's share of the light (its grey over the paper's) is taken at this percentile of its
#: red pixels' grey: JPEG makes a thin stroke darker than the seal's solid parts (measured on
#: the two colour fixtures with a seal: the median left strokes that read as 一, 二, 口)
SEAL_SHARE_PERCENTILE = 10
#: a seal is this many pixels of red ink at least (a few red specks of JPEG noise are none)
SEAL_MIN_PIXELS = 200
#: the seal's mask reaches this far (points) beyond its red ink
SEAL_MARGIN_PT = 1.5


def seal_cleaned(img: np.ndarray, dpi: int = DPI) -> tuple[np.ndarray, np.ndarray | None]:
    """Grey image with a red seal's ink turned to paper, and the mask of where the seal is
    (None: no seal).

    Seal ink multiplies what is under it (print under it stays dark): the grey (luminance) of
    a pixel is the print's times the seal's share. So each pixel's grey is divided by the
    seal's share where it is covered: its coverage is its redness (red channel over green and
    blue) over the seal's own (the median of its red pixels), its share the seal's grey over
    the paper's. The seal becomes paper, print under it stays print, the seal's edges (JPEG
    keeps the colour at half resolution) fade with their redness, and black print, whose
    colour JPEG blurs red where a seal crosses it, stays dark (its luminance is kept at full
    resolution; it is lifted only by the seal's share). A red pixel (red channel :data:`RED_MARGIN` above green and blue,
    and above :data:`RED_MIN`) is the seal's ink."""
    import cv2

    b, g, r = (img[:, :, i].astype(np.int16) for i in range(3))
    redness = r - np.maximum(g, b)
    red = (redness > RED_MARGIN) & (r > RED_MIN)
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    if int(np.count_nonzero(red)) < SEAL_MIN_PIXELS:
        return grey, None
    full = max(float(np.median(redness[red])), 1.0)
    cover = np.clip((redness.astype(np.float32) - RED_NOISE) / (full - RED_NOISE), 0.0, 1.0)
    # JPEG keeps colour at half resolution: a thin stroke's redness is smeared over twice its
    # width and halved; its coverage is the most of its neighbourhood's
    k = max(3, int(dpi / 72) | 1)
    cover = cv2.dilate(cover, np.ones((k, k), np.uint8))
    out = lifted_by_share(grey, cover,
                          float(np.percentile(grey[red], SEAL_SHARE_PERCENTILE)))
    k = max(3, int(2 * SEAL_MARGIN_PT * dpi / 72) | 1)
    mask = cv2.dilate((cover > 0.5).astype(np.uint8),
                      cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))).astype(bool)
    return out, mask


def ink(grey: np.ndarray) -> np.ndarray:
    """Binary ink mask (uint8 0/255) of a grey page: Otsu's threshold, grain removed."""
    import cv2

    blur = cv2.GaussianBlur(grey, (3, 3), 0)
    _, bw = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return bw


def skew_angle(bw: np.ndarray, dpi: int) -> float:
    """The page's skew in degrees (positive: turned counter-clockwise), from its long
    horizontal rulings; 0 where it has none."""
    import cv2

    k = max(30, int(dpi * 0.4))
    lines = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    # join the staircase a turned line becomes, then measure each long run
    lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 5)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lines)
    angles: list[tuple[float, float]] = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w < bw.shape[1] * 0.3:
            continue
        ys, xs = np.nonzero(bw[y:y + h, x:x + w] & (labels[y:y + h, x:x + w] == i))
        if len(xs) < 50:
            continue
        slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
        angles.append((float(w), -math.degrees(math.atan(slope))))
    if not angles:
        return 0.0
    angles.sort(key=lambda t: t[1])
    weights = np.array([w for w, _ in angles])
    values = np.array([a for _, a in angles])
    median = float(values[np.searchsorted(np.cumsum(weights), weights.sum() / 2)])
    return median if abs(median) <= MAX_SKEW else 0.0


def upright(grey: np.ndarray, angle: float) -> np.ndarray:
    """The page turned back by ``angle`` degrees about its centre (paper fills the corners)."""
    import cv2

    if abs(angle) < 0.05:
        return grey
    h, w = grey.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    return cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


# --------------------------------------------------------------------------- rulings


@dataclass(frozen=True, slots=True)
class Rulings:
    """Ruling runs in pixels: horizontal (x0, x1, y, thickness) and vertical (y0, y1, x,
    thickness), and the mask of every ruling pixel."""

    horizontal: tuple[tuple[int, int, int, int], ...]
    vertical: tuple[tuple[int, int, int, int], ...]
    mask: np.ndarray
    #: ink thicker than a ruling that the line kernels kept (a seal's star), or None
    blob: np.ndarray | None = None


def _bridged(runs: list[tuple[int, int, int, int]], bw: np.ndarray, seal: np.ndarray | None,
             tol: int, bridge: int, vertical: bool) -> list[tuple[int, int, int, int]]:
    """Colinear runs ``(start, end, position, thickness)`` joined across a seal: two runs on
    one line (positions within ``tol``) are one ruling when the seal lies on the line between
    them and every pixel of the gap along the line is ink or seal (at most ``bridge`` pixels
    of it neither: grain). Where the seal's red ink was turned to paper the ruling under it
    went with it (JPEG blurs colour over a thin line), so the seal stands for the ink there;
    a ruling that truly ends (a merged cell) leaves paper between the seal's strokes, and
    stays apart."""
    if seal is None or len(runs) < 2:
        return runs
    out: list[tuple[int, int, int, int]] = []
    for line in _colinear(runs, tol):
        line.sort()
        cur = list(line[0])
        for a0, a1, c, t in line[1:]:
            gap0, gap1 = cur[1] + 1, a0  # the gap, end exclusive
            if gap1 <= gap0:
                cur[1] = max(cur[1], a1)
                continue
            mid = (cur[2] + c) // 2
            half = max(2, cur[3], t)
            lo, hi = max(0, mid - half), mid + half + 1
            if vertical:
                ink_band, seal_band = bw[gap0:gap1, lo:hi], seal[gap0:gap1, lo:hi]
                axis = 1
            else:
                ink_band, seal_band = bw[lo:hi, gap0:gap1], seal[lo:hi, gap0:gap1]
                axis = 0
            sealed = seal_band.any(axis=axis)
            explained = ink_band.any(axis=axis) | sealed
            if sealed.any() and int(np.count_nonzero(~explained)) <= bridge:
                cur[1] = max(cur[1], a1)
                cur[3] = max(cur[3], t)
            else:
                out.append(tuple(cur))  # type: ignore[arg-type]
                cur = [a0, a1, c, t]
        out.append(tuple(cur))  # type: ignore[arg-type]
    return out


def _extended(run: tuple[int, int, int, int], hs: Sequence[tuple[int, int, int, int]],
              bw: np.ndarray, seal: np.ndarray, tol: int, bridge: int, meets: Any
              ) -> tuple[int, int, int, int]:
    """A vertical run whose end does not meet a horizontal ruling, extended along its line to
    the nearest horizontal ruling across it, where the way there is covered by a seal, as
    :func:`_bridged` joins two runs (a seal over a table's head hides the top of a ruling)."""
    y0, y1, cx, t = run
    half = max(2, t)
    band = slice(max(0, cx - half), cx + half + 1)
    for end in (0, 1):
        yy = (y0, y1)[end]
        if meets(yy, cx):
            continue
        across = [hy for hx0, hx1, hy, _ in hs if hx0 - tol <= cx <= hx1 + tol
                  and (hy < yy if end == 0 else hy > yy)]
        if not across:
            continue
        hy = max(across) if end == 0 else min(across)
        lo, hi = (hy, yy) if end == 0 else (yy + 1, hy + 1)
        sealed = seal[lo:hi, band].any(axis=1)
        explained = bw[lo:hi, band].any(axis=1) | sealed
        if sealed.any() and int(np.count_nonzero(~explained)) <= bridge:
            y0, y1 = (hy, y1) if end == 0 else (y0, hy)
    return y0, y1, cx, t


def _touches(seal: np.ndarray | None, x: int, y: int, w: int, h: int) -> bool:
    """The box (x, y, w, h), grown by a pixel, meets the seal."""
    if seal is None:
        return False
    return bool(seal[max(0, y - 2):y + h + 2, max(0, x - 2):x + w + 2].any())


def _colinear(runs: list[tuple[int, int, int, int]], tol: int
              ) -> list[list[tuple[int, int, int, int]]]:
    """Runs grouped by line: positions within ``tol`` of the group's first."""
    groups: list[list[tuple[int, int, int, int]]] = []
    for r in sorted(runs, key=lambda r: r[2]):
        if groups and r[2] - groups[-1][0][2] <= tol:
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def rulings(bw: np.ndarray, dpi: int, seal: np.ndarray | None = None) -> Rulings:
    """Horizontal and vertical rulings of a binary page (morphological opening with line
    kernels); runs cut by a seal (``seal``: where its ink was) or by ink thicker than a
    ruling (a seal's star printed grey in a grey scan) joined again (:func:`_bridged`);
    vertical runs that do not end on horizontal rulings are dropped."""
    import cv2

    px = dpi / 72
    hk = max(15, int(MIN_H_RULING_PT * px))
    vk = max(10, int(MIN_V_RULING_PT * px))
    hmask = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    # bridge gaps in a ruling (a seal's ink turned to paper where it crossed, grain): 4 pt
    bridge = max(3, int(4 * px))
    hmask = cv2.morphologyEx(hmask, cv2.MORPH_CLOSE,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1)))
    vmask = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    vmask = cv2.morphologyEx(vmask, cv2.MORPH_CLOSE,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge)))
    # ink thicker than a ruling that line kernels keep (a seal's star, a filled shape): it
    # hides the rulings it covers, as a seal's ink does; taken out of the line masks
    thick = int(4 * px) + 3
    blob = cv2.morphologyEx(hmask, cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_RECT, (1, thick)))
    blob |= cv2.morphologyEx(vmask, cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (thick, 1)))
    if blob.any():
        blob = cv2.dilate(blob, np.ones((3, 3), np.uint8))
        hmask &= ~blob
        vmask &= ~blob
        seal = (blob > 0) if seal is None else (seal | (blob > 0))
    tol = max(3, int(2.5 * px))
    # a run cut by a seal: its pieces may be shorter than a ruling; joined, they must be one
    short = max(3, bridge) if seal is not None else 0
    hs = []
    n, _, stats, _ = cv2.connectedComponentsWithStats(hmask)
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if (w >= hk or (short and w >= short and _touches(seal, x, y, w, h))) \
                and h <= 4 * px + 2:
            hs.append((int(x), int(x + w - 1), int(y + h // 2), int(h)))
    hs = [r for r in _bridged(hs, bw, seal, max(2, tol // 2), bridge, vertical=False)
          if r[1] - r[0] + 1 >= hk]
    hs = [(a0, a1, c, t) for a0, a1, c, t in hs]
    vs = []
    n, _, stats, _ = cv2.connectedComponentsWithStats(vmask)
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if (h >= vk or (short and h >= short and _touches(seal, x, y, w, h))) \
                and w <= 4 * px + 2:
            vs.append((int(y), int(y + h - 1), int(x + w // 2), int(w)))
    vs = [r for r in _bridged(vs, bw, seal, max(2, tol // 2), bridge, vertical=True)
          if r[1] - r[0] + 1 >= vk]

    def meets(yy: int, cx: int) -> bool:
        return any(abs(hy - yy) <= tol + ht and hx0 - tol <= cx <= hx1 + tol
                   for hx0, hx1, hy, ht in hs)

    if seal is not None:  # a run that ends in a seal goes on under it to a ruling
        vs = [_extended(r, hs, bw, seal, tol, bridge, meets) for r in vs]
    vs = [(y0, y1, cx, t) for y0, y1, cx, t in vs if meets(y0, cx) and meets(y1, cx)]
    mask = np.zeros_like(bw)
    for x0, x1, y, t in hs:
        mask[max(0, y - t // 2 - 1):y + t // 2 + 2, x0:x1 + 1] = 255
    for y0, y1, x, t in vs:
        mask[y0:y1 + 1, max(0, x - t // 2 - 1):x + t // 2 + 2] = 255
    # anything of the opened masks too (thick or doubled lines)
    mask |= (hmask | vmask)
    return Rulings(tuple(hs), tuple(vs), mask, blob if blob.any() else None)


def edges_of(r: Rulings, scale: float, height_pt: float) -> list[dict[str, Any]]:
    """Ruling runs → edge dicts in points (top-origin), as :mod:`extract.fastparse` yields."""
    out: list[dict[str, Any]] = []
    for x0, x1, y, t in r.horizontal:
        a, b, yy = x0 * scale, (x1 + 1) * scale, y * scale
        out.append({"object_type": "line", "orientation": "h", "x0": a, "x1": b, "top": yy,
                    "bottom": yy, "y0": height_pt - yy, "y1": height_pt - yy, "width": b - a,
                    "height": 0.0, "stroke": True, "linewidth": t * scale})
    for y0, y1, x, t in r.vertical:
        a, b, xx = y0 * scale, (y1 + 1) * scale, x * scale
        out.append({"object_type": "line", "orientation": "v", "x0": xx, "x1": xx, "top": a,
                    "bottom": b, "y0": height_pt - b, "y1": height_pt - a, "width": 0.0,
                    "height": b - a, "stroke": True, "linewidth": t * scale})
    return out


# --------------------------------------------------------------------------- text pieces


def _runs(profile: np.ndarray) -> list[tuple[int, int]]:
    """Runs of non-zero entries: [(start, end_exclusive)]."""
    on = np.concatenate(([0], (profile > 0).astype(np.int8), [0]))
    d = np.diff(on)
    return list(zip(np.nonzero(d == 1)[0].tolist(), np.nonzero(d == -1)[0].tolist()))


def pieces_in_regions(text_bw: np.ndarray, ruling_mask: np.ndarray, dpi: int
                      ) -> list[tuple[tuple[int, int, int, int], int]]:
    """Boxes (x0, y0, x1, y1, pixels, end exclusive) of the printed pieces of text, each with
    the number of the region (a cell) it is in: the page is cut into the regions its rulings
    enclose; in each, rows of ink are printed lines (rows a little apart within one line's
    height are one line: 二, 三), and gaps wider than :data:`PIECE_GAP` × the line's height
    cut a line into pieces."""
    import cv2

    px = dpi / 72
    walls = cv2.dilate(ruling_mask, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats((walls == 0).astype(np.uint8), 4)
    out: list[tuple[tuple[int, int, int, int], int]] = []
    min_ink = max(2, int(0.6 * px))  # a speck is no text
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w < 3 or h < 3:
            continue
        sub = text_bw[y:y + h, x:x + w]
        if not sub.any():
            continue
        region = (labels[y:y + h, x:x + w] == i)
        sub = np.where(region, sub, 0)
        if int(np.count_nonzero(sub)) < min_ink:
            continue
        lines = _runs(sub.sum(axis=1))
        lines = [ln for ln in lines if ln[1] - ln[0] >= min_ink]
        if not lines:
            continue
        tall = sorted(b - a for a, b in lines)
        typical = max(tall[len(tall) // 2], int(7 * px))
        merged: list[list[int]] = []
        for a, b in lines:
            if merged and b - merged[-1][0] <= 1.3 * typical:
                merged[-1][1] = b
            else:
                merged.append([a, b])
        for a, b in merged:
            row = sub[a:b]
            cols = _runs(row.sum(axis=0))
            if not cols:
                continue
            gap = PIECE_GAP * max(b - a, int(7 * px))
            start, end = cols[0]
            for c0, c1 in cols[1:]:
                if c0 - end > gap:
                    out.append(((x + start, y + a, x + end, y + b), i))
                    start = c0
                end = c1
            out.append(((x + start, y + a, x + end, y + b), i))
    return [(p, i) for p, i in out if (p[2] - p[0]) * (p[3] - p[1]) >= min_ink * min_ink * 2]


# --------------------------------------------------------------------------- recognition


#: one read of a piece: text, each character's probability, runner-up and output frame
Read = tuple[str, list[float], list[str], list[int]]
#: columns of the recognizer's 48-pixel-high input per output frame
FRAME = 8


class Recognizer:
    """RapidOCR's PP-OCRv4 text recognizer (its ONNX model from the installed package), with
    the CTC decoding kept per character: probability and runner-up."""

    def __init__(self, threads: int = 1) -> None:
        from rapidocr_onnxruntime.ch_ppocr_rec.text_recognize import TextRecognizer
        from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
        from rapidocr_onnxruntime.utils import read_yaml
        from rapidocr_onnxruntime.utils.parse_parameters import update_model_path

        config = update_model_path(read_yaml(DEFAULT_CFG_PATH))
        rec = dict(config["Rec"], intra_op_num_threads=threads, inter_op_num_threads=1)
        self._rec = TextRecognizer(rec)
        self.characters: list[str] = self._rec.postprocess_op.character

    def read(self, crops: Sequence[np.ndarray]) -> list[Read]:
        """Each crop (BGR) → (text, probability of each character, runner-up of each, the
        output frame of each: frame ``t`` is the crop's columns around ``(t + 0.5) ×``
        :data:`FRAME` × (crop height / 48), the recognizer reading 48-pixel-high lines)."""
        order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0])
        out: list[Read] = [("", [], [], [])] * len(crops)
        _, img_h, img_w = self._rec.rec_image_shape
        for start in range(0, len(order), BATCH):
            idx = order[start:start + BATCH]
            ratio = max(img_w / img_h, *(crops[i].shape[1] / crops[i].shape[0] for i in idx))
            batch = np.stack([self._rec.resize_norm_img(crops[i], ratio) for i in idx])
            preds = self._rec.session(batch.astype(np.float32))[0]
            for k, i in enumerate(idx):
                out[i] = self._decode(preds[k])
        return out

    def _decode(self, pred: np.ndarray) -> Read:
        best = pred.argmax(axis=1)
        text, probs, alts, frames = [], [], [], []
        prev = -1
        for t, c in enumerate(best.tolist()):
            if c != 0 and c != prev:
                row = pred[t].copy()
                p = float(row[c])
                row[c] = -1.0
                second = int(row.argmax())
                alt = self.characters[second] if second != 0 else ""
                if alt and _fold(alt) == _fold(self.characters[c]):
                    p += float(row[second])  # （ or (: the same character to the reader
                text.append(self.characters[c])
                probs.append(min(p, 1.0))
                alts.append(alt)
                frames.append(t)
            prev = c
        return "".join(text), probs, alts, frames


def _fold(c: str) -> str:
    return unicodedata.normalize("NFKC", c)


@functools.lru_cache(maxsize=2)
def recognizer(threads: int = 1) -> Recognizer:
    """One recognizer per process (the model loads in ~0.1 s, then stays)."""
    return Recognizer(threads)


#: characters of half width (their share of a full-width character's advance)
_NARROW = 0.55


#: the confidence of a character where two reads of its piece part
DISAGREE = 0.3


def _agree(first: Read, second: Read) -> Read:
    """The first read; where the second read agrees, each character as sure as the surer of
    the two; where it differs, every character from where they part made doubtful."""
    a, pa, alts, frames = first
    b, pb, _, _ = second
    if a.translate(OCR_FOLD) == b.translate(OCR_FOLD):
        # two reads of two renderings agree: each character as sure as its surer read
        return a, [max(x, y) for x, y in zip(pa, pb)], alts, frames
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    pa = list(pa)
    alts = list(alts)
    for j in range(k, len(a)):
        pa[j] = min(pa[j], DISAGREE)
    if k < len(a):
        alts[k] = b[k] if k < len(b) else ""
    elif pa:  # the second read is longer: the doubt is on the last character
        pa[-1] = min(pa[-1], DISAGREE)
    return a, pa, alts, frames


def _is_dash(piece: np.ndarray, line: int) -> bool:
    """A piece that is one flat bar, lower than 0.3 and narrower than 0.8 of a line's
    height: the ``-`` of an empty cell (alone and scaled up, the recognizer reads it as ``—``,
    ``一``, ``·`` or ``：``; the shape leaves no doubt)."""
    import cv2

    h, w = piece.shape
    if not line or h > max(2, 0.3 * line) or w > 0.8 * line or w < 1.2 * h:
        return False
    n = cv2.connectedComponents((piece > 0).astype(np.uint8), connectivity=8)[0]
    return n == 2


def _chars_of(p: OcrPiece, scale_size: float) -> list[tuple]:
    """A piece's characters laid evenly over its box (full-width characters twice as wide as
    digits and Latin letters); spaces dropped (the cells are compared white space aside)."""
    text = [c for c in p.text if not c.isspace()]
    if not text:
        return []
    widths = [_NARROW if c.isascii() else 1.0 for c in text]
    unit = (p.x1 - p.x0) / sum(widths)
    out = []
    x = p.x0
    for c, w in zip(text, widths):
        out.append((c, x, x + w * unit, p.top, p.bottom, scale_size, True, 0))
        x += w * unit
    return out


def _alternatives(text: str, probs: list[float], alts: list[str], limit: int = 3
                  ) -> tuple[str, ...]:
    """The text with its least sure characters (up to ``limit``, below certainty) each
    replaced by the runner-up."""
    order = sorted(range(len(probs)), key=probs.__getitem__)[:limit]
    out = []
    for i in order:
        if probs[i] >= 0.999 or not alts[i] or _fold(alts[i]) == _fold(text[i]):
            continue
        out.append(text[:i] + alts[i] + text[i + 1:])
    return tuple(dict.fromkeys(out))


#: punctuation printed in either width in the forms' prose (half-width → full-width)
WIDTHS = {",": "，", ":": "：", ";": "；"}
_HALF = {v: k for k, v in WIDTHS.items()}
#: the marks told by their shape and room
MARKS = frozenset([*WIDTHS, *_HALF, "。"])
#: the room a punctuation mark takes, from the ink before it to the ink after it, as a share
#: of the line's height: a full-width mark takes a character's advance (measured 1.0–1.2 on
#: the scanned fixtures, 150–200 dpi), a half-width one a third of it (0.3–0.5)
FULL_ROOM, HALF_ROOM = 0.85, 0.65
#: a mark wider than this share of the line's height is not alone in its ink columns
MARK_WIDTH = 0.45


#: a mark beside a CJK character whose width the page told (True: full width), or did not
#: (None: at a piece's end, touching a character, or of a room in between)
MarkWidths = dict[int, "bool | None"]


def _mark_widths(text: str, frames: Sequence[int], piece: np.ndarray, crop_height: int,
                 left: int) -> tuple[str, MarkWidths]:
    """``text`` with each comma, colon, semicolon and full stop beside a CJK character made
    what the page shows, and for each comma, colon and semicolon beside one whether its width
    was told (:data:`MarkWidths`). The mark's ink columns are found where the recognizer's
    output frame puts it; a colon's or semicolon's kind from its shape (:func:`_mark_shape`:
    two dots or a dot over a tail), where that is clear; its width from the blank from the
    ink before it to the ink after it: a full character's advance is full width (``，``), a
    third of one half width (``,``). A mark not alone in its columns, or of a shape or room
    in between, stays as read; a mark at a piece's end keeps its width (see
    :func:`_one_width_per_cell`)."""
    told: MarkWidths = {}
    if not any(c in MARKS for c in text) or len(frames) != len(text):
        return text, told
    h = piece.shape[0]
    runs = _runs(piece.any(axis=0))
    out = list(text)
    for i, c in enumerate(text):
        if c not in MARKS:
            continue
        beside = text[max(0, i - 1):i] + text[i + 1:i + 2]
        if not any(_CJK_CHAR.match(b) for b in beside):
            continue  # a thousands separator, a ratio, a decimal point: as read
        if c != "。":
            told[i] = None
        x = (frames[i] + 0.5) * FRAME * crop_height / 48 - left
        k = min(range(len(runs)), key=lambda j: 0 if runs[j][0] <= x < runs[j][1]
                else min(abs(runs[j][0] - x), abs(runs[j][1] - 1 - x)), default=-1)
        if k <= 0 or runs[k][1] - runs[k][0] > MARK_WIDTH * h:
            continue
        kind = c
        if _HALF.get(c, c) in ":;":
            kind = _mark_shape(piece[:, runs[k][0]:runs[k][1]]) or c
        full = kind in _HALF or kind == "。"
        if k < len(runs) - 1:
            room = (runs[k + 1][0] - runs[k - 1][1]) / h
            if room >= FULL_ROOM or room <= HALF_ROOM:
                full = room >= FULL_ROOM
                if kind != "。":
                    told[i] = full
        if kind == "。":
            out[i] = kind
            told.pop(i, None)
        else:
            half = _HALF.get(kind, kind)
            out[i] = WIDTHS[half] if full else half
    return "".join(out), told


def _one_width_per_cell(texts: list[str], widths: Sequence[MarkWidths],
                        cells: Sequence[int]) -> list[str]:
    """The texts of pieces, each mark whose width its piece could not tell given the width
    the other marks of its cell (``cells``: each piece's region) were told, where they all
    were told one width: a cell's text is typed at one setting (the three corpus reports:
    of 69 cells with two commas, colons or semicolons or more beside CJK, none mixes the
    widths)."""
    told: dict[int, set[bool]] = {}
    for w, cell in zip(widths, cells):
        told.setdefault(cell, set()).update(v for v in w.values() if v is not None)
    out = []
    for text, w, cell in zip(texts, widths, cells):
        seen = told.get(cell, set())
        if len(seen) != 1 or not any(v is None for v in w.values()):
            out.append(text)
            continue
        full = next(iter(seen))
        chars = list(text)
        for i, v in w.items():
            if v is None and i < len(chars):
                half = _HALF.get(chars[i], chars[i])
                chars[i] = WIDTHS.get(half, half) if full else half
        out.append("".join(chars))
    return out


#: marks of two pieces of ink one above the other, and marks of one piece
TWO_INK_MARKS, ONE_INK_MARKS = frozenset(":;：；"), frozenset("。．.，,、")


def _one_ink_mark(read: Read, piece: np.ndarray) -> Read:
    """A piece read as a lone colon or semicolon whose ink is one piece is none (a colon's two
    dots, a semicolon's dot and tail, are apart by a third of a character, 7 px at 150 dpi):
    it is the reader's runner-up where that is a mark of one piece (a ``。`` that ends a
    paragraph alone on its last line, read ``：``), with the confidence of a shape."""
    import cv2

    text, _, alts, frames = read
    if len(text) != 1 or text not in TWO_INK_MARKS or not alts or alts[0] not in ONE_INK_MARKS:
        return read
    if cv2.connectedComponents((piece > 0).astype(np.uint8), connectivity=8)[0] != 2:
        return read
    return alts[0], [SHAPE_CONFIDENCE], [text], list(frames)


#: a punctuation mark's shape: the two marks of a colon or a semicolon are told apart by
#: their heights (a semicolon's lower one is a tail, this much taller than its dot; measured
#: 1.5–2.5 at 200 dpi, 1.25–1.7 at 150; a colon's 1.0); a mark
#: of one piece (a comma, a full stop: too small at 150–200 dpi to tell apart) is left as read
TAIL_OVER_DOT, DOT_OVER_DOT = 1.6, 1.1


def _mark_shape(mark: np.ndarray) -> str | None:
    """The half-width kind (``:`` or ``;``) of a punctuation mark's ink of two pieces one
    above the other (binary, its columns of a printed line); None for any other or where
    unclear."""
    import cv2

    stats = cv2.connectedComponentsWithStats((mark > 0).astype(np.uint8), 8)[2]
    parts = sorted((int(s[1]), int(s[1] + s[3]), int(s[3])) for s in stats[1:] if s[4] >= 2)
    if len(parts) == 2:
        (_, b0, h0), (t1, _, h1) = parts
        if b0 > t1:  # side by side: no colon
            return None
        if h1 >= TAIL_OVER_DOT * h0:
            return ";"
        if h1 <= DOT_OVER_DOT * h0 and h0 <= DOT_OVER_DOT * h1:
            return ":"
        return None
    return None


_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")

#: the comparison signs a target may start with
OPERATORS = "≥≤><="
#: how a sign is told by its shape (shares of the glyph's ink box): a chevron starts and ends
#: within this share of one side and has its tip within it of the other; below its tip a
#: ``≥`` has this much more ink than above it (its bar; measured 2.0–4.3 on the scanned
#: fixtures, 2.2 drawn), a ``>`` about as much (1.0–1.1 drawn)
CHEVRON_EDGE = 0.3
BAR_BELOW, NO_BAR_BELOW = 1.8, 1.25
#: where the tip lies (share of the glyph's height): a lone chevron's in the middle, one with a
#: bar under it in its upper part (measured 0.25–0.31 for ``≥`` on the scanned fixtures)
LONE_TIP, BAR_TIP = (0.38, 0.62), (0.15, 0.42)
#: the confidence given to a sign told by its shape
SHAPE_CONFIDENCE = 0.95
#: a sign's width, as a share of its line's height (measured: ``=`` 0.45–0.53, ``≥`` 0.72–0.82)
OPERATOR_WIDTH = (0.3, 1.0)
#: a read this sure of its first characters is left as it is
SURE = 0.95


def _operator_shape(glyph: np.ndarray) -> tuple[str | None, dict]:
    """The comparison sign a lone glyph (binary, its own columns of a printed line) is, by its
    shape: two flat bars of one length one above the other are ``=``; a chevron pointing
    right is ``>``, with a bar under it ``≥`` (a flat bar apart, or a slanted one joined to
    it, ``⩾``); pointing left ``<`` / ``≤``. None where the shape is none of these or not
    clearly one."""
    ys, xs = np.nonzero(glyph)
    info: dict = {}
    if len(xs) < 6:
        return None, info
    g = glyph[ys.min():ys.max() + 1, xs.min():xs.max() + 1] > 0
    h, w = g.shape
    rows = _runs(g.sum(axis=1))
    info.update(h=h, w=w, rows=len(rows))
    bars = [int(g[a:b].any(axis=0).sum()) for a, b in rows]
    if len(rows) == 2 and all(b - a <= 0.45 * h for a, b in rows) \
            and min(bars) >= 0.85 * max(bars) and min(bars) >= 0.7 * w:
        return "=", info  # two flat bars of one length (二 has a shorter one on top)
    if not 0.5 <= w / h <= 1.3 or h < 4 or w < 4:
        return None, info
    if len(rows) == 2:  # a chevron over a flat bar of its width: ≥ or ≤
        (a0, a1), (b0, b1) = rows
        if b1 - b0 <= 0.3 * h and bars[1] >= 0.7 * w:
            sign, info = _chevron(g[a0:a1], info)
            if sign in (">", "<"):
                return {">": "≥", "<": "≤"}[sign], info
        return None, info
    if len(rows) != 1:
        return None, info
    return _chevron(g, info)


def _chevron(g: np.ndarray, info: dict) -> tuple[str | None, dict]:
    """``>`` / ``<`` for a lone chevron, ``≥`` / ``≤`` for one with a slanted bar joined under
    it (⩾), by the edges of its rows (see :func:`_operator_shape`)."""
    h, w = g.shape
    if h < 4 or w < 4:
        return None, info
    centre = np.array([np.nonzero(r)[0].mean() / (w - 1) if r.any() else np.nan for r in g])
    right = np.array([np.nonzero(r)[0].max() / (w - 1) if r.any() else 0.0 for r in g])
    left = np.array([np.nonzero(r)[0].min() / (w - 1) if r.any() else 1.0 for r in g])
    top = float(np.nanmean(centre[:max(1, h // 6)]))
    info.update(top=round(top, 2))
    step = 1.5 / (w - 1)  # a pixel and a half of noise
    # the tip: the middle of the first band of rows (from the top) reaching the far side (a
    # slanted bar under the chevron, ⩾, may reach as far lower down); above it the chevron's
    # outer edge goes out, below its inner corner the inner edge comes back (to the arm's
    # end: a bar may lie lower)
    if top <= 1 - CHEVRON_EDGE:  # from the top left down to a tip on the right: > or ≥
        reach = right >= right.max() - step
        sign = ">"
    else:
        reach = left <= left.min() + step
        sign = "<"
    t0 = int(np.argmax(reach))
    t1 = t0 + (int(np.argmin(reach[t0:])) if not reach[t0:].all() else len(reach) - t0)
    tip = (t0 + t1 - 1) // 2
    if sign == ">":
        end = t0 + int(np.argmax(left[t0:] <= left[t0:].min() + step))
        corner = t0 + int(np.argmax(left[t0:end + 1]))
        arm_in, arm_out = right[:t0 + 1], left[corner:end + 1]
        far = float(right[t0])
    else:
        end = t0 + int(np.argmax(right[t0:] >= right[t0:].max() - step))
        corner = t0 + int(np.argmin(right[t0:end + 1]))
        arm_in, arm_out = -left[:t0 + 1], -right[corner:end + 1]
        far = 1 - float(left[t0])
    info.update(tip=round(tip / h, 2), far=round(far, 2))
    if not (min(top, 1 - top) <= CHEVRON_EDGE and far >= 1 - CHEVRON_EDGE
            and np.all(np.diff(arm_in) >= -step) and np.all(np.diff(arm_out) <= step)):
        return None, info
    # a bar under the chevron: far more ink below its tip's first row than above it; a lone
    # chevron: about as much below the tip's middle as above
    barred = float(g[t0 + 1:].sum()) / max(float(g[:t0].sum()), 1.0)
    lone = float(g[tip + 1:].sum()) / max(float(g[:tip].sum()), 1.0)
    info.update(barred=round(barred, 2), lone=round(lone, 2))
    if barred >= BAR_BELOW and BAR_TIP[0] * h <= t0 <= BAR_TIP[1] * h:
        return {">": "≥", "<": "≤"}[sign], info
    if lone <= NO_BAR_BELOW and LONE_TIP[0] * h <= tip <= LONE_TIP[1] * h:
        return sign, info
    return None, info


def _with_operator(first: Read, piece: np.ndarray, grey: np.ndarray, sharp: np.ndarray,
                   border: tuple[int, int, int, int], rec: Recognizer) -> Read | None:
    """The read of a piece that starts with a comparison sign (``≥85.00(%)``), the sign told by
    its shape (:func:`_operator_shape`) and the rest read again without it: where the reads
    dropped the sign (``85.00(%)``), took it into the number (``≥5.00(%)``) or doubted it
    (``>`` its runner-up). None where nothing is to be done: no digit, no lone sign in front,
    the read already sure of that sign, or the reader sure of another sign (a doubt stays)."""
    text, probs = first[0], first[1]
    if not any(c.isdigit() for c in text):
        return None
    h = piece.shape[0]
    runs = _runs(piece.any(axis=0))
    if len(runs) < 2 or not OPERATOR_WIDTH[0] * h <= runs[0][1] - runs[0][0] <= \
            OPERATOR_WIDTH[1] * h:
        return None
    sign, _ = _operator_shape(piece[:, runs[0][0]:runs[0][1]])
    if sign is None:
        return None
    head = min(probs[:2], default=0.0)
    if text.startswith(sign) and head >= SURE:
        return None
    if text[0] in OPERATORS and text[0] != sign and probs[0] >= 0.5:
        return None  # the reader saw another sign: the doubt stays
    if not (text[0] in OPERATORS or text[0].isdigit()):
        return None  # the reader saw something else in front (约…): not a sign
    _, _, left, _ = border
    cut = left + runs[1][0] - left // 2
    again = _agree(*rec.read([grey[:, cut:], sharp[:, cut:]]))
    rest = again[0].translate(OCR_FOLD)
    # the rest read alone must be what the reads gave after the sign, or all of it (the
    # sign dropped): the sign is then the one thing the reads doubted
    if not rest[:1].isdigit() or rest not in (text.translate(OCR_FOLD),
                                              text[1:].translate(OCR_FOLD)):
        return None
    _, r_probs, r_alts, r_frames = again
    return (sign + again[0], [SHAPE_CONFIDENCE, *r_probs], ["", *r_alts], [0, *r_frames])


def read_image(img: np.ndarray, page: int, width_pt: float, height_pt: float, dpi: int,
               *, threads: int = 1) -> OcrPage:
    """OCR of one page image (BGR or grey, ``dpi``) → :class:`OcrPage`."""
    import cv2

    started = time.perf_counter()
    grey, seal = seal_cleaned(img, dpi) if img.ndim == 3 else (img, None)
    ring = None
    angle = skew_angle(ink(grey), dpi)
    grey = upright(grey, angle)
    if seal is not None:
        seal = upright(np.where(seal, 0, 255).astype(np.uint8), angle) < 128
    else:  # no red seal: a seal scanned in grey is told by its ring
        ring = find_ring(grey, dpi)
        if ring is not None:
            grey, seal = ring_cleaned(grey, ring)
    bw = ink(grey)
    rl = rulings(bw, dpi, seal)
    text_bw = np.where(rl.mask > 0, 0, bw).astype(np.uint8)
    clean = np.where(cv2.dilate(rl.mask, np.ones((3, 3), np.uint8)) > 0, 255, grey)
    found_pieces = pieces_in_regions(text_bw, rl.mask, dpi)
    boxes = [box for box, _ in found_pieces]
    scale = 72 / dpi
    # a piece lower than a line of text (a dash, a dot) is framed at a line's height, as the
    # recognizer sees it in running text (alone and scaled to 48 px a dash reads as a dot)
    heights = sorted(y1 - y0 for _, y0, _, y1 in boxes)
    line = heights[len(heights) // 2] if heights else 0
    crops, greys, borders = [], [], []
    for x0, y0, x1, y1 in boxes:
        pad = max(4, (y1 - y0) // 4)
        extra = max(0, line - (y1 - y0))
        border = (pad + extra // 2, pad + extra - extra // 2, pad + extra // 2, pad + extra // 2)
        borders.append(border)
        crop = clean[y0:y1, x0:x1]
        _, sharp = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        crops.append(cv2.cvtColor(cv2.copyMakeBorder(sharp, *border, cv2.BORDER_CONSTANT,
                                                     value=255), cv2.COLOR_GRAY2BGR))
        greys.append(cv2.cvtColor(cv2.copyMakeBorder(crop, *border, cv2.BORDER_CONSTANT,
                                                     value=255), cv2.COLOR_GRAY2BGR))
    dash = [_is_dash(text_bw[y0:y1, x0:x1], line) for x0, y0, x1, y1 in boxes]
    rec = recognizer(threads)
    todo = [i for i, d in enumerate(dash) if not d]
    got = dict(zip(todo, rec.read([greys[i] for i in todo]) if todo else []))
    read = [("-", [1.0], [""], [0]) if d else got[i] for i, d in enumerate(dash)]
    # a piece with a digit is read a second time, from the crop made black and white: two
    # reads that differ make every character where they part doubtful (the other read is its
    # alternative). Measured: a 150 dpi ``≥85.00(%)`` read ``85.00(%)`` at 0.98 from grey.
    second = [i for i in todo if any(ch.isdigit() for ch in read[i][0])]
    for i, other in zip(second, rec.read([crops[i] for i in second]) if second else []):
        read[i] = _agree(read[i], other)
    # the arc of a grey seal's unit name: pieces of its ink alone dropped; where one read as a
    # number's character, the rest of its cell doubted
    if ring is not None:
        cells = [cell for _, cell in found_pieces]
        dropped = seal_pieces(grey, text_bw, boxes, cells, ring)
        doubted = {cells[i] for i in dropped if any(c in NUMBER_CHARS for c in read[i][0])}
        read = [("", [], [], []) if i in dropped
                else (t, [min(p, DISAGREE) for p in ps], alts, fr) if cells[i] in doubted
                else (t, ps, alts, fr) for i, (t, ps, alts, fr) in enumerate(read)]
    # punctuation printed half or full width, told by the room it takes (the recognizer
    # gives either, by the script around it)
    marked = [_mark_widths(raw, frames, text_bw[y0:y1, x0:x1], (y1 - y0) + bd[0] + bd[1], bd[2])
              for (x0, y0, x1, y1), (raw, _, _, frames), bd in zip(boxes, read, borders)]
    texts = _one_width_per_cell([t for t, _ in marked], [w for _, w in marked],
                                [cell for _, cell in found_pieces])
    read = [(t, probs, alts, frames) for t, (_, probs, alts, frames) in zip(texts, read)]
    # a lone colon or semicolon of one piece of ink is none: a mark of one piece
    read = [_one_ink_mark(r, text_bw[y0:y1, x0:x1]) for r, (x0, y0, x1, y1) in zip(read, boxes)]
    # a target's comparison sign, told by its shape; the rest of the piece read again alone
    # where the reads doubted or dropped it (the sign's ink beside the first digit)
    for i in todo:
        fixed = _with_operator(read[i], text_bw[boxes[i][1]:boxes[i][3], boxes[i][0]:boxes[i][2]],
                               greys[i], crops[i], borders[i], rec)
        if fixed is not None:
            read[i] = fixed
    found: list[OcrPiece] = []
    chars: list[tuple] = []
    for (x0, y0, x1, y1), (raw, probs, alts, _) in zip(boxes, read):
        text = raw.translate(OCR_FOLD)
        if not text.strip():
            continue
        conf = min(probs) if probs else 0.0
        p = OcrPiece(x0 * scale, y0 * scale, x1 * scale, y1 * scale, text, conf,
                     _alternatives(text, probs, alts), tuple(probs), tuple(alts))
        found.append(p)
        chars.extend(_chars_of(p, (y1 - y0) * scale))
    edges = edges_of(rl, scale, height_pt)
    return OcrPage(page, width_pt, height_pt, tuple(chars), tuple(edges), tuple(found), angle,
                   dpi, time.perf_counter() - started)


def read_page(data: bytes, page: int, *, dpi: int = DPI, threads: int = 1) -> OcrPage:
    """Render page ``page`` (1-based) of the PDF ``data`` and read it (:func:`read_image`)."""
    found = source_dpi(data, page)
    if found and found < MIN_SOURCE_DPI:
        return OcrPage(page, 0.0, 0.0, (), (), (), 0.0, dpi, 0.0, found)
    img, w, h = render(data, page, dpi)
    return replace(read_image(img, page, w, h, dpi, threads=threads), source_dpi=found)


def ocr_cells(page: OcrPage, grids: Sequence[Any]) -> list[OcrCell]:
    """The cells of a page's tables (:class:`extract.grid.Grid`) with the confidence of the
    pieces read in them (a piece goes to the cell holding its centre); each grid cell gets its
    ``confidence`` too."""
    out: list[OcrCell] = []
    for g in grids:
        for row in g.rows:
            for cell in row.cells:
                inside = [p for p in page.pieces
                          if cell.x0 <= (p.x0 + p.x1) / 2 <= cell.x1
                          and cell.top <= (p.top + p.bottom) / 2 <= cell.bottom]
                conf = min((p.confidence for p in inside), default=1.0)
                number = min((p.number_confidence() for p in inside), default=1.0)
                cell.confidence = conf
                alts = _cell_alternatives(cell.text, inside)
                out.append(OcrCell(page.page, cell.x0, cell.top, cell.x1, cell.bottom,
                                   cell.text, conf, alts, number))
    return out


def _cell_alternatives(text: str, inside: Sequence[OcrPiece]) -> tuple[str, ...]:
    """The cell's text with one doubtful piece replaced by one of its alternatives."""
    out = []
    for p in sorted(inside, key=lambda p: p.confidence):
        plain = p.text.replace(" ", "")
        for option in p.alternatives:
            alt = option.replace(" ", "")
            out.append(text.replace(plain, alt, 1) if plain and plain in text else alt)
    return tuple(dict.fromkeys(out))[:5]
