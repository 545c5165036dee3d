"""Pick one place for each mention, using the whole document as context.

1. The document's countries come first: unambiguous country names, demonyms,
   first-level divisions and single-candidate places vote for their country.
2. Explicit parents are honoured: "Kingston, Jamaica", "Sake in North Kivu",
   "the Yarmouk military complex in southern Khartoum" keep only candidates inside the
   parent (a name with none is left unresolved when the parent is certain).
3. Candidates are scored (:func:`_prior`) on prominence (population, or a value per
   kind; "... Airport" keeps the airports) and on the smoothed share of the other
   names' country votes.
4. Coherence rounds then add, for each candidate, the share of the other names'
   choices in its first-level division and its closeness to the nearest of them (or,
   at half weight, to another sense of a moderately ambiguous name).
5. One sense per name per document: every mention of a name gets the same place.

A name the gazetteer lacks is placed where the text puts it relative to a town it names
("Kazgil, about 35 km south of El Obeid": :func:`place_by_offsets`).

``Mention.score`` is a 0..1 confidence.  Names left without a place are logged as a
warning on the ``geomap`` logger and kept, with ``place=None``.
"""
from __future__ import annotations

import logging
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from math import asin, cos, log10, radians, sin, sqrt
from typing import Any, Final

from geomap.gazetteer import PlaceIndex, distance_km, in_area, is_spelling_of, name_key
from geomap.models import Document, Mention, Place

log = logging.getLogger("geomap")

#: Country code -> the summed weight of the votes for it (see :func:`document_countries`).
Votes = dict[str | None, float]  # looked up with a place's country, which may be None

_PARENT_GAP: Final = re.compile(r"\s*(?:,|\(|\bin\b|\bof\b)\s*(?:the\s+)?$", re.IGNORECASE)
#: "Yarmouk military complex in southern Khartoum", "Kalma camp near Nyala": a few
#: lower-case words ending in a kind of place, then a locative, then the parent.
_FAR_PARENT_GAP: Final = re.compile(r"\s+(?:[a-z][a-z-]*\s+){0,2}(?:" + "|".join(sorted(
    """camp camps complex base airport airfield area district neighbourhood neighborhood quarter
    suburb village town city market hospital school university port border crossing prison
    mosque church bridge road highway compound refinery plant factory mine mines field
    settlement township island valley hills mountains station barracks""".split())) +
                             r")\s+(?:in|near|outside|of)\s+(?:the\s+)?"
                             r"(?:(?:north|south|east|west|central)(?:ern)?\s+|"
                             r"(?:north|south)[- ]?(?:east|west)(?:ern)?\s+)?$")
#: A city can be a parent ("... in southern Khartoum") when it is this large; its
#: children lie within PARENT_CITY_KM.
PARENT_CITY_POPULATION: Final = 100_000
PARENT_CITY_KM: Final = 60.0
_AIRPORT_WORDS: Final = re.compile(r"\b(Airport|Airfield|Air Base|Airbase|Aerodrome)\b", re.IGNORECASE)
_AREA_KINDS: Final = ("country", "admin1")
#: A name whose candidates are all smaller than this and farther than STRAY_KM from every
#: other place of the document, outside the document's countries, is left unresolved.
STRAY_POPULATION: Final = 100_000
STRAY_KM: Final = 1500.0
#: Hamlets (fewer than TINY_POPULATION people, or no count at all) are strays already
#: TINY_STRAY_KM away: "Hababah" in an article about Darfur is not a hamlet in Yemen.  A
#: curated place without a count is no hamlet: a border crossing ("Torkham") or a camp
#: was picked for being known, and often lies across the border from the story's country.
TINY_POPULATION: Final = 1_000
TINY_STRAY_KM: Final = 500.0


