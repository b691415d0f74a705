"""Typed rows of the warehouse (DESIGN.md's star schema) and the data-quality :class:`Finding`.

Frozen dataclasses, one per table; money in 万元 as Decimal with 2 decimals, percentages as
Decimal in percent. Columns beyond DESIGN.md's (normalized units, the scoring formula, the
computed execution rate, expected funding score, the rule set) are marked *added*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from extract.errors import safe_name

# --------------------------------------------------------------------------------------------
# dimensions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DimDepartment:
    """dim_department: one organisation (主管部门 or 实施单位)."""

    department_id: str
    name: str  # as printed, without the 闵行 "(汇总)" suffix


@dataclass(frozen=True, slots=True)
class DimProject:
    """dim_project: one project, stable across years."""

    project_id: str
    project_name: str  # the latest name the project was reported under
    department_id: str | None  # 主管部门
    implementing_unit_id: str | None  # 实施单位


@dataclass(frozen=True, slots=True)
class ProjectAlias:
    """project_alias: one name a project was reported under in one year."""

    project_id: str
    fiscal_year: int | None
    reported_name: str


@dataclass(frozen=True, slots=True)
class DimIndicator:
    """dim_indicator: one indicator of one project, stable across years."""

    indicator_id: str
    project_id: str
    level1: str | None  # 一级指标
    level2: str | None  # 二级指标
    name: str  # 三级指标


# --------------------------------------------------------------------------------------------
# facts
# --------------------------------------------------------------------------------------------

#: funding_source values
FUNDING_SOURCES = ("total", "appropriation", "carryover", "other")


@dataclass(frozen=True, slots=True)
class FactProjectFunding:
    """fact_project_funding: project × year × funding source (万元, percent)."""

    project_id: str
    fiscal_year: int | None
    funding_source: str  # total / appropriation 当年财政拨款 / carryover 上年结转 / other 其他
    source_text: str  # added: the row label as printed
    budget_initial: Decimal | None  # 年初预算数
    budget_full_year: Decimal | None  # 全年预算数
    executed: Decimal | None  # 全年执行数
    execution_rate: Decimal | None  # 执行率 as printed (percent)
    computed_execution_rate: Decimal | None  # added: executed / full-year budget × 100
    weight: Decimal | None  # 分值 (total row only)
    score: Decimal | None  # 得分 as printed (total row only)
    expected_score: Decimal | None  # added: by the rule set (total row only)
    document_id: str
    page: int | None
    #: read by OCR (a scanned page), and the least confidence of its cells (0–1)
    ocr: bool = False
    ocr_confidence: float | None = None


@dataclass(frozen=True, slots=True)
class FactIndicatorResult:
    """fact_indicator_result: project × year × indicator."""

    project_id: str
    fiscal_year: int | None
    indicator_id: str
    position: int  # added: 1-based row of the indicator block
    target_text: str | None
    target_kind: str  # numeric / range / qualitative / period / unparsed / empty
    target_operator: str | None  # = >= <= > <
    target_low: Decimal | None
    target_high: Decimal | None
    target_unit: str | None  # as printed
    target_unit_norm: str | None  # added: normalized unit
    target_qualifier: str | None  # added: 约 / 每月 … printed with the number
    actual_text: str | None
    actual_kind: str  # added
    actual_value: Decimal | None
    actual_unit: str | None
    actual_unit_norm: str | None  # added
    achieved: bool | None
    weight: Decimal | None
    score: Decimal | None  # as printed
    expected_score: Decimal | None  # by the rule set
    scoring_formula: str  # added: the rule applied (lower_is_better:target_over_actual …)
    deviation_reason: str | None
    document_id: str
    page: int | None
    #: read by OCR (a scanned page), and the least confidence of its cells (0–1)
    ocr: bool = False
    ocr_confidence: float | None = None


@dataclass(frozen=True, slots=True)
class FactProjectEvaluation:
    """fact_project_evaluation: project × year (总分, 评分等级, goals, data-quality status)."""

    project_id: str
    fiscal_year: int | None
    total_weight: Decimal | None  # 总分 row, 分值
    total_score: Decimal | None  # 总分 row, 得分 as printed
    recomputed_score: Decimal | None  # expected funding score + Σ expected indicator scores
    grade: str | None  # 评分等级 as printed (normalized spelling)
    expected_grade: str | None  # grade band of the printed total
    goal_expected: str | None
    goal_actual: str | None
    dq_status: str  # ok / warning / error
    rule_set: str  # added: the scoring rule set used
    document_id: str
    page: int | None  # added: first page of the table
    #: read by OCR (a scanned page), and the least confidence of its cells (0–1)
    ocr: bool = False
    ocr_confidence: float | None = None


@dataclass(frozen=True, slots=True)
class FactCellSource:
    """fact_cell_source: where one value of a fact row was printed (provenance).

    ``fact`` and ``field`` name the fact table and column (``fact_indicator_result`` /
    ``target_text``; the tables allowed: :data:`warehouse.schema.CELL_SOURCE_FACTS`);
    ``funding_source`` or ``indicator_id`` the row within the project-year.
    A value summed from several printed rows (Sichuan's 其他 sources) has one box per row
    (``part`` 1, 2 …). Box in PDF points, origin top-left (pdfplumber's coordinates)."""

    project_id: str
    fiscal_year: int | None
    fact: str
    funding_source: str | None
    indicator_id: str | None
    field: str
    part: int
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    printed: str | None  # the cell's text as printed
    document_id: str


# --------------------------------------------------------------------------------------------
# findings
# --------------------------------------------------------------------------------------------

SEVERITIES = ("error", "warning")


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One data-quality check: stable code, severity, what it means."""

    code: str
    severity: str  # error: structure cannot be trusted (quarantine); warning: loaded, flagged
    title: str  # Chinese


_CHECKS = (
    # structure: the table cannot be trusted
    CheckSpec("missing_project_name", "error", "缺少项目名称"),
    CheckSpec("missing_fiscal_year", "error", "缺少年度"),
    CheckSpec("missing_funding", "error", "缺少项目资金（年度资金总额）行"),
    CheckSpec("missing_indicators", "error", "缺少绩效指标"),
    CheckSpec("missing_total", "error", "缺少总分"),
    CheckSpec("missing_total_weight", "error", "缺少总分分值"),
    CheckSpec("missing_grade", "error", "缺少评分等级"),
    CheckSpec("unreadable_grade", "error", "评分等级无法识别"),
    CheckSpec("unreadable_number", "error", "数字单元格无法读取"),
    CheckSpec("unknown_money_unit", "error", "金额单位无法识别"),
    CheckSpec("missing_weight", "error", "缺少分值"),
    CheckSpec("missing_score", "error", "缺少得分"),
    CheckSpec("blank_results", "error", "完成值和得分均未填写"),
    # a report read by OCR (transform.ocr_checks): a cell read below the confidence threshold,
    # or a number its own arithmetic does not bear out; the report is kept out (quarantined),
    # the document's other reports load (load.checks.REPORT_ERRORS)
    CheckSpec("ocr_uncertain", "error",
              "扫描件 OCR 读数存疑（置信度低，或未通过报表自身的算术校验），该表暂不载入"),
    CheckSpec("ocr_uncertain_text", "warning", "扫描件 OCR 文字存疑（置信度低），已载入，请核对"),
    # completeness: a report the pages start but the reader could not read (the document's
    # other reports are still loaded: see load.checks.KEEPS_OTHER_REPORTS)
    CheckSpec("report_missing", "error", "页面上有自评表，但未能读出"),
    # rules: loaded with dq_status = warning
    CheckSpec("indicator_score_mismatch", "warning", "指标得分与规则不符"),
    CheckSpec("qualitative_score_out_of_band", "warning", "定性指标得分超出等级区间"),
    CheckSpec("funding_score_mismatch", "warning", "预算执行得分与规则不符"),
    CheckSpec("execution_rate_mismatch", "warning", "执行率与执行数/预算数不符"),
    CheckSpec("execution_weight_unexpected", "warning", "预算执行率分值与规则集不符"),
    CheckSpec("score_above_weight", "warning", "得分高于分值"),
    CheckSpec("total_not_sum", "warning", "总分不等于各项得分之和"),
    CheckSpec("total_weight_mismatch", "warning", "总分分值不等于各项分值之和"),
    CheckSpec("weights_not_100", "warning", "分值合计不为满分"),
    CheckSpec("grade_mismatch", "warning", "评分等级与总分不符"),
    CheckSpec("recomputed_grade_differs", "warning", "按规则重算总分后等级不同"),
    CheckSpec("unit_mismatch", "warning", "指标值与完成值单位不一致"),
    CheckSpec("unparsed_target", "warning", "年度指标值无法解析"),
    CheckSpec("unparsed_actual", "warning", "实际完成值无法解析"),
    CheckSpec("missing_target", "warning", "缺少年度指标值"),
    CheckSpec("missing_actual", "warning", "缺少实际完成值"),
    CheckSpec("unknown_funding_source", "warning", "资金来源无法识别"),
)

#: every check code the transform emits → its spec
CHECKS: Mapping[str, CheckSpec] = MappingProxyType({c.code: c for c in _CHECKS})


@dataclass(frozen=True, slots=True)
class Finding:
    """One data-quality finding: where (file, page, project), what (check code) and both numbers."""

    check_code: str
    severity: str
    file: str
    document_id: str
    project_name: str | None
    page: int | None
    message: str  # Chinese, with the printed and the expected number
    fiscal_year: int | None = None
    indicator: str | None = None  # 三级指标, when the finding is about one row
    printed: str | None = None  # the printed value, as text
    expected: str | None = None  # the value the rules give, as text

    def one_line(self) -> str:
        """``file, 第 4 页, 项目 X: message`` for logs and alerts (one line)."""
        where = safe_name(self.file)
        if self.page is not None:
            where += f", 第 {self.page} 页"
        if self.project_name:
            where += f", 项目 {self.project_name}"
        return f"{where}: [{self.check_code}] {self.message}"


# --------------------------------------------------------------------------------------------
# results of the transform
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransformedReport:
    """All rows and findings of one 自评表 (one project in one year)."""

    project_id: str
    fiscal_year: int | None
    project_name: str | None
    pages: tuple[int, ...]
    departments: tuple[DimDepartment, ...]
    project: DimProject
    alias: ProjectAlias | None
    indicators: tuple[DimIndicator, ...]
    funding: tuple[FactProjectFunding, ...]
    results: tuple[FactIndicatorResult, ...]
    evaluation: FactProjectEvaluation
    findings: tuple[Finding, ...]
    #: where each fact value of the report was printed (provenance)
    sources: tuple[FactCellSource, ...] = ()

    @property
    def dq_status(self) -> str:
        return self.evaluation.dq_status


@dataclass(frozen=True, slots=True)
class TransformedDocument:
    """Everything the transform makes of one :class:`~extract.records.RawDocument`."""

    document_id: str
    file: str
    fiscal_year: int | None
    rule_set: str
    reports: tuple[TransformedReport, ...]
    #: the PDF's own date (ModDate, else CreationDate; UTC), which orders versions of a report
    pdf_date: datetime | None = None

    @property
    def departments(self) -> tuple[DimDepartment, ...]:
        seen: dict[str, DimDepartment] = {}
        for r in self.reports:
            for d in r.departments:
                seen.setdefault(d.department_id, d)
        return tuple(seen.values())

    @property
    def projects(self) -> tuple[DimProject, ...]:
        return tuple(r.project for r in self.reports)

    @property
    def aliases(self) -> tuple[ProjectAlias, ...]:
        return tuple(r.alias for r in self.reports if r.alias is not None)

    @property
    def indicators(self) -> tuple[DimIndicator, ...]:
        return tuple(i for r in self.reports for i in r.indicators)

    @property
    def funding(self) -> tuple[FactProjectFunding, ...]:
        return tuple(f for r in self.reports for f in r.funding)

    @property
    def results(self) -> tuple[FactIndicatorResult, ...]:
        return tuple(x for r in self.reports for x in r.results)

    @property
    def evaluations(self) -> tuple[FactProjectEvaluation, ...]:
        return tuple(r.evaluation for r in self.reports)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for r in self.reports for f in r.findings)

    @property
    def sources(self) -> tuple[FactCellSource, ...]:
        return tuple(s for r in self.reports for s in r.sources)

    @property
    def dq_status(self) -> str:
        statuses = {r.dq_status for r in self.reports}
        for s in ("error", "warning"):
            if s in statuses:
                return s
        return "ok"
