"""Property tests: targets generated in every printed form parse back to what was generated.

Forms: every operator spelling of the grammar's tables (ASCII, mathematical, full-width, worded,
before or after the number) × spacing × number format (plain, thousands separators, decimals,
full-width digits) × unit placement (parentheses, full-width parentheses, glued, apart, none).
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from transform.targets import (
    KINDS,
    PREFIX_OPERATORS,
    RANGE_SEPARATORS,
    SUFFIX_OPERATORS,
    UNIT_BY_PRINTED,
    UNITS,
    is_known_unit,
    parse_actual,
    parse_target,
)

FULLWIDTH_DIGITS = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
#: ASCII operators also printed in their full-width form
FULLWIDTH_OPS = {">=": "＞＝", "<=": "＜＝", ">": "＞", "<": "＜", "=": "＝"}
SPACES = ("", " ", "\u3000")
#: 月 / 年 printed bare after a number read as a date (9月), so they need an operator
CALENDAR_UNITS = {"月", "年", "日"}

prefix_ops = st.sampled_from(sorted(PREFIX_OPERATORS.items())).flatmap(
    lambda kv: st.sampled_from([kv] + ([(FULLWIDTH_OPS[kv[0]], kv[1])]
                                       if kv[0] in FULLWIDTH_OPS else []))
)
suffix_ops = st.sampled_from(sorted(SUFFIX_OPERATORS.items()))
units = st.sampled_from(UNITS)
placements = st.sampled_from(["parens", "fullwidth_parens", "glued", "apart", "none"])


@st.composite
def numbers(draw) -> tuple[str, Decimal]:
    """A printed non-negative number and its value."""
    whole = draw(st.integers(min_value=0, max_value=10_000_000))
    places = draw(st.sampled_from([0, 1, 2]))
    frac = draw(st.integers(min_value=0, max_value=10 ** places - 1)) if places else 0
    grouped = draw(st.booleans()) and whole >= 1000
    text = f"{whole:,}" if grouped else str(whole)
    if places:
        text += "." + str(frac).zfill(places)
    value = Decimal(text.replace(",", ""))
    if draw(st.booleans()):
        text = text.translate(FULLWIDTH_DIGITS)
    return text, value


def place_unit(unit: str, placement: str, sp: str) -> str:
    return {
        "parens": f"{sp}({unit})",
        "fullwidth_parens": f"{sp}（{unit}）",
        "glued": unit,
        "apart": f" {unit}",
        "none": "",
    }[placement]


@settings(max_examples=400, deadline=None)
@given(op=st.one_of(st.none(), prefix_ops, suffix_ops.map(lambda kv: ("suffix", *kv))),
       num=numbers(), unit=units, placement=placements,
       sp1=st.sampled_from(SPACES), sp2=st.sampled_from(SPACES))
def test_generated_numeric_targets_parse(op, num, unit, placement, sp1, sp2):
    num_text, value = num
    unit_text = place_unit(unit.printed, placement, sp2)
    if op is None:
        assume(not (placement != "none" and unit.printed in CALENDAR_UNITS))
        text, canonical = f"{num_text}{unit_text}", "="
    elif op[0] == "suffix":
        _, printed, canonical = op
        text = f"{num_text}{unit_text}{sp1}{printed}"
    else:
        printed, canonical = op
        text = f"{printed}{sp1}{num_text}{unit_text}"

    p = parse_target(text)

    assert p.kind == "numeric", (text, p)
    assert p.operator == canonical, text
    assert p.value == value, text
    if canonical in (">=", ">"):
        assert (p.low, p.high) == (value, None)
    elif canonical in ("<=", "<"):
        assert (p.low, p.high) == (None, value)
    else:
        assert p.low == p.high == value
    if placement == "none":
        assert p.unit is None
    else:
        assert p.unit == unit.printed, text
        assert p.unit_norm == unit.normalized
        assert p.unit_factor == unit.factor


@settings(max_examples=200, deadline=None)
@given(num=numbers(), unit=units, placement=placements, sp=st.sampled_from(SPACES))
def test_generated_actuals_parse(num, unit, placement, sp):
    num_text, value = num
    assume(not (placement != "none" and unit.printed in CALENDAR_UNITS))
    text = f"{num_text}{place_unit(unit.printed, placement, sp)}"
    p = parse_actual(text)
    assert p.kind == "numeric", (text, p)
    assert p.operator is None
    assert p.low == p.high == value
    assert p.unit == (None if placement == "none" else unit.printed)


@settings(max_examples=200, deadline=None)
@given(lo=st.integers(min_value=0, max_value=99_999), span=st.integers(min_value=0, max_value=9_999),
       sep=st.sampled_from(RANGE_SEPARATORS), unit=units,
       placement=st.sampled_from(["parens", "glued", "none"]),
       approx=st.sampled_from(["", "约", "大约"]), sp=st.sampled_from(["", " "]))
def test_generated_ranges_parse(lo, span, sep, unit, placement, approx, sp):
    assume(unit.printed not in CALENDAR_UNITS)
    hi = lo + span
    text = f"{approx}{lo}{sp}{sep}{sp}{hi}{place_unit(unit.printed, placement, '')}"
    p = parse_target(text)
    assert p.kind == "range", (text, p)
    assert (p.low, p.high) == (Decimal(lo), Decimal(hi))
    assert p.unit == (None if placement == "none" else unit.printed)
    assert p.qualifier == (approx or None)


QUALITATIVE = ["及时", "提升", "改善", "健全", "建立健全", "符合标准", "零投诉", "契合", "顺利完成",
               "有效", "规范", "明显提升", "持续改善", "稳步提高"]
PERIODS = ["每月", "每季度", "每年", "按月发放", "按季度", "年底前", "节日前", "上半年", "下半年",
           "当天", "半个月内", "3个工作日内完成"]


@settings(deadline=None)
@given(word=st.sampled_from(QUALITATIVE), sp=st.sampled_from(SPACES))
def test_qualitative_words(word, sp):
    assert parse_target(f"{sp}{word}{sp}").kind == "qualitative"


@settings(deadline=None)
@given(month=st.integers(min_value=1, max_value=12), span=st.integers(min_value=0, max_value=3),
       tail=st.sampled_from(["", "底前", "前", "份", "中旬"]))
def test_calendar_periods(month, span, tail):
    end = min(12, month + span)
    text = f"{month}-{end}月{tail}" if end != month else f"{month}月{tail}"
    assert parse_target(text).kind == "period", text


@settings(deadline=None)
@given(word=st.sampled_from(PERIODS))
def test_period_words(word):
    assert parse_target(word).kind == "period"


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(st.none(), st.text(max_size=30),
                      st.text(alphabet="≥≤<>=＞＜％%()（）0123456789.,-~至约以上内名人次个元万", max_size=15)))
def test_never_raises(text):
    for p in (parse_target(text), parse_actual(text)):
        assert p.kind in KINDS
        if p.kind == "unparsed":
            assert p.reason
        if p.kind in ("numeric", "range"):
            assert p.low is not None or p.high is not None


#: parts of compound units: table units without a slash of their own (``人/次`` is a whole
#: entry); calendar words are fine as parts, a compound is never a whole-cell date
simple_units = st.sampled_from([u for u in UNITS if "/" not in u.printed])
compound_units = st.tuples(simple_units, simple_units, st.sampled_from(["/", "／"])).filter(
    lambda t: f"{t[0].printed}/{t[1].printed}" not in UNIT_BY_PRINTED)


@settings(max_examples=300, deadline=None)
@given(op=st.one_of(st.none(), prefix_ops), num=numbers(), cu=compound_units,
       placement=st.sampled_from(["parens", "fullwidth_parens", "glued", "apart"]),
       sp=st.sampled_from(SPACES))
def test_generated_compound_units_parse(op, num, cu, placement, sp):
    """``≥500元/户``, ``300 (人次/月)``: every pair of table units, normalized part by part."""
    num_text, value = num
    a, b, slash = cu
    text = f"{op[0] if op else ''}{sp}{num_text}{place_unit(f'{a.printed}{slash}{b.printed}', placement, sp)}"
    p = parse_target(text)
    assert p.kind == "numeric", (text, p)
    assert p.value == value, text
    assert p.operator == (op[1] if op else "="), text
    assert p.unit == f"{a.printed}/{b.printed}", text
    assert p.unit_norm == f"{a.normalized}/{b.normalized}", text
    assert p.unit_factor == a.factor / b.factor, text
    assert is_known_unit(p.unit_norm), text
