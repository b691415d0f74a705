"""Page geometry → rows of cells, for ruled tables and for tables ruled with horizontal lines only.

This module knows nothing of the form's vocabulary: it rebuilds cells from rulings and places
characters in them. :mod:`extract.form` reads the cells.

* Ruled tables: pdfplumber's :class:`~pdfplumber.table.TableFinder` with the ``explicit``
  strategy on the page's *visible* edges (white rectangles that only look like borders are
  dropped). A merged cell is one cell with the merged bounding box; the positions it covers are
  absent from the row, exactly as pdfplumber reports ``None`` for them.
* Horizontal rulings only: row bands between the rulings; text in a band is split into cells at
  clear horizontal gaps; a cell whose top ruling does not cross it (a vertically merged label)
  belongs to the band above, so it ends in the first row of its span like a ruled merged cell.

Characters are assigned to cells in one pass over the characters sorted by their vertical centre
(not every cell against every character).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from pdfplumber.table import (
    Table,
    TableFinder,
    TableSettings,
    cells_to_tables,
    edges_to_intersections,
)
from pdfplumber.utils import obj_to_bbox

#: explicit table settings: ruled forms, visible edges only (see :func:`visible_edges`)
TABLE_SETTINGS: dict[str, Any] = {
    "vertical_strategy": "explicit",
    "horizontal_strategy": "explicit",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "edge_min_length": 3,
    "intersection_tolerance": 3,
}

#: a text gap wider than this share of the font size splits two cells in a horizontal-only table
CELL_GAP_EM = 0.6
#: the smallest gap (share of the font size) that can separate two cells' texts at a known label
MIN_CELL_GAP_EM = 0.2
#: an edge shorter than this (points) is decoration, not a ruling
MIN_RULING = 3.0


@dataclass(slots=True)
class Char:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(slots=True)
class Cell:
    x0: float
    x1: float
    top: float
    bottom: float
    text: str = ""
    #: lines of text as placed (before joining); kept for diagnostics
    lines: list[str] = field(default_factory=list)
    #: the characters, kept where no vertical ruling bounds the cell (so a reader may split it)
    chars: list[Char] = field(default_factory=list)
    #: read by OCR: the probability of its least sure character (None: from the text layer)
    confidence: float | None = None

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(slots=True)
class Row:
    page: int
    top: float
    bottom: float
    cells: list[Cell]  # left to right; positions covered by a merged cell are absent
    ruled: bool = True  # False: no vertical rulings, cells were cut at text gaps
    #: without vertical rulings: the pieces of the ruling above the row; where it is missing,
    #: a cell merged down from the row above goes on (None for ruled rows)
    rule_above: list[tuple[float, float]] | None = None


@dataclass(slots=True)
class Grid:
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    rows: list[Row]
    ruled: bool  # False: horizontal rulings only


@dataclass(slots=True)
class TextLine:
    page: int
    top: float
    text: str
    #: the characters of the line (a reader may place them under columns)
    chars: list[Char] = field(default_factory=list)


# --------------------------------------------------------------------------- characters


def to_chars(raw: Iterable[tuple]) -> list[Char]:
    """Characters ``(text, x0, x1, top, bottom, size, upright, turn)`` → records in reading
    order, the page turned upright first (:func:`turn_upright`).

    Keeps the characters of the page's main direction (rotated stamps and watermarks go),
    without the copies printed over themselves to fake bold (same text within 1 pt).
    """
    chars = [Char(r[0], r[1], r[2], r[3], r[4], r[5] or 10.0) for r in raw if r[0]]
    chars.sort(key=lambda c: (c.top, c.x0))
    return dedupe(chars)


def main_turn(raw: Sequence[tuple]) -> int:
    """The direction most of a page's text runs in (0 = upright; see fastparse)."""
    counts: dict[int, int] = {}
    for r in raw:
        counts[r[7]] = counts.get(r[7], 0) + 1
    return max(sorted(counts), key=counts.__getitem__) if counts else 0


