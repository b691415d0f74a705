"""Regenerate the README's screenshots of ``jixiao web`` (docs/screenshots/*.png).

Builds the demo warehouse (the samples, as the web tests do), starts ``jixiao web`` on it,
and photographs 首页, a unit, a project and a number's 来源 with headless Chromium:

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.browser import browser_page  # noqa: E402
from tests.web.conftest import Server, build_demo  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        build_demo(db)
        server = Server(db)
        try:
            with browser_page(width=1280, height=800) as (page, outside):
                page.goto(server.url + "/")
                page.screenshot(path=OUT / "home.png", full_page=False)
                page.locator("a.unit-link").first.click()
                page.wait_for_selector("#chart-grade[data-ready='1'] svg")
                page.screenshot(path=OUT / "unit.png", full_page=False)
                page.locator("a.project-link", has_text="劳模").first.click()
                page.wait_for_selector("#project-indicators")
                page.locator("#project-indicators").scroll_into_view_if_needed()
                page.screenshot(path=OUT / "project.png", full_page=False)
                page.locator("#project-indicators a.num").nth(1).click()
                page.wait_for_function("document.querySelector('img.page-image').complete")
                page.locator(".highlight").first.scroll_into_view_if_needed()
                page.screenshot(path=OUT / "source.png", full_page=False)
                assert outside == [], outside
        finally:
            server.stop()
    for p in sorted(OUT.glob("*.png")):
        print(p.relative_to(ROOT), p.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
