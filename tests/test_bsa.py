"""Tests for regimen_calc.content.bsa: golden values, public-code errors, properties, bad input."""

from __future__ import annotations

import math

import numpy as np
import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimen_calc.content.bsa import (
    BSA_FORMULAS,
    BsaFormula,
    body_surface_area,
    bsa_array,
    normalize_sex,
)
from regimen_calc.errors import InputError, RegimenCalcError
from regimen_calc.units import ureg
from strategies import heights_cm, patients, weights_kg

Q = ureg.Quantity

ALL_KEYS = (
    "mosteller",
    "dubois",
    "haycock",
    "gehan-george",
    "boyd",
    "fujimoto",
    "takahira",
    "shuter-aslani",
    "schlich",
)

# Reference dossier section 4, "Reference values": columns in the dossier's order, each as the
# (formula key, sex) that produces it. Schlich has one column per sex.
COLUMNS = (
    ("mosteller", None),
    ("dubois", None),
    ("haycock", None),
    ("gehan-george", None),
    ("boyd", None),
    ("fujimoto", None),
    ("takahira", None),
    ("schlich", "female"),
    ("schlich", "male"),
    ("shuter-aslani", None),
)
REFERENCE_TABLE = {
    (170, 75): (1.882, 1.864, 1.895, 1.897, 1.905, 1.819, 1.878, 1.822, 1.743, 1.841),
    (185, 90): (2.151, 2.141, 2.161, 2.160, 2.158, 2.086, 2.158, 2.171, 2.075, 2.109),
    (160, 50): (1.491, 1.501, 1.487, 1.501, 1.498, 1.460, 1.513, 1.416, 1.386, 1.480),
    (150, 40): (1.291, 1.303, 1.286, 1.302, 1.298, 1.267, 1.313, 1.192, 1.175, 1.286),
    (175, 120): (2.415, 2.324, 2.468, 2.446, 2.479, 2.285, 2.342, 2.334, 2.160, 2.309),
}
GOLDEN = [
    pytest.param(h, w, key, sex, expected, id=f"{h}cm-{w}kg-{key}{'-' + sex if sex else ''}")
    for (h, w), row in REFERENCE_TABLE.items()
    for (key, sex), expected in zip(COLUMNS, row, strict=True)
]


def bsa_m2(height: object, weight: object, key: str = "mosteller", sex: str | None = None) -> float:
    return body_surface_area(height, weight, formula=key, sex=sex).m_as("m**2")


@pytest.mark.parametrize(("height_cm", "weight_kg", "key", "sex", "expected"), GOLDEN)
def test_reference_table(
    height_cm: int, weight_kg: int, key: str, sex: str | None, expected: float
) -> None:
    # The table is printed to 3 decimals, so a correct value lies within 0.0005 of it.
    result = bsa_m2(Q(height_cm, "cm"), Q(weight_kg, "kg"), key, sex)
    assert result == pytest.approx(expected, abs=6e-4)


def test_worked_example_section_7() -> None:
    assert bsa_m2("170 cm", "65 kg") == pytest.approx(1.7520, abs=5e-5)


def test_registry_has_exactly_the_documented_formulas() -> None:
    assert tuple(BSA_FORMULAS) == ALL_KEYS
    for key, formula in BSA_FORMULAS.items():
        assert isinstance(formula, BsaFormula)
        assert formula.key == key
        assert formula.citation.strip()
    assert [k for k, f in BSA_FORMULAS.items() if f.needs_sex] == ["schlich"]


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        BSA_FORMULAS["mosteller"] = BSA_FORMULAS["dubois"]  # type: ignore[index]


def test_result_is_an_unrounded_float_area() -> None:
    result = body_surface_area(Q(170, "cm"), Q(65, "kg"))
    assert result.dimensionality == (ureg.meter**2).dimensionality
    assert result.units == ureg.Unit("m**2")
    assert isinstance(result.magnitude, float)
    assert result.magnitude == math.sqrt(170 * 65 / 3600)


