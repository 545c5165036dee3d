"""The JavaScript and CSS a map page needs, read from the installed XStatic packages.

geomap's maps must open offline, so nothing is fetched from a CDN: Leaflet's script and
stylesheet come from the ``xstatic-leaflet`` wheel (a declared dependency) and are
inlined into the page.  (folium's popups would need jQuery; geomap builds its own.)
Images referenced by the stylesheets become ``data:`` URIs.  No library code is copied
into this repository.  geomap's own script and stylesheet live in ``geomap/static/``.
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


@lru_cache(maxsize=None)
def static(name: str) -> str:
    """The text of one of geomap's own page files (``geomap/static/``: ``map.js``, ``map.css``),
    checked so that it can be inlined in a ``<script>`` or ``<style>`` element."""
    from importlib import resources

    path = resources.files("geomap.static").joinpath(name)
    if not path.is_file():
        raise ValueError(f"unknown geomap static file {name!r}")
    text = path.read_text(encoding="utf-8")
    if re.search(r"</(script|style)", text, re.IGNORECASE):
        raise ValueError(f"geomap static file {name!r} contains a closing tag and cannot be inlined")
    return text
