"""Broken and hostile input (issue 7): one clear line per problem, never a traceback,
nothing half-written.

- read_document: empty, binary, mis-encoded, oversized and malformed files raise one
  :class:`InputError` naming the file; encodings are detected or fall back with a warning.
- layer files: malformed or conflicting definitions are one ``LayerError`` line.
- the real ``geomap`` process: ``Error: <file>: <problem>`` on stderr (exactly one line),
  exit 1 (usage errors exit 2), ``--help`` still works, a batch skips bad files.
- Ctrl-C (SIGINT) or SIGTERM mid-run, or an interrupt while writing, leaves the
  previous outputs byte-identical and no temporary file; the CLI says ``Interrupted``
  and exits 130.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geomap import pipeline
from geomap.documents import read_document
from geomap.errors import InputError, LayerError
from geomap.layers import load_layers

REPO = Path(__file__).resolve().parent.parent
HOSTILE = REPO / "tests" / "data" / "hostile"
GOOD = "M23 rebels seized Goma on Monday, January 27, 2025.\n"
#: A real 1x1 PNG, to be renamed .txt.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
LAUGHS = ("---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
          "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
          "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
          "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
          "title: *h\npublished: *h\n---\n" + GOOD)


# -- documents -------------------------------------------------------------------------

@pytest.mark.parametrize("name, content, problem", [
    ("empty.txt", b"", "file is empty"),
    ("blank.md", b" \n\t\r\n", "file is empty"),
    ("bom-only.txt", b"\xef\xbb\xbf  \n", "file is empty"),
    ("image.txt", PNG, "looks like a binary file (NUL bytes), not text"),
    ("nul.md", b"Goma\x00\x00\x00\x01\x02", "looks like a binary file (NUL bytes), not text"),
    ("controls.txt", bytes(range(1, 9)) * 200, "looks like a binary file (control characters), not text"),
    ("bad-utf16.txt", b"\xff\xfe" + b"\x00\xd8" * 3, "starts with a UTF-16-LE byte-order mark but is not valid UTF-16-LE"),
    ("unclosed.md", b"---\ntitle: [unclosed\n---\nbody\n", "malformed YAML front matter at line 2: expected ',' or ']'"),
    ("tab.md", b"---\ntitle: x\n\tpublished: 2025-01-01\n---\nbody\n", "malformed YAML front matter"),
    ("python-tag.md", b"---\ntitle: !!python/object/apply:os.system ['echo pwned']\n---\nbody\n",
     "could not determine a constructor for the tag"),
    ("laughs.md", LAUGHS.encode(), "malformed YAML front matter at line 3: aliases are not allowed"),
    ("deep.md", b"---\ntitle: " + b"[" * 20000 + b"]" * 20000 + b"\n---\nbody\n", "nested too deeply"),
    ("list.md", b"---\n- a\n- b\n---\nbody\n", "front matter should be a mapping"),
    ("string.md", b"---\njust a string\n---\nbody\n", "front matter should be a mapping"),
    ("bad-date.md", b"---\npublished: sometime soon\n---\nbody\n", "front matter 'published' should be a date like 2025-02-21, got 'sometime soon'"),
    ("month-13.md", b"---\npublished: 2025-13-45\n---\nbody\n", "malformed YAML front matter: 'month must be in 1..12'"),
    ("day-99.md", b"---\npublished: 2025-02-30 10:00:00\n---\nbody\n", "malformed YAML front matter: 'day is out of range"),
    ("list-date.md", b"---\npublished: [2025-01-01]\n---\nbody\n", "'published' should be a date like 2025-02-21, got a list"),
    ("long-date.md", b"---\npublished: '" + b"9" * 100_000 + b"'\n---\nbody\n", "got '9999"),
    ("list-title.md", b"---\ntitle: [a, b]\n---\nbody\n", "front matter 'title' should be text, got a list"),
    ("no-body.md", b"---\ntitle: x\n---\n", "no text after the front matter"),
    ("doc.pdf", b"%PDF-1.4", "unsupported file type '.pdf'"),
])
def test_broken_documents_are_one_line_naming_the_file(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    started = time.monotonic()
    with pytest.raises(InputError) as info:
        read_document(path)
    assert time.monotonic() - started < 10
    message = str(info.value)
    assert message.startswith(f"{path}: ") and problem in message
    assert "\n" not in message and len(message) < 300


@pytest.mark.parametrize("data, text, warning", [
    ("Aid reached Bangui caf\u00e9 \u2014 \u00ablibert\u00e9\u00bb".encode("utf-8"), "caf\u00e9", None),
    (b"\xef\xbb\xbf" + "Kharkiv \u2014 caf\u00e9".encode("utf-8"), "Kharkiv \u2014 caf\u00e9", None),
    ("\ufeffKharkiv \u0425\u0430\u0440\u043a\u0456\u0432".encode("utf-16-le"), "\u0425\u0430\u0440\u043a\u0456\u0432", None),
    ("\ufeffKharkiv \u0425\u0430\u0440\u043a\u0456\u0432".encode("utf-16-be"), "Kharkiv", None),
    ("\ufeffGoma \U0001F525".encode("utf-32-le"), "Goma \U0001F525", None),
    ("Rebels seized Goma on Monday.".encode("utf-16-le"), "Rebels seized Goma",
     "not valid UTF-8; read as UTF-16-LE (no byte-order mark)"),
    ("Troops entered Bangui \u2014 \u201ccaf\u00e9\u201d closed.".encode("cp1252"), "\u201ccaf\u00e9\u201d",
     "not valid UTF-8; read as Windows-1252"),
    (b"Goma \x81\x8d caf\xe9", "caf\u00e9", "not valid UTF-8; read as Latin-1"),
    (b"Goma\r\nBukavu\rUvira", "Goma\nBukavu\nUvira", None),
    (b"Goma " * 3000 + b"\x00 stray NUL", "Goma   stray NUL", None),
], ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-32-bom", "utf-16-no-bom", "cp1252", "latin-1",
        "crlf", "stray-nul"])
def test_encodings_are_detected_or_fall_back_with_a_warning(tmp_path, caplog, data, text, warning):
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    doc = read_document(path)
    assert text in doc.text
    assert "\x00" not in doc.text and "\ufeff" not in doc.text[:1]
    if warning:
        assert f"{path}: {warning}" in caplog.text
    else:
        assert "not valid UTF-8" not in caplog.text


def test_a_50_mb_file_is_refused_by_size_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # sparse: instant, and takes no disk space
        fh.truncate(50 * 1024 * 1024)
    monkeypatch.delenv("GEOMAP_MAX_BYTES", raising=False)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(InputError) as info:
        read_document(path)
    assert str(info.value) == (f"{path}: file is too large (50.0 MB; the limit is 2.0 MB, "
                               "set GEOMAP_MAX_BYTES to change it)")


def test_the_size_limit_is_configurable(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text(GOOD * 100, encoding="utf-8")
    monkeypatch.setenv("GEOMAP_MAX_BYTES", "1000")
    with pytest.raises(InputError, match=r"file is too large \(0\.0 MB; the limit is 0\.0 MB"):
        read_document(path)
    monkeypatch.setenv("GEOMAP_MAX_BYTES", str(len(GOOD) * 100))
    assert read_document(path).text == GOOD * 100


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/x", "https://ok.example/\"><script>alert(1)</script>",
    "https://ok.example/ onmouseover=alert(1)",
])
def test_hostile_source_urls_are_dropped_with_a_warning(tmp_path, caplog, url):
    path = tmp_path / "a.md"
    path.write_text(f"---\nsource: {json.dumps(url)}\n---\n{GOOD}", encoding="utf-8")
    assert read_document(path).url is None
    assert f"{path}: source URL" in caplog.text and "not an http(s) link" in caplog.text


def test_hostile_articles_read_verbatim(tmp_path):
    doc = read_document(HOSTILE / "script-tags.md")
    assert doc.url is None and doc.title.startswith("Goma falls <script>")
    assert "<img src=x onerror=" in doc.text  # kept as text: escaping is the renderer's job
    html = read_document(HOSTILE / "page.html")
    assert "window.__pwned = 7" not in html.text and html.url is None
    assert "<script>window.__pwned=9</script>" in html.text  # the entities, decoded once, are text


# -- layer files -----------------------------------------------------------------------

@pytest.mark.parametrize("files, culprit, problem", [
    ({"a.yaml": "id: a\nlabel: A\ntriggers: [x]\n", "b.yml": "id: a\nlabel: B\ntriggers: [y]\n"},
     "b.yml", "layer id 'a' is already defined in a.yaml"),
    ({"a.yaml": ""}, "a.yaml", "should hold a mapping"),
    ({"a.yaml": b"\xff\xfe\x00garbage"}, "a.yaml", "cannot read"),
    ({"a.yaml": "id: a\nlabel: A\ntriggers: [x, 3]\n"}, "a.yaml", "'triggers' should be a list of non-empty strings"),
    ({"a.yaml": "id: a\nlabel: A\ntriggers: [x]\norder: yes\n"}, "a.yaml", "'order' should be an integer"),
    ({"a.yaml": "id: a\nlabel: A\ntriggers: [x]\ncolor: '#12345g'\n"}, "a.yaml", "'color' should look like #rrggbb"),
    ({"a.yaml": "id: a\nlabel: A\ncolor: '\"><script>alert(1)</script>'\ntriggers: [x]\n"}, "a.yaml",
     "'color' should look like #rrggbb"),
    ({"a.yaml": "id: a\nlabel: A\npatterns: ['(?<=a+)b']\n"}, "a.yaml", "not a valid regular expression"),
    ({"a.yaml": "id: a\nlabel: A\npatterns: ['x(?i)']\n"}, "a.yaml", "not a valid regular expression"),
    ({"a.yaml": "id: a\nlabel: A\ntriggers: [x]\n", "b.yaml": "id: [unclosed\n"}, "b.yaml", "invalid YAML"),
    ({"a.yaml": "id: '<img src=x>'\nlabel: A\ntriggers: [x]\n"}, "a.yaml", "'id' should be lowercase letters"),
])
def test_broken_or_conflicting_layer_files_are_one_line(tmp_path, files, culprit, problem):
    for name, body in files.items():
        (tmp_path / name).write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    with pytest.raises(LayerError) as info:
        load_layers(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / culprit}: ") and problem in message and "\n" not in message


# -- the geomap process: one line, never a traceback ------------------------------------

def _geomap(*args, timeout=300, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "geomap", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout, **kwargs)


def _one_error_line(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def test_unknown_option_is_one_line_and_help_still_works():
    proc = _geomap("build", "--bogus")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [_one_error_line(proc)]
    assert proc.stderr.startswith("Error: No such option: --bogus") and "build --help" in proc.stderr
    assert "\u2500" not in proc.stderr and "\u256d" not in proc.stderr  # no rich box
    bad_value = _geomap("build", "--today", "yesterday")
    assert bad_value.returncode == 2
    assert bad_value.stderr.startswith("Error: Invalid value for '--today': should be a date like 2025-02-21")
    assert len(bad_value.stderr.splitlines()) == 1
    helped = _geomap("build", "--help")
    assert helped.returncode == 0 and "--strict" in helped.stdout and helped.stderr == ""


def test_bad_layer_folder_stops_the_build_with_one_line(tmp_path):
    (tmp_path / "layers").mkdir()
    (tmp_path / "layers" / "a.yaml").write_text("id: a\nlabel: A\ntriggers: [x]\ncolor: red\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    proc = _geomap("build", tmp_path / "a.txt", "--layers", tmp_path / "layers", "--out", tmp_path / "out")
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"Error: {tmp_path / 'layers' / 'a.yaml'}: 'color' should look like #rrggbb, got 'red'"]
    assert not (tmp_path / "out").exists()


def test_an_oversized_file_is_one_line(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    proc = _geomap("places", path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"Error: {path}: file is too large (50.0 MB; the limit is 2.0 MB, set GEOMAP_MAX_BYTES to change it)"]


def test_file_names_cannot_redraw_the_terminal(tmp_path, gazetteer):
    from typer.testing import CliRunner

    from geomap.cli import app

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "evil\x1b[2J\u202ename\n.txt").write_bytes(b"")
    result = CliRunner().invoke(app, ["build", str(folder), "--out", str(tmp_path / "out"), "--strict", "--quiet"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: {folder}/evil\\x1b[2J\\u202ename .txt: file is empty"]


def _bad_batch(folder: Path) -> dict[str, str]:
    """A folder of one good article and the broken files; returns {name: problem}."""
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    bad = {"empty.txt": (b"", "file is empty"),
           "image.txt": (PNG, "looks like a binary file (NUL bytes), not text"),
           "laughs.md": (LAUGHS.encode(), "malformed YAML front matter at line 3: aliases are not allowed"),
           "date.md": (b"---\npublished: soon\n---\nGoma.\n", "front matter 'published' should be a date")}
    for name, (data, _) in bad.items():
        (folder / name).write_bytes(data)
    (folder / "latin.txt").write_bytes("Fighting near Bukavu, caf\u00e9s closed.".encode("cp1252"))
    return {name: problem for name, (_, problem) in bad.items()}


def test_a_batch_skips_bad_files_with_a_summary_and_strict_fails(tmp_path, gazetteer):
    folder = tmp_path / "in"
    bad = _bad_batch(folder)
    proc = _geomap("build", folder, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr
    lines = proc.stderr.splitlines()
    for name, problem in bad.items():
        [line] = [line for line in lines if line.startswith(f"Warning: {folder / name}: ")]
        assert problem in line and line.endswith("(skipped)")
    assert f"Warning: {folder / 'latin.txt'}: not valid UTF-8; read as Windows-1252" in lines
    assert proc.stdout.strip().endswith(f"; {len(bad)} file(s) skipped")
    assert proc.stdout.startswith("2 article(s)")

    strict = _geomap("build", folder, "--out", tmp_path / "strict", "--strict", "--quiet")
    assert strict.returncode == 1
    assert strict.stderr.splitlines() == [
        f"Error: {folder / 'date.md'}: front matter 'published' should be a date like 2025-02-21, got 'soon'"]
    assert not (tmp_path / "strict").exists()


# -- nothing half-written ----------------------------------------------------------------

def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def previous(tmp_path, gazetteer):
    """An output folder holding a finished earlier run."""
    out = tmp_path / "out"
    pipeline.build([HOSTILE / "unicode.txt"], out, layers_dir=REPO / "layers", gazetteer=gazetteer,
                   today=dt.date(2026, 11, 28))
    before = _snapshot(out)
    assert set(before) == {"events.geojson", "map.html"}
    return out, before


def _default_signals():
    """In the child: Ctrl-C and SIGTERM as in a terminal, even if this runner ignores them (nohup, CI)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_mid_run_keeps_the_previous_outputs(tmp_path, previous, signum):
    out, before = previous
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(400):
        (folder / f"a{i:03}.txt").write_text(f"Report {i}. " + GOOD * 20, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "geomap", "build", str(folder), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_default_signals)
    seen = []
    while not seen or not re.match(r"\[([5-9]|\d\d+)/400\]", seen[-1]):  # wait until it is reading articles
        seen.append(proc.stderr.readline())
        if not seen[-1]:
            pytest.fail(f"never got going: {''.join(seen)}")
    proc.send_signal(signum)
    proc.wait(timeout=120)
    stderr = "".join(seen) + proc.stderr.read()
    proc.stderr.close()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    tail = [line for line in stderr.splitlines() if not line.startswith("[")]
    assert tail[-1:] == ["Interrupted"], stderr
    assert _snapshot(out) == before  # byte-identical, no stray temporary file


