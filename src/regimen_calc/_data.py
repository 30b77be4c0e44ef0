"""Reads the package's own data files (``data/*.yaml``): the one place that does.

These files ship inside the package and are the product's content (drug catalog, interaction
table, rule sets, limits), not user input, so they are parsed with PyYAML's C-accelerated safe
loader where it is available (the same safe subset as ``yaml.safe_load``, several times faster,
which matters at start-up). Regimen, overlay and policy files from users go through the guarded
loader in ``loader.py`` instead.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

from .errors import LoadError, Problem

__all__ = ["read_data"]

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def read_data(filename: str) -> Any:
    """The parsed content of ``data/<filename>`` (cached; treat it as read-only).

    Raises:
        LoadError: the file is missing or is not valid YAML (a broken installation).
    """
    path = resources.files(__package__) / "data" / filename
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LoadError([Problem(filename, "", f"cannot read the data file: {exc}")]) from exc
    loader = _SafeLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise LoadError([Problem(filename, "", f"not valid YAML: {exc}")]) from exc
    finally:
        loader.dispose()
