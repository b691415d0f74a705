"""The per-file limits (:class:`extract.limits.Limits`), enforced inside the process.

:func:`extract.extract_file` reads a file inside :func:`bounded`. A file over a limit fails
with a typed :class:`~extract.errors.ExtractError` of its own code (``too_large``,
``too_many_pages``, ``too_deep``, ``too_slow``, ``out_of_memory``), naming the file, the page
when one is being read, the limit and what to do. The checks, all cooperative
(the caller's hard limits, a worker killed on time and an address-space cap, are the backstop):

* **size** (``too_large``): the file's bytes; every decoded stream, bounded *while* it is
  decoded: FlateDecode is inflated with a cap on its output (a bomb stops after ``stream_mb``,
  whatever it would inflate to), LZW and RunLength are decoded with a running count, ASCII85
  and ASCIIHex, predictors and CCITT are refused when their input alone says the output is
  over; all decoded streams together (``total_mb``); the content one page draws, forms counted
  each time they are drawn (``content_mb``: it bounds the operators read and the memory of
  their tokens); the characters and lines of one page (``page_objects``: they bound the table
  finding that follows);
* **pages** (``too_many_pages``): the page tree is walked before any page is read;
* **depth** (``too_deep``): arrays and dictionaries nested deeper than ``depth`` are refused
  while they are parsed (pdfminer's parser and the fast tokenizer), and so are a page tree and
  form XObjects nested deeper; a page tree that leads back to one of its own nodes is a
  :class:`~extract.errors.CorruptPDF`, and so is a reference that leads back to itself
  (pdfminer would loop forever); ``RecursionError`` (references followed in a cycle through
  arrays or dictionaries, or ``/Prev`` xref sections) becomes ``too_deep``;
* **time** (``too_slow``): a deadline ``seconds`` after the start, checked between pages, page-
  tree nodes and streams, and every few thousand operators, decoded codes or parser steps;
* **memory** (``out_of_memory``): the process's resident memory may grow by ``memory_mb`` while
  the file is read, checked at the same points (Linux: ``/proc/self/statm``); a ``MemoryError``
  (the caller's address-space cap) becomes ``out_of_memory`` too.

pdfminer's decoders and parser are reached through a few module attributes and methods that
:func:`install` wraps once; outside :func:`bounded` (no limits in force) the wrappers call
pdfminer's own code unchanged. pdfminer's and pdfplumber's log warnings raised while a file is
read go to the ``extract.library`` logger at DEBUG, never to stderr.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import logging
import os
import re
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pdfminer.pdftypes as _pdftypes
from pdfminer import settings as _pdfminer_settings
from pdfminer.lzw import CorruptDataError, LZWDecoder
from pdfminer.pdfinterp import PDFContentParser
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSBaseParser, PSStackParser

from extract.errors import (
    ExtractError,
    OutOfMemory,
    TooDeep,
    TooLarge,
    TooManyPages,
    TooSlow,
)
from extract.limits import MIB, Limits

log = logging.getLogger("extract.library")


#: pdfminer's PNG and TIFF predictors run byte by byte in Python and build lists of integers
#: (0.06 s and ~9 MB per MB decoded, the "Up" filter; more for "Paeth"): a predictor is applied
#: to at most this share of ``stream_mb``
PREDICTOR_SHARE = 8
#: operators, decoded LZW codes and parser steps between two checks of time and memory
CHECK_EVERY = 8192


class Exceeded(BaseException):
    """Carries a typed error out of pdfminer's code: a ``BaseException``, so that no
    ``except Exception`` in pdfminer or pdfplumber turns it into a warning or another error."""

    def __init__(self, error: ExtractError) -> None:
        super().__init__(error)
        self.error = error


def _rss() -> int:
    """The process's resident memory in bytes (0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def size_text(n: float) -> str:
    """Bytes for a message: ``64 MiB``, ``244 KiB``."""
    return f"{n / MIB:,.0f} MiB" if n >= MIB else f"{n / 1024:,.0f} KiB"


