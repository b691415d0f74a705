"""Hostile input is bounded: seeded mutants of the samples (``tests/extraction/mutants.py``) end
as a document or a typed :class:`ExtractError` of their own code, in bounded time and memory;
``jixiao extract`` says so in one line on stderr, never a traceback or a library warning.

``benchmarks/hostile.py`` runs hundreds of them; this is a fixed few per class.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from extract import ExtractError, extract_file
from extract.budget import bounded
from extract.errors import (
    ERROR_CODES,
    FILE_ERROR_CODES,
    CorruptPDF,
    OutOfMemory,
    TooDeep,
    TooLarge,
    TooManyPages,
    TooSlow,
)
from extract.limits import Limits
from tests.conftest import ROOT, SAMPLES
from tests.extraction import capped
from tests.extraction.mutants import Mutant, flate_zeros, lzw_zeros, mutant

SAMPLE = SAMPLES / "minhang-zonggonghui-2023.pdf"

#: (class, seed, variant, limits, the codes it may end with: "ok" for a document)
FIXED = [
    # pdfplumber's page raised outside the typed family (MalformedPDFException, TypeError),
    # and closing the document walked the page tree again and raised (PdfminerException)
    ("byte_flip", 17, None, None, {"corrupt_pdf"}),
    ("byte_flip", 22, None, None, {"corrupt_pdf"}),
    ("byte_flip", 31, None, None, {"corrupt_pdf"}),
    ("byte_flip", 0, None, None, {"ok"}),  # 25 pdfminer warnings on stderr before
    ("truncation", 0, None, None, {"corrupt_pdf"}),
    ("truncation", 3, None, None, {"corrupt_pdf"}),
    ("broken_xref", 0, "no-table", None, {"corrupt_pdf"}),
    ("broken_xref", 0, "shift", None, {"ok", "no_self_evaluation_table"}),
    ("broken_xref", 0, "prev-loop", None, {"too_deep"}),
    ("duplicate_objects", 0, "update", None, {"ok"}),
    ("duplicate_objects", 2, "swap-bodies", None, {"corrupt_pdf"}),
    ("duplicate_objects", 9, "page-twice", None, {"ok"}),
    # a negative or huge /Length: "negative seek value", "cannot fit 'int'" (tracebacks before)
    ("huge_length", 6, None, None, {"corrupt_pdf"}),
    ("huge_length", 9, None, None, {"corrupt_pdf"}),
    ("bomb", 0, "flate", None, {"too_large"}),
    ("bomb", 0, "flate-twice", None, {"too_large"}),
    ("bomb", 0, "flate-font", None, {"too_large"}),
    ("bomb", 0, "flate-total", Limits(total_mb=128), {"too_large"}),
    ("bomb", 0, "lzw", None, {"too_large"}),
    ("bomb", 0, "runlength", None, {"too_large"}),
    ("bomb", 0, "predictor", None, {"too_large"}),
    ("bomb", 0, "ascii85-blanks", None, {"ok"}),  # quadratic in pdfminer: hours
    ("bomb", 0, "operators", None, {"too_large"}),
    ("bomb", 0, "text", None, {"too_large"}),
    ("bomb", 0, "xobject-fanout", Limits(page_objects=5_000), {"too_large"}),
    ("bomb", 1, "cmap-nul", Limits(seconds=1), {"too_slow"}),  # stopped inside pdfminer's parser
    ("deep_nesting", 2, "page", None, {"too_deep"}),
    ("deep_nesting", 0, "info", None, {"too_deep"}),
    ("deep_nesting", 3, "content", None, {"too_deep"}),
    ("deep_nesting", 0, "cmap", None, {"too_deep"}),
    ("deep_nesting", 0, "page-tree", None, {"too_deep"}),
    ("deep_nesting", 0, "xobjects", None, {"too_deep"}),
    ("deep_nesting", 0, "ref-cycle", None, {"corrupt_pdf"}),  # pdfminer: an endless loop
    ("page_tree_loop", 0, "self", None, {"corrupt_pdf"}),
    ("page_tree_loop", 0, "two-nodes", None, {"corrupt_pdf"}),
    ("page_tree_loop", 0, "page-kids", None, {"corrupt_pdf"}),
    ("many_pages", 0, "3000", None, {"too_many_pages"}),
    ("many_pages", 0, "2000", Limits(seconds=1), {"too_slow"}),
]


def _id(case) -> str:
    cls, seed, kind, limits, _ = case
    return f"{cls}-{seed}-{kind or 'seed'}" + ("-limits" if limits else "")


def _write(tmp_path: Path, m: Mutant) -> Path:
    path = tmp_path / f"{m.name}.pdf"
    path.write_bytes(m.data)
    return path


@pytest.mark.parametrize("case", FIXED, ids=[_id(c) for c in FIXED])
def test_mutant_ends_typed_and_in_time(case, tmp_path: Path):
    cls, seed, kind, limits, codes = case
    m = mutant(cls, seed, kind)
    path = _write(tmp_path, m)
    limits = limits or Limits()
    t = time.monotonic()
    try:
        doc = extract_file(path, limits=limits)
        outcome = "ok"
        assert doc.reports
    except ExtractError as exc:  # anything else fails the test: a traceback
        outcome = exc.code
        msg = str(exc)
        assert path.name in msg and "\n" not in msg and len(msg) < 400, msg
        assert exc.zh().startswith(path.name) and "\n" not in exc.zh()
    elapsed = time.monotonic() - t
    assert outcome in codes, f"{m.name}: {outcome}"
    # a deadline stops a file soon after it passes; the other cases stop far before it
    assert elapsed < limits.seconds + 3, f"{m.name}: {elapsed:.1f} s"


def test_a_page_tree_loop_names_the_object(tmp_path: Path):
    path = _write(tmp_path, mutant("page_tree_loop", 0, "self"))
    with pytest.raises(CorruptPDF, match=r"the page tree loops: object \d+ is among its own kids"):
        extract_file(path)


# ------------------------------------------------------------------------------ the CLI

def cli(path: Path, env: dict[str, str] | None = None, cap_mb: int = 4096) -> dict:
    """``jixiao extract PATH`` in a process of its own: exit status, stderr lines, its peak
    resident memory (MiB) and seconds."""
    r = capped.run(["-m", "flows.cli", "extract", "--compact", str(path)], cap_mb=cap_mb,
                   timeout=120, env=env)
    return {**r, "stderr": r["stderr"].strip().splitlines()}


#: one per class, the bombs with their memory: (class, seed, variant, words, most MiB)
CLI_CASES = [
    ("byte_flip", 0, None, None, 150),  # exit 0: pdfminer's 25 warnings are not on stderr
    # a page the flip left without decodable text is read by OCR before the file fails:
    # the recognizer's model and OpenCV in memory (measured 248 MiB peak)
    ("byte_flip", 22, None, "the PDF cannot be parsed", 300),
    ("truncation", 0, None, "truncated or corrupt", 150),
    ("broken_xref", 0, "no-table", "truncated or corrupt", 150),
    ("duplicate_objects", 2, "swap-bodies", "cannot be parsed", 150),
    ("huge_length", 6, None, "negative seek value", 150),
    # 1 GiB inflated (the unbounded extractor grew past 2 GiB): 64 MiB and a copy
    ("bomb", 0, "flate", "decodes to more than 64 MiB", 300),
    ("deep_nesting", 2, "page", "nested more than 100 levels deep", 150),
    ("page_tree_loop", 0, "two-nodes", "the page tree loops", 150),
    ("many_pages", 0, "10000", "more than 2,000 pages", 150),
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[f"{c[0]}-{c[1]}-{c[2] or 'seed'}"
                                                 for c in CLI_CASES])
def test_cli_one_line_no_traceback_bounded_memory(case, tmp_path: Path):
    cls, seed, kind, words, most_mb = case
    path = _write(tmp_path, mutant(cls, seed, kind))
    r = cli(path)
    if words is None:
        assert r["code"] == 0 and r["stderr"] == [], r
    else:
        assert r["code"] == 2, r
        assert len(r["stderr"]) == 1, r["stderr"]  # no warning line before it
        line = r["stderr"][0]
        assert line.startswith(f"jixiao extract: {path.name}") and words in line, line
    assert r["peak_mib"] < most_mb, f"peak RSS {r['peak_mib']:.0f} MiB"
    assert r["seconds"] < 30


def test_cli_memory_error_is_out_of_memory(tmp_path: Path):
    """Limits raised past what the process may allocate: the bomb's inflate fails with a real
    ``MemoryError`` (the address space capped at 700 MiB), which is ``out_of_memory``."""
    m = mutant("bomb", 0, "flate")
    assert m.name.endswith("flate-1024m")  # 1 GiB inflated
    path = _write(tmp_path, m)
    big = {"JIXIAO_LIMIT_STREAM_MB": "8192", "JIXIAO_LIMIT_TOTAL_MB": "8192",
           "JIXIAO_LIMIT_CONTENT_MB": "8192", "JIXIAO_LIMIT_MEMORY_MB": "8192"}
    r = cli(path, env=big, cap_mb=700)
    assert r["code"] == 2 and len(r["stderr"]) == 1, r
    line = r["stderr"][0]
    assert "ran out of memory" in line and "JIXIAO_LIMIT_MEMORY_MB" in line, line


def test_cli_bad_limit_is_one_line(tmp_path: Path):
    r = subprocess.run([sys.executable, "-m", "flows.cli", "extract", str(SAMPLE)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60, check=False,
                       env={**os.environ, "JIXIAO_LIMIT_PAGES": "many"})
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip() == "jixiao extract: JIXIAO_LIMIT_PAGES='many' is not a whole number above 0"


def test_cli_reads_the_limits_from_the_environment():
    r = subprocess.run([sys.executable, "-m", "flows.cli", "extract", str(SAMPLE)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60, check=False,
                       env={**os.environ, "JIXIAO_LIMIT_PAGES": "10"})
    assert r.returncode == 2
    assert "more than 10 pages" in r.stderr and len(r.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------------------ each limit


#: every field of Limits, set below what the 2023 sample needs: its own code and words
EACH = [
    (Limits(pages=10), TooManyPages, "more than 10 pages", "文件页数超过上限（上限 10 页）"),
    (Limits(file_mb=0.1), TooLarge, "the file is 244 KiB, over the limit of 0.1 MiB",
     "文件 244 KiB，超过文件大小上限 0.1 MiB"),
    (Limits(stream_mb=0.05), TooLarge, "decodes to more than 0.05 MiB, the limit per stream",
     "解压后超过 0.05 MiB（单个数据流上限）"),
    (Limits(total_mb=0.2), TooLarge, "decode to more than 0.2 MiB in all",
     "全部数据流解压后超过 0.2 MiB（合计上限）"),
    (Limits(content_mb=0.02), TooLarge, "the page draws more than 0.02 MiB of content",
     "该页绘制内容超过 0.02 MiB（每页上限）"),
    (Limits(page_objects=300), TooLarge, "the page has more than 300 characters and lines",
     "该页字符和线条超过 300 个（每页上限）"),
    (Limits(depth=1), TooDeep, "nested more than 1 levels deep", "数组或字典嵌套超过 1 层"),
    (Limits(seconds=0.05), TooSlow, "reading took more than 0.05 s", "读取超时（超过 0.05 秒上限"),
]


@pytest.mark.parametrize("limits,kind,words,words_zh", EACH, ids=[str(e[0]).split("(")[1].split(
    "=")[0] for e in EACH])
def test_each_limit_has_its_code(limits, kind, words, words_zh):
    with pytest.raises(kind) as info:
        extract_file(SAMPLE, limits=limits)
    err = info.value
    assert words in str(err) and words_zh in err.zh(), (str(err), err.zh())
    assert str(err).startswith(SAMPLE.name) and err.zh().startswith(SAMPLE.name)


def test_memory_limit_is_out_of_memory(tmp_path: Path):
    """Resident memory grown past ``memory_mb`` while the file is read (60 MiB font programs)."""
    path = _write(tmp_path, mutant("bomb", 0, "flate-total"))
    with pytest.raises(OutOfMemory) as info:
        extract_file(path, limits=Limits(memory_mb=16))
    assert "over the limit of 16 MiB" in str(info.value)
    assert "上限 16 MiB" in info.value.zh() and info.value.page == 1


def test_default_limits_read_every_sample():
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        assert extract_file(pdf, limits=Limits()).reports


def test_limits_are_validated():
    for bad in ({"seconds": 0}, {"pages": -1}, {"depth": float("nan")}, {"stream_mb": True},
                {"memory_mb": float("inf")}):
        with pytest.raises(ValueError, match="must be a positive number"):
            Limits(**bad)


def test_error_registry():
    """Codes the file's bytes cause are not retried next night; the time and memory a file takes
    also depend on the machine, and are."""
    assert {"too_large", "too_many_pages", "too_deep"} <= FILE_ERROR_CODES
    assert {"too_slow", "out_of_memory"} <= ERROR_CODES - FILE_ERROR_CODES
    assert "corrupt_pdf" in FILE_ERROR_CODES and "report_missing" in FILE_ERROR_CODES


# ------------------------------------------------------------------------------ the decoders


def _streams(pdf: Path) -> list[bytes]:
    """The raw (FlateDecode) data of every stream of a sample."""
    return [m.group(1).rstrip(b"\r\n") for m in re.finditer(
        rb">>\s*stream\r?\n(.*?)endstream", pdf.read_bytes(), re.S)]


def _decode_all(raw: bytes, attrs: dict) -> bytes:
    from pdfminer.pdftypes import PDFStream

    s = PDFStream(attrs, raw)
    return s.get_data()


def test_bounded_decoders_decode_what_pdfminer_decodes():
    """Under limits, every stream of the sample, a damaged one and the other filters decode to
    pdfminer's own bytes."""
    from pdfminer.psparser import LIT

    flate = {"Filter": LIT("FlateDecode")}
    raws = _streams(SAMPLE)
    cases = [(r, flate) for r in raws]
    good = zlib.compress(b"0 0 m 10 10 l S\n" * 500)
    cases += [
        (good[:-2], flate),  # checksum cut: pdfminer keeps what inflated
        (good[:-2] + b"\xff\xff", flate),  # checksum wrong
        (good[:40] + b"\x00" * 20 + good[60:], flate),  # damaged inside: nothing
        (good[:len(good) // 2], flate),  # cut short: as far as it goes
        (lzw_zeros(300), {"Filter": LIT("LZWDecode")}),
        (bytes([3]) + b"abcd" + bytes([254]) + b"x" + bytes([128]), {"Filter": LIT("RL")}),
        (b"<~87cURD]i,\"Ebo80~>", {"Filter": LIT("ASCII85Decode")}),
        (b"87cURD]i,  \"Ebo80~>", {"Filter": LIT("A85")}),
        (b"48656c6c6f>", {"Filter": LIT("ASCIIHexDecode")}),
    ]
    for raw, attrs in cases:
        expected = _decode_all(raw, attrs)  # no limits in force: pdfminer's own functions
        with bounded("x.pdf", Limits()):
            got = _decode_all(raw, attrs)
        assert got == expected, (attrs, raw[:20])


def test_a_bomb_stops_at_the_stream_limit():
    """4 GiB of zeros in 4 MB: inflated up to the limit and one byte, then too_large."""
    from pdfminer.pdftypes import PDFStream
    from pdfminer.psparser import LIT

    bomb = flate_zeros(4 << 30)
    assert len(bomb) < 5 << 20
    with pytest.raises(TooLarge, match="decodes to more than 1 MiB"), \
            bounded("bomb.pdf", Limits(stream_mb=1)):
        PDFStream({"Filter": LIT("FlateDecode")}, bomb).get_data()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_library_warnings_go_to_debug_while_a_file_is_read(tmp_path: Path):
    """pdfminer's warnings on a damaged file reach the root logger's handlers only as DEBUG
    records of ``extract.library`` while it is read; outside an extraction, as they were.
    (Not pytest's ``caplog``: it hooks into non-propagating loggers such as pdfminer's.)"""
    path = _write(tmp_path, mutant("byte_flip", 0))
    root, lib = logging.getLogger(), logging.getLogger("extract.library")
    handler, level = _Records(), lib.level
    root.addHandler(handler)
    lib.setLevel(logging.DEBUG)
    try:
        extract_file(path)
        seen = list(handler.records)
        handler.records.clear()
        logging.getLogger("pdfminer.pdfdocument").warning("outside")
    finally:
        root.removeHandler(handler)
        lib.setLevel(level)
    assert len([r for r in seen if r.name == "extract.library"]) >= 10
    assert all(r.name == "extract.library" and r.levelno == logging.DEBUG for r in seen)
    assert [(r.name, r.getMessage()) for r in handler.records] == [
        ("pdfminer.pdfdocument", "outside")]


def test_settings_read_the_limits(monkeypatch):
    """``JIXIAO_LIMIT_*``: one variable per field of :class:`Limits`, checked when loaded."""
    from dataclasses import fields

    from flows.config import LIMIT_VARIABLES, Settings, SettingsError

    assert sorted(LIMIT_VARIABLES.values()) == sorted(f.name for f in fields(Limits))
    monkeypatch.setenv("JIXIAO_LIMIT_SECONDS", "12.5")
    monkeypatch.setenv("JIXIAO_LIMIT_PAGES", "300")
    assert Settings.load().limits == Limits(seconds=12.5, pages=300)
    for key, bad in [("JIXIAO_LIMIT_PAGES", "1.5"), ("JIXIAO_LIMIT_MEMORY_MB", "-5"),
                     ("JIXIAO_LIMIT_DEPTH", "nan"), ("JIXIAO_LIMIT_STREAM_MB", "inf")]:
        monkeypatch.setenv(key, bad)
        with pytest.raises(SettingsError, match=key):
            Settings.load()
        monkeypatch.delenv(key)
