"""expectations: the Great Expectations 1.x quality gate over the transform's rows.

Suites are JSON files in ``expectations/suites/`` (``structure``, ``arithmetic``, ``domain``,
``scoring``); each expectation's ``meta`` carries a stable ``check_code``, a ``severity``
(``error`` / ``warning``) and a Chinese message template. They run on pandas frames of one
document's rows (:mod:`expectations.frames`), never on DuckDB tables. This layer only checks:
it imports the row types of :mod:`transform` and writes nothing. (The page people read is the
run's quality report, :mod:`flows.quality_report`: GX Data Docs load their assets from public
CDNs and render empty offline.)

Public API::

    from expectations import validate_document, all_findings, run_suites

``validate_document(tdoc)`` returns the suites' findings that the transform has not reported
already, so ``tdoc.findings + validate_document(tdoc)`` (= ``all_findings(tdoc)``) is the
document's complete list for ``dq_issue``. ``run_suites`` also returns the GX results and the
time taken; ``run_suites_many`` validates several documents in one
GX pass (a batch costs about what one document costs).

Great Expectations is imported on first use (it takes seconds), not on import of this package.
"""

from expectations.frames import DocumentFrames, document_frames
from expectations.runner import (
    CheckMeta,
    SuiteResult,
    SuiteRun,
    all_checks,
    all_findings,
    load_suites,
    new_findings,
    run_suites,
    run_suites_many,
    validate_document,
)

__all__ = [
    "CheckMeta",
    "DocumentFrames",
    "SuiteResult",
    "SuiteRun",
    "all_checks",
    "all_findings",
    "document_frames",
    "load_suites",
    "new_findings",
    "run_suites",
    "run_suites_many",
    "validate_document",
]
