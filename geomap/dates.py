"""Find the dates an article mentions, and fix their years.

News writes dates loosely: "Friday, February 21", "on February 6", "in early December",
"since 2014", "on Sunday", "the day before".  :func:`find_dates` turns each into a
:class:`DateMention` with offsets into the text, a :class:`datetime.date`, a precision
("day", "month", "year") and whether the year is *anchored* (written, or fixed by a
written weekday) rather than inferred.

Rules, in the order they matter:

* A month name is a date only with a day or a year next to it ("March 2", "2 March",
  "May 2023"), or after "in/since/until/by/from/during/early/mid/late ..." ("in early
  December").  So "The M23", "March forward", "May I" and "the March on Rome" are not
  dates.  Only ISO numeric dates (``2024-03-12``) are read; "21/02/2025" is ambiguous
  and skipped.  A bare year needs a preposition ("in 2014", "since 2014").
* **Year with a written weekday** ("Friday, February 21"): the year in which that day
  falls on that weekday, nearest to the reference date (or to ``today`` without one),
  preferring years that do not put the date more than :data:`FUTURE_WINDOW` after the
  reference.  The mention is anchored.  A written year always wins over a weekday that
  contradicts it.
* **Year without a weekday** ("February 6", "in early December"): news reports the
  past, so the date (for a month, its first day) is put in the latest year that leaves
  it no more than :data:`FUTURE_WINDOW` (60 days) after the reference.  With a reference
  of 2022-11-02, "November 7" is 2022-11-07 and "December 18" is 2021-12-18; with
  2023-12-20, "January 3" is 2024-01-03.  Without a reference, ``today`` stands in.
* **Deictic dates** ("on Sunday", "last Sunday", "yesterday", "today", "last year")
  are counted from the reference and dropped when there is none: counting them from
  the day the program runs would date an archived article wrongly.  The reference day
  itself is "today", "tonight", "this morning/afternoon/evening", "earlier/later today"
  and "overnight" (the night that ends on the day of writing, as a reader of the
  morning's news takes it; "overnight on/into Tuesday" is left to the weekday);
  "last night", like "yesterday", is the day before (the evening before writing).  A bare weekday is
  the most recent such day on or before the reference ("on Tuesday" in an article of
  a Tuesday is that day); "last <weekday>" is strictly before it, "next" strictly after.
* **Chained dates** ("the day before", "the next day", "three days earlier") count
  from the previous day-precision mention in the same text, and inherit its anchoring;
  without one they are dropped.
* **Live blogs**: an entry that opens with a time stamp at the start of a line ("08:05",
  "09:15 -", "14:30 GMT:", "10.45am -") was written on the reference day.  When the
  entry (up to the next time stamp) writes no day-precision date of its own, its time
  stamp is a mention of the reference day, so the entry's undated events take the
  document's date; an entry that gives a date ("on Friday") keeps to it.  Undated
  sentences outside time-stamped entries stay undated, and without a reference the
  time stamp means nothing.
* **A wire dateline without a year** ("KASESE, Uganda, June 18 (Reuters) -") takes its
  year from a full date elsewhere in the text ("Published 3 June 2023"); without one,
  the first weekday of the lead sentence ("... began burying on Sunday the students")
  is read as the day of filing, as wire style has it, and fixes the year like a written
  weekday (:func:`filed_weekday`; the latest such year not after ``today``).  A lead
  with no plain weekday leaves the year to ``today``.
* Overlapping readings keep the longest span ("Friday, February 21" over "Friday").
"""
from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, insort
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

__all__ = ["DateMention", "FUTURE_WINDOW", "filed_weekday", "find_dates", "reference_date"]

#: How far after the reference date an inferred date may fall and stay in that year.
FUTURE_WINDOW = dt.timedelta(days=60)

PRECISIONS = ("day", "month", "year")


@dataclass(frozen=True)
class DateMention:
    """A date written in a text; ``text == source[start:end]``.

    ``date`` is the first day of the span for month and year precision.
    """

    start: int
    end: int
    text: str
    date: dt.date
    precision: str  # one of PRECISIONS
    anchored: bool  # the year was written, or fixed by a written weekday


