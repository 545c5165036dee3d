"""Events: which sentences report what, where, when and by whom.

For each sentence, every layer's triggers are found (:mod:`geomap.layers`), and each
trigger is linked to the resolved places of the same sentence:

1. Each place takes one trigger: one attached to it ("Adre border crossing", the
   "Airport" of "Sanaa International Airport"), else the nearest before it, which
   governs it ("met in Nairobi", "seized the town of Palma"), else the nearest after it.
2. A trigger no place took links to its nearest place when that place is close
   (``LINK_WINDOW`` characters) and in the same clause (no comma, colon or bracket
   between them, except a comma that opens a "where" clause after the place), so
   "Palma ... after an attack" also gives a clash, and "Menaka, where thousands of
   displaced people sought refuge" a humanitarian event beside the siege.
3. A sentence that names a city-level place drops its coarser places (countries,
   provinces) as event locations: "Kingston, Jamaica" is in Kingston.  Places given
   only as a bearing ("north of Stockholm", "near Kazgil, on the road to Dilling") are
   references, not venues, and a country is a venue only when a locative word
   introduces it ("in Lebanon", not "between Israel and Hezbollah").  A place that
   speaks or decides ("Kyiv agreed", "which Baku calls Khankendi") or that one deals
   with ("a truce with Bamako") is a government, not a venue.
4. A layer's ``coarsest_place`` bounds how coarse its places may be (a meeting needs
   a venue; a humanitarian crisis may cover a country).

A sentence that names no place but refers to "the town" or "the city" takes the one town
the paragraph's last sentence with a venue named ("Drone strikes hit Kidal. Many
residents fled the town."); one that says "there" takes the last town the sentence just
before named ("He flew to Nairobi. He met Ruto there.").

A name the gazetteer does not know, which the text places at a distance and bearing from a
town ("Kazgil, about 35 km south of El Obeid"), was put there by the resolver
(:func:`geomap.resolve.place_by_offsets`); its events have "near" precision.

Routes with two named ends ("the road from Semera to Mekelle", "between Goma and
Bukavu") become lines.  A call between leaders (a layer's ``remote_triggers``) with no
venue becomes a line between the parties' capitals, marked inferred.  Repeated reports
of one event in a document are merged.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from bisect import bisect_left, bisect_right
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import chain

from . import actors as actors_mod
from . import dates as dates_mod
from .documents import dateline
from .layers import LayerMatcher, LayerScreen
from .mentions import TITLES
from .models import Document, Event, Layer, Mention, Place
from .regions import bearing_of, directional_point
from .resolve import OFFSET_SOURCE
from .sentences import Sentence, split_sentences

log = logging.getLogger("geomap")

LINK_WINDOW = 60  # characters between a trigger and a place for rule 2
AFTER_PENALTY = 1.5  # a trigger after its place counts as this much farther
_RANK = {"city": 0, "admin1": 1, "country": 2}
_ATTRIBUTION = re.compile(r"^(.{0,80}?)\b(said|says|reported|told|announced|warned|added|stated)\b", re.IGNORECASE)
_PASSIVE = re.compile(r"\b(?:was|were|is|are|been|being|be)\s+(?:(?:also|still|reportedly|widely|first|later|"
                      r"again|then|now|not|already)\s+)?$", re.IGNORECASE)
_SAYS = r"(?:said|says|reported|told|stated|added)"  # a closing attribution's verbs
_TRAILING_ATTRIBUTION = re.compile(r"(?:,\s*|\baccording\s+to\s+)[^,;]{0,80}?(?:\b" + _SAYS + r"\W*)?$", re.IGNORECASE)
# "said on Monday", "told reporters on Friday": when someone spoke, not when it happened.
_REPORTING_DATE = re.compile(r"\b(?:said|says|told(?:\s+\w+){0,2}|announced|reported|stated|added|confirmed)\s+(?:on\s+)?$",
                             re.IGNORECASE)
_SAYS_AT_END = re.compile(r"\b" + _SAYS + r"\W*$", re.IGNORECASE)
_SAYS_LONGEST = len("reported")
_ACCORDING_AT_END = re.compile(r"\baccording\s+to\b[^,;]*$", re.IGNORECASE)
_BEARING = re.compile(r"\b(?:(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?|near|outside)\s+of\s+$|"
                      r"\b(?:km|kilometres|kilometers|miles)\s+(?:\([^()\n]{1,25}\)\s+)?(?:[\w-]+\s+)?(?:from|of)\s+"
                      r"(?:the\s+(?:(?:town|city|village)\s+of\s+)?)?$|"  # "50 km (30 miles) north-east of the town of"
                      r",\s+(?:just\s+|about\s+)?(?:outside|near)\s+$|"  # "Putrajaya, outside Kuala Lumpur"
                      r"\b(?:airport|airbase|air\s+base|base|camp|port|crossing|bridge|dam|plant|refinery|prison|"
                      r"hospital)\s+(?:just\s+)?(?:outside|near)\s+$|"  # "Ben Gurion airport near Tel Aviv"
                      r"\b(?:district|suburb|neighbou?rhood|quarter|municipality|county)\s+of\s+$",  # "the Nurdağı district of Gaziantep"
                      re.IGNORECASE)
# "near Kazgil, on the road to Dilling": the town the road leads to locates the place named
# just before it (when that one is known), and hosts nothing itself
_ON_THE_ROAD_TO = re.compile(r",?\s+on\s+the\s+(?:main\s+)?(?:road|highway|route)\s+(?:to|towards)\s+",
                             re.IGNORECASE)
# "the village of Letur, in Albacete province": a province named after its city locates
# the place before it (the city is no second venue).
_COMMA_IN_END = re.compile(r",\s+in\s+$")
_PARENT_AREA = re.compile(r"\s+(?:province|region|district|state|county|governorate|prefecture|department)\b",
                          re.IGNORECASE)
# A country is where something happened only when a locative word introduces it ("in
# Lebanon", "fled to Egypt and Chad"); "between Israel and Hezbollah" or "brokered by
# France" name parties.
_LOCATIVE_BEFORE = re.compile(r"\b(?:in|inside|into|across|throughout|within|at|to|from|over|around|near|"
                              r"out\s+of|parts\s+of)\s+(?:the\s+)?$", re.IGNORECASE)
# "Kyiv agreed", "Moscow has denied": a place named as the one who speaks or decides is a
# government, not where something happened.
_PLACE_AS_ACTOR = re.compile(
    r"\s+(?:has\s+|have\s+|had\s+|also\s+)?(?:agreed|said|says|announced|accused|accuses|denied|denies|"
    r"rejected|rejects|warned|warns|insisted|insists|demanded|demands|urged|urges|refused|refuses|welcomed|"
    r"condemned|condemns|responded|retaliated|claimed|claims|proposed|signed|vowed|threatened|pledged|promised|"
    r"(?:trade|trades|traded)\s+(?:blame|accusations|barbs|threats|fire)|"
    r"called|calls|considers|regards|recognises|recognizes|blamed|blames|"
    r"(?:raised|raises|revised|revises)\s+(?:its|their))\b", re.IGNORECASE)  # "Bishkek raised its death toll"
# "Kinshasa launched", "Moscow deployed": a place that acts is a government too -- unless
# a locative puts someone in it ("the authorities in Sumy ordered an evacuation").
_PLACE_ACTS = re.compile(
    r"\s+(?:has\s+|have\s+|had\s+|also\s+)?(?:launched|launches|ordered|orders|deployed|deploys|sent|sends|"
    r"recalled|expelled|sanctioned|imposed|continued\s+to|continues\s+to|(?:began|begins)\s+(?:its|their)|struck|attacked|bombed|"
    r"shelled|fired)\b", re.IGNORECASE)
# "Kyiv's forces crossed the border", "Baku's position is that ...": the place names a party.
_FORCES_AFTER = re.compile(r"['\u2019]s\s+(?:forces|troops|army|military|soldiers|navy|air\s+force|fighters|"
                           r"militias?|government|police|warplanes|drones|position|stance|proposal|demands?|"
                           r"envoys?|ambassadors?|negotiators|delegation|foreign\s+ministry|defen[cs]e\s+ministry)\b",
                           re.IGNORECASE)
# "Kinshasa and Kampala launched ...": the other names of a list before the verb.
_LIST_OF_NAMES = re.compile(r"(?:\s*,\s*|\s+and\s+)(?:[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)")
# Words before a place that make it no venue: "a truce with Bamako", "talks with Kinshasa",
# "accused Cotonou" (a party); "told reporters in Cotonou", "a news conference in Geneva"
# (where someone spoke); "al-Qaeda's affiliate in the Sahel" (part of a party's name).
# "a statement issued in Port Sudan" (where someone spoke); "rescue teams from Yunnan" (where
# helpers came from); "the reconstruction of Gaza" (what a meeting was about).
_NOT_VENUE_BEFORE = re.compile(
    r"\b(?:(?:truce|ceasefire|cease-fire|deal|agreement|accord|peace|talks|negotiations|"
    r"relations|ties|dialogue|war|conflict)\s+with|accus(?:ed|es|ing)|blam(?:ed|es|ing)"
    r"|(?:told\s+(?:reporters|journalists)|(?:news|press)\s+conference|briefing|issued|released|"
    r"affiliate|branch|wing|franchise)\s+in"
    r"|(?:teams?|rescuers|delegations?|experts|volunteers|doctors|firefighters|aircraft|planes?|"
    r"supplies|aid|assistance|migrants|tourists|nationals)\s+from(?:\s+across)?"
    r"|(?:back|returned|returning|returnees|deported|deportees|expelled)\s+from"  # origins of returnees
    r"|(?:reconstruction|rebuilding|future|fate|status)\s+of)\s+(?:the\s+)?$", re.IGNORECASE)
# "the International Court of Justice in The Hague": a court's seat, where no event of ours happens.
_COURT_BEFORE = re.compile(r"\b(?:Court|Tribunal)(?:\s+of\s+(?:the\s+)?[A-Z][\w-]*)*\s+in\s+$")
# "a spokeswoman for the U.N. humanitarian office (OCHA) in Kabul, said ...": where a
# speaker works, named in the subject before a speech verb, is no venue.
_SPEAKER_BASE_BEFORE = re.compile(r"\b(?:spokes(?:man|woman|person)|official|head|chief|director|representative|"
                                  r"coordinator|envoy)\s+(?:for|of|at|with)\s+[^,;:]{0,80}?\bin\s+(?:the\s+)?$")
_SPEECH_AFTER = re.compile(r",?\s+(?:said|says|told|added|warned)\b")
# "the Shanghai Cooperation Organisation", "the Doha Agreement": a place that names an
# organisation or an accord is no venue.
_NAMES_ORG_AFTER = re.compile(r"\s+(?:[A-Z][\w-]*\s+){0,2}(?:Organi[sz]ation|Cooperation|Agreements?|Accords?|"
                              r"Process|Format|Declaration|Protocol|Conventions?)\b"
                              r"|\s+(?:war|conflict)\b(?!\s+(?:zone|area|region)s?\b)"  # "the Tigray war": a war's name
                              r"|['\u2019\"\u201d]?\s+(?:format|process|agreements?|accords?|declaration|protocol)\b")
# ("the Astana format", "the Minsk agreements", in lower case too, right after the name)
# (no capitalised word before the trigger: "Niamey, where Bamako agreed to a truce" has
# its own subject)
_WHERE_CLAUSE = re.compile(r",\s+(?:where|in\s+which)\b[^,;:()A-Z]*")
_WORD_AT_END = re.compile(r"[\w-]+\s+(?:the\s+)?$")  # the bearing word before a country ("eastern DRC")
_LIST_LINK = re.compile(r"(?:,\s*|\s+and\s+|\s+or\s+|,\s*and\s+)(?:the\s+)?$")
_ROUTE = re.compile(r"\b(?:from|between)\s+(?P<a>.+?)\s+(?:to|and|into)\s+(?P<b>.+?)(?=[,.;:]|\s|$)", re.IGNORECASE)
# "the Goma-Sake road", "the Tulkarm \u2013 Nablus highway": a route named by its two ends
_ROUTE_PAIR = re.compile(r"(?P<a>[A-Z][^\s\-\u2013\u2014]*)\s?[-\u2013\u2014]\s?(?P<b>[A-Z][^\s\-\u2013\u2014]*)\s+"
                         r"(?:road|highway|railway|rail\s+line|route|corridor|motorway|expressway|axis|stretch)\b")
# Words that, right after a country or demonym, tie it to a person ("Kenyan President ...",
# the titles mentions.py knows) or an organisation ("U.S. Department of State").
_ORG_HEADS = frozenset({"Department", "Ministry", "Government", "Army", "Forces", "Navy", "Embassy", "Official",
                        "Officials", "Police", "Parliament", "Cabinet"})
_AFFILIATION_WORDS = "|".join(re.escape(word) for word in sorted(TITLES | _ORG_HEADS, key=lambda w: (-len(w), w)))
_AFFILIATION = re.compile(r"^[\s'\u2019s]*(?:" + _AFFILIATION_WORDS + r")(?![\w.])")
_AFFILIATION_HEAD = re.compile(r"[\s'\u2019s]*(?:" + _AFFILIATION_WORDS + ")")  # where _AFFILIATION can match at all


def place_rank(place: Place) -> int:
    """0 for a city-level place (city, airport, site), 1 for a province, 2 for a country,
    3 for a continent: coarser than any layer's ``coarsest_place``, so no event sits at
    one ("firefighters from across Europe")."""
    if place.id.startswith("continent:"):
        return 3
    if place.kind == "country":
        return 2
    if place.kind in ("admin1", "region"):
        return 1
    return 0


def precision_of(place: Place) -> str:
    if place.source == OFFSET_SOURCE:
        return "near"  # placed by distance and bearing from a named town (resolve.place_by_offsets)
    return {0: "exact", 1: "admin1", 2: "country"}[place_rank(place)]


@dataclass(frozen=True)
class _Link:
    layer: Layer
    trigger: tuple[int, int]  # offsets within the sentence
    mention: Mention


def _gap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Characters between trigger ``a`` and place ``b`` (0 when they overlap), penalised when
    the trigger comes after the place."""
    if a[1] <= b[0]:
        return b[0] - a[1]
    if b[1] <= a[0]:
        return (a[0] - b[1]) * AFTER_PENALTY
    return 0.0


