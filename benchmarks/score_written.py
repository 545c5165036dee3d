"""Event scores on the articles we wrote for a blind check (``benchmarks/written``).

Builds each set (every folder of ``benchmarks/written`` but ``gold``: ``dev2`` to ``dev9``,
``holdout`` to ``holdout4``) into a temporary folder and scores its
``events.geojson`` with ``../shared/tools/score_events.py`` against the set's gold, then
prints one line per set: precision, recall, F1, date accuracy and actor recall.  Asserts
nothing.

    python3 benchmarks/score_written.py [SET ...]
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = ROOT / "benchmarks" / "written"
SHARED = next((d / "shared" for d in (ROOT.parent, ROOT.parent.parent) if (d / "shared").is_dir()),
              ROOT.parent / "shared")
SCORER = SHARED / "tools" / "score_events.py"


def score(name: str, out: Path) -> dict:
    """Build the set ``name`` into ``out`` and return the scorer's figures."""
    subprocess.run([sys.executable, "-m", "geomap", "build", str(WRITTEN / name), "--out", str(out), "-q"],
                   check=True, cwd=ROOT)
    done = subprocess.run([sys.executable, str(SCORER), str(out / "events.geojson"),
                           str(WRITTEN / "gold" / name), "--json"],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def main() -> None:
    if not SCORER.exists():
        sys.exit(f"{SCORER}: the shared scorer is missing")
    names = sys.argv[1:] or sorted(d.name for d in WRITTEN.iterdir() if d.is_dir() and d.name != "gold")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            s = score(name, Path(tmp) / name)
            print(f"{name:<8} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}"
                  f"  date {s['date_accuracy']:.3f}  actors {s['actor_recall']:.3f}")


if __name__ == "__main__":
    main()
