"""Headless Chromium (Debian's package) driven by Playwright's Python package: shared by the
browser test and the README's screenshot script. No ``playwright install``: the browser is
``/usr/bin/chromium`` (``JIXIAO_CHROMIUM`` to use another)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def chromium_path() -> str | None:
    """The Chromium to drive, or None when the machine has none."""
    env = os.environ.get("JIXIAO_CHROMIUM")
    if env:
        return env
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def browser_page(*, width: int = 1400, height: int = 900) -> Iterator[tuple]:
    """(page, outside): a page whose every request to a host other than this machine is
    aborted and recorded in ``outside``."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise FileNotFoundError("chromium not found (apt-get install chromium)")
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": width, "height": height},
                                          locale="zh-CN")

            def guard(route) -> None:
                url = route.request.url
                host = urlparse(url).hostname or ""
                if url.startswith(("data:", "blob:", "about:")) or host in LOCAL_HOSTS:
                    route.continue_()
                else:
                    outside.append(url)
                    route.abort()

            context.route("**/*", guard)
            page = context.new_page()
            yield page, outside
            context.close()
        finally:
            browser.close()