def resolve_mentions(doc: Document, mentions: list[Mention],
                     gazetteer: PlaceIndex) -> list[Mention]:
    """Return ``mentions`` (same order) with ``place`` and ``score`` set where possible."""
    # each mention's country vote, once: the document's votes, each name's own and the
    # stray test's all count them
    votes_of = {id(m): _vote(m) for m in mentions}
    weights = document_countries(mentions, votes_of)
    parents = explicit_parents(doc, mentions)
    towns = named_as_towns(doc, mentions)
    groups: dict[tuple[str, str], list[Mention]] = {}
    for m in mentions:
        groups.setdefault((name_key(m.surface), m.role), []).append(m)
    senses: dict[tuple[str, str], tuple[Place | None, float]] = {}
    pools: dict[tuple[str, str], _Pool] = {}
    sites: dict[int, _Site] = {}  # see _site_of: one per place, for the pools and every round
    for key, group in groups.items():
        cands, bonus, fixed = _pool(group[0], parents.get(key[0]), key[0] in towns)
        if fixed is not None:
            senses[key] = fixed
            continue
        votes = _minus(weights, document_countries(group, votes_of))  # the other names' votes
        pools[key] = pool = _Pool(key[0], cands, bonus, votes, sites, _capitals(cands, gazetteer))
        senses[key] = pool.rank()
    previous: list[Place | None] | None = None
    for _round in range(COHERENCE_ROUNDS):
        # a round sees only the places the names stand for now (not their scores): when
        # the last round chose the same places as the one before it, this one would
        # repeat it exactly, and so would every later one
        current = [senses[k][0] for k in pools]
        if previous is not None and all(p is q for p, q in zip(current, previous)):
            break
        previous = current
        anchors = [(k, _site_of(a, sites)) for k, a in _anchors(senses)]
        chosen = {place.id for place, _score in (senses[k] for k in pools) if place is not None}
        # the other senses of the other ambiguous names, at half weight: two small places
        # next to each other ("Edmonton" and "Enfield" in London) find each other even
        # when each name's first choice is a bigger place elsewhere.  Names with very
        # many senses ("Washington": 36) have one near anything, so they do not count.
        others = [(k, site) for k, pool in sorted(pools.items(), key=lambda kv: kv[0])
                  if len(pool.cands) <= OTHER_SENSES for site in pool.sites
                  if site.place.id not in chosen and site.place.kind not in ("country", "region")]
        neighbours = _Neighbours(anchors, others)
        senses.update({key: pool.rank(neighbours, key) for key, pool in pools.items()})
    for key in _strays(mentions, senses, groups, votes_of):
        senses[key] = (None, 0.0)
    out: list[Mention] = []
    for m in mentions:
        place, score = senses[(name_key(m.surface), m.role)]
        out.append(Mention(m.doc_id, m.start, m.end, m.surface, m.candidates, place, round(score, 3), m.role))
    out = place_by_offsets(doc, out)
    for m in out:
        if m.place is None:
            log.warning("%s: no place found for %r (offset %d)", doc.source, m.surface, m.start)
    return out


#: What places a name by distance and bearing from the name right after it: ", about 35 km
#: south of " (El Obeid), " 50 km (30 miles) north-east of the town of ".
_OFFSET_AFTER: Final = re.compile(
    r",?\s+(?:(?:about|some|nearly|around|roughly|approximately|almost|just|only|over|under|"
    r"(?:less|more)\s+than)\s+)?(?P<n>\d{1,3}(?:\.\d+)?)\s*-?\s*(?P<unit>km|kms|kilomet(?:re|er)s?|miles?)"
    r"(?:\s*\([^()\n]{1,25}\))?\s+(?P<dir>(?:north|south)(?:-?(?:east|west))?|east|west)\s+of\s+"
    r"(?:the\s+(?:(?:town|city|village)\s+of\s+)?)?", re.IGNORECASE)
#: Farther than this, "N km north of X" is no way to place a name on a situation map.
MAX_OFFSET_KM: Final = 300.0
#: The ``source`` of a place made by :func:`place_by_offsets` (its events' precision is "near").
OFFSET_SOURCE: Final = "offset"
_MILE_KM: Final = 1.609344


def place_by_offsets(doc: Document, mentions: list[Mention]) -> list[Mention]:
    """Place a name the gazetteer does not know where the text puts it: at a distance and
    bearing from a town named right after it ("Kazgil, about 35 km south of El Obeid"),
    so many kilometres (or miles) along that bearing (:func:`geomap.regions.offset_point`).
    The new place is the name as written, in the town's country, with ``source``
    :data:`OFFSET_SOURCE`; other mentions are returned unchanged."""
    if all(m.place is not None for m in mentions):
        return mentions  # most documents: nothing to place
    by_start = {m.start: m for m in mentions}
    return [_placed_by_offset(doc.text, m, by_start) if m.place is None and m.role == "name" else m
            for m in mentions]


