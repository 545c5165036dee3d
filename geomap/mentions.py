"""Find candidate place names in a document's text.

The text is cut into word tokens; every run of up to :data:`MAX_WORDS` words that
starts and ends with a capitalised word (lower-case joiners such as "es", "de", "of"
allowed inside: "Dar es Salaam") is looked up, in one batch, in the gazetteer's name
index.  This is a dictionary match over all gazetteer names with word boundaries by
construction, and costs one indexed SQL lookup per distinct capitalised phrase the
gazetteer has not been asked before (it remembers the answers; no automaton to build
or load).  The longest matches win; precision filters then drop
people's names, common words, months and organisation names.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Final

from geomap.gazetteer import PlaceIndex, Row, in_area, is_spelling_of, name_key
from geomap.models import Document, Mention, Place

MAX_WORDS: Final = 6
#: A word: initials ("U.S."), letters and digits with inner hyphens, apostrophes or dots
#: ("al-Shabaab", "Sana'a", "bit.ly"), or a number.  The repeats are possessive (``*+``):
#: giving back a letter never lets a match go on, so the regex engine need not remember
#: where it could (the same matches, 8% faster).  ``_W`` is ``\w`` with the ASCII ranges
#: written first, and a word starts with ``[a-zA-Z]`` before ``[^\W\d_]``: the engine
#: tests a range before it asks Unicode's tables (the same matches, 15% fewer instructions).
_W: Final = r"[a-z0-9A-Z_\w]"
_TOKEN: Final = r"(?:[A-Z]\.){2,}|(?:[a-zA-Z]|[^\W\d_])" + _W + r"*+(?:[-'’.]" + _W + r"++)*+|\d" + _W + r"*+"
#: A token and the text before it (no token starts in a run of non-letters and "_").
_GAP_AND_TOKEN: Final = re.compile(r"([ ,.\W_]*+)(" + _TOKEN + ")")
_POSSESSIVE: Final = re.compile(r"['’]s?$")
_SENTENCE_END: Final = re.compile(r"[.!?:;\"“”(\[]\s*$|\n\s*[-*•]?\s*$")
TITLES: Final = frozenset("""President Vice Secretary Minister Prime Premier Chancellor King Queen
 Prince Princess Sheikh Emir Sultan Pope Cardinal Bishop Archbishop Rev Reverend General Gen
 Lt Lieutenant Colonel Col Major Maj Captain Capt Sgt Sergeant Admiral Commander Marshal
 Senator Sen Rep Representative Congressman Congresswoman Governor Gov Mayor Ambassador Envoy
 Judge Justice Mr Mrs Ms Miss Dr Prof Professor Sir Dame Lord Lady Chairman Chairwoman
 Chairperson Spokesman Spokeswoman Spokesperson Deputy Foreign Defence Defense Interior
 State Leader Chief Director Commissioner Officer Mr. Mrs. Ms. Dr. Gen. Col. Lt. Sgt.""".split())
#: Prefixes of a ship's name ("HMNZS Wellington", "USS Cole", "MV Rubymar"): the name after
#: one is the ship's, not a place's.
SHIP_PREFIXES: Final = frozenset("HMS HMNZS HMAS HMCS HNLMS USS USNS USNA RFA INS FS MV MT MS SS RV".split())
ORG_HEADS: Final = frozenset("""Airways Airlines University Times Post Herald Tribune Journal Gazette
 FC Telegraph Daily Broadcasting Television Radio Rifles""".split())
LOCATIVES: Final = frozenset("""in at near outside from into to towards toward around across via
 through between inside""".split())
#: Nouns after which "of <Name>" names a place ("the town of Fataki", "the outskirts of Khiam").
PLACE_NOUNS_OF: Final = frozenset("""town city village hamlet settlement outskirts suburbs suburb
 district province region county port""".split())
_PARENT_AFTER: Final = re.compile(r",\s*|\s+in\s+")
#: Words that make "<name> <word>" a first-level division ("Chin State", "Gezira state").
DIVISION_WORDS: Final = frozenset("""state province region governorate oblast district county
 prefecture department territory municipality""".split())
#: Words that make "<name> <word>" a physical feature, which our data does not hold.
FEATURE_AFTER: Final = frozenset("""River Sea Ocean Lake Lakes Gulf Bay Strait Straits Channel Canal
 Mountains Mountain Mts Range Hills Valley Desert Plateau Delta Basin Forest Falls Peninsula
 Volcano river lake mountains hills valley delta basin volcano""".split())
#: Words that make "<word> <name>" ("Lake Chad", "Mount Kenya", "Gulf of Aden") a feature.
FEATURE_BEFORE: Final = frozenset("Lake Mount Mt Gulf Bay Sea Strait Straits".split())
FEATURE_WORDS: Final = FEATURE_BEFORE | FEATURE_AFTER
#: Words that make "<name> <word>" a street or road ("Lini Highway", "Washington Drive"):
#: named after a place or a person, it is not where that place is.
STREET_AFTER: Final = frozenset("Street Road Avenue Boulevard Lane Highway Drive".split())
#: Words that make "<word> of <name>" a feature ("Cape of Good Hope", "Bight of Benin");
#: without "of" they begin place names ("Cape Town").
FEATURE_BEFORE_OF: Final = FEATURE_BEFORE | {"Cape", "Bight"}
#: Words that make "<word> of the <name>" a river ("the right bank of the Dnipro").
_RIVER_BANKS: Final = frozenset("bank banks shore shores".split())
#: Words that continue a title after "of" ("Secretary of State", "Minister of Defense").
_TITLES_AFTER_OF: Final = TITLES | {"State", "Defense"}
_AREA_KINDS: Final = ("admin1", "region")
#: Organisations named like places ("the Red Cross" is no town in North Carolina).
ORGANISATIONS: Final = frozenset({"red cross", "red crescent"})
#: Compass words: alone they name no place here, whatever divisions are called so
#: ("North" is a region of Cameroon); "North Region" is the division (see _division_hit).
#: Hyphenated ones as their name keys read them too ("South-West" -> "south west").
COMPASS: Final = frozenset("""north south east west central northern southern eastern western
 northeast northwest southeast southwest north-east north-west south-east south-west
 midwest""".split()) | {"north east", "north west", "south east", "south west"}
CALENDAR: Final = frozenset("""january february march april may june july august september october
 november december monday tuesday wednesday thursday friday saturday sunday
 jan feb mar apr jun jul aug sep sept oct nov dec tue tues wed thu thur thurs fri sat sun""".split())


@lru_cache(maxsize=None)
def word_list(name: str) -> frozenset[str]:
    """A word list from ``geomap/data`` (see scripts/make_wordlists.py), comments dropped."""
    path = Path(__file__).parent / "data" / name
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#"))


#: Places this populous keep their name even when it is a common word or a surname
#: (ten times as many for the most frequent words: "Man" in Cote d'Ivoire).
MINOR_POPULATION: Final = 100_000
VERY_FREQUENT_ZIPF: Final = 5.0
#: A one-word match on another name of a place (not its main name) needs this many people.
ALTERNATE_POPULATION: Final = 1_000_000


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Words from ``data/common_words.txt`` (lower case)."""
    return word_list("common_words.txt")


