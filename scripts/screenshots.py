"""Remake the README's screenshots of the seed map: docs/seed-map.png, map-desktop.png, map-phone.png.

    python3 scripts/screenshots.py [--out docs]

Builds the seed into a temporary folder and photographs it in Debian's headless Chromium
(/usr/bin/chromium through Playwright; never ``playwright install``) with every network
request blocked.  ``map-desktop.png`` has the Goma Airport event opened from the panel.
(``docs/map-clusters.png``, 10,000 synthetic events, comes from benchmarks/bench_map.py's
events and is not remade here.)
"""
from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]


def _until(page, expression: str, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout  # polling: the map's CSP forbids wait_for_function's eval
    while not page.evaluate(expression):
        if time.monotonic() > end:
            raise SystemExit(f"timed out waiting for {expression}")
        time.sleep(0.05)


def _open(browser, html: Path, viewport: dict):
    page = browser.new_page(viewport=viewport, device_scale_factor=1)
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(html.as_uri())
    _until(page, "() => document.body.dataset.geomapReady === '1'")
    page.wait_for_timeout(1000)  # let the fit-to-events zoom animation finish
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from geomap.pipeline import build

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        build([ROOT / "seeds"], Path(tmp), today=dt.date(2026, 11, 28))
        html = Path(tmp) / "map.html"
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = _open(browser, html, {"width": 1366, "height": 800})
        page.screenshot(path=str(args.out / "seed-map.png"))
        page.locator("#gm-panel [data-event-id]", has_text="Goma Airport").first.click()
        page.locator(".leaflet-popup-content").wait_for(state="visible")
        page.wait_for_timeout(400)  # the pan to the popup
        page.screenshot(path=str(args.out / "map-desktop.png"))
        page.close()
        page = _open(browser, html, {"width": 390, "height": 844})
        page.screenshot(path=str(args.out / "map-phone.png"))
        browser.close()
    for name in ("seed-map.png", "map-desktop.png", "map-phone.png"):
        print(args.out / name)


if __name__ == "__main__":
    main()