def _placed_by_offset(text: str, m: Mention, by_start: dict[int, Mention]) -> Mention:
    """``m`` placed by the distance and bearing after it (:func:`place_by_offsets`), or ``m``
    itself; ``by_start`` holds the document's mentions by their start."""
    hit = _OFFSET_AFTER.match(text, m.end)
    ref = by_start.get(hit.end()) if hit is not None else None
    if hit is None or ref is None or ref.role != "name" or ref.place is None \
            or ref.place.kind in ("country", "admin1", "region"):
        return m
    km = float(hit["n"]) * (_MILE_KM if hit["unit"].lower().startswith("mile") else 1.0)
    if not 0 < km <= MAX_OFFSET_KM:
        return m
    from geomap.regions import bearing_stem, offset_point  # noqa: PLC0415 (shapely: only when needed)

    town, bearing = ref.place, bearing_stem(hit["dir"])
    lat, lon = offset_point(town.lat, town.lon, km, bearing)
    place = Place(f"{town.id}+{km:.1f}km{bearing}", m.surface, lat, lon, "city", town.country, None, 0,
                  OFFSET_SOURCE)
    return Mention(m.doc_id, m.start, m.end, m.surface, (place,), place, round(0.9 * ref.score, 3), m.role)


def document_countries(mentions: list[Mention],
                       votes_of: dict[int, tuple[str | None, float]] | None = None) -> Votes:
    """Votes for each country code from the mentions whose country is not in doubt.

    ``votes_of`` holds each mention's :func:`_vote` by ``id()``, when worked out already."""
    votes: Votes = {}
    for m in mentions:
        country, weight = _vote(m) if votes_of is None else votes_of[id(m)]
        if country:
            votes[country] = votes.get(country, 0) + weight
    return votes


def _minus(votes: Votes, other: Votes) -> Votes:
    """The votes left when ``other``'s are taken away, positive ones only (as a
    ``Counter`` subtracts)."""
    out: Votes = {}
    for country, weight in votes.items():
        left = weight - other.get(country, 0)
        if left > 0:
            out[country] = left
    return out


def _count(keys: Iterable[Any]) -> dict[Any, int]:
    """How many times each key comes (a plain ``Counter``, without its Python-level calls)."""
    out: dict[Any, int] = {}
    for key in keys:
        out[key] = out.get(key, 0) + 1
    return out


def _vote(m: Mention) -> tuple[str | None, float]:
    """The country one mention votes for, and how much its vote weighs."""
    if not m.candidates:
        return None, 0.0
    top = m.candidates[0]
    if m.role == "demonym":
        return top.country, 1.0
    if top.kind == "country":
        return top.country, 2.0
    countries = {p.country for p in m.candidates if p.country}
    if len(countries) == 1:
        return countries.pop(), 1.5 if top.kind == "admin1" else 1.0
    return None, 0.0


def _strays(mentions: list[Mention], senses: dict, by_key: dict[tuple[str, str], list[Mention]],
            votes_of: dict[int, tuple[str | None, float]]) -> list[tuple[str, str]]:
    """Names whose only candidates are small places far outside the document's world.

    A name counts as a stray when the other names of the document vote for at least one
    country, none of its candidates lies in those countries, none has
    :data:`STRAY_POPULATION` people or more, and every candidate is more than
    :data:`STRAY_KM` from every place the other names resolved to ("Ber" in an article
    about Mali is not the village in Greece).  Such names are left unresolved.  Only
    resolved names vote; divisions and countries are never strays.  ``by_key`` holds the
    mentions by name, ``votes_of`` their votes (see :func:`resolve_mentions`).
    """
    votes = document_countries([m for m in mentions
                                if senses[(name_key(m.surface), m.role)][0] is not None], votes_of)
    out = []
    for key, group in by_key.items():
        place = senses[key][0]
        if place is None or key[1] != "name" or place.kind in ("country", "admin1", "region"):
            continue
        others = set(_minus(votes, document_countries(group, votes_of)))
        cands = group[0].candidates
        if not others or any(p.country in others or p.population >= STRAY_POPULATION
                             for p in cands):
            continue
        elsewhere = [p for k, (p, _s) in senses.items() if k != key and p is not None]
        hamlets = all(p.population < TINY_POPULATION and not p.curated for p in cands)
        far = TINY_STRAY_KM if hamlets else STRAY_KM
        if elsewhere and all(distance_km(c.lat, c.lon, o.lat, o.lon) > far
               for c in cands for o in elsewhere):
            out.append(key)
    return out


