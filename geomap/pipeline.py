"""The whole path: articles -> mentions -> places -> events -> frame -> map.html + events.geojson.

:func:`build` runs three steps: collect the events (:func:`collect_events`: documents read
one at a time, extracted in batches by :func:`extract_batch`, here or on Dask workers),
link reports across articles and frame them (:mod:`geomap.merge`,
:func:`~geomap.frame.events_to_frame`), then write the outputs (:func:`write_outputs`).

Library code: it logs and raises, never prints or exits.  Outputs are written only once
everything is computed, each through a temporary file renamed into place, so a failed
run leaves the previous outputs untouched.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import exports, importers
from . import overrides as curation
from .atomic import write_all
from .documents import count_documents, iter_documents, iter_inputs
from .errors import GeomapError, InputError, OutputError
from .events import extract_events
from .layers import load_layers
from .merge import collapse as collapse_reports
from .merge import link_reports
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


@dataclass
class BatchResult:
    """What :func:`extract_batch` found in a batch of documents (small: no texts)."""

    events: list[Event] = field(default_factory=list)
    documents: list[tuple[str, str | None]] = field(default_factory=list)  # (source, title)
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (source, name)
    logs: list[tuple[int, str]] = field(default_factory=list)  # (level, message): a worker's log records


def extract_batch(docs: Sequence[Document], gazetteer, layers: Sequence[Layer], *,
                  today: dt.date | None = None) -> BatchResult:
    """Events of a batch of documents: the one unit of work, serial or on a Dask worker."""
    out = BatchResult()
    for doc in docs:
        mentions, doc_events = extract_document(doc, gazetteer, layers, today=today)
        out.unresolved += [(doc.source, m.surface) for m in mentions if m.place is None and m.role == "name"]
        out.documents.append((doc.source, doc.title))
        out.events += doc_events
    return out


def batched(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    """``docs`` in lists of ``size``, read lazily."""
    batch: list[Document] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Progress:
    """Tells ``report`` how many documents are done (of how many, when known) and the
    rate, at most every ``every`` seconds and once at the end.  Its clock is a method,
    for tests to patch."""

    def __init__(self, report: Callable[[str], None] | None, total: int | None = None, every: float = 0.5):
        self.report, self.total, self.every = report, total, every
        self.done, self.started, self.last, self.shown = 0, self.clock(), None, 0

    def clock(self) -> float:
        return time.perf_counter()

    def advance(self, n: int, last: str = "", *, final: bool = False) -> None:
        self.done += n
        if self.report is None:
            return
        now = self.clock()
        if final and self.done == self.shown:
            return
        if not final and self.last is not None and now - self.last < self.every:
            return
        self.last, self.shown = now, self.done
        rate = self.done / max(now - self.started, 1e-9)
        of = f"/{self.total}" if self.total else ""
        self.report(f"[{self.done}{of}] documents, {rate:.1f}/s" + (f"  {last}" if last else ""))


def _title(found: "Collected") -> str:
    if len(found.sources) == 1 and found.first_title:
        return found.first_title
    return "geomap situation map"


@dataclass
class Collected:
    """Everything the documents gave: events and what the outputs say about the inputs."""

    events: list[Event] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # of the documents read, in input order
    first_title: str | None = None
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def collect_events(paths: Sequence[Path], gazetteer, layers: Sequence[Layer], *, strict: bool = False,
                   today: dt.date | None = None, progress: Callable[[str], None] | None = None,
                   workers: int | None = None, scheduler: str | None = None,
                   batch_size: int | None = None) -> Collected:
    """Read the documents of ``paths`` one at a time and extract their events, in this
    process or, with ``workers``/``scheduler``, on a Dask cluster (see
    :mod:`geomap.parallel`).  Unreadable inputs are skipped and listed (``strict``
    raises); the result is the same, in the same order, whichever way it ran."""
    out = Collected()

    def skip(exc: InputError) -> None:
        log.info("skipped %s", exc)  # the caller reports result.skipped
        out.skipped.append((exc.path, exc.problem))

    docs = iter_documents(paths, strict=strict, on_skip=skip)
    meter = Progress(progress, count_documents(paths) if progress else None)
    if workers or scheduler:
        from .parallel import extract_on_dask

        batches = batched(docs, batch_size or 50)
        results = extract_on_dask(batches, gazetteer.path, layers, today=today, workers=workers,
                                  scheduler=scheduler)
    else:
        batches = batched(docs, batch_size or 1)
        results = (extract_batch(batch, gazetteer, layers, today=today) for batch in batches)
    for result in results:
        out.events += result.events
        if not out.sources and result.documents:
            out.first_title = result.documents[0][1]
        out.sources += [source for source, _ in result.documents]
        out.unresolved += result.unresolved
        meter.advance(len(result.documents), result.documents[-1][0] if result.documents else "")
    meter.advance(0, final=True)
    return out


def write_outputs(frame, out_dir: Path, layers: Sequence[Layer], *, title: str, sources: Sequence[str],
                  tiles: str | None = None, formats: Sequence[str] = ("geojson",),
                  map_html: bool = True) -> dict[str, Path]:
    """Serialise ``frame`` (checked by :func:`~geomap.frame.validate_frame` already) in each
    of ``formats`` (and render the map unless ``map_html`` is false), then write every
    output at once (:func:`geomap.atomic.write_all`): nothing is written unless everything
    rendered, and a failure or Ctrl-C leaves the previous outputs."""
    writers = exports.output_writers(frame, out_dir, formats, layers, validate=False)
    outputs = {fmt: path for fmt, (path, _) in writers.items()}
    contents = {path: write for path, write in writers.values()}
    if map_html:
        from .render import render_map

        outputs["map"] = out_dir / "map.html"
        contents[outputs["map"]] = render_map(frame, layers, title=title, tiles=tiles, sources=sources,
                                              validate=False)
    write_all(contents)
    return outputs


def build(inputs: Iterable[Path | str], out_dir: Path | str, *, layers_dir: Path | str | None = None,
          tiles: str | None = None, gazetteer=None, strict: bool = False, today: dt.date | None = None,
          progress: Callable[[str], None] | None = None, geocoder: str | None = None,
          geocoder_options: dict | None = None, formats: Sequence[str] = ("geojson",),
          overrides: Path | str | None = None, map_html: bool = True, workers: int | None = None,
          scheduler: str | None = None, collapse: bool = False, batch_size: int | None = None) -> BuildResult:
    """Build ``out_dir/map.html`` and ``out_dir/events.geojson`` from the articles in ``inputs``.

    ``inputs`` are article files, JSON-lines files (one document a line, see
    :func:`~geomap.documents.jsonl_document`), folders and glob patterns.  Documents are
    read one at a time; only their events are kept.  Files and JSON lines that cannot
    be read are skipped and listed in the result (``strict=True`` raises instead).
    Raises :class:`~geomap.errors.InputError` when no input could be read.

    ``map_html=False`` writes events.geojson only.  ``workers`` (a local Dask cluster of
    that many processes) or ``scheduler`` (the address of a running one) extract in
    parallel, with the same result.  Reports of one event by several articles are linked
    (``merged_id``, ``corroboration``, ``sources``, ``contradicts``: :mod:`geomap.merge`);
    ``collapse=True`` keeps one feature per such event.

    ``geocoder`` (a geopy name such as ``"nominatim"``, with ``geocoder_options`` for
    it) opts in to online geocoding of the names the offline gazetteer lacks; when it
    fails, :class:`~geomap.errors.GeocoderError` ends the build before any output is
    written, and the answers so far stay in its cache.  It runs in one process only.

    Event files among ``inputs`` (.csv, .geojson, ...: see :mod:`geomap.importers`) join
    the text-derived events; ``overrides`` (else ``out_dir/overrides.yaml``) is applied
    (:mod:`geomap.overrides`); ``events.<ext>`` is written for each of ``formats``.
    """
    from .frame import events_to_frame, validate_frame  # geopandas: not needed by extraction workers
    from .gazetteer import Gazetteer
    from .geocoders import FallbackGazetteer, OnlineGeocoder

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a directory")
    if geocoder and (workers or scheduler):
        raise GeomapError("online geocoding runs in one process: drop --geocoder or --workers/--scheduler")
    layers = load_layers(layers_dir)
    inputs, event_files = importers.split_inputs(inputs)
    imported = [importers.read_events(p) for p in event_files]
    overrides_file = curation.overrides_path(overrides, out_dir)
    override_list = curation.load_overrides(overrides_file) if overrides_file else []
    paths = list(iter_inputs(inputs))
    if not paths and not event_files:
        raise InputError(", ".join(map(str, inputs)) or ".", "no articles found (.txt, .md, .html, .jsonl)")
    found = Collected()
    if paths:  # event files alone need no gazetteer
        online = OnlineGeocoder(geocoder, options=geocoder_options) if geocoder else None
        own_gazetteer = gazetteer is None
        try:
            offline = gazetteer or Gazetteer.open(progress=progress)
        except BaseException:
            if online is not None:
                online.close()
            raise
        gazetteer = FallbackGazetteer(offline, online) if online is not None else offline
        try:
            found = collect_events(paths, gazetteer, layers, strict=strict,
                                   today=today, progress=progress, workers=workers, scheduler=scheduler,
                                   batch_size=batch_size)
        finally:
            if online is not None:
                online.close()
            if own_gazetteer:
                offline.close()
    if not found.sources and not event_files:
        raise InputError(paths[0] if len(paths) == 1 else ", ".join(map(str, inputs)), "no readable articles")
    events = found.events
    links = link_reports(events)
    if collapse:
        events = collapse_reports(events, links)
    frame = events_to_frame(events, {ev.id: links[ev.id].columns() for ev in events})
    result = BuildResult(skipped=found.skipped, unresolved=found.unresolved)
    frame = importers.merge(frame, imported)
    if overrides_file:
        frame, result.overrides = curation.apply_overrides(frame, override_list, overrides_file)
    frame = validate_frame(frame)
    sources = sorted(found.sources + [p.name for p in event_files])
    result.outputs = write_outputs(frame, out_dir, layers, title=_title(found), tiles=tiles, sources=sources,
                                   formats=formats, map_html=map_html)
    result.documents, result.events = len(found.sources), len(frame)
    return result