# --------------------------------------------------------------------------- words

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
_MONTH_ABBR = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}
_WEEKDAY_ABBR = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
}
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "a": 1,
}

# Month and weekday names must be capitalised ("May" the month, not "may" the verb).
_MONTH_FULL = "(?:" + "|".join(m.capitalize() for m in _MONTHS) + ")"
_MONTH = (
    "(?:" + "|".join(m.capitalize() for m in _MONTHS)
    + "|(?:" + "|".join(a.capitalize() for a in sorted(_MONTH_ABBR, key=len, reverse=True))
    + r")\.?)(?![a-z])"
)
_WEEKDAY_FULL = "(?:" + "|".join(w.capitalize() for w in _WEEKDAYS) + ")"
_WEEKDAY = (
    "(?:" + "|".join(w.capitalize() for w in _WEEKDAYS)
    + "|(?:" + "|".join(a.capitalize() for a in sorted(_WEEKDAY_ABBR, key=len, reverse=True))
    + r")\.)"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?(?![\d\w])"
_YEAR = r"(?:19|20)\d\d(?![\d\w%])"
_DASH = r"\s*[-\u2013\u2014]\s*"

_RE_MONTH_DAY = re.compile(
    rf"(?:(?P<wd>{_WEEKDAY}),?\s+)?(?P<mon>{_MONTH})\s+(?P<day>{_DAY})"
    rf"(?:{_DASH}(?:{_MONTH}\s+)?{_DAY})?"
    rf"(?:,?\s+(?P<year>{_YEAR}))?"
)
_RE_DAY_MONTH = re.compile(
    rf"(?:(?P<wd>{_WEEKDAY}),?\s+)?(?<![\d.,/-])(?P<day>{_DAY})"
    rf"(?:{_DASH}{_DAY})?\s+(?:of\s+)?(?P<mon>{_MONTH})"
    rf"(?:,?\s+(?P<year>{_YEAR}))?"
)
_RE_ISO = re.compile(r"(?<![\d-])(?P<year>(?:19|20)\d\d)-(?P<mon>[01]\d)-(?P<day>[0-3]\d)(?!\d)")
_RE_ANY_ISO = re.compile(r"(?:19|20)\d\d-[01]\d-[0-3]\d")  # what every _RE_ISO match holds
_PARTS = ("early", "mid", "late")  # of a month
_RE_MONTH_YEAR = re.compile(
    rf"(?:(?i:{'|'.join(_PARTS)})[\s-]+)?(?P<mon>{_MONTH}),?\s+(?:of\s+)?(?P<year>{_YEAR})"
)
_MONTH_WORDS = ("in", "since", "until", "till", "by", "from", "during", "throughout", "before", "after",
                "last", "this", "next")  # that make a month name alone a date
_MONTH_EDGES = ("end", "beginning", "start")  # "the end of" ...
_RE_MONTH_ALONE = re.compile(
    rf"(?<![\w-])(?:(?i:{'|'.join(_MONTH_WORDS)}|"
    + "|".join(rf"the\s+{edge}\s+of" for edge in _MONTH_EDGES) + r")\s+)"
    rf"(?P<span>(?:(?i:{'|'.join(_PARTS)})[\s-]+)?(?P<mon>{_MONTH_FULL}))(?![\w-])"
    rf"|(?<![\w-])(?P<span2>(?i:{'|'.join(_PARTS)})[\s-]+(?P<mon2>{_MONTH_FULL}))(?![\w-])"
)
_YEAR_WORDS = ("in", "since", "until", "till", "by", "from", "during", "throughout", "before", "after",
               "early", "late", "mid")  # that make a bare year a date
_RE_YEAR_ALONE = re.compile(
    rf"(?<![\w-])(?i:{'|'.join(_YEAR_WORDS)})[\s-]+(?P<year>{_YEAR})(?:{_DASH}(?:\d\d){{1,2}}(?!\d))?"
)
_WEEKDAY_MODS = ("last", "this", "next", "past")
_RE_WEEKDAY = re.compile(
    rf"(?<![\w-])(?:(?P<mod>(?i:{'|'.join(_WEEKDAY_MODS)}))\s+)?(?P<wd>{_WEEKDAY_FULL})(?![\w-])"
)
_DEICTIC_WORDS = ("yesterday", "today", "tonight", "tomorrow")  # a date alone
_DEICTIC_MODS = ("last", "this", "next")  # before "night", "year", "month"
_RE_DEICTIC = re.compile(
    rf"(?<![\w-])(?P<word>(?i:{'|'.join(_DEICTIC_WORDS)}|last\s+night|"
    r"this\s+(?:morning|afternoon|evening)|(?:earlier|later)\s+today|"
    r"overnight(?!\s+(?:on|into|to|from|between|of)\b)|"
    rf"(?:{'|'.join(_DEICTIC_MODS)})\s+(?:year|month)))(?![\w-])"
)
#: Deictic words for the reference day itself (see the module's rules).
_SAME_DAY = frozenset({"today", "tonight", "this morning", "this afternoon", "this evening",
                       "earlier today", "later today", "overnight"})
# A live blog entry's time stamp: a time at the start of a line, alone on it or followed by
# a dash, a colon or a bar ("08:05", "09:15 -", "14:30 GMT:", "10.45am -", "7:02 p.m. |").
_RE_TIME_STAMP = re.compile(
    r"^[ \t]*(?:[01]?\d|2[0-3])[:.][0-5]\d(?:[ \t]*(?i:am|pm|a\.m\.|p\.m\.))?"
    r"(?:[ \t]+(?:GMT|UTC|BST|CET|CEST|EST|EDT|PST|PDT|(?i:local(?:[ \t]+time)?))(?:[+-]\d{1,2})?)?"
    r"(?=[ \t]*(?:[-\u2013\u2014:|]|$))", re.MULTILINE)
_RE_CHAINED = re.compile(
    r"(?<![\w-])(?:(?i:the\s+(?P<dir1>day\s+before|day\s+after|previous\s+day|next\s+day|"
    r"following\s+day))(?=\s*[,.;:)\u2014]|\s*$)"
    r"|(?P<n>\d{1,2}|(?i:one|two|three|four|five|six|seven|eight|nine|ten|a))\s+"
    r"(?i:days?)\s+(?P<dir2>(?i:earlier|later)))(?![\w-])"
)

#: The first three letters of every weekday name, written out or abbreviated.
_RE_WEEKDAY_START = re.compile("|".join(sorted({w[:3].capitalize() for w in _WEEKDAYS})))
#: Runs of digits: a day number starts one (_RE_DAY_MONTH reads none after a digit).
_RE_DIGITS = re.compile(r"\d+")

# What each group of patterns needs somewhere in the text (see _candidates).
_RE_MONTH_AT = re.compile(_MONTH)
#: The first three letters of every month name: a text that has none names no month.
_RE_MONTH_START = re.compile("|".join(sorted({m[:3].capitalize() for m in _MONTHS})))
_RE_ANY_YEAR = re.compile(r"(?:19|20)\d\d")
_RE_ANY_WEEKDAY = re.compile(_WEEKDAY_FULL)
# What every _RE_CHAINED match holds: "day" in some case (_RE_DAY, plain letters, which a
# search skips to fast), then "(s) earlier/later/before/after", or after "previous/next/
# following" and blanks (see _may_chain).
_RE_DAY = re.compile("[Dd][Aa][Yy]")
_RE_DAY_THEN_DIRECTION = re.compile(r"(?i:days?\s+(?:earlier|later|before|after))")
_RE_DIRECTION_AT_END = re.compile(r"(?i:previous|next|following)\Z")
_RE_BLANKS_AT_END = re.compile(r"\s+\Z")

# Words that make a following capitalised weekday something else ("Bloody Sunday").
_WEEKDAY_NAME_PREFIXES = {"bloody", "good", "black", "holy", "easter", "palm", "ash", "super", "cyber"}
# Count words that show a four-digit number is a quantity, not a year ("in 2000 homes").
_COUNT_NOUNS = {
    "people", "persons", "civilians", "troops", "soldiers", "refugees", "residents",
    "homes", "houses", "families", "children", "men", "women", "fighters", "cases",
    "deaths", "tons", "tonnes", "km", "kilometres", "kilometers", "miles", "metres",
    "meters", "dollars", "euros", "votes", "households", "rounds", "trucks", "km2",
    "hectares", "inmates", "prisoners", "migrants", "students", "workers", "units",
}


# --------------------------------------------------------------------------- candidates

@dataclass(frozen=True)
class _Raw:
    start: int
    end: int
    resolve: Callable[[dt.date | None, dt.date, "DateMention | None"], tuple[dt.date, str, bool] | None]
    stamp: bool = False  # a live blog's time stamp (see _RE_TIME_STAMP)


#: Letters a case-insensitive pattern matches as ASCII ones ("laſt", "thıs"), which
#: ``str.lower`` does not turn into those letters, and the ASCII letter each stands for.
ODD_LETTERS = {"\u0130": "I", "\u0131": "i", "\u017f": "s", "\u212a": "K"}
#: Any of :data:`ODD_LETTERS`: a text with one cannot be screened in lower case.
CASE_ODD = re.compile("[" + "".join(ODD_LETTERS) + "]")
_FOLD_ODD = str.maketrans(ODD_LETTERS)  # so that tables keyed by plain words find them


def _fold(word: str) -> str:
    """``word`` in lower case, with the odd letters above made plain."""
    return word.translate(_FOLD_ODD).lower()


def _month_number(word: str) -> int:
    key = _fold(word.rstrip("."))
    return _MONTHS.get(key) or _MONTH_ABBR[key]


def _weekday_number(word: str) -> int:
    key = _fold(word.rstrip("."))
    return _WEEKDAYS[key] if key in _WEEKDAYS else _WEEKDAY_ABBR[key]


def _day_number(text: str) -> int:
    return int(re.match(r"\d+", text).group())


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _window(ref: dt.date | None) -> dt.timedelta:
    """How far after its reference a yearless date may fall: FUTURE_WINDOW after a
    document's own date, nothing after today (news reports the past)."""
    return FUTURE_WINDOW if ref is not None else dt.timedelta(0)


def _latest_not_after(month: int, day: int, ref: dt.date, window: dt.timedelta = FUTURE_WINDOW) -> dt.date | None:
    """The latest date (month, day) no more than ``window`` after ``ref``."""
    limit = ref + window
    for year in range(ref.year + 1, ref.year - 8, -1):
        d = _safe_date(year, month, day)
        if d is not None and d <= limit:
            return d
    return None


def _nearest_with_weekday(month: int, day: int, weekday: int, ref: dt.date,
                          window: dt.timedelta = FUTURE_WINDOW) -> dt.date | None:
    """The date (month, day) falling on ``weekday`` nearest to ``ref``, preferring those
    no more than ``window`` after it."""
    found = [
        d for y in range(ref.year - 30, ref.year + 31)
        if (d := _safe_date(y, month, day)) is not None and d.weekday() == weekday
    ]
    if not found:
        return None
    past = [d for d in found if d <= ref + window]
    pool = past or found
    return min(pool, key=lambda d: (abs((d - ref).days), d))


def _calendar_date(wd: str | None, mon: str, day: str, year: str | None):
    month, daynum = _month_number(mon), _day_number(day)
    weekday = _weekday_number(wd) if wd else None

    def resolve(ref, today, _prev):
        if year:
            d = _safe_date(int(year), month, daynum)
            return (d, "day", True) if d else None
        if weekday is not None:
            d = _nearest_with_weekday(month, daynum, weekday, ref or today, _window(ref))
            if d is not None:
                return d, "day", True
        d = _latest_not_after(month, daynum, ref or today, _window(ref))
        return (d, "day", False) if d else None

    return resolve


def _month_date(mon: str, year: str | None):
    month = _month_number(mon)

    def resolve(ref, today, _prev):
        if year:
            return dt.date(int(year), month, 1), "month", True
        d = _latest_not_after(month, 1, ref or today, _window(ref))
        return (d, "month", False) if d else None

    return resolve


def _year_date(year: str):
    def resolve(_ref, _today, _prev):
        return dt.date(int(year), 1, 1), "year", True

    return resolve


def _weekday_date(mod: str | None, wd: str):
    weekday = _weekday_number(wd)
    mod = _fold(mod or "")

    def resolve(ref, _today, _prev):
        if ref is None:
            return None
        back = (ref.weekday() - weekday) % 7
        if mod == "next":
            return ref + dt.timedelta(days=(weekday - ref.weekday()) % 7 or 7), "day", False
        if mod == "coming":  # a plan: "will meet on Thursday" is this Thursday or the next
            return ref + dt.timedelta(days=(weekday - ref.weekday()) % 7), "day", False
        if mod in ("last", "past") and back == 0:
            back = 7
        return ref - dt.timedelta(days=back), "day", False

    return resolve


def _deictic_date(word: str):
    word = " ".join(_fold(word).split())

    def resolve(ref, _today, _prev):
        if ref is None:
            return None
        if word in _SAME_DAY:
            return ref, "day", False
        if word in ("yesterday", "last night"):
            return ref - dt.timedelta(days=1), "day", False
        if word == "tomorrow":
            return ref + dt.timedelta(days=1), "day", False
        which, unit = word.split()
        if unit == "year":
            shift = {"last": -1, "this": 0, "next": 1}[which]
            return dt.date(ref.year + shift, 1, 1), "year", False
        index = ref.year * 12 + ref.month - 1 + {"last": -1, "this": 0, "next": 1}[which]
        return dt.date(index // 12, index % 12 + 1, 1), "month", False

    return resolve


def _chained_date(days: int):
    def resolve(_ref, _today, prev):
        if prev is None:
            return None
        return prev.date + dt.timedelta(days=days), "day", prev.anchored

    return resolve


_RE_FOLLOWING_WORD = re.compile(r"\s+([a-z][a-z0-9]*)")
_RE_WORD_BEFORE = re.compile(r"(\w+)\s+$")  # the word before a weekday ("Bloody Sunday")
_RE_CAPITAL_AFTER = re.compile(r"\s+[A-Z]")
_RE_BLANK = re.compile(r"\s*")


def _year_is_quantity(text: str, end: int) -> bool:
    following = _RE_FOLLOWING_WORD.match(text, end)  # matched in place: no copy of the rest of the text
    return bool(following) and following.group(1) in _COUNT_NOUNS


def _word_before(text: str, end: int, window: int = 100) -> str | None:
    """The word that a run of whitespace separates from ``end`` (``re.search(r"(\\w+)\\s+$",
    text[:end])``), read from the last ``window`` characters unless the word or the
    whitespace runs on beyond them."""
    lo = max(0, end - window)
    m = _RE_WORD_BEFORE.search(text, lo, end)
    if lo > 0 and ((m is not None and m.start() == lo) or (m is None and _RE_BLANK.fullmatch(text, lo, end))):
        m = _RE_WORD_BEFORE.search(text, 0, end)
    return m.group(1) if m else None


def _has_month(text: str) -> bool:
    """Whether ``text`` names a month (``_MONTH`` matches somewhere), trying ``_MONTH`` only
    where a month's first three letters are: a search for those, plain letters, skips the
    rest of the text far faster than ``_MONTH``, an alternation of groups, can."""
    pos = 0
    while (start := _RE_MONTH_START.search(text, pos)) is not None:
        if _RE_MONTH_AT.match(text, start.start()):
            return True
        pos = start.start() + 1
    return False


def _may_chain(text: str) -> bool:
    """Whether ``text`` has "day(s)" next to a direction ("the day before", "three days
    later", "the next day"), as every _RE_CHAINED match does; most articles have "day" only
    in weekdays and "today", and this reads the text around each "day" instead of all of it."""
    for m in _RE_DAY.finditer(text):
        if _RE_DAY_THEN_DIRECTION.match(text, m.start()):
            return True
        blanks = _RE_BLANKS_AT_END.search(text, max(0, m.start() - 40), m.start())
        if blanks is None:
            continue
        if blanks.start() == max(0, m.start() - 40):  # a longer run of blanks: read all of it
            blanks = _RE_BLANKS_AT_END.search(text, 0, m.start())
        if _RE_DIRECTION_AT_END.search(text, max(0, blanks.start() - len("following")), blanks.start()):
            return True
    return False


#: Deictic phrases that start with their own word ("overnight", "earlier today").
_DEICTIC_STARTS = _DEICTIC_WORDS + ("overnight", "earlier", "later")
_RE_DEICTIC_ANCHOR = re.compile("|".join(_DEICTIC_STARTS + ("night", "year", "month", "morning", "afternoon",
                                                            "evening")))  # lower case


def _matches_at(rx: re.Pattern, text: str, starts):
    """The matches of ``rx.finditer(text)`` (none of them empty), trying ``rx`` only at
    ``starts``: every position where it can match, and maybe others."""
    pos = 0
    for start in sorted(set(starts)):
        if start >= pos and (m := rx.match(text, start)) is not None:
            yield m
            pos = m.end()


def _words_before(text: str, anchors, words, dash: bool = False) -> list[int]:
    """Where one of ``words`` (none ending in a blank) would start to end right before the
    run of blanks (``\\s``, and "-" with ``dash``) that ends at each of ``anchors``."""
    out = []
    for anchor in anchors:
        i = anchor
        while i > 0 and (text[i - 1].isspace() or (dash and text[i - 1] == "-")):  # \s, as re reads it
            i -= 1
        if i < anchor:
            out += [i - n for n in {len(w) for w in words} if i >= n]
    return out


def _month_alone_starts(text: str, months: list[int]) -> list[int]:
    """Where a _RE_MONTH_ALONE match can start, given where months can: at "early/mid/late"
    before one, or at a word (or "the end of" ...) before either."""
    parts = _words_before(text, months, _PARTS, dash=True)
    heads = months + parts  # what a word that makes a month a date comes right before
    edges = _words_before(text, _words_before(text, heads, ("of",)), _MONTH_EDGES)
    return parts + _words_before(text, heads, _MONTH_WORDS) + _words_before(text, edges, ("the",))


def _deictic_starts(text: str) -> list[int] | None:
    """Where a _RE_DEICTIC match can start: at "yesterday"/"today"/"overnight"/"earlier"/...
    or before the blanks before "night"/"year"/"month"/"morning"/..., found in the
    lower-cased text; None when lower-casing cannot show them all (see CASE_ODD)."""
    lower = text.lower()
    if len(lower) != len(text) or CASE_ODD.search(text):
        return None
    words, after_mod = [], []
    pos = 0
    while (m := _RE_DEICTIC_ANCHOR.search(lower, pos)) is not None:
        (words if m.group() in _DEICTIC_STARTS else after_mod).append(m.start())
        pos = m.start() + 1
    return words + _words_before(text, after_mod, _DEICTIC_MODS)


#: A plan in the words before a weekday ("is due to travel to Bangkok on Thursday", "talks
#: will resume on Monday"): the weekday is to come, not past.
_FUTURE_BEFORE = re.compile(
    r"\b(?:will|is\s+due\s+to|are\s+due\s+to|(?:is|are)\s+(?:expected|scheduled|set)\s+to|"
    r"scheduled\s+for|planned\s+for|plans?\s+to)\b[^.;:!?]*$", re.IGNORECASE)


_SAID_BETWEEN = re.compile(r"\b(?:said|says|told|announced|reported|added|stated)\b", re.IGNORECASE)


@lru_cache(maxsize=8)  # a document's text is read twice: for its reference date, then its dates
def _weekday_reading(text: str, m: re.Match) -> str | None:
    """How a :data:`_RE_WEEKDAY` match counts: ``None`` when it is part of a name ("Bloody
    Sunday", "Monday Night Football"), "coming" for a plan ("will meet on Thursday"), else
    its modifier ("last", "next", ...) or "" for a plain weekday."""
    before = _word_before(text, m.start())
    if (before and before.lower() in _WEEKDAY_NAME_PREFIXES) or _RE_CAPITAL_AFTER.match(text, m.end()):
        return None
    if m["mod"]:
        return m["mod"]
    plan = _FUTURE_BEFORE.search(text, max(0, m.start() - 60), m.start())
    if plan and not _SAID_BETWEEN.search(plan.group()):
        return "coming"
    return ""  # "the army will hold, it said on Monday": when it spoke


def _candidates(text: str) -> list[_Raw]:
    raws: list[_Raw] = []

    def add(start: int, end: int, resolve) -> None:
        raws.append(_Raw(start, end, resolve))

    # cheap first looks: each pattern below needs a month name, a year, a weekday or
    # "day(s)" next to a direction somewhere in the text, and half of all articles lack
    # one or another.  Most are then tried only where a month, a year, a weekday, a day
    # number or a deictic word puts the start of a match (_matches_at).
    month, year_digits = _has_month(text), _RE_ANY_YEAR.search(text)
    months = [m.start() for m in _RE_MONTH_START.finditer(text)] if month else []
    years = [m.start() for m in _RE_ANY_YEAR.finditer(text)] if year_digits else []
    weekdays = [m.start() for m in _RE_ANY_WEEKDAY.finditer(text)]
    weekday_starts = [m.start() for m in _RE_WEEKDAY_START.finditer(text)] if month else []  # also "Tues."
    day_starts = [m.start() for m in _RE_DIGITS.finditer(text)] if month else []
    for rx, starts in ((_RE_MONTH_DAY, weekday_starts + months), (_RE_DAY_MONTH, weekday_starts + day_starts)) \
            if month else ():
        for m in _matches_at(rx, text, starts):
            end = m.end()
            year = m["year"]
            if year and _year_is_quantity(text, end):
                end, year = m.start("year"), None
                end = m.start() + len(text[m.start():end].rstrip().rstrip(","))  # the match's own text: no copy of the rest
            add(m.start(), end, _calendar_date(m["wd"], m["mon"], m["day"], year))
    for m in _RE_ISO.finditer(text) if year_digits and _RE_ANY_ISO.search(text) else ():
        if _safe_date(int(m["year"]), int(m["mon"]), int(m["day"])):
            add(m.start(), m.end(), _calendar_date(None, _MONTH_ABBR_BY_NUM[int(m["mon"])], m["day"], m["year"]))
    for m in _matches_at(_RE_MONTH_YEAR, text, months + _words_before(text, months, _PARTS, dash=True)) \
            if month and year_digits else ():
        if not _year_is_quantity(text, m.end()):
            add(m.start(), m.end(), _month_date(m["mon"], m["year"]))
    for m in _matches_at(_RE_MONTH_ALONE, text, _month_alone_starts(text, months)) if month else ():
        span, mon = ("span", "mon") if m["span"] else ("span2", "mon2")
        add(m.start(span), m.end(span), _month_date(m[mon], None))
    for m in _matches_at(_RE_YEAR_ALONE, text, _words_before(text, years, _YEAR_WORDS, dash=True)):
        if not _year_is_quantity(text, m.end()):
            add(m.start("year"), m.end(), _year_date(m["year"]))
    for m in _matches_at(_RE_WEEKDAY, text, weekdays + _words_before(text, weekdays, _WEEKDAY_MODS)):
        mod = _weekday_reading(text, m)
        if mod is not None:
            add(m.start(), m.end(), _weekday_date(mod, m["wd"]))
    deictic = _deictic_starts(text)
    for m in _RE_DEICTIC.finditer(text) if deictic is None else _matches_at(_RE_DEICTIC, text, deictic):
        add(m.start(), m.end(), _deictic_date(m["word"]))
    for m in _RE_TIME_STAMP.finditer(text) if ":" in text or "." in text else ():
        raws.append(_Raw(m.start() + len(m.group()) - len(m.group().lstrip()), m.end(), _deictic_date("today"), True))
    for m in _RE_CHAINED.finditer(text) if _may_chain(text) else ():
        if m["dir1"]:
            phrase = _fold(m["dir1"])
            days = -1 if ("before" in phrase or "previous" in phrase) else 1
        else:
            n = _fold(m["n"])
            count = int(n) if n.isdigit() else _NUMBER_WORDS[n]
            days = -count if _fold(m["dir2"]) == "earlier" else count
        add(m.start(), m.end(), _chained_date(days))
    return raws


_MONTH_ABBR_BY_NUM = {n: name.capitalize() for name, n in _MONTHS.items()}


def _select(raws: list[_Raw]) -> list[_Raw]:
    """Keep the longest of overlapping candidates (earliest first on ties)."""
    chosen: list[_Raw] = []
    spans: list[tuple[int, int]] = []  # the chosen spans, disjoint, in text order
    for raw in sorted(raws, key=lambda r: (-(r.end - r.start), r.start)):
        # disjoint spans in text order end in order too: only the last one starting
        # before ``raw`` ends can overlap it
        i = bisect_left(spans, (raw.end,))
        if i == 0 or spans[i - 1][1] <= raw.start:
            chosen.append(raw)
            insort(spans, (raw.start, raw.end))
    return sorted(chosen, key=lambda r: r.start)


def _entry_has_a_date(raws: list[_Raw], i: int, stamps: list[int], reference, today) -> bool:
    """Whether the live blog entry that ``raws[i]`` (a time stamp) opens, up to the next
    time stamp, writes a day-precision date of its own."""
    following = [s for s in stamps if s > raws[i].start]
    end = following[0] if following else None
    for raw in raws[i + 1:]:
        if end is not None and raw.start >= end:
            break
        if raw.stamp:
            continue
        resolved = raw.resolve(reference, today, None)
        if resolved is not None and resolved[1] == "day":
            return True
    return False


# --------------------------------------------------------------------------- public

def find_dates(
    text: str, *, reference: dt.date | None = None, today: dt.date | None = None
) -> list[DateMention]:
    """Every date mentioned in ``text``, in text order.

    ``reference`` is the date the text is written from (its publication date, or
    :func:`reference_date`); it fixes years that are not written and resolves "on
    Sunday" or "yesterday".  ``today`` (default: the system date) replaces it for year
    inference when there is no reference; deictic dates need a real reference.

    Example: ``find_dates("talks on Friday, February 21", today=date(2026, 11, 28))``
    gives one day-precision, anchored mention of 2025-02-21.
    """
    today = today or dt.date.today()
    mentions: list[DateMention] = []
    previous_day: DateMention | None = None
    raws = _select(_candidates(text))
    stamps = [raw.start for raw in raws if raw.stamp]
    for i, raw in enumerate(raws):
        if raw.stamp and _entry_has_a_date(raws, i, stamps, reference, today):
            continue
        resolved = raw.resolve(reference, today, previous_day)
        if resolved is None:
            continue
        date, precision, anchored = resolved
        mention = DateMention(raw.start, raw.end, text[raw.start:raw.end], date, precision, anchored)
        mentions.append(mention)
        if precision == "day":
            previous_day = mention
    return mentions


def filed_weekday(lead: str) -> str | None:
    """The weekday a wire story's lead sentence names first ("... battled on Wednesday to
    contain a wildfire"), capitalised: by wire style, the day the story was filed.

    ``None`` when the lead names no weekday, or its first is no plain day: one with a
    modifier ("last Friday"), part of a name ("Bloody Sunday"), or a plan ("will meet on
    Thursday")."""
    m = _RE_WEEKDAY.search(lead)
    return m["wd"].capitalize() if m is not None and _weekday_reading(lead, m) == "" else None


def reference_date(
    text: str, published: dt.date | None = None, *, today: dt.date | None = None
) -> dt.date | None:
    """The date a text is written from: ``published`` if known, else the first
    anchored date in the text (a written year, or a weekday-fixed one counted from
    ``today``), else ``None``."""
    if published is not None:
        return published
    for mention in find_dates(text, today=today):
        if mention.anchored:
            return mention.date
    return None
