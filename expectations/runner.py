"""Run the Great Expectations suites on one document and turn failures into Findings.

The suites are JSON files in ``expectations/suites/`` (GX 1.x ExpectationSuite JSON: ``name``,
``meta``, ``expectations`` with ``type``, ``kwargs``, ``meta`` and GX's own ``severity``). Every
expectation's ``meta`` declares:

``check_code``  stable snake_case code (the transform's code where the check is the same);
``severity``    ``error`` (structure cannot be trusted: the document is quarantined) or
                ``warning`` (a rule is broken: loaded, flagged); GX's ``severity`` mirrors it
                (error → ``critical``);
``frame``       the grain it runs on: ``report``, ``funding`` or ``indicator``
                (:mod:`expectations.frames`);
``message``     Chinese template; ``{column}`` placeholders are filled from the unexpected row
                (numbers with 2 decimals, a missing value as ``-``);
``printed`` / ``expected`` (optional)  columns whose values go into the Finding's fields;
``page_column`` (optional)  the column holding the page to report (default ``page``);
``covered_by`` (optional)  check codes that already explain this failure (see below);
``covered_by_report`` (optional)  report-level check codes that explain this failure wherever
                in the report it is (see below).

How a run goes (:func:`run_suites`): the document becomes three pandas frames; the
expectations of every suite file that run on one frame form one GX suite, named after the frame
(:func:`grain_suites`: one validation per frame, not per file and frame, since GX's cost is per
validation and per expectation); it runs with ``batch.validate(suite, result_format=COMPLETE)``
on the frame's columns that its expectations read (GX hashes and filters the whole frame it is
given; the other columns only feed messages). GX validates pandas frames, never DuckDB through
SQLAlchemy (see DESIGN.md). One :class:`~transform.rows.Finding` per unexpected row, located by
the row's ``file`` / ``page`` / ``project_name`` / ``indicator``, in the order of the suite files
and of the expectations in each.

One ephemeral GX context is built per process, on first use, and reused (import and creation
are slow); validations are serialized by a lock (the context is not thread-safe). GX's progress
bars are switched off in that context.

Deduplication (:func:`new_findings`). The transform already reports most rule breaks as Python
checks; the suites are the declared, documented gate over the same rows. A GX finding is dropped
when the transform already reported the same key ``(check_code, project_name, indicator)``
(``indicator`` is ``None`` for report- and funding-level findings), or when a finding of one of
its ``covered_by`` codes with the same ``(project_name, indicator)`` exists (from the transform or
from GX itself): e.g. an indicator scored 12 against a weight of 10 is a ``score_above_weight``,
not also an ``indicator_score_mismatch``; a funding score that follows a wrongly printed rate is
the ``execution_rate_mismatch``. A finding is also dropped when a report-level finding (no
indicator) of one of its ``covered_by_report`` codes exists for the same project: a report whose
完成值 and 得分 are all blank is one ``blank_results`` error, not also a ``missing_score`` per
indicator and a ``missing_total``. So ``tdoc.findings + validate_document(tdoc)`` is the
document's complete list without repeats (:func:`all_findings`).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import string
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from expectations.frames import GRAINS, batch_frame
from transform.rows import SEVERITIES, Finding, TransformedDocument

if TYPE_CHECKING:  # GX is imported lazily: importing it takes seconds
    from great_expectations.core import ExpectationSuite, ExpectationSuiteValidationResult

log = logging.getLogger(__name__)

SUITES_DIR = Path(__file__).resolve().parent / "suites"
#: the suite files, in the order they run
SUITE_NAMES = ("structure", "arithmetic", "domain", "scoring")
#: meta keys every expectation must carry
REQUIRED_META = ("check_code", "severity", "message", "frame")
#: our severity → GX's
GX_SEVERITY = {"error": "critical", "warning": "warning"}
#: how much GX reports per expectation: every unexpected row, located by ``row_id``
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["row_id"],
    "return_unexpected_index_query": False,
}


class SuiteError(ValueError):
    """A suite file is malformed (missing meta, unknown frame, expectation GX rejects)."""


class ExpectationRunError(RuntimeError):
    """GX raised while evaluating an expectation (a bug in a suite or a frame, never bad data)."""


# --------------------------------------------------------------------------------------------
# suites
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CheckMeta:
    """What one expectation's ``meta`` declares."""

    suite: str
    check_code: str
    severity: str
    frame: str
    message: str
    printed: str | None = None
    expected: str | None = None
    page_column: str = "page"
    covered_by: tuple[str, ...] = ()
    #: codes whose report-level finding (indicator None) for the same project covers this one
    #: at any row of the report (e.g. ``blank_results`` over each indicator's ``missing_score``)
    covered_by_report: tuple[str, ...] = ()

    @classmethod
    def from_meta(cls, suite: str, meta: Mapping[str, Any]) -> CheckMeta:
        missing = [k for k in REQUIRED_META if not meta.get(k)]
        if missing:
            raise SuiteError(f"suite {suite}: expectation meta lacks {', '.join(missing)}: {meta}")
        if meta["severity"] not in SEVERITIES:
            raise SuiteError(f"suite {suite}: severity {meta['severity']!r} not in {SEVERITIES}")
        if meta["frame"] not in GRAINS:
            raise SuiteError(f"suite {suite}: frame {meta['frame']!r} not in {GRAINS}")
        return cls(suite=suite, check_code=meta["check_code"], severity=meta["severity"],
                   frame=meta["frame"], message=meta["message"], printed=meta.get("printed"),
                   expected=meta.get("expected"), page_column=meta.get("page_column", "page"),
                   covered_by=tuple(meta.get("covered_by", ())),
                   covered_by_report=tuple(meta.get("covered_by_report", ())))

    def placeholders(self) -> set[str]:
        """Column names the message template uses."""
        return {f for _, f, _, _ in string.Formatter().parse(self.message) if f}


