"""Declarative layer definitions: ``layers/<id>.yaml`` -> :class:`~geomap.models.Layer`.

A layer file holds::

    id: meeting                 # required; lowercase letters, digits, _ and -
    label: Meetings and talks   # required
    description: ...
    order: 10                   # position in the legend and layer control
    geometry: point             # point or line
    color: "#1f77b4"            # #rrggbb
    icon: circle                # one of ICONS
    triggers: [met, summit*]    # words or phrases; trailing * = any ending, * alone = any
                                # one word; case-insensitive
    patterns: []                # regular expressions (case-insensitive)
    pattern_words: []           # optional: words one of which every pattern match holds
                                # (or a word starting so); lets sentences without them skip
                                # the patterns' searches
    requires_any: []            # if given, the sentence must also contain one of these
    unless_any: []              # the layer does not fire in a sentence containing one of these
    weak_triggers: []           # triggers that do not fire at all in a document whose lead
                                # (its first two sentences) holds one of unless_any: in a
                                # report on an earthquake, "killed" and "struck" are its work
    remote_triggers: []         # phrases marking an event with no venue (a phone call)
    lead_triggers: []           # triggers that fire only in a document whose lead holds
    lead_any: []                # one of lead_any: in a report on a flood, "died" is its toll
    coarsest_place: country     # city, admin1 or country: how coarse an event's place may be

Adding a layer is adding a file: the extraction and the map pick it up.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path

import yaml

from .dates import CASE_ODD
from .errors import LayerError
from .models import Layer

#: Marker shapes the map can draw.
ICONS = ("circle", "square", "triangle", "diamond", "star", "cross", "hexagon", "pin")
GEOMETRIES = ("point", "line")
_KEYS = {"id", "label", "description", "order", "geometry", "color", "icon", "triggers",
         "patterns", "pattern_words", "requires_any", "unless_any", "weak_triggers", "remote_triggers",
         "lead_triggers", "lead_any", "coarsest_place"}
COARSEST = ("city", "admin1", "country")
_ID_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def default_layers_dir() -> Path:
    """``./layers`` when run from a checkout, else the copy installed with the package."""
    here = Path.cwd() / "layers"
    if here.is_dir() and any(here.glob("*.yaml")):
        return here
    return Path(str(resources.files("geomap._layers")))


def _str_list(data: dict, key: str, path: Path) -> tuple[str, ...]:
    value = data.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LayerError(path, f"'{key}' should be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_layer(data: object, path: Path) -> Layer:
    """Check one parsed YAML mapping and build its :class:`Layer`."""
    if not isinstance(data, dict):
        raise LayerError(path, "a layer file should hold a mapping of keys (id, label, triggers, ...)")
    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        raise LayerError(path, f"unknown key(s) {', '.join(map(repr, unknown))}; known: {', '.join(sorted(_KEYS))}")
    for key in ("id", "label"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise LayerError(path, f"'{key}' is required and should be a non-empty string")
    layer_id = data["id"].strip()
    if not _ID_RE.match(layer_id):
        raise LayerError(path, f"'id' should be lowercase letters, digits, _ or -, got {layer_id!r}")
    geometry = data.get("geometry", "point")
    if geometry not in GEOMETRIES:
        raise LayerError(path, f"'geometry' should be one of {', '.join(GEOMETRIES)}, got {geometry!r}")
    color = str(data.get("color", "#555555"))
    if not _COLOR_RE.match(color):
        raise LayerError(path, f"'color' should look like #rrggbb, got {color!r}")
    icon = data.get("icon", "circle")
    if icon not in ICONS:
        raise LayerError(path, f"'icon' should be one of {', '.join(ICONS)}, got {icon!r}")
    coarsest = data.get("coarsest_place", "country")
    if coarsest not in COARSEST:
        raise LayerError(path, f"'coarsest_place' should be one of {', '.join(COARSEST)}, got {coarsest!r}")
    order = data.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool):
        raise LayerError(path, f"'order' should be an integer, got {order!r}")
    patterns = _str_list(data, "patterns", path)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise LayerError(path, f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
    pattern_words = _str_list(data, "pattern_words", path)
    if any(not w.isascii() or not re.fullmatch(r"[A-Za-z0-9][\w-]*", w) for w in pattern_words):
        raise LayerError(path, "'pattern_words' should be plain ASCII words")
    triggers = _str_list(data, "triggers", path)
    if not triggers and not patterns:
        raise LayerError(path, "a layer needs at least one trigger or pattern")
    lead_triggers, lead_any = _str_list(data, "lead_triggers", path), _str_list(data, "lead_any", path)
    if bool(lead_triggers) != bool(lead_any):
        raise LayerError(path, "'lead_triggers' and 'lead_any' go together: give both or neither")
    return Layer(
        id=layer_id, label=data["label"].strip(), description=str(data.get("description") or "").strip(),
        triggers=triggers, patterns=patterns, pattern_words=pattern_words, geometry=geometry, color=color.lower(), icon=icon,
        order=order, requires_any=_str_list(data, "requires_any", path), unless_any=_str_list(data, "unless_any", path),
        weak_triggers=_str_list(data, "weak_triggers", path),
        remote_triggers=_str_list(data, "remote_triggers", path), lead_triggers=lead_triggers,
        lead_any=lead_any, coarsest_place=coarsest,
        source_file=path.name,
    )


def load_layers(directory: Path | str | None = None) -> list[Layer]:
    """Read every ``*.yaml`` layer file in ``directory``, sorted by (order, id).

    Raises :class:`LayerError` naming the file for unreadable YAML, bad keys, or two
    files declaring the same id.
    """
    directory = Path(directory) if directory is not None else default_layers_dir()
    if not directory.is_dir():
        raise LayerError(directory, "layers directory not found")
    layers: dict[str, Layer] = {}
    for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise LayerError(path, f"invalid YAML{where}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise LayerError(path, f"cannot read: {exc}") from None
        layer = parse_layer(data, path)
        if layer.id in layers:
            raise LayerError(path, f"layer id {layer.id!r} is already defined in {layers[layer.id].source_file}")
        layers[layer.id] = layer
    if not layers:
        raise LayerError(directory, "no layer files (*.yaml) found")
    return sorted(layers.values(), key=lambda lay: (lay.order, lay.id))


#: What a ``*`` standing alone in a phrase matches: one word.
_ANY_WORD = r"[\w'\u2019-]+"


def phrase_regex(phrases: tuple[str, ...]) -> re.Pattern | None:
    """One case-insensitive regex matching any of ``phrases`` on word boundaries.

    ``word*`` matches the word with any ending, a ``*`` alone any one word ("fighting *
    fires": "fighting smaller fires"); spaces match any run of whitespace.
    """
    if not phrases:
        return None
    parts = []
    for phrase in sorted(set(phrases), key=lambda p: (-len(p), p)):
        star = phrase.endswith("*") and phrase != "*" and not phrase.endswith(" *")
        words = (phrase[:-1] if star else phrase).split()
        body = r"\s+".join(_ANY_WORD if w == "*" else re.escape(w) for w in words)
        parts.append(body + (r"[\w-]*" if star else "") + r"(?![\w-])")
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + ")", re.IGNORECASE)


_WORD_AFTER = re.compile(r"[ \t]+([\w'\u2019&.-]+)")
_LETTER = re.compile(r"[^\W\d_]")
_LOWER_WORD = re.compile(r"(?<![\w-])[a-z]{4,}(?![\w-])")
#: Words a title-case headline may leave in lower case.
_HEADLINE_LOWER = frozenset({"with", "from", "into", "over", "than", "that", "upon", "onto", "amid", "near"})


def in_capitalised_name(sentence: str, start: int, end: int) -> bool:
    """Whether ``sentence[start:end]``, capitalised, modifies a capitalised word right after
    it in one name: "Minister of Humanitarian Action", "the Ceasefire Monitoring
    Committee", "Office for the Coordination of Humanitarian Affairs".

    The name's last word is its head and names what the thing is ("the Indus Highway",
    "Jinnah International Airport", "the Rafah Crossing"): a trigger there still fires.
    So does one that opens its sentence or line ("Ceasefire Talks Resume" aside), or any
    word of a title-case headline, where every word is capitalised."""
    after = _WORD_AFTER.match(sentence, end)
    if not (after and after.group(1)[0].isupper()):
        return False
    line_start = sentence.rfind("\n", 0, start) + 1
    if not _LETTER.search(sentence, line_start, start):
        return False  # the first word of its sentence or line
    # a headline in title case: only short words in lower case
    return any(w not in _HEADLINE_LOWER for w in _LOWER_WORD.findall(sentence))


class LayerMatcher:
    """Finds a layer's triggers in sentences."""

    def __init__(self, layer: Layer):
        self.layer = layer

    @cached_property
    def _trigger_res(self) -> list[re.Pattern]:
        res = [r for r in [phrase_regex(self.layer.triggers)] if r is not None]
        res += [re.compile(p, re.IGNORECASE) for p in self.layer.patterns]
        return res

    @cached_property
    def _written_as_names(self) -> re.Pattern | None:
        """The triggers the layer file writes capitalised ("Red Cross", "WFP"): names by design."""
        return phrase_regex(tuple(t for t in self.layer.triggers if t[:1].isupper()))

    @cached_property
    def _requires(self) -> re.Pattern | None:
        return phrase_regex(self.layer.requires_any)

    @cached_property
    def _unless(self) -> re.Pattern | None:
        return phrase_regex(self.layer.unless_any)

    @cached_property
    def _weak(self) -> re.Pattern | None:
        return phrase_regex(self.layer.weak_triggers)

    def quiet_in(self, lead: str) -> bool:
        """Whether the layer's weak triggers are off in a document whose lead is ``lead``:
        it holds one of the layer's ``unless_any`` (a report on a natural disaster)."""
        return self._weak is not None and self._unless is not None and self._unless.search(lead) is not None

    @cached_property
    def _lead_triggers(self) -> re.Pattern | None:
        return phrase_regex(self.layer.lead_triggers)

    @cached_property
    def _lead_any(self) -> re.Pattern | None:
        return phrase_regex(self.layer.lead_any)

    def loud_in(self, lead: str) -> bool:
        """Whether the layer's lead triggers are on in a document whose lead is ``lead``:
        it holds one of the layer's ``lead_any`` (a report on a natural disaster)."""
        return self._lead_any is not None and self._lead_any.search(lead) is not None

    @cached_property
    def _remote(self) -> re.Pattern | None:
        return phrase_regex(self.layer.remote_triggers)

    def triggers(self, sentence: str, *, weak: bool = True, lead: bool = False) -> list[tuple[int, int]]:
        """Offsets of this layer's triggers in ``sentence`` (empty when the layer does not
        fire); without its weak triggers when ``weak`` is false (see :meth:`quiet_in`), with
        its lead triggers when ``lead`` is true (see :meth:`loud_in`)."""
        if self._requires is not None and not self._requires.search(sentence):
            return []
        if self._unless is not None and self._unless.search(sentence):
            return []
        res = self._trigger_res if not (lead and self._lead_triggers) else [*self._trigger_res, self._lead_triggers]
        spans = {m.span() for rx in res for m in rx.finditer(sentence)
                 if m.end() > m.start() and not (sentence[m.start()].isupper() and self._in_a_name(sentence, m))}
        if not weak and self._weak is not None:
            spans = {(a, b) for a, b in spans if not self._weak.fullmatch(sentence[a:b])}
        return sorted(spans)

    def _in_a_name(self, sentence: str, m: re.Match) -> bool:
        """Whether a capitalised trigger word is part of a longer capitalised name ("Minister
        of Humanitarian Action", "the Ceasefire Monitoring Committee"), not the word itself.

        Not when the layer file writes the trigger capitalised (a name by design), when it
        opens its sentence or line, or in a headline in title case."""
        names = self._written_as_names
        if names is not None and names.fullmatch(m.group()):
            return False
        return in_capitalised_name(sentence, m.start(), m.end())

    def remote(self, sentence: str) -> list[tuple[int, int]]:
        """Offsets of phrases marking a venue-less event (a call)."""
        if self._remote is None:
            return []
        return [m.span() for m in self._remote.finditer(sentence)]


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def phrase_key(phrase: str) -> str | None:
    """The longest word of ``phrase``, lower-cased: every match of :func:`phrase_regex`
    holds it, in some case.  None when the phrase is not ASCII (its case-insensitive
    matches need not hold it lower-cased) or has no word."""
    words = [w for w in phrase.rstrip("*").split() if w != "*"]
    if not phrase.isascii() or not words:
        return None
    return max(words, key=len).lower()


