"""Curation: a YAML file of hand corrections, re-applied to the events frame on every build.

::

    move:      # put events somewhere else (they become points there)
      - place: Kavumu            # every event at this place name (case-insensitive) ...
        lat: -2.3086
        lon: 28.8092
        name: Kavumu Airport     # optional: new place name
      - id: drc-ceasefire-calls-009c343b-44763c78e5   # ... or one event by id (both: both must match)
        lat: -1.58
        lon: 29.05
    drop:      # remove events
      - id: drc-ceasefire-calls-009c343b-166081ed7a
    retype:    # change the event type (layer)
      - place: Goma Airport
        to: humanitarian
    add:       # events no article reports
      - event_type: clash
        place: Sake
        lat: -1.5736
        lon: 29.0453
        date: 2025-02-03         # optional, like every key below
        actors: [M23, FARDC]
        evidence: Heavy fighting reported by a field team.
        source: field report
        id: sake-2025-02-03      # default: a stable id from the content

Selectors (``id``, ``place``, ``event_type`` in move/drop/retype) must all match.
Sections are applied in the order drop, retype, move, add.  An entry that matches no
event is reported as stale (the article changed, or the event was already fixed).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import yaml
from shapely.geometry import Point

from .errors import InputError
from .frame import COLUMNS, plain, time_precision
from .models import PRECISIONS

SECTIONS = ("drop", "retype", "move", "add")
_SELECTORS = ("id", "place", "event_type")
_KEYS = {
    "drop": set(_SELECTORS),
    "retype": set(_SELECTORS) | {"to"},
    "move": set(_SELECTORS) | {"lat", "lon", "name", "precision"},
    "add": {"id", "event_type", "place", "lat", "lon", "date", "actors", "evidence", "source", "url",
            "title", "country", "precision", "confidence", "sub_event_type", "note"},
}


@dataclass(frozen=True)
class Override:
    """One entry of an overrides file."""

    action: str  # drop, retype, move or add
    number: int  # 1-based position in its section
    data: dict

    def label(self) -> str:
        keys = ("id", "place", "event_type") if self.action != "add" else ("id", "place")
        what = ", ".join(f"{k} {self.data[k]!r}" for k in keys if self.data.get(k) is not None)
        return f"{self.action} #{self.number}" + (f" ({what})" if what else "")


@dataclass
class OverrideReport:
    """What :func:`apply_overrides` did: ``applied`` lines and ``stale`` entries (matched nothing)."""

    path: Path
    applied: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def _number(value, key: str, low: float, high: float, where: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise InputError(path, f"{where}: '{key}' should be a number within {low:g}..{high:g}, got {value!r}")
    return float(value)


def _str(value, key: str, where: str, path: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(path, f"{where}: '{key}' should be a non-empty string, got {value!r}")
    return value.strip()


def _check(action: str, number: int, item, path: Path) -> Override:
    where = f"{action} #{number}"
    if not isinstance(item, dict):
        raise InputError(path, f"{where}: should be a mapping of keys, got {type(item).__name__}")
    unknown = sorted(set(map(str, item)) - _KEYS[action])
    if unknown:
        raise InputError(path, f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
                               f"known: {', '.join(sorted(_KEYS[action]))}")
    data = dict(item)
    for key in ("id", "place", "event_type", "name", "to", "evidence", "source", "url", "title", "country",
                "sub_event_type", "note"):
        if key in data:
            data[key] = _str(data[key], key, where, path)
    if action != "add" and not any(k in data for k in _SELECTORS):
        raise InputError(path, f"{where}: needs 'id', 'place' or 'event_type' to say which events")
    required = {"retype": ("to",), "move": ("lat", "lon"), "add": ("event_type", "place", "lat", "lon")}
    for key in required.get(action, ()):
        if key not in data:
            raise InputError(path, f"{where}: '{key}' is required")
    if "lat" in data:
        data["lat"] = _number(data["lat"], "lat", -90, 90, where, path)
    if "lon" in data:
        data["lon"] = _number(data["lon"], "lon", -180, 180, where, path)
    if "confidence" in data:
        data["confidence"] = _number(data["confidence"], "confidence", 0, 1, where, path)
    if "precision" in data and data["precision"] not in PRECISIONS:
        raise InputError(path, f"{where}: 'precision' should be one of {', '.join(PRECISIONS)}, got {data['precision']!r}")
    if "date" in data:
        from .importers import parse_date

        try:
            data["date"] = parse_date(data["date"], "date")
        except ValueError as exc:
            raise InputError(path, f"{where}: {exc}") from None
    if "actors" in data:
        actors = data["actors"]
        if isinstance(actors, str):
            actors = [actors]
        if not isinstance(actors, list) or not all(isinstance(a, str) and a.strip() for a in actors):
            raise InputError(path, f"{where}: 'actors' should be a list of names")
        data["actors"] = [a.strip() for a in actors]
    return Override(action, number, data)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice (YAML would keep the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _DuplicateKey(Exception):
    def __init__(self, key, line: int):
        super().__init__(key, line)
        self.key, self.line = key, line


def load_overrides(path: Path | str) -> list[Override]:
    """Read and check an overrides file; raise :class:`~geomap.errors.InputError` (one line) on any problem."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a safe loader)
    except _DuplicateKey as exc:
        raise InputError(path, f"line {exc.line}: {exc.key!r} is given twice") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, "invalid YAML" + (f" at line {mark.line + 1}" if mark else "")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if data is None:
        return []
    if not isinstance(data, dict):
        raise InputError(path, f"should hold a mapping with sections {', '.join(SECTIONS)}")
    unknown = sorted(set(map(str, data)) - set(SECTIONS))
    if unknown:
        raise InputError(path, f"unknown section(s) {', '.join(map(repr, unknown))}; known: {', '.join(SECTIONS)}")
    out = []
    for action in SECTIONS:
        items = data.get(action) or []
        if not isinstance(items, list):
            raise InputError(path, f"'{action}' should be a list of entries")
        out += [_check(action, i, item, path) for i, item in enumerate(items, 1)]
    return out