def explicit_parents(doc: Document,
                     mentions: list[Mention]) -> dict[str, tuple[tuple[Place, ...], bool]]:
    """Name key -> parent areas, for "X, Country", "X in Province", "X (Country)",
    "X military complex in southern Khartoum".

    The areas are all the country and division senses of the parent name, best first,
    or a large city; the flag says whether the parent's best sense is an area (then it
    is certainly one).
    """
    parents: dict[str, tuple[tuple[Place, ...], bool]] = {}
    for m, nxt in zip(mentions, mentions[1:]):
        gap = doc.text[m.end:nxt.start]
        if m.role != "name" or nxt.role != "name" or not nxt.candidates:
            continue
        near = len(gap) <= 12 and _PARENT_GAP.fullmatch(gap)
        if not near and not (len(gap) <= 48 and _FAR_PARENT_GAP.fullmatch(gap)):
            continue
        if "," in gap and _in_a_list(doc.text, m, nxt):
            continue  # "Missouri, New York, North Carolina and Virginia": items, not parents
        areas = tuple(p for p in nxt.candidates if p.kind in _AREA_KINDS)
        top = nxt.candidates[0]
        # certain: the parent's best sense is an area, or, after "in", lies in the
        # country of its area senses ("in southern Khartoum": the city or the state);
        # after a comma a city is more likely the next item of a list ("Kyiv, Odesa")
        certain = top.kind in _AREA_KINDS or (
            "," not in gap and top.country in {p.country for p in areas})
        if not areas and top.kind == "city" and top.population >= PARENT_CITY_POPULATION:
            # "in southern Khartoum" is a parent; "Tampa, Orlando" is a list of cities
            areas, certain = (top,), "," not in gap
        if areas and not any(p.kind in _AREA_KINDS + ("region",) for p in m.candidates[:1]):
            parents.setdefault(name_key(m.surface), (areas, certain))
    return parents


#: "the northern town of Kidal", "the city of Gao"; "Gao, the main garrison town of the north".
_TOWN_BEFORE: Final = re.compile(r"\b(?:town|city|village|hamlet|settlement)\s+of\s+$", re.IGNORECASE)
_TOWN_AFTER: Final = re.compile(r",\s+(?:the|a|an)\s+(?:[\w-]+\s+){0,3}?(?:town|city|village|hamlet|settlement)\b",
                         re.IGNORECASE)


def named_as_towns(doc: Document, mentions: list[Mention]) -> set[str]:
    """Name keys the text calls a town, city or village ("the town of Kidal", "Gao, the
    main garrison town"): those names mean the settlement, not a same-named province."""
    text = doc.text
    return {name_key(m.surface) for m in mentions if m.role == "name" and (
        _TOWN_BEFORE.search(text, max(0, m.start - 40), m.start) or _TOWN_AFTER.match(text, m.end))}


_LIST_BEFORE: Final = re.compile(r"[A-Z][\w.'\u2019-]*\s*(?:,|\band|\bor)\s*$")
_LIST_AFTER: Final = re.compile(r"\s*(?:,|\band\b|\bor\b)\s*(?:the\s+)?[A-Z]")


def _in_a_list(text: str, m: Mention, nxt: Mention) -> bool:
    """Whether "m, nxt" stands in a longer list of names: a name and a comma (or "and")
    before ``m``, or a comma or "and" and a name after ``nxt``."""
    return (_LIST_BEFORE.search(text, max(0, m.start - 40), m.start) is not None
            or _LIST_AFTER.match(text, nxt.end) is not None)