class _Token:
    """A word of the text: offsets, the word, and what the filters ask of it.

    ``sentence_start`` (the first word of a sentence or list item) is worked out for
    capitalised words only, the only ones the filters ask it of; it is false for the
    others.  ``base`` is the word without a possessive ending ("Kenya's" -> "Kenya").
    """

    __slots__ = ("start", "end", "text", "sentence_start", "capital", "base")

    def __init__(self, start: int, end: int, text: str, sentence_start: bool, capital: bool,
                 base: str) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.sentence_start = sentence_start
        self.capital = capital
        self.base = base


#: Arabic articles written in lower case before a name ("al-Bayda", "el-Obeid"): the
#: word is a capitalised name.
_ARTICLES: Final = frozenset({"al", "el", "ad", "an", "ar", "as", "at", "az"})


try:  # only the optional compiled build (scripts/build_compiled.py) needs mypy_extensions
    from mypy_extensions import mypyc_attr
except ImportError:
    def mypyc_attr(*_args: object, **_kwargs: object):  # type: ignore[misc]
        return lambda cls: cls


#: A matched phrase: start and end offsets, surface, its rows, first and last token.
Hit = tuple[int, int, str, list[Row], int, int]


@mypyc_attr(native_class=False)  # mypyc compiles no subclass of list: this one stays a Python class
class _Tokens(list):
    """The tokens of a text, and the indexes of the capitalised ones (``capitals``):
    the rules start from those, so they need not walk every word."""

    capitals: list[int]


def _article_name(word: str) -> bool:
    """Whether ``word`` is a name after a lower-case Arabic article ("el-Mandeb")."""
    return word[2:3] == "-" and word[:2] in _ARTICLES and word[3:4].isupper()


def _capitals(tokens: list[_Token]) -> list[int]:
    """Indexes of the capitalised tokens, in order."""
    found = getattr(tokens, "capitals", None)
    return found if found is not None else [i for i, t in enumerate(tokens) if t.capital]


def tokenize(text: str) -> _Tokens:
    """Word tokens with offsets; flags the capitalised first word of each sentence or
    list item.  A name after a lower-case Arabic article ("in al-Bayda") is capitalised,
    unless it ends a longer name ("Hayat Tahrir al-Sham", "Abu Mohammed al-Jolani")."""
    # Typed locals and plain lists: the compiled build (scripts/build_compiled.py) then
    # reads the words with native string operations.
    tokens: list[_Token] = []
    capitals: list[int] = []
    pairs: list[tuple[str, str]] = _GAP_AND_TOKEN.findall(text)  # strings, not match objects: faster
    sentence_end = _SENTENCE_END.search
    prev, prev_end = "", 0
    last: _Token | None = None
    for gap, word in pairs:
        start = prev_end + len(gap)
        end = start + len(word)
        n = len(word)
        base = word[:-2] if n > 3 and word[n - 1] == "s" and word[n - 2] in "'’" else word
        first_letter = ord(word[0])
        if 65 <= first_letter <= 90 or (first_letter > 127 and word[0].isupper()) \
                or (n > 3 and word[2] == "-" and _article_name(word)
                    and not (gap == " " and last is not None and last.capital  # not "Tahrir al-Sham"
                             and last.text.lower() not in LOCATIVES)):
            # a single space (the usual gap) ends no sentence
            first = last is None or (gap != " " and sentence_end(text, prev_end, start) is not None) \
                or prev[-1] == "." and prev[-2:-1].islower()
            capitals.append(len(tokens))
            last = _Token(start, end, word, first, True, base)
        else:
            last = _Token(start, end, word, False, False, base)
        tokens.append(last)
        prev, prev_end = word, end
    out = _Tokens(tokens)
    out.capitals = capitals
    return out


