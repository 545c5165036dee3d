"""Property tests (hypothesis) for extraction on any text (issue 7, item 4).

For any text (random unicode, real place names and trigger words mixed with noise,
markup, odd whitespace and line separators):

- reading any bytes either gives a document or raises one :class:`InputError` line;
- extraction never crashes;
- every mention's offsets slice the text to its surface form;
- every coordinate is a valid WGS84 point;
- the events' GeoJSON is a valid RFC 7946 FeatureCollection (checked structurally here).

Deterministic (``derandomize=True``) and bounded for CI; set ``GEOMAP_HYPOTHESIS_EXAMPLES``
to explore more.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geomap.documents import document_id, read_document
from geomap.errors import InputError
from geomap.frame import dumps_geojson, events_to_frame
from geomap.layers import load_layers
from geomap.mentions import find_mentions
from geomap.models import Document
from geomap.pipeline import extract_document

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("GEOMAP_HYPOTHESIS_EXAMPLES", "40"))
CI = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                     HealthCheck.data_too_large])

PLACES = ["Goma", "Bukavu", "Kinshasa", "Kigali", "Nairobi", "Kavumu Airport", "North Kivu", "DR Congo", "Sake",
          "Kharkiv", "Gaza", "Khartoum", "El Fasher", "Port-au-Prince", "Washington", "Paris", "Niger River",
          "Lake Chad", "Kenyan", "Congolese", "Rwanda", "Mogadishu", "Sanaa", "Beirut", "Sidon"]
WORDS = ["M23", "rebels", "seized", "captured", "met", "talks", "ceasefire", "fighting", "clashes", "aid",
         "convoy", "road", "from", "to", "in", "near", "on", "Monday", "January", "27,", "2025", "Tshisekedi",
         "Kagame", "spoke", "by", "phone", "with", "the", "army", "displaced", "killed", "airport", "reopened"]
NOISE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&amp;", "&#60;", "{{ 7*7 }}", "\u2028",
         "\u2029", "\u202e", "\u200b", "\ufeff", "\u0301", "\t", "\n", "\n\n", "\r\n", "  ", ".", ",", "(", ")",
         "\"", "'", "\u2019", "\u2014", "-", "--", "...", "?", "!", ":", ";", "\U0001F525", "\u0130stanbul",
         "\u00df", "\ufb01", "GOMA", "goma", "G\u00f6ma", "Goma\u0301", "\u0413\u043e\u043c\u0430", "\u063a\u0632\u0629",
         "A.", "U.S.", "St.", "Mr.", "1,000", "12:30", "2025-01-27"]

token = st.one_of(st.sampled_from(PLACES), st.sampled_from(WORDS), st.sampled_from(NOISE),
                  st.text(max_size=12))
#: Sentences of real names, trigger words and noise.
mixed_text = st.lists(token, max_size=60).map(
    lambda parts: "".join(p + (" " if i % 3 else "") for i, p in enumerate(parts)))
#: Fully random unicode (no surrogates: no file can hold them after decoding).
any_text = st.text(max_size=400)
texts = st.one_of(mixed_text, any_text, st.tuples(any_text, mixed_text).map("".join))


@pytest.fixture(scope="module")
def layers():
    return load_layers(REPO / "layers")


def _doc(text: str) -> Document:
    return Document(id=document_id(Path("prop.txt"), text), source="prop.txt", text=text, path="prop.txt",
                    published=dt.date(2025, 1, 27))


def _valid_position(pos) -> None:
    assert isinstance(pos, list) and len(pos) in (2, 3), pos
    assert all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in pos), pos
    lon, lat = pos[0], pos[1]
    assert -180 <= lon <= 180 and -90 <= lat <= 90, pos


def check_rfc7946(text: str) -> dict:
    """Structural RFC 7946 check of a FeatureCollection of Point/LineString features."""
    data = json.loads(text)  # valid JSON, which also means no NaN/Infinity literals are accepted below
    assert json.dumps(data, allow_nan=False)
    assert data["type"] == "FeatureCollection" and isinstance(data["features"], list)
    assert "crs" not in data  # RFC 7946 section 4: no crs member
    ids = set()
    for f in data["features"]:
        assert f["type"] == "Feature"
        assert isinstance(f.get("id"), (str, int)) and f["id"] not in ids
        ids.add(f["id"])
        assert isinstance(f["properties"], dict) or f["properties"] is None
        geom = f["geometry"]
        assert geom["type"] in ("Point", "LineString")
        if geom["type"] == "Point":
            _valid_position(geom["coordinates"])
        else:
            assert isinstance(geom["coordinates"], list) and len(geom["coordinates"]) >= 2
            for pos in geom["coordinates"]:
                _valid_position(pos)
        assert "crs" not in f and "crs" not in geom
    return data


@CI
@given(text=texts)
def test_mentions_slice_the_text_and_points_are_wgs84(gazetteer, text):
    doc = _doc(text)
    for m in find_mentions(doc, gazetteer):
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.surface
        for place in m.candidates:
            assert math.isfinite(place.lat) and -90 <= place.lat <= 90
            assert math.isfinite(place.lon) and -180 <= place.lon <= 180


@CI
@given(text=texts)
def test_extraction_never_crashes_and_its_geojson_validates(gazetteer, layers, text):
    doc = _doc(text)
    mentions, events = extract_document(doc, gazetteer, layers, today=dt.date(2026, 11, 28))
    for m in mentions:
        assert text[m.start:m.end] == m.surface
        if m.place is not None:
            assert -90 <= m.place.lat <= 90 and -180 <= m.place.lon <= 180
    for ev in events:
        assert 0 <= ev.start <= ev.end <= len(text)
        if ev.place_start is not None:
            assert 0 <= ev.place_start < ev.place_end <= len(text)
        for lat, lon in ev.coords:
            assert math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
    data = check_rfc7946(dumps_geojson(events_to_frame(events)))
    assert len(data["features"]) == len({ev.id for ev in events})


@CI
@given(before=texts, after=texts)
def test_a_clear_report_amid_noise_is_still_found(gazetteer, layers, before, after):
    """Guards the properties above against passing vacuously: noise around a paragraph does
    not hide the place and the event in it."""
    sentence = "M23 rebels seized Goma on Monday, January 27, 2025."
    text = f"{before}\n\n{sentence}\n\n{after}"
    start = len(before) + 2
    mentions, events = extract_document(_doc(text), gazetteer, layers, today=dt.date(2026, 11, 28))
    goma = [m for m in mentions if m.start == start + sentence.index("Goma")]
    assert goma and goma[0].place is not None and goma[0].place.country == "CD"
    assert any(ev.event_type == "control" and ev.place == "Goma" for ev in events)


@CI
@given(data=st.one_of(st.binary(max_size=600), texts.map(lambda t: t.encode("utf-8", "surrogatepass")),
                      st.tuples(st.sampled_from([b"---\n", b"---\r\n", b"\xef\xbb\xbf---\n"]),
                                st.text(max_size=80).map(str.encode), st.sampled_from([b"\n---\n", b"---", b""]),
                                texts.map(str.encode)).map(b"".join)),
       suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_reading_any_bytes_gives_a_document_or_one_input_error(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("bytes") / f"article{suffix}"
    path.write_bytes(data)
    try:
        doc = read_document(path)
    except InputError as exc:
        assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
        return
    assert doc.text.strip() and "\x00" not in doc.text and "\r" not in doc.text
    assert doc.url is None or doc.url.startswith(("http://", "https://"))
    assert doc.title is None or isinstance(doc.title, str)


def test_the_rfc7946_check_rejects_what_it_should():
    good = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "a", "properties": {}, "geometry": {"type": "Point", "coordinates": [29.2, -1.7]}}]}
    check_rfc7946(json.dumps(good))
    for broken in ([-1.7, 229.2], [29.2, -91], [29.2], ["29.2", -1.7]):
        bad = json.loads(json.dumps(good))
        bad["features"][0]["geometry"]["coordinates"] = broken
        with pytest.raises(AssertionError):
            check_rfc7946(json.dumps(bad))
    with pytest.raises((AssertionError, ValueError)):
        check_rfc7946(json.dumps(good).replace("29.2", "NaN"))
    with pytest.raises(AssertionError):
        check_rfc7946(json.dumps({**good, "crs": {"type": "name"}}))
