"""The layer definitions shipped with geomap (the *.yaml files in this folder)."""
