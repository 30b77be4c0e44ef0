"""Tests for regimen_calc.model.patient: accepted inputs, the table of refused inputs, BSA."""

from __future__ import annotations

import datetime
import math

import attrs
import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimen_calc.errors import InputError
from regimen_calc.model.patient import HEIGHT_RANGE_CM, WEIGHT_RANGE_KG, Patient
from regimen_calc.units import ureg
from strategies import HEIGHT_CM, WEIGHT_KG, patients

Q = ureg.Quantity
OTHER_REGISTRY = pint.UnitRegistry()

VALID = {"height": "170 cm", "weight": "70 kg"}


@pytest.mark.parametrize(
    ("height", "expected_cm"),
    [
        ("170 cm", 170.0),
        ("1.7 m", 170.0),
        ("67 in", 170.18),
        ("  5 ft  ", 152.4),
        (Q(170, "cm"), 170.0),
        (OTHER_REGISTRY.Quantity(67, "inch"), 170.18),
        ("50 cm", 50.0),
        ("250 cm", 250.0),
    ],
)
def test_height_forms(height: object, expected_cm: float) -> None:
    patient = Patient(height=height, weight="70 kg")
    assert patient.height_cm == pytest.approx(expected_cm, rel=1e-12)
    assert isinstance(patient.height_cm, float)
    # Stored as a quantity of the package registry, so it combines with other library values.
    assert patient.height._REGISTRY is ureg


@pytest.mark.parametrize(
    ("weight", "expected_kg"),
    [
        ("70 kg", 70.0),
        ("70000 g", 70.0),
        ("154 lb", 69.85322498),
        ("11 st", 69.85322498),
        (Q(70.5, "kg"), 70.5),
        (OTHER_REGISTRY.Quantity(154, "pound"), 69.85322498),
        ("10 kg", 10.0),
        ("350 kg", 350.0),
    ],
)
def test_weight_forms(weight: object, expected_kg: float) -> None:
    patient = Patient(height="170 cm", weight=weight)
    assert patient.weight_kg == pytest.approx(expected_kg, rel=1e-9)
    assert isinstance(patient.weight_kg, float)
    assert patient.weight._REGISTRY is ureg


def test_unit_as_given_is_kept() -> None:
    patient = Patient(height="67 in", weight="154 lb")
    assert str(patient.height) == "67 in"
    assert str(patient.weight) == "154 lb"


@pytest.mark.parametrize(
    ("sex", "stored"),
    [
        (None, None),
        ("female", "female"),
        ("Male", "male"),
        ("FEMALE", "female"),
    ],
)
def test_sex_is_stored_in_lower_case(sex: str | None, stored: str | None) -> None:
    assert Patient(**VALID, sex=sex).sex == stored


def test_all_fields() -> None:
    patient = Patient(
        height="170 cm",
        weight="70 kg",
        sex="Female",
        age=54,
        name="Jane Doe",
        identifier="MRN 0012345",
        measured_on=datetime.date(2025, 3, 1),
    )
    assert (patient.sex, patient.age, patient.name, patient.identifier, patient.measured_on) == (
        "female",
        54,
        "Jane Doe",
        "MRN 0012345",
        datetime.date(2025, 3, 1),
    )


def test_defaults_are_none() -> None:
    patient = Patient(**VALID)
    assert (patient.sex, patient.age, patient.name, patient.identifier, patient.measured_on) == (
        None,
        None,
        None,
        None,
        None,
    )


def test_is_frozen_and_keyword_only() -> None:
    patient = Patient(**VALID)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        patient.weight = Q(80, "kg")  # type: ignore[misc]
    with pytest.raises(TypeError):
        Patient("170 cm", "70 kg")  # type: ignore[misc]


def test_evolve_revalidates() -> None:
    patient = Patient(**VALID)
    with pytest.raises(InputError) as excinfo:
        attrs.evolve(patient, weight="700 kg")
    assert excinfo.value.field == "weight"


def test_equal_patients_from_different_units() -> None:
    assert Patient(height="170 cm", weight="70 kg") == Patient(height="1.7 m", weight="70000 g")
    assert Patient(height="170 cm", weight="70 kg") != Patient(height="170 cm", weight="71 kg")


