"""Rows of cells → 自评表 records, recognising every column from its header cell.

The reader is a small state machine fed with table rows and free text lines in reading order
(page by page, top to bottom), so a table that continues on the next page, with or without a
repeated header row, and several reports printed one after another on one page are read the same
way. Columns are matched by their header text (:mod:`extract.headers`) and data cells are placed
under a header by horizontal overlap, never by position: a 7-, 8- or 9-column grid, labels one or
two columns wide and an extra column all read alike, and an unknown header stops the file with
:class:`~extract.errors.UnknownHeader` rather than shifting a column silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from extract import headers as H
from extract.errors import UnknownHeader
from extract.grid import (
    Cell,
    Row,
    TextLine,
    cell_of,
    printed_lines,
    split_at_strings,
    split_cell,
    split_line,
    turn_box,
    turned_size,
)
from extract.records import Box, RawFundingRow, RawIndicator, RawReport

_NULL = H.NULL_CELLS
#: the space between two cells' texts on a line outside the rulings (× the text size): their
#: padding, narrower than the clear gap that parts cells inside a table
CELL_PADDING_EM = 0.4
#: a page number printed below a table (第 3 页, 3/12, - 3 -): never table text
PAGE_NUMBER = re.compile(r"^(第?\d+页?(/共?\d+页?)?|-\d+-|\d+/\d+|共\d+页第\d+页)$")
FAMILY_DESCRIPTION = {name: description for name, _, description in H.FAMILIES}
#: the values of a funding row and of an indicator row whose place on the page is kept
FUNDING_FIELDS = ("budget_initial", "budget_full_year", "executed", "weight", "execution_rate",
                  "score", "reason")
INDICATOR_FIELDS = ("level3", "target", "actual", "weight", "score", "deviation_reason",
                    "target_operator", "target_unit")


def cell_box(page: int, cells: list[Cell]) -> Box | None:
    """The box around the cells a value was read from (those with text), on ``page``: the
    provenance of the value (:class:`extract.records.Box`), from the cells' own geometry."""
    box = None
    for c in cells:
        if not c.text.strip():
            continue
        b = Box(page, c.x0, c.top, c.x1, c.bottom)
        box = b if box is None else box.union(b)
    return box.rounded() if box is not None else None


def unturn(box: Box, turn: int, width: float, height: float) -> Box:
    """A box on a page read turned upright (:func:`extract.grid.turn_upright`, ``turn``
    degrees, the page ``width`` × ``height`` as printed) → the same box on the page as printed."""
    if turn not in (90, 180, 270):
        return box
    x0, x1, top, bottom = turn_box(box.x0, box.x1, box.top, box.bottom, (360 - turn) % 360,
                                   *turned_size(turn, width, height))
    return Box(box.page, x0, top, x1, bottom).rounded()


def _value(text: str | None) -> str | None:
    """Printed cell text → record value: ``-`` is None, otherwise the text as printed."""
    if text is None:
        return None
    t = text.strip()
    return None if t in _NULL else t


