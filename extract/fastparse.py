"""Parse one page's content stream into characters and rulings, faster than the stock path.

Profiling pdfplumber on the form pages (``benchmarks/extract.py``) put ~45 % of the time in
pdfminer's byte-by-byte PostScript tokenizer and ~22 % in turning every ``LTChar`` into a
pdfplumber dict. This module keeps pdfminer's interpreter (graphics state, fonts, CMaps, text
matrices: all pdfminer's own code) and replaces only those two parts:

* :class:`FastInterpreter` tokenizes the content stream with one compiled regular expression and
  dispatches operators through a cached table; a stream with an inline image (``BI … ID … EI``)
  goes through pdfminer's own parser unchanged;
* :class:`CharDevice` computes each character's box exactly as ``LTChar`` does and keeps a small
  tuple; a path that is a single line or rectangle (most rulings: a page drawing every cell
  border as its own path has ~150) is kept as a tuple too, its bounding box computed with
  pdfminer's own expressions, and :func:`parse_page` turns it into the edge dicts pdfplumber's
  ``Page.process_object`` + ``obj_to_edges`` would make (without their ``pts`` and ``path``,
  which nothing downstream reads). Any other path, and images, still become pdfminer layout
  objects converted by pdfplumber's own code.

The output is checked against pdfplumber's ``page.chars`` and ``page.edges``, and against the
stock path (pdfminer layout objects + ``process_object``), in the tests.
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
from pdfplumber.utils import obj_to_edges
from pdfplumber.utils.pdfinternals import resolve_all

from extract.budget import CHECK_EVERY, current
from extract.fonts import fast_cmaps

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


def tokenize(data: bytes, strict: bool = False) -> list[Any]:
    """Content stream → operands and operators (``PSKeyword``), arrays and dicts built.

    ``strict``: raise :class:`_Unsupported` for what pdfminer's parser reads otherwise (a
    dictionary with an odd number of items, ``null``, a hex string of an odd number of digits).
    Arrays and dictionaries nested deeper than the depth limit of the file being read
    (:mod:`extract.budget`) are refused.
    """
    out: list[Any] = []
    stack: list[tuple[str | None, list[Any]]] = []
    budget = current()
    depth = budget.limits.depth if budget is not None else None
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
                if strict:
                    raise _Unsupported("null")
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
                if strict:
                    raise _Unsupported("odd hex string")
                h += b"0"
            append(bytes.fromhex(h.decode("ascii")))
        elif kind == "aopen" or kind == "dopen":
            if depth is not None and len(stack) >= depth:
                raise budget.too_deep("arrays or dictionaries", "数组或字典")
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
                if strict and len(target) % 2:
                    raise _Unsupported("odd dictionary")
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
    """pdfminer's interpreter with a regex tokenizer and a cached operator table; the fonts it
    builds read their ToUnicode CMaps with :class:`extract.fonts.FastCMapParser`.

    Under the limits of the file being read (:mod:`extract.budget`): the content a page draws
    is counted (a form each time it is drawn), forms nest at most ``depth`` deep, and time and
    memory are checked every :data:`~extract.budget.CHECK_EVERY` operators."""

    #: form XObjects between this interpreter and the page's
    depth = 0

    def init_resources(self, resources: dict[object, object]) -> None:
        with fast_cmaps():
            super().init_resources(resources)

    def subinterp(self) -> PDFPageInterpreter:
        interp = super().subinterp()
        interp.depth = self.depth + 1
        budget = current()
        if budget is not None and interp.depth > budget.limits.depth:
            raise budget.too_deep("form XObjects", "表单对象（XObject）")
        return interp

    def execute(self, streams: Sequence[object]) -> None:
        valid: list[PDFStream] = []
        self.stream_ids.clear()
        budget = current()
        for obj in streams:
            stream = stream_value(obj)
            if stream.objid is None or stream.objid in self.parent_stream_ids:
                return super().execute(streams)
            valid.append(stream)
            self.stream_ids.add(stream.objid)
        data = b"\n".join(s.get_data() for s in valid)
        if budget is not None:
            budget.drawn(len(data))
        if _INLINE_IMAGE.search(data):
            return super().execute(streams)
        try:
            tokens = tokenize(data)
        except _Unsupported:
            return super().execute(streams)
        ops: dict[Any, Any] = {}
        if budget is None or len(tokens) <= CHECK_EVERY:
            self._run(tokens, ops)
            return None
        for start in range(0, len(tokens), CHECK_EVERY):
            budget.check()
            self._run(tokens[start:start + CHECK_EVERY], ops)
        return None

    def _run(self, tokens: list[Any], ops: dict[Any, Any]) -> None:
        """Operands onto the stack, operators called (pdfminer's ``execute`` loop); ``ops``
        caches each operator's bound method and operand count."""
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

    Under the limits of the file being read, a page holds at most ``page_objects`` characters,
    paths, images and forms drawn (checked before each string and path is added).
    """

    def __init__(self, rsrcmgr: Any, pageno: int) -> None:
        super().__init__(rsrcmgr, pageno=pageno, laparams=None)
        budget = current()
        self._budget = budget
        self._cap = budget.limits.page_objects if budget is not None else float("inf")
        self._others = 0  # images and forms drawn
        self.chars: list[tuple[str, float, float, float, float, float, bool]] = []
        self._glyphs: dict[int, tuple[Any, dict[int, tuple[str, float]]]] = {}
        #: every painted path in painting order: a tuple ``(kind, x0, y0, x1, y1, linewidth,
        #: stroke, fill, evenodd, scolor, ncolor, dash)`` (``kind`` "line" or "rect") for a
        #: single line or rectangle, else the pdfminer layout object (``LTCurve``…)
        self.paths: list[Any] = []

    def paint_path(self, gstate, stroke, fill, evenodd, path):
        """pdfminer's ``paint_path`` for a single line or rectangle, without the layout object.

        The points, the dropped redundant ``l``, the line/rectangle tests and the bounding box
        (``get_bound`` over ``LTLine``'s or ``LTRect``'s points) are pdfminer's expressions;
        any other shape (curves, several subpaths, polygons) goes through pdfminer, and its
        layout objects are moved to :attr:`paths` so that the painting order is kept.
        """
        if len(self.paths) + len(self.chars) + self._others >= self._cap:
            raise self._budget.objects_over()
        shape = "".join([p[0] for p in path])
        if shape in _SIMPLE_SHAPES:
            a, b, c, d, e, f = self.ctm
            x, y = path[0][1], path[0][2]
            pts = [(a * x + c * y + e, b * x + d * y + f)]
            for p in path[1:]:
                if p[0] != "h":
                    x, y = p[1], p[2]
                    pts.append((a * x + c * y + e, b * x + d * y + f))
                else:
                    pts.append(pts[0])  # same values as pdfminer's point for "h"
            if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
                shape = shape[:-2] + "h"
                pts.pop()
            if shape == "ml" or shape == "mlh":
                (px, py), (qx, qy) = pts[0], pts[1]
                self.paths.append(("line", min(px, qx), min(py, qy), max(px, qx), max(py, qy),
                                   gstate.linewidth, stroke, fill, evenodd, gstate.scolor,
                                   gstate.ncolor, gstate.dash))
                return
            if shape == "mlllh" or shape == "mllll":
                (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
                if pts[0] == pts[4] and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0)
                                         or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)):
                    self.paths.append(("rect", min(x0, x2), min(y0, y2), max(x0, x2),
                                       max(y0, y2), gstate.linewidth, stroke, fill, evenodd,
                                       gstate.scolor, gstate.ncolor, gstate.dash))
                    return
        objs = self.cur_item._objs
        before = len(objs)
        super().paint_path(gstate, stroke, fill, evenodd, path)
        if len(objs) > before:
            self.paths.extend(objs[before:])
            del objs[before:]

    def begin_figure(self, name, bbox, matrix):
        self._count_other()
        super().begin_figure(name, bbox, matrix)

    def render_image(self, name, stream):
        self._count_other()
        super().render_image(name, stream)

    def _count_other(self) -> None:
        self._others += 1
        if len(self.paths) + len(self.chars) + self._others > self._cap:
            raise self._budget.objects_over()

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate):
        # used for vertical fonts (and by pdfminer's own paths): LTChar does the metrics
        if len(self.paths) + len(self.chars) + self._others >= self._cap:
            raise self._budget.objects_over()
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
                if len(self.chars) + len(obj) > self._cap:  # a byte at least per character
                    if len(self.chars) + len(self.paths) + self._others + len(font.decode(
                            obj)) > self._cap:
                        raise self._budget.objects_over()
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


#: path shapes that may be a single line or rectangle (pdfminer drops a redundant closing ``l``)
_SIMPLE_SHAPES = frozenset({"ml", "mlh", "mllh", "mlllh", "mllll", "mllllh"})


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
    _flatten(layout, objs)  # images only: the paths are in device.paths
    images = sum(1 for obj in objs if isinstance(obj, LTImage))
    edges: list[dict[str, Any]] = []
    page_number = page.page_number
    doctop0 = page.initial_doctop
    for obj in device.paths:
        if obj.__class__ is not tuple:
            edges.extend(_layout_edges(page, obj))
            continue
        kind, x0, y0, x1, y1, lw, stroke, fill, evenodd, sc, nc, dash = obj
        # Page.process_object's attributes, its expressions
        top = (height - y1) + mb_top
        po = {"x0": x0, "y0": y0, "x1": x1, "y1": y1, "width": x1 - x0, "height": y1 - y0,
              "linewidth": _resolved(lw), "stroke": stroke, "fill": fill, "evenodd": evenodd,
              "stroking_color": _resolved(sc), "non_stroking_color": _resolved(nc),
              "object_type": kind, "page_number": page_number, "dash": dash,
              "top": top, "bottom": (height - y0) + mb_top, "doctop": doctop0 + top}
        if mb_x0 != 0:
            po["x0"] = x0 + mb_x0
            po["x1"] = x1 + mb_x0
        if kind == "line":  # pdfplumber's line_to_edge
            po["orientation"] = "h" if po["top"] == po["bottom"] else "v"
            edges.append(po)
        else:  # pdfplumber's rect_to_edges, with the rectangle's thickness
            po["rect_thickness"] = min(po["width"], po["height"])
            po["object_type"] = "rect_edge"
            edges.append({**po, "height": 0, "y0": po["y1"], "bottom": po["top"],
                          "orientation": "h"})
            edges.append({**po, "height": 0, "y1": po["y0"], "top": po["top"] + po["height"],
                          "doctop": po["doctop"] + po["height"], "orientation": "h"})
            edges.append({**po, "width": 0, "x1": po["x0"], "orientation": "v"})
            po["width"] = 0
            po["x0"] = po["x1"]
            po["orientation"] = "v"
            edges.append(po)
    return chars, edges, images


_PLAIN = (float, int, bool, type(None))


def _resolved(value: Any) -> Any:
    """pdfplumber's ``resolve_all`` (which only replaces object references), skipped for the
    plain numbers and tuples of numbers that colours and line widths nearly always are."""
    cls = value.__class__
    if cls in _PLAIN:
        return value
    if cls is tuple and all(v.__class__ in _PLAIN for v in value):
        return value
    return resolve_all(value)


def _layout_edges(page: Any, obj: Any) -> list[dict[str, Any]]:
    """Edges of a pdfminer path object, through pdfplumber's ``process_object``."""
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
    return got
