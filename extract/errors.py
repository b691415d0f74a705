"""Typed extraction errors: one family, each naming the file, page and reason.

Every unreadable input ends as a subclass of :class:`ExtractError`; callers never see a
pdfminer/pdfplumber exception. ``str(err)`` is one line for stderr (English, for the operator);
:meth:`ExtractError.zh` the same in Chinese for the finance bureau and the submitting unit
(alerts, the run summary, ``dq_issue``): what is wrong (``title_zh``), the details, what to do.
"""

from __future__ import annotations

from pathlib import Path


def safe_name(name: str) -> str:
    """A file name for a one-line message: control characters (a newline in a name) escaped."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in name)


class ExtractError(Exception):
    """The file cannot be turned into self-evaluation records. Never retried: the file is the cause."""

    #: stable machine code, also used as dq_issue.check_code downstream
    code = "extract_error"
    #: what the submitting unit should do about it
    advice = "check the file and submit it again"
    #: the same in Chinese: what is wrong, and what to do
    title_zh = "文件无法读取"
    advice_zh = "请检查文件后重新报送"

    def __init__(self, file: str | Path, reason: str, *, page: int | None = None,
                 project: str | None = None, detail_zh: str | None = None) -> None:
        self.file = str(file)
        self.reason = reason
        self.page = page
        self.project = project
        self.detail_zh = detail_zh
        super().__init__(self.one_line())

    def zh(self) -> str:
        """``文件.pdf，第 3 页，项目“X”：PDF 设有密码（已加密），无法读取。请报送未加密的 PDF``."""
        where = safe_name(Path(self.file).name)
        if self.page is not None:
            where += f"，第 {self.page} 页"
        if self.project:
            where += f"，项目“{self.project}”"
        detail = f"（{self.detail_zh}）" if self.detail_zh else ""
        return f"{where}：{self.title_zh}{detail}。{self.advice_zh}"

    def one_line(self) -> str:
        where = safe_name(Path(self.file).name)
        if self.page is not None:
            where += f", page {self.page}"
        if self.project:
            where += f", project {self.project}"
        return f"{where}: {self.reason} ({self.advice})"


class EmptyFile(ExtractError):
    code = "empty_file"
    advice = "the upload is empty; send the file again"
    title_zh = "文件为空（0 字节）"
    advice_zh = "上传的文件是空的，请重新报送"


class NotAPDF(ExtractError):
    code = "not_a_pdf"
    advice = "submit the report as a PDF file"
    title_zh = "不是 PDF 文件"
    advice_zh = "请以 PDF 格式报送自评表"


class EncryptedPDF(ExtractError):
    code = "encrypted_pdf"
    advice = "submit the report without a password"
    title_zh = "PDF 设有密码（已加密），无法读取"
    advice_zh = "请报送未加密的 PDF"


class CorruptPDF(ExtractError):
    code = "corrupt_pdf"
    advice = "the file is truncated or damaged; export it from the source again"
    title_zh = "PDF 文件不完整或已损坏"
    advice_zh = "请从原表格重新导出 PDF 后报送"


class NoTextLayer(ExtractError):
    code = "no_text_layer"
    advice = "needs OCR: submit the PDF exported from the spreadsheet, not a scan"
    title_zh = "PDF 没有可读取的文字（扫描件或字体无法解码），需要 OCR 识别"
    advice_zh = "请报送由 Excel、WPS 或 Word 直接导出的 PDF，而不是扫描件"


class NoSelfEvaluationTable(ExtractError):
    code = "no_self_evaluation_table"
    advice = "the file holds no 财政项目支出绩效自评表; check that the right file was sent"
    title_zh = "文件中没有找到《财政项目支出绩效自评表》"
    advice_zh = "请确认报送的是自评表文件"


class ReportsNotRead(ExtractError):
    code = "report_missing"
    advice = ("the layout is one the reader cannot follow yet; send the file to the jixiao "
              "maintainers")
    title_zh = "文件中有自评表，但一张也未能读出"
    advice_zh = "这种版式暂不能识别，请把文件发给 jixiao 维护人员"


class UnknownHeader(ExtractError):
    code = "unknown_header"
    advice = ("the table has a column this tool does not know; add the header to "
              "extract/headers.py if it is a legitimate variant")
    title_zh = "自评表表头无法识别，未猜测列的含义"
    advice_zh = "如是合理的表头写法，请在 extract/headers.py 中登记后重新入库"


#: codes of the failures whose cause is the file itself (a new read of the same bytes by the
#: same program fails the same way); any other failure is retried by the next run
FILE_ERROR_CODES = frozenset({ExtractError.code, *(c.code for c in ExtractError.__subclasses__())})