def _introduced_as_place(tokens: list[_Token], i: int) -> bool:
    """Whether the words before token ``i`` introduce a place: a locative ("in Goma",
    and "In Goma" at the start of a sentence or list item) or "<place noun> of" ("the
    town of Fataki", "the outskirts of Khiam")."""
    if i == 0 or tokens[i].sentence_start:
        return False
    prev = tokens[i - 1]
    if prev.text in LOCATIVES or (prev.sentence_start and prev.text.lower() in LOCATIVES):
        return True
    return prev.text == "of" and i > 1 and tokens[i - 2].text in PLACE_NOUNS_OF


def _joined(text: str, a: _Token, b: _Token) -> bool:
    """True when only spaces separate two adjacent tokens."""
    return 0 < b.start - a.end <= 2 and text[a.end:b.start].isspace()


def _phrases(text: str, tokens: list[_Token]) -> list[tuple[int, int, int, str]]:
    """Candidate phrases ``(first token, last token, end offset, surface)``."""
    out = []
    n = len(tokens)
    for i in _capitals(tokens):
        start = tokens[i].start
        j = i
        while j < n and j - i < MAX_WORDS:
            last = tokens[j]
            if last.capital or (j > i and _article_name(last.text)):  # "Bab el-Mandeb"
                end = last.start + len(last.base)
                out.append((i, j, end, text[start:end]))
                if last.base != last.text:
                    break  # a possessive ends the phrase
            elif not (len(last.text) <= 4 and last.text.isalpha()):
                break
            j += 1
            if j >= n:
                break
            gap = tokens[j].start - last.end  # _joined, inlined: this loop runs per word
            if not (0 < gap <= 2 and text[last.end:tokens[j].start].isspace()):
                break
    return out


def _is_acronym(surface: str) -> bool:
    letters = surface.replace(".", "").replace(" ", "")
    return len(letters) >= 2 and letters.isupper()


def _in_heading(text: str, tokens: list[_Token], k: int) -> bool:
    """Whether token ``k`` is in a run of words in capitals ("FIGHTING ERUPTS IN GOMA"):
    a heading.  It and a neighbour on the same line are in capitals."""
    def upper(n: int) -> bool:
        return len(tokens[n].text) >= 2 and tokens[n].text.replace(".", "").isupper()

    tok = tokens[k]
    return upper(k) and any(0 <= n < len(tokens) and upper(n) and "\n" not in
                            text[min(tok.end, tokens[n].end):max(tok.start, tokens[n].start)]
                            for n in (k - 1, k + 1))


def _keep_rows(surface: str, rows: list[Row],
               heading: bool = False) -> list[Row]:
    """The gazetteer rows a surface may match.

    * A name written in lower case in the gazetteer ("st", "man") is no proper name.
    * An all-capital surface ("DRC", "US") matches names written the same way; a code
      of two or three letters only our aliases and country names ("AP" is not Andhra
      Pradesh).  A longer word or several words in capitals ("CHARLESTON", "NEW
      YORK": a dateline), or any word of three letters or more in a heading written in
      capitals ("CLASHES NEAR GOMA"), match names in any case.
    """
    rows = [r for r in rows if not r[0][:1].islower()]
    if not _is_acronym(surface):
        return rows
    plain = surface.replace(".", "")
    exact = [r for r in rows if r[0].replace(".", "") == plain]
    if len(plain.replace(" ", "")) <= 3 and not (heading and len(plain) == 3):
        return [r for r in exact if r[1] in ("alias", "abbr") or r[2].kind == "country"]
    if exact or (len(plain) < 5 and " " not in plain and not heading):
        return exact
    return rows


#: Lower-case role nouns that a person's name follows ("the rebel spokesman, Pal Mai Deng").
#: (Not words that are also adjectives: "official", "general", "chief".)
ROLES: Final = frozenset("""spokesman spokeswoman spokesperson commander leader minister president
 governor envoy mediator negotiator colonel ambassador mayor chairman chairwoman
 coordinator prefect""".split())
#: Vessels, whose names follow them like people's ("the tanker Marlin Luanda").
VESSELS: Final = frozenset("""tanker ship vessel freighter carrier frigate destroyer ferry
 bulker""".split())
#: What may separate a role noun from the name: a space, or a comma and a space.
ROLE_GAPS: Final = frozenset({" ", ", "})


def _apposed_name(text: str, tokens: list[_Token], i: int) -> bool:
    """Whether two or three capitalised words from token ``i`` on stand between commas
    with a lower-case word after them ("..., Vladimir Leontyev, says"), not as an item
    of a list ("..., Nova Kakhovka, Odesa and Mykolaiv")."""
    k = i
    while k + 1 < len(tokens) and k - i < 2 and tokens[k + 1].capital and _joined(text, tokens[k], tokens[k + 1]):
        k += 1
    after = text[tokens[k].end:tokens[k].end + 3]
    return k > i and after[:2] == ", " and after[2:].islower()


#: "the mayor of Nova Kakhovka, " before a person's name.
_ROLE_OF_BEFORE: Final = re.compile(r"\b(?:" + "|".join(sorted(ROLES)) + r")\s+of\s+(?:the\s+)?[A-Z][^,;:()]{0,50},\s$")


