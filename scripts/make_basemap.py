"""Build ``geomap/data/countries.geojson``, the offline country-outline basemap.

Source: Natural Earth 1:110m Admin 0 - Countries (https://www.naturalearthdata.com/),
which is in the **public domain** ("Made with Natural Earth. Free vector and raster map
data @ naturalearthdata.com").  We read the copy that ships, as the test fixture
``naturalearth_lowres`` (the former ``geopandas.datasets`` extract, 177 countries), inside
the ``pyogrio`` wheel already installed as a geomap dependency, so no download is needed.

The outlines are simplified (Douglas-Peucker, topology preserving), coordinates rounded
to 2 decimals (about 1 km, far below what a 110m outline resolves), and features sorted
by ISO code then name, so the output is byte-identical from run to run.  Each country
also gets a label point (inside its largest part) and the zoom from which the map shows
its name.

Usage::

    .venv/bin/python scripts/make_basemap.py            # writes geomap/data/countries.geojson
    .venv/bin/python scripts/make_basemap.py OUT.geojson
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
from shapely.geometry import mapping
from shapely.ops import polylabel

TOLERANCE = 0.05  # degrees
DECIMALS = 2
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "geomap" / "data" / "countries.geojson"


def source_path() -> Path:
    """The Natural Earth fixture inside the installed pyogrio package."""
    path = Path(pyogrio.__file__).parent / "tests" / "fixtures" / "naturalearth_lowres" / "naturalearth_lowres.shp"
    if not path.exists():
        raise SystemExit(f"{path} not found: install a pyogrio wheel that ships its test fixtures")
    return path


def _round(coords):
    if isinstance(coords[0], (int, float)):
        return [round(float(c), DECIMALS) for c in coords]
    return [_round(c) for c in coords]


def _dedupe_ring(ring: list) -> list:
    out = [ring[0]]
    for point in ring[1:]:
        if point != out[-1]:
            out.append(point)
    return out


def _clean(geometry: dict) -> dict | None:
    """Round, drop repeated vertices and rings that collapsed under rounding."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    kept = []
    for polygon in polygons:
        rings = [_dedupe_ring(_round(ring)) for ring in polygon]
        rings = [ring for ring in rings if len(ring) >= 4]
        if rings and len(rings[0]) >= 4:
            kept.append(rings)
    if not kept:
        return None
    if len(kept) == 1:
        return {"type": "Polygon", "coordinates": kept[0]}
    return {"type": "MultiPolygon", "coordinates": kept}


def _label(geometry) -> tuple[list[float], int]:
    """Where the country's name goes (the pole of inaccessibility of its largest part, so
    inside it) and from which zoom on it shows (big countries first)."""
    part = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.area)
    point = polylabel(part, tolerance=0.05)
    min_zoom = 3 if part.area > 150 else 4 if part.area > 20 else 5 if part.area > 2 else 6
    return [round(point.y, 2), round(point.x, 2)], min_zoom


def build(source: Path) -> dict:
    frame = gpd.read_file(source).to_crs("EPSG:4326")
    frame["label"] = [_label(g) for g in frame.geometry]  # from the unsimplified outline
    frame["geometry"] = frame.geometry.simplify(TOLERANCE, preserve_topology=True)
    features = []
    for row in frame.sort_values(["iso_a3", "name"]).itertuples(index=False):
        geometry = _clean(mapping(row.geometry))
        if geometry is None:
            continue
        features.append({
            "type": "Feature",
            "properties": {"name": row.name, "iso_a3": row.iso_a3, "label": row.label[0],
                           "label_min_zoom": row.label[1]},
            "geometry": geometry,
        })
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    collection = build(source_path())
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"
    out.write_text(text, encoding="utf-8")
    print(f"{out}: {len(collection['features'])} countries, {len(text.encode())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
