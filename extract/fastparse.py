"""Parse one page's content stream into characters and rulings, faster than the stock path.

Profiling pdfplumber on the form pages (``benchmarks/extract.py``) put ~45 % of the time in
pdfminer's byte-by-byte PostScript tokenizer and ~22 % in turning every ``LTChar`` into a
pdfplumber dict. This module keeps pdfminer's interpreter (graphics state, fonts, CMaps, text
matrices: all pdfminer's own code) and replaces only those two parts:

* :class:`FastInterpreter` tokenizes the content stream with one compiled regular expression and
  dispatches operators through a cached table; a stream with an inline image (``BI … ID … EI``)
  goes through pdfminer's own parser unchanged;
* :class:`CharDevice` computes each character's box exactly as ``LTChar`` does and keeps a small
  tuple; paths and images still become pdfminer layout objects, converted by pdfplumber's own
  ``Page.process_object`` (there are a few dozen per page).

The output is checked against pdfplumber's ``page.chars`` and ``page.edges`` in the tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.pdftypes import PDFStream, stream_value
from pdfminer.psparser import KWD, LIT, PSKeyword

_DELIM = rb"\x00\t\n\x0c\r /\[\]()<>{}%"
_TOKEN = re.compile(
    rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*"  # white space and comments before a token
    rb"(?:(?P<num>[+-]?(?:\d+\.?\d*|\.\d+))(?![^" + _DELIM + rb"])"
    rb"|(?P<kw>[^" + _DELIM + rb"]+)"
    rb"|(?P<name>/[^" + _DELIM + rb"]*)"
    rb"|(?P<str>\((?:[^()\\]|\\.)*\))"
    rb"|(?P<dopen><<)|(?P<dclose>>>)"
    rb"|(?P<hex><[0-9A-Fa-f\x00\t\n\x0c\r ]*>)"
    rb"|(?P<aopen>\[)|(?P<aclose>\])"
    rb"|(?P<bad>.)"
    rb"|$)",
    re.DOTALL,
)
_INLINE_IMAGE = re.compile(rb"(?:^|[\x00\t\n\x0c\r ])BI[\x00\t\n\x0c\r /]")
_ESC = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n|\r|\n)|(.))", re.DOTALL)
_ESC_CHAR = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_NAME_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")


def _unescape(m: re.Match) -> bytes:
    octal, eol, char = m.groups()
    if octal is not None:
        return bytes((int(octal, 8) & 0xFF,))
    if eol is not None:
        return b""
    return _ESC_CHAR.get(char, char)


def _name(raw: bytes) -> Any:
    if b"#" in raw:
        raw = _NAME_HEX.sub(lambda m: bytes((int(m.group(1), 16),)), raw)
    try:
        return LIT(str(raw, "utf-8"))
    except UnicodeDecodeError:
        return LIT(raw)


class _Unsupported(Exception):
    """The fast tokenizer met something it leaves to pdfminer's parser."""


def tokenize(data: bytes) -> list[Any]:
    """Content stream → operands and operators (``PSKeyword``), arrays and dicts built."""
    out: list[Any] = []
    stack: list[tuple[str | None, list[Any]]] = []
    target = out
    append = out.append
    for m in _TOKEN.finditer(data):
        kind = m.lastgroup
        if kind is None:  # trailing white space
            continue
        tok = m.group(kind)
        if kind == "num":
            append(float(tok) if b"." in tok else int(tok))
        elif kind == "kw":
            if tok == b"true":
                append(True)
            elif tok == b"false":
                append(False)
            elif tok == b"null":
                append(None)
            else:
                append(KWD(tok))
        elif kind == "str":
            body = tok[1:-1]
            append(_ESC.sub(_unescape, body) if b"\\" in body else body)
        elif kind == "name":
            append(_name(tok[1:]))
        elif kind == "hex":
            h = re.sub(rb"[\x00\t\n\x0c\r ]", b"", tok[1:-1])
            if len(h) % 2:
                h += b"0"
            append(bytes.fromhex(h.decode("ascii")))
        elif kind == "aopen" or kind == "dopen":
            stack.append((kind, target))
            target = []
            append = target.append
        elif kind == "aclose" or kind == "dclose":
            if not stack:
                raise _Unsupported("unbalanced ] or >>")
            opened, parent = stack.pop()
            if opened == "aopen":
                parent.append(target)
            else:
                it = iter(target)
                parent.append({
                    (k.name if hasattr(k, "name") else k): v
                    for k, v in zip(it, it) if v is not None})
            target = parent
            append = target.append
        else:  # "bad": a nested string or a stray byte: pdfminer's parser decides
            raise _Unsupported(f"byte {tok!r} at {m.start(kind)}")
    if stack:
        raise _Unsupported("unterminated array or dictionary")
    return out


