"""The regimen model (regimen_calc.model.regimen): dose kinds, components, regimens, lookups.

Objects are built in code (the model is pure: no files); a few checks read the bundled CLAG and
CAV regimens against the clinical reference (§1.1 NCT06763666 and §1.4 NCT05657639).
"""

from __future__ import annotations

import attrs
import pytest

import regimen_calc as rc
from regimen_calc.model.regimen import (
    FREQUENCIES,
    Component,
    CycleInfo,
    DoseStep,
    Flat,
    PerBsa,
    PerWeight,
    Provenance,
    Reference,
    Regimen,
)
from regimen_calc.units import ureg

Q = ureg.Quantity
BSA = Q(1.82, "m^2")
WEIGHT = Q(70, "kg")


# ------------------------------------------------------------------------------ dose kinds


def test_a_per_bsa_dose_is_multiplied_by_the_bsa_in_square_metres() -> None:
    # 5 mg/m² × 1.82 m² = 9.1 mg
    dose = PerBsa(Q(5, "mg/m^2")).calculate(bsa=BSA, weight=WEIGHT)
    assert dose.units == ureg.Unit("mg")
    assert dose.magnitude == pytest.approx(9.1)


def test_a_per_bsa_dose_takes_the_bsa_in_any_area_unit() -> None:
    # 18,200 cm² = 1.82 m²; 1 g/m² × 1.82 m² = 1.82 g = 1,820 mg
    dose = PerBsa(Q(1, "g/m^2")).calculate(bsa=Q(18_200, "cm^2"), weight=WEIGHT)
    assert dose.to("mg").magnitude == pytest.approx(1820)


def test_a_per_weight_dose_is_multiplied_by_the_weight_in_kilograms() -> None:
    # 5 mcg/kg × 70 kg = 350 mcg, whether the weight is given in kg or g
    spec = PerWeight(Q(5, "mcg/kg"))
    assert spec.calculate(bsa=BSA, weight=WEIGHT).to("mcg").magnitude == pytest.approx(350)
    assert spec.calculate(bsa=BSA, weight=Q(70_000, "g")).to("mcg").magnitude == pytest.approx(350)
    assert spec.calculate(bsa=BSA, weight=WEIGHT).units == ureg.Unit("mcg")


def test_a_flat_dose_is_the_same_for_every_patient() -> None:
    spec = Flat(Q(20, "mg"))
    small = spec.calculate(bsa=Q(1.2, "m^2"), weight=Q(40, "kg"))
    large = spec.calculate(bsa=Q(2.4, "m^2"), weight=Q(140, "kg"))
    assert small == large == Q(20, "mg")


def test_a_per_bsa_dose_ignores_the_weight_and_a_per_weight_dose_ignores_the_bsa() -> None:
    per_bsa = PerBsa(Q(5, "mg/m^2"))
    per_kg = PerWeight(Q(5, "mcg/kg"))
    assert per_bsa.calculate(bsa=BSA, weight=Q(40, "kg")) == per_bsa.calculate(
        bsa=BSA, weight=Q(140, "kg")
    )
    assert per_kg.calculate(bsa=Q(1.2, "m^2"), weight=WEIGHT) == per_kg.calculate(
        bsa=Q(2.4, "m^2"), weight=WEIGHT
    )


def test_each_dose_kind_names_its_basis() -> None:
    assert (PerBsa.basis, PerWeight.basis, Flat.basis) == ("bsa", "weight", "flat")


