"""Find who acts in a sentence: people, organisations and armed groups.

Standard library only; rules, not a trained model.  :func:`find_actors` reads

* **people after a title**: "President William Ruto" -> "William Ruto", "Secretary of
  State Marco Rubio" -> "Marco Rubio", "rebel leader Corneille Nangaa", and the
  apposition "commander-in-chief, Oleksandr Syrskyi," -> "Oleksandr Syrskyi".  The
  title is dropped; a lone title is not an actor.
* **people before a speech verb**: "Ruto said" -> "Ruto" (a capitalised run right
  before said/told/warned/...).
* **organisations**: a capitalised run of two or more words that has an
  organisation word in it (Community, Forces, Front, Council, Union, Nations, ...),
  extended over "of"/"for" on either side ("Chiefs of Defense Forces", "U.S.
  Department of State", "Economic Community of West African States"); a name with a
  parenthesised acronym gives both ("East African Community (EAC)"); runs that end in
  a facility word ("... International Airport") are places, not organisations.  Before
  an acronym in brackets, the words it spells out are a name in any language, with no
  organisation word needed ("Société Guinéenne des Pétroles (SGP)").
* **not news agencies or broadcasters** (:data:`NEWS_SOURCES`: Reuters, AFP, Xinhua,
  Al Jazeera, "... News Agency"): "(Reuters)" or "told AFP" names a report's source.
* **acronyms**: 2-6 capitals, or capitals with digits ("M23", "G20"), except the
  country and common acronyms in :data:`NOT_ACTOR_ACRONYMS` and roman numerals.
* **well-known groups** without an organisation word (:data:`KNOWN_GROUPS`: Hamas,
  Taliban, al-Shabaab, ...), and "the <Capitalised plural>" ("the Houthis").
* **collective armed actors**: a collective noun (forces, troops, fighters, rebels,
  gangs, ...) after a nationality or group word ("Russian forces", "Houthi fighters",
  "Saudi-led coalition"), or after a generic modifier ("government troops", "armed
  gangs", "security forces", normalised to lower case); an acronym modifier stands
  for itself ("M23 rebels" -> "M23").  Military craft and arms (warplanes, jets,
  drones, navy, air force) are actors only after a nationality or group word
  ("Russian warplanes"), and two such words may share the noun ("Russian and Syrian
  warplanes").  A few nouns are actors alone: "the army",
  "police", "insurgents", "gangs", "protesters", "gendarmes".

``exclude`` holds place-name spans found by the caller.  A candidate that lies inside
one, or crosses its boundary, is dropped; one that strictly contains a place name
keeps it, because the place is part of the actor's name ("Tigray People's Liberation
Front", "Russian forces" when "Russian" is a demonym span).  Overlapping candidates
keep the longest.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

__all__ = ["find_actors", "canonical_actors", "titled_people", "is_news_source", "NOT_ACTOR_ACRONYMS", "KNOWN_GROUPS", "NEWS_SOURCES"]

#: All-caps tokens that are countries, units, currencies, media or story labels rather
#: than actors.
NOT_ACTOR_ACRONYMS = frozenset("""
US USA UK UAE DRC RDC CAR PRC ROC DPRK ROK KSA RSA USSR
TV GMT UTC AM PM BC AD CEO CFO ID OK AIDS HIV COVID GDP NGO NGOS IDP IDPS
AFP AP BBC CNN UPI RFI VOA DW NPR PDF FAQ UTF SMS GPS SUV
KM KG MW FM
LIVE BREAKING UPDATE UPDATED EXCLUSIVE WATCH VIDEO PHOTOS ANALYSIS OPINION EDITORIAL
BRIEF FACTBOX EXPLAINER FEATURE INTERVIEW SPECIAL FLASH
USD EUR GBP CHF JPY CNY INR PKR KES UGX TZS ETB NGN XOF XAF ZAR EGP SDG SSP YER LBP ILS UAH RUB
AFN MMK BDT NPR HTG COP MXN BRL
""".split())
#: News agencies and broadcasters: the sources of a report ("(Reuters)", "told AFP"), not
#: parties to its events.  Compared without case, dots or hyphens.
NEWS_SOURCES = frozenset(
    name.casefold() for name in """