def _attachment(trigger: tuple[int, int], place: tuple[int, int]) -> tuple[int, int]:
    """Rule 1's ranking of a trigger for a place: attached to it first (overlapping, or
    right after it: "Adre border crossing"), then the nearest trigger before it (the verb
    that governs it: "seized X", "met in X"), then the nearest after it."""
    if trigger[0] < place[1] and place[0] < trigger[1]:
        return (0, 0)
    if trigger[0] >= place[1]:
        gap = trigger[0] - place[1]
        return (0, gap) if gap <= 2 else (2, gap)
    return (1, place[0] - trigger[1])


def _attribution_end(text: str) -> int:
    """End of a leading "X said" attribution clause, whose words are not triggers."""
    m = _ATTRIBUTION.match(text)
    if m and not re.search(r"[,;]", m.group(1)) and not _PASSIVE.search(m.group(1)):
        return m.start(2)
    return 0


def _attribution_start(text: str) -> int:
    """Start of a closing attribution ("..., health officials in Gaza said."), whose
    places are where people spoke, not where the event happened; ``len(text)`` if none."""
    # both searches look only where a match can start: the verb ends the last word, and
    # "according to" comes after the last comma or semicolon
    last = len(text)
    while last > 0 and not ((c := text[last - 1]).isalnum() or c == "_"):  # \W, as re reads it
        last -= 1
    after = max(text.rfind(","), text.rfind(";")) + 1
    if _SAYS_AT_END.search(text, max(0, last - _SAYS_LONGEST)) or _ACCORDING_AT_END.search(text, after):
        m = _TRAILING_ATTRIBUTION.search(text)
        if m:
            return m.start()
    return len(text)


