"""The randomized renderer: rows of cells on a grid, flowed over pages, drawn with reportlab.

A table is a grid of column widths and rows of cells (column spans, vertical merges by key).
Rows flow down the pages; a page break can fall between reports, before any row (forced inside
a block), or *inside* a row (the cell texts continue on the next page, the borders left open at
the break). The indicator header can be repeated on a continuation page. Merged cells are cut
per page segment; their label is printed again on the continuation or only on the first part.

Rulings: ``lines`` (a segment per cell edge), ``rect`` (a stroked rectangle per cell, a
three-sided path where a cell is open at a page break), ``filled`` (thin filled black
rectangles), ``hlines`` (horizontal segments only), ``shade`` (no ruling at all: grey filled
header and label cells, banded data rows).

Fonts: reportlab's built-in CID font ``STSong-Light`` (serif, not embedded) or PyMuPDF's
bundled CJK font (Droid Sans Fallback, sans) embedded as a TrueType subset; ASCII runs in the
CJK font or in Helvetica / Times-Roman / Courier.
"""

from __future__ import annotations

import importlib.util
import io
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

STSONG = "STSong-Light"
EMBEDDED = "FuzzCJKSans"  # PyMuPDF's Droid Sans Fallback, embedded as a subset

_REGISTERED: set[str] = set()


def register(font: str) -> None:
    if font in _REGISTERED:
        return
    if font == STSONG:
        pdfmetrics.registerFont(UnicodeCIDFont(STSONG))
    elif font == EMBEDDED:
        import pymupdf
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont(EMBEDDED, io.BytesIO(pymupdf.Font("cjk").buffer)))
    _REGISTERED.add(font)


@dataclass(frozen=True)
class Style:
    cjk: str = STSONG
    latin: str | None = None
    size: float = 9.0
    leading: float = 1.3
    pad_x: float = 2.5
    pad_y: float = 2.5
    line_width: float = 0.6
    border: str = "lines"  # lines | rect | filled | hlines | shade
    shade_header: bool = False


# the font runs and widths of the variant renderer (one place for both renderers)
_V_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "variants" / "generate.py"
_spec = importlib.util.spec_from_file_location("variants_generate", _V_PATH)
_V = sys.modules.get("variants_generate") or importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
if "variants_generate" not in sys.modules:
    sys.modules["variants_generate"] = _V  # dataclasses look their module up by name
    _spec.loader.exec_module(_V)  # type: ignore[union-attr]
runs = _V._runs
text_width = _V.text_width


def _is_amount(s: str) -> bool:
    return bool(s) and "," in s and all(ch.isdigit() or ch in ",." for ch in s)


def wrap(text: str, maxw: float, st: Style, size: float) -> list[str]:
    """Forced breaks at '\\n', then greedy by character; amounts break after a comma."""
    lines: list[str] = []
    for piece in text.split("\n"):
        para = piece
        if _is_amount(para) and text_width(para, st, size) > maxw:
            rest = para
            while text_width(rest, st, size) > maxw:
                cut = [i for i, ch in enumerate(rest) if ch == ","
                       and text_width(rest[:i + 1], st, size) <= maxw]
                if not cut:
                    break
                lines.append(rest[:cut[-1] + 1])
                rest = rest[cut[-1] + 1:]
            if text_width(rest, st, size) <= maxw:
                lines.append(rest)
                continue
            para = rest
        cur = ""
        for ch in para:
            if cur and text_width(cur + ch, st, size) > maxw:
                lines.append(cur)
                cur = ch
            else:
                cur += ch
        lines.append(cur)
    return lines


Span = tuple[int, int]


@dataclass
class Cell:
    span: Span
    text: str = ""
    align: str = "c"  # l | c | r
    merge: Any = None  # equal key and span in consecutive rows of one page: one merged cell
    kind: str = "data"  # data | label | head
    valign: str = "c"  # c | t
    lines: list[str] | None = None  # precomputed lines (a row cut by a page break)


@dataclass
class Row:
    cells: list[Cell]
    section: str = ""  # head | ind | fund | goal | ...
    open_top: bool = False
    open_bottom: bool = False
    band: bool = False  # a shaded data row (border "shade")


