"""TransformedDocument → pandas DataFrames, one per grain, for the Great Expectations suites.

Pure functions, no I/O. GX checks simple column expectations, so everything a rule needs is a
column: sums and differences are computed here (in :class:`~decimal.Decimal`, then turned into
floats rounded to 2 decimals, so that ``abs(diff) <= 0.01`` compares exactly as the transform's
``within`` does). Every frame keeps ``row_id`` (0, 1, … = the frame's index) and the columns that
locate a failure: ``file``, ``document_id``, ``project_name``, ``fiscal_year``, ``page`` (and
``indicator`` where a row is one indicator), so :mod:`expectations.runner` can turn an
unexpected row into a :class:`~transform.rows.Finding`.

Grains (the ``frame`` named in each expectation's ``meta``):

``report``     one row per 自评表 (TransformedReport): 总分, 评分等级 and the computed sums
               ``sum_indicator_weights``, ``sum_indicator_scores``, ``sum_weights`` (funding weight
               + Σ indicator weights), ``sum_scores`` (funding score + Σ indicator scores),
               ``total_diff`` (总分 − sum_scores), ``total_weight_diff``, ``grade_band`` (the grade
               band of the printed total, by the transform's rule set), ``funding_total_rows``,
               ``indicator_count``; ``total_page`` is the page of the 总分 / 评分等级 rows;
               from the report's rule set (:mod:`transform.scoring`): ``grade_printed`` (the
               form has a 评分等级 row: False for Sichuan, whose ``missing_grade`` is then no
               finding) and ``total_label`` (what the form calls its total: 总分, 合计).
``funding``    one row per funding source row: amounts in 万元, ``execution_rate`` as printed,
               ``recomputed_rate`` (全年执行数 / 全年预算数 × 100), ``rate_diff``, ``score_diff``.
``indicator``  one row per indicator (FactIndicatorResult with its DimIndicator name): target and
               actual as parsed, ``score_diff`` (printed − expected by the rule set); ``label``
               is the name for messages (``第 3 行`` when the 三级指标 cell is empty);
               ``target_unit_known`` / ``actual_unit_known``: the normalized unit is one the
               transform knows (:func:`transform.targets.is_known_unit`: the unit table and
               its compounds such as ``万元/户``, ``人次/年``), None where there is no unit.

A sum is missing (NaN) when one of its parts is missing: the structure suite reports the missing
part, the arithmetic suite does not guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from transform.rows import (
    DimIndicator,
    FactIndicatorResult,
    FactProjectFunding,
    TransformedDocument,
    TransformedReport,
)
from transform.scoring import RuleSet, get_rule_set
from transform.targets import is_known_unit

#: what the printed weights of one table add up to (总分's 分值); the arithmetic suite's
#: ``weights_not_100`` checks ``sum_weights`` against it, this column only feeds its message
FULL_MARKS = Decimal(100)

#: the grains, in the order they are validated
GRAINS = ("report", "funding", "indicator")

#: columns that locate a row (kept as Python objects: ints and None, not floats and NaN)
LOCATION_COLUMNS = ("row_id", "file", "document_id", "project_id", "project_name",
                    "fiscal_year", "page")

REPORT_COLUMNS = (
    *LOCATION_COLUMNS, "total_page", "indicator", "total_label", "grade_printed",
    "total_weight", "total_score", "grade", "grade_band", "recomputed_score",
    "funding_total_rows", "funding_weight", "funding_score", "indicator_count",
    "sum_indicator_weights", "sum_indicator_scores", "sum_weights", "sum_scores",
    "total_diff", "total_weight_diff", "full_marks",
)
FUNDING_COLUMNS = (
    *LOCATION_COLUMNS, "indicator", "funding_source", "source_text",
    "budget_initial", "budget_full_year", "executed", "execution_rate", "recomputed_rate",
    "rate_diff", "weight", "score", "expected_score", "score_diff",
)
INDICATOR_COLUMNS = (
    *LOCATION_COLUMNS, "indicator", "label", "position", "level1", "level2",
    "target_text", "target_kind", "target_operator", "target_low", "target_high",
    "target_unit", "target_unit_norm", "target_unit_known", "actual_text", "actual_kind",
    "actual_value", "actual_unit", "actual_unit_norm", "actual_unit_known", "weight", "score",
    "expected_score", "score_diff", "scoring_formula",
)
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "report": REPORT_COLUMNS, "funding": FUNDING_COLUMNS, "indicator": INDICATOR_COLUMNS,
}

#: numeric columns (float64, NaN for missing); every other column is text or a location
NUMERIC_COLUMNS = frozenset({
    "total_weight", "total_score", "recomputed_score", "funding_weight", "funding_score",
    "sum_indicator_weights", "sum_indicator_scores", "sum_weights", "sum_scores", "total_diff",
    "total_weight_diff", "full_marks", "budget_initial", "budget_full_year", "executed",
    "execution_rate", "recomputed_rate", "rate_diff", "weight", "score", "expected_score",
    "score_diff", "target_low", "target_high", "actual_value",
})
#: integer columns without missing values
COUNT_COLUMNS = frozenset({"funding_total_rows", "indicator_count", "position"})


@dataclass(frozen=True, slots=True)
class DocumentFrames:
    """The three frames of one document."""

    document_id: str
    file: str
    report: pd.DataFrame
    funding: pd.DataFrame
    indicator: pd.DataFrame

    def __getitem__(self, grain: str) -> pd.DataFrame:
        if grain not in GRAINS:
            raise KeyError(f"unknown grain {grain!r}; known: {', '.join(GRAINS)}")
        return getattr(self, grain)

    def items(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """(grain, frame) in validation order."""
        return ((g, getattr(self, g)) for g in GRAINS)


# --------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------

def document_frames(tdoc: TransformedDocument) -> DocumentFrames:
    """All three frames of one document."""
    return DocumentFrames(tdoc.document_id, tdoc.file, report_frame(tdoc), funding_frame(tdoc),
                          indicator_frame(tdoc))


def report_frame(tdoc: TransformedDocument) -> pd.DataFrame:
    """One row per 自评表 (see the module docstring for the computed columns)."""
    return _frame(_ROWS["report"](tdoc), REPORT_COLUMNS)


def funding_frame(tdoc: TransformedDocument) -> pd.DataFrame:
    """One row per funding source row of every report."""
    return _frame(_ROWS["funding"](tdoc), FUNDING_COLUMNS)


def indicator_frame(tdoc: TransformedDocument) -> pd.DataFrame:
    """One row per indicator of every report."""
    return _frame(_ROWS["indicator"](tdoc), INDICATOR_COLUMNS)


def batch_frame(tdocs: Sequence[TransformedDocument], grain: str) -> pd.DataFrame:
    """The ``grain`` frame of several documents at once, built in one pass (a frame per
    document and a concatenation cost ~10 ms a document): ``row_id`` numbers the rows of the
    batch, ``_doc`` is each row's document's position in ``tdocs``."""
    rows = []
    for i, tdoc in enumerate(tdocs):
        for row in _ROWS[grain](tdoc):
            row["_doc"] = i
            rows.append(row)
    return _frame(rows, (*_COLUMNS[grain], "_doc"))


def _report_rows(tdoc: TransformedDocument) -> list[dict]:
    return [_report_row(tdoc, r) for r in tdoc.reports]


def _funding_rows(tdoc: TransformedDocument) -> list[dict]:
    return [_funding_row(tdoc, r, f) for r in tdoc.reports for f in r.funding]


def _indicator_rows(tdoc: TransformedDocument) -> list[dict]:
    return [_indicator_row(tdoc, r, x, d)
            for r in tdoc.reports
            for x, d in zip(r.results, r.indicators, strict=True)]


_ROWS = {"report": _report_rows, "funding": _funding_rows, "indicator": _indicator_rows}
_COLUMNS = {"report": REPORT_COLUMNS, "funding": FUNDING_COLUMNS,
            "indicator": INDICATOR_COLUMNS}


# --------------------------------------------------------------------------------------------
# rows
# --------------------------------------------------------------------------------------------

def _location(tdoc: TransformedDocument, r: TransformedReport, page: int | None) -> dict:
    return {
        "file": tdoc.file,
        "document_id": tdoc.document_id,
        "project_id": r.project_id,
        "project_name": _blank_to_none(r.project_name),
        "fiscal_year": r.fiscal_year,
        "page": page if page else (r.pages[0] if r.pages else None),
    }


def _report_row(tdoc: TransformedDocument, r: TransformedReport) -> dict:
    e = r.evaluation
    total_rows = [f for f in r.funding if f.funding_source == "total"]
    total = total_rows[0] if total_rows else None
    f_weight = total.weight if total else None
    f_score = total.score if total else None
    ind_weights = _sum(x.weight for x in r.results)
    ind_scores = _sum(x.score for x in r.results)
    sum_weights = _add(f_weight, ind_weights)
    sum_scores = _add(f_score, ind_scores)
    grade = _blank_to_none(e.grade)
    rs = _rule_set(e.rule_set or tdoc.rule_set)
    return {
        **_location(tdoc, r, r.pages[0] if r.pages else None),
        "total_page": r.pages[-1] if r.pages else None,
        "indicator": None,
        "total_label": rs.total_label,
        "grade_printed": rs.grade_printed,
        "total_weight": e.total_weight,
        "total_score": e.total_score,
        "grade": grade,
        # the band of the printed total only (the transform falls back to the recomputed one)
        "grade_band": e.expected_grade if e.total_score is not None else None,
        "recomputed_score": e.recomputed_score,
        "funding_total_rows": len(total_rows),
        "funding_weight": f_weight,
        "funding_score": f_score,
        "indicator_count": len(r.results),
        "sum_indicator_weights": ind_weights,
        "sum_indicator_scores": ind_scores,
        "sum_weights": sum_weights,
        "sum_scores": sum_scores,
        "total_diff": _sub(e.total_score, sum_scores),
        "total_weight_diff": _sub(e.total_weight, sum_weights),
        "full_marks": FULL_MARKS,
    }


def _funding_row(tdoc: TransformedDocument, r: TransformedReport,
                 f: FactProjectFunding) -> dict:
    # The recomputed rate is the transform's: executed / full-year budget × 100 from the amounts
    # as printed. Recomputing it here from the row's amounts (rounded to 0.01 万元) would invent
    # differences for amounts printed in 元 against a small budget.
    recomputed = f.computed_execution_rate
    return {
        **_location(tdoc, r, f.page),
        "indicator": None,
        "funding_source": f.funding_source,
        "source_text": f.source_text,
        "budget_initial": f.budget_initial,
        "budget_full_year": f.budget_full_year,
        "executed": f.executed,
        "execution_rate": f.execution_rate,
        "recomputed_rate": recomputed,
        "rate_diff": _sub(f.execution_rate, recomputed),
        "weight": f.weight,
        "score": f.score,
        "expected_score": f.expected_score,
        "score_diff": _sub(f.score, f.expected_score),
    }


def _indicator_row(tdoc: TransformedDocument, r: TransformedReport, x: FactIndicatorResult,
                   d: DimIndicator) -> dict:
    return {
        **_location(tdoc, r, x.page),
        "indicator": _blank_to_none(d.name),
        "label": _blank_to_none(d.name) or f"第 {x.position} 行",
        "position": x.position,
        "level1": _squeeze(d.level1),
        "level2": _squeeze(d.level2),
        "target_text": x.target_text,
        "target_kind": x.target_kind,
        "target_operator": x.target_operator,
        "target_low": x.target_low,
        "target_high": x.target_high,
        "target_unit": x.target_unit,
        "target_unit_norm": x.target_unit_norm,
        "target_unit_known": _unit_known(x.target_unit_norm),
        "actual_text": x.actual_text,
        "actual_kind": x.actual_kind,
        "actual_value": x.actual_value,
        "actual_unit": x.actual_unit,
        "actual_unit_norm": x.actual_unit_norm,
        "actual_unit_known": _unit_known(x.actual_unit_norm),
        "weight": x.weight,
        "score": x.score,
        "expected_score": x.expected_score,
        "score_diff": _sub(x.score, x.expected_score),
        "scoring_formula": x.scoring_formula,
    }


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def _frame(rows: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    n = len(rows)
    for c in columns:
        if c == "row_id":
            data[c] = pd.Series(range(n), dtype="int64")
        elif c in NUMERIC_COLUMNS:
            data[c] = pd.Series([_float(row[c]) for row in rows], dtype="float64")
        elif c in COUNT_COLUMNS or c == "_doc":
            data[c] = pd.Series([row[c] for row in rows], dtype="int64")
        else:  # text and locations: Python objects, None where missing
            data[c] = pd.Series([row[c] for row in rows], dtype=object)
    return pd.DataFrame(data, columns=list(columns), index=pd.RangeIndex(n))


def _float(v: Decimal | None) -> float:
    return float("nan") if v is None else float(v)


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for v in values:
        if v is None:
            return None
        total += v
    return total


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


def _sub(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def _rule_set(name: str | None) -> RuleSet:
    """The report's rule set by name; a custom, unregistered one (``transform_document`` takes a
    :class:`RuleSet` object, the rows keep only its name) reads as the default's form."""
    try:
        return get_rule_set(name)
    except KeyError:
        return get_rule_set(None)


def _unit_known(unit_norm: str | None) -> bool | None:
    """Whether the transform knows a normalized unit; None where there is no unit (a
    qualitative value, a bare number): nothing to check."""
    return None if unit_norm is None else is_known_unit(unit_norm)


def _blank_to_none(s: str | None) -> str | None:
    return s if s is not None and s.strip() else None


def _squeeze(s: str | None) -> str | None:
    """A label without white space (a wrapped 一级指标 cell may keep a line break)."""
    if s is None:
        return None
    out = "".join(s.split())
    return out or None