def _introduced_as_location(text: str, m: Mention, before: Sequence[Mention]) -> bool:
    """Whether a locative word introduces ``m``, directly or through a list of places
    ("to Egypt and Chad")."""
    start = m.start
    for _ in range(len(before) + 1):
        head = text[max(0, start - 60):start]
        if _LOCATIVE_BEFORE.search(head):
            return True
        link = _LIST_LINK.search(head)
        prev = [p for p in before if link and p.end == start - len(link.group(0))]
        if not prev:
            return False
        start = prev[0].start
    return False


def _not_venue_listed(text: str, m: Mention, named: Sequence[Mention]) -> bool:
    """Whether the words before ``m``, or before the first name of the list it ends, make
    it no venue (:data:`_NOT_VENUE_BEFORE`): "rescuers from Australia and New Zealand"."""
    start = m.start
    for other in reversed([n for n in named if n.end <= m.start]):
        if _NOT_VENUE_BEFORE.search(text, max(0, start - 40), start):
            return True
        if not _LIST_SEP.fullmatch(text, other.end, start):
            return False
        start = other.start  # the name before, in the same list
    return _NOT_VENUE_BEFORE.search(text, max(0, start - 40), start) is not None


#: What separates the names of a list ("Iran and Pakistan", "Chad, Niger and Mali").
_LIST_SEP = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def _venues(sentence: Sentence, mentions: Sequence[Mention], text: str) -> list[Mention]:
    """Resolved place names of a sentence that can host an event (rules 3)."""
    named = [m for m in mentions if m.place is not None and m.role == "name"
             and sentence.start <= m.start and m.end <= sentence.end]
    if not named:
        return []
    said_at = sentence.start + _attribution_start(sentence.text)
    named = [m for m in named if m.end <= said_at]
    inside = [m for m in named if not _speaks(text, m.start, m.end)
              and not _not_venue_listed(text, m, named)
              and not _COURT_BEFORE.search(text, max(0, m.start - 60), m.start)
              and not (_SPEECH_AFTER.match(text, m.end)
                       and _SPEAKER_BASE_BEFORE.search(text, max(0, m.start - 120), m.start))
              and not _NAMES_ORG_AFTER.match(text, m.end)
              and (m.place.kind != "country" or _introduced_as_location(text, m, named))]
    if not inside:
        return []
    finest = min(place_rank(m.place) for m in inside)
    kept = [m for m in inside if place_rank(m.place) == finest]
    if finest == 0 and len(kept) > 1:
        refs = [m for m in kept if _BEARING.search(sentence.text[:m.start - sentence.start])
                or _PARENT_AREA.match(text, m.end) and _COMMA_IN_END.search(text, sentence.start, m.start)
                or any(_ON_THE_ROAD_TO.fullmatch(text, p.end, m.start) for p in named if p.end <= m.start)]
        if len(refs) < len(kept):
            kept = [m for m in kept if m not in refs]
    elif finest == 1 and len(kept) > 1:
        # "eastern Afghanistan" beside "Kunar province": the province is the finer place
        provinces = {m.place.country for m in kept if m.place.kind == "admin1"}
        kept = [m for m in kept if not (m.place.kind == "region" and m.place.id.startswith("country:")
                                        and m.place.country in provinces)]
    return kept


