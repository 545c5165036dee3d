"""Event files -> the events frame: ACLED-style CSV, GeoJSON from geomap or elsewhere, and
every format geomap writes (GeoPackage, KML, GeoParquet, CSV).

Imported events join the text-derived ones in ``geomap build`` and are the input of
``geomap export``.  Column names are matched case-insensitively through :data:`ALIASES`
(geomap's own names, ACLED's and common GeoJSON property names); ``docs/formats.md``
lists what maps to what.  A row that cannot be read stops the import with one line
naming the file and the row: ``Error: events.csv: line 7: 'latitude' should be a number, got 'abc'``.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import itertools
import json
import logging
import math
import re
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point, shape

from .errors import InputError
from .frame import COLUMNS, CRS, SCHEMA, time_precision
from .models import PRECISIONS

log = logging.getLogger("geomap")

#: file extensions read as event files when named as inputs of ``geomap build``
EVENT_SUFFIXES = (".csv", ".geojson", ".json", ".gpkg", ".kml", ".parquet")

#: frame column -> accepted input names, first match wins (case-insensitive)
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "event_id", "event_id_cnty"),
    "event_type": ("event_type", "type", "category", "layer"),
    "sub_event_type": ("sub_event_type", "subtype"),
    "place": ("place", "location", "name", "place_name", "admin2", "admin1", "country_name"),
    "date": ("date", "event_date", "when", "timestamp", "datetime", "time"),
    "date_text": ("date_text",),
    "source": ("source", "source_file"),
    "evidence": ("evidence", "notes", "description", "summary", "text"),
    "doc_id": ("doc_id",),
    "start": ("start", "evidence_start"),
    "end": ("end", "evidence_end"),
    "confidence": ("confidence",),
    "precision": ("precision",),
    "inferred": ("inferred",),
    "place_start": ("place_start",),
    "place_end": ("place_end",),
    "place_id": ("place_id",),
    "country": ("country_code", "iso2", "iso", "country"),
    "mentions": ("mentions",),
    "url": ("url", "source_url", "link"),
    "title": ("title",),
    "note": ("note", "location_note"),
    "time_precision": ("time_precision",),
    "geo_precision": ("geo_precision",),
    "merged_id": ("merged_id",),
    "corroboration": ("corroboration",),
    "sources": ("sources",),
    "evidences": ("evidences",),
    "contradicts": ("contradicts",),
}
LAT_NAMES = ("lat", "latitude", "y")
LON_NAMES = ("lon", "lng", "long", "longitude", "x")

#: ACLED sub-event types that name a geomap layer of their own
ACLED_SUB_EVENTS = {
    "government regains territory": "control",
    "non-state actor overtakes territory": "control",
    "non-violent transfer of territory": "control",
    "headquarters or base established": "control",
    "agreement": "ceasefire",
}
#: ACLED event types -> geomap layer ids (others keep a slug of their name, drawn in grey)
ACLED_EVENTS = {
    "battles": "clash",
    "explosions/remote violence": "clash",
    "violence against civilians": "clash",
    "riots": "clash",
    "protests": "protest",
    "strategic developments": "strategic_development",
}
_GEO_PRECISION = {1: "exact", 2: "near", 3: "admin1"}
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%m-%Y", "%d/%m/%Y", "%B %d, %Y", "%Y/%m/%d")
_SLUG = re.compile(r"[^a-z0-9]+")


def is_event_file(path: Path | str) -> bool:
    """Whether ``path`` is a file that :func:`read_events` reads (by extension)."""
    path = Path(path)
    return path.is_file() and path.suffix.lower() in EVENT_SUFFIXES


def split_inputs(inputs: Iterable[Path | str]) -> tuple[list[Path | str], list[Path]]:
    """(article inputs, event files): event files are files named with an :data:`EVENT_SUFFIXES` extension."""
    articles, event_files = [], []
    for item in inputs:
        (event_files if is_event_file(item) else articles).append(Path(item) if is_event_file(item) else item)
    return articles, event_files


# ---------------------------------------------------------------- values


def _blank(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value) -> str | None:
    if _blank(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value, name: str) -> float | None:
    if _blank(value):
        return None
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name!r} should be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name!r} should be a finite number, got {value!r}")
    return number


def _int(value, name: str) -> int | None:
    number = _number(value, name)
    if number is None:
        return None
    if not number.is_integer():
        raise ValueError(f"{name!r} should be a whole number, got {value!r}")
    return int(number)


def _bool(value, name: str) -> bool | None:
    if _blank(value):
        return None
    if isinstance(value, bool) or hasattr(value, "dtype"):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "y", "t"):
        return True
    if text in ("false", "0", "no", "n", "f"):
        return False
    raise ValueError(f"{name!r} should be true or false, got {value!r}")


def parse_date(value, name: str = "date") -> str | None:
    """An ISO ``YYYY-MM-DD`` for a date written ISO, ``15 March 2024``, ``15-03-2024`` (ACLED) and the like."""
    if _blank(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    iso = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$", text)
    if iso:
        try:
            return dt.date.fromisoformat(iso.group(1)).isoformat()
        except ValueError:
            raise ValueError(f"{name!r} is not a valid date, got {value!r}") from None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"{name!r} should be a date like 2025-02-21 or 21 February 2025, got {value!r}")


def _country(value) -> str | None:
    text = _text(value)
    return None if text is None else _country_code(text)


@functools.lru_cache(maxsize=1024)
def _country_code(text: str) -> str | None:
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return text.upper()
    import pycountry

    try:
        if text.isdigit():
            found = pycountry.countries.get(numeric=text.zfill(3))
        else:
            found = pycountry.countries.lookup(text)
    except LookupError:
        found = None
    if found is None and not text.isdigit():
        try:
            found = pycountry.countries.search_fuzzy(text)[0]
        except LookupError:
            found = None
    return found.alpha_2 if found is not None else None


def layer_id(event_type: str, sub_event_type: str | None = None) -> str:
    """geomap's layer id for an event type: ACLED's types are mapped, others slugged (``Armed clash`` -> ``armed_clash``)."""
    if sub_event_type and sub_event_type.strip().lower() in ACLED_SUB_EVENTS:
        return ACLED_SUB_EVENTS[sub_event_type.strip().lower()]
    key = event_type.strip().lower()
    if key in ACLED_EVENTS:
        return ACLED_EVENTS[key]
    return _SLUG.sub("_", key).strip("_") or "event"


# ---------------------------------------------------------------- rows


def _pick(record: dict, column: str):
    for name in ALIASES[column]:
        if name in record and not _blank(record[name]):
            return record[name]
    return None


def _list(value) -> list[str]:
    """A list cell: a list (GeoJSON, Parquet) or ``"a; b"`` text (CSV, GeoPackage)."""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        return [str(v).strip() for v in (value.tolist() if hasattr(value, "tolist") else value) if str(v).strip()]
    text = _text(value)
    return [v.strip() for v in text.split(";") if v.strip()] if text else []


def _actors(record: dict) -> list[str]:
    value = record.get("actors")
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = [str(a).strip() for a in (value.tolist() if hasattr(value, "tolist") else value)]
    elif not _blank(value):
        items = [a.strip() for a in str(value).split(";")]
    else:
        items = []
        for name in ("actor1", "actor2", "other_actors", "assoc_actor_1", "assoc_actor_2", "actor"):
            text = _text(record.get(name))
            if text:
                items += [a.strip() for a in text.split(";")]
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def _geometry(record: dict, geometry):
    if geometry is not None and not getattr(geometry, "is_empty", True):
        kind = geometry.geom_type
        if kind in ("Point", "LineString"):
            if kind == "Point":
                return Point(geometry.x, geometry.y), None
            return LineString([c[:2] for c in geometry.coords]), None
        return geometry.representative_point(), f"representative point of a {kind}"
    wkt = _text(record.get("geometry_wkt"))
    if wkt:
        from shapely import wkt as shapely_wkt

        try:
            return _geometry({}, shapely_wkt.loads(wkt))
        except Exception:  # shapely raises its own GEOSException
            raise ValueError(f"'geometry_wkt' is not valid WKT: {wkt[:40]!r}") from None
    lat = next((_number(record[n], n) for n in LAT_NAMES if not _blank(record.get(n))), None)
    lon = next((_number(record[n], n) for n in LON_NAMES if not _blank(record.get(n))), None)
    if lat is None or lon is None:
        raise ValueError("no geometry and no latitude/longitude")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"coordinate ({lat}, {lon}) is not a valid WGS84 point")
    return Point(lon, lat), None


def record_to_row(record: dict, geometry, *, default_source: str, default_doc: str) -> tuple[dict, object]:
    """One input record (any alias names, keys lower-cased) -> (frame row, geometry); raise ``ValueError``."""
    geom, geom_note = _geometry(record, geometry)
    raw_type = _text(_pick(record, "event_type"))
    sub = _text(_pick(record, "sub_event_type"))
    event_type = layer_id(raw_type, sub) if raw_type else (layer_id("", sub) if sub else "event")
    precision = _text(_pick(record, "precision"))
    if precision is not None and precision not in PRECISIONS:
        raise ValueError(f"'precision' should be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision is None:
        geo = _int(_pick(record, "geo_precision"), "geo_precision")
        precision = _GEO_PRECISION.get(geo, "admin1" if geo else "exact")
    confidence = _number(_pick(record, "confidence"), "confidence")
    if confidence is not None and not 0 <= confidence <= 1:
        raise ValueError(f"'confidence' should be within 0..1, got {confidence}")
    date = parse_date(_pick(record, "date"), "date")
    tp = _int(_pick(record, "time_precision"), "time_precision")
    if tp is not None and tp not in (1, 2, 3):
        raise ValueError(f"'time_precision' should be 1, 2 or 3, got {tp}")
    date_text = _text(_pick(record, "date_text"))
    lat, lon = geom.coords[0][1], geom.coords[0][0]
    place = _text(_pick(record, "place")) or f"{lat:.4f}, {lon:.4f}"
    note = _text(_pick(record, "note")) or geom_note
    row = {
        "id": _text(_pick(record, "id")),
        "event_type": event_type,
        "place": place,
        "date": date,
        "date_text": date_text,
        "actors": _actors(record),
        "source": _text(_pick(record, "source")) or default_source,
        "evidence": _text(_pick(record, "evidence")) or "",
        "doc_id": _text(_pick(record, "doc_id")) or default_doc,
        "start": _int(_pick(record, "start"), "start") or 0,
        "end": _int(_pick(record, "end"), "end") or 0,
        "confidence": 1.0 if confidence is None else round(confidence, 3),
        "precision": precision,
        "inferred": bool(_bool(_pick(record, "inferred"), "inferred")),
        "place_start": _int(_pick(record, "place_start"), "place_start"),
        "place_end": _int(_pick(record, "place_end"), "place_end"),
        "place_id": _text(_pick(record, "place_id")),
        "country": _country(_pick(record, "country")),
        "mentions": _int(_pick(record, "mentions"), "mentions") or 1,
        "url": _text(_pick(record, "url")),
        "title": _text(_pick(record, "title")),
        "note": note,
        "sub_event_type": sub,
        "time_precision": tp if tp is not None else time_precision(date, date_text),
    }
    # reports of one event across articles (geomap.merge); a lone report is its own event
    row["merged_id"] = _text(_pick(record, "merged_id"))
    row["sources"] = _list(_pick(record, "sources")) or [row["source"]]
    row["evidences"] = _list(_pick(record, "evidences")) or [row["evidence"]]
    row["corroboration"] = _int(_pick(record, "corroboration"), "corroboration") or len(set(row["sources"]))
    row["contradicts"] = _list(_pick(record, "contradicts"))
    return row, geom


def _row_id(row: dict, geom, stem: str) -> str:
    content = json.dumps([row["event_type"], row["place"], row["date"], row["actors"], row["evidence"],
                          [list(c) for c in geom.coords]], ensure_ascii=False)
    return f"{stem}-{hashlib.sha1(content.encode('utf-8')).hexdigest()[:10]}"


def rows_to_frame(items: Iterable[tuple[str, dict, object]], path: Path) -> gpd.GeoDataFrame:
    """Build the events frame from ``(row label, record, geometry)`` items; errors name ``path`` and the row."""
    rows, geoms, seen = [], [], {}
    stem = re.sub(r"[^\w.-]+", "-", path.stem) or "events"
    for label, record, geometry in items:
        record = {str(k).strip().lower(): v for k, v in record.items()}
        try:
            row, geom = record_to_row(record, geometry, default_source=path.name, default_doc=stem)
        except ValueError as exc:
            raise InputError(path, f"{label}: {exc}") from None
        row["id"] = row["id"] or _row_id(row, geom, stem)
        row["merged_id"] = row["merged_id"] or row["id"]
        if row["id"] in seen:
            raise InputError(path, f"{label}: duplicate event id {row['id']!r} (first at {seen[row['id']]})")
        seen[row["id"]] = label
        rows.append(row)
        geoms.append(geom)
    return make_frame(rows, geoms)


def make_frame(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
    """The events frame (sorted by id, schema column order) for rows in :data:`~geomap.frame.SCHEMA` shape."""
    order = sorted(range(len(rows)), key=lambda i: rows[i]["id"])
    rows, geoms = [rows[i] for i in order], [geoms[i] for i in order]
    frame = gpd.GeoDataFrame(rows, columns=list(COLUMNS), geometry=geoms, crs=CRS)
    for name, types, nullable, _ in SCHEMA:
        if nullable and types == (int,):  # as events_to_frame: nullable integers stay int/None
            frame[name] = pd.Series([row[name] for row in rows], index=frame.index, dtype=object)
    return frame


# ---------------------------------------------------------------- formats


def _hxl_key(tag: str) -> tuple[str, frozenset[str]]:
    parts = [p.strip().lower() for p in tag.replace("+", " +").split()]
    return (parts[0] if parts else ""), frozenset(p for p in parts[1:])


def _hxl_header(header: list[str], tags: list[str]) -> list[str]:
    """Rename columns whose names geomap does not know but whose HXL hashtag it does
    (geomap's own tags, and HDX's tags of ACLED data: ``#geo+lat``, ``#event+type``, ...)."""
    from .exports import COLUMNS as FLAT

    known = {name for names in ALIASES.values() for name in names} | set(LAT_NAMES) | set(LON_NAMES) \
        | {"actors", "actor1", "actor2", "other_actors", "assoc_actor_1", "assoc_actor_2", "geometry_wkt"}
    by_tag = {_hxl_key(tag): name for name, tag, _ in FLAT} | {_hxl_key("#geo+wkt"): "geometry_wkt"}
    by_tag |= {_hxl_key(t): n for t, n in (("#date", "event_date"), ("#adm1+name", "admin1"),
                                           ("#country+name", "country"), ("#group+name+first+assoc", "assoc_actor_1"),
                                           ("#group+name+second+assoc", "assoc_actor_2"))}
    out = []
    for name, tag in zip(header, tags + [""] * (len(header) - len(tags))):
        mapped = by_tag.get(_hxl_key(tag)) if tag.strip() and name not in known else None
        out.append(mapped if mapped and mapped not in header else name)
    return out


def _read_csv(path: Path) -> gpd.GeoDataFrame:
    from .exports import FORMULA_START

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252", errors="replace")
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise InputError(path, "file is empty")
    header = [h.strip().lower() for h in header]
    first = next(reader, None)
    if first is not None and all(not v.strip() or v.strip().startswith("#") for v in first):
        header = _hxl_header(header, first)  # the HXL hashtag row: columns named by their hashtag
        first = None

    def items():
        rows = reader if first is None else itertools.chain([first], reader)
        for values in rows:
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header):
                raise InputError(path, f"line {reader.line_num}: {len(values)} cells, the header has {len(header)}")
            values = [v[1:] if v.startswith("'") and v[1:].startswith(FORMULA_START) else v for v in values]
            yield f"line {reader.line_num}", dict(zip(header, values)), None

    try:
        return rows_to_frame(items(), path)
    except csv.Error as exc:
        raise InputError(path, f"line {reader.line_num}: {exc}") from None