def _pool(m: Mention, parents: tuple[tuple[Place, ...], bool] | None, town: bool = False
          ) -> tuple[list[Place], float, tuple[Place | None, float] | None]:
    """The candidates left for ``m`` after its explicit parent and its wording.

    Returns ``(candidates, confidence bonus, fixed answer or None)``.  When the explicit
    parent is certainly an area (its best sense is a country or a division: "Mahas in
    Hiiraan region") and no candidate lies in it, the answer is fixed to "unresolved"
    rather than a place in another country.  A name the text calls a town (``town``)
    keeps its settlement candidates.
    """
    cands = list(m.candidates)
    if town:
        cands = [p for p in cands if p.kind == "city"] or cands
    if not cands:
        return [], 0.0, (None, 0.0)
    if m.role == "demonym":
        return cands, 0.0, (cands[0], 0.9)
    bonus = 0.0
    areas, certain = parents or ((), False)
    if areas:
        inside = next((found for area in areas if (found := _inside(cands, area))), [])
        if inside:
            cands, bonus = inside, 0.3
        elif certain:
            return [], 0.0, (None, 0.0)
    if _AIRPORT_WORDS.search(m.surface):
        cands = [p for p in cands if p.kind == "airport"] or cands
    if len(cands) == 1:
        return cands, bonus, (cands[0], min(1.0, 0.9 + bonus))
    return cands, bonus, None


def _anchors(senses: dict) -> list[tuple[tuple[str, str], Place]]:
    """The places other names resolved to that can vouch for a neighbour (not countries)."""
    return [(key, place) for key, (place, _s) in sorted(senses.items(), key=lambda kv: kv[0])
            if place is not None and key[1] == "name" and place.kind not in ("country", "region")]


class _Site:
    """A place as the scores compare it: its point, its division code and its
    prominence, worked out once (see :func:`_site_of`) rather than once per round."""

    __slots__ = ("place", "lat", "lon", "cos_lat", "x", "y", "z", "division", "is_admin1", "no_coherence",
                 "prominence")

    def __init__(self, place: Place):
        self.place, self.lat, self.lon = place, place.lat, place.lon
        self.cos_lat = cos(radians(place.lat))
        # the point on the unit sphere, for _coherence's quick "certainly too far" test
        lon = radians(place.lon)
        self.x, self.y, self.z = self.cos_lat * cos(lon), self.cos_lat * sin(lon), sin(radians(place.lat))
        self.division = _division_code(place)
        self.is_admin1 = place.kind == "admin1"
        self.no_coherence = place.kind in ("country", "region")  # see _coherence
        self.prominence = _prominence(place)  # see _prior


#: Sites kept from one document to the next, by place id (see :func:`_site_of`).
_SITES: dict[str, _Site] = {}
#: At most this many: a long run over very varied text starts afresh.
SITE_CACHE_PLACES: Final = 200_000


def _site_of(place: Place, sites: dict[int, _Site]) -> _Site:
    """The site of ``place``, made on first use; ``sites`` is keyed by the place object's
    identity (the document's mentions hold every place for the whole call).

    The gazetteer hands out one object per place for as long as it remembers it, so a
    site is kept across documents too (countries and big cities come back in most
    articles): reused while it was made from this very object."""
    site = sites.get(id(place))
    if site is None:
        site = _SITES.get(place.id)
        if site is None or site.place is not place:
            if len(_SITES) >= SITE_CACHE_PLACES:
                _SITES.clear()
            site = _SITES[place.id] = _Site(place)
        sites[id(place)] = site
    return site


