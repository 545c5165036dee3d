"""Importing GeoNames dumps and CSV files into the offline gazetteer.

:func:`import_file` reads one file and writes its places and names into
``imports.sqlite`` beside the built-in index (:func:`geomap.gazetteer.imports_path`),
so rebuilding the built-in index for a new schema keeps them.  :class:`Gazetteer`
attaches that file: an imported place hides the built-in place with the same id, and on
equal prominence imported places come first.  Rows carry the source
``import:<file name>``; importing a file of the same name again replaces its rows.

The format is told from the content (a ``.zip`` holding one such file is read as a
stream, never unpacked whole):

* **GeoNames dump** (``allCountries.txt``, ``CD.txt``, ``CD.zip``): no header, 19
  tab-separated columns (geonameid, name, asciiname, alternatenames, latitude,
  longitude, feature class, feature code, country code, cc2, admin1 code, ...,
  population, ...).  Ids are ``gn:<geonameid>``, the ids of the built-in GeoNames
  places, so an imported row replaces the built-in one.  Names: the name, the ASCII
  name and the Latin-script alternate names, without all-capital codes ("DRC", "GOM")
  or forms with no letter (postal codes), as the built-in index does.  Kinds:

  ========================================  ==========
  feature class.code                        kind
  ========================================  ==========
  ``P.*`` (populated places)                ``city``
  ``P.PPLH``, ``PPLCH``, ``PPLQ``           ``poi`` (historical, abandoned)
  ``A.PCLI``, ``PCLD``, ``PCLF``, ``PCLS``  ``country``
  ``A.ADM1``                                ``admin1``
  ``A.ADM2``                                ``admin2``
  ``S.AIRP``, ``AIRF``, ``AIRB``            ``airport``
  anything else (streams, hills, ``ADM3``)  ``poi``
  ========================================  ==========

  A ``poi`` from a dump ranks by population alone, without the bonus a hand-written
  point of interest gets, so a stream called Goma never outranks a town.  ``PPLC``
  rows also become their country's capital.
* **CSV** (comma- or tab-separated) whose header has ``name``, ``lat`` and ``lon``,
  and optionally ``country`` (ISO 3166-1 alpha-2), ``kind`` (one of
  :data:`~geomap.models.PLACE_KINDS`, default ``city``), ``aliases`` (separated by
  ``;`` or ``|``) and ``population`` (default 0).  Blank lines and lines starting with
  ``#`` are skipped.  Ids are ``user:<name>-<hash>``, the hash of name, country and
  coordinates rounded to 3 decimals, so the same row gets the same id on every import.

Bad input raises :class:`~geomap.errors.InputError` naming the file and the line; the
import is one transaction, so a failed import leaves the earlier imports as they were.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import itertools
import logging
import math
import re
import sqlite3
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from geomap.errors import GazetteerError, InputError
from geomap.gazetteer import IMPORTS_SCHEMA, imports_path, name_key
from geomap.gazetteer_build import _SCHEMA, _Writer, _is_code, _is_latin
from geomap.models import PLACE_KINDS, Place

log = logging.getLogger("geomap")

_GEONAMES_COLUMNS = 19
_CSV_COLUMNS = ("name", "lat", "lon", "country", "kind", "aliases", "population")
_COUNTRY_CODES = {"PCLI", "PCLD", "PCLF", "PCLS", "PCL"}
_AIRPORT_CODES = {"AIRP", "AIRF", "AIRB"}
_GONE_PLACES = {"PPLH", "PPLCH", "PPLQ"}
_FLUSH_EVERY = 50_000
_SAY_EVERY = 500_000


@dataclass(frozen=True)
class ImportResult:
    """What one import wrote: place and name rows, their source, and the store file."""

    places: int
    names: int
    source: str
    store: Path


@dataclass(frozen=True)
class _Record:
    place: Place
    forms: tuple[str, ...]
    prominence: float | None = None  # None: the writer's usual population + kind bonus
    capital: bool = False


def import_file(path: Path | str, *, store: Path | str | None = None, replace: bool = False,
                progress: Callable[[str], None] | None = None) -> ImportResult:
    """Import a GeoNames dump or a CSV of places; return what was written.

    ``store`` is the index's folder or file (default: the cache dir); the places go to
    ``imports.sqlite`` beside it.  ``replace`` drops every earlier import first.
    ``progress`` hears how a long import goes (every 500,000 places).
    """
    path = Path(path)
    target = imports_path(store)
    source = f"import:{path.name}"
    say = progress or (lambda msg: log.info("gazetteer: %s", msg))
    with _open_text(path) as (where, stream):
        records = _records(path, where, stream, source)
        places, names = _store(target, source, records, replace=replace, say=say)
    log.info("gazetteer: %s: %d places, %d names imported into %s", path, places, names, target)
    return ImportResult(places, names, source, target)


@contextlib.contextmanager
def _open_text(path: Path) -> Iterator[tuple[str, Iterator[str]]]:
    """Yield ``(where, lines)``: how to name a line in messages, and the text lines."""
    if not path.is_file():
        raise InputError(path, "no such file or directory" if not path.exists() else "not a file")
    is_zip = zipfile.is_zipfile(path)
    if path.suffix.lower() == ".zip" and not is_zip:
        raise InputError(path, "not a zip file")
    try:
        if not is_zip:
            with open(path, "rb") as fh:
                yield "line", _decoded(fh, path, "line")
            return
        with zipfile.ZipFile(path) as zf:
            member = _dump_member(path, zf)
            with zf.open(member) as raw:
                where = f"{member}, line"
                yield where, _decoded(raw, path, where)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as exc:
        raise InputError(path, f"cannot read the zip file: {exc}") from exc
    except OSError as exc:
        if isinstance(exc, GazetteerError):
            raise
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from exc


def _dump_member(path: Path, zf: zipfile.ZipFile) -> str:
    """The one data file in a zip: ``CD.txt`` in ``CD.zip`` (readme files aside)."""
    files = [n for n in zf.namelist() if n.lower().endswith((".txt", ".csv"))
             and not Path(n).name.lower().startswith("readme")]
    same = [n for n in files if Path(n).stem == path.stem]
    if len(same) == 1 or len(files) == 1:
        return (same or files)[0]
    found = ", ".join(sorted(files)) or "none"
    raise InputError(path, f"expected one .txt dump (or .csv) inside the zip, found {found}")


def _decoded(lines: Iterable[bytes], path: Path, where: str) -> Iterator[str]:
    """Decode line by line (a text wrapper decodes in blocks and loses the line)."""
    for n, raw in enumerate(lines, 1):
        try:
            yield raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError:
            raise InputError(path, f"{where} {n}: not UTF-8 text") from None


def _records(path: Path, where: str, lines: Iterator[str], source: str) -> Iterator[_Record]:
    """Tell the format from the first line that is not blank, then read the records."""
    head: list[str] = []
    for line in lines:
        head.append(line)
        if line.strip() and not line.startswith("#"):
            break
    else:
        raise InputError(path, "file is empty")
    first, rest = head[-1], itertools.chain(head, lines)
    if first.count("\t") == _GEONAMES_COLUMNS - 1:
        return _geonames_records(path, where, rest, source)
    delimiter = "\t" if "\t" in first else ","
    header = [c.strip().lower() for c in next(csv.reader([first], delimiter=delimiter))]
    if {"name", "lat", "lon"} <= set(header):
        return _csv_records(path, where, rest, delimiter, source)
    raise InputError(path, f"{where} {len(head)}: neither a GeoNames dump (19 tab-separated"
                           " columns) nor a CSV whose header has name, lat and lon")


def _coordinate(text: str, what: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} should be a number, got {text.strip()!r}") from None
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise ValueError(f"{what} {text.strip()} is out of range (-{limit:g} to {limit:g})")
    return value


def _count(text: str, what: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not text.isdigit():
        raise ValueError(f"{what} should be a whole number >= 0, got {text!r}")
    return int(text)


def _geonames_kind(fclass: str, fcode: str) -> str:
    if fclass == "P":
        return "poi" if fcode in _GONE_PLACES else "city"
    if fclass == "A":
        return {"ADM1": "admin1", "ADM2": "admin2"}.get(
            fcode, "country" if fcode in _COUNTRY_CODES else "poi")
    return "airport" if fclass == "S" and fcode in _AIRPORT_CODES else "poi"


def _geonames_record(cols: list[str], source: str) -> _Record:
    if len(cols) != _GEONAMES_COLUMNS:
        raise ValueError(f"expected {_GEONAMES_COLUMNS} tab-separated columns (a GeoNames dump),"
                         f" got {len(cols)}")
    gid, name, ascii_name, alternates, lat, lon, fclass, fcode, cc, _cc2, admin1 = cols[:11]
    if not gid.isdigit():
        raise ValueError(f"geonameid should be a number, got {gid!r}")
    if not name.strip():
        raise ValueError("the name is empty")
    kind = _geonames_kind(fclass, fcode)
    population = _count(cols[14], "population")
    place = Place(f"gn:{gid}", name.strip(), _coordinate(lat, "latitude", 90),
                  _coordinate(lon, "longitude", 180), kind, cc.strip().upper() or None,
                  admin1.strip() or None, population, source)
    alts = [a for a in alternates.split(",") if a.strip() and not _is_code(a.strip())]
    forms = tuple(f for f in (name, ascii_name, *alts) if any(c.isalpha() for c in f))
    prominence = math.log10(population + 1) if kind == "poi" else None
    return _Record(place, forms, prominence, capital=fcode == "PPLC" and place.country is not None)


def _geonames_records(path: Path, where: str, lines: Iterable[str],
                      source: str) -> Iterator[_Record]:
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        try:
            yield _geonames_record(line.split("\t"), source)
        except ValueError as exc:
            raise InputError(path, f"{where} {n}: {exc}") from None


def _user_id(name: str, country: str | None, lat: float, lon: float) -> str:
    """``user:<slug>-<hash>``: the same name, country and rounded point give the same id."""
    slug = re.sub(r"\W+", "-", name_key(name)).strip("-")[:40] or "place"
    digest = hashlib.sha1(f"{name_key(name)}|{country or ''}|{lat:.3f}|{lon:.3f}".encode())
    return f"user:{slug}-{digest.hexdigest()[:8]}"


def _csv_record(row: dict[str, str], source: str) -> _Record:
    name = row.get("name", "").strip()
    if not name:
        raise ValueError("the name is empty")
    lat = _coordinate(row.get("lat", ""), "lat", 90)
    lon = _coordinate(row.get("lon", ""), "lon", 180)
    country = row.get("country", "").strip().upper() or None
    if country is not None and not re.fullmatch("[A-Z]{2}", country):
        raise ValueError(f"country should be an ISO 3166-1 alpha-2 code such as CD, got {country!r}")
    kind = row.get("kind", "").strip().lower() or "city"
    if kind not in PLACE_KINDS:
        raise ValueError(f"kind should be one of {', '.join(PLACE_KINDS)}, got {kind!r}")
    aliases = [a.strip() for a in re.split("[;|]", row.get("aliases", "")) if a.strip()]
    forms = (name, *aliases)
    if not any(_is_latin(f) and name_key(f) for f in forms):
        raise ValueError(f"{name!r} has no name in Latin script; add one in aliases")
    place = Place(_user_id(name, country, lat, lon), name, lat, lon, kind, country, None,
                  _count(row.get("population", ""), "population"), source)
    return _Record(place, forms)


def _csv_records(path: Path, where: str, lines: Iterable[str], delimiter: str,
                 source: str) -> Iterator[_Record]:
    reader = csv.reader(lines, delimiter=delimiter)
    header: list[str] | None = None
    found = False
    try:
        for cells in reader:
            if not any(c.strip() for c in cells) or cells[0].startswith("#"):
                continue
            if header is None:
                header = _csv_header(cells, path, where, reader.line_num)
                continue
            if len(cells) > len(header):
                raise InputError(path, f"{where} {reader.line_num}: expected {len(header)}"
                                       f" columns, got {len(cells)}")
            try:
                yield _csv_record(dict(zip(header, cells)), source)
            except ValueError as exc:
                raise InputError(path, f"{where} {reader.line_num}: {exc}") from None
            found = True
    except csv.Error as exc:
        raise InputError(path, f"{where} {reader.line_num}: {exc}") from None
    if not found:
        raise InputError(path, "no places after the header")


def _csv_header(cells: list[str], path: Path, where: str, line: int) -> list[str]:
    header = [c.strip().lower() for c in cells]
    unknown = [c for c in header if c not in _CSV_COLUMNS]
    if unknown:
        raise InputError(path, f"{where} {line}: unknown column {unknown[0]!r}"
                               f" (expected {', '.join(_CSV_COLUMNS)})")
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise InputError(path, f"{where} {line}: column {twice[0]!r} appears twice")
    return header


_STORE_INDEXES = """
CREATE INDEX IF NOT EXISTS places_source ON places(source);
CREATE INDEX IF NOT EXISTS places_kind_country ON places(kind, country);
CREATE INDEX IF NOT EXISTS names_place ON names(place_id);
"""


def _open_store(target: Path) -> sqlite3.Connection:
    """Open (creating) ``imports.sqlite``: the built-in tables, plus indexes to replace
    one file's rows and to find imported countries."""
    con = sqlite3.connect(target, isolation_level=None)
    try:
        con.execute("PRAGMA cache_size = -262144")  # 256 MB: a big dump inserts all over the B-trees
        has_meta = con.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
        row = con.execute("SELECT v FROM meta WHERE k = 'imports_schema'").fetchone() \
            if has_meta else None
        if row is None:
            con.executescript(f"BEGIN; {_SCHEMA} INSERT INTO meta VALUES"
                              f" ('imports_schema', '{IMPORTS_SCHEMA}'); COMMIT;")
        elif row[0] != str(IMPORTS_SCHEMA):
            raise GazetteerError(f"{target}: imported places in another layout ({row[0]},"
                                 f" expected {IMPORTS_SCHEMA}); delete the file and import again")
        con.executescript(_STORE_INDEXES)
    except BaseException:
        con.close()
        raise
    return con