def turned_size(turn: int, width: float, height: float) -> tuple[float, float]:
    """The size of a ``width`` × ``height`` page turned by ``turn`` degrees (0/90/180/270)."""
    return (height, width) if turn in (90, 270) else (width, height)


def turn_box(x0: float, x1: float, top: float, bottom: float, turn: int, width: float,
             height: float) -> tuple[float, float, float, float]:
    """A box on a ``width`` × ``height`` page whose text runs ``turn`` degrees → the same box
    on the page turned so that the text reads left to right (``x0, x1, top, bottom``). Turning
    back is turning by ``360 - turn`` on the turned page (:func:`turned_size`)."""
    if turn == 90:  # reads bottom to top: turn the page clockwise

        def pt(x: float, t: float) -> tuple[float, float]:
            return height - t, x

    elif turn == 270:  # reads top to bottom: turn it counter-clockwise

        def pt(x: float, t: float) -> tuple[float, float]:
            return t, width - x

    elif turn == 180:

        def pt(x: float, t: float) -> tuple[float, float]:
            return width - x, height - t

    else:
        return x0, x1, top, bottom
    (ax, at), (bx, bt) = pt(x0, top), pt(x1, bottom)
    return min(ax, bx), max(ax, bx), min(at, bt), max(at, bt)


