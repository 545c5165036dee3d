"""Events GeoDataFrame -> a self-contained, offline situation map (one HTML file).

folium builds the page shell: the Leaflet map (``map_geomap``), the bundled country
outlines, the initial view.  The events themselves are *one* compact JSON data block
(:func:`map_data`) that geomap's own script (``geomap/static/map.js``) turns into
markers, lines and first-level-division areas, a layer control, a time filter, a
search box, a precision switch and a side panel (``#gm-panel``) that lists the events
and shows each document's reporting sentences with the mentions highlighted.  Above
:data:`AGGREGATE_ABOVE` events in view the map draws grid clusters instead of single
events; the exported data always keeps every event.

Articles are untrusted input.  Article text never becomes markup: the data block is
JSON in which ``<``, ``>``, ``&``, ``'`` and U+2028/9 are ``\\u`` escapes (nothing can
close the ``<script>`` element), and the script writes every string with
``textContent``.  Only http(s) URLs become links.  A Content-Security-Policy ``<meta>``
forbids any network access except the tile host the caller names.

Output is deterministic: no random ids, no timestamps, strings tabled in frame order.
"""
from __future__ import annotations

import html
import itertools
import json
import logging
import math
import re
from collections import namedtuple
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from . import assets, regions
from .errors import RenderError
from .frame import COLUMNS, plain, validate_frame
from .models import Layer

log = logging.getLogger("geomap")

APPROXIMATE_PRECISIONS = ("near", "admin1", "country", "inferred")
BASEMAP_ATTRIBUTION = "Natural Earth (public domain); GeoNames (CC-BY 4.0)"
MAX_ZOOM = 18
WORLD_BOUNDS = [[-58.0, -170.0], [75.0, 180.0]]
#: More events than this in view are drawn as grid clusters (the data files keep every event).
AGGREGATE_ABOVE = 500
#: The side panel lists at most this many entries (filters and search narrow the rest).
PANEL_LIMIT = 200
_ICON_SIZE = 22
_DOT = " \u00b7 "
PRECISION_TEXT = {
    "exact": "exact",
    "near": "near the named place",
    "admin1": "approximate: province or region",
    "country": "approximate: country centre",
    "inferred": "inferred: the place is not named in the text",
}


def _regular(n: int, r: float, rot: float = -90.0) -> str:
    pts = (f"{12 + r * math.cos(math.radians(rot + i * 360 / n)):.2f},"
           f"{12 + r * math.sin(math.radians(rot + i * 360 / n)):.2f}" for i in range(n))
    return f'<polygon points="{" ".join(pts)}"/>'


def _star() -> str:
    pts = []
    for i in range(10):
        r = 10.5 if i % 2 == 0 else 4.4
        a = math.radians(-90 + i * 36)
        pts.append(f"{12 + r * math.cos(a):.2f},{12.8 + r * math.sin(a):.2f}")
    return f'<polygon points="{" ".join(pts)}"/>'


#: Marker shapes a layer's ``icon`` can name (SVG in a 24x24 box); unknown names fall back to circle.
ICON_SHAPES: dict[str, str] = {
    "circle": '<circle cx="12" cy="12" r="8.5"/>',
    "square": '<rect x="4.5" y="4.5" width="15" height="15" rx="1.5"/>',
    "triangle": '<polygon points="12,3 21.5,19.5 2.5,19.5"/>',
    "diamond": '<polygon points="12,2 22,12 12,22 2,12"/>',
    "star": _star(),
    "cross": '<polygon points="9,3 15,3 15,9 21,9 21,15 15,15 15,21 9,21 9,15 3,15 3,9 9,9"/>',
    "hexagon": _regular(6, 9.5, -90),
    "pentagon": _regular(5, 9.5),
    "octagon": _regular(8, 9.5, -67.5),
    "pin": '<path d="M12 22C12 22 4.5 15 4.5 9.5a7.5 7.5 0 0 1 15 0C19.5 15 12 22 12 22z"/>',
}
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}")


