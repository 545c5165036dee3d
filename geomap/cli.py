"""The ``geomap`` command: a thin layer over the library.

Each command parses its options, calls one library function and prints.  Library
errors (:class:`~geomap.errors.GeomapError`) become one ``Error: ...`` line and exit 1.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import re
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import GeomapError

try:  # typer >= 0.22 carries its own copy of click
    from typer._click.exceptions import ClickException as _UsageError
except ImportError:  # pragma: no cover - older typer on top of click
    from click.exceptions import ClickException as _UsageError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Turn crisis news articles into a layered, offline situation map and GeoJSON.")
gazetteer_app = typer.Typer(no_args_is_help=True, help="Build or inspect the offline gazetteer index.")
app.add_typer(gazetteer_app, name="gazetteer")


#: Control characters (terminal escapes, carriage returns...) and bidirectional overrides:
#: a file name or article text must not be able to redraw or reorder the user's terminal.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _printable(message: str) -> str:
    """``message`` with control characters and bidi overrides shown as ``\\x1b``, ``\\u202e``."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], message)


def _err(message: str) -> None:
    typer.echo(_printable(message), err=True)


def _one_line(message: object) -> str:
    """``message`` with every run of whitespace (newlines included) made one space."""
    return " ".join(str(message).split())


class _WarningFormatter(logging.Formatter):
    """``Warning: <message>``, one line, printable."""

    def format(self, record: logging.LogRecord) -> str:
        return _printable("Warning: " + _one_line(super().format(record)))


