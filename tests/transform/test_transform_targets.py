"""transform.targets: the grammar of 年度指标值 and 实际完成值, on small inline strings."""

from decimal import Decimal as D

import pytest

from transform.targets import (
    KINDS,
    OPERATORS,
    PREFIX_OPERATORS,
    SUFFIX_OPERATORS,
    UNITS,
    is_known_unit,
    parse_actual,
    parse_target,
    resolve_unit,
)

NUMERIC = [
    # printed, operator, low, high, unit, unit_norm
    ("=100.00(%)", "=", "100.00", "100.00", "%", "%"),
    ("≥85.00(%)", ">=", "85.00", None, "%", "%"),
    ("≥ 4500.00(名)", ">=", "4500.00", None, "名", "人"),
    (">=90%", ">=", "90", None, "%", "%"),
    ("≧85%", ">=", "85", None, "%", "%"),
    ("≦100%", "<=", None, "100", "%", "%"),
    ("＜3(起)", "<", None, "3", "起", "起"),
    ("＞3(起)", ">", "3", None, "起", "起"),
    ("＝5(家)", "=", "5", "5", "家", "家"),
    ("＞＝90％", ">=", "90", None, "%", "%"),
    ("≥50个", ">=", "50", None, "个", "个"),
    ("≤90万元", "<=", None, "90", "万元", "万元"),
    ("≥100百分比", ">=", "100", None, "百分比", "%"),
    ("90%", "=", "90", "90", "%", "%"),
    ("1", "=", "1", "1", None, None),
    ("不低于90%", ">=", "90", None, "%", "%"),
    ("不少于 50 人", ">=", "50", None, "人", "人"),
    ("不高于5%", "<=", None, "5", "%", "%"),
    ("不超过3天", "<=", None, "3", "天", "天"),
    ("85%以上", ">=", "85", None, "%", "%"),
    ("50人及以上", ">=", "50", None, "人", "人"),
    ("3天以内", "<=", None, "3", "天", "天"),
    ("5个工作日内", "<=", None, "5", "个工作日", "工作日"),
    ("达到95%", ">=", "95", None, "%", "%"),
    ("=0.00(起)", "=", "0.00", "0.00", "起", "起"),
    ("=240.00(人/次)", "=", "240.00", "240.00", "人/次", "人次"),
    ("=1.00(名/天)", "=", "1.00", "1.00", "名/天", "人/天"),
    ("≥ １２．５（％）", ">=", "12.5", None, "%", "%"),
    ("≥1,000名", ">=", "1000", None, "名", "人"),
    ("≥50台", ">=", "50", None, "台", "台"),
    ("≥50(套/年)", ">=", "50", None, "套/年", "套/年"),
    ("≥85.00(%)。", ">=", "85.00", None, "%", "%"),
    ("控制在5%以内", "<=", None, "5", "%", "%"),
    ("≥90%(含)", ">=", "90", None, "%", "%"),
    ("≥ 90 （含本数）", ">=", "90", None, None, None),
]


@pytest.mark.parametrize(("text", "op", "low", "high", "unit", "norm"), NUMERIC)
def test_numeric_targets(text, op, low, high, unit, norm):
    p = parse_target(text)
    assert p.kind == "numeric", p
    assert p.operator == op
    assert p.low == (D(low) if low else None)
    assert p.high == (D(high) if high else None)
    assert p.unit == unit
    assert p.unit_norm == norm
    assert p.text == text


def test_yuan_target_carries_factor_to_wanyuan():
    p = parse_target("≤1,000元")
    assert (p.high, p.unit, p.unit_norm, p.unit_factor) == (D(1000), "元", "万元", D("0.0001"))


def test_ten_thousand_people():
    p = parse_target("≥2万人次")
    assert (p.low, p.unit_norm, p.unit_factor) == (D(2), "人次", D(10000))


@pytest.mark.parametrize(("text", "low", "high", "unit", "qualifier"), [
    ("约100-200人/场", "100", "200", "人/场", "约"),
    ("每月1-2次", "1", "2", "次", "每月"),
    ("100至200人", "100", "200", "人", None),
    ("100人~200人", "100", "200", "人", None),
    ("80%-90%", "80", "90", "%", None),
    ("约100－200（人）左右", "100", "200", "人", "约左右"),
])
def test_ranges(text, low, high, unit, qualifier):
    p = parse_target(text)
    assert p.kind == "range", p
    assert (p.low, p.high, p.unit, p.qualifier) == (D(low), D(high), unit, qualifier)
    assert p.operator is None


@pytest.mark.parametrize("text", [
    "及时", "提升", "改善", "健全", "建立健全、执行有效", "符合标准", "零投诉", "契合",
    "顺利完成", "具备专业资格", "2万元慰问金，200份实物(每家)", "劳模或退休劳模", "提升12%",
])
def test_qualitative(text):
    assert parse_target(text).kind == "qualitative"


@pytest.mark.parametrize("text", [
    "每月", "每季度", "按月发放", "7-8月", "9月", "10月底前", "12月底前", "9-11月",
    "7-8月和年底前", "节日前", "年底前", "统计年鉴发布后半月内", "知晓后半个月内",
    "上半年策划,下半年开展", "及时(当天)", "工资每月，考核奖金12月前", "2023年12月底前",
    "第一季度",
])
def test_periods(text):
    assert parse_target(text).kind == "period"


