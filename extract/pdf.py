"""One PDF → :class:`~extract.records.RawDocument`, with every failure a typed :class:`ExtractError`.

Each page is parsed once (characters, rulings and tables all come from the same parsed page)
and closed right after, so memory stays flat over long files. Pages that are not 自评表 pages
(cover, prose, other financial tables, sibling forms) are skipped and listed with the reason.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import pdfplumber
import pdfplumber.page
from pdfminer.pdfdocument import PDFEncryptionError, PDFObjectNotFound, PDFPasswordIncorrect
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream, dict_value, list_value
from pdfminer.psparser import LIT
from pdfplumber.utils.exceptions import PdfminerException

from extract.budget import Budget, bounded, current, limit_error, size_text
from extract.completeness import PageSignals, missing_reports, page_signals
from extract.errors import (
    CorruptPDF,
    EmptyFile,
    EncryptedPDF,
    ExtractError,
    NoSelfEvaluationTable,
    NotAPDF,
    NoTextLayer,
    ReportsNotRead,
    TooLarge,
    safe_name,
)
from extract.fastparse import parse_page
from extract.form import FormReader
from extract.grid import (
    Grid,
    TextLine,
    hline_grids,
    main_turn,
    ruled_grids,
    text_lines,
    to_chars,
    turn_upright,
    visible_edges,
)
from extract.limits import MIB, Limits
from extract.records import OcrCell, RawDocument, SkippedPage

# pdfminer logs every operator at DEBUG; the level check alone costs a few percent
for _name in ("pdfminer", "pdfplumber"):
    logging.getLogger(_name).setLevel(logging.WARNING)


#: the most of a library's exception text a message quotes
DETAIL_CHARS = 100


def _open_error(path: str, exc: BaseException, page: int | None = None) -> ExtractError:
    """Map a pdfminer/pdfplumber failure (on opening, or lazily on a page) to a typed error."""
    cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
    if isinstance(cause, ExtractError):
        return cause
    limit = limit_error(current(), cause)
    if limit is not None:
        return limit
    if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
        return EncryptedPDF(path, "the PDF is password-protected (encrypted)")
    name = type(cause).__name__
    detail = safe_name(" ".join(str(cause).split())) or name
    if len(detail) > DETAIL_CHARS:  # pdfminer quotes whole objects
        detail = detail[:DETAIL_CHARS - 1] + "…"
    if name in ("PSEOF", "PDFSyntaxError", "PDFNoValidXRef"):
        return CorruptPDF(path, f"the PDF is truncated or corrupt ({name}: {detail})",
                          page=page, detail_zh=f"{name}: {detail}")
    return CorruptPDF(path, f"the PDF cannot be parsed ({name}: {detail})", page=page,
                      detail_zh=f"无法解析，{name}: {detail}")


def _sniff(path: str, data: bytes) -> None:
    if not data:
        raise EmptyFile(path, "zero-byte file")
    head = data[:1024]
    if b"%PDF-" not in head:
        kind = "text" if _looks_text(head) else "binary data"
        raise NotAPDF(path, f"not a PDF: the file starts with {kind}, not '%PDF-'",
                      detail_zh=f"文件开头是{'文本' if kind == 'text' else '二进制数据'}，"
                                "不是“%PDF-”")


def _looks_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class PageLayout(NamedTuple):
    """One page read: its tables, its free text lines, and what its characters say about
    report starts (counted apart from the reader)."""

    grids: list[Grid]
    lines: list[TextLine]
    signals: PageSignals


def page_layout(number: int, raw_chars: list[tuple], edges: list[dict[str, Any]],
                table_page: Any) -> PageLayout:
    """Characters and edges of one page → its tables (rows of cells), its free text lines and
    its report-start signals.

    ``table_page`` is what pdfplumber's table finder takes as the page (only its ``bbox`` is
    read with explicit edges). A page whose text runs sideways is turned upright first.
    """
    turn = main_turn(raw_chars)
    x0, top, x1, bottom = table_page.bbox
    raw_chars, edges, w, h = turn_upright(raw_chars, edges, x1 - x0, bottom - top, turn)
    if turn:
        table_page = SimpleNamespace(bbox=(0, 0, w, h))
    chars = to_chars(raw_chars)
    hs, vs = visible_edges(edges)
    chars.sort(key=lambda c: c.cy)
    grids: list[Grid] = []
    rest = chars
    if vs:
        grids, rest = ruled_grids(table_page, number, hs, vs, chars)
    elif hs:
        grids, rest = hline_grids(number, hs, chars)
    return PageLayout(grids, text_lines(number, rest), page_signals(number, chars))


def feed_page(reader: FormReader, grids: list[Grid], lines: list[TextLine]) -> None:
    """Give the reader a page's text lines and table rows in reading order (top to bottom)."""
    items: list[tuple[float, int, Any]] = [(ln.top, 0, ln) for ln in lines]
    rows = [row for g in grids for row in g.rows]
    items.extend((row.top, 1, i) for i, row in enumerate(rows))
    items.sort(key=lambda t: (t[0], t[1]))
    for _, kind, obj in items:
        if kind == 0:
            reader.feed_line(obj)
        else:
            reader.feed_row(rows[obj], rows[obj + 1:])


