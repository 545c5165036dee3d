"""Documents/s of extraction and resolution: one process, one Dask worker and N workers.

    python3 benchmarks/bench_parallel.py [--docs 400] [--workers 2] [--batch-size 50] [--corpora DIR]

Writes news-length texts from ../shared/corpora/*.jsonl into a temporary JSON-lines
feed of {"id", "text"} and runs :func:`geomap.pipeline.collect_events` over it (reading,
extraction and resolution; no map): in this process, then on a local Dask cluster of one
worker, then of N workers.  Startup is excluded: the gazetteer is opened and every worker
has opened its own and extracted one article before the clock starts.  Prints
documents/s and MB/s for each, the speedup of N workers over one worker (and over one
process), and peak memory (this process, and the largest worker).  Checks that every run
found the same events.  Asserts nothing about speed.
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

        one = on_cluster(1, feed, gaz, layers, warm, args.batch_size)
        many = on_cluster(args.workers, feed, gaz, layers, warm, args.batch_size)

    n, mb = len(serial.sources), size / 1e6
    print(f"{n} documents, {mb:.1f} MB of text, {len(serial.events)} events; batches of {args.batch_size}; "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at the start")
    print(f"one process   {n / serial_s:8.1f} documents/s  {mb / serial_s:6.2f} MB/s  ({serial_s:.2f} s, "
          f"{1000 * serial_cpu / n:.1f} ms CPU/document)")
    for label, run in (("1 worker ", one), (f"{args.workers} workers", many)):
        print(f"{label}     {n / run['seconds']:8.1f} documents/s  {mb / run['seconds']:6.2f} MB/s  "
              f"({run['seconds']:.2f} s, {1000 * run['cpu'] / n:.1f} ms CPU/document over the workers and "
              f"this process, {1000 * run['here_cpu'] / n:.1f} of it here with the scheduler)")
    print(f"speedup       {one['seconds'] / many['seconds']:8.2f}x  {args.workers} workers over 1 worker "
          f"(target >= 1.7x with 2); {serial_s / many['seconds']:.2f}x over one process")
    print(f"peak memory   {serial_rss:.0f} MB this process, {many['rss']:.0f} MB the largest worker")
    same = all(run["events"] == serial.events for run in (one, many))
    print(f"same events   {same}; gazetteer opened per worker: {many['opened']}")


def on_cluster(workers: int, feed: Path, gaz, layers, warm, batch_size: int) -> dict:
    """Time :func:`collect_events` on a fresh local cluster of ``workers`` processes, each warmed first."""
    import distributed

    from geomap import parallel
    from geomap.pipeline import collect_events

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        client.run(quiet)
        client.gather([client.submit(parallel.extract_batch_task, warm, str(gaz.path), layers, None,
                                     workers=[address], pure=False)  # open + warm each worker
                       for address in client.scheduler_info()["workers"]])
        workers_cpu, here_cpu = sum(client.run(cpu_s).values()), cpu_s()
        start = time.perf_counter()
        found = collect_events([feed], gaz, layers, scheduler=cluster.scheduler_address, batch_size=batch_size)
        seconds = time.perf_counter() - start
        workers_cpu = sum(client.run(cpu_s).values()) - workers_cpu
        here_cpu = cpu_s() - here_cpu
        return {"seconds": seconds, "cpu": workers_cpu + here_cpu, "here_cpu": here_cpu, "events": found.events,
                "rss": max(client.run(peak_rss_mb).values()),
                "opened": sorted(client.run(lambda: parallel.OPENED).values())}


if __name__ == "__main__":
    main()
