"""The target grammar: 年度指标值 (targets) and 实际完成值 (actuals) → :class:`ParsedValue`.

This is THE one module of the grammar. Operator spellings, units, period markers, verdict words
and placeholders are data tables below; the regular expressions are built from them, so a new
spelling is a data edit. Pure functions, no I/O; :func:`parse_target` and :func:`parse_actual`
never raise: an unknown form comes back as kind ``unparsed`` with a ``reason``.

Kinds
    ``numeric``      operator, number, unit: ``≥85.00(%)``, ``≥ 4500.00(名)``, ``≤90万元``,
                     ``不低于90%``, ``85%以上``, ``3天以内``, a bare ``90%`` (target: read as ``=``)
    ``range``        two numbers: ``约100-200人/场``, ``每月1-2次``
    ``qualitative``  words: ``及时``, ``提升``, ``健全``, ``零投诉``; actuals ``达成指标``, ``部分达成``
    ``period``       a time or deadline: ``每月``, ``每季度``, ``7-8月``, ``节日前``, ``12月底前``
    ``unparsed``     nothing above (a data-quality warning downstream), e.g. ``≥abc``, ``……``
    ``empty``        blank or absent cell

Bounds: ``low``/``high`` are the bounds the target sets, in the printed unit: ``≥85`` → low 85;
``≤3`` → high 3; ``=100`` → low = high = 100; a range → both. For an actual, low = high = the
value. ``unit`` is the unit as printed, ``unit_norm`` the normalized one (``名`` → ``人``,
``人/次`` → ``人次``, ``百分比`` → ``%``, ``元`` → ``万元``; compounds part by part: ``元/户`` →
``万元/户``), ``unit_factor`` converts a value in the printed unit into ``unit_norm`` (``元`` →
0.0001), so that targets and actuals printed in different units compare.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from types import MappingProxyType

from transform.numbers import NUMBER_RE, decimal_from_match, to_halfwidth

# --------------------------------------------------------------------------------------------
# data: kinds and operators
# --------------------------------------------------------------------------------------------

KINDS = ("numeric", "range", "qualitative", "period", "unparsed", "empty")
#: canonical operators; the first three are "higher is better" in scoring
OPERATORS = ("=", ">=", ">", "<=", "<")

#: operator printed before the number → canonical operator (ASCII, mathematical, full-width after
#: half-width folding, worded). Full-width ＞＝＜ fold to ASCII before matching.
PREFIX_OPERATORS = MappingProxyType({
    ">=": ">=", "≥": ">=", "≧": ">=", "⩾": ">=",
    "大于等于": ">=", "大于或等于": ">=", "不低于": ">=", "不少于": ">=", "不小于": ">=",
    "至少": ">=", "达到": ">=",
    "<=": "<=", "≤": "<=", "≦": "<=", "⩽": "<=",
    "小于等于": "<=", "小于或等于": "<=", "不高于": "<=", "不超过": "<=", "不多于": "<=",
    "不大于": "<=", "至多": "<=", "最多": "<=", "控制在": "<=",
    ">": ">", "大于": ">", "高于": ">", "多于": ">", "超过": ">",
    "<": "<", "小于": "<", "低于": "<", "少于": "<",
    "=": "=", "等于": "=",
})

#: operator printed after the number (and its unit): ``85%以上``, ``3天以内``. In Chinese usage
#: 以上 / 以下 / 以内 include the number itself.
SUFFIX_OPERATORS = MappingProxyType({
    "以上": ">=", "及以上": ">=", "或以上": ">=",
    "以下": "<=", "及以下": "<=", "或以下": "<=", "以内": "<=", "之内": "<=", "内": "<=",
})

#: 指标性质 printed in a column of its own (Sichuan layout; ``RawIndicator.target_operator``)
COLUMN_OPERATORS = MappingProxyType({
    **PREFIX_OPERATORS,
    "正向": ">=", "正向指标": ">=", "反向": "<=", "反向指标": "<=",
    "定量": None, "定性": None,  # kind given by the value itself
})

#: words that make a value approximate (kept as ``qualifier``)
APPROX_PREFIXES = ("约", "大约", "约为")
APPROX_SUFFIXES = ("左右",)
#: a frequency printed before the number: ``每月1-2次`` (kept as ``qualifier``)
PER_PREFIXES = ("每天", "每日", "每周", "每月", "每季度", "每季", "每半年", "每年", "每场", "每次")
#: between the two numbers of a range
RANGE_SEPARATORS = ("-", "~", "至", "到", "—", "–", "―")


# --------------------------------------------------------------------------------------------
# data: units
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Unit:
    """One printed unit, its normalized form and the factor from printed to normalized."""

    printed: str
    normalized: str
    factor: Decimal = Decimal(1)


UNITS: tuple[Unit, ...] = (
    Unit("%", "%"), Unit("百分比", "%"), Unit("百分率", "%"), Unit("‰", "‰"),
    Unit("百分点", "百分点"),
    Unit("名", "人"), Unit("人", "人"), Unit("位", "人"), Unit("万人", "人", Decimal(10000)),
    Unit("人次", "人次"), Unit("人/次", "人次"), Unit("名/次", "人次"),
    Unit("万人次", "人次", Decimal(10000)),
    Unit("名/天", "人/天"), Unit("人/天", "人/天"), Unit("人/场", "人/场"), Unit("名/场", "人/场"),
    Unit("家", "家"), Unit("个", "个"), Unit("项", "项"), Unit("次", "次"), Unit("场", "场"),
    Unit("场次", "场"), Unit("户", "户"), Unit("起", "起"), Unit("件", "件"), Unit("分", "分"),
    Unit("份", "份"), Unit("篇", "篇"), Unit("期", "期"), Unit("批", "批"), Unit("所", "所"),
    Unit("台", "台"), Unit("套", "套"), Unit("条", "条"), Unit("册", "册"), Unit("本", "本"),
    Unit("课时", "课时"), Unit("学时", "学时"), Unit("小时", "小时"),
    Unit("天", "天"), Unit("日", "天"), Unit("工作日", "工作日"), Unit("个工作日", "工作日"),
    Unit("周", "周"), Unit("月", "月"), Unit("个月", "月"), Unit("年", "年"),
    Unit("万元", "万元"), Unit("元", "万元", Decimal("0.0001")), Unit("千元", "万元", Decimal("0.1")),
    Unit("亿元", "万元", Decimal(10000)),
    Unit("平方米", "平方米"), Unit("公里", "公里"), Unit("吨", "吨"),
)
UNIT_BY_PRINTED = MappingProxyType({u.printed: u for u in UNITS})
#: every normalized unit of the table (the known simple units)
KNOWN_UNITS = frozenset(u.normalized for u in UNITS)

#: compound units: ``numerator/denominator`` (``元/户``, ``人/场``, ``次/年``, ``人次/月``), each
#: part a unit of :data:`UNITS`; the separators below (``／`` folds to ``/``) and at most this
#: many denominators (``元/人/年``). A compound normalizes part by part and its factor is the
#: numerator's over the denominators' (``元/户`` → ``万元/户`` × 0.0001). A whole-string entry of
#: :data:`UNITS` wins (``人/次`` → ``人次``).
COMPOUND_SEPARATORS = ("/",)
COMPOUND_MAX_DENOMINATORS = 2


# --------------------------------------------------------------------------------------------
# data: verdicts, periods, placeholders
# --------------------------------------------------------------------------------------------

#: actual printed as a verdict → ``achieved`` / ``partial`` / ``not_achieved``
VERDICTS = MappingProxyType({
    "达成指标": "achieved", "达成预期指标": "achieved", "达成目标": "achieved",
    "达成预期目标": "achieved", "达成": "achieved", "已达成": "achieved", "完成": "achieved",
    "已完成": "achieved", "全部完成": "achieved", "全部达成": "achieved", "达到": "achieved",
    "已达到": "achieved", "达标": "achieved", "是": "achieved",
    "部分达成": "partial", "部分达成指标": "partial", "基本达成": "partial",
    "部分完成": "partial", "基本完成": "partial", "部分达到": "partial",
    "未达成": "not_achieved", "未达成指标": "not_achieved", "未完成": "not_achieved",
    "未达到": "not_achieved", "未达标": "not_achieved", "否": "not_achieved",
})

#: whole-cell calendar forms (checked before numbers, so ``7-8月`` is a period, not a range)
CALENDAR_PATTERNS = (
    (r"(?:\d{4}年)?\d{1,2}(?:\s*[-~至到、和]\s*\d{1,2})*\s*月份?(?:\d{1,2}日)?"
     r"(?:初|中|底|末|上旬|中旬|下旬)?(?:前|内|后|之前|以前|完成|发放)?"),
    r"\d{4}年度?(?:初|中|底|末|内)?(?:前|之前)?",
)

#: a period marker anywhere in the text makes it a period (once it is not a number or range)
PERIOD_MARKERS = (
    r"每(?:日|天|周|星期|旬|月|季度|季|半年|年|学期)",
    r"按(?:日|天|周|旬|月|季度|季|半年|年)",
    r"年底|年末|年初|年中|年内|上半年|下半年|全年|季度|季末|月底|月末|月初|旬",
    r"节(?:日|假日)?前|(?:春节|元旦|端午|中秋|国庆)(?:前|期间)",
    r"当天|当日|次日|即时",
    r"半个?月",
    r"\d+\s*个?(?:工作日|日|天|周|月)内",
    r"(?<![\d.])\d{1,2}(?:\s*-\s*\d{1,2})?\s*月(?:份|底|初|末)?",
)

#: template text or placeholders left in a cell: never a target
PLACEHOLDER_PATTERNS = (
    r"指标\s*\d*\s*[:：]?",
    r"[.。…·_\-—~]+",
    r"(?:请)?填写.*|例如.*|如[:：].*|xx+|XX+|\?+",
)

#: trailing punctuation dropped before parsing
TRAILING_PUNCTUATION = "。.;；,，、"
#: notes that only repeat that a bound is inclusive (``≥90%(含)``): dropped before parsing
INCLUSIVE_NOTES = ("(含)", "(含本数)", "(含本级)")


# --------------------------------------------------------------------------------------------
# the parsed value
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ParsedValue:
    """A target or an actual, parsed. ``text`` is the cell as printed."""

    text: str | None
    kind: str
    operator: str | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    unit: str | None = None
    unit_norm: str | None = None
    unit_factor: Decimal = Decimal(1)
    qualifier: str | None = None  # 约 / 每月 … printed around the number
    verdict: str | None = None  # actuals: achieved / partial / not_achieved
    reason: str | None = None  # unparsed: why

    @property
    def value(self) -> Decimal | None:
        """The number of a numeric value (the bound its operator sets)."""
        return self.low if self.low is not None else self.high

    @property
    def is_number(self) -> bool:
        return self.kind in ("numeric", "range")


# --------------------------------------------------------------------------------------------
# regular expressions built from the tables
# --------------------------------------------------------------------------------------------

def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_PREFIX = _alt(PREFIX_OPERATORS)
_SUFFIX = _alt(SUFFIX_OPERATORS)
_APPROX_PRE = _alt(APPROX_PREFIXES)
_APPROX_SUF = _alt(APPROX_SUFFIXES)
_PER = _alt(PER_PREFIXES)
_SEP = _alt(RANGE_SEPARATORS)
_NUM = NUMBER_RE.pattern
_UNSIGNED = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
# a unit character: not a digit, space, bracket, sign or separator, and not the start of a
# suffix operator or approximation word (so ``85%以上`` leaves 以上 to the operator)
_UNIT_CHAR = (rf"(?:(?!{_SUFFIX}|{_APPROX_SUF})"
              r"[^\d\s()+\-=<>≤≥≦≧⩽⩾,;:、.~—–―至到])")
_GLUED = rf"{_UNIT_CHAR}{{1,12}}"  # 12: room for a compound (个工作日/个工作日)
_PAREN = r"\(\s*(?P<{name}>[^()]{{1,12}}?)\s*\)"

_NUMERIC_RE = re.compile(
    rf"^(?P<op>{_PREFIX})?\s*(?P<approx>{_APPROX_PRE})?\s*(?P<per>{_PER})?\s*"
    rf"(?P<num>{_NUM})\s*(?:{_PAREN.format(name='punit')}|(?P<gunit>{_GLUED}))?\s*"
    rf"(?P<sop>{_SUFFIX})?\s*(?P<approx2>{_APPROX_SUF})?$"
)
_RANGE_RE = re.compile(
    rf"^(?P<approx>{_APPROX_PRE})?\s*(?P<per>{_PER})?\s*"
    rf"(?P<lo>{_UNSIGNED})\s*(?:{_PAREN.format(name='punit1')}|(?P<gunit1>{_GLUED}))?\s*"
    rf"(?:{_SEP})\s*"
    rf"(?P<hi>{_UNSIGNED})\s*(?:{_PAREN.format(name='punit')}|(?P<gunit>{_GLUED}))?\s*"
    rf"(?P<approx2>{_APPROX_SUF})?$"
)
_CALENDAR_RE = tuple(re.compile(rf"^(?:{p})$") for p in CALENDAR_PATTERNS)
_PERIOD_RE = re.compile("|".join(f"(?:{p})" for p in PERIOD_MARKERS))
_PLACEHOLDER_RE = tuple(re.compile(rf"^(?:{p})$") for p in PLACEHOLDER_PATTERNS)
_COMPOUND_SPLIT = re.compile(_alt(COMPOUND_SEPARATORS))
_CJK = re.compile(r"[\u3400-\u9fff]")
_GLUED_UNKNOWN_OK = re.compile(r"^(?:[\u3400-\u9fff]|[A-Za-z]{1,4}|[\u3400-\u9fff]/[\u3400-\u9fff]{1,2})$")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_OPERATOR_SYMBOL = re.compile(r"[<>=≤≥≦≧⩽⩾%]")
_STARTS_WITH_SYMBOL = re.compile(r"^[<>=≤≥≦≧⩽⩾]")
_INCLUSIVE = re.compile("|".join(re.escape(n) for n in INCLUSIVE_NOTES))
# what is stripped before deciding whether a string "looks numeric" but broke the grammar
_NUMERIC_NOISE = re.compile(
    "|".join([_NUM, _PREFIX, _SUFFIX, _APPROX_PRE, _APPROX_SUF, _PER, _alt(UNIT_BY_PRINTED)])
)


# --------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------

def normalize_text(text: str) -> str:
    """Half-width folding, one space for any run of white space, trimmed, no trailing 。；."""
    s = _SPACES.sub(" ", to_halfwidth(text)).strip()
    s = _INCLUSIVE.sub("", s.replace("( ", "(").replace(" )", ")"))
    return s.rstrip(TRAILING_PUNCTUATION).strip()


def resolve_unit(printed: str | None, *, in_parens: bool = True) -> Unit | None:
    """A printed unit → :class:`Unit`; ``None`` when it is not acceptable as a unit.

    Known units come from :data:`UNITS`; ``a/b`` compounds normalize part by part; an unknown
    unit is kept as printed (its own normalized form) when it was printed in parentheses, or is
    one character (a measure word such as 台) or a short Latin symbol.
    """
    if printed is None:
        return None
    p = printed.strip()
    if not p:
        return None
    known = UNIT_BY_PRINTED.get(p)
    if known is not None:
        return known
    compound = _compound_unit(p)
    if compound is not None:
        return compound
    if in_parens or _GLUED_UNKNOWN_OK.match(p):
        return Unit(p, p)
    return None


def _compound_parts(p: str) -> list[str] | None:
    """``元/户`` → ``["元", "户"]``; None when ``p`` is no compound of the allowed shape."""
    parts = _COMPOUND_SPLIT.split(p)
    if not 2 <= len(parts) <= 1 + COMPOUND_MAX_DENOMINATORS:
        return None
    return [x.strip() for x in parts]


def _compound_unit(p: str) -> Unit | None:
    """A compound of known units (:data:`COMPOUND_SEPARATORS`), normalized part by part."""
    parts = _compound_parts(p)
    if parts is None:
        return None
    units = [UNIT_BY_PRINTED.get(x) for x in parts]
    if not all(units):
        return None
    factor = units[0].factor  # type: ignore[union-attr]
    for u in units[1:]:
        factor /= u.factor  # type: ignore[union-attr]
    return Unit(p, "/".join(u.normalized for u in units), factor)  # type: ignore[union-attr]


def is_known_unit(normalized: str | None) -> bool:
    """True for a normalized unit of the table or a compound of them (``万元/户``, ``次/年``);
    the data-quality check ``unknown_unit`` flags the others (units kept as printed)."""
    if not normalized:
        return False
    if normalized in KNOWN_UNITS:
        return True
    parts = _compound_parts(normalized)
    return parts is not None and all(x in KNOWN_UNITS for x in parts)


def parse_target(text: str | None, *, operator: str | None = None,
                 unit: str | None = None) -> ParsedValue:
    """Parse a 年度指标值. ``operator`` / ``unit``: the Sichuan-style 指标性质 / 度量单位 columns."""
    return _parse(text, role="target", operator_column=operator, unit_column=unit)


def parse_actual(text: str | None, *, unit: str | None = None) -> ParsedValue:
    """Parse a 实际完成值 (``100.00(%)``, ``3980.00(名)``, ``达成指标``, ``部分达成``)."""
    return _parse(text, role="actual", operator_column=None, unit_column=unit)


# --------------------------------------------------------------------------------------------
# the parser
# --------------------------------------------------------------------------------------------

def _unparsed(text: str | None, reason: str) -> ParsedValue:
    return ParsedValue(text=text, kind="unparsed", reason=reason)


def _bounds(op: str | None, value: Decimal) -> tuple[Decimal | None, Decimal | None]:
    if op in (">=", ">"):
        return value, None
    if op in ("<=", "<"):
        return None, value
    return value, value


def _unit_from(m: re.Match, paren: str, glued: str) -> tuple[Unit | None, bool]:
    """(unit, ok): the unit of a match; ok False when a glued word is no unit."""
    if m.group(paren) is not None:
        return resolve_unit(m.group(paren), in_parens=True), True
    if m.group(glued) is not None:
        u = resolve_unit(m.group(glued), in_parens=False)
        return u, u is not None
    return None, True


def _qualifier(m: re.Match) -> str | None:
    parts = [m.group(g) for g in ("approx", "per", "approx2") if m.group(g)]
    return "".join(parts) or None


def _with_unit(u: Unit | None) -> dict:
    if u is None:
        return {}
    return {"unit": u.printed, "unit_norm": u.normalized, "unit_factor": u.factor}


def _parse_numeric(s: str, text: str, role: str) -> ParsedValue | None:
    m = _NUMERIC_RE.match(s)
    if m is None:
        return None
    u, ok = _unit_from(m, "punit", "gunit")
    if not ok:
        return None
    pre = PREFIX_OPERATORS.get(m.group("op")) if m.group("op") else None
    post = SUFFIX_OPERATORS.get(m.group("sop")) if m.group("sop") else None
    if pre and post and pre != post:
        return _unparsed(text, f"conflicting operators {m.group('op')} … {m.group('sop')}")
    op = pre or post or ("=" if role == "target" else None)
    value = decimal_from_match(m.group("num"))
    low, high = _bounds(op, value)
    return ParsedValue(text=text, kind="numeric", operator=op, low=low, high=high,
                       qualifier=_qualifier(m), **_with_unit(u))


def _parse_range(s: str, text: str) -> ParsedValue | None:
    m = _RANGE_RE.match(s)
    if m is None:
        return None
    u1, ok1 = _unit_from(m, "punit1", "gunit1")
    u2, ok2 = _unit_from(m, "punit", "gunit")
    if not (ok1 and ok2):
        return None
    if u1 and u2 and u1.normalized != u2.normalized:
        return _unparsed(text, f"range with two units {u1.printed} / {u2.printed}")
    lo, hi = decimal_from_match(m.group("lo")), decimal_from_match(m.group("hi"))
    if lo > hi:
        return _unparsed(text, f"range low {lo} above high {hi}")
    return ParsedValue(text=text, kind="range", low=lo, high=hi, qualifier=_qualifier(m),
                       **_with_unit(u2 or u1))


def _looks_numeric(s: str) -> bool:
    """A number or operator with nothing but units and punctuation around it."""
    if not (_DIGIT.search(s) or _OPERATOR_SYMBOL.search(s)):
        return False
    rest = _NUMERIC_NOISE.sub("", s)
    return not _CJK.search(rest)


@functools.lru_cache(maxsize=1 << 16)
def _parse(text: str | None, *, role: str, operator_column: str | None,
           unit_column: str | None) -> ParsedValue:
    """(Cached: a pure function of printed text, and the same 指标值 recur across a night's
    reports; a :class:`ParsedValue` is immutable.)"""
    if text is None or not text.strip():
        return ParsedValue(text=text, kind="empty")
    s = normalize_text(text)
    if not s:
        return ParsedValue(text=text, kind="empty")
    if any(p.match(s) for p in _PLACEHOLDER_RE):
        return _unparsed(text, "placeholder or template text")

    compact = s.replace(" ", "")
    if compact in VERDICTS:
        return ParsedValue(text=text, kind="qualitative",
                           verdict=VERDICTS[compact] if role == "actual" else None)

    column_op: str | None = None
    if operator_column is not None and operator_column.strip():
        key = normalize_text(operator_column).replace(" ", "")
        if key not in COLUMN_OPERATORS:
            return _unparsed(text, f"unknown 指标性质 {operator_column!r}")
        column_op = COLUMN_OPERATORS[key]

    if any(p.match(compact) for p in _CALENDAR_RE):
        return ParsedValue(text=text, kind="period")

    parsed = _parse_numeric(s, text, role) or _parse_range(s, text)
    if parsed is not None:
        return _apply_columns(parsed, s, column_op, unit_column)
    if _looks_numeric(s):
        return _unparsed(text, "a number or operator that does not fit the grammar")
    if _STARTS_WITH_SYMBOL.match(s):
        return _unparsed(text, "an operator followed by words the grammar does not know")
    if _PERIOD_RE.search(s):
        return ParsedValue(text=text, kind="period")
    if _CJK.search(s):
        return ParsedValue(text=text, kind="qualitative")
    return _unparsed(text, "neither a number, a period nor words")


def _apply_columns(p: ParsedValue, s: str, column_op: str | None,
                   unit_column: str | None) -> ParsedValue:
    """Operator and unit printed in columns of their own (Sichuan) fill what the value lacks."""
    if p.kind == "numeric" and column_op is not None:
        printed_op = _NUMERIC_RE.match(s)
        explicit = printed_op is not None and (printed_op.group("op") or printed_op.group("sop"))
        if explicit and p.operator != column_op:
            return _unparsed(p.text, f"operator {p.operator} in the value, {column_op} in 指标性质")
        low, high = _bounds(column_op, p.value)  # type: ignore[arg-type]
        p = replace(p, operator=column_op, low=low, high=high)
    if p.unit is None and unit_column is not None and unit_column.strip():
        u = resolve_unit(normalize_text(unit_column), in_parens=True)
        if u is not None:
            p = replace(p, **_with_unit(u))
    return p
