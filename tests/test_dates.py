import datetime as dt

import pytest

from geomap.dates import DateMention, filed_weekday, find_dates, reference_date

D = dt.date
TODAY = D(2026, 11, 28)

# (text, reference, expected span text, expected date, precision, anchored)
CASES = [
    # written weekday fixes the year: nearest to the reference, or to today without one
    ("talks held on Friday, February 21, both leaders", None, "Friday, February 21", D(2025, 2, 21), "day", True),
    ("on Friday, February 21", D(2020, 3, 1), "Friday, February 21", D(2020, 2, 21), "day", True),
    ("leaders met on Monday, March 11, in Kingston", D(2024, 3, 12), "Monday, March 11", D(2024, 3, 11), "day", True),
    ("an attack that began on Wednesday, March 24.", D(2021, 4, 9), "Wednesday, March 24", D(2021, 3, 24), "day", True),
    ("crossed on Tuesday, December 19.", D(2023, 12, 20), "Tuesday, December 19", D(2023, 12, 19), "day", True),
    ("on Friday 21 February", None, "Friday 21 February", D(2025, 2, 21), "day", True),
    ("Fri., Feb. 21", None, "Fri., Feb. 21", D(2025, 2, 21), "day", True),
    # a written year beats a contradicting weekday
    ("on Monday, February 21, 2025", None, "Monday, February 21, 2025", D(2025, 2, 21), "day", True),
    # no year, no weekday: latest year leaving the date at most 60 days after the reference
    ("conversation took place on February 6, where", D(2025, 2, 21), "February 6", D(2025, 2, 6), "day", False),
    ("took control on December 18, after", D(2023, 12, 20), "December 18", D(2023, 12, 18), "day", False),
    ("met in Nairobi on November 7 to agree", D(2022, 11, 2), "November 7", D(2022, 11, 7), "day", False),
    ("a vote on January 3", D(2023, 12, 20), "January 3", D(2024, 1, 3), "day", False),
    ("since the offensive of June 12", D(2023, 3, 1), "June 12", D(2022, 6, 12), "day", False),
    ("Feb. 21 protests", D(2025, 3, 1), "Feb. 21", D(2025, 2, 21), "day", False),
    ("on 21st of February", D(2025, 3, 1), "21st of February", D(2025, 2, 21), "day", False),
    ("The March 2 attack killed nine", D(2024, 3, 12), "March 2", D(2024, 3, 2), "day", False),
    ("over the weekend of March 2, freeing", D(2024, 3, 12), "March 2", D(2024, 3, 2), "day", False),
    ("closed since March 4", D(2024, 3, 12), "March 4", D(2024, 3, 4), "day", False),
    ("clashes on March 2-4 left", D(2024, 3, 12), "March 2-4", D(2024, 3, 2), "day", False),
    ("between 2\u20134 March", D(2024, 3, 12), "2\u20134 March", D(2024, 3, 2), "day", False),
    ("from March 30 - April 2", D(2024, 4, 12), "March 30 - April 2", D(2024, 3, 30), "day", False),
    ("no reference: on February 6", None, "February 6", D(2026, 2, 6), "day", False),
    # explicit dates
    ("captured Avdiivka on February 17, 2024, after", None, "February 17, 2024", D(2024, 2, 17), "day", True),
    ("signed on 21 February 2025 in Doha", None, "21 February 2025", D(2025, 2, 21), "day", True),
    ("published 2024-03-12", None, "2024-03-12", D(2024, 3, 12), "day", True),
    ("the ceasefire of Sept. 9, 2023", None, "Sept. 9, 2023", D(2023, 9, 9), "day", True),
    # month precision
    ("adjourned in early December without a deal", D(2023, 12, 20), "early December", D(2023, 12, 1), "month", False),
    ("fighting eased in mid-October", D(2023, 12, 20), "mid-October", D(2023, 10, 1), "month", False),
    ("In January the junta", D(2023, 12, 20), "January", D(2024, 1, 1), "month", False),
    ("the fall of Bakhmut in May 2023.", D(2024, 2, 17), "May 2023", D(2023, 5, 1), "month", True),
    ("in late August 2021", None, "late August 2021", D(2021, 8, 1), "month", True),
    # year precision
    ("who have controlled the capital Sanaa since 2014, are", None, "2014", D(2014, 1, 1), "year", True),
    ("the coup in 2021 ended", None, "2021", D(2021, 1, 1), "year", True),
    # deictic, counted from the reference
    ("a strike on Sunday killed", D(2024, 3, 12), "Sunday", D(2024, 3, 10), "day", False),
    ("talks on Tuesday", D(2024, 3, 12), "Tuesday", D(2024, 3, 12), "day", False),
    ("since last Tuesday", D(2024, 3, 12), "last Tuesday", D(2024, 3, 5), "day", False),
    ("will meet next Monday", D(2024, 3, 12), "next Monday", D(2024, 3, 18), "day", False),
    # a plan: the weekday to come (2024-03-12 is a Tuesday); what was said stays past
    ("the envoy is due to travel to Gao on Thursday", D(2024, 3, 12), "Thursday", D(2024, 3, 14), "day", False),
    ("talks will resume on Monday", D(2024, 3, 12), "Monday", D(2024, 3, 18), "day", False),
    ("the army will hold its lines, it said on Monday", D(2024, 3, 12), "Monday", D(2024, 3, 11), "day", False),
    ("officials said yesterday", D(2024, 3, 12), "yesterday", D(2024, 3, 11), "day", False),
    ("Today, the council voted", D(2024, 3, 12), "Today", D(2024, 3, 12), "day", False),
    ("elections held last year", D(2024, 3, 12), "last year", D(2023, 1, 1), "year", False),
    # parts of the reference day, and the night before it
    ("warplanes struck the city this morning, medics say", D(2024, 3, 12), "this morning", D(2024, 3, 12), "day", False),
    ("This afternoon, the convoy arrived", D(2024, 3, 12), "This afternoon", D(2024, 3, 12), "day", False),
    ("a protest this evening", D(2024, 3, 12), "this evening", D(2024, 3, 12), "day", False),
    ("as reported earlier today", D(2024, 3, 12), "earlier today", D(2024, 3, 12), "day", False),
    ("the fighters withdrew overnight, residents said", D(2024, 3, 12), "overnight", D(2024, 3, 12), "day", False),
    ("gunfire was heard last night", D(2024, 3, 12), "last night", D(2024, 3, 11), "day", False),
]