def _matches(row: dict, data: dict) -> bool:
    if "id" in data and row["id"] != data["id"]:
        return False
    if "place" in data and row["place"].casefold() != data["place"].casefold():
        return False
    return not ("event_type" in data and row["event_type"] != data["event_type"])


def _added(data: dict, source: str) -> tuple[dict, Point]:
    content = json.dumps({k: data[k] for k in sorted(data)}, ensure_ascii=False, default=str)
    row = {name: None for name in COLUMNS}
    row.update({
        "id": data.get("id") or "override-" + hashlib.sha1(content.encode("utf-8")).hexdigest()[:10],
        "event_type": data["event_type"], "place": data["place"], "date": data.get("date"),
        "actors": list(data.get("actors", [])), "source": data.get("source", source),
        "evidence": data.get("evidence", ""), "doc_id": "overrides", "start": 0, "end": 0,
        "confidence": data.get("confidence", 1.0), "precision": data.get("precision", "exact"),
        "inferred": False, "country": data.get("country"), "mentions": 1, "url": data.get("url"),
        "title": data.get("title"), "note": data.get("note", f"added by {source}"),
        "sub_event_type": data.get("sub_event_type"), "time_precision": time_precision(data.get("date"), None),
    })
    row.update(merged_id=row["id"], corroboration=1, sources=[row["source"]], evidences=[row["evidence"]],
               contradicts=[])
    return row, Point(data["lon"], data["lat"])


def apply_overrides(frame: gpd.GeoDataFrame, overrides: list[Override], path: Path | str) -> tuple[gpd.GeoDataFrame, OverrideReport]:
    """Apply ``overrides`` (from :func:`load_overrides`) to the events frame; return the new frame and a report."""
    from .importers import make_frame

    path = Path(path)
    report = OverrideReport(path)
    rows = [dict(rec, **{name: list(rec[name]) for name in ("actors", "sources", "evidences", "contradicts")})
            for rec in frame[list(COLUMNS)].to_dict("records")]
    geoms = list(frame.geometry)
    for ov in overrides:
        data = ov.data
        if ov.action == "add":
            row, geom = _added(data, path.name)
            if any(r["id"] == row["id"] for r in rows):
                raise InputError(path, f"{ov.label()}: an event with id {row['id']!r} already exists")
            rows.append(row)
            geoms.append(geom)
            report.applied.append(f"{ov.label()}: added")
            continue
        hits = [i for i, r in enumerate(rows) if _matches(r, data)]
        if not hits:
            report.stale.append(f"{ov.label()} matches no event")
            continue
        if ov.action == "drop":
            keep = set(range(len(rows))) - set(hits)
            rows, geoms = [rows[i] for i in sorted(keep)], [geoms[i] for i in sorted(keep)]
        for i in hits if ov.action != "drop" else ():
            if ov.action == "retype":
                rows[i]["event_type"] = data["to"]
            elif ov.action == "move":
                geoms[i] = Point(data["lon"], data["lat"])
                rows[i].update(precision=data.get("precision", "exact"), inferred=False,
                               note=f"moved by {path.name}")
                if "name" in data:
                    rows[i].update(place=data["name"], place_start=None, place_end=None)
        report.applied.append(f"{ov.label()}: {len(hits)} event(s)")
    for row in rows:
        for name in ("date", "date_text", "place_id", "country", "url", "title", "note", "sub_event_type",
                     "place_start", "place_end"):
            row[name] = plain(row.get(name))
    return make_frame(rows, geoms), report


def overrides_path(explicit: Path | str | None, out_dir: Path | str) -> Path | None:
    """The overrides file to use: ``explicit`` (must exist), else ``OUT_DIR/overrides.yaml`` if present."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise InputError(path, "overrides file not found")
        return path
    default = Path(out_dir) / "overrides.yaml"
    return default if default.is_file() else None
