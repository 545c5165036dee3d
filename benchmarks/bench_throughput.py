"""How fast geomap reads news in one process: documents/s, MB/s, lookups/s, memory.

Inputs are the texts of the gold corpora (``../shared/corpora/*.jsonl``, news-length
articles) and the dev articles (``../shared/events/dev``).  It prints one table:

* start-up, reported apart: opening the gazetteer (cold: the first open in this
  process, with its first lookup; warm: opening it again), loading the layers, and a
  first one-sentence document (which loads the word lists the filters use);
* extraction + resolution (``find_mentions`` + ``resolve_mentions``), pass by pass:
  the first pass starts with empty caches, later passes (``--repeat``) reuse the
  gazetteer's cache of name keys, as a long run over a news feed does;
* articles the caches have not seen: in a fresh process, half the articles (every
  second one) warm the caches, then the other half is timed.  This is nearer a news
  feed, where new articles bring new names, than a second pass over the same texts;
* the full ``pipeline.extract_document`` (mentions, resolution and events);
* gazetteer lookups/s (batched name keys, as ``find_mentions`` asks them), on a fresh
  gazetteer and then from its cache;
* geotext 0.4 on the same texts in the same run, and geomap's speed as a ratio of it;
* peak memory (maximum resident set size of the process).

MB are millions of characters, as ``geomap evaluate`` counts them.  Rates are per CPU second of this process (``time.process_time``), which other jobs on
a shared machine disturb less than wall-clock time; the wall-clock rate is printed
beside them.  Asserts nothing.

    python3 benchmarks/bench_throughput.py [--repeat 3] [--limit 200] [CORPUS.jsonl ...]
"""
from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the checkout (or beside its worktree folder)
SHARED = next((d / "shared" for d in (ROOT.parent, ROOT.parent.parent) if (d / "shared").is_dir()),
              ROOT.parent / "shared")
DEFAULT_CORPORA = sorted((SHARED / "corpora").glob("*.jsonl"))
DEFAULT_DEV = SHARED / "events" / "dev"


def load_documents(corpora: list[Path], dev: Path | None, limit: int | None) -> list:
    """The articles to read: each corpus's first ``limit`` texts, then the dev articles."""
    from geomap.documents import iter_paths, read_document
    from geomap.evaluate import read_corpus
    from geomap.models import Document

    docs = []
    for path in corpora:
        for n, rec in enumerate(read_corpus(path)):
            if limit is not None and n >= limit:
                break
            docs.append(Document(id=f"{path.stem}-{rec['id']}", source=path.name, text=rec["text"]))
    if dev is not None and dev.is_dir():
        docs += [read_document(p) for p in iter_paths([dev])]
    return docs


class Timer:
    """CPU and wall-clock seconds of a block."""

    def __enter__(self) -> "Timer":
        self.cpu, self.wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu
        self.wall = time.perf_counter() - self.wall