@pytest.mark.parametrize("text, reference, span, expected, precision, anchored", CASES)
def test_find_dates(text, reference, span, expected, precision, anchored):
    found = find_dates(text, reference=reference, today=TODAY)
    assert [m.text for m in found] == [span]
    (m,) = found
    assert text[m.start:m.end] == m.text
    assert (m.date, m.precision, m.anchored) == (expected, precision, anchored)


@pytest.mark.parametrize("text", [
    "The M23 rebels have taken control of key locations.",
    "March forward, the commander said.",
    "May I ask a question?",
    "a 21-year-old student was shot",
    "5 people were killed",
    "They filed for Chapter 11 protection.",
    "the March on Rome",
    "you may 21 times try",
    "Bloody Sunday was remembered",
    "The Sunday Times reported",
    "dates like 21/02/2025 are ambiguous",
    "aid reached 2000 families in 2000 homes",
    "a convoy of 30 trucks carrying 1,200 tonnes",
])
def test_no_dates(text):
    assert find_dates(text, reference=D(2024, 3, 12), today=TODAY) == []


def test_deictic_dates_need_a_reference():
    assert find_dates("a strike on Sunday, officials said yesterday", today=TODAY) == []


def test_chained_dates_count_from_previous_day_mention():
    text = "Russian forces captured Avdiivka on February 17, 2024. The day before, on February 16, ministers met."
    found = find_dates(text, reference=reference_date(text, today=TODAY), today=TODAY)
    assert [(m.text, m.date, m.anchored) for m in found] == [
        ("February 17, 2024", D(2024, 2, 17), True),
        ("The day before", D(2024, 2, 16), True),
        ("February 16", D(2024, 2, 16), False),
    ]
    text = "The RSF took the city on December 18. Its fighters had crossed the river three days earlier."
    found = find_dates(text, reference=D(2023, 12, 20))
    assert [(m.text, m.date) for m in found][-1] == ("three days earlier", D(2023, 12, 15))
    assert find_dates("The day before, nothing happened.", reference=D(2023, 12, 20)) == []


def test_offsets_slice_text_exactly():
    text = ("In the talks on Friday, February 21, leaders recalled the call of February 6 "
            "and the summit in early December 2024; the group has fought since 2014.")
    found = find_dates(text, today=TODAY)
    assert len(found) == 4
    for m in found:
        assert isinstance(m, DateMention)
        assert text[m.start:m.end] == m.text
    assert [m.start for m in found] == sorted(m.start for m in found)


