"""The whole path: articles -> mentions -> places -> events -> frame -> map.html + events.geojson.

Library code: it logs and raises, never prints or exits.  Outputs are written only once
everything is computed, each through a temporary file renamed into place, so a failed
run leaves the previous outputs untouched.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .documents import iter_paths, read_document
from .errors import InputError, OutputError
from .events import extract_events
from .frame import dumps_geojson, events_to_frame, validate_frame
from .layers import load_layers
from .models import Document, Event, Layer, Mention

log = logging.getLogger("geomap")


@dataclass
class BuildResult:
    """What :func:`build` did, for the CLI to report."""

    documents: int = 0
    events: int = 0
    outputs: dict[str, Path] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, problem)
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (source, name)


def extract_places(doc: Document, gazetteer) -> list[Mention]:
    """Find and resolve the place names of one document.

    With a :class:`~geomap.geocoders.FallbackGazetteer`, names the offline index lacks
    are geocoded online first (see :func:`geocode_unknown`).
    """
    from .geocoders import FallbackGazetteer
    from .mentions import find_mentions
    from .resolve import resolve_mentions

    mentions = find_mentions(doc, gazetteer)
    if isinstance(gazetteer, FallbackGazetteer):
        mentions = geocode_unknown(mentions, gazetteer)
    return resolve_mentions(doc, mentions, gazetteer)


def geocode_unknown(mentions: list[Mention], gazetteer) -> list[Mention]:
    """Give the names with no offline candidate the online geocoder's answer.

    Physical features ("Niger River", "Lake Chad") stay unmapped: a river is no point.
    Online answers carry no population, so the mention gets one candidate: the
    provider's best answer in the country the document's other names vote for most,
    else its best answer.  A failing geocoder raises
    :class:`~geomap.errors.GeocoderError`; the answers so far stay in its cache.
    """
    from .gazetteer import name_key
    from .mentions import FEATURE_AFTER, FEATURE_BEFORE
    from .resolve import document_countries

    features = FEATURE_BEFORE | FEATURE_AFTER
    weights = document_countries(mentions)
    chosen: dict[str, tuple] = {}
    out = []
    for m in mentions:
        if m.candidates or m.role != "name" or features.intersection(m.surface.split()):
            out.append(m)
            continue
        key = name_key(m.surface)
        if key not in chosen:
            answers = gazetteer.candidates(m.surface)
            chosen[key] = (max(answers, key=lambda p: weights.get(p.country, 0.0)),) if answers else ()
        out.append(replace(m, candidates=chosen[key]))
    return out


def extract_document(doc: Document, gazetteer, layers: Sequence[Layer], *,
                     today: dt.date | None = None) -> tuple[list[Mention], list[Event]]:
    """Mentions and events of one document."""
    mentions = extract_places(doc, gazetteer)
    return mentions, extract_events(doc, mentions, layers, gazetteer, today=today)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename."""
    write_all_atomic({path: text})


@contextlib.contextmanager
def _signals_held():
    """Hold Ctrl-C (SIGINT) and SIGTERM back until the block ends (main thread, POSIX only)."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def write_all_atomic(texts: dict[Path, str]) -> None:
    """Write every ``{path: text}`` so that a failure or Ctrl-C leaves all previous files as they were.

    Each text goes to a temporary file beside its target first; only when all are
    written are they renamed into place, with Ctrl-C held back for the renames.  On any
    failure the temporary files are removed.
    """
    temps: list[tuple[str, Path]] = []
    try:
        for path, text in texts.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes private files; outputs are ordinary ones
        with _signals_held():
            while temps:
                tmp, path = temps[0]
                os.replace(tmp, path)
                temps.pop(0)
    finally:
        for tmp, _ in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _title(docs: Sequence[Document]) -> str:
    if len(docs) == 1 and docs[0].title:
        return docs[0].title
    return "geomap situation map"


def build(inputs: Iterable[Path | str], out_dir: Path | str, *, layers_dir: Path | str | None = None,
          tiles: str | None = None, gazetteer=None, strict: bool = False, today: dt.date | None = None,
          progress: Callable[[str], None] | None = None, geocoder: str | None = None,
          geocoder_options: dict | None = None) -> BuildResult:
    """Build ``out_dir/map.html`` and ``out_dir/events.geojson`` from the articles in ``inputs``.

    Files that cannot be read are skipped and listed in the result (``strict=True``
    raises instead).  Raises :class:`~geomap.errors.InputError` when no input could be read.

    ``geocoder`` (a geopy name such as ``"nominatim"``, with ``geocoder_options`` for
    it) opts in to online geocoding of the names the offline gazetteer lacks; when it
    fails, :class:`~geomap.errors.GeocoderError` ends the build before any output is
    written, and the answers so far stay in its cache.
    """
    from .gazetteer import Gazetteer
    from .geocoders import FallbackGazetteer, OnlineGeocoder
    from .render import render_map

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a directory")
    layers = load_layers(layers_dir)
    result = BuildResult()
    paths = list(iter_paths(inputs))
    if not paths:
        raise InputError(", ".join(map(str, inputs)) or ".", "no articles found (.txt, .md, .html)")
    online = OnlineGeocoder(geocoder, options=geocoder_options) if geocoder else None
    own_gazetteer = gazetteer is None
    try:
        offline = gazetteer or Gazetteer.open(progress=progress)
    except BaseException:
        if online is not None:
            online.close()
        raise
    gazetteer = FallbackGazetteer(offline, online) if online is not None else offline
    docs, events = [], []
    try:
        for i, path in enumerate(paths, 1):
            if progress:
                progress(f"[{i}/{len(paths)}] {path}")
            try:
                doc = read_document(path)
            except InputError as exc:
                if strict:
                    raise
                log.info("skipped %s", exc)  # the caller reports result.skipped
                result.skipped.append((str(path), exc.problem))
                continue
            mentions, doc_events = extract_document(doc, gazetteer, layers, today=today)
            result.unresolved += [(doc.source, m.surface) for m in mentions if m.place is None and m.role == "name"]
            docs.append(doc)
            events += doc_events
    finally:
        if online is not None:
            online.close()
        if own_gazetteer:
            offline.close()
    if not docs:
        raise InputError(paths[0] if len(paths) == 1 else ", ".join(map(str, inputs)), "no readable articles")
    frame = validate_frame(events_to_frame(events))
    geojson = dumps_geojson(frame)
    html = render_map(frame, layers, title=_title(docs), tiles=tiles, sources=sorted(d.source for d in docs))
    result.outputs = {"geojson": out_dir / "events.geojson", "map": out_dir / "map.html"}
    try:
        write_all_atomic({result.outputs["geojson"]: geojson, result.outputs["map"]: html})
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write outputs: {exc.strerror or exc}") from None
    result.documents, result.events = len(docs), len(frame)
    return result
