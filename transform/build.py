"""One entry point: :func:`transform_document` turns a RawDocument into typed rows and findings.

Pure: no I/O. The identity map (ids across years) and the scoring rule set come in as arguments;
without an identity map the document's own names are resolved (a renamed project still keeps
its id when only a generic suffix changed, see :mod:`transform.identity`).

A caller that loads one document at a time (the ingest flow) resolves identity over every name
known (the warehouse's project_alias rows as :class:`~transform.identity.ProjectSeen` plus the new
document) with the committed overrides (:func:`~transform.identity.load_overrides`), and passes
the map in; fuzzy renames then keep their ids too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType

from extract.records import RawDocument, RawFundingRow, RawIndicator, RawReport
from transform.identity import (
    IdentityMap,
    IdentityReport,
    IndicatorSeen,
    Override,
    department_id,
    department_name,
    indicator_keys,
    observations,
    resolve_identity,
)
from transform.numbers import (
    UnreadableNumber,
    fmt,
    money,
    money_factor,
    parse_amount,
    parse_decimal,
    parse_percent,
    to_halfwidth,
)
from transform.ocr_checks import ocr_findings, row_boxes, row_confidence
from transform.ocr_checks import squash as _squash
from transform.rows import (
    CHECKS,
    DimDepartment,
    DimIndicator,
    DimProject,
    FactCellSource,
    FactIndicatorResult,
    FactProjectEvaluation,
    FactProjectFunding,
    Finding,
    ProjectAlias,
    TransformedDocument,
    TransformedReport,
)
from transform.scoring import (
    RuleSet,
    execution_rate,
    get_rule_set,
    grade_for,
    normalize_grade,
    score_execution,
    score_indicator,
    within,
)
from transform.targets import ParsedValue, parse_actual, parse_target

#: funding row label (as printed, half-width, no spaces) → funding_source; first match wins
FUNDING_SOURCE_LABELS = MappingProxyType({
    "年度资金总额": "total",
    "资金总额": "total",
    "总额": "total",  # Sichuan: 总额 (年度预算数 block)
    "合计": "total",
    "当年财政拨款": "appropriation",
    "财政拨款": "appropriation",
    "财政资金": "appropriation",
    "上年结转": "carryover",
    "结转": "carryover",
    "其他资金": "other",
    "财政专户管理资金": "other",
    "单位资金": "other",
    "其他": "other",
})
#: sources several printed rows may map onto: their amounts are summed into one row, so that the
#: warehouse keeps one row per (project, year, source) (Sichuan: 财政专户管理资金 + 单位资金 +
#: 其他资金 → other); a second row of any other source is reported and dropped
SUMMED_SOURCES = frozenset({"other"})
#: label of a summed row: the printed labels joined by this
SUMMED_LABEL_JOIN = "+"


@dataclass
class _Ctx:
    """Where findings of one report point to."""

    file: str
    document_id: str
    project_name: str | None
    fiscal_year: int | None
    page: int | None
    findings: list[Finding] = field(default_factory=list)

    def add(self, code: str, message: str, *, page: int | None = None,
            indicator: str | None = None, printed: object = None,
            expected: object = None) -> None:
        spec = CHECKS[code]
        self.findings.append(Finding(
            check_code=code, severity=spec.severity, file=self.file,
            document_id=self.document_id, project_name=self.project_name,
            page=page if page else self.page, message=message, fiscal_year=self.fiscal_year,
            indicator=indicator,
            printed=_text(printed), expected=_text(expected),
        ))

    def number(self, text: str | None, what: str, *, page: int | None = None,
               indicator: str | None = None, parse=parse_decimal) -> Decimal | None:
        try:
            return parse(text)
        except UnreadableNumber:
            self.add("unreadable_number", f"{what}「{text}」不是数字", page=page,
                     indicator=indicator, printed=text)
            return None


def _text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, Decimal):
        return fmt(v)
    return str(v)


# --------------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------------

def transform_document(doc: RawDocument, *, rules: str | RuleSet | None = "shanghai",
                       identity: IdentityMap | None = None,
                       overrides: Iterable[Override] = (),
                       document_id: str | None = None) -> TransformedDocument:
    """All rows and findings of one document.

    ``rules``: a rule set name of :data:`transform.scoring.RULE_SETS` or a RuleSet;
    ``identity``: ids resolved over every document known (see :func:`transform_documents`);
    without it the document's own names are resolved with ``overrides``;
    ``document_id``: defaults to the file's sha256 (else its name).
    """
    rs = get_rule_set(rules)
    ident = identity or resolve_identity(observations([doc]), overrides)
    doc_id = document_id or doc.sha256 or doc.file
    reports = tuple(_report(doc, r, rs, ident, doc_id) for r in doc.reports)
    return TransformedDocument(document_id=doc_id, file=doc.file, fiscal_year=doc.fiscal_year,
                               rule_set=rs.name, reports=reports, pdf_date=doc.pdf_date)


def transform_documents(docs: Iterable[RawDocument], *, rules: str | RuleSet | None = "shanghai",
                        overrides: Iterable[Override] = ()
                        ) -> tuple[tuple[TransformedDocument, ...], IdentityReport]:
    """Several documents with one identity resolution over all of them (order-independent)."""
    docs = tuple(docs)
    ident = resolve_identity(observations(docs), overrides)
    out = tuple(transform_document(d, rules=rules, identity=ident) for d in docs)
    return out, ident.report


# --------------------------------------------------------------------------------------------
# one report
# --------------------------------------------------------------------------------------------

def _report(doc: RawDocument, r: RawReport, rs: RuleSet, ident: IdentityMap,
            doc_id: str) -> TransformedReport:
    year = r.fiscal_year if r.fiscal_year is not None else doc.fiscal_year
    first_page = r.pages[0] if r.pages else None
    ctx = _Ctx(doc.file, doc_id, r.project_name, year, first_page)

    if year is None:
        ctx.add("missing_fiscal_year", "缺少年度（表头未见“(YYYY年度)”）")
    name = (r.project_name or "").strip()
    if not name:
        ctx.add("missing_project_name", "缺少项目名称")
        name = f"(未命名项目, {doc.file} 第 {first_page} 页)"

    dept_id = department_id(r.supervising_department) if r.supervising_department else None
    unit_id = department_id(r.implementing_unit) if r.implementing_unit else None
    departments = tuple(
        DimDepartment(department_id(d), department_name(d))
        for d in dict.fromkeys(x for x in (r.supervising_department, r.implementing_unit) if x)
    )
    pid = ident.project_id(r.supervising_department, name)
    project = DimProject(pid, ident.project_name(pid, name), dept_id, unit_id)
    alias = ProjectAlias(pid, year, name) if r.project_name else None

    blank = _blank_results(r, rs, ctx)
    funding, fund_weight, fund_score, fund_expected = _funding(r, rs, ctx, pid, year, doc_id,
                                                               blank)
    dims, results = _indicators(r, rs, ctx, ident, pid, year, doc_id, blank)
    evaluation = _evaluation(r, rs, ctx, pid, year, doc_id, fund_weight, fund_score,
                             fund_expected, results, blank)
    if r.ocr:
        funding, results, evaluation = _ocr_marked(r, ctx, funding, results, evaluation)
    return TransformedReport(
        project_id=pid, fiscal_year=year, project_name=r.project_name, pages=r.pages,
        departments=departments, project=project, alias=alias, indicators=dims,
        funding=funding, results=results, evaluation=evaluation,
        findings=tuple(ctx.findings),
        sources=cell_sources(r, pid, year, doc_id, funding, results),
    )


#: raw field → fact column, per fact table: the values whose printed cell is kept
FUNDING_SOURCE_FIELDS = MappingProxyType({
    "budget_initial": "budget_initial", "budget_full_year": "budget_full_year",
    "executed": "executed", "execution_rate": "execution_rate", "weight": "weight",
    "score": "score"})
INDICATOR_SOURCE_FIELDS = MappingProxyType({
    "level3": "reported_name", "target": "target_text", "actual": "actual_text",
    "weight": "weight", "score": "score", "deviation_reason": "deviation_reason"})
EVALUATION_SOURCE_FIELDS = MappingProxyType({
    "total_weight": "total_weight", "total_score": "total_score", "grade": "grade"})


def cell_sources(r: RawReport, pid: str, year: int | None, doc_id: str,
                 funding: tuple[FactProjectFunding, ...],
                 results: tuple[FactIndicatorResult, ...]) -> tuple[FactCellSource, ...]:
    """The printed cell of every fact value of the report (the extractor's boxes), keyed like
    the fact rows: only rows that were loaded as facts, only values that were printed."""
    out: list[FactCellSource] = []

    def add(fact: str, raw: object, fields: MappingProxyType, *, source: str | None = None,
            iid: str | None = None, parts: dict | None = None) -> None:
        for k, b in raw.boxes:  # type: ignore[attr-defined]
            column = fields.get(k)
            if column is None:
                continue
            part = 1
            if parts is not None:
                part = parts[(source, column)] = parts.get((source, column), 0) + 1
            out.append(FactCellSource(
                project_id=pid, fiscal_year=year, fact=fact, funding_source=source,
                indicator_id=iid, field=column, part=part, page=b.page, x0=b.x0, top=b.top,
                x1=b.x1, bottom=b.bottom, printed=getattr(raw, k), document_id=doc_id))

    loaded = {f.funding_source for f in funding}
    parts: dict = {}
    seen: set[str] = set()
    for f in r.funding:
        source = funding_source(f.source)
        if source not in loaded or (source in seen and source not in SUMMED_SOURCES):
            continue  # not loaded (unknown or repeated source: a finding says so)
        seen.add(source)
        add("fact_project_funding", f, FUNDING_SOURCE_FIELDS, source=source, parts=parts)
    for ind, res in zip(r.indicators, results, strict=True):
        add("fact_indicator_result", ind, INDICATOR_SOURCE_FIELDS, iid=res.indicator_id)
    add("fact_project_evaluation", r, EVALUATION_SOURCE_FIELDS)
    return tuple(out)


def _ocr_marked(r: RawReport, ctx: _Ctx, funding: tuple[FactProjectFunding, ...],
                results: tuple[FactIndicatorResult, ...], evaluation: FactProjectEvaluation):
    """A report read by OCR: each fact marked with its confidence, and the OCR cross-checks
    (:mod:`transform.ocr_checks`) added to the findings."""
    def rows_of(fact: FactProjectFunding) -> list:
        """The printed rows a funding fact was made of (one, or the rows summed)."""
        labels = {_squash(t) for t in fact.source_text.split(SUMMED_LABEL_JOIN)}
        return [x for x in r.funding if _squash(x.source) in labels]

    # each row's confidence from its own cells, found by the boxes of its values
    funding = tuple(replace(f, ocr=True, ocr_confidence=row_confidence(
        r, [b for x in rows_of(f) for b in row_boxes(x)])) for f in funding)
    results = tuple(replace(x, ocr=True, ocr_confidence=row_confidence(r, row_boxes(ind)))
                    for x, ind in zip(results, r.indicators))
    found = ocr_findings(r, ctx.findings, file=ctx.file, document_id=ctx.document_id)
    ctx.findings.extend(found)
    status = "error" if any(f.severity == "error" for f in found) else evaluation.dq_status
    if status == "ok" and found:
        status = "warning"
    evaluation = replace(evaluation, ocr=True, ocr_confidence=row_confidence(r, ()),
                         dq_status=status)  # the report's: every cell
    return funding, results, evaluation


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _blank_results(r: RawReport, rs: RuleSet, ctx: _Ctx) -> bool:
    """Every indicator's 完成值 and 得分 left blank (some units submit the form unfilled): one
    error (the report is quarantined) instead of a missing_actual / missing_score per row."""
    if not r.indicators or not all(_blank(i.actual) and _blank(i.score) for i in r.indicators):
        return False
    n = len(r.indicators)
    total = "空白" if _blank(r.total_score) else f"「{r.total_score}」"
    ctx.add("blank_results",
            f"完成值和得分均未填写：{n} 个绩效指标中填写完成值的 0 个、填写得分的 0 个"
            f"（应为 {n} 个），{rs.total_label}得分{total}，无法复核评分，请补填后重新报送",
            page=r.pages[-1] if r.pages else None, printed=f"0/{n}", expected=f"{n}/{n}")
    return True


def funding_source(label: str | None) -> str | None:
    """A funding row label → ``total`` / ``appropriation`` / ``carryover`` / ``other``."""
    if not label:
        return None
    s = "".join(to_halfwidth(label).split())
    for word, source in FUNDING_SOURCE_LABELS.items():
        if word in s:
            return source
    return None


def _funding(r: RawReport, rs: RuleSet, ctx: _Ctx, pid: str, year: int | None, doc_id: str,
             blank: bool = False):
    by_source: dict[str, list[FactProjectFunding]] = {}
    total_weight = total_score = total_expected = None
    have_total = False
    try:
        money_factor(r.money_unit)
        unit = r.money_unit
    except UnreadableNumber:
        ctx.add("unknown_money_unit", f"项目资金的金额单位「{r.money_unit}」无法识别",
                printed=r.money_unit)
        unit = None
    for f in r.funding:
        source = funding_source(f.source)
        if source is None or (source in by_source and source not in SUMMED_SOURCES):
            ctx.add("unknown_funding_source",
                    f"资金来源「{f.source}」无法识别或重复，该行未载入", page=f.page,
                    printed=f.source)
            continue
        row = _funding_row(f, source, unit, rs, ctx, pid, year, doc_id, blank)
        if source == "total":
            have_total = True
            total_weight, total_score, total_expected = row.weight, row.score, row.expected_score
        by_source.setdefault(source, []).append(row)
    rows = [group[0] if len(group) == 1 else _summed(group) for group in by_source.values()]
    if not have_total:
        ctx.add("missing_funding", "缺少项目资金“年度资金总额”行，无法核对预算执行得分")
    return tuple(rows), total_weight, total_score, total_expected


def _add_money(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def _summed(rows: list[FactProjectFunding]) -> FactProjectFunding:
    """Rows of one source (:data:`SUMMED_SOURCES`) as one: amounts added, the execution rate
    recomputed from the sums; a printed rate is kept only when one row printed one (rates of
    different rows do not add up). Weight and score belong to the total row only."""
    first = rows[0]
    full_year = _add_money(x.budget_full_year for x in rows)
    executed = _add_money(x.executed for x in rows)
    rates = [x.execution_rate for x in rows if x.execution_rate is not None]
    return replace(
        first,
        source_text=SUMMED_LABEL_JOIN.join(x.source_text for x in rows),
        budget_initial=_add_money(x.budget_initial for x in rows),
        budget_full_year=full_year, executed=executed,
        execution_rate=rates[0] if len(rates) == 1 else None,
        computed_execution_rate=execution_rate(executed, full_year),
    )


def _funding_row(f: RawFundingRow, source: str, unit: str | None, rs: RuleSet, ctx: _Ctx,
                 pid: str, year: int | None, doc_id: str,
                 blank: bool = False) -> FactProjectFunding:
    page = f.page or ctx.page
    label = f.source or source

    def amount(text: str | None, what: str) -> Decimal | None:
        if unit is None:
            return None
        return ctx.number(text, f"{label} {what}", page=page,
                          parse=lambda t: parse_amount(t, unit))

    initial = amount(f.budget_initial, "年初预算数")
    full_year = amount(f.budget_full_year, "全年预算数")
    executed = amount(f.executed, "全年执行数")
    rate = ctx.number(f.execution_rate, f"{label} 执行率", page=page, parse=parse_percent)
    computed = execution_rate(executed, full_year)
    weight = score = expected = None
    follows_printed = False
    tol = rs.tolerance

    rate_off = rate is not None and computed is not None and not within(rate, computed, tol)
    if source == "total":
        weight = ctx.number(f.weight, "预算执行率分值", page=page)
        score = ctx.number(f.score, "预算执行率得分", page=page)
        if weight is None and not _unreadable(f.weight):
            ctx.add("missing_weight", "预算执行率缺少分值", page=page)
        elif (weight is not None and rs.execution.expected_weight is not None
              and weight != rs.execution.expected_weight):
            ctx.add("execution_weight_unexpected",
                    f"预算执行率分值 {fmt(weight)} ≠ 规则集 {rs.name} 的 "
                    f"{fmt(rs.execution.expected_weight)}", page=page, printed=weight,
                    expected=rs.execution.expected_weight)
        if score is None and not _unreadable(f.score) and not blank:
            ctx.add("missing_score", "预算执行率缺少得分", page=page)
        es = score_execution(computed if computed is not None else rate, weight, score, rs)
        expected = es.expected_score
        on_printed = score_execution(rate, weight, score, rs) if rate_off else None
        follows_printed = on_printed is not None and score is not None and any(
            within(score, c, tol) for c in on_printed.candidates)
        if score is not None and weight is not None and score > weight:
            ctx.add("score_above_weight",
                    f"预算执行率得分 {fmt(score)} 高于分值 {fmt(weight)}", page=page,
                    printed=score, expected=weight)
        elif score is not None and expected is not None and not any(
                within(score, c, tol) for c in es.candidates):
            if not follows_printed:  # else: reported once, with the rate below
                ctx.add("funding_score_mismatch",
                        f"预算执行率得分 {fmt(score)} ≠ 按规则应得 {fmt(expected)}"
                        f"（执行率 {fmt(es.rate)}% × 分值 {fmt(weight)}）", page=page,
                        printed=score, expected=expected)
    if rate_off:
        msg = (f"{label} 执行率 {fmt(rate)}% ≠ 全年执行数/全年预算数 "
               f"{fmt(money(executed))}/{fmt(money(full_year))} = {fmt(computed)}%")
        if follows_printed and not within(score, expected, tol):
            msg += f"；得分 {fmt(score)} 按打印的执行率计算，按实际执行率应得 {fmt(expected)}"
        ctx.add("execution_rate_mismatch", msg, page=page, printed=rate, expected=computed)
    return FactProjectFunding(
        project_id=pid, fiscal_year=year, funding_source=source, source_text=label,
        budget_initial=money(initial), budget_full_year=money(full_year),
        executed=money(executed), execution_rate=rate, computed_execution_rate=computed,
        weight=weight, score=score, expected_score=expected,
        document_id=doc_id, page=page,
    )


def _indicators(r: RawReport, rs: RuleSet, ctx: _Ctx, ident: IdentityMap, pid: str,
                year: int | None, doc_id: str, blank: bool = False):
    if not r.indicators:
        ctx.add("missing_indicators", "没有绩效指标行")
    keys = indicator_keys(IndicatorSeen(i.level1, i.level2, i.level3) for i in r.indicators)
    dims: list[DimIndicator] = []
    results: list[FactIndicatorResult] = []
    for pos, (ind, (l1, nkey)) in enumerate(zip(r.indicators, keys, strict=True), start=1):
        iid = ident.indicator_id(pid, l1, nkey)
        dims.append(DimIndicator(iid, pid, ind.level1, ind.level2, ind.level3 or ""))
        results.append(_indicator(ind, pos, iid, rs, ctx, pid, year, doc_id, blank))
    return tuple(dims), tuple(results)


def _indicator(ind: RawIndicator, pos: int, iid: str, rs: RuleSet, ctx: _Ctx, pid: str,
               year: int | None, doc_id: str, blank: bool = False) -> FactIndicatorResult:
    page = ind.page or ctx.page
    name = ind.level3 or f"第 {pos} 行"
    where = {"page": page, "indicator": ind.level3}
    target = parse_target(ind.target, operator=ind.target_operator, unit=ind.target_unit)
    actual = parse_actual(ind.actual, unit=ind.target_unit)
    weight = ctx.number(ind.weight, f"指标「{name}」分值", **where)
    score = ctx.number(ind.score, f"指标「{name}」得分", **where)
    if weight is None and not _unreadable(ind.weight):
        ctx.add("missing_weight", f"指标「{name}」缺少分值", **where)
    if score is None and not _unreadable(ind.score) and not blank:
        ctx.add("missing_score", f"指标「{name}」缺少得分", **where)
    _parse_findings(ctx, name, target, actual if not blank else None, where)

    s = score_indicator(target, actual, weight, score, rs)
    tol = rs.tolerance
    if s.note == "unit_mismatch":
        ctx.add("unit_mismatch",
                f"指标「{name}」年度指标值单位 {target.unit} 与实际完成值单位 {actual.unit} "
                "不一致，无法比较", printed=actual.unit, expected=target.unit, **where)
    if score is not None and weight is not None and score > weight:
        ctx.add("score_above_weight", f"指标「{name}」得分 {fmt(score)} 高于分值 {fmt(weight)}",
                printed=score, expected=weight, **where)
    elif s.formula == "qualitative_band" and score is not None and s.band_low is not None:
        if not (s.band_low - tol <= score <= s.band_high + tol):  # type: ignore[operator]
            ctx.add("qualitative_score_out_of_band",
                    f"指标「{name}」实际完成值「{actual.text}」属“{s.band_label}”，得分应在 "
                    f"{fmt(s.band_low)}–{fmt(s.band_high)} 之间，实际得分 {fmt(score)}",
                    printed=score, expected=s.expected_score, **where)
    elif s.expected_score is not None and score is not None \
            and not within(score, s.expected_score, tol):
        ctx.add("indicator_score_mismatch",
                f"指标「{name}」得分 {fmt(score)} ≠ 按规则应得 {fmt(s.expected_score)}"
                f"（{_explain(target, actual, weight, s.formula)}）",
                printed=score, expected=s.expected_score, **where)

    return FactIndicatorResult(
        project_id=pid, fiscal_year=year, indicator_id=iid, position=pos,
        target_text=ind.target, target_kind=target.kind, target_operator=target.operator,
        target_low=target.low, target_high=target.high, target_unit=target.unit,
        target_unit_norm=target.unit_norm, target_qualifier=target.qualifier,
        actual_text=ind.actual, actual_kind=actual.kind,
        actual_value=actual.value if actual.is_number else None,
        actual_unit=actual.unit, actual_unit_norm=actual.unit_norm,
        achieved=s.achieved, weight=weight, score=score, expected_score=s.expected_score,
        scoring_formula=s.formula, deviation_reason=ind.deviation_reason,
        document_id=doc_id, page=page,
    )


def _unreadable(text: str | None) -> bool:
    """True when the cell holds text that is no number (already reported as unreadable)."""
    try:
        parse_decimal(text)
    except UnreadableNumber:
        return True
    return False


def _parse_findings(ctx: _Ctx, name: str, target: ParsedValue, actual: ParsedValue | None,
                    where: dict) -> None:
    """Unparsed or missing target and actual (``actual`` None: not checked, see blank_results)."""
    for value, label, what in ((target, "年度指标值", "target"), (actual, "实际完成值", "actual")):
        if value is None:
            continue
        if value.kind == "unparsed":
            ctx.add(f"unparsed_{what}",
                    f"指标「{name}」{label}「{value.text}」无法解析（{value.reason}）",
                    printed=value.text, **where)
        elif value.kind == "empty":
            ctx.add(f"missing_{what}", f"指标「{name}」缺少{label}", **where)


def _explain(target: ParsedValue, actual: ParsedValue, weight: Decimal | None,
             formula: str) -> str:
    a, t = fmt(actual.value), fmt(target.value)
    if formula == "higher_is_better":
        return f"实际 {a} / 目标 {t} × 分值 {fmt(weight)}"
    if formula == "zero_target":
        return f"目标 {target.operator}{t}，实际 {a}"
    if formula.startswith("lower_is_better"):
        return f"目标 {target.operator}{t}，实际 {a}，公式 {formula.split(':', 1)[1]}"
    return f"{formula}，目标 {target.text}，实际 {actual.text}"


def _evaluation(r: RawReport, rs: RuleSet, ctx: _Ctx, pid: str, year: int | None,
                doc_id: str, fund_weight: Decimal | None, fund_score: Decimal | None,
                fund_expected: Decimal | None,
                results: tuple[FactIndicatorResult, ...],
                blank: bool = False) -> FactProjectEvaluation:
    tol = rs.tolerance
    tl = rs.total_label  # 总分, or 合计 (Sichuan)
    last_page = r.pages[-1] if r.pages else None
    total_weight = ctx.number(r.total_weight, f"{tl}分值", page=last_page)
    total = ctx.number(r.total_score, tl, page=last_page)
    if total_weight is None and not _unreadable(r.total_weight):
        ctx.add("missing_total_weight", f"缺少{tl}分值", page=last_page)
    if total is None and not _unreadable(r.total_score) and not blank:
        ctx.add("missing_total", f"缺少{tl}（得分）", page=last_page)

    weights = [x.weight for x in results]
    scores = [x.score for x in results]
    if fund_weight is not None and all(w is not None for w in weights):
        sum_w = fund_weight + sum(weights)  # type: ignore[arg-type]
        if total_weight is not None and not within(total_weight, sum_w, tol):
            ctx.add("total_weight_mismatch",
                    f"{tl}分值 {fmt(total_weight)} ≠ 预算执行率分值 {fmt(fund_weight)} + "
                    f"各指标分值之和 {fmt(sum_w - fund_weight)} = {fmt(sum_w)}",
                    page=last_page, printed=total_weight, expected=sum_w)
        if not within(sum_w, rs.full_marks, tol):
            ctx.add("weights_not_100",
                    f"分值合计 {fmt(sum_w)}（预算执行率 {fmt(fund_weight)} + 指标 "
                    f"{fmt(sum_w - fund_weight)}）≠ {fmt(rs.full_marks)}",
                    page=last_page, printed=sum_w, expected=rs.full_marks)
    if fund_score is not None and total is not None and all(s is not None for s in scores):
        sum_s = fund_score + sum(scores)  # type: ignore[arg-type]
        if not within(total, sum_s, tol):
            ctx.add("total_not_sum",
                    f"{tl} {fmt(total)} ≠ 预算执行率得分 {fmt(fund_score)} + 各指标得分之和 "
                    f"{fmt(sum_s - fund_score)} = {fmt(sum_s)}",
                    page=last_page, printed=total, expected=sum_s)

    expected_parts = [x.expected_score for x in results]
    recomputed = None
    if fund_expected is not None and results and all(e is not None for e in expected_parts):
        recomputed = fund_expected + sum(expected_parts)  # type: ignore[arg-type]

    grade = normalize_grade(r.grade, rs)
    if _blank(r.grade):
        if rs.grade_printed:  # else the form has no grade row (Sichuan): nothing to report
            ctx.add("missing_grade", "缺少评分等级", page=last_page)
    elif grade is None:
        ctx.add("unreadable_grade", f"评分等级「{r.grade}」无法识别（应为 优/良/中/差）",
                page=last_page, printed=r.grade)
    # the band of the *printed* total (a missing total is its own, structural finding)
    expected_grade = grade_for(total, rs)
    if grade is not None and expected_grade is not None and grade != expected_grade:
        ctx.add("grade_mismatch",
                f"评分等级 {grade} ≠ {tl} {fmt(total)} 对应的等级 {expected_grade}",
                page=last_page, printed=grade, expected=expected_grade)
    recomputed_grade = grade_for(recomputed, rs)
    if (recomputed_grade is not None and expected_grade is not None and total is not None
            and recomputed_grade != expected_grade):
        ctx.add("recomputed_grade_differs",
                f"按规则重算{tl} {fmt(recomputed)}，对应等级 {recomputed_grade}；"
                f"打印{tl} {fmt(total)} 对应等级 {expected_grade}",
                page=last_page, printed=total, expected=recomputed)

    severities = {f.severity for f in ctx.findings}
    status = "error" if "error" in severities else "warning" if severities else "ok"
    return FactProjectEvaluation(
        project_id=pid, fiscal_year=year, total_weight=total_weight, total_score=total,
        recomputed_score=recomputed, grade=grade or r.grade, expected_grade=expected_grade,
        goal_expected=r.goal_expected, goal_actual=r.goal_actual, dq_status=status,
        rule_set=rs.name, document_id=doc_id, page=r.pages[0] if r.pages else None,
    )
