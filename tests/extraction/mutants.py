"""Hostile PDFs made from the bundled samples: seeded, reproducible mutants of nine classes.

    from tests.extraction.mutants import CLASSES, mutant
    name, data = mutant("bomb", seed=3)

Every mutant is a function of its class, its seed and the source file's bytes (the three
``samples/*.pdf``, chosen by the seed): the same call gives the same bytes on any machine.
Classes (``CLASSES``), each with several variants drawn by the seed:

* ``byte_flip``: a few bytes changed, anywhere or in the file's structure (dictionaries, xref);
* ``truncation``: the file cut short (sometimes with a fake ``%%EOF`` after the cut);
* ``broken_xref``: offsets shifted, entries garbled, ``startxref`` wrong, the table gone, a
  ``/Prev`` that leads back to the same section;
* ``duplicate_objects``: objects defined twice (an appended update, a second copy in the body,
  pages listed twice);
* ``huge_length``: a stream's ``/Length`` huge, negative or past the end of the file;
* ``bomb``: a small file that decodes to a huge one (Flate of zeros, Flate twice, streams each
  under the limit of one but not together, a ToUnicode map of NUL bytes, LZW,
  RunLength, a PNG predictor over a large stream, ASCII85 padded with blanks, a content
  stream of millions of operators, form XObjects drawing each other ten times per level);
* ``deep_nesting``: arrays or dictionaries nested 100,000 deep (in a page, the catalog, the
  document information, a content stream, a ToUnicode CMap), a page tree or a chain of form
  XObjects 10,000 levels deep, references that lead back to themselves;
* ``page_tree_loop``: a ``/Kids`` that leads back to the node itself or to an ancestor;
* ``many_pages``: thousands of pages (the sample's pages repeated, shared resources).

The structural mutants are written with a valid cross-reference table (so that what is tested
is the mutation, not pdfminer's repair of the xref), except where the xref is the mutation.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = tuple(sorted((ROOT / "samples").glob("*.pdf")))

_OBJ = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_XREF_ROW = re.compile(rb"(\d{10}) (\d{5}) ([nf])")


@dataclass
class Pdf:
    """A PDF as numbered object bodies (the bytes between ``N 0 obj`` and ``endobj``) and its
    trailer dictionary; :meth:`write` lays them out with a fresh, valid xref table."""

    objects: dict[int, bytes]
    trailer: bytes
    header: bytes = b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n"

    @classmethod
    def parse(cls, data: bytes) -> Pdf:
        """The objects of a file with a classic xref table (as the samples are written)."""
        start = int(data[data.rindex(b"startxref") + 9:].split()[0])
        offsets = {}
        pos = data.index(b"xref", start) + 4
        while True:
            head = re.match(rb"\s*(\d+) (\d+)\s*", data[pos:pos + 40])
            if not head:
                break
            first, count = int(head.group(1)), int(head.group(2))
            pos += head.end()
            for i, m in enumerate(_XREF_ROW.finditer(data, pos, pos + 20 * count)):
                if m.group(3) == b"n":
                    offsets[first + i] = int(m.group(1))
            pos += 20 * count
        ends = sorted([*offsets.values(), start])
        objects = {}
        for num, off in offsets.items():
            end = ends[ends.index(off) + 1]
            m = _OBJ.match(data, off)
            assert m and int(m.group(1)) == num, (num, off)
            body = data[m.end():data.rindex(b"endobj", off, end)]
            objects[num] = body.strip(b"\r\n ")
        t = data.rindex(b"trailer")
        trailer = data[t + 7:data.index(b"startxref", t)].strip()
        return cls(objects, trailer)

    def write(self) -> bytes:
        out = bytearray(self.header)
        offsets = {}
        for num in sorted(self.objects):
            offsets[num] = len(out)
            out += b"%d 0 obj\n%s\nendobj\n" % (num, self.objects[num])
        size = max(self.objects) + 1
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for num in range(1, size):
            out += (b"%010d 00000 n \n" % offsets[num]) if num in offsets else \
                b"0000000000 65535 f \n"
        trailer = re.sub(rb"/Size\s+\d+", b"/Size %d" % size, self.trailer)
        out += b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
        return bytes(out)

    # -------------------------------------------------------------------------- object helpers

    def ref(self, name: bytes, body: bytes) -> int:
        """The object number ``/name N 0 R`` in ``body`` points to."""
        return int(re.search(rb"/" + name + rb"\s*(\d+)\s+\d+\s+R", body).group(1))

    @property
    def root(self) -> int:
        return self.ref(b"Root", self.trailer)

    @property
    def pages_root(self) -> int:
        return self.ref(b"Pages", self.objects[self.root])

    def kids(self, node: int) -> list[int]:
        body = self.objects[node]
        inside = body[body.index(b"/Kids"):]
        inside = inside[inside.index(b"[") + 1:inside.index(b"]")]
        return [int(n) for n in re.findall(rb"(\d+)\s+\d+\s+R", inside)]

    def pages(self) -> list[int]:
        return self.kids(self.pages_root)

    def contents(self, page: int) -> int:
        return self.ref(b"Contents", self.objects[page])

    def streams(self) -> list[int]:
        return [n for n, b in self.objects.items() if b.startswith(b"<<") and b"stream" in b]

    def stream_data(self, num: int) -> bytes:
        """A stream's decoded data (every stream of the samples is one FlateDecode)."""
        body = self.objects[num]
        i = body.index(b"stream", body.index(b">>")) + 6
        raw = body[i:body.rindex(b"endstream")]
        raw = raw[2:] if raw[:2] == b"\r\n" else raw[1:]
        return zlib.decompress(raw.rstrip(b"\r\n")) if b"FlateDecode" in body[:i] else raw

    def set_stream(self, num: int, data: bytes, filters: bytes = b"/FlateDecode",
                   extra: bytes = b"") -> None:
        """Replace object ``num`` by a stream of ``data`` (already encoded for ``filters``),
        keeping the other entries of its dictionary (``extra`` added)."""
        old = self.objects.get(num, b"<<>>")
        if not old.startswith(b"<<"):
            old = b"<<>>"
        head = old[:old.index(b"stream")].rstrip() if b"stream" in old else old
        head = re.sub(rb"/(Length|Filter|DecodeParms|DP)\b\s*(\d+\s+\d+\s+R|\[[^\]]*\]|/\w+|\d+|<<.*?>>)",
                      b"", head, flags=re.S)
        filt = b"/Filter " + filters if filters else b""
        self.objects[num] = (head[:-2] + b"/Length %d" % len(data) + filt + extra + b">>\nstream\n"
                             + data + b"\nendstream")

    def new(self, body: bytes) -> int:
        num = max(self.objects) + 1
        self.objects[num] = body
        return num

    def draw_form(self, page: int, form: int) -> None:
        """Give ``page`` its own resources: the shared ones (fonts) and the form ``/X``."""
        body = self.objects[page]
        shared = self.objects[self.ref(b"Resources", body)]
        own = shared[:-2] + b"/XObject<</X %d 0 R>>>>" % form
        self.objects[page] = re.sub(rb"/Resources\s*\d+\s+\d+\s+R", lambda _: b"/Resources" + own,
                                    body)

    def add_to_dict(self, num: int, entry: bytes) -> None:
        """Add ``entry`` (``/Key value``) at the front of object ``num``'s dictionary."""
        body = self.objects[num]
        self.objects[num] = body[:2] + entry + body[2:]


