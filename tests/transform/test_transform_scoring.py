"""transform.scoring: rule sets as data, execution / indicator scores, grades."""

from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transform.scoring import (
    DEFAULT_RULE_SET,
    LOWER_FORMULAS,
    ROUNDINGS,
    RULE_SETS,
    execution_rate,
    get_rule_set,
    grade_for,
    normalize_grade,
    score_execution,
    score_indicator,
)
from transform.targets import parse_actual, parse_target

SH = get_rule_set("shanghai")


def score(target, actual, weight, printed=None, rules=SH):
    return score_indicator(parse_target(target), parse_actual(actual),
                           None if weight is None else D(weight),
                           None if printed is None else D(printed), rules)


# ---- rule sets are data

def test_default_rule_set_is_shanghai():
    assert DEFAULT_RULE_SET == "shanghai"
    assert get_rule_set(None) is SH
    assert get_rule_set(SH) is SH


def test_unknown_rule_set():
    with pytest.raises(KeyError, match="hubei"):
        get_rule_set("atlantis")


def test_rule_sets_name_only_known_methods():
    for rs in RULE_SETS.values():
        assert rs.lower_formula in LOWER_FORMULAS
        assert rs.indicator_rounding in ROUNDINGS
        assert all(r in ROUNDINGS for r in rs.execution.roundings)
        assert rs.execution.method in ("proportional", "steps")
        mins = [b.min_score for b in rs.grade_bands]
        assert mins == sorted(mins, reverse=True)
        assert {b.verdict for b in rs.qualitative_bands} == {"achieved", "partial", "not_achieved"}


def test_rule_sets_differ_in_data_only():
    assert RULE_SETS["hubei"].execution.expected_weight == D(20)
    assert RULE_SETS["shanghai"].execution.expected_weight == D(10)
    assert RULE_SETS["jiangxi"].execution.method == "steps"


# ---- execution

def test_execution_rate_rounds_to_two_decimals():
    assert execution_rate(D("26.04"), D("26.82")) == D("97.09")
    assert execution_rate(D("10.97"), D("12.75")) == D("86.04")
    assert execution_rate(D(1), D(0)) is None
    assert execution_rate(None, D(1)) is None


@pytest.mark.parametrize(("rate", "printed", "expected"), [
    ("97.09", "9.70", "9.70"),  # 政府雇员 2023: truncated
    ("97.09", "9.71", "9.71"),  # rounded: also accepted
    ("99.85", "9.98", "9.98"),  # 群团改革专项 2023
    ("86.04", "8.60", "8.60"),
    ("78.00", "7.80", "7.80"),
    ("112.00", "10.00", "10.00"),  # capped at 100 %
    ("97.09", None, "9.70"),  # nothing printed: the first rounding of the rule set
])
def test_execution_score_shanghai(rate, printed, expected):
    es = score_execution(D(rate), D(10), None if printed is None else D(printed), SH)
    assert es.expected_score == D(expected)


def test_execution_candidates_truncate_and_round():
    es = score_execution(D("97.09"), D(10), None, SH)
    assert es.candidates == (D("9.70"), D("9.71"))


@pytest.mark.parametrize(("rate", "expected"), [
    ("100", "10.00"), ("95", "7.00"), ("80", "7.00"), ("79.99", "5.00"), ("60", "5.00"),
    ("59", "0.00"),
])
def test_execution_score_jiangxi_steps(rate, expected):
    assert score_execution(D(rate), D(10), None, RULE_SETS["jiangxi"]).expected_score == D(expected)


def test_execution_score_hubei_weight_20():
    assert score_execution(D("97.09"), D(20), None, RULE_SETS["hubei"]).expected_score == D("19.42")


# ---- indicators

def test_higher_is_better_partial_published_example():
    s = score("≥350.00(家)", "223.00(家)", "5")  # 223 / 350 × 5 = 3.1857 → 3.19
    assert (s.achieved, s.expected_score, s.formula) == (False, D("3.19"), "higher_is_better")


@pytest.mark.parametrize(("target", "actual", "weight", "expected", "achieved"), [
    ("≥ 4200.00(名)", "3980.00(名)", "10", "9.48", False),
    ("=300.00(人)", "281.00(人)", "5", "4.68", False),
    ("≥500.00(人次)", "463.00(人次)", "15", "13.89", False),
    ("=100.00(%)", "50.00(%)", "7.50", "3.75", False),
    ("≥85.00(%)", "85.00(%)", "15", "15.00", True),
    ("=5.00(家)", "6.00(家)", "10", "10.00", True),
    (">85%", "90%", "10", "10.00", True),
    ("≥0.00(%)", "0.00(%)", "5", "5.00", True),
    ("≥0.00(%)", "70.00(%)", "5", "5.00", True),
])
def test_higher_is_better(target, actual, weight, expected, achieved):
    s = score(target, actual, weight)
    assert (s.expected_score, s.achieved) == (D(expected), achieved)