@dataclass
class Table:
    widths: list[float]
    rows: list[Row]
    style: Style
    title: list[tuple[str, float]]  # (text, size) lines above the table
    header: Row | None = None  # the indicator header, for repeating on continuation pages
    report: int = 0


@dataclass
class Breaks:
    between: str = "flow"  # new-page | flow
    forced: str = "none"  # none | funding | goal | indicators | row
    forced_table: int = -1  # which table the forced break is in
    forced_at: int = -1  # row index the forced break comes before (or the row cut in two)
    row_lines: int = 1  # lines of the cut row left on the first page
    repeat_header: bool = False
    split_label: str = "reprint"  # reprint | first-only | last-only


@dataclass
class Placed:
    page: int
    y: float
    h: float
    table: Table
    row: Row
    index: int  # row index in the table (-1: repeated header)


def cell_width(t: Table, c: Cell) -> float:
    return sum(t.widths[c.span[0]:c.span[1]]) - 2 * t.style.pad_x


def cell_lines(t: Table, c: Cell, size: float | None = None) -> list[str]:
    if c.lines is not None:
        return c.lines
    return wrap(c.text, cell_width(t, c), t.style, size or t.style.size)


def lead(st: Style) -> float:
    return st.size * st.leading


def row_heights(t: Table) -> list[float]:
    st = t.style
    group: Counter = Counter()
    for r in t.rows:
        for c in r.cells:
            if c.merge is not None:
                group[(c.merge, c.span)] += 1
    out = []
    for r in t.rows:
        h = lead(st) + 2 * st.pad_y
        for c in r.cells:
            need = len(cell_lines(t, c)) * lead(st) + 2 * st.pad_y
            if c.merge is not None:
                need /= group[(c.merge, c.span)]
            h = max(h, need)
        out.append(round(h, 2))
    return out


def paginate(tables: list[Table], page_h: float, margin: float, br: Breaks) -> list[Any]:
    """Flow the tables down the pages. Returns placed rows and titles:
    ``Placed`` for rows, ``(page, y, table, text, size)`` for title lines."""
    bottom = page_h - margin
    out: list[Any] = []
    page, y, fresh = 0, margin, True

    def new_page() -> None:
        nonlocal page, y, fresh
        page += 1
        y, fresh = margin, True

    for ti, t in enumerate(tables):
        st = t.style
        hs = row_heights(t)
        title_h = sum(s * 1.6 for _, s in t.title)
        if ti > 0:
            if br.between == "new-page":
                new_page()
            else:
                y += 14
        cut = br.forced == "row" and br.forced_table == ti
        if cut:
            # start the table so that the cut row begins near the foot of a page
            prefix = title_h + sum(hs[:br.forced_at])
            y0 = bottom - prefix - (br.row_lines * lead(st) + st.pad_y + 1.0)
            if y0 < y:
                new_page()
            y = max(y, y0)
        elif y + title_h + hs[0] + hs[1] > bottom and not fresh:
            new_page()
        for text, size in t.title:
            out.append((page, y, t, text, size))
            y += size * 1.6
        fresh = False
        for i, row in enumerate(t.rows):
            h = hs[i]
            if cut and i == br.forced_at:
                a, b = split_row(t, row, bottom - y)
                out.append(Placed(page, y, bottom - y, t, a, i))
                new_page()
                hb = max(len(cell_lines(t, c)) for c in b.cells) * lead(st) + 2 * st.pad_y
                out.append(Placed(page, y, hb, t, b, i))
                y += hb
                fresh = False
                continue
            forced = (br.forced not in ("none", "row") and br.forced_table == ti
                      and i == br.forced_at)
            if forced or y + h > bottom:
                if h > bottom - margin:
                    raise ValueError("a row taller than a page")
                new_page()
                if br.repeat_header and t.header is not None and row.section == "ind":
                    hh = row_heights(Table(t.widths, [t.header], st, []))[0]
                    out.append(Placed(page, y, hh, t, t.header, -1))
                    y += hh
            out.append(Placed(page, y, h, t, row, i))
            y += h
            fresh = False
    return out


