"""Opt-in online geocoding: any geopy geocoder, behind the offline gazetteer's interface.

:class:`OnlineGeocoder` wraps a geopy geocoder chosen by name ("nominatim", "photon",
...).  It keeps geopy's promise -- ``geocode`` returns a :class:`~geomap.models.Place`,
a list, or ``None`` for "not found", and a failure raises -- and adds three things:

* a persistent cache (SQLite, ``online-cache.sqlite`` in :func:`~geomap.gazetteer.cache_dir`)
  of found *and* not-found answers, each committed as soon as it arrives, so a failure
  later in a run keeps what was already learnt and a rerun asks only for the rest;
* the provider's rate policy through geopy's ``RateLimiter`` (:data:`MIN_DELAY`);
* one-line :class:`~geomap.errors.GeocoderError` messages for timeouts, HTTP 429, 5xx,
  malformed answers and unreachable services, naming the provider, the query, the
  problem and how many answers are cached.

:class:`FallbackGazetteer` puts an online geocoder behind an offline
:class:`~geomap.gazetteer.Gazetteer`: same interface, but names the offline index lacks
are asked online.  Nothing here runs unless a caller asks for a geocoder by name.
"""
from __future__ import annotations

import hashlib
import http
import inspect
import json
import logging
import math
import sqlite3
from dataclasses import asdict
from functools import partial
from pathlib import Path

from geomap.errors import GeocoderError
from geomap.gazetteer import Gazetteer, cache_dir, name_key
from geomap.models import Place

log = logging.getLogger("geomap")

CACHE_NAME = "online-cache.sqlite"
#: Minimum seconds between two requests, per provider.  Nominatim's usage policy
#: (operations.osmfoundation.org/policies/nominatim) allows at most 1 request per second.
MIN_DELAY = {"nominatim": 1.0}
#: For every other provider: one request per second unless ``min_delay`` says otherwise
#: (free tiers such as OpenCage's allow no more; paid keys may pass a smaller delay).
DEFAULT_MIN_DELAY = 1.0
DEFAULT_TIMEOUT = 10.0
DEFAULT_USER_AGENT = "geomap/0.1.0 (crisis-news geoparser)"
#: Extra keyword arguments for a provider's ``geocode`` (country codes with each answer).
GEOCODE_KWARGS = {"nominatim": {"addressdetails": True}}
#: Options that configure geomap's wrapper rather than the geopy class.
OWN_OPTIONS = ("timeout", "min_delay", "user_agent")
MAX_ANSWERS = 10
_PUBLIC_NOMINATIM = "nominatim.openstreetmap.org"
_KINDS = {  # provider class/type -> Place kind
    "country": "country", "state": "admin1", "province": "admin1", "region": "region",
    "county": "admin2", "district": "admin2", "state_district": "admin2", "municipality": "city",
    "city": "city", "town": "city", "village": "city", "hamlet": "city", "suburb": "city",
    "neighbourhood": "city", "quarter": "city", "locality": "city", "isolated_dwelling": "city",
    "aerodrome": "airport", "airport": "airport",
}


def geocoder_names() -> list[str]:
    """The provider names geopy knows ("arcgis", "nominatim", "photon", ...), sorted."""
    from geopy.geocoders import SERVICE_TO_GEOCODER  # noqa: PLC0415

    return sorted(SERVICE_TO_GEOCODER)


