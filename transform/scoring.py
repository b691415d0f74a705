"""Scoring rules: THE one module that knows how a 自评表 should have been scored.

Rules differ between provinces, so they are data: a :class:`RuleSet` is a frozen value, the named
rule sets live in :data:`RULE_SETS`, and the caller chooses one by name (configuration; default
``shanghai``). The code below reads the rule set and never repeats its numbers.

``shanghai`` (DESIGN.md, as the 2023 闵行 reports apply it):

* 预算执行率 = 全年执行数 / 全年预算数 × 100 (2 decimals); score = weight × min(rate, 100) / 100,
  truncated or rounded to 2 decimals (either accepted);
* numeric, higher is better (``=``, ``>=``, ``>``): met → the weight, else
  round(weight × actual / target, 2); a target of 0 (``=0.00(起)``): actual 0 → the weight, else 0;
* numeric, lower is better (``<=``, ``<``): met → the weight, else the rule set's formula
  (default ``target_over_actual``: weight × target / actual); the formula name is kept on the row;
* qualitative verdicts: 达成 80–100 % of the weight, 部分达成 60–80 %, 未达成 below 60 %;
* grade: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 below; printed weights add up to 100; tolerance 0.01.

``sichuan`` (部门预算项目支出绩效自评表, e.g. 青神县 / 大英县 2023): the same arithmetic; the total row
is 合计 (100 points: 预算执行情况 10 + 绩效指标 90) and the form has no grade row, so a missing
grade is no finding (the expected grade is still computed from the bands).

Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType

from transform.numbers import round_half_up, truncate
from transform.targets import ParsedValue, normalize_text

# --------------------------------------------------------------------------------------------
# rule data types
# --------------------------------------------------------------------------------------------

#: rounding methods a rule set may name
ROUNDINGS: Mapping[str, Callable[[Decimal], Decimal]] = MappingProxyType(
    {"half_up": round_half_up, "truncate": truncate}
)


@dataclass(frozen=True, slots=True)
class ExecutionRule:
    """How the 预算执行率 is scored."""

    #: ``proportional`` (weight × rate / 100) or ``steps`` (a share of the weight per rate step)
    method: str = "proportional"
    #: accepted roundings of a proportional score; the first is used when nothing is printed
    roundings: tuple[str, ...] = ("truncate", "half_up")
    #: rate above which no more is earned (percent)
    cap_rate: Decimal = Decimal(100)
    #: ``steps``: (lowest rate in percent, share of the weight), highest step first
    steps: tuple[tuple[Decimal, Decimal], ...] = ()
    #: the execution weight this rule set expects printed (None: any)
    expected_weight: Decimal | None = None


@dataclass(frozen=True, slots=True)
class QualitativeBand:
    """Share of the weight an indicator with a worded verdict may score: low ≤ share ≤ high."""

    verdict: str  # achieved / partial / not_achieved
    label: str  # as the rules write it: 达成 / 部分达成 / 未达成
    low: Decimal
    high: Decimal


@dataclass(frozen=True, slots=True)
class GradeBand:
    """A grade and the lowest total that earns it."""

    grade: str
    min_score: Decimal


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A named set of scoring rules (frozen data)."""

    name: str
    description: str
    execution: ExecutionRule
    #: operators whose target is a floor (more is better) and a ceiling (less is better)
    higher_is_better: tuple[str, ...] = ("=", ">=", ">")
    lower_is_better: tuple[str, ...] = ("<=", "<")
    #: name of the formula for a missed lower-is-better target (see :data:`LOWER_FORMULAS`)
    lower_formula: str = "target_over_actual"
    #: rounding of a partial indicator score
    indicator_rounding: str = "half_up"
    qualitative_bands: tuple[QualitativeBand, ...] = ()
    grade_bands: tuple[GradeBand, ...] = ()
    #: what the weights of one table add up to (总分's 分值)
    full_marks: Decimal = Decimal(100)
    #: printed numbers are rounded to 2 decimals: differences up to this are accepted
    tolerance: Decimal = Decimal("0.01")
    #: how a printed grade may be spelled → the grade of :attr:`grade_bands`
    grade_spellings: Mapping[str, str] = field(default_factory=dict)
    #: the form prints a grade row (评分等级): its absence is the error ``missing_grade``; when
    #: False (Sichuan) the grade is only computed from :attr:`grade_bands`, a printed one checked
    grade_printed: bool = True
    #: what the form calls the row of the total (总分; Sichuan: 合计), used in messages
    total_label: str = "总分"