def _abbreviations_with_their_dot(rows: list[Row], dotted: bool,
                                  keep_alone: bool = False) -> list[Row]:
    """A postal-style abbreviation counts only written with its dot ("Ky." yes, "Ky" no),
    and written with it, it is the abbreviation ("Man." is Manitoba, not Man in Cote
    d'Ivoire).  ``keep_alone`` keeps abbreviation rows when there is nothing else."""
    abbr = [r for r in rows if r[1] == "abbr"]
    if not abbr:
        return rows
    if dotted:
        return abbr
    rest = [r for r in rows if r[1] != "abbr"]
    return rest if rest or not keep_alone else rows


def person_tokens(text: str, tokens: list[_Token]) -> tuple[set[int], set[str]]:
    """Tokens that name a person after a title ("Secretary of State Marco Rubio").

    Returns the token indexes and the set of name words, which are not places
    anywhere else in the document either ("Rubio's calls").
    """
    idx: set[int] = set()
    words: set[str] = set()
    resume = 0
    for i in _capitals(tokens):  # every title is capitalised
        if i < resume:
            continue
        if i > 0 and (tokens[i - 1].text in ROLES or tokens[i - 1].text in VESSELS) \
                and text[tokens[i - 1].end:tokens[i].start] in ROLE_GAPS:
            j = i  # "its spokesman, Pal Mai Deng", "the tanker Marlin Luanda": a name after its noun
        elif i > 0 and text[tokens[i - 1].end:tokens[i].start] == ", " and _apposed_name(text, tokens, i) \
                and _ROLE_OF_BEFORE.search(text, max(0, tokens[i].start - 80), tokens[i].start):
            j = i  # "the mayor of Nova Kakhovka, Vladimir Leontyev, says": a name after "<role> of <place>,"
        elif tokens[i].text in TITLES:
            j = i + 1
        else:
            continue
        while j < len(tokens) and (tokens[j].text in TITLES or
                                   tokens[j].text == "of" and j + 2 < len(tokens)
                                   and tokens[j + 1].text in _TITLES_AFTER_OF):
            j += 2 if tokens[j].text == "of" else 1
        k = j
        while k < len(tokens) and k - j < 3 and tokens[k].capital and not _is_acronym(tokens[k].text) \
                and (k == j or not tokens[k].sentence_start) and tokens[k].text not in TITLES:
            idx.add(k)
            words.add(tokens[k].base)
            k += 1
            if tokens[k - 1].base != tokens[k - 1].text:
                break
        resume = max(k, i + 1)
    return idx, words


def named_people(text: str, tokens: list[_Token], known: dict[str, list[Row]]) -> tuple[set[int], set[str]]:
    """Tokens of "<given name> <surname>" ("Megyn Kelly", "Paris Hilton").

    A census given name followed by a capitalised word that is a common surname, or an
    unknown word that is no common English word, names a person -- unless the two
    words together are a place name ("Lincoln Park").  Returns the token indexes and
    the surnames, which are then not places anywhere in the document.
    """
    given, surnames, frequent = (word_list("given_names.txt"), word_list("surnames.txt"),
                                 frequent_words())
    idx: set[int] = set()
    words: set[str] = set()
    for i in _capitals(tokens):  # every given name is capitalised
        if i + 1 >= len(tokens):
            break
        first, last = tokens[i], tokens[i + 1]
        if first.text not in given or not last.capital or last.text.isupper() \
                or not _joined(text, first, last) or last.sentence_start:
            continue
        if name_key(f"{first.text} {last.base}") in known:
            continue
        if last.base in surnames or (name_key(last.base) not in known
                                     and last.base.lower() not in frequent):
            idx |= {i, i + 1}
            words.add(last.base)
    nicknamed = _nicknamed(text, tokens)
    idx |= nicknamed
    words |= {tokens[k].base for k in nicknamed if k - 1 in nicknamed}
    return idx, words


#: What opens and closes a nickname inside a person's name: a space and a quote mark.
_NICK_OPEN: Final = frozenset({' "', " “", " '", " ‘"})
_NICK_CLOSE: Final = frozenset({'" ', "” ", "' ", "’ "})


def _nicknamed(text: str, tokens: list[_Token]) -> set[int]:
    """Tokens of a name with a quoted nickname ("Joaquín \"El Chapo\" Guzmán",
    "Jimmy \"Barbecue\" Chérizier"): the given name, the nickname (one to three
    capitalised words) and the surname name a person, whatever the gazetteer holds."""
    idx: set[int] = set()
    n = len(tokens)
    for i in _capitals(tokens):
        k = i + 1
        if k >= n or not tokens[k].capital or text[tokens[i].end:tokens[k].start] not in _NICK_OPEN:
            continue
        while k + 1 < n and k - i < 3 and tokens[k + 1].capital and _joined(text, tokens[k], tokens[k + 1]):
            k += 1  # "El Chapo": the nickname's words
        last = k + 1
        if last < n and tokens[last].capital and text[tokens[k].end:tokens[last].start] in _NICK_CLOSE:
            idx.update(range(i, last + 1))
    return idx


