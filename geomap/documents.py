"""Reading input articles into :class:`~geomap.models.Document` records.

Formats: ``.txt``; ``.md`` with optional YAML front matter (``title``, ``published``,
``source``); ``.html``/``.htm`` (visible text only).  Inputs may be files or folders
(searched recursively, in sorted order).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from .errors import InputError
from .models import Document

log = logging.getLogger("geomap")

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
MAX_BYTES = 64 * 1024 * 1024
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


# "GOMA, Congo, Jan 27 (Reuters) - ", "KYIV, March 3 (AP) -- ": where and when a wire story was filed.
_DATELINE = re.compile(
    r"\A\s*(?P<place>[A-Z][A-Z .'\u2019-]{1,40}(?:,\s*[A-Z][\w .'\u2019-]{1,40}){0,2}),\s*"
    r"(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,?\s+\d{4})?)\s*(?:\((?P<agency>[^()\n]{1,40})\)\s*)?"
    r"(?:[-\u2013\u2014]{1,2}|:)\s*")


def dateline(text: str) -> tuple[int, int, str] | None:
    """(start, end, date words) of a wire-story dateline at the start of ``text``, if any.

    The dateline tells where the story was filed, not where events happened, and its
    date is the story's date when no published date is given.
    """
    m = _DATELINE.match(text)
    return (m.start(), m.end(), m.group("date")) if m else None


def iter_paths(inputs: Iterable[Path | str]) -> Iterator[Path]:
    """Expand files and folders into article paths, sorted within each folder, without repeats."""
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
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


def _decode(raw: bytes, path: Path) -> str:
    if not raw.strip():
        raise InputError(path, "file is empty")
    if b"\x00" in raw[:8192]:
        raise InputError(path, "looks like a binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        log.warning("%s: not valid UTF-8; read as Windows-1252", path)
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _parse_date(value: object, path: Path) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        pass
    from .dates import find_dates  # "March 12, 2024", "12 March 2024"

    found = [d for d in find_dates(str(value)) if d.precision == "day" and d.anchored]
    if len(found) == 1 and found[0].text.strip() == str(value).strip().rstrip("."):
        return found[0].date
    raise InputError(path, f"front matter 'published' should be a date like 2025-02-21, got {value!r}")


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


def split_front_matter(text: str, path: Path) -> tuple[dict, str, int]:
    """Return (metadata, body, offset of the body in ``text``)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, 0
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        raise InputError(path, "malformed YAML front matter") from None
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
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(path, f"file is too large ({size // (1024 * 1024)} MB; limit {MAX_BYTES // (1024 * 1024)} MB)")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
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
    title = meta.get("title")
    return Document(
        id=document_id(path, text),
        source=path.name,
        text=text,
        path=str(path),
        title=str(title).strip() if title else None,
        published=_published(meta, path),
        url=_safe_url(meta.get("source") or meta.get("url")),
    )


def read_documents(inputs: Iterable[Path | str]) -> Iterator[Document]:
    """Read every article under ``inputs``, lazily."""
    for path in iter_paths(inputs):
        yield read_document(path)
