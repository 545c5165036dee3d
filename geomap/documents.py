"""Reading input articles into :class:`~geomap.models.Document` records.

Formats: ``.txt``; ``.md`` with optional YAML front matter (``title``, ``published``,
``source``); ``.html``/``.htm`` (visible text only).  Inputs may be files or folders
(searched recursively, in sorted order).
"""
from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from .errors import InputError
from .models import Document

log = logging.getLogger("geomap")

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
#: Default size limit of one article file (``GEOMAP_MAX_BYTES`` overrides it): a long news
#: article is 50 kB; a 5 MB file of dense reporting takes minutes to extract.
MAX_BYTES = 2 * 1024 * 1024
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


# "GOMA, Congo, Jan 27 (Reuters) - ", "KYIV, March 3 (AP) -- ", "BAMAKO, Nov 14 (AFP) - ",
# "CÚCUTA, Colombia (AP) — ": where (and when) a wire story was filed.  The place is written
# in capitals; a date, an agency in brackets or both follow it, then a dash or a colon.
_CAPS = "A-Z\u00c0-\u00d6\u00d8-\u00de"  # capitals, with the accented Latin ones
# "November", "Nov", "Nov.", "Sept.", and in capitals "NOVEMBER", "SEPT."
_MONTH_WORD = (r"(?:[A-Z][a-z]{2,8}|(?:JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER"
               r"|OCTOBER|NOVEMBER|DECEMBER|JAN|FEB|MAR|APR|JUN|JUL|AUG|SEPT|SEP|OCT|NOV|DEC)(?![A-Z]))\.?")
# "Nov 14", "November 14, 2023", "14 November 2023", "17 SEPTEMBER 2022"
_DATELINE_DATE = (rf"{_MONTH_WORD}[ \t]+\d{{1,2}}(?:,?[ \t]+\d{{4}})?"
                  rf"|\d{{1,2}}[ \t]+{_MONTH_WORD}(?:,?[ \t]+\d{{4}})?")
_DATELINE = re.compile(
    rf"[ \t]*(?P<place>[{_CAPS}][{_CAPS} .'\u2019-]{{1,40}}(?:,[ \t]*[A-Z\u00c0-\u00de](?:[^\W\d_]|[ .'\u2019-]){{1,40}}){{0,2}})"
    rf"(?:,[ \t]*(?P<date>{_DATELINE_DATE})[ \t]*(?:\((?P<agency>[^()\n]{{1,40}})\)[ \t]*)?"
    rf"|[ \t]*\((?P<agency2>[^()\n]{{1,40}})\)[ \t]*)"
    r"(?:[-\u2013\u2014]{1,2}|:)\s*")
#: How far into a text a dateline may start: after a headline, a byline and a date line.
DATELINE_WITHIN = 1000


def dateline(text: str) -> tuple[int, int, str] | None:
    """(start, end, date words) of a wire-story dateline, if the text has one.

    A dateline opens the text or one of its first lines (within :data:`DATELINE_WITHIN`
    characters, after a headline, a byline or a "Published ..." line): a place in
    capitals, then a date ("Nov 14", "Nov. 14", "November 14, 2023"), an agency in
    brackets or both, then a dash or a colon.  The date words are "" when only the agency
    is given ("CÚCUTA, Colombia (AP) —").

    The dateline tells where the story was filed, not where events happened, and its
    date is the story's date when no published date is given; its words (place, agency)
    are no actors.
    """
    pos = 0
    while pos < len(text) and pos <= DATELINE_WITHIN:
        m = _DATELINE.match(text, pos)
        if m:
            # the date words as the date reader reads them: "17 SEPTEMBER 2022" -> "17 September 2022"
            return m.start("place"), m.end(), (m.group("date") or "").title()
        newline = text.find("\n", pos)
        if newline < 0:
            return None
        pos = newline + 1
    return None


def iter_paths(inputs: Iterable[Path | str]) -> Iterator[Path]:
    """Expand files, folders and glob patterns into article paths (not JSON-lines feeds); see :func:`iter_inputs`."""
    return iter_inputs(inputs, suffixes=SUFFIXES)


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
#: C0 controls other than tab, newline, carriage return and form feed: rare in text, common in binaries.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SAMPLE = 8192


def max_bytes() -> int:
    """The largest article file read, in bytes: ``GEOMAP_MAX_BYTES`` if set, else :data:`MAX_BYTES`."""
    value = os.environ.get("GEOMAP_MAX_BYTES", "").strip()
    try:
        return int(value) if value else MAX_BYTES
    except ValueError:
        log.warning("GEOMAP_MAX_BYTES should be a number of bytes, got %r; using %d", value, MAX_BYTES)
        return MAX_BYTES


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le'/'-be' when NULs sit in every other byte, as in UTF-16 Latin text, else None."""
    pairs = len(sample) // 2
    if pairs < 4 or len(sample) % 2:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd >= 0.7 * pairs and even == 0:
        return "utf-16-le"
    if even >= 0.7 * pairs and odd == 0:
        return "utf-16-be"
    return None


