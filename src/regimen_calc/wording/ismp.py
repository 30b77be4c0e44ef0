"""ISMP-safe text for every number, unit, route and frequency the library prints.

Renderers never format a number themselves: they call this module, so one set of rules holds
everywhere (ISMP list of error-prone abbreviations, symbols and dose designations, 2021):

* no trailing zero (``1 mg``, never ``1.0 mg``);
* always a leading zero (``0.5 mg``, never ``.5 mg``);
* commas at 1,000 and above (``1,750 mg``), never scientific notation;
* a space between number and unit (``10 mg``), ``mcg`` for micrograms (never ``µg`` or ``ug``),
  ``mL`` (never ``cc``);
* rounding is half-up on the decimal value as written (``2.675`` → ``2.68``), not Python's
  ``round()``, which rounds half-to-even on the binary float (``round(2.675, 2) == 2.67``);
* a non-zero value that would print as ``0`` is an error, never a silent ``0``;
* negative, NaN and infinite values are errors: a dose is never negative.
"""

from __future__ import annotations

import datetime
import numbers
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Protocol

import pint
from pint.util import to_units_container

from regimen_calc._checks import check_flag
from regimen_calc.errors import InputError
from regimen_calc.model.regimen import Infusion, SequenceRule, SourceFile

__all__ = [
    "AUTO_DECIMALS",
    "format_date",
    "format_days",
    "format_dose_per_unit",
    "format_entered",
    "format_frequency",
    "format_infusion",
    "format_number",
    "format_quantity",
    "format_sequence",
    "format_unit",
    "route_name",
    "spreadsheet_text",
]

#: Decimal places :func:`format_quantity` uses when not told, by the size of the value.
#: Each row is ``(lower bound, decimal places)``; the first row whose bound the value reaches wins:
#: ≥ 1 → 2 places (``131.25 mg``, ``1.75 m²``), below 1 → 3 places (``0.125 mg``). Two places
#: match the default policy's dose rounding (0.01 of the unit), so a dose to give is never shown
#: rounder than it is (131.25 mg, not 131.3 mg); trailing zeros are dropped (1,750 mg).
AUTO_DECIMALS: tuple[tuple[Decimal, int], ...] = (
    (Decimal(1), 2),
    (Decimal(0), 3),
)

#: The most decimal places :func:`format_dose_per_unit` prints; it never rounds a written dose.
_MAX_WRITTEN_DECIMALS = 4

#: The most decimal places ``decimals=`` accepts: more than any printed dose needs, and few enough
#: that a typo (``decimals=10**9``) is refused instead of building a billion-digit string.
MAX_DECIMALS = 12

# pint's unit name → (ISMP symbol, kind). The kind orders the parts of a compound unit:
# the mass comes first and body size before time, so a dose rate reads "mg/m²/day".
_KINDS = ("mass", "length", "volume", "time")
_UNITS: dict[str, tuple[str, str]] = {
    "microgram": ("mcg", "mass"),
    "milligram": ("mg", "mass"),
    "gram": ("g", "mass"),
    "kilogram": ("kg", "mass"),
    "meter": ("m", "length"),
    "centimeter": ("cm", "length"),
    "milliliter": ("mL", "volume"),
    "liter": ("L", "volume"),
    "minute": ("min", "time"),
    "hour": ("h", "time"),
    "day": ("day", "time"),
}
_SUPERSCRIPTS = {1: "", 2: "²", 3: "³"}

# Route notation (not clinical content). ISMP: never "SC" or "SQ" alone on a printed order.
_SUBCUT = "subcutaneous (subcut)"
_ROUTES: dict[str, str] = {
    "IV": "intravenous (IV)",
    "SC": _SUBCUT,
    "SUBQ": _SUBCUT,
    "SUBCUT": _SUBCUT,
    "PO": "oral (PO)",
    "IM": "intramuscular (IM)",
}