def check_geocoder_name(name: str) -> str:
    """``name`` in lower case if geopy knows it, else a :class:`GeocoderError` naming a few."""
    import difflib  # noqa: PLC0415

    key = name.strip().lower()
    names = geocoder_names()
    if key in names:
        return key
    close = difflib.get_close_matches(key, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    few = [n for n in ("nominatim", "photon", "arcgis", "opencage", "googlev3") if n in names]
    raise GeocoderError(f"unknown geocoder {name!r}{hint}; try {', '.join(few)} "
                        f"or one of {len(names) - len(few)} other geopy names")


def parse_options(items: list[str] | None) -> dict[str, str]:
    """``["domain=127.0.0.1:8080", "scheme=http"]`` -> ``{"domain": ..., "scheme": "http"}``."""
    options: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise GeocoderError(f"geocoder option should look like key=value, got {item!r}")
        options[key.strip()] = value.strip()
    return options


class _BadAnswer(ValueError):
    """A well-formed answer that names no usable place."""


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


class OnlineGeocoder:
    """A geopy geocoder chosen by ``name``, rate-limited, cached, with clear errors.

    ``options`` go to the geopy class (``domain``, ``scheme``, ``api_key``, ...), except
    ``timeout``, ``min_delay`` and ``user_agent``, which override the arguments of the
    same name (so string values from the command line work).  ``min_delay`` defaults to
    :data:`MIN_DELAY` for the provider, else :data:`DEFAULT_MIN_DELAY`; the public
    Nominatim service never gets less than 1 s.  ``max_retries`` retries a failed request
    (after ``max(min_delay, 2)`` s); by default a failure ends the run at once, since the
    cache makes a rerun cheap.
    """

    def __init__(self, name: str, *, cache_path: Path | str | None = None,
                 timeout: float = DEFAULT_TIMEOUT, min_delay: float | None = None,
                 user_agent: str = DEFAULT_USER_AGENT, options: dict | None = None,
                 max_retries: int = 0):
        from geopy.extra.rate_limiter import RateLimiter  # noqa: PLC0415

        self.name = name.strip().lower()
        options = dict(options or {})
        timeout = self._number(options.pop("timeout", timeout), "timeout")
        min_delay = options.pop("min_delay", min_delay)
        user_agent = options.pop("user_agent", user_agent)
        cls = self._geocoder_class()
        self.min_delay = self._min_delay(min_delay, options)
        self.timeout = timeout
        kwargs = {"timeout": timeout, "user_agent": user_agent, **_adapter(options), **options}
        self._geocoder = self._make(cls, kwargs)
        self.endpoint = getattr(self._geocoder, "api", None) or self.name
        domain = options.get("domain")
        #: The cache's provider key: answers of a self-hosted or test server stay apart.
        self.provider = f"{self.name}@{domain}" if domain else self.name
        self.rate_limiter = RateLimiter(self._geocoder.geocode, min_delay_seconds=self.min_delay,
                                        max_retries=max_retries, swallow_exceptions=False,
                                        error_wait_seconds=max(self.min_delay, 2.0))
        self.cache_path = Path(cache_path) if cache_path is not None else cache_dir() / CACHE_NAME
        self._con = self._open_cache()

    # -- construction -------------------------------------------------------------

    def _geocoder_class(self):
        from geopy.geocoders import get_geocoder_for_service  # noqa: PLC0415

        return get_geocoder_for_service(check_geocoder_name(self.name))

    def _number(self, value: object, key: str) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or number < 0:
            raise GeocoderError(f"{self.name}: option {key!r} should be a number of seconds, "
                                f"got {value!r}")
        return number

    def _min_delay(self, value: object, options: dict) -> float:
        policy = MIN_DELAY.get(self.name, DEFAULT_MIN_DELAY)
        delay = policy if value is None else self._number(value, "min_delay")
        public = self.name == "nominatim" and options.get("domain", _PUBLIC_NOMINATIM).strip("/") \
            == _PUBLIC_NOMINATIM
        if public and delay < policy:
            raise GeocoderError(f"nominatim: the public service allows at most 1 request per second;"
                                f" 'min_delay' should be at least {policy}, got {delay}")
        return delay

    def _make(self, cls, kwargs: dict):
        from geopy.exc import ConfigurationError  # noqa: PLC0415

        params = inspect.signature(cls.__init__).parameters
        named = {k: p for k, p in params.items()
                 if k != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        unknown = sorted(k for k in kwargs if k not in named)
        if unknown and len(named) == len(params) - 1:  # no **kwargs to take them
            names = ", ".join([k for k in named if k not in OWN_OPTIONS] + list(OWN_OPTIONS))
            raise GeocoderError(f"{self.name}: unknown option {unknown[0]!r}; it accepts: {names}")
        missing = [k for k, p in named.items() if p.default is p.empty and k not in kwargs]
        if missing:
            raise GeocoderError(f"{self.name}: needs option {missing[0]!r} "
                                f"(--geocoder-option {missing[0]}=...)")
        try:
            return cls(**kwargs)
        except (ConfigurationError, TypeError, ValueError) as exc:
            raise GeocoderError(f"{self.name}: cannot configure the geocoder: {_one_line(exc)}") from None

    def _open_cache(self) -> sqlite3.Connection:
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.cache_path, isolation_level=None, check_same_thread=False)
            con.execute("CREATE TABLE IF NOT EXISTS answers (provider TEXT NOT NULL, query TEXT NOT NULL,"
                        " places TEXT NOT NULL, PRIMARY KEY (provider, query))")
        except (OSError, sqlite3.Error) as exc:
            raise GeocoderError(f"{self.cache_path}: cannot open the online geocoder cache: {exc}") from None
        return con

    # -- the geocoder interface ---------------------------------------------------

    def geocode(self, query: str, *, exactly_one: bool = True) -> Place | list[Place] | None:
        """The provider's best place for ``query`` (or all, best first), ``None`` if none.

        Served from the cache when this provider was asked before; otherwise one
        rate-limited request, whose answer is cached at once.  Raises
        :class:`~geomap.errors.GeocoderError` when the service fails.
        """
        if not isinstance(query, str) or not query.strip():
            raise GeocoderError(f"{self.name}: query should be a non-empty string, got {query!r}")
        places = self.cached(query)
        if places is None:
            places = self._ask(query)
            self._store(query, places)
        if not places:
            return None
        return places[0] if exactly_one else places

    def candidates(self, name: str) -> list[Place]:
        """All places the provider gives for ``name``, its best first (``[]`` for none)."""
        return self.geocode(name, exactly_one=False) or []

    def cached(self, query: str) -> list[Place] | None:
        """The cached answer for ``query`` (``[]`` = cached "not found"), or ``None``."""
        row = self._sql("SELECT places FROM answers WHERE provider = ? AND query = ?",
                        (self.provider, name_key(query))).fetchone()
        return None if row is None else [Place(**d) for d in json.loads(row[0])]

    def cached_count(self) -> int:
        """How many answers (found or not) this provider has in the cache."""
        return self._sql("SELECT COUNT(*) FROM answers WHERE provider = ?", (self.provider,)).fetchone()[0]

    def close(self) -> None:
        """Close the cache (every answer is already committed)."""
        self._con.close()

    def __enter__(self) -> "OnlineGeocoder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests and answers -----------------------------------------------------

    def _sql(self, sql: str, params: tuple) -> sqlite3.Cursor:
        try:
            return self._con.execute(sql, params)
        except sqlite3.Error as exc:
            raise GeocoderError(f"{self.cache_path}: online geocoder cache failed: {exc}") from None

    def _store(self, query: str, places: list[Place]) -> None:
        data = json.dumps([asdict(p) for p in places], ensure_ascii=False, sort_keys=True)
        self._sql("INSERT OR REPLACE INTO answers (provider, query, places) VALUES (?, ?, ?)",
                  (self.provider, name_key(query), data))

    def _ask(self, query: str) -> list[Place]:
        from geopy.exc import GeopyError  # noqa: PLC0415

        log.info("%s: geocoding %r online", self.name, query)
        try:
            found = self.rate_limiter(query, exactly_one=False, **GEOCODE_KWARGS.get(self.name, {}))
            if found is None:
                return []
            places = [self._to_place(loc) for loc in found[:MAX_ANSWERS]]
        except GeopyError as exc:
            raise self._failure(query, exc) from None
        except _BadAnswer as exc:
            raise self._failure(query, exc, f"unexpected answer ({exc})") from None
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise self._failure(query, exc, f"unexpected answer ({type(exc).__name__}: "
                                            f"{_one_line(exc)})") from None
        return list({p.id: p for p in places}.values())

    def _failure(self, query: str, exc: Exception, problem: str | None = None) -> GeocoderError:
        problem, hint = (problem, "check the provider and its options") if problem \
            else _describe(exc, self.endpoint, self.timeout)
        n = self.cached_count()
        kept = f"{n} answer{'s' if n != 1 else ''} so far {'are' if n != 1 else 'is'} cached in {self.cache_path}"
        return GeocoderError(f"{self.name}: {problem} while geocoding {query!r}; {kept}; {hint}")

    def _to_place(self, location) -> Place:
        lat, lon = float(location.latitude), float(location.longitude)
        if lat == 0 and lon == 0:  # geopy's reading of an answer with no coordinates
            raise _BadAnswer("no coordinates")
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise _BadAnswer(f"coordinates out of range: {lat}, {lon}")
        raw = location.raw if isinstance(location.raw, dict) else {}
        props = raw.get("properties") if isinstance(raw.get("properties"), dict) else raw
        name = props.get("name") or (location.address or "").split(",")[0].strip() or "?"
        osm_type, osm_id = props.get("osm_type"), props.get("osm_id")
        if osm_type and osm_id:
            pid = f"{self.name}:{str(osm_type)[0].upper()}{osm_id}"
        else:
            digest = hashlib.sha1(f"{self.name}|{lat:.6f}|{lon:.6f}|{name}".encode()).hexdigest()[:12]
            pid = f"{self.name}:{digest}"
        return Place(id=pid, name=str(name), lat=lat, lon=lon, kind=_kind(props),
                     country=_country(props), source=self.name)


def _adapter(options: dict) -> dict:
    """geopy's requests adapter, minus urllib3's hidden retries.

    By default urllib3 silently retries a 429 or 503, sleeping as long as the server's
    ``Retry-After`` says (an hour, if it says so), and retries failed connections with
    warnings on the log; here every failure ends the run at once with a clear message
    (the cache makes a rerun cheap).  Redirects are still followed.
    """
    from geopy.adapters import RequestsAdapter  # noqa: PLC0415
    from geopy.geocoders import options as defaults  # noqa: PLC0415

    if "adapter_factory" in options or defaults.default_adapter_factory is not RequestsAdapter:
        return {}
    from urllib3.util.retry import Retry  # noqa: PLC0415

    retry = Retry(total=None, connect=0, read=False, status=0, other=0, redirect=3,
                  respect_retry_after_header=False)  # read=False: a read timeout stays a timeout
    return {"adapter_factory": partial(RequestsAdapter, max_retries=retry)}


def _kind(props: dict) -> str:
    """Place kind from a provider's class/type fields; "poi" when they say nothing known."""
    for key in ("addresstype", "type", "osm_value", "category", "class", "osm_key"):
        kind = _KINDS.get(str(props.get(key, "")).lower())
        if kind:
            return kind
    if props.get("class") == "boundary" or props.get("osm_key") == "boundary":
        return "admin2"
    return "city" if "place" in (props.get("class"), props.get("osm_key")) else "poi"


def _country(props: dict) -> str | None:
    """ISO alpha-2 code from the answer (Nominatim ``address.country_code``, Photon ``countrycode``)."""
    address = props.get("address") if isinstance(props.get("address"), dict) else {}
    for code in (address.get("country_code"), props.get("countrycode"), props.get("country_code")):
        if isinstance(code, str) and len(code) == 2 and code.isalpha():
            return code.upper()
    return None


def _describe(exc: Exception, endpoint: str, timeout: float) -> tuple[str, str]:
    """(problem, hint) for a geopy exception, for one line of error message."""
    from geopy.exc import (GeocoderAuthenticationFailure, GeocoderInsufficientPrivileges,  # noqa: PLC0415
                           GeocoderParseError, GeocoderQueryError, GeocoderRateLimited,
                           GeocoderTimedOut, GeocoderUnavailable)

    status = getattr(exc.__cause__, "status_code", None)
    http_part = f"HTTP {status}" if status else ""
    if status:
        try:
            http_part += f" {http.HTTPStatus(status).phrase}"
        except ValueError:
            pass
    if isinstance(exc, GeocoderRateLimited):
        wait = f" (the server asks to wait {exc.retry_after:g} s)" if exc.retry_after else ""
        return f"rate limited ({http_part or 'HTTP 429'}){wait}", "try again later"
    if status and status >= 500:
        return f"service error ({http_part})", "try again later"
    if isinstance(exc, (GeocoderAuthenticationFailure, GeocoderInsufficientPrivileges)):
        return f"access refused ({http_part or 'authentication'})", "check the api_key and user_agent options"
    if status:
        problem = "the service rejected the query" if isinstance(exc, GeocoderQueryError) else "request failed"
        return f"{problem} ({http_part})", "check the domain and other options"
    if isinstance(exc, GeocoderTimedOut):
        return f"no answer within {timeout:g} s", "try again later or raise the timeout (--geocoder-option timeout=30)"
    if isinstance(exc, GeocoderParseError):
        return "malformed answer (not valid JSON)", "check the domain option points at the provider's API"
    if isinstance(exc, GeocoderUnavailable):
        text = str(exc).lower()
        reason = "connection refused" if "refused" in text else \
            f"no connection within {timeout:g} s" if "timed out" in text else "unreachable"
        return f"cannot reach {endpoint} ({reason})", "check the network and the domain option"
    return f"{type(exc).__name__}: {_one_line(exc)}", "try again later"


class FallbackGazetteer:
    """The offline gazetteer, asking an online geocoder for the names it lacks.

    Same interface as :class:`~geomap.gazetteer.Gazetteer` (every other attribute is the
    offline one's); only :meth:`candidates` and :meth:`geocode` go online, and only when
    the offline index has nothing.
    """

    def __init__(self, offline: Gazetteer, online: OnlineGeocoder):
        self.offline = offline
        self.online = online

    def __getattr__(self, attr: str):
        return getattr(self.offline, attr)

    def candidates(self, name: str) -> list[Place]:
        """The offline places called ``name``, else the online geocoder's (best first)."""
        return self.offline.candidates(name) or self.online.candidates(name)

    def geocode(self, query: str, *, exactly_one: bool = True) -> Place | list[Place] | None:
        """Offline :meth:`Gazetteer.geocode`, else the online geocoder's answer."""
        found = self.offline.geocode(query, exactly_one=exactly_one)
        if found:
            return found
        return self.online.geocode(query, exactly_one=exactly_one)

    def close(self) -> None:
        """Close both the online cache and the offline index."""
        self.online.close()
        self.offline.close()

    def __enter__(self) -> "FallbackGazetteer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_gazetteer(geocoder: str | None = None, options: dict | None = None, *,
                   progress=None) -> Gazetteer | FallbackGazetteer:
    """The offline gazetteer, behind ``geocoder`` (a geopy name) when one is given.

    The online geocoder is set up first, so a bad name or option fails before the
    offline index is opened (or compiled).  Closing the result closes both.
    """
    online = OnlineGeocoder(geocoder, options=options) if geocoder else None
    try:
        offline = Gazetteer.open(progress=progress)
    except BaseException:
        if online is not None:
            online.close()
        raise
    return FallbackGazetteer(offline, online) if online is not None else offline
