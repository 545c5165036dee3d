"""The opt-in online geocoder, against a fake Nominatim/Photon on 127.0.0.1 -- never the internet."""
from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from typer.testing import CliRunner

from geomap.cli import app
from geomap.errors import GeocoderError
from geomap.gazetteer import index_name
from geomap.geocoders import FallbackGazetteer, OnlineGeocoder, parse_options
from geomap.models import Document
from geomap.pipeline import extract_places

runner = CliRunner()
ZORBUTANGA = (-1.2345, 29.1234)  # a made-up town, known only to the fake server
KNOWN = {"zorbutanga": ZORBUTANGA, "kwetu": (-2.5, 28.75)}


# -- the guard: nothing here may reach past loopback ---------------------------------

class NetworkGuardError(AssertionError):
    pass


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail any socket connection to a non-loopback address."""
    real_connect = socket.socket.connect

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None:
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise NetworkGuardError(f"test tried to reach {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


def test_the_guard_refuses_the_internet():
    with socket.socket() as sock, pytest.raises(NetworkGuardError):
        sock.connect(("203.0.113.7", 80))  # TEST-NET-3: refused before any packet leaves


# -- the fake service ------------------------------------------------------------------

class FakeService:
    """Nominatim's /search (JSON) and Photon's /api (GeoJSON), with switchable failures."""

    def __init__(self):
        self.mode = "ok"  # ok, 404, 429, 503, slow, malformed, wrong-shape, no-list
        self.requests: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                service.requests.append(self.path)
                try:
                    service.answer(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.port = self.server.server_address[1]
        self.domain = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def answer(self, handler):
        url = urlparse(handler.path)
        query = parse_qs(url.query).get("q", [""])[0].strip().lower()
        if self.mode == "slow":
            time.sleep(0.6)
        if self.mode in ("404", "429", "503"):
            return self.send(handler, int(self.mode), b'{"error": "nope"}', {"Retry-After": "7"})
        if self.mode == "malformed":
            return self.send(handler, 200, b"<html>upstream proxy error</html>")
        if self.mode == "wrong-shape":
            return self.send(handler, 200, b'[{"display_name": "Nowhere"}]')
        if self.mode == "no-list":
            return self.send(handler, 200, b'{"results": 1}')
        hit = KNOWN.get(query)
        if url.path == "/search":
            body = [] if hit is None else [{
                "place_id": 1, "osm_type": "node", "osm_id": 4242, "lat": str(hit[0]), "lon": str(hit[1]),
                "class": "place", "type": "town", "addresstype": "town", "name": query.title(),
                "display_name": f"{query.title()}, Nord-Kivu, RD Congo",
                "address": {"town": query.title(), "country": "RD Congo", "country_code": "cd"}}]
        elif url.path == "/api":
            body = {"type": "FeatureCollection", "features": [] if hit is None else [{
                "type": "Feature", "geometry": {"type": "Point", "coordinates": [hit[1], hit[0]]},
                "properties": {"osm_id": 99, "osm_type": "R", "osm_key": "boundary", "osm_value": "administrative",
                               "type": "state", "name": query.title(), "countrycode": "CD"}}]}
        else:
            return self.send(handler, 404, b"not found")
        self.send(handler, 200, json.dumps(body).encode())

    @staticmethod
    def send(handler, status, body, headers=None):
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


@pytest.fixture
def fake():
    service = FakeService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


def local(fake, name="nominatim", **kwargs):
    kwargs.setdefault("cache_path", None)
    kwargs.setdefault("min_delay", 0.0)
    kwargs.setdefault("timeout", 5)
    return OnlineGeocoder(name, options={"domain": fake.domain, "scheme": "http"}, **kwargs)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache folder (GEOMAP_CACHE_DIR) with the session's index linked in."""
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(tmp_path))
    return tmp_path


# -- lookups, cache, persistence -------------------------------------------------------

