"""The JavaScript and CSS a map page needs, read from the installed XStatic packages.

geomap's maps must open offline, so nothing is fetched from a CDN: Leaflet's script and
stylesheet come from the ``xstatic-leaflet`` wheel (a declared dependency) and are
inlined into the page.  (folium's popups would need jQuery; geomap builds its own.)  Images referenced by the stylesheets become ``data:`` URIs.  No library code is
copied into this repository.
"""
from __future__ import annotations

import base64
import importlib
import re
from functools import lru_cache
from pathlib import Path

# asset name -> (xstatic module, file inside its BASE_DIR)
_FILES = {
    "leaflet.js": ("xstatic.pkg.leaflet", "leaflet.js"),
    "leaflet.css": ("xstatic.pkg.leaflet", "leaflet.css"),
}
_PIP_NAMES = {
    "xstatic.pkg.leaflet": "xstatic-leaflet",
}
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}
_SOURCE_MAP = re.compile(r"^\s*//[#@] sourceMappingURL=.*$|/\*# sourceMappingURL=.*?\*/", re.MULTILINE)
_CSS_URL = re.compile(r"url\((['\"]?)([^)'\"]+)\1\)")


def base_dir(module: str) -> Path:
    """The data directory of an XStatic package, with a useful error when it is missing."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - dependency missing
        raise ImportError(f"geomap needs the {_PIP_NAMES.get(module, module)!r} package: "
                          f"pip install {_PIP_NAMES.get(module, module)}") from exc
    return Path(mod.BASE_DIR)


def _inline_css_urls(css: str, folder: Path) -> str:
    def replace(match: re.Match) -> str:
        ref = match.group(2)
        path = folder / ref
        if ref.startswith(("data:", "#")) or ":" in ref or not path.is_file():
            return match.group(0)
        mime = _MIME.get(path.suffix.lower(), "application/octet-stream")
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'url("data:{mime};base64,{data}")'

    return _CSS_URL.sub(replace, css)


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    """The text of one asset (see ``_FILES``), ready to inline: no source-map comments,
    stylesheet images as ``data:`` URIs."""
    try:
        module, filename = _FILES[name]
    except KeyError:
        raise ValueError(f"unknown asset {name!r}; expected one of {', '.join(sorted(_FILES))}") from None
    path = base_dir(module) / filename
    text = path.read_text(encoding="utf-8")
    text = _SOURCE_MAP.sub("", text)
    if name.endswith(".css"):
        text = _inline_css_urls(text, path.parent)
    return text


def script_tag(name: str) -> str:
    """``<script>`` element holding the asset; refuses text that would close the element early."""
    text = asset(name)
    if re.search(r"</script", text, re.IGNORECASE):  # pragma: no cover - guards a library upgrade
        raise ValueError(f"asset {name!r} contains '</script' and cannot be inlined as is")
    return f"<script>/* {name} */\n{text}\n</script>"


def style_tag(name: str) -> str:
    """``<style>`` element holding the asset."""
    text = asset(name)
    if re.search(r"</style", text, re.IGNORECASE):  # pragma: no cover
        raise ValueError(f"asset {name!r} contains '</style' and cannot be inlined as is")
    return f"<style>/* {name} */\n{text}\n</style>"


#: geomap's own page styles: title header, legend, markers, popups.
PAGE_CSS = """
.gm-country-label { transform: translate(-50%, -50%); white-space: nowrap; pointer-events: none;
  font: 600 10px/1.2 system-ui, -apple-system, "Segoe UI", sans-serif; letter-spacing: .06em;
  text-transform: uppercase; color: #8c8577; text-shadow: 0 0 3px #f5f2eb, 0 0 3px #f5f2eb; }
.folium-map.leaflet-container { background: #d4e3ee; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.gm-panel { position: absolute; z-index: 1000; background: rgba(255,255,255,.94); color: #1f2933;
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,.3); font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.gm-title { top: 10px; left: 10px; max-width: min(420px, calc(100% - 290px)); padding: 8px 12px; }
.gm-title h1 { font-size: 17px; margin: 0 0 2px; font-weight: 650; }
.gm-title p { margin: 0; color: #52606d; }
.gm-title details { margin-top: 4px; color: #52606d; }
.gm-title summary { cursor: pointer; }
.gm-title ol { margin: 4px 0 0; padding-left: 20px; max-height: 160px; overflow: auto; }
.gm-legend { bottom: 24px; left: 10px; padding: 8px 12px; max-width: 280px; }
.gm-legend h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: #52606d; margin: 0 0 4px; }
.gm-legend ul { list-style: none; margin: 0; padding: 0; }
.gm-legend li { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.gm-legend .gm-n { margin-left: auto; padding-left: 12px; color: #52606d; font-variant-numeric: tabular-nums; }
.gm-legend .gm-key { display: flex; align-items: center; gap: 4px; margin-top: 6px; padding-top: 6px;
  border-top: 1px solid #d9e2ec; color: #52606d; font-size: 12px; }
.gm-sym { flex: none; vertical-align: middle; }
.gm-marker { background: none; border: none; }
.gm-marker svg { display: block; filter: drop-shadow(0 1px 1.5px rgba(0,0,0,.45)); }
.leaflet-control-layers-overlays label { margin: 2px 0; }
.leaflet-control-layers-overlays .gm-sym { margin: 0 3px; }
.gm-ctl .gm-n { color: #52606d; }
.gm-pop { min-width: 220px; max-width: 340px; color: #1f2933; }
.gm-pop-type { border-left: 4px solid; padding-left: 6px; font-size: 11px; font-weight: 650;
  text-transform: uppercase; letter-spacing: .04em; color: #52606d; }
.gm-pop-place { font-size: 15px; font-weight: 650; margin: 2px 0 4px; }
.gm-pop table { border-collapse: collapse; width: 100%; }
.gm-pop th { width: 1%; text-align: left; vertical-align: top; font-weight: 600; color: #52606d; padding: 1px 8px 1px 0; white-space: nowrap; }
.gm-pop td { padding: 1px 0; overflow-wrap: anywhere; }
.gm-flag { margin: 2px 0 6px; padding: 3px 6px; background: #fff4e0; border-left: 3px solid #e8a33d; color: #7a4b00; }
.gm-evidence { margin: 6px 0 0; padding: 4px 8px; border-left: 3px solid #bcccdc; color: #323f4b; font-style: italic; }
.gm-muted { color: #7b8794; }
"""

#: geomap's own page script: builds one layer's markers and lines from JSON data.
PAGE_JS = """
function geomapAddEvents(group, style, features) {
  var s = style.size, h = s / 2;
  features.forEach(function (f) {
    var layer, approx = f.a === 1;
    if (f.g === "p") {
      layer = L.marker(f.c[0], {
        icon: L.divIcon({html: approx ? style.hollow : style.solid, className: "gm-marker",
          iconSize: [s, s], iconAnchor: [h - f.o[0], h - f.o[1]],
          popupAnchor: [f.o[0], f.o[1] - h], tooltipAnchor: [f.o[0], f.o[1] - h]}),
        keyboard: true, riseOnHover: true, zIndexOffset: approx ? 0 : 500,
        geomapLayer: style.id, geomapEvent: f.id});
    } else {
      /* a thin (dashed) line is hard to hit: a wide transparent twin beneath takes the clicks */
      var hit = L.polyline(f.c, {weight: 16, opacity: 0, lineCap: "round"});
      bindEvent(hit, f);
      hit.addTo(group);
      layer = L.polyline(f.c, {color: style.color, weight: 3.5, opacity: 0.9, lineCap: "round",
        dashArray: approx ? "8 7" : null, geomapLayer: style.id, geomapEvent: f.id});
    }
    bindEvent(layer, f);
    layer.addTo(group);
  });
  function bindEvent(layer, f) {
    layer.bindPopup(f.p, {maxWidth: 360, minWidth: 220,
      autoPanPaddingTopLeft: [20, 180], autoPanPaddingBottomRight: [20, 20]});
    layer.bindTooltip(f.t, {direction: "top"});
  }
}
"""