class Budget:
    """The limits in force for one file, and what it has spent so far."""

    def __init__(self, path: str, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        self.start = time.monotonic()
        self.deadline = self.start + limits.seconds
        self.extra = 0.0  # seconds added for pages read by OCR
        self.stream_cap = int(limits.stream_mb * MIB)
        self.total_cap = int(limits.total_mb * MIB)
        self.content_cap = int(limits.content_mb * MIB)
        self.memory_cap = int(limits.memory_mb * MIB)
        self.rss0 = _rss()
        self.decoded = 0  # bytes of all decoded streams
        self.content = 0  # bytes of content drawn on the current page
        self.page: int | None = None  # the page being read (for messages)
        self.page_count: int | None = None
        self.stream: Any = None  # the stream being decoded (for messages)
        self.damaged: list[int | None] = []  # streams whose data could not all be inflated

    # ------------------------------------------------------------------------ raising

    def fail(self, cls: type[ExtractError], reason: str, detail_zh: str) -> Exceeded:
        return Exceeded(cls(self.path, reason, page=self.page, detail_zh=detail_zh))

    def _what(self) -> tuple[str, str]:
        objid = getattr(self.stream, "objid", None)
        return ((f"stream (object {objid})", f"对象 {objid} 的数据流") if objid is not None
                else ("stream", "数据流"))

    def too_large_stream(self, size: int | None = None, *, up_to: bool = False) -> Exceeded:
        """A stream over the limit: inflated past it (``size`` None), of a known size, or of a
        size its input allows (``up_to``)."""
        what, what_zh = self._what()
        limit = f"{self.limits.stream_mb:g} MiB"
        if up_to:
            return self.fail(TooLarge, f"a {what} may decode to up to {size_text(size or 0)}, "
                                       f"over the limit of {limit} per stream "
                                       "(JIXIAO_LIMIT_STREAM_MB)",
                             f"{what_zh}解压后可达 {size_text(size or 0)}，超过单个数据流上限 {limit}")
        if size is None:
            return self.fail(TooLarge, f"a {what} decodes to more than {limit}, the limit per "
                                       "stream (JIXIAO_LIMIT_STREAM_MB)",
                             f"{what_zh}解压后超过 {limit}（单个数据流上限）")
        return self.fail(TooLarge, f"a {what} decodes to {size_text(size)}, over the limit of "
                                   f"{limit} per stream (JIXIAO_LIMIT_STREAM_MB)",
                         f"{what_zh}解压后为 {size_text(size)}，超过单个数据流上限 {limit}")

    # ------------------------------------------------------------------------ checks

    def extend(self, seconds: float) -> None:
        """More time for this file: a page read by OCR (``Limits.ocr_page_seconds``)."""
        self.deadline += seconds
        self.extra += seconds

    def check(self) -> None:
        """Time and memory: raise when either is over its limit."""
        now = time.monotonic()
        if now > self.deadline:
            where = (f" (stopped at page {self.page} of {self.page_count})"
                     if self.page and self.page_count else "")
            where_zh = (f"，读到第 {self.page} 页（共 {self.page_count} 页）时停止"
                        if self.page and self.page_count else "")
            allowed = self.limits.seconds + self.extra
            ocr = (f", {self.extra:g} s of it for pages read by OCR (JIXIAO_LIMIT_OCR_PAGE_SECONDS)"
                   if self.extra else "")
            ocr_zh = f"，其中 {self.extra:g} 秒用于 OCR 识别的页面" if self.extra else ""
            raise self.fail(TooSlow, f"reading took more than {allowed:g} s, the "
                                     f"time limit{ocr}{where}",
                            f"超过 {allowed:g} 秒上限{ocr_zh}{where_zh}")
        if self.rss0:
            grown = _rss() - self.rss0
            if grown > self.memory_cap:
                raise self.fail(OutOfMemory, f"reading took {size_text(grown)} of memory, over the "
                                             f"limit of {self.limits.memory_mb:g} MiB",
                                f"已用内存 {size_text(grown)}，上限 {self.limits.memory_mb:g} MiB")

    def at_page(self, number: int) -> None:
        """A new page starts: check time and memory, reset the page's content count."""
        self.page = number
        self.content = 0
        self.check()

    def pages_over(self, count: int) -> Exceeded:
        return self.fail(TooManyPages, f"more than {self.limits.pages:,} pages, the page limit",
                         f"上限 {self.limits.pages} 页")

    def too_deep(self, what: str, what_zh: str) -> Exceeded:
        return self.fail(TooDeep, f"{what} nested more than {self.limits.depth} levels deep, "
                                  "the depth limit (JIXIAO_LIMIT_DEPTH)",
                         f"{what_zh}嵌套超过 {self.limits.depth} 层")

    def decoded_stream(self, size: int) -> None:
        """A stream was decoded: count it against the limit of all streams together."""
        self.decoded += size
        if self.decoded > self.total_cap:
            raise self.fail(TooLarge, f"its streams decode to more than "
                                      f"{self.limits.total_mb:g} MiB in all, the limit "
                                      "(JIXIAO_LIMIT_TOTAL_MB)",
                            f"全部数据流解压后超过 {self.limits.total_mb:g} MiB（合计上限）")

    def drawn(self, size: int) -> None:
        """Content about to be interpreted on the current page."""
        self.content += size
        if self.content > self.content_cap:
            raise self.fail(TooLarge, f"the page draws more than {self.limits.content_mb:g} MiB "
                                      "of content (forms counted each time drawn), the limit "
                                      "(JIXIAO_LIMIT_CONTENT_MB)",
                            f"该页绘制内容超过 {self.limits.content_mb:g} MiB（每页上限）")
        self.check()

    def objects_over(self) -> Exceeded:
        return self.fail(TooLarge, f"the page has more than {self.limits.page_objects:,} "
                                   "characters and lines, the limit (JIXIAO_LIMIT_PAGE_OBJECTS)",
                         f"该页字符和线条超过 {self.limits.page_objects} 个（每页上限）")


_current: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "extract_budget", default=None)


