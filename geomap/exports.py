"""Events frame -> files GIS users open without edits: GeoJSON, GeoPackage, CSV (+HXL), KML, GeoParquet.

Every writer takes the validated events frame (see :mod:`geomap.frame`) and writes one
file atomically: a temporary file in the same folder, renamed into place, removed on
failure.  The tabular formats share one flat table, :func:`flat_table`, whose columns
speak the field's language (ACLED-style ``event_type``/``sub_event_type``,
``actor1``/``actor2``, ``geo_precision``, ``time_precision``, ``notes``) beside geomap's
own (confidence, offsets, ids).  ``docs/formats.md`` documents every column.

Outputs are deterministic: the same frame gives the same bytes in every format
(GeoPackage: GDAL's ``OGR_CURRENT_DATE`` is pinned, so its timestamps are fixed).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import geopandas as gpd
import pandas as pd
import shapely

from .atomic import write_all, write_atomic
from .errors import InputError, OutputError
from .frame import CRS, dumps_geojson, plain, time_precision, validate_frame
from .models import Layer

log = logging.getLogger("geomap")

#: format name -> file extension, in the order outputs are written
FORMATS: dict[str, str] = {"geojson": ".geojson", "gpkg": ".gpkg", "csv": ".csv", "kml": ".kml",
                           "parquet": ".parquet"}
#: fixed timestamp GDAL writes into GeoPackage metadata, so that a GeoPackage is reproducible
GPKG_DATE = "2000-01-01T00:00:00.000Z"

#: geo_precision (ACLED): 1 exact place, 2 near it or part of a region, 3 provincial capital or coarser
GEO_PRECISION = {"exact": 1, "near": 2, "admin1": 3, "country": 3, "inferred": 3}

#: (column, HXL hashtag, pandas dtype) of the flat table, in order
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "#event+code", "str"),
    ("event_date", "#date+occurred", "date"),
    ("time_precision", "#date+precision", "Int64"),
    ("event_type", "#event+type", "str"),
    ("sub_event_type", "#event+type+sub", "str"),
    ("actor1", "#group+name+first", "str"),
    ("actor2", "#group+name+second", "str"),
    ("other_actors", "#group+name+other", "str"),
    ("country", "#country+code", "str"),
    ("location", "#loc+name", "str"),
    ("lat", "#geo+lat", "float"),
    ("lon", "#geo+lon", "float"),
    ("geo_precision", "#geo+precision", "Int64"),
    ("precision", "#geo+precision+label", "str"),
    ("inferred", "#geo+inferred", "bool"),
    ("location_note", "#geo+note", "str"),
    ("place_id", "#loc+code", "str"),
    ("source", "#meta+source", "str"),
    ("source_url", "#meta+url", "str"),
    ("title", "#meta+title", "str"),
    ("notes", "#description", "str"),
    ("date_text", "#date+text", "str"),
    ("confidence", "#meta+confidence", "float"),
    ("mentions", "#meta+count", "Int64"),
    ("doc_id", "#meta+doc", "str"),
    ("evidence_start", "#meta+offset+start", "Int64"),
    ("evidence_end", "#meta+offset+end", "Int64"),
    ("place_start", "#loc+offset+start", "Int64"),
    ("place_end", "#loc+offset+end", "Int64"),
    ("merged_id", "#event+code+merged", "str"),
    ("corroboration", "#meta+count+sources", "Int64"),
    ("sources", "#meta+source+list", "str"),
    ("contradicts", "#event+code+contradicts", "str"),
)
FLAT_COLUMNS = tuple(name for name, *_ in COLUMNS)
#: CSV only: the whole geometry as WKT (lines keep every vertex; lat/lon is the first vertex)
WKT_COLUMN = ("geometry_wkt", "#geo+wkt")

def parse_formats(value: str | Iterable[str]) -> tuple[str, ...]:
    """``"geojson,csv"`` -> ``("geojson", "csv")``; raise ``ValueError`` naming an unknown format."""
    items = value.split(",") if isinstance(value, str) else [p for v in value for p in v.split(",")]
    out: list[str] = []
    for item in (i.strip().lower().lstrip(".") for i in items):
        if not item:
            continue
        item = {"json": "geojson", "geoparquet": "parquet", "geopackage": "gpkg"}.get(item, item)
        if item not in FORMATS:
            raise ValueError(f"unknown format {item!r}; known: {', '.join(FORMATS)}")
        if item not in out:
            out.append(item)
    if not out:
        raise ValueError(f"no format given; known: {', '.join(FORMATS)}")
    return tuple(out)


def format_of(path: Path | str) -> str | None:
    """The format a file name's extension names (``.json`` is GeoJSON), or ``None``."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return "geojson"
    return next((name for name, ext in FORMATS.items() if ext == suffix), None)


