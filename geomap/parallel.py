"""Extraction on a Dask ``distributed`` cluster: the serial code path, spread over workers.

The unit of work is :func:`geomap.pipeline.extract_batch` over a batch of documents,
exactly as in one process; the workers return small :class:`~geomap.pipeline.BatchResult`
records and the results are taken back in submission order, so the output is the same,
byte for byte, as a serial run's.  Batches are submitted lazily, a few per worker ahead,
so memory stays bounded however long the feed is.

Each worker opens the gazetteer once (:func:`worker_gazetteer`) and keeps it for every
later batch; the open index is never pickled, only its path is sent.  Needs ``dask[distributed]``
(``pip install 'geomap[parallel]'``).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .errors import GeomapError
from .models import Document, Layer

log = logging.getLogger("geomap")

#: Batches submitted ahead of the results taken, per worker thread.
AHEAD_PER_WORKER = 3
#: How long to try reaching a ``--scheduler`` before giving up.
CONNECT_TIMEOUT = "10s"

_LOCAL = threading.local()  # per worker thread: index path -> open Gazetteer
_LOCK = threading.Lock()
OPENED = 0  # how many gazetteers this process opened (one per worker thread: tests check it)


def worker_gazetteer(path: str):
    """The gazetteer at ``path``, opened on first use in this worker thread and kept for
    every later batch.  ``--workers`` runs one thread per process, so one per process; a
    worker of an existing cluster with several threads opens one per thread, as an
    SQLite connection is best not shared between threads."""
    global OPENED
    open_ones = getattr(_LOCAL, "gazetteers", None)
    if open_ones is None:
        open_ones = _LOCAL.gazetteers = {}
    gaz = open_ones.get(path)
    if gaz is None:
        from .gazetteer import Gazetteer

        gaz = open_ones[path] = Gazetteer.open(path, build=False)
        with _LOCK:
            OPENED += 1
    return gaz


class _Collect(logging.Handler):
    """Keeps the geomap log records of one worker thread, for the client to replay."""

    def __init__(self, level: int):
        super().__init__(level)
        self.thread = threading.get_ident()
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.records.append((record.levelno, record.getMessage()))


def extract_batch_task(docs: Sequence[Document], gazetteer_path: str, layers: Sequence[Layer],
                       today: dt.date | None, log_level: int = logging.WARNING):
    """What a worker runs: :func:`~geomap.pipeline.extract_batch` with its own gazetteer.

    The batch's geomap log records at ``log_level`` and above travel back with the result
    (``BatchResult.logs``), so the client logs what a serial run would, in the same order.
    """
    from .pipeline import extract_batch

    logger = logging.getLogger("geomap")
    collect = _Collect(log_level)
    logger.addHandler(collect)
    try:
        result = extract_batch(docs, worker_gazetteer(gazetteer_path), layers, today=today)
    finally:
        logger.removeHandler(collect)
    result.logs = collect.records
    return result


def _quiet_geomap_logs() -> None:
    """On a worker: geomap's records reach the client with the results, not the worker's stderr."""
    logging.getLogger("geomap").propagate = False


def _distributed():
    try:
        import distributed
    except ImportError:
        raise GeomapError("--workers and --scheduler need Dask: pip install 'dask[distributed]'"
                          " (or geomap[parallel])") from None
    return distributed


def open_client(workers: int | None = None, scheduler: str | None = None):
    """A ``distributed.Client``: on a new local cluster of ``workers`` processes (one
    thread each), or connected to the scheduler at ``scheduler``."""
    distributed = _distributed()
    if scheduler:
        try:
            return distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise GeomapError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
    if not workers or workers < 1:
        raise GeomapError(f"workers should be a positive number, got {workers!r}")
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    return distributed.Client(cluster)


def _threads(client) -> int:
    return max(1, sum(client.nthreads().values()))


def extract_on_dask(batches: Iterable[list[Document]], gazetteer_path: Path | str, layers: Sequence[Layer], *,
                    today: dt.date | None = None, workers: int | None = None, scheduler: str | None = None,
                    client=None) -> Iterator:
    """Run :func:`extract_batch_task` over ``batches`` on Dask and yield the
    :class:`~geomap.pipeline.BatchResult` records in the order of ``batches``.

    A local cluster started here is closed when the iteration ends; an existing
    ``client`` or ``scheduler`` is left running.
    """
    own = client is None
    _distributed()  # imported first: importing it sets its loggers' levels
    chatter = logging.getLogger("distributed")
    level = chatter.level
    if own and not scheduler:  # a cluster of our own: its start and shutdown messages are no news
        chatter.setLevel(logging.ERROR)
    try:
        client = client or open_client(workers, scheduler)
        cluster = client.cluster if own and not scheduler else None
        try:
            yield from _in_order(client, batches, str(gazetteer_path), layers, today)
        finally:
            if own:
                client.close()
                if cluster is not None:
                    cluster.close()
    finally:
        chatter.setLevel(level)


def _in_order(client, batches, path: str, layers, today) -> Iterator:
    ahead = AHEAD_PER_WORKER * _threads(client)
    pending: deque = deque()
    [layers_future] = client.scatter([list(layers)], broadcast=True)
    level = logging.getLogger("geomap").getEffectiveLevel()
    client.run(_quiet_geomap_logs)
    for batch in batches:
        pending.append(client.submit(extract_batch_task, batch, path, layers_future, today, level, pure=False))
        while len(pending) >= ahead:
            yield _take(pending.popleft())
    while pending:
        yield _take(pending.popleft())


def _take(future):
    try:
        result = future.result()
    finally:
        future.release()
    for level, message in result.logs:
        log.log(level, "%s", message)
    return result
