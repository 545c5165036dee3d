"""Events GeoDataFrame -> a self-contained, offline folium (Leaflet) situation map.

One ``FeatureGroup`` overlay per layer (in ``Layer.order``), a ``LayerControl`` added
last, a legend and a title header.  Every script and stylesheet is inlined from the
XStatic wheels (:mod:`geomap.assets`); the only network access a page can make is to an
online tile provider the caller asks for by name (``tiles=``).

Articles are untrusted input.  folium's ``Popup``/``Tooltip`` paste their HTML into a
JavaScript template literal (``${...}`` would run), so they are not used: popup and
tooltip HTML is assembled here from ``html.escape``-d pieces and handed to Leaflet as a
JSON string literal in which ``<``, ``>``, ``&`` and ``'`` are ``\\u`` escapes, so no
article text can close the ``<script>`` element.

Output is deterministic: folium's random element ids are replaced in tree order and the
map variable is always ``map_geomap``.
"""
from __future__ import annotations

import html
import itertools
import json
import logging
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

import folium
import geopandas as gpd
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from . import assets
from .errors import RenderError
from .frame import validate_frame
from .models import Layer

log = logging.getLogger("geomap")

APPROXIMATE_PRECISIONS = ("admin1", "country", "inferred")
BASEMAP_ATTRIBUTION = "Natural Earth (public domain); GeoNames (CC-BY 4.0)"
MAX_ZOOM = 18
WORLD_BOUNDS = [[-58.0, -170.0], [75.0, 180.0]]
_ICON_SIZE = 22
_DOT = " \u00b7 "
_PRECISION_TEXT = {
    "exact": "exact",
    "near": "near the named place",
    "admin1": "approximate: province or region centre",
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


def _js(value) -> str:
    """JSON for inside a ``<script>`` element: nothing in it can end the element."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return text


def _value(value):
    """None for missing values (None, NaN), else the value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _safe_url(url) -> str | None:
    url = _value(url)
    if not isinstance(url, str) or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _is_approximate(row) -> bool:
    return bool(row.inferred) or row.precision in APPROXIMATE_PRECISIONS


def popup_html(row, layer: Layer) -> str:
    """The popup of one event (a row of the events frame), every value escaped."""
    esc = html.escape
    actors = [str(a) for a in (_value(row.actors) if _value(row.actors) is not None else [])]
    date = _value(row.date)
    date_text = _value(row.date_text)
    when = esc(date) if date else "undated"
    if date and date_text:
        when += f' <span class="gm-muted">({esc(date_text)})</span>'
    url = _safe_url(row.url)
    source = esc(str(row.source))
    if url:
        source = f'<a href="{esc(url)}" rel="noopener noreferrer" target="_blank">{source}</a>'
    title = _value(row.title)
    if title:
        source += f'<div class="gm-muted">{esc(str(title))}</div>'
    rows = [("Date", when), ("Actors", esc(", ".join(actors)) if actors else "none named"),
            ("Location", esc(_PRECISION_TEXT.get(row.precision, str(row.precision)))),
            ("Source", source), ("Confidence", f"{float(row.confidence):.2f}")]
    if int(row.mentions) > 1:
        rows.append(("Reports", f"{int(row.mentions)} sentences"))
    flag = ""
    if _is_approximate(row):
        word = "Inferred" if row.inferred or row.precision == "inferred" else "Approximate"
        note = _value(row.note)
        flag = (f'<p class="gm-flag">{word} location'
                + (f": {esc(str(note))}" if note else "") + "</p>")
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (f'<div class="gm-pop"><div class="gm-pop-type" style="border-color:{_color(layer)}">'
            f"{esc(layer.label)}</div>"
            f'<div class="gm-pop-place">{esc(str(row.place))}</div>{flag}'
            f'<table>{table}</table><blockquote class="gm-evidence">{esc(str(row.evidence))}</blockquote></div>')


def tooltip_html(row, layer: Layer) -> str:
    date = _value(row.date) or "undated"
    extra = " (approximate)" if _is_approximate(row) else ""
    return html.escape(f"{layer.label}: {row.place}, {date}{extra}")


class _Raw(Element):
    """Text inserted verbatim (inlined libraries are not Jinja templates)."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "Raw"
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _EventFeatures(MacroElement):
    """The events of one layer, added to the parent FeatureGroup by ``geomapAddEvents``."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            geomapAddEvents({{ this._parent.get_name() }}, {{ this.style_json }}, {{ this.features_json }});
        {% endmacro %}
    """)

    def __init__(self, layer: Layer, features: list[dict]):
        super().__init__()
        self._name = "EventFeatures"
        self.style_json = _js({
            "id": layer.id, "color": _color(layer), "size": _ICON_SIZE,
            "solid": icon_svg(layer), "hollow": icon_svg(layer, approximate=True),
        })
        self.features_json = _js(features)


class _Basemap(MacroElement):
    """Country outlines in a pane under any tiles, and the data credits."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.createPane("gm-basemap");
            {{ this._parent.get_name() }}.getPane("gm-basemap").style.zIndex = 150;
            {{ this._parent.get_name() }}.getPane("gm-basemap").style.pointerEvents = "none";
            var gm_countries = {{ this.data }};
            L.geoJSON(gm_countries, {pane: "gm-basemap", interactive: false, style: {
                color: "#a8a294", weight: 0.7, fillColor: "#f5f2eb", fillOpacity: 1}
            }).addTo({{ this._parent.get_name() }});
            (function (map, countries) {
                /* country names, under the events; each from the zoom its size allows */
                map.createPane("gm-labels");
                map.getPane("gm-labels").style.zIndex = 350;
                map.getPane("gm-labels").style.pointerEvents = "none";
                var labels = countries.features.filter(function (f) { return f.properties.label; })
                    .map(function (f) {
                        var div = document.createElement("div");
                        div.textContent = f.properties.name;
                        return {minZoom: f.properties.label_min_zoom, marker: L.marker(f.properties.label, {
                            pane: "gm-labels", interactive: false, keyboard: false,
                            icon: L.divIcon({className: "gm-country-label", html: div, iconSize: null})})};
                    });
                function show() {
                    var z = map.getZoom();
                    labels.forEach(function (l) {
                        if (z >= l.minZoom) { l.marker.addTo(map); } else { l.marker.remove(); }
                    });
                }
                map.on("zoomend", show);
                show();
            })({{ this._parent.get_name() }}, gm_countries);
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.attribution }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "Basemap"
        self.data = _countries_js()
        self.attribution = _js(BASEMAP_ATTRIBUTION)