# ISMP: never "q.d." or "QD".
_FREQUENCIES: dict[int, str] = {
    1: "once daily",
    2: "every 12 hours",
    3: "every 8 hours",
    4: "every 6 hours",
}


def _to_decimal(value: object, field: str) -> Decimal:
    """The exact decimal a number stands for; a float is read by its shortest repr."""
    if isinstance(value, bool):
        raise InputError(field, "an int, float or Decimal (not a bool)", value)
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, numbers.Integral):
        d = Decimal(int(value))
    elif isinstance(value, numbers.Real):
        # repr() of a float is the shortest text that reads back to it: 2.675, not 2.67499999...
        # float() first so numpy scalars give "0.5", not "np.float64(0.5)".
        d = Decimal(repr(float(value)))
    else:
        raise InputError(field, "an int, float or Decimal", value)
    if not d.is_finite():
        raise InputError(field, "a finite number (not NaN or infinity)", value)
    if d < 0:
        raise InputError(field, "a number of 0 or more (a dose is never negative)", value)
    return abs(d)  # abs() turns -0.0 into 0, so "-0" is never printed


def _check_decimals(decimals: object) -> int:
    if (
        isinstance(decimals, bool)
        or not isinstance(decimals, int)
        or not 0 <= decimals <= MAX_DECIMALS
    ):
        raise InputError(
            "decimals", f"a whole number of decimal places from 0 to {MAX_DECIMALS}", decimals
        )
    return decimals