def split_row(t: Table, row: Row, avail: float) -> tuple[Row, Row]:
    """Cut a row of text cells: the lines that fit in ``avail`` stay, the rest continue."""
    st = t.style
    k = max(1, math.floor((avail - st.pad_y - 0.5) / lead(st)))
    a_cells, b_cells = [], []
    for c in row.cells:
        if c.merge is not None:  # the merged label beside the row: cut by segment, not by line
            a_cells.append(c)
            b_cells.append(c)
            continue
        ls = cell_lines(t, c)
        a_cells.append(Cell(c.span, c.text, c.align, None, c.kind, "t", ls[:k]))
        b_cells.append(Cell(c.span, c.text, c.align, None, c.kind, "t", ls[k:] or [""]))
    return (Row(a_cells, row.section, open_bottom=True, band=row.band),
            Row(b_cells, row.section, open_top=True, band=row.band))


# ------------------------------------------------------------------------------------ drawing

def draw(path: str, tables: list[Table], pagesize: tuple[float, float], margin: float,
         br: Breaks, rotation: int = 0) -> dict[int, set[int]]:
    """Draw everything (each page saved with ``/Rotate rotation``); returns report index →
    1-based pages its rows are on."""
    placed = paginate(tables, pagesize[1], margin, br)
    page_w, page_h = pagesize
    c = canvas.Canvas(path, pagesize=pagesize, invariant=1, pageCompression=1)
    c.setTitle("jixiao layout fuzzer")
    pages: dict[int, set[int]] = {}
    n_pages = max(p[0] if isinstance(p, tuple) else p.page for p in placed) + 1
    first_of_group: dict[Any, int] = {}  # merge group → page it started on
    last_of_group: dict[Any, int] = {}  # merge group → page it ends on
    for p in placed:
        if not isinstance(p, tuple):
            for cell in p.row.cells:
                if cell.merge is not None:
                    key = (id(p.table), cell.merge, cell.span)
                    last_of_group[key] = max(last_of_group.get(key, -1), p.page)
    for pg in range(n_pages):
        if rotation:
            c.setPageRotation(rotation)
        items = [p for p in placed if (p[0] if isinstance(p, tuple) else p.page) == pg]
        for p in items:
            if isinstance(p, tuple):
                _, y, t, text, size = p
                st = t.style
                w = text_width(text, st, size)
                _draw_line(c, (page_w - w) / 2, page_h - (y + size * 1.15), text, st, size)
        segs: list[list[Placed]] = []
        for p in items:
            if isinstance(p, tuple):
                continue
            if segs and segs[-1][-1].table is p.table and abs(
                    segs[-1][-1].y + segs[-1][-1].h - p.y) < 0.01:
                segs[-1].append(p)
            else:
                segs.append([p])
        for seg in segs:
            _draw_segment(c, seg, page_w, page_h, br, first_of_group, last_of_group, pg)
            for p in seg:
                if any(cl.text.strip() or (cl.lines and any(cl.lines)) for cl in p.row.cells):
                    pages.setdefault(p.table.report, set()).add(pg + 1)
        c.showPage()
    c.save()
    return pages


def _draw_line(c: canvas.Canvas, x: float, y: float, text: str, st: Style, size: float) -> None:
    for font, s in runs(text, st):
        c.setFont(font, size)
        c.drawString(x, y, s)
        x += pdfmetrics.stringWidth(s, font, size)