def rate_row(label: str, docs: int, chars: int, t: Timer) -> str:
    cpu, wall = max(t.cpu, 1e-9), max(t.wall, 1e-9)
    return (f"  {label:<38} {docs / cpu:>9.0f} {chars / 1e6 / cpu:>8.2f} {docs / wall:>9.0f}"
            f" {t.cpu:>8.2f}")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def unseen_half(corpora: list[Path], dev: Path | None, limit: int | None) -> tuple[int, int, float, float]:
    """In a fresh process: warm the caches on every second article, then time the
    others.  Returns their count, characters, CPU and wall seconds."""
    logging.disable(logging.WARNING)
    from geomap.gazetteer import Gazetteer
    from geomap.mentions import find_mentions
    from geomap.resolve import resolve_mentions

    docs = load_documents(corpora, dev, limit)
    seen, unseen = docs[::2], docs[1::2]
    gazetteer = Gazetteer.open(build=False)
    for doc in seen:
        resolve_mentions(doc, find_mentions(doc, gazetteer), gazetteer)
    with Timer() as t:
        for doc in unseen:
            resolve_mentions(doc, find_mentions(doc, gazetteer), gazetteer)
    return len(unseen), sum(len(d.text) for d in unseen), t.cpu, t.wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="folder of dev articles")
    parser.add_argument("--repeat", type=int, default=3, help="passes of extraction + resolution")
    parser.add_argument("--limit", type=int, default=None, help="articles per corpus")
    args = parser.parse_args()
    if not args.corpora:
        sys.exit("no corpora given and none found in ../shared/corpora")
    logging.disable(logging.WARNING)  # unresolved names are logged per document

    from geomap.gazetteer import Gazetteer, name_key
    from geomap.layers import load_layers
    from geomap.mentions import _phrases, find_mentions, tokenize
    from geomap.pipeline import extract_document
    from geomap.resolve import resolve_mentions

    docs = load_documents(args.corpora, args.dev, args.limit)
    chars = sum(len(d.text) for d in docs)
    rss_before = peak_rss_mb()

    print(f"{len(docs)} articles ({', '.join(p.name for p in args.corpora)}"
          f"{', dev' if args.dev and args.dev.is_dir() else ''}), {chars / 1e6:.2f} MB,"
          f" {chars / len(docs):.0f} characters each on average")
    print("\nstart-up (excluded from the rates below)")
    with Timer() as cold:
        gazetteer = Gazetteer.open(build=False)
        gazetteer.lookup_keys(["goma"])
    with Timer() as warm:
        Gazetteer.open(build=False).close()
    with Timer() as layer_t:
        layers = load_layers()
    with Timer() as first:  # loads the word lists the filters use, once per process
        from geomap.models import Document

        warm_up = Document(id="warm-up", source="warm-up", text="Kenyan President Ruto met Mary Smith in Goma.")
        extract_document(warm_up, gazetteer, layers)
    print(f"  gazetteer open, cold (first in process) {cold.wall:8.3f} s")
    print(f"  gazetteer open, warm                    {warm.wall:8.3f} s")
    print(f"  layers load                             {layer_t.wall:8.3f} s")
    print(f"  first document (loads the word lists)   {first.wall:8.3f} s")

    print(f"\n  {'':<38} {'docs/s':>9} {'MB/s':>8} {'wall d/s':>9} {'cpu s':>8}")
    rows = []
    for n in range(1, args.repeat + 1):
        with Timer() as t:
            for doc in docs:
                resolve_mentions(doc, find_mentions(doc, gazetteer), gazetteer)
        label = "extraction + resolution, pass 1 (cold)" if n == 1 else f"extraction + resolution, pass {n}"
        rows.append((label, t))
        print(rate_row(label, len(docs), chars, t))
    import multiprocessing  # noqa: PLC0415

    with multiprocessing.get_context("spawn").Pool(1) as pool:  # fresh caches
        n_unseen, unseen_chars, cpu, wall = pool.apply(unseen_half, (args.corpora, args.dev, args.limit))
    unseen = Timer()
    unseen.cpu, unseen.wall = cpu, wall
    print(rate_row("the same, articles not seen before", n_unseen, unseen_chars, unseen))
    with Timer() as full:
        for doc in docs:
            extract_document(doc, gazetteer, layers)
    print(rate_row("full extract_document (with events)", len(docs), chars, full))

    batches = [[name_key(p[3]) for p in _phrases(d.text, tokenize(d.text))] for d in docs]
    keys = sum(len(b) for b in batches)
    fresh = Gazetteer.open(build=False)
    with Timer() as cold_lookups:
        for batch in batches:
            fresh.lookup_keys(batch)
    with Timer() as warm_lookups:
        for batch in batches:
            fresh.lookup_keys(batch)
    fresh.close()

    from geotext import GeoText

    GeoText("warm up in Paris")  # geotext loads its data on first use
    with Timer() as peer:
        for doc in docs:
            GeoText(doc.text)
    print(rate_row("geotext 0.4", len(docs), chars, peer))
    best = min(t.cpu for _label, t in rows)
    print(f"\n  geomap / geotext speed: {peer.cpu / rows[0][1].cpu:.2f}x (pass 1),"
          f" {peer.cpu / best:.2f}x (best pass); full path {peer.cpu / full.cpu:.2f}x")
    print(f"  gazetteer lookups: {keys / max(cold_lookups.cpu, 1e-9):,.0f} keys/s on a fresh gazetteer,"
          f" {keys / max(warm_lookups.cpu, 1e-9):,.0f} keys/s cached ({keys} keys in {len(batches)} batches)")
    print(f"  peak memory: {peak_rss_mb():.0f} MB (after loading the texts: {rss_before:.0f} MB)")


if __name__ == "__main__":
    main()