def test_formula_key_is_case_insensitive() -> None:
    assert bsa_m2("170 cm", "75 kg", " DuBois ") == bsa_m2("170 cm", "75 kg", "dubois")


def test_accepts_a_quantity_from_another_registry() -> None:
    other = pint.UnitRegistry()
    result = bsa_m2(other.Quantity(67, "inch"), other.Quantity(154, "pound"))
    assert result == bsa_m2(Q(67, "inch"), Q(154, "lb"))


# ---- Errors seen in public code (reference section 4): each test fails if the error is made ----

# Power-law formulas as (key, sex, weight exponent, height exponent), from the reference table.
# Doubling one input multiplies the BSA by 2**exponent, which pins each exponent separately and
# so catches exponents swapped between weight and height.
POWER_LAWS = (
    ("mosteller", None, 0.5, 0.5),
    ("dubois", None, 0.425, 0.725),
    ("haycock", None, 0.5378, 0.3964),
    ("gehan-george", None, 0.51456, 0.42246),
    ("fujimoto", None, 0.444, 0.663),
    ("takahira", None, 0.425, 0.725),
    ("shuter-aslani", None, 0.441, 0.655),
    ("schlich", "female", 0.46, 1.08),
    ("schlich", "male", 0.38, 1.24),
)


@pytest.mark.parametrize(("key", "sex", "w_exp", "h_exp"), POWER_LAWS)
def test_power_law_exponents(key: str, sex: str | None, w_exp: float, h_exp: float) -> None:
    base = bsa_m2("160 cm", "60 kg", key, sex)
    assert bsa_m2("160 cm", "120 kg", key, sex) / base == pytest.approx(2**w_exp, rel=1e-12)
    assert bsa_m2("320 cm", "60 kg", key, sex) / base == pytest.approx(2**h_exp, rel=1e-12)


@pytest.mark.parametrize(
    ("key", "sex", "coefficient", "w_exp", "h_exp"),
    [
        # DuBois was seen typed as 0.0087184 (about 21% too high).
        ("dubois", None, 0.007184, 0.425, 0.725),
        ("takahira", None, 0.007241, 0.425, 0.725),
        ("fujimoto", None, 0.008883, 0.444, 0.663),
        # Schlich: the coefficients swapped between sexes, or male typed as 0.000578848.
        ("schlich", "female", 0.000975482, 0.46, 1.08),
        ("schlich", "male", 0.000579479, 0.38, 1.24),
    ],
)
def test_coefficients(
    key: str, sex: str | None, coefficient: float, w_exp: float, h_exp: float
) -> None:
    for height_cm, weight_kg in ((170, 75), (152, 48)):
        result = bsa_m2(Q(height_cm, "cm"), Q(weight_kg, "kg"), key, sex)
        assert result / (weight_kg**w_exp * height_cm**h_exp) == pytest.approx(
            coefficient, rel=1e-12
        )


def test_dubois_coefficient_typo_would_be_caught() -> None:
    typo = 0.0087184 * 75**0.425 * 170**0.725
    assert typo > 2.2  # the typo's value, so the comparison below is a real one
    assert bsa_m2("170 cm", "75 kg", "dubois") == pytest.approx(1.864, abs=6e-4)


def test_boyd_uses_weight_in_grams() -> None:
    kg_fed_to_grams_form = 0.0003207 * 170**0.3 * 75 ** (0.7285 - 0.0188 * math.log10(75))
    assert kg_fed_to_grams_form == pytest.approx(0.03, abs=0.01)
    result = bsa_m2("170 cm", "75 kg", "boyd")
    assert result == pytest.approx(1.905, abs=6e-4)
    # The published kg form has a rounded coefficient (0.03330), so it agrees to about 2e-4.
    kg_form = 0.03330 * 75 ** (0.6157 - 0.0188 * math.log10(75)) * 170**0.3
    assert result == pytest.approx(kg_form, rel=2e-4)