#: the variants of each class (a seed draws one; ``mutant(..., kind=)`` forces it)
KINDS: dict[str, tuple[str, ...]] = {
    "byte_flip": ("anywhere", "structure"),
    "truncation": (),
    "broken_xref": ("shift", "garble", "startxref", "no-table", "count", "keyword",
                    "offsets-zero", "prev-loop"),
    "duplicate_objects": ("update", "body-copy", "page-twice", "swap-bodies"),
    "huge_length": ("direct", "indirect", "past-end"),
    "bomb": ("flate", "flate-twice", "flate-font", "flate-all-pages", "flate-total", "cmap-nul",
             "lzw", "runlength", "predictor", "ascii85-blanks", "operators", "text",
             "xobject-fanout"),
    "deep_nesting": ("page", "catalog", "info", "content", "cmap", "page-tree", "xobjects",
                     "ref-cycle"),
    "page_tree_loop": ("self", "ancestor", "two-nodes", "page-kids"),
    "many_pages": ("2000", "3000", "10000"),
}


def _kind(rng: random.Random, cls: str, kind: str | None) -> str:
    """The variant: drawn from the seed (drawn even when forced, so that a forced variant is the
    mutant the seed gives when it draws that variant itself)."""
    drawn = rng.choice(KINDS[cls])
    if kind is not None and kind not in KINDS[cls]:
        raise ValueError(f"{cls} has no variant {kind!r} (one of {', '.join(KINDS[cls])})")
    return kind or drawn