Reuters|AFP|AP|A.P.|Associated Press|the Associated Press|Agence France-Presse|Agence France Presse|
Xinhua|dpa|EFE|ANSA|Anadolu|Anadolu Agency|UPI|United Press International|Bloomberg|PTI|
Press Trust of India|ANI|TASS|ITAR-TASS|RIA Novosti|RIA|Interfax|Kyodo|Kyodo News|Yonhap|IRNA|
SANA|WAM|SPA|MENA|Al Jazeera|Al-Jazeera|Al Arabiya|BBC|CNN|RFI|VOA|Voice of America|DW|Deutsche Welle
""".replace("\n", "").split("|"))
#: "Saudi Press Agency", "Syrian Arab News Agency", "Xinhua News Agency": sources too.
_RE_NEWS_AGENCY = re.compile(r"(?:News|Press)\s+Agency$")


def is_news_source(name: str) -> bool:
    """Whether ``name`` is a news agency or broadcaster (:data:`NEWS_SOURCES`, "... News Agency")."""
    plain = " ".join(name.split())
    return plain.casefold() in NEWS_SOURCES or _RE_NEWS_AGENCY.search(plain) is not None


_ROMAN = re.compile(r"^(?=[MDCLXVI]{2,}$)M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")

#: Armed groups and movements usually named without an organisation word.
KNOWN_GROUPS = (
    "Hamas", "Hezbollah", "Taliban", "al-Shabaab", "Al-Shabaab", "Boko Haram", "Wagner",
    "Houthis", "Fatah", "Tatmadaw", "Janjaweed", "Hayat Tahrir al-Sham", "al-Qaeda",
    "Al-Qaeda", "Islamic State", "ISIS", "ISIL", "Daesh",
)

_ORG_WORDS = frozenset("""
Community Communities Forces Force Front Council Union Nations Programme Program Army
Movement Party Department Ministry Agency Committee Commission Organisation
Organization Group Alliance Coalition Mission Brigade Brigades Battalion Corps Guard
Guards Militia Office Court Bank Fund Bureau Authority Parliament Assembly Congress
Senate Police Federation League Cross Crescent Secretariat Institute Foundation Watch
International Network Legion Regiment Division Chiefs Junta Cabinet Service
Navy Marines Airlines Airways Team
""".split())
#: Heads that take an "of" complement to their right, so "Chiefs of Defense Forces" is one name.
_LEFT_HEADS = _ORG_WORDS | {"Chief", "Office", "Board", "Conference", "Secretary-General"}
_FACILITY_WORDS = frozenset("""
Airport Port Road Street Avenue Bridge Province District Region City Camp Hospital
University Prison Penitentiary Stadium Square Station Crossing Highway Dam Base Airbase
Plant Refinery Depot Terminal Mine School Market Hotel Mosque Church Embassy Barracks Compound
""".split())
_CONNECTORS = frozenset({"of", "for", "and", "the", "on", "de", "du", "des", "la", "le", "al"})
_STOP_CAPS = frozenset("""
The A An In On At After Before But And Or When While As If Since During Under With
Without Meanwhile However This That These Those Its It His Her Their Our Both All Some
Many Several Other Each Every Most More Few Such Then There Here Later Earlier Also
Yet So Amid Despite Following Over From To By For Of Into Through Against Between
He She They We I You Who What Which Where Why How Mr Mrs Ms Dr
""".split())
_MONTHS_DAYS = frozenset("""
January February March April May June July August September October November December
Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
Monday Tuesday Wednesday Thursday Friday Saturday Sunday
""".split())

_TITLES = (
    r"(?:Vice[ -]|Deputy |Acting |Interim |Former |former |Transitional )?"
    r"(?:President|Prime Minister|Secretary[ -]General|Secretary of State|Secretary|"
    r"Foreign Secretary|Home Secretary|"
    r"(?:Foreign|Defen[cs]e|Interior|Finance|Health|Justice|Information|Energy|Trade|"
    r"Security|Home|Army|Navy) Minister|"
    r"Minister (?:of|for) (?:the )?(?:Foreign Affairs|Defen[cs]e|Interior|Home Affairs|"
    r"Finance|Health|Justice|Information|Security|Communication)|Minister|"
    r"Senior General|Senior Gen\.|Lieutenant General|Lt\. ?Gen\.|Major General|Maj\. ?Gen\.|"
    r"Brigadier General|Brig\. ?Gen\.|Brigadier|Brig\.|General|Gen\.|Colonel|Col\.|Lt\. Col\.|Major|"
    r"Captain|Capt\.|Admiral|Adm\.|Marshal|Field Marshal|Commander|"
    r"King|Queen|Prince|Crown Prince|Emir|Sheikh|Chancellor|Ambassador|Envoy|"
    r"Special Envoy|Governor|Gov\.|Prefect|Senator|Sen\.|Mayor|Speaker|Chief Justice|Judge|"
    r"Pope|Cardinal|Archbishop|Bishop|Imam|Rabbi|Mr\.?|Mrs\.?|Ms\.?|Dr\.?)"
)
_LOWER_TITLES = (
    r"(?:commander-in-chief|commander|spokesperson|spokesman|spokeswoman|leader|chief|"
    r"envoy|president|minister|general|ambassador|mediator|negotiator|chairman|"
    r"chairperson|chairwoman|head|director|coordinator|governor|mayor|prefect)"
)
_PARTICLE = r"(?:bin|bint|ibn|al|el|de|da|dos|das|du|van|von|der|den|le|la)"
_NAME_TOKEN = r"(?:[A-Z][a-zA-Z\u00C0-\u024F'\u2019-]*[a-zA-Z\u00C0-\u024F]|(?:al|el|ad|as|an)-[A-Z][\w\u00C0-\u024F-]*|[A-Z]\.)"
_NAME = rf"{_NAME_TOKEN}(?:\s+(?:{_PARTICLE}\s+)?{_NAME_TOKEN}){{0,4}}"

_RE_TITLED = re.compile(rf"(?<![\w-])(?:(?:{_TITLES}|(?i:{_LOWER_TITLES}))\s+)+(?P<name>{_NAME})")
_RE_APPOSED = re.compile(  # "its commander, X", "the president of the regional government, X"
    rf"(?<![\w-])(?i:{_LOWER_TITLES}|{_TITLES})(?:\s+of\s+[^,;()]{{1,60}}?)?,\s+(?P<name>{_NAME})(?=\s*(?:[,;:.)]|$))"
)
#: Two people after a plural title: "Presidents Sadyr Japarov and Emomali Rahmon".
_RE_TITLED_PAIR = re.compile(
    rf"(?<![\w-])(?:Presidents|Prime Ministers|(?:Foreign|Defen[cs]e) Ministers|Ministers|Generals)\s+"
    rf"(?P<a>{_NAME})\s+and\s+(?P<name>{_NAME})"
)
#: Media that report ("state television MRTV said"): the acronym after them is a source.
_RE_MEDIA_BEFORE = re.compile(r"(?i:television|TV|broadcaster|radio|newspaper|media|channel|daily|outlet)\s+$")
#: What follows the title in _RE_APPOSED: without it, _RE_APPOSED cannot match (a cheap
#: first look, which only one sentence in ten with a comma passes).
_RE_APPOSED_TAIL = re.compile(rf",\s+{_NAME}(?=\s*(?:[,;:.)]|$))")
_SAID_VERBS = (r"(?:said|says|told|added|warned|announced|stated|"
               r"claimed|denied|confirmed|insisted|urged|vowed|declared)\b")
_RE_SAID = re.compile(rf"(?P<name>{_NAME})(?:'s|\u2019s)?\s+{_SAID_VERBS}")
#: One of those verbs anywhere: without one, _RE_SAID cannot match (a cheap first look).
_RE_ANY_SAID_VERB = re.compile(_SAID_VERBS)
_TOKEN = r"(?:[A-Z][\w\u00C0-\u024F'\u2019.-]*|[0-9]+)"
_RE_CAP_RUN = re.compile(rf"(?<![\w.'\u2019-]){_TOKEN}(?:\s+{_TOKEN})*")
_RE_PAREN_ACRONYM = re.compile(r"\((?P<acr>[A-Z][A-Za-z0-9&-]{1,9})\)")
_RE_ACRONYM = re.compile(
    r"(?<![\w.-])(?P<acr>(?:[A-Z]\.){2,4}|[A-Z][A-Z0-9&]{1,7}s?)(?![\w&]|\.[A-Z]|-\d)"
)
_RE_KNOWN = re.compile(
    r"(?<![\w-])(?:" + "|".join(re.escape(g) for g in sorted(KNOWN_GROUPS, key=len, reverse=True)) + r")(?![\w-])"
)
#: "the Houthis": not a name that goes on in another language ("the Palais des Nations").
_RE_THE_PLURAL = re.compile(r"(?<![\w-])(?i:the)\s+(?P<name>[A-Z][a-z]+s)(?![\w-])"
                            r"(?!\s+(?:[A-Z]|(?:de|des|du|del|della|di|da|la|le|les)\s))")

_COLLECTIVE = (
    r"(?:forces|troops|soldiers|fighters|rebels|militants|militia|militias|insurgents|"
    r"gangs|gang members|gunmen|jihadists|paramilitaries|separatists|guerrillas|"
    r"police|army|military|coalition|mercenaries|loyalists|extremists|units)"
)
_GENERIC_MODIFIERS = (
    r"(?:government|pro-government|anti-government|state|security|federal|rebel|armed|"
    r"opposition|allied|regime|junta|militia|jihadist|islamist|army|military|national|"
    r"foreign|local|riot|border|special)"
)
#: Military arms and craft, actors only after a nationality or group word ("Russian
#: warplanes", "Turkish drones", "Israeli navy", "Russian artillery"): "armed drones" or
#: "military aircraft" name none.
_CRAFT = r"(?:warplanes|fighter\s+jets|jets|drones|aircraft|helicopters|gunships|warships|navy|air\s+force|tanks|artillery)"
_CAP_MODIFIER = r"[A-Z][\w\u00C0-\u024F'\u2019]*(?:-(?:led|backed|allied|aligned))?"
_RE_COLLECTIVE_CAP = re.compile(
    rf"(?<![\w-])(?P<mod>{_CAP_MODIFIER}(?:\s+and\s+{_CAP_MODIFIER})?)\s+(?P<noun>{_COLLECTIVE}|{_CRAFT})(?![\w-])"
)
_RE_COLLECTIVE_GENERIC = re.compile(
    rf"(?<![\w-])(?P<mod>(?i:{_GENERIC_MODIFIERS}))\s+(?P<noun>{_COLLECTIVE})(?![\w-])"
)
#: A collective noun as _RE_COLLECTIVE_CAP and _RE_COLLECTIVE_GENERIC need it (lower case):
#: without one, neither can match (a cheap first look).
_RE_ANY_COLLECTIVE = re.compile(f"{_COLLECTIVE}|{_CRAFT}")
_RE_COLLECTIVE_BARE = re.compile(
    r"(?<![\w-])(?:(?i:the)\s+(?P<the>army|military|junta|police)"
    r"|(?P<bare>(?i:police|insurgents|rebels|militants|jihadists|gunmen|gangs|paramilitaries|separatists|"
    r"protesters|demonstrators|gendarmes)))(?![\w-])"
)

# the patterns the helpers below use, compiled once (they run for every word of every sentence)
_RE_TITLE_RUN = re.compile(rf"(?:{_TITLES}|(?i:{_LOWER_TITLES}))(?:\s+(?:{_TITLES}))*")
_RE_TITLE_AT_END = re.compile(rf"(?:{_TITLES})\s*$")
_RE_LEADING_TITLES = re.compile(rf"^(?:(?:{_TITLES}|(?i:{_LOWER_TITLES}))\s+)+")
#: Any organisation word, anywhere: a sentence without one names no organisation.
_RE_ANY_ORG_WORD = re.compile("|".join(sorted(map(re.escape, _ORG_WORDS))))
_RE_WORD = re.compile(r"[\w\u00C0-\u024F.'\u2019&-]+")
_RE_INITIALS = re.compile(r"(?:[A-Z]\.)+")
_RE_CODE = re.compile(r"[A-Z][A-Z0-9&]{1,7}")
_RE_POSSESSIVE_END = re.compile(r"(?:'s|\u2019s)$")
_RE_BLANKS = re.compile(r"[ \t]+")
_RE_SPACES = re.compile(r"\s+")
_RE_NAME_WORD_BEFORE = re.compile(r"[A-Z][\w'\u2019-]* $")
_RE_ROAD_WORD_AFTER = re.compile(r"\s+(?i:road|highway|route|motorway)\b")
#: After a road's number: the road word, maybe after the places it links ("the N2 highway",
#: "the A3 Garissa-Nairobi highway"), or an apposition that says it is a road ("the N380,
#: the only paved road").
_RE_ROAD_AFTER = re.compile(
    r"(?:\s*(?:,|and|or)\s+[A-Z]{1,2}\d{1,4})*"  # "the M4 and M5 highways"
    r"(?:\s+[A-Z][\w\u00C0-\u024F'\u2019]*(?:[-\u2013][A-Z][\w\u00C0-\u024F'\u2019]*)*){0,3}"
    r"\s+(?i:road|highway|route|motorway|expressway)s?\b"
    r"|,\s+(?i:the|a)\s+(?:[a-z-]+\s+){0,3}(?i:road|highway|route|motorway|expressway)\b")
#: A road's number: one or two capitals and digits ("N2", "A3", "RN6"); "M23" is a group
#: unless a road word follows.
_RE_ROAD_NUMBER = re.compile(r"[A-Z]{1,2}\d{1,4}")
_RE_LOWER = re.compile(r"[a-z]")
_RE_GENERIC_MODIFIER = re.compile(_GENERIC_MODIFIERS)
_RE_PARTICLE = re.compile(_PARTICLE)
_RE_ACRONYM_NAME = re.compile(r"(?:[A-Z]\.){2,}|[A-Z][A-Z0-9&]{1,7}")
_RE_NAME_WITH_ACRONYM = re.compile(r"(?P<long>.+?)\s*\((?P<acr>[A-Za-z0-9&.-]+)\)")


def _strip_possessive(text: str, start: int, end: int) -> tuple[int, int]:
    span = text[start:end]
    if span.endswith(("'s", "\u2019s")):
        end -= 2
    return start, end


def _person_span(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim a name run: drop a possessive and months/weekdays/stop words at its end."""
    start, end = _strip_possessive(sentence, start, end)
    tokens = list(re.finditer(r"\S+", sentence[start:end]))
    while tokens and (tokens[-1].group().rstrip(".,") in _MONTHS_DAYS | _STOP_CAPS
                      or tokens[-1].group() in _FACILITY_WORDS):
        tokens.pop()
    while tokens and tokens[0].group() in _STOP_CAPS | _MONTHS_DAYS:
        tokens.pop(0)
    if not tokens:
        return None
    return start + tokens[0].start(), start + tokens[-1].end()