def test_boyd_same_for_weight_given_in_grams() -> None:
    assert bsa_m2("170 cm", "75000 g", "boyd") == pytest.approx(
        bsa_m2("170 cm", "75 kg", "boyd"), rel=1e-12
    )


@pytest.mark.parametrize("key", ALL_KEYS)
def test_height_in_metres_is_converted(key: str) -> None:
    # Gehan-George was seen fed height in metres (giving about 0.28 m²); every formula must
    # convert a height given in metres to centimetres first.
    sex = "female" if key == "schlich" else None
    in_metres = bsa_m2("1.7 m", "75 kg", key, sex)
    assert in_metres == pytest.approx(bsa_m2("170 cm", "75 kg", key, sex), rel=1e-12)
    assert in_metres > 1.5


def test_gehan_george_height_in_metres() -> None:
    assert bsa_m2("1.7 m", "75 kg", "gehan-george") == pytest.approx(1.897, abs=6e-4)


def test_schlich_sexes_not_swapped() -> None:
    assert bsa_m2("170 cm", "75 kg", "schlich", "female") == pytest.approx(1.822, abs=6e-4)
    assert bsa_m2("170 cm", "75 kg", "schlich", "male") == pytest.approx(1.743, abs=6e-4)


def test_schlich_accepts_sex_in_any_case() -> None:
    assert bsa_m2("170 cm", "75 kg", "schlich", "FEMALE") == bsa_m2(
        "170 cm", "75 kg", "schlich", "female"
    )


# ---- Invalid input ----

BAD_CALLS = [
    pytest.param({"formula": "du bois"}, "bsa_formula", id="unknown-formula"),
    pytest.param({"formula": ""}, "bsa_formula", id="empty-formula"),
    pytest.param({"formula": None}, "bsa_formula", id="none-formula"),
    pytest.param({"formula": "schlich"}, "sex", id="schlich-without-sex"),
    pytest.param({"formula": "schlich", "sex": "f"}, "sex", id="schlich-abbreviated-sex"),
    pytest.param({"sex": "m"}, "sex", id="bad-sex-with-mosteller"),
    pytest.param({"sex": 1}, "sex", id="numeric-sex"),
    pytest.param({"height": 170}, "height", id="bare-number-height"),
    pytest.param({"weight": 70.0}, "weight", id="bare-number-weight"),
    pytest.param({"height": "70 kg"}, "height", id="height-as-mass"),
    pytest.param({"weight": "170 cm"}, "weight", id="weight-as-length"),
    pytest.param({"height": Q(math.nan, "cm")}, "height", id="nan-height"),
    pytest.param({"weight": Q(math.inf, "kg")}, "weight", id="inf-weight"),
    pytest.param({"height": "0 cm"}, "height", id="zero-height"),
    pytest.param({"weight": "-70 kg"}, "weight", id="negative-weight"),
    pytest.param({"height": None}, "height", id="none-height"),
    pytest.param({"weight": "seventy kg"}, "weight", id="unparseable-weight"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_CALLS)
def test_invalid_input_names_the_field(changes: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"height": "170 cm", "weight": "70 kg"} | changes
    height, weight = args.pop("height"), args.pop("weight")
    with pytest.raises(InputError) as excinfo:
        body_surface_area(height, weight, **args)  # type: ignore[arg-type]
    assert excinfo.value.field == field
    assert isinstance(excinfo.value, RegimenCalcError)
    assert isinstance(excinfo.value, ValueError)
    assert str(excinfo.value).startswith(f"{field}: expected ")


def test_unknown_formula_lists_every_key() -> None:
    with pytest.raises(InputError) as excinfo:
        body_surface_area("170 cm", "70 kg", formula="meeh")
    message = str(excinfo.value)
    assert "'meeh'" in message
    for key in ALL_KEYS:
        assert repr(key) in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("female", "female"), ("Male", "male"), (" FEMALE ", "female")],
)
def test_normalize_sex(value: str | None, expected: str | None) -> None:
    assert normalize_sex(value) == expected