@dataclass
class Columns:
    """Header cells of one block: canonical name → x-interval, in left-to-right order."""

    names: list[str]
    x0: list[float]
    x1: list[float]
    #: the header cells the columns were built from, and the page whose data placed the cuts
    found: list[tuple[str, Cell]] = field(default_factory=list)
    page: int | None = None
    text: bool = False  # columns of running text (the goals), see _free_cut

    @classmethod
    def build(cls, found: list[tuple[str, Cell]], data_rows: list[Row] | None = None,
              left: float | None = None, right: float | None = None, *,
              text: bool = False) -> Columns:
        found = sorted(found, key=lambda nc: nc[1].x0)
        names = [n for n, _ in found]
        x0 = [c.x0 for _, c in found]
        x1 = [c.x1 for _, c in found]
        # make the intervals a partition: a gap between two headers is split where no data is
        for i in range(len(found) - 1):
            if x1[i] < x0[i + 1] - 0.5:
                cut = _free_cut(x1[i], x0[i + 1], data_rows or [], widest=text)
                x1[i], x0[i + 1] = cut, cut
        if left is not None:
            x0[0] = min(x0[0], left)
        if right is not None:
            x1[-1] = max(x1[-1], right)
        page = next((r.page for r in data_rows or () if r.cells), None)
        return cls(names, x0, x1, found, page, text)

    def refit(self, rows: list[Row]) -> Columns:
        """The same header cells with the cuts between them placed by ``rows`` (the block's
        rows on a page after the header's: without vertical rulings the cuts come from where
        the data is, and a block continued on the next page has its data there)."""
        right = max([self.x1[-1], *(c.x1 for r in rows for c in r.cells)])
        return Columns.build(self.found, rows, self.x0[0], right, text=self.text)

    def assign(self, cell: Cell) -> str | None:
        """The column a data cell falls under (largest overlap), or None if under none."""
        best, best_ov = None, 0.0
        for name, a, b in zip(self.names, self.x0, self.x1):
            ov = min(b, cell.x1) - max(a, cell.x0)
            if ov > best_ov:
                best, best_ov = name, ov
        width = max(cell.x1 - cell.x0, 0.1)
        if best is None or best_ov < 0.3 * min(width, 12.0):
            return None
        return best

    @property
    def left(self) -> float:
        return self.x0[0]

    def cells(self, row: Row) -> list[Cell]:
        """The row's cells; without vertical rulings, a cell running over a column boundary is
        cut there (two texts that came too close to be told apart by their gap)."""
        if row.ruled:
            return row.cells
        cuts = self.x1[:-1]
        out: list[Cell] = []
        for c in row.cells:
            out.extend(split_cell(c, [x for x in cuts if c.x0 < x < c.x1]))
        return out


#: the narrowest strip free of data that can be the space between two columns (pt)
MIN_STRIP = 0.5


def _free_cut(a: float, b: float, rows: list[Row], widest: bool = False) -> float:
    """Where one column ends and the next begins, between two header texts at ``a`` and ``b``.

    The cut goes in the middle of the *rightmost* strip no data covers: a header printed
    left-aligned starts just after its column's left edge, and a centred one leaves the strip
    around the edge free as well, while the data of the left column (numbers are printed
    right-aligned) may reach close to that edge. Where a cell keeps its characters (no vertical
    rulings), the characters count, not the cell: two texts that run into each other still
    leave a gap between their characters. Between two columns of running text (the goals) the
    *widest* strip: a short text of the right column ends before the right header begins, and
    the strip after it is no column edge.
    """
    covered = []
    for row in rows:
        for c in row.cells:
            if not c.text or c.x1 <= a or c.x0 >= b:
                continue
            boxes = [(ch.x0, ch.x1) for ch in c.chars] if c.chars else [(c.x0, c.x1)]
            for x0, x1 in boxes:
                if x1 > a and x0 < b:
                    covered.append((max(x0, a), min(x1, b)))
    covered.sort()
    strips, pos = [], a
    for s, e in [*covered, (b, b)]:
        if s - pos > MIN_STRIP:
            strips.append((pos, s))
        pos = max(pos, e)
    if not strips:
        return (a + b) / 2
    if widest:
        lo, hi = max(reversed(strips), key=lambda st: st[1] - st[0])
    else:
        lo, hi = strips[-1]
    return (lo + hi) / 2


def _covered_by(segments: list[tuple[float, float]], x0: float, x1: float) -> bool:
    """Do the ruling's pieces run over most of [x0, x1]?"""
    width = max(x1 - x0, 0.1)
    covered = sum(max(0.0, min(b, x1) - max(a, x0)) for a, b in segments)
    return covered >= 0.6 * width


#: the goal block's own labels (年度总体目标 …), normalized
_GOAL_LABELS = tuple(k for k, v in H.LABELS.items() if v == "goal_block")


def _goal_label_piece(text: str) -> bool:
    """Is ``text`` the goal block's label, or a line of it wrapped in its cell?"""
    n = H.norm(text)
    return bool(n) and any(n in label for label in _GOAL_LABELS)


def _wrapped_label(cells: list[Cell], left: float, is_label) -> list[Cell]:
    """Cells left of a header row's first column whose text, read line by line, is one label
    (``项目资金(万`` / ``元)``: a label wrapped past its cell, cut at the column's edge)."""
    pieces = [c for c in cells if c.x1 <= left + 1]
    if len(pieces) < 2:
        return []
    chars = [ch for c in pieces for ch in c.chars]
    if len(chars) != sum(len(H.norm(c.text)) for c in pieces) or not chars:
        text = "".join(c.text for c in sorted(pieces, key=lambda c: (c.top, c.x0)))
    else:
        text = "".join(ch.text for line in printed_lines(chars) for ch in line)
    return pieces if is_label(text) else []