def test_zero_target():
    assert score("=0.00(起)", "0.00(起)", "5").expected_score == D("5.00")
    s = score("=0.00(起)", "1.00(起)", "5")
    assert (s.expected_score, s.achieved, s.formula) == (D("0.00"), False, "zero_target")


def test_lower_is_better_default_formula():
    assert score("≤3.00(天)", "2.00(天)", "15").expected_score == D("15.00")
    s = score("≤3.00(天)", "4.00(天)", "15")  # 15 × 3 / 4
    assert (s.expected_score, s.achieved) == (D("11.25"), False)
    assert s.formula == "lower_is_better:target_over_actual"
    assert score("＜3(起)", "3(起)", "10").achieved is False


def test_lower_is_better_other_formula_by_rule_set():
    rs = replace(SH, name="test", lower_formula="linear_excess")
    s = score("≤3.00(天)", "4.00(天)", "15", rules=rs)  # 15 × (1 − 1/3)
    assert (s.expected_score, s.formula) == (D("10.00"), "lower_is_better:linear_excess")
    rs0 = replace(SH, name="test0", lower_formula="zero")
    assert score("≤3.00(天)", "4.00(天)", "15", rules=rs0).expected_score == D("0.00")


def test_units_converted_before_comparison():
    s = score("≤1万元", "5,000元", "10")
    assert (s.achieved, s.expected_score) == (True, D("10.00"))


def test_unit_mismatch_is_not_scored():
    s = score("≥85.00(%)", "90.00(人)", "10", "10")
    assert (s.formula, s.note, s.expected_score, s.achieved) == (
        "not_scored", "unit_mismatch", None, None)


@pytest.mark.parametrize(("actual", "printed", "achieved", "low", "high", "expected"), [
    ("达成指标", "10", True, "8.00", "10.00", "10"),
    ("达成指标", "8.5", True, "8.00", "10.00", "8.5"),
    ("部分达成", "8", False, "6.00", "8.00", "8"),
    ("部分达成", "9", False, "6.00", "8.00", "8.00"),  # out of band → clamped
    ("未达成", "3", False, "0.00", "6.00", "3"),
    ("达成指标", None, True, "8.00", "10.00", None),
])
def test_qualitative_bands(actual, printed, achieved, low, high, expected):
    s = score("及时", actual, "10", printed)
    assert s.formula == "qualitative_band"
    assert (s.achieved, s.band_low, s.band_high) == (achieved, D(low), D(high))
    assert s.expected_score == (None if expected is None else D(expected))


def test_actual_restating_target_is_achieved():
    s = score("及时", "及时", "5", "5")
    assert (s.achieved, s.formula) == (True, "qualitative_band")


def test_verdict_against_numeric_target():
    assert score("≥85.00(%)", "达成指标", "10", "10").formula == "qualitative_band"


def test_range_targets():
    assert score("约100-200人/场", "150人/场", "5").expected_score == D("5.00")
    s = score("约100-200人/场", "50(人/场)", "5")
    assert (s.achieved, s.expected_score, s.formula) == (False, D("2.50"), "range")


@pytest.mark.parametrize(("target", "actual"), [
    ("及时", "100.00(%)"), ("每月", "12(次)"), ("≥abc", "5"), ("≥85%", ""), ("≥85%", "……"),
])
def test_not_scored(target, actual):
    s = score(target, actual, "10", "10")
    assert (s.formula, s.expected_score, s.achieved) == ("not_scored", None, None)


def test_missing_weight_gives_no_expected_score():
    s = score("≥350.00(家)", "223.00(家)", None)
    assert s.expected_score is None and s.achieved is False


@settings(max_examples=300, deadline=None)
@given(target=st.integers(min_value=0, max_value=10_000), actual=st.integers(min_value=0, max_value=20_000),
       weight=st.sampled_from(["5", "7.50", "10", "15", "20"]),
       op=st.sampled_from(["=", "≥", ">", "≤", "<"]))
def test_expected_score_between_zero_and_weight(target, actual, weight, op):
    s = score(f"{op}{target}(人)", f"{actual}(人)", weight)
    assert s.expected_score is not None
    assert D(0) <= s.expected_score <= D(weight)
    assert s.achieved is not None
    if s.achieved:
        assert s.expected_score == D(weight)


# ---- grades

@pytest.mark.parametrize(("total", "grade"), [
    ("100", "优"), ("90", "优"), ("89.99", "良"), ("85", "良"), ("80", "良"), ("79.99", "中"),
    ("60", "中"), ("59.99", "差"), ("0", "差"),
])
def test_grade_bands(total, grade):
    assert grade_for(D(total), SH) == grade


def test_grade_spellings():
    assert normalize_grade("优秀", SH) == "优"
    assert normalize_grade(" 良 ", SH) == "良"
    assert normalize_grade("A", SH) is None
    assert grade_for(None, SH) is None