def test_nominatim_answer_becomes_a_place(fake, cache):
    with local(fake) as geo:
        place = geo.geocode("Zorbutanga")
    assert (place.lat, place.lon) == pytest.approx(ZORBUTANGA)
    assert (place.id, place.name, place.kind, place.country, place.source) == \
        ("nominatim:N4242", "Zorbutanga", "city", "CD", "nominatim")
    assert fake.requests[0].startswith("/search?") and "addressdetails=1" in fake.requests[0]
    assert geo.cache_path == cache / "online-cache.sqlite" and geo.cache_path.exists()


def test_photon_answer_becomes_a_place(fake, cache):
    with local(fake, "photon") as geo:
        place = geo.geocode("Kwetu")
    assert (place.lat, place.lon) == pytest.approx(KNOWN["kwetu"])
    assert (place.id, place.kind, place.country, place.source) == ("photon:R99", "admin1", "CD", "photon")
    assert fake.requests[0].startswith("/api?")


def test_answers_are_cached_and_persist(fake, cache):
    with local(fake) as geo:
        first = geo.geocode("Zorbutanga")
        assert geo.geocode("  ZORBUTANGA ") == first
        assert geo.candidates("Zorbutanga") == [first]
        assert len(fake.requests) == 1
    with local(fake) as again:  # a new instance, a new "run"
        assert again.geocode("Zorbutanga") == first
        assert again.cached_count() == 1
    assert len(fake.requests) == 1


def test_not_found_is_cached(fake, cache):
    with local(fake) as geo:
        assert geo.geocode("Nowhereville") is None
        assert geo.candidates("Nowhereville") == []
    with local(fake) as again:
        assert again.cached("Nowhereville") == []
        assert again.geocode("Nowhereville") is None
    assert len(fake.requests) == 1


def test_answers_of_another_server_are_kept_apart(fake, cache):
    with local(fake) as geo:
        geo.geocode("Zorbutanga")
    other = FakeService()
    other.thread.start()
    try:
        with local(other) as geo2:
            assert geo2.cached("Zorbutanga") is None
            geo2.geocode("Zorbutanga")
        assert len(other.requests) == 1
    finally:
        other.server.shutdown()
        other.server.server_close()


# -- failures: one clear line, earlier answers kept ------------------------------------

@pytest.mark.parametrize("mode, problem", [
    ("429", "rate limited (HTTP 429 Too Many Requests) (the server asks to wait 7 s)"),
    ("503", "service error (HTTP 503 Service Unavailable)"),
    ("404", "request failed (HTTP 404 Not Found)"),
    ("slow", "no answer within 0.2 s"),
    ("malformed", "malformed answer (not valid JSON)"),
    ("wrong-shape", "unexpected answer (no coordinates)"),
    ("no-list", "unexpected answer (TypeError: `address` must not be None)"),
])
def test_failures_are_clear_and_keep_earlier_answers(fake, cache, mode, problem):
    with local(fake, timeout=0.2) as geo:
        geo.geocode("Zorbutanga")
        geo.geocode("Nowhereville")
        fake.mode = mode
        with pytest.raises(GeocoderError) as err:
            geo.geocode("Kwetu")
        assert geo.cached("Kwetu") is None  # a failure is not "not found"
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"nominatim: {problem} while geocoding 'Kwetu'; 2 answers so far are cached in "
                              f"{cache / 'online-cache.sqlite'}; ")
    assert len(fake.requests) == 3  # no silent retries
    fake.mode = "ok"
    with local(fake) as again:
        assert again.geocode("Zorbutanga").lat == pytest.approx(ZORBUTANGA[0])
        assert again.geocode("Nowhereville") is None
    assert len(fake.requests) == 3


def test_unreachable_service_is_a_clear_error(cache):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    geo = OnlineGeocoder("nominatim", min_delay=0, options={"domain": f"127.0.0.1:{port}", "scheme": "http"})
    with geo, pytest.raises(GeocoderError) as err:
        geo.geocode("Zorbutanga")
    assert str(err.value) == (f"nominatim: cannot reach http://127.0.0.1:{port}/search (connection refused) while "
                              f"geocoding 'Zorbutanga'; 0 answers so far are cached in {cache / 'online-cache.sqlite'};"
                              " check the network and the domain option")


# -- configuration and rate policy -----------------------------------------------------

