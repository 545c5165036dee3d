import pytest

from geomap.sentences import split_sentences


def test_offsets_slice_the_text():
    text = "Gen. Smith met Mr. Jones in St. Louis. Then U.S. troops left!\n\nA new paragraph? Yes."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Gen. Smith met Mr. Jones in St. Louis.", "Then U.S. troops left!", "A new paragraph?", "Yes."]
    assert all(text[s.start:s.end] == s.text for s in sentences)
    assert [s.block for s in sentences] == [0, 0, 1, 1]


def test_list_items_join_the_paragraph_before_them():
    text = "Leaders met on May 3.\nThey agreed to:\n- reopen the road\n- release prisoners\nAnother line."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Leaders met on May 3.", "They agreed to:", "reopen the road", "release prisoners", "Another line."]
    assert [s.block for s in sentences] == [0, 1, 1, 1, 2]  # no blank lines: each line is a paragraph


def test_wrapped_markdown_paragraphs_stay_one_block():
    text = "First line of a paragraph\nwrapped here.\n\nSecond paragraph."
    sentences = split_sentences(text)
    assert [s.block for s in sentences] == [0, 0, 1]


@pytest.mark.parametrize("text", ["", "   \n\n  ", "no punctuation at all"])
def test_degenerate_text(text):
    sentences = split_sentences(text)
    assert all(text[s.start:s.end] == s.text and s.text.strip() for s in sentences)


@pytest.mark.parametrize("line", [
    "Talks with Gen. Smith. Then more.",
    "A " + "x" * 100 + ". Next one.",
    "See " + "e.g." * 30 + ". Next one.",
    "The " + "." * 80 + " Next one.",
    "Mr" + "." * 80 + " Jones left. Next one.",
])
def test_abbreviations_read_from_the_end_of_long_words(line):
    import re

    from geomap.sentences import _ABBREVIATIONS, _ends_abbreviation

    for stop in [i for i, c in enumerate(line) if c == "."]:
        for start in (0, 3, max(0, stop - 5)):
            m = re.search(r"([\w.]+)[.]+$", line[start:stop + 1]) if start <= stop else None
            expected = bool(m and m.group(1).lower().rstrip(".") in _ABBREVIATIONS)
            assert _ends_abbreviation(line, start, stop) == expected


def test_a_long_line_of_abbreviations_is_one_sentence():
    # 300 kB with an abbreviation every few words: quadratic before; speed is for the benchmarks
    text = "Gen. Smith met Mr. Jones and Dr. Lee in St. Louis on Jan. 5 " * 5000 + "."
    sentences = split_sentences(text)
    assert len(sentences) == 1 and sentences[0].text.startswith("Gen. Smith") and sentences[0].text.endswith("5 .")


def test_ends_abbreviation_reads_what_the_search_would():
    import random
    import re

    from geomap.sentences import _ABBREVIATIONS, _ends_abbreviation

    rnd = random.Random(7)
    words = ["gen", "Gen", "U.S", "e.g", "approx", "approxx", "x", "mr", ".", "..", " ", "\n", "_", "\u00e9", "\u0663"]
    for _ in range(5000):
        text = "".join(rnd.choice(words) for _ in range(rnd.randint(0, 6))) + "." * rnd.randint(1, 3)
        stop = rnd.choice([i for i, c in enumerate(text) if c == "."])
        start = rnd.randint(0, stop)
        m = re.search(r"([\w.]+)[.]+$", text[start:stop + 1])
        expected = bool(m and m.group(1).lower().rstrip(".") in _ABBREVIATIONS)
        assert _ends_abbreviation(text, start, stop) == expected, (text, start, stop)


def test_initial_at_reads_what_the_search_would():
    import itertools

    from geomap.sentences import _INITIAL_AT_STOP, _initial_at

    for chars in itertools.product("aW._ \u00c9!", repeat=4):
        text = "".join(chars)
        for start in range(4):
            for stop in range(start, 4):
                expected = _INITIAL_AT_STOP.search(text[max(start, stop - 2):stop + 1]) is not None
                assert _initial_at(text, start, stop) == expected, (text, start, stop)


@pytest.mark.parametrize("text", [
    "One. Two! Three? \"Four.\" Five... (Six.) 7. Eight?! nine. Ten", "", "...", "A.B. C", "x.\u201d Y", "End.",
])
def test_sentence_ends_are_the_searchs_own(text):
    from geomap.sentences import _SENTENCE_END, _sentence_ends

    for start in range(len(text) + 1):
        for end in (start, len(text) - 1, len(text)):
            if end >= start:
                assert [m.span() for m in _sentence_ends(text, start, end)] == \
                    [m.span() for m in _SENTENCE_END.finditer(text, start, end)]