class _Pool:
    """The candidates left for one name, with what does not change from round to
    round: their sites and their prior scores (prominence and country votes)."""

    __slots__ = ("cands", "ids", "bonus", "sites", "priors")

    def __init__(self, key: str, cands: list[Place], bonus: float, votes: Votes,
                 sites: dict[int, _Site], capitals: frozenset[str] = frozenset()):
        total = (sum(votes.values()) + COUNTRY_PRIOR) or 1.0
        self.cands, self.bonus = cands, bonus
        self.ids = [p.id for p in cands]
        self.sites = [_site_of(p, sites) for p in cands]
        self.priors = [_prior(site, votes, total, key) for site in self.sites]
        divisions = {p.admin1 for p in cands if p.kind == "admin1"}
        # a division with a same-named town inside is named after it ("Gao", "Paris"): the
        # name means towns there as much as the division; the others are named in their
        # own right ("Delaware", and "Florida" the state, though Uruguay's Florida
        # department holds a town Florida)
        named_after = {p.admin1 for p in cands if p.kind == "city" and p.admin1 in divisions}
        if divisions and not capitals:
            # a division named in its own right is as prominent as its people make it
            # ("Florida" the state over Florida, Uruguay, a town of 36,000) -- unless the
            # name is also a country's capital's ("Washington")
            self.priors = [max(prior, prior - KIND_PROMINENCE["admin1"] + _people(p.population))
                           if p.kind == "admin1" and p.admin1 not in named_after
                           and name_key(p.name) == key else prior  # its own name: not "Atlantic" for Atlántico
                           for prior, p in zip(self.priors, cands)]
        if divisions - named_after:
            # "Delaware": the state, more than Delaware, Ohio (see NAMESAKE_PENALTY)
            self.priors = [prior - NAMESAKE_PENALTY if p.kind == "city" and p.population < NAMESAKE_POPULATION
                           and p.admin1 not in divisions else prior for prior, p in zip(self.priors, cands)]

    def rank(self, neighbours: _Neighbours | None = None, key: tuple[str, str] | None = None) -> tuple[Place, float]:
        """The best candidate and a 0..1 confidence (see :func:`_prior` and :func:`_coherence`);
        ``neighbours`` are the places of the other names than ``key``."""
        scores = self.priors if neighbours is None or not neighbours.anchor_count(key) else \
            _coherence(self.priors, self.sites, neighbours, key)
        # highest score first, then by id; tuples sort faster than a key function
        ranked = sorted(zip([-score for score in scores], self.ids, range(len(scores))))
        best = -ranked[0][0]
        runner = -ranked[1][0] if len(ranked) > 1 else 0.0
        confidence = 0.6 + 0.4 * (best - runner) / best if best > 0 else 0.3
        return self.cands[ranked[0][2]], min(1.0, confidence + self.bonus)


def _capitals(cands: list[Place], gazetteer: PlaceIndex) -> frozenset[str]:
    """The ids of the candidates that are their country's capital, when a first-level
    division is among the candidates too (the only case :class:`_Pool` asks)."""
    if not any(p.kind == "admin1" for p in cands):
        return frozenset()
    out = set()
    for p in cands:
        if p.kind == "city" and p.country:
            capital = gazetteer.capital(p.country)
            if capital is not None and capital.id == p.id:
                out.add(p.id)
    return frozenset(out)


def _inside(cands: list[Place], parent: Place) -> list[Place]:
    if parent.kind == "city":
        return [p for p in cands if p.id != parent.id
                and distance_km(p.lat, p.lon, parent.lat, parent.lon) <= PARENT_CITY_KM]
    return in_area(cands, parent)


