"""Merging reports of one event across articles, and flagging contradictions.

tests/data/feed holds articles written for these tests: several reports of the same
events in different words (goma-*: "captured Goma" / "took control of the city of Goma"
/ "seized the airport of Goma", dated differently or not at all), an earlier event at
the same place (goma-2012.md, which must not merge), and two reports that contradict
each other (sinja-*: two armed forces holding the same town on the same day).
"""
import datetime as dt
import json
import random
from pathlib import Path

import pytest

from geomap.merge import collapse, link_reports, same_actor, same_event
from geomap.models import Event
from geomap.pipeline import build

ROOT = Path(__file__).resolve().parent.parent
FEED = ROOT / "tests" / "data" / "feed"
GOMA = (-1.6741, 29.2285)
GOMA_AIRPORT = (-1.6708, 29.2385)  # about 1 km away, another gazetteer id
SAKE = (-1.5739, 29.0434)  # about 23 km away
BUKAVU = (-2.5083, 28.8608)  # about 100 km away


def ev(doc, type_="control", coords=GOMA, date="2025-01-27", actors=("M23",), place_id="gn:goma", **kw):
    return Event(id=f"{doc}-{type_}-{place_id}", doc_id=doc, source=f"{doc}.txt", event_type=type_, place="X",
                 coords=(coords,), evidence=f"{doc} says so.", start=0, end=10,
                 date=dt.date.fromisoformat(date) if date else None, actors=tuple(actors), place_id=place_id, **kw)


@pytest.mark.parametrize("other, same", [
    (ev("b"), True),
    (ev("b", coords=GOMA_AIRPORT, place_id="ap:FZNA"), True),  # nearby, another place id
    (ev("b", coords=SAKE, place_id="gn:sake"), True),  # within 25 km
    (ev("b", coords=BUKAVU, place_id="gn:bukavu"), False),
    (ev("b", date="2025-01-28"), True),  # a day apart
    (ev("b", date="2025-01-30"), False),
    (ev("b", date=None), True),  # one undated
    (ev("b", actors=()), True),  # no actors on one side
    (ev("b", actors=("M23 rebels", "Lawrence Kanyuka")), True),
    (ev("b", actors=("FARDC",)), False),
    (ev("b", type_="clash"), False),
    (ev("b", inferred=True), False),
])
def test_same_event_rules(other, same):
    assert same_event(ev("a"), other) is same


@pytest.mark.parametrize("x, y, same", [
    ("M23", "m23", True),
    ("M23", "M23 rebels", True),
    ("RSF", "Rapid Support Forces", True),
    ("the Rapid Support Forces", "Rapid Support Forces", True),
    ("SAF", "Sudanese Armed Forces", True),
    ("Sudanese Armed Forces", "Rapid Support Forces", False),
    ("UN", "Sudan", False),
    ("Ruto", "William Ruto", True),
])
def test_same_actor(x, y, same):
    assert same_actor(x, y) is same


def test_corroborating_reports_link_and_keep_every_evidence():
    events = [ev("a"), ev("b", date="2025-01-28", actors=("M23 rebels",)), ev("c", date=None, actors=()),
              ev("d", date="2012-11-20")]
    links = link_reports(events)
    first = links[events[0].id]
    assert first.merged_id == events[0].id  # dated first, then by source
    assert [links[e.id].merged_id for e in events[:3]] == [first.merged_id] * 3
    assert first.sources == ("a.txt", "b.txt", "c.txt") and first.corroboration == 3
    assert first.evidences == ("a says so.", "b says so.", "c says so.")
    assert links[events[3].id].corroboration == 1 and links[events[3].id].merged_id == events[3].id


def test_two_events_of_one_article_are_not_fused_through_a_third_report():
    a1, a2 = ev("a", date="2025-01-20"), ev("a", date="2025-01-27", place_id="gn:goma2")
    undated = ev("b", date=None)
    links = link_reports([a1, a2, undated])
    assert links[a1.id].merged_id != links[a2.id].merged_id
    assert links[undated.id].corroboration == 2


def test_links_do_not_depend_on_input_order():
    events = [ev(d, date=date, actors=actors) for d, date, actors in [
        ("a", "2025-01-27", ("M23",)), ("b", "2025-01-28", ()), ("c", None, ("M23 rebels",)),
        ("d", "2025-01-27", ("FARDC",)), ("e", "2025-01-26", ("Congolese army",))]]
    expected = link_reports(events)
    for seed in range(5):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        assert link_reports(shuffled) == expected


def test_contradicting_control_claims_are_kept_and_flag_each_other():
    rsf = ev("rsf", actors=("Rapid Support Forces",))
    army = ev("army", actors=("Sudanese Armed Forces",))
    also_rsf = ev("wire", actors=("RSF",), date="2025-01-28")
    links = link_reports([rsf, army, also_rsf])
    assert links[rsf.id].merged_id == links[also_rsf.id].merged_id != links[army.id].merged_id
    assert links[rsf.id].contradicts == (links[army.id].merged_id,)
    assert links[army.id].contradicts == (links[rsf.id].merged_id,)


