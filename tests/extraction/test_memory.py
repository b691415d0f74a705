"""Memory stays flat over long files: a page's parsed content is released once it is read.

(The peak-RSS figures over 50 / 500 / 1000 pages come from ``benchmarks/memory.py``.)
"""

from __future__ import annotations

import io

import pdfplumber
from pdfminer.pdftypes import PDFStream

from extract.fastparse import parse_page
from extract.pdf import _iter_pages, _release
from tests.conftest import CORPUS


def test_pages_are_released_after_reading():
    data = (CORPUS / "minhang-zonggonghui-2023.pdf").read_bytes()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        streams = []
        for page in _iter_pages(pdf):
            parse_page(pdf, page)
            contents = list(page.page_obj.contents)
            _release(pdf, page)
            streams.extend(s for s in contents if isinstance(s, PDFStream))
            ids = {getattr(ref, "objid", None) for ref in contents}
            assert not ids & set(pdf.doc._cached_objs), "content stream still cached"
        assert streams and all(s.data is None for s in streams), "decoded content kept"
        assert not hasattr(pdf, "_pages"), "pdf.pages would keep every page alive"