def _first_vertex(geom) -> tuple[float, float]:
    lon, lat = geom.coords[0][:2]
    return round(float(lat), 6), round(float(lon), 6)


def flat_table(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The events as a flat table in :data:`COLUMNS` order (one value per cell), with geometry."""
    rows = []
    for row in frame.itertuples(index=False):
        get = lambda name: plain(getattr(row, name, None))  # noqa: E731
        actors = [a for a in (row.actors or ()) if a]
        lat, lon = _first_vertex(row.geometry)
        date = get("date")
        tp = get("time_precision")
        rows.append({
            "event_id": row.id,
            "event_date": dt.date.fromisoformat(date) if date else None,
            "time_precision": int(tp) if tp is not None else time_precision(date, get("date_text")),
            "event_type": row.event_type,
            "sub_event_type": get("sub_event_type"),
            "actor1": actors[0] if actors else None,
            "actor2": actors[1] if len(actors) > 1 else None,
            "other_actors": "; ".join(actors[2:]) or None,
            "country": get("country"),
            "location": row.place,
            "lat": lat,
            "lon": lon,
            "geo_precision": GEO_PRECISION.get(row.precision, 3),
            "precision": row.precision,
            "inferred": bool(row.inferred),
            "location_note": get("note"),
            "place_id": get("place_id"),
            "source": get("source"),
            "source_url": get("url"),
            "title": get("title"),
            "notes": get("evidence"),
            "date_text": get("date_text"),
            "confidence": float(row.confidence),
            "mentions": int(row.mentions),
            "doc_id": get("doc_id"),
            "evidence_start": get("start"),
            "evidence_end": get("end"),
            "place_start": get("place_start"),
            "place_end": get("place_end"),
            "merged_id": get("merged_id") or row.id,
            "corroboration": get("corroboration") or 1,
            "sources": "; ".join(getattr(row, "sources", None) or [row.source]),
            "contradicts": "; ".join(getattr(row, "contradicts", None) or ()) or None,
        })
    table = pd.DataFrame(rows, columns=list(FLAT_COLUMNS))
    for name, _, kind in COLUMNS:
        if kind == "Int64":
            table[name] = pd.array([plain(v) for v in table[name]], dtype="Int64")
        elif kind == "bool":
            table[name] = table[name].astype(bool)
        elif kind == "float":
            table[name] = table[name].astype(float)
        elif kind == "str":
            table[name] = pd.Series([plain(v) for v in table[name]], index=table.index, dtype=object)
    return gpd.GeoDataFrame(table, geometry=list(frame.geometry), crs=CRS)


# ---------------------------------------------------------------- writing


def _csv_cell(value, kind: str) -> str:
    value = plain(value)
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "date":
        return value.isoformat()
    if kind == "float":
        return repr(float(value))
    return str(value)


#: a text cell starting with one of these is a formula to a spreadsheet (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defuse(cell: str) -> str:
    """Prefix ``'`` to a text cell a spreadsheet would run as a formula; the importer removes it."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def csv_text(frame: gpd.GeoDataFrame) -> str:
    """CSV: a header row, an HXL hashtag row, then one row per event (lat/lon + WKT geometry)."""
    table = flat_table(frame)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*FLAT_COLUMNS, WKT_COLUMN[0]])
    writer.writerow([tag for _, tag, _ in COLUMNS] + [WKT_COLUMN[1]])
    kinds = [kind for *_, kind in COLUMNS]
    for values, geom in zip(table[list(FLAT_COLUMNS)].itertuples(index=False), table.geometry):
        writer.writerow([_defuse(_csv_cell(v, k)) if k == "str" else _csv_cell(v, k) for v, k in zip(values, kinds)]
                        + [shapely.to_wkt(geom, rounding_precision=6, trim=True)])
    return buf.getvalue()


def _kml_color(hex_rgb: str, alpha: str = "ff") -> str:
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha}{b}{g}{r}".lower()  # KML colours are aabbggrr


def _layer_for(event_type: str, layers: dict[str, Layer]) -> Layer:
    return layers.get(event_type) or Layer(id=event_type, label=event_type, color="#777777")