@lru_cache(maxsize=1)
def _countries_js() -> str:
    text = resources.files("geomap.data").joinpath("countries.geojson").read_text(encoding="utf-8")
    return _js(json.loads(text))


class _OfflineMap(folium.Map):
    """A folium Map that links no CDN asset; :func:`_add_assets` inlines what it needs."""

    default_js: list = []
    default_css: list = []


def _tile_layer(name: str) -> folium.TileLayer:
    import xyzservices

    try:
        provider = xyzservices.providers.query_name(name)
    except ValueError:
        raise RenderError(f"unknown tile provider {name!r}: give an xyzservices name "
                          f"such as 'OpenStreetMap.Mapnik' or 'CartoDB.Positron'") from None
    if provider.requires_token():
        raise RenderError(f"tile provider {name!r} needs an API key, which geomap does not pass")
    return folium.TileLayer(tiles=provider, name=provider.name, control=False, max_zoom=MAX_ZOOM)


def _layers_for(frame: gpd.GeoDataFrame, layers: Sequence[Layer]) -> list[Layer]:
    """``layers`` in ``order``, plus a grey stand-in for any event type no layer declares."""
    known = {layer.id for layer in layers}
    extra = sorted(set(frame["event_type"]) - known)
    if extra:
        log.warning("no layer defined for event type(s) %s; drawing them in grey", ", ".join(extra))
    stand_ins = [Layer(id=t, label=t.replace("_", " ").capitalize(), order=10_000) for t in extra]
    return sorted([*layers, *stand_ins], key=lambda layer: (layer.order, layer.id))


def _spread_offsets(frame: gpd.GeoDataFrame) -> dict[str, tuple[int, int]]:
    """Pixel offsets fanning out point events that share a location, so each stays clickable."""
    groups: dict[tuple[float, float], list[str]] = {}
    for row in frame.itertuples(index=False):
        if row.geometry.geom_type == "Point":
            groups.setdefault((round(row.geometry.y, 4), round(row.geometry.x, 4)), []).append(row.id)
    offsets = {}
    for ids in groups.values():
        n = len(ids)
        radius = 0 if n == 1 else max(11, round(2 * _ICON_SIZE / (2 * math.sin(math.pi / n)) / 2))
        for i, event_id in enumerate(sorted(ids)):
            angle = -math.pi / 2 + 2 * math.pi * i / n
            offsets[event_id] = (round(radius * math.cos(angle)), round(radius * math.sin(angle)))
    return offsets


def _features(rows: list, layer: Layer, offsets: dict[str, tuple[int, int]]) -> list[dict]:
    features = []
    for row in rows:
        coords = [[round(lat, 6), round(lon, 6)] for lon, lat in row.geometry.coords]
        feature = {"id": row.id, "g": "p" if len(coords) == 1 else "l", "c": coords,
                   "a": int(_is_approximate(row)), "p": popup_html(row, layer), "t": tooltip_html(row, layer)}
        if feature["g"] == "p":
            feature["o"] = list(offsets.get(row.id, (0, 0)))
        features.append(feature)
    return features


