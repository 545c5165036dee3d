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

from geomap.gazetteer import Gazetteer, distance_km, in_division, name_key
from geomap.models import Document, Mention, Place

log = logging.getLogger("geomap")

_PARENT_GAP = re.compile(r"\s*(?:,|\(|\bin\b|\bof\b)\s*(?:the\s+)?$", re.IGNORECASE)
_AIRPORT_WORDS = re.compile(r"\b(Airport|Airfield|Air Base|Airbase|Aerodrome)\b", re.IGNORECASE)
_AREA_KINDS = ("country", "admin1")
#: A name whose candidates are all smaller than this and farther than STRAY_KM from every
#: other place of the document, outside the document's countries, is left unresolved.
STRAY_POPULATION = 100_000
STRAY_KM = 1500.0


def resolve_mentions(doc: Document, mentions: list[Mention],
                     gazetteer: Gazetteer) -> list[Mention]:
    """Return ``mentions`` (same order) with ``place`` and ``score`` set where possible."""
    weights = document_countries(mentions)
    parents = explicit_parents(doc, mentions)
    senses: dict[tuple[str, str], tuple[Place | None, float]] = {}
    for m in mentions:
        key = (name_key(m.surface), m.role)
        if key not in senses:
            senses[key] = _choose(m, parents.get(key[0]), weights)
    for key in _strays(mentions, senses):
        senses[key] = (None, 0.0)
    out: list[Mention] = []
    for m in mentions:
        place, score = senses[(name_key(m.surface), m.role)]
        if place is None:
            log.warning("%s: no place found for %r (offset %d)", doc.source, m.surface, m.start)
        out.append(replace(m, place=place, score=round(score, 3)))
    return out


def document_countries(mentions: list[Mention]) -> Counter:
    """Votes for each country code from the mentions whose country is not in doubt."""
    votes: Counter = Counter()
    for m in mentions:
        country, weight = _vote(m)
        if country:
            votes[country] += weight
    return votes


def _vote(m: Mention) -> tuple[str | None, float]:
    """The country one mention votes for, and how much its vote weighs."""
    if not m.candidates:
        return None, 0.0
    countries = {p.country for p in m.candidates if p.country}
    top = m.candidates[0]
    if m.role == "demonym":
        return top.country, 1.0
    if top.kind == "country":
        return top.country, 2.0
    if len(countries) == 1:
        return countries.pop(), 1.5 if top.kind == "admin1" else 1.0
    return None, 0.0


def _strays(mentions: list[Mention], senses: dict) -> list[tuple[str, str]]:
    """Names whose only candidates are small places far outside the document's world.

    A name counts as a stray when the other names of the document vote for at least one
    country, none of its candidates lies in those countries, none has
    :data:`STRAY_POPULATION` people or more, and every candidate is more than
    :data:`STRAY_KM` from every place the other names resolved to ("Ber" in an article
    about Mali is not the village in Greece).  Such names are left unresolved.  Only
    resolved names vote; divisions and countries are never strays.
    """
    by_key: dict[tuple[str, str], list[Mention]] = {}
    for m in mentions:
        by_key.setdefault((name_key(m.surface), m.role), []).append(m)
    votes = document_countries([m for m in mentions
                                if senses[(name_key(m.surface), m.role)][0] is not None])
    out = []
    for key, group in by_key.items():
        place = senses[key][0]
        if place is None or key[1] != "name" or place.kind in ("country", "admin1", "region"):
            continue
        own = Counter()
        for m in group:
            country, weight = _vote(m)
            if country:
                own[country] += weight
        others = {c for c, w in (votes - own).items() if w > 0}
        cands = group[0].candidates
        if not others or any(p.country in others or p.population >= STRAY_POPULATION
                             for p in cands):
            continue
        elsewhere = [p for k, (p, _s) in senses.items() if k != key and p is not None]
        if elsewhere and all(distance_km(c.lat, c.lon, o.lat, o.lon) > STRAY_KM
               for c in cands for o in elsewhere):
            out.append(key)
    return out


def explicit_parents(doc: Document,
                     mentions: list[Mention]) -> dict[str, tuple[tuple[Place, ...], bool]]:
    """Name key -> parent areas, for "X, Country", "X in Province", "X (Country)".

    The areas are all the country and division senses of the parent name, best first;
    the flag says whether the parent's best sense is an area (then it is certainly one).
    """
    parents: dict[str, tuple[tuple[Place, ...], bool]] = {}
    for m, nxt in zip(mentions, mentions[1:]):
        gap = doc.text[m.end:nxt.start]
        if m.role != "name" or nxt.role != "name" or len(gap) > 12 or not _PARENT_GAP.fullmatch(gap):
            continue
        areas = tuple(p for p in nxt.candidates if p.kind in _AREA_KINDS)
        if areas and not any(p.kind in _AREA_KINDS for p in m.candidates[:1]):
            parents.setdefault(name_key(m.surface), (areas, nxt.candidates[0].kind in _AREA_KINDS))
    return parents


def _choose(m: Mention, parents: tuple[tuple[Place, ...], bool] | None,
            weights: Counter) -> tuple[Place | None, float]:
    """The best candidate of ``m`` and a confidence.

    When the explicit parent is certainly an area (its best sense is a country or a
    division: "Mahas in Hiiraan region") and no candidate lies in it, the name is left
    unresolved rather than put in another country.
    """
    cands = list(m.candidates)
    if not cands:
        return None, 0.0
    if m.role == "demonym":
        return cands[0], 0.9
    bonus = 0.0
    areas, certain = parents or ((), False)
    parent = areas[0] if areas else None
    if areas:
        inside = next((found for area in areas if (found := _inside(cands, area))), [])
        if inside:
            cands, bonus = inside, 0.3
        elif certain:
            return None, 0.0
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
