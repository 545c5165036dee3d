"""The CLI: every command has help with an example; errors are one line; build writes outputs."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from geomap.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def all_commands():
    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            for sub in cmd.commands:
                yield [name, sub]
        else:
            yield [name]


@pytest.mark.parametrize("words", list(all_commands()), ids=" ".join)
def test_every_command_has_help_with_an_example(words):
    result = runner.invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output and "geomap " + words[0] in result.output


def test_layers_lists_the_core_layers():
    result = runner.invoke(app, ["layers", "--layers", str(ROOT / "layers")])
    assert result.exit_code == 0
    ids = [line.split("\t")[0] for line in result.output.splitlines()]
    assert {"meeting", "control", "supply_route", "clash", "humanitarian", "ceasefire"} <= set(ids)


def test_bad_layer_folder_is_one_error_line(tmp_path):
    (tmp_path / "x.yaml").write_text("id: x\n", encoding="utf-8")
    result = runner.invoke(app, ["layers", "--layers", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'x.yaml'}: 'label' is required and should be a non-empty string"


def test_missing_input_is_one_error_line(tmp_path, gazetteer):
    result = runner.invoke(app, ["build", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'nope.txt'}: no such file or directory"
    assert not (tmp_path / "out").exists()


def test_unknown_option_exits_nonzero_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "geomap", "build", "--frobnicate"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "No such option" in proc.stderr


def test_build_the_seed(tmp_path, gazetteer):
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(ROOT / "seeds"), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "events.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and data["features"]
    assert (out / "map.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_build_skips_bad_files_and_strict_fails(tmp_path, gazetteer):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.txt").write_text("Rebels seized Goma on January 27, 2025.", encoding="utf-8")
    (inputs / "empty.txt").write_text("", encoding="utf-8")
    result = runner.invoke(app, ["build", str(inputs), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0
    assert f"Warning: {inputs / 'empty.txt'}: file is empty (skipped)" in result.output
    strict = runner.invoke(app, ["build", str(inputs), "--out", str(tmp_path / "out2"), "--strict"])
    assert strict.exit_code == 1
    assert strict.output.strip().splitlines()[-1] == f"Error: {inputs / 'empty.txt'}: file is empty"
    assert "Traceback" not in strict.output
    assert not (tmp_path / "out2").exists()


def test_places_and_geocode(gazetteer):
    result = runner.invoke(app, ["places", str(ROOT / "seeds" / "drc-ceasefire-calls.txt"), "--json"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    text = (ROOT / "seeds" / "drc-ceasefire-calls.txt").read_text(encoding="utf-8")
    assert all(text[r["start"]:r["end"]] == r["name"] for r in rows)
    assert any(r["name"] == "Kavumu Airport" and r["place"] for r in rows)
    result = runner.invoke(app, ["geocode", "Goma", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)[0]["country"] == "CD"


def test_unresolved_names_of_a_feed_are_counted_not_all_listed():
    from geomap.cli import unresolved_summary

    few = [("a.txt", "Zorbutanga"), ("b.txt", "Zorbutanga"), ("a.txt", "Kwamouth East")]
    assert unresolved_summary(few) == \
        "Unresolved place names: Kwamouth East (a.txt), Zorbutanga (a.txt), Zorbutanga (b.txt)"
    many = [(f"{n}.txt", f"Place{n:03d}") for n in range(100)] + [("x.txt", "Place050")] * 4
    line = unresolved_summary(many, limit=3)
    assert line == ("Unresolved place names: 100 distinct in 104 mentions; most frequent:"
                    " Place050 x5, Place000, Place001, and 97 more")
