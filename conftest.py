"""Run every code example of the documentation under ``python -m pytest``.

Two Sybil collections, so the docs cannot drift from the code:

* ``docs/*.md`` and ``README.md``: fenced blocks marked ```` ```python ```` run. A block that
  starts with ``>>>`` is a doctest (its printed output is compared); any other python block is
  executed as code and must not raise (use ``assert`` to check a value). Blocks in any other
  language (``yaml``, ``bash``, ``text``, ``json``, ...) are shown, never run. A block can be
  skipped with ``<!-- skip: next -->`` on the line before it (say why in the page). The blocks of
  one page share one namespace, top to bottom, like a reader's Python session.
* ``src/regimen_calc/**/*.py``: the ``>>>`` examples in docstrings, run as doctests in the
  namespace of their module.

Each page runs in a fresh, empty temporary working directory (files an example writes go there,
never into the repository). It holds one entry, ``regimens/``, a link to the bundled regimens,
so that paths such as ``regimens/overlays/VA-CAG.example-site.yaml`` work as they do from the
repository root.
"""

from __future__ import annotations

import os
import tempfile
from doctest import ELLIPSIS, NORMALIZE_WHITESPACE
from pathlib import Path
from typing import Any

from hypothesis import settings
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
from sybil.parsers.rest import DocTestParser

_OPTIONFLAGS = ELLIPSIS | NORMALIZE_WHITESPACE

# Property tests check rules, not speed (speed lives in benchmarks/): no per-example deadline, so
# a busy CI machine cannot fail a correct property. HYPOTHESIS_PROFILE=dev gives the default.
settings.register_profile("default-no-deadline", deadline=None)
settings.register_profile("dev", settings.get_profile("default"))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default-no-deadline"))


def _enter_tmp_dir(namespace: dict[str, Any]) -> None:
    from regimen_calc.io.regimen_files import bundled_regimen_dir

    tmp = tempfile.TemporaryDirectory(prefix="regimen-calc-docs-")
    (Path(tmp.name) / "regimens").symlink_to(bundled_regimen_dir(), target_is_directory=True)
    namespace["__docs_tmp__"] = (tmp, os.getcwd())
    os.chdir(tmp.name)


def _leave_tmp_dir(namespace: dict[str, Any]) -> None:
    tmp, cwd = namespace.pop("__docs_tmp__")
    os.chdir(cwd)
    tmp.cleanup()


_docs = Sybil(
    parsers=[PythonCodeBlockParser(doctest_optionflags=_OPTIONFLAGS), SkipParser()],
    patterns=["docs/*.md", "README.md"],
    setup=_enter_tmp_dir,
    teardown=_leave_tmp_dir,
    name="docs",
)

_docstrings = Sybil(
    parsers=[DocTestParser(optionflags=_OPTIONFLAGS)],
    path="src",
    # Path.match() anchors on the right: "*.py" matches every module at any depth under src/.
    patterns=["*.py"],
    # Importing __main__ would run the command line.
    excludes=["__main__.py"],
    name="docstrings",
)

pytest_collect_file = (_docs + _docstrings).pytest()


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Keep each document's examples in their own order, wherever a random test order puts them.

    The blocks of one page share a namespace top to bottom (see above), so they must run in line
    order; the suite itself runs in random order (pytest-randomly) so that a test that passes only
    after another fails loudly. Within each document, this puts the examples back in line order at
    the places the random order gave that document's examples.
    """
    places: dict[Any, list[int]] = {}
    for i, item in enumerate(items):
        example = getattr(item, "example", None)
        if example is not None and hasattr(example, "line"):
            places.setdefault(item.path, []).append(i)
    for positions in places.values():
        in_order = sorted((items[i] for i in positions), key=lambda item: item.example.line)
        for i, item in zip(positions, in_order, strict=True):
            items[i] = item