def current() -> Budget | None:
    """The budget of the file being read in this thread, if any."""
    return _current.get()


@contextlib.contextmanager
def bounded(path: str | Path, limits: Limits) -> Iterator[Budget]:
    """Read one file under ``limits``: every limit exceeded inside, and ``MemoryError`` and
    ``RecursionError``, leave as a typed :class:`~extract.errors.ExtractError`."""
    budget = Budget(str(path), limits)
    token = _current.set(budget)
    try:
        yield budget
    except Exceeded as exc:
        raise exc.error from None
    except (MemoryError, RecursionError) as exc:
        raise limit_error(budget, exc) from None
    finally:
        _current.reset(token)


def limit_error(budget: Budget | None, exc: BaseException) -> ExtractError | None:
    """The typed error of an exception that means a limit (None for any other)."""
    if isinstance(exc, Exceeded):
        return exc.error
    if budget is None:
        return None
    if isinstance(exc, MemoryError):
        return OutOfMemory(budget.path, "ran out of memory while reading it (MemoryError)",
                           page=budget.page, detail_zh="内存不足（MemoryError）")
    if isinstance(exc, RecursionError):
        return TooDeep(budget.path, "objects nested or referring to each other too deep to "
                                    "follow (RecursionError)", page=budget.page,
                       detail_zh="对象嵌套或相互引用过深")
    return None


# ------------------------------------------------------------------------------ decoders
# Each replaces one name pdfminer's ``PDFStream.decode`` calls; without a budget it is
# pdfminer's own function.

_orig = {
    "lzwdecode": _pdftypes.lzwdecode,
    "rldecode": _pdftypes.rldecode,
    "ascii85decode": _pdftypes.ascii85decode,
    "asciihexdecode": _pdftypes.asciihexdecode,
    "ccittfaxdecode": _pdftypes.ccittfaxdecode,
    "apply_png_predictor": _pdftypes.apply_png_predictor,
    "apply_tiff_predictor": _pdftypes.apply_tiff_predictor,
}


class _BoundedZlib:
    """What ``pdfminer.pdftypes`` uses of :mod:`zlib`: ``decompress`` inflates at most one byte
    more than the stream limit, and repairs a damaged stream in one pass (pdfminer's own repair
    feeds it byte by byte onto a growing ``bytes``: quadratic)."""

    error = zlib.error
    decompressobj = staticmethod(zlib.decompressobj)

    @staticmethod
    def decompress(data: bytes) -> bytes:
        budget = _current.get()
        if budget is None:
            return zlib.decompress(data)
        cap = budget.stream_cap
        d = zlib.decompressobj()
        try:
            out = d.decompress(data, cap + 1)
        except zlib.error:
            return _inflate_damaged(data, budget)
        if len(out) > cap or d.unconsumed_tail:
            raise budget.too_large_stream()
        return out  # a stream cut short (no end marker) inflates as far as it goes, as before