def _check_optional_text(field: str, value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InputError(field, "None or a string", value)
    return value


def _render(d: Decimal, decimals: int, shown: object) -> str:
    with localcontext() as ctx:
        # Enough digits that quantize() never fails on a large value.
        ctx.prec = max(28, d.adjusted() + decimals + 2)
        rounded = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0 and d != 0:
        raise InputError(
            "value",
            f"a value that is not 0 when shown with {decimals} decimal place(s): a non-zero dose "
            "must never print as 0; show more decimal places or use a smaller unit (mg → mcg)",
            shown,
        )
    text = format(rounded, ",f")  # "f" never uses an exponent
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_number(value: int | float | Decimal, *, decimals: int = 2) -> str:
    """Print a number the ISMP way: half-up, no trailing zero, leading zero, commas.

    Args:
        value: an ``int``, ``float`` or ``Decimal``, 0 or more; a float is taken as the decimal
            its ``repr`` shows.
        decimals: the most decimal places to show (0 or more).

    Returns:
        The number rounded half-up to ``decimals`` places with trailing zeros removed.

    Raises:
        InputError: for a negative, NaN or infinite value, a value that is not a number, a
            non-zero value that would print as ``0``, or a bad ``decimals``.

    >>> format_number(1.0)
    '1'
    >>> format_number(2.50)
    '2.5'
    >>> format_number(0.5)
    '0.5'
    >>> format_number(1750)
    '1,750'
    >>> format_number(12345.5)
    '12,345.5'
    >>> format_number(2.675)  # round(2.675, 2) gives 2.67 on the binary float
    '2.68'
    >>> format_number(0.125, decimals=3)
    '0.125'
    >>> format_number(1e20)
    '100,000,000,000,000,000,000'
    >>> format_number(0.004)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    regimen_calc.errors.InputError: value: expected a value that is not 0 when shown with 2 ...
    """
    places = _check_decimals(decimals)
    return _render(_to_decimal(value, "value"), places, value)


def _unit_parts(unit: object) -> list[tuple[str, str, int]]:
    """``(symbol, kind, exponent)`` for each part of a pint unit, or an ``InputError``."""
    if not isinstance(unit, pint.Unit):
        raise InputError("unit", "a pint unit such as ureg.milligram", unit)
    parts = []
    for name, exponent in to_units_container(unit).items():
        if name not in _UNITS or exponent != int(exponent) or abs(exponent) not in _SUPERSCRIPTS:
            known = ", ".join(symbol for symbol, _ in _UNITS.values())
            raise InputError(
                "unit",
                f"a unit made of {known} (powers 1 to 3) that has an ISMP-safe printed form",
                format(unit, "D"),  # pint's long names: its short form would print "µg"
            )
        symbol, kind = _UNITS[name]
        parts.append((symbol, kind, int(exponent)))
    return parts


def format_unit(unit: pint.Unit) -> str:
    """Print a pint unit in ISMP notation: ``mcg``, ``mL``, ``mg/m²``, ``mg/m²/day``.

    Mass comes first, then body size, volume and time; each divisor follows its own ``/``.

    Raises:
        InputError: for anything but a pint unit made of mcg, mg, g, kg, m, cm, mL, L, min, h
            and day; a unit without an ISMP-safe form is refused rather than printed pint's way.

    >>> from regimen_calc.units import ureg
    >>> format_unit(ureg.microgram)
    'mcg'
    >>> format_unit(ureg.milligram / ureg.meter**2)
    'mg/m²'
    >>> format_unit(ureg.microgram / ureg.kilogram)
    'mcg/kg'
    >>> format_unit(ureg.milliliter)
    'mL'
    >>> format_unit(ureg.milligram / ureg.day / ureg.meter**2)
    'mg/m²/day'
    """
    parts = _unit_parts(unit)
    up = sorted((p for p in parts if p[2] > 0), key=lambda p: _KINDS.index(p[1]))
    down = sorted((p for p in parts if p[2] < 0), key=lambda p: _KINDS.index(p[1]))
    if not up:
        raise InputError(
            "unit", "a unit with a mass, length, volume or time on top", format(unit, "D")
        )
    text = "·".join(symbol + _SUPERSCRIPTS[exponent] for symbol, _, exponent in up)
    for symbol, _, exponent in down:
        text += "/" + symbol + _SUPERSCRIPTS[-exponent]
    return text


def _magnitude(q: object, field: str) -> tuple[Decimal, pint.Unit]:
    if not isinstance(q, pint.Quantity):
        raise InputError(field, "a pint quantity such as ureg.Quantity(10, 'mg')", q)
    return _to_decimal(q.magnitude, field), q.units


def format_quantity(q: pint.Quantity, *, decimals: int | None = None) -> str:
    """Print a quantity as number, space, unit: ``1,750 mg``, ``0.5 mg``, ``1.75 m²``.

    Args:
        q: a pint quantity with a number magnitude, 0 or more.
        decimals: the most decimal places; ``None`` picks them from :data:`AUTO_DECIMALS`
            by the size of the value.

    Raises:
        InputError: as :func:`format_number` and :func:`format_unit` do.

    >>> from regimen_calc.units import ureg
    >>> format_quantity(ureg.Quantity(1750, "mg"))
    '1,750 mg'
    >>> format_quantity(ureg.Quantity(1.0, "mg"))
    '1 mg'
    >>> format_quantity(ureg.Quantity(0.5, "mg"))
    '0.5 mg'
    >>> format_quantity(ureg.Quantity(325, "mcg"))
    '325 mcg'
    >>> format_quantity(ureg.Quantity(1.7520, "m**2"))
    '1.75 m²'
    >>> format_quantity(ureg.Quantity(1818.44, "mg"))
    '1,818.44 mg'
    >>> format_quantity(ureg.Quantity(1818.44, "mg"), decimals=0)
    '1,818 mg'
    """
    value, unit = _magnitude(q, "q")
    if decimals is None:
        places = next(places for bound, places in AUTO_DECIMALS if value >= bound)
    else:
        places = _check_decimals(decimals)
    unit_text = format_unit(unit)
    return f"{_render(value, places, q.magnitude)} {unit_text}"


def _written_decimals(d: Decimal) -> int:
    text = format(d, "f")
    return len(text.partition(".")[2].rstrip("0"))


def format_dose_per_unit(q: pint.Quantity) -> str:
    """Print a dose as the regimen wrote it: ``5 mg/m²``, ``1 g/m²``, ``5 mcg/kg``, ``300 mcg``.

    The unit is kept (``1 g/m²`` is not turned into ``1,000 mg/m²``) and the number is printed
    exactly, never rounded: a written dose that needs more than four decimal places is refused,
    since rounding it would misstate the regimen.

    Args:
        q: a mass, a mass per body-surface area (``m²``) or per body weight (``kg``), optionally
            per unit of time (``mg/m²/day``).

    Raises:
        InputError: for another kind of unit, a value with more than four decimal places, or
            what :func:`format_number` refuses.

    >>> from regimen_calc.units import ureg
    >>> format_dose_per_unit(ureg.Quantity(5, "mg/m**2"))
    '5 mg/m²'
    >>> format_dose_per_unit(ureg.Quantity(1, "g/m**2"))
    '1 g/m²'
    >>> format_dose_per_unit(ureg.Quantity(5, "mcg/kg"))
    '5 mcg/kg'
    >>> format_dose_per_unit(ureg.Quantity(300, "mcg"))
    '300 mcg'
    >>> format_dose_per_unit(ureg.Quantity(0.0625, "mg/kg"))
    '0.0625 mg/kg'
    """
    value, unit = _magnitude(q, "q")
    parts = _unit_parts(unit)
    up = [p for p in parts if p[2] > 0]
    body = [p for p in parts if (p[1], p[2]) in {("length", -2), ("mass", -1)}]
    time = [p for p in parts if (p[1], p[2]) == ("time", -1)]
    if (
        len(up) != 1
        or up[0][1:] != ("mass", 1)
        or len(body) > 1
        or (body and body[0][0] not in {"m", "kg"})
        or len(time) > 1
        or len(parts) != 1 + len(body) + len(time)
    ):
        raise InputError(
            "q", "a dose such as 5 mg/m², 5 mcg/kg, 100 mg/m²/day or 300 mcg", format(unit, "D")
        )
    places = _written_decimals(value)
    if places > _MAX_WRITTEN_DECIMALS:
        raise InputError(
            "q",
            f"a dose as written in a regimen, with at most {_MAX_WRITTEN_DECIMALS} decimal "
            "places (it is printed exactly, never rounded)",
            q.magnitude,
        )
    return f"{_render(value, places, q.magnitude)} {format_unit(unit)}"


def route_name(code: str) -> str:
    """The readable name of a route code (case does not matter).

    Raises:
        InputError: for a code not in the table (IV, SC, SUBQ, subcut, PO, IM).

    >>> route_name("IV")
    'intravenous (IV)'
    >>> route_name("SC")
    'subcutaneous (subcut)'
    >>> route_name("po")
    'oral (PO)'
    """
    name = _ROUTES.get(code.strip().upper()) if isinstance(code, str) else None
    if name is None:
        raise InputError("route", f"one of {', '.join(_ROUTES)}", code)
    return name


def format_frequency(per_day: int) -> str:
    """How often a dose is given, from the number of doses a day (never "q.d." or "QD").

    Raises:
        InputError: for anything but the whole numbers 1 to 4.

    >>> format_frequency(1)
    'once daily'
    >>> format_frequency(2)
    'every 12 hours'
    """
    text = None
    if isinstance(per_day, int) and not isinstance(per_day, bool):
        text = _FREQUENCIES.get(per_day)
    if text is None:
        raise InputError("per_day", "a whole number of doses a day, 1 to 4", per_day)
    return text


# Month names, not numbers: "05/01/2026" reads as 5 January in Europe and May 1 in the US.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def format_date(date: datetime.date, *, weekday: bool = True, year: bool = True) -> str:
    """Print a date that cannot be misread: ``Mon 5 Jan 2026`` (never ``05/01/26``).

    Raises:
        InputError: for anything but a ``datetime.date`` (a ``datetime`` is refused), or a
            ``weekday`` or ``year`` that is not a bool.

    >>> format_date(datetime.date(2026, 1, 5))
    'Mon 5 Jan 2026'
    >>> format_date(datetime.date(2026, 1, 5), weekday=False, year=False)
    '5 Jan'
    """
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise InputError("date", "a datetime.date", date)
    show_weekday = check_flag("weekday", weekday)
    show_year = check_flag("year", year)
    text = f"{date.day} {_MONTHS[date.month - 1]}"
    if show_year:
        text += f" {date.year}"
    if show_weekday:
        text = f"{_WEEKDAYS[date.weekday()]} {text}"
    return text


def format_days(days: tuple[int, ...] | list[int]) -> str:
    """Print day numbers with runs joined by an en dash: ``0–5``, ``1, 3, 5``, ``1–3, 8``.

    Raises:
        InputError: for anything but a non-empty tuple or list of whole day numbers.

    >>> format_days((0, 1, 2, 3, 4, 5))
    '0–5'
    >>> format_days([1, 3, 5])
    '1, 3, 5'
    >>> format_days([1, 2, 3, 8, 9])
    '1–3, 8, 9'
    """
    if (
        not isinstance(days, tuple | list)
        or not days
        or any(isinstance(d, bool) or not isinstance(d, int) for d in days)
    ):
        raise InputError("days", "one or more whole day numbers", days)
    ordered = sorted(set(days))
    runs: list[list[int]] = [[ordered[0]]]
    for d in ordered[1:]:
        if d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{run[0]}–{run[-1]}")
        else:
            parts += [str(d) for d in run]
    return ", ".join(parts)


def format_infusion(infusion: object, *, route: str | None = None) -> str:
    """How long an infusion runs: ``over 2 h``, ``over at least 3 h``.

    Args:
        infusion: a :class:`~regimen_calc.model.regimen.Infusion` (duration, at_least) or ``None``.
        route: the route code; without an infusion, an intravenous route prints
            ``infusion time not stated`` (never a blank a reader could fill in) and any other
            route ``not an infusion``.

    Raises:
        InputError: for an ``infusion`` that is not an ``Infusion`` or ``None``, a duration
            that is not a time, or a ``route`` that is not a string or ``None``.

    >>> from regimen_calc.model.regimen import Infusion
    >>> from regimen_calc.units import ureg
    >>> format_infusion(Infusion(duration=ureg.Quantity(3, "hour"), at_least=True))
    'over at least 3 h'
    >>> format_infusion(Infusion(duration=ureg.Quantity(30, "minute")))
    'over 30 min'
    >>> format_infusion(None, route="IV")
    'infusion time not stated'
    >>> format_infusion(None, route="PO")
    'not an infusion'
    """
    route = _check_optional_text("route", route)
    if infusion is None:
        if route is None or route.strip().upper() == "IV":
            return "infusion time not stated"
        return "not an infusion"
    if not isinstance(infusion, Infusion):
        raise InputError("infusion", "None or an Infusion", infusion)
    duration = infusion.duration
    if not isinstance(duration, pint.Quantity) or not duration.check("[time]"):
        raise InputError("infusion.duration", "a time such as ureg.Quantity(2, 'hour')", duration)
    text = format_quantity(duration)
    return f"over at least {text}" if infusion.at_least else f"over {text}"


def format_sequence(sequence: object, *, after_name: str | None = None) -> str:
    """When a drug starts relative to another: ``starts 2 h after cladribine starts``.

    Args:
        sequence: a :class:`~regimen_calc.model.regimen.SequenceRule` or ``None``.
        after_name: the full generic name of the drug it follows (default: the component id).

    Raises:
        InputError: for a ``sequence`` that is not a ``SequenceRule`` or ``None``, an offset
            that is not a time, or an ``after_name`` that is not a string or ``None``.

    >>> from regimen_calc.model.regimen import SequenceRule
    >>> from regimen_calc.units import ureg
    >>> format_sequence(SequenceRule(after="cladribine", offset=ureg.Quantity(2, "hour")))
    'starts 2 h after cladribine starts'
    >>> format_sequence(SequenceRule(after="cladribine", anchor="end"))
    'starts when cladribine ends'
    >>> format_sequence(None)
    'no sequence stated'
    """
    after_name = _check_optional_text("after_name", after_name)
    if sequence is None:
        return "no sequence stated"
    if not isinstance(sequence, SequenceRule):
        raise InputError("sequence", "None or a SequenceRule", sequence)
    name = after_name or sequence.after
    anchor = "ends" if sequence.anchor == "end" else "starts"
    offset = sequence.offset
    if offset is not None and (not isinstance(offset, pint.Quantity) or not offset.check("[time]")):
        raise InputError("sequence.offset", "a time such as ureg.Quantity(2, 'hour')", offset)
    if offset is None or offset.magnitude == 0:
        return f"starts when {name} {anchor}"
    return f"starts {format_quantity(offset)} after {name} {anchor}"


# Units a height or weight may be entered in but no dose is ever written in: printed only as
# "what was entered", next to the cm / kg value the library uses.
_ENTERED_UNITS = {"inch": "in", "foot": "ft", "pound": "lb"}


def format_entered(q: pint.Quantity) -> str:
    """Print a height or weight as entered: ``67 in``, ``154 lb``, ``1.7 m``, ``70,000 g``.

    Raises:
        InputError: as :func:`format_quantity` does, for units other than in, ft and lb.

    >>> from regimen_calc.units import ureg
    >>> format_entered(ureg.Quantity(67, "inch"))
    '67 in'
    >>> format_entered(ureg.Quantity(1.7, "m"))
    '1.7 m'
    """
    if isinstance(q, pint.Quantity):
        names = list(to_units_container(q.units).items())
        if len(names) == 1 and names[0][1] == 1 and names[0][0] in _ENTERED_UNITS:
            value = _to_decimal(q.magnitude, "q")
            return f"{_render(value, 2, q.magnitude)} {_ENTERED_UNITS[names[0][0]]}"
    return format_quantity(q)


#: What makes a spreadsheet read a cell as a formula (or, for tab and CR, shift what it reads).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """A CSV text cell a spreadsheet cannot run: ``'`` before a leading ``=``, ``+``, ``-``, ``@``,
    tab or carriage return. For text cells only: a number cell (day ``-1``) is written as it is.

    >>> spreadsheet_text("=1+1")
    "'=1+1"
    >>> spreadsheet_text("9.1 mg")
    '9.1 mg'
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


# ------------------------------------------------------------------------------ source files


class _HasFiles(Protocol):
    """A regimen or a forecast: anything that names the files it was read from."""

    @property
    def files(self) -> tuple[SourceFile, ...]: ...


#: How many hex digits of a file's SHA-256 the paper formats print (the machine formats: all).
SHORT_HASH = 12
_FILE_ROLES = {"regimen": "Regimen file", "base": "Base regimen file", "overlay": "Overlay file"}


def source_file_rows(regimen: _HasFiles) -> list[tuple[str, str]]:
    """One ``(label, path and short hash)`` row per file the regimen was read from.

    Printed by the schedule's paper formats and by the forecast's text.
    """
    if not regimen.files:
        return [("Source files", "not recorded (a regimen built in code, not read from a file)")]
    return [
        (
            _FILE_ROLES.get(f.role, f.role),
            f"{f.path}{' (bundled)' if f.bundled else ''}, SHA-256 {f.sha256[:SHORT_HASH]}",
        )
        for f in regimen.files
    ]


def source_files_text(regimen: _HasFiles) -> str:
    """Every source file with its full SHA-256, for the machine formats (CSV, iCalendar).

    The schedule CSV's ``source_files`` column and the forecast CSV's ``source_files`` row.
    """
    if not regimen.files:
        return "not recorded (a regimen built in code, not read from a file)"
    return " | ".join(
        f"{f.role}: {f.path}{' (bundled)' if f.bundled else ''} sha256:{f.sha256}"
        for f in regimen.files
    )
