"""Tests of regimen_calc.model.parsing: days, per-administration doses and quantities."""

from __future__ import annotations

import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimen_calc.model.parsing import MAX_DAY, MIN_DAY, parse_days, parse_dose, parse_quantity
from regimen_calc.model.regimen import Flat, PerBsa, PerWeight
from regimen_calc.units import ureg


@pytest.mark.parametrize(
    ("written", "days"),
    [
        (3, (3,)),
        ("3", (3,)),
        (0, (0,)),
        ("0-5", (0, 1, 2, 3, 4, 5)),
        ("-2-1", (-2, -1, 0, 1)),
        ("-3--1", (-3, -2, -1)),
        ("1, 3, 5-7", (1, 3, 5, 6, 7)),
        ([8, "1-3"], (1, 2, 3, 8)),
        (" 2 - 4 ", (2, 3, 4)),
    ],
)
def test_days(written: object, days: tuple[int, ...]) -> None:
    assert parse_days(written) == days


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        (2.9, "found 2.9"),
        (True, "found True"),
        (None, "found None"),
        ("abc", "found 'abc'"),
        ("1:5", "found '1:5'"),
        ("5-1", "later day"),
        ([1, 1], "more than once"),
        ([], "found no days"),
        ([[1]], "found [1]"),
        ({"from": 1}, "found {'from': 1}"),
        (MAX_DAY + 1, f"between {MIN_DAY} and {MAX_DAY}"),
        (f"{MIN_DAY - 1}-0", f"between {MIN_DAY} and {MAX_DAY}"),
    ],
)
def test_bad_days(written: object, fragment: str) -> None:
    with pytest.raises(ValueError, match="expected") as caught:
        parse_days(written)
    assert fragment in str(caught.value)


@given(first=st.integers(MIN_DAY, MAX_DAY), length=st.integers(0, 40))
def test_a_range_is_every_day_from_first_to_last(first: int, length: int) -> None:
    last = min(first + length, MAX_DAY)
    assert parse_days(f"{first}-{last}") == tuple(range(first, last + 1))


@given(st.lists(st.integers(MIN_DAY, MAX_DAY), min_size=1, max_size=20, unique=True))
def test_a_list_of_days_comes_back_sorted(days: list[int]) -> None:
    assert parse_days(days) == tuple(sorted(days))
    assert parse_days(", ".join(map(str, days))) == tuple(sorted(days))


@pytest.mark.parametrize(
    ("written", "kind", "amount"),
    [
        ("5 mg/m^2", PerBsa, "5 mg/m**2"),
        ("5 mg/m2", PerBsa, "5 mg/m**2"),
        ("5 mg/m²", PerBsa, "5 mg/m**2"),
        ("5 mg/m**2", PerBsa, "5 mg/m**2"),
        ("1 g/m^2", PerBsa, "1 g/m**2"),
        ("0.5 mg / m^2", PerBsa, "0.5 mg/m**2"),
        ("5 mcg/kg", PerWeight, "5 mcg/kg"),
        ("300 mcg", Flat, "300 mcg"),
        ("20 mg", Flat, "20 mg"),
        ("20mg", Flat, "20 mg"),
    ],
)
def test_the_basis_follows_from_the_units(written: str, kind: type, amount: str) -> None:
    dose = parse_dose(written)
    assert type(dose) is kind
    assert dose.amount == ureg.Quantity(amount)


def test_a_number_has_at_most_12_digits() -> None:
    """12 digits (leading zeros not counted, the point not counted) parse; 13 are refused."""
    assert parse_dose("999999999999 mg").amount.magnitude == 999_999_999_999
    assert parse_dose("0000.5 mg").amount.magnitude == 0.5
    assert parse_dose("99999999999.9 mg").amount.magnitude == 99_999_999_999.9
    with pytest.raises(ValueError, match="at most 12 digits"):
        parse_dose("1000000000000 mg")
    with pytest.raises(ValueError, match="at most 12 digits"):
        parse_quantity("1000000000000 h", "time", "2 h")


