"""Findings for the reports a document starts but the reader could not read.

:mod:`extract.completeness` counts report starts apart from the form reader; each report it
finds missing becomes an ``error`` finding ``report_missing`` naming the file, the page and,
where legible, the project. It is about one report: the document's other reports are loaded
(see :data:`load.checks.KEEPS_OTHER_REPORTS`).
"""

from __future__ import annotations

from extract.records import RawDocument
from transform.rows import Finding


def missing_findings(doc: RawDocument, document_id: str | None = None) -> tuple[Finding, ...]:
    """One ``report_missing`` error per report the document starts but did not yield."""
    doc_id = document_id or doc.sha256 or doc.file
    return tuple(
        Finding(check_code="report_missing", severity="error", file=doc.file,
                document_id=doc_id, project_name=m.project_name, page=m.page,
                message=m.zh() + "；请把文件发给 jixiao 维护人员，或由单位改用标准版式重新报送",
                fiscal_year=doc.fiscal_year)
        for m in doc.missing_reports)