#: a page whose text has this share (and count) of "(cid:N)" characters cannot be read: its
#: labels are among them (digits often still decode from another font)
UNDECODABLE_SHARE, UNDECODABLE_MIN = 0.1, 20


def _undecodable(raw_chars: list[tuple]) -> bool:
    """Many characters came out as ``(cid:N)``: fonts without a Unicode map."""
    cid = sum(1 for c in raw_chars if c[0].startswith("(cid:"))
    return cid >= UNDECODABLE_MIN and cid >= UNDECODABLE_SHARE * len(raw_chars)


LITERAL_PAGES, LITERAL_PAGE = LIT("Pages"), LIT("Page")


def page_tree(path: str, doc: Any, budget: Budget | None = None) -> list[tuple[Any, dict]]:
    """Every page of the page tree, in order, as ``(object id, attributes)``, before any page
    is read (a :class:`PDFPage` is made from them when its turn comes: making it resolves its
    content stream).

    The pages of pdfminer's ``PDFPage.create_pages``, attributes inherited the same way and a
    node reached a second time skipped, walked without recursion and under the limits: more
    pages than ``pages`` is :class:`~extract.errors.TooManyPages`, a tree deeper than ``depth``
    :class:`~extract.errors.TooDeep`, and a node among its own descendants (a loop, which
    pdfminer skips in silence) :class:`~extract.errors.CorruptPDF`. Without a page tree, or
    with one that yields no page, every object with ``/Type /Page`` (pdfminer's fallback).
    """
    limits = budget.limits if budget else Limits()
    catalog = doc.catalog
    out: list[tuple[Any, dict]] = []

    def add(objid: Any, attrs: dict) -> None:
        if budget is not None:
            if len(out) >= limits.pages:
                raise budget.pages_over(len(out) + 1)
            budget.check()
        out.append((objid, attrs))

    if "Pages" in catalog:
        visited: set[Any] = set()
        lineage: list[Any] = []  # the nodes from the root down to the current one
        # (kids left to visit, the attributes they inherit), one entry per level
        stack: list[tuple[Iterator[Any], dict]] = [(iter([catalog["Pages"]]), catalog)]
        while stack:
            kids, parent = stack[-1]
            obj = next(kids, None)
            if obj is None:
                stack.pop()
                if lineage:
                    lineage.pop()
                continue
            objid = getattr(obj, "objid", None)
            key = objid if objid is not None else ("direct", id(obj))
            if key in lineage:
                raise CorruptPDF(path, f"the page tree loops: object {objid} is among its own "
                                       "kids", detail_zh=f"页面树循环引用（对象 {objid}）")
            if key in visited:
                continue
            visited.add(key)
            attrs = dict_value(obj).copy()
            for k, v in parent.items():
                if k in PDFPage.INHERITABLE_ATTRS and k not in attrs:
                    attrs[k] = v
            kind = attrs.get("Type", attrs.get("type"))
            if kind is LITERAL_PAGES and "Kids" in attrs:
                if budget is not None:
                    if len(lineage) >= limits.depth:
                        raise budget.too_deep("the page tree", "页面树")
                    budget.check()
                lineage.append(key)
                stack.append((iter(list_value(attrs["Kids"])), attrs))
            elif kind is LITERAL_PAGE:
                add(objid, attrs)
    if not out:  # pdfminer's fallback: every page object, in the order of the xref
        for xref in doc.xrefs:
            for objid in xref.get_objids():
                try:
                    obj = doc.getobj(objid)
                except PDFObjectNotFound:
                    continue
                if isinstance(obj, dict) and obj.get("Type") is LITERAL_PAGE:
                    add(objid, obj)
    return out


