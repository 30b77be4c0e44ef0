"""Strict parsers for the values written in regimen files: days, doses, durations, masses.

Each raises ``ValueError`` with a message that says what was expected and what was found; the
loader adds the file and the path inside it.
"""

from __future__ import annotations

import math
import re

import pint

from regimen_calc.model.regimen import DoseSpec, Flat, PerBsa, PerWeight
from regimen_calc.units import ureg

#: Day indices a regimen may use: day 0 is the priming day before day 1; negative days are allowed.
MIN_DAY, MAX_DAY = -30, 400

# ASCII digits only ([0-9], not \d): a full-width or other script's digit is refused, not read.
_RANGE = re.compile(r"^\s*(-?[0-9]+)\s*-\s*(-?[0-9]+)\s*$")
_SINGLE = re.compile(r"^\s*(-?[0-9]+)\s*$")
_DOSE = re.compile(
    r"^\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[A-Za-zµμ]+)\s*"
    r"(?:/\s*(?P<basis>[A-Za-z]+\s*(?:\^\s*2|\*\*\s*2|2|²)?))?\s*$"
)
#: The most digits a number in a regimen file may have: more is a typing error, and a number
#: past a float's range would fail deep inside the arithmetic instead of here.
MAX_DIGITS = 12

_EXAMPLES = {
    "bsa": "'5 mg/m^2'",
    "weight": "'5 mcg/kg'",
    "flat": "'20 mg'",
}


def _day(text: str, found: object) -> int:
    value = int(text)
    if not MIN_DAY <= value <= MAX_DAY:
        raise ValueError(f"expected days between {MIN_DAY} and {MAX_DAY}, found {found!r}")
    return value


def parse_days(value: object) -> tuple[int, ...]:
    """Parse ``3``, ``"0-5"``, ``"1, 3, 5"``, ``"1-3, 8"`` or a list of those into sorted days.

    >>> parse_days("0-5")
    (0, 1, 2, 3, 4, 5)
    >>> parse_days([1, "3-4"])
    (1, 3, 4)
    """
    expected = "days as a whole number, a range such as '1-5', or a list such as [1, 3, '5-7']"
    if isinstance(value, bool) or value is None:
        raise ValueError(f"expected {expected}, found {value!r}")
    if isinstance(value, int):
        items: list[object] = [value]
    elif isinstance(value, str):
        items = [part for part in value.split(",")]
    elif isinstance(value, list):
        items = value
    else:
        raise ValueError(f"expected {expected}, found {value!r}")
    days: list[int] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise ValueError(f"expected {expected}, found {item!r}")
        if isinstance(item, int):
            days.append(_day(str(item), item))
            continue
        if m := _SINGLE.match(item):
            days.append(_day(m.group(1), item))
        elif m := _RANGE.match(item):
            first, last = _day(m.group(1), item), _day(m.group(2), item)
            if last < first:
                raise ValueError(f"expected a range from a day to a later day, found {item!r}")
            days.extend(range(first, last + 1))
        else:
            raise ValueError(f"expected {expected}, found {item!r}")
    if not days:
        raise ValueError(f"expected {expected}, found no days")
    if len(set(days)) != len(days):
        dupes = sorted({d for d in days if days.count(d) > 1})
        raise ValueError(f"expected each day once, found day(s) {dupes} more than once")
    return tuple(sorted(days))


def _number(text: str, found: str) -> int | float:
    """A regimen file's number (digits and at most one point), refused past :data:`MAX_DIGITS`."""
    if len(text.replace(".", "").lstrip("0")) > MAX_DIGITS:
        shown = found if len(found) <= 40 else f"{found[:30]}… ({len(found)} characters)"
        raise ValueError(f"expected a number of at most {MAX_DIGITS} digits, found {shown!r}")
    return float(text) if "." in text else int(text)


def _unit(text: str, what: str, found: str) -> pint.Unit:
    try:
        return ureg.Unit(text)
    except (pint.errors.PintError, ValueError, AttributeError, TypeError) as exc:
        raise ValueError(f"expected {what}, found {found!r} (unknown unit {text!r})") from exc


_DOSE_AMOUNT_UNITS = (ureg.microgram, ureg.milligram, ureg.gram)
#: How a regimen file writes a dose's mass: the ISMP symbols, nothing else. ``µg`` (read as mg
#: when handwritten or printed badly), ``ug`` and spelled-out names mean the same mass to pint,
#: but a person reviewing the file should read the one spelling the printed schedule uses.
_DOSE_AMOUNT_SYMBOLS = ("mcg", "mg", "g")
#: The dose bases a regimen file writes: per m² (as m^2, m2, m**2 or m²) or per kg.
_BASIS_SYMBOLS = ("m^2", "kg")