def _decode(raw: bytes, path: Path) -> str:
    """Bytes -> NFC text with ``\\n`` line ends.

    Tries, in order: a byte-order mark (UTF-8, UTF-16, UTF-32), UTF-8, UTF-16 without a
    mark, then Windows-1252 and Latin-1 with a warning naming the file and the encoding.
    NUL bytes or many control characters mean a binary file (an :class:`InputError`).
    """
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    if encoding is not None:
        try:
            text = raw[len(next(b for b, n in _BOMS if n == encoding)):].decode(encoding)
        except UnicodeDecodeError:
            raise InputError(path, f"starts with a {encoding.upper()} byte-order mark but is not valid "
                                   f"{encoding.upper()}") from None
    else:
        if not raw.strip():
            raise InputError(path, "file is empty")
        guess = _utf16_without_bom(raw[:_SAMPLE]) if b"\x00" in raw[:_SAMPLE] else None
        if guess is None and b"\x00" in raw[:_SAMPLE]:
            raise InputError(path, "looks like a binary file (NUL bytes), not text")
        text = None
        for name in ([guess] if guess else []) + ["utf-8", "cp1252", "latin-1"]:
            try:
                text = raw.decode(name)
            except UnicodeDecodeError:
                continue
            if name != "utf-8":
                log.warning("%s: not valid UTF-8; read as %s", path, _ENCODING_NAMES.get(name, name))
            break
    if not text.strip():
        raise InputError(path, "file is empty")
    sample = text[:_SAMPLE]
    if len(_CONTROL.findall(sample)) > max(2, len(sample) // 20):
        raise InputError(path, "looks like a binary file (control characters), not text")
    text = _CONTROL.sub(" ", text)  # a stray NUL or escape later on is noise, not text
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


_ENCODING_NAMES = {"cp1252": "Windows-1252", "latin-1": "Latin-1", "utf-16-le": "UTF-16-LE (no byte-order mark)",
                   "utf-16-be": "UTF-16-BE (no byte-order mark)"}


def _parse_date(value: object, path: Path) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise InputError(path, f"front matter 'published' should be a date like 2025-02-21, got {_short(value)}")
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        pass
    from .dates import find_dates  # "March 12, 2024", "12 March 2024"

    found = len(str(value)) <= 80 and [d for d in find_dates(str(value)) if d.precision == "day" and d.anchored]
    if found and len(found) == 1 and found[0].text.strip() == str(value).strip().rstrip("."):
        return found[0].date
    raise InputError(path, f"front matter 'published' should be a date like 2025-02-21, got {_short(value)}")


def _published(meta: dict, path: Path) -> dt.date | None:
    value = meta.get("published") or meta.get("date")
    if path.suffix.lower() in (".html", ".htm"):  # page metadata is not ours to reject
        try:
            return _parse_date(value, path)
        except InputError:
            log.warning("%s: unreadable published date %r in the page's metadata; ignored", path, value)
            return None
    return _parse_date(value, path)


def _safe_url(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    url = value.strip()
    return url if re.match(r"^https?://[^\s<>\"']+$", url, re.IGNORECASE) else None


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe subset without aliases: front matter needs none, and ``*alias`` chains
    can make a few hundred bytes stand for billions of values."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed", event.start_mark)
        return super().compose_node(parent, index)


def _short(value: object, limit: int = 60) -> str:
    """repr of a value for an error message, cut to ``limit`` characters."""
    text = repr(value) if isinstance(value, (str, int, float)) else f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _scalar_text(meta: dict, key: str, path: Path) -> str | None:
    """The front-matter value of ``key`` as text, None when absent; a list or mapping is an error."""
    value = meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list, set, tuple, bytes)):
        raise InputError(path, f"front matter {key!r} should be text, got {_short(value)}")
    return str(value).strip() or None


