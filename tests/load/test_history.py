"""Document history on copies of the corpus warehouse: duplicates, supersession, quarantine,
failed files, extra findings, and atomicity when a load crashes."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import text

import load.documents as documents
from extract import ExtractError, extract_file
from load import (
    SeenKind,
    SourceFile,
    classify,
    record_failed,
)
from load.checks import error_code_of
from load.engine import writer
from tests.load.helpers import MALFORMED, as_new_file, ingest, rows, scalar, snapshot
from transform.rows import Finding

FACTS = ("fact_project_funding", "fact_indicator_result", "fact_project_evaluation",
         "project_alias")


def _facts_of(conn, document_id: str) -> int:
    return sum(scalar(conn, f"SELECT count(*) FROM {t} WHERE document_id = :d", d=document_id)
               for t in FACTS)


def _status(conn, document_id: str) -> str:
    return scalar(conn, "SELECT status FROM source_document WHERE document_id = :d",
                  d=document_id)


def test_byte_identical_copy_is_a_duplicate(db_copy, raw):
    copy = raw["copy"]
    assert copy.sha256 == raw["2023"].sha256 and copy.path != raw["2023"].path
    with writer(db_copy) as engine:
        with engine.connect() as conn:
            before = snapshot(conn, exclude=("ingest_run", "source_document", "dq_issue"))
            seen = classify(conn, SourceFile.from_path(copy.path))
        assert seen.kind is SeenKind.DUPLICATE and seen.document_id == raw["2023"].sha256
        result = ingest(engine, "run-dup", copy)
        again = ingest(engine, "run-dup-2", copy)
        with engine.connect() as conn:
            doc = conn.execute(text("SELECT * FROM source_document WHERE document_id = :d"),
                               {"d": result.document_id}).mappings().one()
            issues = rows(conn, "SELECT check_code, severity, message FROM dq_issue "
                                "WHERE document_id = :d", d=result.document_id)
            after = snapshot(conn, exclude=("ingest_run", "source_document", "dq_issue"))
            assert _facts_of(conn, result.document_id) == 0
    assert result.status == "duplicate" and again.status == "seen"
    assert doc["status"] == "duplicate" and doc["duplicate_of"] == raw["2023"].sha256
    assert doc["file_name"] == "zonggonghui-2023-copy.pdf" and doc["sha256"] == copy.sha256
    assert [(i.check_code, i.severity) for i in issues] == [("duplicate_file", "warning")]
    assert "minhang-zonggonghui-2023.pdf" in issues[0].message
    assert after == before  # no fact or dimension row changed


def test_revised_report_supersedes_and_lists_changed_numbers(db_copy, raw):
    main_id, revised = raw["2023"].sha256, raw["revised"]
    with writer(db_copy) as engine:
        result = ingest(engine, "run-rev", revised)
        with engine.connect() as conn:
            total = conn.execute(text(
                "SELECT f.budget_full_year, f.executed, f.document_id FROM fact_project_funding f "
                "JOIN project_alias a USING (project_id, fiscal_year) "
                "WHERE a.reported_name = '残疾人就业保障金' AND f.fiscal_year = 2023 "
                "AND f.funding_source = 'total'")).one()
            issues = rows(conn, "SELECT check_code, severity, message, printed, expected "
                                "FROM dq_issue WHERE document_id = :d ORDER BY issue_id",
                          d=revised.sha256)
            main_left = scalar(conn, "SELECT count(*) FROM fact_project_evaluation "
                                     "WHERE document_id = :d", d=main_id)
            main_status = _status(conn, main_id)
            years = rows(conn, "SELECT fiscal_year, count(*) FROM fact_project_evaluation "
                               "GROUP BY 1 ORDER BY 1")
    assert result.status == "loaded" and result.reports_loaded == 1
    [sup] = result.superseded
    assert (sup.project_name, sup.fiscal_year, sup.old_document_id) == (
        "残疾人就业保障金", 2023, main_id)
    assert "全年预算数 8.02 → 8.50" in sup.changes and "全年执行数 8.02 → 8.50" in sup.changes
    assert tuple(total) == (Decimal("8.50"), Decimal("8.50"), revised.sha256)
    codes = [i.check_code for i in issues]
    assert codes == ["superseded_report", "superseded_numbers_differ"]
    assert all(i.severity == "warning" for i in issues)
    assert "minhang-zonggonghui-2023.pdf" in issues[0].message
    assert "minhang-zonggonghui-2023-revised.pdf" in issues[0].message
    differ = issues[1]
    assert "8.02 → 8.50" in differ.message and "残疾人就业保障金" in differ.message
    assert "8.50" in differ.printed and "8.02" in differ.expected
    # the main 2023 document keeps its ten other reports and stays loaded
    assert (main_left, main_status) == (10, "loaded") and not result.superseded_documents
    assert years == [(2022, 11), (2023, 11), (2024, 12)]


def test_warning_version_does_not_replace_a_clean_one(db_copy, raw):
    """rate-not-executed (执行率 printed 100.00, really 89.90: a warning) is another version of
    残疾人就业保障金 2023, which the warehouse holds clean from the 2023 report: the clean facts
    stay, the new version is kept out with the numbers that differ."""
    rate, main = raw["rate-not-executed"], raw["2023"]
    with writer(db_copy) as engine:
        result = ingest(engine, "run-b", rate)
        with engine.connect() as conn:
            status = scalar(conn, "SELECT status FROM source_document WHERE document_id = :d",
                            d=rate.sha256)
            facts = rows(conn, "SELECT document_id, dq_status FROM fact_project_evaluation e "
                               "JOIN dim_project p USING (project_id) "
                               "WHERE p.project_name = '残疾人就业保障金' AND fiscal_year = 2023")
            codes = [c[0] for c in rows(conn, "SELECT check_code FROM dq_issue "
                                              "WHERE document_id = :d ORDER BY issue_id",
                                        d=rate.sha256)]
    assert result.status == status == "quarantined" and result.reports_loaded == 0
    assert facts == [(main.sha256, "ok")]
    assert codes.count("execution_rate_mismatch") == 2 and "version_not_applied" in codes
    kept = next(f for f in result.findings if f.check_code == "version_not_applied")
    assert "全年执行数 8.02 → 7.21" in kept.message and "minhang-zonggonghui-2023.pdf" in kept.message


def test_document_without_facts_left_becomes_superseded(tmp_path, raw):
    """In an empty warehouse rate-not-executed loads with a warning; the clean revision of the
    same project-year then replaces it, and it has no facts left."""
    rate, revised = raw["rate-not-executed"], raw["revised"]
    with writer(tmp_path / "w.duckdb") as engine:
        first = ingest(engine, "run-a", rate)
        result = ingest(engine, "run-b", revised)
        with engine.connect() as conn:
            doc = conn.execute(text("SELECT status, superseded_by FROM source_document "
                                    "WHERE document_id = :d"), {"d": rate.sha256}).one()
            dq = scalar(conn, "SELECT dq_status FROM fact_project_evaluation "
                              "WHERE document_id = :d", d=revised.sha256)
            codes = rows(conn, "SELECT check_code FROM dq_issue WHERE document_id = :d "
                               "ORDER BY issue_id", d=revised.sha256)
    assert first.status == "loaded"
    assert result.superseded_documents == (rate.sha256,)
    assert tuple(doc) == ("superseded", revised.sha256)
    assert dq == "ok"
    assert [c[0] for c in codes] == ["superseded_report", "superseded_numbers_differ"]


def test_error_finding_quarantines_without_facts(db_copy, raw):
    bad = raw["missing-grade"]  # 退管会工作 2023 without 评分等级
    with writer(db_copy) as engine:
        with engine.connect() as conn:
            before = snapshot(conn, exclude=("ingest_run", "source_document", "dq_issue"))
        result = ingest(engine, "run-q", bad)
        with engine.connect() as conn:
            doc = conn.execute(text("SELECT * FROM source_document WHERE document_id = :d"),
                               {"d": bad.sha256}).mappings().one()
            issues = rows(conn, "SELECT check_code, severity, project_name, fiscal_year, page "
                                "FROM dq_issue WHERE document_id = :d", d=bad.sha256)
            after = snapshot(conn, exclude=("ingest_run", "source_document", "dq_issue"))
            assert _facts_of(conn, bad.sha256) == 0
    assert result.status == "quarantined" and result.reports_loaded == 0
    assert doc["status"] == "quarantined" and doc["error_code"] == "missing_grade"
    assert "missing-grade.pdf" in doc["reason"] and "退管会工作" in doc["reason"]
    assert [tuple(i) for i in issues] == [("missing_grade", "error", "退管会工作", 2023, 4)]
    assert after == before  # the 2023 main report of 退管会工作 is untouched


def test_extra_error_finding_quarantines_and_warning_flags(db_copy, raw, tmp_path):
    doc = raw["total-not-sum"]  # 法律顾问费 2023: 总分 98.5, scores add up to 100
    gx_error = Finding("gx_total_present", "error", doc.file, doc.sha256, "法律顾问费", 4,
                       "GX：总分缺失（测试）", fiscal_year=2023)
    with writer(db_copy) as engine:
        quarantined = ingest(engine, "run-gx", doc, extra=[gx_error])
    assert quarantined.status == "quarantined"

    # in a warehouse without a clean version of 法律顾问费 2023, a version with warnings loads
    other = as_new_file(raw["total-not-sum"], "total-not-sum-2.pdf")
    gx_warning = Finding("gx_goal_count", "warning", other.file, other.sha256, "法律顾问费", 4,
                         "GX：目标人数与指标不一致（测试）", fiscal_year=2023)
    with writer(tmp_path / "fresh.duckdb") as engine:
        loaded = ingest(engine, "run-gx2", other, extra=[gx_warning, gx_warning])
        with engine.connect() as conn:
            codes = rows(conn, "SELECT check_code FROM dq_issue WHERE document_id = :d "
                               "ORDER BY issue_id", d=other.sha256)
            dq = scalar(conn, "SELECT dq_status FROM fact_project_evaluation "
                              "WHERE document_id = :d", d=other.sha256)
    assert loaded.status == "loaded"
    assert [c[0] for c in codes] == ["total_not_sum", "gx_goal_count"]
    assert dq == "warning"


def test_crash_mid_load_leaves_nothing_of_the_document(db_copy, raw, monkeypatch):
    revised = raw["revised"]
    real = documents._insert_rows

    def crash_after_first_insert(conn, table, rows):
        real(conn, table, rows)
        if rows and table.name.startswith("fact_"):
            raise RuntimeError("simulated crash after the first fact insert")

    monkeypatch.setattr(documents, "_insert_rows", crash_after_first_insert)
    with writer(db_copy) as engine:
        with engine.connect() as conn:
            before = snapshot(conn, exclude=())
        with pytest.raises(RuntimeError, match="simulated crash"):
            ingest(engine, "run-crash", revised)
        with engine.connect() as conn:
            after = snapshot(conn, exclude=())
            assert scalar(conn, "SELECT count(*) FROM source_document WHERE document_id = :d",
                          d=revised.sha256) == 0
            assert scalar(conn, "SELECT count(*) FROM dq_issue WHERE document_id = :d",
                          d=revised.sha256) == 0
            assert _facts_of(conn, revised.sha256) == 0
    # the superseded report's old facts are back too: nothing changed at all
    assert after == before
    monkeypatch.undo()
    with writer(db_copy) as engine:  # and the file loads once the bug is gone
        assert ingest(engine, "run-after", revised).status == "loaded"


def test_unreadable_file_is_recorded_as_failed(db_copy):
    path = MALFORMED / "encrypted.pdf"
    with pytest.raises(ExtractError) as info:
        extract_file(path)
    src = SourceFile.from_path(path)
    with writer(db_copy) as engine:
        with engine.begin() as conn:
            doc_id = record_failed(conn, "run-f", src, error_code_of(info.value),
                                   info.value.one_line(), page=info.value.page)
        with engine.begin() as conn:  # seen again at the same path: nothing new
            assert classify(conn, src).kind is SeenKind.SEEN
            assert record_failed(conn, "run-f2", src, "encrypted_pdf", "again") == doc_id
        with engine.connect() as conn:
            doc = conn.execute(text("SELECT status, error_code, reason, sha256 FROM "
                                    "source_document WHERE document_id = :d"),
                               {"d": doc_id}).one()
            issues = rows(conn, "SELECT check_code, severity, message, file_name FROM dq_issue "
                                "WHERE document_id = :d", d=doc_id)
    assert doc.status == "failed" and doc.error_code == "encrypted_pdf"
    assert doc.sha256 == src.sha256 == doc_id and "encrypted.pdf" in doc.reason
    assert [(i.check_code, i.severity, i.file_name) for i in issues] == [
        ("encrypted_pdf", "error", "encrypted.pdf")]


def test_error_code_of():
    class EncryptedPDF(Exception):
        pass

    class NoTextLayer(Exception):
        pass

    assert error_code_of(EncryptedPDF()) == "encrypted_pdf"
    assert error_code_of(NoTextLayer()) == "no_text_layer"
    assert error_code_of(ValueError()) == "value_error"


def test_views_and_queries_follow_history(raw, tmp_path):
    """In a warehouse of 2022 and 2024 plus rate-not-executed.pdf (残疾人就业保障金 2023, with a
    warning), after a 2024 edition of 政府雇员 without deviation reasons replaces the published
    one, the views and queries show it."""
    from warehouse.schema import query_files

    gov = raw["2024"]
    gov = replace(gov, reports=tuple(
        replace(r, indicators=tuple(replace(i, deviation_reason="") for i in r.indicators))
        for r in gov.reports if r.project_name == "政府雇员"))
    gov = as_new_file(gov, "zhengfu-guyuan-2024-no-reasons.pdf")
    quarantined = raw["missing-grade"]
    with writer(tmp_path / "history.duckdb") as engine:
        for doc in (raw["2022"], raw["2024"], raw["rate-not-executed"], gov, quarantined):
            ingest(engine, "run-v", doc)
        q = {f.name: f.sql for f in query_files()}
        with engine.connect() as conn:
            above = rows(conn, q["03_self_score_above_recomputed"])
            low = rows(conn, "SELECT project_name, fiscal_year, execution_rate, "
                             "execution_rate_printed FROM v_low_execution ORDER BY 2")
            flags = rows(conn, "SELECT project_name, fiscal_year, items FROM "
                               "v_self_evaluation_flags "
                               "WHERE flag_code = 'reason_missing_below_full'")
            not_loaded = rows(conn, q["11_documents_not_loaded"])
    assert [(r.project_name, r.fiscal_year, r.total_score, r.recomputed_score, r.grade,
             r.recomputed_grade) for r in above] == [
        ("残疾人就业保障金", 2023, Decimal("100.00"), Decimal("98.99"), "优", "优")]
    assert [tuple(r) for r in low] == [
        ("劳动保护项目", 2022, Decimal("86.04"), Decimal("86.04")),
        ("残疾人就业保障金", 2023, Decimal("89.90"), Decimal("100.00")),
        ("退管会工作", 2024, Decimal("78.00"), Decimal("78.00"))]
    assert [tuple(f) for f in flags] == [("政府雇员", 2024, 4)]
    assert [(r.file_name, r.status, r.error_code, r.errors) for r in not_loaded] == [
        ("missing-grade.pdf", "quarantined", "missing_grade", 1)]


def test_views_hide_documents_that_are_not_loaded(db_copy, raw):
    with writer(db_copy) as engine:
        with engine.begin() as conn:
            conn.execute(text("UPDATE source_document SET status = 'quarantined' "
                              "WHERE document_id = :d"), {"d": raw["2024"].sha256})
        with engine.connect() as conn:
            # every view of facts (the findings' list shows every file, the weights no year)
            from warehouse.schema import view_files

            views = [f.name for f in view_files()
                     if f.name not in ("v_issue_list", "v_credibility_weights")]
            assert len(views) >= 9
            for view in views:
                year = "last_year" if view == "v_indicators_never_met" else "fiscal_year"
                years = {y for (y,) in rows(conn, f"SELECT DISTINCT {year} FROM {view}")}
                assert 2024 not in years, view


def test_one_file_by_a_relative_and_an_absolute_path_is_one_file(db_copy, raw, monkeypatch):
    pdf = MALFORMED / "missing-grade.pdf"
    monkeypatch.chdir(pdf.parent)
    by_name, by_abs = SourceFile.from_path(pdf.name), SourceFile.from_path(pdf.resolve())
    assert by_name == by_abs and by_name.path == str(pdf.resolve())
    with writer(db_copy) as engine:
        ingest(engine, "run-rel", extract_file(pdf.name))  # given by its name here
        with engine.connect() as conn:
            assert classify(conn, by_abs).kind is SeenKind.SEEN
            # a path recorded relative by an earlier version is the same file too
            conn.execute(text("UPDATE source_document SET path = :p WHERE path = :a"),
                         {"p": pdf.name, "a": by_abs.path})
            assert classify(conn, by_abs).kind is SeenKind.SEEN