# --------------------------------------------------------------------------------------------
# the rule sets
# --------------------------------------------------------------------------------------------

_QUALITATIVE_BANDS = (
    QualitativeBand("achieved", "达成", Decimal("0.8"), Decimal(1)),
    QualitativeBand("partial", "部分达成", Decimal("0.6"), Decimal("0.8")),
    QualitativeBand("not_achieved", "未达成", Decimal(0), Decimal("0.6")),
)
_GRADE_BANDS = (
    GradeBand("优", Decimal(90)),
    GradeBand("良", Decimal(80)),
    GradeBand("中", Decimal(60)),
    GradeBand("差", Decimal(0)),
)
_GRADE_SPELLINGS = MappingProxyType({
    "优": "优", "优秀": "优", "良": "良", "良好": "良", "中": "中", "中等": "中", "一般": "中",
    "差": "差", "较差": "差",
})

SHANGHAI = RuleSet(
    name="shanghai",
    description="上海 (闵行 2023): 执行率 10 分 按比例, 截尾或四舍五入; 指标按完成比例; 等级 90/80/60",
    execution=ExecutionRule(expected_weight=Decimal(10)),
    qualitative_bands=_QUALITATIVE_BANDS,
    grade_bands=_GRADE_BANDS,
    grade_spellings=_GRADE_SPELLINGS,
)

HUBEI = replace(
    SHANGHAI,
    name="hubei",
    description="湖北: 预算执行率 20 分, 按比例四舍五入; 其余同 shanghai",
    execution=ExecutionRule(roundings=("half_up",), expected_weight=Decimal(20)),
)

JIANGXI = replace(
    SHANGHAI,
    name="jiangxi",
    description="江西: 执行率按档计分 (100% 满分, 80–100% 七成, 60–80% 五成, 以下 0); 其余同 shanghai",
    execution=ExecutionRule(
        method="steps",
        roundings=("half_up",),
        steps=(
            (Decimal(100), Decimal(1)),
            (Decimal(80), Decimal("0.7")),
            (Decimal(60), Decimal("0.5")),
            (Decimal(0), Decimal(0)),
        ),
        expected_weight=Decimal(10),
    ),
)

SICHUAN = replace(
    SHANGHAI,
    name="sichuan",
    description="四川 部门预算项目支出绩效自评表: 预算执行情况 10 分 按比例, 绩效指标 90 分, "
                "合计 100 分, 无评分等级行 (等级按 90/80/60 推算); 其余同 shanghai",
    execution=ExecutionRule(expected_weight=Decimal(10)),
    grade_printed=False,
    total_label="合计",
)

RULE_SETS: Mapping[str, RuleSet] = MappingProxyType(
    {r.name: r for r in (SHANGHAI, HUBEI, JIANGXI, SICHUAN)}
)
DEFAULT_RULE_SET = "shanghai"


def get_rule_set(rules: str | RuleSet | None = None) -> RuleSet:
    """A rule set by name (``None`` → :data:`DEFAULT_RULE_SET`); a :class:`RuleSet` passes through."""
    if isinstance(rules, RuleSet):
        return rules
    name = rules or DEFAULT_RULE_SET
    try:
        return RULE_SETS[name]
    except KeyError:
        known = ", ".join(sorted(RULE_SETS))
        raise KeyError(f"unknown rule set {name!r}; known: {known}") from None


# --------------------------------------------------------------------------------------------
# lower-is-better formulas (named, so the row can say which one was applied)
# --------------------------------------------------------------------------------------------

def _target_over_actual(weight: Decimal, target: Decimal, actual: Decimal) -> Decimal:
    return weight * target / actual if actual > 0 else Decimal(0)


