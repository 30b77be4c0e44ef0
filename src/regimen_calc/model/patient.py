"""The patient a schedule is computed for: height, weight and the details printed on an order.

Height and weight are converted to ``ureg`` quantities (keeping the unit they were given in, so an
order can print "67 in" as entered) and checked against wide plausibility ranges. The ranges catch
unit slips such as "17 m" for 170 cm or "70 g" for 70 kg; they are not clinical limits.
"""

from __future__ import annotations

import datetime
import unicodedata

import attrs
import pint

from regimen_calc.content.bsa import body_surface_area, normalize_sex
from regimen_calc.errors import InputError
from regimen_calc.units import as_quantity

__all__ = ["HEIGHT_RANGE_CM", "TEXT_MAX_LENGTH", "WEIGHT_RANGE_KG", "Patient"]

#: Heights accepted, in cm, inclusive: from a newborn to above the tallest adults on record.
HEIGHT_RANGE_CM: tuple[float, float] = (50.0, 250.0)
#: Weights accepted, in kg, inclusive: a small child to well above the usual dosing population.
WEIGHT_RANGE_KG: tuple[float, float] = (10.0, 350.0)

_AGE_RANGE_YEARS = (0, 120)

#: The most characters a patient name or identifier may have. Generous for any real name; the
#: printed formats lay out a value this long (the PDF wraps it inside its cell).
TEXT_MAX_LENGTH = 200

# Cc: C0 and C1 controls and DEL (NUL, ESC, tab, line breaks); Cs: lone surrogates (undecodable
# bytes on a command line); Zl, Zp: line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
#: Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
_BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
)


def _plausible(
    value: object,
    *,
    field: str,
    dimension: str,
    unit: str,
    bounds: tuple[float, float],
    example: str,
) -> pint.Quantity:
    low, high = bounds
    accepted = f"a {dimension} between {low:g} {unit} and {high:g} {unit}"
    if value is None:
        raise InputError(field, f"{accepted} (required), such as {example!r}")
    quantity = as_quantity(value, field=field, dimension=dimension, example=example)
    # One message for zero, negative and implausible values: in each case the useful answer is
    # the accepted range, and most such values are a wrong unit.
    if not low <= quantity.m_as(unit) <= high:
        raise InputError(
            field,
            f"{accepted} (check the unit)",
            value if isinstance(value, str) else str(value),
        )
    return quantity


def _height(value: object) -> pint.Quantity:
    return _plausible(
        value,
        field="height",
        dimension="length",
        unit="cm",
        bounds=HEIGHT_RANGE_CM,
        example="170 cm",
    )


def _weight(value: object) -> pint.Quantity:
    return _plausible(
        value,
        field="weight",
        dimension="mass",
        unit="kg",
        bounds=WEIGHT_RANGE_KG,
        example="70 kg",
    )


def _age(_instance: object, attribute: attrs.Attribute, value: object) -> None:
    low, high = _AGE_RANGE_YEARS
    # bool is an int subclass: age=True is a bug in the caller, never one year.
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(attribute.name, f"None or whole years from {low} to {high}", value)


def _optional_text(_instance: object, attribute: attrs.Attribute, value: object) -> None:
    # A blank name or identifier on a printed order is worse than none: it looks filled in.
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        raise InputError(attribute.name, "None or a non-empty string", value)
    if len(value) > TEXT_MAX_LENGTH:
        raise InputError(
            attribute.name,
            f"at most {TEXT_MAX_LENGTH} characters",
            f"{len(value)} characters",
        )
    # A control character (NUL, ESC starting a terminal sequence, a line break inside an
    # iCalendar or CSV field) or a bidirectional override would reach every output and could
    # make the printed name differ from the one given. Refused, never stripped.
    for i, char in enumerate(value):
        if unicodedata.category(char) in _REFUSED_CATEGORIES or char in _BIDI_CONTROLS:
            name = unicodedata.name(char, "")
            raise InputError(
                attribute.name,
                "text without control characters or bidirectional overrides",
                f"U+{ord(char):04X}{f' {name}' if name else ''} at position {i + 1}",
            )


def _optional_date(_instance: object, attribute: attrs.Attribute, value: object) -> None:
    if value is None:
        return
    # datetime is a date subclass; refusing it keeps equality and printing to the day.
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise InputError(attribute.name, "None or a datetime.date (not a datetime)", value)
    today = datetime.date.today()
    if value > today:  # a measurement not yet made; most often a mistyped year
        raise InputError(
            attribute.name, f"a date not after today ({today.isoformat()})", value.isoformat()
        )


@attrs.frozen(kw_only=True)
class Patient:
    """A patient's measurements and identifiers.

    Args:
        height: a length: a ``ureg`` quantity, another pint registry's quantity or a string such
            as ``"170 cm"``, ``"1.7 m"`` or ``"67 in"``; from 50 cm to 250 cm.
        weight: a mass, in the same forms (``"70 kg"``, ``"154 lb"``, ``"70000 g"``); from
            10 kg to 350 kg.
        sex: ``None``, ``"female"`` or ``"male"`` in any case; stored in lower case.
        age: ``None`` or whole years from 0 to 120.
        name: the patient's name, optional: at most ``TEXT_MAX_LENGTH`` (200) characters, no
            control characters (NUL, ESC, line breaks) and no bidirectional overrides or
            isolates (U+202A-U+202E, U+2066-U+2069).
        identifier: a second patient identifier such as a hospital number, optional; the same
            rules as ``name``.
        measured_on: the date height and weight were measured, optional; not after today
            (and, in a schedule, not after its first day).

    Raises:
        InputError: naming the field for any value it does not accept; height and weight are
            required, and a missing one is reported as an ``InputError`` too.
    """

    # The None defaults exist only so a missing height or weight is reported as an InputError
    # naming the field (the converter refuses None) rather than as a TypeError from __init__.
    height: pint.Quantity = attrs.field(default=None, converter=_height)
    weight: pint.Quantity = attrs.field(default=None, converter=_weight)
    sex: str | None = attrs.field(
        default=None, converter=lambda value: normalize_sex(value, field="sex")
    )
    age: int | None = attrs.field(default=None, validator=_age)
    name: str | None = attrs.field(default=None, validator=_optional_text)
    identifier: str | None = attrs.field(default=None, validator=_optional_text)
    measured_on: datetime.date | None = attrs.field(default=None, validator=_optional_date)

    @property
    def height_cm(self) -> float:
        """The height in centimetres, as a float."""
        return float(self.height.m_as("cm"))

    @property
    def weight_kg(self) -> float:
        """The weight in kilograms, as a float."""
        return float(self.weight.m_as("kg"))

    def bsa(self, formula: str = "mosteller") -> pint.Quantity:
        """Compute this patient's body surface area in m², not rounded.

        Args:
            formula: a key of ``regimen_calc.content.bsa.BSA_FORMULAS``; Mosteller by default.

        Raises:
            InputError: naming ``bsa_formula`` for an unknown formula, or ``sex`` when the
                formula (Schlich) needs a sex the patient does not have.
        """
        return body_surface_area(self.height, self.weight, formula=formula, sex=self.sex)
