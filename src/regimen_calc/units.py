"""The package's one pint ``UnitRegistry`` and the helpers that parse quantities strictly.

pint's advice is one registry per application: quantities from two registries cannot be combined.
Everything in regimen_calc that holds a unit holds a ``ureg`` quantity.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import pint

from regimen_calc._checks import is_number
from regimen_calc.errors import InputError

__all__ = ["Quantity", "as_quantity", "unit", "ureg"]

with resources.as_file(resources.files(__package__) / "data" / "units.txt") as _defs:
    ureg: pint.UnitRegistry = pint.UnitRegistry(str(_defs), cache_folder=None)
ureg.formatter.default_format = "~P"

Quantity = ureg.Quantity

_MASS = ureg.gram.dimensionality
_LENGTH = ureg.meter.dimensionality
_AREA = (ureg.meter**2).dimensionality
_TIME = ureg.second.dimensionality


def as_quantity(value: object, *, field: str, dimension: str, example: str) -> pint.Quantity:
    """Turn a string such as ``"170 cm"`` or a pint quantity into a finite ``ureg`` quantity.

    A bare number is refused: a unit is never guessed.

    Args:
        value: a string with a number and a unit, or a pint ``Quantity``.
        field: the field's name, used in the error.
        dimension: one of ``"mass"``, ``"length"``, ``"area"``, ``"time"``.
        example: an example of a valid value, shown in the error.

    Raises:
        InputError: for a bare number, an unknown unit, the wrong dimension, NaN or infinity.
    """
    article = "an" if dimension[:1] in "aeiou" else "a"
    expected = f"{article} {dimension} with a unit such as {example!r}"
    if isinstance(value, bool | int | float):  # bool is an int: refused the same way
        raise InputError(field, f"{expected} (a bare number has no unit)", value)
    if isinstance(value, pint.Quantity) and value._REGISTRY is ureg:
        q = value  # already ours: no need to re-parse its unit
    elif isinstance(value, pint.Quantity):
        try:
            q = Quantity(value.magnitude, str(value.units))
        except (pint.errors.PintError, ValueError, TypeError, AttributeError) as exc:
            raise InputError(field, expected, str(value)) from exc
    elif isinstance(value, str):
        # One number and one unit, nothing else. pint would evaluate the text as an expression:
        # "1 70 cm" is 1 × 70 cm and "70 kg / 2" is 35 kg, typos that land inside the plausible
        # ranges and would silently change every dose.
        m = _NUMBER_UNIT.match(value)
        if m is None:
            if _BARE_NUMBER.match(value):
                raise InputError(field, f"{expected} (no unit was given)", value)
            raise InputError(field, f"{expected}: one number and one unit", value)
        try:
            num = m.group("num")
            number = int(num) if num.isdigit() else float(num)  # "67 in" stays 67, not 67.0
            q = ureg.Quantity(number, ureg.Unit(_unit_text(m.group("unit"))))
        except Exception as exc:
            # Whatever pint raises for an unknown unit (UndefinedUnitError, AssertionError from
            # its tokenizer), the text is not a quantity.
            raise InputError(field, expected, value) from exc
    else:
        raise InputError(field, expected, value)
    dims = {"mass": _MASS, "length": _LENGTH, "area": _AREA, "time": _TIME}[dimension]
    if q.dimensionality != dims:
        raise InputError(field, expected, value if isinstance(value, str) else str(value))
    mag = q.magnitude
    if not is_number(mag) or (isinstance(mag, int) and abs(mag) > 1e300):
        raise InputError(field, f"{expected} with a finite number", str(value))
    return q


#: "170 cm", "1.7 m", "67 in", "154 lb", "1.82 m^2", "2 m**2": one plain decimal, one unit.
#: No exponent ("1.7e2 cm"), digit separator ("1_70 cm") or naked point (".5 m").
_NUMBER_UNIT = re.compile(
    r"^\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*"
    r"(?P<unit>[A-Za-zµμ]+(?:\s*(?:\^|\*\*)\s*[23]|[23²³])?)\s*$"
)
_BARE_NUMBER = re.compile(r"^\s*[+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?\s*$")


def _unit_text(text: str) -> str:
    """'m2', 'm²', 'm ** 2' → 'm^2' (pint reads only the caret and double-star forms)."""
    text = re.sub(r"\s+", "", text).replace("**", "^").replace("²", "^2").replace("³", "^3")
    return re.sub(r"([A-Za-z])([23])$", r"\1^\2", text)


@functools.cache
def unit(name: str) -> pint.Unit:
    """A ``ureg`` unit by name, parsed once (parsing a unit string is slow in pint)."""
    return ureg.Unit(name)
