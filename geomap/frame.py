"""Events -> GeoDataFrame, its column schema, validation, and GeoJSON export.

The schema below is the contract between extraction and every consumer (map, exports,
other tools).  :func:`validate_frame` checks it before render and export.

This module is the one place where ``(lat, lon)`` pairs become shapely ``(x=lon, y=lat)``.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point, mapping

from .errors import ValidationError
from .models import PRECISIONS, Event

CRS = "EPSG:4326"

#: (column, python type(s), nullable, description)
SCHEMA: tuple[tuple[str, tuple[type, ...], bool, str], ...] = (
    ("id", (str,), False, "stable event id: document id + sentence offset + type + place"),
    ("event_type", (str,), False, "layer id (meeting, control, supply_route, clash, humanitarian, ceasefire, ...)"),
    ("place", (str,), False, "the place name as written in the article"),
    ("date", (str,), True, "ISO date YYYY-MM-DD of the event, or null when the text gives none"),
    ("date_text", (str,), True, "the words the date was read from"),
    ("actors", (list,), False, "actors named in the evidence sentence (people, organisations, groups)"),
    ("source", (str,), False, "the input file's name"),
    ("evidence", (str,), False, "the sentence that reports the event"),
    ("doc_id", (str,), False, "stable document id"),
    ("start", (int,), False, "character offset of the evidence sentence in the document text"),
    ("end", (int,), False, "end offset (exclusive) of the evidence sentence"),
    ("confidence", (float,), False, "0..1, how sure the extraction is"),
    ("precision", (str,), False, "exact, near, admin1, country or inferred"),
    ("inferred", (bool,), False, "true when the location is inferred, not written (e.g. a call between capitals)"),
    ("place_start", (int,), True, "character offset of the place name in the document text (null when inferred)"),
    ("place_end", (int,), True, "end offset (exclusive) of the place name"),
    ("place_id", (str,), True, "gazetteer id of the resolved place"),
    ("country", (str,), True, "ISO 3166-1 alpha-2 code of the place"),
    ("mentions", (int,), False, "how many sentences of the document report this event"),
    ("url", (str,), True, "the article's http(s) URL from its front matter"),
    ("title", (str,), True, "the article's title"),
    ("note", (str,), True, "how the location was chosen, when not obvious"),
    ("sub_event_type", (str,), True, "finer event type (ACLED's sub_event_type of imported events); null from text"),
    ("time_precision", (int,), False, "ACLED's time precision: 1 the day is known, 2 the week, 3 the month or coarser (or no date)"),
    ("merged_id", (str,), False, "id of the event as reported across articles (geomap.merge); its own id when no other article reports it"),
    ("corroboration", (int,), False, "how many distinct sources report the event"),
    ("sources", (list,), False, "the distinct sources reporting the event, sorted"),
    ("evidences", (list,), False, "the evidence sentence of every report of the event, in the order of sources"),
    ("contradicts", (list,), False, "merged ids of events that contradict this one (another holder of the place that day)"),
)
COLUMNS = tuple(name for name, *_ in SCHEMA)


_DAY_WORDS = re.compile(r"\b(\d{1,2}(st|nd|rd|th)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                        r"yesterday|today|tonight|day)\b", re.IGNORECASE)
_WEEK_WORDS = re.compile(r"\b(week|weekend)\b", re.IGNORECASE)


def time_precision(date, date_text: str | None) -> int:
    """ACLED's time_precision of a text-derived date: 1 a day, 2 a week, 3 a month or coarser, or no date."""
    if not date:
        return 3
    if not date_text or _DAY_WORDS.search(date_text):
        return 1
    return 2 if _WEEK_WORDS.search(date_text) else 3


def _geometry(coords: tuple[tuple[float, float], ...]):
    # the single (lat, lon) -> (lon, lat) flip of the code base
    if len(coords) == 1:
        lat, lon = coords[0]
        return Point(lon, lat)
    return LineString([(lon, lat) for lat, lon in coords])


