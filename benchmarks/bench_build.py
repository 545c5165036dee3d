"""Time `geomap build` on the seed article with the gazetteer index already built.

Prints figures; asserts nothing (targets are checked by reading them: under 3 s here).

    python3 benchmarks/bench_build.py [--runs N]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("inputs", nargs="*", default=[str(ROOT / "seeds")])
    args = parser.parse_args()
    geomap = [sys.executable, "-m", "geomap"]
    subprocess.run(geomap + ["gazetteer", "build"], check=True, capture_output=True)
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run(geomap + ["build", *args.inputs, "--out", out, "--quiet"], check=True, cwd=ROOT)
            times.append(time.perf_counter() - t0)
        size = sum(p.stat().st_size for p in Path(out).iterdir())
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"geomap build {' '.join(args.inputs)} (warm index), {args.runs} runs: "
          f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s")
    print(f"peak memory of one build process: {peak_mb:.0f} MB; output size {size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
