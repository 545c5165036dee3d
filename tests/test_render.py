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


def map_data(page: str) -> dict:
    """The page's events data block, decoded from the ``geomapInit(map_geomap, ...)`` call."""
    match = re.search(r'<script type="application/json" id="gm-data">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def event_rows(page: str) -> dict[str, dict]:
    """event id -> its row, with the string-table indexes resolved."""
    data = map_data(page)
    names = ("id", "layer", "kind", "coords", "date", "date_text", "precision", "flags", "place", "actors",
             "doc", "evidence", "start", "span", "confidence", "mentions", "note", "area", "offset")
    strings = data["strings"]
    out = {}
    for row in data["events"]:
        rec = dict(zip(names, row))
        for key in ("date_text", "place", "evidence", "note"):
            rec[key] = strings[rec[key]] if rec[key] >= 0 else None
        rec["actors"] = [strings[a] for a in rec["actors"]]
        rec["layer"] = data["layers"][rec["layer"]]["id"]
        rec["precision"] = data["precisions"][rec["precision"]]
        source, title, url = data["docs"][rec["doc"]]
        rec["source"], rec["url"] = strings[source], (strings[url] if url >= 0 else None)
        out[rec["id"]] = rec
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
    assert assets.static("map.js") in page and assets.static("map.css") in page
    assert "jquery" not in page.lower()  # nothing on the page needs it
    assert "data:image/png;base64," in page  # Leaflet's layers.png
    assert '"maxZoom": 18' in page


def test_content_security_policy_comes_first_and_forbids_the_network(page):
    head = page.split("</head>")[0]
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
    assert csp and csp.start() < head.index("<script") and csp.start() < head.index("<style")
    policy = dict(part.strip().split(" ", 1) for part in csp.group(1).replace("&#x27;", "'").split(";"))
    assert policy["default-src"] == "'none'" and "connect-src" not in policy  # falls back to 'none'
    assert policy["img-src"] == "data:"
    assert policy["script-src"] == "'unsafe-inline'" and policy["style-src"] == "'unsafe-inline'"


def test_script_elements_cannot_be_broken_out_of(page):
    # four inline scripts (leaflet, geomap's map.js, folium's switches, the map) and two data blocks
    ours = page.replace(assets.asset("leaflet.js"), "").lower()
    assert ours.count("<script") == 6 and ours.count('<script type="application/json"') == 2
    assert ours.count("</script") == 6
    assert "<img src=x" not in page
    block = re.search(r'<script type="application/json" id="gm-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block and "'" not in block
    assert "\\u003cscript\\u003ealert(1)" in block


def test_line_separators_are_escaped():
    text = "A sentence\u2028with separators\u2029inside."
    out = render_map(events_to_frame([_event("s", "clash", ((0.0, 0.0),), text)]), LAYERS)
    assert "\u2028" not in out and "\u2029" not in out
    assert "\\u2028" in out
    assert event_rows(out)["s"]["evidence"] == text


def test_template_syntax_in_articles_is_not_evaluated():
    text = "Rebels wrote {{ 7*7 }} and {% raw %} on walls {# no comment #}."
    out = render_map(events_to_frame([_event("j", "clash", ((0.0, 0.0),), text, place="{{ place }}")]), LAYERS)
    rows = event_rows(out)
    assert rows["j"]["evidence"] == text and rows["j"]["place"] == "{{ place }}"


def test_article_text_reaches_the_page_only_as_data(page):
    rows = event_rows(page)
    evil = rows["e4"]
    assert evil["place"] == EVIL and evil["evidence"] == EVIL and evil["actors"] == [EVIL]
    assert evil["url"] == 'https://example.org/"><script>alert(3)</script>'  # http(s): the script links it by href
    assert evil["precision"].startswith("approximate") and evil["flags"] & 1
    # the header lists the evil source escaped
    body = page.split("<body>")[1].split("</body>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<title>Kivu &lt;b&gt;crisis&lt;/b&gt;</title>" in page


def test_event_rows(page):
    rows = event_rows(page)
    e1 = rows["e1"]
    assert e1["layer"] == "clash" and e1["kind"] == 0 and e1["coords"] == [-1.6792, 29.2228]
    assert e1["evidence"] == "M23 fighters clashed with FARDC near Goma." and e1["date"] == "2025-01-27"
    assert e1["actors"] == ["M23", "FARDC"] and e1["confidence"] == 50 and e1["flags"] == 0
    assert e1["url"] == "https://example.org/a?b=1&c=2" and e1["source"] == "doc.md"
    e3 = rows["e3"]
    assert e3["kind"] == 1 and e3["flags"] == 3 and e3["coords"] == [[-4.3, 15.3], [-1.95, 30.06]]
    assert e3["date"] == "" and e3["note"] == "call between capitals"
    assert e3["url"] is None  # a javascript: URL never reaches the page
    assert "javascript:" not in page


def test_place_offsets_become_a_highlight_span():
    ev = _event("h", "clash", ((-1.68, 29.22),), "Shelling hit Goma on Monday.", place_start=110, place_end=114)
    ev = Event(**{**ev.__dict__, "start": 97, "end": 97 + len(ev.evidence)})
    row = event_rows(render_map(events_to_frame([ev]), LAYERS))["h"]
    assert row["evidence"][row["span"][0]:row["span"][1]] == "Goma"


def test_strings_are_tabled_once():
    events = [_event(f"t{i}", "clash", ((1.0, float(i)),), "The same sentence.", actors=("M23",)) for i in range(50)]
    data = map_data(render_map(events_to_frame(events), LAYERS))
    assert data["strings"].count("The same sentence.") == 1 and data["strings"].count("M23") == 1
    assert len(data["events"]) == 50


def test_province_events_are_drawn_as_outlines():
    from shapely.geometry import Point, Polygon

    events = [
        _event("p1", "clash", ((-1.5, 29.0),), "Fighting spread across North Kivu.", place="North Kivu",
               place_id="admin1:CD-NK", precision="admin1"),
        _event("p2", "clash", ((-1.5, 29.0),), "Fighting in a province we have no outline for.", place="Nowhere",
               place_id="admin1:XX-ZZ", precision="admin1"),
        _event("p3", "clash", ((-1.68, 29.22),), "Goma itself.", place_id="gn:1", precision="exact"),
    ]
    out = render_map(events_to_frame(events), LAYERS)
    rows, data = event_rows(out), map_data(out)
    assert rows["p1"]["kind"] == 2 and rows["p2"]["kind"] == 0 and rows["p3"]["kind"] == 0
    assert len(data["areas"]) == 1
    outline = Polygon([(lon, lat) for lat, lon in data["areas"][rows["p1"]["area"]][0]])
    assert outline.contains(Point(29.2228, -1.6792))  # Goma lies in North Kivu
    assert not outline.contains(Point(28.8608, -2.5083))  # Bukavu does not


def test_country_and_country_part_events_are_drawn_as_their_area():
    from shapely.geometry import Point, Polygon

    events = [
        _event("c1", "ceasefire", ((-2.9, 23.6),), "A ceasefire for the DRC.", place="DRC",
               place_id="country:CD", precision="country"),
        _event("c2", "clash", ((-1.0, 28.5),), "Fighting in eastern DRC.", place="eastern DRC",
               place_id="country:CD:east", precision="country"),
        _event("c3", "clash", ((-1.0, 28.5),), "An inferred point is no area.", place="DRC",
               place_id="country:CD", precision="inferred"),
    ]
    out = render_map(events_to_frame(events), LAYERS)
    rows, data = event_rows(out), map_data(out)
    assert rows["c1"]["kind"] == 2 and rows["c2"]["kind"] == 2 and rows["c3"]["kind"] == 0

    def covers(event_id, lat, lon):
        return any(Polygon([(x, y) for y, x in ring]).contains(Point(lon, lat))
                   for ring in data["areas"][rows[event_id]["area"]])

    goma, kinshasa = (-1.6792, 29.2228), (-4.3217, 15.3125)
    assert covers("c1", *goma) and covers("c1", *kinshasa)
    assert covers("c2", *goma) and not covers("c2", *kinshasa)  # the eastern third only


def test_admin1_outlines_cover_their_divisions():
    from shapely.geometry import Point, Polygon

    from geomap.render import admin1_outlines

    outlines = admin1_outlines()
    assert len(outlines) > 1500
    for code, (lat, lon) in {"CD-SK": (-2.5083, 28.8608), "KE-30": (-1.2864, 36.8172),
                             "ET-AM": (11.59, 37.39)}.items():
        assert code in outlines, code
        assert any(Polygon([(x, y) for y, x in ring]).contains(Point(lon, lat)) for ring in outlines[code]), code


def test_deterministic(page):
    again = render_map(events_to_frame(sample_events()), LAYERS, title="Kivu <b>crisis</b>")
    assert again == page
    assert "var map_geomap = L.map(" in page
    assert not re.search(r"_[0-9a-f]{32}\b", page)  # no folium random ids left


def test_layers_in_order(page):
    data = map_data(page)
    assert [layer["id"] for layer in data["layers"]] == ["meeting", "clash", "control", "ceasefire"]
    assert data["layers"][0]["line"] is True and data["layers"][1]["line"] is False
    options = re.findall(r'<option value="(\d+)">([^<]+)</option>', page)
    assert options == [("0", "Meetings &amp; calls"), ("1", "Clashes"), ("2", "Territorial control"), ("3", "Ceasefires")]


def test_legend_lists_every_layer_with_counts(page):
    legend = re.search(r'<section class="gm-box gm-legend".*?</section>', page, re.S).group(0)
    for layer in LAYERS:
        assert layer.label.replace("&", "&amp;") in legend
    assert re.search(r'data-layer="clash".*?<span class="gm-n">2</span>', legend)
    assert re.search(r'data-layer="ceasefire".*?<span class="gm-n">0</span>', legend)
    assert 'title="Armed &lt;clashes&gt;"' in legend


def test_header_shows_date_range_and_sources(page):
    header = re.search(r'<header class="gm-box gm-title" id="gm-header">.*?</header>', page, re.S).group(0)
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
    assert len(map_data(out)["layers"]) == len(LAYERS) and map_data(out)["events"] == []
    assert "[[-58.0, -170.0], [75.0, 180.0]]" in out


def test_undeclared_event_type_gets_a_grey_layer():
    out = render_map(events_to_frame([_event("x", "protest", ((0.0, 0.0),))]), LAYERS)
    layers = map_data(out)["layers"]
    assert len(layers) == len(LAYERS) + 1
    assert layers[-1]["id"] == "protest" and layers[-1]["color"] == "#555555"


def test_colocated_points_fan_out():
    events = [_event(f"p{i}", "clash", ((1.0, 2.0),)) for i in range(3)]
    rows = event_rows(render_map(events_to_frame(events), LAYERS))
    offsets = {tuple(r["offset"]) for r in rows.values()}
    assert len(offsets) == 3 and (0, 0) not in offsets


def test_online_tiles_by_xyzservices_name():
    out = render_map(events_to_frame(sample_events()), LAYERS, tiles="OpenStreetMap.Mapnik")
    assert "L.tileLayer(" in out and "tile.openstreetmap.org" in out
    assert "OpenStreetMap" in out
    assert "img-src data: https://tile.openstreetmap.org;" in out


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


def test_a_point_given_by_distance_and_bearing_is_drawn_approximate():
    near = _event("n", "clash", ((12.87, 30.22),), "Troops clashed near Kazgil, about 35 km south of El Obeid.",
                  place="Kazgil", precision="near", note="about 35 km south of El Obeid, as the text puts it")
    exact = _event("x", "clash", ((13.18, 30.22),), "Troops clashed in El Obeid.", place="El Obeid")
    rows = event_rows(render_map(events_to_frame([near, exact]), LAYERS))
    assert rows["n"]["flags"] & 1 and not rows["x"]["flags"] & 1
    assert rows["n"]["note"] == "about 35 km south of El Obeid, as the text puts it"