class FastInterpreter(PDFPageInterpreter):
    """pdfminer's interpreter with a regex tokenizer and a cached operator table."""

    def execute(self, streams: Sequence[object]) -> None:
        valid: list[PDFStream] = []
        self.stream_ids.clear()
        for obj in streams:
            stream = stream_value(obj)
            if stream.objid is None or stream.objid in self.parent_stream_ids:
                return super().execute(streams)
            valid.append(stream)
            self.stream_ids.add(stream.objid)
        data = b"\n".join(s.get_data() for s in valid)
        if _INLINE_IMAGE.search(data):
            return super().execute(streams)
        try:
            tokens = tokenize(data)
        except _Unsupported:
            return super().execute(streams)
        ops: dict[Any, Any] = {}
        for tok in tokens:
            if tok.__class__ is PSKeyword:
                entry = ops.get(tok)
                if entry is None:
                    entry = ops[tok] = self._operator(tok.name)
                func, nargs = entry
                if func is None:
                    continue
                if nargs:
                    stack = self.argstack
                    if len(stack) >= nargs:
                        args = stack[-nargs:]
                        del stack[-nargs:]
                        func(*args)
                    else:  # too few operands: pdfminer drops them and skips the operator
                        stack.clear()
                else:
                    func()
            else:
                self.argstack.append(tok)

    def _operator(self, name: Any) -> tuple[Any, int]:
        """The bound ``do_*`` method of an operator and its operand count."""
        text = name.decode("latin-1") if isinstance(name, bytes) else name
        method = "do_" + text.replace("*", "_a").replace('"', "_w").replace("'", "_q")
        func = getattr(self, method, None)
        return (func, func.__code__.co_argcount - 1) if func else (None, 0)