@dataclass(frozen=True)
class LoadedSuite:
    """One suite file: its JSON and the checks it declares (one per expectation, in order)."""

    name: str
    path: Path
    spec: Mapping[str, Any]
    checks: tuple[CheckMeta, ...]


@dataclass(frozen=True)
class GrainSuite:
    """Every expectation that runs on one frame, from every suite file in order, as one GX
    suite (named after the frame; each expectation's ``meta`` names its suite file)."""

    grain: str
    suite: ExpectationSuite
    #: the frame's columns the expectations read (their columns and row conditions) and
    #: ``row_id``, which locates an unexpected row
    columns: tuple[str, ...]


def suite_paths(directory: Path = SUITES_DIR) -> tuple[Path, ...]:
    """The suite JSON files, in :data:`SUITE_NAMES` order."""
    return tuple(directory / f"{n}.json" for n in SUITE_NAMES)


def load_suite_spec(path: Path) -> dict[str, Any]:
    """A suite file's JSON, checked for the meta every expectation must carry."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    name = spec.get("name") or path.stem
    if not isinstance(spec.get("expectations"), list) or not spec["expectations"]:
        raise SuiteError(f"suite {name}: no expectations")
    for exp in spec["expectations"]:
        if not exp.get("type") or not isinstance(exp.get("kwargs"), dict):
            raise SuiteError(f"suite {name}: expectation without type/kwargs: {exp}")
        meta = CheckMeta.from_meta(name, exp.get("meta") or {})
        gx_sev = exp.get("severity")
        if gx_sev is not None and gx_sev != GX_SEVERITY[meta.severity]:
            raise SuiteError(f"suite {name}: {meta.check_code}: GX severity {gx_sev!r} ≠ "
                             f"{GX_SEVERITY[meta.severity]!r} for {meta.severity}")
    return spec


@functools.cache
def load_suites(directory: Path = SUITES_DIR) -> tuple[LoadedSuite, ...]:
    """Every suite file, parsed and checked once per process (cached).

    Raises :class:`SuiteError` when an expectation's meta is malformed.
    """
    out = []
    for path in suite_paths(directory):
        spec = load_suite_spec(path)
        name = spec.get("name") or path.stem
        checks = tuple(CheckMeta.from_meta(name, exp["meta"]) for exp in spec["expectations"])
        out.append(LoadedSuite(name, path, spec, checks))
    return tuple(out)


@functools.cache
def grain_suites(directory: Path = SUITES_DIR) -> dict[str, GrainSuite]:
    """The GX suite of each frame that some expectation runs on (cached; GX is imported here).

    Raises :class:`SuiteError` when GX rejects an expectation (GX itself would only log it and
    drop the expectation).
    """
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    by_frame: dict[str, list] = {g: [] for g in GRAINS}
    columns: dict[str, set[str]] = {g: {"row_id"} for g in GRAINS}
    for s in load_suites(directory):
        for exp, meta in zip(s.spec["expectations"], s.checks, strict=True):
            conf = ExpectationConfiguration(
                type=exp["type"], kwargs=dict(exp["kwargs"]),
                meta={**exp["meta"], "suite": s.name}, severity=GX_SEVERITY[meta.severity],
            )
            try:
                by_frame[meta.frame].append(conf.to_domain_obj())
            except Exception as exc:
                raise SuiteError(f"suite {s.name}: {meta.check_code}: {exc}") from exc
            columns[meta.frame] |= _names_in(exp["kwargs"])
    out = {}
    for frame, exps in by_frame.items():
        if not exps:
            continue
        suite = ExpectationSuite(name=frame, expectations=exps,
                                 meta={"frame": frame, "suite_files": [p.name for p in
                                                                       suite_paths(directory)]})
        if len(suite.expectations) != len(exps):
            raise SuiteError(f"frame {frame}: GX dropped an expectation")
        out[frame] = GrainSuite(frame, suite, tuple(sorted(columns[frame])))
    return out


def _names_in(kwargs: Mapping[str, Any]) -> set[str]:
    """Every identifier written in an expectation's kwargs (its columns, the columns of its
    row condition, and some words that are no column: harmless, only frame columns are kept)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", json.dumps(kwargs, ensure_ascii=False)))