def _one_line_errors(func):
    """Turn library errors raised by a command into one ``Error: ...`` line and exit 1,
    and Ctrl-C into ``Interrupted`` and exit 130 (typer would exit 130 silently)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GeomapError as exc:
            _err(f"Error: {_one_line(exc)}")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            _err("Interrupted")
            raise typer.Exit(130) from None
    return wrapper


def _parse_today(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"should be a date like 2025-02-21, got {value!r}", param_hint="'--today'") from None


def _check_geocoder(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    from .geocoders import check_geocoder_name

    try:
        return check_geocoder_name(value)
    except GeomapError as exc:
        raise typer.BadParameter(str(exc)) from None


def _geocoder_options(geocoder: Optional[str], items: Optional[list[str]]) -> Optional[dict]:
    from .geocoders import parse_options

    if items and not geocoder:
        raise typer.BadParameter("needs --geocoder", param_hint="'--geocoder-option'")
    try:
        return parse_options(items) if geocoder else None
    except GeomapError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--geocoder-option'") from None


def _check_formats(value: str) -> tuple[str, ...]:
    from .exports import parse_formats

    try:
        return parse_formats(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


_GeocoderOpt = Annotated[Optional[str], typer.Option(
    "--geocoder", callback=_check_geocoder, metavar="NAME",
    help="Opt in to an online geocoder (any geopy name: nominatim, photon, ...) for names the offline "
         "gazetteer lacks. Makes network requests (Nominatim: at most 1 per second); answers are cached "
         "in the cache folder. Off by default: nothing goes online.")]
_GeocoderOptionsOpt = Annotated[Optional[list[str]], typer.Option(
    "--geocoder-option", metavar="KEY=VALUE",
    help="An option for the online geocoder, repeatable: domain=..., scheme=http, api_key=..., "
         "user_agent=..., timeout=SECONDS, min_delay=SECONDS.")]


#: Above this many distinct unresolved names, only the most frequent are listed.
UNRESOLVED_LISTED = 20


def unresolved_summary(unresolved: list[tuple[str, str]], limit: int = UNRESOLVED_LISTED) -> str:
    """One line naming the unresolved place names of a build (``(source, name)`` pairs).

    A few are listed in full with their sources, in alphabetical order; a feed's
    hundreds are counted, and the most frequent listed first with their counts.
    """
    pairs = sorted({f"{name} ({src})" for src, name in unresolved})
    if len(pairs) <= limit:
        return f"Unresolved place names: {', '.join(pairs)}"
    counts = Counter(name for _src, name in unresolved)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    listed = ", ".join(f"{name} x{n}" if n > 1 else name for name, n in top)
    return (f"Unresolved place names: {len(counts)} distinct in {len(unresolved)} mentions;"
            f" most frequent: {listed}, and {len(counts) - len(top)} more")


@app.command()
@_one_line_errors
def build(
    inputs: Annotated[Optional[list[str]], typer.Argument(help="Article files (.txt, .md, .html), JSON-lines files (.jsonl: one {id, text, published?, source?, title?, url?} a line), folders, or quoted glob patterns ('news/**/*.txt'). Default: seeds/")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for map.html and events.geojson.")] = Path("output"),
    layers: Annotated[Optional[Path], typer.Option("--layers", help="Folder of layer definitions (*.yaml). Default: ./layers or the built-in ones.")] = None,
    tiles: Annotated[Optional[str], typer.Option("--tiles", help="Add an online tile layer by xyzservices name, e.g. OpenStreetMap.Mapnik. Off by default: the map then makes no network request.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on the first unreadable article instead of skipping it.")] = False,
    today: Annotated[Optional[str], typer.Option("--today", help="Reference date (YYYY-MM-DD) for articles with no published date and no year.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    geocoder: _GeocoderOpt = None,
    geocoder_option: _GeocoderOptionsOpt = None,
    formats: Annotated[str, typer.Option("--format", "-f", callback=_check_formats, metavar="LIST",
                                         help="Event file formats to write next to map.html, comma-separated: "
                                              "geojson, gpkg, csv, kml, parquet (see docs/formats.md).")] = "geojson",
    overrides: Annotated[Optional[Path], typer.Option("--overrides", help="Curation file (YAML) to apply: move, drop, retype or add events. Default: OUT/overrides.yaml when it exists.")] = None,
    no_map: Annotated[bool, typer.Option("--no-map", help="Write events.geojson only, no map.html (data-only runs).")] = False,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Extract on a local Dask cluster of N processes (needs dask[distributed]). Same output as one process.")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", metavar="ADDRESS", help="Extract on a running Dask cluster, e.g. tcp://10.0.0.5:8786.")] = None,
    collapse: Annotated[bool, typer.Option("--collapse", help="One feature per event that several articles report (default: one per article, linked by merged_id).")] = False,
) -> None:
    """Build a situation map (map.html) and events.geojson from news articles
    and event files (ACLED-style CSV, GeoJSON, or any events file geomap writes).

    Example:

        geomap build seeds acled.csv --out output --format geojson,gpkg,csv
    """
    if workers and scheduler:
        raise typer.BadParameter("give --workers or --scheduler, not both", param_hint="'--workers'")
    from .pipeline import build as build_map

    options = _geocoder_options(geocoder, geocoder_option)
    progress = None if quiet else (lambda msg: _err(msg))
    result = build_map(inputs or [Path("seeds")], out, layers_dir=layers, tiles=tiles, strict=strict,
                       today=_parse_today(today), progress=progress, geocoder=geocoder,
                       geocoder_options=options, formats=formats, overrides=overrides,
                       map_html=not no_map, workers=workers, scheduler=scheduler, collapse=collapse)
    for path, problem in result.skipped:
        _err(f"Warning: {path}: {problem} (skipped)")
    if result.overrides is not None:
        for line in result.overrides.stale:
            _err(f"Warning: {result.overrides.path}: {line} (stale override)")
    if not quiet:
        if result.unresolved:
            _err(unresolved_summary(result.unresolved))
        if result.overrides is not None:
            for line in result.overrides.applied:
                _err(f"Applied {result.overrides.path}: {line}")
        files = sorted(result.outputs.values(), key=lambda path: path.suffix != ".html")  # the map first
        typer.echo(f"{result.documents} article(s), {result.events} event(s) -> "
                   f"{', '.join(map(str, files))}"
                   + (f"; {len(result.skipped)} file(s) skipped" if result.skipped else ""))


@app.command("export")
@_one_line_errors
def export_events(
    events: Annotated[Path, typer.Argument(help="An events file: .geojson, .gpkg, .csv, .kml, .parquet, or an ACLED CSV export.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="geojson, gpkg, csv, kml or parquet. Default: from the extension of --out.")] = None,
    layers: Annotated[Optional[Path], typer.Option("--layers", help="Folder of layer definitions (KML colours). Default: ./layers or the built-in ones.")] = None,
) -> None:
    """Convert an events file to another format (docs/formats.md lists the columns).

    Example:

        geomap export output/events.geojson --out events.gpkg
    """
    from .exports import export, parse_formats
    from .layers import load_layers

    if fmt is not None:
        try:
            (fmt,) = parse_formats(fmt)
        except ValueError as exc:
            raise typer.BadParameter(str(exc) if "," not in fmt else "give one format", param_hint="'--format'") from None
    count, path = export(events, out, fmt, load_layers(layers))
    typer.echo(f"{count} event(s) -> {path}")


def _place_dict(place) -> dict:
    return {"id": place.id, "name": place.name, "lat": place.lat, "lon": place.lon, "kind": place.kind,
            "country": place.country, "admin1": place.admin1, "population": place.population,
            "source": place.source}


@app.command()
@_one_line_errors
def geocode(
    name: Annotated[str, typer.Argument(help="A place name, e.g. Goma or 'Kavumu Airport'.")],
    limit: Annotated[int, typer.Option("--limit", help="How many other candidates to list.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    geocoder: _GeocoderOpt = None,
    geocoder_option: _GeocoderOptionsOpt = None,
) -> None:
    """Look a name up in the offline gazetteer (then online, with --geocoder): the pick
    and the other candidates.

    Example:

        geomap geocode "Kavumu Airport"
    """
    from .geocoders import open_gazetteer

    options = _geocoder_options(geocoder, geocoder_option)
    with open_gazetteer(geocoder, options, progress=_err) as gaz:
        found = gaz.geocode(name, exactly_one=False) or []
    if as_json:
        typer.echo(json.dumps([_place_dict(p) for p in found[: limit + 1]], ensure_ascii=False, indent=1))
        return
    if not found:
        _err(f"Error: {name!r}: not found in the gazetteer" + (f" or by {geocoder}" if geocoder else ""))
        raise typer.Exit(1)
    for i, p in enumerate(found[: limit + 1]):
        mark = "pick " if i == 0 else "     "
        typer.echo(f"{mark}{p.name}\t{p.lat:.5f}, {p.lon:.5f}\t{p.kind}\t{p.country or '-'}\t"
                   f"pop {p.population}\t{p.id}")


@app.command()
@_one_line_errors
def places(
    file: Annotated[Path, typer.Argument(help="One article (.txt, .md, .html).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List the place names found in an article, with offsets and coordinates.

    Example:

        geomap places seeds/drc-ceasefire-calls.txt
    """
    from .documents import read_document
    from .gazetteer import Gazetteer
    from .pipeline import extract_places

    doc = read_document(file)
    with Gazetteer.open(progress=_err) as gaz:
        mentions = extract_places(doc, gaz)
    for m in mentions:
        p = m.place
        if as_json:
            typer.echo(json.dumps({"start": m.start, "end": m.end, "name": m.surface, "role": m.role,
                                   "place": _place_dict(p) if p else None}, ensure_ascii=False))
        elif p is None:
            typer.echo(f"{m.start}-{m.end}\t{m.surface}\tunresolved")
        else:
            typer.echo(f"{m.start}-{m.end}\t{m.surface}\t{p.lat:.5f}, {p.lon:.5f}\t{p.name}\t{p.kind}\t"
                       f"{p.country or '-'}\t{m.role}")