# ---- Properties ----

formula_keys = st.sampled_from(ALL_KEYS)


@given(patient=patients(), key=formula_keys)
def test_positive_and_finite(patient, key: str) -> None:
    result = patient.bsa(key).m_as("m**2")
    assert math.isfinite(result)
    # Adult-sized inputs give adult-sized areas; a unit slip would land far outside. The largest
    # drawn body (210 cm, 200 kg) gives Schlich-female 0.000975482 × 200^0.46 × 210^1.08 = 3.60 m².
    assert 0.5 < result < 4.0


@given(
    height_cm=heights_cm(),
    weight_kg=weights_kg(),
    key=formula_keys,
    sex=st.sampled_from(("female", "male")),
)
def test_unit_invariance(height_cm: float, weight_kg: float, key: str, sex: str) -> None:
    metric = bsa_m2(Q(height_cm, "cm"), Q(weight_kg, "kg"), key, sex)
    imperial = bsa_m2(Q(height_cm / 2.54, "in"), Q(weight_kg / 0.45359237, "lb"), key, sex)
    si = bsa_m2(Q(height_cm / 100, "m"), Q(weight_kg * 1000, "g"), key, sex)
    assert imperial == pytest.approx(metric, rel=1e-9)
    assert si == pytest.approx(metric, rel=1e-9)


@given(
    height_cm=heights_cm(),
    weight_kg=weights_kg(),
    key=formula_keys,
    sex=st.sampled_from(("female", "male")),
    step=st.floats(min_value=0.1, max_value=50),
)
def test_monotone_in_weight_and_height(
    height_cm: float, weight_kg: float, key: str, sex: str, step: float
) -> None:
    base = bsa_m2(Q(height_cm, "cm"), Q(weight_kg, "kg"), key, sex)
    assert bsa_m2(Q(height_cm, "cm"), Q(weight_kg + step, "kg"), key, sex) > base
    assert bsa_m2(Q(height_cm + step, "cm"), Q(weight_kg, "kg"), key, sex) > base


@given(height_cm=heights_cm(), weight_kg=weights_kg())
def test_mosteller_identity(height_cm: float, weight_kg: float) -> None:
    result = bsa_m2(Q(height_cm, "cm"), Q(weight_kg, "kg"))
    assert result == pytest.approx(math.sqrt(height_cm * weight_kg / 3600), rel=1e-12)


def test_a_measurement_below_one_unit_is_a_measurement() -> None:
    """Only zero and below are refused: 0.9 kg is a weight (Mosteller: √(50 × 0.9 / 3600) =
    √0.0125 = 0.1118 m²)."""
    bsa = body_surface_area("50 cm", "0.9 kg")
    assert bsa.to("m**2").magnitude == pytest.approx(0.11180339887, rel=1e-9)


def test_a_zero_quantity_is_named_as_text() -> None:
    """A refused pint quantity is shown as the text a person reads, not as the object."""
    with pytest.raises(InputError) as err:
        body_surface_area("170 cm", ureg.Quantity(0, "kg"))
    assert err.value.field == "weight"
    assert err.value.found == "0 kg" and isinstance(err.value.found, str)


# --------------------------------------------------------------------------------------------
# bsa_array == body_surface_area, element by element
# --------------------------------------------------------------------------------------------


