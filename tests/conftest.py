"""Shared fixtures: one gazetteer index per test session, built into a temp dir.

The session points ``GEOMAP_CACHE_DIR`` at that dir too, so CLI and pipeline tests that
open the default gazetteer use the same index and never touch the user's cache.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from geomap.gazetteer import Gazetteer, build_index

#: ../shared beside the repository (CI lays a copy there).
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; fails under CI when missing (a skipped test there is no test)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must run with shared/ beside the repository")
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="session")
def gazetteer(tmp_path_factory):
    """The offline gazetteer, built once per session (about 20 s) and opened read-only."""
    cache = tmp_path_factory.mktemp("gazetteer")
    path = build_index(cache)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GEOMAP_CACHE_DIR", str(cache))
        with Gazetteer.open(path, build=False) as gaz:
            yield gaz
