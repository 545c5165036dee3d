"""Exports: every format read back through GDAL (pyogrio, and ogrinfo when installed) and
compared with the frame; RFC 7946 validation; determinism; atomic writes; round trips."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from geomap import exports
from geomap.errors import InputError, OutputError
from geomap.frame import dumps_geojson, events_to_frame
from geomap.importers import read_events
from geomap.layers import load_layers
from geomap.models import Event

LAYERS_DIR = Path(__file__).resolve().parents[1] / "layers"
ALL = tuple(exports.FORMATS)


def _events() -> list[Event]:
    base = dict(doc_id="doc-1", source="report.txt", start=0, end=40)
    return [
        Event(id="doc-1-a", event_type="clash", place="Sake", coords=((-1.5736, 29.0453),),
              evidence='Fighting near Sake <town> & "camp" — M23 advanced.', date=dt.date(2025, 2, 3),
              date_text="February 3", actors=("M23", "FARDC", "Wazalendo", "SAMIDRC"), confidence=0.8,
              precision="exact", place_id="gn:204953", place_start=15, place_end=19, country="CD",
              url="https://example.org/a?x=1&y=2", title="Goma report", **base),
        Event(id="doc-1-b", event_type="meeting", place="Nairobi – Washington", coords=((-1.28333, 36.81667), (38.89511, -77.03637)),
              evidence="Ruto spoke with Rubio.", actors=("William Ruto",), confidence=0.4, precision="inferred",
              inferred=True, country="KE", note="no venue given: drawn between the parties' capitals", **base),
        Event(id="doc-1-c", event_type="humanitarian", place="Goma", coords=((-1.67409, 29.22845),),
              evidence="Aid reached Goma last week.", date=dt.date(2025, 1, 27), date_text="last week",
              confidence=0.6, precision="near", country="CD", mentions=2, **base),
        Event(id="doc-1-d", event_type="meeting", place="Dar es Salaam", coords=((-6.82349, 39.26951),),
              evidence="Leaders met in Dar es Salaam in February.", date=dt.date(2025, 2, 1), date_text="in February",
              actors=("EAC", "SADC"), precision="admin1", place_start=20, place_end=33, **base),
    ]


@pytest.fixture(scope="module")
def frame():
    return events_to_frame(_events())


@pytest.fixture(scope="module")
def layers():
    return load_layers(LAYERS_DIR)


@pytest.fixture(scope="module")
def written(frame, layers, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    return exports.write_outputs(frame, out, ALL, layers)


def _gdal_read(path: Path) -> pd.DataFrame:
    """Every event table of ``path`` through GDAL (pyogrio), sorted by event id."""
    if path.suffix == ".csv":
        table = pyogrio.read_dataframe(path, read_geometry=False)
        table = table[~table["event_id"].str.startswith("#")]  # the HXL hashtag row
    else:
        names = [name for name, _ in pyogrio.list_layers(path) if name != "places"]
        table = pd.concat([pyogrio.read_dataframe(path, layer=name) for name in names], ignore_index=True)
    key = "event_id" if "event_id" in table.columns else "id"
    return table.sort_values(key).reset_index(drop=True)


def _null(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value))


def _same(got, want) -> bool:
    """A value read back equals the frame's (GDAL gives dates as timestamps, CSV as text)."""
    if _null(want):
        return _null(got) or got == ""
    if _null(got):
        return False
    if isinstance(got, (pd.Timestamp, dt.date)):
        got = got.isoformat()[:10]
    if isinstance(want, float):
        return float(got) == pytest.approx(want, abs=1e-6)
    if isinstance(want, bool):
        return str(got).lower() in ("true", "1") if want else str(got).lower() in ("false", "0")
    if isinstance(want, dt.date):
        return str(got)[:10] == want.isoformat()
    if isinstance(want, int):
        return int(float(got)) == want
    return str(got) == str(want)


def test_parse_formats():
    assert exports.parse_formats("geojson, CSV,gpkg,csv") == ("geojson", "csv", "gpkg")
    assert exports.parse_formats("geoparquet,json") == ("parquet", "geojson")
    with pytest.raises(ValueError, match="unknown format 'shp'"):
        exports.parse_formats("geojson,shp")


@pytest.mark.parametrize("fmt", ["gpkg", "csv", "kml", "geojson"])
def test_gdal_reads_back_the_same_events(fmt, frame, written):
    table = _gdal_read(written[fmt])
    assert len(table) == len(frame)
    if fmt == "geojson":  # the frame's own schema
        for (_, got), want in zip(table.iterrows(), frame.sort_values("id").itertuples()):
            assert got["id"] == want.id
            for name in ("event_type", "place", "date", "source", "evidence", "confidence", "precision",
                         "inferred", "place_start", "country", "mentions", "time_precision"):
                assert _same(got[name], getattr(want, name)), (name, got[name], getattr(want, name))
        return
    flat = exports.flat_table(frame).sort_values("event_id").reset_index(drop=True)
    for i, want in flat.iterrows():
        got = table.iloc[i]
        for name in exports.FLAT_COLUMNS:
            assert _same(got[name], want[name]), (fmt, name, got[name], want[name])
    if fmt != "csv":
        geoms = table.geometry
        for got, want in zip(geoms, flat.geometry):
            assert got.geom_type == want.geom_type
            got_xy = [v for c in got.coords for v in c[:2]]
            assert got_xy == pytest.approx([v for c in want.coords for v in c], abs=1e-6)
    else:
        got = pyogrio.read_dataframe(written[fmt], read_geometry=False)
        assert list(got.columns) == [*exports.FLAT_COLUMNS, "geometry_wkt"]


