"""The one problem collector for the library's hand-checked YAML data.

Dosing-policy files (:mod:`regimen_calc.io.policy_files`) and the bundled interaction table and
rule sets (:mod:`regimen_calc.content.interaction_tables`) are checked field by field with a
:class:`ProblemCollector`: each check records the field's path inside the file, what was expected
and what was found, and returns ``None`` (or an empty value) instead of raising, so that one
:class:`~regimen_calc.errors.LoadError` at the end lists every problem of the file, each as
``FILE: path.to.field: expected ..., found ...``.

Checks take the value first and its path second (``choice(value, path, allowed)``); recording a
problem takes the path first (``add(path, message)``), as :class:`~regimen_calc.errors.Problem`
prints it. Regimen files are structured and go through the cattrs converter instead
(:mod:`regimen_calc.io.converter`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pint

from regimen_calc._checks import is_number
from regimen_calc.errors import InputError, LoadError, Problem
from regimen_calc.units import as_quantity

__all__ = ["ProblemCollector"]

_NOTHING = object()


class ProblemCollector:
    """Collects every problem of one file before raising one :class:`LoadError`.

    Args:
        file: the file's name, the first part of every problem.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    # Recording ------------------------------------------------------------------------------

    def add(self, path: str, message: str) -> None:
        """Record a problem at ``path`` (``""`` for the file as a whole)."""
        self.problems.append(Problem(self.file, path, message))

    def expected(self, path: str, what: str, found: object = _NOTHING) -> None:
        """Record ``expected <what>, found <found!r>`` at ``path`` (just ``expected <what>``
        when nothing was found)."""
        tail = "" if found is _NOTHING else f", found {found!r}"
        self.add(path, f"expected {what}{tail}")

    def raise_if_any(self) -> None:
        """Raise one :class:`LoadError` listing every problem recorded, if there is any."""
        if self.problems:
            raise LoadError(self.problems)

    # Checks: each records what went wrong and returns None (or an empty value) -------------

    def unknown_keys(self, value: dict, path: str, allowed: Iterable[str]) -> None:
        """Record every key of the mapping ``value`` that is not ``allowed``."""
        allowed = tuple(allowed)
        for key in value:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                self.add(where, f"unknown key; expected one of {', '.join(allowed)}")

    def mapping(
        self, value: object, path: str, *, required: Iterable[str], optional: Iterable[str] = ()
    ) -> dict[str, Any] | None:
        """``value`` if it is a mapping (its missing and unknown keys recorded), else ``None``."""
        if not isinstance(value, dict):
            self.add(path, f"expected a mapping, found {type(value).__name__}")
            return None
        required, optional = tuple(required), tuple(optional)
        for key in required:
            if key not in value:
                self.add(f"{path}.{key}" if path else key, "missing")
        self.unknown_keys(value, path, required + optional)
        return value

    def text(self, value: object, path: str, *, empty: bool = False) -> str:
        """``value`` if it is text (non-blank unless ``empty``), else ``""``."""
        if not isinstance(value, str) or (not empty and not value.strip()):
            self.expected(path, "text", value)
            return ""
        return value

    def choice(self, value: object, path: str, allowed: Iterable[object]) -> Any:
        """``value`` if it is one of ``allowed``, else ``None``.

        Type-exact: YAML's ``true`` does not pass for 1, nor 1 for ``true``; a YAML list or
        mapping is never a name.
        """
        allowed = tuple(allowed)
        if not any(type(value) is type(c) and value == c for c in allowed):
            self.expected(path, f"one of {', '.join(map(str, allowed))}", value)
            return None
        return value

    def number(
        self,
        value: object,
        path: str,
        low: float,
        high: float,
        *,
        low_open: bool = False,
        whole: bool = False,
    ) -> Any:
        """``value`` if it is a number (a whole one with ``whole``) in range, else ``None``.

        The range is ``low`` to ``high`` inclusive, or above ``low`` with ``low_open``; ``true``
        is not a number.
        """
        ok = is_number(value, whole=whole)
        ok = ok and (low < value if low_open else low <= value) and value <= high  # type: ignore[operator]
        if not ok:
            what = "a whole number" if whole else "a number"
            bound = f"above {low:g}" if low_open else f"from {low:g}"
            self.expected(path, f"{what} {bound} to {high:g}", value)
            return None
        return value

    def dose(self, value: object, path: str) -> pint.Quantity | None:
        """``value`` as a mass above zero (``"10 mg"``), else ``None``."""
        try:
            q = as_quantity(value, field=path, dimension="mass", example="10 mg")
        except InputError as exc:
            self.add(path, f"expected a mass such as '10 mg', found {value!r} ({exc.expected})")
            return None
        if q.magnitude <= 0:
            self.expected(path, "a dose above 0 mg", value)
            return None
        return q

    def build(self, path: str, make: Callable[[], Any], *, field_prefix: bool = False) -> Any:
        """Call ``make``; an :class:`InputError` it raises becomes a problem at ``path``
        (``path.field`` with ``field_prefix``), and the result ``None``."""
        try:
            return make()
        except InputError as exc:
            at = f"{path}.{exc.field}" if field_prefix and exc.field else path
            if exc.found is None:
                self.expected(at, exc.expected)
            else:
                self.expected(at, exc.expected, exc.found)
            return None