def _read_geojson(path: Path) -> gpd.GeoDataFrame:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise InputError(path, "not a GeoJSON FeatureCollection")

    def items():
        for i, feature in enumerate(data["features"]):
            label = f"feature {i}"
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise InputError(path, f"{label}: not a GeoJSON Feature")
            props = dict(feature.get("properties") or {})
            if "id" in feature and feature["id"] is not None:
                props.setdefault("id", feature["id"])
            try:
                geom = shape(feature["geometry"]) if feature.get("geometry") else None
            except Exception as exc:  # shapely's errors for malformed geometry
                raise InputError(path, f"{label}: invalid geometry: {exc}") from None
            yield label, props, geom

    return rows_to_frame(items(), path)


def _read_gdal(path: Path) -> gpd.GeoDataFrame:
    import pyogrio

    try:
        layers = [name for name, _ in pyogrio.list_layers(path) if name != "places"]
        parts = []
        for name in layers:
            part = pyogrio.read_dataframe(path, layer=name)
            part["_layer"] = name
            parts.append(part)
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise InputError(path, f"cannot read with GDAL: {exc}") from None
    if not parts:
        raise InputError(path, "no event tables")
    table = pd.concat(parts, ignore_index=True)
    return _from_table(table, path)


def _read_parquet(path: Path) -> gpd.GeoDataFrame:
    try:
        table = gpd.read_parquet(path)
    except Exception as exc:  # pyarrow's errors
        raise InputError(path, f"cannot read GeoParquet: {exc}") from None
    return _from_table(table, path)


