"""The rendered map in headless Chromium: offline, no errors, toggles and popups work.

Runs Debian's /usr/bin/chromium through Playwright (never ``playwright install``).
Skipped when Chromium is absent, except under CI=true, where it must run.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from _browser import chromium_browser, open_offline, problems, require_chromium, until

require_chromium()

from geomap.frame import events_to_frame  # noqa: E402
from geomap.models import Event, Layer  # noqa: E402
from geomap.render import render_map  # noqa: E402

pytestmark = pytest.mark.browser

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
           date=dt.date(2025, 1, 26), actors=("M23", "FARDC"), place_start=24, place_end=28),
    _event("a3", "clash", ((-2.27, 28.75),), EVIL, place=EVIL, precision="admin1", source=EVIL),
    _event("a4", "supply_route", ((-1.6792, 29.2228), (-2.5083, 28.8608)),
           "Supplies moved along the road from Goma to Bukavu.", place="Goma to Bukavu"),
    _event("a5", "meeting", ((-4.3217, 15.3125), (-1.9441, 30.0619)),
           "Tshisekedi and Kagame spoke by phone.", place="Kinshasa and Kigali", inferred=True,
           precision="inferred", note="a call between the capitals"),
    _event("a6", "clash", ((-3.0, 28.3),), "Wazalendo fighters clashed across South Kivu province on Friday.",
           place="South Kivu", place_id="admin1:CD-SK", precision="admin1", date=dt.date(2025, 1, 31),
           actors=("Wazalendo",)),
]

COUNT_JS = """(id) => { let n = 0;
  map_geomap.eachLayer(l => { if (l.options && l.options.geomapLayer === id) n++; }); return n; }"""
POINT_JS = """(id) => { let found = null;
  map_geomap.eachLayer(l => { if (l.options && l.options.geomapEvent === id) found = l; });
  if (!found) return null;
  const at = found.getLatLng ? found.getLatLng() : found.getCenter();
  map_geomap.setView(at, map_geomap.getZoom(), {animate: false});  /* centred: clear of the header and legend */
  if (found instanceof L.Polygon) { const c = map_geomap.latLngToContainerPoint(at);
    const r = map_geomap.getContainer().getBoundingClientRect(); return [r.left + c.x, r.top + c.y]; }
  if (found.getElement && found._icon) { const r = found._icon.getBoundingClientRect();
    return [r.left + r.width / 2, r.top + r.height / 2]; }
  const p = map_geomap.latLngToContainerPoint(found.getCenter());
  const r = map_geomap.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }"""


@pytest.fixture(scope="module")
def layers():
    return _layers()


@pytest.fixture(scope="module")
def chromium():
    with chromium_browser() as browser:
        yield browser


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory, layers, chromium):
    out = tmp_path_factory.mktemp("map") / "map.html"
    out.write_text(render_map(events_to_frame(EVENTS), layers, title="Kivu test map"), encoding="utf-8")
    page, record = open_offline(chromium, out, {"width": 1280, "height": 800})
    yield page, record
    page.close()


def _count(page, layer_id: str) -> int:
    return page.evaluate(COUNT_JS, layer_id)


def test_loads_offline_without_errors(browser_page, layers):
    page, record = browser_page
    assert record["requests"] == []
    assert record["errors"] == []
    counts = {layer.id: _count(page, layer.id) for layer in layers}
    assert counts["clash"] == 3 and counts["control"] == 1
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
    until(page, "() => document.querySelectorAll('.leaflet-popup').length === 0")  # 200 ms fade-out
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
    page, record = open_offline(chromium, out / "map.html", {"width": 1400, "height": 900})
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
    assert problems(record) == []


# ---- issue 4: time, panel, search, precision, areas, stacking, phone width, many events

def _shown(page) -> list[str]:
    return sorted(page.evaluate("() => geomap.visible()"))


def _drawn(page) -> list[str]:
    return sorted(page.evaluate("""() => { const ids = new Set();
      map_geomap.eachLayer(l => { if (l.options && l.options.geomapLayer) ids.add(l.options.geomapEvent); });
      return [...ids]; }"""))


def _reset(page):
    page.evaluate("() => { map_geomap.closePopup(); }")
    page.click("#gm-reset")
    for box in page.locator(".leaflet-control-layers-overlays input[type=checkbox]").all():
        box.check()
    assert _drawn(page) == sorted(e.id for e in EVENTS)


def _set_date(page, selector: str, value: str):
    page.fill(selector, value)
    page.dispatch_event(selector, "change")


def test_date_filter_works_with_the_layer_toggles(browser_page):
    page, record = browser_page
    _reset(page)
    assert page.input_value("#gm-from") == "2025-01-26" and page.input_value("#gm-to") == "2025-01-31"
    _set_date(page, "#gm-from", "2025-01-27")
    dated_in = {"a1", "a6"}
    undated = {e.id for e in EVENTS if e.date is None}
    assert _drawn(page) == sorted(dated_in | undated)
    assert "Shown: 5 of 6" in page.inner_text("#gm-shown") and "2025-01-27 \u2013 2025-01-31" in page.inner_text("#gm-shown")
    page.uncheck("#gm-undated")
    assert _drawn(page) == sorted(dated_in)
    assert "3 undated" not in page.inner_text("#gm-shown")
    clash = page.locator('.leaflet-control-layers-overlays label:has([data-layer="clash"]) input')
    clash.uncheck()
    assert _drawn(page) == ["a1"]
    _set_date(page, "#gm-from", "2025-01-26")  # the time filter changes; the hidden layer stays hidden
    assert _drawn(page) == ["a1"]
    assert page.locator('#gm-legend li[data-layer="clash"].gm-off').count() == 1
    clash.check()
    assert _drawn(page) == ["a1", "a2", "a6"]
    assert page.inner_text('#gm-legend li[data-layer="clash"] .gm-n') == "2"
    page.check("#gm-undated")
    assert _drawn(page) == sorted(e.id for e in EVENTS)
    assert record["errors"] == []


def test_undated_events_carry_a_mark(browser_page):
    page, _ = browser_page
    _reset(page)
    undated_points = [e.id for e in EVENTS if e.date is None and len(e.coords) == 1]
    for event_id in undated_points:
        assert page.evaluate("""(id) => { let m = null; map_geomap.eachLayer(l => {
          if (l.options && l.options.geomapEvent === id && l._icon) m = l; });
          return m && m._icon.classList.contains('gm-undated'); }""", event_id), event_id
    assert not page.evaluate("""() => { let m = null; map_geomap.eachLayer(l => {
      if (l.options && l.options.geomapEvent === 'a1') m = l; }); return m._icon.classList.contains('gm-undated'); }""")
    badges = page.locator('#gm-panel [data-event-id="a4"] .gm-badge', has_text="undated")
    assert badges.count() == 1


def test_clicking_a_panel_entry_zooms_and_opens_its_popup(browser_page):
    page, record = browser_page
    _reset(page)
    entries = page.locator("#gm-panel [data-event-id]")
    assert entries.count() == len(EVENTS)
    # sorted by date, oldest first, undated last; then newest first
    order = [entries.nth(i).get_attribute("data-event-id") for i in range(entries.count())]
    assert order[:3] == ["a2", "a1", "a6"]
    page.select_option("#gm-sort", "desc")
    assert page.locator("#gm-panel [data-event-id]").first.get_attribute("data-event-id") == "a6"
    page.select_option("#gm-sort", "asc")
    page.select_option("#gm-panel-layer", label="Clashes and attacks" if "Clashes and attacks" in
                       page.inner_text("#gm-panel-layer") else "Clashes")
    assert sorted(e.get_attribute("data-event-id") for e in page.locator("#gm-panel [data-event-id]").all()) == [
        "a2", "a3", "a6"]
    page.select_option("#gm-panel-layer", "")
    page.locator('#gm-panel [data-event-id="a2"]').click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert "Fighting broke out near Goma airport." in text and "M23, FARDC" in text and "2025-01-26" in text
    assert page.evaluate("() => map_geomap.getZoom()") >= 9
    center = page.evaluate("() => map_geomap.getCenter()")
    assert abs(center["lat"] + 1.6792) < 0.05 and abs(center["lng"] - 29.2228) < 0.05
    # the popup's "Show in source text" shows the document's sentences, mentions highlighted
    page.locator(".leaflet-popup-content .gm-linkbtn").click()
    doc = page.locator("#gm-doc")
    assert doc.is_visible()
    current = doc.locator("p.gm-current")
    assert "Fighting broke out near Goma airport." in current.inner_text()
    assert [m.inner_text() for m in current.locator("mark.gm-place").all()] == ["Goma"]
    assert current.locator("mark.gm-actor").count() == 0  # its actors are not named in the sentence
    assert doc.locator("mark.gm-actor", has_text="Wazalendo").count() == 1  # another sentence of the document
    assert doc.locator("p[data-event-id]").count() >= 3
    doc.locator("button", has_text="Back").click()
    assert page.locator("#gm-list").is_visible()
    assert record["errors"] == []


def test_search_by_place_and_by_actor(browser_page):
    page, _ = browser_page
    _reset(page)
    page.fill("#gm-search", "kinshasa")
    until(page, "() => geomap.visible().length === 1")
    assert _shown(page) == ["a5"] and _drawn(page) == ["a5"]
    page.fill("#gm-search", "FARDC")
    until(page, "() => geomap.visible().length === 1")
    assert _shown(page) == ["a2"]
    page.fill("#gm-search", "m23")
    until(page, "() => geomap.visible().length === 2")
    assert _shown(page) == ["a1", "a2"]
    assert sorted(e.get_attribute("data-event-id") for e in page.locator("#gm-panel [data-event-id]").all()) == [
        "a1", "a2"]
    page.fill("#gm-search", "no such place")
    until(page, "() => geomap.visible().length === 0")
    assert _drawn(page) == []


def test_one_control_hides_approximate_and_inferred_locations(browser_page):
    page, _ = browser_page
    _reset(page)
    page.uncheck("#gm-coarse")
    approximate = {e.id for e in EVENTS if e.inferred or e.precision in ("admin1", "country", "inferred")}
    assert approximate == {"a3", "a5", "a6"}
    assert _drawn(page) == sorted({e.id for e in EVENTS} - approximate)
    page.check("#gm-coarse")
    assert _drawn(page) == sorted(e.id for e in EVENTS)
    # approximate points look different: the hollow, dashed symbol
    assert page.evaluate("""() => { let m = null; map_geomap.eachLayer(l => {
      if (l.options && l.options.geomapEvent === 'a3') m = l; });
      return m._icon.innerHTML.includes('stroke-dasharray'); }""")


def test_province_is_drawn_as_an_area_and_points_stay_on_top(browser_page):
    page, _ = browser_page
    _reset(page)
    kind = page.evaluate("""() => { let k = null; map_geomap.eachLayer(l => {
      if (l.options && l.options.geomapEvent === 'a6' && l.options.geomapLayer) k = l instanceof L.Polygon; });
      return k; }""")
    assert kind is True
    text = _click_event(page, "a6")
    assert "South Kivu" in text and "outline drawn" in text
    page.evaluate("() => { map_geomap.closePopup(); }")
    clash = page.locator('.leaflet-control-layers-overlays label:has([data-layer="clash"]) input')
    route = page.locator('.leaflet-control-layers-overlays label:has([data-layer="supply_route"]) input')
    for box in (clash, route):  # re-adding layers in any order keeps points above lines above areas
        box.uncheck()
        box.check()
    z = page.evaluate("""() => ['markerPane', 'gm-lines', 'gm-areas'].map(p => +getComputedStyle(map_geomap.getPane(p)).zIndex)""")
    assert z[0] > z[1] > z[2]
    panes = page.evaluate("""() => { const out = {}; map_geomap.eachLayer(l => {
      if (l.options && l.options.geomapEvent && l.options.geomapLayer) {
        const el = l._icon || l._path; out[l.options.geomapEvent] = el.closest('.leaflet-pane').className; } });
      return out; }""")
    assert "leaflet-marker-pane" in panes["a3"] and "gm-areas" in panes["a6"] and "gm-lines" in panes["a4"]
    # the point a3 lies inside the South Kivu area: a click there hits the point, not the area
    text = _click_event(page, "a3")
    assert "<script>alert(1)</script>" in text


def test_phone_width_is_readable(tmp_path, layers, chromium):
    out = tmp_path / "map.html"
    out.write_text(render_map(events_to_frame(EVENTS), layers, title="Kivu test map"), encoding="utf-8")
    page, record = open_offline(chromium, out, {"width": 390, "height": 844}, device_scale_factor=1)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.locator(".leaflet-control-layers-expanded").count() == 0  # collapsed to its button
    toggle = page.locator("#gm-panel-toggle")
    assert toggle.is_visible() and not page.locator("#gm-list").is_visible()
    toggle.click()
    assert page.locator("#gm-list").is_visible()
    page.locator('#gm-panel [data-event-id="a1"]').click()
    page.locator(".leaflet-popup-content").wait_for(state="visible")
    assert not page.locator("#gm-list").is_visible()  # the sheet closes to show the map
    box = page.locator(".leaflet-popup").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert problems(record) == []
    page.close()


def _many(n: int) -> list[Event]:
    import random

    rng = random.Random(4)
    types = ["clash", "control", "meeting", "supply_route"]
    out = []
    for i in range(n):
        t = types[i % 4]
        lat, lon = rng.uniform(-5, 2), rng.uniform(26, 31)
        coords = ((lat, lon), (lat + 0.3, lon + 0.3)) if t == "supply_route" else ((lat, lon),)
        out.append(_event(f"m{i:05d}", t, coords, f"Event {i} near place {i % 97}.", place=f"Place {i % 97}",
                          date=dt.date(2025, 1, 1) + dt.timedelta(days=i % 60) if i % 10 else None))
    return out


def test_many_events_are_grouped_and_still_filtered(tmp_path, layers, chromium):
    events = _many(3000)
    out = tmp_path / "many.html"
    out.write_text(render_map(events_to_frame(events), layers, title="Many"), encoding="utf-8")
    page, record = open_offline(chromium, out, {"width": 1280, "height": 800})
    assert page.evaluate("() => geomap.mode()") == "clusters"
    total = page.evaluate("""() => { let n = 0; document.querySelectorAll('.gm-cluster div').forEach(d => n += +d.textContent);
      return n + document.querySelectorAll('.gm-marker').length; }""")
    assert total >= 2000  # the clusters count what is in view (padded), each event once
    assert page.locator("#gm-panel [data-event-id]").count() == 200  # the panel lists the first 200
    before = len(_shown(page))
    page.locator('.leaflet-control-layers-overlays label:has([data-layer="clash"]) input').uncheck()
    assert len(_shown(page)) == before - 750
    _set_date(page, "#gm-to", "2025-01-10")
    page.uncheck("#gm-undated")
    shown = _shown(page)
    assert shown and all(int(i[1:]) % 4 != 0 and i[1:] for i in shown)
    assert all(events[int(i[1:])].date <= dt.date(2025, 1, 10) for i in shown)
    assert page.evaluate("() => geomap.mode()") in ("all", "view")  # few enough now to draw singly
    page.locator('#gm-panel [data-event-id]').first.click()
    page.locator(".leaflet-popup-content").wait_for(state="visible")
    assert problems(record) == []
    page.close()


def test_print_shows_the_map_header_and_legend_not_the_controls(browser_page):
    page, _ = browser_page
    page.emulate_media(media="print")
    try:
        assert not page.locator("#gm-panel").is_visible()
        assert not page.locator(".leaflet-control-layers").is_visible()
        assert page.locator("#gm-header").is_visible() and page.locator("#gm-legend").is_visible()
        width = page.evaluate("() => document.querySelector('.folium-map').getBoundingClientRect().width")
        assert width == page.viewport_size["width"]  # the map takes the panel's room
    finally:
        page.emulate_media(media="screen")


def test_a_popup_opens_clear_of_a_tall_title_box(tmp_path, layers, chromium):
    # a long title wraps over three lines; the popup of a point near the top edge pans
    # below the title box instead of opening under it
    long_sentence = " ".join(["Troops clashed with rebels near Kazgil on the road south of El Obeid."] * 6)
    events = [_event("t1", "clash", ((13.5, 30.2),), long_sentence, place="Kazgil", date=dt.date(2025, 11, 6)),
              _event("t2", "clash", ((12.0, 29.7),), "Shelling hit Dilling.", place="Dilling")]
    out = tmp_path / "map.html"
    title = "Sudan: North Kordofan - El Obeid and surrounding localities - Situation Report No. 7"
    out.write_text(render_map(events_to_frame(events), layers, title=title), encoding="utf-8")
    page, record = open_offline(chromium, out, {"width": 1366, "height": 800})
    try:
        page.locator('#gm-panel [data-event-id="t1"]').click()
        page.locator(".leaflet-popup-content").wait_for(state="visible")
        page.wait_for_timeout(400)  # the pan
        header = page.locator("#gm-header").bounding_box()
        popup = page.locator(".leaflet-popup-content-wrapper").bounding_box()
        overlaps = popup["x"] < header["x"] + header["width"] and popup["y"] < header["y"] + header["height"]
        assert not overlaps, (header, popup)
        assert record["errors"] == []
    finally:
        page.close()