@given(
    key=st.sampled_from(tuple(BSA_FORMULAS)),
    people=st.lists(
        st.tuples(heights_cm(), weights_kg(), st.sampled_from(("female", "male", "Female"))),
        min_size=1,
        max_size=40,
    ),
)
def test_bsa_array_equals_the_scalar_formula_bit_for_bit(
    key: str, people: list[tuple[float, float, str]]
) -> None:
    h = np.array([p[0] for p in people])
    w = np.array([p[1] for p in people])
    sexes = [p[2] for p in people]
    got = bsa_array(key, h, w, sexes)
    want = [
        body_surface_area(ureg.Quantity(a, "cm"), ureg.Quantity(b, "kg"), formula=key, sex=s)
        .to("m**2")
        .magnitude
        for a, b, s in people
    ]
    assert got.tolist() == want  # == on floats: the same bits (no NaN here)


@given(
    key=st.sampled_from(tuple(k for k, f in BSA_FORMULAS.items() if not f.needs_sex)),
    h=st.lists(st.floats(50.0, 250.0), min_size=1, max_size=40),
    data=st.data(),
)
def test_bsa_array_without_sex_equals_the_formula_function(
    key: str, h: list[float], data: st.DataObject
) -> None:
    w = data.draw(st.lists(st.floats(2.0, 300.0), min_size=len(h), max_size=len(h)))
    got = bsa_array(key, np.array(h), np.array(w))
    fn = BSA_FORMULAS[key].function
    assert got.tolist() == [fn(a, b, None) for a, b in zip(h, w, strict=True)]


def test_bsa_array_mosteller_at_a_tie() -> None:
    """197.5 cm, 71.1 kg: exactly √3.900625 = 1.975 m², whose float is 1.9749999999999999."""
    got = bsa_array("Mosteller", np.array([197.5]), np.array([71.1]))
    assert got.tolist() == [math.sqrt(197.5 * 71.1 / 3600.0)] == [1.9749999999999999]
    assert bsa_array("mosteller", np.array([]), np.array([])).tolist() == []


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("nope", np.array([170.0]), np.array([70.0])), "bsa_formula"),
        (("mosteller", [170.0], np.array([70.0])), "height_cm"),
        (("mosteller", np.array([170.0]), [70.0]), "weight_kg"),
        (("mosteller", np.array([170.0, 180.0]), np.array([70.0])), "weight_kg"),
        (("mosteller", np.array([math.nan]), np.array([70.0])), "height_cm"),
        (("mosteller", np.array([170.0]), np.array([0.0])), "weight_kg"),
        (("mosteller", np.array([170.0]), np.array([70.0]), ["m"]), "sex[0]"),
        (("mosteller", np.array([170.0, 1.0]), np.array([70.0, 1.0]), [None, ["x"]]), "sex[1]"),
        (("mosteller", np.array([170.0]), np.array([70.0]), ["male", "male"]), "sex"),
        (("schlich", np.array([170.0]), np.array([70.0])), "sex"),
        (("schlich", np.array([170.0, 160.0]), np.array([70.0, 60.0]), ["male", None]), "sex"),
    ],
)
def test_bsa_array_refuses(args: tuple[object, ...], field: str) -> None:
    with pytest.raises(InputError) as info:
        bsa_array(*args)  # type: ignore[arg-type]
    assert info.value.field == field


# --------------------------------------------------------------------------------------------
# bsa_array refuses what body_surface_area refuses, and arrays it would have to convert
# --------------------------------------------------------------------------------------------

_H = np.array([170.0])
_W = np.array([65.0])


