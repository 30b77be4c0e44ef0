"""Tests for regimen_calc.content.body_weight: Devine IBW, short heights, adjusted weight."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimen_calc.content.body_weight import adjusted_body_weight, ideal_body_weight
from regimen_calc.errors import InputError
from regimen_calc.units import ureg
from strategies import heights_cm, weights_kg

Q = ureg.Quantity


@pytest.mark.parametrize(
    ("height", "sex", "expected_kg"),
    [
        # Reference dossier section 5, "IBW test vectors".
        ("64 in", "male", 59.2),
        ("170 cm", "male", 65.94),
        ("170 cm", "female", 61.44),
        ("1.7 m", "Female", 61.44),
    ],
)
def test_ideal_body_weight_reference_vectors(height: str, sex: str, expected_kg: float) -> None:
    result = ideal_body_weight(height, sex)
    assert result.units == ureg.kilogram
    assert result.m_as("kg") == pytest.approx(expected_kg, abs=5e-3)


@pytest.mark.parametrize(
    ("height", "sex", "base_kg"),
    [
        ("60 in", "male", 50.0),
        ("152.4 cm", "female", 45.5),
        ("5 ft", "female", 45.5),
    ],
)
def test_exactly_60_inches_gives_the_base_weight(height: str, sex: str, base_kg: float) -> None:
    assert ideal_body_weight(height, sex).m_as("kg") == pytest.approx(base_kg, abs=1e-9)


@pytest.mark.parametrize("height", ["59.9 in", "150 cm", "1.2 m"])
@pytest.mark.parametrize("sex", ["female", "male"])
def test_below_60_inches_is_refused(height: str, sex: str) -> None:
    with pytest.raises(InputError) as excinfo:
        ideal_body_weight(height, sex)
    assert excinfo.value.field == "height"
    assert "60 in" in str(excinfo.value)
    with pytest.raises(InputError) as excinfo:
        adjusted_body_weight(height, "120 kg", sex)
    assert excinfo.value.field == "height"


def test_adjusted_body_weight_formula() -> None:
    # 170 cm male: IBW 65.937 kg; 0.4 of the 34.063 kg excess is added.
    ibw = 50 + 2.3 * (170 / 2.54 - 60)
    result = adjusted_body_weight("170 cm", "100 kg", "male")
    assert result.m_as("kg") == pytest.approx(ibw + 0.4 * (100 - ibw), rel=1e-12)
    assert result.m_as("kg") == pytest.approx(79.56, abs=5e-3)


@given(
    height_cm=heights_cm().filter(lambda h: h >= 152.4),
    weight_kg=weights_kg(),
    sex=st.sampled_from(("female", "male")),
)
def test_adjusted_weight_lies_between_ibw_and_actual(
    height_cm: float, weight_kg: float, sex: str
) -> None:
    ibw = ideal_body_weight(Q(height_cm, "cm"), sex).m_as("kg")
    abw = adjusted_body_weight(Q(height_cm, "cm"), Q(weight_kg, "kg"), sex).m_as("kg")
    assert math.isfinite(abw)
    assert min(ibw, weight_kg) - 1e-9 <= abw <= max(ibw, weight_kg) + 1e-9
    assert adjusted_body_weight(Q(height_cm, "cm"), Q(weight_kg, "kg"), sex, factor=0).m_as(
        "kg"
    ) == pytest.approx(ibw, rel=1e-12)
    assert adjusted_body_weight(Q(height_cm, "cm"), Q(weight_kg, "kg"), sex, factor=1).m_as(
        "kg"
    ) == pytest.approx(weight_kg, rel=1e-12)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"sex": None}, "sex", id="missing-sex"),
        pytest.param({"sex": "m"}, "sex", id="abbreviated-sex"),
        pytest.param({"height": 170}, "height", id="bare-number-height"),
        pytest.param({"height": "70 kg"}, "height", id="height-as-mass"),
        pytest.param({"height": "-170 cm"}, "height", id="negative-height"),
        pytest.param({"weight": "100"}, "weight", id="weight-without-unit"),
        pytest.param({"weight": "0 kg"}, "weight", id="zero-weight"),
        pytest.param({"weight": Q(math.nan, "kg")}, "weight", id="nan-weight"),
        pytest.param({"factor": 1.5}, "factor", id="factor-above-one"),
        pytest.param({"factor": -0.1}, "factor", id="negative-factor"),
        pytest.param({"factor": math.nan}, "factor", id="nan-factor"),
        pytest.param({"factor": True}, "factor", id="bool-factor"),
        pytest.param({"factor": "0.4"}, "factor", id="string-factor"),
    ],
)
def test_adjusted_body_weight_invalid_input(changes: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"height": "170 cm", "weight": "100 kg", "sex": "male"} | changes
    with pytest.raises(InputError) as excinfo:
        adjusted_body_weight(**args)  # type: ignore[arg-type]
    assert excinfo.value.field == field
    assert isinstance(excinfo.value, ValueError)
