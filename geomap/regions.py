"""Directional parts of countries: "eastern DRC", "northern Mali", "south-western Ukraine".

News names areas by bearing far more often than by province.  Such a phrase is located
at a representative point of that part of the country's outline (the Natural Earth
outlines shipped for the basemap): the outline is cut to the third of its bounding box
on that side (for a diagonal, the corner where two such thirds meet) and the point is
taken inside what remains.  The result is coarse by nature and marked so.

A place the text puts at a distance and bearing from a town ("Kazgil, about 35 km south
of El Obeid") is that far along that bearing (:func:`offset_point`).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from math import atan2, degrees

from shapely import make_valid
from shapely.geometry import box, shape
from shapely.ops import unary_union

#: bearing word stem -> (x, y) direction; "central" is the middle third both ways.
_BEARINGS = {"north": (0, 1), "south": (0, -1), "east": (1, 0), "west": (-1, 0),
             "northeast": (1, 1), "northwest": (-1, 1), "southeast": (1, -1), "southwest": (-1, -1),
             "central": (0, 0)}
BEARING_BEFORE = re.compile(
    r"\b(?P<word>(?:north|south)-?(?:east|west)(?:ern)?|(?:north|south|east|west)ern|central)\s+(?:the\s+)?$",
    re.IGNORECASE)
# Natural Earth 1:110m leaves a few ISO codes as -99; their names settle them.
_NAME_FIXES = {"France": "FR", "Norway": "NO", "Kosovo": "XK", "N. Cyprus": None, "Somaliland": None}


def bearing_stem(word: str) -> str:
    """A bearing word as a key of the bearings: "North-Eastern" -> "northeast"."""
    word = word.lower().replace("-", "")
    return word[:-3] if word.endswith("ern") else word


def bearing_of(text_before: str) -> str | None:
    """The bearing word that ends ``text_before`` ("... in eastern " -> "east"), if any."""
    m = BEARING_BEFORE.search(text_before)
    return bearing_stem(m.group("word")) if m else None


@lru_cache(maxsize=1)
def _outlines() -> dict:
    import pycountry

    data = json.loads(resources.files("geomap.data").joinpath("countries.geojson").read_text(encoding="utf-8"))
    parts: dict[str, list] = {}
    for feature in data["features"]:
        props = feature["properties"]
        code = _NAME_FIXES.get(props.get("name"), "")
        if code == "":
            country = pycountry.countries.get(alpha_3=props.get("iso_a3"))
            code = country.alpha_2 if country else None
        if code:
            parts.setdefault(code, []).append(make_valid(shape(feature["geometry"])))
    return {code: unary_union(geoms) for code, geoms in parts.items()}


def directional_part(country: str, bearing: str | None = None):
    """The ``bearing`` part of ``country``'s outline (ISO alpha-2; the mainland, not far
    islands), the whole outline when ``bearing`` is None, or None when unknown."""
    outline = _outlines().get((country or "").upper())
    if outline is None or (bearing is not None and bearing not in _BEARINGS):
        return None
    if bearing is None:
        return outline
    if hasattr(outline, "geoms"):  # the mainland, not far islands
        outline = max(outline.geoms, key=lambda g: g.area)
    dx, dy = _BEARINGS[bearing]
    minx, miny, maxx, maxy = outline.bounds
    w, h = (maxx - minx) / 3, (maxy - miny) / 3
    xs = {-1: (minx, minx + w), 0: (minx + w, maxx - w), 1: (maxx - w, maxx)}[dx]
    ys = {-1: (miny, miny + h), 0: (miny + h, maxy - h), 1: (maxy - h, maxy)}[dy]
    if dx == 0 and bearing != "central":
        xs = (minx, maxx)
    if dy == 0 and bearing != "central":
        ys = (miny, maxy)
    part = outline.intersection(box(xs[0], ys[0], xs[1], ys[1]))
    return None if part.is_empty else part


@lru_cache(maxsize=1024)  # cutting the outline costs far more than a look-up
def directional_point(country: str, bearing: str) -> tuple[float, float] | None:
    """(lat, lon) inside the ``bearing`` part of ``country`` (ISO alpha-2), or None."""
    part = directional_part(country, bearing) if bearing else None
    if part is None:
        return None
    point = part.representative_point()
    return (round(point.y, 4), round(point.x, 4))


_COUNTRY_AREA = re.compile(r"country:([A-Z]{2})(?::([a-z]+))?")


@lru_cache(maxsize=512)
def area_rings(place_id: str) -> list | None:
    """Outline rings (``[lat, lon]`` lists, one per part) of a country (``"country:CD"``) or
    of a part of one (``"country:CD:east"``), simplified for the map; None for other ids."""
    m = _COUNTRY_AREA.fullmatch(place_id or "")
    part = directional_part(m.group(1), m.group(2)) if m else None
    if part is None:
        return None
    simple = part.simplify(0.02)
    rings = []
    for poly in getattr(simple, "geoms", [simple]):
        if poly.geom_type == "Polygon" and not poly.is_empty:
            rings.append([[round(lat, 2), round(lon, 2)] for lon, lat in poly.exterior.coords[:-1]])
    return rings or None


def offset_point(lat: float, lon: float, km: float, bearing: str) -> tuple[float, float]:
    """The point ``km`` kilometres from ``(lat, lon)`` towards ``bearing`` (one of the eight
    compass words, in any form :func:`bearing_stem` reads: "south", "north-east"), on the
    WGS84 ellipsoid, rounded to 4 decimals (about 10 m)."""
    from geopy.distance import geodesic  # noqa: PLC0415

    x, y = _BEARINGS[bearing_stem(bearing)]
    point = geodesic(kilometers=km).destination((lat, lon), degrees(atan2(x, y)) % 360)
    return round(point.latitude, 4), round(point.longitude, 4)