def _store(target: Path, source: str, records: Iterable[_Record], *, replace: bool,
           say: Callable[[str], None]) -> tuple[int, int]:
    """Write the records in one transaction, replacing ``source``'s earlier rows (all
    earlier imports when ``replace``); return the place and name counts of ``source``."""
    existed = target.exists()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        con = _open_store(target)
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                _forget(con, None if replace else source)
                _write(con, source, records, say)
                places, names = _counts(con, source)
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:  # SQLite may have rolled back already
                    con.execute("ROLLBACK")
                raise
            con.executescript("PRAGMA analysis_limit = 400; ANALYZE;")
        finally:
            con.close()
    except BaseException as exc:
        if not existed:
            for leftover in (target, target.with_name(target.name + "-journal")):
                leftover.unlink(missing_ok=True)
        if isinstance(exc, (sqlite3.Error, OSError)) and not isinstance(exc, GazetteerError):
            raise GazetteerError(f"{target}: cannot write the imported places: {exc}") from exc
        raise
    return places, names


def _forget(con: sqlite3.Connection, source: str | None) -> None:
    """Delete the rows of one source (every source when ``None``)."""
    if source is None:  # execute, not executescript: that would commit the transaction
        for table in ("names", "capitals", "places"):
            con.execute(f"DELETE FROM {table}")
        return
    ids = "SELECT id FROM places WHERE source = ?"
    con.execute(f"DELETE FROM names WHERE place_id IN ({ids})", (source,))
    con.execute(f"DELETE FROM capitals WHERE place_id IN ({ids})", (source,))
    con.execute("DELETE FROM places WHERE source = ?", (source,))