def _color(layer: Layer) -> str:
    if _COLOR.fullmatch(layer.color or ""):
        return layer.color
    log.warning("layer %r: colour %r is not a CSS hex or name; using grey", layer.id, layer.color)
    return "#555555"


def icon_svg(layer: Layer, *, approximate: bool = False, size: int = _ICON_SIZE) -> str:
    """The inline SVG symbol of ``layer``: filled for located events, hollow with a halo otherwise."""
    color = _color(layer)
    if layer.geometry == "line":
        dash = ' stroke-dasharray="5 4"' if approximate else ""
        return (f'<svg class="gm-sym" width="{size}" height="{size}" viewBox="0 0 24 24" aria-hidden="true">'
                f'<line x1="2" y1="17" x2="22" y2="7" stroke="{color}" stroke-width="3.5" '
                f'stroke-linecap="round"{dash}/></svg>')
    shape = ICON_SHAPES.get(layer.icon, ICON_SHAPES["circle"])
    if approximate:
        body = (f'<circle cx="12" cy="12" r="11.5" fill="{color}" fill-opacity="0.2"/>'
                f'<g fill="#ffffff" stroke="{color}" stroke-width="2.4" stroke-dasharray="3 2">{shape}</g>')
    else:
        body = f'<g fill="{color}" stroke="#ffffff" stroke-width="1.6">{shape}</g>'
    return (f'<svg class="gm-sym" width="{size}" height="{size}" viewBox="0 0 24 24" '
            f'aria-hidden="true">{body}</svg>')


_JS_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
               ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def _js(value) -> str:
    """JSON for inside a ``<script>`` element: nothing in it can end the element or the statement."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _JS_ESCAPES:
        text = text.replace(char, escaped)
    return text


def safe_url(url) -> str | None:
    """``url`` when it is an absolute http(s) URL without spaces or control characters, else None."""
    url = plain(url)
    if not isinstance(url, str) or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _is_approximate(row) -> bool:
    return bool(row.inferred) or row.precision in APPROXIMATE_PRECISIONS


class _Raw(Element):
    """Text inserted verbatim (inlined libraries are not Jinja templates)."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "Raw"
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


def _data_block(element_id: str, text: str) -> str:
    """A JSON ``<script>`` data block (never run; read by ``geomapData``).  It is added to the
    page as raw text: folium would compile a script element's text as a Jinja template,
    which is slow for megabytes and would evaluate ``{{ ... }}`` written in an article."""
    return f'<script type="application/json" id="{element_id}">{text}</script>'


class _Events(MacroElement):
    """Draws the events of the ``gm-data`` block with ``geomapInit``."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            geomapInit({{ this._parent.get_name() }}, geomapData("gm-data"));
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "Events"


class _Basemap(MacroElement):
    """Country outlines in a pane under any tiles, and the data credits."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            geomapBasemap({{ this._parent.get_name() }}, geomapData("gm-countries"), {{ this.attribution }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "Basemap"
        self.attribution = _js(BASEMAP_ATTRIBUTION)


@lru_cache(maxsize=1)
def _countries_js() -> str:
    text = resources.files("geomap.data").joinpath("countries.geojson").read_text(encoding="utf-8")
    return _js(json.loads(text))


@lru_cache(maxsize=1)
def admin1_outlines() -> dict[str, list]:
    """ISO 3166-2 code -> simplified outline (a list of rings of ``[lat, lon]``), from
    ``geomap/data/admin1.json`` (made by ``scripts/make_admin1.py``); empty when absent."""
    path = resources.files("geomap.data").joinpath("admin1.json")
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["areas"]


class _OfflineMap(folium.Map):
    """A folium Map that links no CDN asset; the page inlines what it needs."""

    default_js: list = []
    default_css: list = []


