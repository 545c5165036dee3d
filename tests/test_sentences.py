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