def _is_title(text: str) -> bool:
    return _RE_TITLE_RUN.fullmatch(text) is not None


def _people(sentence: str, said: bool = True) -> list[tuple[int, int, str]]:
    """People after a title, in apposition to one, or (``said``) before a speech verb."""
    found = []
    rxs = (_RE_TITLED, _RE_APPOSED) if _RE_APPOSED_TAIL.search(sentence) else (_RE_TITLED,)
    for rx in rxs + (_RE_TITLED_PAIR,) if " and " in sentence else rxs:
        groups = ("a", "name") if rx is _RE_TITLED_PAIR else ("name",)
        for m in rx.finditer(sentence):
            for group in groups:
                span = _person_span(sentence, m.start(group), m.end(group))
                if span and not _is_title(sentence[span[0]:span[1]]):
                    found.append((*span, "person"))
    for m in _RE_SAID.finditer(sentence) if said and _RE_ANY_SAID_VERB.search(sentence) else ():
        span = _person_span(sentence, m.start("name"), m.end("name"))
        if not span or _is_title(sentence[span[0]:span[1]]):
            continue
        words = sentence[span[0]:span[1]].split()
        if any(w in _ORG_WORDS or w.isupper() for w in words) or len(words) > 3:
            continue  # organisations and acronyms are read by their own rules
        if _RE_TITLE_AT_END.search(sentence[: span[0]]) is None and span[0] == 0 and len(words) == 1:
            continue  # a lone sentence-initial word before "said" is too often not a name
        found.append((*span, "person"))
    return found