def _iter_pages(pdf: Any) -> Iterator[pdfplumber.page.Page]:
    """The pages one at a time (``pdf.pages`` would keep every page, and its parsed content,
    alive until the file is closed)."""
    for number, (objid, attrs) in enumerate(page_tree("", pdf.doc, current()), start=1):
        yield pdfplumber.page.Page(pdf, PDFPage(pdf.doc, objid, attrs, None), page_number=number)


def _close(pdf: Any) -> None:
    """Let the document go. Not ``pdf.close()``: that walks the whole page tree again (to close
    pages never opened through ``pdf.pages``), and raises again on a damaged file."""
    pdf.flush_cache()
    cache = getattr(pdf.doc, "_cached_objs", None)
    if cache is not None:
        cache.clear()


def _release(pdf: Any, page: Any) -> None:
    """Forget a page's decoded content streams once it has been read (memory stays flat)."""
    page.close()
    cache = getattr(pdf.doc, "_cached_objs", None)
    for ref in page.page_obj.contents or ():
        objid = getattr(ref, "objid", None)
        stream = cache.pop(objid, None) if cache is not None and objid is not None else None
        for s in (ref, stream):
            if isinstance(s, PDFStream):
                s.data = None


#: why a page has no text to read (page → reason), as the errors and skipped pages say it
IMAGE_ONLY = "is an image only"
UNDECODABLE = "cannot be decoded: fonts without a Unicode map"


@dataclass
class OcrPlan:
    """How pages without a usable text layer are read: ``enabled`` (else the file fails with
    ``no_text_layer`` as before), ``ready`` (pages already read by OCR elsewhere, e.g. by the
    flow's worker pool: page → :class:`~extract.ocr.OcrPage`), and, filled while reading, the
    cells read per page."""

    enabled: bool = True
    data: bytes = b""
    ready: Mapping[int, Any] = field(default_factory=dict)
    cells: dict[int, list[OcrCell]] = field(default_factory=dict)


def _ocr_page(number: int, plan: OcrPlan) -> Any:
    """The OCR of one page: read already, or read now (the file's time limit is extended by
    ``JIXIAO_LIMIT_OCR_PAGE_SECONDS`` for it)."""
    got = plan.ready.get(number)
    if got is not None:
        return got
    from extract.ocr import read_page

    budget = current()
    if budget is not None:
        budget.extend(budget.limits.ocr_page_seconds)
        budget.check()
    got = read_page(plan.data, number)
    if budget is not None:
        budget.check()
    return got