def all_checks() -> tuple[CheckMeta, ...]:
    """Every check the suites declare (one per expectation)."""
    return tuple(c for s in load_suites() for c in s.checks)


# --------------------------------------------------------------------------------------------
# the GX context (one per process)
# --------------------------------------------------------------------------------------------

@dataclass
class _Gx:
    context: Any
    batch_definitions: dict[str, Any]
    lock: threading.Lock = field(default_factory=threading.Lock)


@functools.cache
def _gx() -> _Gx:
    """The process's ephemeral GX context: a pandas datasource with one asset per grain."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    _quiet()  # before the context: creating it logs a temporary folder at INFO
    context = gx.get_context(mode="ephemeral")
    ds = context.data_sources.add_pandas("jixiao_frames")
    bds = {}
    for grain in GRAINS:
        asset = ds.add_dataframe_asset(grain)
        bds[grain] = asset.add_batch_definition_whole_dataframe(f"{grain}_whole")
    # the progress bars ("Calculating Metrics") would otherwise be printed for every validation
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return _Gx(context, bds)


def prepare() -> None:
    """Import GX, build the process's context and load the suites before the first validation
    (about 2 s, paid once per process; the ingest flow does it while workers extract)."""
    grain_suites()
    _gx()


def _quiet() -> None:
    """GX logs at INFO/WARNING for routine things (ephemeral saves): keep those out of the run."""
    for name in ("great_expectations", "great_expectations.data_context",
                 "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.ERROR)


# --------------------------------------------------------------------------------------------
# a run
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SuiteResult:
    """The GX suite of one frame (every suite file's expectations on it, see
    :class:`GrainSuite`) validated on the documents' frame."""

    suite: str
    frame: str
    document_id: str
    file: str
    result: ExpectationSuiteValidationResult

    @property
    def success(self) -> bool:
        return bool(self.result.success)