def titled_people(sentence: str) -> list[str]:
    """The names of two words or more that a title gives as people's ("President William
    Ruto" -> "William Ruto"): the document's other sentences may name them by surname."""
    names = (" ".join(sentence[a:b].split()) for a, b, _kind in _people(sentence, said=False))
    return [name for name in names if " " in name]


#: Capitalised words that name nobody: sentence openers, pronouns, months and weekdays.
STOP_WORDS = _STOP_CAPS | _MONTHS_DAYS
#: A capitalised word that may be a surname: a document's people named again ("Ruto met ...").
NAME_WORD = re.compile(r"(?<![\w'\u2019.-])(?P<word>[A-Z][a-z\u00C0-\u024F'\u2019-]*?[a-z\u00C0-\u024F])"
                       r"(?:['\u2019]s)?(?![\w-])")  # "Rubio's": the word without its possessive


def _organisations(sentence: str) -> list[tuple[int, int, str]]:
    found = _named_organisations(sentence) if _RE_ANY_ORG_WORD.search(sentence) else []
    for m in _RE_PAREN_ACRONYM.finditer(sentence):
        found.append((m.start("acr"), m.end("acr"), "acronym"))
        long = _spelled_out(sentence, m)
        if long is not None:
            found.append((long[0], long[1], "org"))
    return found


