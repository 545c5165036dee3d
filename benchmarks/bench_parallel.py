"""Documents/s of extraction and resolution: one process against N Dask worker processes.

    python3 benchmarks/bench_parallel.py [--docs 400] [--workers 2] [--batch-size 50] [--corpora DIR]

Writes news-length texts from ../shared/corpora/*.jsonl into a temporary JSON-lines
feed of {"id", "text"} and runs :func:`geomap.pipeline.collect_events` over it (reading,
extraction and resolution; no map), first in this process, then on a local Dask cluster.
Startup is excluded: the gazetteer is opened and every worker has opened its own and
extracted one article before the clock starts.  Prints documents/s and MB/s both ways,
the speedup, and peak memory (this process, and the largest worker).  Checks that both
runs found the same events.  Asserts nothing about speed.
"""
from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def quiet() -> None:
    logging.disable(logging.WARNING)


def write_feed(path: Path, docs: int, corpora: Path) -> int:
    """``docs`` texts of the corpora, cycled if needed; returns the bytes of text."""
    texts = [json.loads(line)["text"] for p in sorted(corpora.glob("*.jsonl"))
             for line in p.read_text(encoding="utf-8").split("\n") if line.strip()]
    if not texts:
        raise SystemExit(f"{corpora}: no *.jsonl corpus with texts (give --corpora DIR)")
    size = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i, text in zip(range(docs), itertools.cycle(texts)):
            fh.write(json.dumps({"id": str(i), "text": text}) + "\n")
            size += len(text.encode("utf-8"))
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="folder of *.jsonl with a 'text' per line")
    args = parser.parse_args()
    quiet()

    import distributed

    from geomap import parallel
    from geomap.documents import read_document
    from geomap.gazetteer import Gazetteer
    from geomap.layers import load_layers
    from geomap.pipeline import collect_events, extract_batch

    layers = load_layers(None)
    warm = [read_document(ROOT / "seeds" / "drc-ceasefire-calls.txt")]
    with tempfile.TemporaryDirectory() as tmp, Gazetteer.open() as gaz:
        feed = Path(tmp) / "feed.jsonl"
        size = write_feed(feed, args.docs, args.corpora)
        extract_batch(warm, gaz, layers)

        load = os.getloadavg()[0]
        start, cpu = time.perf_counter(), cpu_s()
        serial = collect_events([feed], gaz, layers, batch_size=args.batch_size)
        serial_s, serial_cpu = time.perf_counter() - start, cpu_s() - cpu
        serial_rss = peak_rss_mb()

        with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                distributed.Client(cluster) as client:
            client.run(quiet)
            client.gather([client.submit(parallel.extract_batch_task, warm, str(gaz.path), layers, None,
                                         workers=[address], pure=False)  # open + warm each worker
                           for address in client.scheduler_info()["workers"]])
            workers_cpu, here_cpu = sum(client.run(cpu_s).values()), cpu_s()
            start = time.perf_counter()
            spread = collect_events([feed], gaz, layers, scheduler=cluster.scheduler_address,
                                    batch_size=args.batch_size)
            spread_s = time.perf_counter() - start
            workers_cpu = sum(client.run(cpu_s).values()) - workers_cpu
            here_cpu = cpu_s() - here_cpu
            spread_cpu = workers_cpu + here_cpu
            worker_rss = max(client.run(peak_rss_mb).values())
            opened = sorted(client.run(lambda: parallel.OPENED).values())

    same = [e.id for e in serial.events] == [e.id for e in spread.events] and serial.events == spread.events
    n, mb = len(serial.sources), size / 1e6
    print(f"{n} documents, {mb:.1f} MB of text, {len(serial.events)} events; batches of {args.batch_size}")
    print(f"one process   {n / serial_s:8.1f} documents/s  {mb / serial_s:6.2f} MB/s  ({serial_s:.2f} s)")
    print(f"{args.workers} workers     {n / spread_s:8.1f} documents/s  {mb / spread_s:6.2f} MB/s  ({spread_s:.2f} s)")
    print(f"speedup       {serial_s / spread_s:8.2f}x  (target >= 1.7x with 2 workers; "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at the start)")
    print(f"CPU time      {1000 * serial_cpu / n:8.1f} ms/document in one process, "
          f"{1000 * spread_cpu / n:.1f} ms/document over the workers and this process "
          f"(parallel overhead {100 * (spread_cpu / serial_cpu - 1):+.0f}%; this process, with the "
          f"scheduler, {1000 * here_cpu / n:.1f})")
    print(f"peak memory   {serial_rss:.0f} MB this process, {worker_rss:.0f} MB the largest worker")
    print(f"same events   {same}; gazetteer opened per worker: {opened}")


if __name__ == "__main__":
    main()