def _tile_layer(name: str):
    import xyzservices

    try:
        provider = xyzservices.providers.query_name(name)
    except ValueError:
        raise RenderError(f"unknown tile provider {name!r}: give an xyzservices name "
                          f"such as 'OpenStreetMap.Mapnik' or 'CartoDB.Positron'") from None
    if provider.requires_token():
        raise RenderError(f"tile provider {name!r} needs an API key, which geomap does not pass")
    return folium.TileLayer(tiles=provider, name=provider.name, control=False, max_zoom=MAX_ZOOM), provider


def _tile_sources(provider) -> str:
    """The CSP img-src entry that lets the page load ``provider``'s tiles (its host, any subdomain)."""
    parts = urlsplit(provider.url)
    host = parts.netloc
    if host.startswith("{s}."):
        host = "*." + host[4:]
    if parts.scheme not in ("http", "https") or not re.fullmatch(r"(\*\.)?[A-Za-z0-9.:-]+", host):
        raise RenderError(f"tile provider {provider.name!r} has a URL geomap cannot allow: {provider.url!r}")
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_source: str | None = None) -> str:
    """No network access (``connect-src`` falls back to 'none'); inline script and style only."""
    img = "data:" + (f" {tile_source}" if tile_source else "")
    return (f"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            f"img-src {img}; base-uri 'none'; form-action 'none'")


def _layers_for(frame: gpd.GeoDataFrame, layers: Sequence[Layer]) -> list[Layer]:
    """``layers`` in ``order``, plus a grey stand-in for any event type no layer declares."""
    known = {layer.id for layer in layers}
    extra = sorted(set(frame["event_type"]) - known)
    if extra:
        log.warning("no layer defined for event type(s) %s; drawing them in grey", ", ".join(extra))
    stand_ins = [Layer(id=t, label=t.replace("_", " ").capitalize(), order=10_000) for t in extra]
    return sorted([*layers, *stand_ins], key=lambda layer: (layer.order, layer.id))


def _spread_offsets(ids: list[str], coords: list[list[list[float]]]) -> dict[str, tuple[int, int]]:
    """Pixel offsets fanning out point events that share a location, so each stays clickable."""
    groups: dict[tuple[float, float], list[str]] = {}
    for event_id, points in zip(ids, coords):
        if len(points) == 1:
            groups.setdefault((round(points[0][0], 4), round(points[0][1], 4)), []).append(event_id)
    offsets = {}
    for members in groups.values():
        n = len(members)
        if n == 1 or n > 12:  # a pile too big to fan out is left to the clusters and the panel
            continue
        radius = max(11, round(2 * _ICON_SIZE / (2 * math.sin(math.pi / n)) / 2))
        for i, event_id in enumerate(sorted(members)):
            angle = -math.pi / 2 + 2 * math.pi * i / n
            offsets[event_id] = (round(radius * math.cos(angle)), round(radius * math.sin(angle)))
    return offsets


class _Table:
    """Strings -> indexes, in first-use order (deterministic for a sorted frame)."""

    def __init__(self):
        self.index: dict[str, int] = {}

    def __call__(self, value) -> int:
        found = self.index.get(value) if type(value) is str else None  # the common case first
        if found is not None:
            return found
        value = plain(value)
        if value is None:
            return -1
        value = str(value)
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.index)
        return found

    def values(self) -> list[str]:
        return list(self.index)


def _area(row, outlines: dict) -> tuple[str | None, list | None]:
    """(key, outline rings) when the event's subject is an area, drawn instead of a point:
    a first-level division (``admin1:CD-NK``, shipped outlines), a country (``country:CD``)
    or a part of one ("eastern DRC": ``country:CD:east``, cut from the basemap outline)."""
    place_id = plain(row.place_id)
    if not isinstance(place_id, str) or row.precision not in ("admin1", "country"):
        return None, None
    if place_id.startswith("admin1:"):
        code = place_id.split(":", 1)[1]
        return code, outlines.get(code)
    return place_id, regions.area_rings(place_id)


_Row = namedtuple("_Row", COLUMNS)