#: Lower-case words inside a name spelled out before its acronym, in the languages of
#: crisis news ("Forces Armées de la République Démocratique du Congo (FARDC)",
#: "Ejército de Liberación Nacional (ELN)", "Médecins Sans Frontières").
_NAME_JOINERS = frozenset("""of for and the on in de du des la le les et aux en del della di da do dos das
 y e van von der den""".split())
#: At most this many words spell out an acronym.
SPELLED_OUT_WORDS = 12


def _spelled_out(sentence: str, paren: re.Match) -> tuple[int, int] | None:
    """The span of the name an acronym in brackets stands for, whatever its language:
    the shortest run of capitalised words (lower-case joiners allowed inside) that ends
    right before the bracket and whose letters the acronym abbreviates
    (:func:`_acronym_matches`).  So a name with no English organisation word is read
    too: "Société Guinéenne des Pétroles (SGP)".  Countries, units and media
    (:data:`NOT_ACTOR_ACRONYMS`) and facilities ("... Power Plant (ZNPP)") are not."""
    acr = paren.group("acr")
    if acr.upper() in NOT_ACTOR_ACRONYMS:
        return None
    words = [(m.start(), m.end(), m.group()) for m in
             _RE_WORD.finditer(sentence, max(0, paren.start() - 40 * SPELLED_OUT_WORDS), paren.start())]
    if not words or not _RE_SPACES.fullmatch(sentence, words[-1][1], paren.start()) \
            or _bare(words[-1][2]) in _FACILITY_WORDS:
        return None
    end = words[-1][1]
    for k in range(len(words) - 1, max(-1, len(words) - 1 - SPELLED_OUT_WORDS), -1):
        start, _end, word = words[k]
        if k < len(words) - 1 and _RE_BLANKS.fullmatch(sentence, _end, words[k + 1][0]) is None:
            return None  # a comma or a line break: the name ends there
        if word[:1].isupper():
            if _acronym_matches(acr, sentence[start:end]):
                return start, end
        elif word not in _NAME_JOINERS:
            return None
    return None