@pytest.mark.parametrize("text, published, expected", [
    ("Talks were held on Friday, February 21.", None, D(2025, 2, 21)),
    ("Talks were held on Friday, February 21.", D(2020, 2, 25), D(2020, 2, 25)),
    ("On February 6 and again on November 2, 2022, the sides met.", None, D(2022, 11, 2)),
    ("Fighting resumed on Sunday.", None, None),
    ("No date here.", None, None),
])
def test_reference_date(text, published, expected):
    assert reference_date(text, published, today=TODAY) == expected


def test_without_a_reference_a_yearless_date_is_never_after_today():
    today = dt.date(2026, 11, 28)
    (jan,) = find_dates("on January 23", today=today)
    assert jan.date == dt.date(2026, 1, 23)  # not 2027-01-23, two months ahead
    (dec,) = find_dates("on December 5", today=today)
    assert dec.date == dt.date(2025, 12, 5)
    (ref,) = find_dates("on January 23", reference=today, today=today)
    assert ref.date == dt.date(2027, 1, 23)  # an article's own date may be followed by its plans


# ---------------------------------------------------------------- helpers read in place (issue 6)

@pytest.mark.parametrize("before", [
    "in Bloody ", "Bloody\n", "x" * 150 + " ", "a " + "x" * 150 + " ", " " * 150, "b" + " " * 150,
    "on, ", "", "Good  \t ", "(", "y" * 99 + "  ", "y" * 100 + " ",
])
def test_word_before_reads_the_same_word_as_the_whole_prefix(before):
    import re

    from geomap.dates import _word_before

    text = before + "Sunday rally"
    m = re.search(r"(\w+)\s+$", text[:len(before)])
    assert _word_before(text, len(before)) == (m.group(1) if m else None)


def test_day_and_month_patterns_tried_at_their_anchors_give_their_own_matches():
    from geomap import dates as d

    text = ("Friday, February 21, 2025 and 3 March; Tues. 4-5 of May 2024, Mar. 7th.  May I? "
            "On 12 December the 1.5 March 2 2000 people, Sept 31 - Oct 2, Mon. 1 Jan 1999, in early May, "
            "until mid-June, by the end of  July, the start of\nAugust, late\n\nMarch, THE BEGINNING OF april")
    months = [m.start() for m in d._RE_MONTH_START.finditer(text)]
    weekdays = [m.start() for m in d._RE_WEEKDAY_START.finditer(text)]
    days = [m.start() for m in d._RE_DIGITS.finditer(text)]
    for rx, starts in ((d._RE_MONTH_DAY, weekdays + months), (d._RE_DAY_MONTH, weekdays + days),
                       (d._RE_MONTH_ALONE, d._month_alone_starts(text, months))):
        assert [m.span() for m in d._matches_at(rx, text, starts)] == [m.span() for m in rx.finditer(text)]


def test_many_dates_in_one_long_text_are_all_found():
    # 640 kB of dates: quadratic before (minutes); speed is measured by benchmarks/bench_throughput.py
    text = "Talks resumed on Monday, March 3. Bloody Sunday was remembered on 5 May 2024. " * 4000
    found = find_dates(text, reference=D(2025, 3, 5), today=TODAY)
    assert len(found) == 2 * 4000  # "Monday, March 3" and "5 May 2024"; "Bloody Sunday" is no date


def test_a_live_blog_time_stamp_dates_an_entry_without_a_date_of_its_own():
    text = ("Live coverage, Saturday 30 November 2024.\n\n"
            "09:15 - Rebels entered the airport.\n\n"
            "10.45am -\nThe army says troops retook the town on Friday.\n\n"
            "14:30 GMT: Shelling resumed.\n\n"
            "The council will meet at 12:30 - officials said.")
    ref = reference_date(text, today=TODAY)
    found = [(m.text, m.date) for m in find_dates(text, reference=ref, today=TODAY)]
    assert found == [
        ("Saturday 30 November 2024", D(2024, 11, 30)),
        ("09:15", D(2024, 11, 30)),  # no date in the entry: the day of writing
        ("Friday", D(2024, 11, 29)),  # the entry's own date; its time stamp gives none
        ("14:30 GMT", D(2024, 11, 30)),
    ]  # "12:30" inside a line is a time, not a time stamp