def _rows(frame: gpd.GeoDataFrame):
    """The frame's rows as named tuples of plain Python values: columns are turned into
    lists once (iterating pandas' Arrow-backed string columns value by value is slow)."""
    return map(_Row._make, zip(*(frame[name].tolist() for name in COLUMNS)))


def _coords(frame: gpd.GeoDataFrame) -> list[list[list[float]]]:
    """Each geometry's vertices as ``[lat, lon]`` pairs (5 decimals, about 1 m)."""
    xy, index = shapely.get_coordinates(frame.geometry.values, return_index=True)
    out: list[list[list[float]]] = [[] for _ in range(len(frame))]
    for (lon, lat), i in zip(np.round(xy, 5).tolist(), index.tolist()):
        out[i].append([lat, lon])
    return out


def map_data(frame: gpd.GeoDataFrame, layers: list[Layer]) -> dict:
    """The page's data block: layers, one string table, areas, documents and one row per event.

    Each event row is ``[id, layer, kind (0 point, 1 line, 2 area), coords, date or "",
    date_text, precision, flags (1 approximate, 2 inferred), place, actors, doc, evidence,
    start, place offsets in the evidence or null, confidence x 100, mentions, note,
    area or -1, pixel offset or null]`` where strings are indexes into ``strings``.
    """
    strings = _Table()
    layer_index = {layer.id: i for i, layer in enumerate(layers)}
    outlines = admin1_outlines()
    area_index: dict[str, int] = {}
    areas: list[list] = []
    docs: dict[tuple, int] = {}
    doc_rows: list[list] = []
    all_coords = _coords(frame)
    offsets = _spread_offsets(frame["id"].tolist(), all_coords)
    precision_index = {p: i for i, p in enumerate(PRECISION_TEXT)}
    rows = []
    for row, coords in zip(_rows(frame), all_coords):
        kind = 0 if len(coords) == 1 else 1
        area = -1
        code, outline = _area(row, outlines) if kind == 0 else (None, None)
        if outline is not None:
            if code not in area_index:
                area_index[code] = len(areas)
                areas.append(outline)
            area, kind = area_index[code], 2
        doc_key = (row.doc_id, row.source, plain(row.title), plain(row.url))
        doc = docs.get(doc_key)
        if doc is None:
            doc = docs[doc_key] = len(doc_rows)
            doc_rows.append([strings(row.source), strings(plain(row.title)), strings(safe_url(row.url))])
        span = None
        ps, pe = plain(row.place_start), plain(row.place_end)
        if ps is not None and pe is not None and row.start <= ps < pe <= row.end:
            span = [int(ps) - row.start, int(pe) - row.start]
        flags = int(_is_approximate(row)) | (2 if row.inferred else 0)
        actors = plain(row.actors)
        rows.append([
            row.id, layer_index[row.event_type], kind, coords[0] if kind != 1 else coords,
            plain(row.date) or "", strings(row.date_text), precision_index[row.precision], flags,
            strings(row.place), [strings(a) for a in (actors if actors is not None else [])], doc,
            strings(row.evidence), int(row.start), span, round(float(row.confidence) * 100),
            int(row.mentions), strings(row.note), area, list(offsets[row.id]) if row.id in offsets else None,
        ])
    return {
        "layers": [{"id": layer.id, "label": layer.label, "description": layer.description,
                    "color": _color(layer), "line": layer.geometry == "line",
                    "solid": icon_svg(layer), "hollow": icon_svg(layer, approximate=True),
                    "icon": icon_svg(layer, size=16)} for layer in layers],
        "precisions": list(PRECISION_TEXT.values()),
        "strings": strings.values(), "docs": doc_rows, "areas": areas, "events": rows,
        "aggregateAbove": AGGREGATE_ABOVE, "panelLimit": PANEL_LIMIT, "iconSize": _ICON_SIZE,
    }