def _write(con: sqlite3.Connection, source: str, records: Iterable[_Record],
           say: Callable[[str], None]) -> None:
    w = _Writer(con)
    capitals: list[tuple[str, str]] = []
    for n, rec in enumerate(records, 1):
        place = rec.place
        w.place(place, rec.prominence)
        for form in rec.forms:
            w.name(form, place.id)
        if rec.capital:
            capitals.append((place.country, place.id))
        if n % _FLUSH_EVERY == 0:
            _flush(w, source, capitals)
        if n % _SAY_EVERY == 0:
            say(f"{source[len('import:'):]}: {n:,} places read")
    _flush(w, source, capitals)


def _flush(w: _Writer, source: str, capitals: list[tuple[str, str]]) -> None:
    """Write the pending rows; a place taken over from another import loses its names."""
    ids = [row[0] for row in w.places]
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        w.con.execute(f"DELETE FROM names WHERE place_id IN (SELECT id FROM places WHERE id IN"
                      f" ({','.join('?' * len(chunk))}) AND source != ?)", (*chunk, source))
    w.flush()
    w.con.executemany("INSERT OR REPLACE INTO capitals VALUES (?, ?)", capitals)
    capitals.clear()


def _counts(con: sqlite3.Connection, source: str) -> tuple[int, int]:
    places = con.execute("SELECT COUNT(*) FROM places WHERE source = ?", (source,)).fetchone()[0]
    names = con.execute("SELECT COUNT(*) FROM names WHERE place_id IN"
                        " (SELECT id FROM places WHERE source = ?)", (source,)).fetchone()[0]
    return places, names