def kml_text(frame: gpd.GeoDataFrame, layers: Sequence[Layer] = ()) -> str:
    """KML 2.2: one Folder per layer, one Placemark per event with the layer's colour,
    a ``<TimeStamp>`` when the event is dated, and every column as ExtendedData."""
    table = flat_table(frame)
    by_id = {layer.id: layer for layer in layers}
    types = sorted(set(table["event_type"]), key=lambda t: (_layer_for(t, by_id).order, t))
    kinds = {name: kind for name, _, kind in COLUMNS}
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<kml xmlns="http://www.opengis.net/kml/2.2">',
           "<Document>", "<name>geomap events</name>", '<Schema name="events" id="events">']
    kml_types = {"str": "string", "date": "string", "Int64": "int", "float": "double", "bool": "bool"}
    out += [f'<SimpleField name="{name}" type="{kml_types[kind]}"/>' for name, _, kind in COLUMNS]
    out.append("</Schema>")
    for etype in types:
        layer = _layer_for(etype, by_id)
        color = _kml_color(layer.color)
        out.append(f'<Style id={quoteattr("layer-" + etype)}><IconStyle><color>{color}</color></IconStyle>'
                   f"<LineStyle><color>{color}</color><width>3</width></LineStyle></Style>")
    for etype in types:
        layer = _layer_for(etype, by_id)
        out += ["<Folder>", f"<name>{escape(etype)}</name>", f"<description>{escape(layer.label)}</description>"]
        rows = table[table["event_type"] == etype]
        for rec, geom in zip(rows[list(FLAT_COLUMNS)].to_dict("records"), rows.geometry):
            out.append(f"<Placemark id={quoteattr(rec['event_id'])}>")
            out.append(f"<name>{escape(rec['location'])}</name>")
            if rec.get("notes"):
                out.append(f"<description>{escape(rec['notes'])}</description>")
            if plain(rec["event_date"]) is not None:
                out.append(f"<TimeStamp><when>{rec['event_date'].isoformat()}</when></TimeStamp>")
            out.append(f"<styleUrl>#layer-{escape(etype)}</styleUrl>")
            out.append('<ExtendedData><SchemaData schemaUrl="#events">')
            for name in FLAT_COLUMNS:
                cell = _csv_cell(rec[name], kinds[name])
                if cell != "":
                    out.append(f'<SimpleData name="{name}">{escape(cell)}</SimpleData>')
            out.append("</SchemaData></ExtendedData>")
            coords = " ".join(f"{round(x, 6)!r},{round(y, 6)!r}" for x, y in
                              ((float(c[0]), float(c[1])) for c in geom.coords))
            tag = "Point" if geom.geom_type == "Point" else "LineString"
            extra = "" if tag == "Point" else "<tessellate>1</tessellate>"
            out.append(f"<{tag}>{extra}<coordinates>{coords}</coordinates></{tag}>")
            out.append("</Placemark>")
        out.append("</Folder>")
    out += ["</Document>", "</kml>"]
    return "\n".join(out) + "\n"