def _draw_segment(c: canvas.Canvas, seg: list[Placed], page_w: float, page_h: float,
                  br: Breaks, first_of_group: dict[Any, int], last_of_group: dict[Any, int],
                  pg: int) -> None:
    t = seg[0].table
    st = t.style
    total = sum(t.widths)
    xs = [(page_w - total) / 2]
    for w in t.widths:
        xs.append(xs[-1] + w)
    # merged cells of this segment: [cell, top, bottom, last row index, first row, last row]
    merged: list[list[Any]] = []
    open_: dict[Any, int] = {}
    for ri, p in enumerate(seg):
        for cell in p.row.cells:
            key = (id(t), cell.merge, cell.span) if cell.merge is not None else None
            if key is not None and key in open_ and merged[open_[key]][3] == ri - 1:
                m = merged[open_[key]]
                m[2], m[3], m[5] = p.y + p.h, ri, p.row
            else:
                merged.append([cell, p.y, p.y + p.h, ri, p.row, p.row])
                if key is not None:
                    open_[key] = len(merged) - 1
                    if key not in first_of_group:
                        first_of_group[key] = pg
    # 1. fills
    for cell, top, bottom, _, r0, _ in merged:
        x0, x1 = xs[cell.span[0]], xs[cell.span[1]]
        grey = None
        if st.border == "shade":
            grey = 0.82 if cell.kind in ("head", "label") else (0.93 if r0.band else None)
        elif st.shade_header and cell.kind == "head":
            grey = 0.85
        if grey is not None:
            c.setFillGray(grey)
            c.rect(x0, page_h - bottom, x1 - x0, bottom - top, stroke=0, fill=1)
    c.setFillGray(0)
    # 2. rulings
    lw = st.line_width
    c.setLineWidth(lw)
    if st.border in ("lines", "filled", "hlines"):
        edges: dict[tuple[float, float, float, float], None] = {}
        for cell, top, bottom, _, r0, r1 in merged:
            x0, x1 = xs[cell.span[0]], xs[cell.span[1]]
            if not r0.open_top:
                edges[(x0, top, x1, top)] = None
            if not r1.open_bottom:
                edges[(x0, bottom, x1, bottom)] = None
            if st.border != "hlines":
                edges[(x0, top, x0, bottom)] = None
                edges[(x1, top, x1, bottom)] = None
        # a horizontal edge drawn as an open cell's border is still a border of its neighbour
        for (x0, y0, x1, y1) in edges:
            if st.border == "filled":
                if y0 == y1:
                    c.rect(x0 - lw / 2, page_h - y0 - lw / 2, x1 - x0 + lw, lw, stroke=0, fill=1)
                else:
                    c.rect(x0 - lw / 2, page_h - y1, lw, y1 - y0, stroke=0, fill=1)
            else:
                c.line(x0, page_h - y0, x1, page_h - y1)
    elif st.border == "rect":
        for cell, top, bottom, _, r0, r1 in merged:
            x0, x1 = xs[cell.span[0]], xs[cell.span[1]]
            if not r0.open_top and not r1.open_bottom:
                c.rect(x0, page_h - bottom, x1 - x0, bottom - top, stroke=1, fill=0)
                continue
            path = c.beginPath()
            if r0.open_top:  # left, bottom, right
                path.moveTo(x0, page_h - top)
                path.lineTo(x0, page_h - bottom)
                path.lineTo(x1, page_h - bottom)
                path.lineTo(x1, page_h - top)
            else:  # open bottom: left, top, right
                path.moveTo(x0, page_h - bottom)
                path.lineTo(x0, page_h - top)
                path.lineTo(x1, page_h - top)
                path.lineTo(x1, page_h - bottom)
            c.drawPath(path, stroke=1, fill=0)
    # 3. text
    for cell, top, bottom, _, _, _ in merged:
        key = (id(t), cell.merge, cell.span) if cell.merge is not None else None
        if key is not None and br.split_label == "first-only" and first_of_group[key] != pg:
            continue
        if key is not None and br.split_label == "last-only" and last_of_group[key] != pg:
            continue  # the label centred in the part of the merge on the next page
        x0, x1 = xs[cell.span[0]], xs[cell.span[1]]
        size = st.size
        ls = cell_lines(t, cell, size)
        while (cell.lines is None and size > 3
               and len(ls) * size * st.leading + 2 * st.pad_y > bottom - top + 0.01):
            size = round(size - 0.5, 2)  # shrink a merged label to fit its (cut) span
            ls = cell_lines(t, cell, size)
        ld = size * st.leading
        block = len(ls) * ld
        ty = top + st.pad_y if cell.valign == "t" else top + (bottom - top - block) / 2
        for k, line in enumerate(ls):
            if not line:
                continue
            w = text_width(line, st, size)
            x = (x0 + st.pad_x if cell.align == "l" else x1 - st.pad_x - w
                 if cell.align == "r" else (x0 + x1 - w) / 2)
            base = ty + k * ld + ld / 2 + size * 0.36
            _draw_line(c, x, page_h - base, line, st, size)


@dataclass
class Doc:
    tables: list[Table] = field(default_factory=list)
