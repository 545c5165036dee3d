"""Why names given to the resolver end up more than 161 km from gold, by cause.

    python3 benchmarks/resolve_errors.py CORPUS.jsonl [--examples N]

Each miss (gold names given, as in ``geomap evaluate --resolve-only``) is put in one of
two kinds, by the kind of place geomap chose:

* ``choice:<kind>`` -- another candidate lies within 161 km of gold: the resolver chose
  wrong;
* ``point:<kind>`` -- no candidate does: the entity is missing from the data, or the
  data puts its point elsewhere (a country's or province's conventional point).

Prints counts and the most frequent names of each kind; asserts nothing.
"""
from __future__ import annotations

import argparse
import logging
from collections import Counter, defaultdict
from pathlib import Path

from geomap.evaluate import read_corpus, resolve_given
from geomap.gazetteer import Gazetteer, distance_km
from geomap.models import Document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--examples", type=int, default=8)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    gazetteer = Gazetteer.open()
    causes: Counter = Counter()
    names: dict[str, Counter] = defaultdict(Counter)
    for rec in read_corpus(args.corpus):
        doc = Document(id=str(rec["id"]), source=args.corpus.name, text=rec["text"])
        resolved = {(m.start, m.end): m for m in
                    resolve_given(doc, [(t["start"], t["end"]) for t in rec["toponyms"]], gazetteer)}
        for t in rec["toponyms"]:
            m = resolved.get((t["start"], t["end"]))
            if m is None or m.place is None or \
                    distance_km(m.place.lat, m.place.lon, t["lat"], t["lon"]) <= 161:
                continue
            near = any(distance_km(p.lat, p.lon, t["lat"], t["lon"]) <= 161 for p in m.candidates)
            cause = f"{'choice' if near else 'point'}:{m.place.kind}"
            causes[cause] += 1
            names[cause][f"{t['name']} -> {m.place.name} ({m.place.country or '-'})"] += 1
    print(f"{args.corpus.name}: {sum(causes.values())} misses over 161 km")
    for cause, n in causes.most_common():
        examples = ", ".join(f"{k} x{v}" for k, v in names[cause].most_common(args.examples))
        print(f"  {cause:16} {n:5}  {examples}")


if __name__ == "__main__":
    main()