def _inflate_damaged(data: bytes, budget: Budget) -> bytes:
    """pdfminer's ``decompress_corrupted``, bounded: what inflates before an error in the last
    three bytes (the checksum), else nothing (pdfminer's result when its repair fails too)."""
    if _pdfminer_settings.STRICT:
        raise zlib.error("invalid zlib data")
    cap = budget.stream_cap
    d = zlib.decompressobj()
    head, tail = (data[:-3], data[-3:]) if len(data) > 3 else (b"", data)
    try:
        out = d.decompress(head, cap + 1)
    except zlib.error:
        budget.damaged.append(getattr(budget.stream, "objid", None))
        log.debug("%s: a stream could not be inflated (object %s)", budget.path,
                  getattr(budget.stream, "objid", None))
        return b""
    if len(out) > cap or d.unconsumed_tail:
        raise budget.too_large_stream()
    for i in range(len(tail)):
        try:
            out += d.decompress(tail[i:i + 1])
        except zlib.error:
            log.debug("%s: data lost inflating a damaged stream", budget.path)
            break
    if len(out) > cap:
        raise budget.too_large_stream()
    return out


def _lzwdecode(data: bytes) -> bytes:
    """pdfminer's LZW decoder driven code by code with a running count (its ``run`` also
    copies the whole table into a debug message per code)."""
    budget = _current.get()
    if budget is None:
        return _orig["lzwdecode"](data)
    decoder = LZWDecoder(io.BytesIO(data))
    out: list[bytes] = []
    size = n = 0
    cap = budget.stream_cap
    while True:
        try:
            code = decoder.readbits(decoder.nbits)
        except EOFError:
            break
        try:
            x = decoder.feed(code)
        except CorruptDataError:
            break
        size += len(x)
        if size > cap:
            raise budget.too_large_stream()
        out.append(x)
        n += 1
        if n % CHECK_EVERY == 0:
            budget.check()
    return b"".join(out)


def _rldecode(data: bytes) -> bytes:
    """RunLengthDecode with a running count (pdfminer's builds a list of ints, 8 bytes per
    output byte). A run cut off by the end of the data ends the output, as the EOD mark does."""
    budget = _current.get()
    if budget is None:
        return _orig["rldecode"](data)
    cap = budget.stream_cap
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        length = data[i]
        i += 1
        if length == 128:
            break
        if length < 128:
            out += data[i:i + length + 1]
            i += length + 1
        elif i < n:
            out += data[i:i + 1] * (257 - length)
            i += 1
        if len(out) > cap:
            raise budget.too_large_stream()
    return bytes(out)


_BLANKS = re.compile(rb"[\x00\t\n\x0b\x0c\r ]+")


def _ascii85decode(data: bytes) -> bytes:
    """Blanks removed first: pdfminer's end-marker pattern (``\\s*~\\s*>?\\s*$``) takes time
    quadratic in a run of blanks, and ``a85decode`` ignores them anyway."""
    budget = _current.get()
    if budget is None:
        return _orig["ascii85decode"](data)
    data = _BLANKS.sub(b"", data)
    zeros = data.count(b"z")  # four zero bytes each; five other characters make four bytes
    size = 4 * zeros + (len(data) - zeros) * 4 // 5
    if size > budget.stream_cap:
        raise budget.too_large_stream(size)
    return _orig["ascii85decode"](data)


