"""Tests for geomap.gazetteer_import: GeoNames dumps and CSV files joining the index.

Each test imports into its own folder, beside a link to the session's built index, so
the session gazetteer (and every other test) never sees these imports.
"""
from __future__ import annotations

import sqlite3
import zipfile
from math import log10

import pytest
from typer.testing import CliRunner

from geomap.cli import app
from geomap.errors import GazetteerError, InputError
from geomap.gazetteer import IMPORTS_NAME, Gazetteer, index_name
from geomap.gazetteer_import import ImportResult, import_file

runner = CliRunner()


def dump_row(gid, name, lat, lon, fclass, fcode, country="CD", alternates="", population=0,
             admin1="19") -> str:
    """One line of a GeoNames dump: 19 tab-separated columns."""
    cols = [str(gid), name, name, alternates, str(lat), str(lon), fclass, fcode, country, "",
            admin1, "", "", "", str(population), "", "1500", "Africa/Lubumbashi", "2024-05-01"]
    return "\t".join(cols) + "\n"


DUMP = "".join([
    # Goma under its built-in id, moved, smaller (so less prominent than the built-in row
    # it must hide) and with one alternate name
    dump_row(216281, "Goma", -1.6800, 29.2200, "P", "PPLA", alternates="Gomah", population=5000),
    # a new town with an alternate name, a code ("MBR") and a non-Latin form
    dump_row(99_000_001, "Mubambiro", -1.6200, 29.1000, "P", "PPL",
             alternates="Mubambiro Camp,MBR,Мубамбиро", population=1200),
    dump_row(99_000_002, "Mubambiro Stream", -1.6300, 29.1100, "H", "STM"),
    dump_row(99_000_003, "Rubaya Airstrip", -1.5500, 28.9000, "S", "AIRF"),
    dump_row(99_000_004, "Kinshasa Nouvelle", -4.3000, 15.3000, "P", "PPLC", admin1="06"),
    dump_row(99_000_005, "Congo Test Republic", -2.0000, 23.0000, "A", "PCLI"),
])
CSV = ("name,lat,lon,country,kind,aliases\n"
       "# camps around Goma\n"
       "Kanyaruchinya Camp,-1.6000,29.3000,CD,poi,Kanyaruchinya IDP site;Kanya camp\n"
       "\n"
       "Lushagala,-1.6300,29.1700,cd,,Lushagala site|Lushagala camp\n")


@pytest.fixture
def store(tmp_path, gazetteer):
    """A folder holding a link to the session index, where imports can go."""
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / index_name()).symlink_to(gazetteer.path)
    return folder


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def imported_rows(store) -> tuple[int, int]:
    with sqlite3.connect(store / IMPORTS_NAME) as con:
        return (con.execute("SELECT COUNT(*) FROM places").fetchone()[0],
                con.execute("SELECT COUNT(*) FROM names").fetchone()[0])


def test_geonames_dump_places_kinds_and_names(tmp_path, store):
    result = import_file(write(tmp_path / "CD.txt", DUMP), store=store)
    # names: Goma (name and ASCII name alike), Gomah; Mubambiro, Mubambiro Camp; stream;
    # airstrip; Kinshasa Nouvelle; Congo Test Republic -- the code and Cyrillic form dropped
    assert result == ImportResult(6, 8, "import:CD.txt", store / IMPORTS_NAME)
    with Gazetteer.open(store, build=False) as gaz:
        camp = gaz.candidates("mubambiro camp")
        assert [p.id for p in camp] == ["gn:99000001"]
        assert camp[0].kind == "city" and camp[0].population == 1200
        assert camp[0].lat == pytest.approx(-1.62) and camp[0].source == "import:CD.txt"
        assert gaz.candidates("MBR") == [] and gaz.candidates("Мубамбиро") == []
        assert gaz.get("gn:99000002").kind == "poi"
        assert gaz.geocode("Rubaya Airstrip").kind == "airport"
        assert gaz.capital("CD").id == "gn:99000004"  # PPLC names the capital
        assert gaz.country("cd").id == "gn:99000005"  # an imported country wins
        assert gaz.country("KE").id == "country:KE"
        assert gaz.capital("KE").name == "Nairobi"