def _named_organisations(sentence: str) -> list[tuple[int, int, str]]:
    """Names built around an organisation word ("Rapid Support Forces")."""
    found = []
    # capitalised runs joined by connectors: find org words, then cut the name around them
    words = []
    for m in _RE_WORD.finditer(sentence):
        word, end = m.group(), m.end()
        while word.endswith(".") and not _RE_INITIALS.fullmatch(word):
            word, end = word[:-1], end - 1  # a full stop, not an abbreviation
        if word:
            words.append((m.start(), end, word))
    n = len(words)
    i = 0
    while i < n:
        if not _is_cap(words[i][2]):
            i += 1
            continue
        j = i
        while j + 1 < n and _is_cap(words[j + 1][2]) and _adjacent(sentence, words[j], words[j + 1]):
            j += 1
        run = words[i:j + 1]
        heads = [k for k, w in enumerate(run) if _bare(w[2]) in _ORG_WORDS]
        if heads and _bare(run[-1][2]) not in _FACILITY_WORDS:
            last = heads[-1]
            first = 0
            while first < last and (_bare(run[first][2]) in _STOP_CAPS | _MONTHS_DAYS
                                    or _RE_CODE.fullmatch(run[first][2])):
                first += 1
            start, end = run[first][0], run[last][1]
            start = _extend_left(words, i + first, start)
            end = _extend_right(sentence, words, i + last, end)
            start, end = _strip_possessive(sentence, start, end)
            if len(sentence[start:end].split()) >= 2:
                found.append((start, end, "org"))
        i = j + 1
    return found


def _bare(word: str) -> str:
    return _RE_POSSESSIVE_END.sub("", word).rstrip(".,")


def _is_cap(word: str) -> bool:
    """A name word: capitalised, or a code mixing digits and letters ("M23")."""
    return word[:1].isupper() or (word[:1].isdigit() and not word.isdigit())


#: Possessives that belong inside names ("Tigray People's Liberation Front").
_NAME_POSSESSIVES = {"People's", "People\u2019s", "Peoples'", "Workers'", "Women's", "Women\u2019s", "Citizens'"}


def _adjacent(sentence: str, a, b) -> bool:
    possessive = a[2].endswith(("'s", "\u2019s", "s'")) and a[2] not in _NAME_POSSESSIVES
    return _RE_BLANKS.fullmatch(sentence, a[1], b[0]) is not None and not possessive


def _extend_left(words, index: int, start: int) -> int:
    """"Chiefs of | Defense Forces": take "X of" when X is an organisation head."""
    if index >= 2 and words[index - 1][2] in ("of", "for") and _bare(words[index - 2][2]) in _LEFT_HEADS:
        return words[index - 2][0]
    return start


def _extend_right(sentence: str, words, index: int, end: int) -> int:
    """"Department | of State", "Community | of West African States"."""
    k = index + 1
    while k + 1 < len(words) and words[k][2] in ("of", "for", "on") and _adjacent_any(sentence, words[k - 1], words[k]):
        m = k + 1
        if m < len(words) and words[m][2] == "the":
            m += 1
        if m >= len(words) or not words[m][2][:1].isupper() or _bare(words[m][2]) in _MONTHS_DAYS:
            break
        while m + 1 < len(words) and words[m + 1][2][:1].isupper() and _adjacent(sentence, words[m], words[m + 1]):
            m += 1
        end, k = words[m][1], m + 1
    return end


def _adjacent_any(sentence: str, a, b) -> bool:
    return _RE_SPACES.fullmatch(sentence, a[1], b[0]) is not None and not a[2].endswith((",", "'s", "\u2019s"))


def _acronyms(sentence: str) -> list[tuple[int, int, str]]:
    matches = list(_RE_ACRONYM.finditer(sentence))
    if not matches:
        return []  # most sentences: no need to count their letters
    letters = list(filter(str.isalpha, sentence))
    if letters and sum(map(str.isupper, letters)) > 0.6 * len(letters):
        return []  # an all-caps headline: every word would look like an acronym
    found = []
    for m in matches:
        acr = m.group("acr")
        key = acr.replace(".", "").upper()
        if key.endswith("S") and key[:-1] in NOT_ACTOR_ACRONYMS:
            continue
        if key in NOT_ACTOR_ACRONYMS or _ROMAN.match(key) or not any(c.isalpha() for c in key):
            continue
        if acr.endswith("s") and not acr[:-1].isupper():
            continue
        if _RE_ROAD_WORD_AFTER.match(sentence, m.end()) \
                or _RE_ROAD_NUMBER.fullmatch(key) and _RE_ROAD_AFTER.match(sentence, m.end()):
            continue  # "the N2 highway" is a road
        if _RE_LOWER.match(key, 1) is not None:
            continue
        found.append((m.start(), m.end(), "acronym"))
    return found


def _groups(sentence: str) -> list[tuple[int, int, str]]:
    found = [(m.start(), m.end(), "group") for m in _RE_KNOWN.finditer(sentence)]
    for m in _RE_THE_PLURAL.finditer(sentence):
        if m.group("name") not in _ORG_WORDS and m.group("name") not in _MONTHS_DAYS:
            found.append((m.start("name"), m.end("name"), "group"))
    return found


