"""Importing event files: ACLED CSV exports, GeoJSON from elsewhere, bad rows; build with them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geomap import exports
from geomap.cli import app
from geomap.errors import InputError
from geomap.importers import layer_id, parse_date, read_events, split_inputs
from geomap.pipeline import build

ACLED_HEADER = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
                "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,"
                "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,"
                "notes,fatalities,tags,timestamp")
ACLED_ROWS = [
    'DRC34567,2025-02-03,2025,1,Political violence,Battles,Armed clash,M23: March 23 Movement,,2,'
    'Military Forces of the Democratic Republic of Congo (2019-),Wazalendo,1,12,,180,Middle Africa,'
    'Democratic Republic of Congo,Nord-Kivu,Masisi,Sake,Sake,-1.5736,29.0453,1,Radio Okapi; Reuters,'
    'National-International,"On 3 February 2025, M23 clashed with FARDC near Sake.",4,,1739000000',
    'DRC34568,15 February 2025,2025,2,Political violence,Battles,Non-state actor overtakes territory,'
    'M23: March 23 Movement,,2,,,0,20,,180,Middle Africa,Democratic Republic of Congo,Sud-Kivu,Kabare,'
    'Kavumu,Kavumu,-2.3086,28.8092,2,Reuters,International,M23 took control of Kavumu airport.,0,,1739000000',
    'KEN1001,21-02-2025,2025,3,Strategic developments,Strategic developments,Agreement,Government of Kenya,,1,'
    ',,0,10,,404,Eastern Africa,Kenya,Nairobi,Nairobi,,Nairobi,-1.2833,36.8167,3,Nation (Kenya),National,'
    'Talks agreed a ceasefire.,0,,1739000000',
]


@pytest.fixture()
def acled(tmp_path) -> Path:
    path = tmp_path / "acled.csv"
    path.write_text("\n".join([ACLED_HEADER, *ACLED_ROWS]) + "\n", encoding="utf-8")
    return path


def test_acled_csv_maps_to_the_frame(acled):
    frame = read_events(acled).set_index("id")
    assert list(frame.index) == ["DRC34567", "DRC34568", "KEN1001"]
    sake = frame.loc["DRC34567"]
    assert (sake.event_type, sake.sub_event_type, sake.place, sake.date) == ("clash", "Armed clash", "Sake", "2025-02-03")
    assert sake.actors == ["M23: March 23 Movement", "Military Forces of the Democratic Republic of Congo (2019-)",
                           "Wazalendo"]
    assert (sake.precision, sake.country, sake.time_precision, sake.confidence) == ("exact", "CD", 1, 1.0)
    assert sake.evidence.startswith("On 3 February 2025") and sake.source == "Radio Okapi; Reuters"
    assert (sake.geometry.y, sake.geometry.x) == (-1.5736, 29.0453)
    kavumu = frame.loc["DRC34568"]
    assert (kavumu.event_type, kavumu.date, kavumu.precision, kavumu.time_precision) == ("control", "2025-02-15", "near", 2)
    talks = frame.loc["KEN1001"]
    assert (talks.event_type, talks.date, talks.precision, talks.country) == ("ceasefire", "2025-02-21", "admin1", "KE")


def test_acled_round_trip_keeps_acled_columns(acled, tmp_path):
    first = exports.write_events(read_events(acled), tmp_path / "a.csv")
    again = exports.write_events(read_events(first), tmp_path / "b.csv")
    assert first.read_bytes() == again.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert "DRC34568,2025-02-15,2,control,Non-state actor overtakes territory,M23: March 23 Movement" in text


@pytest.mark.parametrize("cell, problem", [
    ("abc", "line 3: 'latitude' should be a number, got 'abc'"),
    ("95", "line 3: coordinate (95.0, 28.8092) is not a valid WGS84 point"),
])
def test_bad_acled_row_names_file_and_line(acled, cell, problem):
    text = acled.read_text(encoding="utf-8").replace("-2.3086", cell)
    acled.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_events(acled)
    assert str(err.value) == f"{acled}: {problem}"


def test_bad_date_names_the_line(acled):
    acled.write_text(acled.read_text(encoding="utf-8").replace("15 February 2025", "sometime"), encoding="utf-8")
    with pytest.raises(InputError, match=r"acled.csv: line 3: 'date' should be a date like 2025-02-21"):
        read_events(acled)


def test_foreign_geojson_maps_what_it_can(tmp_path):
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [29.2, -1.68]},
         "properties": {"name": "Goma", "category": "Humanitarian", "date": "2025-01-27T10:00:00Z",
                        "description": "Aid convoy arrived.", "actors": ["WFP"], "confidence": 0.9}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[29, -2], [29.2, -2], [29.2, -1.8], [29, -2]]]},
         "properties": {"title": "Area report", "type": "Battles"}},
        {"type": "Feature", "geometry": None, "properties": {"latitude": 1.5, "longitude": 30.1}},
    ]}
    path = tmp_path / "other.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    frame = read_events(path)
    assert len(frame) == 3 and all(i.startswith("other-") for i in frame["id"])
    goma = frame[frame["place"] == "Goma"].iloc[0]
    assert (goma.event_type, goma.date, goma.evidence, goma.actors, goma.confidence) == (
        "humanitarian", "2025-01-27", "Aid convoy arrived.", ["WFP"], 0.9)
    area = frame[frame["event_type"] == "clash"].iloc[0]
    assert area.geometry.geom_type == "Point" and area.note == "representative point of a Polygon"
    bare = frame[frame["event_type"] == "event"].iloc[0]
    assert bare.place == "1.5000, 30.1000"
    assert list(read_events(path)["id"]) == list(frame["id"])  # ids are stable


def test_hxl_tagged_csv_with_other_headers(tmp_path):
    path = tmp_path / "hdx.csv"
    path.write_text("Date,Type,Where,Lat,Long,Who\n#date+occurred,#event+type,#loc+name,#geo+lat,#geo+lon,"
                    "#group+name+first\n2025-02-03,Battles,Sake,-1.57,29.04,M23\n", encoding="utf-8")
    row = read_events(path).iloc[0]
    assert (row.event_type, row.place, row.date, row.actors) == ("clash", "Sake", "2025-02-03", ["M23"])
    assert (row.geometry.y, row.geometry.x) == (-1.57, 29.04)


def test_geojson_that_is_no_feature_collection(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"type": "Point", "coordinates": [1, 2]}', encoding="utf-8")
    with pytest.raises(InputError, match="x.json: not a GeoJSON FeatureCollection"):
        read_events(path)


def test_duplicate_ids_in_one_file(acled):
    acled.write_text(acled.read_text(encoding="utf-8").replace("DRC34568", "DRC34567"), encoding="utf-8")
    with pytest.raises(InputError, match="line 3: duplicate event id 'DRC34567' \\(first at line 2\\)"):
        read_events(acled)


def test_helpers():
    assert parse_date("15 March 2024") == parse_date("15-03-2024") == parse_date("2024-03-15") == "2024-03-15"
    assert layer_id("Violence against civilians") == "clash" and layer_id("Protests") == "protest"
    assert layer_id("Strategic developments", "Agreement") == "ceasefire" and layer_id("meeting") == "meeting"
    articles, files = split_inputs(["seeds", Path(__file__)])
    assert (articles, files) == (["seeds", Path(__file__)], [])


def test_build_maps_acled_beside_articles(acled, gazetteer, tmp_path):
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    result = build([seeds, acled], tmp_path / "out", gazetteer=gazetteer, formats=("geojson", "csv"))
    data = json.loads(result.outputs["geojson"].read_text(encoding="utf-8"))
    ids = {f["id"] for f in data["features"]}
    assert {"DRC34567", "DRC34568", "KEN1001"} <= ids and len(ids) > 3
    assert result.documents == 1 and result.events == len(ids)
    html = result.outputs["map"].read_text(encoding="utf-8")
    assert "acled.csv" in html and "Sake" in html


def test_build_with_only_event_files_writes_every_format(acled, gazetteer, tmp_path):
    result = build([acled], tmp_path / "out", gazetteer=gazetteer, formats=tuple(exports.FORMATS))
    assert result.documents == 0 and result.events == 3
    names = sorted(p.name for p in (tmp_path / "out").iterdir())  # no temporary files left behind
    assert names == ["events.csv", "events.geojson", "events.gpkg", "events.kml", "events.parquet", "map.html"]


def test_cli_export_and_error_line(acled, tmp_path):
    runner = CliRunner()
    out = tmp_path / "events.gpkg"
    ok = runner.invoke(app, ["export", str(acled), "--out", str(out)])
    assert ok.exit_code == 0 and ok.output.strip() == f"3 event(s) -> {out}"
    acled.write_text(acled.read_text(encoding="utf-8").replace("-2.3086", "north"), encoding="utf-8")
    bad = runner.invoke(app, ["export", str(acled), "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines()[-1] == f"Error: {acled}: line 3: 'latitude' should be a number, got 'north'"
    assert not (tmp_path / "x.csv").exists()