def _legend_html(layers: list[Layer], counts: dict[str, int]) -> str:
    items = "".join(
        f'<li data-layer="{html.escape(layer.id)}" title="{html.escape(layer.description)}">'
        f'{icon_svg(layer, size=18)}<span>{html.escape(layer.label)}</span>'
        f'<span class="gm-n">{counts.get(layer.id, 0)}</span></li>' for layer in layers)
    key_layer = Layer(id="key", label="key", color="#52606d")
    key = (f'<div class="gm-key">{icon_svg(key_layer, size=16)} located '
           f'{icon_svg(key_layer, approximate=True, size=16)} approximate or inferred '
           f'<span class="gm-area-key"></span> area</div>')
    return (f'<section class="gm-box gm-legend" id="gm-legend" aria-label="Legend"><h2>Legend</h2>'
            f"<ul>{items}</ul>{key}</section>")


def _span(dates: list[str]) -> str:
    return dates[0] if dates[0] == dates[-1] else dates[0] + " \u2013 " + dates[-1]


def _header_html(frame: gpd.GeoDataFrame, title: str, sources: Sequence[str]) -> str:
    dates = sorted(d for d in frame["date"] if plain(d))
    names = sorted(set(sources)) if sources else sorted(set(frame["source"]))
    n = len(frame)
    parts = [f"{n} event{'s' if n != 1 else ''}"]
    if dates:
        parts.append(html.escape(_span(dates)))
    if n and len(dates) < n:
        parts.append(f"{n - len(dates)} undated")
    parts.append(f"{len(names)} source{'s' if len(names) != 1 else ''}")
    listing = ""
    if names:
        listing = ("<details><summary>Sources</summary><ol>"
                   + "".join(f"<li>{html.escape(str(s))}</li>" for s in names) + "</ol></details>")
    return (f'<header class="gm-box gm-title" id="gm-header"><h1>{html.escape(title)}</h1>'
            f'<p id="gm-summary">{_DOT.join(parts)}</p><p id="gm-shown" class="gm-shown"></p>{listing}</header>')


def _panel_html(frame: gpd.GeoDataFrame, layers: list[Layer]) -> str:
    dates = sorted(d for d in frame["date"] if plain(d))
    lo, hi = (dates[0], dates[-1]) if dates else ("", "")
    options = "".join(f'<option value="{i}">{html.escape(layer.label)}</option>' for i, layer in enumerate(layers))
    return f"""<aside id="gm-panel" class="gm-side" aria-label="Events">
<button type="button" id="gm-panel-toggle" class="gm-panel-toggle" aria-expanded="false">Events and filters</button>
<div class="gm-side-body">
<form id="gm-filters" class="gm-filters" autocomplete="off">
<fieldset><legend>Time</legend>
<label>From <input type="date" id="gm-from" value="{lo}" min="{lo}" max="{hi}"></label>
<label>To <input type="date" id="gm-to" value="{hi}" min="{lo}" max="{hi}"></label>
<label class="gm-check"><input type="checkbox" id="gm-undated" checked> undated events</label>
</fieldset>
<fieldset><legend>Show</legend>
<label class="gm-check"><input type="checkbox" id="gm-coarse" checked> approximate and inferred locations</label>
<label>Search <input type="search" id="gm-search" placeholder="place or actor"></label>
</fieldset>
<button type="button" id="gm-reset">Reset filters</button>
</form>
<div class="gm-list-head">
<label>Sort <select id="gm-sort"><option value="asc">date, oldest first</option>
<option value="desc">date, newest first</option></select></label>
<label>Layer <select id="gm-panel-layer"><option value="">all shown</option>{options}</select></label>
</div>
<p id="gm-count" class="gm-count"></p>
<ol id="gm-list" class="gm-list"></ol>
<section id="gm-doc" class="gm-doc" hidden></section>
</div>
</aside>"""


def _elements(root: Element):
    yield root
    if isinstance(root, Figure):
        for part in (root.header, root.html, root.script):
            yield from _elements(part)
    for child in root._children.values():
        yield from _elements(child)


