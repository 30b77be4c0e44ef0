"""Tests for regimen_calc.wording.ismp: ISMP dose notation (clinical reference §6.1)."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from regimen_calc.errors import InputError, RegimenCalcError
from regimen_calc.units import ureg
from regimen_calc.wording.ismp import (
    AUTO_DECIMALS,
    format_dose_per_unit,
    format_frequency,
    format_number,
    format_quantity,
    format_unit,
    route_name,
)

# Strategies local to this module (they draw plain numbers, not library objects); move them to
# tests/strategies.py if another module needs them.
DECIMALS = st.integers(min_value=0, max_value=6)
NUMBERS = st.one_of(
    st.floats(min_value=0, max_value=1e15, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=10**15),
    st.decimals(min_value=0, max_value=10**15, allow_nan=False, allow_infinity=False, places=6),
)

# Digits with comma groups of three, an optional fraction that does not end in 0, nothing else.
ISMP_NUMBER = re.compile(r"(0|[1-9]\d{0,2}(,\d{3})*)(\.\d*[1-9])?")


def _exact(value: object) -> Decimal:
    return Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)


# --- table tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1.0, 2, "1"),
        (1, 2, "1"),
        (2.50, 2, "2.5"),
        (0.5, 2, "0.5"),
        (0.125, 3, "0.125"),
        (1750, 2, "1,750"),
        (1750.0, 1, "1,750"),
        (1818, 2, "1,818"),
        (12345.5, 2, "12,345.5"),
        (999, 2, "999"),
        (1000, 2, "1,000"),
        (1234567.891, 2, "1,234,567.89"),
        (2.675, 2, "2.68"),  # the binary float is below 2.675, so round(2.675, 2) == 2.67
        (0.125, 2, "0.13"),  # half-up, where round() gives 0.12 (half-to-even)
        (2.5, 0, "3"),  # half-up, where round() gives 2
        (1.005, 2, "1.01"),  # the binary float is 1.00499999...
        (Decimal("2.675"), 2, "2.68"),
        (Decimal("1.7520"), 2, "1.75"),
        (Decimal("100.00"), 2, "100"),
        (999.996, 2, "1,000"),
        (0, 2, "0"),
        (0.0, 2, "0"),
        (-0.0, 2, "0"),
        (1e20, 2, "100,000,000,000,000,000,000"),
        (1e-7, 7, "0.0000001"),
    ],
)
def test_format_number_table(value: object, decimals: int, expected: str) -> None:
    assert format_number(value, decimals=decimals) == expected


def test_half_up_differs_from_builtin_round() -> None:
    # The reason format_number exists: round() on the binary float gives the wrong digit.
    assert round(2.675, 2) == 2.67
    assert format_number(2.675, decimals=2) == "2.68"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (ureg.Quantity(1.0, "mg"), "1 mg"),
        (ureg.Quantity(0.5, "mg"), "0.5 mg"),
        (ureg.Quantity(1750, "mg"), "1,750 mg"),
        (ureg.Quantity(1818, "mg"), "1,818 mg"),
        (ureg.Quantity(1818.44, "mg"), "1,818.44 mg"),
        (ureg.Quantity(0.125, "mg"), "0.125 mg"),
        (ureg.Quantity(325, "mcg"), "325 mcg"),
        (ureg.Quantity(325, "µg"), "325 mcg"),
        (ureg.Quantity(325, "ug"), "325 mcg"),
        (ureg.Quantity(325, "microgram"), "325 mcg"),
        (ureg.Quantity(1.752, "m**2"), "1.75 m²"),
        (ureg.Quantity(12.345, "mg"), "12.35 mg"),  # ≥ 10: two places, half-up
        (ureg.Quantity(100.04, "mg"), "100.04 mg"),  # ≥ 1: two places, never rounder
        (ureg.Quantity(131.25, "mg"), "131.25 mg"),  # a dose to give at 0.01 mg prints exactly
        (ureg.Quantity(0.0625, "mg"), "0.063 mg"),  # < 1: three places
        (ureg.Quantity(250, "mL"), "250 mL"),
        (ureg.Quantity(1.5, "L"), "1.5 L"),
        (ureg.Quantity(2, "h"), "2 h"),
        (ureg.Quantity(30, "min"), "30 min"),
        (ureg.Quantity(170, "cm"), "170 cm"),
        (ureg.Quantity(65, "kg"), "65 kg"),
        (ureg.Quantity(1, "g"), "1 g"),
        (ureg.Quantity(5, "mg/m**2"), "5 mg/m²"),
    ],
)
def test_format_quantity_table(q: object, expected: str) -> None:
    assert format_quantity(q) == expected


def test_format_quantity_explicit_decimals() -> None:
    assert format_quantity(ureg.Quantity(1818.44, "mg"), decimals=0) == "1,818 mg"
    assert format_quantity(ureg.Quantity(2.675, "mg"), decimals=2) == "2.68 mg"


@pytest.mark.parametrize(
    ("value", "decimals"),
    [
        (Decimal(100), 2),
        (Decimal("99.99"), 2),
        (Decimal(10), 2),
        (Decimal(1), 2),
        (Decimal("0.99"), 3),
        (0, 3),
    ],
)
def test_auto_decimals_table(value: Decimal, decimals: int) -> None:
    chosen = next(places for bound, places in AUTO_DECIMALS if value >= bound)
    assert chosen == decimals


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (ureg.microgram, "mcg"),
        (ureg.milligram, "mg"),
        (ureg.gram, "g"),
        (ureg.kilogram, "kg"),
        (ureg.meter**2, "m²"),
        (ureg.milligram / ureg.meter**2, "mg/m²"),
        (ureg.microgram / ureg.kilogram, "mcg/kg"),
        (ureg.milliliter, "mL"),
        (ureg.liter, "L"),
        (ureg.hour, "h"),
        (ureg.minute, "min"),
        (ureg.centimeter, "cm"),
        (ureg.day, "day"),
        (ureg.milligram / ureg.day / ureg.meter**2, "mg/m²/day"),
        (ureg.microgram / ureg.minute / ureg.kilogram, "mcg/kg/min"),
        (ureg.Unit("mcg"), "mcg"),
        (ureg.Unit("ug"), "mcg"),
    ],
)
def test_format_unit_table(unit: object, expected: str) -> None:
    assert format_unit(unit) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (ureg.Quantity(5, "mg/m**2"), "5 mg/m²"),
        (ureg.Quantity(1, "g/m**2"), "1 g/m²"),  # the unit the regimen was written in
        (ureg.Quantity(1.5, "g/m**2"), "1.5 g/m²"),
        (ureg.Quantity(5, "mcg/kg"), "5 mcg/kg"),
        (ureg.Quantity(300, "mcg"), "300 mcg"),
        (ureg.Quantity(2000, "mg/m**2"), "2,000 mg/m²"),
        (ureg.Quantity(0.0625, "mg/kg"), "0.0625 mg/kg"),  # exact, not the 3 places of a dose
        (ureg.Quantity(100, "mg/m**2/day"), "100 mg/m²/day"),
    ],
)
def test_format_dose_per_unit_table(q: object, expected: str) -> None:
    assert format_dose_per_unit(q) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("IV", "intravenous (IV)"),
        ("iv", "intravenous (IV)"),
        ("SC", "subcutaneous (subcut)"),
        ("SUBQ", "subcutaneous (subcut)"),
        ("subcut", "subcutaneous (subcut)"),
        ("PO", "oral (PO)"),
        ("IM", "intramuscular (IM)"),
    ],
)
def test_route_name_table(code: str, expected: str) -> None:
    assert route_name(code) == expected


@pytest.mark.parametrize("code", ["IV", "SC", "SUBQ", "subcut", "PO", "IM"])
def test_route_name_never_sc_or_sq_alone(code: str) -> None:
    words = re.findall(r"[A-Za-z]+", route_name(code))
    assert "SC" not in words
    assert "SQ" not in words


@pytest.mark.parametrize(
    ("per_day", "expected"),
    [(1, "once daily"), (2, "every 12 hours"), (3, "every 8 hours"), (4, "every 6 hours")],
)
def test_format_frequency_table(per_day: int, expected: str) -> None:
    text = format_frequency(per_day)
    assert text == expected
    assert not re.search(r"\bq\.?d\b", text, re.IGNORECASE)


# --- invalid inputs: each with the error it must raise ------------------------------------------


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: format_number(-1), InputError),
        (lambda: format_number(-0.001), InputError),
        (lambda: format_number(Decimal("-1")), InputError),
        (lambda: format_number(math.nan), InputError),
        (lambda: format_number(math.inf), InputError),
        (lambda: format_number(Decimal("NaN")), InputError),
        (lambda: format_number(Decimal("sNaN")), InputError),
        (lambda: format_number(Decimal("Infinity")), InputError),
        (lambda: format_number(True), InputError),
        (lambda: format_number("1"), InputError),
        (lambda: format_number(None), InputError),
        (lambda: format_number(1, decimals=-1), InputError),
        (lambda: format_number(1, decimals=1.5), InputError),
        (lambda: format_number(1, decimals=True), InputError),
        # a vanishing dose: non-zero, but "0" at the places asked for
        (lambda: format_number(0.004), InputError),
        (lambda: format_number(0.4, decimals=0), InputError),
        (lambda: format_number(Decimal("0.0004"), decimals=3), InputError),
        (lambda: format_quantity(ureg.Quantity(0.0004, "mg")), InputError),
        (lambda: format_quantity(ureg.Quantity(-5, "mg")), InputError),
        (lambda: format_quantity(ureg.Quantity(math.nan, "mg")), InputError),
        (lambda: format_quantity(5), InputError),
        (lambda: format_quantity("5 mg"), InputError),
        (lambda: format_quantity(ureg.Quantity(5, "s")), InputError),
        (lambda: format_quantity(ureg.Quantity(5, "inch")), InputError),
        (lambda: format_quantity(ureg.Quantity(5, "mg"), decimals=-2), InputError),
        (lambda: format_unit(ureg.second), InputError),
        (lambda: format_unit(ureg.pound), InputError),
        (lambda: format_unit(ureg.microgram / ureg.second), InputError),
        (lambda: format_unit(1 / ureg.day), InputError),
        (lambda: format_unit(ureg.meter**4), InputError),
        (lambda: format_unit(ureg.Unit("dimensionless")), InputError),
        (lambda: format_unit("mg"), InputError),
        (lambda: format_unit(ureg.Quantity(1, "mg")), InputError),
        (lambda: format_dose_per_unit(ureg.Quantity(5, "mL")), InputError),
        (lambda: format_dose_per_unit(ureg.Quantity(5, "mg/cm**2")), InputError),
        (lambda: format_dose_per_unit(ureg.Quantity(5, "mg/m")), InputError),
        (lambda: format_dose_per_unit(ureg.Quantity(5, "mg/g")), InputError),
        (lambda: format_dose_per_unit(ureg.Quantity(5, "mg*mg")), InputError),
        (lambda: format_dose_per_unit(ureg.Quantity(5, "mg/kg/m**2")), InputError),
        (lambda: format_dose_per_unit(ureg.Quantity(1 / 3, "mg/kg")), InputError),  # rounds
        (lambda: format_dose_per_unit(ureg.Quantity(-5, "mg/m**2")), InputError),
        (lambda: route_name("SQ"), InputError),
        (lambda: route_name("intrathecal"), InputError),
        (lambda: route_name(""), InputError),
        (lambda: route_name(None), InputError),
        (lambda: format_frequency(0), InputError),
        (lambda: format_frequency(5), InputError),
        (lambda: format_frequency(2.0), InputError),
        (lambda: format_frequency(True), InputError),
        (lambda: format_frequency("1"), InputError),
    ],
)
def test_invalid_inputs(call: object, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, RegimenCalcError)
    assert isinstance(info.value, ValueError)
    assert "µ" not in str(info.value)


def test_vanishing_dose_error_says_why() -> None:
    with pytest.raises(InputError, match="never print as 0"):
        format_number(0.004, decimals=2)


# --- properties -----------------------------------------------------------------------------------


@given(value=NUMBERS, decimals=DECIMALS)
@example(value=2.675, decimals=2)
@example(value=999.995, decimals=2)
@example(value=1e15, decimals=6)
def test_format_number_is_ismp_safe(value: object, decimals: int) -> None:
    exact = _exact(value)
    half_ulp = Decimal(5).scaleb(-(decimals + 1))
    if exact != 0 and exact < half_ulp:
        with pytest.raises(InputError):
            format_number(value, decimals=decimals)
        return
    text = format_number(value, decimals=decimals)
    assert "µ" not in text
    assert "ug" not in text
    assert "e" not in text.lower()  # no exponent, e+ or e-
    assert not text.startswith(".")
    assert ISMP_NUMBER.fullmatch(text), text
    if "." in text:
        assert not text.endswith("0")
        assert len(text.partition(".")[2]) <= decimals
    shown = Decimal(text.replace(",", ""))
    assert abs(shown - exact) <= half_ulp
    # Thousands separators exactly for printed values of 1,000 and above.
    assert ("," in text) == (shown >= 1000)
    if exact >= 1000:
        assert "," in text


@given(value=NUMBERS, decimals=DECIMALS)
def test_format_number_is_half_up(value: object, decimals: int) -> None:
    exact = _exact(value)
    half_ulp = Decimal(5).scaleb(-(decimals + 1))
    if exact != 0 and exact < half_ulp:
        return
    shown = Decimal(format_number(value, decimals=decimals).replace(",", ""))
    # Half-up: an exact half goes up, never down.
    if abs(shown - exact) == half_ulp:
        assert shown > exact


@given(
    magnitude=st.floats(min_value=0.001, max_value=1e7, allow_nan=False, allow_infinity=False),
    unit=st.sampled_from(["mcg", "mg", "g", "mg/m**2", "mcg/kg", "mL", "m**2"]),
)
def test_format_quantity_is_ismp_safe(magnitude: float, unit: str) -> None:
    text = format_quantity(ureg.Quantity(magnitude, unit))
    number, space, unit_text = text.partition(" ")
    assert space == " "  # number and unit never run together
    assert ISMP_NUMBER.fullmatch(number), text
    assert "µ" not in text
    assert "ug" not in text
    assert not unit_text.endswith(".")
    places = next(places for bound, places in AUTO_DECIMALS if _exact(magnitude) >= bound)
    shown = Decimal(number.replace(",", ""))
    assert abs(shown - _exact(magnitude)) <= Decimal(5).scaleb(-(places + 1))


@given(
    value=st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False),
    unit=st.sampled_from(["mg/m**2", "g/m**2", "mcg/kg", "mg/kg", "mcg", "mg"]),
)
def test_format_dose_per_unit_is_exact(value: Decimal, unit: str) -> None:
    text = format_dose_per_unit(ureg.Quantity(float(value), unit))
    number = text.partition(" ")[0]
    assert Decimal(number.replace(",", "")) == value
