"""Strict checks of plain argument values, shared by the modules that validate caller input.

``True`` is never a number and a truthy string is never ``True``: Python's ``bool`` is an ``int``
subclass and ``if value:`` accepts anything, so each check says exactly what it takes.
"""

from __future__ import annotations

import math
from typing import Any

from regimen_calc.errors import InputError

__all__ = ["array_namespace", "check_flag", "float_array", "is_number"]


def is_number(value: object, *, whole: bool = False) -> bool:
    """Whether ``value`` is a finite ``int`` or ``float`` (only an ``int`` when ``whole``).

    Never raises: ``math.isfinite`` is applied to floats only, since it overflows on an
    ``int`` above 1e308, and such an int is finite.

    >>> is_number(2.5), is_number(True), is_number(float("nan")), is_number(10**400)
    (True, False, False, True)
    >>> is_number(2.0, whole=True)
    False
    """
    kind = int if whole else int | float
    if isinstance(value, bool) or not isinstance(value, kind):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def check_flag(field: str, value: object) -> bool:
    """``value`` when it is ``True`` or ``False``; otherwise an :class:`InputError` for ``field``.

    >>> check_flag("weekday", "no")
    Traceback (most recent call last):
    ...
    regimen_calc.errors.InputError: weekday: expected True or False, found 'no'
    """
    if not isinstance(value, bool):
        raise InputError(field, "True or False", value)
    return value


def array_namespace(values: object, field: str) -> Any:
    """The array namespace of ``values`` (``numpy`` for a numpy array), or an ``InputError``.

    The vectorised versions of the dose rules (half-up rounding, BSA, tablets and syringes)
    compute with the functions of the array's own namespace, so each rule stays in its module for
    one patient and for arrays of patients alike, and no module below the cohort imports numpy.
    """
    get = getattr(values, "__array_namespace__", None)
    if get is None:
        raise InputError(
            field,
            "an array with an array namespace, such as a numpy float64 array",
            f"a {type(values).__name__}",
        )
    return get()


def float_array(values: object, field: str, *, one_d: bool = True) -> tuple[Any, Any]:
    """``(namespace, values)`` for a float64 array (1-D unless ``one_d`` is false), or an error.

    The vectorised dose rules take float64 arrays only, never converting: a text, bool,
    complex, date or object array converted to float64 would be read as doses it does not hold
    (``True`` as 1 mg, ``1+1j`` as 1), and a float32 array holds other values than the float64
    the scalar rules compute with. A 2-D array is refused where the rule pairs its arrays
    element by element, since two grids of different shapes would pair the wrong patients.

    Raises:
        InputError: for ``field``, naming what was given: ``a float32 array``, ``a 2-D array``.
    """
    xp = array_namespace(values, field)
    expected = "a 1-D float64 array" if one_d else "a float64 array"
    dtype = getattr(values, "dtype", None)
    if dtype != xp.float64:
        raise InputError(field, expected, f"a {dtype} array")
    ndim = getattr(values, "ndim", None)
    if one_d and ndim != 1:
        raise InputError(field, expected, f"a {ndim}-D array")
    return xp, values