def test_imported_id_replaces_the_builtin_row(tmp_path, store, gazetteer):
    import_file(write(tmp_path / "CD.txt", DUMP), store=store)
    with Gazetteer.open(store, build=False) as gaz:
        goma = gaz.get("gn:216281")
        assert goma.source == "import:CD.txt" and goma.population == 5000
        assert (goma.lat, goma.lon) == pytest.approx((-1.68, 29.22))
        assert [p for p in gaz.candidates("Goma") if p.id == "gn:216281"] == [goma]
        assert gaz.geocode("Gomah") == goma  # the imported alternate name
        assert goma in gaz.candidates("Nkoma")  # a built-in name still leads to the place
    # the session gazetteer, without the imports, still has the built-in row
    assert gazetteer.get("gn:216281").source == "geonames"


def test_zipped_dump_reads_like_the_text_file(tmp_path, store):
    with zipfile.ZipFile(tmp_path / "CD.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("readme.txt", "GeoNames readme")
        zf.writestr("CD.txt", DUMP)
    result = import_file(tmp_path / "CD.zip", store=store)
    assert (result.places, result.names, result.source) == (6, 8, "import:CD.zip")
    with Gazetteer.open(store, build=False) as gaz:
        assert gaz.geocode("Mubambiro Camp").id == "gn:99000001"


def test_user_csv_with_aliases(tmp_path, store):
    result = import_file(write(tmp_path / "camps.csv", CSV), store=store)
    assert (result.places, result.names) == (2, 6)
    with Gazetteer.open(store, build=False) as gaz:
        camp = gaz.geocode("Kanya camp")
        assert camp.name == "Kanyaruchinya Camp" and camp.kind == "poi" and camp.country == "CD"
        assert camp.id.startswith("user:kanyaruchinya-camp-")
        assert gaz.geocode("Kanyaruchinya IDP site") == camp
        lushagala = gaz.geocode("Lushagala camp")  # '|' separates aliases too
        assert lushagala.kind == "city" and lushagala.country == "CD"  # kind defaults to city
        assert gaz.geocode("Lushagala site") == lushagala
        ids = {camp.id, lushagala.id}
    import_file(tmp_path / "camps.csv", store=store)
    with Gazetteer.open(store, build=False) as gaz:  # ids are stable across imports
        assert {gaz.geocode("Kanya camp").id, gaz.geocode("Lushagala").id} == ids


def test_tab_separated_csv_with_population(tmp_path, store):
    text = "name\tlat\tlon\tpopulation\nNew Katale\t-1.3\t29.4\t2500\n"
    import_file(write(tmp_path / "towns.tsv", text), store=store)
    with Gazetteer.open(store, build=False) as gaz:
        place = gaz.geocode("New Katale")
        assert place.population == 2500 and place.country is None and place.kind == "city"


def test_imported_place_wins_a_tie_but_not_more(tmp_path, store, gazetteer):
    goma = gazetteer.get("gn:216281")
    with sqlite3.connect(f"file:{gazetteer.path}?mode=ro", uri=True) as con:
        builtin = con.execute("SELECT prominence FROM places WHERE id = 'gn:216281'").fetchone()[0]
    assert log10(goma.population + 1) == builtin  # an imported city with this population ties
    tie = write(tmp_path / "tie.csv", f"name,lat,lon,country,population\n"
                                      f"Goma,-1.7,29.2,CD,{goma.population}\n")
    import_file(tie, store=store)
    with Gazetteer.open(store, build=False) as gaz:
        first, second = gaz.candidates("Goma")[:2]
        assert first.id.startswith("user:goma-") and second.id == "gn:216281"
    lower = write(tmp_path / "tie.csv", f"name,lat,lon,country,population\n"
                                        f"Goma,-1.7,29.2,CD,{goma.population - 1}\n")
    import_file(lower, store=store)
    with Gazetteer.open(store, build=False) as gaz:
        first, second = gaz.candidates("Goma")[:2]
        assert first.id == "gn:216281" and second.id.startswith("user:goma-")


def test_reimport_is_idempotent_and_replaces_the_files_rows(tmp_path, store):
    dump = write(tmp_path / "CD.txt", DUMP)
    import_file(write(tmp_path / "camps.csv", CSV), store=store)
    first = import_file(dump, store=store)
    rows = imported_rows(store)
    assert import_file(dump, store=store) == first
    assert imported_rows(store) == rows == (8, 14)
    write(dump, DUMP.splitlines(keepends=True)[0])  # only Goma is left in the file
    assert import_file(dump, store=store).places == 1
    with Gazetteer.open(store, build=False) as gaz:
        assert gaz.get("gn:99000001") is None
        assert gaz.geocode("Mubambiro Camp") is None
        assert gaz.geocode("Kanya camp") is not None  # the other file's places stay
        assert gaz.info()["imported_places_per_source"] == {"import:CD.txt": 1,
                                                           "import:camps.csv": 2}


def test_replace_drops_earlier_imports(tmp_path, store):
    import_file(write(tmp_path / "camps.csv", CSV), store=store)
    import_file(write(tmp_path / "CD.txt", DUMP), store=store, replace=True)
    with Gazetteer.open(store, build=False) as gaz:
        assert gaz.geocode("Kanya camp") is None
        info = gaz.info()
    assert info["imported_places_per_source"] == {"import:CD.txt": 6}
    assert info["imported_names"] == 8 and info["imports"] == str(store / IMPORTS_NAME)


def test_a_later_file_takes_over_a_shared_id(tmp_path, store):
    import_file(write(tmp_path / "CD.txt", DUMP), store=store)
    import_file(write(tmp_path / "goma.txt", dump_row(216281, "Goma Ville", -1.69, 29.23, "P", "PPLA")),
                store=store)
    with Gazetteer.open(store, build=False) as gaz:
        assert gaz.get("gn:216281").source == "import:goma.txt"
        assert gaz.geocode("Gomah") is None  # the earlier file's names left with its row
        assert gaz.geocode("Goma Ville").id == "gn:216281"


BAD_FILES = [
    ("far.csv", "name,lat,lon\nA,1,2\nB,95,2\n", "line 3: lat 95 is out of range (-90 to 90)"),
    ("kind.csv", "name,lat,lon,kind\nA,1,2,town\n",
     "line 2: kind should be one of airport, poi, city, admin2, admin1, region, country, got 'town'"),
    ("nolat.csv", "name,lon\nA,2\n",
     "line 1: neither a GeoNames dump (19 tab-separated columns) nor a CSV whose header has name, lat and lon"),
    ("extra.csv", "name,lat,lon,notes\nA,1,2,x\n",
     "line 1: unknown column 'notes' (expected name, lat, lon, country, kind, aliases, population)"),
    ("cc.csv", "name,lat,lon,country\nA,1,2,COD\n",
     "line 2: country should be an ISO 3166-1 alpha-2 code such as CD, got 'COD'"),
    ("lon.csv", "# places\nname,lat,lon\n\nA,1,east\n", "line 4: lon should be a number, got 'east'"),
    ("wide.csv", "name,lat,lon\nA,1,2,3\n", "line 2: expected 3 columns, got 4"),
    ("header.csv", "name,lat,lon\n", "no places after the header"),
    ("empty.txt", "\n\n", "file is empty"),
    ("short.txt", DUMP + "\t".join(["1"] * 18) + "\n",
     "line 7: expected 19 tab-separated columns (a GeoNames dump), got 18"),
    ("lat.txt", dump_row(1, "X", "north", 2, "P", "PPL"), "line 1: latitude should be a number, got 'north'"),
    ("id.txt", dump_row("x1", "X", 1, 2, "P", "PPL"), "line 1: geonameid should be a number, got 'x1'"),
    ("CD.zip", "plain text", "not a zip file"),
]


@pytest.mark.parametrize("name, text, problem", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_one_line_errors_naming_file_and_line(tmp_path, store, name, text, problem):
    path = write(tmp_path / name, text)
    with pytest.raises(InputError) as err:
        import_file(path, store=store)
    assert str(err.value) == f"{path}: {problem}"
    assert not (store / IMPORTS_NAME).exists()  # a failed first import leaves no file


def test_bad_zips(tmp_path, store):
    two = tmp_path / "dumps.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("CD.txt", DUMP)
        zf.writestr("RW.txt", DUMP)
    with pytest.raises(InputError, match=r"expected one \.txt dump \(or \.csv\) inside the zip, found CD.txt, RW.txt$"):
        import_file(two, store=store)
    broken = tmp_path / "CD.zip"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("CD.txt", DUMP + dump_row(7, "Y", 100, 0, "P", "PPL"))
    with pytest.raises(InputError) as err:
        import_file(broken, store=store)
    assert str(err.value) == f"{broken}: CD.txt, line 7: latitude 100 is out of range (-90 to 90)"


def test_not_utf8_and_missing_file(tmp_path, store):
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("name,lat,lon\nA,1,2\nKisangani é,1,2\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1.csv: line 3: not UTF-8 text$"):
        import_file(latin1, store=store)
    with pytest.raises(InputError, match=r"nope.txt: no such file or directory$"):
        import_file(tmp_path / "nope.txt", store=store)


def test_failed_import_leaves_earlier_imports_as_they_were(tmp_path, store):
    import_file(write(tmp_path / "camps.csv", CSV), store=store)
    rows = imported_rows(store)
    bad = write(tmp_path / "camps.csv", CSV + "Late Camp,-1,29,CD,camp,\n")  # good rows, then a bad one
    with pytest.raises(InputError, match=r"camps.csv: line 6: kind should be"):
        import_file(bad, store=store)
    assert imported_rows(store) == rows
    with Gazetteer.open(store, build=False) as gaz:
        assert gaz.geocode("Kanya camp") is not None


def test_corrupt_imports_file_is_a_gazetteer_error(store):
    (store / IMPORTS_NAME).write_bytes(b"not a database")
    with pytest.raises(GazetteerError, match="cannot open the imported places"):
        Gazetteer.open(store, build=False)


def test_cli_import_and_info(tmp_path, store, monkeypatch):
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(store))
    csv_file = write(tmp_path / "camps.csv", CSV)
    result = runner.invoke(app, ["gazetteer", "import", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert result.output == (f"imported 2 places and 6 names from camps.csv into"
                             f" {store / IMPORTS_NAME} (source import:camps.csv)\n")
    info = runner.invoke(app, ["gazetteer", "info"])
    assert info.exit_code == 0
    assert "imported_places_per_source: {'import:camps.csv': 2}" in info.output.splitlines()
    found = runner.invoke(app, ["geocode", "Kanya camp", "--json"])
    assert found.exit_code == 0 and '"source": "import:camps.csv"' in found.output


def test_cli_bad_file_is_one_error_line(tmp_path, store, monkeypatch):
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(store))
    bad = write(tmp_path / "far.csv", "name,lat,lon\nA,1,200\n")
    result = runner.invoke(app, ["gazetteer", "import", str(bad), "--replace"])
    assert result.exit_code == 1
    assert result.output == f"Error: {bad}: line 2: lon 200 is out of range (-180 to 180)\n"
