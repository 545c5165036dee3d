"""Write the word lists geomap's name finder uses to tell places from people and words.

Run from the repository root (needs the ``dev`` extra: wordfreq and names)::

    python scripts/make_wordlists.py

Outputs, in ``geomap/data/`` (the same bytes on every run):

* ``frequent_words.txt`` -- English words with a Zipf frequency of at least
  :data:`MIN_ZIPF` in wordfreq 3.1, each with its frequency after a tab (data: CC BY-SA 4.0, Robyn Speer and contributors,
  https://github.com/rspeer/wordfreq), letters only;
* ``given_names.txt`` -- the US Census 1990 male and female first names (public
  domain), as shipped in the ``names`` package;
* ``surnames.txt`` -- the :data:`TOP_SURNAMES` most frequent US Census 1990 surnames
  (public domain), from the same package.
"""
from __future__ import annotations

import sys
from pathlib import Path

MIN_ZIPF = 4.0
TOP_SURNAMES = 3000
OUT = Path(__file__).resolve().parents[1] / "geomap" / "data"


def _census(path: Path, limit: int | None = None) -> list[str]:
    rows = [line.split()[0].title() for line in path.read_text(encoding="ascii").splitlines()
            if line.strip()]
    return rows[:limit] if limit else rows


def _write(name: str, header: str, words: list[str]) -> None:
    body = "".join(f"{w}\n" for w in sorted(set(words)))
    (OUT / name).write_text(header + body, encoding="utf-8")
    print(f"{name}: {len(set(words))} words", file=sys.stderr)


def main() -> None:
    from importlib.metadata import version

    import names
    import wordfreq

    frequent = [f"{w}\t{wordfreq.zipf_frequency(w, 'en'):.2f}"
                for w in wordfreq.top_n_list("en", 50_000)
                if w.isalpha() and w.isascii() and wordfreq.zipf_frequency(w, "en") >= MIN_ZIPF]
    _write("frequent_words.txt",
           f"# English words with Zipf frequency >= {MIN_ZIPF} (wordfreq {version('wordfreq')}"
           " data, CC BY-SA 4.0,\n# https://github.com/rspeer/wordfreq). Made by"
           " scripts/make_wordlists.py.\n", frequent)
    src = Path(names.__file__).parent
    given = _census(src / "dist.male.first") + _census(src / "dist.female.first")
    _write("given_names.txt", "# US Census 1990 first names (public domain), from the"
           " 'names' package.\n# Made by scripts/make_wordlists.py.\n", given)
    _write("surnames.txt", f"# The {TOP_SURNAMES} most frequent US Census 1990 surnames"
           " (public domain), from the\n# 'names' package. Made by scripts/make_wordlists.py.\n",
           _census(src / "dist.all.last", TOP_SURNAMES))


if __name__ == "__main__":
    main()
