import datetime as dt

import pytest

from geomap.documents import iter_paths, read_document, read_documents
from geomap.errors import InputError


def test_txt(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("Fighting in Goma.\n", encoding="utf-8")
    doc = read_document(path)
    assert doc.source == "report.txt" and doc.text == "Fighting in Goma.\n"
    assert doc.id.startswith("report-") and doc.id == read_document(path).id
    assert doc.published is None and doc.url is None


def test_markdown_front_matter(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: Talks in Nairobi\npublished: 2024-03-12\nsource: https://example.org/a\n---\n"
                    "Leaders met in Nairobi.\n", encoding="utf-8")
    doc = read_document(path)
    assert doc.title == "Talks in Nairobi"
    assert doc.published == dt.date(2024, 3, 12)
    assert doc.url == "https://example.org/a"
    assert doc.text == "Leaders met in Nairobi.\n"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>x</script>", "ftp://x.org/a",
                                 "https://ok.org/\" onmouseover=\"x"])
def test_only_http_urls_survive(tmp_path, url):
    path = tmp_path / "a.md"
    path.write_text(f"---\nsource: '{url}'\n---\nText.\n", encoding="utf-8")
    assert read_document(path).url is None


def test_html_visible_text_only(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>T</title><style>p{}</style></head><body><script>var x=1</script>"
                    "<p>Shelling hit <b>Kharkiv</b>.</p><p>Second.</p></body></html>", encoding="utf-8")
    doc = read_document(path)
    assert doc.title == "T"
    assert "var x" not in doc.text and "p{}" not in doc.text
    assert "Shelling hit" in doc.text and "Kharkiv" in doc.text and "Second." in doc.text


@pytest.mark.parametrize("name, content, problem", [
    ("empty.txt", b"", "file is empty"),
    ("blank.txt", b"  \n\n", "file is empty"),
    ("bin.txt", b"\x00\x01\x02abc", "binary file"),
    ("fm.md", b"---\ntitle: [unclosed\n---\nbody\n", "malformed YAML front matter"),
    ("date.md", b"---\npublished: last tuesday\n---\nbody\n", "'published' should be a date"),
    ("only.md", b"---\ntitle: x\n---\n", "no text after the front matter"),
    ("x.pdf", b"%PDF", "unsupported file type"),
])
def test_bad_inputs_raise_one_line_errors(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_document(path)
    assert str(info.value) == f"{path}: {info.value.problem}"
    assert problem in info.value.problem
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("written", ["March 12, 2024", "12 March 2024", "2024-03-12T08:30:00Z", "Tuesday, March 12, 2024"])
def test_published_dates_as_people_write_them(tmp_path, written):
    path = tmp_path / "a.md"
    path.write_text(f"---\npublished: {written}\n---\nText.\n", encoding="utf-8")
    assert read_document(path).published == dt.date(2024, 3, 12)


def test_non_utf8_falls_back_with_a_warning(tmp_path, caplog):
    path = tmp_path / "latin.txt"
    path.write_bytes("Troops entered Bangui, caf\u00e9 closed.".encode("cp1252"))
    doc = read_document(path)
    assert "caf\u00e9" in doc.text
    assert "not valid UTF-8" in caplog.text


def test_folders_are_walked_in_sorted_order(tmp_path):
    (tmp_path / "b.txt").write_text("B", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("A", encoding="utf-8")
    (tmp_path / "notes.csv").write_text("x", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.txt").write_text("C", encoding="utf-8")
    names = [p.name for p in iter_paths([tmp_path, tmp_path / "b.txt"])]
    assert names == ["b.txt", "a.md"]
    assert [d.text for d in read_documents([tmp_path])] == ["B", "A"]
    with pytest.raises(InputError, match="no such file"):
        list(iter_paths([tmp_path / "missing"]))


def test_html_article_without_site_chrome_and_with_its_metadata(tmp_path):
    path = tmp_path / "story.html"
    path.write_text(
        "<html><head><title>Clashes in Macomia</title>"
        "<meta property='article:published_time' content='2024-05-12T08:00:00Z'>"
        "<link rel='canonical' href='https://news.example/macomia'></head>"
        "<body><nav>Home | World | Africa</nav><header>Daily News</header>"
        "<article><h1>Insurgents attack Macomia</h1><p>Insurgents attacked Macomia on Friday.</p>"
        "<aside>Read more: Paris fashion week</aside></article><footer>Copyright</footer></body></html>",
        encoding="utf-8")
    doc = read_document(path)
    assert doc.text == "Insurgents attack Macomia\n\nInsurgents attacked Macomia on Friday."
    assert doc.title == "Clashes in Macomia" and doc.published == dt.date(2024, 5, 12)
    assert doc.url == "https://news.example/macomia"


def test_html_with_unreadable_published_metadata_is_still_read(tmp_path, caplog):
    path = tmp_path / "story.html"
    path.write_text("<html><head><meta name='date' content='yesterday'></head><body><p>Text.</p></body></html>",
                    encoding="utf-8")
    assert read_document(path).published is None
    assert "unreadable published date" in caplog.text


@pytest.mark.parametrize("text, date_words", [
    ("KHARTOUM, June 3 (Reuters) - Fighting raged.", "June 3"),
    ("GOMA, Democratic Republic of Congo, Jan. 27 (AP) \u2014 Rebels entered.", "Jan. 27"),
    ("KYIV, Ukraine, March 3, 2024 -- Shelling.", "March 3, 2024"),
    ("Fighting raged in Goma, Congo, on June 3 (officials) - a report.", None),
    ("The UN, June 3 (Reuters) - ", None),
    # abbreviated months, with or without a full stop
    ("BAMAKO, Nov 14 (AFP) - Troops entered Kidal.", "Nov 14"),
    ("BAMAKO, Sept. 2 - Troops entered Kidal.", "Sept. 2"),
    ("BAMAKO, Mali, Nov 14, 2023 (AFP) - Troops entered Kidal.", "Nov 14, 2023"),
    # the day first, and months in capitals (the date words come back as the date reader reads them)
    ("BISHKEK, 17 SEPTEMBER 2022 - A ceasefire held.", "17 September 2022"),
    ("NAIROBI, 25 June 2024 - Protesters marched.", "25 June 2024"),
    ("KYIV, SEPT. 2 (Reuters) - Shelling.", "Sept. 2"),
    ("GOMA, 5 DEAD - rebels shelled the town.", None),
    # after a headline and a date line; an agency without a date; accented capitals
    ("Published 14 November 2023\n\nArmy enters Kidal\n\nBAMAKO, Nov 14 (AFP) - Troops entered.", "Nov 14"),
    ("Exodus from the border\n\nC\u00daCUTA, Colombia (AP) \u2014 Thousands fled.", ""),
    ("OPINION\n\nLIVE: rebels enter the city - and more.", None),
])
def test_datelines(text, date_words):
    from geomap.documents import dateline

    found = dateline(text)
    assert (found[2] if found else None) == date_words
    if found:  # the span starts at the place, in capitals, and ends after the dash
        assert text[found[0]].isupper() and text[found[0]:found[1]].rstrip()[-1] in "-\u2014"
