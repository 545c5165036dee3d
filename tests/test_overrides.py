"""Curation overrides: each kind, stale entries, validation, and re-application on build."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geomap.cli import app
from geomap.errors import InputError
from geomap.frame import events_to_frame, validate_frame
from geomap.models import Event
from geomap.overrides import apply_overrides, load_overrides, overrides_path
from geomap.pipeline import build


@pytest.fixture()
def frame():
    base = dict(doc_id="d", source="r.txt", start=0, end=10, evidence="x")
    return events_to_frame([
        Event(id="e1", event_type="control", place="Kavumu", coords=((-2.0, 28.0),), precision="near", **base),
        Event(id="e2", event_type="clash", place="kavumu", coords=((-2.0, 28.0),), **base),
        Event(id="e3", event_type="meeting", place="Goma", coords=((-1.67, 29.22),), date=dt.date(2025, 2, 1), **base),
        Event(id="e4", event_type="meeting", place="Nairobi – Washington", coords=((-1.28, 36.8), (38.9, -77.0)),
              precision="inferred", inferred=True, **base),
    ])


def _apply(frame, tmp_path, text):
    path = tmp_path / "overrides.yaml"
    path.write_text(text, encoding="utf-8")
    out, report = apply_overrides(frame, load_overrides(path), path)
    validate_frame(out)
    return out.set_index("id"), report


def test_move_by_place_moves_every_event_there(frame, tmp_path):
    out, report = _apply(frame, tmp_path, "move:\n  - place: KAVUMU\n    lat: -2.3086\n    lon: 28.8092\n    name: Kavumu Airport\n")
    for eid in ("e1", "e2"):
        assert (out.loc[eid].geometry.y, out.loc[eid].geometry.x) == (-2.3086, 28.8092)
        assert out.loc[eid].place == "Kavumu Airport" and out.loc[eid].precision == "exact"
        assert out.loc[eid].note == "moved by overrides.yaml"
    assert out.loc["e3"].geometry.x == 29.22
    assert report.applied == ["move #1 (place 'KAVUMU'): 2 event(s)"] and report.stale == []


def test_move_by_id_turns_a_line_into_a_point(frame, tmp_path):
    out, _ = _apply(frame, tmp_path, "move:\n  - id: e4\n    lat: -1.95\n    lon: 30.06\n")
    assert out.loc["e4"].geometry.geom_type == "Point" and not out.loc["e4"].inferred
    assert out.loc["e1"].geometry.x == 28.0


def test_drop(frame, tmp_path):
    out, report = _apply(frame, tmp_path, "drop:\n  - id: e3\n  - place: kavumu\n    event_type: clash\n")
    assert sorted(out.index) == ["e1", "e4"]
    assert report.applied == ["drop #1 (id 'e3'): 1 event(s)", "drop #2 (place 'kavumu', event_type 'clash'): 1 event(s)"]


def test_retype(frame, tmp_path):
    out, report = _apply(frame, tmp_path, "retype:\n  - id: e3\n    to: ceasefire\n")
    assert out.loc["e3"].event_type == "ceasefire" and out.loc["e1"].event_type == "control"
    assert report.applied == ["retype #1 (id 'e3'): 1 event(s)"]


def test_add(frame, tmp_path):
    text = ("add:\n  - event_type: clash\n    place: Sake\n    lat: -1.5736\n    lon: 29.0453\n"
            "    date: 2025-02-03\n    actors: [M23, FARDC]\n    evidence: Field team report.\n")
    out, report = _apply(frame, tmp_path, text)
    added = out[out["place"] == "Sake"].iloc[0]
    assert added.name.startswith("override-") and added.date == "2025-02-03" and added.actors == ["M23", "FARDC"]
    assert added.source == "overrides.yaml" and added.confidence == 1.0 and added.time_precision == 1
    assert len(out) == 5 and report.applied == ["add #1 (place 'Sake'): added"]
    again, _ = _apply(frame, tmp_path, text)
    assert list(again.index) == list(out.index)  # the added id is stable


def test_an_override_that_matches_nothing_is_reported_stale(frame, tmp_path):
    out, report = _apply(frame, tmp_path, "drop:\n  - id: gone\nmove:\n  - place: Sake\n    lat: 1\n    lon: 2\n")
    assert len(out) == len(frame)
    assert report.stale == ["drop #1 (id 'gone') matches no event", "move #1 (place 'Sake') matches no event"]
    assert report.applied == []


@pytest.mark.parametrize("text, problem", [
    ("move:\n  - place: Goma\n    lat: 91\n    lon: 2\n", "move #1: 'lat' should be a number within -90..90, got 91"),
    ("move:\n  - place: Goma\n    lon: 2\n", "move #1: 'lat' is required"),
    ("drop:\n  - lat: 1\n", "drop #1: unknown key(s) 'lat'; known: event_type, id, place"),
    ("drop:\n  - {}\n", "drop #1: needs 'id', 'place' or 'event_type' to say which events"),
    ("rename:\n  - id: x\n", "unknown section(s) 'rename'; known: drop, retype, move, add"),
    ("retype:\n  - id: e1\n", "retype #1: 'to' is required"),
    ("add:\n  - event_type: clash\n    place: X\n    lat: 1\n    lon: 2\n    date: soon\n",
     "add #1: 'date' should be a date like 2025-02-21 or 21 February 2025, got 'soon'"),
    ("drop: [id: x\n", "invalid YAML at line 2"),
    ("drop:\n  - id: a\nmove: []\ndrop:\n  - id: b\n", "line 4: 'drop' is given twice"),
    ("drop:\n  - id: a\n    id: b\n", "line 3: 'id' is given twice"),
    ("- id: x\n", "should hold a mapping with sections drop, retype, move, add"),
])
def test_invalid_overrides_are_one_line_errors(tmp_path, text, problem):
    path = tmp_path / "o.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_overrides(path)
    assert str(err.value) == f"{path}: {problem}"


def test_adding_an_existing_id_fails(frame, tmp_path):
    with pytest.raises(InputError, match="add #1 \\(id 'e1', place 'X'\\): an event with id 'e1' already exists"):
        _apply(frame, tmp_path, "add:\n  - id: e1\n    event_type: clash\n    place: X\n    lat: 1\n    lon: 2\n")


def test_overrides_path(tmp_path):
    assert overrides_path(None, tmp_path) is None
    (tmp_path / "overrides.yaml").write_text("", encoding="utf-8")
    assert overrides_path(None, tmp_path) == tmp_path / "overrides.yaml"
    with pytest.raises(InputError, match="overrides file not found"):
        overrides_path(tmp_path / "nope.yaml", tmp_path)


def test_build_reapplies_overrides_from_the_output_folder(gazetteer, tmp_path):
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    out = tmp_path / "out"
    first = build([seeds], out, gazetteer=gazetteer)
    features = json.loads(first.outputs["geojson"].read_text(encoding="utf-8"))["features"]
    line = next(f for f in features if f["geometry"]["type"] == "LineString")
    (out / "overrides.yaml").write_text(
        f"drop:\n  - id: {line['id']}\nretype:\n  - place: nowhere\n    to: clash\n", encoding="utf-8")
    second = build([seeds], out, gazetteer=gazetteer)
    ids = {f["id"] for f in json.loads(second.outputs["geojson"].read_text(encoding="utf-8"))["features"]}
    assert line["id"] not in ids and second.events == first.events - 1
    assert second.overrides.applied == [f"drop #1 (id '{line['id']}'): 1 event(s)"]
    assert second.overrides.stale == ["retype #1 (place 'nowhere') matches no event"]


def test_cli_prints_applied_and_stale(gazetteer, tmp_path):
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    path = tmp_path / "curation.yaml"
    path.write_text("drop:\n  - id: nothing-here\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(seeds), "--out", str(tmp_path / "o"), "--overrides", str(path),
                                      "--format", "geojson,csv"])
    assert result.exit_code == 0, result.output
    assert f"Warning: {path}: drop #1 (id 'nothing-here') matches no event (stale override)" in result.output
    assert (tmp_path / "o" / "events.csv").is_file()
    bad = CliRunner().invoke(app, ["build", str(seeds), "--out", str(tmp_path / "o"), "--format", "shp"])
    assert bad.exit_code == 2 and "unknown format 'shp'" in bad.output