def test_an_interrupt_while_writing_keeps_the_previous_outputs(tmp_path, previous, monkeypatch, gazetteer):
    out, before = previous
    real_chmod, calls = os.chmod, []

    def chmod(path, mode):  # the second temporary file is written: stop here
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_chmod(path, mode)

    monkeypatch.setattr(os, "chmod", chmod)
    with pytest.raises(KeyboardInterrupt):
        pipeline.build([HOSTILE / "script-tags.md"], out, layers_dir=REPO / "layers", gazetteer=gazetteer)
    assert len(calls) == 2
    assert _snapshot(out) == before


def test_a_full_disk_while_writing_keeps_the_previous_outputs(tmp_path, previous, monkeypatch, gazetteer):
    out, before = previous
    real_fdopen, opened = os.fdopen, []

    def fdopen(fd, *args, **kwargs):
        opened.append(fd)
        if len(opened) == 2:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", fdopen)
    with pytest.raises(Exception, match="No space left on device"):
        pipeline.build([HOSTILE / "script-tags.md"], out, layers_dir=REPO / "layers", gazetteer=gazetteer)
    assert _snapshot(out) == before


def test_ctrl_c_during_the_renames_waits_until_both_are_done(tmp_path, monkeypatch):
    a, b = tmp_path / "events.geojson", tmp_path / "map.html"
    a.write_text("old a", encoding="utf-8")
    b.write_text("old b", encoding="utf-8")
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == a:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C between the two renames
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        pipeline.write_all({a: "new a", b: "new b"})
    assert (a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")) == ("new a", "new b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.geojson", "map.html"]


# -- article text reaching the renderer's templates (render.py) --------------------------

def _page_text(html: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def test_template_syntax_in_an_article_is_text_not_code(tmp_path, gazetteer):
    out = tmp_path / "out"
    pipeline.build([REPO / "tests" / "data" / "hostile-jinja" / "template.txt"], out,
                   layers_dir=REPO / "layers", gazetteer=gazetteer)
    page = _page_text((out / "map.html").read_text(encoding="utf-8"))
    assert "Goma 49 " not in page and f" {os.getpid()} on Monday" not in page
    assert "{{ 7*7 }} {{ cycler.__init__.__globals__.os.getpid() }}" in page


def test_a_template_tag_in_an_article_does_not_break_the_build(tmp_path, gazetteer):
    path = tmp_path / "raw.txt"
    path.write_text("M23 rebels seized Goma {% raw %} on Monday.\n", encoding="utf-8")
    pipeline.build([path], tmp_path / "out", layers_dir=REPO / "layers", gazetteer=gazetteer)
    assert "{% raw %}" in _page_text((tmp_path / "out" / "map.html").read_text(encoding="utf-8"))


def test_template_syntax_in_a_layer_label_is_text(tmp_path, gazetteer):
    layers = tmp_path / "layers"
    shutil.copytree(REPO / "layers", layers)
    meeting = layers / "meeting.yaml"
    meeting.write_text(re.sub(r"(?m)^label: .*$", 'label: "Talks {{ 7*7 }} <b>bold</b>"',
                              meeting.read_text(encoding="utf-8")), encoding="utf-8")
    pipeline.build([REPO / "seeds"], tmp_path / "out", layers_dir=layers, gazetteer=gazetteer)
    raw = (tmp_path / "out" / "map.html").read_text(encoding="utf-8")
    page = _page_text(raw)
    assert "Talks {{ 7*7 }}" in page and "Talks 49" not in page
    assert "<b>bold</b>" not in raw  # escaped wherever the label is written