def _collectives(sentence: str) -> list[tuple[int, int, str]]:
    found = []
    consumed: list[tuple[int, int]] = []  # nouns read with an acronym: "M23 rebels"
    noun = _RE_ANY_COLLECTIVE.search(sentence) is not None
    for m in _RE_COLLECTIVE_CAP.finditer(sentence) if noun else ():
        mod = m.group("mod")
        first, _, second = " ".join(mod.split()).partition(" and ")
        if second and (first in _STOP_CAPS | _MONTHS_DAYS or _RE_CODE.fullmatch(first)
                       or _RE_GENERIC_MODIFIER.fullmatch(first.lower()) or second in _STOP_CAPS | _MONTHS_DAYS
                       or _RE_CODE.fullmatch(second) or _RE_GENERIC_MODIFIER.fullmatch(second.lower())):
            # "Russian and Syrian warplanes" shares the noun only between two names: else
            # the second modifier is read alone ("US and UK troops" -> "UK troops")
            m = _RE_COLLECTIVE_CAP.match(sentence, m.start("mod") + mod.rindex(second.split()[-1]))
            if m is None:
                continue
            mod = m.group("mod")
        if mod in _STOP_CAPS or mod in _MONTHS_DAYS:
            continue
        if _RE_CODE.fullmatch(mod):
            if mod in NOT_ACTOR_ACRONYMS:
                found.append((m.start(), m.end(), "collective"))  # "DRC army", "US troops"
            else:
                found.append((m.start("mod"), m.end("mod"), "acronym"))  # "M23 rebels" -> "M23"
                consumed.append((m.start("noun"), m.end("noun")))
            continue
        if _RE_GENERIC_MODIFIER.fullmatch(mod.lower()):
            continue  # read below, in lower case
        found.append((m.start(), m.end(), "collective"))
    for m in _RE_COLLECTIVE_GENERIC.finditer(sentence) if noun else ():
        if m.group("mod")[0].isupper() and _RE_NAME_WORD_BEFORE.search(sentence, 0, m.start()):
            continue  # "Islamic State fighters": the modifier ends a name
        found.append((m.start(), m.end(), "generic"))
    for m in _RE_COLLECTIVE_BARE.finditer(sentence):
        key = "the" if m.group("the") else "bare"
        if m.group(key).isupper():
            continue  # a headline in capitals
        if (m.start(key), m.end(key)) in consumed:
            continue
        found.append((m.start(key), m.end(key), "generic"))
    return found


def _name_of(sentence: str, start: int, end: int, kind: str) -> str:
    name = " ".join(sentence[start:end].split())
    if kind == "generic":
        return name.lower()
    return name


def _keep(span: tuple[int, int], exclude: Sequence[tuple[int, int]]) -> bool:
    start, end = span
    for ex_start, ex_end in exclude:
        if end <= ex_start or start >= ex_end:
            continue  # no overlap
        if start <= ex_start and end >= ex_end and (end - start) > (ex_end - ex_start):
            continue  # the place is part of the actor's name
        return False
    return True


def find_actors(sentence: str, *, exclude: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, str]]:
    """The actors named in ``sentence`` as ``(start, end, name)``, in text order.

    ``name`` is the span's text with whitespace normalised (generic collectives such
    as "government troops" in lower case).  Spans inside or crossing a place span in
    ``exclude`` are dropped.

    Example: ``find_actors("Kenyan President William Ruto met M23 rebels.")`` gives
    ``[(17, 29, "William Ruto"), (34, 37, "M23")]``.
    """
    candidates = (
        _people(sentence) + _organisations(sentence) + _acronyms(sentence)
        + _groups(sentence) + _collectives(sentence)
    )
    priority = {"org": 0, "group": 1, "person": 2, "collective": 3, "acronym": 4, "generic": 5}
    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(candidates, key=lambda c: (-(c[1] - c[0]), priority[c[2]], c[0])):
        if start >= end or not _keep((start, end), exclude) or is_news_source(sentence[start:end]):
            continue
        if kind == "acronym" and _RE_MEDIA_BEFORE.search(sentence, max(0, start - 20), start):
            continue  # "state television MRTV": a report's source
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, _name_of(sentence, start, end, kind)))
    return sorted(chosen)


# --------------------------------------------------------------------------- canonical

_SKIP_INITIALS = {"of", "the", "for", "and", "de", "du", "des", "la", "le", "on", "in"}


def _strip_titles(name: str) -> str:
    stripped = _RE_LEADING_TITLES.sub("", name)
    return stripped or name