def _asciihexdecode(data: bytes) -> bytes:
    budget = _current.get()
    if budget is not None and len(data) // 2 > budget.stream_cap:
        raise budget.too_large_stream(len(data) // 2)
    return _orig["asciihexdecode"](data)


def _ccittfaxdecode(data: bytes, params: dict[str, object]) -> bytes:
    """CCITT is decoded bit by bit in Python, a row at least per input bit: refused when the
    rows the data could hold are over the stream limit (an image, never read as text, is not
    decoded at all)."""
    budget = _current.get()
    if budget is not None:
        try:
            columns = int(params.get("Columns", 1728))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            columns = 1728
        if max(columns, 1) * len(data) > budget.stream_cap:
            raise budget.too_large_stream(max(columns, 1) * len(data), up_to=True)
    return _orig["ccittfaxdecode"](data, params)


def _predictor(name: str):
    def apply(*args: Any) -> bytes:
        budget = _current.get()
        data = args[-1]
        if budget is not None and len(data) > budget.stream_cap // PREDICTOR_SHARE:
            what, what_zh = budget._what()
            raise budget.fail(
                TooLarge, f"a predictor-coded {what} of {size_text(len(data))} is over the limit of "
                          f"{size_text(budget.stream_cap // PREDICTOR_SHARE)} for such streams "
                          f"(1/{PREDICTOR_SHARE} of JIXIAO_LIMIT_STREAM_MB)",
                f"{what_zh}（预测编码）{size_text(len(data))}，超过此类数据流上限 "
                f"{size_text(budget.stream_cap // PREDICTOR_SHARE)}")
        return _orig[name](*args)
    apply.__name__ = name
    return apply


_orig_decode = _pdftypes.PDFStream.decode


def _decode(self: Any) -> None:
    """``PDFStream.decode`` between a check of time and memory and the count of its size."""
    budget = _current.get()
    if budget is None:
        return _orig_decode(self)
    budget.check()
    outer, budget.stream = budget.stream, self
    try:
        _orig_decode(self)
    finally:
        budget.stream = outer
    if self.data is not None:
        budget.decoded_stream(len(self.data))
    return None


# ------------------------------------------------------------------------------ parser

_orig_start_type = PSStackParser.start_type
_orig_fillbuf = {cls: cls.fillbuf for cls in (PSBaseParser, PDFContentParser)}


def _start_type(self: Any, pos: int, type: str) -> None:
    """An array, dictionary or procedure opens: refused past the depth limit."""
    _orig_start_type(self, pos, type)
    budget = _current.get()
    if budget is not None and len(self.context) > budget.limits.depth:
        raise budget.too_deep("arrays or dictionaries", "数组或字典")


_steps = [0]


def _fillbuf(cls: type) -> Any:
    """pdfminer's parsers step through their input here (once per token, and once per byte
    where they go byte by byte: NUL bytes, inline image data): time and memory are checked
    every :data:`CHECK_EVERY` steps."""
    orig = _orig_fillbuf[cls]

    def fillbuf(self: Any) -> bool:
        _steps[0] += 1
        if _steps[0] % CHECK_EVERY == 0:
            budget = _current.get()
            if budget is not None:
                budget.check()
        return orig(self)

    return fillbuf


_orig_resolve = _pdftypes.PDFObjRef.resolve


def _resolve(self: Any, default: object = None) -> Any:
    """``PDFObjRef.resolve``, following a reference to a reference here, where a chain that
    comes back to itself is a :class:`PDFSyntaxError` (pdfminer's ``resolve1`` loops forever on
    ``5 0 obj 5 0 R endobj``, without parsing anything a deadline could be checked in)."""
    obj = _orig_resolve(self, default)
    if obj.__class__ is _pdftypes.PDFObjRef:
        seen = {self.objid}
        while isinstance(obj, _pdftypes.PDFObjRef):
            if obj.objid in seen:
                raise PDFSyntaxError(f"object {obj.objid} refers to itself through references")
            seen.add(obj.objid)
            obj = _orig_resolve(obj, default)
    return obj


# ------------------------------------------------------------------------------ logging


class _LibraryLog(logging.Handler):
    """pdfminer's and pdfplumber's log records: while a file is read they go to
    ``extract.library`` at DEBUG (a damaged file logs hundreds of warnings, which are no
    message for the operator: the typed error is); otherwise on to the root logger's handlers,
    as propagation would have sent them."""

    def emit(self, record: logging.LogRecord) -> None:
        if _current.get() is None:
            logging.getLogger().handle(record)
        elif log.isEnabledFor(logging.DEBUG):
            log.debug("%s: %s", record.name, record.getMessage())


_installed = [False]


def install() -> None:
    """Wrap pdfminer's decoders, parser and loggers (once; idempotent)."""
    if _installed[0]:
        return
    _installed[0] = True
    _pdftypes.zlib = _BoundedZlib  # type: ignore[assignment]
    _pdftypes.lzwdecode = _lzwdecode
    _pdftypes.rldecode = _rldecode
    _pdftypes.ascii85decode = _ascii85decode
    _pdftypes.asciihexdecode = _asciihexdecode
    _pdftypes.ccittfaxdecode = _ccittfaxdecode
    _pdftypes.apply_png_predictor = _predictor("apply_png_predictor")
    _pdftypes.apply_tiff_predictor = _predictor("apply_tiff_predictor")
    _pdftypes.PDFStream.decode = _decode  # type: ignore[method-assign]
    _pdftypes.PDFObjRef.resolve = _resolve  # type: ignore[method-assign]
    PSStackParser.start_type = _start_type  # type: ignore[method-assign]
    for cls in _orig_fillbuf:
        cls.fillbuf = _fillbuf(cls)  # type: ignore[method-assign]
    handler = _LibraryLog()
    for name in ("pdfminer", "pdfplumber"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.propagate = False


install()