def _control_label(layer: Layer, count: int) -> str:
    return (f'<span class="gm-ctl" data-layer="{html.escape(layer.id)}">{icon_svg(layer, size=16)}'
            f'{html.escape(layer.label)} <span class="gm-n">({count})</span></span>')


def _legend_html(layers: list[Layer], counts: dict[str, int]) -> str:
    items = "".join(
        f'<li data-layer="{html.escape(layer.id)}" title="{html.escape(layer.description)}">'
        f'{icon_svg(layer, size=18)}<span>{html.escape(layer.label)}</span>'
        f'<span class="gm-n">{counts.get(layer.id, 0)}</span></li>' for layer in layers)
    key_layer = Layer(id="key", label="key", color="#52606d")
    key = (f'<div class="gm-key">{icon_svg(key_layer, size=16)} located '
           f'{icon_svg(key_layer, approximate=True, size=16)} approximate or inferred</div>')
    return (f'<section class="gm-panel gm-legend" aria-label="Legend"><h2>Legend</h2>'
            f"<ul>{items}</ul>{key}</section>")


def _header_html(frame: gpd.GeoDataFrame, title: str, sources: Sequence[str]) -> str:
    dates = sorted(d for d in frame["date"] if _value(d))
    names = sorted(set(sources)) if sources else sorted(set(frame["source"]))
    n = len(frame)
    parts = [f"{n} event{'s' if n != 1 else ''}"]
    if dates:
        span = dates[0] if dates[0] == dates[-1] else dates[0] + " \u2013 " + dates[-1]
        parts.append(html.escape(span))
    if n and len(dates) < n:
        parts.append(f"{n - len(dates)} undated")
    parts.append(f"{len(names)} source{'s' if len(names) != 1 else ''}")
    listing = ""
    if names:
        listing = ("<details><summary>Sources</summary><ol>"
                   + "".join(f"<li>{html.escape(str(s))}</li>" for s in names) + "</ol></details>")
    return (f'<header class="gm-panel gm-title"><h1>{html.escape(title)}</h1>'
            f"<p>{_DOT.join(parts)}</p>{listing}</header>")


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
               tiles: str | None = None, sources: Sequence[str] = ()) -> str:
    """Render the events ``frame`` as one self-contained HTML page and return its text.

    ``layers`` style and order the overlays (events of an undeclared type get a grey one);
    ``tiles`` names an online xyzservices provider (e.g. ``"OpenStreetMap.Mapnik"``), else
    the page draws bundled country outlines and never touches the network; ``sources`` lists
    the input documents for the header (default: the frame's ``source`` values).

    Example::

        html_text = render_map(events_to_frame(events), load_layers(Path("layers")))
    """
    validate_frame(frame)
    tile_layer = _tile_layer(tiles) if tiles else None
    layers = _layers_for(frame, layers)
    m = _OfflineMap(location=None, tiles=None, max_zoom=MAX_ZOOM, maxZoom=MAX_ZOOM, minZoom=1,
                    zoom_control="bottomright", zoomSnap=0.25, worldCopyJump=True)
    figure = m.get_root()
    figure.title = html.escape(title)
    for name in ("leaflet.css",):
        figure.header.add_child(_Raw(assets.style_tag(name)), name=name)
    figure.header.add_child(_Raw(f"<style>{assets.PAGE_CSS}</style>"), name="geomap_css")
    figure.header.add_child(_Raw(assets.script_tag("leaflet.js")), name="leaflet.js")
    figure.header.add_child(_Raw(f"<script>{assets.PAGE_JS}</script>"), name="geomap_js")

    _Basemap().add_to(m)
    if tile_layer is not None:
        tile_layer.add_to(m)
    preset = {id(m): "geomap"}
    offsets = _spread_offsets(frame)
    by_type: dict[str, list] = {}
    for row in frame.itertuples(index=False):
        by_type.setdefault(row.event_type, []).append(row)
    counts = {key: len(rows) for key, rows in by_type.items()}
    for i, layer in enumerate(layers, 1):
        group = folium.FeatureGroup(name=_control_label(layer, counts.get(layer.id, 0)), overlay=True, show=True)
        _EventFeatures(layer, _features(by_type.get(layer.id, []), layer, offsets)).add_to(group)
        group.add_to(m)
        preset[id(group)] = f"{i}_{re.sub(r'[^0-9A-Za-z_]', '_', layer.id)}"
    folium.FitBounds(_bounds(frame), padding_top_left=(40, 110), padding_bottom_right=(250, 40),
                     max_zoom=8).add_to(m)
    control = folium.LayerControl(collapsed=False, position="topright")
    control.add_to(m)
    preset[id(control)] = "layers"
    figure.html.add_child(_Raw(_header_html(frame, title, sources)), name="geomap_header")
    figure.html.add_child(_Raw(_legend_html(layers, counts)), name="geomap_legend")
    _fix_ids(figure, preset)
    return figure.render()
