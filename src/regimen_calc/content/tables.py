"""Reads the package's own data files (``data/*.yaml``): the one place that does.

These files ship inside the package and are the product's content (drug catalog, interaction
table, rule sets, limits). They are parsed with the same guards as every file the library reads
(no duplicate or merge keys, no explicit tags, plain decimal numbers only: ``yaml_reader``), on
PyYAML's C-accelerated parser where it is available (several times faster, which matters at
start-up).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from regimen_calc.content.yaml_reader import parse_data_yaml
from regimen_calc.errors import LoadError, Problem

__all__ = ["read_data"]


@functools.cache
def read_data(filename: str) -> Any:
    """The parsed content of ``data/<filename>`` (cached; treat it as read-only).

    Raises:
        LoadError: the file is missing, is not valid YAML or is refused by a guard (a broken
            installation).
    """
    path = resources.files("regimen_calc") / "data" / filename
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LoadError([Problem(filename, "", f"cannot read the data file: {exc}")]) from exc
    return parse_data_yaml(text, filename)
