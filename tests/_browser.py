"""Helpers shared by the browser tests (Playwright driving Debian's Chromium)."""
from __future__ import annotations

import time


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
