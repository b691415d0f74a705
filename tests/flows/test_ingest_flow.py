"""End to end: the Prefect ingest flow over the bundled samples and every malformed submission,
into a real DuckDB file, with alerts to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from load import reader

# one worker runs every flow test: one Prefect harness, one night's run
pytestmark = pytest.mark.xdist_group("flows")

FACT_TABLES = ("fact_project_funding", "fact_indicator_result", "fact_project_evaluation",
               "dim_project", "dim_indicator", "project_alias", "dim_department")


def _dump(db: Path) -> dict[str, list]:
    with reader(db) as engine, engine.connect() as conn:
        return {t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}"))), key=repr)
                for t in FACT_TABLES}


def _rows(db: Path, sql: str, **params) -> list:
    with reader(db) as engine, engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def test_the_run_completes_and_counts_every_file(night):
    c = night["first"].counts
    assert (c.files_seen, c.files_new, c.loaded, c.quarantined, c.failed, c.duplicate) == \
           (16, 15, 4, 6, 5, 1)
    assert c.reports_loaded == 35 and c.alerts_sent == 1
    # loaded while the rest was read; the later nights had nothing new to load
    assert night["first"].load_way == "streaming" and "(loaded streaming)" in night["first"].text()
    runs = _rows(night["db"], "SELECT files_seen, loaded, quarantined, failed, duplicate, "
                              "alerts_sent FROM ingest_run ORDER BY started_at")
    assert runs[0] == (16, 4, 6, 5, 1, 1)


def test_good_reports_are_loaded_in_full_without_false_findings(night):
    db = night["db"]
    per_year = _rows(db, "SELECT fiscal_year, count(*) FROM fact_project_evaluation "
                         "GROUP BY 1 ORDER BY 1")
    assert per_year == [(2022, 11), (2023, 11), (2024, 12)]
    # the 2023 report is loaded but for 残疾人就业保障金, replaced by its clean revision
    by_file = dict(_rows(db, "SELECT s.file_name, count(*) FROM fact_project_evaluation e "
                             "JOIN source_document s USING (document_id) GROUP BY 1"))
    assert by_file == {"minhang-zonggonghui-2022.pdf": 11, "minhang-zonggonghui-2023.pdf": 10,
                       "minhang-zonggonghui-2024.pdf": 12,
                       "minhang-zonggonghui-2023-revised.pdf": 1}
    assert _rows(db, "SELECT count(*) FROM fact_indicator_result")[0][0] == 382 - 7 + 7
    false = _rows(db, "SELECT file_name, check_code FROM dq_issue "
                      "WHERE file_name LIKE 'minhang-zonggonghui-202_.pdf'")
    assert false == []


EXPECTED = {  # file → check codes its defect must raise (tests/fixtures/corpus/README.md)
    "total-not-sum.pdf": {"total_not_sum"},
    "score-above-weight.pdf": {"score_above_weight"},
    "weights-not-100.pdf": {"weights_not_100"},
    "grade-not-total.pdf": {"grade_mismatch"},
    "rate-not-executed.pdf": {"execution_rate_mismatch"},
    "missing-grade.pdf": {"missing_grade"},
    "minhang-zonggonghui-2023-revised.pdf": {"superseded_numbers_differ"},
    "zonggonghui-2023-copy.pdf": {"duplicate_file"},
    "empty.pdf": {"empty_file"},
    "encrypted.pdf": {"encrypted_pdf"},
    "truncated.pdf": {"corrupt_pdf"},
    "not-a-pdf.pdf": {"not_a_pdf"},
    "scanned-no-text.pdf": {"no_text_layer"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_malformed_file_yields_its_findings(night, name):
    codes = {c for (c,) in _rows(night["db"], "SELECT check_code FROM dq_issue "
                                              "WHERE file_name = :f", f=name)}
    assert EXPECTED[name] <= codes, f"{name}: {sorted(codes)}"


def test_findings_name_file_page_project_and_numbers(night):
    rows = _rows(night["db"], "SELECT severity, page, project_name, message FROM dq_issue "
                              "WHERE file_name = 'total-not-sum.pdf' AND check_code = 'total_not_sum'")
    assert rows and rows[0][:3] == ("warning", 4, "法律顾问费")
    assert "98.50" in rows[0][3] and "100.00" in rows[0][3]
    revised = _rows(night["db"], "SELECT message FROM dq_issue WHERE check_code = "
                                 "'superseded_numbers_differ'")
    assert any("8.02 → 8.50" in m for (m,) in revised)
    statuses = dict(_rows(night["db"], "SELECT file_name, status FROM source_document"))
    assert statuses["missing-grade.pdf"] == "quarantined"
    assert statuses["encrypted.pdf"] == "failed"
    assert statuses["zonggonghui-2023-copy.pdf"] == "duplicate"


def test_one_alert_per_run_with_counts_and_findings(night):
    first, heartbeat = night["alerts"]  # JIXIAO_ALERT_ON=always: the clean second night too
    text_ = f"{first.get('title', '')}\n{first.get('message', '')}"
    assert "encrypted.pdf" in text_ and "missing-grade.pdf" in text_
    assert "缺少评分等级" in text_
    # failed files explained in Chinese, with the unit where the file could be read
    assert "encrypted.pdf：PDF 设有密码（已加密），无法读取。请报送未加密的 PDF" in text_
    assert "empty.pdf：文件为空（0 字节）" in text_
    assert "| zonggonghui-2023-copy.pdf | 上海市闵行区总工会(汇总) / 上海市闵行区总工会 |" in text_
    # a version kept out names the broken rule first
    assert re.search(r"total-not-sum\.pdf.*\[version_not_applied\] 违反规则 \[total_not_sum\] "
                     r"总分 98\.50", text_)
    assert heartbeat["title"].endswith("无新问题，载入文件 0 个")
    assert heartbeat["type"] == "success"


def test_second_run_changes_nothing(night):
    c = night["second"].counts
    assert (c.files_seen, c.files_new, c.loaded, c.issues_new, c.alerts_sent) == (16, 0, 0, 0, 1)
    assert _dump(night["db"]) == night["dump"]


def test_a_night_with_problems_ends_in_its_own_state(night):
    first, second, third = night["states"]
    assert first.is_completed() and first.name == "CompletedWithProblems"
    assert "失败文件 5 个，隔离文件 6 个" in first.message
    assert second.is_completed() and second.name == "Completed"
    assert third.name == "Completed"  # an alert not delivered is on record, not a file problem
    runs = _rows(night["db"], "SELECT state, alert_status FROM ingest_run ORDER BY started_at")
    assert runs == [("completed_with_problems", "sent"), ("completed", "sent"),
                    ("completed", "failed")]


def test_an_alert_not_delivered_is_on_record_and_in_status(night):
    (detail,) = _rows(night["db"], "SELECT alert_detail FROM ingest_run "
                                   "WHERE alert_status = 'failed'")[0]
    assert detail.startswith("1 个地址未送达：json://127.0.0.1")
    r = subprocess.run([sys.executable, "-m", "flows.cli", "status", "--db", str(night["db"])],
                       check=False, capture_output=True, text=True, timeout=60,
                       env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    assert "告警未送达" in r.stdout and "完成·有问题" in r.stdout
    assert "未送达" in r.stdout and "下次计划运行" in r.stdout
    assert r.stdout.count("完成") >= 3  # three finished runs listed


def test_summary_artifact_names_the_files(night):
    import httpx
    from prefect.settings import PREFECT_API_URL

    # Prefect 3.8.8's client read_artifacts sends nulls its own server rejects (422): use REST
    # the artifacts of the night's three runs (other flow tests make theirs in the same harness)
    runs = [night[k].run_id for k in ("first", "second", "third")]
    r = httpx.post(f"{PREFECT_API_URL.value()}/artifacts/filter", timeout=30, json={
        "artifacts": {"key": {"any_": ["ingest-summary"]}},
        "flow_runs": {"id": {"any_": runs}}, "limit": 10, "offset": 0, "sort": "CREATED_DESC"})
    r.raise_for_status()
    arts = {a["flow_run_id"]: a for a in r.json()}
    assert set(arts) == set(runs) and all(a["type"] == "markdown" for a in arts.values())
    first = arts[night["first"].run_id]["data"]
    assert all(name in first for name in ("missing-grade.pdf", "encrypted.pdf", "truncated.pdf",
                                          "total-not-sum.pdf", "质量报告"))


def test_quality_report_is_offline_and_in_chinese(night):
    path = Path(night["first"].report)
    assert path.is_file() and path.parent == night["db"].parent / "reports"
    html = path.read_text(encoding="utf-8")
    # no asset (or any link) outside the page: readable on an intranet without internet
    assert not re.search(r"https?://", html)
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    # per finding: file, page, project, the rule (code and meaning) and both numbers
    row = re.search(r"<tr><td class=\"warning\">警告</td><td>total-not-sum\.pdf</td>"
                    r"<td class=\"num\">4</td><td>法律顾问费</td><td><code>total_not_sum</code>"
                    r"<br>([^<]+)</td><td>([^<]*)</td><td>([^<]*)</td>", html)
    assert row, html[:2000]
    assert row.group(1) and row.group(2) == "98.50" and row.group(3) == "100.00"
    assert "encrypted.pdf：PDF 设有密码" in html
    assert (path.parent / "latest.html").read_text(encoding="utf-8") != ""