@pytest.mark.parametrize(
    ("height", "weight", "field", "found"),
    [
        (np.array([170]), _W, "height_cm", "a int64 array"),
        (np.array([170.1], dtype=np.float32), _W, "height_cm", "a float32 array"),
        (np.array([True]), _W, "height_cm", "a bool array"),
        (np.array(["170"]), _W, "height_cm", "a <U3 array"),
        (np.array(["170"], dtype=object), _W, "height_cm", "a object array"),
        (np.array([170 + 0j]), _W, "height_cm", "a complex128 array"),
        (np.array(["2020-01-01"], dtype="M8[D]"), _W, "height_cm", "a datetime64[D] array"),
        (np.zeros(1, dtype=[("a", "f8")]), _W, "height_cm", "a [('a', '<f8')] array"),
        (_H, np.array([65], dtype=np.int32), "weight_kg", "a int32 array"),
        (_H, np.array([1], dtype="m8[s]"), "weight_kg", "a timedelta64[s] array"),
        (np.ones((2, 3)) * 170, np.ones((3, 2)) * 65, "height_cm", "a 2-D array"),
        (_H, np.ones((1, 1)) * 65, "weight_kg", "a 2-D array"),
        (np.array(170.0), _W, "height_cm", "a 0-D array"),
    ],
)
def test_bsa_array_takes_1d_float64_arrays_only(
    height: np.ndarray, weight: np.ndarray, field: str, found: str
) -> None:
    with pytest.raises(InputError) as info:
        bsa_array("mosteller", height, weight)
    assert info.value.field == field
    assert info.value.expected == "a 1-D float64 array"
    assert info.value.found == found


def _gen() -> object:
    yield "female"


@pytest.mark.parametrize(
    ("sex", "field", "expected"),
    [
        (["female", math.nan], "sex[1]", "None, 'female' or 'male' (any case)"),
        ([np.nan], "sex[0]", "None, 'female' or 'male' (any case)"),
        (["male", float("nan"), "female", float("nan")], "sex[1]", "None, 'female' or 'male'"),
        (_gen(), "sex", "1 sexes, one per height"),
        ({"female": 1}, "sex", "1 sexes, one per height"),
        ({"female"}, "sex", "1 sexes, one per height"),
        (b"f", "sex", "1 sexes, one per height"),
        (7, "sex", "1 sexes, one per height"),
    ],
)
def test_bsa_array_refuses_a_bad_sex(sex: object, field: str, expected: str) -> None:
    n = len(sex) if isinstance(sex, list) else 1
    with pytest.raises(InputError) as info:
        bsa_array("schlich", np.full(n, 170.0), np.full(n, 65.0), sex)  # type: ignore[arg-type]
    assert info.value.field == field
    assert info.value.expected.startswith(expected)


@pytest.mark.parametrize("key", tuple(BSA_FORMULAS))
@pytest.mark.parametrize(
    ("height", "weight"), [(1e-320, 1e-320), (1e200, 1e200), (1e300, 1e300), (1e-300, 1e-300)]
)
def test_bsa_array_refuses_what_body_surface_area_refuses(
    key: str, height: float, weight: float
) -> None:
    """A BSA that is not finite above 0 is refused by both, in the same words; else the same."""
    try:
        want = body_surface_area(
            ureg.Quantity(height, "cm"), ureg.Quantity(weight, "kg"), formula=key, sex="female"
        ).magnitude
    except InputError as error:
        assert error.field == "bsa"
        assert error.expected == "a height and weight whose BSA is a finite number above 0"
        with pytest.raises(InputError) as info:
            bsa_array(key, np.array([170.0, height]), np.array([65.0, weight]), ["male", "female"])
        assert info.value.field == "bsa[1]"
        assert info.value.expected == error.expected
        assert info.value.found == error.found
    else:
        assert math.isfinite(want) and want > 0
        got = bsa_array(key, np.array([height]), np.array([weight]), ["female"])
        assert got.tolist() == [want]


@pytest.mark.parametrize(
    ("height", "weight", "found"),
    [
        (1e-320, 1e-320, "0.0 m² from 1e-320 cm and 1e-320 kg"),
        (1e200, 1e200, "inf m² from 1e+200 cm and 1e+200 kg"),
    ],
)
def test_body_surface_area_refuses_a_bsa_not_finite_above_0(
    height: float, weight: float, found: str
) -> None:
    with pytest.raises(InputError) as info:
        body_surface_area(ureg.Quantity(height, "cm"), ureg.Quantity(weight, "kg"))
    assert info.value.field == "bsa"
    assert info.value.found == found
