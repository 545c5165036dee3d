"""The whole path on the seed article, and the guarantees of `build`."""
import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest

from geomap import atomic
from geomap.errors import InputError
from geomap.gazetteer import distance_km
from geomap.pipeline import build

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds"


@pytest.fixture(scope="module")
def seed_features(tmp_path_factory, gazetteer):
    out = tmp_path_factory.mktemp("seed")
    build([SEED], out, layers_dir=ROOT / "layers", gazetteer=gazetteer, today=dt.date(2026, 11, 28))
    return json.loads((out / "events.geojson").read_text(encoding="utf-8"))["features"]


def test_kavumu_airport_is_held_by_m23(seed_features):
    control = [f for f in seed_features if f["properties"]["event_type"] == "control"
               and "Kavumu" in f["properties"]["place"]]
    assert control, [f["properties"]["place"] for f in seed_features]
    lon, lat = control[0]["geometry"]["coordinates"]
    assert distance_km(lat, lon, -2.309, 28.809) < 5
    assert "M23" in control[0]["properties"]["actors"]


def test_seed_meetings_have_places_and_dates(seed_features):
    meetings = {(f["properties"]["place"], f["properties"]["date"]) for f in seed_features
                if f["properties"]["event_type"] == "meeting" and not f["properties"]["inferred"]}
    assert ("Dar es Salaam", "2025-02-09") in meetings
    assert ("Nairobi", "2025-02-21") in meetings


def test_goma_airport_reopening_is_a_supply_route_event(seed_features):
    route = [f for f in seed_features if f["properties"]["event_type"] == "supply_route"
             and f["properties"]["place"] == "Goma Airport"]
    assert route and route[0]["properties"]["date"] == "2025-02-21"
    lon, lat = route[0]["geometry"]["coordinates"]
    assert distance_km(lat, lon, -1.67081, 29.2385) < 2


def test_a_call_is_an_inferred_line_not_a_venue(seed_features):
    calls = [f for f in seed_features if f["properties"]["inferred"]]
    assert calls, "the Rubio-Ruto call should be drawn"
    assert all(f["properties"]["precision"] == "inferred" for f in calls)
    lines = [f for f in calls if f["geometry"]["type"] == "LineString"]
    assert lines and any(distance_km(lat, lon, -1.28333, 36.81667) < 30 for lon, lat in lines[0]["geometry"]["coordinates"])


def test_every_feature_keeps_the_contract(seed_features):
    text = (SEED / "drc-ceasefire-calls.txt").read_text(encoding="utf-8")
    for f in seed_features:
        p = f["properties"]
        assert p["source"] == "drc-ceasefire-calls.txt"
        assert text[p["start"]:p["end"]] == p["evidence"]
        if p["inferred"]:
            assert p["place_start"] is None
        else:
            named = text[p["place_start"]:p["place_end"]]  # "Goma", or "Goma to Bukavu" for a route
            assert all(part in named for part in p["place"].split(" \u2013 "))
        assert p["date"] is None or dt.date.fromisoformat(p["date"])
        assert isinstance(p["actors"], list)


def test_same_input_same_bytes(tmp_path, gazetteer):
    for name in ("a", "b"):
        build([SEED], tmp_path / name, gazetteer=gazetteer, today=dt.date(2026, 11, 28))
    for file in ("events.geojson", "map.html"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_a_failed_run_keeps_the_previous_outputs(tmp_path, gazetteer, monkeypatch):
    build([SEED], tmp_path, gazetteer=gazetteer)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("geomap.render.render_map", broken)
    with pytest.raises(KeyboardInterrupt):
        build([SEED], tmp_path, gazetteer=gazetteer)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_outputs_are_ordinary_files(tmp_path):
    old = os.umask(0o022)
    try:
        atomic.write_atomic(tmp_path / "map.html", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "map.html").stat().st_mode) == 0o644


def test_write_atomic_leaves_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "x.txt"
    target.write_text("old", encoding="utf-8")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError):
        atomic.write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_no_readable_article_is_an_error(tmp_path, gazetteer):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="file is empty"):
        build([tmp_path / "empty.txt"], tmp_path / "out", gazetteer=gazetteer, strict=True)
    with pytest.raises(InputError, match="no readable articles"):
        build([tmp_path / "empty.txt"], tmp_path / "out", gazetteer=gazetteer)
    assert not (tmp_path / "out").exists()


def test_a_feed_gives_the_same_bytes_whatever_the_input_order(tmp_path, gazetteer):
    files = sorted((ROOT / "tests" / "data" / "feed").iterdir())
    build(files, tmp_path / "a", gazetteer=gazetteer, today=dt.date(2026, 11, 28))
    build(files[::-1], tmp_path / "b", gazetteer=gazetteer, today=dt.date(2026, 11, 28))
    build(files, tmp_path / "c", gazetteer=gazetteer, today=dt.date(2026, 11, 28))
    for file in ("events.geojson", "map.html"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes() \
            == (tmp_path / "c" / file).read_bytes()
    assert json.loads((tmp_path / "a" / "events.geojson").read_text(encoding="utf-8"))["features"]


def test_no_map_writes_the_same_geojson_only(tmp_path, gazetteer):
    build([SEED], tmp_path / "full", gazetteer=gazetteer)
    result = build([SEED], tmp_path / "data", gazetteer=gazetteer, map_html=False)
    assert set(result.outputs) == {"geojson"}
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["events.geojson"]
    assert (tmp_path / "data" / "events.geojson").read_bytes() == (tmp_path / "full" / "events.geojson").read_bytes()