# ------------------------------------------------------------------------------ byte level


#: bytes that mean something to a PDF parser (a flip to one of these reaches more code)
_SYNTAX = b"<>[]()/{}% \n\r0123456789.-+Rnobj"


def byte_flip(rng: random.Random, src: Path, kind: str | None = None) -> tuple[str, bytes]:
    data = bytearray(src.read_bytes())
    n = rng.choice((1, 2, 4, 8, 16, 64))
    where = _kind(rng, "byte_flip", kind)
    if where == "structure":  # outside the streams: dictionaries, arrays, the xref and trailer
        spans, pos = [], 0
        for m in re.finditer(rb"stream\r?\n.*?endstream", data, re.S):
            spans.append((pos, m.start()))
            pos = m.end()
        spans.append((pos, len(data)))
        positions = [rng.randrange(a, b) for a, b in rng.choices(
            spans, weights=[b - a for a, b in spans], k=n) if b > a]
    else:
        positions = [rng.randrange(len(data)) for _ in range(n)]
    for p in positions:
        data[p] = rng.choice(_SYNTAX) if rng.random() < 0.5 else data[p] ^ rng.randrange(1, 256)
    return f"{where}-{n}", bytes(data)


def truncation(rng: random.Random, src: Path, kind: str | None = None) -> tuple[str, bytes]:
    del kind  # one kind: a cut at a random offset
    data = src.read_bytes()
    cut = rng.randrange(16, len(data) - 1)
    tail = rng.choice((b"", b"\n%%EOF\n"))
    return f"at-{cut}{'-eof' if tail else ''}", data[:cut] + tail