def find_mentions(doc: Document, gazetteer: PlaceIndex) -> list[Mention]:
    """Candidate place names in ``doc``, in text order, with their gazetteer candidates.

    ``doc.text[m.start:m.end] == m.surface`` holds for every mention.  Demonyms
    ("Kenyan") come back with ``role="demonym"``; capitalised phrases after a locative
    preposition ("in Foobarville") that the gazetteer does not know come back with no
    candidates, so that they are reported rather than dropped.
    """
    text = doc.text
    tokens = tokenize(text)
    phrases = _phrases(text, tokens)
    keys = [name_key(p[3]) for p in phrases]
    found = gazetteer.lookup_keys(keys)
    persons, person_words = person_tokens(text, tokens)
    people, surnames = named_people(text, tokens, found)
    persons |= people
    person_words |= surnames
    hits: list[Hit] = []
    weak: list[Hit] = []
    for (i, j, end, surface), key in zip(phrases, keys):
        rows = found.get(key)
        if not rows:
            continue
        heading = _is_acronym(surface) and _in_heading(text, tokens, i) and _in_heading(text, tokens, j)
        rows = _keep_rows(surface, rows, heading=heading)
        rows = _abbreviations_with_their_dot(rows, text[end:end + 1] == "." or "." in surface)
        if not rows:
            continue
        if text[end:end + 1] == ")" and _ORG_BEFORE_PAREN.search(text, max(0, tokens[i].start - 30), tokens[i].start):
            continue  # "the Turkish Red Crescent (Kızılay)": an organisation's own name
        hit = (tokens[i].start, end, surface, rows, i, j)
        after = _next_word(text, tokens, j)
        special = _division_hit(text, tokens, i, j, rows, after) or _feature_hit(text, tokens, hit, after)
        if special is not None and i not in persons:
            hits.append(special)
        else:
            verdict = _plausible(tokens, i, j, surface, key, rows, persons, person_words)
            if verdict is True:
                hits.append(hit)
            elif verdict == WEAK:
                weak.append(hit)
    chosen, used = _longest_first(hits, len(tokens))
    backed = _backed_by_neighbours(text, tokens, weak, chosen, used)
    if backed:
        chosen, used = _longest_first(hits + backed, len(tokens))
    mentions = [_to_mention(doc.id, h[0], h[1], h[2], h[3]) for h in chosen]
    mentions += _hyphenated_places(doc, tokens, used, found, persons, gazetteer)
    mentions += _unknown_names(doc, tokens, chosen, used, persons, person_words)
    return sorted(mentions, key=lambda m: (m.start, m.end))


#: An organisation's name before a bracket: what the bracket holds is its other name
#: ("the Turkish Red Crescent (Kızılay)"), not a place.
_ORG_BEFORE_PAREN: Final = re.compile(r"\b(?:Crescent|Cross|Society|Agency|Authority|Organi[sz]ation|Council|Committee|"
                               r"Commission|Movement|Party|Front|Forces|Army|Union|Ministry|Service|Programme|"
                               r"Fund|Association|Institute)\s*\($")
#: :func:`_plausible`'s answer for a word that is a place only if its neighbours say so.
WEAK: Final = "weak"
_LIST_GAP: Final = re.compile(r"\s*(?:,|and|or|,\s*and|,\s*or)\s*$")


def _backed_by_neighbours(text: str, tokens: list[_Token], weak: list[Hit],
                          chosen: list[Hit], used: bytearray) -> list[Hit]:
    """Weak hits listed with a place or followed by their parent area.

    "between Goma and Sake", "Sake, Minova and Goma", "Sake, North Kivu": the word
    "sake" is then the town.
    """
    starts = {h[4]: h for h in chosen}
    ends = {h[5]: h for h in chosen}
    out = []
    for hit in weak:
        i, j = hit[4], hit[5]
        if any(used[i:j + 1]):
            continue
        before = next((ends[k] for k in (i - 1, i - 2) if k in ends), None)
        after = next((starts[k] for k in (j + 1, j + 2) if k in starts), None)
        listed = (before is not None and _LIST_GAP.fullmatch(text[before[1]:hit[0]])
                  or after is not None and _LIST_GAP.fullmatch(text[hit[1]:after[0]]))
        parent = after is not None and re.fullmatch(r"\s*(?:,|in)\s*", text[hit[1]:after[0]]) \
            and any(p.kind in ("country", "admin1") for _f, _r, p in after[3])
        if listed or parent:
            out.append(hit)
    return out


def _plausible(tokens: list[_Token], i: int, j: int, surface: str, key: str,
               rows: list[Row], persons: set[int],
               person_words: set[str]) -> bool | str:
    """Precision filters for one looked-up phrase spanning tokens ``i..j`` (``key`` is
    the surface's :func:`name_key`).

    True (a place), False, or :data:`WEAK`: a minor place whose name is a common word,
    kept only when listed with other places or followed by its parent area.
    """
    if key in CALENDAR or key in ORGANISATIONS or i == j and (tokens[i].base in FEATURE_WORDS or key in COMPASS):
        return False  # a month, a bare "Gulf" / "Lake", or "North" ("North Wollo" is unknown)
    if len(key.replace(" ", "")) < 2 or surface in TITLES or _CONTRACTION.search(surface):
        return False  # "I", "A": one letter names no place in prose; "Dr" is a title
    if i > 0 and tokens[i - 1].text in SHIP_PREFIXES:
        return False  # "HMNZS Wellington" is a ship
    strong = any(p.kind == "country" or role == "demonym" for _f, role, p in rows)
    after_locative = _introduced_as_place(tokens, i)
    if i in persons or (not strong and not after_locative
                        and all(t.base in person_words for t in tokens[i:j + 1])):
        return False  # "George Washington said", "Washington said"; not "in Washington"
    if j + 1 < len(tokens) and (tokens[j + 1].text in ORG_HEADS or tokens[j + 1].text in STREET_AFTER
                                and not any(p.kind in ("admin1", "country") for _f, _r, p in rows)):
        return False  # "Kenya Airways"; "Memphis Street", but "Minnesota Highway 55"
    if not strong and _inside_longer_name(tokens, i, j, rows):
        return False
    if i == j and not strong and _alternate_only(surface, rows):
        return False
    if i == j and not strong and (key in common_words() or _minor_and_common(tokens[i], rows)):
        return after_locative or WEAK
    return True


