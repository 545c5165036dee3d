"""Writing outputs so that nothing is ever half-written.

Every output goes to a temporary file beside its target; only when all of a run's
outputs are complete are they renamed into place, together, with Ctrl-C and SIGTERM
held back for the renames.  On any failure (a full disk, a writer's error, an
interrupt) the temporary files are removed and the previous outputs stay as they were.

A target is given either text (written as UTF-8 with ``\\n`` newlines) or a writer: a
callable that creates the file at the temporary path it is given (GDAL's drivers, for
example, create their files themselves).
"""
from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from .errors import GeomapError, OutputError

Writer = Callable[[Path], None]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def signals_held():
    """Hold Ctrl-C (SIGINT) and SIGTERM back until the block ends, then act on them (main thread only).

    A Python-level handler notes the signal and the previous handler runs after the
    block; a signal mask would not do, because the kernel hands a process-wide signal
    to any thread that does not block it (libraries start threads of their own).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, lambda signum, frame: received.append(signum)) for signum in held}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            handler = previous[received[0]]
            if callable(handler):
                handler(received[0], None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(received[0])


def _leftovers(tmp: Path) -> list[Path]:
    # the temporary file, and the -journal/-wal files SQLite-based writers (GeoPackage) leave
    return [tmp, *tmp.parent.glob(tmp.name + "-*")]


def write_all(outputs: Mapping[Path, str | Writer]) -> None:
    """Write every ``{path: text or writer}``; a failure or Ctrl-C leaves all previous files as they were.

    An ``OSError`` (a full disk, no permission) becomes :class:`~geomap.errors.OutputError`
    naming the file it happened on.

    Example::

        write_all({out / "events.geojson": geojson_text, out / "map.html": html_text})
    """
    temps: list[tuple[Path, Path]] = []
    path = None
    try:
        for path, content in outputs.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent)
            tmp = Path(name)
            temps.append((tmp, path))
            if isinstance(content, str):
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(content)
            else:
                os.close(fd)
                tmp.unlink()  # the writer creates the file itself
                content(tmp)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes private files; outputs are ordinary ones
        with signals_held():
            while temps:
                tmp, path = temps[0]
                os.replace(tmp, path)
                temps.pop(0)
    except OSError as exc:
        if isinstance(exc, GeomapError):
            raise
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        for tmp, _ in temps:
            for leftover in _leftovers(tmp):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()


def write_atomic(path: Path, content: str | Writer) -> None:
    """Write one file through a temporary file in the same folder, then rename it into place."""
    write_all({Path(path): content})
