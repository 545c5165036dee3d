"""Tests for geomap.evaluate and `geomap evaluate`: scoring a gold geoparsing corpus."""
from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from geomap.cli import app
from geomap.errors import InputError
from geomap.evaluate import Scores, evaluate, predict, read_corpus, score_article

TEXT_1 = "Fighting broke out in Goma on Monday. Aid reached Bukavu, officials in Kinshasa said."
TEXT_2 = "Police in Paris, Texas, arrested two men. The mayor of Dallas praised them."


def _gold(text, name, lat, lon, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(name, start + 1)
    return {"start": start, "end": start + len(name), "name": name, "lat": lat, "lon": lon}


@pytest.fixture
def corpus(tmp_path):
    rows = [
        {"id": "a1", "text": TEXT_1, "toponyms": [
            _gold(TEXT_1, "Goma", -1.6792, 29.2228), _gold(TEXT_1, "Bukavu", -2.5083, 28.8608),
            _gold(TEXT_1, "Kinshasa", -4.3276, 15.3136)]},
        {"id": "a2", "text": TEXT_2, "toponyms": [
            _gold(TEXT_2, "Paris", 33.6609, -95.5555), _gold(TEXT_2, "Texas", 31.2504, -99.2506),
            _gold(TEXT_2, "Dallas", 32.7831, -96.8067)]},
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_scoring_matches_overlap_one_to_one_and_measures_error():
    gold = [{"start": 0, "end": 4, "lat": 0.0, "lon": 0.0}, {"start": 10, "end": 15, "lat": 0.0, "lon": 0.0}]
    pred = [{"start": 0, "end": 8, "lat": 0.0, "lon": 1.0},   # overlaps gold 0; ~111 km off
            {"start": 2, "end": 3, "lat": 0.0, "lon": 0.0},   # also overlaps gold 0: unmatched
            {"start": 12, "end": 20, "lat": None, "lon": None},  # matches gold 1, not placed
            {"start": 30, "end": 35, "lat": 5.0, "lon": 5.0}]  # matches nothing
    s = Scores()
    score_article(gold, pred, s)
    assert (s.predicted, s.gold_toponyms, s.matched, s.resolved) == (4, 2, 2, 1)
    assert s.precision == 0.5 and s.recall == 1.0 and s.f1 == pytest.approx(2 / 3)
    assert s.errors_km[0] == pytest.approx(111.2, abs=0.5) and s.acc161 == 1.0


def test_auc_is_the_shared_scorers():
    s = Scores(errors_km=[0.0, 20039.0])
    assert s.auc == pytest.approx(0.5, abs=1e-5)
    s = Scores(errors_km=[10.0, 100.0, 1000.0])
    ys = [math.log(1 + e) / math.log(20039) for e in (10.0, 100.0, 1000.0)]
    assert s.auc == pytest.approx(((ys[0] + ys[1]) / 2 + (ys[1] + ys[2]) / 2) / 2)


def test_end_to_end_on_a_small_corpus(gazetteer, corpus, tmp_path):
    out = tmp_path / "pred.jsonl"
    s = evaluate(corpus, gazetteer, predictions=out)
    assert s.articles == 2 and s.gold_toponyms == 6
    assert s.matched == 6 and s.recall == 1.0
    assert s.acc161 == 1.0  # Paris is the one in Texas here
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a1", "a2"]
    for row, text in zip(rows, (TEXT_1, TEXT_2)):
        for t in row["toponyms"]:
            assert text[t["start"]:t["end"]] == t["name"]
            assert t["lat"] is None or -90 <= t["lat"] <= 90


def test_resolve_only_uses_the_gold_spans(gazetteer, corpus):
    rec = next(read_corpus(corpus))
    rec = dict(rec, toponyms=rec["toponyms"][:1])  # only Goma is given
    pred = predict(rec, gazetteer, resolve_only=True)
    assert [(t["start"], t["end"]) for t in pred] == [(rec["toponyms"][0]["start"], rec["toponyms"][0]["end"])]
    assert pred[0]["lat"] == pytest.approx(-1.68, abs=0.1)


@pytest.mark.parametrize("text, name, lat, lon", [
    # a given name with its area after a comma: the name, in that area
    ("Officials flew to Washington, D.C., on Monday.", "Washington, D.C.", 38.9, -77.04),
    ("The storm hit Paris, Texas, overnight.", "Paris, Texas", 33.66, -95.56),
    # other names of countries
    ("The Holy See said so.", "Holy See", 41.9, 12.45),
    ("The DPRK fired a missile.", "DPRK", 40.0, 127.0),
])
def test_given_names_with_an_area_or_another_name(gazetteer, text, name, lat, lon):
    start = text.index(name)
    rec = {"id": "t", "text": text, "toponyms": [{"start": start, "end": start + len(name)}]}
    (pred,) = predict(rec, gazetteer, resolve_only=True)
    assert pred["lat"] == pytest.approx(lat, abs=0.5) and pred["lon"] == pytest.approx(lon, abs=0.5)


@pytest.mark.parametrize("line, problem", [
    ("{not json", "line 2: not JSON"),
    ('{"id": 1}', "line 2: expected an object with 'id' and 'text'"),
    ('{"id": 1, "text": "x", "toponyms": [{"start": "0"}]}', "line 2: 'toponyms' should be a list"),
])
def test_bad_corpus_lines_name_the_line(tmp_path, line, problem):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 0, "text": "ok", "toponyms": []}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(read_corpus(path))
    assert problem in str(info.value) and "bad.jsonl" in str(info.value)


def test_cli_prints_figures_and_writes_predictions(gazetteer, corpus, tmp_path):
    out = tmp_path / "p.jsonl"
    result = CliRunner().invoke(app, ["evaluate", str(corpus), "--json", "--predictions", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["gold_toponyms"] == 6 and figures["recall"] == 1.0
    assert figures["articles_per_s"] > 0 and out.exists()
    text = CliRunner().invoke(app, ["evaluate", str(corpus), "--resolve-only"])
    assert text.exit_code == 0 and "acc@161 1.0" in text.stdout and "recognition" not in text.stdout


def test_cli_bad_corpus_is_one_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text("nope\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert lines == [f"Error: {path}: line 1: not JSON (Expecting value)"]
