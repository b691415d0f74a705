"""transform.numbers: printed numbers → Decimal (万元, percent)."""

from decimal import Decimal as D

import pytest

from transform.numbers import (
    UnreadableNumber,
    money,
    parse_amount,
    parse_decimal,
    parse_percent,
    round_half_up,
    to_halfwidth,
    truncate,
)


@pytest.mark.parametrize(("text", "value"), [
    ("2,863.00", D("2863.00")),
    ("215,457.6", D("215457.6")),
    ("1,234,567", D(1234567)),
    ("100", D(100)),
    ("99.7", D("99.7")),
    (" 8.02 ", D("8.02")),
    ("１２３．４５", D("123.45")),
    ("２，８６３．００", D("2863.00")),
    ("－5", D(-5)),
    ("−5.5", D("-5.5")),
    ("+3", D(3)),
    (".5", D("0.5")),
])
def test_parse_decimal(text, value):
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", [None, "", "  ", "-", "－", "—", "--", "/"])
def test_blank_and_dash_are_none(text):
    assert parse_decimal(text) is None
    assert parse_percent(text) is None
    assert parse_amount(text, "元") is None


@pytest.mark.parametrize("text", ["abc", "1,23", "1.2.3", "12a", "2,8630.00", "≥5"])
def test_unreadable_number_raises_value_error(text):
    with pytest.raises(UnreadableNumber) as err:
        parse_decimal(text)
    assert isinstance(err.value, ValueError)
    assert err.value.text == text


@pytest.mark.parametrize(("text", "value"), [
    ("96.21", D("96.21")), ("96.21%", D("96.21")), ("96.21(%)", D("96.21")),
    ("９６．２１％", D("96.21")), ("100.00（%）", D("100.00")),
])
def test_parse_percent(text, value):
    assert parse_percent(text) == value


def test_percent_unreadable():
    with pytest.raises(UnreadableNumber):
        parse_percent("九十")


def test_amount_in_wanyuan_stays():
    assert parse_amount("2,863.00", "万元") == D("2863.00")


def test_amount_in_yuan_converted_to_wanyuan():
    v = parse_amount("215,457.6", "元")
    assert v == D("21.54576")
    assert money(v) == D("21.55")


def test_amount_with_glued_unit_wins():
    assert parse_amount("3,000元", "万元") == D("0.3")
    assert parse_amount("12.5万元", "元") == D("12.5")


def test_amount_unknown_money_unit():
    with pytest.raises(UnreadableNumber):
        parse_amount("5", "美元")


def test_rounding_helpers():
    assert round_half_up(D("3.185")) == D("3.19")
    assert round_half_up(D("9.985")) == D("9.99")
    assert truncate(D("9.709")) == D("9.70")
    assert truncate(D("9.98529")) == D("9.98")


def test_halfwidth_folds_operators_and_brackets():
    assert to_halfwidth("＞＝８５（％）") == ">=85(%)"
    assert to_halfwidth("a\u3000b") == "a b"
