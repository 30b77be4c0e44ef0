"""The installed distribution's version, read on first use (importlib.metadata costs ~10 ms)."""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version


@functools.cache
def distribution_version() -> str:
    """The version of the installed ``regimen-calc`` distribution."""
    try:
        return version("regimen-calc")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0+unknown"