def _speaks(text: str, start: int, end: int) -> bool:
    """Whether the place name at ``start:end`` (or the list of names it begins: "Kinshasa
    and Kampala launched") is the subject of a government's verb, or names a party's
    forces ("Kyiv's forces")."""
    if _FORCES_AFTER.match(text, end):
        return True
    located = _LOCATIVE_BEFORE.search(text, max(0, start - 30), start) is not None
    for _ in range(4):
        if _PLACE_AS_ACTOR.match(text, end) or (not located and _PLACE_ACTS.match(text, end)):
            return True
        more = _LIST_OF_NAMES.match(text, end)
        if more is None:
            return False
        end = more.end()
    return False


#: A clause that turns to something else: a trigger after it is not the place's ("signed
#: a pledge in Aru to cease hostilities, but fighting resumed within weeks").
_CONTRAST = re.compile(r"[,;]\s+(?:but|although|though|while|whereas|yet)\b")


def link_triggers(sentence: Sentence, venues: Sequence[Mention], matchers: Sequence[LayerMatcher],
                  quiet: frozenset[str] = frozenset(), loud: frozenset[str] = frozenset()) -> list[_Link]:
    """Rules 1, 2 and 4: pair the sentence's triggers with its venues.  The layers in
    ``quiet`` fire without their weak triggers (:meth:`LayerMatcher.quiet_in`), those in
    ``loud`` with their lead triggers (:meth:`LayerMatcher.loud_in`)."""
    if not venues or not matchers:
        return []
    skip_before = _attribution_end(sentence.text)
    # a layer whose coarsest place is finer than every venue can link none of them:
    # its triggers are not looked for
    finest = min(place_rank(m.place) for m in venues)
    triggers = [(mt.layer, span) for mt in matchers if _RANK.get(mt.layer.coarsest_place, 2) >= finest
                for span in mt.triggers(sentence.text, weak=mt.layer.id not in quiet, lead=mt.layer.id in loud)
                if span[0] >= skip_before]
    if not triggers:
        return []

    def allowed(layer: Layer, m: Mention) -> bool:
        return place_rank(m.place) <= _RANK.get(layer.coarsest_place, 2)

    def rel(m: Mention) -> tuple[int, int]:
        return (m.start - sentence.start, m.end - sentence.start)

    links: dict[tuple[str, int], _Link] = {}
    taken: set[tuple[str, tuple[int, int]]] = set()
    for m in venues:
        options = [(_attachment(span, rel(m)), layer.order, layer.id, span, layer)
                   for layer, span in triggers if allowed(layer, m)
                   and not _CONTRAST.search(sentence.text, rel(m)[1], max(rel(m)[1], span[0]))]
        if options:
            _, _, _, span, layer = min(options, key=lambda o: o[:3])
            links[(layer.id, m.start)] = _Link(layer, span, m)
            taken.add((layer.id, span))
    for layer, span in triggers:
        if (layer.id, span) in taken:
            continue
        options = [(_gap(span, rel(m)), m.start, m) for m in venues if allowed(layer, m)]
        if not options:
            continue
        gap, _, m = min(options, key=lambda o: o[:2])
        lo, hi = sorted((span, rel(m)))
        between = sentence.text[lo[1]:hi[0]]
        # "the town of Menaka, where thousands of displaced people ...": a relative
        # clause after the place speaks of it
        same_clause = not re.search(r"[,;:()]|\s[-\u2013\u2014]\s", between) or (
            lo == rel(m) and _WHERE_CLAUSE.fullmatch(between) is not None)
        if gap <= LINK_WINDOW and same_clause and (layer.id, m.start) not in links:
            links[(layer.id, m.start)] = _Link(layer, span, m)
    return sorted(links.values(), key=lambda lk: (lk.mention.start, lk.layer.order))


def _route_end(sentence: Sentence, venues: Sequence[Mention], link: _Link) -> Mention | None:
    """The other end of a route named "from A to B" / "between A and B" / "the A-B road", if
    ``link`` is one end."""
    for m in chain(_ROUTE.finditer(sentence.text), _ROUTE_PAIR.finditer(sentence.text)):
        a_start = sentence.start + m.start("a")
        b_start = sentence.start + m.start("b")
        ends = [v for v in venues if v.start in (a_start, b_start)]
        if len(ends) == 2 and link.mention in ends and place_rank(ends[0].place) == 0 == place_rank(ends[1].place):
            return ends[1] if link.mention is ends[0] else ends[0]
    return None


def with_regions(doc: Document, mentions: Sequence[Mention]) -> list[Mention]:
    """Widen "eastern" + a country into a region mention ("eastern DRC"), placed in that
    part of the country (:mod:`geomap.regions`); other mentions are returned unchanged."""
    out = []
    for m in mentions:
        if m.place is not None and m.role == "name" and m.place.kind == "country":
            before = doc.text[max(0, m.start - 30):m.start]
            bearing = bearing_of(before)
            point = directional_point(m.place.country, bearing) if bearing else None
            word = _WORD_AT_END.search(before) if point is not None else None
            if word is not None:
                start = m.start - (len(before) - word.start())
                region = replace(m.place, id=f"{m.place.id}:{bearing}", name=f"{doc.text[start:m.start]}{m.place.name}",
                                 lat=point[0], lon=point[1], kind="region", admin1=None)
                m = replace(m, start=start, surface=doc.text[start:m.end], place=region, candidates=(region,))
        out.append(m)
    return out