def _read_pages(path: str, pdf: Any, reader: FormReader, plan: OcrPlan | None = None
                ) -> tuple[int, dict[int, str], dict[int, str], str, list[PageSignals]]:
    """Feed every page to the reader.

    Returns the page count, the pages without usable text (page → :data:`IMAGE_ONLY` or
    :data:`UNDECODABLE`), a one-line summary of every other page, the first page's text
    (for the fiscal year when no table prints one) and every page's report-start signals.
    """
    first_text = ""
    no_text: dict[int, str] = {}
    summary: dict[int, str] = {}
    signals: list[PageSignals] = []
    budget = current()
    try:
        pages = page_tree(path, pdf.doc, budget)
    except (ExtractError, RecursionError, MemoryError):
        raise
    except Exception as exc:  # a page tree pdfminer cannot follow
        raise _open_error(path, exc) from exc
    if budget is not None:
        budget.page_count = len(pages)
    number = 0
    for number, (objid, attrs) in enumerate(pages, start=1):
        if budget is not None:
            budget.at_page(number)
        page = None
        try:
            page = pdfplumber.page.Page(pdf, PDFPage(pdf.doc, objid, attrs, None),
                                        page_number=number)
            raw_chars, edges, images = parse_page(pdf, page)
        except (ExtractError, RecursionError, MemoryError):
            raise
        except Exception as exc:  # pdfminer fails lazily on a damaged content stream
            raise _open_error(path, exc, page=number) from exc
        finally:
            if page is not None:
                _release(pdf, page)
        if not raw_chars and not images:
            summary[number] = "no text"
            continue
        if not raw_chars or _undecodable(raw_chars):
            if plan is None or not plan.enabled:
                no_text[number] = IMAGE_ONLY if not raw_chars else UNDECODABLE
                continue
            from extract.ocr import ocr_cells

            scanned = _ocr_page(number, plan)
            if not scanned.width:  # a scan below the resolution OCR reads (ocr.MIN_SOURCE_DPI)
                no_text[number] = IMAGE_ONLY if not raw_chars else UNDECODABLE
                continue
            grids, lines, sig = page_layout(
                number, list(scanned.chars), list(scanned.edges),
                SimpleNamespace(bbox=(0, 0, scanned.width, scanned.height)))
            plan.cells[number] = ocr_cells(scanned, grids)
        else:
            grids, lines, sig = page_layout(number, raw_chars, edges, page)
            turn = main_turn(raw_chars)
            if turn:  # the values' boxes are turned back onto the page as printed
                x0, top, x1, bottom = page.bbox
                reader.frames[number] = (turn, x1 - x0, bottom - top)
        signals.append(sig)
        if number == 1:
            first_text = "".join(ln.text for ln in lines)
        summary[number] = (
            "table without 自评表 headers" if grids else "no table"
        ) + (": " + lines[0].text[:40] if lines else "")
        feed_page(reader, grids, lines)
    return number, no_text, summary, first_text, signals


def _fiscal_year(reports: list, first_text: str) -> int | None:
    years = [r.fiscal_year for r in reports if r.fiscal_year]
    if years:
        return max(set(years), key=years.count)
    m = re.search(r"(20\d{2})\s*年度", first_text)
    return int(m.group(1)) if m else None


def extract_file(path: str | Path, *, data: bytes | None = None,
                 limits: Limits | None = None, ocr: bool = True,
                 ocr_pages: Mapping[int, Any] | None = None) -> RawDocument:
    """Extract every 财政项目支出绩效自评表 of one PDF, within ``limits`` (default
    :class:`~extract.limits.Limits()`).

    Raises a subclass of :class:`~extract.errors.ExtractError` when the file cannot be read:
    empty, not a PDF, encrypted, truncated/corrupt, image-only (needs OCR), no 自评表, an
    unknown column header, or over a limit (``too_large``, ``too_many_pages``, ``too_deep``,
    ``too_slow``, ``out_of_memory``).

    A page without a usable text layer (an image only, or fonts without a Unicode map) is read
    by OCR (:mod:`extract.ocr`) unless ``ocr`` is False (then such a file fails with
    ``no_text_layer`` as before); ``ocr_pages`` gives pages read by OCR already (page →
    :class:`~extract.ocr.OcrPage`, e.g. in the flow's worker pool).
    """
    p = str(path)
    limits = limits or Limits()
    with bounded(p, limits):
        if data is None:
            data = _read(p, limits)
        elif len(data) > limits.file_mb * MIB:
            raise _file_too_large(p, len(data), limits)
        return _extract(p, data, OcrPlan(ocr, data, ocr_pages or {}))


def _file_too_large(path: str, size: int, limits: Limits) -> TooLarge:
    return TooLarge(path, f"the file is {size_text(size)}, over the limit of "
                          f"{limits.file_mb:g} MiB (JIXIAO_LIMIT_FILE_MB)",
                    detail_zh=f"文件 {size_text(size)}，超过文件大小上限 {limits.file_mb:g} MiB")


def _read(path: str, limits: Limits) -> bytes:
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > limits.file_mb * MIB:
                raise _file_too_large(path, size, limits)
            data = f.read(int(limits.file_mb * MIB) + 1)
    except OSError as exc:
        raise ExtractError(path, f"cannot read the file ({exc.strerror or exc})",
                           detail_zh=str(exc.strerror or exc)) from exc
    if len(data) > limits.file_mb * MIB:  # it grew while being read
        raise _file_too_large(path, len(data), limits)
    return data


