"""geomap against geotext on gold geoparsing corpora, in one run: accuracy and speed.

For each corpus (JSON lines, the format of ../shared/corpora) it prints

* geomap end to end: recognition precision/recall/F1, acc@161 of the names it found
  and placed, and articles/s and MB/s of extraction plus resolution;
* geomap with the gold names given (``--resolve-only``): acc@161, AUC, how many it
  placed, and how often it chose the right place among its candidates (the "entity"
  figure: the chosen candidate is the one nearest the gold point, so a miss there is
  the resolver's, while the rest of acc@161's misses are the gazetteer's convention for
  where a country or province's point lies);
* geotext 0.4 (the one offline peer): recognition F1 and speed.  geotext returns names
  without offsets, so every whole-word occurrence of a name it returns counts as found.

Gazetteer build and start-up are excluded from the speeds.  Prints figures; asserts
nothing.

    python3 benchmarks/bench_toponyms.py [CORPUS.jsonl ...]
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = sorted((ROOT.parent / "shared" / "corpora").glob("*.jsonl"))


def geotext_spans(text: str, geotext_cls) -> list[dict]:
    """Whole-word occurrences of the names geotext finds (it gives no offsets)."""
    found = geotext_cls(text)
    names = sorted(set(found.cities) | set(found.countries), key=len, reverse=True)
    spans: list[tuple[int, int]] = []
    for name in names:
        for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            if not any(m.start() < e and s < m.end() for s, e in spans):
                spans.append((m.start(), m.end()))
    return [{"start": s, "end": e, "lat": None, "lon": None} for s, e in sorted(spans)]


def entity_accuracy(recs, gazetteer) -> tuple[int, int]:
    """(chosen candidate is the nearest to gold, names placed) with gold names given."""
    from geomap.evaluate import resolve_given
    from geomap.gazetteer import distance_km
    from geomap.models import Document

    right = placed = 0
    for rec in recs:
        doc = Document(id=str(rec["id"]), source="x", text=rec["text"])
        resolved = {(m.start, m.end): m for m in
                    resolve_given(doc, [(t["start"], t["end"]) for t in rec["toponyms"]], gazetteer)}
        for t in rec["toponyms"]:
            m = resolved.get((t["start"], t["end"]))
            if m is None or m.place is None:
                continue
            placed += 1
            best = min(distance_km(c.lat, c.lon, t["lat"], t["lon"]) for c in m.candidates)
            mine = distance_km(m.place.lat, m.place.lon, t["lat"], t["lon"])
            right += mine <= best + 1.0
    return right, placed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", type=Path, default=DEFAULT)
    args = parser.parse_args()
    if not args.corpora:
        sys.exit("no corpora given and none found in ../shared/corpora")
    logging.disable(logging.WARNING)
    from geotext import GeoText

    from geomap.evaluate import Scores, evaluate, read_corpus, score_article
    from geomap.gazetteer import Gazetteer

    gazetteer = Gazetteer.open()
    GeoText("warm up in Paris")  # geotext loads its data on first use
    for path in args.corpora:
        recs = list(read_corpus(path))
        chars = sum(len(r["text"]) for r in recs)
        ours = evaluate(path, gazetteer).as_dict()
        given = evaluate(path, gazetteer, resolve_only=True).as_dict()
        right, placed = entity_accuracy(recs, gazetteer)
        peer = Scores()
        started = time.perf_counter()
        spans = [geotext_spans(r["text"], GeoText) for r in recs]
        peer_seconds = time.perf_counter() - started
        for rec, pred in zip(recs, spans):
            score_article(rec["toponyms"], pred, peer)
        print(f"\n{path.name}: {len(recs)} articles, {chars / 1e6:.2f} MB, {ours['gold_toponyms']} gold toponyms")
        print(f"  geomap end to end   P {ours['precision']:.3f}  R {ours['recall']:.3f}  F1 {ours['f1']:.3f}  "
              f"acc@161 {ours['acc161']:.3f}  {ours['articles_per_s']:.0f} articles/s  {ours['mb_per_s']:.2f} MB/s")
        print(f"  geomap names given  acc@161 {given['acc161']:.3f}  AUC {given['auc']:.3f}  "
              f"placed {given['resolved']}/{given['gold_toponyms']}  right entity {right / placed:.3f}  "
              f"{given['articles_per_s']:.0f} articles/s")
        print(f"  geotext 0.4         P {peer.precision:.3f}  R {peer.recall:.3f}  F1 {peer.f1:.3f}  "
              f"{len(recs) / peer_seconds:.0f} articles/s  {chars / 1e6 / peer_seconds:.2f} MB/s  "
              f"(geomap/geotext speed {ours['articles_per_s'] / (len(recs) / peer_seconds):.2f}x)")


if __name__ == "__main__":
    main()
