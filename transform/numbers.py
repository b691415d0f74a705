"""Numbers as printed in the 自评表 → :class:`~decimal.Decimal`.

Pure functions, no I/O. What they accept:

* full-width digits, signs and point (``１２３．４５``, ``－５``), the minus sign ``−``;
* thousands separators ``2,863.00`` / ``215,457.6`` (also the full-width comma ``，``);
* ``-`` (and its dash look-alikes) or a blank cell → ``None``;
* percentages ``96.21``, ``96.21%``, ``96.21(%)`` → ``Decimal("96.21")`` (in percent);
* money in the report's unit (``RawReport.money_unit``: 万元, 元 …) → 万元.

A cell that is not blank and not a number raises :class:`UnreadableNumber` (a ``ValueError``);
the build turns it into a data-quality finding.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType

#: full-width ASCII variants U+FF01…U+FF5E → ASCII, plus the spaces and dashes met in cells
HALFWIDTH = MappingProxyType(
    {**{cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)},
     0x3000: 0x20,  # ideographic space
     0x00A0: 0x20,  # no-break space
     0x2009: 0x20,  # thin space
     0x202F: 0x20,  # narrow no-break space
     0x2212: 0x2D,  # minus sign − → -
     0xFE63: 0x2D,  # small hyphen-minus
     }
)

#: cells that mean "no value" (the form prints a dash where a row carries no weight or score)
NULL_MARKS = frozenset({"-", "--", "—", "——", "–", "/", "无"})

#: money units of the funding block → factor to 万元
MONEY_UNITS = MappingProxyType(
    {"万元": Decimal(1), "元": Decimal("0.0001"), "千元": Decimal("0.1"), "亿元": Decimal(10000)}
)

#: one printed number: optional sign, digits with or without thousands groups, optional decimals
NUMBER_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_NUMBER_FULL = re.compile(rf"^(?:{NUMBER_RE.pattern})$")
_PERCENT_TAIL = re.compile(r"\s*(?:%|\(\s*%\s*\))\s*$")

CENT = Decimal("0.01")


class UnreadableNumber(ValueError):
    """A cell that should hold a number holds something else."""

    def __init__(self, text: str, what: str = "number") -> None:
        self.text = text
        self.what = what
        super().__init__(f"unreadable {what}: {text!r}")


def to_halfwidth(text: str) -> str:
    """Full-width digits, letters, signs and brackets → ASCII; odd spaces → space."""
    return text.translate(HALFWIDTH)


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    s = to_halfwidth(text).strip()
    if not s or s in NULL_MARKS:
        return None
    return s


def decimal_from_match(s: str) -> Decimal:
    """A string matched by :data:`NUMBER_RE` → Decimal (thousands separators dropped)."""
    return Decimal(s.replace(",", ""))


def parse_decimal(text: str | None) -> Decimal | None:
    """``"2,863.00"`` → ``Decimal("2863.00")``; blank or ``-`` → ``None``.

    Raises :class:`UnreadableNumber` for anything else (``"abc"``, ``"1,23"``).
    """
    s = _clean(text)
    if s is None:
        return None
    s = s.replace(" ", "")
    if not _NUMBER_FULL.match(s):
        raise UnreadableNumber(text or "")
    try:
        return decimal_from_match(s)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid literals
        raise UnreadableNumber(text or "") from exc


def parse_percent(text: str | None) -> Decimal | None:
    """``"96.21"``, ``"96.21%"``, ``"96.21(%)"`` → ``Decimal("96.21")`` (percent)."""
    s = _clean(text)
    if s is None:
        return None
    s = _PERCENT_TAIL.sub("", s)
    try:
        return parse_decimal(s)
    except UnreadableNumber:
        raise UnreadableNumber(text or "", "percentage") from None


def money_factor(money_unit: str | None) -> Decimal:
    """Factor from the report's money unit to 万元; unknown unit → :class:`UnreadableNumber`."""
    unit = to_halfwidth(money_unit or "万元").strip().strip("()")
    try:
        return MONEY_UNITS[unit]
    except KeyError:
        raise UnreadableNumber(money_unit or "", "money unit") from None


def parse_amount(text: str | None, money_unit: str | None = "万元") -> Decimal | None:
    """An amount printed in ``money_unit`` → Decimal in 万元, exact (not yet rounded).

    A unit glued to the amount (``"2,863.00万元"``) takes precedence over ``money_unit``.
    """
    s = _clean(text)
    if s is None:
        return None
    unit = money_unit
    for printed in sorted(MONEY_UNITS, key=len, reverse=True):
        if s.endswith(printed):
            s, unit = s[: -len(printed)].strip(), printed
            break
    try:
        value = parse_decimal(s)
    except UnreadableNumber:
        raise UnreadableNumber(text or "", "amount") from None
    if value is None:
        return None
    return value * money_factor(unit)


def round_half_up(value: Decimal, places: Decimal = CENT) -> Decimal:
    """Commercial rounding (四舍五入): 3.185 → 3.19."""
    return value.quantize(places, rounding=ROUND_HALF_UP)


def truncate(value: Decimal, places: Decimal = CENT) -> Decimal:
    """Truncation towards zero: 9.709 → 9.70."""
    return value.quantize(places, rounding=ROUND_DOWN)


def money(value: Decimal | None) -> Decimal | None:
    """Amount in 万元 with 2 decimals (DECIMAL(18,2) of the warehouse)."""
    return None if value is None else round_half_up(value)


def fmt(value: Decimal | None) -> str:
    """Two decimals for messages (``3.19``); ``-`` for a missing value."""
    return "-" if value is None else f"{value:.2f}"