def _minor_and_common(token: _Token, rows: list[Row]) -> bool:
    """A small place whose name is also a frequent English word, a common surname or a
    given name ("Commerce", "Kelly", "Mary"): read as the word unless after "in"."""
    if any(p.kind in ("admin1", "region") for _f, _r, p in rows):
        return False
    word = token.base
    zipf = frequent_words().get(word.lower(), 0.0)
    limit = MINOR_POPULATION * (10 if zipf >= VERY_FREQUENT_ZIPF else 1)
    if max(p.population for _f, _r, p in rows) >= limit:
        return False
    return zipf > 0 or word in word_list("surnames.txt") or word in word_list("given_names.txt")


def _alternate_only(surface: str, rows: list[Row]) -> bool:
    """True when one word matches only other names of minor places ("Hamas" is an old
    name of Hamm, "Passover" one of Mountain City): such matches are mostly noise."""
    key = name_key(surface)
    return all(role == "name" and not is_spelling_of(key, name_key(p.name))
               and p.population < ALTERNATE_POPULATION
               and p.kind not in ("country", "admin1", "region") for _f, role, p in rows)


@lru_cache(maxsize=1)
def frequent_words() -> dict[str, float]:
    """English words and their Zipf frequency, from ``data/frequent_words.txt``."""
    out = {}
    for line in word_list("frequent_words.txt"):
        word, _, zipf = line.partition("\t")
        out[word] = float(zipf or 0.0)
    return out


#: Lower-case words inside a longer name ("Palais des Nations", "Plaza de Mayo").
NAME_PARTICLES: Final = frozenset("de des du del della di da do dos das".split())


def _particle_joins(tokens: list[_Token], k: int) -> bool:
    """Whether token ``k`` is a name particle followed, after one space, by a capitalised word."""
    return tokens[k].text in NAME_PARTICLES and k + 1 < len(tokens) and tokens[k + 1].capital \
        and tokens[k].end + 1 == tokens[k + 1].start


#: Articles that open a sentence in capitals: no part of the name that follows them.
_OPENING_ARTICLES: Final = frozenset({"The", "A", "An"})


def _inside_longer_name(tokens: list[_Token], i: int, j: int,
                        rows: list[Row]) -> bool:
    """True for a minor place name that is one word of a longer capitalised name.

    "Rapid" in "Rapid Support Forces", "Liberation" in "People's Liberation Front" or
    "Homeland" in "Defence of the Homeland" is part of an organisation's name; a
    well-known place ("Nairobi Securities Exchange") still counts.
    """
    before = i > 0 and tokens[i - 1].capital and not tokens[i].sentence_start \
        and tokens[i - 1].base == tokens[i - 1].text and tokens[i - 1].end + 1 == tokens[i].start \
        and tokens[i - 1].text.lower() not in LOCATIVES \
        and not (tokens[i - 1].sentence_start and tokens[i - 1].text in _OPENING_ARTICLES and j > i)
    # ("In Amizmiz, ..." and "The Kerem Shalom crossing" opening a sentence: no longer names;
    # a single word after "The" is kept apart: "The Honda", "The Panther" are names of things)
    # the next word follows after one space, and no possessive ends this one
    next_joined = j + 1 < len(tokens) and tokens[j].base == tokens[j].text \
        and tokens[j].end + 1 == tokens[j + 1].start
    after = next_joined and (tokens[j + 1].capital and not tokens[j + 1].sentence_start
                             or _particle_joins(tokens, j + 1))  # "Palais des Nations"
    # "Bab al-Hawa": a name and an article's name joined are one name, however big the first
    compound = next_joined and _article_name(tokens[j + 1].text)
    # "Volunteers for the Defence of the Homeland": a place name takes no article
    of_the = i > 2 and tokens[i - 1].text == "the" and tokens[i - 2].text == "of" \
        and tokens[i - 3].capital and not tokens[i - 3].sentence_start
    # "Defensoría del Pueblo", "Université de Montréal": the last word of a longer name,
    # after a particle that follows a capitalised word, however big the place
    particle = i > 1 and _particle_joins(tokens, i - 1) and tokens[i - 2].capital \
        and tokens[i - 2].end + 1 == tokens[i - 1].start
    if not (before or after or of_the or compound or particle):
        return False
    if any(p.kind in ("admin1", "country") for _f, _r, p in rows):
        return False  # "the Ohio Supreme Court" still names Ohio
    return compound or particle or max(p.population for _f, _r, p in rows) < 100_000


def _next_word(text: str, tokens: list[_Token], j: int) -> _Token | None:
    """The token right after token ``j`` when only a space separates them (no possessive)."""
    if j + 1 < len(tokens) and tokens[j].base == tokens[j].text \
            and _joined(text, tokens[j], tokens[j + 1]):
        return tokens[j + 1]
    return None