#: How much each kind of evidence weighs in :func:`_prior` and :func:`_coherence`.
PROMINENCE_WEIGHT = 1.5  # times log10(population + 1) / 7: 0.21 per tenfold population
COUNTRY_WEIGHT = 0.6  # times the candidate's country's share of the document's votes
#: Votes added to the total before taking shares: one mention of "US" in a world story
#: is weak evidence for every small US town of a name; many US names are strong.
COUNTRY_PRIOR = 2.0
DIVISION_WEIGHT = 0.6  # times the share of the other names in the candidate's division
NEAR_WEIGHT = 0.6  # times closeness to the nearest other name (1 at 0 km, 0 at NEAR_KM)
NEAR_KM: Final = 250.0
NEAR_DEGREES: Final = NEAR_KM / 111.0  # a cheap latitude test before the distance
#: The squared straight-line distance through the unit sphere beyond which two points are
#: certainly farther apart than NEAR_KM: 5% farther, far beyond any rounding error, so
#: that skipping the exact distance for them changes no score.
FAR_CHORD_SQUARED: Final = (2 * sin(1.05 * NEAR_KM / 6371.0 / 2)) ** 2
#: Names with at most this many senses lend them as possible neighbours, at this weight.
OTHER_SENSES: Final = 12
OTHER_SENSE_WEIGHT = 0.5
COHERENCE_ROUNDS = 2
OTHER_NAME_PENALTY = 0.4
#: When a name's candidates include a first-level division and no town inside it, the
#: name means the division more often than a small namesake town elsewhere: towns of
#: fewer than NAMESAKE_POPULATION people lose this much ("Delaware" is the state more
#: than Delaware, Ohio).  When a town of the name lies in the division ("Gao", "Kidal",
#: "Paris" in Ile-de-France), the division is named after it, and nothing changes.
NAMESAKE_PENALTY: Final = 0.3
NAMESAKE_POPULATION: Final = 100_000  # a bigger town is known in its own right ("Granada", Spain)
#: Prominence of a curated landmark ("White House"): hand-picked for being well known.
CURATED_POI_PROMINENCE: Final = 1.2
#: Prominence of the kinds that have no population in our data.
KIND_PROMINENCE: Final = {"country": 2.2, "region": 1.5, "admin1": 0.9, "admin2": 0.8, "airport": 1.0}


def _people(population: int) -> float:
    """Prominence from a population, on a log scale."""
    return PROMINENCE_WEIGHT * min(1.0, log10(population + 1) / 7)


def _prior(site: _Site, weights: Votes, total: float, key: str = "") -> float:
    """How well a candidate (``site.place``) fits before the coherence rounds: its
    prominence plus the document's support for its country.

    * prominence: population on a log scale for towns; a fixed value per kind for
      countries, regions, divisions, counties and airports (a country name means the
      country unless the text's own places point at a same-named division or town);
    * a penalty when the name is another name of it, not a spelling of its name
      ("Liverpool" is an old name of a town called Washington; "Africa" one of Mahdia's);
    * the share of the document's country votes that its country has.
    """
    p, prominence = site.place, site.prominence
    if key and p.kind in ("city", "admin2") and not is_spelling_of(key, name_key(p.name)):
        prominence -= OTHER_NAME_PENALTY
    return prominence + COUNTRY_WEIGHT * weights.get(p.country, 0.0) / total


def _prominence(p: Place) -> float:
    """The part of :func:`_prior` a place has whatever the document and the name: by
    kind or population, and a little more for a curated place."""
    if p.kind == "poi" and p.curated:
        prominence = CURATED_POI_PROMINENCE  # a landmark we chose ("White House", "Kremlin")
    elif p.kind in KIND_PROMINENCE:
        prominence = KIND_PROMINENCE[p.kind]
    else:
        prominence = _people(p.population)
    return prominence + (0.1 if p.curated else 0.0)


class _Neighbours:
    """The places of a document's names as :func:`_coherence` asks about them, for any
    one name leaving out its own: the first choices (anchors) counted by division, and
    the anchors and other senses sorted by latitude, so that a candidate looks only at
    those within NEAR_DEGREES of latitude (the others are farther than NEAR_KM)."""

    def __init__(self, anchors: list[tuple[tuple[str, str], _Site]], others: list[tuple[tuple[str, str], _Site]]):
        self.anchors = len(anchors)
        self.anchor_of = dict(anchors)  # one anchor per name at most
        self.divisions = _count(a.division for _k, a in anchors)
        self.admin1_divisions = _count(a.division for _k, a in anchors if a.is_admin1)
        self.points = sorted(((k, a) for k, a in anchors if not a.is_admin1), key=lambda ka: ka[1].lat)
        self.point_lats = [a.lat for _k, a in self.points]
        self.others = sorted(others, key=lambda ko: ko[1].lat)
        self.other_lats = [o.lat for _k, o in self.others]
        self.others_of = _count(k for k, _o in others)

    def anchor_count(self, key) -> int:
        """How many anchors other names than ``key`` give."""
        return self.anchors - (key in self.anchor_of)


