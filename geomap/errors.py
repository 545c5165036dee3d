"""geomap's exceptions: one root, each subclass also inherits the builtin it resembles.

Library code raises these; only the CLI turns them into ``Error: ...`` lines.
Messages name the file (or key) and the problem, so ``str(exc)`` is fit to print.
"""
from __future__ import annotations


class GeomapError(Exception):
    """Root of every error geomap raises on purpose."""


class InputError(GeomapError, ValueError):
    """An input document cannot be read or parsed."""

    def __init__(self, path: object, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class LayerError(InputError):
    """A layer definition file is missing, malformed or conflicts with another."""


class GazetteerError(GeomapError, OSError):
    """The gazetteer index cannot be built, opened or read."""


class GeocoderError(GeomapError, RuntimeError):
    """A geocoder failed (as opposed to: found nothing, which is ``None``)."""


class ValidationError(GeomapError, ValueError):
    """An events frame breaks the documented column schema."""


class OutputError(GeomapError, OSError):
    """An output file cannot be written."""


class RenderError(GeomapError, ValueError):
    """A map cannot be rendered as asked (for example an unknown tile provider)."""
