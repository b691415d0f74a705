"""The pages of ``jixiao web`` over the demo warehouse, read over HTTP from the real server."""

from __future__ import annotations

import io
import re
from html import unescape
from urllib.parse import urlencode

import duckdb
import httpx
import pytest

from load.engine import READER_CONFIG

pytestmark = pytest.mark.xdist_group("web")

UNIT = {"d": "上海市闵行区总工会", "u": "上海市闵行区总工会"}


def get(server, path: str, **params) -> httpx.Response:
    r = httpx.get(server.url + path, params=params or None, timeout=30)
    return r


def one(db, sql: str, params=()):
    with duckdb.connect(str(db), read_only=True, config=dict(READER_CONFIG)) as con:
        return con.execute(sql, list(params)).fetchall()


def test_home_counts_the_warehouse(server, web_db):
    r = get(server, "/")
    assert r.status_code == 200
    html = r.text
    reports = one(web_db, "SELECT count(*) FROM fact_project_evaluation")[0][0]
    assert re.search(rf'id="reports-loaded">{reports}<', html)
    assert 'id="quarantined-files">1<' in html and 'id="failed-files">1<' in html
    assert "weights-not-100.pdf" in html and "encrypted.pdf" in html
    for year in (2022, 2023, 2024):
        assert f"<td>{year}</td>" in html
    assert "完成·有问题" in html  # the night's run, in Chinese
    assert "http://" not in html and "https://" not in html  # nothing from the internet


def test_unit_page_numbers_and_links(server, web_db):
    r = get(server, "/unit", **UNIT)
    assert r.status_code == 200
    html = unescape(r.text)
    n_projects = one(web_db, "SELECT count(DISTINCT project_id) FROM v_report_unit")[0][0]
    assert len(re.findall(r'class="project-link"', html)) == n_projects
    # every total score of the unit is on the page and links to its source
    for pid, year, score in one(web_db, "SELECT project_id, fiscal_year, total_score "
                                "FROM fact_project_evaluation"):
        link = "/source?" + urlencode({"p": pid, "y": year, "f": "total_score", "i": ""})
        assert f'href="{link}"' in html, (pid, year)
        assert f"{score:,.2f}" in html
    assert 'src="/static/echarts.min.js"' in html and 'id="chart-grade"' in html


def test_project_page_years_indicators_and_flags(server, web_db):
    pid, name = one(web_db, """SELECT project_id, project_name FROM dim_project
        WHERE project_id IN (SELECT project_id FROM fact_project_evaluation GROUP BY 1
                             HAVING count(*) = 3) ORDER BY 1 LIMIT 1""")[0]
    r = get(server, f"/project/{pid}")
    assert r.status_code == 200
    html = unescape(r.text)
    assert name in html
    for (target,) in one(web_db, "SELECT target_text FROM fact_indicator_result "
                         "WHERE project_id = ? AND target_text IS NOT NULL", [pid]):
        assert target in html
    flags = one(web_db, "SELECT DISTINCT flag_description FROM v_self_evaluation_flags "
                "WHERE project_id = ?", [pid])
    for (flag,) in flags:
        assert flag in html


def test_project_page_marks_lowered_targets_and_renames(server, web_db):
    lowered = one(web_db, "SELECT project_id, count(*) FROM v_indicator_target_changes "
                  "WHERE lowered GROUP BY 1")
    renamed = one(web_db, "SELECT project_id FROM project_alias GROUP BY 1 "
                  "HAVING count(DISTINCT reported_name) > 1")
    assert lowered or renamed, "the demo warehouse has neither: nothing to show"
    for pid, n in lowered:
        html = get(server, f"/project/{pid}").text
        assert html.count('class="tag bad" title="上年') == n
    for (pid,) in renamed:
        html = get(server, f"/project/{pid}").text
        names = one(web_db, "SELECT DISTINCT reported_name FROM project_alias "
                    "WHERE project_id = ?", [pid])
        assert 'id="renames"' in html and all(n in unescape(html) for (n,) in names)


def test_search_finds_projects_by_any_years_name(server, web_db):
    (name,) = one(web_db, "SELECT reported_name FROM project_alias ORDER BY 1 LIMIT 1")[0]
    html = unescape(get(server, "/search", q=name[1:4]).text)
    assert name in html and 'class="project-link"' in html
    assert "找到 0 个项目" in get(server, "/search", q="不存在的项目名称xyz").text


def test_issues_page_and_return_list_downloads(server, web_db):
    html = unescape(get(server, "/issues").text)
    assert "weights-not-100.pdf" in html and "encrypted.pdf" in html
    assert "version_not_applied" in html
    r = get(server, "/issues/download", format="xlsx", **UNIT)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(r.content))
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value]
    assert any("weights-not-100.pdf" in c for c in cells)
    r = get(server, "/issues/download", format="csv", **UNIT)
    assert r.status_code == 200
    text = r.content.decode("utf-8-sig")
    assert "weights-not-100.pdf" in text and "version_not_applied" in text


def test_source_page_and_original_file(server, web_db):
    pid, year, page, printed, doc, path = one(web_db, """
        SELECT s.project_id, s.fiscal_year, s.page, s.printed, s.document_id, d.path
        FROM fact_cell_source s JOIN source_document d USING (document_id)
        WHERE s.field = 'budget_full_year' AND s.funding_source = 'total'
        ORDER BY 1, 2 LIMIT 1""")[0]
    html = get(server, "/source", p=pid, y=year, f="budget_full_year", i="total").text
    assert f"第 {page} 页" in html and printed in html
    png = get(server, f"/document/{doc}/page/{page}.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    original = get(server, f"/document/{doc}/file")
    assert original.content == open(path, "rb").read()
    missing = get(server, "/source", p=pid, y=year, f="budget_full_year", i="nope")
    assert missing.status_code == 404 and "没有记录打印位置" in missing.text


def test_no_connection_held_between_requests(server, web_db):
    """After answering, the server holds nothing: another process may open the file to write
    (DuckDB refuses a writer while any process has it open)."""
    for path in ("/", "/issues", "/search?q=工会"):
        assert get(server, path).status_code == 200
    con = duckdb.connect(str(web_db))  # raises IOException (lock) if the server held it
    con.close()


def test_token_is_required_off_localhost(web_db):
    import subprocess
    import sys

    from tests.conftest import ROOT
    from tests.web.conftest import Server

    refused = subprocess.run([sys.executable, "-m", "flows.cli", "web", "--db", str(web_db),
                              "--host", "0.0.0.0"], check=False, cwd=ROOT, capture_output=True,
                             text=True,
                             timeout=60, env={k: v for k, v in __import__("os").environ.items()
                                              if k != "JIXIAO_WEB_TOKEN"})
    assert refused.returncode == 1 and "--token" in refused.stderr
    s = Server(web_db, "--token", "s3cret")
    try:
        assert httpx.get(s.url + "/").status_code == 401
        assert httpx.get(s.url + "/", headers={"X-Jixiao-Token": "wrong"}).status_code == 401
        assert httpx.get(s.url + "/", headers={"X-Jixiao-Token": "s3cret"}).status_code == 200
        with httpx.Client(base_url=s.url) as c:  # ?token= once, then the cookie
            assert c.get("/", params={"token": "s3cret"}).status_code == 200
            assert c.get("/issues").status_code == 200
    finally:
        s.stop()
