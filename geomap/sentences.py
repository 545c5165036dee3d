"""Splitting document text into paragraphs and sentences, keeping character offsets.

A *block* is what a reader takes as one passage: a paragraph plus the list items that
follow it ("The recommendations include:" and its bullets).  Dates carry over from one
sentence to the next only within a block.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Words whose trailing full stop does not end a sentence.
_ABBREVIATIONS = frozenset("""
mr mrs ms dr prof gen col lt sgt capt maj cmdr adm gov sen rep rev st mt ft jr sr vs etc
no nos jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e a.m p.m approx
inc ltd co corp dept univ est
""".split())
_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022]|\d{1,3}[.)])\s+", re.MULTILINE)
_SENTENCE_END = re.compile(r"""[.!?]+["'\u201d\u2019)\]]*(?=\s+["'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u024f])""")
_WORD_AT_STOP = re.compile(r"([\w.]+)[.]+$")  # the word a full stop ends ("Gen." -> "Gen")
_INITIAL_AT_STOP = re.compile(r"\b[A-Z]\.$")
_LINE = re.compile(r"[^\n]+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS))


def _ends_abbreviation(text: str, start: int, stop: int) -> bool:
    """Whether the full stop at ``stop`` ends an abbreviation ("Gen."): whether the word of
    ``_WORD_AT_STOP.search(text[start:stop + 1])``, lower-cased and without its own final
    stops, is one of _ABBREVIATIONS.

    The word is read backwards from ``stop``, and no further than the longest
    abbreviation: a longer word is none (the search would read all of it)."""
    q = stop
    while q > start and text[q - 1] == ".":  # the word's own final stops
        q -= 1
    p = q
    while p > start and q - p <= _LONGEST_ABBREVIATION and ((c := text[p - 1]) == "." or c.isalnum() or c == "_"):
        p -= 1  # [\w.], as re reads \w
    return q - p <= _LONGEST_ABBREVIATION and text[p:q].lower() in _ABBREVIATIONS


def _initial_at(text: str, start: int, stop: int) -> bool:
    """Whether the full stop at ``stop`` ends an initial ("W." in "George W. Bush"):
    ``_INITIAL_AT_STOP.search(text[max(start, stop - 2):stop + 1])``, read in place."""
    if stop - 1 < start or not "A" <= text[stop - 1] <= "Z" or text[stop] != ".":
        return False
    return stop - 2 < start or not ((c := text[stop - 2]).isalnum() or c == "_")  # \b before the capital


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    block: int  # index of the block (paragraph with its list items)


def _blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each block.  Blank lines separate paragraphs when the text has
    any; otherwise every line is a paragraph.  List items join the paragraph before them."""
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    has_blank = _BLANK_LINE.search(text) is not None
    blocks: list[list[int]] = []
    prev_blank = True
    for start, end in lines:
        line = text[start:end]
        if not line.strip():
            prev_blank = True
            continue
        joins = blocks and (_LIST_ITEM.match(line) or (has_blank and not prev_blank))
        if joins:
            blocks[-1][1] = end
        else:
            blocks.append([start, end])
        prev_blank = False
    return [(s, e) for s, e in blocks]


def _sentence_ends(text: str, start: int, end: int):
    """The matches of ``_SENTENCE_END.finditer(text, start, end)``, tried only where a ".",
    "!" or "?" is: ``str.find`` skips to those far faster than the search can."""
    marks = []
    for mark in ".!?":
        i = text.find(mark, start, end)
        while i >= 0:
            marks.append(i)
            i = text.find(mark, i + 1, end)
    pos = start
    for i in sorted(marks):
        if i >= pos and (m := _SENTENCE_END.match(text, i, end)) is not None:
            yield m
            pos = m.end()


def _split_block(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans within one block: list items and lines are sentences of their own."""
    spans = []
    for line in _LINE.finditer(text, start, end):
        ls, le = line.span()
        item = _LIST_ITEM.match(text, ls)
        if item:
            ls = item.end()
        cursor = ls
        for m in _sentence_ends(text, ls, le):
            stop = m.start()
            if text[stop] == ".":  # "!" and "?" end sentences whatever comes before them
                if _ends_abbreviation(text, cursor, stop):
                    continue
                if _initial_at(text, cursor, stop):
                    continue  # an initial: "George W. Bush"
            spans.append((cursor, m.end()))
            cursor = m.end()
        spans.append((cursor, le))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def split_sentences(text: str) -> list[Sentence]:
    """Every sentence of ``text`` with its offsets; ``text[s.start:s.end] == s.text``."""
    sentences = []
    for index, (start, end) in enumerate(_blocks(text)):
        for s, e in _split_block(text, start, end):
            sentences.append(Sentence(s, e, text[s:e], index))
    return sentences