def _linear_excess(weight: Decimal, target: Decimal, actual: Decimal) -> Decimal:
    if target <= 0:
        return Decimal(0)
    return max(Decimal(0), weight * (1 - (actual - target) / target))


def _zero(weight: Decimal, target: Decimal, actual: Decimal) -> Decimal:
    return Decimal(0)


#: weight, target, actual (actual beyond the target) → unrounded score
LOWER_FORMULAS: Mapping[str, Callable[[Decimal, Decimal, Decimal], Decimal]] = MappingProxyType({
    "target_over_actual": _target_over_actual,  # weight × target / actual
    "linear_excess": _linear_excess,  # weight × (1 − (actual − target) / target), not below 0
    "zero": _zero,  # nothing once the ceiling is passed
})


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IndicatorScore:
    """What the rules say about one indicator row."""

    achieved: bool | None
    expected_score: Decimal | None
    #: the rule applied: ``higher_is_better``, ``zero_target``, ``lower_is_better:<formula>``,
    #: ``range``, ``qualitative_band``, or ``not_scored`` (nothing to compare)
    formula: str
    #: qualitative verdicts: the interval of scores the band allows
    band_low: Decimal | None = None
    band_high: Decimal | None = None
    band_label: str | None = None
    #: why nothing could be computed (``not_scored``), or a note on the comparison
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ExecutionScore:
    """The expected score of the funding block's total row."""

    rate: Decimal | None  # the execution rate scored (percent)
    expected_score: Decimal | None
    candidates: tuple[Decimal, ...]  # every score the rule set accepts
    formula: str


# --------------------------------------------------------------------------------------------
# functions
# --------------------------------------------------------------------------------------------

def within(a: Decimal | None, b: Decimal | None, tolerance: Decimal) -> bool:
    """Both present and no further apart than ``tolerance``."""
    return a is not None and b is not None and abs(a - b) <= tolerance


def execution_rate(executed: Decimal | None, budget: Decimal | None) -> Decimal | None:
    """全年执行数 / 全年预算数 × 100, rounded to 2 decimals; ``None`` without a budget."""
    if executed is None or budget is None or budget == 0:
        return None
    return round_half_up(executed / budget * 100)


def score_execution(rate: Decimal | None, weight: Decimal | None, printed: Decimal | None,
                    rules: RuleSet) -> ExecutionScore:
    """Expected 得分 of the execution rate; the accepted candidate nearest ``printed`` is kept."""
    rule = rules.execution
    if rate is None or weight is None:
        return ExecutionScore(rate, None, (), rule.method)
    used = max(Decimal(0), min(rate, rule.cap_rate))
    if rule.method == "steps":
        share = next((s for lo, s in rule.steps if used >= lo), Decimal(0))
        raw = weight * share
    elif rule.method == "proportional":
        raw = weight * used / 100
    else:  # pragma: no cover - rule sets are data checked by tests
        raise ValueError(f"unknown execution method {rule.method!r}")
    candidates = tuple(dict.fromkeys(ROUNDINGS[r](raw) for r in rule.roundings))
    best = candidates[0]
    if printed is not None:
        best = min(candidates, key=lambda c: abs(c - printed))
    return ExecutionScore(used, best, candidates, rule.method)


def grade_for(total: Decimal | None, rules: RuleSet) -> str | None:
    """The grade band a total falls in (优 ≥ 90 …)."""
    if total is None:
        return None
    for band in rules.grade_bands:
        if total >= band.min_score:
            return band.grade
    return rules.grade_bands[-1].grade if rules.grade_bands else None


def normalize_grade(printed: str | None, rules: RuleSet) -> str | None:
    """A printed grade (``优``, ``优秀`` …) → the rule set's grade; unknown → ``None``."""
    if printed is None:
        return None
    return rules.grade_spellings.get(normalize_text(printed).replace(" ", ""))