def _division_hit(text: str, tokens: list[_Token], i: int, j: int,
                  rows: list[Row], word: _Token | None) -> Hit | None:
    """"Chin State", "Gezira state", "Cabo Delgado province": the division, as one hit.

    A name followed by a division word means the first-level division (or region) of
    that name, never a same-named town; ``None`` when there is no such word or area.
    ``word`` is the :func:`_next_word` after token ``j``.
    """
    if word is None or word.base.casefold() not in DIVISION_WORDS:
        return None
    areas = [r for r in rows if r[1] != "demonym" and r[2].kind in _AREA_KINDS]
    if not areas:
        return None
    end = word.start + len(word.base)
    return tokens[i].start, end, text[tokens[i].start:end], areas, i, j + 1


def _feature_hit(text: str, tokens: list[_Token], hit: Hit, after: _Token | None) -> Hit | None:
    """A name that is part of a physical feature's name becomes that feature, unmapped.

    "Niger River", "Lake Chad", "Gulf of Aden", and an area named after a feature used
    alone ("Red Sea") are seas, rivers, lakes or mountains, which our data does not
    hold: the hit then spans the whole feature name and has no candidates.  A curated
    ``poi`` ("Nyiragongo volcano") keeps its own span.  ``None`` when the name is no
    part of a feature name.  ``after`` is the :func:`_next_word` after the hit.
    """
    _start, _end, _surface, rows, i, j = hit
    first, last = i, j
    if i == j and tokens[i].base in FEATURE_WORDS:
        return None  # a bare "Gulf" or "Lake": _plausible drops it
    if after is not None and after.base in FEATURE_AFTER:
        last = j + 1
    elif i > 0 and tokens[i - 1].text in FEATURE_BEFORE and _joined(text, tokens[i - 1], tokens[i]):
        first = i - 1
    elif i > 1 and tokens[i - 1].text == "of" and tokens[i - 2].text in FEATURE_BEFORE_OF \
            and _joined(text, tokens[i - 2], tokens[i - 1]) and _joined(text, tokens[i - 1], tokens[i]):
        first = i - 2
    elif i > 2 and tokens[i - 1].text == "the" and tokens[i - 2].text == "of" and tokens[i - 3].text in _RIVER_BANKS:
        pass  # "the right bank of the Dnipro": the river, not the city
    elif not (j > i and tokens[j].base in FEATURE_AFTER
              and all(p.kind in ("admin1", "region", "country") for _f, _r, p in rows)):
        return None
    pois = [r for r in rows if r[2].kind == "poi" or r[2].curated]
    if pois:
        return hit[0], hit[1], hit[2], pois, i, j
    start, end = tokens[first].start, tokens[last].start + len(tokens[last].base)
    return start, end, text[start:end], [], first, last


def _longest_first(hits: list[Hit], n_tokens: int) -> tuple[list[Hit], bytearray]:
    """Keep the longest matches that do not overlap, in text order.

    Also returns the per-token "used" flags.
    """
    used = bytearray(n_tokens)
    taken: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0], not h[3])):
        i, j = hit[4], hit[5]
        if not any(used[i:j + 1]):
            used[i:j + 1] = b"\x01" * (j + 1 - i)
            taken.append(hit)
    return sorted(taken, key=lambda h: h[0]), used


def _to_mention(doc_id: str, start: int, end: int, surface: str,
                rows: list[Row]) -> Mention:
    if not rows:
        return Mention(doc_id, start, end, surface)
    names = [p for _f, role, p in rows if role != "demonym"]
    demonyms = [p for _f, role, p in rows if role == "demonym"]
    if demonyms and not any(p.kind == "country" for p in names):
        return Mention(doc_id, start, end, surface, tuple(_unique(demonyms)), role="demonym")
    return Mention(doc_id, start, end, surface, tuple(_unique(names)))


def _unique(places: list[Place]) -> list[Place]:
    return list({p.id: p for p in places}.values())


def _hyphenated_places(doc: Document, tokens: list[_Token], used: bytearray,
                       found: dict[str, list[Row]], persons: set[int],
                       gazetteer: PlaceIndex) -> list[Mention]:
    """Places joined by a hyphen into one word ("the Goma-Sake road", "the Lebanon-Syria
    border"): when the whole word names nothing, every part may be a place
    (:func:`_may_join`) and one is certain (:func:`_certain_place`), each part is a
    mention.  Not the words of a person's name."""
    words = [i for i in _capitals(tokens) if "-" in tokens[i].base and not used[i] and i not in persons
             and name_key(tokens[i].base) not in found]
    pieces = {}
    for i in words:
        start, parts = tokens[i].start, []
        for part in tokens[i].base.split("-"):
            parts.append((start, part))
            start += len(part) + 1
        if len(parts) > 1 and all(p[:1].isupper() and len(p) > 1 for _s, p in parts):
            pieces[i] = parts
    if not pieces:
        return []
    rows_of = gazetteer.lookup_keys(sorted({name_key(p) for parts in pieces.values() for _s, p in parts}))
    out = []
    for i, parts in sorted(pieces.items()):
        kept = [(start, part, [r for r in _keep_rows(part, rows_of.get(name_key(part)) or []) if r[1] != "demonym"])
                for start, part in parts]
        if all(_may_join(part, rows) for _start, part, rows in kept) \
                and any(_certain_place(part, rows) for _start, part, rows in kept):
            out += [_to_mention(doc.id, start, start + len(part), part, rows) for start, part, rows in kept]
    return out


