"""geomap: crisis news articles -> geocoded events -> a layered, offline situation map.

The library API mirrors the CLI::

    from geomap import build
    build(["seeds"], "output")
"""
from .errors import GeomapError
from .models import Document, Event, Layer, Mention, Place
from .pipeline import BuildResult, build, extract_document, extract_places

__version__ = "0.1.0"
__all__ = ["BuildResult", "Document", "Event", "GeomapError", "Layer", "Mention", "Place", "build",
           "extract_document", "extract_places", "__version__"]
