"""Measure place extraction and resolution against a gold geoparsing corpus.

The corpus is JSON lines, one article a line::

    {"id": "...", "text": "...", "toponyms": [{"start", "end", "name", "lat", "lon"}, ...]}

Predictions are written in the same shape (``lat``/``lon`` null when a name was found
but not placed).  The scores follow Gritta et al. (2018), the definitions the shared
``score_toponyms.py`` uses:

* recognition -- a predicted span matches a gold span when they overlap (one-to-one,
  greedy by overlap length); precision, recall and F1 over spans;
* resolution -- over matched pairs whose prediction has coordinates: acc@161 (share
  within 161 km), mean and median error in km, and the AUC of the error curve
  (``ln(1 + err) / ln(20039)`` over sorted errors; lower is better).

With ``resolve_only`` the gold spans are given: every gold name is resolved in the
context of the whole document (the other gold names and the names geomap finds
itself), and only resolution is measured.
"""
from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from geomap.errors import InputError
from geomap.gazetteer import Gazetteer, distance_km
from geomap.models import Document, Mention

#: The earth's half circumference in km: the largest possible error.
MAX_ERROR_KM = 20039.0


@dataclass
class Scores:
    """Recognition and resolution figures for one corpus."""

    articles: int = 0
    characters: int = 0
    seconds: float = 0.0
    gold_toponyms: int = 0
    predicted: int = 0
    matched: int = 0
    resolved: int = 0
    errors_km: list[float] = field(default_factory=list, repr=False)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold_toponyms if self.gold_toponyms else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def acc161(self) -> float | None:
        if not self.errors_km:
            return None
        return sum(e <= 161 for e in self.errors_km) / len(self.errors_km)

    @property
    def auc(self) -> float | None:
        if len(self.errors_km) < 2:
            return None
        ys = [math.log(1 + e) / math.log(MAX_ERROR_KM) for e in sorted(self.errors_km)]
        return sum((a + b) / 2 for a, b in zip(ys, ys[1:])) / (len(ys) - 1)

    def as_dict(self) -> dict:
        """The figures, rounded as the shared scorer rounds them."""
        e = self.errors_km

        def r(x, n=3):
            return None if x is None else round(x, n)

        return {"articles": self.articles, "gold_toponyms": self.gold_toponyms,
                "predicted": self.predicted, "matched": self.matched,
                "precision": r(self.precision), "recall": r(self.recall), "f1": r(self.f1),
                "resolved": self.resolved, "acc161": r(self.acc161),
                "mean_km": round(statistics.fmean(e), 1) if e else None,
                "median_km": round(statistics.median(e), 1) if e else None,
                "auc": r(self.auc),
                "end_to_end_acc161": r(sum(e <= 161 for e in e) / self.gold_toponyms
                                       if self.gold_toponyms else None),
                "seconds": round(self.seconds, 2),
                "articles_per_s": round(self.articles / self.seconds, 1) if self.seconds else None,
                "mb_per_s": round(self.characters / 1e6 / self.seconds, 3) if self.seconds else None}


def read_corpus(path: Path | str) -> Iterator[dict]:
    """Yield the articles of a JSON-lines corpus, checking each line's shape."""
    path = Path(path)
    try:
        fh = open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    with fh:
        try:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(path, f"line {n}: not JSON ({exc.msg})") from None
                if not isinstance(rec, dict) or not isinstance(rec.get("text"), str) or "id" not in rec:
                    raise InputError(path, f"line {n}: expected an object with 'id' and 'text'")
                toponyms = rec.get("toponyms") or []
                if not isinstance(toponyms, list) or not all(
                        isinstance(t, dict) and isinstance(t.get("start"), int)
                        and isinstance(t.get("end"), int) for t in toponyms):
                    raise InputError(path, f"line {n}: 'toponyms' should be a list of"
                                           " objects with integer 'start' and 'end'")
                yield rec
        except UnicodeDecodeError:
            raise InputError(path, "not UTF-8 text") from None