def _may_join(word: str, rows: list[Row]) -> bool:
    """Whether one part of a hyphenated word may be a place: it matches one, has three
    letters or more, and is no compass word, month or person's name ("North-West",
    "Jean-Pierre", "Lennon-Ono")."""
    key = name_key(word)
    return bool(rows) and len(word) >= 3 and key not in COMPASS and key not in CALENDAR \
        and (word not in word_list("given_names.txt") and word not in word_list("surnames.txt")
             or _certain_place(word, rows))


#: A place this populous, named by its own name, is certain enough to vouch for the
#: other part of a hyphenated word ("Goma-Sake road": Sake is also a word).
CERTAIN_POPULATION: Final = 100_000


def _certain_place(word: str, rows: list[Row]) -> bool:
    """A country or division, or a large place by its own name ("Wal-Mart" has none)."""
    key = name_key(word)
    return any(p.kind in ("country", "admin1") or p.population >= CERTAIN_POPULATION
               and is_spelling_of(key, name_key(p.name)) for _f, _r, p in rows)


def _unknown_names(doc: Document, tokens: list[_Token], chosen: list, used: bytearray,
                   persons: set[int], person_words: set[str]) -> list[Mention]:
    """Unknown capitalised phrases that read as places.

    Either introduced as a place ("in Foobarville", "the town of Foobarville": see
    :func:`_introduced_as_place`) or before a known country or division ("Foobarville,
    Kenya", "Foobarville in North Kivu").
    """
    areas = {h[0] for h in chosen
             if any(p.kind in ("country", "admin1") for _f, _r, p in h[3])}
    out: list[Mention] = []
    for i in _capitals(tokens):
        # the cheap tests first, before the walk to the end of the name: this loop runs
        # per capitalised word, and most are known places (used) or introduced by nothing
        if i == 0 or used[i] or tokens[i].sentence_start or i in persons:
            continue
        introduced = _introduced_as_place(tokens, i)
        if not introduced and not areas:
            continue
        j = i
        while j + 1 < len(tokens) and j - i < 3 and (tokens[j + 1].capital or _article_name(tokens[j + 1].text)) \
                and _joined(doc.text, tokens[j], tokens[j + 1]) and tokens[j].base == tokens[j].text:
            j += 1
        start, end = tokens[i].start, tokens[j].start + len(tokens[j].base)
        if not introduced:
            parent = _PARENT_AFTER.match(doc.text, end)
            if not (parent and parent.end() in areas):
                continue
        surface = doc.text[start:end]
        key = name_key(surface)
        if (any(used[i:j + 1]) or any(k in persons for k in range(i, j + 1))
                or tokens[i].base in person_words
                or key in CALENDAR or key in common_words() or _is_acronym(surface)
                or not surface[0].isalpha()):
            continue
        out.append(Mention(doc.id, start, end, surface))
    return out


_CONTRACTION: Final = re.compile(r"['’](?:ve|d|ll|re|m|t)$", re.IGNORECASE)
_LEADING_THE: Final = re.compile(r"^the\s+", re.IGNORECASE)


def name_variants(surface: str) -> list[str]:
    """Lookup forms of a name as written: itself, then without "the" or a possessive,
    then the name before a comma ("Washington, D.C.": its area comes after it)."""
    forms = [surface]
    bare = _POSSESSIVE.sub("", _LEADING_THE.sub("", surface.strip()))
    if bare and bare != surface:
        forms.append(bare)
    head = bare.partition(",")[0].strip()
    if head and head != bare:
        forms.append(head)
    return forms


def mentions_for_spans(doc: Document, spans: list[tuple[int, int]],
                       gazetteer: PlaceIndex) -> list[Mention]:
    """Mentions for given character spans (a gold corpus's names), with candidates.

    Each span is looked up as written, then in its :func:`name_variants`; a span the
    gazetteer does not know comes back with no candidates.
    """
    forms = {(s, e): name_variants(doc.text[s:e]) for s, e in spans}
    tails = {(s, e): doc.text[s:e].partition(",")[2].strip() for s, e in spans}
    found = gazetteer.lookup_keys([name_key(f) for fs in forms.values() for f in fs]
                                  + [name_key(t) for t in tails.values() if t])
    out = []
    for (s, e), variants in sorted(forms.items()):
        form, rows = next(((f, r) for f in variants if (r := _keep_rows(f, found.get(name_key(f), [])))), ("", []))
        tail = tails[(s, e)]
        if tail and "," not in form:  # the name before its area ("Washington, D.C."): in that area
            rows = _under(rows, [p for _f, _r, p in found.get(name_key(tail), [])]) or rows
        rows = _abbreviations_with_their_dot(rows, doc.text[s:e].rstrip().endswith("."), keep_alone=True)
        out.append(_to_mention(doc.id, s, e, doc.text[s:e], rows))
    return out


def _under(rows: list[Row], areas: list[Place]) -> list[Row]:
    """The ``rows`` whose place is one of ``areas`` ("Washington, D.C.": "D.C." is the
    city itself) or lies in one of those that are countries or divisions."""
    ids = {a.id for a in areas}
    same = [r for r in rows if r[2].id in ids]
    if same:
        return same
    places = [r[2] for r in rows]
    inside = {p.id for a in areas if a.kind in ("country", "admin1") for p in in_area(places, a)}
    return [r for r in rows if r[2].id in inside]
