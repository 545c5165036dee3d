"""The whole path: articles -> mentions -> places -> events -> frame -> map.html + events.geojson.

Library code: it logs and raises, never prints or exits.  Outputs are written only once
everything is computed, each through a temporary file renamed into place, so a failed
run leaves the previous outputs untouched.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import exports, importers
from .atomic import write_all, write_atomic
from . import overrides as curation
from .documents import iter_paths, read_document
from .errors import InputError, OutputError
from .events import extract_events
from .frame import events_to_frame, validate_frame
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
    overrides: curation.OverrideReport | None = None  # what the overrides file did, when one was applied


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


def _title(docs: Sequence[Document]) -> str:
    if len(docs) == 1 and docs[0].title:
        return docs[0].title
    return "geomap situation map"


def build(inputs: Iterable[Path | str], out_dir: Path | str, *, layers_dir: Path | str | None = None,
          tiles: str | None = None, gazetteer=None, strict: bool = False, today: dt.date | None = None,
          progress: Callable[[str], None] | None = None, geocoder: str | None = None,
          geocoder_options: dict | None = None, formats: Sequence[str] = ("geojson",),
          overrides: Path | str | None = None) -> BuildResult:
    """Build ``out_dir/map.html`` and ``out_dir/events.geojson`` from the articles in ``inputs``.

    Files that cannot be read are skipped and listed in the result (``strict=True``
    raises instead).  Raises :class:`~geomap.errors.InputError` when no input could be read.

    ``geocoder`` (a geopy name such as ``"nominatim"``, with ``geocoder_options`` for
    it) opts in to online geocoding of the names the offline gazetteer lacks; when it
    fails, :class:`~geomap.errors.GeocoderError` ends the build before any output is
    written, and the answers so far stay in its cache.

    Event files among ``inputs`` (.csv, .geojson, ...: see :mod:`geomap.importers`) join
    the text-derived events; ``overrides`` (else ``out_dir/overrides.yaml``) is applied
    (:mod:`geomap.overrides`); ``events.<ext>`` is written for each of ``formats``.
    """
    from .gazetteer import Gazetteer
    from .geocoders import FallbackGazetteer, OnlineGeocoder
    from .render import render_map

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a directory")
    layers = load_layers(layers_dir)
    result = BuildResult()
    inputs, event_files = importers.split_inputs(inputs)
    imported = [importers.read_events(p) for p in event_files]
    overrides_file = curation.overrides_path(overrides, out_dir)
    override_list = curation.load_overrides(overrides_file) if overrides_file else []
    paths = list(iter_paths(inputs))
    if not paths and not event_files:
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
    if not docs and not event_files:
        raise InputError(paths[0] if len(paths) == 1 else ", ".join(map(str, inputs)), "no readable articles")
    frame = importers.merge(events_to_frame(events), imported)
    if overrides_file:
        frame, result.overrides = curation.apply_overrides(frame, override_list, overrides_file)
    frame = validate_frame(frame)
    sources = sorted([d.source for d in docs] + [p.name for p in event_files])
    html = render_map(frame, layers, title=_title(docs), tiles=tiles, sources=sources)
    writers = exports.output_writers(frame, out_dir, formats, layers)
    result.outputs = {fmt: path for fmt, (path, _) in writers.items()}
    result.outputs["map"] = out_dir / "map.html"
    try:
        write_all({path: write for path, write in writers.values()} | {result.outputs["map"]: html})
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write outputs: {exc.strerror or exc}") from None
    result.documents, result.events = len(docs), len(frame)
    return result