def _extract(p: str, data: bytes, plan: OcrPlan | None = None) -> RawDocument:
    _sniff(p, data)
    sha = hashlib.sha256(data).hexdigest()
    reader = FormReader(p)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:
        raise _open_error(p, exc) from exc
    try:
        count, no_text, summary, first_text, signals = _read_pages(p, pdf, reader, plan)
        dated = pdf_date(pdf.metadata)
    finally:
        _close(pdf)
    reports = reader.finish()
    scanned = dict(plan.cells) if plan is not None else {}
    if scanned:
        reports = [_ocr_report(r, scanned) if set(r.pages) & set(scanned) else r
                   for r in reports]
    missing = missing_reports(signals, reports, reader.notes)
    if not reports and any(m.kind == "start_not_read" for m in missing):
        pages = sorted({m.page for m in missing})
        raise ReportsNotRead(
            p, f"{len(missing)} report(s) start on page(s) {', '.join(map(str, pages))} "
               "(项目名称) but none could be read", page=pages[0],
            detail_zh=f"第 {'、'.join(map(str, pages))} 页共有 {len(missing)} 张自评表")
    if not reports:
        if no_text and not any(s.startswith("table") for s in summary.values()):
            first = min(no_text)
            what = (f"page {first} is an image only" if no_text[first] == IMAGE_ONLY
                    else f"the text of page {first} {no_text[first]}")
            what_zh = (f"第 {first} 页只有图片" if no_text[first] == IMAGE_ONLY
                       else f"第 {first} 页的文字无法解码")
            err = NoTextLayer(p, f"no text layer: needs OCR ({what})", page=first,
                              detail_zh=what_zh)
            err.pages = tuple(sorted(no_text))
            raise err
        raise NoSelfEvaluationTable(
            p, f"no 财政项目支出绩效自评表 found in {count} page(s)", detail_zh=f"共 {count} 页")
    skipped = []
    # pages a text-only read left unread (OCR off): what OCR would read (see flows.extraction)
    unread = tuple(sorted(no_text))
    for number in range(1, count + 1):
        if number in reader.used_pages:
            continue
        if number in no_text:
            reason = f"no text layer: needs OCR (the page {no_text[number]})"
        else:
            reason = reader.notes.get(number) or summary.get(number, "")
        skipped.append(SkippedPage(number, reason))
    return RawDocument(
        file=Path(p).name, path=p, sha256=sha, bytes=len(data), page_count=count,
        fiscal_year=_fiscal_year(reports, first_text), reports=tuple(reports),
        skipped_pages=tuple(skipped), missing_reports=missing, pdf_date=dated,
        ocr_pages=tuple(sorted(scanned)), needs_ocr=unread)


def _ocr_report(r: Any, cells: dict[int, list[OcrCell]]) -> Any:
    """A report read (in part) by OCR: marked, its cells with their confidence kept, its
    numbers repaired where certain (:mod:`extract.ocr_repair`)."""
    from extract.ocr_repair import repair_report

    own = tuple(c for page in r.pages for c in cells.get(page, ()))
    return repair_report(replace(r, ocr=True, ocr_cells=own,
                                 notes=(*r.notes, f"read by OCR: page(s) "
                                        f"{', '.join(str(p) for p in r.pages if p in cells)}")))


_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?"
                       r"(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?")


def pdf_date(metadata: dict | None) -> datetime | None:
    """The document's own date from its Info dictionary: ``ModDate``, else ``CreationDate``
    (``D:YYYYMMDDHHmmSS+HH'mm'``, PDF 32000 §7.9.4), in UTC; None when absent or unreadable.
    Used to tell which of two versions of a report is the later one."""
    for key in ("ModDate", "CreationDate"):
        raw = (metadata or {}).get(key)
        if isinstance(raw, bytes):
            raw = raw.decode("latin-1", "replace")
        m = _PDF_DATE.match(raw.strip()) if isinstance(raw, str) else None
        if not m:
            continue
        y, mo, d, h, mi, sec, sign, oh, om = m.groups()
        try:
            at = datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0),
                          int(sec or 0), tzinfo=UTC)
        except ValueError:
            continue
        if sign in ("+", "-"):
            offset = timedelta(hours=int(oh or 0), minutes=int(om or 0))
            at = at - offset if sign == "+" else at + offset
        return at
    return None