def test_nominatim_waits_a_second_between_requests(fake, cache):
    geo = OnlineGeocoder("nominatim", options={"domain": fake.domain, "scheme": "http"})
    assert geo.min_delay == 1.0 and geo.rate_limiter.min_delay_seconds == 1.0
    assert geo.rate_limiter.max_retries == 0 and geo.rate_limiter.swallow_exceptions is False
    now, sleeps = [100.0], []
    geo.rate_limiter._clock = lambda: now[0]

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds
    geo.rate_limiter._sleep = sleep
    with geo:
        geo.geocode("Zorbutanga")
        geo.geocode("Zorbutanga")  # cached: no request, no wait
        geo.geocode("Kwetu")
    assert sleeps == [pytest.approx(1.0)] and len(fake.requests) == 2


@pytest.mark.parametrize("name, options, delay", [
    ("photon", {}, 1.0),
    ("arcgis", {}, 1.0),
    ("photon", {"min_delay": "0.25"}, 0.25),
    ("nominatim", {"domain": "geo.example.org", "min_delay": "0"}, 0.0),  # self-hosted: your call
])
def test_delays_per_provider_and_overrides(cache, name, options, delay):
    with OnlineGeocoder(name, options=options) as geo:  # no request is made
        assert geo.min_delay == geo.rate_limiter.min_delay_seconds == delay


def test_public_nominatim_keeps_its_policy(cache):
    with pytest.raises(GeocoderError, match=r"^nominatim: the public service allows at most 1 request per second;"
                                            r" 'min_delay' should be at least 1.0, got 0.5$"):
        OnlineGeocoder("nominatim", min_delay=0.5)


@pytest.mark.parametrize("name, options, message", [
    ("nominatimm", {}, r"^unknown geocoder 'nominatimm' \(did you mean 'nominatim'\?\); try nominatim, photon, "
                       r"arcgis, opencage, googlev3 or one of \d+ other geopy names$"),
    ("opencage", {}, r"^opencage: needs option 'api_key' \(--geocoder-option api_key=\.\.\.\)$"),
    ("nominatim", {"domian": "x"}, r"^nominatim: unknown option 'domian'; it accepts: proxies, domain, scheme"),
    ("nominatim", {"timeout": "soon"}, r"^nominatim: option 'timeout' should be a number of seconds, got 'soon'$"),
])
def test_bad_configuration_is_one_clear_line(cache, name, options, message):
    with pytest.raises(GeocoderError, match=message):
        OnlineGeocoder(name, options=options)
    assert not (cache / "online-cache.sqlite").exists()


def test_parse_options():
    assert parse_options(["domain=127.0.0.1:8080", " scheme = http", "api_key=a=b"]) == \
        {"domain": "127.0.0.1:8080", "scheme": "http", "api_key": "a=b"}
    with pytest.raises(GeocoderError, match=r"should look like key=value, got 'domain'$"):
        parse_options(["domain"])


# -- behind the offline gazetteer ------------------------------------------------------

def test_fallback_prefers_the_offline_gazetteer(fake, cache, gazetteer):
    with local(fake) as online:
        both = FallbackGazetteer(gazetteer, online)
        goma = both.geocode("Goma")
        assert goma.source != "nominatim" and goma.country == "CD"
        assert both.candidates("Goma") == gazetteer.candidates("Goma")
        assert fake.requests == []
        assert both.candidates("Zorbutanga")[0].lat == pytest.approx(ZORBUTANGA[0])
        assert both.geocode("Zorbutanga").source == "nominatim"
        assert both.country("CD") == gazetteer.country("CD")  # the rest is the offline gazetteer's
        assert both.lookup_keys(["goma"]) == gazetteer.lookup_keys(["goma"])
    assert len(fake.requests) == 1