def gpkg_tables(frame: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """GeoPackage tables: one per layer (``<layer>`` for points, ``<layer>_lines`` for lines) and ``places``."""
    table = flat_table(frame)
    tables: dict[str, gpd.GeoDataFrame] = {}
    for etype in sorted(set(table["event_type"])):
        rows = table[table["event_type"] == etype]
        for kind, suffix in (("Point", ""), ("LineString", "_lines")):
            part = rows[rows.geometry.geom_type == kind]
            if len(part):
                tables[etype + suffix] = part.reset_index(drop=True)
    tables["places"] = places_table(table)
    return tables


def places_table(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per place where point events sit: name, gazetteer id, country, coordinates, counts, dates."""
    points = table[table.geometry.geom_type == "Point"]
    rows = {}
    for rec in points.itertuples(index=False):
        key = (rec.location, plain(rec.place_id) or "", rec.lat, rec.lon)
        row = rows.setdefault(key, {"location": rec.location, "place_id": plain(rec.place_id),
                                    "country": plain(rec.country), "lat": rec.lat, "lon": rec.lon,
                                    "geo_precision": rec.geo_precision, "events": 0, "event_types": set(),
                                    "first_date": None, "last_date": None})
        row["events"] += 1
        row["event_types"].add(rec.event_type)
        row["geo_precision"] = min(row["geo_precision"], rec.geo_precision)
        date = plain(rec.event_date)
        if date is not None:
            row["first_date"] = min(filter(None, (row["first_date"], date)))
            row["last_date"] = max(filter(None, (row["last_date"], date)))
    ordered = [rows[k] for k in sorted(rows)]
    for row in ordered:
        row["event_types"] = ", ".join(sorted(row["event_types"]))
    columns = ["location", "place_id", "country", "lat", "lon", "geo_precision", "events", "event_types",
               "first_date", "last_date"]
    places = pd.DataFrame(ordered, columns=columns)
    for name in ("place_id", "country", "first_date", "last_date"):
        places[name] = pd.Series([plain(v) for v in places[name]], index=places.index, dtype=object)
    for name in ("geo_precision", "events"):
        places[name] = places[name].astype("int64")
    geoms = gpd.points_from_xy(places["lon"].astype(float), places["lat"].astype(float))
    return gpd.GeoDataFrame(places, geometry=geoms, crs=CRS)


def _write_gpkg(frame: gpd.GeoDataFrame) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        import pyogrio

        previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
        try:
            for name, table in gpkg_tables(frame).items():
                pyogrio.write_dataframe(table, tmp, layer=name, driver="GPKG", use_arrow=True)
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return write


def _require_pyarrow(path: Path) -> None:
    """Fail before anything is written when GeoParquet cannot be."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise OutputError(f"{path}: GeoParquet needs pyarrow: pip install 'geomap[parquet]'") from None


def _write_parquet(frame: gpd.GeoDataFrame) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        flat_table(frame).to_parquet(tmp, index=False, compression="zstd", schema_version="1.1.0")
    return write


def writer_for(fmt: str, frame: gpd.GeoDataFrame, layers: Sequence[Layer] = ()) -> str | Callable[[Path], None]:
    """``frame`` in format ``fmt``: the text of a text format, else a function writing it to a path."""
    if fmt == "geojson":
        return dumps_geojson(frame)
    if fmt == "csv":
        return csv_text(frame)
    if fmt == "kml":
        return kml_text(frame, layers)
    if fmt == "gpkg":
        return _write_gpkg(frame)
    if fmt == "parquet":
        return _write_parquet(frame)
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def write_events(frame: gpd.GeoDataFrame, path: Path | str, fmt: str | None = None,
                 layers: Sequence[Layer] = (), *, validate: bool = True) -> Path:
    """Write ``frame`` to ``path`` in ``fmt`` (default: from the extension), atomically.

    ``validate=False`` skips :func:`~geomap.frame.validate_frame` for a frame already checked.
    """
    path = Path(path)
    fmt = fmt or format_of(path)
    if fmt is None:
        raise OutputError(f"{path}: cannot tell the format from the extension; give one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        _require_pyarrow(path)
    write_atomic(path, writer_for(fmt, validate_frame(frame) if validate else frame, layers))
    return path


def output_writers(frame: gpd.GeoDataFrame, out_dir: Path | str, formats: Sequence[str] = ("geojson",),
                   layers: Sequence[Layer] = (), *, validate: bool = True
                   ) -> dict[str, tuple[Path, str | Callable[[Path], None]]]:
    """``{format: (out_dir/events.<ext>, writer)}`` for :func:`geomap.atomic.write_all`.

    Checks what can be checked before anything is written (the frame unless
    ``validate=False`` says it is checked already, pyarrow for GeoParquet).
    """
    out_dir = Path(out_dir)
    if "parquet" in formats:  # fail before writing anything, not after the first formats
        _require_pyarrow(out_dir / f"events{FORMATS['parquet']}")
    if validate:
        validate_frame(frame)
    return {fmt: (out_dir / f"events{FORMATS[fmt]}", writer_for(fmt, frame, layers)) for fmt in formats}


def write_outputs(frame: gpd.GeoDataFrame, out_dir: Path | str, formats: Sequence[str] = ("geojson",),
                  layers: Sequence[Layer] = ()) -> dict[str, Path]:
    """Write ``out_dir/events.<ext>`` for each format, all or none; return ``{format: path}``."""
    writers = output_writers(frame, out_dir, formats, layers)
    write_all({path: write for path, write in writers.values()})
    return {fmt: path for fmt, (path, _) in writers.items()}


def export(source: Path | str, out: Path | str, fmt: str | None = None,
           layers: Sequence[Layer] = ()) -> tuple[int, Path]:
    """Convert an events file (any format geomap writes, or ACLED CSV, or GeoJSON) to ``out``.

    Returns (number of events, path written).
    """
    from .importers import read_events

    frame = read_events(source)
    if fmt is None and format_of(out) is None:
        raise InputError(out, f"cannot tell the format from the extension; use --format ({', '.join(FORMATS)})")
    return len(frame), write_events(frame, out, fmt, layers)
