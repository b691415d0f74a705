"""Per-file limits: what the extraction of one file may cost.

    from extract import extract_file
    from extract.limits import Limits
    extract_file(path, limits=Limits(seconds=10, pages=500))

A file over a limit fails with a typed :class:`~extract.errors.ExtractError` of its own code
(``too_large``, ``too_many_pages``, ``too_deep``, ``too_slow``, ``out_of_memory``); how and where
each limit is checked is :mod:`extract.budget`. This module imports nothing heavy, so that the
settings (``flows.config``, ``JIXIAO_LIMIT_*``) can build a :class:`Limits` without loading
pdfminer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What extracting one file may cost. Every field is a positive (finite) number.

    ``seconds``: wall-clock time from the start of :func:`extract.extract_file`;
    ``memory_mb``: growth of the process's resident memory while the file is read;
    ``pages``: pages in the page tree; ``file_mb``: the file's size;
    ``stream_mb``: one decoded stream (content, font, CMap, object or xref stream);
    ``total_mb``: all decoded streams of the file together;
    ``content_mb``: content one page draws (its streams and the forms it draws, each time drawn);
    ``page_objects``: characters, paths, images and forms drawn on one page;
    ``depth``: nesting of arrays and dictionaries, of the page tree and of form XObjects;
    ``ocr_page_seconds``: time added to ``seconds`` for each page read by OCR (measured: 2–6 s
    a page on one core).

    The defaults are far above what a self-evaluation report needs: the bundled readable PDFs
    have at most 58 kB of content, 1,752 characters and 2,848 ruling edges on a page, 88 kB in
    their largest decoded stream, 16 pages and arrays or dictionaries nested 5 deep.
    """

    seconds: float = 30.0
    memory_mb: int = 1024
    pages: int = 2000
    file_mb: int = 256
    stream_mb: int = 64
    total_mb: int = 512
    content_mb: int = 8
    page_objects: int = 100_000
    depth: int = 100
    #: seconds added to ``seconds`` for each page read by OCR (a page without a text layer)
    ocr_page_seconds: float = 30.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if (isinstance(value, bool) or not isinstance(value, (int, float))
                    or not 0 < value < float("inf")):
                raise ValueError(f"Limits.{f.name} must be a positive number, not {value!r}")
