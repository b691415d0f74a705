"""End to end: the Shanghai samples, then the Sichuan fixture (rules ``sichuan``) into the same
warehouse. The Sichuan file's filled report is loaded and queryable beside the Shanghai
projects; its report with 完成值 and 得分 left blank is kept out with one Chinese
``blank_results`` error, and the file itself is ``loaded`` (load/checks.py REPORT_ERRORS)."""

from __future__ import annotations

import shutil
from decimal import Decimal as D

import pytest
from sqlalchemy import text

from load import reader
from tests.conftest import SAMPLES, SICHUAN

# one worker runs every flow test: one Prefect harness
pytestmark = pytest.mark.xdist_group("flows")

SICHUAN_FILE = "sichuan-2023.pdf"
FILLED = "高标准农田建设管护补助"
BLANK = "工资性支出"


def _rows(db, sql: str, **params) -> list[tuple]:
    with reader(db) as engine, engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


@pytest.fixture(scope="module")
def warehouse(prefect_harness, tmp_path_factory):
    from flows.ingest import ingest_reports

    tmp = tmp_path_factory.mktemp("sichuan")
    shanghai, sichuan = tmp / "inbox" / "shanghai", tmp / "inbox" / "sichuan"
    shutil.copytree(SAMPLES, shanghai)
    sichuan.mkdir(parents=True)
    shutil.copy2(SICHUAN / SICHUAN_FILE, sichuan / SICHUAN_FILE)  # the PDF only
    db = tmp / "warehouse" / "jixiao.duckdb"
    first = ingest_reports(paths=[str(shanghai)], db=str(db), rules="shanghai", alert_urls=[],
                           workers=1)
    second = ingest_reports(paths=[str(sichuan)], db=str(db), rules="sichuan", alert_urls=[],
                            workers=1)
    return {"db": db, "first": first, "second": second}


def test_both_runs_load_their_files(warehouse):
    c = warehouse["first"].counts
    assert (c.files_new, c.loaded, c.quarantined, c.failed) == (3, 3, 0, 0)
    c = warehouse["second"].counts
    assert (c.files_new, c.loaded, c.quarantined, c.failed) == (1, 1, 0, 0)
    assert c.reports_loaded == 1  # the blank report is kept out
    statuses = dict(_rows(warehouse["db"], "SELECT file_name, status FROM source_document"))
    assert statuses == {"minhang-zonggonghui-2022.pdf": "loaded",
                        "minhang-zonggonghui-2023.pdf": "loaded",
                        "minhang-zonggonghui-2024.pdf": "loaded",
                        SICHUAN_FILE: "loaded"}
    rule_sets = dict(_rows(warehouse["db"], "SELECT file_name, rule_set FROM source_document"))
    assert rule_sets[SICHUAN_FILE] == "sichuan"
    assert rule_sets["minhang-zonggonghui-2023.pdf"] == "shanghai"


def test_sichuan_report_is_queryable_beside_the_shanghai_projects(warehouse):
    db = warehouse["db"]
    rows = _rows(db, "SELECT project_name, fiscal_year, total_score, grade, dq_status "
                     "FROM v_project_year_over_year ORDER BY fiscal_year, project_name")
    by_year: dict[int, int] = {}
    for _, year, *_ in rows:
        by_year[year] = by_year.get(year, 0) + 1
    # the three Shanghai years (11 + 11 + 12 reports) and the one Sichuan report of 2023
    assert by_year == {2022: 11, 2023: 12, 2024: 12}
    (sc,) = [r for r in rows if FILLED in r[0]]
    assert sc[1:] == (2023, D("97.88"), None, "ok")  # no grade row on the Sichuan form
    assert not [r for r in rows if BLANK in r[0]]
    # the Shanghai projects are still there, unchanged in number
    shanghai = _rows(db, "SELECT count(DISTINCT e.project_id) FROM fact_project_evaluation e "
                         "JOIN source_document s USING (document_id) "
                         "WHERE s.file_name LIKE 'minhang-zonggonghui-%'")
    assert shanghai[0][0] > 0
    ev = _rows(db, "SELECT p.project_name, e.total_weight, e.total_score, e.recomputed_score, "
                   "e.grade, e.expected_grade, e.rule_set FROM fact_project_evaluation e "
                   "JOIN dim_project p USING (project_id) "
                   "JOIN source_document s USING (document_id) WHERE s.file_name = :f",
               f=SICHUAN_FILE)
    assert len(ev) == 1
    name, *numbers = ev[0]
    assert FILLED in name
    assert numbers == [D(100), D("97.88"), D("97.88"), None, "优", "sichuan"]


def test_sichuan_funding_rows_are_summed_as_documented(warehouse):
    rows = _rows(warehouse["db"],
                 "SELECT f.funding_source, f.source_text, f.budget_initial, f.budget_full_year, "
                 "f.executed, f.execution_rate, f.computed_execution_rate, f.weight, f.score "
                 "FROM fact_project_funding f JOIN dim_project p USING (project_id) "
                 "WHERE p.project_name LIKE :n ORDER BY f.funding_source", n=f"%{FILLED}")
    by_source = {r[0]: r[1:] for r in rows}
    assert sorted(by_source) == ["appropriation", "other", "total"]
    assert by_source["total"] == ("总额", D("120.00"), D("135.50"), D("128.73"), D("95.00"),
                                  D("95.00"), D(10), D("9.50"))
    appr = by_source["appropriation"]
    assert appr[0] == "其中:财政资金" and appr[4] == D("95.44") and appr[-2:] == (None, None)
    # 财政专户管理资金 + 单位资金 + 其他资金: one `other` row, amounts added
    assert by_source["other"] == ("财政专户管理资金+单位资金+其他资金", D("20.00"), D("20.00"),
                                  D("18.50"), None, D("92.50"), None, None)


def test_blank_report_is_kept_out_with_one_chinese_error(warehouse):
    db = warehouse["db"]
    issues = _rows(db, "SELECT check_code, severity, page, project_name, message FROM dq_issue "
                       "WHERE file_name = :f ORDER BY issue_id", f=SICHUAN_FILE)
    assert [i[:3] for i in issues] == [("blank_results", "error", 2)], issues
    _, _, _, project, message = issues[0]
    assert project.endswith(BLANK)
    assert "完成值和得分均未填写" in message and "2 个绩效指标" in message
    assert "合计得分空白" in message
    # no facts for it, in any table
    for table in ("fact_project_evaluation", "fact_project_funding", "fact_indicator_result"):
        n = _rows(db, f"SELECT count(*) FROM {table} t JOIN dim_project p USING (project_id) "
                      "WHERE p.project_name LIKE :n", n=f"%{BLANK}")
        assert n == [(0,)], table
    # the filled report raised nothing: no missing_grade, no unknown_unit for 元/户, 人次/年
    assert not _rows(db, "SELECT check_code FROM dq_issue WHERE project_name LIKE :n",
                     n=f"%{FILLED}")