def test_plausibility_bounds_match_the_brief() -> None:
    assert HEIGHT_RANGE_CM == (50.0, 250.0)
    assert WEIGHT_RANGE_KG == (10.0, 350.0)
    # The strategies' adult ranges must lie inside what Patient accepts.
    assert HEIGHT_RANGE_CM[0] <= HEIGHT_CM[0] < HEIGHT_CM[1] <= HEIGHT_RANGE_CM[1]
    assert WEIGHT_RANGE_KG[0] <= WEIGHT_KG[0] < WEIGHT_KG[1] <= WEIGHT_RANGE_KG[1]


# ---- The table of refused inputs: every one must be an InputError naming this field ----

BAD_INPUTS = [
    # height
    pytest.param({"height": None}, "height", id="height-missing"),
    pytest.param({"height": 170}, "height", id="height-bare-int"),
    pytest.param({"height": 170.0}, "height", id="height-bare-float"),
    pytest.param({"height": "170"}, "height", id="height-string-without-unit"),
    pytest.param({"height": True}, "height", id="height-bool"),
    pytest.param({"height": "70 kg"}, "height", id="height-wrong-dimension"),
    pytest.param({"height": "170 cm**2"}, "height", id="height-area"),
    pytest.param({"height": "170 furlongs"}, "height", id="height-unknown-unit"),
    pytest.param({"height": "5 ft 7 in"}, "height", id="height-two-units"),
    pytest.param({"height": Q(math.nan, "cm")}, "height", id="height-nan"),
    pytest.param({"height": Q(math.inf, "cm")}, "height", id="height-inf"),
    pytest.param({"height": "-170 cm"}, "height", id="height-negative"),
    pytest.param({"height": "0 cm"}, "height", id="height-zero"),
    pytest.param({"height": "17 m"}, "height", id="height-metres-slip"),
    pytest.param({"height": "1.7 cm"}, "height", id="height-too-small"),
    pytest.param({"height": "49.9 cm"}, "height", id="height-just-below"),
    pytest.param({"height": "250.1 cm"}, "height", id="height-just-above"),
    pytest.param({"height": ["170 cm"]}, "height", id="height-list"),
    # weight
    pytest.param({"weight": None}, "weight", id="weight-missing"),
    pytest.param({"weight": 70}, "weight", id="weight-bare-int"),
    pytest.param({"weight": "70"}, "weight", id="weight-string-without-unit"),
    pytest.param({"weight": "170 cm"}, "weight", id="weight-wrong-dimension"),
    pytest.param({"weight": Q(math.nan, "kg")}, "weight", id="weight-nan"),
    pytest.param({"weight": "inf kg"}, "weight", id="weight-inf"),
    pytest.param({"weight": "-70 kg"}, "weight", id="weight-negative"),
    pytest.param({"weight": "0 kg"}, "weight", id="weight-zero"),
    pytest.param({"weight": "70 g"}, "weight", id="weight-grams-slip"),
    pytest.param({"weight": "9.9 kg"}, "weight", id="weight-just-below"),
    pytest.param({"weight": "350.1 kg"}, "weight", id="weight-just-above"),
    pytest.param({"weight": "1000 lb"}, "weight", id="weight-implausible-pounds"),
    # sex
    pytest.param({"sex": "m"}, "sex", id="sex-abbreviated"),
    pytest.param({"sex": "unknown"}, "sex", id="sex-other-word"),
    pytest.param({"sex": ""}, "sex", id="sex-empty"),
    pytest.param({"sex": 1}, "sex", id="sex-number"),
    pytest.param({"sex": True}, "sex", id="sex-bool"),
    # age
    pytest.param({"age": True}, "age", id="age-bool"),
    pytest.param({"age": -1}, "age", id="age-negative"),
    pytest.param({"age": 121}, "age", id="age-above-120"),
    pytest.param({"age": 45.0}, "age", id="age-float"),
    pytest.param({"age": "45"}, "age", id="age-string"),
    # name, identifier, measured_on
    pytest.param({"name": 5}, "name", id="name-number"),
    pytest.param({"name": "  "}, "name", id="name-blank"),
    pytest.param({"identifier": 123456}, "identifier", id="identifier-number"),
    pytest.param({"identifier": ""}, "identifier", id="identifier-empty"),
    pytest.param({"measured_on": "2025-03-01"}, "measured_on", id="measured-on-string"),
    pytest.param(
        {"measured_on": datetime.datetime(2025, 3, 1, 9, 30)},
        "measured_on",
        id="measured-on-datetime",
    ),
]