@pytest.mark.parametrize("other", [
    ev("b", actors=("FARDC",), date=None),  # undated: maybe another day
    ev("b", actors=("FARDC",), date="2025-02-10"),  # another time
    ev("b", actors=("FARDC",), type_="clash"),  # clashes are not exclusive
    ev("a", actors=("FARDC",), place_id="gn:g2"),  # one article telling a sequence
])
def test_no_contradiction(other):
    assert link_reports([ev("a"), other])[other.id].contradicts == ()


def test_collapse_keeps_one_event_per_cluster():
    events = [ev("a"), ev("b", date=None, actors=("M23 rebels",), mentions=2), ev("c", actors=("FARDC",))]
    links = link_reports(events)
    merged = collapse(events, links)
    assert [e.id for e in merged] == [events[0].id, events[2].id]
    assert merged[0].actors == ("M23", "M23 rebels") and merged[0].mentions == 3


@pytest.fixture(scope="module")
def feed_features(tmp_path_factory, gazetteer):
    out = tmp_path_factory.mktemp("feed")
    build([FEED], out / "flag", gazetteer=gazetteer, map_html=False)
    build([FEED], out / "collapse", gazetteer=gazetteer, map_html=False, collapse=True)
    return {mode: json.loads((out / mode / "events.geojson").read_text(encoding="utf-8"))["features"]
            for mode in ("flag", "collapse")}


def _props(features, event_type, place):
    return [f["properties"] for f in features if f["properties"]["event_type"] == event_type
            and f["properties"]["place"] == place]


def test_articles_reporting_goma_differently_corroborate(feed_features):
    control = _props(feed_features["flag"], "control", "Goma")
    recent = [p for p in control if p["date"].startswith("2025")]
    assert sorted(p["source"] for p in recent) == ["goma-ngo.md", "goma-radio.txt", "goma-wire.md"]
    assert {p["merged_id"] for p in recent} == {recent[0]["merged_id"]}
    assert all(p["corroboration"] == 3 and p["sources"] == ["goma-ngo.md", "goma-radio.txt", "goma-wire.md"]
               and len(p["evidences"]) == 3 for p in recent)
    old = [p for p in control if p["date"].startswith("2012")]
    assert len(old) == 1 and old[0]["corroboration"] == 1  # same place, twelve years earlier
    clash = _props(feed_features["flag"], "clash", "Sake")
    assert len(clash) == 2 and all(p["corroboration"] == 2 for p in clash)  # "Congolese army" / "FARDC"


def test_sinja_claims_contradict(feed_features):
    for features in feed_features.values():
        sinja = {p["source"]: p for p in _props(features, "control", "Sinja")}
        assert set(sinja) == {"sinja-army.md", "sinja-rsf.md"}
        assert sinja["sinja-army.md"]["contradicts"] == [sinja["sinja-rsf.md"]["merged_id"]]
        assert sinja["sinja-rsf.md"]["contradicts"] == [sinja["sinja-army.md"]["merged_id"]]


def test_collapse_gives_one_feature_per_event(feed_features):
    control = [p for p in _props(feed_features["collapse"], "control", "Goma") if p["date"].startswith("2025")]
    assert len(control) == 1 and control[0]["corroboration"] == 3
    assert control[0]["date"] == "2025-01-27" and "M23" in control[0]["actors"]
    assert len(feed_features["collapse"]) < len(feed_features["flag"])


def _naive_links(events):
    """The definition, without the index: every cluster is a candidate, every pair checked."""
    from geomap.merge import _order, contradict

    clusters = []
    for e in sorted(events, key=_order):
        fits = [i for i, c in enumerate(clusters)
                if e.doc_id not in {m.doc_id for m in c} and all(same_event(m, e) for m in c)]
        if fits:
            i = max(fits, key=lambda i: (len(clusters[i]), clusters[i][0].date.toordinal()
                                         if clusters[i][0].date else 0, -i))
            clusters[i].append(e)
        else:
            clusters.append([e])
    against = {c[0].id: set() for c in clusters}
    for i, c in enumerate(clusters):
        for d in clusters[i + 1:]:
            if any(contradict(a, b) for a in c for b in d):
                against[c[0].id].add(d[0].id)
                against[d[0].id].add(c[0].id)
    return {m.id: (c[0].id, tuple(sorted(against[c[0].id]))) for c in clusters for m in c}


@pytest.mark.parametrize("seed", range(4))
def test_the_index_changes_nothing(seed):
    r = random.Random(seed)
    places = [(r.uniform(-1.9, -1.5), r.uniform(28.9, 29.5)) for _ in range(8)]  # some within 25 km
    actors = ["M23", "M23 rebels", "FARDC", "Congolese army", "RSF", "Rapid Support Forces", "UN"]
    events = []
    for n in range(300):
        p = r.randrange(len(places))
        date = dt.date(2025, 1, 20) + dt.timedelta(days=r.randrange(8)) if r.random() < 0.8 else None
        events.append(Event(
            id=f"e{n}", doc_id=f"d{r.randrange(120)}", source=f"s{n % 120}", event_type=r.choice(["control", "clash"]),
            place="X", coords=(places[p],), evidence="", start=0, end=1, date=date, place_id=f"p{p}",
            actors=tuple(r.sample(actors, r.randrange(3)))))
    links = link_reports(events)
    assert {k: (v.merged_id, v.contradicts) for k, v in links.items()} == _naive_links(events)
