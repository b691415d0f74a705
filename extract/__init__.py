"""extract: PDF → typed records (RawDocument / RawReport), cell text exactly as printed.

This layer reads files and knows no database and no normalization. Public API::

    from extract import extract_file, Limits, RawDocument, ExtractError
    doc = extract_file(path, limits=Limits(seconds=30))  # the limits: extract/limits.py
"""

from extract.errors import (
    CorruptPDF,
    EmptyFile,
    EncryptedPDF,
    ExtractError,
    NoSelfEvaluationTable,
    NotAPDF,
    NoTextLayer,
    UnknownHeader,
)
from extract.limits import Limits
from extract.records import RawDocument, RawFundingRow, RawIndicator, RawReport, SkippedPage

__all__ = [
    "CorruptPDF",
    "EmptyFile",
    "EncryptedPDF",
    "ExtractError",
    "Limits",
    "NoSelfEvaluationTable",
    "NoTextLayer",
    "NotAPDF",
    "RawDocument",
    "RawFundingRow",
    "RawIndicator",
    "RawReport",
    "SkippedPage",
    "UnknownHeader",
    "extract_file",
]


def extract_file(path, **kwargs) -> RawDocument:
    """Extract every 自评表 (self-evaluation table) of one PDF, within ``limits=Limits(...)``;
    see :func:`extract.pdf.extract_file`."""
    from extract.pdf import extract_file as _extract_file

    return _extract_file(path, **kwargs)