def _right_edge(header: Row, block: list[Row]) -> float:
    """The right end of a block: its last column runs to the table's edge."""
    return max(c.x1 for r in [header, *block] for c in r.cells)


def _split_labels(row: Row) -> Row:
    """Without vertical rulings a label can run into its neighbour's text
    ("…总工会实施单位"); cut known labels and headers out of such cells, but only when the row
    then reads as a label or header row (most of its cells known), so data text is never cut."""
    cells: list[Cell] = []
    for c in row.cells:
        cells.extend(split_at_strings(c, H.KNOWN, H.FOLD))
    if len(cells) == len(row.cells):
        return row
    texts = [H.norm(c.text) for c in cells if H.norm(c.text)]
    known = sum(1 for t in texts if t in H.KNOWN)
    if known >= 2 and known * 2 >= len(texts):
        return Row(row.page, row.top, row.bottom, cells, row.ruled)
    return row


@dataclass
class _Report:
    """A report being read."""

    fiscal_year: int | None
    pages: list[int] = field(default_factory=list)
    values: dict[str, str | None] = field(default_factory=dict)
    funding: list[RawFundingRow] = field(default_factory=list)
    indicators: list[RawIndicator] = field(default_factory=list)
    goal_expected: list[str] = field(default_factory=list)
    goal_actual: list[str] = field(default_factory=list)
    money_unit: str = "万元"
    family: str = ""
    notes: list[str] = field(default_factory=list)
    boxes: dict[str, Box] = field(default_factory=dict)  # total_weight, total_score, grade

    def touch(self, page: int) -> None:
        if page not in self.pages:
            self.pages.append(page)

    def build(self) -> RawReport:
        v = self.values
        family = self.family or H.FAMILIES[-1][0]
        return RawReport(
            pages=tuple(sorted(self.pages)),
            project_name=v.get("project_name"),
            supervising_department=v.get("supervising_department"),
            implementing_unit=v.get("implementing_unit"),
            funding=tuple(self.funding),
            goal_expected="".join(self.goal_expected) if self.goal_expected else None,
            goal_actual="".join(self.goal_actual) if self.goal_actual else None,
            indicators=tuple(self.indicators),
            total_weight=v.get("total_weight"),
            total_score=v.get("total_score"),
            grade=v.get("grade"),
            fiscal_year=self.fiscal_year,
            money_unit=self.money_unit,
            family=family,
            notes=(f"read as layout family {family}: {FAMILY_DESCRIPTION[family]}", *self.notes),
            boxes=tuple((k, b) for k, b in self.boxes.items()
                        if v.get(k) is not None and b is not None),
        )


