"""Typed extraction errors: one family, each naming the file, page and reason.

Every unreadable input ends as a subclass of :class:`ExtractError`; callers never see a
pdfminer/pdfplumber exception. ``str(err)`` is one human-readable line meant for stderr and for
the alert that goes to the submitting unit.
"""

from __future__ import annotations

from pathlib import Path


class ExtractError(Exception):
    """The file cannot be turned into self-evaluation records. Never retried: the file is the cause."""

    #: stable machine code, also used as dq_issue.check_code downstream
    code = "extract_error"
    #: what the submitting unit should do about it
    advice = "check the file and submit it again"

    def __init__(self, file: str | Path, reason: str, *, page: int | None = None,
                 project: str | None = None) -> None:
        self.file = str(file)
        self.reason = reason
        self.page = page
        self.project = project
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = Path(self.file).name
        if self.page is not None:
            where += f", page {self.page}"
        if self.project:
            where += f", project {self.project}"
        return f"{where}: {self.reason} ({self.advice})"


class EmptyFile(ExtractError):
    code = "empty_file"
    advice = "the upload is empty; send the file again"


class NotAPDF(ExtractError):
    code = "not_a_pdf"
    advice = "submit the report as a PDF file"


class EncryptedPDF(ExtractError):
    code = "encrypted_pdf"
    advice = "submit the report without a password"


class CorruptPDF(ExtractError):
    code = "corrupt_pdf"
    advice = "the file is truncated or damaged; export it from the source again"


class NoTextLayer(ExtractError):
    code = "no_text_layer"
    advice = "needs OCR: submit the PDF exported from the spreadsheet, not a scan"


class NoSelfEvaluationTable(ExtractError):
    code = "no_self_evaluation_table"
    advice = "the file holds no 财政项目支出绩效自评表; check that the right file was sent"


class UnknownHeader(ExtractError):
    code = "unknown_header"
    advice = ("the table has a column this tool does not know; add the header to "
              "extract/headers.py if it is a legitimate variant")