def _coherence(priors: list[float], sites: list[_Site], neighbours: _Neighbours, key) -> list[float]:
    """Each candidate's prior score plus what the other names' first choices (anchors)
    say of it: the share of them that lie in its first-level division, and how close
    the nearest of them is -- the names of a local story cluster, as CLIFF and Mordecai
    observed.  Countries and regions get nothing.  ``key`` is the candidates' own name,
    left out.

    One loop over the candidates, with what depends only on ``key`` worked out before
    it and the distance formula written out: this runs for every candidate of every
    ambiguous name, twice per document."""
    own = neighbours.anchor_of.get(key)
    anchor_count = neighbours.anchor_count(key)
    divisions, admin1_divisions = neighbours.divisions, neighbours.admin1_divisions
    points, point_lats = neighbours.points, neighbours.point_lats
    others, other_lats = neighbours.others, neighbours.other_lats
    has_others = len(others) - neighbours.others_of.get(key, 0) > 0
    margin = NEAR_DEGREES + 1e-6  # a little wider than the band: the loops test the exact distance in latitude
    out = []
    for score, site in zip(priors, sites):
        if site.no_coherence:
            out.append(score)
            continue
        code, admin1, lat = site.division, site.is_admin1, site.lat
        lon, cos_lat, x, y, z = site.lon, site.cos_lat, site.x, site.y, site.z
        coded = code[1] is not None
        same = divisions.get(code, 0) - (own is not None and own.division == code) if coded else 0
        # closeness: 1 for the same spot, falling to 0 at NEAR_KM; a division counts as near
        # the places inside it (and only those), so a division is 1 near an anchor inside it
        # and a place is 1 near a division anchor it lies in, the most closeness can be.
        if admin1:
            near = 1.0 if same else 0.0
        elif coded and admin1_divisions.get(code, 0) - (
                own is not None and own.is_admin1 and own.division == code) > 0:
            near = 1.0
        else:
            near = 0.0
            for k, a in points[bisect_left(point_lats, lat - margin):bisect_right(point_lats, lat + margin)]:
                if k == key or abs(lat - a.lat) >= NEAR_DEGREES:
                    continue
                dx, dy, dz = a.x - x, a.y - y, a.z - z
                if dx * dx + dy * dy + dz * dz > FAR_CHORD_SQUARED:
                    continue  # no closeness at all (most pairs: the band spans every longitude)
                # haversine_km(lat, lon, cos_lat, a.lat, a.lon, a.cos_lat), written out
                dlat, dlon = radians(a.lat - lat), radians(a.lon - lon)
                h = sin(dlat / 2) ** 2 + cos_lat * a.cos_lat * sin(dlon / 2) ** 2
                closeness = 1.0 - 6371.0 * 2 * asin(sqrt(h)) / NEAR_KM
                if closeness > near:
                    near = closeness
        score += DIVISION_WEIGHT * same / anchor_count
        if has_others and near < OTHER_SENSE_WEIGHT and not admin1:
            # the same closeness to the other senses, at half weight
            for k, o in others[bisect_left(other_lats, lat - margin):bisect_right(other_lats, lat + margin)]:
                if k == key or abs(o.lat - lat) >= NEAR_DEGREES:
                    continue
                if o.is_admin1:
                    closeness = OTHER_SENSE_WEIGHT * (1.0 if coded and code == o.division else 0.0)
                else:
                    dx, dy, dz = o.x - x, o.y - y, o.z - z
                    if dx * dx + dy * dy + dz * dz > FAR_CHORD_SQUARED:
                        continue  # as above
                    dlat, dlon = radians(o.lat - lat), radians(o.lon - lon)  # haversine_km, as above
                    h = sin(dlat / 2) ** 2 + cos_lat * o.cos_lat * sin(dlon / 2) ** 2
                    closeness = OTHER_SENSE_WEIGHT * (1.0 - 6371.0 * 2 * asin(sqrt(h)) / NEAR_KM)
                if closeness > near:
                    near = closeness
        out.append(score + NEAR_WEIGHT * near)
    return out


def _division_code(p: Place) -> tuple[str | None, str | None]:
    """``(country, division)`` with ISO 3166-2 codes cut to their suffix ("US-GA" -> "GA")."""
    code = p.admin1 or None
    if code and p.country and code.startswith(p.country + "-"):
        code = code[len(p.country) + 1:]
    return p.country, code