@pytest.mark.parametrize("written", ["5 lb", "5000 ng", "5 kg", "5 ng/kg"])
def test_a_dose_amount_is_in_mcg_mg_or_g(written: str) -> None:
    with pytest.raises(ValueError, match="expected an amount in mcg, mg or g"):
        parse_dose(written)


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        # ISMP: mcg, never µg; the file reads as the printed schedule does.
        ("5 ug/kg", "written as mcg, mg or g (write mcg for micrograms)"),
        ("5 µg/kg", "written as mcg, mg or g (write mcg for micrograms)"),
        ("5000 μg/m^2", "written as mcg, mg or g (write mcg for micrograms)"),
        ("5 microgram/kg", "written as mcg, mg or g (write mcg for micrograms)"),
        ("5 milligram/m^2", "written as mcg, mg or g, found"),
        ("1 gram/m^2", "written as mcg, mg or g, found"),
        ("5 mg/meter^2", "basis written as m^2 (or m2, m²) or kg"),
        ("5 mcg/kilogram", "basis written as m^2 (or m2, m²) or kg"),
        # Digits of another script are not read as numbers: full-width 5.
        ("\uff15 mg/m^2", "expected a dose per administration"),
        ("1\uff10 mg", "expected a dose per administration"),
    ],
)
def test_a_dose_is_written_in_the_printed_symbols_and_ascii_digits(
    written: str, fragment: str
) -> None:
    with pytest.raises(ValueError, match="found") as caught:
        parse_dose(written)
    assert fragment in str(caught.value)


@pytest.mark.parametrize("written", ["\uff15", "1-\uff15", "\uff11, 3"])
def test_days_are_ascii_digits(written: str) -> None:
    with pytest.raises(ValueError, match="expected days as a whole number"):
        parse_days(written)


def test_an_interaction_rule_mass_is_in_mcg_mg_or_g() -> None:
    assert parse_quantity("100 mg", "mass", "100 mg") == ureg.Quantity(100, "mg")
    with pytest.raises(ValueError, match="in mcg, mg or g"):
        parse_quantity("1 lb", "mass", "100 mg")
    with pytest.raises(ValueError, match="write mcg for micrograms"):
        parse_quantity("100 µg", "mass", "100 mg")
    with pytest.raises(ValueError, match="expected a mass"):
        parse_quantity("\uff11\uff10\uff10 mg", "mass", "100 mg")


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        ("100 mg/m", "per body-surface area such as '100 mg/m^2'"),
        ("5 mg/m^2/day", "not '/day'"),
        ("5 mg/day", "not '/day'"),
        ("5 mg/kg/d", "not '/day'"),
        (20, "a dose needs its unit"),
        (20.5, "a dose needs its unit"),
        ("20", "expected a dose"),
        ("0 mg", "above zero"),
        ("-5 mg", "expected a dose"),
        ("5 mL", "unit of mass"),
        ("5 mg/ft^2", "per m^2"),
        ("5 mg/lb", "per kg"),
        ("5 bananas", "unknown unit"),
        ("1e3 mg", "expected a dose"),
        ("5 mg/m^3", "expected a dose"),
    ],
)
def test_bad_doses(written: object, fragment: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_dose(written)
    assert fragment in str(caught.value)


@given(
    number=st.decimals(min_value="0.01", max_value="5000", places=2).map(lambda d: d.normalize()),
    unit=st.sampled_from(["mg", "g", "mcg"]),
    basis=st.sampled_from([("/m^2", PerBsa), ("/kg", PerWeight), ("", Flat)]),
)
def test_any_written_dose_keeps_its_number_and_unit(
    number: object, unit: str, basis: tuple[str, type]
) -> None:
    text = f"{number:f}" if "E" not in str(number) else f"{number:.2f}"
    dose = parse_dose(f"{text} {unit}{basis[0]}")
    assert type(dose) is basis[1]
    assert dose.amount.magnitude == pytest.approx(float(text))


@pytest.mark.parametrize(
    ("written", "hours"), [("2 h", 2), ("30 min", 0.5), ("1.5 hour", 1.5), ("0 h", 0)]
)
def test_times(written: str, hours: float) -> None:
    assert parse_quantity(written, "time", "2 h").to("hour").magnitude == pytest.approx(hours)


@pytest.mark.parametrize(
    "written",
    [
        "2 h; 3",
        "1/0 h",
        "(",
        "**",
        "2 h h",
        "2",
        2,
        None,
        "2 kg",
        "-1 h",
        "nan h",
        "2 h + 1 h",
        "2*h",
    ],
)
def test_bad_times_are_refused_with_a_value_error(written: object) -> None:
    with pytest.raises(ValueError, match="expected a time"):
        parse_quantity(written, "time", "2 h")


def test_masses() -> None:
    q = parse_quantity("100 mg", "mass", "100 mg")
    assert isinstance(q, pint.Quantity) and q == ureg.Quantity(100, "mg")
    with pytest.raises(ValueError, match="expected a mass"):
        parse_quantity("100 mg/m^2", "mass", "100 mg")