class CharDevice(PDFPageAggregator):
    """Characters as tuples ``(text, x0, y0, x1, y1, size, upright, turn)``; paths kept as layout.

    ``turn`` is the direction of the text's baseline on the page, counter-clockwise in degrees
    (0, 90, 180 or 270): 90 for a table printed sideways, reading bottom to top.
    """

    def __init__(self, rsrcmgr: Any, pageno: int) -> None:
        super().__init__(rsrcmgr, pageno=pageno, laparams=None)
        self.chars: list[tuple[str, float, float, float, float, float, bool]] = []
        self._glyphs: dict[int, tuple[Any, dict[int, tuple[str, float]]]] = {}

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate):
        # used for vertical fonts (and by pdfminer's own paths): LTChar does the metrics
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = self.handle_undefined_char(font, cid)
        item = LTChar(matrix, font, fontsize, scaling, rise, text, font.char_width(cid),
                      font.char_disp(cid), ncs, graphicstate)
        self.chars.append((text, item.x0, item.y0, item.x1, item.y1, item.size, item.upright,
                           _turn(matrix)))
        return item.adv

    def render_string_horizontal(self, seq, matrix, pos, font, fontsize, scaling, charspace,
                                 wordspace, rise, dxscale, ncs, graphicstate):
        """pdfminer's loop, with LTChar's box arithmetic inline and glyphs cached per font."""
        x, y = pos
        a, b, c, d, e, f = matrix
        upright = a * d * scaling > 0 and b * c <= 0
        turn = _turn(matrix)
        glyphs = self._glyphs.get(id(font))
        if glyphs is None or glyphs[0] is not font:
            glyphs = self._glyphs[id(font)] = (font, {})
        table = glyphs[1]
        lo = font.get_descent() * fontsize + rise
        hi = lo + fontsize
        out = self.chars.append
        needcharspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                needcharspace = True
            elif isinstance(obj, bytes):
                for cid in font.decode(obj):
                    if needcharspace:
                        x += charspace
                    g = table.get(cid)
                    if g is None:
                        try:
                            text = font.to_unichr(cid)
                        except PDFUnicodeNotDefined:
                            text = self.handle_undefined_char(font, cid)
                        g = table[cid] = (text, font.char_width(cid))
                    adv = g[1] * fontsize * scaling
                    # translate_matrix then apply_matrix_rect, the same expressions as pdfminer
                    te = x * a + y * c + e
                    tf = x * b + y * d + f
                    xs = (a * 0 + c * lo + te, a * adv + c * lo + te,
                          a * adv + c * hi + te, a * 0 + c * hi + te)
                    ys = (b * 0 + d * lo + tf, b * adv + d * lo + tf,
                          b * adv + d * hi + tf, b * 0 + d * hi + tf)
                    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
                    out((g[0], x0, y0, x1, y1, y1 - y0, upright, turn))
                    x += adv
                    if cid == 32 and wordspace:
                        x += wordspace
                    needcharspace = True
        return (x, y)


def _turn(matrix: tuple) -> int:
    """Direction of the baseline (the text matrix's x axis), counter-clockwise: 0/90/180/270."""
    a, b = matrix[0], matrix[1]
    if abs(a) >= abs(b):
        return 0 if a >= 0 else 180
    return 90 if b > 0 else 270


def _flatten(container: LTContainer, out: list) -> None:
    for obj in container:
        if isinstance(obj, (LTCurve, LTImage)):
            out.append(obj)
        elif isinstance(obj, LTContainer):
            _flatten(obj, out)


def parse_page(pdf: Any, page: Any) -> tuple[list[tuple], list[dict[str, Any]], int]:
    """One pdfplumber page → (chars, edges, number of images), pdfplumber's coordinates.

    ``chars`` are tuples ``(text, x0, x1, top, bottom, size, upright, turn)`` with the values
    of pdfplumber's ``page.chars`` (``turn``: see :class:`CharDevice`); ``edges`` are pdfplumber edge dicts of the page's lines,
    rectangles and curves.
    """
    device = CharDevice(pdf.rsrcmgr, page.page_number)
    interpreter = FastInterpreter(pdf.rsrcmgr, device)
    interpreter.process_page(page.page_obj)
    layout = device.get_result()
    height = page.height
    mb_x0, mb_top = page.mediabox[:2]
    chars = [
        (t, x0 + mb_x0, x1 + mb_x0, height - y1 + mb_top, height - y0 + mb_top, size, up, turn)
        for t, x0, y0, x1, y1, size, up, turn in device.chars
    ]
    objs: list = []
    _flatten(layout, objs)
    from pdfplumber.utils import obj_to_edges

    edges: list[dict[str, Any]] = []
    images = 0
    for obj in objs:
        if isinstance(obj, LTImage):
            images += 1
            continue
        po = page.process_object(obj)
        kind = po.get("object_type")
        if kind == "rect":  # its edges remember how thick the rectangle was
            po["rect_thickness"] = min(po.get("width", 0), po.get("height", 0))
        got = obj_to_edges(po)
        if kind == "curve":  # pdfplumber's curve edges lose how the path was painted
            paint = {k: po.get(k) for k in ("stroke", "fill", "stroking_color",
                                             "non_stroking_color", "linewidth")}
            for e in got:
                e.update(paint)
        edges.extend(got)
    return chars, edges, images