def score_indicator(target: ParsedValue, actual: ParsedValue, weight: Decimal | None,
                    printed: Decimal | None, rules: RuleSet) -> IndicatorScore:
    """``achieved`` and the expected score of one indicator, by the rule set."""
    verdict = _verdict(target, actual)
    if verdict is not None:
        return _score_verdict(verdict, weight, printed, rules)
    if not actual.is_number or actual.value is None:
        return IndicatorScore(None, None, "not_scored",
                              note=f"actual of kind {actual.kind} against a {target.kind} target")
    if target.kind not in ("numeric", "range") or target.value is None:
        return IndicatorScore(None, None, "not_scored",
                              note=f"numeric actual against a {target.kind} target")
    if target.unit_norm and actual.unit_norm and target.unit_norm != actual.unit_norm:
        return IndicatorScore(None, None, "not_scored", note="unit_mismatch")
    a = actual.value * actual.unit_factor
    if target.kind == "range":
        return _score_range(target, a, weight, rules)
    return _score_numeric(target, a, weight, rules)


def _verdict(target: ParsedValue, actual: ParsedValue) -> str | None:
    if actual.verdict is not None:
        return actual.verdict
    if (actual.kind in ("qualitative", "period") and target.text is not None
            and actual.text is not None
            and normalize_text(actual.text) == normalize_text(target.text)):
        return "achieved"  # the actual restates the target (及时 → 及时)
    return None


def _score_verdict(verdict: str, weight: Decimal | None, printed: Decimal | None,
                   rules: RuleSet) -> IndicatorScore:
    band = next((b for b in rules.qualitative_bands if b.verdict == verdict), None)
    achieved = verdict == "achieved"
    if band is None or weight is None:
        return IndicatorScore(achieved, None, "qualitative_band")
    rnd = ROUNDINGS[rules.indicator_rounding]
    low, high = rnd(weight * band.low), rnd(weight * band.high)
    expected = None if printed is None else min(max(printed, low), high)
    return IndicatorScore(achieved, expected, "qualitative_band", low, high, band.label)


def _score_numeric(target: ParsedValue, a: Decimal, weight: Decimal | None,
                   rules: RuleSet) -> IndicatorScore:
    op = target.operator or "="
    t = target.value * target.unit_factor  # type: ignore[operator]
    rnd = ROUNDINGS[rules.indicator_rounding]
    if op in rules.lower_is_better:
        achieved = a < t if op == "<" else a <= t
        formula = f"lower_is_better:{rules.lower_formula}"
        if weight is None:
            return IndicatorScore(achieved, None, formula)
        if achieved:
            return IndicatorScore(True, rnd(weight), formula)
        if t == 0:
            return IndicatorScore(False, rnd(Decimal(0)), formula)
        return IndicatorScore(False, rnd(LOWER_FORMULAS[rules.lower_formula](weight, t, a)),
                              formula)
    # higher is better
    achieved = a > t if op == ">" else a >= t
    if t == 0:
        achieved = a == 0 if op == "=" else achieved
        if weight is None:
            return IndicatorScore(achieved, None, "zero_target")
        return IndicatorScore(achieved, rnd(weight if achieved else Decimal(0)), "zero_target")
    if weight is None:
        return IndicatorScore(achieved, None, "higher_is_better")
    if achieved or a >= t:
        return IndicatorScore(achieved, rnd(weight), "higher_is_better")
    share = max(Decimal(0), a / t)
    return IndicatorScore(False, rnd(weight * share), "higher_is_better")


def _score_range(target: ParsedValue, a: Decimal, weight: Decimal | None,
                 rules: RuleSet) -> IndicatorScore:
    lo = target.low * target.unit_factor  # type: ignore[operator]
    hi = target.high * target.unit_factor  # type: ignore[operator]
    achieved = lo <= a <= hi
    if weight is None:
        return IndicatorScore(achieved, None, "range")
    rnd = ROUNDINGS[rules.indicator_rounding]
    if a >= lo:
        return IndicatorScore(achieved, rnd(weight), "range")
    share = max(Decimal(0), a / lo) if lo > 0 else Decimal(0)
    return IndicatorScore(False, rnd(weight * share), "range")