def test_parquet_reads_back_the_same_events(frame, written):
    import geopandas as gpd
    import pyarrow.parquet as pq

    schema = pq.read_schema(written["parquet"])
    assert str(schema.field("event_date").type) == "date32[day]"
    assert b"geo" in schema.metadata
    table = gpd.read_parquet(written["parquet"]).sort_values("event_id").reset_index(drop=True)
    flat = exports.flat_table(frame).sort_values("event_id").reset_index(drop=True)
    assert len(table) == len(frame) and table.crs.to_epsg() == 4326
    for name in exports.FLAT_COLUMNS:
        assert all(_same(g, w) for g, w in zip(table[name], flat[name])), name
    assert all(g.equals_exact(w, 1e-9) for g, w in zip(table.geometry, flat.geometry))


def test_gpkg_has_a_table_per_layer_and_places(frame, written):
    layers = dict(pyogrio.list_layers(written["gpkg"]))
    assert layers == {"clash": "Point", "humanitarian": "Point", "meeting": "Point", "meeting_lines": "LineString",
                      "places": "Point"}
    info = pyogrio.read_info(written["gpkg"], layer="clash")
    dtypes = dict(zip(info["fields"], info["dtypes"]))
    assert dtypes["event_date"] == "datetime64[D]"  # a real DATE column for QGIS's temporal controller
    assert info["crs"] == "EPSG:4326"
    places = pyogrio.read_dataframe(written["gpkg"], layer="places")
    assert sorted(places["location"]) == ["Dar es Salaam", "Goma", "Sake"]


def test_csv_has_hxl_row_lat_lon_and_wkt(written):
    lines = written["csv"].read_text(encoding="utf-8").splitlines()
    header, tags = lines[0].split(","), lines[1].split(",")
    tag = dict(zip(header, tags))
    assert tag["event_type"] == "#event+type" and tag["event_date"] == "#date+occurred"
    assert tag["location"] == "#loc+name" and tag["lat"] == "#geo+lat" and tag["lon"] == "#geo+lon"
    assert tag["actor1"].startswith("#group+name") and tag["source"] == "#meta+source"
    assert tag["notes"] == "#description" and tag["event_id"] == "#event+code"  # as HDX tags ACLED's data
    assert all(re.fullmatch(r"#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*", t) for t in tags)  # HXL tagging syntax
    rows = {r["event_id"]: r for r in pd.read_csv(written["csv"], skiprows=[1], dtype=str).to_dict("records")}
    assert rows["doc-1-a"]["event_date"] == "2025-02-03" and rows["doc-1-a"]["geo_precision"] == "1"
    assert rows["doc-1-a"]["actor1"] == "M23" and rows["doc-1-a"]["actor2"] == "FARDC"
    assert rows["doc-1-a"]["other_actors"] == "Wazalendo; SAMIDRC"
    assert rows["doc-1-b"]["geometry_wkt"] == "LINESTRING (36.81667 -1.28333, -77.03637 38.89511)"
    assert (rows["doc-1-b"]["lat"], rows["doc-1-b"]["lon"]) == ("-1.28333", "36.81667")  # first vertex
    assert rows["doc-1-c"]["time_precision"] == "2" and rows["doc-1-d"]["time_precision"] == "3"


def test_csv_defuses_spreadsheet_formulas_and_import_restores_them(tmp_path):
    event = _events()[2]
    frame = events_to_frame([Event(**{**event.__dict__, "place": "=HYPERLINK(\"http://x\")",
                                      "evidence": "-1 dead", "actors": ("@group",)})])
    text = exports.csv_text(frame)
    row = text.splitlines()[2]
    assert "'=HYPERLINK" in row and ",'-1 dead," in row and ",'@group," in row
    assert ",-1.67409," in row  # numbers are left alone
    path = tmp_path / "e.csv"
    path.write_text(text, encoding="utf-8")
    back = read_events(path).iloc[0]
    assert (back.place, back.evidence, back.actors) == ('=HYPERLINK("http://x")', "-1 dead", ["@group"])


