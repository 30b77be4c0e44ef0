"""The package's one pint registry and the strict quantity parser (regimen_calc.units).

units.py has no half-up helper of its own (half-up rounding is ``policy.half_up``, tested with the
policy); what it holds is ``ureg``, ``Quantity``, ``as_quantity`` and the cached ``unit``.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

import regimen_calc as rc
from regimen_calc import units
from regimen_calc.units import as_quantity, unit, ureg

OTHER = pint.UnitRegistry()  # a second registry: its quantities cannot be combined with ureg's


def height(value: Any) -> pint.Quantity:
    return as_quantity(value, field="height", dimension="length", example="170 cm")


def weight(value: Any) -> pint.Quantity:
    return as_quantity(value, field="weight", dimension="mass", example="70 kg")


def area(value: Any) -> pint.Quantity:
    return as_quantity(value, field="bsa_cap", dimension="area", example="2 m^2")


# ------------------------------------------------------------------------------ the one registry


def test_the_package_exports_the_same_registry_as_the_units_module() -> None:
    assert rc.ureg is ureg
    assert units.Quantity is ureg.Quantity


def test_quantities_print_in_short_pretty_form() -> None:
    assert f"{ureg.Quantity(5, 'mg/m^2')}" == "5 mg/m²"
    assert f"{ureg.Quantity(350, 'mcg')}" == "350 µg"


def test_mcg_is_a_microgram_and_lb_the_international_pound() -> None:
    assert ureg.Quantity(350, "mcg").to("mg").magnitude == pytest.approx(0.35)
    # 154 lb × 0.45359237 kg/lb = 69.85322498 kg
    assert ureg.Quantity(154, "lb").to("kg").magnitude == pytest.approx(69.85322498)
    assert ureg.Quantity(67, "in").to("cm").magnitude == pytest.approx(170.18)


def test_units_with_no_place_in_a_dose_calculation_are_not_defined() -> None:
    with pytest.raises(pint.errors.UndefinedUnitError):
        ureg.Unit("furlong")


def test_unit_is_parsed_once_and_cached() -> None:
    assert unit("mg") is unit("mg")
    assert unit("mg/m^2") == ureg.Unit("milligram / meter ** 2")


# ------------------------------------------------------------------------------ what is accepted


@pytest.mark.parametrize(
    ("text", "magnitude", "units_name"),
    [
        pytest.param("170 cm", 170, "centimeter", id="centimetres"),
        pytest.param("1.7 m", 1.7, "meter", id="metres with a decimal"),
        pytest.param("67 in", 67, "inch", id="inches"),
        pytest.param("  170 cm  ", 170, "centimeter", id="surrounding spaces"),
        pytest.param("170cm", 170, "centimeter", id="no space before the unit"),
    ],
)
def test_one_number_and_one_length_unit_is_read(
    text: str, magnitude: float, units_name: str
) -> None:
    q = height(text)
    assert q.magnitude == magnitude
    assert q.units == ureg.Unit(units_name)
    assert q._REGISTRY is ureg


def test_a_whole_number_stays_an_int() -> None:
    # "67 in" stays 67, not 67.0: no float rounding before conversion.
    assert type(height("67 in").magnitude) is int
    assert type(height("1.7 m").magnitude) is float


@pytest.mark.parametrize("text", ["1.82 m^2", "1.82 m**2", "1.82 m ** 2", "1.82 m2", "1.82 m²"])
def test_every_spelling_of_square_metres_is_read_as_an_area(text: str) -> None:
    q = area(text)
    assert q.to("m^2").magnitude == pytest.approx(1.82)


@pytest.mark.parametrize(("text", "grams"), [("5 µg", 5e-6), ("5 ug", 5e-6), ("5 mcg", 5e-6)])
def test_every_spelling_of_microgram_is_read(text: str, grams: float) -> None:
    assert weight(text).to("g").magnitude == pytest.approx(grams)


def test_a_quantity_of_this_registry_is_returned_as_it_is() -> None:
    q = ureg.Quantity(170, "cm")
    assert height(q) is q


def test_a_quantity_of_another_registry_is_rebuilt_in_this_one() -> None:
    q = height(OTHER.Quantity(170, "cm"))
    assert q._REGISTRY is ureg
    assert q == ureg.Quantity(170, "cm")
    # ... so it can be combined with the package's own quantities.
    assert (q + ureg.Quantity(1, "m")).to("cm").magnitude == pytest.approx(270)


# ------------------------------------------------------------------------------ unit invariance


@given(mm=st.integers(min_value=500, max_value=2500))
def test_the_same_length_in_mm_cm_or_m_is_the_same_quantity(mm: int) -> None:
    cm_text = f"{Decimal(mm) / 10} cm"
    m_text = f"{Decimal(mm) / 1000} m"
    in_mm = height(f"{mm} mm").to("mm").magnitude
    assert math.isclose(height(cm_text).to("mm").magnitude, in_mm, rel_tol=1e-12)
    assert math.isclose(height(m_text).to("mm").magnitude, in_mm, rel_tol=1e-12)
    assert math.isclose(in_mm, mm, rel_tol=1e-12)


@given(grams=st.integers(min_value=10_000, max_value=350_000))
def test_the_same_mass_in_g_or_kg_is_the_same_quantity(grams: int) -> None:
    kg_text = f"{Decimal(grams) / 1000} kg"
    assert math.isclose(weight(kg_text).to("g").magnitude, grams, rel_tol=1e-12)
    assert math.isclose(weight(f"{grams} g").to("kg").magnitude, grams / 1000, rel_tol=1e-12)


@given(
    mm=st.integers(min_value=1200, max_value=2200),
    grams=st.integers(min_value=40_000, max_value=150_000),
)
def test_body_surface_area_does_not_depend_on_the_units_given(mm: int, grams: int) -> None:
    in_cm_kg = rc.body_surface_area(f"{Decimal(mm) / 10} cm", f"{Decimal(grams) / 1000} kg")
    in_m_g = rc.body_surface_area(f"{Decimal(mm) / 1000} m", f"{grams} g")
    in_mm_kg = rc.body_surface_area(f"{mm} mm", f"{Decimal(grams) / 1000} kg")
    ref = in_cm_kg.to("m^2").magnitude
    assert math.isclose(in_m_g.to("m^2").magnitude, ref, rel_tol=1e-9)
    assert math.isclose(in_mm_kg.to("m^2").magnitude, ref, rel_tol=1e-9)


def test_body_surface_area_by_hand_is_the_same_in_cm_and_inches() -> None:
    # Mosteller: sqrt(170.18 cm × 70 kg / 3600) = sqrt(3.30906) = 1.81908 m²; 67 in = 170.18 cm.
    in_cm = rc.body_surface_area("170.18 cm", "70 kg").to("m^2").magnitude
    in_inches = rc.body_surface_area("67 in", "70 kg").to("m^2").magnitude
    assert in_cm == pytest.approx(1.81908, abs=1e-5)
    assert in_inches == pytest.approx(in_cm, rel=1e-12)


# ------------------------------------------------------------------------------ what is refused

NO_UNIT = "(a bare number has no unit)"
ONE_AND_ONE = "one number and one unit"
FINITE = "with a finite number"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param(170, NO_UNIT, id="bare int"),
        pytest.param(1.7, NO_UNIT, id="bare float"),
        pytest.param(True, NO_UNIT, id="bool (an int)"),
        pytest.param(float("nan"), NO_UNIT, id="bare NaN"),
        pytest.param(float("inf"), NO_UNIT, id="bare infinity"),
        pytest.param("170", "(no unit was given)", id="number as text without a unit"),
        pytest.param(
            "1.7e2", "such as '170 cm', found '1.7e2'", id="exponent number as text without a unit"
        ),
        pytest.param("1 70 cm", ONE_AND_ONE, id="two numbers: pint would read 1 × 70 cm"),
        pytest.param("70 cm / 2", ONE_AND_ONE, id="an expression: pint would read 35 cm"),
        pytest.param("170 cm * 2", ONE_AND_ONE, id="a product"),
        pytest.param("170 cm cm", ONE_AND_ONE, id="a unit twice"),
        pytest.param("nan cm", ONE_AND_ONE, id="NaN as text"),
        pytest.param("inf cm", ONE_AND_ONE, id="infinity as text"),
        pytest.param("1.7e2 cm", ONE_AND_ONE, id="an exponent"),
        pytest.param("1_70 cm", ONE_AND_ONE, id="a digit separator"),
        pytest.param(".5 m", ONE_AND_ONE, id="a naked decimal point"),
        pytest.param("-170 cm", ONE_AND_ONE, id="a sign"),
        pytest.param("", ONE_AND_ONE, id="empty"),
        pytest.param("   ", ONE_AND_ONE, id="blank"),
        pytest.param("1/0 cm", ONE_AND_ONE, id="a division by zero"),
        pytest.param("170 furlong", "a length with a unit such as '170 cm'", id="undefined unit"),
        pytest.param("170 cmm", "a length with a unit such as '170 cm'", id="misspelt unit"),
        pytest.param("170 kg", "a length with a unit such as '170 cm'", id="a mass for a length"),
        pytest.param(
            "170 m^3", "a length with a unit such as '170 cm'", id="a volume for a length"
        ),
        pytest.param(ureg.Quantity(float("nan"), "cm"), FINITE, id="quantity NaN"),
        pytest.param(ureg.Quantity(float("inf"), "cm"), FINITE, id="quantity infinity"),
        pytest.param(ureg.Quantity(-math.inf, "cm"), FINITE, id="quantity minus infinity"),
        pytest.param(ureg.Quantity(10**400, "cm"), FINITE, id="quantity with a huge int"),
        pytest.param(OTHER.Quantity(float("nan"), "cm"), FINITE, id="other registry NaN"),
        pytest.param(OTHER.Quantity(170, "furlong"), "such as '170 cm'", id="other registry unit"),
        pytest.param(ureg.Quantity(170, "kg"), "such as '170 cm'", id="quantity of a mass"),
        pytest.param(None, "such as '170 cm'", id="None"),
        pytest.param(b"170 cm", "such as '170 cm'", id="bytes"),
        pytest.param(["170 cm"], "such as '170 cm'", id="a list"),
    ],
)
def test_anything_but_one_finite_number_and_one_unit_is_refused_naming_the_field(
    value: Any, fragment: str
) -> None:
    with pytest.raises(rc.InputError) as err:
        height(value)
    assert err.value.field == "height"
    assert str(err.value).startswith("height: expected a length with a unit such as '170 cm'")
    assert fragment in str(err.value)


def test_the_refused_text_is_shown_as_it_was_given() -> None:
    with pytest.raises(rc.InputError) as err:
        weight("70 kg / 2")
    assert err.value.found == "70 kg / 2"
    assert str(err.value) == (
        "weight: expected a mass with a unit such as '70 kg': one number and one unit, "
        "found '70 kg / 2'"
    )


@pytest.mark.parametrize(
    ("dimension", "text"),
    [("mass", "2 h"), ("length", "2 h"), ("area", "2 m"), ("time", "2 kg")],
)
def test_a_quantity_of_the_wrong_dimension_is_refused(dimension: str, text: str) -> None:
    with pytest.raises(rc.InputError) as err:
        as_quantity(text, field="x", dimension=dimension, example="1 unit")
    assert err.value.field == "x"
    assert err.value.found == text


@pytest.mark.parametrize(
    ("dimension", "text", "base"),
    [
        ("mass", "20 mg", 0.02),
        ("length", "2 mm", 0.002),
        ("area", "2 m^2", 2),
        ("time", "2 h", 7200),
    ],
)
def test_each_dimension_takes_its_own_units(dimension: str, text: str, base: float) -> None:
    q = as_quantity(text, field="x", dimension=dimension, example="1 unit")
    assert q.to_base_units().magnitude == pytest.approx(base)


def test_an_area_is_written_with_the_article_an() -> None:
    with pytest.raises(rc.InputError) as err:
        area("2 kg")
    assert "expected an area with a unit such as '2 m^2'" in str(err.value)
