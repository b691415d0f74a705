"""Parse a font's ToUnicode CMap faster than pdfminer's byte-by-byte PostScript tokenizer.

pdfminer builds every font of a page (``PDFResourceManager.get_font``, cached per font object
for the document) and reads the font's ToUnicode stream with its ``CMapParser``: ~3.5 % of the
extraction time on the corpus and on the layout fuzzer's documents, nearly all of it the
tokenizer. :class:`FastCMapParser` is that parser with another ``run``: the stream is split into
tokens by :func:`extract.fastparse.tokenize` (one regular expression), and the tokens are fed to
pdfminer's own ``CMapParser.do_keyword``, which fills the map, exactly as pdfminer's
``nextobject`` loop feeds them. So that the tokens are pdfminer's, the fast path only takes a
stream written in the plain subset of PostScript that ToUnicode CMaps are written in (hex
strings of whole bytes, plain names, numbers and keywords, strings without escapes, arrays and
dictionaries without keywords inside); anything else is parsed by pdfminer's own ``run``.

:func:`fast_cmaps` switches pdfminer's font code to this parser for the fonts built inside it
(:class:`extract.fastparse.FastInterpreter` builds a page's fonts inside it).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pdfminer.pdffont
from pdfminer.cmapdb import CMapParser
from pdfminer.psparser import PSKeyword

_END = rb"(?=[\t\n\x0c\r /\[\]()<>%]|\Z)"  # a delimiter or the end must follow
_PLAIN_CMAP = re.compile(
    rb"(?:[\t\n\x0c\r ]++"
    rb"|%[^\r\n]*"
    rb"|<(?:[0-9A-Fa-f]{2})*>"
    rb"|<<|>>|\[|\]"
    rb"|/[A-Za-z0-9_.+\-]*"
    rb"|\([^()\\]*\)"
    rb"|[+-]?\d+(?:\.\d+)?" + _END +
    rb"|(?!null" + _END + rb")[A-Za-z][A-Za-z0-9_]*" + _END +
    rb")*+",
)


class FastCMapParser(CMapParser):
    """pdfminer's ``CMapParser``, tokenizing with one regular expression."""

    def run(self) -> None:
        tokens = fast_tokens(self.fp.read())
        if tokens is None:
            self.fp.seek(0)
            super().run()
            return
        push, do_keyword = self.push, self.do_keyword
        for tok in tokens:  # pdfminer's nextobject loop (positions are not used by CMaps)
            if tok.__class__ is PSKeyword:
                do_keyword(0, tok)
            else:
                push((0, tok))


def fast_tokens(data: bytes) -> list[Any] | None:
    """The tokens of a CMap written in the plain subset, else None (pdfminer parses it)."""
    from extract.fastparse import _Unsupported, tokenize

    if not _PLAIN_CMAP.fullmatch(data):
        return None
    try:
        tokens = tokenize(data, strict=True)
    except _Unsupported:
        return None
    return tokens if all(map(_plain, tokens)) else None


def _plain(obj: Any) -> bool:
    """No keyword inside an array or dictionary (pdfminer would run it inside the container)
    and only names as dictionary keys."""
    if obj.__class__ is list:
        return all(o.__class__ is not PSKeyword and _plain(o) for o in obj)
    if obj.__class__ is dict:
        return all(k.__class__ is str and v.__class__ is not PSKeyword and _plain(v)
                   for k, v in obj.items())
    return True


@contextlib.contextmanager
def fast_cmaps() -> Iterator[None]:
    """Fonts built inside read their ToUnicode CMap with :class:`FastCMapParser`."""
    saved = pdfminer.pdffont.CMapParser
    pdfminer.pdffont.CMapParser = FastCMapParser
    try:
        yield
    finally:
        pdfminer.pdffont.CMapParser = saved
