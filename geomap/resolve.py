"""Pick one place for each mention, using the whole document as context.

1. The document's countries come first: unambiguous country names, demonyms,
   first-level divisions and single-candidate places vote for their country.
2. Explicit parents are honoured: "Kingston, Jamaica", "Sake in North Kivu",
   "Palma in Cabo Delgado province" keep only candidates inside the parent.
3. Candidates are scored on prominence (population; a plain name prefers a city to
   a same-named division; "... Airport" prefers the airport; a country name means the
   country's representative point) plus the weight of their country in the document.
4. One sense per name per document: every mention of a name gets the same place.

``Mention.score`` is a 0..1 confidence.  Names left without a place are logged as a
warning on the ``geomap`` logger and kept, with ``place=None``.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import replace
from math import log10

from geomap.gazetteer import Gazetteer, in_division, name_key
from geomap.models import Document, Mention, Place

log = logging.getLogger("geomap")

_PARENT_GAP = re.compile(r"\s*(?:,|\(|\bin\b|\bof\b)\s*(?:the\s+)?$", re.IGNORECASE)
_AIRPORT_WORDS = re.compile(r"\b(Airport|Airfield|Air Base|Airbase|Aerodrome)\b", re.IGNORECASE)
_AREA_KINDS = ("country", "admin1")


def resolve_mentions(doc: Document, mentions: list[Mention],
                     gazetteer: Gazetteer) -> list[Mention]:
    """Return ``mentions`` (same order) with ``place`` and ``score`` set where possible."""
    weights = document_countries(mentions)
    parents = explicit_parents(doc, mentions)
    senses: dict[tuple[str, str], tuple[Place | None, float]] = {}
    out: list[Mention] = []
    for m in mentions:
        key = (name_key(m.surface), m.role)
        if key not in senses:
            senses[key] = _choose(m, parents.get(key[0]), weights)
        place, score = senses[key]
        if place is None:
            log.warning("geomap: %s: no place found for %r at %d", doc.id, m.surface, m.start)
        out.append(replace(m, place=place, score=round(score, 3)))
    return out


def document_countries(mentions: list[Mention]) -> Counter:
    """Votes for each country code from the mentions whose country is not in doubt."""
    votes: Counter = Counter()
    for m in mentions:
        if not m.candidates:
            continue
        countries = {p.country for p in m.candidates if p.country}
        top = m.candidates[0]
        if m.role == "demonym":
            votes[top.country] += 1.0
        elif top.kind == "country":
            votes[top.country] += 2.0
        elif len(countries) == 1:
            votes[countries.pop()] += 1.5 if top.kind == "admin1" else 1.0
    return votes


def explicit_parents(doc: Document, mentions: list[Mention]) -> dict[str, Place]:
    """Name key -> parent area, for "X, Country", "X in Province", "X (Country)"."""
    parents: dict[str, Place] = {}
    for m, nxt in zip(mentions, mentions[1:]):
        gap = doc.text[m.end:nxt.start]
        if m.role != "name" or nxt.role != "name" or len(gap) > 12 or not _PARENT_GAP.fullmatch(gap):
            continue
        areas = [p for p in nxt.candidates if p.kind in _AREA_KINDS]
        if areas and not any(p.kind in _AREA_KINDS for p in m.candidates[:1]):
            parents.setdefault(name_key(m.surface), areas[0])
    return parents


def _choose(m: Mention, parent: Place | None, weights: Counter) -> tuple[Place | None, float]:
    """The best candidate of ``m`` and a confidence."""
    cands = list(m.candidates)
    if not cands:
        return None, 0.0
    if m.role == "demonym":
        return cands[0], 0.9
    bonus = 0.0
    if parent is not None:
        inside = _inside(cands, parent)
        if inside:
            cands, bonus = inside, 0.3
    if _AIRPORT_WORDS.search(m.surface):
        cands = [p for p in cands if p.kind == "airport"] or cands
    countries = [p for p in cands if p.kind == "country"]
    if countries and parent is None:
        return countries[0], 0.95
    total = sum(weights.values()) or 1.0
    ranked = sorted(((_score(p, weights, total), p.id, p) for p in cands),
                    key=lambda t: (-t[0], t[1]))
    best = ranked[0][0]
    runner = ranked[1][0] if len(ranked) > 1 else 0.0
    confidence = 0.6 + 0.4 * (best - runner) / best if best > 0 else 0.3
    if len(ranked) == 1:
        confidence = 0.9
    return ranked[0][2], min(1.0, confidence + bonus)


def _inside(cands: list[Place], parent: Place) -> list[Place]:
    if parent.kind == "country":
        return [p for p in cands if p.country == parent.country and p.kind != "country"]
    return in_division(cands, parent)


def _score(p: Place, weights: Counter, total: float) -> float:
    """Prominence (0..1) plus the share of the document's country votes (0..1.5)."""
    if p.kind == "admin1":
        prominence = 0.6
    elif p.kind == "airport":
        prominence = 0.7
    else:
        prominence = min(1.0, log10(p.population + 1) / 7) + (0.1 if p.curated else 0.0)
    context = 1.5 * weights.get(p.country, 0.0) / total
    return prominence + context