@pytest.mark.parametrize(("text", "verdict"), [
    ("达成指标", "achieved"), ("达成预期指标", "achieved"), ("完成", "achieved"),
    ("部分达成", "partial"), ("基本完成", "partial"), ("未达成", "not_achieved"),
    (" 未完成。", "not_achieved"),
])
def test_actual_verdicts(text, verdict):
    p = parse_actual(text)
    assert (p.kind, p.verdict) == ("qualitative", verdict)


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("100.00(%)", "100.00", "%"), ("3980.00(名)", "3980.00", "名"), ("0.00(起)", "0.00", "起"),
    ("223.00(家)", "223.00", "家"), ("85", "85", None),
])
def test_numeric_actuals_have_no_operator(text, value, unit):
    p = parse_actual(text)
    assert p.kind == "numeric"
    assert p.operator is None
    assert p.low == p.high == p.value == D(value)
    assert p.unit == unit


@pytest.mark.parametrize("text", [
    "≥abc", "……", "指标2:", "指标1：", "≥", "==5", "不超过5%以上", "200-100人", "###", "xx",
    "请填写指标值", "≥5%%", "≥90%的满意度", "＞较上年",
])
def test_unknown_forms_are_unparsed_with_reason(text):
    p = parse_target(text)
    assert p.kind == "unparsed", p
    assert p.reason


@pytest.mark.parametrize("text", [None, "", "   ", "\u3000"])
def test_empty(text):
    assert parse_target(text).kind == "empty"
    assert parse_actual(text).kind == "empty"


def test_target_verdict_word_has_no_verdict():
    p = parse_target("完成")
    assert p.kind == "qualitative" and p.verdict is None


# Sichuan: 指标性质 | 指标值 | 度量单位 in columns of their own
@pytest.mark.parametrize(("value", "op_col", "unit_col", "op", "low", "high", "unit"), [
    ("95", "≥", "%", ">=", "95", None, "%"),
    ("3", "≤", "天", "<=", None, "3", "天"),
    ("100", "=", "%", "=", "100", "100", "%"),
    ("90", "正向", "分", ">=", "90", None, "分"),
    ("5", "反向", "起", "<=", None, "5", "起"),
    ("≥95", "≥", "%", ">=", "95", None, "%"),
    ("95%", "大于等于", "个", ">=", "95", None, "%"),  # a printed unit wins over the column
])
def test_separate_operator_and_unit_columns(value, op_col, unit_col, op, low, high, unit):
    p = parse_target(value, operator=op_col, unit=unit_col)
    assert p.kind == "numeric"
    assert (p.operator, p.low, p.high, p.unit) == (
        op, D(low) if low else None, D(high) if high else None, unit)


def test_separate_columns_qualitative_and_conflicts():
    assert parse_target("及时", operator="定性").kind == "qualitative"
    assert parse_target("≤95", operator="≥", unit="%").kind == "unparsed"
    assert parse_target("95", operator="大概", unit="%").kind == "unparsed"
    assert parse_actual("93", unit="%").unit == "%"


def test_tables_are_consistent():
    assert set(PREFIX_OPERATORS.values()) == set(OPERATORS)
    assert set(SUFFIX_OPERATORS.values()) <= set(OPERATORS)
    printed = [u.printed for u in UNITS]
    assert len(printed) == len(set(printed))
    assert "unparsed" in KINDS and "numeric" in KINDS


def test_resolve_unit():
    assert resolve_unit("名").normalized == "人"
    assert resolve_unit("名/场").normalized == "人/场"
    assert resolve_unit("每家", in_parens=True).normalized == "每家"
    assert resolve_unit("慰问金", in_parens=False) is None
    assert resolve_unit("") is None


# compound units: known/known, normalized part by part, factor numerator / denominator
@pytest.mark.parametrize(("printed", "unit", "norm", "factor"), [
    ("≥500元/户", "元/户", "万元/户", "0.0001"),
    ("≤2万元/人", "万元/人", "万元/人", "1"),
    ("≥300人/场", "人/场", "人/场", "1"),
    ("≤3次/年", "次/年", "次/年", "1"),
    ("≥1,200人次/月", "人次/月", "人次/月", "1"),
    ("=4(次/年)", "次/年", "次/年", "1"),
    ("≥20 名/场", "名/场", "人/场", "1"),
    ("≥2万人次/年", "万人次/年", "人次/年", "10000"),
    ("≤1000元/人/年", "元/人/年", "万元/人/年", "0.0001"),
    ("≥5个/人", "个/人", "个/人", "1"),
    ("≥1.5（户／人）", "户/人", "户/人", "1"),
])
def test_compound_units(printed, unit, norm, factor):
    p = parse_target(printed)
    assert p.kind == "numeric", p
    assert (p.unit, p.unit_norm, p.unit_factor) == (unit, norm, D(factor))
    assert is_known_unit(p.unit_norm)


def test_compound_unit_from_the_unit_column_and_actual():
    t = parse_target("500", operator="≥", unit="元/户")
    a = parse_actual("520", unit="元/户")
    assert (t.unit_norm, t.unit_factor, a.unit_norm, a.unit_factor) == (
        "万元/户", D("0.0001"), "万元/户", D("0.0001"))


def test_table_entries_win_over_the_compound_rule():
    assert resolve_unit("人/次").normalized == "人次"
    assert resolve_unit("名/天").normalized == "人/天"


def test_known_units():
    assert all(is_known_unit(n) for n in ("%", "人", "万元", "人/场", "万元/户", "次/年"))
    for n in (None, "", "每家", "元/xx", "亩", "万元/", "/户", "a/b/c/d"):
        assert not is_known_unit(n), n
    # a unit kept as printed (not in the table) is flagged, compound or not
    assert not is_known_unit(parse_target("≥3(台套/年)").unit_norm)
