"""A real browser clicks through ``jixiao web``: 首页 → a unit → a project → a number's 来源,
and checks what it shows: the file name, the page, and the highlighted box over the text of
that number on the rendered page (read back from the PDF at the box the browser shows)."""

from __future__ import annotations

import os
import re

import duckdb
import pdfplumber
import pytest

from load.engine import READER_CONFIG
from tests.web.browser import browser_page, chromium_path

pytestmark = pytest.mark.xdist_group("web")

if chromium_path() is None:
    if os.environ.get("CI", "").lower() == "true":  # CI installs it (.ci/run): never skip there
        raise RuntimeError("chromium is missing in CI: .ci/run installs it (apt-get install "
                           "chromium); the browser tests must run")
    pytest.skip("chromium not installed (apt-get install chromium)", allow_module_level=True)


def _squash(s: str) -> str:
    return "".join(s.split())


def test_click_from_home_to_the_source_of_a_number(server, web_db):
    with browser_page() as (page, outside):
        page.goto(server.url + "/")
        assert page.title().startswith("首页")
        reports = page.locator("#reports-loaded").inner_text()
        with duckdb.connect(str(web_db), read_only=True, config=dict(READER_CONFIG)) as con:
            assert int(reports) == con.execute(
                "SELECT count(*) FROM fact_project_evaluation").fetchone()[0]

        page.locator("a.unit-link").first.click()
        page.wait_for_url(re.compile(r"/unit\?"))
        assert page.locator("h1").inner_text() == "上海市闵行区总工会"
        page.wait_for_selector("#chart-budget[data-ready='1'] svg")  # ECharts drew (vendored)

        project = page.locator("a.project-link").first
        name = project.inner_text()
        project.click()
        page.wait_for_url(re.compile(r"/project/prj_"))
        assert page.locator("#project-name").inner_text() == name

        # the first indicator target of the table: a number's source
        link = page.locator("#project-indicators a.num").first
        shown = link.inner_text()
        link.click()
        page.wait_for_url(re.compile(r"/source\?"))
        page.wait_for_function("document.querySelector('img.page-image').complete && "
                               "document.querySelector('img.page-image').naturalWidth > 0")
        file_name = page.locator("#file-1").inner_text()
        page_no = int(re.search(r"\d+", page.locator("#page-1").inner_text()).group())
        assert page.locator("#printed-1").inner_text() == shown

        # where the highlight is on the image, in PDF points, and what the PDF prints there
        img = page.locator("img.page-image").bounding_box()
        box = page.locator(".highlight").first.bounding_box()
        frame = page.locator(".page").first
        width = float(frame.get_attribute("data-width"))
        height = float(frame.get_attribute("data-height"))
        sx, sy = width / img["width"], height / img["height"]
        x0, top = (box["x"] - img["x"]) * sx, (box["y"] - img["y"]) * sy
        x1, bottom = x0 + box["width"] * sx, top + box["height"] * sy
        with duckdb.connect(str(web_db), read_only=True, config=dict(READER_CONFIG)) as con:
            (path,) = con.execute("SELECT path FROM source_document WHERE file_name = ? "
                                  "AND status = 'loaded'", [file_name]).fetchone()
        with pdfplumber.open(path) as pdf:
            text = pdf.pages[page_no - 1].crop((x0 - 1, top - 1, x1 + 1, bottom + 1)) \
                .extract_text()
        assert _squash(shown) in _squash(text), (shown, text, (x0, top, x1, bottom))

        # the original file is offered for download under its name
        with page.expect_download() as dl:
            page.locator("a.download-original").first.click()
        assert dl.value.suggested_filename == file_name
        assert outside == []  # no request left this machine


def test_search_box_and_issues_page(server):
    with browser_page() as (page, outside):
        page.goto(server.url + "/")
        page.fill("input[name=q]", "工会")
        page.press("input[name=q]", "Enter")
        page.wait_for_url(re.compile(r"/search\?q="))
        assert page.locator("#search-results a.project-link").count() > 0
        page.click("text=问题")
        page.wait_for_url(re.compile(r"/issues"))
        assert page.locator("text=weights-not-100.pdf").count() > 0
        with page.expect_download() as dl:
            page.locator("a.download", has_text="Excel").first.click()
        assert dl.value.suggested_filename.startswith("退回清单-")
        assert outside == []
