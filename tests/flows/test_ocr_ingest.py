"""End to end: scans (image-only PDFs) through the nightly flow. A clean scan's report is loaded
with every fact marked as read by OCR and its confidence; a scan of a report that breaks its
own arithmetic (score above weight, which a text version loads with a warning) is kept out
with ``ocr_uncertain`` naming the cell, page and box; with OCR off the scan fails as before."""

from __future__ import annotations

import importlib.util
import shutil
import sys

import pytest
from sqlalchemy import text

from load import reader
from tests.conftest import FIXTURES

pytestmark = pytest.mark.xdist_group("flows")

SCANS = FIXTURES / "scans"
CLEAN = "scan-2023-p4-200dpi-grey.pdf"
BAD = "scan-score-above-weight.pdf"


def _generator():
    spec = importlib.util.spec_from_file_location("scan_generate", SCANS / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def _rows(db, sql: str) -> list[tuple]:
    with reader(db) as engine, engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


@pytest.fixture(scope="module")
def night(prefect_harness, tmp_path_factory):
    from flows.ingest import ingest_reports

    tmp = tmp_path_factory.mktemp("ocr")
    inbox = tmp / "inbox"
    inbox.mkdir()
    shutil.copy2(SCANS / CLEAN, inbox / CLEAN)
    gen = _generator()
    made = gen.make(gen.Scan("scan-score-above-weight", "malformed/score-above-weight.pdf", (4,),
                             200, True, -1.0, False, 70, 5.0, 11), out=tmp)
    shutil.copy2(made, inbox / BAD)
    db = tmp / "warehouse" / "jixiao.duckdb"
    summary = ingest_reports(paths=[str(inbox)], db=str(db), rules="shanghai", alert_urls=[],
                             workers=2)
    return {"db": db, "summary": summary}


def test_clean_scan_loaded_as_ocr(night):
    db = night["db"]
    statuses = dict(_rows(db, "SELECT file_name, status FROM source_document"))
    assert statuses[CLEAN] == "loaded"
    rows = _rows(db, "SELECT e.ocr, e.ocr_confidence, e.total_score, e.grade "
                     "FROM fact_project_evaluation e JOIN source_document d USING (document_id) "
                     f"WHERE d.file_name = '{CLEAN}'")
    assert len(rows) == 1
    ocr, conf, total, grade = rows[0]
    assert ocr is True and 0 < conf <= 1 and str(total) == "100.00" and grade == "优"
    facts = _rows(db, "SELECT count(*), count(*) FILTER (WHERE ocr AND ocr_confidence > 0) "
                      "FROM fact_indicator_result")
    assert facts[0][0] == facts[0][1] > 0


def test_scan_breaking_its_arithmetic_is_kept_out(night):
    db = night["db"]
    issues = _rows(db, "SELECT i.check_code, i.severity, i.message FROM dq_issue i "
                       f"JOIN source_document d USING (document_id) WHERE d.file_name = '{BAD}'")
    uncertain = [m for code, sev, m in issues if code == "ocr_uncertain" and sev == "error"]
    assert uncertain, issues
    assert any("score_above_weight" in m and "第 1 页 (" in m for m in uncertain)
    kept = _rows(db, "SELECT count(*) FROM fact_project_evaluation e JOIN source_document d "
                     f"USING (document_id) WHERE d.file_name = '{BAD}'")
    assert kept == [(0,)]
    assert night["summary"].counts.quarantined == 1


def test_ocr_off_fails_the_scan(prefect_harness, tmp_path, monkeypatch):
    from flows.ingest import ingest_reports

    monkeypatch.setenv("JIXIAO_OCR", "off")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy2(SCANS / CLEAN, inbox / CLEAN)
    db = tmp_path / "w.duckdb"
    summary = ingest_reports(paths=[str(inbox)], db=str(db), rules="shanghai", alert_urls=[],
                             workers=1)
    assert summary.counts.failed == 1
    assert _rows(db, "SELECT check_code FROM dq_issue") == [("no_text_layer",)]
