"""The rendered map in headless Chromium: offline, no errors, toggles and popups work.

Runs Debian's /usr/bin/chromium through Playwright (never ``playwright install``).
Skipped when Chromium is absent, except under CI=true, where it must run.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists() and os.environ.get("CI") != "true":
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); required under CI=true",
                allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

from geomap.frame import events_to_frame  # noqa: E402
from geomap.models import Event, Layer  # noqa: E402
from geomap.render import render_map  # noqa: E402

pytestmark = pytest.mark.browser

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]
EVIL = "<script>alert(1)</script><img src=x onerror=alert(1)> \"quotes' ${alert(2)}"
REPO = Path(__file__).resolve().parent.parent


def _layers() -> list[Layer]:
    try:
        from geomap.layers import load_layers
    except ImportError:
        load_layers = None
    if load_layers is not None and (REPO / "layers").is_dir():
        return load_layers(REPO / "layers")
    return [
        Layer(id="meeting", label="Meetings and talks", color="#1f77b4", icon="circle", order=10),
        Layer(id="control", label="Territorial control", color="#d62728", icon="square", order=20),
        Layer(id="supply_route", label="Supply routes", color="#ff7f0e", geometry="line", order=30),
        Layer(id="clash", label="Clashes and attacks", color="#8c564b", icon="triangle", order=40),
    ]


def _event(id, event_type, coords, evidence, **kw):
    return Event(id=id, doc_id="doc", source=kw.pop("source", "kivu.md"), event_type=event_type,
                 place=kw.pop("place", "Goma"), coords=coords, evidence=evidence, start=0, end=len(evidence), **kw)


EVENTS = [
    _event("a1", "control", ((-1.6792, 29.2228),), "M23 rebels took control of Goma on Monday.",
           date=dt.date(2025, 1, 27), actors=("M23",), confidence=0.9, url="https://example.org/goma"),
    _event("a2", "clash", ((-1.6792, 29.2228),), "Fighting broke out near Goma airport.",
           date=dt.date(2025, 1, 26), actors=("M23", "FARDC")),
    _event("a3", "clash", ((-2.27, 28.75),), EVIL, place=EVIL, precision="admin1", source=EVIL),
    _event("a4", "supply_route", ((-1.6792, 29.2228), (-2.5083, 28.8608)),
           "Supplies moved along the road from Goma to Bukavu.", place="Goma to Bukavu"),
    _event("a5", "meeting", ((-4.3217, 15.3125), (-1.9441, 30.0619)),
           "Tshisekedi and Kagame spoke by phone.", place="Kinshasa and Kigali", inferred=True,
           precision="inferred", note="a call between the capitals"),
]

COUNT_JS = """(id) => { let n = 0;
  map_geomap.eachLayer(l => { if (l.options && l.options.geomapLayer === id) n++; }); return n; }"""
POINT_JS = """(id) => { let found = null;
  map_geomap.eachLayer(l => { if (l.options && l.options.geomapEvent === id) found = l; });
  if (!found) return null;
  const at = found.getLatLng ? found.getLatLng() : found.getCenter();
  if (!map_geomap.getBounds().pad(-0.2).contains(at)) map_geomap.setView(at, map_geomap.getZoom(), {animate: false});
  if (found.getElement && found._icon) { const r = found._icon.getBoundingClientRect();
    return [r.left + r.width / 2, r.top + r.height / 2]; }
  const p = map_geomap.latLngToContainerPoint(found.getCenter());
  const r = map_geomap.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }"""


@pytest.fixture(scope="module")
def layers():
    return _layers()


@pytest.fixture(scope="module")
def chromium():
    """One Playwright driver and browser for the module (two sync drivers cannot coexist)."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory, layers, chromium):
    out = tmp_path_factory.mktemp("map") / "map.html"
    out.write_text(render_map(events_to_frame(EVENTS), layers, title="Kivu test map"), encoding="utf-8")
    record = {"requests": [], "errors": [], "dialogs": []}
    page = chromium.new_page(viewport={"width": 1280, "height": 800})

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            record["requests"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: record["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: record["errors"].append(str(e)))
    page.on("dialog", lambda d: (record["dialogs"].append(d.message), d.dismiss()))
    page.goto(out.as_uri())
    page.wait_for_function("typeof map_geomap !== 'undefined' && document.querySelector('.leaflet-control-layers')")
    yield page, record
    page.close()


def _count(page, layer_id: str) -> int:
    return page.evaluate(COUNT_JS, layer_id)


def test_loads_offline_without_errors(browser_page, layers):
    page, record = browser_page
    assert record["requests"] == []
    assert record["errors"] == []
    counts = {layer.id: _count(page, layer.id) for layer in layers}
    assert counts["clash"] == 2 and counts["control"] == 1
    assert counts["supply_route"] == 1 and counts["meeting"] == 1
    assert sum(counts.values()) == len(EVENTS)


def test_every_layer_toggles_in_the_layer_control(browser_page, layers):
    page, record = browser_page
    before = {layer.id: _count(page, layer.id) for layer in layers}
    for layer in layers:
        label = page.locator(f'.leaflet-control-layers-overlays label:has([data-layer="{layer.id}"])')
        assert label.count() == 1, layer.id
        assert layer.label in label.inner_text()
        box = label.locator("input[type=checkbox]")
        box.uncheck()
        assert _count(page, layer.id) == 0
        assert {k: v for k, v in before.items() if k != layer.id} == {
            other.id: _count(page, other.id) for other in layers if other.id != layer.id}
        box.check()
        assert _count(page, layer.id) == before[layer.id]
    assert record["errors"] == []


def _click_event(page, event_id: str) -> str:
    page.evaluate("() => { map_geomap.closePopup(); }")  # return nothing: a Leaflet map is slow to serialise
    page.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 0")  # 200 ms fade-out
    x, y = page.evaluate(POINT_JS, event_id)
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    return popup.inner_text()


def test_clicking_a_marker_opens_its_popup(browser_page):
    page, _ = browser_page
    text = _click_event(page, "a1")
    assert "M23 rebels took control of Goma on Monday." in text
    assert "territorial control" in text.lower() and "2025-01-27" in text and "kivu.md" in text
    link = page.locator(".leaflet-popup-content a")
    assert link.get_attribute("href") == "https://example.org/goma"
    assert link.get_attribute("rel") == "noopener noreferrer"


def test_clicking_an_inferred_line_opens_its_popup(browser_page):
    page, _ = browser_page
    text = _click_event(page, "a5")
    assert "Tshisekedi and Kagame spoke by phone." in text
    assert "Inferred location" in text and "undated" in text


def test_hostile_text_is_shown_not_run(browser_page, tmp_path):
    page, record = browser_page
    text = _click_event(page, "a3")
    assert "<script>alert(1)</script>" in text and "Approximate location" in text
    assert page.locator(".leaflet-popup-content img, .leaflet-popup-content script").count() == 0
    assert record["dialogs"] == [] and record["errors"] == []
    shot = tmp_path / "map.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


@pytest.fixture(scope="module")
def seed_page(tmp_path_factory, gazetteer, chromium):
    """The map that `geomap build seeds` generates, open in Chromium with the network blocked."""
    from geomap.pipeline import build

    out = tmp_path_factory.mktemp("seedmap")
    build([REPO / "seeds"], out, layers_dir=REPO / "layers", gazetteer=gazetteer, today=dt.date(2026, 11, 28))
    features = json.loads((out / "events.geojson").read_text(encoding="utf-8"))["features"]
    record = {"requests": [], "errors": [], "failed": []}
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
               else (record["requests"].append(r.request.url), r.abort()))
    page.on("requestfailed", lambda r: record["failed"].append(r.url))
    page.on("console", lambda m: record["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: record["errors"].append(str(e)))
    page.goto((out / "map.html").as_uri())
    page.wait_for_function("typeof map_geomap !== 'undefined' && document.querySelector('.leaflet-control-layers')")
    yield page, record, features, out
    page.close()


def test_generated_seed_map_toggles_every_layer_and_opens_a_popup(seed_page, layers):
    page, record, features, out = seed_page
    by_layer = {}
    for f in features:
        by_layer[f["properties"]["event_type"]] = by_layer.get(f["properties"]["event_type"], 0) + 1
    for layer in layers:
        label = page.locator(f'.leaflet-control-layers-overlays label:has([data-layer="{layer.id}"])')
        assert label.count() == 1, f"layer {layer.id} missing from the layer control"
        assert _count(page, layer.id) == by_layer.get(layer.id, 0)
        box = label.locator("input[type=checkbox]")
        box.uncheck()
        assert _count(page, layer.id) == 0
        box.check()
        assert _count(page, layer.id) == by_layer.get(layer.id, 0)
    # the offline basemap names the countries around the events
    assert page.locator(".gm-country-label", has_text="Kenya").count() == 1
    kavumu = next(f for f in features if f["properties"]["event_type"] == "control")
    text = _click_event(page, kavumu["id"])
    assert kavumu["properties"]["evidence"] in text and "M23" in text
    page.screenshot(path=str(out / "seed-map.png"))
    assert record == {"requests": [], "errors": [], "failed": []}
