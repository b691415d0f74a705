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
    """The file cannot be turned into self-evaluation records. Not retried when
    :attr:`file_caused` (the file is the cause): see :data:`FILE_ERROR_CODES`."""

    #: stable machine code, also used as dq_issue.check_code downstream
    code = "extract_error"
    #: a new read of the same bytes by the same program, under the same limits, fails the same
    #: way (so the nightly run does not read the file again until it is replaced)
    file_caused = True
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
    #: the pages without a usable text layer (what OCR would read)
    pages: tuple[int, ...] = ()


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


# ------------------------------------------------------------------------------ over a limit
# A file over one of the per-file limits of :class:`extract.limits.Limits` (each configurable,
# ``JIXIAO_LIMIT_*``). Time and memory depend on the machine as well as on the file: see
# ``file_caused``.


class TooLarge(ExtractError):
    """A size limit: the file, one decoded stream, all decoded streams, the content drawn on one
    page, or the characters and lines of one page. Set by the bytes: not retried."""

    code = "too_large"
    advice = ("far larger than a self-evaluation table needs (a decompression bomb, or a "
              "damaged export); export it again, or raise the limit if the file is genuine")
    title_zh = "文件内容超过读取上限（疑似压缩炸弹或异常导出）"
    advice_zh = "请从原表格重新导出 PDF 后报送；如确为正常文件，可由管理员调高相应上限"


class TooManyPages(ExtractError):
    """More pages than the page limit (counted before any page is read). Not retried."""

    code = "too_many_pages"
    advice = "split the file (one unit's reports per file), or raise JIXIAO_LIMIT_PAGES"
    title_zh = "文件页数超过上限"
    advice_zh = "请按预算单位拆分文件后报送；如确需整本读取，可由管理员调高 JIXIAO_LIMIT_PAGES"


class TooDeep(ExtractError):
    """Objects nested deeper than the depth limit: arrays or dictionaries, the page tree, form
    XObjects drawing each other, or references followed past Python's recursion limit. Set by
    the bytes: not retried."""

    code = "too_deep"
    advice = "the file's structure is damaged or hostile; export it again from the source"
    title_zh = "PDF 内部结构嵌套过深（文件损坏或异常）"
    advice_zh = "请从原表格重新导出 PDF 后报送"


class TooSlow(ExtractError):
    """Reading ran past the time limit (checked between pages, streams and every few thousand
    operators). Retried by the next run: the time a file takes also depends on the machine and
    what else runs on it that night, and a retry costs at most the limit."""

    code = "too_slow"
    file_caused = False
    advice = ("the file is unusually heavy; it is read again next run; if it fails again, "
              "export it again or raise JIXIAO_LIMIT_SECONDS")
    title_zh = "读取超时"
    advice_zh = "下次运行将重新读取；如仍超时，请重新导出 PDF 后报送，或由管理员调高 JIXIAO_LIMIT_SECONDS"


class OutOfMemory(ExtractError):
    """Reading needed more memory than the memory limit (the process's resident memory grew
    past it, or an allocation failed: ``MemoryError``). Retried by the next run: what a process
    can still allocate also depends on what it held before this file."""

    code = "out_of_memory"
    file_caused = False
    advice = ("reading it needs more memory than allowed; it is read again next run; if it "
              "fails again, export it again or raise JIXIAO_LIMIT_MEMORY_MB")
    title_zh = "读取所需内存超过上限"
    advice_zh = ("下次运行将重新读取；如仍失败，请重新导出 PDF 后报送，"
                 "或由管理员调高 JIXIAO_LIMIT_MEMORY_MB")


def _family(cls: type[ExtractError]) -> list[type[ExtractError]]:
    return [cls, *(sub for c in cls.__subclasses__() for sub in _family(c))]


#: codes of the failures whose cause is the file itself (a new read of the same bytes by the
#: same program, under the same limits, fails the same way): not read again until the file is
#: replaced (or ``--reprocess failed``). Any other failure, ``too_slow`` and ``out_of_memory``
#: included, is retried by the next run.
FILE_ERROR_CODES = frozenset(c.code for c in _family(ExtractError) if c.file_caused)
#: every code of the family
ERROR_CODES = frozenset(c.code for c in _family(ExtractError))
