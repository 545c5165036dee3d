"""Merging across articles: one real-world event reported by several sources.

Within one article, :func:`geomap.events.merge_events` already merges repeated reports.
Here the reports of *different* documents are linked when they are the same event:

- the same event type, both located or both inferred;
- the same place: the same gazetteer id, or every vertex within ``MERGE_KM`` km;
- the same or overlapping date: at most ``MERGE_DAYS`` day apart, or one undated;
- overlapping actors, or no actors on one side ("M23" overlaps "M23 rebels",
  "Rapid Support Forces" overlaps "RSF").

Clusters are complete-linkage: an event joins a cluster all of whose members it matches
(the one with the most reports, then the most recent, when several do), and never a cluster that already holds a report of its own document, so two
distinct events of one article are never fused through a third report.  Events are taken
in a fixed order (type, dated first, date, source, id), so the result does not depend on
the input order and the first member of a cluster (its *representative*) is chosen
deterministically.

Contradictions: for exclusive event types (``control``: one holder of a place at a time),
two clusters at the same place, both dated within ``MERGE_DAYS``, reported by different
documents and naming disjoint, non-empty sets of actors contradict each other.  Both are
kept; each lists the other's ``merged_id`` in ``contradicts``.

:func:`link_reports` computes the links; :func:`collapse` turns each cluster into one
event (its representative, with the union of actors and the earliest date).
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from .models import Event

MERGE_KM = 25.0
MERGE_DAYS = 1
EXCLUSIVE_TYPES = frozenset({"control"})
_CELL = 0.5  # degrees of the blocking grid
_EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Corroboration:
    """How one event relates to the reports of other articles."""

    merged_id: str  # id of the cluster's representative event
    sources: tuple[str, ...]  # distinct sources reporting the event, sorted
    evidences: tuple[str, ...]  # every report's evidence sentence, in the order of (source, id)
    contradicts: tuple[str, ...] = ()  # merged ids of contradicting events

    @property
    def corroboration(self) -> int:
        return len(self.sources)

    def columns(self) -> dict:
        """The frame columns this adds (see :data:`geomap.frame.SCHEMA`)."""
        return {"merged_id": self.merged_id, "corroboration": self.corroboration, "sources": list(self.sources),
                "evidences": list(self.evidences), "contradicts": list(self.contradicts)}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(math.sqrt(min(1.0, h)))


def same_place(a: Event, b: Event, km: float = MERGE_KM) -> bool:
    """Same gazetteer place, or every vertex within ``km`` (a line in either direction)."""
    if a.inferred != b.inferred or len(a.coords) != len(b.coords):
        return False
    if a.place_id is not None and a.place_id == b.place_id and a.coords == b.coords:
        return True
    return any(all(_km(p, q) <= km for p, q in zip(a.coords, coords))
               for coords in (b.coords, tuple(reversed(b.coords))))


def dates_overlap(a: Event, b: Event, days: int = MERGE_DAYS) -> bool:
    return a.date is None or b.date is None or abs((a.date - b.date).days) <= days


@lru_cache(maxsize=1 << 16)
def _words(name: str) -> tuple[str, ...]:
    words = re.findall(r"[\w'\u2019]+", name.casefold())
    return tuple(words[1:] if len(words) > 1 and words[0] == "the" else words)


def _acronym(words: tuple[str, ...]) -> str:
    return "".join(w[0] for w in words if w not in ("of", "and", "for", "the")) if len(words) > 1 else ""


@lru_cache(maxsize=1 << 16)
def same_actor(x: str, y: str) -> bool:
    """Whether two actor names may name one actor: equal, one's words inside the other's
    ("M23" / "M23 rebels"), or one the other's initials ("RSF" / "Rapid Support Forces")."""
    a, b = _words(x), _words(y)
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    if any(long_[i:i + len(short)] == short for i in range(len(long_) - len(short) + 1)):
        return True
    return (len(a) == 1 and a[0] == _acronym(b)) or (len(b) == 1 and b[0] == _acronym(a))


def actors_overlap(a: Event, b: Event) -> bool:
    """True when either side names no actor, or some actor of one may be one of the other."""
    if not a.actors or not b.actors:
        return True
    return any(same_actor(x, y) for x in a.actors for y in b.actors)


def same_event(a: Event, b: Event) -> bool:
    """Whether reports ``a`` and ``b`` (of different documents) tell of one event."""
    return (a.event_type == b.event_type and same_place(a, b) and dates_overlap(a, b)
            and actors_overlap(a, b))


def contradict(a: Event, b: Event, exclusive: Iterable[str] = EXCLUSIVE_TYPES) -> bool:
    """Reports of different documents that give one exclusive event (who controls a place)
    different actors on the same day (within ``MERGE_DAYS``)."""
    return (a.doc_id != b.doc_id and a.event_type == b.event_type and a.event_type in exclusive
            and a.date is not None and b.date is not None and abs((a.date - b.date).days) <= MERGE_DAYS
            and bool(a.actors) and bool(b.actors) and not actors_overlap(a, b) and same_place(a, b))


def _order(ev: Event) -> tuple:
    return (ev.event_type, ev.date is None, ev.date.toordinal() if ev.date else 0, ev.source, ev.id)


