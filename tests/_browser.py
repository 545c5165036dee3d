"""Helpers shared by the browser tests: Debian's Chromium driven by Playwright, network blocked.

Never ``playwright install``: the browser is /usr/bin/chromium from Debian's packages.
"""
from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]


def require_chromium() -> None:
    """Skip the calling test module when Chromium is absent, except under CI=true, where it must run."""
    if not CHROMIUM.exists() and os.environ.get("CI") != "true":
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); required under CI=true",
                    allow_module_level=True)


@contextlib.contextmanager
def chromium_browser():
    """One Playwright driver and headless browser (two sync drivers cannot coexist in a process)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_offline(browser, path: Path, viewport: dict, **options):
    """Open the map at ``path`` with every non-file request blocked; return ``(page, record)``.

    ``record`` collects blocked requests, failed requests, console errors, page errors
    and dialogs (which are dismissed), for the test to assert on.
    """
    record = {"requests": [], "errors": [], "dialogs": [], "failed": []}
    page = browser.new_page(viewport=viewport, **options)

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            record["requests"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: record["failed"].append(r.url))
    page.on("console", lambda m: record["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: record["errors"].append(str(e)))
    page.on("dialog", lambda d: (record["dialogs"].append(d.message), d.dismiss()))
    page.goto(Path(path).as_uri())
    until(page, "() => document.body.dataset.geomapReady === '1'")
    return page, record


def problems(record: dict) -> list[str]:
    """Everything in ``record`` a clean page never has: requests, errors, dialogs."""
    return record["requests"] + record["failed"] + record["errors"] + record["dialogs"]


def until(page, expression: str, timeout: float = 5.0) -> None:
    """Poll ``expression`` (a JS function source) until it returns true.

    Playwright's ``wait_for_function`` evaluates strings inside the page, which the
    map's Content-Security-Policy forbids (no 'unsafe-eval'); ``page.evaluate`` does not.
    """
    end = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)