@dataclass(frozen=True)
class SuiteRun:
    """Everything the suites said about one document."""

    document_id: str
    file: str
    findings: tuple[Finding, ...]  # every GX finding, before deduplication
    new_findings: tuple[Finding, ...]  # those the transform had not reported (dedup rule)
    results: tuple[SuiteResult, ...]
    seconds: float  # wall time of frames + validation

    @property
    def success(self) -> bool:
        return not self.findings


def run_suites(tdoc: TransformedDocument) -> SuiteRun:
    """Validate one document with every suite; findings and the GX results."""
    return run_suites_many([tdoc])[0]


def run_suites_many(tdocs: Sequence[TransformedDocument]) -> list[SuiteRun]:
    """Validate several documents at once: one GX validation per suite and frame for all of them.

    GX's cost is per expectation, hardly per row, so a batch costs about what one document
    costs. The frames are concatenated (``row_id`` renumbered); findings go back to their
    document by position, so two documents with the same id stay apart. Each run's ``results``
    are the shared batch results and its ``seconds`` its share of the batch's wall time.
    """
    t0 = time.perf_counter()
    if not tdocs:
        return []
    combined = {grain: batch_frame(tdocs, grain) for grain in GRAINS}
    if len(tdocs) == 1:
        doc_id, file = tdocs[0].document_id, tdocs[0].file
    else:
        doc_id, file = "batch", f"{len(tdocs)} documents"
    g = _gx()
    suites = grain_suites()
    results: list[SuiteResult] = []
    found: list[list[Finding]] = [[] for _ in tdocs]
    with g.lock:
        for grain in GRAINS:
            df, gs = combined[grain], suites.get(grain)
            if df.empty or gs is None:
                continue
            read = df[[c for c in df.columns if c in gs.columns]]
            batch = g.batch_definitions[grain].get_batch(batch_parameters={"dataframe": read})
            res = batch.validate(gs.suite, result_format=RESULT_FORMAT)
            results.append(SuiteResult(grain, grain, doc_id, file, res))
            for i, f in _findings(res, df, file):
                found[i].append(f)
    share = (time.perf_counter() - t0) / len(tdocs)
    return [
        SuiteRun(t.document_id, t.file, tuple(fs), tuple(new_findings(fs, t.findings)),
                 tuple(results), share)
        for t, fs in zip(tdocs, found, strict=True)
    ]


def validate_document(tdoc: TransformedDocument) -> list[Finding]:
    """The suites' findings the transform has not reported already (see the dedup rule).

    ``tdoc.findings + validate_document(tdoc)`` is every finding of the document, once.
    """
    return list(run_suites(tdoc).new_findings)


def all_findings(tdoc: TransformedDocument) -> list[Finding]:
    """The transform's findings, then the suites' new ones: what goes into ``dq_issue``."""
    return [*tdoc.findings, *validate_document(tdoc)]


def finding_key(f: Finding) -> tuple[str, str | None, str | None]:
    """The deduplication key ``(check_code, project_name, indicator)``; blank counts as None."""
    return f.check_code, _blank(f.project_name), _blank(f.indicator)


def _blank(s: str | None) -> str | None:
    return s if s is not None and s.strip() else None