def test_kml_placemarks_styles_and_timestamps(frame, layers, written):
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.parse(written["kml"]).getroot()  # well-formed despite <, & and quotes in the data
    marks = root.findall(".//k:Placemark", ns)
    assert len(marks) == len(frame)
    colours = {s.get("id"): s.find("k:IconStyle/k:color", ns).text for s in root.findall(".//k:Style", ns)}
    clash = next(layer for layer in layers if layer.id == "clash").color  # #rrggbb -> aabbggrr
    assert colours["layer-clash"] == "ff" + clash[5:7] + clash[3:5] + clash[1:3]
    by_id = {m.get("id"): m for m in marks}
    assert by_id["doc-1-a"].find("k:TimeStamp/k:when", ns).text == "2025-02-03"
    assert by_id["doc-1-b"].find("k:TimeStamp", ns) is None
    assert by_id["doc-1-a"].find("k:styleUrl", ns).text == "#layer-clash"
    assert "<town> &" in by_id["doc-1-a"].find("k:description", ns).text


def test_geojson_passes_an_rfc7946_validator(written):
    import geojson_validator

    data = json.loads(written["geojson"].read_text(encoding="utf-8"))
    assert "crs" not in data
    assert geojson_validator.validate_structure(data, check_crs=True) == {}
    result = geojson_validator.validate_geometries(data)
    assert result["invalid"] == {} and result["problematic"] == {}, result
    assert result["count_geometry_types"] == {"Point": 3, "LineString": 1}


def test_validator_catches_what_it_should():
    """The validator is not a rubber stamp: a crs member, a clockwise ring and a bad latitude fail."""
    import geojson_validator

    bad = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:4326"}},
           "features": [{"type": "Feature", "properties": {}, "geometry": {
               "type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}},
               {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [10, 95]}}]}
    assert geojson_validator.validate_structure(bad, check_crs=True)
    result = geojson_validator.validate_geometries(bad)
    assert "exterior_not_ccw" in result["invalid"] and "outside_lat_lon_boundaries" in result["problematic"]


@pytest.mark.parametrize("fmt", ALL)
def test_same_frame_gives_same_bytes(fmt, frame, layers, written, tmp_path):
    again = exports.write_outputs(frame, tmp_path, (fmt,), layers)[fmt]
    assert again.read_bytes() == written[fmt].read_bytes()


@pytest.mark.parametrize("fmt", ALL)
def test_round_trip_export_import_export(fmt, frame, layers, written, tmp_path):
    back = read_events(written[fmt])
    assert len(back) == len(frame) and sorted(back["id"]) == sorted(frame["id"])
    again = exports.write_events(back, tmp_path / f"again{exports.FORMATS[fmt]}", fmt, layers)
    assert again.read_bytes() == written[fmt].read_bytes()
    # and the data itself: the CSV of what came back equals the CSV of the frame
    assert exports.csv_text(back) == exports.csv_text(frame)


def test_geojson_import_gives_back_the_frame(frame, written):
    back = read_events(written["geojson"])
    assert dumps_geojson(back) == dumps_geojson(frame)


def test_failed_write_leaves_old_file_and_no_temp(frame, tmp_path, monkeypatch):
    target = tmp_path / "events.gpkg"
    target.write_bytes(b"old")

    def broken(tmp: Path) -> None:
        tmp.write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exports, "writer_for", lambda *a, **k: broken)
    with pytest.raises(OutputError, match="events.gpkg: cannot write: No space left on device"):
        exports.write_events(frame, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["events.gpkg"]


def test_export_needs_a_known_extension(written, tmp_path):
    with pytest.raises(InputError, match="cannot tell the format"):
        exports.export(written["geojson"], tmp_path / "events.xyz")
    count, path = exports.export(written["geojson"], tmp_path / "e.txt", "csv")
    assert count == 4 and path.read_text(encoding="utf-8").startswith("event_id,")


def _ogrinfo(path: Path, *args: str) -> str:
    return subprocess.run(["ogrinfo", "-ro", "-al", *args, str(path)], check=True, capture_output=True,
                          text=True).stdout


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "csv"])
def test_ogrinfo_reads_every_event(fmt, frame, written):
    if shutil.which("ogrinfo") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ogrinfo is missing: .ci/run installs Debian's gdal-bin")
        pytest.skip("ogrinfo (Debian's gdal-bin) not installed")
    where = ["-where", "event_id NOT LIKE '#%'"] if fmt == "csv" else []
    summary = _ogrinfo(written[fmt], "-so", *where)
    counts = [int(line.split(":")[1]) for line in summary.splitlines() if line.startswith("Feature Count:")]
    if fmt == "gpkg":
        counts = counts[:-1] if "Layer name: places" in summary.split("Feature Count")[-2] else counts
        names = [line.split(":", 1)[1].strip() for line in summary.splitlines() if line.startswith("Layer name:")]
        counts = [c for c, n in zip(counts, names) if n != "places"]
    if fmt == "csv":  # GDAL reads the filtered count only when asked for features
        full = _ogrinfo(written[fmt], *where)
        counts = [full.count("OGRFeature(")]
    assert sum(counts) == len(frame)
    full = _ogrinfo(written[fmt], *where)
    assert "29.0453" in full and "-1.5736" in full  # Sake's coordinates survive
    assert "Wazalendo; SAMIDRC" in full or fmt == "geojson"
    if fmt == "gpkg":
        assert "event_date: Date" in full
