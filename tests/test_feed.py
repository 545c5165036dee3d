"""Feeds: JSON-lines files, glob patterns, lazy reading, progress and --no-map."""
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geomap.cli import app
from geomap.documents import count_documents, iter_documents, iter_inputs, jsonl_document
from geomap.errors import InputError
from geomap.pipeline import Progress, build

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "drc-ceasefire-calls.txt"
FEED = ROOT / "tests" / "data" / "feed"
TODAY = dt.date(2026, 11, 28)


def write_jsonl(path: Path, lines: list) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def feed(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    return write_jsonl(tmp_path / "feed.jsonl", [
        {"id": "a1", "text": text, "published": "2025-02-21", "title": "Seed"},
        "{not json",
        {"id": "a2", "text": "   "},
        {"id": "a3", "text": "M23 rebels captured Goma on January 27, 2025.", "source": "wire-42.txt"},
        "",
        {"id": "a4", "text": "Nothing happened anywhere.", "published": "last week"},
        {"id": "a1", "text": "A second record with a used id."},
        ["a", "list"],
    ])


def test_jsonl_good_lines_become_documents_and_bad_lines_name_file_and_line(feed):
    problems = []
    docs = list(iter_documents([feed], on_skip=problems.append))
    assert [d.source for d in docs] == ["feed.jsonl#a1", "wire-42.txt"]
    assert docs[0].published == dt.date(2025, 2, 21) and docs[0].title == "Seed"
    assert docs[0].path == f"{feed}:1"
    where = [(p.path.rsplit(":", 1)[1], p.problem) for p in problems]
    assert [line for line, _ in where] == ["2", "3", "6", "7", "8"]
    assert "not valid JSON" in where[0][1]
    assert "'text' should be a non-empty string" in where[1][1]
    assert "'published' should be a date" in where[2][1]
    assert "a second document with source 'feed.jsonl#a1'" in where[3][1]
    assert "expected a JSON object, got list" in where[4][1]


def test_strict_stops_at_the_first_bad_line(feed):
    with pytest.raises(InputError, match=r"feed\.jsonl:2: not valid JSON"):
        list(iter_documents([feed], strict=True))


def test_jsonl_ids_are_stable_and_unique_per_file(tmp_path):
    record = {"id": 7, "text": "Fighting in Goma."}
    a = jsonl_document(record, tmp_path / "a.jsonl", 1)
    again = jsonl_document(record, tmp_path / "a.jsonl", 9)
    b = jsonl_document(record, tmp_path / "b.jsonl", 1)
    assert a.id == again.id and a.id != b.id
    assert a.source == "a.jsonl#7"


def test_reading_is_lazy(tmp_path):
    path = write_jsonl(tmp_path / "f.jsonl", [{"id": "1", "text": "One."}, "broken", {"id": "2", "text": "Two."}])
    problems = []
    docs = iter_documents([path], on_skip=problems.append)
    assert next(docs).source == "f.jsonl#1" and problems == []  # line 2 not read yet
    assert next(docs).source == "f.jsonl#2" and len(problems) == 1


def test_globs_folders_and_files_expand_in_sorted_order_without_repeats(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("b.txt", "a.md", "sub/c.jsonl", "sub/d.txt", ".hidden/e.txt", "notes.csv"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    names = lambda items: [p.relative_to(tmp_path).as_posix() for p in iter_inputs(items)]  # noqa: E731
    assert names([tmp_path]) == ["a.md", "b.txt", "sub/c.jsonl", "sub/d.txt"]
    assert names([str(tmp_path / "**" / "*.txt")]) == ["b.txt", "sub/d.txt"]
    assert names([str(tmp_path / "*.md"), tmp_path / "a.md", str(tmp_path / "sub" / "*")]) == \
        ["a.md", "sub/c.jsonl", "sub/d.txt"]
    with pytest.raises(InputError, match=r"\*\.pdf: the pattern matches no article"):
        list(iter_inputs([str(tmp_path / "*.pdf")]))


def test_count_documents_counts_jsonl_lines(feed, tmp_path):
    assert count_documents([feed, SEED]) == 8  # 7 non-blank lines + 1 article


def test_progress_reports_done_of_total_and_rate():
    lines = []
    meter = Progress(lines.append, total=4, every=10.0)
    times = iter([0.0, 1.0, 2.0, 4.0, 5.0])
    meter.clock = lambda: next(times)
    meter.started = meter.clock()
    meter.advance(1, "a.txt")  # first: shown
    meter.advance(1, "b.txt")  # within 10 s: throttled
    meter.advance(2, "d.txt", final=False)
    meter.advance(0, final=True)
    assert lines == ["[1/4] documents, 1.0/s  a.txt", "[4/4] documents, 0.8/s"]


def test_build_reads_a_jsonl_feed_and_lists_bad_lines(feed, tmp_path, gazetteer):
    result = build([feed], tmp_path / "out", gazetteer=gazetteer, today=TODAY, map_html=False)
    assert result.documents == 2 and len(result.skipped) == 5
    assert any(path == f"{feed}:2" for path, _ in result.skipped)  # the CLI prints each as one warning line
    sources = {f["properties"]["source"] for f in
               json.loads((tmp_path / "out" / "events.geojson").read_text(encoding="utf-8"))["features"]}
    assert sources == {"feed.jsonl#a1", "wire-42.txt"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["events.geojson"]


def test_a_feed_gives_the_same_events_as_the_files(tmp_path, gazetteer):
    """The same article as a file or as a JSON line: the same events, but for the source."""
    build([SEED], tmp_path / "file", gazetteer=gazetteer, today=TODAY, map_html=False)
    feed = write_jsonl(tmp_path / "f.jsonl", [{"id": "x", "text": SEED.read_text(encoding="utf-8"),
                                               "source": SEED.name}])
    build([feed], tmp_path / "feed", gazetteer=gazetteer, today=TODAY, map_html=False)
    strip = lambda fs: sorted((json.dumps(f["geometry"]), json.dumps({  # noqa: E731
        k: v for k, v in f["properties"].items() if k not in ("doc_id", "merged_id", "contradicts")},
        sort_keys=True)) for f in fs)
    features = [json.loads((tmp_path / d / "events.geojson").read_text(encoding="utf-8"))["features"]
                for d in ("file", "feed")]
    assert strip(features[0]) == strip(features[1])


def test_cli_no_map_glob_and_progress(tmp_path, gazetteer):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(FEED / "goma-*.md"), "--out", str(out), "--no-map",
                                      "--today", "2026-11-28"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["events.geojson"]
    assert "[3/3] documents" in result.output
    assert "3 article(s), " in result.output and "map.html" not in result.output.splitlines()[-1]


def test_cli_strict_bad_line_is_one_error_line(tmp_path, gazetteer):
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "1", "text": "Fighting in Goma."}, "[1,"])
    result = CliRunner().invoke(app, ["build", str(bad), "--out", str(tmp_path / "o"), "--strict", "-q"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(f"Error: {bad}:2: not valid JSON")


def test_cli_workers_and_scheduler_exclude_each_other(tmp_path):
    result = CliRunner().invoke(app, ["build", str(SEED), "--workers", "2", "--scheduler", "tcp://x:1"])
    assert result.exit_code == 2
    assert "not both" in result.output