def _fix_ids(figure: Figure, preset: dict[int, str]) -> None:
    """Replace folium's random element ids by ones in tree order (``preset`` by ``id(element)``)."""
    elements = list(_elements(figure))
    old_names = {id(el): el.get_name() for el in elements}
    counter = itertools.count(1)
    for el in elements:
        el._id = preset.get(id(el)) or f"{next(counter):x}"
    for el in elements:
        el._children = type(el._children)(
            (child.get_name() if key == old_names[id(child)] else key, child)
            for key, child in el._children.items())


def _bounds(frame: gpd.GeoDataFrame) -> list[list[float]]:
    """What the map first shows: the located events (an inferred line to a far capital
    is still drawn, but does not zoom the map out to the world), else all, else the world."""
    located = frame[~frame["inferred"].astype(bool)] if not frame.empty else frame
    frame = located if not located.empty else frame
    if frame.empty:
        return WORLD_BOUNDS
    minx, miny, maxx, maxy = (float(v) for v in frame.total_bounds)
    return [[round(miny, 6), round(minx, 6)], [round(maxy, 6), round(maxx, 6)]]


def render_map(frame: gpd.GeoDataFrame, layers: Sequence[Layer], *, title: str = "geomap situation map",
               tiles: str | None = None, sources: Sequence[str] = (), validate: bool = True) -> str:
    """Render the events ``frame`` as one self-contained HTML page and return its text.

    ``layers`` style and order the overlays (events of an undeclared type get a grey one);
    ``tiles`` names an online xyzservices provider (e.g. ``"OpenStreetMap.Mapnik"``), else
    the page draws bundled country outlines and never touches the network; ``sources`` lists
    the input documents for the header (default: the frame's ``source`` values);
    ``validate=False`` skips :func:`~geomap.frame.validate_frame` for a frame already checked.

    Example::

        html_text = render_map(events_to_frame(events), load_layers(Path("layers")))
    """
    if validate:
        validate_frame(frame)
    tile_layer, provider = _tile_layer(tiles) if tiles else (None, None)
    csp = content_security_policy(_tile_sources(provider) if provider is not None else None)
    layers = _layers_for(frame, layers)
    m = _OfflineMap(location=None, tiles=None, max_zoom=MAX_ZOOM, maxZoom=MAX_ZOOM, minZoom=1,
                    zoom_control="bottomright", zoomSnap=0.25, worldCopyJump=True, preferCanvas=False)
    figure = m.get_root()
    figure.title = html.escape(title)
    figure.header.add_child(_Raw(f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp)}">'),
                            name="geomap_csp", index=0)
    figure.header.add_child(_Raw(assets.style_tag("leaflet.css")), name="leaflet.css")
    figure.header.add_child(_Raw(f"<style>/* geomap map.css */\n{assets.static('map.css')}</style>"),
                            name="geomap_css")
    figure.header.add_child(_Raw(assets.script_tag("leaflet.js")), name="leaflet.js")
    figure.header.add_child(_Raw(f"<script>/* geomap map.js */\n{assets.static('map.js')}</script>"),
                            name="geomap_js")
    _Basemap().add_to(m)
    if tile_layer is not None:
        tile_layer.add_to(m)
    folium.FitBounds(_bounds(frame), padding_top_left=(30, 110), padding_bottom_right=(30, 40),
                     max_zoom=8).add_to(m)
    _Events().add_to(m)
    counts = frame["event_type"].value_counts().to_dict()
    figure.html.add_child(_Raw(_header_html(frame, title, sources)), name="geomap_header")
    figure.html.add_child(_Raw(_legend_html(layers, counts)), name="geomap_legend")
    figure.html.add_child(_Raw(_panel_html(frame, layers)), name="geomap_panel")
    figure.html.add_child(_Raw(_data_block("gm-countries", _countries_js())), name="geomap_countries")
    figure.html.add_child(_Raw(_data_block("gm-data", _js(map_data(frame, layers)))), name="geomap_data")
    _fix_ids(figure, {id(m): "geomap"})
    return figure.render()
