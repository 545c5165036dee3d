"""The data contracts that flow between geomap's pipeline stages.

documents -> mentions (extraction) -> places (gazetteer) -> events -> frame -> map/export

Every record is a frozen dataclass.  Coordinates are kept as ``lat``/``lon`` (WGS84)
everywhere outside shapely; the flip to GeoJSON's ``(lon, lat)`` order happens once,
in :mod:`geomap.frame`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Place kinds, from finest to coarsest.  ``precision`` on a place is derived from it.
PLACE_KINDS = ("airport", "poi", "city", "admin2", "admin1", "region", "country")

#: How precisely an event's geometry locates it.
PRECISIONS = ("exact", "near", "admin1", "country", "inferred")


@dataclass(frozen=True, slots=True)
class Document:
    """One input article.

    ``id`` is stable: the file stem plus a short hash of the text, so the same file
    gives the same id on every run and two different files never share one.
    """

    id: str
    source: str  # the input file's name, as the output contract wants it
    text: str
    path: str | None = None
    title: str | None = None
    published: dt.date | None = None
    url: str | None = None  # only http(s) URLs survive parsing


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer entry."""

    id: str  # e.g. "gn:184745", "ap:FZMA", "country:CD", "admin1:CD-NK", "cur:kavumu"
    name: str
    lat: float
    lon: float
    kind: str  # one of PLACE_KINDS
    country: str | None = None  # ISO 3166-1 alpha-2
    admin1: str | None = None  # ISO 3166-2 code or GeoNames admin1 code
    population: int = 0
    source: str = ""  # "geonames", "airportsdata", "iso3166-2", "curated", ...
    curated: bool = False

    @property
    def precision(self) -> str:
        if self.kind == "country":
            return "country"
        if self.kind in ("admin1", "region"):
            return "admin1"
        return "exact"


@dataclass(frozen=True, slots=True)
class Mention:
    """A place name found in a document, with character offsets into ``Document.text``.

    ``text[start:end] == surface`` always holds.  ``place`` is the resolved entry, or
    ``None`` when the name could not be resolved (such mentions are reported, not dropped).
    """

    doc_id: str
    start: int
    end: int
    surface: str
    candidates: tuple[Place, ...] = ()
    place: Place | None = None
    score: float = 0.0
    role: str = "name"  # "name" (a place name) or "demonym" ("Kenyan", "Congolese": context only)


@dataclass(frozen=True)
class Event:
    """One real-world event reported in one document.

    ``coords`` is a tuple of ``(lat, lon)`` pairs: one pair for a point, two or more
    for a line (a route between named endpoints, or an inferred call between capitals).
    """

    id: str
    doc_id: str
    source: str
    event_type: str
    place: str  # the name as written
    coords: tuple[tuple[float, float], ...]
    evidence: str
    start: int  # offsets of the evidence sentence in the document text
    end: int
    date: dt.date | None = None
    date_text: str | None = None
    actors: tuple[str, ...] = ()
    confidence: float = 0.5
    precision: str = "exact"  # one of PRECISIONS
    place_id: str | None = None
    place_start: int | None = None  # offsets of the place name in the document text
    place_end: int | None = None
    country: str | None = None
    inferred: bool = False
    note: str | None = None
    mentions: int = 1  # how many sentences reported it (merged)
    url: str | None = None
    title: str | None = None

    @property
    def geometry_kind(self) -> str:
        return "point" if len(self.coords) == 1 else "line"


@dataclass(frozen=True)
class Layer:
    """A declarative layer definition, read from ``layers/<id>.yaml``."""

    id: str
    label: str
    description: str = ""
    triggers: tuple[str, ...] = ()  # words or phrases; '*' suffix = prefix match
    patterns: tuple[str, ...] = ()  # regular expressions
    pattern_words: tuple[str, ...] = ()  # every pattern match holds one of these words (or a word they begin)
    requires_any: tuple[str, ...] = ()  # a trigger counts only if one of these is in the sentence too
    unless_any: tuple[str, ...] = ()  # ... and none of these ("earthquake struck" is no clash)
    weak_triggers: tuple[str, ...] = ()  # triggers off in a document whose lead holds one of unless_any
    remote_triggers: tuple[str, ...] = ()  # events with no venue (a phone call): drawn between capitals
    lead_triggers: tuple[str, ...] = ()  # triggers on only in a document whose lead holds one of lead_any
    lead_any: tuple[str, ...] = ()
    coarsest_place: str = "country"  # "city", "admin1" or "country": the coarsest place an event may sit at
    geometry: str = "point"  # "point" or "line"
    color: str = "#555555"
    icon: str = "circle"  # one of geomap.render's icon shapes
    order: int = 100
    source_file: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)