def _mass_symbol(text: str, found: str) -> None:
    if text not in _DOSE_AMOUNT_SYMBOLS:
        hint = " (write mcg for micrograms)" if ureg.Unit(text) == ureg.microgram else ""
        raise ValueError(f"expected an amount written as mcg, mg or g{hint}, found {found!r}")


def parse_dose(value: object) -> DoseSpec:
    """Parse a per-administration dose: ``'5 mg/m^2'`` (per BSA), ``'5 mcg/kg'``, ``'20 mg'``.

    The basis follows from the unit's dimensions, checked with pint.

    >>> parse_dose("1 g/m^2")
    PerBsa(amount=<Quantity(1, 'gram / meter ** 2')>)
    """
    expected = (
        "a dose per administration such as '5 mg/m^2', '5 mcg/kg' or '20 mg' "
        "(write the frequency separately, not '/day')"
    )
    if not isinstance(value, str):
        raise ValueError(f"expected {expected}, found {value!r} (a dose needs its unit)")
    m = _DOSE.match(value)
    if not m:
        raise ValueError(f"expected {expected}, found {value!r}")
    number = _number(m.group("num"), value)
    if number <= 0 or not math.isfinite(number):
        raise ValueError(f"expected a dose above zero, found {value!r}")
    amount_unit = _unit(m.group("unit"), expected, value)
    if amount_unit.dimensionality != ureg.gram.dimensionality:
        raise ValueError(f"expected an amount in a unit of mass (mg, g, mcg), found {value!r}")
    if amount_unit not in _DOSE_AMOUNT_UNITS:
        # ISMP: doses are written in mcg, mg or g; pounds, grains or nanograms are refused.
        raise ValueError(f"expected an amount in mcg, mg or g, found {value!r}")
    _mass_symbol(m.group("unit"), value)
    basis_text = m.group("basis")
    if basis_text is None:
        return Flat(ureg.Quantity(number, amount_unit))
    basis_text = re.sub(r"\s+", "", basis_text).replace("²", "^2").replace("**2", "^2")
    if basis_text.endswith("2") and not basis_text.endswith("^2"):
        basis_text = basis_text[:-1] + "^2"
    basis_unit = _unit(basis_text, expected, value)
    if basis_text not in _BASIS_SYMBOLS and basis_unit in (ureg.meter**2, ureg.kilogram):
        raise ValueError(f"expected the basis written as m^2 (or m2, m²) or kg, found {value!r}")
    if basis_unit.dimensionality == (ureg.meter**2).dimensionality:
        if basis_unit != ureg.meter**2:
            raise ValueError(f"expected a dose per m^2 such as {_EXAMPLES['bsa']}, found {value!r}")
        return PerBsa(ureg.Quantity(number, amount_unit / basis_unit))
    if basis_unit.dimensionality == ureg.gram.dimensionality:
        if basis_unit != ureg.kilogram:
            raise ValueError(
                f"expected a dose per kg such as {_EXAMPLES['weight']}, found {value!r}"
            )
        return PerWeight(ureg.Quantity(number, amount_unit / basis_unit))
    if basis_unit.dimensionality == ureg.meter.dimensionality:
        raise ValueError(
            f"expected a dose per body-surface area such as '{m.group('num')} "
            f"{m.group('unit')}/m^2', found {value!r}"
        )
    raise ValueError(f"expected {expected}, found {value!r}")


_QUANTITY = re.compile(r"^\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[A-Za-zµμ]+)\s*$")


def parse_quantity(value: object, dimension: str, example: str) -> pint.Quantity:
    """Parse a quantity string such as ``'2 h'`` or ``'100 mg'`` of the given dimension.

    Only a plain number and one unit are accepted: pint's own parser would also read ``'2 h; 3'``
    (as 6 h) or ``'1/0 h'``, which a regimen file must never mean.

    >>> parse_quantity("30 min", "time", "2 h")
    <Quantity(30, 'minute')>
    """
    dims = {"time": ureg.hour.dimensionality, "mass": ureg.gram.dimensionality}[dimension]
    expected = f"a {dimension} with a unit such as {example!r}"
    if not isinstance(value, str):
        raise ValueError(f"expected {expected}, found {value!r}")
    m = _QUANTITY.match(value)
    if not m:
        raise ValueError(f"expected {expected}, found {value!r}")
    unit = _unit(m.group("unit"), expected, value)
    if unit.dimensionality != dims:
        raise ValueError(f"expected {expected}, found {value!r}")
    if dimension == "mass" and unit not in _DOSE_AMOUNT_UNITS:
        raise ValueError(f"expected a dose in mcg, mg or g, found {value!r}")
    if dimension == "mass":
        _mass_symbol(m.group("unit"), value)
    number = _number(m.group("num"), value)
    if not math.isfinite(number):
        raise ValueError(f"expected {expected} that is finite, found {value!r}")
    return ureg.Quantity(number, unit)
