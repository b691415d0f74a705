"""Cross-checks of a report read by OCR: what makes an OCR'd number trustworthy.

A report read from a text layer is loaded with its rule findings as warnings: the numbers are
the unit's own, right or wrong. A report read by OCR cannot tell a unit's mistake from a
misread: so every number the transform's checks (:mod:`transform.build`, the scoring rules of
:mod:`transform.scoring`) find at odds with the report's own arithmetic (execution rate =
executed / budget, score ≤ weight, Σ scores = total, grade band …), and every cell read below a
confidence threshold (:data:`OCR_RULES`), becomes an ``ocr_uncertain`` finding (an error) with
the cell: its page, box, the text read and the alternatives. The report is then kept out of the
facts (quarantined, see :data:`load.checks.REPORT_ERRORS`) rather than loaded with a guess.
Doubtful text (a name or a goal, no number in it) is ``ocr_uncertain_text``: a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from extract.records import Box, OcrCell, RawReport
from transform.rows import Finding


@dataclass(frozen=True)
class OcrRules:
    """Thresholds of the OCR checks (one place)."""

    #: a cell holding a number (digits, signs, 优/良/中/差) is doubtful below this probability
    #: of its least sure number character
    number_confidence: float = 0.75
    #: a cell of text is doubtful below this probability of its least sure character
    text_confidence: float = 0.50
    #: a cell with at most this many CJK characters is a number cell (``=32.00(人)``)
    number_cell_cjk: int = 6
    #: cells named in one finding, at most
    cells_per_finding: int = 3


OCR_RULES = OcrRules()

#: the transform's checks a report's own arithmetic or reading fails; on an OCR'd report each is
#: a doubt on what was read
ARITHMETIC_CODES = frozenset({
    "score_above_weight", "funding_score_mismatch", "execution_rate_mismatch",
    "indicator_score_mismatch", "qualitative_score_out_of_band", "total_not_sum",
    "total_weight_mismatch", "weights_not_100", "grade_mismatch", "recomputed_grade_differs",
    "unreadable_number", "unreadable_grade", "unparsed_target", "unparsed_actual",
    "missing_total", "missing_total_weight", "missing_grade", "missing_weight", "missing_score",
    "unit_mismatch", "execution_weight_unexpected",
})

_WS = re.compile(r"\s+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
GRADES = frozenset("优良中差")


def squash(text: str | None) -> str:
    return _WS.sub("", text or "")


def is_number_cell(cell: OcrCell, rules: OcrRules = OCR_RULES) -> bool:
    t = squash(cell.text)
    return bool(t) and (any(c.isdigit() for c in t) or t in GRADES) and \
        len(_CJK.findall(t)) <= rules.number_cell_cjk


def describe(cell: OcrCell) -> str:
    """``第 1 页 (x0, top, x1, bottom) 读作「…」，置信度 0.30，可能为「…」``"""
    x0, top, x1, bottom = cell.box()
    alts = "、".join(f"「{a}」" for a in cell.alternatives[:3])
    text = cell.text if len(cell.text) <= 40 else cell.text[:39] + "…"
    return (f"第 {cell.page} 页 ({x0:g}, {top:g}, {x1:g}, {bottom:g}) 读作「{text}」，"
            f"置信度 {min(cell.confidence, cell.number_confidence):.2f}"
            + (f"，可能为{alts}" if alts else ""))


def cells_for(report: RawReport, text: str | None, limit: int,
              boxes: Iterable[Box] = ()) -> list[OcrCell]:
    """The OCR cells of the report that hold ``text`` (white space aside): equal first, then
    containing it; among the cells in ``boxes`` (the row a finding is about) when given and
    any there holds it."""
    t = squash(text)
    if not t:
        return []
    pool = list(report.ocr_cells)
    for cells in ([*cells_in(pool, boxes)], pool) if boxes else (pool,):
        equal = [c for c in cells if squash(c.text) == t]
        if equal:
            return equal[:limit]
        found = [c for c in cells if t in squash(c.text)]
        if found:
            return found[:limit]
    return []


def ocr_findings(report: RawReport, findings: Sequence[Finding], *, file: str,
                 document_id: str, rules: OcrRules = OCR_RULES) -> list[Finding]:
    """The ``ocr_uncertain`` / ``ocr_uncertain_text`` findings of an OCR'd report, given the
    transform's findings on it (none for a report read from a text layer)."""
    if not report.ocr:
        return []
    doc_id = document_id
    out: list[Finding] = []

    def add(code: str, severity: str, page: int | None, message: str,
            indicator: str | None = None, printed: str | None = None,
            expected: str | None = None) -> None:
        out.append(Finding(check_code=code, severity=severity, file=file, document_id=doc_id,
                           project_name=report.project_name, page=page, message=message,
                           fiscal_year=report.fiscal_year, indicator=indicator,
                           printed=printed, expected=expected))

    for cell in report.ocr_cells:
        if is_number_cell(cell, rules):
            if min(cell.number_confidence, cell.confidence) < rules.number_confidence:
                add("ocr_uncertain", "error", cell.page,
                    f"OCR 读数存疑：{describe(cell)}（低于 {rules.number_confidence:.2f}）；"
                    "请核对原件或提交文字版 PDF", printed=cell.text)
        elif cell.confidence < rules.text_confidence:
            add("ocr_uncertain_text", "warning", cell.page,
                f"OCR 文字存疑：{describe(cell)}（低于 {rules.text_confidence:.2f}）",
                printed=cell.text)
    for f in findings:
        if f.check_code not in ARITHMETIC_CODES:
            continue
        row = [b for x in report.indicators if f.indicator and x.level3 == f.indicator
               for b in row_boxes(x)]
        cells = cells_for(report, f.printed, rules.cells_per_finding, row)
        where = "；".join(describe(c) for c in cells) if cells else "未能定位到单元格"
        add("ocr_uncertain", "error", f.page,
            f"OCR 识别的报表未通过自身算术校验（{f.check_code}：{f.message}）；读数：{where}。"
            "文字版报表若如此填写会以警告载入，扫描件无法区分填报错误与识别错误，故暂不载入",
            indicator=f.indicator, printed=f.printed, expected=f.expected)
    return out


def row_confidence(report: RawReport, boxes: Iterable[Box]) -> float | None:
    """The confidence of a row of an OCR'd report: the least of its cells, found by the boxes
    the reader gave its values (:attr:`RawIndicator.boxes` …); the whole report's least where
    no cell is found; None for a report not read by OCR."""
    if not report.ocr:
        return None
    return _least(cells_in(report.ocr_cells, boxes) or report.ocr_cells)


def cells_in(cells: Iterable[OcrCell], boxes: Iterable[Box]) -> list[OcrCell]:
    """The OCR cells whose centre lies in one of ``boxes`` (on its page): a value's box is
    its cell's, or the union of the cells it spans."""
    boxes = list(boxes)
    out = []
    for c in cells:
        cx, cy = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
        if any(b.page == c.page and b.x0 - 0.5 <= cx <= b.x1 + 0.5
               and b.top - 0.5 <= cy <= b.bottom + 0.5 for b in boxes):
            out.append(c)
    return out


def row_boxes(row: object) -> list[Box]:
    """Every box a raw row (funding row, indicator) records for its values."""
    return [b for _, b in getattr(row, "boxes", ())]


def _least(cells: Iterable[OcrCell]) -> float | None:
    vals = [min(c.confidence, c.number_confidence) for c in cells]
    return min(vals) if vals else None