def resolve_given(doc: Document, spans: list[tuple[int, int]], gazetteer: Gazetteer) -> list[Mention]:
    """Resolve the names at the given ``spans`` (a gold corpus's) in their document.

    The context is the given names plus the names geomap finds itself elsewhere in the
    text; the mentions of the given spans come back, resolved, in text order.
    """
    from geomap.mentions import find_mentions, mentions_for_spans  # noqa: PLC0415
    from geomap.resolve import resolve_mentions  # noqa: PLC0415

    given = mentions_for_spans(doc, spans, gazetteer)
    taken = [(m.start, m.end) for m in given]
    context = [m for m in find_mentions(doc, gazetteer)
               if not any(m.start < e and s < m.end for s, e in taken)]
    resolved = resolve_mentions(doc, sorted(given + context, key=lambda m: (m.start, m.end)),
                                gazetteer)
    wanted = set(taken)
    return [m for m in resolved if (m.start, m.end) in wanted]


def predict(rec: dict, gazetteer: Gazetteer, *, resolve_only: bool = False) -> list[dict]:
    """The toponyms geomap finds in one corpus article (gold spans when ``resolve_only``)."""
    from geomap.mentions import find_mentions  # noqa: PLC0415
    from geomap.resolve import resolve_mentions  # noqa: PLC0415

    doc = Document(id=str(rec["id"]), source=str(rec["id"]), text=rec["text"])
    if resolve_only:
        out = resolve_given(doc, [(t["start"], t["end"]) for t in rec.get("toponyms") or []],
                            gazetteer)
    else:
        # every name geomap finds counts: place names, demonyms ("Kenyan" names Kenya,
        # and the corpora annotate such adjectives) and unknown names after "in"
        out = resolve_mentions(doc, find_mentions(doc, gazetteer), gazetteer)
    return [_toponym(m) for m in out]


def _toponym(m: Mention) -> dict:
    p = m.place
    return {"start": m.start, "end": m.end, "name": m.surface,
            "lat": round(p.lat, 5) if p else None, "lon": round(p.lon, 5) if p else None}


def score_article(gold: list[dict], pred: list[dict], scores: Scores) -> None:
    """Add one article's matches and errors to ``scores``."""
    scores.articles += 1
    scores.gold_toponyms += len(gold)
    scores.predicted += len(pred)
    pairs = sorted((-(min(p["end"], g["end"]) - max(p["start"], g["start"])), i, j)
                   for i, p in enumerate(pred) for j, g in enumerate(gold)
                   if min(p["end"], g["end"]) > max(p["start"], g["start"]))
    used_p, used_g = set(), set()
    for _ov, i, j in pairs:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        scores.matched += 1
        p, g = pred[i], gold[j]
        if p.get("lat") is None or p.get("lon") is None:
            continue
        scores.resolved += 1
        scores.errors_km.append(distance_km(p["lat"], p["lon"], g["lat"], g["lon"]))


def evaluate(path: Path | str, gazetteer: Gazetteer, *, resolve_only: bool = False,
             predictions: Path | str | None = None,
             progress: Callable[[int], None] | None = None) -> Scores:
    """Run geomap over the corpus at ``path`` and score it; optionally write predictions.

    ``Scores.seconds`` counts extraction and resolution only (not reading or scoring).
    The predictions file is written through a temporary file renamed into place.
    """
    from geomap.atomic import write_atomic  # noqa: PLC0415

    import time  # noqa: PLC0415

    scores = Scores()
    lines: list[str] = []
    for n, rec in enumerate(read_corpus(path), 1):
        started = time.perf_counter()
        pred = predict(rec, gazetteer, resolve_only=resolve_only)
        scores.seconds += time.perf_counter() - started
        scores.characters += len(rec["text"])
        gold = [t for t in rec.get("toponyms") or [] if t.get("lat") is not None]
        score_article(gold, pred, scores)
        if predictions is not None:
            lines.append(json.dumps({"id": rec["id"], "toponyms": pred}, ensure_ascii=False))
        if progress:
            progress(n)
    if predictions is not None:
        write_atomic(Path(predictions), "".join(line + "\n" for line in lines))
    return scores
