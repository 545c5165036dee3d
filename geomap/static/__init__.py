"""geomap's own page script and stylesheet, inlined into every map."""