def split_front_matter(text: str, path: Path) -> tuple[dict, str, int]:
    """Return (metadata, body, offset of the body in ``text``)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, 0
    try:
        meta = yaml.load(match.group(1), Loader=_FrontMatterLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""  # + 1 for the opening ---
        problem = f": {' '.join(str(exc.problem).split())}" if getattr(exc, "problem", None) else ""
        raise InputError(path, f"malformed YAML front matter{where}{problem}") from None
    except RecursionError:
        raise InputError(path, "malformed YAML front matter (nested too deeply)") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a constructor's: "published: 2025-13-45"
        raise InputError(path, f"malformed YAML front matter: {_short(str(exc), 120)}") from None
    if not isinstance(meta, dict):
        raise InputError(path, "front matter should be a mapping of keys (title, published, source)")
    return meta, text[match.end():], match.end()


_HTML_DATE_META = ("article:published_time", "og:published_time", "date", "pubdate", "publishdate",
                   "dc.date", "dc.date.issued", "dcterms.created")


def _soup(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def html_to_text(soup) -> str:
    """Visible text of a parsed HTML page's article: the ``<article>`` (else ``<main>``,
    else ``<body>``) without scripts, styles, navigation, asides or footers; block
    elements become paragraphs.  Removes those elements from ``soup``."""
    for tag in soup(["script", "style", "noscript", "template", "head", "svg", "iframe", "object",
                     "nav", "aside", "footer", "form", "button"]):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    text = root.get_text("\n")
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line)


def html_metadata(soup) -> dict:
    """title, published and source URL from a parsed page's standard metadata, where present."""
    meta: dict = {}
    og_title = soup.find("meta", attrs={"property": "og:title"})
    if soup.title and soup.title.get_text().strip():
        meta["title"] = soup.title.get_text().strip()
    elif og_title and og_title.get("content"):
        meta["title"] = og_title["content"].strip()
    for tag in soup.find_all("meta"):
        key = (tag.get("property") or tag.get("name") or "").lower()
        if key in _HTML_DATE_META and tag.get("content") and "published" not in meta:
            meta["published"] = tag["content"].strip()[:10]
    time = soup.find("time", attrs={"datetime": True})
    if "published" not in meta and time is not None:
        meta["published"] = time["datetime"].strip()[:10]
    canonical = soup.find("link", rel="canonical") or soup.find("meta", attrs={"property": "og:url"})
    if canonical is not None:
        meta["source"] = canonical.get("href") or canonical.get("content")
    return meta


def document_id(path: Path, text: str) -> str:
    """Stable id: the file stem plus the first 8 hex digits of the text's SHA-1."""
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-") or "doc"
    return f"{stem}-{digest}"