def _from_table(table: pd.DataFrame, path: Path) -> gpd.GeoDataFrame:
    geometry = table.geometry if isinstance(table, gpd.GeoDataFrame) else [None] * len(table)
    if isinstance(table, gpd.GeoDataFrame) and table.crs is not None and table.crs.to_epsg() != 4326:
        geometry = table.geometry.to_crs(CRS)
    columns = [c for c in table.columns if c != getattr(table, "_geometry_column_name", None)]
    records = table[columns].to_dict("records")
    return rows_to_frame(((f"row {i + 1}", rec, geom) for i, (rec, geom) in enumerate(zip(records, geometry))), path)


def read_events(path: Path | str) -> gpd.GeoDataFrame:
    """Read an event file into the events frame (validated), by extension:
    ``.csv`` (geomap's CSV or ACLED's export), ``.geojson``/``.json`` (a FeatureCollection),
    ``.gpkg``, ``.kml``, ``.parquet``."""
    from .frame import validate_frame

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = _read_csv(path)
    elif suffix in (".geojson", ".json"):
        frame = _read_geojson(path)
    elif suffix in (".gpkg", ".kml"):
        frame = _read_gdal(path)
    elif suffix == ".parquet":
        frame = _read_parquet(path)
    else:
        raise InputError(path, f"not an event file ({', '.join(EVENT_SUFFIXES)})")
    try:
        return validate_frame(frame)
    except ValueError as exc:
        raise InputError(path, str(exc)) from None


def merge(frame: gpd.GeoDataFrame, others: Iterable[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """``frame`` plus the imported frames; an event whose id is already present is skipped with a warning."""
    frames = [frame, *others]
    if len(frames) == 1:
        return frame
    rows, geoms, seen = [], [], set()
    for part in frames:
        for rec, geom in zip(part[list(COLUMNS)].to_dict("records"), part.geometry):
            if rec["id"] in seen:
                log.warning("event %r appears twice among the inputs; kept the first", rec["id"])
                continue
            seen.add(rec["id"])
            rec = {k: (None if _blank(v) and not isinstance(v, (list, str)) else v) for k, v in rec.items()}
            for name in ("actors", "sources", "evidences", "contradicts"):
                rec[name] = list(rec[name])
            rows.append(rec)
            geoms.append(geom)
    return make_frame(rows, geoms)