def broken_xref(rng: random.Random, src: Path, kind: str | None = None) -> tuple[str, bytes]:
    data = src.read_bytes()
    start = int(data[data.rindex(b"startxref") + 9:].split()[0])
    xref_end = data.index(b"trailer", start)
    table = data[start:xref_end]
    kind = _kind(rng, "broken_xref", kind)
    if kind == "shift":  # every offset off by a few bytes
        d = rng.choice((-7, -1, 1, 3, 40))
        table = _XREF_ROW.sub(lambda m: b"%010d %s %s" % (max(0, int(m.group(1)) + d),
                                                          m.group(2), m.group(3)), table)
    elif kind == "garble":  # some rows replaced by noise of the same length
        rows = list(_XREF_ROW.finditer(table))
        t = bytearray(table)
        for m in rng.sample(rows, k=min(len(rows), rng.choice((1, 5, 20)))):
            t[m.start():m.end()] = bytes(rng.choice(b"0123456789 fnx") for _ in range(18))
        table = bytes(t)
    elif kind == "startxref":  # startxref points elsewhere
        wrong = rng.choice((0, 1, start // 2, len(data) + 1000, 10 ** 12))
        return f"{kind}-{wrong}", data[:data.rindex(b"startxref")] + \
            b"startxref\n%d\n%%%%EOF\n" % wrong
    elif kind == "no-table":  # the table and the trailer are gone
        return kind, data[:start] + b"startxref\n%d\n%%%%EOF\n" % start
    elif kind == "count":  # the subsection claims another number of rows
        table = re.sub(rb"^xref\s+0 (\d+)", lambda m: b"xref\n0 %d" % rng.choice(
            (1, int(m.group(1)) // 2, int(m.group(1)) * 3, 999999999)), table)
    elif kind == "keyword":
        table = b"xrfe" + table[4:]
    elif kind == "prev-loop":  # the trailer's /Prev is the section itself
        trailer = data[xref_end:]
        trailer = trailer.replace(b"/Size", b"/Prev %d/Size" % start, 1)
        return kind, data[:xref_end] + trailer
    else:  # every in-use offset 0
        table = _XREF_ROW.sub(lambda m: b"0000000000 %s %s" % (m.group(2), m.group(3)), table)
    return kind, data[:start] + table + data[xref_end:]


def duplicate_objects(rng: random.Random, src: Path, kind: str | None = None) -> tuple[str, bytes]:
    data = src.read_bytes()
    pdf = Pdf.parse(data)
    kind = _kind(rng, "duplicate_objects", kind)
    if kind == "update":  # an appended update redefines some objects with other objects' bodies
        nums = sorted(pdf.objects)
        chosen = rng.sample(nums, k=rng.choice((1, 3, 10)))
        out = bytearray(data)
        offsets = {}
        for n in chosen:
            offsets[n] = len(out)
            out += b"%d 0 obj\n%s\nendobj\n" % (n, pdf.objects[rng.choice(nums)])
        xref = len(out)
        out += b"xref\n"
        for n in sorted(offsets):
            out += b"%d 1\n%010d 00000 n \n" % (n, offsets[n])
        prev = int(data[data.rindex(b"startxref") + 9:].split()[0])
        out += b"trailer\n<</Size %d/Root %d 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (
            max(nums) + 1, pdf.root, prev, xref)
        return f"{kind}-{len(chosen)}", bytes(out)
    if kind == "body-copy":  # a second, different "N 0 obj" in the body; the xref is rebuilt
        text = pdf.write()
        nums = rng.sample(sorted(pdf.objects), k=rng.choice((1, 5)))
        extra = b"".join(b"%d 0 obj\n%s\nendobj\n" % (n, pdf.objects[rng.choice(sorted(
            pdf.objects))]) for n in nums)
        at = text.index(b"xref")
        broken = rng.random() < 0.5  # and the xref broken too, so the fallback scan sees both
        tail = text[at:] if not broken else b"startxref\n0\n%%EOF\n"
        return f"{kind}-{len(nums)}{'-noxref' if broken else ''}", text[:at] + extra + tail
    if kind == "page-twice":  # a page listed twice (or more) in /Kids
        root = pdf.pages_root
        kids = pdf.kids(root)
        twice = [rng.choice(kids) for _ in range(rng.choice((1, 3)))]
        new = b" ".join(b"%d 0 R" % k for k in [*kids, *twice])
        body = pdf.objects[root]
        pdf.objects[root] = re.sub(rb"/Kids\s*\[[^\]]*\]", b"/Kids[" + new + b"]", body)
        return f"{kind}-{len(twice)}", pdf.write()
    # two objects' bodies swapped (a page becomes a font, a content stream a dictionary …)
    a, b = rng.sample(sorted(pdf.objects), k=2)
    pdf.objects[a], pdf.objects[b] = pdf.objects[b], pdf.objects[a]
    return f"{kind}-{a}-{b}", pdf.write()


_HUGE = (2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 63, 10 ** 30, -1, -(10 ** 9), 0)


def huge_length(rng: random.Random, src: Path, kind: str | None = None) -> tuple[str, bytes]:
    pdf = Pdf.parse(src.read_bytes())
    kind = _kind(rng, "huge_length", kind)
    num = rng.choice(pdf.streams())
    body = pdf.objects[num]
    if kind == "past-end":
        value = len(body) + rng.choice((1, 1000, 10 ** 6))
    else:
        value = rng.choice(_HUGE)
    m = re.search(rb"/Length\s+(\d+\s+\d+\s+R|\d+)", body)
    if kind == "indirect" and b"R" in m.group(1):
        pdf.objects[pdf.ref(b"Length", body)] = b"%d" % value
    else:
        pdf.objects[num] = body[:m.start()] + b"/Length %d" % value + body[m.end():]
    return f"{kind}-{value}", pdf.write()


# ------------------------------------------------------------------------------ bombs


def flate_zeros(size: int, byte: int = 0) -> bytes:
    """A zlib stream of ``size`` bytes ``byte`` (zeros by default), built without holding them:
    after a full flush a block no longer depends on what came before, so one block of 1 MiB is
    compressed and repeated; the trailer's adler32 is computed from its definition."""
    mib = 1 << 20
    whole, rest = divmod(size, mib)
    fill = bytes((byte,)) * mib
    if whole < 2:
        return zlib.compress(fill[:1] * size, 9)
    c = zlib.compressobj(9)
    out = bytearray(c.compress(fill) + c.flush(zlib.Z_FULL_FLUSH))
    block = c.compress(fill) + c.flush(zlib.Z_FULL_FLUSH)
    out += block * (whole - 1)
    tail = c.compress(fill[:rest]) + c.flush(zlib.Z_FINISH)
    a = (1 + byte * size) % 65521
    b = (size + byte * size * (size + 1) // 2) % 65521
    return bytes(out) + tail[:-4] + ((b << 16) | a).to_bytes(4, "big")


def lzw_zeros(codes: int) -> bytes:
    """An LZW stream (pdfminer's code widths) of zeros: each code one byte longer than the last,
    a clear code before the table is full. ~3,800 codes give ~7.4 MB."""
    bits: list[str] = []
    width, table = 9, 258

    def put(code: int) -> None:
        bits.append(format(code, f"0{width}b"))

    put(256)
    written = 0
    while written < codes:
        put(0)
        table, width = 258, 9
        code = 258
        while code < 4094 and written < codes:
            put(code)
            table += 1
            code += 1
            written += 1
            if table == 511:
                width = 10
            elif table == 1023:
                width = 11
            elif table == 2047:
                width = 12
        put(256)
        width = 9
    s = "".join(bits)
    s += "0" * (-len(s) % 8)
    return int(s, 2).to_bytes(len(s) // 8, "big")


def _operators(n: int, op: bytes) -> bytes:
    return zlib.compress(op * n, 9)


def bomb(rng: random.Random, src: Path, kind: str | None = None) -> tuple[str, bytes]:
    pdf = Pdf.parse(src.read_bytes())
    pages = pdf.pages()
    page = rng.choice(pages)
    kind = _kind(rng, "bomb", kind)
    target = pdf.contents(page)
    mib = 1 << 20
    size = 0  # the decoded size, where one stream is the bomb
    if kind == "flate":  # one content stream that inflates to 0.25–4 GiB
        size = rng.choice((256, 1024, 4096)) * mib
        pdf.set_stream(target, flate_zeros(size))
    elif kind == "flate-twice":  # Flate inside Flate: a few kB → GiB
        size = rng.choice((1024, 4096)) * mib
        pdf.set_stream(target, zlib.compress(flate_zeros(size), 9),
                       b"[/FlateDecode /FlateDecode]")
    elif kind == "flate-font":  # a font program (decoded when the page's fonts are built)
        fonts = [n for n in pdf.streams() if b"/Length1" in pdf.objects[n][:200]]
        size = rng.choice((512, 2048)) * mib
        pdf.set_stream(rng.choice(fonts), flate_zeros(size), extra=b"/Length1 %d" % size)
    elif kind == "flate-all-pages":  # each page 48 MiB (under one stream's cap, not together)
        data = flate_zeros(48 * mib)
        for p in pages:
            pdf.set_stream(pdf.contents(p), data)
    elif kind == "flate-total":  # fonts and maps 60 MiB each, pages 4 MiB: each under its limit
        big = flate_zeros(60 * mib, ord(" "))
        for n in pdf.streams():
            head = pdf.objects[n][:200]
            if b"/Length1" in head:
                pdf.set_stream(n, big, extra=b"/Length1 %d" % (60 * mib))
        for body in list(pdf.objects.values()):
            if b"/ToUnicode" in body:
                pdf.set_stream(pdf.ref(b"ToUnicode", body), big)
        for p in pages:
            c = pdf.contents(p)
            pdf.set_stream(c, zlib.compress(pdf.stream_data(c) + b" " * (4 * mib)))
    elif kind == "cmap-nul":  # a map of NUL bytes: pdfminer's parser steps over them one by one
        cmaps = [n for n, b in pdf.objects.items() if b"/ToUnicode" in b]
        cmap = pdf.ref(b"ToUnicode", pdf.objects[rng.choice(cmaps)])
        size = rng.choice((4, 32)) * mib
        pdf.set_stream(cmap, flate_zeros(size))
    elif kind == "lzw":
        pdf.set_stream(target, lzw_zeros(rng.choice((40_000, 200_000))), b"/LZWDecode")
    elif kind == "runlength":  # 128 bytes per 2, then Flate over it
        n = rng.choice((2, 8)) * mib
        pdf.set_stream(target, zlib.compress(b"\x81\x00" * n, 9),
                       b"[/FlateDecode /RunLengthDecode]")
    elif kind == "predictor":  # a PNG predictor over a large inflated stream
        size = rng.choice((64, 512)) * mib
        pdf.set_stream(target, flate_zeros(size), b"/FlateDecode",
                       b"/DecodeParms<</Predictor 12/Columns 1000>>")
    elif kind == "ascii85-blanks":  # blanks that make pdfminer's end marker regex quadratic
        pdf.set_stream(target, b"z" + b" " * rng.choice((200_000, 1_000_000)) + b"z~>",
                       b"/ASCII85Decode")
    elif kind == "operators":  # millions of paths (each a ruling the page reader keeps)
        n = rng.choice((1, 4)) * 1_000_000
        pdf.set_stream(target, _operators(n, b"10 10 m 300 300 l S\n"))
    elif kind == "text":  # millions of characters
        font = re.search(rb"/(F\d+)\s", pdf.stream_data(target)).group(1)
        n = rng.choice((1, 4)) * 1_000_000
        pdf.set_stream(target, _operators(n // 100, b"BT /" + font + b" 9 Tf 50 50 Td ("
                                          + b"A" * 100 + b") Tj ET\n"))
    else:  # form XObjects, each drawing the next one ten times: 10 ** depth executions
        depth = rng.choice((6, 8))
        prev = None
        for _ in range(depth):
            body = (b"q /X Do Q\n" * 10) if prev else b"10 10 m 20 20 l S\n"
            res = b"/Resources<</XObject<</X %d 0 R>>>>" % prev if prev else b""
            num = pdf.new(b"<<>>")
            pdf.set_stream(num, zlib.compress(body), extra=b"/Type/XObject/Subtype/Form"
                           b"/BBox[0 0 600 800]" + res)
            prev = num
        pdf.set_stream(target, zlib.compress(b"q /X Do Q\n" + pdf.stream_data(target)))
        pdf.draw_form(page, prev)
        return f"{kind}-{depth}", pdf.write()
    return f"{kind}-{size // mib}m" if size else kind, pdf.write()


# ------------------------------------------------------------------------------ structure

DEEP = 100_000


def deep_nesting(rng: random.Random, src: Path, kind: str | None = None) -> tuple[str, bytes]:
    pdf = Pdf.parse(src.read_bytes())
    depth = rng.choice((DEEP, DEEP // 2, 2_000))
    opener, closer = rng.choice(((b"[", b"]"), (b"<</A ", b">>")))
    deep = opener * depth + b"1" + closer * depth
    page = rng.choice(pdf.pages())
    kind = _kind(rng, "deep_nesting", kind)
    if kind == "page":
        pdf.add_to_dict(page, b"/Deep " + deep)
    elif kind == "catalog":
        pdf.add_to_dict(pdf.root, b"/Deep " + deep)
    elif kind == "info":
        info = pdf.ref(b"Info", pdf.trailer)
        pdf.add_to_dict(info, b"/Deep " + deep)
    elif kind == "content":  # an operand nested deep, then the page's own operators
        target = pdf.contents(page)
        pdf.set_stream(target, zlib.compress(deep + b" pop\n" + pdf.stream_data(target)))
    elif kind == "cmap":
        cmaps = [n for n, b in pdf.objects.items() if b"/ToUnicode" in b]
        if cmaps:
            cmap = pdf.ref(b"ToUnicode", pdf.objects[rng.choice(cmaps)])
            pdf.set_stream(cmap, zlib.compress(deep + b"\n" + pdf.stream_data(cmap)))
    elif kind == "page-tree":  # a chain of /Pages nodes, one per level, the page at the bottom
        levels = depth // 10 if depth > 10_000 else depth
        child = page
        for _ in range(levels):
            child = pdf.new(b"<</Type/Pages/Kids[%d 0 R]/Count 1>>" % child)
        root = pdf.pages_root
        pdf.objects[root] = re.sub(rb"/Kids\s*\[[^\]]*\]", b"/Kids[%d 0 R]" % child,
                                   pdf.objects[root])
        depth = levels
    elif kind == "ref-cycle":  # the page's /MediaBox a reference to a reference to itself
        first = max(pdf.objects) + 1
        n = rng.choice((1, 2, 5))
        for i in range(n):
            pdf.objects[first + i] = b"%d 0 R" % (first + (i + 1) % n)
        pdf.objects[page] = re.sub(rb"/MediaBox\s*\[[^\]]*\]", b"/MediaBox %d 0 R" % first,
                                   pdf.objects[page])
        depth = n
    else:  # a chain of form XObjects, each drawing the next
        levels = depth // 10 if depth > 10_000 else depth
        prev = None
        for _ in range(levels):
            body = b"/X Do\n" if prev else b"10 10 m 20 20 l S\n"
            res = b"/Resources<</XObject<</X %d 0 R>>>>" % prev if prev else b""
            num = pdf.new(b"<</Type/XObject/Subtype/Form/BBox[0 0 9 9]" + res + b">>")
            pdf.set_stream(num, body, b"")
            prev = num
        target = pdf.contents(page)
        pdf.set_stream(target, zlib.compress(b"/X Do\n" + pdf.stream_data(target)))
        pdf.draw_form(page, prev)
        depth = levels
    return f"{kind}-{depth}-{'array' if opener == b'[' else 'dict'}", pdf.write()


def page_tree_loop(rng: random.Random, src: Path, kind: str | None = None) -> tuple[str, bytes]:
    pdf = Pdf.parse(src.read_bytes())
    root = pdf.pages_root
    kids = pdf.kids(root)
    kind = _kind(rng, "page_tree_loop", kind)
    if kind == "self":  # the root lists itself among its kids
        at = rng.randrange(len(kids) + 1)
        new = [*kids[:at], root, *kids[at:]]
    elif kind == "ancestor":  # an intermediate node whose kids lead back to the root
        mid = pdf.new(b"<</Type/Pages/Parent %d 0 R/Kids[%d 0 R %d 0 R]/Count 2>>"
                      % (root, rng.choice(kids), root))
        at = rng.randrange(len(kids) + 1)
        new = [*kids[:at], mid, *kids[at:]]
    elif kind == "two-nodes":  # two intermediate nodes listing each other
        a = max(pdf.objects) + 1
        b = a + 1
        pdf.objects[a] = b"<</Type/Pages/Parent %d 0 R/Kids[%d 0 R %d 0 R]/Count 2>>" % (
            root, kids[0], b)
        pdf.objects[b] = b"<</Type/Pages/Parent %d 0 R/Kids[%d 0 R %d 0 R]/Count 2>>" % (
            a, kids[-1], a)
        new = [*kids[1:-1], a]
    else:  # a page turned into a /Pages node whose kids include the root
        page = rng.choice(kids)
        pdf.objects[page] = pdf.objects[page].replace(b"/Type/Page", b"/Type/Pages/Kids[%d 0 R]"
                                                      % root, 1)
        new = kids
    pdf.objects[root] = re.sub(rb"/Kids\s*\[[^\]]*\]", b"/Kids[" + b" ".join(
        b"%d 0 R" % k for k in new) + b"]", pdf.objects[root])
    return kind, pdf.write()


def many_pages(rng: random.Random, src: Path, kind: str | None = None) -> tuple[str, bytes]:
    """The sample's pages repeated (one import, so the copies share fonts and resources)."""
    import io

    import pypdfium2 as pdfium

    n = int(_kind(rng, "many_pages", kind))
    pdf = pdfium.PdfDocument(str(src))
    doc = pdfium.PdfDocument.new()
    doc.import_pages(pdf, [i % len(pdf) for i in range(n)])
    buf = io.BytesIO()
    doc.save(buf)
    doc.close()
    pdf.close()
    return f"{n}", buf.getvalue()


CLASSES: dict[str, Callable[[random.Random, Path], tuple[str, bytes]]] = {
    "byte_flip": byte_flip,
    "truncation": truncation,
    "broken_xref": broken_xref,
    "duplicate_objects": duplicate_objects,
    "huge_length": huge_length,
    "bomb": bomb,
    "deep_nesting": deep_nesting,
    "page_tree_loop": page_tree_loop,
    "many_pages": many_pages,
}


@dataclass(frozen=True)
class Mutant:
    name: str  # class, seed, variant
    source: Path  # the sample it was made from
    data: bytes


def mutant(cls: str, seed: int, kind: str | None = None) -> Mutant:
    """Mutant ``seed`` of class ``cls``, of variant ``kind`` (else the one the seed draws); its
    name says the variant."""
    rng = random.Random(f"{cls}/{seed}")
    src = rng.choice(SOURCES)
    variant, data = CLASSES[cls](rng, src, kind)
    return Mutant(f"{cls}-{seed:04d}-{variant}", src, data)