def turn_upright(raw: list[tuple], edges: list[dict[str, Any]], width: float, height: float,
                 turn: int) -> tuple[list[tuple], list[dict[str, Any]], float, float]:
    """Rotate a page whose text runs ``turn`` degrees (a table printed sideways) so that it
    reads left to right; text of other directions is dropped. Returns chars, edges, size."""
    if turn not in (90, 180, 270):
        return [r for r in raw if r[7] == 0], edges, width, height
    size = turned_size(turn, width, height)

    def box(x0: float, x1: float, top: float, bottom: float) -> tuple[float, float, float, float]:
        return turn_box(x0, x1, top, bottom, turn, width, height)

    chars = [(r[0], *box(r[1], r[2], r[3], r[4]), r[5], True, 0) for r in raw if r[7] == turn]
    sideways = turn in (90, 270)  # a quarter turn makes rulings across into rulings down
    turned = []
    for e in edges:
        x0, x1, top, bottom = box(e["x0"], e["x1"], e["top"], e["bottom"])
        orientation = e["orientation"]
        if sideways and orientation in ("h", "v"):
            orientation = "v" if orientation == "h" else "h"
        turned.append({**e, "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                       "width": x1 - x0, "height": bottom - top, "orientation": orientation})
    return chars, turned, size[0], size[1]


def dedupe(chars: list[Char], tolerance: float = 1.0) -> list[Char]:
    """Drop characters printed twice at (almost) the same place; ``chars`` sorted by (top, x0)."""
    keep: list[Char] = []
    for c in chars:
        dup = False
        for q in reversed(keep[-6:]):
            if c.top - q.top > tolerance:
                break
            if q.text == c.text and abs(q.x0 - c.x0) <= tolerance:
                dup = True
                break
        if not dup:
            keep.append(c)
    return keep


def printed_lines(chars: Iterable[Char]) -> list[list[Char]]:
    """Characters → printed lines, top to bottom, each left to right: a character more than half
    its size below the line's first character starts a new line."""
    lines: list[list[Char]] = []
    line_cy = 0.0
    for cy, _, c in sorted(((c.top + c.bottom) / 2, i, c) for i, c in enumerate(chars)):
        if not lines or abs(cy - line_cy) > 0.5 * max(c.size, 1.0):
            lines.append([c])
            line_cy = cy
        else:
            lines[-1].append(c)
    for ln in lines:
        ln.sort(key=lambda c: c.x0)
    return lines


def join_chars(chars: Sequence[Char]) -> list[str]:
    """Characters of one cell → its printed lines, top to bottom, each read left to right."""
    out = []
    for ln in printed_lines(chars):
        parts = [ln[0].text]
        for a, b in pairwise(ln):
            gap = b.x0 - a.x1
            if (gap > 0.5 * b.size and a.text.isascii() and b.text.isascii()
                    and a.text != " " and b.text != " "):
                parts.append(" ")
            parts.append(b.text)
        out.append("".join(parts).strip())
    return [s for s in out if s]


def fill_cells(cells: list[Cell], chars: list[Char]) -> list[Char]:
    """Put each character in the cell that contains its centre; returns the characters left over.

    ``chars`` must be sorted by vertical centre. Cells are visited in order of their top; the
    characters of a cell are found by bisecting on the vertical centre, then filtered by x.
    """
    cys = [c.cy for c in chars]
    taken = [False] * len(chars)
    for cell in cells:
        lo = bisect.bisect_left(cys, cell.top)
        hi = bisect.bisect_right(cys, cell.bottom)
        inside = []
        for i in range(lo, hi):
            if taken[i]:
                continue
            ch = chars[i]
            if cell.x0 <= ch.cx <= cell.x1:
                inside.append(ch)
                taken[i] = True
        cell.lines = join_chars(inside)
        cell.text = "".join(cell.lines)
    return [c for c, t in zip(chars, taken) if not t]


def text_lines(page: int, chars: Sequence[Char]) -> list[TextLine]:
    """Free text (outside tables) as lines, for titles and the "(YYYY年度)" line."""
    return [TextLine(page, min(c.top for c in g), "".join(c.text for c in g), g)
            for g in printed_lines(chars)]


# --------------------------------------------------------------------------- rulings


def _is_white(color: Any) -> bool:
    if color is None:
        return False
    if isinstance(color, (int, float)):
        return float(color) >= 0.99
    if isinstance(color, (tuple, list)):
        vals = [v for v in color if isinstance(v, (int, float))]
        if len(vals) == 1:
            return vals[0] >= 0.99
        if len(vals) == 3:
            return all(v >= 0.99 for v in vals)
        if len(vals) == 4:  # CMYK
            return all(v <= 0.01 for v in vals)
    return False


#: a filled, unstroked rectangle thicker than this (pt) is shading (a grey header or band),
#: not a ruling drawn as a thin filled bar
SHADE_MIN = 2.5


def visible_edges(edges: Iterable[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Horizontal and vertical edges that print as lines (white fills and strokes dropped).

    The edges of shading (filled rectangles without a stroke, thicker than :data:`SHADE_MIN`)
    are not rulings: a grey header row would otherwise give a table ruled with horizontal lines
    only some vertical edges, and the page would be read as a ruled grid of one row. Only on a
    page with no ruling at all do the shading edges stand in for rulings.
    """
    hs, vs, shade_hs, shade_vs = [], [], [], []
    for e in edges:
        kind = e.get("object_type", "")
        shading = False
        if kind == "rect_edge" or kind == "curve_edge":
            stroked = e.get("stroke") and not _is_white(e.get("stroking_color"))
            filled = e.get("fill") and not _is_white(e.get("non_stroking_color"))
            if not (stroked or filled):
                continue
            shading = bool(filled and not stroked
                           and e.get("rect_thickness", 0) > SHADE_MIN)
        elif e.get("stroke") is False or _is_white(e.get("stroking_color")):
            continue
        if e["orientation"] == "h":
            if e["x1"] - e["x0"] >= MIN_RULING:
                (shade_hs if shading else hs).append(e)
        elif e["bottom"] - e["top"] >= MIN_RULING:
            (shade_vs if shading else vs).append(e)
    if not hs and not vs and shade_vs:
        return shade_rules(shade_vs), []
    return hs, vs


def _drawn_here(x0: float, x1: float, y: float) -> dict[str, Any]:
    """A horizontal ruling the page does not print but its structure implies (``synthetic``)."""
    return {"object_type": "line", "orientation": "h", "x0": x0, "x1": x1, "top": y,
            "bottom": y, "y0": 0.0, "y1": 0.0, "width": x1 - x0, "height": 0.0, "stroke": True,
            "synthetic": True}


def _shade_boxes(shade_vs: list[dict]) -> list[tuple[float, float, float, float]]:
    """The shaded rectangles (x0, top, x1, bottom), from their vertical edges: the two edges of
    one rectangle share its top and bottom (neighbours in a row share an edge)."""
    rows: dict[tuple[int, int], list[float]] = {}
    for e in shade_vs:
        rows.setdefault((round(e["top"]), round(e["bottom"])), []).append(e["x0"])
    boxes = []
    for (top, bottom), xs in rows.items():
        xs.sort()
        for a, b in pairwise(xs):
            if b - a > SHADE_MIN:
                boxes.append((a, float(top), b, float(bottom)))
    return boxes


def shade_rules(shade_vs: list[dict]) -> list[dict]:
    """A table drawn with shading only (grey label and header cells, banded rows, no ruling):
    horizontal rulings where the shading starts and ends, across the whole table, except
    through a shaded cell merged over several rows (so it stays one cell, as in a table ruled
    with horizontal lines only). The columns then come from the header text, as there."""
    boxes = _shade_boxes(shade_vs)
    if not boxes:
        return []
    left = min(b[0] for b in boxes)
    right = max(b[2] for b in boxes)
    out = []
    for y in sorted({b[1] for b in boxes} | {b[3] for b in boxes}):
        holes = sorted((x0, x1) for x0, top, x1, bottom in boxes if top < y - 1 and bottom > y + 1)
        pos = left
        for x0, x1 in [*holes, (right, right)]:
            if x0 - pos >= MIN_RULING:
                out.append(_drawn_here(pos, x0, y))
            pos = max(pos, x1)
    return out


# --------------------------------------------------------------------------- grids


def intersections_to_cells(intersections: dict) -> list[tuple[float, float, float, float]]:
    """pdfplumber's ``intersections_to_cells``, the same search with each point's edges turned
    into sets once: pdfplumber rebuilds both sets (and a nested function whose annotations cost
    a typing lookup) for every pair of points it compares, over half of its table finding."""
    vsets = {p: frozenset(map(obj_to_bbox, e["v"])) for p, e in intersections.items()}
    hsets = {p: frozenset(map(obj_to_bbox, e["h"])) for p, e in intersections.items()}

    def connects(p1: tuple, p2: tuple) -> bool:
        return ((p1[0] == p2[0] and not vsets[p1].isdisjoint(vsets[p2]))
                or (p1[1] == p2[1] and not hsets[p1].isdisjoint(hsets[p2])))

    points = sorted(intersections)
    same_x: dict[float, list[tuple]] = {}
    same_y: dict[float, list[tuple]] = {}
    for p in points:  # in (x, top) order, as pdfplumber walks them
        same_x.setdefault(p[0], []).append(p)
        same_y.setdefault(p[1], []).append(p)
    cells = []
    for pt in points:
        below = [q for q in same_x[pt[0]] if q[1] > pt[1]]
        right = [q for q in same_y[pt[1]] if q[0] > pt[0]]
        found = None
        for below_pt in below:
            if not connects(pt, below_pt):
                continue
            for right_pt in right:
                if not connects(pt, right_pt):
                    continue
                corner = (right_pt[0], below_pt[1])
                if (corner in intersections and connects(corner, right_pt)
                        and connects(corner, below_pt)):
                    found = (pt[0], pt[1], corner[0], corner[1])
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


class FastTableFinder(TableFinder):
    """pdfplumber's table finder (its edge merging, intersections and table grouping) with the
    cell search above."""

    def __init__(self, page: Any, settings: dict[str, Any]) -> None:
        self.page = page
        self.settings = TableSettings.resolve(settings)
        self.edges = self.get_edges()
        self.intersections = edges_to_intersections(
            self.edges, self.settings.intersection_x_tolerance,
            self.settings.intersection_y_tolerance)
        self.cells = intersections_to_cells(self.intersections)
        self.tables = [Table(self.page, group) for group in cells_to_tables(self.cells)]


def close_open_ends(hs: list[dict], vs: list[dict], tol: float = 1.5) -> list[dict]:
    """The horizontal edges, plus one where a table is left open at a page break.

    Word breaks a row across pages with its borders open at the break: the vertical rulings
    run to the foot of the page (or start at its head) with no horizontal ruling there, so the
    row would make no cell and its text would be lost as free text. Where two or more vertical
    rulings end (or start) at the same height and no horizontal ruling at all lies there within
    their span, the table is closed with a horizontal edge across that span.
    """
    out = list(hs)
    by_y: dict[int, list[dict]] = {}
    for h in hs:
        by_y.setdefault(int(h["top"]), []).append(h)
    for key in ("top", "bottom"):
        ends: dict[int, list[dict]] = {}
        for v in vs:
            ends.setdefault(round(v[key]), []).append(v)
        for y, group in ends.items():
            if len(group) < 2:
                continue
            x0 = min(v["x0"] for v in group)
            x1 = max(v["x1"] for v in group)
            near = (h for k in range(int(y - tol) - 1, int(y + tol) + 2) for h in by_y.get(k, ()))
            if any(abs(h["top"] - y) <= tol and h["x1"] > x0 and h["x0"] < x1 for h in near):
                continue
            yy = min(v[key] for v in group) if key == "top" else max(v[key] for v in group)
            out.append(_drawn_here(x0, x1, yy))
    return out


def ruled_grids(page_obj: Any, page: int, hs: list[dict], vs: list[dict],
                chars: list[Char]) -> tuple[list[Grid], list[Char]]:
    """Tables ruled on all sides, with pdfplumber's table finder on the visible edges (a table
    left open at a page break closed first: :func:`close_open_ends`)."""
    hs = close_open_ends(hs, vs)
    settings = dict(TABLE_SETTINGS, explicit_vertical_lines=vs, explicit_horizontal_lines=hs)
    finder = FastTableFinder(page_obj, settings)
    grids = []
    rest = chars
    for table in sorted(finder.tables, key=lambda t: t.bbox[1]):
        rows = []
        all_cells = []
        for prow in table.rows:
            cells = [Cell(b[0], b[2], b[1], b[3]) for b in prow.cells if b is not None]
            if not cells:
                continue
            cells.sort(key=lambda c: c.x0)
            top = min(c.top for c in cells)
            rows.append(Row(page, top, max(c.bottom for c in cells), cells))
            all_cells.extend(cells)
        if not rows:
            continue
        all_cells.sort(key=lambda c: c.top)
        rest = fill_cells(all_cells, rest)
        x0, top, x1, bottom = table.bbox
        grids.append(Grid(page, x0, x1, top, bottom, rows, ruled=True))
    return grids, rest


def cell_of(chars: list[Char], top: float, bottom: float) -> Cell:
    """A cell bounded by its own characters (horizontal-only tables)."""
    cell = Cell(min(c.x0 for c in chars), max(c.x1 for c in chars), top, bottom)
    cell.lines = join_chars(chars)
    cell.text = "".join(cell.lines)
    cell.chars = list(chars)
    return cell


def split_cell(cell: Cell, cuts: list[float]) -> list[Cell]:
    """Cut a cell of a horizontal-only table at x positions (characters go by their centre)."""
    if not cell.chars or not cuts:
        return [cell]
    parts: dict[int, list[Char]] = {}
    for ch in cell.chars:
        parts.setdefault(bisect.bisect_right(cuts, ch.cx), []).append(ch)
    if len(parts) == 1:
        return [cell]
    return [cell_of(parts[k], cell.top, cell.bottom) for k in sorted(parts)]


def split_at_strings(cell: Cell, strings: tuple[str, ...], fold: dict[int, str]) -> list[Cell]:
    """Cut a horizontal-only cell before and after each occurrence of one of ``strings`` on a
    printed line (white space ignored, characters mapped through the ``fold`` table), where
    text stands on both sides of the cut."""
    if not cell.chars:
        return [cell]
    cuts: set[float] = set()

    def cut(a: Char, b: Char) -> None:
        # only where the two texts stand apart: never inside one cell's run of characters
        if b.x0 - a.x1 >= MIN_CELL_GAP_EM * max(a.size, b.size):
            cuts.add((a.x1 + b.x0) / 2)

    for printed in printed_lines(cell.chars):
        ln = [c for c in printed if not c.text.isspace()]
        text = "".join(c.text.translate(fold) for c in ln)
        if len(text) != len(ln):  # a ligature or multi-character glyph: leave the cell as is
            continue
        for m in _alternation(strings).finditer(text):
            i, j = m.start(), m.end()
            if i > 0:
                cut(ln[i - 1], ln[i])
            if j < len(text):
                cut(ln[j - 1], ln[j])
    return split_cell(cell, sorted(cuts))


@functools.lru_cache(maxsize=8)
def _alternation(strings: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for ``strings``, tried in their order at each position (as the first of them
    that starts there), scanning on after a match."""
    return re.compile("|".join(map(re.escape, strings)))


def _merge_segments(hs: list[dict], y_tol: float = 1.5, x_gap: float = 2.0) -> list[tuple[float, list[tuple[float, float]]]]:
    """Horizontal edges → [(y, [(x0, x1), …])] with collinear pieces joined."""
    by_y: list[tuple[float, list[tuple[float, float]]]] = []
    for e in sorted(hs, key=lambda e: e["top"]):
        y = e["top"]
        if by_y and abs(by_y[-1][0] - y) <= y_tol:
            by_y[-1][1].append((e["x0"], e["x1"]))
        else:
            by_y.append((y, [(e["x0"], e["x1"])]))
    out = []
    for y, segs in by_y:
        segs.sort()
        merged = [list(segs[0])]
        for a, b in segs[1:]:
            if a <= merged[-1][1] + x_gap:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        out.append((y, [(a, b) for a, b in merged]))
    return out


def _covered(segs: list[tuple[float, float]], x0: float, x1: float) -> bool:
    """Does a ruling cross most of [x0, x1]?"""
    width = max(x1 - x0, 0.1)
    cover = sum(max(0.0, min(b, x1) - max(a, x0)) for a, b in segs)
    return cover >= 0.5 * width


def split_line(line: list[Char], stops: Sequence[float] = (), *,
               gap_em: float = CELL_GAP_EM) -> list[list[Char]]:
    """One printed line (left to right) → pieces separated by clear gaps (over ``gap_em`` × the
    size), or by a smaller gap where a ruling ends (``stops``: the line ends next to a merged
    cell mark a column edge)."""
    pieces = [[line[0]]]
    for a, b in pairwise(line):
        gap = b.x0 - a.x1
        size = max(a.size, b.size)
        at_stop = False
        if stops and gap >= MIN_CELL_GAP_EM * size:
            i = bisect.bisect_left(stops, a.x1 - 1.0)
            at_stop = i < len(stops) and stops[i] <= b.x0 + 1.0
        if gap > gap_em * size or at_stop:
            pieces.append([b])
        else:
            pieces[-1].append(b)
    return pieces


def _close_below(hs: list[dict], chars: list[Char]) -> list[dict]:
    """A shaded table whose last rows are not shaded ends below its last shading: close it
    under the text that follows the last shading at a cell's padding, line after line, within
    the table's width (a page number further down stays outside)."""
    y = max(e["top"] for e in hs)
    left, right = min(e["x0"] for e in hs), max(e["x1"] for e in hs)
    below = [c for c in chars if c.top >= y - 0.5 and left - 2 <= c.cx <= right + 2]
    end = None
    for line in printed_lines(below):
        top = min(c.top for c in line)
        size = max(c.size for c in line)
        if top - (end if end is not None else y) > 0.8 * size:
            break
        end = max(c.bottom for c in line)
    if end is None:
        return hs
    return [*hs, _drawn_here(left, right, end + 1.0)]


def _widen(hs: list[dict], chars: list[Char]) -> list[dict]:
    """Rulings made from shading run only as wide as the shading; the table runs as wide as the
    text between its first and last ruling (unshaded columns at either side)."""
    top, bottom = min(e["top"] for e in hs), max(e["top"] for e in hs)
    xs = [(c.x0, c.x1) for c in chars if top < c.cy < bottom]
    if not xs:
        return hs
    left, right = min(e["x0"] for e in hs), max(e["x1"] for e in hs)
    new_left, new_right = min(left, min(a for a, _ in xs) - 1), max(right, max(b for _, b in xs) + 1)
    out = []
    for edge in hs:
        e = dict(edge)
        if abs(e["x0"] - left) < 0.5:
            e["x0"] = new_left
        if abs(e["x1"] - right) < 0.5:
            e["x1"] = new_right
        e["width"] = e["x1"] - e["x0"]
        out.append(e)
    return out


def hline_grids(page: int, hs: list[dict], chars: list[Char]) -> tuple[list[Grid], list[Char]]:
    """Tables ruled with horizontal lines only (no vertical rulings on the page), or drawn with
    shading only (:func:`shade_rules`)."""
    if hs and all(e.get("synthetic") for e in hs):
        hs = _widen(_close_below(hs, chars), chars)
    lines = _merge_segments(hs)
    if len(lines) < 2:  # two rulings make one row (a table's last row alone on a page)
        return [], chars
    x0 = min(a for _, segs in lines for a, _ in segs)
    x1 = max(b for _, segs in lines for _, b in segs)
    top, bottom = lines[0][0], lines[-1][0]
    inside: list[Char] = []
    rest: list[Char] = []
    for c in chars:
        (inside if top < c.cy < bottom and x0 - 2 <= c.cx <= x1 + 2 else rest).append(c)
    ys = [y for y, _ in lines]
    stops = sorted({x for _, segs in lines for seg in segs for x in seg} - {x0, x1})
    # characters → bands → printed lines → pieces
    band_chars: list[list[Char]] = [[] for _ in range(len(ys) - 1)]
    for c in inside:
        i = bisect.bisect_right(ys, c.cy) - 1
        if 0 <= i < len(band_chars):
            band_chars[i].append(c)
    # chunks per band: pieces of different printed lines that overlap in x are one cell
    band_chunks: list[list[list[Char]]] = []
    for bc in band_chars:
        chunks: list[list[Char]] = []
        spans: list[list[float]] = []
        for ln in printed_lines(bc):
            for piece in split_line(ln, stops):
                a, b = piece[0].x0, piece[-1].x1
                hit = [k for k, (s0, s1) in enumerate(spans) if a < s1 - 0.5 and b > s0 + 0.5]
                if hit:
                    k = hit[0]
                    for j in reversed(hit[1:]):  # a piece bridging two chunks joins them
                        chunks[k].extend(chunks.pop(j))
                        s0, s1 = spans.pop(j)
                        spans[k] = [min(spans[k][0], s0), max(spans[k][1], s1)]
                    chunks[k].extend(piece)
                    spans[k] = [min(spans[k][0], a), max(spans[k][1], b)]
                else:
                    chunks.append(list(piece))
                    spans.append([a, b])
        band_chunks.append(chunks)
    # a chunk whose top ruling does not cross it continues the cell of the band above
    for i in range(1, len(band_chunks)):
        segs = lines[i][1]
        stay = []
        for ch in band_chunks[i]:
            a = min(c.x0 for c in ch)
            b = max(c.x1 for c in ch)
            if _covered(segs, a, b):
                stay.append(ch)
                continue
            j = i - 1
            while j > 0 and not _covered(lines[j][1], a, b):
                j -= 1
            target = None
            for other in band_chunks[j]:
                oa = min(c.x0 for c in other)
                ob = max(c.x1 for c in other)
                if a < ob and b > oa:
                    target = other
                    break
            if target is not None:
                target.extend(ch)
            else:
                band_chunks[j].append(ch)
        band_chunks[i] = stay
    rows = []
    for i, chunks in enumerate(band_chunks):
        cells = []
        for ch in chunks:
            cells.append(cell_of(ch, ys[i], ys[i + 1]))
        cells.sort(key=lambda c: c.x0)
        rows.append(Row(page, ys[i], ys[i + 1], cells, ruled=False, rule_above=lines[i][1]))
    return [Grid(page, x0, x1, top, bottom, rows, ruled=False)], rest