@app.command()
@_one_line_errors
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold corpus, JSON lines: {id, text, toponyms: [{start, end, name, lat, lon}]}.")],
    predictions: Annotated[Optional[Path], typer.Option("--predictions", "-p", help="Also write geomap's predictions here (JSON lines, the shape score_toponyms.py reads).")] = None,
    resolve_only: Annotated[bool, typer.Option("--resolve-only", help="Take the gold names as given and measure resolution only.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as one JSON object.")] = False,
) -> None:
    """Score place finding and resolution against a gold geoparsing corpus.

    Prints recognition precision/recall/F1 and resolution acc@161, AUC, mean and median
    error in km (over the found names that geomap placed), plus the speed.

    Example:

        geomap evaluate ../shared/corpora/lgl.jsonl --resolve-only
    """
    from .evaluate import evaluate as run
    from .gazetteer import Gazetteer

    logger = logging.getLogger("geomap")
    level = logger.level
    logger.setLevel(logging.ERROR)  # unresolved names are scored, not warned
    try:
        with Gazetteer.open(progress=_err) as gaz:
            scores = run(gold, gaz, resolve_only=resolve_only, predictions=predictions)
    finally:
        logger.setLevel(level)
    figures = scores.as_dict()
    if as_json:
        typer.echo(json.dumps(figures))
        return
    mode = "resolution only (gold names given)" if resolve_only else "end to end"
    typer.echo(f"{gold.name}: {figures['articles']} articles, {figures['gold_toponyms']} gold toponyms, {mode}")
    if not resolve_only:
        typer.echo(f"recognition  precision {figures['precision']}  recall {figures['recall']}  "
                   f"F1 {figures['f1']}  ({figures['matched']} of {figures['predicted']} found names match)")
    typer.echo(f"resolution   acc@161 {figures['acc161']}  AUC {figures['auc']}  mean {figures['mean_km']} km  "
               f"median {figures['median_km']} km  ({figures['resolved']} placed of {figures['matched']} matched)")
    typer.echo(f"speed        {figures['articles_per_s']} articles/s, {figures['mb_per_s']} MB/s "
               f"({figures['seconds']} s of extraction and resolution)")
    if predictions is not None:
        typer.echo(f"predictions  {predictions}")