class _DocContext:
    """What a document says once and every sentence uses: dates, actors and their countries.

    Dates and actors are read on first use: most documents report no event, and then
    neither is needed; and most sentences of the others bear on no event's actors."""

    def __init__(self, doc: Document, sentences: Sequence[Sentence], mentions: Sequence[Mention],
                 today: dt.date | None):
        self.doc = doc
        self.today = today
        self.sentences = sentences
        self._line = dateline(doc.text)
        # the dateline's span (it may follow a headline): no places, actors or dates in it
        self.line_start, self.head = self._line[:2] if self._line else (0, 0)
        self.mentions = sorted((m for m in mentions if not self.in_dateline(m.start)), key=lambda m: m.start)
        # the town the dateline names ("LIBREVILLE, Aug 30 (Reuters) -"), if it names one
        self.home = next((m for m in mentions if self.in_dateline(m.start) and m.role == "name"
                          and m.place is not None and place_rank(m.place) == 0), None)
        self._mention_starts = [m.start for m in self.mentions]
        self._found_in: dict[int, list[tuple[int, int, str]]] = {}  # see _found
        self._surnames: dict[str, bool] = {}  # see _surname_of
        self._titled: dict[int, list[str]] = {}  # see _titled_in

    def home_country_in(self, sentence: Sentence) -> list[Mention]:
        """The mentions of ``sentence`` that put something in the dateline town's country
        ("officers in Gabon said"; none when there is no such town)."""
        if self.home is None:
            return []
        text = self.doc.text
        return [m for m in self.mentions_in(sentence) if m.role == "name" and m.place is not None
                and m.place.id == f"country:{self.home.place.country}"
                and _LOCATIVE_BEFORE.search(text, max(0, m.start - 30), m.start)]

    def in_dateline(self, offset: int) -> bool:
        return self.line_start <= offset < self.head

    @cached_property
    def reference(self) -> dt.date | None:
        doc, line, today = self.doc, self._line, self.today
        body = doc.text[:self.line_start] + "\n" + doc.text[self.head:]
        reference = dates_mod.reference_date(body, doc.published, today=today)
        if line and doc.published is None:
            # a dateline's day without a year ("April 1") takes its year from a full date in
            # the text ("Published 3 June 2023"), else from today: a year the text only
            # mentions ("formed in 2023") says when something else happened
            day = next((d.date for d in dates_mod.find_dates(body, today=today)
                        if d.anchored and d.precision == "day"), None)
            words = line[2]
            if day is None and words:
                # without a full date, the weekday the lead names is the filing day's
                # ("KASESE, June 18 - ... began burying on Sunday"): the latest June 18
                # that fell on a Sunday, not this year's June 18
                lead = next((s for s in self.sentences if s.end > self.head), None)
                weekday = dates_mod.filed_weekday(doc.text[self.head:lead.end]) if lead else None
                words = f"{weekday}, {words}" if weekday else words
            filed = [d for d in dates_mod.find_dates(words, reference=day, today=today)
                     if d.precision == "day"]
            reference = filed[0].date if filed else reference
        return reference

    @cached_property
    def dates(self) -> list[dates_mod.DateMention]:
        return [d for d in dates_mod.find_dates(self.doc.text, reference=self.reference, today=self.today)
                if not self.in_dateline(d.start)]

    @cached_property
    def _day_starts(self) -> list[int]:
        return [d.start for d in self.dates]  # find_dates gives them in text order

    @cached_property
    def _block_dates(self) -> dict[int, dates_mod.DateMention | None]:
        """For each sentence (by its start), the last day-precision date of the sentences
        before it in its block."""
        out: dict[int, dates_mod.DateMention | None] = {}
        latest: dict[int, dates_mod.DateMention] = {}
        for s in self.sentences:
            out[s.start] = latest.get(s.block)
            days = self.days_in(s)
            if days:
                latest[s.block] = days[-1]
        return out

    @cached_property
    def _place_spans(self) -> tuple[list[tuple[int, int]], list[int]]:
        """The place names' spans (and the dateline), which are no actors, and their starts."""
        place_spans = [(m.start, m.end) for m in self.mentions if m.role == "name"]
        if self.head:
            place_spans.append((self.line_start, self.head))
        place_spans.sort()  # only which spans lie in a sentence matters, not their order
        return place_spans, [a for a, _ in place_spans]

    def _found(self, s: Sentence) -> list[tuple[int, int, str]]:
        """The actors named in ``s`` (document offsets), read once."""
        found = self._found_in.get(s.start)
        if found is None:
            place_spans, span_starts = self._place_spans
            inside = place_spans[bisect_left(span_starts, s.start):bisect_right(span_starts, s.end)]
            local = [(a - s.start, b - s.start) for a, b in inside if b <= s.end]
            found = [(s.start + a, s.start + b, name) for a, b, name in actors_mod.find_actors(s.text, exclude=local)]
            found = sorted(found + self._named_again(s, found, inside) + self._governments(s))
            self._found_in[s.start] = found
        return found

    def _governments(self, s: Sentence) -> list[tuple[int, int, str]]:
        """The countries ``s`` names as the ones who act or speak ("Israel began its
        campaign", "Iran retaliated"): parties, named as the text names them."""
        text = self.doc.text
        return [(m.start, m.end, m.surface) for m in self.mentions_in(s)
                if m.role == "name" and m.place is not None and m.place.kind == "country" and m.end <= s.end
                and _speaks(text, m.start, m.end) and not _FORCES_AFTER.match(text, m.end)]

    def _named_again(self, s: Sentence, found: list[tuple[int, int, str]],
                     places: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """The people of the document that ``s`` names by surname only ("Noboa, who took
        office in November, met ..."), after a title named them in full elsewhere."""
        taken = [(a, b) for a, b, _n in found] + places
        out = []
        for m in actors_mod.NAME_WORD.finditer(s.text):
            word, start, end = m.group("word"), s.start + m.start(), s.start + m.end("word")
            if word in actors_mod.STOP_WORDS or any(a < end and start < b for a, b in taken):
                continue
            if self._surname_of(word):
                out.append((start, end, word))
        return out

    def _surname_of(self, word: str) -> bool:
        """Whether a title names someone in full, anywhere in the document, whose last
        name is ``word`` (cached: few words are asked, each once)."""
        known = self._surnames.get(word)
        if known is None:
            known = self._surnames[word] = any(
                name.rsplit(" ", 1)[-1] == word for t in self.sentences if word in t.text
                for name in self._titled_in(t))
        return known

    def _titled_in(self, s: Sentence) -> list[str]:
        """:func:`~geomap.actors.titled_people` of ``s``, read once."""
        names = self._titled.get(s.start)
        if names is None:
            names = self._titled[s.start] = actors_mod.titled_people(s.text)
        return names

    def _canonical(self, sentences: Sequence[Sentence]) -> tuple[dict[int, list[tuple[int, int, str]]], dict[str, str]]:
        """The actors of ``sentences`` (by sentence start) and the canonical form of each of
        their names, as the whole document's names give it, reading only the sentences
        that can bear on it.

        A name's canonical form (:func:`~geomap.actors.canonical_actors`) depends on the
        document's acronyms that start with one of its :func:`~geomap.actors.initials`,
        which only sentences with such an :data:`~geomap.actors.ACRONYM_START` name, and,
        for a person's name, on the longer names of people that end with its own last
        word, which only sentences holding that word name."""
        found = {s.start: self._found(s) for s in sentences}
        bases = {actors_mod.base_name(name) for f in found.values() for _, _, name in f}
        last_words = {words[-1] for base in bases if actors_mod.looks_like_person(base) and (words := base.split())}
        firsts = {c.upper() for base in bases if not actors_mod.is_acronym(base) for c in actors_mod.initials(base)}
        names = []
        for s in self.sentences:
            if (s.start in found or any(word in s.text for word in last_words)
                    or any(m.group() in firsts for m in actors_mod.ACRONYM_START.finditer(s.text))):
                names += [name for _, _, name in self._found(s)]
        return found, actors_mod.canonical_actors(names)

    def actors_of(self, starts: set[int]) -> dict[int, tuple[str, ...]]:
        """The actors of the sentences starting at ``starts``: canonical names, in order, once each."""
        found, canonical = self._canonical([s for s in self.sentences if s.start in starts])
        return {start: tuple(dict.fromkeys(canonical.get(n, n) for _, _, n in f)) for start, f in found.items()}

    @cached_property
    def _affiliated_ends(self) -> list[int]:
        """Where the mentions end that :meth:`affiliation_before` can name a country by (a
        title or an organisation word follows them), in order."""
        text = self.doc.text
        return sorted(m.end for m in self.mentions if m.place is not None and m.place.country
                      and _AFFILIATION_HEAD.match(text, m.end, m.end + 41))

    def _may_affiliate(self, s: Sentence) -> bool:
        """Whether :meth:`affiliation_before` can name a country for an actor in ``s``: the
        mention must end at most 40 characters before the actor."""
        ends = self._affiliated_ends
        i = bisect_left(ends, s.start - 40)
        return i < len(ends) and ends[i] <= s.end

    def mentions_in(self, sentence: Sentence) -> list[Mention]:
        """The mentions starting inside ``sentence`` (at ``sentence.end`` at the latest), in text order."""
        starts = self._mention_starts
        return self.mentions[bisect_left(starts, sentence.start):bisect_right(starts, sentence.end)]

    def affiliation_before(self, offset: int) -> str | None:
        """Country of a demonym or country name written just before ``offset``
        ("Kenyan President William Ruto", "U.S. Secretary ...")."""
        text = self.doc.text
        # a mention that ends by ``offset`` starts by it too: the later ones are skipped anyway
        for m in reversed(self.mentions[:bisect_right(self._mention_starts, offset)]):
            if m.end > offset:
                continue
            if offset - m.end > 40:
                break
            if m.place is not None and m.place.country and _AFFILIATION.match(text[m.end:offset + 1] + " "):
                return m.place.country
            break
        return None

    @cached_property
    def main_country(self) -> str | None:
        """The country most of the document's place names lie in (at least two, and more
        than any other country), else ``None``."""
        counts = Counter(m.place.country for m in self.mentions
                         if m.place is not None and m.place.country and m.role == "name").most_common(2)
        if not counts or counts[0][1] < 2 or (len(counts) > 1 and counts[1][1] == counts[0][1]):
            return None
        return counts[0][0]

    def parties(self, sentence: Sentence) -> list[str]:
        """Countries of the people and organisations a sentence names, in order of appearance.

        A person's country is the one written before any mention of them in the document
        (:meth:`affiliation_before`), first one first; only the sentences where one can be
        are read for it."""
        codes = []
        for m in self.mentions_in(sentence):
            if sentence.start <= m.start < sentence.end and m.place is not None and m.place.country:
                if _AFFILIATION.match(self.doc.text[m.end:sentence.end] + " "):
                    codes.append((m.start, m.place.country))
        read = [s for s in self.sentences if s is sentence or self._may_affiliate(s)]
        found, canonical = self._canonical(read)
        person_country: dict[str, str] = {}
        for s in read:
            for start, _, name in found[s.start]:
                code = self.affiliation_before(start)
                if code:
                    person_country.setdefault(canonical.get(name, name), code)
        for start, _, name in found[sentence.start]:
            code = person_country.get(canonical.get(name, name))
            if code:
                codes.append((start, code))
        return list(dict.fromkeys(code for _, code in sorted(codes)))

    def days_in(self, sentence: Sentence) -> list[dates_mod.DateMention]:
        """The day-precision dates written inside ``sentence``, in text order."""
        starts = self._day_starts
        dates = self.dates[bisect_left(starts, sentence.start):bisect_right(starts, sentence.end)]
        return [d for d in dates if d.end <= sentence.end and d.precision == "day"]

    def _reporting(self, date: dates_mod.DateMention, sentence: Sentence) -> bool:
        return _REPORTING_DATE.search(self.doc.text[max(sentence.start, date.start - 40):date.start]) is not None

    def date_for(self, sentence: Sentence, near: int):
        """The day-precision date nearest to ``near`` in the sentence (an event date before a
        reporting date); else the latest one earlier in the same block; else none."""
        inside = self.days_in(sentence)
        if inside:
            # a date after "said" is when someone spoke, and one in a clause about someone
            # else's doings ("Boric, who flew over the area on Saturday, chaired a meeting
            # on Sunday") is another time: the event's own date wins over both
            asides = [(sentence.start + m.start(), sentence.start + m.end()) for m in _ASIDE.finditer(sentence.text)]

            def aside(d) -> bool:
                return any(a <= d.start < b and not a <= near < b for a, b in asides)

            return min(inside, key=lambda d: (self._reporting(d, sentence), aside(d), abs(d.start - near), d.start))
        return self._block_dates[sentence.start]


#: A relative clause set off by commas ("Boric, who flew over the area on Saturday, ...").
_ASIDE = re.compile(r",\s+(?:who|which|whose)\b[^,;()]*,")


def _event_id(doc: Document, start: int, layer_id: str, place: str) -> str:
    digest = hashlib.sha1(f"{doc.id}|{start}|{layer_id}|{place}".encode()).hexdigest()[:10]
    return f"{doc.id}-{digest}"


def _confidence(gap: float, has_date: bool, place: Place) -> float:
    score = 0.45 + (0.25 if gap <= 25 else 0.1 if gap <= LINK_WINDOW else 0.0)
    score += 0.1 if has_date else 0.0
    score += 0.1 if place_rank(place) == 0 else 0.0
    return round(min(score, 0.95), 2)


_MATCHERS: dict[int, LayerMatcher] = {}


def layer_matchers(layers: Sequence[Layer]) -> list[LayerMatcher]:
    """One :class:`LayerMatcher` per layer, kept from document to document so that each
    layer's regular expressions are compiled once."""
    out = []
    for layer in layers:
        matcher = _MATCHERS.get(id(layer))
        if matcher is None or matcher.layer is not layer:
            if len(_MATCHERS) > 1000:
                _MATCHERS.clear()
            matcher = _MATCHERS[id(layer)] = LayerMatcher(layer)
        out.append(matcher)
    return out


_SCREENS: dict[tuple[int, ...], LayerScreen] = {}


def layer_screen(matchers: Sequence[LayerMatcher]) -> LayerScreen:
    """The :class:`LayerScreen` of ``matchers``, kept from document to document like them."""
    key = tuple(map(id, matchers))
    screen = _SCREENS.get(key)
    if screen is None or any(a is not b for a, b in zip(screen.matchers, matchers)):
        if len(_SCREENS) > 100:
            _SCREENS.clear()
        screen = _SCREENS[key] = LayerScreen(matchers)
    return screen


def extract_events(doc: Document, mentions: Sequence[Mention], layers: Sequence[Layer], gazetteer,
                   *, today: dt.date | None = None) -> list[Event]:
    """All events of one document, merged (one per real-world event)."""
    sentences = split_sentences(doc.text)
    ctx = _DocContext(doc, sentences, with_regions(doc, mentions), today)
    matchers = layer_matchers(layers)
    events: list[Event] = []
    screened = layer_screen(matchers).screen(doc.text, [(s.start, s.end) for s in sentences])
    # a report on a natural disaster, by its headline and lead: "killed" is the quake's work
    lead = " ".join(s.text for s in sentences[:2])
    quiet = frozenset(mt.layer.id for mt in matchers if mt.quiet_in(lead))
    loud = frozenset(mt.layer.id for mt in matchers if mt.loud_in(lead))
    for n, (sentence, (firing, calling)) in enumerate(zip(sentences, screened)):
        if not firing and not calling:
            continue  # no layer can fire in this sentence
        venues = _venues(sentence, ctx.mentions_in(sentence), doc.text)  # ctx.mentions leaves out the dateline
        if all(place_rank(v.place) > 0 for v in venues) and (ref := _BACK_REFERENCE.search(sentence.text)):
            # "the town" in a sentence that names no town: the town named just before, when
            # it lies in the areas this sentence names ("held the district capital in
            # northern Mozambique")
            town = _last_town(sentences, n, ctx, doc.text)
            if town is not None and all(v.place.country == town.place.country for v in venues):
                venues = _back_reference(sentence, ref, town)
        if ctx.home is not None and sentence.start <= ctx.head < sentence.end \
                and (named := venues or ctx.home_country_in(sentence)) \
                and all(v.place.id.startswith("country:") and v.place.country == ctx.home.place.country
                        for v in named):
            # the lead after a dateline that puts its news only in the dateline town's country
            # or a part of it named by a bearing, or names only that country ("LIBREVILLE -
            # Army officers in Gabon said they had taken power"): the dateline's town, not a
            # province the lead names
            venues = [replace(ctx.home, surface=ctx.home.place.name)]
        if all(place_rank(v.place) > 0 for v in venues) and n > 0 and (ref := _THERE.search(sentence.text)):
            # "there" in a sentence that names no town: the last town the sentence before
            # named ("... left Mekelle for Addis Ababa. He met Abiy Ahmed there on Saturday.")
            town = _last_town_named(sentences[n - 1], sentence, ctx, doc.text)
            if town is not None:
                venues = _back_reference(sentence, ref, town)
        if all(place_rank(v.place) > 0 for v in venues) and (ref := _CAPITAL_REFERENCE.search(sentence.text)):
            venues = _the_capital(doc, sentence, ref, venues, ctx, gazetteer) or venues
        events += _sentence_events(doc, ctx, sentence, venues, firing, quiet, loud)
        events += _remote_events(doc, ctx, sentence, venues, calling, gazetteer)
    # the actors once every event's sentence is known: they need only some of the others
    actors = ctx.actors_of({ev.start for ev in events}) if events else {}
    return merge_events([replace(ev, actors=actors[ev.start]) for ev in _without_route_ends(events)])


def _without_route_ends(events: list[Event]) -> list[Event]:
    """Leave out a point that a route of the same sentence and layer ends at: "blocked the
    Nairobi-Nakuru highway at the entrance to Nakuru" is one event, the road."""
    ends = {(e.start, e.event_type, c) for e in events if len(e.coords) > 1 and not e.inferred for c in e.coords}
    return [e for e in events if len(e.coords) > 1 or (e.start, e.event_type, e.coords[0]) not in ends]


def _last_town(sentences: Sequence[Sentence], n: int, ctx, text: str) -> Mention | None:
    """The one town named by the last sentence before ``sentences[n]``, in its paragraph,
    that names a venue (``None`` when that sentence names several towns, or none)."""
    block = sentences[n].block
    for sentence in reversed(sentences[:n]):
        if sentence.block != block:
            return None
        venues = _venues(sentence, ctx.mentions_in(sentence), text)
        if venues:
            towns = {v.place.id: v for v in venues if v.place.kind == "city"}
            return next(iter(towns.values())) if len(towns) == 1 else None
    return None


def _last_town_named(before: Sentence, sentence: Sentence, ctx, text: str) -> Mention | None:
    """The last town that ``before``, the sentence right before ``sentence`` in its
    paragraph, names as a venue; ``None`` when it names none."""
    if before.block != sentence.block:
        return None
    towns = [v for v in _venues(before, ctx.mentions_in(before), text) if v.place.kind == "city"]
    return max(towns, key=lambda v: v.start) if towns else None


#: "there" as a place ("met him there"), not "there is", "there were" or "over there".
_THERE = re.compile(r"(?<![Oo]ver )(?:\bthere\b|^There,)(?!\s+(?:is|are|was|were|has|have|had|will|would|could|can|may|"
                    r"might|must|should|seems?|seemed|appears?|appeared|remains?|remained|being|been|be)\b|['\u2019]s)")


#: "the town", "the city", "the district capital": a place named before ("the town of X"
#: names one itself).
_BACK_REFERENCE = re.compile(r"\b[Tt]he\s+(?:town|city|village|(?:district|provincial|regional|state)\s+capital)\b"
                             r"(?!\s+of\b|'s\b|\s+(?:council|hall|centre|center)\b)")


#: "the capital", unnamed ("met ... in the capital on Thursday"); not "the capital of X",
#: "the capital's", nor "the capital, Bamako" / "the capital Sanaa" (which name it).
_CAPITAL_REFERENCE = re.compile(r"\bthe\s+capital\b(?!\s+of\b|['\u2019]s\b|,?\s+[A-Z])")


def _the_capital(doc, sentence: Sentence, ref: re.Match, venues: Sequence[Mention], ctx,
                 gazetteer) -> list[Mention]:
    """"The capital" in a sentence that names no town: the capital of the one country the
    sentence names as a venue, else of the document's main country, as a venue named
    after the capital and read from those words (like :func:`_back_reference`).  Not where
    someone only spoke ("told reporters in the capital")."""
    start, end = sentence.start + ref.start(), sentence.start + ref.end()
    if _NOT_VENUE_BEFORE.search(doc.text, max(0, start - 40), start + len("the ")):
        return []
    countries = {v.place.country for v in venues if v.place.kind == "country"}
    code = next(iter(countries)) if len(countries) == 1 else ctx.main_country
    capital = gazetteer.capital(code) if code else None
    if capital is None:
        return []
    return [Mention(doc.id, start, end, capital.name, (capital,), capital, 1.0, "name")]


def _back_reference(sentence: Sentence, ref: re.Match, town: Mention) -> list[Mention]:
    """The town the paragraph's last sentence with a venue named (:func:`_last_town`), when
    this sentence names no town but refers to it (``ref``: "the town", "the city"; "Drone
    strikes hit Kidal.  Many residents fled the town."): as a venue read from those words."""
    start, end = sentence.start + ref.start(), sentence.start + ref.end()
    return [replace(town, start=start, end=end)]


def _make_event(doc, sentence, layer, place_name, coords, place, date, actors, **extra) -> Event:
    return Event(
        id=_event_id(doc, sentence.start, layer.id, place_name), doc_id=doc.id, source=doc.source,
        event_type=layer.id, place=place_name, coords=coords, evidence=sentence.text.strip(),
        start=sentence.start, end=sentence.end, date=date.date if date else None,
        date_text=date.text if date else None, actors=actors, place_id=place.id if place else None,
        country=place.country if place else None, url=doc.url, title=doc.title, **extra)


def _sentence_events(doc, ctx, sentence, venues, matchers, quiet: frozenset[str],
                     loud: frozenset[str] = frozenset()) -> list[Event]:
    out = []
    routed: set[int] = set()
    for link in link_triggers(sentence, venues, matchers, quiet, loud):
        m, place = link.mention, link.mention.place
        if m.start in routed and link.layer.geometry == "line":
            continue
        trigger_at = sentence.start + link.trigger[0]
        date = ctx.date_for(sentence, trigger_at)
        coords = ((place.lat, place.lon),)
        name, note = m.surface, None
        other = _route_end(sentence, venues, link) if link.layer.geometry == "line" else None
        if other is not None:
            first, second = sorted((m, other), key=lambda x: x.start)
            coords = ((first.place.lat, first.place.lon), (second.place.lat, second.place.lon))
            name = f"{first.surface} \u2013 {second.surface}"
            note = "route between the two places the text names"
            routed.update({first.start, second.start})
        if other is None and place.source == OFFSET_SOURCE:
            # say where the point comes from: "about 35 km south of El Obeid"
            town = next((x for x in ctx.mentions if x.start >= m.end), None)
            if town is not None:
                note = f"{doc.text[m.end:town.end].strip(' ,')}, as the text puts it"
        gap = _gap(link.trigger, (m.start - sentence.start, m.end - sentence.start))
        end = (other.end if other is not None and other.start > m.start else m.end)
        start = (other.start if other is not None and other.start < m.start else m.start)
        out.append(_make_event(
            doc, sentence, link.layer, name, coords, place, date, (),  # actors: see extract_events
            confidence=_confidence(gap, date is not None, place), precision=precision_of(place), note=note,
            place_start=start, place_end=end))
    return out


def _remote_events(doc, ctx, sentence, venues, matchers, gazetteer) -> list[Event]:
    """A call or exchange with no venue: a line between the parties' capitals, inferred."""
    if any(place_rank(v.place) == 0 for v in venues):
        return []
    out = []
    for mt in matchers:
        spans = mt.remote(sentence.text)
        if not spans:
            continue
        capitals = [c for c in (gazetteer.capital(code) for code in ctx.parties(sentence)) if c is not None]
        if not capitals:
            log.info("%s: a %s with no venue and no known parties: %r", doc.source, mt.layer.id, sentence.text[:80])
            continue
        coords = tuple((c.lat, c.lon) for c in capitals)
        name = " \u2013 ".join(c.name for c in capitals)
        date = ctx.date_for(sentence, sentence.start + spans[0][0])
        out.append(_make_event(
            doc, sentence, mt.layer, name, coords, capitals[0], date, (),  # actors: see extract_events
            confidence=0.4, precision="inferred", inferred=True,
            note="no venue given: drawn between the parties' capitals"))
    return out


def merge_events(events: Sequence[Event]) -> list[Event]:
    """Merge reports of one event within a document: same type, same place, both located
    or both inferred, and the same date or no date on one side.  The first report's
    sentence stays the evidence."""
    merged: list[Event] = []
    by_key: dict[tuple, list[int]] = {}  # (document, type, place): indexes into ``merged``, in order
    for ev in sorted(events, key=lambda e: (e.doc_id, e.start, e.event_type, e.place)):
        same = by_key.setdefault((ev.doc_id, ev.event_type, ev.place_id, ev.coords, ev.inferred), [])
        for i in same:
            kept = merged[i]
            if kept.date is None or ev.date is None or kept.date == ev.date:
                merged[i] = replace(
                    kept, date=kept.date or ev.date, date_text=kept.date_text or ev.date_text,
                    actors=tuple(dict.fromkeys(kept.actors + ev.actors)), mentions=kept.mentions + ev.mentions,
                    confidence=round(min(0.99, max(kept.confidence, ev.confidence) + 0.05), 2))
                break
        else:
            same.append(len(merged))
            merged.append(ev)
    return merged
