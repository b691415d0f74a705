"""Record types produced by the extract layer (cell strings exactly as printed).

Conventions (those of the corpus ``*.truth.json``):

* every value is the cell text as printed, numbers included (``"2,863.00"``, ``"99.7"``);
  a cell wrapped over several lines is joined with no separator;
* a cell printed ``-`` is ``None``; an empty cell is ``""``; an absent row (no 评分等级 row)
  leaves its field ``None``;
* ``level1``/``level2`` (一级/二级指标) are repeated on every indicator, whatever the merge.

Provenance: every value read from a cell keeps the cell's place on the page, a :class:`Box`
(page, x0, top, x1, bottom in PDF points, pdfplumber's top-left origin), in the record's
``boxes`` (field name → box; see :meth:`RawFundingRow.box`). The boxes come from the geometry of
the cells the reader placed (:class:`extract.grid.Cell`), whatever made the cells (the text
layer, or OCR). They are not part of :meth:`RawReport.to_truth` (the cells as printed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Box:
    """Where a value was printed: its 1-based page and the box of its cell(s) in PDF points,
    origin at the top-left of the page (pdfplumber's ``x0, top, x1, bottom``)."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float

    def union(self, other: Box) -> Box:
        """The box around both (same page); a box on another page leaves this one as it is
        (a value continued on the next page points at where it starts)."""
        if other.page != self.page:
            return self
        return Box(self.page, min(self.x0, other.x0), min(self.top, other.top),
                   max(self.x1, other.x1), max(self.bottom, other.bottom))

    def rounded(self, digits: int = 2) -> Box:
        return Box(self.page, round(self.x0, digits), round(self.top, digits),
                   round(self.x1, digits), round(self.bottom, digits))


#: field name → box, as a hashable tuple of pairs (records stay frozen and hashable)
Boxes = tuple[tuple[str, Box], ...]


def _box(boxes: Boxes, name: str) -> Box | None:
    for k, b in boxes:
        if k == name:
            return b
    return None


@dataclass(frozen=True, slots=True)
class RawFundingRow:
    """One row of the funding block 项目资金 (年度资金总额 / 其中：当年财政拨款 / 上年结转资金 / 其他资金)."""

    source: str  # 资金来源 as printed, e.g. "其中：当年财政拨款"
    budget_initial: str | None  # 年初预算数
    budget_full_year: str | None  # 全年预算数 (after mid-year adjustment)
    executed: str | None  # 全年执行数
    weight: str | None  # 分数 / 分值 (weight of the execution rate, usually 10)
    execution_rate: str | None  # 执行率(%)
    score: str | None  # 得分
    page: int = 0  # 1-based PDF page
    #: 原因 (reason for under-execution) where the block has that column (Sichuan), else None
    reason: str | None = None
    #: where each value was printed: field name (budget_initial …) → its cell's box
    boxes: Boxes = ()

    def box(self, name: str) -> Box | None:
        return _box(self.boxes, name)


@dataclass(frozen=True, slots=True)
class RawIndicator:
    """One row of the indicator block (一级/二级/三级指标 …)."""

    level1: str | None  # 一级指标 (产出指标 / 效益指标 / 满意度指标)
    level2: str | None  # 二级指标 (数量指标, 质量指标 …)
    level3: str | None  # 三级指标: the indicator's own name
    target: str | None  # 年度指标值, e.g. "≥85.00(%)"
    actual: str | None  # 实际完成值
    weight: str | None  # 分值
    score: str | None  # 得分
    deviation_reason: str | None  # 偏差原因分析及改进措施
    page: int = 0  # 1-based PDF page
    #: 指标性质 (operator printed in a column of its own, Sichuan layout), else None
    target_operator: str | None = None
    #: 度量单位 (unit printed in a column of its own), else None
    target_unit: str | None = None
    #: where each value was printed: field name (target, actual …) → its cell's box
    boxes: Boxes = ()

    def box(self, name: str) -> Box | None:
        return _box(self.boxes, name)


@dataclass(frozen=True, slots=True)
class OcrCell:
    """One table cell of a page read by OCR (:mod:`extract.ocr`): page, box in PDF points
    (x0, top, x1, bottom; top-origin), the text placed in it, its confidence (the probability
    of its least sure character; 1.0 for a cell with no text) and the alternatives (the text
    with a doubtful character replaced by the recognizer's runner-up)."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    confidence: float
    alternatives: tuple[str, ...] = ()
    #: the probability of its least sure character among digits, signs and separators (what
    #: a number is made of); 1.0 where it has none
    number_confidence: float = 1.0

    def box(self) -> tuple[float, float, float, float]:
        return (round(self.x0, 1), round(self.top, 1), round(self.x1, 1), round(self.bottom, 1))

    def to_json(self) -> dict[str, Any]:
        return {"page": self.page, "box": list(self.box()), "text": self.text,
                "confidence": round(self.confidence, 4),
                "number_confidence": round(self.number_confidence, 4),
                "alternatives": list(self.alternatives)}


@dataclass(frozen=True, slots=True)
class OcrRepair:
    """A number OCR read that was repaired by a rule of :data:`extract.ocr_repair.REPAIRS`
    (certain repairs only: ``0:00`` → ``0.00`` in a numeric column)."""

    page: int
    field: str  # e.g. "indicators[3].score", "funding[0].executed", "total_score"
    read: str  # the text OCR read
    repaired: str  # the text kept
    rule: str  # the rule's name


@dataclass(frozen=True, slots=True)
class RawReport:
    """One 财政项目支出绩效自评表: one funded project in one year."""

    pages: tuple[int, ...]  # 1-based pages the table occupies
    project_name: str | None  # 项目名称
    supervising_department: str | None  # 主管部门
    implementing_unit: str | None  # 实施单位
    funding: tuple[RawFundingRow, ...]
    goal_expected: str | None  # 年度总体目标 / 预期目标
    goal_actual: str | None  # 年度总体目标 / 实际完成情况
    indicators: tuple[RawIndicator, ...]
    total_weight: str | None  # 总分 row, 分值 column
    total_score: str | None  # 总分 row, 得分 column
    grade: str | None  # 评分等级 (优 / 良 / 中 / 差)
    fiscal_year: int | None = None  # from the "(YYYY年度)" line above the table
    money_unit: str = "万元"  # unit of the funding block as printed in its label (万元 or 元)
    family: str = "mof2020"  # layout family the table was read as
    notes: tuple[str, ...] = ()  # what the extractor noticed (not errors)
    #: where total_weight, total_score and grade were printed: field name → its cell's box
    boxes: Boxes = ()
    #: read by OCR (a page without a usable text layer): its cells, with their confidence,
    #: and the numbers repaired
    ocr: bool = False
    ocr_cells: tuple[OcrCell, ...] = ()
    ocr_repairs: tuple[OcrRepair, ...] = ()

    def box(self, name: str) -> Box | None:
        return _box(self.boxes, name)

    def to_truth(self) -> dict[str, Any]:
        """The report in the shape of the corpus ``*.truth.json``."""
        d: dict[str, Any] = {
            "pages": list(self.pages),
            "project_name": self.project_name,
            "supervising_department": self.supervising_department,
            "implementing_unit": self.implementing_unit,
            "funding": [
                {k: v for k, v in asdict(f).items()
                 if k not in ("page", "boxes") and not (k == "reason" and v is None)}
                for f in self.funding
            ],
            "goal_expected": self.goal_expected,
            "goal_actual": self.goal_actual,
            "indicators": [_indicator_truth(i) for i in self.indicators],
            "total_weight": self.total_weight,
            "total_score": self.total_score,
            "grade": self.grade,
        }
        if self.ocr:
            d["ocr"] = True
            d["ocr_cells"] = [c.to_json() for c in self.ocr_cells]
            d["ocr_repairs"] = [asdict(x) for x in self.ocr_repairs]
        return d


def _indicator_truth(i: RawIndicator) -> dict[str, Any]:
    d = {k: v for k, v in asdict(i).items() if k not in ("page", "boxes", "target_operator", "target_unit")}
    # extra columns of other layout families appear only when the table has them
    if i.target_operator is not None:
        d["target_operator"] = i.target_operator
    if i.target_unit is not None:
        d["target_unit"] = i.target_unit
    return d


@dataclass(frozen=True, slots=True)
class MissingReport:
    """A report a page starts (or a page of the form) that the reader did not produce: counted
    apart from the reader (:mod:`extract.completeness`), so a layout the reader cannot follow
    never loses a report without a word."""

    page: int
    project_name: str | None  # legible after 项目名称 on the page, where it is
    kind: str  # start_not_read (a 项目名称 label without its report) / form_page_not_read

    def one_line(self, file: str) -> str:
        what = (f"a report starts here{f' (project {self.project_name})' if self.project_name else ''}"
                " but could not be read" if self.kind == "start_not_read"
                else "the page has the 自评表 title or header but no report could be read")
        return f"{file}, page {self.page}: report_missing: {what}"

    def zh(self) -> str:
        if self.kind == "start_not_read":
            who = f"项目“{self.project_name}”的" if self.project_name else ""
            return f"第 {self.page} 页有{who}自评表（项目名称），但未能读出这张表；其余自评表已读取"
        return f"第 {self.page} 页有自评表的标题或表头，但未能读出任何自评表"


@dataclass(frozen=True, slots=True)
class SkippedPage:
    """A page that is not a 自评表, with the reason (cover, prose, other table, sibling form)."""

    page: int
    reason: str


@dataclass(frozen=True, slots=True)
class RawDocument:
    """Everything extracted from one PDF file."""

    file: str  # file name
    path: str  # path as given
    sha256: str
    bytes: int
    page_count: int
    fiscal_year: int | None
    reports: tuple[RawReport, ...]
    skipped_pages: tuple[SkippedPage, ...] = field(default=())
    #: reports the pages start that the reader did not produce (see extract.completeness)
    missing_reports: tuple[MissingReport, ...] = field(default=())
    #: the PDF's own date (its ModDate, else its CreationDate), UTC; None when it has neither
    pdf_date: datetime | None = None
    #: pages read by OCR (no usable text layer)
    ocr_pages: tuple[int, ...] = ()
    #: pages without a usable text layer left unread (OCR was off)
    needs_ocr: tuple[int, ...] = ()

    @property
    def ocr(self) -> bool:
        return bool(self.ocr_pages)

    def to_truth(self) -> dict[str, Any]:
        """The document in the shape of the corpus ``*.truth.json`` (plus ``skipped_pages``)."""
        return {
            "file": self.file,
            "fiscal_year": self.fiscal_year,
            "reports": [r.to_truth() for r in self.reports],
            "skipped_pages": [asdict(s) for s in self.skipped_pages],
            **({"ocr": True, "ocr_pages": list(self.ocr_pages)} if self.ocr_pages else {}),
        }


def report_from_truth(d: dict[str, Any]) -> RawReport:
    """Build a :class:`RawReport` from a report dict of the truth shape (tests, fixtures)."""
    page = (d.get("pages") or [0])[0]
    return RawReport(
        pages=tuple(d.get("pages") or ()),
        project_name=d.get("project_name"),
        supervising_department=d.get("supervising_department"),
        implementing_unit=d.get("implementing_unit"),
        funding=tuple(RawFundingRow(page=page, **f) for f in d.get("funding") or ()),
        goal_expected=d.get("goal_expected"),
        goal_actual=d.get("goal_actual"),
        indicators=tuple(RawIndicator(page=page, **i) for i in d.get("indicators") or ()),
        total_weight=d.get("total_weight"),
        total_score=d.get("total_score"),
        grade=d.get("grade"),
        fiscal_year=d.get("fiscal_year"),
    )


def document_from_truth(d: dict[str, Any], *, sha256: str = "", path: str = "") -> RawDocument:
    """Build a :class:`RawDocument` from a whole truth dict (tests, fixtures)."""
    year = d.get("fiscal_year")
    reports = []
    for r in d.get("reports") or ():
        rep = report_from_truth(r)
        if rep.fiscal_year is None and year is not None:
            from dataclasses import replace

            rep = replace(rep, fiscal_year=year)
        reports.append(rep)
    return RawDocument(file=d.get("file", ""), path=path or d.get("file", ""), sha256=sha256,
                       bytes=0, page_count=0, fiscal_year=year, reports=tuple(reports))