def _acronym_matches(acronym: str, long: str) -> bool:
    """Does ``acronym`` abbreviate ``long``?  Strict initials for short acronyms,
    Schwartz-Hearst (letters in order, the first starting a word) for longer ones."""
    acr = re.sub(r"[^A-Za-z0-9]", "", acronym).lower()
    words = [w for w in re.split(r"[\s-]+", long) if w]
    initials = "".join(w[0] for w in words if w.lower() not in _SKIP_INITIALS).lower()
    if initials == acr or "".join(w[0] for w in words).lower() == acr:
        return True
    if len(acr) <= 3:
        return False
    text = long.lower()
    li = len(text) - 1
    for ai in range(len(acr) - 1, -1, -1):
        ch = acr[ai]
        while li >= 0 and (text[li] != ch or (ai == 0 and li > 0 and text[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return False
        li -= 1
    return True


def _is_acronym(name: str) -> bool:
    return _RE_ACRONYM_NAME.fullmatch(name) is not None


def _looks_like_person(name: str) -> bool:
    words = name.split()
    return (
        all(w[:1].isupper() or _RE_PARTICLE.fullmatch(w) or w.startswith(("al-", "el-")) for w in words)
        and not any(_bare(w) in _ORG_WORDS for w in words)
        and not _is_acronym(name)
    )


def base_name(name: str) -> str:
    """What :func:`canonical_actors` reads a name as: the acronym of "Name (ACR)", else the
    name without its titles."""
    paren = _RE_NAME_WITH_ACRONYM.fullmatch(name)
    return paren.group("acr") if paren else _strip_titles(name)


#: Where an acronym ("EAC", "M23", "U.N.") can start: a sentence without any names none.
ACRONYM_START = re.compile(r"[A-Z](?=[A-Z0-9&]|\.[A-Z]\.)")


def is_acronym(name: str) -> bool:
    """Whether :func:`canonical_actors` reads ``name`` (a base name) as an acronym."""
    return _is_acronym(name)


def looks_like_person(name: str) -> bool:
    """Whether :func:`canonical_actors` reads ``name`` (a base name) as a person's, which a
    longer name of the same person can stand for."""
    return _looks_like_person(name)


def initials(name: str) -> set[str]:
    """The lower-cased first characters of ``name``'s words: an acronym can abbreviate the
    name (in :func:`canonical_actors`) only if its first letter is one of them."""
    text = name.lower()
    return {c for i, c in enumerate(text) if i == 0 or not text[i - 1].isalnum()}


def canonical_actors(names: Iterable[str]) -> dict[str, str]:
    """Map every name seen in one document to its canonical form.

    * A title is dropped ("President Ruto" -> "Ruto" -> ...).
    * A person's shorter form maps to the one longer name that ends with it
      ("Ruto" -> "William Ruto"); if two longer names end with it, it is ambiguous
      and kept as is.
    * An organisation and its acronym map to the name with its acronym, which says
      what the acronym stands for: "East African Community", "EAC" and "East African
      Community (EAC)" -> "East African Community (EAC)".  An acronym that the document
      never spells out stays as it is.

    Every input name is a key (mapping to itself when it is already canonical).
    """
    names = sorted(set(names))
    base = {name: base_name(name) for name in names}
    acronyms = sorted({b for b in base.values() if _is_acronym(b)})
    # An acronym can abbreviate a name only if all its letters occur in the name and its
    # first letter starts one of the name's words: a cheap first look before
    # _acronym_matches, with the acronyms indexed by their first letter.
    by_first: dict[str, list[tuple[str, frozenset]]] = {}
    for a in acronyms:
        letters = re.sub(r"[^A-Za-z0-9]", "", a).lower()
        by_first.setdefault(letters[:1], []).append((a, frozenset(letters)))
    # people's names by each run of their last words ("Ruto", "William Ruto"), to find
    # the longer names that end with a shorter one
    people = {b for b in set(base.values()) if _looks_like_person(b)}
    by_ending: dict[tuple[str, ...], set[str]] = {}
    for b in people:
        words = b.split()
        for k in range(1, len(words) + 1):
            by_ending.setdefault(tuple(words[-k:]), set()).add(b)
    canon: dict[str, str] = {}
    spelled: dict[str, set[str]] = {}  # acronym -> the names it abbreviates here
    for name in names:
        plain = base[name]
        if (paren := _RE_NAME_WITH_ACRONYM.fullmatch(name)) is not None:
            spelled.setdefault(plain, set()).add(_strip_titles(paren.group("long")))
        if not _is_acronym(plain):
            chars = set(plain.lower())
            matches = [a for first in initials(plain) for a, letters in by_first.get(first, ())
                       if letters <= chars and _acronym_matches(a, plain)]
            if len(matches) == 1:
                canon[name] = matches[0]
                spelled.setdefault(matches[0], set()).add(plain)
                continue
            if plain in people:
                tokens = plain.split()
                longer = {b for b in by_ending.get(tuple(tokens), ()) if b != plain and len(b.split()) > len(tokens)}
                fullest = {b for b in longer if not any(o != b and o in longer for o in by_ending[tuple(b.split())])}
                if len(fullest) == 1:
                    canon[name] = fullest.pop()
                    continue
        canon[name] = plain
    # an acronym that the document spells out once: the name with its acronym, which
    # says what it stands for ("Allied Democratic Forces (ADF)")
    full = {a: f"{min(longs, key=lambda n: (-len(n), n))} ({a})" for a, longs in spelled.items()
            if len(longs) == 1}
    return {name: full.get(c, c) for name, c in canon.items()}
