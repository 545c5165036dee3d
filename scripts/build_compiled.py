"""Optional: compile geomap's hottest modules with mypyc, in place (issue #6).

Place extraction and resolution (``geomap.mentions`` and ``geomap.resolve``, and the
name lookups of ``geomap.gazetteer`` they make) are the CPU cost of reading news.
mypyc turns those three modules into C extensions that give the same answers (the
benchmark articles' mentions and events are byte-identical) about 2 times as fast.
Nothing else changes: the pure-Python modules stay the default, ``pip install -e .``
needs no C compiler, and this script is never run by the package's build.

    pip install -e '.[compiled]'                   # mypy, the compiler (needs a C compiler too)
    python scripts/build_compiled.py               # geomap/{mentions,resolve,gazetteer}.*.so
    python scripts/build_compiled.py --check       # which modules load compiled now
    python scripts/build_compiled.py --clean       # back to pure Python

Python loads an extension module before the ``.py`` of the same name, so a build
shadows later edits of those files: rebuild, or clean, after changing them.  Compiled,
``Gazetteer`` is a native class: its methods cannot be replaced on an instance.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.machinery
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("geomap/mentions.py", "geomap/resolve.py", "geomap/gazetteer.py")
#: Each module on its own (``separate``): every extension then sits beside its ``.py``,
#: with no shared library at the top level that an installed package would not find.
SETUP = """
import sys
from setuptools import setup
from mypyc.build import mypycify
temp = sys.argv[1]
setup(name="geomap-compiled", py_modules=[],
      ext_modules=mypycify(["--ignore-missing-imports", "--follow-imports=silent", *sys.argv[2:]],
                           opt_level="3", separate=True, target_dir=temp + "/c"),
      script_args=["build_ext", "--build-lib", temp + "/lib", "--build-temp", temp + "/obj"])
"""


def built() -> list[Path]:
    """The compiled extensions of :data:`MODULES` present now: each module's own
    (``mentions.<abi>.so``) and the one holding its code (``mentions__mypyc.<abi>.so``)."""
    found = []
    for module in MODULES:
        path = ROOT / module
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            found += [p for p in (path.with_suffix(suffix), path.with_name(path.stem + "__mypyc" + suffix))
                      if p.exists()]
    return found


def build() -> None:
    try:
        import mypyc  # noqa: F401, PLC0415
    except ImportError:
        sys.exit("mypyc is part of mypy: pip install mypy")
    with tempfile.TemporaryDirectory() as temp:
        # run in the temporary folder: setuptools there reads no pyproject.toml of ours
        subprocess.run([sys.executable, "-c", SETUP, temp, *(str(ROOT / m) for m in MODULES)],
                       cwd=temp, check=True)
        lib = Path(temp) / "lib"
        for ext in sorted(p for p in lib.rglob("*") if p.is_file()):
            target = ROOT / ext.relative_to(lib)
            shutil.copyfile(ext, target)
            print(f"built {target.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="remove the compiled modules")
    parser.add_argument("--check", action="store_true", help="say which modules load compiled")
    args = parser.parse_args()
    if args.clean:
        for path in built():
            path.unlink()
            print(f"removed {path.relative_to(ROOT)}")
        return
    if not args.check:
        build()
    sys.path.insert(0, str(ROOT))
    pure = []
    for module in (importlib.import_module(m.removesuffix(".py").replace("/", ".")) for m in MODULES):
        kind = "compiled" if not module.__file__.endswith(".py") else "pure Python"
        print(f"{module.__name__}: {kind} ({Path(module.__file__).relative_to(ROOT)})")
        if kind != "compiled":
            pure.append(module.__name__)
    if pure and not args.check:
        sys.exit(f"built, but {', '.join(pure)} still loads as pure Python")


if __name__ == "__main__":
    main()
