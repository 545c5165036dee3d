"""Each resolver heuristic's gain: resolve-only acc@161 with it switched off, per corpus.

    python3 benchmarks/ablate_resolver.py [CORPUS.jsonl ...]

Prints one line per setting; asserts nothing.
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from geomap import resolve as R
from geomap.evaluate import Scores, predict, read_corpus, score_article
from geomap.gazetteer import Gazetteer

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {
    "all heuristics": {},
    "no coherence rounds": {"COHERENCE_ROUNDS": 0},
    "no other senses as neighbours": {"OTHER_SENSE_WEIGHT": 0.0},
    "no same-division share": {"DIVISION_WEIGHT": 0.0},
    "no nearest-name closeness": {"NEAR_WEIGHT": 0.0},
    "no country votes": {"COUNTRY_WEIGHT": 0.0},
    "no prior on country shares": {"COUNTRY_PRIOR": 0.0},
    "no other-name penalty": {"OTHER_NAME_PENALTY": 0.0},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", type=Path,
                        default=sorted((ROOT.parent / "shared" / "corpora").glob("*.jsonl")))
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    gazetteer = Gazetteer.open()
    corpora = {p.stem: list(read_corpus(p)) for p in args.corpora}
    print("setting".ljust(32) + "".join(name.rjust(10) for name in corpora))
    for label, changes in SETTINGS.items():
        saved = {k: getattr(R, k) for k in changes}
        for k, v in changes.items():
            setattr(R, k, v)
        row = []
        for recs in corpora.values():
            s = Scores()
            for rec in recs:
                score_article(rec["toponyms"], predict(rec, gazetteer, resolve_only=True), s)
            row.append(f"{s.acc161:.3f}")
        for k, v in saved.items():
            setattr(R, k, v)
        print(label.ljust(32) + "".join(v.rjust(10) for v in row), flush=True)


if __name__ == "__main__":
    main()