@pytest.mark.parametrize(("changes", "field"), BAD_INPUTS)
def test_refused_input_names_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as excinfo:
        Patient(**(VALID | changes))  # type: ignore[arg-type]
    assert excinfo.value.field == field
    assert isinstance(excinfo.value, ValueError)
    assert str(excinfo.value).startswith(f"{field}: expected ")


def test_missing_height_is_an_input_error() -> None:
    with pytest.raises(InputError) as excinfo:
        Patient(weight="70 kg")  # type: ignore[call-arg]
    assert excinfo.value.field == "height"
    assert "required" in str(excinfo.value)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"height": "17 m"},
            "height: expected a length between 50 cm and 250 cm (check the unit), found '17 m'",
        ),
        (
            {"weight": Q(70, "g")},
            "weight: expected a mass between 10 kg and 350 kg (check the unit), found '70 g'",
        ),
        (
            {"weight": "0 kg"},
            "weight: expected a mass between 10 kg and 350 kg (check the unit), found '0 kg'",
        ),
    ],
)
def test_implausible_message_gives_the_range(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InputError) as excinfo:
        Patient(**(VALID | changes))  # type: ignore[arg-type]
    assert str(excinfo.value) == message


# ---- BSA ----


def test_bsa_default_is_mosteller() -> None:
    patient = Patient(height="170 cm", weight="65 kg")
    assert patient.bsa().m_as("m**2") == pytest.approx(1.7520, abs=5e-5)
    assert patient.bsa() == patient.bsa("mosteller")


def test_bsa_passes_the_sex_to_schlich() -> None:
    female = Patient(height="170 cm", weight="75 kg", sex="female")
    male = Patient(height="170 cm", weight="75 kg", sex="male")
    assert female.bsa("schlich").m_as("m**2") == pytest.approx(1.822, abs=6e-4)
    assert male.bsa(formula="schlich").m_as("m**2") == pytest.approx(1.743, abs=6e-4)


def test_bsa_schlich_without_sex_names_sex() -> None:
    with pytest.raises(InputError) as excinfo:
        Patient(**VALID).bsa("schlich")
    assert excinfo.value.field == "sex"


def test_bsa_unknown_formula_names_bsa_formula() -> None:
    with pytest.raises(InputError) as excinfo:
        Patient(**VALID).bsa("meeh")
    assert excinfo.value.field == "bsa_formula"


@given(patient=patients())
def test_bsa_matches_the_published_formulas(patient: Patient) -> None:
    # Written out here, not taken from regimen_calc.content.bsa: DuBois & DuBois, Arch Intern Med
    # 1916;17:863 (0.007184 × W^0.425 × H^0.725) and Mosteller, NEJM 1987;317:1098.
    dubois = 0.007184 * patient.weight_kg**0.425 * patient.height_cm**0.725
    assert patient.bsa("dubois").m_as("m**2") == pytest.approx(dubois, rel=1e-12)
    assert patient.bsa().m_as("m**2") == pytest.approx(
        math.sqrt(patient.height_cm * patient.weight_kg / 3600), rel=1e-12
    )


def test_a_measurement_date_after_today_is_refused() -> None:
    today = datetime.date.today()
    assert Patient(**VALID, measured_on=today).measured_on == today
    with pytest.raises(InputError) as info:
        Patient(**VALID, measured_on=today + datetime.timedelta(days=1))
    assert info.value.field == "measured_on"
    assert f"not after today ({today.isoformat()})" in str(info.value)


# --------------------------------------------------------------------------------------------
# Name and identifier: printed on every output (text, Markdown, HTML, PDF, CSV, JSON, ICS and a
# terminal), so what cannot be printed as given is refused, naming the field.


