import datetime as dt
import json

import pytest

from geomap.errors import ValidationError
from geomap.frame import COLUMNS, SCHEMA, dumps_geojson, events_to_frame, validate_frame
from geomap.models import Event


def event(**kw):
    base = dict(id="d-1", doc_id="d", source="a.txt", event_type="meeting", place="Nairobi",
                coords=((-1.28333, 36.81667),), evidence="They met in Nairobi.", start=0, end=20,
                date=dt.date(2025, 2, 21), actors=("EAC",))
    base.update(kw)
    return Event(**base)


def test_schema_is_documented():
    assert len(COLUMNS) == len(set(COLUMNS))
    assert all(desc for *_, desc in SCHEMA)


def test_frame_columns_and_crs():
    frame = validate_frame(events_to_frame([event(), event(id="d-2", coords=((0, 1), (2, 3)))]))
    assert list(frame.columns[:-1]) == list(COLUMNS) and frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].x == pytest.approx(36.81667)  # lon is x
    assert frame.geometry.iloc[1].geom_type == "LineString"


def test_geojson_follows_the_contract():
    data = json.loads(dumps_geojson(events_to_frame([event()])))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    (feature,) = data["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [36.81667, -1.28333]}
    props = feature["properties"]
    assert props["event_type"] == "meeting" and props["place"] == "Nairobi"
    assert props["date"] == "2025-02-21" and props["actors"] == ["EAC"]
    assert props["source"] == "a.txt" and props["evidence"] == "They met in Nairobi."


def test_nullable_offsets_stay_integers():
    frame = validate_frame(events_to_frame([event(place_start=12, place_end=19), event(id="d-2", inferred=True)]))
    data = json.loads(dumps_geojson(frame))
    assert [f["properties"]["place_start"] for f in data["features"]] == [12, None]


def test_geojson_is_deterministic_and_sorted():
    events = [event(id="d-2"), event(id="d-1")]
    a, b = dumps_geojson(events_to_frame(events)), dumps_geojson(events_to_frame(events[::-1]))
    assert a == b
    assert [f["id"] for f in json.loads(a)["features"]] == ["d-1", "d-2"]


@pytest.mark.parametrize("change, message", [
    (dict(coords=((91.0, 0.0),)), "not a valid WGS84 point"),
    (dict(coords=((float("nan"), 0.0),)), "not a valid WGS84 point"),
    (dict(precision="fuzzy"), "'precision' should be one of"),
    (dict(confidence=1.5), "'confidence' should be within 0..1"),
])
def test_validation_names_the_event_and_problem(change, message):
    with pytest.raises(ValidationError, match=message) as info:
        validate_frame(events_to_frame([event(**change)]))
    assert "'d-1'" in str(info.value)


def test_duplicate_ids_and_missing_columns_are_rejected():
    with pytest.raises(ValidationError, match="duplicate id"):
        validate_frame(events_to_frame([event(), event()]))
    with pytest.raises(ValidationError, match="lacks column"):
        validate_frame(events_to_frame([event()]).drop(columns=["evidence"]))