def test_dose_kinds_are_frozen_values_compared_by_amount() -> None:
    assert PerBsa(Q(5, "mg/m^2")) == PerBsa(Q(5, "mg/m^2"))
    assert PerBsa(Q(5, "mg/m^2")) != PerBsa(Q(6, "mg/m^2"))
    assert Flat(Q(20, "mg")) != PerBsa(Q(20, "mg/m^2"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Flat(Q(20, "mg")).amount = Q(200, "mg")  # type: ignore[misc]


# ------------------------------------------------------------------------------ components

RAMP = (
    DoseStep(days=(1,), dose=Flat(Q(100, "mg"))),
    DoseStep(days=(2,), dose=Flat(Q(200, "mg"))),
    DoseStep(days=tuple(range(3, 22)), dose=Flat(Q(400, "mg"))),
)


def test_dose_on_a_component_without_steps_is_its_dose_on_every_day() -> None:
    comp = Component(id="c", drug="cladribine", dose=PerBsa(Q(5, "mg/m^2")), days=(1, 2, 3, 4, 5))
    assert comp.dose_on(1) == comp.dose_on(5) == PerBsa(Q(5, "mg/m^2"))
    assert comp.dose_field == "dose"


@pytest.mark.parametrize(
    ("day", "mg"), [(1, 100), (2, 200), (3, 400), (14, 400), (21, 400)], ids=lambda v: str(v)
)
def test_dose_on_a_ramp_up_is_the_step_dose_of_that_day(day: int, mg: int) -> None:
    comp = Component(id="v", drug="venetoclax", steps=RAMP, days=tuple(range(1, 22)))
    assert comp.dose_on(day) == Flat(Q(mg, "mg"))
    assert comp.dose_field == "steps"


def test_dose_on_a_day_no_step_covers_falls_back_to_the_component_dose() -> None:
    comp = Component(id="v", drug="venetoclax", steps=RAMP, days=tuple(range(1, 22)))
    assert comp.dose_on(22) is None
    with_dose = attrs.evolve(comp, dose=Flat(Q(50, "mg")))
    assert with_dose.dose_on(22) == Flat(Q(50, "mg"))
    assert with_dose.dose_on(2) == Flat(Q(200, "mg"))  # a step still wins on its own day


@pytest.mark.parametrize(
    ("frequency", "per_day"),
    [("once", 1), ("daily", 1), ("q24h", 1), ("q12h", 2), ("q8h", 3), ("q6h", 4)],
)
def test_per_day_is_the_number_of_administrations_for_the_frequency(
    frequency: str, per_day: int
) -> None:
    comp = Component(id="c", drug="cytarabine", dose=Flat(Q(20, "mg")), frequency=frequency)
    assert comp.per_day == per_day
    assert FREQUENCIES[frequency] == per_day


def test_a_component_is_given_daily_unless_stated() -> None:
    assert Component(id="c", drug="cladribine").per_day == 1


def test_provenance_of_a_field_without_its_own_is_the_components() -> None:
    own = Provenance(status="not_stated", source="NCT06763666", note="duration not stated")
    comp = Component(id="c", drug="cladribine", source="NCT06763666", provenance={"infusion": own})
    assert comp.provenance_of("infusion") is own
    assert comp.provenance_of("dose") == Provenance(status="stated", source="NCT06763666")


def test_a_components_provenance_cannot_be_changed_after_it_is_built() -> None:
    given = {"dose": Provenance(status="stated", source="X")}
    comp = Component(id="c", drug="cladribine", provenance=given)
    given["days"] = Provenance(status="assumed", source="Y")  # the caller's dict, not the model's
    assert set(comp.provenance) == {"dose"}
    with pytest.raises(TypeError):
        comp.provenance["days"] = Provenance(status="assumed", source="Y")  # type: ignore[index]


# ------------------------------------------------------------------------------ regimens

REFS = (
    Reference(id="NCT06763666", kind="registry", title="CLAG+VEN vs CLAG", confidence="H"),
    Reference(id="Robak-2000", kind="paper", title="Classic CLAG", confidence="M"),
    Reference(id="site", kind="site", title="Site protocol"),
)
CLAD = Component(id="cladribine", drug="cladribine", dose=PerBsa(Q(5, "mg/m^2")), days=(1, 2, 3))
GCSF = Component(id="gcsf", drug="filgrastim", dose=PerWeight(Q(5, "mcg/kg")), days=(0, 1, 2, 5))


def regimen(**kwargs: object) -> Regimen:
    base: dict[str, object] = {
        "id": "TEST",
        "name": "Test regimen",
        "version": "1.0.0",
        "references": REFS,
        "components": (CLAD, GCSF),
    }
    return Regimen(**{**base, **kwargs})  # type: ignore[arg-type]


def test_component_finds_a_component_by_its_id() -> None:
    assert regimen().component("gcsf") is GCSF
    assert regimen().component("cladribine") is CLAD


def test_component_with_an_unknown_id_is_the_library_error_naming_it() -> None:
    # by drug name is not by id: 'filgrastim' is the drug of the component 'gcsf'
    with pytest.raises(rc.InputError) as err:
        regimen().component("filgrastim")
    assert err.value.field == "component_id"
    assert str(err.value).endswith("found 'filgrastim'")
    assert not isinstance(err.value, KeyError)


def test_reference_finds_a_reference_by_id_or_gives_none() -> None:
    assert regimen().reference("Robak-2000") is REFS[1]
    assert regimen().reference("NCT00000000") is None
    assert regimen(references=()).reference("NCT06763666") is None


@pytest.mark.parametrize(
    ("provenance", "grade"),
    [
        pytest.param(Provenance(status="stated", source="NCT06763666"), "H", id="source's grade"),
        pytest.param(Provenance(status="stated", source="Robak-2000"), "M", id="other source"),
        pytest.param(
            Provenance(status="assumed", source="NCT06763666", confidence="L"), "L", id="own grade"
        ),
        pytest.param(Provenance(status="not_stated", source="NCT06763666"), None, id="not stated"),
        pytest.param(Provenance(status="site", source="site"), None, id="ungraded site protocol"),
        pytest.param(Provenance(status="stated", source="unknown-ref"), None, id="unknown ref"),
        pytest.param(Provenance(status="stated"), None, id="no source"),
    ],
)
def test_confidence_of_a_value_is_its_own_else_its_sources(
    provenance: Provenance, grade: str | None
) -> None:
    assert regimen().confidence_of(provenance) == grade


def test_all_days_is_every_day_any_component_is_given_in_order() -> None:
    assert regimen().all_days == (0, 1, 2, 3, 5)
    assert regimen(components=()).all_days == ()


def test_missing_site_values_lists_required_values_not_yet_supplied_by_the_site() -> None:
    required = Provenance(status="not_stated", required=True)
    supplied = Provenance(status="site", source="site", required=True)
    comps = (
        attrs.evolve(CLAD, provenance={"dose": required, "days": supplied}),
        attrs.evolve(GCSF, provenance={"route": required}),
    )
    cycle = CycleInfo(provenance={"length_days": required, "max_cycles": supplied})
    assert regimen(components=comps, cycle=cycle).missing_site_values() == (
        "components[0] (cladribine).dose",
        "components[1] (gcsf).route",
        "cycle.length_days",
    )
    assert regimen().missing_site_values() == ()


def test_regimens_are_equal_whatever_file_they_were_read_from() -> None:
    assert regimen(file="a.yaml") == regimen(file="b.yaml")
    assert regimen() != regimen(version="1.0.1")


def test_a_cycle_states_at_most_its_number_of_cycles_unless_told_otherwise() -> None:
    info = CycleInfo()
    assert (info.length_days, info.max_cycles, info.max_cycles_bound) == (None, None, "at_most")


# ------------------------------------------------------------------------------ bundled regimens


def test_bundled_clag_doses_are_those_of_the_registry_record() -> None:
    # Clinical reference §1.1: cladribine 5 mg/m² d1–5, cytarabine 1 g/m² d1–5, G-CSF 5 µg/kg d0–5
    clag = rc.load_regimen("CLAG")
    assert clag.component("cladribine").dose == PerBsa(Q(5, "mg/m^2"))
    assert clag.component("cladribine").days == (1, 2, 3, 4, 5)
    assert clag.component("cytarabine").dose_on(1).amount.to("mg/m^2").magnitude == 1000
    assert clag.component("filgrastim").dose == PerWeight(Q(5, "mcg/kg"))
    assert clag.component("filgrastim").days == (0, 1, 2, 3, 4, 5)
    assert clag.all_days == (0, 1, 2, 3, 4, 5)


def test_bundled_cav_venetoclax_ramps_up_100_200_then_400_mg() -> None:
    # Clinical reference §1.4: venetoclax 100 mg d1, 200 mg d2, 400 mg d3–21; cytarabine flat 20 mg
    cav = rc.load_regimen("CAV")
    ven = cav.component("venetoclax")
    assert [ven.dose_on(d) for d in (1, 2, 3, 21)] == [
        Flat(Q(100, "mg")),
        Flat(Q(200, "mg")),
        Flat(Q(400, "mg")),
        Flat(Q(400, "mg")),
    ]
    assert cav.component("cytarabine").dose == Flat(Q(20, "mg"))
    assert cav.component("cytarabine").per_day == 2  # q12h
