"""How the map scales: 1k, 10k and 50k synthetic events.

For each size: Python render time (``render_map`` only, the frame is built beforehand),
HTML size, and in headless Chromium (Debian's /usr/bin/chromium, network blocked) the
time to the load event and to the first successful layer toggle (click on a layer's
checkbox until the page has re-filtered and redrawn, measured inside the page up to
the next animation frame).  Targets at 50k: render < 5 s, load < 3 s, HTML < 15 MB.

The events are generated deterministically (``random.Random(size)``): points, routes
(lines) and province areas over eastern DR Congo, 60 days, one in ten undated, one
distinct sentence each, 40 sources.

    PYTHONPATH=. python benchmarks/bench_map.py            # 1000 10000 50000
    PYTHONPATH=. python benchmarks/bench_map.py 2000 --runs 3
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from geomap.frame import events_to_frame  # noqa: E402
from geomap.layers import load_layers  # noqa: E402
from geomap.models import Event  # noqa: E402
from geomap.render import render_map  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]
PROVINCES = [("admin1:CD-NK", "North Kivu", -0.9, 29.0), ("admin1:CD-SK", "South Kivu", -3.0, 28.3),
             ("admin1:CD-IT", "Ituri", 1.6, 29.6), ("admin1:CD-TA", "Tanganyika", -6.2, 27.9)]
ACTORS = ["M23", "FARDC", "ADF", "CODECO", "Wazalendo", "MONUSCO", "Red Cross", "WFP", "Twirwaneho", "UN"]
TYPES = ["clash", "control", "humanitarian", "meeting", "ceasefire", "supply_route"]


def synthetic_events(n: int) -> list[Event]:
    rng = random.Random(n)
    events = []
    for i in range(n):
        kind = TYPES[rng.randrange(len(TYPES))]
        lat, lon = rng.uniform(-6.5, 2.5), rng.uniform(26.5, 30.5)
        extra: dict = {"precision": "exact", "place_id": f"gn:{i}"}
        coords: tuple = ((round(lat, 5), round(lon, 5)),)
        place = f"Village {i % 5000}"
        if kind == "supply_route":
            coords = (coords[0], (round(lat + rng.uniform(-.5, .5), 5), round(lon + rng.uniform(-.5, .5), 5)))
            place = f"Road {i % 700}"
        elif rng.random() < 0.05:
            pid, place, plat, plon = PROVINCES[rng.randrange(len(PROVINCES))]
            coords, extra = ((plat, plon),), {"precision": "admin1", "place_id": pid}
        elif rng.random() < 0.1:
            extra = {"precision": "inferred", "inferred": True, "note": "synthetic"}
        actors = tuple(sorted(rng.sample(ACTORS, rng.randrange(0, 3))))
        evidence = (f"Report {i}: {', '.join(actors) or 'Residents'} said {kind.replace('_', ' ')} events "
                    f"took place near {place} according to local sources.")
        date = None if rng.random() < 0.1 else dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(60))
        events.append(Event(id=f"ev{i:06d}", doc_id=f"doc{i % 40}", source=f"article-{i % 40:02d}.txt",
                            event_type=kind, place=place, coords=coords, evidence=evidence, start=i * 10,
                            end=i * 10 + len(evidence), date=date, actors=actors,
                            confidence=round(rng.uniform(.3, .95), 2), **extra))
    return events


def browser_times(path: Path, runs: int) -> tuple[float, float, list[str]]:
    """(ms to the load event, ms to the first toggle), medians over ``runs`` fresh pages."""
    from playwright.sync_api import sync_playwright

    loads, toggles, problems = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1366, "height": 800})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                       else (problems.append(r.request.url), r.abort()))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(path.as_uri(), wait_until="load", timeout=120_000)
            loads.append(page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd"))
            toggle = page.evaluate("""() => new Promise(done => {
              const before = geomap.visible().length, t0 = performance.now();
              document.querySelector('.leaflet-control-layers-overlays input[type=checkbox]').click();
              const after = geomap.visible().length;
              requestAnimationFrame(() => setTimeout(() => done([performance.now() - t0, before, after]), 0));
            })""")
            if not toggle[2] < toggle[1]:
                problems.append(f"toggle did not hide anything: {toggle}")
            toggles.append(toggle[0])
            page.close()
        browser.close()
    return statistics.median(loads), statistics.median(toggles), problems


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="geomap map benchmark")
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10_000, 50_000])
    ap.add_argument("--runs", type=int, default=3, help="browser runs per size (median)")
    args = ap.parse_args(argv)
    layers = load_layers(REPO / "layers")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            frame = events_to_frame(synthetic_events(n))
            t0 = time.perf_counter()
            page = render_map(frame, layers, title=f"{n} synthetic events")
            render_s = time.perf_counter() - t0
            path = Path(tmp) / f"map-{n}.html"
            path.write_text(page, encoding="utf-8")
            load_ms, toggle_ms, problems = browser_times(path, args.runs)
            rows.append((n, render_s, len(page.encode("utf-8")) / 1e6, load_ms / 1000, toggle_ms))
            for p in problems:
                print(f"  {n}: {p}", file=sys.stderr)
    print(f"{'events':>8} {'render s':>9} {'HTML MB':>8} {'load s':>7} {'toggle ms':>10}")
    for n, render_s, mb, load_s, toggle_ms in rows:
        print(f"{n:>8} {render_s:>9.2f} {mb:>8.2f} {load_s:>7.2f} {toggle_ms:>10.0f}")


if __name__ == "__main__":
    main()