@pytest.mark.parametrize("field", ["name", "identifier"])
@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Anna\x00Müller", "U+0000 at position 5"),
        ("Anna \x1b[31mMüller", "U+001B at position 6"),  # a terminal colour sequence
        ("Anna\nMüller", "U+000A at position 5"),  # a line break inside an ICS or CSV field
        ("Anna\tMüller", "U+0009 at position 5"),
        ("Anna\x7f", "U+007F at position 5"),
        ("Anna\x9b31m", "U+009B at position 5"),  # C1 control sequence introducer
        ("Anna\u2028Müller", "U+2028 LINE SEPARATOR at position 5"),
        ("\udcffAnna", "U+DCFF at position 1"),  # an undecodable byte from a command line
        ("Anna \u202eMRN", "U+202E RIGHT-TO-LEFT OVERRIDE at position 6"),
        ("\u202aAnna", "U+202A LEFT-TO-RIGHT EMBEDDING at position 1"),
        ("Anna\u2066x", "U+2066 LEFT-TO-RIGHT ISOLATE at position 5"),
        ("Anna\u2069", "U+2069 POP DIRECTIONAL ISOLATE at position 5"),
    ],
)
def test_control_and_bidi_characters_are_refused(field: str, text: str, found: str) -> None:
    with pytest.raises(InputError) as info:
        Patient(**VALID, **{field: text})
    assert info.value.field == field
    assert "without control characters or bidirectional overrides" in str(info.value)
    assert info.value.found == found


@pytest.mark.parametrize("field", ["name", "identifier"])
def test_name_and_identifier_length_limit(field: str) -> None:
    from regimen_calc.model.patient import TEXT_MAX_LENGTH

    assert TEXT_MAX_LENGTH == 200
    at_limit = "A" * 200
    assert getattr(Patient(**VALID, **{field: at_limit}), field) == at_limit
    with pytest.raises(InputError) as info:
        Patient(**VALID, **{field: "A" * 201})
    assert info.value.field == field
    assert str(info.value) == f"{field}: expected at most 200 characters, found '201 characters'"


@pytest.mark.parametrize(
    "text",
    [
        "Anna Müller",
        "محمد عبد الله",
        "李小龙",
        "Zoë O'Brien-Łukasiewicz",
        "MRN 0012345",
        "José\u200dMaría",
    ],  # a zero-width joiner is a format character, not a control
)
def test_names_in_any_script_are_kept_as_given(text: str) -> None:
    assert Patient(**VALID, name=text, identifier=text).name == text


def _printable(text: str) -> bool:
    """The rule, written out: 1-200 characters, not blank, no Cc/Cs/Zl/Zp character and no
    U+202A-U+202E or U+2066-U+2069."""
    import unicodedata

    bidi = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
    return (
        bool(text.strip())
        and len(text) <= 200
        and all(
            unicodedata.category(c) not in ("Cc", "Cs", "Zl", "Zp") and ord(c) not in bidi
            for c in text
        )
    )


@given(st.text(max_size=220) | st.text(alphabet="ab \x00\x1b\u202e\u2066\n", max_size=8))
def test_name_rule_property(text: str) -> None:
    try:
        patient = Patient(**VALID, name=text, identifier=text)
    except InputError as exc:
        assert not _printable(text)
        assert exc.field == "name"
    else:
        assert _printable(text)
        assert patient.name == patient.identifier == text  # kept as given, never cleaned


@pytest.mark.parametrize(
    ("height", "weight"),
    [
        ("1 70 cm", "65 kg"),  # typo for 170 cm -> 70 cm, BSA 1.12 instead of 1.75
        ("170 cm", "1 54 lb"),  # typo for 154 lb -> 54 lb (24.5 kg)
        ("170 cm", "70 kg / 2"),  # arithmetic -> 35 kg
        ("170 cm / 2", "65 kg"),  # arithmetic -> 85 cm
    ],
)
def test_patient_text_is_not_an_expression(height: str, weight: str) -> None:
    """Height and weight text is one number and a unit: a stray space or arithmetic is refused,
    never evaluated to a different body size."""
    with pytest.raises(InputError):
        Patient(height=height, weight=weight)
