"""Unreadable input: a typed error of one family, and exit 2 with one line on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from extract import (
    CorruptPDF,
    EmptyFile,
    EncryptedPDF,
    ExtractError,
    NoSelfEvaluationTable,
    NotAPDF,
    NoTextLayer,
    extract_file,
)
from tests.conftest import CORPUS, MALFORMED, ROOT
from tests.truth import diff_document

CASES = [
    ("empty.pdf", EmptyFile, "zero-byte"),
    ("encrypted.pdf", EncryptedPDF, "password"),
    ("truncated.pdf", CorruptPDF, "truncated"),
    ("not-a-pdf.pdf", NotAPDF, "not a PDF"),
    ("scanned-no-text.pdf", NoTextLayer, "no text layer: needs OCR"),
]
#: the Chinese line of each (alerts, run summary, dq_issue): what is wrong, details, what to do
ZH = {
    "empty.pdf": "empty.pdf：文件为空（0 字节）。上传的文件是空的，请重新报送",
    "encrypted.pdf": "encrypted.pdf：PDF 设有密码（已加密），无法读取。请报送未加密的 PDF",
    "truncated.pdf": "truncated.pdf：PDF 文件不完整或已损坏（PSEOF: Unexpected EOF）。"
                     "请从原表格重新导出 PDF 后报送",
    "not-a-pdf.pdf": "not-a-pdf.pdf：不是 PDF 文件（文件开头是文本，不是“%PDF-”）。"
                     "请以 PDF 格式报送自评表",
    "scanned-no-text.pdf": "scanned-no-text.pdf，第 1 页：PDF 没有可读取的文字（扫描件或字体无法"
                           "解码），需要 OCR 识别（第 1 页只有图片）。请报送由 Excel、WPS 或 Word "
                           "直接导出的 PDF，而不是扫描件",
}


@pytest.mark.parametrize("name,kind,words", CASES, ids=[c[0] for c in CASES])
def test_typed_error(name, kind, words):
    with pytest.raises(kind) as info:
        extract_file(MALFORMED / name)
    assert isinstance(info.value, ExtractError)
    msg = str(info.value)
    assert name in msg and words in msg and "\n" not in msg
    assert info.value.zh() == ZH[name]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", "extract", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("name,kind,words", CASES, ids=[c[0] for c in CASES])
def test_cli_exit_2_one_line_no_traceback(name, kind, words):
    r = _cli(str(MALFORMED / name))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert name in lines[0] and words in lines[0] and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_no_self_evaluation_table(tmp_path: Path):
    # a real PDF whose pages are a cover, prose and another financial table: pages 1–3 only
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(CORPUS / "minhang-zonggonghui-2023.pdf"))
    out = pdfium.PdfDocument.new()
    out.import_pages(src, [0, 1, 2])
    path = tmp_path / "front-pages-only.pdf"
    out.save(str(path))
    with pytest.raises(NoSelfEvaluationTable) as info:
        extract_file(path)
    assert "no 财政项目支出绩效自评表" in str(info.value)
    r = _cli(str(path))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


def test_cli_prints_truth_shaped_json():
    import json

    r = _cli(str(MALFORMED / "missing-grade.pdf"))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert set(doc) >= {"file", "fiscal_year", "reports"}
    rep = doc["reports"][0]
    assert rep["grade"] is None and rep["project_name"] == "退管会工作"
    assert rep["funding"][1]["weight"] is None  # printed "-"


def test_text_layer_without_unicode_map_needs_ocr(tmp_path: Path):
    """Fonts without a ToUnicode map give "(cid:N)" instead of characters: the file is reported
    as needing OCR, not as holding no 自评表 (the map renamed in place: same bytes, same xref)."""
    from tests.conftest import VARIANTS

    data = (VARIANTS / "tall-labels-two-col.pdf").read_bytes()
    assert b"/ToUnicode" in data
    path = tmp_path / "no-unicode-map.pdf"
    path.write_bytes(data.replace(b"/ToUnicode", b"/ToUnicodX"))
    with pytest.raises(NoTextLayer) as info:
        extract_file(path, ocr=False)
    assert "cannot be decoded" in str(info.value) and info.value.page == 1
    # with OCR (the default) the page is rendered and read: every cell as its text layer's
    import json

    doc = extract_file(path)
    assert doc.ocr_pages == (1,) and doc.reports[0].ocr
    truth = json.loads((VARIANTS / "tall-labels-two-col.pdf.truth.json").read_text("utf-8"))
    assert diff_document(doc.to_truth(), {**truth, "file": doc.file}) == []