@pytest.mark.parametrize("text", [
    "09:15 - Rebels entered the airport.",  # no reference: a time stamp says nothing
    "12.50 per cent of the vote\n3.5 million people fled",
])
def test_time_stamps_need_a_reference_and_a_line_of_their_own(text):
    assert find_dates(text, today=TODAY) == []


@pytest.mark.parametrize("text", [
    "the day before", "The Next  \n Day", "three DAYS later", "nextday", "on Monday and today",
    "x" * 50 + "following" + " " * 60 + "day", "following" + " " * 39 + "day", "day", " day", "",
])
def test_first_looks_agree_with_the_searches_they_stand_for(text):
    import re
    from geomap import dates
    chain = re.compile(r"(?i:days?\s+(?:earlier|later|before|after)|(?:previous|next|following)\s+day)")
    assert dates._may_chain(text) == bool(chain.search(text))
    for month_text in (text, text + " in May", "Mayor Smith", "Sept. 3", "Mar 3", "March"):
        assert dates._has_month(month_text) == bool(dates._RE_MONTH_AT.search(month_text))


def test_patterns_tried_at_their_anchors_find_what_a_full_search_does():
    import random

    from geomap import dates as d

    pieces = ["in", "IN", "since", "\u017fince", "early", "Mid", "late", "2019", "2020-", "May", "March", "Monday",
              "the", "end", "of", "Start", "3", "21st", "Tues.", "4-", "Sept.",
              "Friday,", "last", "this", "Next", "past", "night", "TODAY", "ton\u0131ght", "year", "month", "of", "x"]
    rnd = random.Random(3)
    for _ in range(2000):
        text = "".join(rnd.choice(pieces) + rnd.choice(["", " ", "  ", "-", "\n"]) for _ in range(rnd.randint(1, 12)))
        months = [m.start() for m in d._RE_MONTH_START.finditer(text)]
        years = [m.start() for m in d._RE_ANY_YEAR.finditer(text)]
        weekdays = [m.start() for m in d._RE_ANY_WEEKDAY.finditer(text)]
        deictic = d._deictic_starts(text)
        days = [m.start() for m in d._RE_DIGITS.finditer(text)] + [m.start() for m in d._RE_WEEKDAY_START.finditer(text)]
        for rx, starts in [
            (d._RE_MONTH_ALONE, d._month_alone_starts(text, months)),
            (d._RE_DAY_MONTH, days),
            (d._RE_MONTH_YEAR, months + d._words_before(text, months, d._PARTS, dash=True)),
            (d._RE_YEAR_ALONE, d._words_before(text, years, d._YEAR_WORDS, dash=True)),
            (d._RE_WEEKDAY, weekdays + d._words_before(text, weekdays, d._WEEKDAY_MODS)),
            (d._RE_DEICTIC, deictic if deictic is not None else range(len(text))),
        ]:
            assert [m.span() for m in d._matches_at(rx, text, starts)] == [m.span() for m in rx.finditer(text)], text


@pytest.mark.parametrize("text", [
    "It happened laſt month in Goma.", "thıs year the rains came", "thıs morning",
    "On Monday rebels took Goma. ſix days later they left.", "Laſt Tueſday", "on 3 Auguſt 2024",
    "the day before\u0130", "Next \u212aILLED", "SEVEN DAYS EARLIER", "\u0130n laſt year's floods",
])
def test_letters_a_case_insensitive_pattern_folds_never_crash(text):
    # the long s, the dotless i, the dotted capital I and the Kelvin sign match ASCII
    # letters case-insensitively; the tables the matches are looked up in must know them
    found = find_dates(text, reference=dt.date(2024, 5, 1))
    assert all(text[d.start:d.end] == d.text for d in found)


@pytest.mark.parametrize("lead, expected", [
    ("Firefighters battled on Wednesday to contain a wildfire.", "Wednesday"),
    ("Families began burying on Sunday the students killed on Friday.", "Sunday"),  # the first
    ("Rebels attacked the town, the army said on Monday.", "Monday"),
    ("Rebels attacked the town late last Friday.", None),  # a modifier: not the filing day
    ("Crowds marked Bloody Sunday in the capital.", None),  # a name
    ("Leaders will meet on Thursday in the capital.", None),  # a plan
    ("Leaders will meet in the capital, officials said on Thursday.", "Thursday"),  # when they said it
    ("Rebels attacked the town overnight.", None),
])
def test_filed_weekday(lead, expected):
    assert filed_weekday(lead) == expected
