"""Repairs of numbers read by OCR: only where the repair is certain, as data in one place.

A cell of a numeric column (amounts, 执行率, 分值, 得分, 总分) whose OCR text is no number is
repaired when exactly one rule of :data:`REPAIRS` turns the whole text into a number of the
form's shape (``0:00`` → ``0.00``: no other reading of a colon between the units and two
decimals exists in a numeric column). Everything else is left as read: the transform's checks
then report it (``unreadable_number``), and the OCR cross-check (:mod:`transform.ocr_checks`)
quarantines the report. Every repair is kept on the report (:class:`~extract.records.OcrRepair`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from extract.records import OcrRepair, RawReport


@dataclass(frozen=True, slots=True)
class RepairRule:
    name: str
    pattern: re.Pattern[str]  # matched against the whole cell text (spaces removed)
    replacement: str
    why: str


REPAIRS: tuple[RepairRule, ...] = (
    RepairRule("colon_as_point", re.compile(r"(\d+)[:：;；](\d{2})"), r"\1.\2",
               "a colon or semicolon between the units and two decimals is the decimal point"),
    RepairRule("stop_as_point", re.compile(r"(\d+)[。．·](\d{2})"), r"\1.\2",
               "a full stop or a raised dot before two decimals is the decimal point"),
    RepairRule("comma_as_point", re.compile(r"(\d{1,3}),(\d{2})"), r"\1.\2",
               "a comma before exactly two digits is no thousands separator (groups of three)"),
    RepairRule("letter_o_as_zero", re.compile(r"(?=[\dOo.,]*\d)([\dOo,]+)(\.[\dOo]{2})?"),
               "", "the letter O among digits is the digit 0"),
    RepairRule("trailing_mark", re.compile(r"(\d+\.\d{2})[:：;；,，。.·'‘’]"), r"\1",
               "a mark after a number with its two decimals ends nothing: a speck (a seal's "
               "ink, grain) read beside the number"),
)

#: a lone mark in a numeric column is the form's ``-`` (not applicable): a small dash read at a
#: low resolution comes out as one of these
LONE_MARKS = frozenset({"-", "—", "－", "一", "·", ".", "。", "：", ":", "、", "_", "…", "'", "‘", "’",
                        "！", "!", "．", ","})

#: a number as the form prints it: digits, thousands groups, decimals; a percent sign allowed
NUMBER = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?%?|\d+(\.\d+)?%?")

#: the numeric fields of a report
FUNDING_NUMBERS = ("budget_initial", "budget_full_year", "executed", "weight", "execution_rate",
                   "score")
INDICATOR_NUMBERS = ("weight", "score")
REPORT_NUMBERS = ("total_weight", "total_score")


def repair_number(text: str | None) -> tuple[str, str] | None:
    """``(repaired, rule name)`` when exactly one rule turns ``text`` into a number; None when
    it is a number already, empty, or no rule (or more than one, differently) applies."""
    if text is None:
        return None
    plain = "".join(text.split())
    if not plain or NUMBER.fullmatch(plain) or plain == "-":
        return None
    if plain in LONE_MARKS:
        return "-", "lone_mark_as_dash"
    found: dict[str, str] = {}
    for rule in REPAIRS:
        m = rule.pattern.fullmatch(plain)
        if not m:
            continue
        fixed = (plain.replace("O", "0").replace("o", "0") if rule.name == "letter_o_as_zero"
                 else m.expand(rule.replacement))
        if NUMBER.fullmatch(fixed):
            found.setdefault(fixed, rule.name)
    if len(found) != 1:
        return None
    return next(iter(found.items()))


def repair_report(r: RawReport) -> RawReport:
    """The report with its numeric cells repaired where certain, each repair recorded."""
    repairs: list[OcrRepair] = []
    page = r.pages[0] if r.pages else 0

    def fix(obj, names: tuple[str, ...], where: str, pg: int):
        changes = {}
        for name in names:
            got = repair_number(getattr(obj, name))
            if got is not None:
                changes[name] = None if got[0] == "-" else got[0]  # "-" is None, as printed
                repairs.append(OcrRepair(pg, f"{where}{name}", getattr(obj, name), got[0],
                                         got[1]))
        return replace(obj, **changes) if changes else obj

    funding = tuple(fix(f, FUNDING_NUMBERS, f"funding[{i}].", f.page or page)
                    for i, f in enumerate(r.funding))
    indicators = tuple(fix(x, INDICATOR_NUMBERS, f"indicators[{i}].", x.page or page)
                       for i, x in enumerate(r.indicators))
    out = fix(r, REPORT_NUMBERS, "", r.pages[-1] if r.pages else 0)
    return replace(out, funding=funding, indicators=indicators,
                   ocr_repairs=(*r.ocr_repairs, *repairs))