def _day(ev: Event) -> int:
    return ev.date.toordinal() if ev.date else 0


def _cell(coord: tuple[float, float]) -> tuple[int, int]:
    return (math.floor(coord[0] / _CELL), math.floor(coord[1] / _CELL))


def _near_cells(coord: tuple[float, float], km: float) -> list[tuple[int, int]]:
    lat_span = 1 + int(km / (111.0 * _CELL))
    width = 111.32 * _CELL * max(math.cos(math.radians(min(abs(coord[0]) + _CELL, 90.0))), 1e-3)
    lon_span = min(1 + int(km / width), int(360 / _CELL))
    row, col = _cell(coord)
    return [(row + i, col + j) for i in range(-lat_span, lat_span + 1) for j in range(-lon_span, lon_span + 1)]


def _clusters(events: Sequence[Event]) -> tuple[list[list[Event]], dict]:
    """Complete-linkage clusters of reports of one event, in a deterministic order, and
    the index that finds them: (type, inferred, grid cell) -> first member's day -> indexes.

    Events come dated first, by date, so a cluster's first member holds its earliest
    date, every member is at most ``MERGE_DAYS`` after it, and a dated event need only
    look at clusters that began ``MERGE_DAYS`` days before it at the latest.
    """
    clusters: list[list[Event]] = []
    docs: list[set[str]] = []
    index: dict[tuple, dict[int | None, list[int]]] = defaultdict(lambda: defaultdict(list))
    for ev in sorted(events, key=_order):
        day = ev.date.toordinal() if ev.date else None
        near = set()
        for cell in _near_cells(ev.coords[0], MERGE_KM):
            by_day = index.get((ev.event_type, ev.inferred, cell))
            if not by_day:
                continue
            days = range(day - MERGE_DAYS, day + 1) if day is not None else list(by_day)
            near.update(i for d in days for i in by_day.get(d, ()))
        fits = [i for i in sorted(near)
                if ev.doc_id not in docs[i] and all(same_event(m, ev) for m in clusters[i])]
        if fits:  # the best-corroborated, then the most recent, then the first cluster
            i = max(fits, key=lambda i: (len(clusters[i]), _day(clusters[i][0]), -i))
            clusters[i].append(ev)
            docs[i].add(ev.doc_id)
        else:
            clusters.append([ev])
            docs.append({ev.doc_id})
            index[(ev.event_type, ev.inferred, _cell(ev.coords[0]))][day].append(len(clusters) - 1)
    return clusters, index


def link_reports(events: Sequence[Event], *, exclusive: Iterable[str] = EXCLUSIVE_TYPES) -> dict[str, Corroboration]:
    """Map every event id to its :class:`Corroboration`: the cluster it belongs to, the
    cluster's sources and evidence, and the clusters it contradicts."""
    exclusive = frozenset(exclusive)
    clusters, index = _clusters(events)
    against: dict[str, set[str]] = defaultdict(set)
    for i, c in enumerate(clusters):
        if c[0].event_type not in exclusive:
            continue
        if c[0].date is None:
            continue  # no member is dated
        # members lie within MERGE_KM and MERGE_DAYS of their cluster's first one, so the
        # first members of contradicting clusters lie within 3 x MERGE_KM and 2 x MERGE_DAYS + 1
        day, span = c[0].date.toordinal(), 2 * MERGE_DAYS
        near = sorted({j for cell in _near_cells(c[0].coords[0], 3 * MERGE_KM)
                       for d in range(day - span, day + span + 1)
                       for j in index.get((c[0].event_type, c[0].inferred, cell), {}).get(d, ()) if j > i})
        for j in near:
            if any(contradict(a, b, exclusive) for a in c for b in clusters[j]):
                against[c[0].id].add(clusters[j][0].id)
                against[clusters[j][0].id].add(c[0].id)
    out = {}
    for c in clusters:
        members = sorted(c, key=lambda e: (e.source, e.id))
        info = Corroboration(
            merged_id=c[0].id, sources=tuple(dict.fromkeys(m.source for m in members)),
            evidences=tuple(m.evidence for m in members), contradicts=tuple(sorted(against.get(c[0].id, ()))))
        for m in c:
            out[m.id] = info
    return out


def collapse(events: Sequence[Event], links: dict[str, Corroboration]) -> list[Event]:
    """One event per cluster: its representative, with the earliest date any report gives,
    the union of the reports' actors and the sum of their mentions."""
    groups: dict[str, list[Event]] = defaultdict(list)
    for ev in sorted(events, key=_order):
        groups[links[ev.id].merged_id].append(ev)
    out = []
    for merged_id, members in groups.items():
        first = next(m for m in members if m.id == merged_id)
        if len(members) == 1:
            out.append(first)
            continue
        dated = sorted((m for m in members if m.date is not None), key=lambda m: (m.date, m.source, m.id))
        out.append(replace(
            first, date=first.date or (dated[0].date if dated else None),
            date_text=first.date_text or (dated[0].date_text if dated else None),
            actors=tuple(dict.fromkeys(a for m in members for a in m.actors)),
            mentions=sum(m.mentions for m in members),
            confidence=max(m.confidence for m in members)))
    return out