def read_document(path: Path | str) -> Document:
    """Read one article.  Raises :class:`InputError` naming the file and the problem."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(path, f"unsupported file type {path.suffix or '(none)'!r}; expected one of {', '.join(SUFFIXES)}")
    limit = max_bytes()
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(path, f"file is too large ({_megabytes(size)}; the limit is {_megabytes(limit)}, "
                                   "set GEOMAP_MAX_BYTES to change it)")
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)  # the file may grow after the check
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise InputError(path, f"file is too large (over {_megabytes(limit)}; set GEOMAP_MAX_BYTES to change the limit)")
    text = _decode(raw, path)
    meta: dict = {}
    if path.suffix.lower() in (".html", ".htm"):
        soup = _soup(text)  # parsed once: metadata first, as html_to_text strips the head
        meta = html_metadata(soup)
        text = html_to_text(soup)
    else:
        meta, text, _ = split_front_matter(text, path)
    if not text.strip():
        raise InputError(path, "no text after the front matter")
    title = _scalar_text(meta, "title", path)
    given_url = meta.get("source") or meta.get("url")
    url = _safe_url(given_url)
    if given_url and url is None and path.suffix.lower() not in (".html", ".htm"):  # pages' relative links are normal
        log.warning("%s: source URL %s is not an http(s) link; not linked", path, _short(given_url))
    return Document(
        id=document_id(path, text),
        source=path.name,
        text=text,
        path=str(path),
        title=title,
        published=_published(meta, path),
        url=url,
    )


def read_documents(inputs: Iterable[Path | str]) -> Iterator[Document]:
    """Read every article under ``inputs``, lazily."""
    for path in iter_paths(inputs):
        yield read_document(path)


# --- Feeds: globs, JSON-lines files, lazy reading -------------------------------------------

#: A JSON-lines file holds one document a line: ``{"id", "text", "published"?, "source"?,
#: "title"?, "url"?}``.
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_GLOB_CHARS = re.compile(r"[*?\[]")


def _is_pattern(item: Path | str) -> bool:
    return isinstance(item, str) and bool(_GLOB_CHARS.search(item)) and not Path(item).exists()


def iter_inputs(inputs: Iterable[Path | str], suffixes: tuple[str, ...] | None = None) -> Iterator[Path]:
    """Expand files, folders and glob patterns into input files, without repeats.

    A pattern (``"news/**/*.jsonl"``, quoted so the shell leaves it alone) is expanded
    here, recursively for ``**``, in sorted order; one that matches nothing raises
    :class:`InputError`.  Folders are searched recursively, in sorted order, for articles
    and JSON-lines files; hidden files and folders are left out.
    """
    import glob

    suffixes = suffixes or SUFFIXES + JSONL_SUFFIXES
    seen: set[Path] = set()
    for item in inputs:
        if _is_pattern(item):
            found = [Path(p) for p in sorted(glob.glob(str(item), recursive=True))]
            found = [p for p in found if p.is_file() and p.suffix.lower() in suffixes]
            if not found:
                raise InputError(item, "the pattern matches no article or JSON-lines file")
        else:
            path = Path(item)
            if path.is_dir():
                found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
                               and not any(part.startswith(".") for part in p.relative_to(path).parts))
            elif path.is_file():
                found = [path]
            else:
                raise InputError(path, "no such file or directory")
        for p in found:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                yield p


def is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in JSONL_SUFFIXES


def count_documents(paths: Iterable[Path]) -> int:
    """How many documents ``paths`` hold, roughly: one per article file, one per non-blank
    line of a JSON-lines file (bad lines included).  Reads JSON-lines files in blocks."""
    total = 0
    for path in paths:
        if not is_jsonl(path):
            total += 1
            continue
        try:
            with open(path, "rb") as fh:
                for line in fh:
                    total += bool(line.strip())
        except OSError:
            continue  # reading it later reports the problem
    return total


def jsonl_document(record: object, path: Path, line: int) -> Document:
    """The :class:`Document` of one JSON-lines record; raises :class:`InputError`
    naming ``file:line`` when the record is not a usable document.

    ``source`` is the record's ``source`` when given (so a feed can name its articles as
    the scorer and the map should show them), else ``<file name>#<id>``.  The document
    id is the file stem, the record id and a hash of the text, so it is stable and unique.
    """
    where = f"{path}:{line}"
    if not isinstance(record, dict):
        raise InputError(where, f"expected a JSON object, got {type(record).__name__}")
    rid, text = record.get("id"), record.get("text")
    if not isinstance(rid, (str, int)) or isinstance(rid, bool) or str(rid).strip() == "":
        raise InputError(where, f"'id' should be a non-empty string or number, got {rid!r}")
    if not isinstance(text, str) or not text.strip():
        raise InputError(where, "'text' should be a non-empty string")
    rid = str(rid).strip()
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    try:
        published = _parse_date(record.get("published"), path)
    except InputError:
        raise InputError(where, f"'published' should be a date like 2025-02-21, got {record.get('published')!r}") from None
    source = record.get("source")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise InputError(where, f"'source' should be a non-empty string, got {source!r}")
    title = record.get("title")
    return Document(
        id=document_id(Path(f"{path.stem}-{rid}"), text),
        source=source.strip() if source else f"{path.name}#{rid}",
        text=text,
        path=where,
        title=str(title).strip() if title else None,
        published=published,
        url=_safe_url(record.get("url")),
    )


def iter_jsonl(path: Path) -> Iterator[Document | InputError]:
    """The documents of a JSON-lines file, one line at a time; a bad line (not JSON, no
    text, an id seen before in the file) yields an :class:`InputError` naming ``file:line``
    instead, and reading goes on.  Blank lines are skipped."""
    import json

    seen: set[str] = set()
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield InputError(path, f"cannot read: {exc.strerror or exc}")
        return
    with fh:
        for number, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
                doc = jsonl_document(record, path, number)
            except UnicodeDecodeError:
                yield InputError(f"{path}:{number}", "not valid UTF-8")
                continue
            except json.JSONDecodeError as exc:
                yield InputError(f"{path}:{number}", f"not valid JSON: {exc.msg} at column {exc.colno}")
                continue
            except InputError as exc:
                yield exc
                continue
            key = doc.source
            if key in seen:
                yield InputError(f"{path}:{number}", f"a second document with source {key!r}")
                continue
            seen.add(key)
            yield doc


def iter_documents(paths: Iterable[Path], *, strict: bool = False,
                   on_skip=None) -> Iterator[Document]:
    """Read the documents of ``paths`` (from :func:`iter_inputs`) one at a time.

    An unreadable file or a bad JSON line is reported to ``on_skip(InputError)`` and
    skipped; ``strict=True`` raises it instead.
    """
    for path in paths:
        items = iter_jsonl(path) if is_jsonl(path) else [_read_or_error(path)]
        for item in items:
            if isinstance(item, InputError):
                if strict:
                    raise item
                if on_skip is not None:
                    on_skip(item)
                continue
            yield item


def _read_or_error(path: Path) -> Document | InputError:
    try:
        return read_document(path)
    except InputError as exc:
        return exc