def events_to_frame(events: Iterable[Event], extra: Mapping[str, Mapping] | None = None) -> gpd.GeoDataFrame:
    """Build the events GeoDataFrame (EPSG:4326) in the documented schema, sorted by id.

    ``extra`` maps event ids to values of further columns (for example the cross-article
    links of :func:`geomap.merge.link_reports`); without it an event stands alone.
    """
    extra = extra or {}
    rows, geoms = [], []
    for ev in sorted(events, key=lambda e: e.id):
        rows.append({
            "id": ev.id,
            "event_type": ev.event_type,
            "place": ev.place,
            "date": ev.date.isoformat() if ev.date else None,
            "date_text": ev.date_text,
            "actors": list(ev.actors),
            "source": ev.source,
            "evidence": ev.evidence,
            "doc_id": ev.doc_id,
            "start": int(ev.start),
            "end": int(ev.end),
            "confidence": float(round(ev.confidence, 3)),
            "precision": ev.precision,
            "inferred": bool(ev.inferred),
            "place_start": ev.place_start,
            "place_end": ev.place_end,
            "place_id": ev.place_id,
            "country": ev.country,
            "mentions": int(ev.mentions),
            "url": ev.url,
            "title": ev.title,
            "note": ev.note,
            "sub_event_type": None,
            "time_precision": time_precision(ev.date, ev.date_text),
            "merged_id": ev.id,
            "corroboration": 1,
            "sources": [ev.source],
            "evidences": [ev.evidence],
            "contradicts": [],
            **extra.get(ev.id, {}),
        })
        geoms.append(_geometry(ev.coords))
    frame = gpd.GeoDataFrame(rows, columns=list(COLUMNS), geometry=geoms, crs=CRS)
    for name, types, nullable, _ in SCHEMA:  # keep nullable integers as int/None, not float/NaN
        if nullable and types == (int,):
            frame[name] = pd.Series([row[name] for row in rows], index=frame.index, dtype=object)
    return frame


def _check_coords(geom, row_id: str) -> None:
    for lon, lat in geom.coords:
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError(f"event {row_id!r}: coordinate ({lat}, {lon}) is not a valid WGS84 point")


def validate_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Check ``frame`` against :data:`SCHEMA`; raise :class:`ValidationError` naming the row and column."""
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise ValidationError(f"events frame must be in EPSG:4326, got {frame.crs!r}")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError(f"events frame lacks column(s): {', '.join(missing)}")
    if frame["id"].duplicated().any():
        dup = frame.loc[frame["id"].duplicated(), "id"].iloc[0]
        raise ValidationError(f"events frame has duplicate id {dup!r}")
    ids = frame["id"].tolist()
    for name, types, nullable, _ in SCHEMA:  # column by column: .tolist() gives Python values fast
        for rid, value in zip(ids, frame[name].tolist()):
            if value is None or (isinstance(value, float) and math.isnan(value) and float not in types):
                if not nullable:
                    raise ValidationError(f"event {rid!r}: column {name!r} must not be null")
                continue
            if isinstance(value, bool) and bool not in types:
                raise ValidationError(f"event {rid!r}: column {name!r} should be {types[0].__name__}, got bool")
            if not isinstance(value, types) and not (float in types and isinstance(value, int)):
                raise ValidationError(
                    f"event {rid!r}: column {name!r} should be {types[0].__name__}, got {type(value).__name__}")
    for rid, precision, confidence in zip(ids, frame["precision"].tolist(), frame["confidence"].tolist()):
        if precision not in PRECISIONS:
            raise ValidationError(f"event {rid!r}: 'precision' should be one of {', '.join(PRECISIONS)}, got {precision!r}")
        if not 0.0 <= confidence <= 1.0:
            raise ValidationError(f"event {rid!r}: 'confidence' should be within 0..1, got {confidence}")
    for rid, geom in zip(ids, frame.geometry.values):
        if geom is None or geom.is_empty or geom.geom_type not in ("Point", "LineString"):
            raise ValidationError(f"event {rid!r}: geometry should be a Point or LineString")
        _check_coords(geom, rid)
    return frame


def plain(value):
    """A frame cell as a plain Python value: None when missing (None, NaN, ``pd.NA``,
    ``NaT``), numpy scalars unwrapped, anything else as it is."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def frame_to_geojson(frame: gpd.GeoDataFrame) -> dict:
    """The RFC 7946 FeatureCollection for ``frame`` (no ``crs`` member, ``[lon, lat]``, 6 decimals)."""
    validate_frame(frame)
    features = []
    for row in frame.itertuples(index=False):
        props = {name: plain(getattr(row, name)) for name in COLUMNS if name != "id"}
        for name in ("actors", "sources", "evidences", "contradicts"):
            props[name] = list(props[name])
        geom = mapping(row.geometry)
        geom = {"type": geom["type"], "coordinates": _round(geom["coordinates"])}
        features.append({"type": "Feature", "id": row.id, "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def _round(coords):
    if isinstance(coords[0], (int, float)):
        return [round(float(c), 6) for c in coords]
    return [_round(c) for c in coords]


def dumps_geojson(frame: gpd.GeoDataFrame) -> str:
    """Serialise deterministically: sorted features, fixed key order, UTF-8 text."""
    return json.dumps(frame_to_geojson(frame), ensure_ascii=False, indent=1) + "\n"