def new_findings(gx_findings: Sequence[Finding],
                 transform_findings: Sequence[Finding]) -> list[Finding]:
    """``gx_findings`` without those already reported (same key, a ``covered_by`` code for the
    same project and indicator, or a ``covered_by_report`` code for the same project's report)."""
    reported = {finding_key(f) for f in transform_findings}
    present = reported | {finding_key(f) for f in gx_findings}
    covers: dict[str, set[str]] = {}
    report_covers: dict[str, set[str]] = {}
    for c in all_checks():  # a code declared by several expectations: the union of theirs
        covers.setdefault(c.check_code, set()).update(c.covered_by)
        report_covers.setdefault(c.check_code, set()).update(c.covered_by_report)
    out = []
    for f in gx_findings:
        code, project, indicator = finding_key(f)
        if (code, project, indicator) in reported:
            continue
        if any((c, project, indicator) in present for c in covers.get(code, ())):
            continue
        if any((c, project, None) in present for c in report_covers.get(code, ())):
            continue
        out.append(f)
    return out


# --------------------------------------------------------------------------------------------
# results → findings
# --------------------------------------------------------------------------------------------

def _findings(res: ExpectationSuiteValidationResult, df: pd.DataFrame,
              file: str) -> list[tuple[int, Finding]]:
    """(document position, finding) for every unexpected row of every failed expectation."""
    out: list[tuple[int, Finding]] = []
    for r in res.results:
        conf = r.expectation_config
        meta = CheckMeta.from_meta((conf.meta or {}).get("suite", res.suite_name), conf.meta or {})
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise ExpectationRunError(
                f"{meta.suite}: {conf.type} ({meta.check_code}) raised on "
                f"{file}: {r.exception_info.get('exception_message')}")
        if r.success:
            continue
        rows = _unexpected_rows(r.result, df)
        if not rows:  # GX could not attribute the failure to rows: never expected of a column check
            raise ExpectationRunError(
                f"{meta.suite}: {conf.type} ({meta.check_code}) failed on {file} "
                "without naming the unexpected rows")
        wanted = [c for c in (*LOCATE, *_shown(meta)) if c in df.columns]
        for row in df[list(dict.fromkeys(wanted))].iloc[rows].to_dict("records"):
            out.append((int(row["_doc"]), _finding(meta, row)))
    return out


#: the columns that locate an unexpected row and its document
LOCATE = ("_doc", "file", "document_id", "project_name", "fiscal_year", "indicator")


@functools.cache
def _shown(meta: CheckMeta) -> tuple[str, ...]:
    """The columns a check's finding shows: its message's placeholders, printed, expected and
    page."""
    return tuple(sorted(meta.placeholders())) + tuple(
        c for c in (meta.printed, meta.expected, meta.page_column) if c)


def _unexpected_rows(result: Mapping[str, Any], df: pd.DataFrame) -> list[int]:
    rows: list[int] = []
    for item in result.get("unexpected_index_list") or ():
        rid = item.get("row_id") if isinstance(item, Mapping) else item
        if rid is not None and 0 <= int(rid) < len(df):
            rows.append(int(rid))
    return sorted(set(rows))


def _finding(meta: CheckMeta, row: Mapping[str, Any]) -> Finding:
    values = {k: _fmt(row[k]) for k in _shown(meta) if k in row}
    page = row.get(meta.page_column)
    return Finding(
        check_code=meta.check_code,
        severity=meta.severity,
        file=row["file"],
        document_id=row["document_id"],
        project_name=row["project_name"] if _present(row["project_name"]) else None,
        page=int(page) if _present(page) else None,
        message=meta.message.format_map(_Blank(values)),
        fiscal_year=int(row["fiscal_year"]) if _present(row["fiscal_year"]) else None,
        indicator=row["indicator"] if _present(row["indicator"]) else None,
        printed=values.get(meta.printed) if meta.printed else None,
        expected=values.get(meta.expected) if meta.expected else None,
    )


class _Blank(dict):
    """A template mapping where an unknown placeholder prints as ``-``."""

    def __missing__(self, key: str) -> str:
        return "-"


def _present(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _fmt(v: Any) -> str | None:
    """Numbers with 2 decimals (as the form prints them), text as is, missing as ``-``."""
    if not _present(v):
        return "-"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)