def _trie_pattern(keys) -> str:
    """A regex matching any of ``keys`` (the longest one where several start), written as a
    tree of their letters: at each position the engine follows one branch instead of trying
    every key."""
    trie: dict = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            alts.append("")  # last: a longer key wins
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return emit(trie)


class LayerScreen:
    """Which layers may fire in which sentences of a text, read in one pass over it.

    A sentence that holds, lower-cased, none of a layer's :func:`phrase_key` cannot hold
    any of its triggers (nor its remote triggers), so the layer's case-insensitive
    searches, which cost far more, are skipped there.  A layer's ``patterns`` count through
    its ``pattern_words``; a layer with patterns but no pattern words, or with a phrase
    that is not ASCII, is never ruled out, and no layer is in a text that holds a
    :data:`~geomap.dates.CASE_ODD` character or that lower-casing lengthens.

    Every word of a phrase's match starts where the sentence does or after a character
    that is not ``[\\w-]`` (:func:`phrase_regex`), which lower-cased is not ``[a-z0-9]``
    (only :data:`~geomap.dates.CASE_ODD` characters lower-case to those letters from outside A-Z): so
    the keys are looked for only there, which lets the search skip the rest fast.
    """

    def __init__(self, matchers: Sequence[LayerMatcher]):
        self.matchers = tuple(matchers)
        # what a key admits to: ("t", i) matcher i's triggers, ("r", i) its remote triggers
        own: dict[str, set[tuple[str, int]]] = {}
        always: set[tuple[str, int]] = set()
        for i, mt in enumerate(self.matchers):
            for kind, phrases in (("t", mt.layer.triggers + mt.layer.lead_triggers), ("r", mt.layer.remote_triggers)):
                if kind == "r" and not phrases:
                    continue  # no remote triggers: LayerMatcher.remote finds nothing
                keys = [phrase_key(p) for p in phrases]
                if kind == "t" and mt.layer.patterns:
                    if not mt.layer.pattern_words:
                        always.add((kind, i))  # nothing says what a pattern's match holds
                        continue
                    keys += [w.lower() for w in mt.layer.pattern_words]
                if not keys or None in keys:
                    always.add((kind, i))
                    continue
                for key in keys:
                    own.setdefault(key, set()).add((kind, i))
        self._always = frozenset(always)
        # where several keys start at one place, the search finds the longest: it stands for
        # the keys it starts with too
        self._prefixes = {key: tuple(k for k in own if key.startswith(k)) for key in own}
        self._own = {key: frozenset(v) for key, v in own.items()}
        self._admits = {key: frozenset().union(*(own[k] for k in ks)) for key, ks in self._prefixes.items()}
        self._every = frozenset().union(*own.values())
        self._key = re.compile(_trie_pattern(own)) if own else None
        self._rx = re.compile("[^a-z0-9](" + _trie_pattern(own) + ")") if own else None
        self._lists: dict[frozenset, tuple[list[LayerMatcher], list[LayerMatcher]]] = {}

    def _matchers(self, marks: frozenset) -> tuple[list[LayerMatcher], list[LayerMatcher]]:
        """The matchers that ``marks`` and :attr:`_always` admit: to triggers, to remote triggers."""
        lists = self._lists.get(marks)
        if lists is None:
            admitted = marks | self._always
            lists = self._lists[marks] = (
                [mt for i, mt in enumerate(self.matchers) if ("t", i) in admitted],
                [mt for i, mt in enumerate(self.matchers) if ("r", i) in admitted])
        return lists

    def screen(self, text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[list[LayerMatcher], list[LayerMatcher]]]:
        """For each ``(start, end)`` of ``spans`` (sentences of ``text``, in order, disjoint):
        the matchers whose triggers may be in ``text[start:end]``, and those whose remote
        triggers may be, in the order of :attr:`matchers`."""
        lower = text.lower()
        if self._rx is None or len(lower) != len(text) or CASE_ODD.search(text):
            return [self._matchers(self._every)] * len(spans)
        starts = [start for start, _ in spans]
        marks: list[frozenset] = [frozenset()] * len(spans)

        def admit(at: int, key: str) -> None:
            i = bisect_right(starts, at) - 1
            if i >= 0:
                room = spans[i][1] - at
                if len(key) <= room:
                    marks[i] = marks[i] | self._admits[key]
                else:  # the longest key runs past the sentence: the shorter ones may not
                    marks[i] = marks[i].union(*(self._own[k] for k in self._prefixes[key] if len(k) <= room))

        padded = " " + lower  # a key at the start of the text follows a blank too
        pos = 0
        while (m := self._rx.search(padded, pos)) is not None:
            admit(m.start(), m.group(1))  # m.start() in ``padded`` is the key's offset in ``text``
            pos = m.start() + 1
        for start in starts:  # a sentence that starts after a letter or digit (not split at a blank)
            if 0 < start < len(lower) and lower[start - 1] in _ALNUM and (k := self._key.match(lower, start)):
                admit(start, k.group())
        return [self._matchers(found) for found in marks]
