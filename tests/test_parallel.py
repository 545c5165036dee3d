"""Dask: a local cluster of two worker processes gives the serial run's bytes."""
import datetime as dt
import json
import logging
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from geomap import parallel  # noqa: E402
from geomap.pipeline import build  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 28)
INPUTS = [ROOT / "seeds", ROOT / "tests" / "data" / "feed", ROOT / "tests" / "data" / "articles"]


@pytest.fixture(scope="module")
def serial(tmp_path_factory, gazetteer):
    out = tmp_path_factory.mktemp("serial")
    build(INPUTS, out, gazetteer=gazetteer, today=TODAY, map_html=False)
    return (out / "events.geojson").read_bytes()


def test_local_cluster_output_equals_serial_byte_for_byte(serial, tmp_path, gazetteer, caplog):
    def warnings():
        return [r.getMessage() for r in caplog.records if r.name == "geomap" and r.levelno >= logging.WARNING]

    with caplog.at_level(logging.WARNING, logger="geomap"):
        build(INPUTS, tmp_path / "serial", gazetteer=gazetteer, today=TODAY, map_html=False)
        told = warnings()
        caplog.clear()
        build(INPUTS, tmp_path, gazetteer=gazetteer, today=TODAY, map_html=False, workers=2, batch_size=3)
    assert (tmp_path / "events.geojson").read_bytes() == serial
    assert len(json.loads(serial)["features"]) > 20
    assert told and warnings() == told  # the workers' warnings, replayed in the serial order


def test_an_existing_scheduler_and_one_gazetteer_per_worker(serial, tmp_path, gazetteer):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        for run in ("a", "b"):
            build(INPUTS, tmp_path / run, gazetteer=gazetteer, today=TODAY, map_html=False,
                  scheduler=cluster.scheduler_address, batch_size=2)
            assert (tmp_path / run / "events.geojson").read_bytes() == serial
        opened = client.run(lambda: parallel.OPENED)
    assert sorted(opened.values()) == [1, 1]  # each worker opened it once, for some 15 batches


def test_an_unreachable_scheduler_is_one_error_line(tmp_path, monkeypatch, gazetteer):
    from typer.testing import CliRunner

    from geomap.cli import app

    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", "1s")
    result = CliRunner().invoke(app, ["build", str(ROOT / "seeds"), "--out", str(tmp_path), "-q",
                                      "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'")
    assert not any(tmp_path.iterdir())
