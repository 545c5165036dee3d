"""geomap.render: offline, escaped, deterministic HTML."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from geomap import assets
from geomap.errors import GeomapError
from geomap.frame import events_to_frame
from geomap.models import Event, Layer
from geomap.render import ICON_SHAPES, render_map

EVIL = "<script>alert(1)</script> <img src=x onerror=alert(1)> \"quotes' ${alert(2)} `tick` </script>"

LAYERS = [
    Layer(id="clash", label="Clashes", color="#d62728", icon="star", order=10, description="Armed <clashes>"),
    Layer(id="control", label="Territorial control", color="#9467bd", icon="square", order=20),
    Layer(id="meeting", label="Meetings & calls", color="#2ca02c", icon="diamond", order=5, geometry="line"),
    Layer(id="ceasefire", label="Ceasefires", color="#17becf", icon="hexagon", order=60),
]


def _event(id, event_type, coords, evidence="Something happened.", **kw):
    kw.setdefault("source", "doc.md")
    return Event(id=id, doc_id="d1", event_type=event_type, place=kw.pop("place", "Goma"),
                 coords=coords, evidence=evidence, start=0, end=len(evidence), **kw)


def sample_events():
    return [
        _event("e1", "clash", ((-1.6792, 29.2228),), "M23 fighters clashed with FARDC near Goma.",
               date=dt.date(2025, 1, 27), actors=("M23", "FARDC"), url="https://example.org/a?b=1&c=2"),
        _event("e2", "control", ((-2.5083, 28.8608),), "The rebels took Bukavu.", place="Bukavu",
               date=dt.date(2025, 2, 16), source="bukavu.md"),
        _event("e3", "meeting", ((-4.3, 15.3), (-1.95, 30.06)), "Tshisekedi and Kagame spoke by phone.",
               place="Kinshasa", inferred=True, precision="inferred", note="call between capitals",
               url="javascript:alert(1)"),
        _event("e4", "clash", ((-0.5646, 28.7062),), EVIL, place=EVIL, actors=(EVIL,), source=EVIL,
               precision="admin1", url="https://example.org/\"><script>alert(3)</script>"),
    ]


@pytest.fixture(scope="module")
def page() -> str:
    return render_map(events_to_frame(sample_events()), LAYERS, title="Kivu <b>crisis</b>")


def event_data(page: str) -> dict[str, tuple[dict, list[dict]]]:
    """layer id -> (style, features), decoded from the geomapAddEvents(...) calls."""
    decoder = json.JSONDecoder()
    out = {}
    for match in re.finditer(r"geomapAddEvents\(feature_group_\w+, ", page):
        style, end = decoder.raw_decode(page, match.end())
        features, _ = decoder.raw_decode(page, end + 2)
        out[style["id"]] = (style, features)
    return out


def test_no_network_assets(page):
    markup = re.sub(r"<script>.*?</script>", "<script></script>", page, flags=re.S)  # inline code out
    assert not re.search(r"<script[^>]*\bsrc\s*=", markup, re.I)
    assert not re.search(r"<link\b", markup, re.I)
    assert not re.search(r"<(img|iframe|source|video|audio|embed|object)\b[^>]*(src|data)\s*=\s*['\"]?(https?:)?//",
                         markup, re.I)
    styles = "".join(re.findall(r"<style>(.*?)</style>", page, re.S))
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", styles, re.I)
    assert "@import" not in styles
    for cdn in ("jsdelivr", "code.jquery.com", "cdnjs", "bootstrapcdn", "unpkg", "fontawesome"):
        assert cdn not in page.lower()
    assert "L.tileLayer(" not in page
    assert "sourceMappingURL" not in page


def test_libraries_are_inlined(page):
    assert assets.asset("leaflet.js")[:2000] in page
    assert "jquery" not in page.lower()  # nothing on the page needs it
    assert "data:image/png;base64," in page  # Leaflet's layers.png
    assert '"maxZoom": 18' in page


def test_script_elements_cannot_be_broken_out_of(page):
    # exactly four inline scripts: leaflet, geomap helper, folium switches, the map
    ours = page.replace(assets.asset("leaflet.js"), "").lower()
    assert ours.count("<script") == 4
    assert ours.count("</script") == 4
    assert "<img src=x" not in page
    assert "javascript:" not in page.split("/* geomap_js")[-1].split("</head>")[-1]


def test_popups_escape_article_text(page):
    _, features = event_data(page)["clash"]
    evil = next(f for f in features if f["id"] == "e4")
    for text in (evil["p"], evil["t"]):
        assert "<script" not in text and "<img" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;quotes&#x27;" in evil["p"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in evil["p"]
    assert "Approximate location" in evil["p"]
    assert 'href="https://example.org/&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"' in evil["p"]
    # the header lists the evil source escaped
    body = page.split("<body>")[1].split("</body>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<title>Kivu &lt;b&gt;crisis&lt;/b&gt;</title>" in page


def test_popup_contents(page):
    data = event_data(page)
    e1 = data["clash"][1][0]
    assert e1["id"] == "e1" and e1["g"] == "p" and e1["a"] == 0
    assert "M23 fighters clashed with FARDC near Goma." in e1["p"]
    assert "2025-01-27" in e1["p"] and "M23, FARDC" in e1["p"] and "0.50" in e1["p"]
    assert ('<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">doc.md</a>'
            in e1["p"])
    e3 = data["meeting"][1][0]
    assert e3["g"] == "l" and e3["a"] == 1 and e3["c"] == [[-4.3, 15.3], [-1.95, 30.06]]
    assert "undated" in e3["p"] and "Inferred location: call between capitals" in e3["p"]
    assert "<a " not in e3["p"]  # javascript: URL never becomes a link


def test_deterministic(page):
    again = render_map(events_to_frame(sample_events()), LAYERS, title="Kivu <b>crisis</b>")
    assert again == page
    assert "var map_geomap = L.map(" in page
    assert not re.search(r"_[0-9a-f]{32}\b", page)  # no folium random ids left


def test_one_overlay_per_layer_in_order(page):
    assert page.count("L.featureGroup(") == len(LAYERS)
    control = re.search(r"overlays :  \{(.*?)\},", page, re.S).group(1)
    ids = re.findall(r'data-layer=\\"([^"\\]+)\\"', control)
    assert ids == ["meeting", "clash", "control", "ceasefire"]
    assert "collapsed\": false" in page
    assert page.index("L.control.layers(") > max(m.start() for m in re.finditer("geomapAddEvents\\(", page))


def test_legend_lists_every_layer_with_counts(page):
    legend = re.search(r'<section class="gm-panel gm-legend".*?</section>', page, re.S).group(0)
    for layer in LAYERS:
        assert layer.label.replace("&", "&amp;") in legend
    assert re.search(r'data-layer="clash".*?<span class="gm-n">2</span>', legend)
    assert re.search(r'data-layer="ceasefire".*?<span class="gm-n">0</span>', legend)
    assert 'title="Armed &lt;clashes&gt;"' in legend


def test_header_shows_date_range_and_sources(page):
    header = re.search(r'<header class="gm-panel gm-title">.*?</header>', page, re.S).group(0)
    assert "4 events" in header and "2025-01-27 \u2013 2025-02-16" in header and "2 undated" in header
    assert "3 sources" in header


def test_explicit_sources_are_counted():
    out = render_map(events_to_frame(sample_events()[:1]), LAYERS, sources=["a.md", "b.md"])
    assert "1 event \u00b7 2025-01-27 \u00b7 2 sources" in out


def test_basemap_and_attribution(page):
    assert "Natural Earth (public domain); GeoNames (CC-BY 4.0)" in page
    assert 'createPane("gm-basemap")' in page and "L.geoJSON(" in page


def _fit(html: str) -> list:
    return json.loads(re.search(r"map_geomap\.fitBounds\(\s*(\[\[.*?\]\])", html, re.S).group(1))


def test_fit_bounds_cover_located_events_not_inferred_lines(page):
    assert _fit(page) == [[-2.5083, 28.7062], [-0.5646, 29.2228]]  # the call to Kinshasa is drawn, not fitted


def test_fit_bounds_of_only_inferred_events_cover_them():
    only = [_event("c1", "meeting", ((-4.3, 15.3), (-1.94, 30.06)), place="Kinshasa", inferred=True,
                   precision="inferred")]
    assert _fit(render_map(events_to_frame(only), LAYERS)) == [[-4.3, 15.3], [-1.94, 30.06]]


def test_empty_frame_renders_world():
    out = render_map(events_to_frame([]), LAYERS)
    assert "0 events" in out and "0 sources" in out
    assert out.count("L.featureGroup(") == len(LAYERS)
    assert "[[-58.0, -170.0], [75.0, 180.0]]" in out


def test_undeclared_event_type_gets_a_grey_layer():
    out = render_map(events_to_frame([_event("x", "protest", ((0.0, 0.0),))]), LAYERS)
    assert '"id":"protest","color":"#555555"' in out
    assert out.count("L.featureGroup(") == len(LAYERS) + 1


def test_colocated_points_fan_out():
    events = [_event(f"p{i}", "clash", ((1.0, 2.0),)) for i in range(3)]
    features = event_data(render_map(events_to_frame(events), LAYERS))["clash"][1]
    offsets = {tuple(f["o"]) for f in features}
    assert len(offsets) == 3 and (0, 0) not in offsets


def test_online_tiles_by_xyzservices_name():
    out = render_map(events_to_frame(sample_events()), LAYERS, tiles="OpenStreetMap.Mapnik")
    assert "L.tileLayer(" in out and "tile.openstreetmap.org" in out
    assert "OpenStreetMap" in out


def test_unknown_tiles_raise():
    with pytest.raises(ValueError, match="'No.Such.Tiles'") as info:
        render_map(events_to_frame([]), LAYERS, tiles="No.Such.Tiles")
    assert isinstance(info.value, GeomapError)


def test_every_layer_icon_has_a_shape():
    layers_module = pytest.importorskip("geomap.layers")
    assert set(layers_module.ICONS) <= set(ICON_SHAPES)


def test_bad_colour_falls_back_to_grey():
    layer = Layer(id="clash", label="Clashes", color='red"><script>')
    out = render_map(events_to_frame(sample_events()[:1]), [layer])
    assert 'red"><script>' not in out and "#555555" in out
