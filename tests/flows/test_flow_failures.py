"""A failure inside one document never stops the run: extraction crash, transform bug, GX failure."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import flows.ingest as ingest
import flows.loading as loading
from load import reader
from tests.conftest import SAMPLES

# one worker runs every flow test: one Prefect harness
pytestmark = pytest.mark.xdist_group("flows")


def _statuses(db) -> dict[str, tuple[str, str | None]]:
    from sqlalchemy import text

    with reader(db) as engine, engine.connect() as conn:
        return {r.file_name: (r.status, r.error_code) for r in conn.execute(
            text("SELECT file_name, status, error_code FROM source_document"))}


@pytest.fixture
def inbox(tmp_path):
    shutil.copytree(SAMPLES, tmp_path / "inbox")
    return tmp_path / "inbox"


_REAL_EXTRACT = ingest._extract_one


def _crash_on_2023(src, **kw):
    """Runs in a worker (module level, so it can be sent there): dies like a segfault would."""
    if "2023" in src.file_name:
        os._exit(1)
    return _REAL_EXTRACT(src, **kw)


def test_a_crashed_worker_fails_only_its_file(prefect_harness, inbox, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "_extract_one", _crash_on_2023)
    out = ingest.ingest_reports(paths=[str(inbox)], db=str(tmp_path / "w.duckdb"),
                                alert_urls=[], report=False)
    st = _statuses(tmp_path / "w.duckdb")
    assert st["minhang-zonggonghui-2023.pdf"] == ("failed", "worker_died")
    assert st["minhang-zonggonghui-2022.pdf"][0] == st["minhang-zonggonghui-2024.pdf"][0] == "loaded"
    assert (out.counts.loaded, out.counts.failed) == (2, 1)
    # the crash was not the file's fault: the next run reads it again (never skipped forever)
    monkeypatch.setattr(ingest, "_extract_one", _REAL_EXTRACT)
    again = ingest.ingest_reports(paths=[str(inbox)], db=str(tmp_path / "w.duckdb"),
                                  alert_urls=[], report=False)
    assert (again.counts.files_new, again.counts.loaded) == (1, 1)
    assert _statuses(tmp_path / "w.duckdb")["minhang-zonggonghui-2023.pdf"] == ("loaded", None)


def test_a_transform_bug_fails_only_its_file(prefect_harness, inbox, tmp_path, monkeypatch):
    real = loading.transform_document

    def broken(doc, **kw):
        if "2024" in doc.file:
            raise ZeroDivisionError("a bug")
        return real(doc, **kw)

    monkeypatch.setattr(loading, "transform_document", broken)
    out = ingest.ingest_reports(paths=[str(inbox)], db=str(tmp_path / "w.duckdb"),
                                alert_urls=[], report=False, workers=1)
    st = _statuses(tmp_path / "w.duckdb")
    assert st["minhang-zonggonghui-2024.pdf"] == ("failed", "transform_failed")
    assert (out.counts.loaded, out.counts.failed) == (2, 1)


def test_validation_that_cannot_run_loads_with_a_warning(prefect_harness, inbox, tmp_path,
                                                           monkeypatch):
    import expectations.runner as runner

    def unavailable(tdocs):
        raise RuntimeError("GX is broken")

    monkeypatch.setattr(runner, "run_suites_many", unavailable)
    out = ingest.ingest_reports(paths=[str(inbox)], db=str(tmp_path / "w.duckdb"),
                                alert_urls=[], report=False, workers=1)
    assert out.counts.loaded == 3
    codes = {f.check_code for r in out.files for f in r.findings}
    assert codes == {"validation_failed"}


def _losing_third_report(src, **kw):
    """Runs in a worker: a reader that loses the third report of the 2023 file without a word
    (as it did on layouts it could not follow): the page count must catch it."""
    from extract.form import FormReader

    real = getattr(FormReader, "_real_finish", FormReader.finish)

    def finish(self):
        reports = real(self)
        if "2023" in self.file:
            return reports[:2] + reports[3:]
        return reports

    FormReader._real_finish = real
    FormReader.finish = finish
    return _REAL_EXTRACT(src, **kw)


def test_a_report_the_reader_loses_is_a_finding_and_the_rest_load(prefect_harness, inbox,
                                                                  tmp_path, monkeypatch):
    from sqlalchemy import text

    monkeypatch.setattr(ingest, "_extract_one", _losing_third_report)
    db = tmp_path / "w.duckdb"
    state = ingest.ingest_reports(paths=[str(inbox)], db=str(db), alert_urls=[], report=True,
                                  workers=1, return_state=True)
    out = state.result()
    assert state.name == "CompletedWithProblems"
    assert out.counts.reports_missing == 1 and out.counts.loaded == 3
    assert out.counts.reports_loaded == 34 - 1
    with reader(db) as engine, engine.connect() as conn:
        rows = conn.execute(text("SELECT severity, page, project_name, message FROM dq_issue "
                                 "WHERE check_code = 'report_missing'")).all()
        loaded = conn.execute(text(
            "SELECT count(*) FROM fact_project_evaluation e JOIN source_document s "
            "USING (document_id) WHERE s.file_name = 'minhang-zonggonghui-2023.pdf'")).scalar()
    ((severity, page, project, message),) = rows
    assert (severity, page, project) == ("error", 6, "法律顾问费")
    assert message.startswith("第 6 页有项目“法律顾问费”的自评表（项目名称），但未能读出这张表")
    assert loaded == 10  # the document's other reports are in the warehouse
    (f,) = [r for r in out.files if r.file_name == "minhang-zonggonghui-2023.pdf"]
    assert f.status == "loaded" and "report_missing" in f.reason
    assert "法律顾问费" in Path(out.report).read_text(encoding="utf-8")


def test_reprocess_reads_quarantined_files_again(prefect_harness, tmp_path):
    from sqlalchemy import text

    from tests.conftest import MALFORMED

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(MALFORMED / "missing-grade.pdf", inbox)
    shutil.copy(MALFORMED / "empty.pdf", inbox)
    db = tmp_path / "w.duckdb"
    first = ingest.ingest_reports(paths=[str(inbox)], db=str(db), alert_urls=[], report=False,
                                  workers=1)
    assert (first.counts.quarantined, first.counts.failed) == (1, 1)
    quiet = ingest.ingest_reports(paths=[str(inbox)], db=str(db), alert_urls=[], report=False,
                                  workers=1)
    assert quiet.counts.files_new == 0  # a file that is itself the cause is not read again
    again = ingest.ingest_reports(paths=[str(inbox)], db=str(db), alert_urls=[], report=False,
                                  workers=1, reprocess="quarantined")
    assert (again.counts.files_new, again.counts.quarantined) == (1, 1)
    with reader(db) as engine, engine.connect() as conn:
        rows = conn.execute(text("SELECT file_name, status, reader_version FROM source_document "
                                 "ORDER BY 1")).all()
        issues = conn.execute(text("SELECT count(*) FROM dq_issue WHERE file_name = "
                                   "'missing-grade.pdf'")).scalar()
    assert [(f, st) for f, st, _ in rows] == [("empty.pdf", "failed"),
                                              ("missing-grade.pdf", "quarantined")]
    assert all(v.startswith("jixiao ") for _, _, v in rows)
    assert issues == len([f for r in first.files if r.file_name == "missing-grade.pdf"
                          for f in r.findings])  # the findings of the new read, once


def test_reprocess_all_reads_every_file_again_and_keeps_the_versions(prefect_harness, inbox,
                                                                     tmp_path):
    """``--reprocess all`` after an upgrade: every file is read again, first-seen times are
    kept (so the versions keep their order), and the warehouse ends as it was."""
    from sqlalchemy import text

    from tests.conftest import MALFORMED
    from tests.load.helpers import snapshot

    shutil.copy(MALFORMED / "minhang-zonggonghui-2023-revised.pdf", inbox)
    shutil.copy(MALFORMED / "missing-grade.pdf", inbox)
    db = tmp_path / "w.duckdb"

    def state():
        with reader(db) as engine, engine.connect() as conn:
            docs = conn.execute(text("SELECT file_name, status, first_seen_at, pdf_date "
                                     "FROM source_document ORDER BY 1")).all()
            return snapshot(conn, exclude=("ingest_run", "dq_issue")), docs

    first = ingest.ingest_reports(paths=[str(inbox)], db=str(db), alert_urls=[], report=False)
    before, docs_before = state()
    again = ingest.ingest_reports(paths=[str(inbox)], db=str(db), alert_urls=[], report=False,
                                  reprocess="all")
    after, docs_after = state()
    assert again.counts.files_new == first.counts.files_new == 5
    assert (again.counts.loaded, again.counts.quarantined) == (4, 1)
    assert after == before and docs_after == docs_before
    assert all(d.pdf_date is not None for d in docs_after)


def test_a_second_ingest_waits_for_the_first(prefect_harness, inbox, tmp_path, monkeypatch):
    import threading
    import time

    from load import WriterBusy, writer_lock

    db = tmp_path / "w.duckdb"
    held, release = threading.Event(), threading.Event()

    def other_night():
        with writer_lock(db):
            held.set()
            release.wait(10)

    t = threading.Thread(target=other_night)
    t.start()
    held.wait(5)
    monkeypatch.setenv("JIXIAO_WRITER_WAIT", "0.5")
    with pytest.raises(WriterBusy, match="another ingest has held it"):
        ingest.ingest_reports(paths=[str(inbox)], db=str(db), alert_urls=[], report=False,
                              workers=1)
    assert not db.exists()  # stopped before reading any file
    monkeypatch.setenv("JIXIAO_WRITER_WAIT", "60")
    threading.Timer(2.0, release.set).start()
    t0 = time.monotonic()
    out = ingest.ingest_reports(paths=[str(inbox)], db=str(db), alert_urls=[], report=False,
                                workers=1)
    t.join()
    assert time.monotonic() - t0 >= 1.5 and out.counts.loaded == 3  # waited, then ran


def test_a_killed_run_is_closed_as_interrupted_by_the_next(prefect_harness, inbox, tmp_path):
    from datetime import UTC, datetime

    from load import start_run, writer

    db = tmp_path / "w.duckdb"
    with writer(db) as engine, engine.begin() as conn:
        start_run(conn, "killed-run", started_at=datetime(2026, 11, 29, 18, 0, tzinfo=UTC))
    ingest.ingest_reports(paths=[str(inbox)], db=str(db), alert_urls=[], report=False,
                          workers=1)
    with reader(db) as engine, engine.connect() as conn:
        from sqlalchemy import text

        states = dict(conn.execute(text("SELECT run_id, state FROM ingest_run")).all())
    assert states.pop("killed-run") == "interrupted"
    assert list(states.values()) == ["completed"]