def test_pipeline_geocodes_only_unknown_names(fake, cache, gazetteer):
    doc = Document(id="d1", source="d1.txt",
                   text="Fighting was reported in Zorbutanga on Monday, 40 km from Goma, near Lake Kivu"
                        " and the Rutshuru River.")
    offline = {m.surface: m.place for m in extract_places(doc, gazetteer)}
    assert offline["Zorbutanga"] is None
    with local(fake) as online:
        mentions = {m.surface: m.place for m in extract_places(doc, FallbackGazetteer(gazetteer, online))}
    assert (mentions["Zorbutanga"].lat, mentions["Zorbutanga"].lon) == pytest.approx(ZORBUTANGA)
    assert mentions["Goma"] == offline["Goma"]
    assert mentions["Rutshuru River"] is None  # a river is no point: never asked online
    assert [parse_qs(urlparse(r).query)["q"] for r in fake.requests] == [["Zorbutanga"]]


# -- the command line ------------------------------------------------------------------

@pytest.fixture
def cli_cache(cache, gazetteer):
    """GEOMAP_CACHE_DIR with the session's index linked in, so the CLI opens it."""
    (cache / index_name()).symlink_to(gazetteer.path)
    return cache


def _article(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "report.txt"
    path.parent.mkdir()
    path.write_text("Fighting was reported in Zorbutanga on Monday, January 27, 2025.", encoding="utf-8")
    return path


def test_build_with_an_online_geocoder(fake, cli_cache, tmp_path):
    out = tmp_path / "out"
    args = ["build", str(_article(tmp_path)), "--out", str(out), "--geocoder", "nominatim",
            "--geocoder-option", f"domain={fake.domain}", "--geocoder-option", "scheme=http",
            "--geocoder-option", "min_delay=0"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    features = json.loads((out / "events.geojson").read_text(encoding="utf-8"))["features"]
    places = {f["properties"]["place"]: f for f in features}
    lon, lat = places["Zorbutanga"]["geometry"]["coordinates"]
    assert (lat, lon) == pytest.approx(ZORBUTANGA)
    assert places["Zorbutanga"]["properties"]["place_id"] == "nominatim:N4242"
    assert "Unresolved" not in result.output and len(fake.requests) == 1
    assert runner.invoke(app, args).exit_code == 0 and len(fake.requests) == 1  # the rerun asks nothing


def test_build_without_geocoder_stays_offline(fake, cli_cache, tmp_path):
    result = runner.invoke(app, ["build", str(_article(tmp_path)), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Unresolved place names: Zorbutanga (report.txt)" in result.output
    assert fake.requests == [] and not (cli_cache / "online-cache.sqlite").exists()


def test_build_with_a_failing_geocoder_is_one_error_line(fake, cli_cache, tmp_path):
    fake.mode = "503"
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(_article(tmp_path)), "--out", str(out), "--quiet",
                                 "--geocoder", "nominatim", "--geocoder-option", f"domain={fake.domain}",
                                 "--geocoder-option", "scheme=http", "--geocoder-option", "min_delay=0"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: nominatim: service error (HTTP 503 Service Unavailable) while geocoding 'Zorbutanga'; "
        f"0 answers so far are cached in {cli_cache / 'online-cache.sqlite'}; try again later")
    assert "Traceback" not in result.output and not out.exists()


def test_geocode_command_goes_online_only_when_asked(fake, cli_cache):
    args = ["geocode", "Zorbutanga", "--json"]
    online = ["--geocoder", "photon", "--geocoder-option", f"domain={fake.domain}",
              "--geocoder-option", "scheme=http", "--geocoder-option", "min_delay=0"]
    assert json.loads(runner.invoke(app, args).output) == []
    result = runner.invoke(app, args + online)
    assert result.exit_code == 0, result.output
    [found] = json.loads(result.output)
    assert (found["id"], found["lat"], found["lon"]) == ("photon:R99", *ZORBUTANGA)
    assert len(fake.requests) == 1


@pytest.mark.parametrize("args, message", [
    (["--geocoder", "Foo"], "unknown geocoder 'Foo'; try nominatim, photon, arcgis, opencage, googlev3 or"),
    (["--geocoder-option", "scheme=http"], "needs --geocoder"),
    (["--geocoder", "nominatim", "--geocoder-option", "scheme"], "should look like key=value, got 'scheme'"),
])
def test_geocoder_usage_errors(cli_cache, args, message):
    result = runner.invoke(app, ["geocode", "Goma", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())