class FormReader:
    """Feed it rows and text lines in reading order; collect :attr:`reports`."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.reports: list[RawReport] = []
        self.notes: dict[int, str] = {}  # page → why skipped (sibling forms)
        self.used_pages: set[int] = set()
        #: pages read turned upright: page → (turn, width, height as printed); the boxes of
        #: their values are turned back (:func:`unturn`) when the reports are finished
        self.frames: dict[int, tuple[int, float, float]] = {}
        self._cur: _Report | None = None
        self._state: str | None = None  # funding / goal / indicators / closing
        self._year: int | None = None
        self._sibling = False
        self._funding: Columns | None = None
        #: the block label 项目资金(万元) of the funding header row: x0, x1 and bottom (a label
        #: merged down over the block hides the cells beneath it; one only in the header row,
        #: spanning both label columns, has the source labels beneath it)
        self._funding_labels: list[tuple[int, float, float]] = []  # page, x1, bottom
        self._goal: Columns | None = None
        self._ind: Columns | None = None
        self._level1: str | None = None
        self._level2: str | None = None
        self._ind_page: int | None = None  # page of the last indicator row read
        #: rows read without a 一级/二级 label (a merged label printed on the next page only)
        self._unlabelled: dict[str, list[int]] = {"level1": [], "level2": []}

    # ------------------------------------------------------------------ free text

    def feed_line(self, line: TextLine) -> None:
        """A printed line outside any table. While a goal row is open it is the rest of that
        row cut by a page break in a table without vertical rulings (Word leaves the row open:
        its text runs below the last ruling of one page and above the first of the next), and
        its characters go under the goal columns; otherwise it is free text (title, year)."""
        cols = self._goal
        if (self._state == "goal" and cols is not None and line.chars
                and not PAGE_NUMBER.match(H.norm(line.text))):
            # the line's pieces (cut at the padding between cells) go under the goal columns
            # whole: one line is too little data to move the cuts between the columns by
            bottom = max(c.bottom for c in line.chars)
            pieces = split_line(sorted(line.chars, key=lambda c: c.x0), gap_em=CELL_PADDING_EM)
            row = Row(line.page, line.top, bottom,
                      [cell_of(p, line.top, bottom) for p in pieces])
            self._goal_row(row)
            return
        self.feed_text(line.page, line.text)

    def feed_text(self, page: int, text: str) -> None:
        n = H.norm(text)
        if not n:
            return
        for title, note in H.SIBLING_TITLES.items():
            if title in n:
                self._close()
                self._sibling = True
                self.notes[page] = note
                return
        if H.TITLE in n:
            self._close()
            self._sibling = False
            m = H.YEAR_IN_TITLE.search(n)
            if m:
                self._year = int(m.group(1))
            return
        m = H.YEAR_LINE.match(n)
        if m and "年" in n:
            self._year = int(m.group(1))
            if self._cur is not None and self._cur.fiscal_year is None:
                self._cur.fiscal_year = self._year

    # ------------------------------------------------------------------ table rows

    def feed_row(self, row: Row, rows_after: list[Row]) -> None:
        if not row.ruled:
            row = _split_labels(row)
        cells = [c for c in row.cells if H.norm(c.text)]
        if not cells:
            return
        first = H.norm(cells[0].text)
        if len(cells) == 1 and H.YEAR_LINE.match(first) and "年" in first:
            self.feed_text(row.page, cells[0].text)
            return
        if self._state != "goal" and all(H.norm(c.text) in H.BANNERS for c in cells):
            self._funding_label_unit(cells[0].text)
            return
        label = H.LABELS.get(first)
        if self._sibling:
            if label != "project_name":
                self.notes.setdefault(row.page, next(iter(self.notes.values()), "sibling form"))
                return
            self._sibling = False
        if label == "project_name":
            self._start(row)
            return
        if self._cur is None:  # a row of some other table, or a title caught inside rulings
            for c in row.cells:
                for line in c.lines or [c.text]:
                    self.feed_text(row.page, line)
            return
        cur = self._cur
        if label in ("supervising_department", "implementing_unit"):
            self._key_values(row)
            return
        if not row.ruled:
            self._refit(row, rows_after)
        if self._funding_header(row, rows_after):
            return
        if self._goal_header(row, label, rows_after):
            return
        if self._indicator_header(row, rows_after):
            return
        if label == "total":
            self._total(row)
            return
        if label == "grade":
            cur.touch(row.page)
            cur.values["grade"] = _value(self._after_label(row, cells[0]))
            cur.boxes["grade"] = cell_box(row.page, self._after_label_cells(row, cells[0]))
            self._close()
            return
        if self._state == "funding":
            self._funding_row(row)
        elif self._state == "goal":
            self._goal_row(row)
        elif self._state == "indicators":
            self._indicator_row(row)

    def _refit(self, row: Row, rows_after: list[Row]) -> None:
        """A block without vertical rulings continued on a new page: place its column cuts by
        the data of this page where they were placed without data (the header ended the page
        before) or where this page's data runs across them."""
        attr = {"funding": "_funding", "goal": "_goal", "indicators": "_ind"}.get(self._state or "")
        cols = getattr(self, attr) if attr else None
        if cols is None or cols.page == row.page or not cols.found:
            return
        stop = {"funding": ("goal_block", "goal_expected"), "goal": (), "indicators": ()}[self._state]
        rows = ([row, *self._rows_before_header(rows_after)] if self._state == "goal"
                else [row, *self._block_rows(rows_after, stop=stop)])
        cuts = cols.x1[:-1]
        if cols.page is not None and not any(
                c.x0 + 1 < x < c.x1 - 1 for r in rows for c in r.cells if c.text.strip()
                for x in cuts):
            return  # the cuts placed by the data of an earlier page still part this page's
        setattr(self, attr, cols.refit(rows))

    # ------------------------------------------------------------------ blocks

    def _start(self, row: Row) -> None:
        self._close()
        self._cur = _Report(fiscal_year=self._year)
        self._state = None
        self._funding = self._goal = self._ind = None
        self._funding_labels = []
        self._level1 = self._level2 = None
        self._ind_page = None
        self._unlabelled = {"level1": [], "level2": []}
        self._key_values(row)

    def _close(self) -> None:
        if self._cur is not None:
            self.reports.append(self._cur.build())
            self.used_pages.update(self._cur.pages)
        self._cur = None
        self._state = None

    def _after_label(self, row: Row, label_cell: Cell) -> str:
        return "".join(c.text for c in self._after_label_cells(row, label_cell))

    @staticmethod
    def _after_label_cells(row: Row, label_cell: Cell) -> list[Cell]:
        return [c for c in row.cells if c.x0 >= label_cell.x1 - 1 and c.text.strip()]

    def _key_values(self, row: Row) -> None:
        """项目名称 / 主管部门 / 实施单位: each label's value runs up to the next label."""
        cur = self._cur
        assert cur is not None
        cur.touch(row.page)
        key = None
        parts: dict[str, list[str]] = {}
        for c in row.cells:
            n = H.norm(c.text)
            if n in H.LABELS and H.LABELS[n] in (
                    "project_name", "supervising_department", "implementing_unit"):
                key = H.LABELS[n]
                parts.setdefault(key, [])
            elif key is not None and n:
                parts[key].append(c.text.strip())
        for k, vals in parts.items():
            cur.values[k] = "".join(vals)

    def _header_cells(self, row: Row, vocab: H.ColumnVocabulary) -> tuple[list[tuple[str, Cell]], list[Cell]]:
        found, unknown = [], []
        for c in row.cells:
            if not H.norm(c.text):
                continue
            name = vocab.lookup(c.text)
            if name is None:
                unknown.append(c)
            else:
                found.append((name, c))
        return found, unknown

    def _family(self, headers: list[Cell]) -> None:
        """Name the layout family from a block's header cells (the first family that matches);
        a report with no marked header is of the last, default family."""
        printed = {H.norm(c.text) for c in headers}
        for family, markers, _ in H.FAMILIES:
            if markers & printed and self._cur is not None:
                self._cur.family = family
                return

    def _unknown(self, row: Row, cell: Cell, block: str) -> UnknownHeader:
        project = self._cur.values.get("project_name") if self._cur else None
        return UnknownHeader(
            self.file,
            f"unknown header {cell.text.strip()!r} in the {block} header row; "
            "no column was guessed",
            page=row.page, project=project,
            detail_zh=f"{block.partition('(')[2].rstrip(')') or block}表头行中的"
                      f"“{cell.text.strip()}”")

    def _funding_header(self, row: Row, rows_after: list[Row]) -> bool:
        found, unknown = self._header_cells(row, H.FUNDING)
        names = {n for n, _ in found}
        if not (names & H.FUNDING.anchors) or len(names) < 3:
            return False
        labels = _wrapped_label(unknown, min(c.x0 for _, c in found), self._funding_label_unit)
        for c in unknown:
            if c in labels or H.norm(c.text) in H.STRAY_BRACKETS:
                continue
            if not self._funding_label_unit(c.text):
                raise self._unknown(row, c, "funding (项目资金)")
            labels.append(c)
        units = {H.norm(c.text) for _, c in found}
        if any("(元)" in u for u in units):
            self._cur.money_unit = "元"
        elif any("(万元)" in u for u in units):
            self._cur.money_unit = "万元"
        missing = H.FUNDING.required - names
        if missing:
            raise UnknownHeader(self.file, f"funding block without column(s) {sorted(missing)}",
                                page=row.page, project=self._cur.values.get("project_name"),
                                detail_zh=f"资金表头缺少列 {'、'.join(sorted(missing))}")
        self._family([c for _, c in found])
        block = self._block_rows(rows_after, stop=("goal_block", "goal_expected"))
        self._funding = Columns.build(found, block, right=_right_edge(row, block))
        self._funding_labels = [(row.page, c.x1, c.bottom) for c in labels]
        self._state = "funding"
        self._cur.touch(row.page)
        return True

    def _funding_label_unit(self, text: str) -> bool:
        """Is ``text`` the funding block's label (项目资金(万元) …)? Keep the unit it names."""
        unit = H.funding_label_unit(text)
        if unit and self._cur is not None:
            self._cur.money_unit = unit
        return unit is not None

    def _block_rows(self, rows_after: list[Row], stop: tuple[str, ...]) -> list[Row]:
        out = []
        for r in rows_after:
            cells = [c for c in r.cells if H.norm(c.text)]
            if cells and H.LABELS.get(H.norm(cells[0].text)) in (*stop, "project_name", "total"):
                break
            out.append(r)
        return out

    def _funding_row(self, row: Row) -> None:
        cols = self._funding
        assert cols is not None and self._cur is not None
        vals: dict[str, list[str]] = {}
        placed: dict[str, list[Cell]] = {}
        source: list[str] = []
        for c in cols.cells(row):
            n = H.norm(c.text)
            if not n:
                continue
            if any(page == row.page and c.x1 <= x1 + 1 and row.top < bottom - 1
                   for page, x1, bottom in self._funding_labels):
                continue  # under the block label 项目资金(万元) merged down over this row
            if self._funding_label_unit(c.text):
                continue
            if c.x1 <= cols.left + 1 or c.cx < cols.left:
                source.append(c.text.strip())
                continue
            name = cols.assign(c)
            if name is None:
                source.append(c.text.strip())
            else:
                vals.setdefault(name, []).append(c.text)
                placed.setdefault(name, []).append(c)
        if not source and not vals:
            return
        self._cur.touch(row.page)

        def get(k: str) -> str | None:
            return _value("".join(vals[k])) if k in vals else ""

        boxes = tuple((k, b) for k in FUNDING_FIELDS if get(k)
                      and (b := cell_box(row.page, placed.get(k, []))) is not None)
        self._cur.funding.append(RawFundingRow(
            source="".join(source), budget_initial=get("budget_initial"),
            budget_full_year=get("budget_full_year"), executed=get("executed"),
            weight=get("weight"), execution_rate=get("execution_rate"), score=get("score"),
            page=row.page, reason=get("reason") if "reason" in cols.names else None,
            boxes=boxes))

    def _rows_before_header(self, rows_after: list[Row]) -> list[Row]:
        """The goal text rows: up to the indicator header (or the next report)."""
        out = []
        for r in rows_after:
            names = {H.INDICATORS.lookup(c.text) for c in r.cells} - {None}
            first = next((H.norm(c.text) for c in r.cells if H.norm(c.text)), "")
            if len(names) >= 3 or H.LABELS.get(first) == "project_name":
                break
            out.append(r)
        return out

    def _goal_header(self, row: Row, label: str | None, rows_after: list[Row]) -> bool:
        heads = [(H.LABELS.get(H.norm(c.text)), c) for c in row.cells]
        goal = [(k, c) for k, c in heads if k in ("goal_expected", "goal_actual")]
        if label != "goal_block" and not goal:
            return False
        assert self._cur is not None
        self._cur.touch(row.page)
        self._state = "goal"
        if goal:
            texts = [c for c in row.cells if H.norm(c.text) and H.LABELS.get(H.norm(c.text))
                     not in ("goal_block", "goal_expected", "goal_actual")
                     and not _goal_label_piece(c.text)]
            if texts:  # "预期目标 | text" rows, one under the other: label and value
                key = None
                for c in row.cells:
                    k = H.LABELS.get(H.norm(c.text))
                    if k in ("goal_expected", "goal_actual"):
                        key = k
                    elif key and H.norm(c.text) and k != "goal_block":
                        (self._cur.goal_expected if key == "goal_expected"
                         else self._cur.goal_actual).append(c.text.strip())
                self._goal = None
                return True
            block = self._rows_before_header(rows_after)
            self._goal = Columns.build(goal, block, right=_right_edge(row, block), text=True)
            return True
        if self._state == "goal" and self._goal is not None:
            self._goal_row(row)  # the label printed again where the goal row goes on a new page
            return True
        # a single goal text beside the 年度总体目标 label, no 预期/实际 split
        lab = next(c for c in row.cells if H.LABELS.get(H.norm(c.text)) == "goal_block")
        text = "".join(c.text.strip() for c in row.cells if c.x0 >= lab.x1 - 1 and c.text.strip()
                       and H.section(c.text) not in H.GOAL_BANNERS)
        if text:
            self._cur.goal_expected.append(text)
        self._goal = None
        return True

    def _goal_row(self, row: Row) -> None:
        cur = self._cur
        assert cur is not None
        cur.touch(row.page)
        cols = self._goal
        texts = [c for c in row.cells if H.norm(c.text)]
        if texts and H.section(texts[0].text) in H.GOAL_OTHER_SECTIONS:
            return  # 2.项目实施内容及过程概述: not a goal
        for c in (cols.cells(row) if cols is not None else row.cells):
            if not H.norm(c.text) or H.section(c.text) in H.GOAL_BANNERS:
                continue
            if H.LABELS.get(H.norm(c.text)) == "goal_block":
                continue
            if cols is None:
                cur.goal_expected.append(c.text.strip())
                continue
            if c.x1 <= cols.left + 1 and _goal_label_piece(c.text):
                continue  # the merged 年度总体目标 label, maybe wrapped (年度 / 总体 / 目标)
            name = cols.assign(c) or ("goal_expected" if c.cx < cols.x0[-1] else "goal_actual")
            (cur.goal_expected if name == "goal_expected" else cur.goal_actual).append(c.text.strip())

    def _indicator_header(self, row: Row, rows_after: list[Row]) -> bool:
        found, unknown = self._header_cells(row, H.INDICATORS)
        names = {n for n, _ in found}
        if not (names & H.INDICATORS.anchors) or len(names) < 4:
            return False
        for c in unknown:
            if H.norm(c.text) in H.INDICATOR_BLOCK_LABELS or H.norm(c.text) in H.STRAY_BRACKETS:
                continue
            raise self._unknown(row, c, "indicator (绩效指标)")
        missing = H.INDICATORS.required - names
        if missing:
            raise UnknownHeader(self.file, f"indicator block without column(s) {sorted(missing)}",
                                page=row.page, project=self._cur.values.get("project_name"),
                                detail_zh=f"绩效指标表头缺少列 {'、'.join(sorted(missing))}")
        self._family([c for _, c in found])
        block = self._block_rows(rows_after, stop=())
        left = min(c.x0 for r in [row, *block] for c in r.cells)
        self._ind = Columns.build(found, block, left, _right_edge(row, block))
        self._state = "indicators"
        self._cur.touch(row.page)
        if self._cur.indicators:  # a header repeated on a continuation page
            self._cur.notes.append(f"indicator header repeated on page {row.page}")
        else:
            self._level1 = self._level2 = None
        return True

    def _map(self, row: Row, cols: Columns,
             boxes: dict[str, Box | None] | None = None) -> dict[str, str]:
        """The row's text under each column; with ``boxes``, also where each was printed."""
        out: dict[str, list[str]] = {}
        placed: dict[str, list[Cell]] = {}
        for c in cols.cells(row):
            if not H.norm(c.text):
                name = cols.assign(c)
                if name is not None:
                    out.setdefault(name, [])
                continue
            name = cols.assign(c)
            if name is None:
                name = cols.names[0] if c.cx < cols.left else cols.names[-1]
            out.setdefault(name, []).append(c.text.strip())
            placed.setdefault(name, []).append(c)
        if boxes is not None:
            boxes.update((k, cell_box(row.page, v)) for k, v in placed.items())
        if row.rule_above is not None:  # no vertical rulings: an empty cell shows by its top
            for i, name in enumerate(cols.names):
                if name not in out and _covered_by(row.rule_above, cols.x0[i], cols.x1[i]):
                    out[name] = []
        return {k: "".join(v) for k, v in out.items()}

    def _indicator_row(self, row: Row) -> None:
        cur = self._cur
        cols = self._ind
        assert cur is not None and cols is not None
        where: dict[str, Box | None] = {}
        vals = self._map(row, cols, where)
        if not any(vals.values()):
            return
        cur.touch(row.page)
        first_on_page = self._ind_page != row.page
        self._ind_page = row.page
        if row.ruled or row.rule_above is not None:
            self._merged_labels(vals, first_on_page)
        if vals.get("level1"):
            if vals["level1"] != self._level1:
                self._level2 = None
            self._level1 = vals["level1"]
        if vals.get("level2"):
            self._level2 = vals["level2"]

        def get(k: str) -> str | None:
            return _value(vals.get(k, ""))

        for level in ("level1", "level2"):
            if getattr(self, f"_{level}") is None:
                self._unlabelled[level].append(len(cur.indicators))
        boxes = tuple((k, b) for k in INDICATOR_FIELDS
                      if get(k) is not None and (b := where.get(k)) is not None)
        cur.indicators.append(RawIndicator(
            level1=self._level1, level2=self._level2, level3=get("level3"),
            target=get("target"), actual=get("actual"), weight=get("weight"),
            score=get("score"), deviation_reason=get("deviation_reason"), page=row.page,
            target_operator=get("target_operator") if "target_operator" in cols.names else None,
            target_unit=get("target_unit") if "target_unit" in cols.names else None,
            boxes=boxes))

    def _merged_labels(self, vals: dict[str, str], first_on_page: bool) -> None:
        """一级/二级指标 merged over rows, in a ruled table. A merged cell cut by a page break
        goes on as a new cell at the top of the next page: empty there, its label carries
        over; printed there only (the label was centred in the part on the next page), it
        labels the rows left without one at the foot of the page before. An empty label cell
        that starts a group in the middle of a page has no label to carry: its rows keep none
        (a finding downstream), never the label of the group before."""
        cur = self._cur
        assert cur is not None
        for level in ("level1", "level2"):
            text = vals.get(level)
            pending = self._unlabelled[level]
            if text and first_on_page and pending:
                for i in pending:
                    cur.indicators[i] = replace(cur.indicators[i], **{level: text})
                if level == "level1":  # the rows' 二级指标 belonged to this group too
                    self._level1 = text
                pending.clear()
            elif text == "" and not first_on_page:
                setattr(self, f"_{level}", None)
                if level == "level1":
                    self._level2 = None
            elif text:
                pending.clear()

    def _total(self, row: Row) -> None:
        cur = self._cur
        assert cur is not None
        cur.touch(row.page)
        grade_at = next((c for c in row.cells if H.LABELS.get(H.norm(c.text)) == "grade"), None)
        if grade_at is not None:  # 总分 … 评分等级 … on one row
            cur.values["grade"] = _value(self._after_label(row, grade_at))
            cur.boxes["grade"] = cell_box(row.page, self._after_label_cells(row, grade_at))
            row = Row(row.page, row.top, row.bottom,
                      [c for c in row.cells if c.x1 <= grade_at.x0 + 1], row.ruled)
        if self._ind is not None:
            where: dict[str, Box | None] = {}
            vals = self._map(row, self._ind, where)
            cur.values["total_weight"] = _value(vals.get("weight", ""))
            cur.values["total_score"] = _value(vals.get("score", ""))
            cur.boxes["total_weight"] = where.get("weight")
            cur.boxes["total_score"] = where.get("score")
        else:  # no indicator header seen: the last two numbers of the row
            num_cells = [c for c in row.cells[1:] if c.text.strip()]
            nums = [c.text.strip() for c in num_cells]
            cur.values["total_weight"] = nums[0] if nums else None
            cur.values["total_score"] = nums[1] if len(nums) > 1 else None
            for k, c in zip(("total_weight", "total_score"), num_cells):
                cur.boxes[k] = cell_box(row.page, [c])
        self._state = "closing"
        if grade_at is not None:
            self._close()

    def finish(self) -> list[RawReport]:
        self._close()
        if self.frames:
            self.reports = [self._unturned(r) for r in self.reports]
        return self.reports

    def _unturned(self, r: RawReport) -> RawReport:
        def boxes(pairs):
            return tuple((k, unturn(b, *self.frames[b.page]) if b.page in self.frames else b)
                         for k, b in pairs)
        return replace(r, boxes=boxes(r.boxes),
                       funding=tuple(replace(f, boxes=boxes(f.boxes)) for f in r.funding),
                       indicators=tuple(replace(i, boxes=boxes(i.boxes)) for i in r.indicators))
