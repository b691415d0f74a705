"""A PDF page as a PNG image (pypdfium2, which comes with pdfplumber), for the 来源 page.

pdfium is not thread-safe: FastAPI runs these calls in its thread pool, so one lock guards
every call into it. The last pages rendered are kept in a small cache (a page is the same
image until the file changes: the key holds the file's size and modification time).
"""

from __future__ import annotations

import io
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium

#: pixels per PDF point (2 = 144 dpi: the text of a cell readable on a laptop screen)
SCALE = 2.0
_LOCK = threading.Lock()
_CACHE: OrderedDict[tuple, tuple[bytes, float, float]] = OrderedDict()
_CACHE_SIZE = 64


class PageNotFound(LookupError):
    """The file is gone or has no such page."""


def _key(path: str | Path, page: int) -> tuple:
    """The cache key of a page: the file's path, size and modification time, and the page."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise PageNotFound(f"文件不存在：{path}") from exc
    return (str(path), st.st_size, st.st_mtime_ns, page)


@contextmanager
def _open_page(path: str | Path, page: int) -> Iterator[pdfium.PdfPage]:
    """The 1-based ``page`` of the PDF at ``path`` (call with :data:`_LOCK` held), closed on
    exit; :class:`PageNotFound` when the file cannot be opened or has no such page."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception as exc:  # not a PDF any more, encrypted …
        raise PageNotFound(f"无法打开 PDF：{path}（{exc}）") from exc
    try:
        if not 1 <= page <= len(pdf):
            raise PageNotFound(f"{Path(path).name} 没有第 {page} 页（共 {len(pdf)} 页）")
        p = pdf[page - 1]
        try:
            yield p
        finally:
            p.close()
    finally:
        pdf.close()


def page_size(path: str | Path, page: int) -> tuple[float, float]:
    """Width and height in points of the 1-based ``page`` (the frame of the stored boxes),
    from the cache when the page was rendered, else without rendering it."""
    key = _key(path, page)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            return hit[1], hit[2]
        with _open_page(path, page) as p:
            width, height = p.get_size()
        return float(width), float(height)


def page_png(path: str | Path, page: int) -> tuple[bytes, float, float]:
    """PNG of the 1-based ``page`` of the PDF at ``path``, and the page's width and height in
    points (the frame of the stored boxes)."""
    key = _key(path, page)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
        with _open_page(path, page) as p:
            width, height = p.get_size()
            image = p.render(scale=SCALE).to_pil()
            buf = io.BytesIO()  # (written while pdfium's bitmap is alive: PIL shares it)
            image.save(buf, format="PNG", compress_level=1)  # fast: encoding dominated
        out = (buf.getvalue(), float(width), float(height))
        _CACHE[key] = out
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        return out