@app.command("layers")
@_one_line_errors
def list_layers(
    layers: Annotated[Optional[Path], typer.Option("--layers", help="Folder of layer definitions.")] = None,
) -> None:
    """List the layer definitions: id, label, geometry, colour and trigger count.

    Example:

        geomap layers --layers layers
    """
    from .layers import load_layers

    for lay in load_layers(layers):
        typer.echo(f"{lay.id}\t{lay.label}\t{lay.geometry}\t{lay.color}\t{lay.icon}\t"
                   f"{len(lay.triggers)} triggers\t{lay.source_file}")


@gazetteer_app.command("build")
@_one_line_errors
def gazetteer_build(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if the index exists.")] = False,
) -> None:
    """Compile the offline gazetteer index into the user's cache folder.

    Example:

        geomap gazetteer build --force
    """
    from .gazetteer import build_index

    path = build_index(force=force, progress=_err)
    typer.echo(f"gazetteer index: {path}")


@gazetteer_app.command("info")
@_one_line_errors
def gazetteer_info() -> None:
    """Show where the gazetteer index is and what it holds.

    Example:

        geomap gazetteer info
    """
    from .gazetteer import Gazetteer

    with Gazetteer.open(progress=_err) as gaz:
        info = gaz.info()
    for key, value in info.items():
        typer.echo(f"{key}: {value}")


@gazetteer_app.command("import")
@_one_line_errors
def gazetteer_import_file(
    file: Annotated[Path, typer.Argument(help="A GeoNames dump (CD.txt, CD.zip, allCountries.zip) or a CSV with name,lat,lon[,country,kind,aliases,population].")],
    replace: Annotated[bool, typer.Option("--replace", help="Drop every earlier import first, keeping only this file's places.")] = False,
) -> None:
    """Add places from a GeoNames dump or a CSV to the offline gazetteer.

    Imported places are kept in imports.sqlite beside the index (rebuilding the index
    keeps them); they replace built-in places with the same id and win ties.
    Importing a file of the same name again replaces its places.

    Example:

        geomap gazetteer import CD.zip
    """
    from .gazetteer_import import import_file

    result = import_file(file, replace=replace, progress=_err)
    typer.echo(f"imported {result.places} places and {result.names} names from {file.name}"
               f" into {result.store} (source {result.source})")


def _terminated(signum, frame):
    """SIGTERM ends the run like Ctrl-C: through the ``finally`` blocks, so no temporary file stays."""
    raise KeyboardInterrupt


def _usage_hint(exc) -> str:
    ctx = getattr(exc, "ctx", None)
    return f"see '{ctx.command_path if ctx is not None else 'geomap'} --help'"


def main() -> None:
    """Console entry point.  Usage errors are one ``Error:`` line (exit 2); geomap errors
    are one ``Error:`` line (exit 1); Ctrl-C is ``Interrupted`` (exit 130), outputs left
    as they were; anything unforeseen is one line too, never a traceback."""
    logging.basicConfig(level=logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(_WarningFormatter())
    with contextlib.suppress(ValueError):  # not in the main thread: keep the default
        signal.signal(signal.SIGTERM, _terminated)
    try:
        code = app(standalone_mode=False)
    except _UsageError as exc:
        message = _one_line(exc.format_message())
        if message:  # no message: typer has printed the help already
            _err(f"Error: {message} ({_usage_hint(exc)})")
        sys.exit(exc.exit_code)
    except typer.Abort:
        _err("Error: aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        _err("Interrupted")
        sys.exit(130)
    except GeomapError as exc:
        _err(f"Error: {_one_line(exc)}")
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("GEOMAP_DEBUG"):
            raise
        _err(f"Error: internal error: {type(exc).__name__}: {_one_line(exc)} (set GEOMAP_DEBUG=1 for a traceback)")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
