"""The dose engine: golden schedules checked by hand, and the properties every dose rule keeps.

Golden values are hand arithmetic from shared/clinical-reference.md (§1 doses, §4 Mosteller,
§7 worked example), not output of the code under test. Two reference patients:

* A: 170 cm, 65 kg. Mosteller √(170 × 65 / 3600) = √3.069444 = 1.75198 → 1.75 m² (2 decimals).
* B: 185 cm, 90 kg. Mosteller √(185 × 90 / 3600) = √4.625 = 2.15058 → 2.15 m².
"""

from __future__ import annotations

import contextlib
import datetime
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import regimen_calc as rc
from regimen_calc.model.regimen import Flat, PerBsa, PerWeight
from regimen_calc.units import ureg
from regimen_calc.wording.ismp import format_unit
from strategies import patients

A = rc.Patient(height="170 cm", weight="65 kg")
B = rc.Patient(height="185 cm", weight="90 kg")
OVERLAY = Path(__file__).parents[1] / "regimens" / "overlays" / "VA-CAG.example-site.yaml"


def _doses(sched: rc.Schedule) -> dict[tuple[str, int], tuple[float, str, int]]:
    """{(drug, day): (dose to give, unit, administrations per day)}."""
    return {
        (a.drug, d.day): (a.dose.magnitude, format_unit(a.dose.units), a.per_day)
        for d in sched.days
        for a in d.administrations
    }


def _expect(drug: str, days: range | list[int], dose: float, unit: str, per_day: int = 1) -> dict:
    return {(drug, day): (dose, unit, per_day) for day in days}


GOLDEN = {
    # CLAG (NCT06763666): cladribine 5 mg/m² d1-5; cytarabine 1 g/m² d1-5; G-CSF 5 mcg/kg d0-5.
    ("CLAG", "A"): {
        **_expect("cladribine", range(1, 6), 8.75, "mg"),  # 5 × 1.75
        **_expect("cytarabine", range(1, 6), 1750, "mg"),  # 1,000 × 1.75
        **_expect("filgrastim", range(0, 6), 325, "mcg"),  # 5 × 65
    },
    ("CLAG", "B"): {
        **_expect("cladribine", range(1, 6), 10.75, "mg"),  # 5 × 2.15
        **_expect("cytarabine", range(1, 6), 2150, "mg"),  # 1,000 × 2.15
        **_expect("filgrastim", range(0, 6), 450, "mcg"),  # 5 × 90
    },
    # CLAG+VEN: CLAG plus venetoclax 400 mg flat d2-8.
    ("CLAG+VEN", "A"): {
        **_expect("cladribine", range(1, 6), 8.75, "mg"),
        **_expect("cytarabine", range(1, 6), 1750, "mg"),
        **_expect("filgrastim", range(0, 6), 325, "mcg"),
        **_expect("venetoclax", range(2, 9), 400, "mg"),
    },
    ("CLAG+VEN", "B"): {
        **_expect("cladribine", range(1, 6), 10.75, "mg"),
        **_expect("cytarabine", range(1, 6), 2150, "mg"),
        **_expect("filgrastim", range(0, 6), 450, "mcg"),
        **_expect("venetoclax", range(2, 9), 400, "mg"),
    },
    # CAV: cladribine 5 mg/m² (d1-5 assumed); cytarabine 20 mg flat q12h (d1-10 assumed);
    # venetoclax 100 d1, 200 d2, 400 d3-21.
    ("CAV", "A"): {
        **_expect("cladribine", range(1, 6), 8.75, "mg"),
        **_expect("cytarabine", range(1, 11), 20, "mg", 2),
        **_expect("venetoclax", [1], 100, "mg"),
        **_expect("venetoclax", [2], 200, "mg"),
        **_expect("venetoclax", range(3, 22), 400, "mg"),
    },
    ("CAV", "B"): {
        **_expect("cladribine", range(1, 6), 10.75, "mg"),
        **_expect("cytarabine", range(1, 11), 20, "mg", 2),  # flat: whatever the BSA
        **_expect("venetoclax", [1], 100, "mg"),
        **_expect("venetoclax", [2], 200, "mg"),
        **_expect("venetoclax", range(3, 22), 400, "mg"),
    },
    # MEC (NCT05657639): mitoxantrone 8, etoposide 100, cytarabine 1,000 mg/m² d1-5.
    ("MEC", "A"): {
        **_expect("mitoxantrone", range(1, 6), 14, "mg"),  # 8 × 1.75
        **_expect("etoposide", range(1, 6), 175, "mg"),  # 100 × 1.75
        **_expect("cytarabine", range(1, 6), 1750, "mg"),
    },
    ("MEC", "B"): {
        **_expect("mitoxantrone", range(1, 6), 17.2, "mg"),  # 8 × 2.15
        **_expect("etoposide", range(1, 6), 215, "mg"),  # 100 × 2.15
        **_expect("cytarabine", range(1, 6), 2150, "mg"),
    },
    # CMGV: liposomal mitoxantrone 15 mg/m² d1; cytarabine 10 mg/m² q12h d1-7; G-CSF 5 mcg/kg
    # d0-10 (end day assumed); venetoclax 100 d2, 200 d3, 400 d4-10.
    ("CMGV", "A"): {
        **_expect("mitoxantrone liposome", [1], 26.25, "mg"),  # 15 × 1.75
        **_expect("cytarabine", range(1, 8), 17.5, "mg", 2),  # 10 × 1.75 per dose
        **_expect("filgrastim", range(0, 11), 325, "mcg"),
        **_expect("venetoclax", [2], 100, "mg"),
        **_expect("venetoclax", [3], 200, "mg"),
        **_expect("venetoclax", range(4, 11), 400, "mg"),
    },
    ("CMGV", "B"): {
        **_expect("mitoxantrone liposome", [1], 32.25, "mg"),  # 15 × 2.15
        **_expect("cytarabine", range(1, 8), 21.5, "mg", 2),  # 10 × 2.15
        **_expect("filgrastim", range(0, 11), 450, "mcg"),
        **_expect("venetoclax", [2], 100, "mg"),
        **_expect("venetoclax", [3], 200, "mg"),
        **_expect("venetoclax", range(4, 11), 400, "mg"),
    },
    # Lipo-MIT+CLAG: liposomal mitoxantrone 18 mg/m² d1; CLAG with flat G-CSF 300 mcg d0-5.
    ("Lipo-MIT+CLAG", "A"): {
        **_expect("mitoxantrone liposome", [1], 31.5, "mg"),  # 18 × 1.75
        **_expect("cladribine", range(1, 6), 8.75, "mg"),
        **_expect("cytarabine", range(1, 6), 1750, "mg"),
        **_expect("filgrastim", range(0, 6), 300, "mcg"),  # flat
    },
    ("Lipo-MIT+CLAG", "B"): {
        **_expect("mitoxantrone liposome", [1], 38.7, "mg"),  # 18 × 2.15
        **_expect("cladribine", range(1, 6), 10.75, "mg"),
        **_expect("cytarabine", range(1, 6), 2150, "mg"),
        **_expect("filgrastim", range(0, 6), 300, "mcg"),
    },
}


@pytest.mark.parametrize(("regimen", "who"), sorted(GOLDEN))
def test_golden_schedules(regimen: str, who: str) -> None:
    patient = {"A": A, "B": B}[who]
    got = _doses(rc.load_regimen(regimen).schedule(patient))
    expected = GOLDEN[(regimen, who)]
    assert set(got) == set(expected)
    for key, (dose, unit, per_day) in expected.items():
        assert got[key][1:] == (unit, per_day), key
        assert got[key][0] == pytest.approx(dose, abs=1e-9), key


def test_va_cag_needs_site_values() -> None:
    with pytest.raises(rc.MissingSiteValuesError) as err:
        rc.load_regimen("VA-CAG").schedule(A)
    message = str(err.value)
    for drug in ("venetoclax", "azacitidine", "filgrastim", "cytarabine", "aclarubicin"):
        assert f"({drug}).dose" in message
    assert "overlay" in message


def test_va_cag_with_example_overlay() -> None:
    sched = rc.load_regimen("VA-CAG", overlays=[OVERLAY]).schedule(A)
    got = _doses(sched)
    assert got[("azacitidine", 1)] == (131.25, "mg", 1)  # 75 × 1.75
    assert got[("cytarabine", 3)] == (17.5, "mg", 2)  # 10 × 1.75, q12h
    assert got[("aclarubicin", 6)] == (17.5, "mg", 1)  # 10 × 1.75
    assert got[("filgrastim", 0)] == (300, "mcg", 1)
    assert got[("venetoclax", 14)] == (400, "mg", 1)
    site = [w for w in sched.warnings if w.kind == "site"]
    assert any("EXAMPLE-SITE-PROTOCOL" in w.message for w in site)


def test_worked_example_with_unrounded_bsa() -> None:
    """§7: BSA 1.7520 used unrounded (4 decimals) gives the reference's own numbers."""
    policy = rc.DosingPolicy(bsa_decimals=4)
    clag = _doses(rc.load_regimen("Lipo-MIT+CLAG").schedule(A, policy=policy))
    assert clag[("cladribine", 1)][0] == pytest.approx(8.76)  # 5 × 1.752
    assert clag[("cytarabine", 1)][0] == pytest.approx(1752)  # 1,000 × 1.752
    assert clag[("mitoxantrone liposome", 1)][0] == pytest.approx(31.54)  # 18 × 1.752 = 31.536
    mec = _doses(rc.load_regimen("MEC").schedule(A, policy=policy))
    assert mec[("mitoxantrone", 1)][0] == pytest.approx(14.02)  # 8 × 1.752 = 14.016
    assert mec[("etoposide", 1)][0] == pytest.approx(175.2)
    cmgv = _doses(rc.load_regimen("CMGV").schedule(A, policy=policy))
    assert cmgv[("cytarabine", 1)][0] == pytest.approx(17.52)  # 10 × 1.752 per dose


def test_dates_and_day_zero() -> None:
    sched = rc.load_regimen("CLAG").schedule(A, start=datetime.date(2026, 1, 5))
    assert [d.day for d in sched.days] == [0, 1, 2, 3, 4, 5]
    assert sched.day(0).date == datetime.date(2026, 1, 4)
    assert sched.day(5).date == datetime.date(2026, 1, 9)


def test_schedule_records_bsa_and_formula() -> None:
    sched = rc.load_regimen("CLAG").schedule(A, bsa_formula="dubois")
    # DuBois 0.007184 × 65^0.425 × 170^0.725 = 0.007184 × 5.8951 × 41.409 = 1.7536 → 1.75
    assert sched.bsa_formula == "dubois"
    assert sched.bsa_unrounded.to("m**2").magnitude == pytest.approx(1.7536, abs=5e-4)
    assert sched.bsa == ureg.Quantity(1.75, "m**2")


def test_sequence_puts_cytarabine_after_cladribine() -> None:
    day1 = rc.load_regimen("CLAG").schedule(A).day(1)
    drugs = [a.drug for a in day1.administrations]
    assert drugs.index("cytarabine") > drugs.index("cladribine")
    cyt = next(a for a in day1.administrations if a.drug == "cytarabine")
    assert cyt.sequence is not None and cyt.sequence.after == "cladribine"
    assert cyt.sequence.offset == ureg.Quantity(2, "hour")
    assert cyt.infusion is not None and cyt.infusion.at_least


def test_assumed_and_missing_values_are_warned() -> None:
    warnings = rc.load_regimen("CAV").schedule(A).warnings
    assumed = {(w.component, w.field) for w in warnings if w.kind == "assumed"}
    missing = {w.field for w in warnings if w.kind == "not_stated"}
    assert {("cladribine", "days"), ("cytarabine", "days"), ("cytarabine", "route")} <= assumed
    assert {"cycle.length_days", "cycle.max_cycles"} <= missing


def test_cycle_beyond_the_stated_number_is_refused() -> None:
    reg = rc.load_regimen("Lipo-MIT+CLAG")  # up to 2 cycles
    assert reg.schedule(A, cycle=2).cycle == 2
    with pytest.raises(rc.InputError, match="cycle"):
        reg.schedule(A, cycle=3)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cycle": 0}, "cycle"),
        ({"cycle": 1.5}, "cycle"),
        ({"cycle": True}, "cycle"),
        ({"start": "2026-01-05"}, "start"),
        ({"start": datetime.datetime(2026, 1, 5, 8, 0)}, "start"),
        ({"bsa_formula": "mosteler"}, "bsa_formula"),
        ({"labs": {1: {"wbc": -3}}}, "labs[1].wbc"),
        ({"labs": {1: {"wcc": 3}}}, "labs[1].wcc"),
        ({"labs": {1: {"wbc": "high"}}}, "labs[1].wbc"),
        ({"labs": [1, 2]}, "labs"),
        ({"policy": "strict"}, "policy"),
    ],
)
def test_bad_schedule_arguments(kwargs: dict, field: str) -> None:
    with pytest.raises(rc.InputError) as err:
        rc.load_regimen("CLAG").schedule(A, **kwargs)
    assert err.value.field == field
    assert isinstance(err.value, ValueError)


def test_holds_from_labs() -> None:
    reg = rc.load_regimen("CLAG")
    sched = reg.schedule(A, labs={0: {"wbc": 12}, 1: {"wbc": 20}, 2: {"wbc": 19.9}})
    held = {(d.day): a.held for d, a in sched.administrations("filgrastim")}
    # hold_if wbc >= 20: day 1 held (20 ≥ 20), day 0 and 2 given; days without labs given.
    assert held == {0: False, 1: True, 2: False, 3: False, 4: False, 5: False}
    cmgv = rc.load_regimen("CMGV").schedule(A, labs={3: {"wbc": 21}})
    stopped = {d.day: a.held for d, a in cmgv.administrations("filgrastim")}
    # continue_until wbc > 20: stopped from day 3 on.
    assert [d for d, h in stopped.items() if h] == list(range(3, 11))


# ------------------------------------------------- a cycle's flat doses against a per-m² limit

#: Mosteller √(180 × 80 / 3600) = √4 = 2 m² exactly.
TWO_M2 = rc.Patient(height="180 cm", weight="80 kg")
#: Mosteller √(180 × 79.2 / 3600) = √3.96 = 1.98997 → 1.99 m².
BELOW_TWO_M2 = rc.Patient(height="180 cm", weight="79.2 kg")
#: Mosteller √(160 × 42.2 / 3600) = √1.875556 = 1.36951 → 1.37 m².
SMALL = rc.Patient(height="160 cm", weight="42.2 kg")


def _cladribine(*parts: tuple) -> rc.Regimen:
    """CLAG with its cladribine component replaced by one per ``(dose, days)`` part (daily)."""
    clag = rc.load_regimen("CLAG")
    comps = tuple(
        attrs.evolve(clag.components[0], id=f"cladribine{k or ''}", dose=dose, days=tuple(days))
        for k, (dose, days) in enumerate(parts)
    )
    return attrs.evolve(clag, components=(*comps, *clag.components[1:]))


def _mg(n: float) -> Flat:
    return Flat(ureg.Quantity(n, "mg"))


def test_flat_cladribine_above_its_per_m2_cycle_total_is_refused_at_schedule_time() -> None:
    """Cladribine 30 mg daily days 1-7: 210 mg a cycle. Loads (a flat dose has no patient), and
    is refused when scheduled: 210 / 1.37 = 153.28 mg/m², 210 / 2 = 105 mg/m², limit 35 mg/m²."""
    reg = _cladribine((_mg(30), range(1, 8)))
    assert rc.engine.safety.check_regimen_doses(reg) == []
    with pytest.raises(rc.DoseLimitError) as err:
        reg.schedule(SMALL)
    e = err.value
    # 30 / 1.37 × 2 = 43.8 > 35: the total passes the limit on day 2.
    assert (e.drug, e.day, e.dose, e.limit, e.kind) == (
        "cladribine",
        2,
        "210 mg",
        "35 mg/m²",
        "cycle",
    )
    assert str(e) == (
        "cladribine: the cycle's flat doses total 210 mg, 153.28 mg/m² at the BSA of 1.37 m² the "
        "doses are computed from, more than the 35 mg/m² the catalog allows per cycle (Leustatin "
        "monograph (boxed warning); clinical reference §6.3, confidence H); check the flat dose, "
        "the frequency and the days, the patient's height and weight and their units"
    )
    with pytest.raises(rc.DoseLimitError, match=r"210 mg, 105 mg/m² at the BSA of 2 m² "):
        reg.schedule(TWO_M2)


@pytest.mark.parametrize(
    ("parts", "patient", "refused"),
    [
        ([(_mg(10), range(1, 8))], TWO_M2, False),  # 70 mg / 2 m² = 35 mg/m², at the limit
        ([(_mg(10), range(1, 8))], BELOW_TWO_M2, True),  # 70 / 1.99 = 35.18 mg/m²
        ([(_mg(10.5), range(1, 8))], TWO_M2, True),  # 73.5 / 2 = 36.75 mg/m²
        # 5 mg/m² × 5 = 25 mg/m² written, + 10 mg × 2 / 2 m² = 10 mg/m²: 35, at the limit
        (
            [(PerBsa(ureg.Quantity(5, "mg/m**2")), range(1, 6)), (_mg(10), range(1, 3))],
            TWO_M2,
            False,
        ),
        # 25 + 10 mg × 3 / 2 m² = 25 + 15 = 40 mg/m²
        (
            [(PerBsa(ureg.Quantity(5, "mg/m**2")), range(1, 6)), (_mg(10), range(1, 4))],
            TWO_M2,
            True,
        ),
        # Per kg is not converted: 0.14 mg/kg × 7 = 0.98 mg/kg (its own limit, 1 mg/kg, at load)
        # and 10 mg × 7 / 2 m² = 35 mg/m², at the limit.
        (
            [(PerWeight(ureg.Quantity(0.14, "mg/kg")), range(1, 8)), (_mg(10), range(1, 8))],
            TWO_M2,
            False,
        ),
    ],
)
def test_a_cycles_flat_doses_at_the_per_m2_limit_pass_and_above_it_are_refused(
    parts: list, patient: rc.Patient, refused: bool
) -> None:
    reg = _cladribine(*parts)
    if not refused:
        sched = reg.schedule(patient)
        assert len(list(sched.administrations("cladribine"))) == sum(len(d) for _, d in parts)
        return
    with pytest.raises(rc.DoseLimitError) as err:
        reg.schedule(patient)
    assert err.value.kind == "cycle"


def test_a_dose_level_does_not_hide_a_flat_cycle_total_above_the_limit() -> None:
    """The check takes the larger of the calculated dose and the dose to give, as the ceilings do.

    Cladribine 12 mg daily days 1-7 at 2 m²: 84 mg / 2 = 42 mg/m², above 35. A 75% dose level
    gives 9 mg × 7 = 63 mg / 2 = 31.5 mg/m², which alone would pass: still refused at 84 mg.
    """
    reg = _cladribine((_mg(12), range(1, 8)))
    renal = rc.DoseModification(percent=75, reason="renal")
    level = rc.DosingPolicy(drugs={"cladribine": rc.DrugPolicy(modification=renal)})
    with pytest.raises(rc.DoseLimitError) as err:
        reg.schedule(TWO_M2, policy=level)
    assert str(err.value).startswith(
        "cladribine: the cycle's flat doses total 84 mg, 42 mg/m² at the BSA of 2 m² the doses "
        "are computed from, more than the 35 mg/m²"
    )


def test_the_flat_total_message_adds_the_written_per_m2_doses() -> None:
    reg = _cladribine((PerBsa(ureg.Quantity(5, "mg/m**2")), range(1, 6)), (_mg(10), range(1, 4)))
    with pytest.raises(rc.DoseLimitError) as err:
        reg.schedule(TWO_M2)
    # 25 mg/m² by day 5, + 10 mg / 2 m² a day from day 1: 5 + 5 = 10 on day 1, 20 on day 2,
    # 30 on day 3; the written doses of days 4 and 5 make 35 and 40: passed on day 5.
    assert err.value.day == 5
    assert str(err.value).startswith(
        "cladribine: the cycle's flat doses total 30 mg, 15 mg/m² at the BSA of 2 m² the doses are "
        "computed from; with the 25 mg/m² written per m², 40 mg/m² in all, more than the 35 mg/m²"
    )


def test_held_flat_doses_count_towards_the_cycle_total() -> None:
    """A held dose is still planned: 11 mg × 7 = 77 mg / 2 m² = 38.5 mg/m² with days 1-3 held."""
    hold = rc.load_regimen("CLAG").components[2].conditions  # hold_if wbc ≥ 20

    def held(mg: float) -> rc.Regimen:
        reg = _cladribine((_mg(mg), range(1, 8)))
        first = attrs.evolve(reg.components[0], conditions=hold)
        return attrs.evolve(reg, components=(first, *reg.components[1:]))

    labs = {1: {"wbc": 25}, 2: {"wbc": 25}, 3: {"wbc": 25}}
    sched = held(10).schedule(TWO_M2, labs=labs)  # 70 mg / 2 m² = 35 mg/m², at the limit
    assert [d.day for d, a in sched.administrations("cladribine") if a.held] == [1, 2, 3]
    with pytest.raises(rc.DoseLimitError, match=re.escape("flat doses total 77 mg, 38.5 mg/m²")):
        held(11).schedule(TWO_M2, labs=labs)


@pytest.mark.parametrize("regimen", ["CLAG", "CLAG+VEN", "CAV", "MEC", "CMGV", "Lipo-MIT+CLAG"])
@pytest.mark.parametrize("patient", [A, B, SMALL], ids=["A", "B", "small"])
def test_every_bundled_regimen_schedules_under_the_flat_cycle_check(
    regimen: str, patient: rc.Patient
) -> None:
    """CAV's flat cytarabine 20 mg q12h days 1-10 is 400 mg: 400 / 1.37 = 292 mg/m², far below
    48 g/m²."""
    rc.load_regimen(regimen).schedule(patient)


# ------------------------------------------------------------------------------- properties

REGIMENS = ("CLAG", "CLAG+VEN", "CAV", "MEC", "CMGV", "Lipo-MIT+CLAG")


@settings(max_examples=40, deadline=None)
@given(patient=patients(), regimen=st.sampled_from(REGIMENS))
def test_per_bsa_dose_is_linear_in_bsa(patient: rc.Patient, regimen: str) -> None:
    sched = rc.load_regimen(regimen).schedule(patient)
    for _, a in sched.administrations():
        spec_amount = a.dose_per_unit
        if a.basis == "bsa":
            expected = (spec_amount * sched.bsa).to(a.calculated_dose.units)
        elif a.basis == "weight":
            expected = (spec_amount * sched.weight).to(a.calculated_dose.units)
        else:
            expected = spec_amount.to(a.calculated_dose.units)
        assert a.calculated_dose.magnitude == pytest.approx(expected.magnitude, rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    bsa_a=st.decimals(min_value="1.00", max_value="2.80", places=2),
    bsa_b=st.decimals(min_value="1.00", max_value="2.80", places=2),
)
def test_doubling_rule_per_bsa_scales_with_bsa(bsa_a, bsa_b) -> None:
    """Linearity: dose(BSA_a) / dose(BSA_b) == BSA_a / BSA_b for every per-BSA component."""
    for regimen in REGIMENS:
        for comp in rc.load_regimen(regimen).components:
            spec = comp.dose_on(comp.days[0])
            if not isinstance(spec, PerBsa):
                continue
            qa = ureg.Quantity(float(bsa_a), "m**2")
            qb = ureg.Quantity(float(bsa_b), "m**2")
            da = spec.calculate(bsa=qa, weight=ureg.Quantity(70, "kg"))
            db = spec.calculate(bsa=qb, weight=ureg.Quantity(70, "kg"))
            assert (da / db).to("").magnitude == pytest.approx(float(bsa_a / bsa_b), rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    height_mm=st.integers(min_value=1400, max_value=2100),
    weight_hg=st.integers(min_value=350, max_value=2000),
    regimen=st.sampled_from(REGIMENS),
)
def test_schedule_is_the_same_whatever_the_input_units(
    height_mm: int, weight_hg: int, regimen: str
) -> None:
    """170.2 cm / 65.3 kg gives the same schedule as the same body in m/g, inches/pounds."""
    cm, kg = height_mm / 10, weight_hg / 10
    forms = [
        rc.Patient(height=f"{cm} cm", weight=f"{kg} kg"),
        rc.Patient(
            height=ureg.Quantity(height_mm / 1000, "m"), weight=ureg.Quantity(weight_hg * 100, "g")
        ),
        rc.Patient(
            height=ureg.Quantity(cm / 2.54, "inch"), weight=ureg.Quantity(kg / 0.45359237, "lb")
        ),
    ]
    reg = rc.load_regimen(regimen)
    dumps = []
    for p in forms:
        d = reg.schedule(p).to_dict()
        d.pop("patient")
        dumps.append(d)
    assert dumps[0] == dumps[1] == dumps[2]


@settings(max_examples=40, deadline=None)
@given(patient=patients(), regimen=st.sampled_from(REGIMENS))
def test_no_dose_is_negative_nan_or_infinite(patient: rc.Patient, regimen: str) -> None:
    sched = rc.load_regimen(regimen).schedule(patient)
    for _, a in sched.administrations():
        for q in (a.calculated_dose, a.dose, a.daily_dose):
            assert math.isfinite(q.magnitude) and q.magnitude > 0


@settings(max_examples=20, deadline=None)
@given(patient=patients(), regimen=st.sampled_from(REGIMENS))
def test_each_drug_is_given_on_exactly_its_days(patient: rc.Patient, regimen: str) -> None:
    reg = rc.load_regimen(regimen)
    sched = reg.schedule(patient)
    for comp in reg.components:
        given_on = [d.day for d, a in sched.administrations() if a.component == comp.id]
        assert given_on == list(comp.days)


def test_per_weight_dose_uses_actual_weight() -> None:
    sched = rc.load_regimen("CLAG").schedule(rc.Patient(height="160 cm", weight="120 kg"))
    fil = sched.day(0).administrations[0]
    assert isinstance(rc.load_regimen("CLAG").component("filgrastim").dose, PerWeight)
    assert fil.dose == ureg.Quantity(600, "mcg")  # 5 × 120, no cap


def test_to_dict_is_json_and_keeps_provenance() -> None:
    import json

    d = rc.load_regimen("CAV").schedule(A).to_dict()
    json.dumps(d)
    assert d["schema_version"] == "1.1"
    assert d["bsa"]["text"] == "1.75 m²"
    cyt = next(a for a in d["days"][0]["administrations"] if a["drug"] == "cytarabine")
    assert cyt["provenance"]["days"] == {
        "status": "assumed",
        "source": "ChiCTR2400091392",
        "note": cyt["provenance"]["days"]["note"],
        # Days carried over from another trial are an inference (clinical reference 1.4: L).
        "confidence": "L",
    }
    # The dose is stated by NCT05657639, an H abstract; the days and route are graded L.
    assert cyt["confidence"] == {
        "drug": "H",
        "dose": "H",
        "route": "L",
        "days": "L",
        "frequency": "H",
    }
    assert cyt["dose"]["text"] == "20 mg" and cyt["administrations_per_day"] == 2


def test_bsa_exactly_on_a_rounding_tie_rounds_up() -> None:
    """197.5 cm × 71.1 kg / 3600 = 3.900625 exactly, and √3.900625 = 1.975 exactly.

    The binary float is 1.9749999999999999; half-up on that would give 1.97 m². A pharmacist's
    calculator gives 1.975 → 1.98 m², and so must the engine (and the vectorised forecast).
    """
    patient = rc.Patient(height="197.5 cm", weight="71.1 kg")
    sched = rc.load_regimen("CLAG").schedule(patient)
    assert sched.bsa == ureg.Quantity(1.98, "m**2")
    assert sched.day(1).administrations[0].dose == ureg.Quantity(9.9, "mg")  # 5 × 1.98
    cohort = rc.forecast(rc.load_regimen("CLAG"), [patient, A])
    assert cohort.method == "vectorised"
    assert float(cohort.drug("cladribine").per_patient[0]) == pytest.approx(49.5)  # 9.9 × 5 days


def test_protocol_rule_above_the_label_is_warned() -> None:
    """CLAG+VEN protocol: 100 mg with any strong inhibitor; the label gives posaconazole
    10, 20, 50 mg on venetoclax dosing days 1-3 (days 2-4) and 70 mg after (days 5-8)."""
    sched = rc.load_regimen("CLAG+VEN").schedule(
        A, concomitant=["posaconazole"], rule_set="protocol"
    )
    vene = {d.day: a for d, a in sched.administrations("venetoclax")}
    assert all(a.dose == ureg.Quantity(100, "mg") for a in vene.values())
    labels = {day: a.adjustment.above_label.to("mg").magnitude for day, a in vene.items()}
    assert labels == {2: 10, 3: 20, 4: 50, 5: 70, 6: 70, 7: 70, 8: 70}
    above = [
        w for w in sched.warnings if w.kind == "interaction" and "ABOVE the label" in w.message
    ]
    assert len(above) == 1 and "70 mg on day(s) 5–8" in above[0].message
    # Voriconazole: the label's steady state is 100 mg, the same as the protocol: no warning.
    vori = rc.load_regimen("CLAG+VEN").schedule(
        A, concomitant=["voriconazole"], rule_set="protocol"
    )
    assert [a.adjustment.above_label for d, a in vori.administrations("venetoclax")][4:] == [
        None
    ] * 3


# ------------------------------------------------------------------------------- the plan
# A regimen's patient-independent work (order, provenance and label warnings, flat doses and
# their venetoclax adjustments) is made once per regimen and policy and reused. Reuse must never
# change a number or a warning: a schedule from a warm plan equals one from a fresh plan.

_EXAMPLE_POLICY = rc.load_policy(
    Path(rc.__file__).parent / "data" / "policies" / "example-institution.yaml"
)
_CONCOMITANT_SETS = (
    (),
    ("posaconazole",),
    ("fluconazole",),
    ("voriconazole", "fluconazole"),
    (rc.Concomitant("posaconazole", cyp3a4="strong", rule="posaconazole", start_day=4),),
)
_LABS = (None, {1: {"wbc": 25}}, {3: {"wbc": 21}, 4: {"anc": 0.3}})


@settings(max_examples=80, deadline=None)
@given(
    first=patients(),
    second=patients(),
    regimen=st.sampled_from((*REGIMENS, "VA-CAG")),
    concomitants=st.lists(st.sampled_from(_CONCOMITANT_SETS), min_size=2, max_size=2),
    rule_sets=st.lists(st.sampled_from(("label", "protocol")), min_size=2, max_size=2),
    policy=st.sampled_from((None, _EXAMPLE_POLICY)),
    labs=st.lists(st.sampled_from(_LABS), min_size=2, max_size=2),
)
def test_a_remembered_plan_gives_the_same_schedule_as_a_fresh_one(
    first, second, regimen, concomitants, rule_sets, policy, labs
) -> None:
    """The plan is warmed with another patient and other concomitants, rule set and labs."""
    from regimen_calc.engine import schedule as engine

    reg = rc.load_regimen(regimen, overlays=[OVERLAY] if regimen == "VA-CAG" else ())
    warm_up, asked = (
        dict(concomitant=c, rule_set=r, policy=policy, labs=lab)
        for c, r, lab in zip(concomitants, rule_sets, labs, strict=True)
    )
    engine._PLANS.clear()
    with contextlib.suppress(rc.RegimenCalcError):  # e.g. no protocol rule in this regimen
        reg.schedule(first, **warm_up)
    try:
        warm = reg.schedule(second, **asked)
    except rc.RegimenCalcError as exc:  # a fresh plan must refuse it the same way
        engine._PLANS.clear()
        with pytest.raises(type(exc)):
            reg.schedule(second, **asked)
        return
    engine._PLANS.clear()
    fresh = reg.schedule(second, **asked)
    assert warm == fresh
    assert warm.to_dict() == fresh.to_dict()


def test_the_plan_cache_and_memo_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from regimen_calc.engine import schedule as engine

    reg = rc.load_regimen("CLAG+VEN")
    for _ in range(engine.PLAN_CACHE_SIZE + 5):
        reg.schedule(A, policy=rc.DosingPolicy())  # a new (equal) policy object each time
    assert len(engine._PLANS) == engine.PLAN_CACHE_SIZE
    engine._PLANS.clear()
    monkeypatch.setattr(engine, "_MEMO_SIZE", 5)
    windows = [(start, stop) for start in range(1, 9) for stop in range(start, 9)]
    for start, stop in windows:  # 36 concomitant windows: a memo entry or more each
        inhibitor = rc.Concomitant("x", cyp3a4="strong", start_day=start, stop_day=stop)
        reg.schedule(A, concomitant=[inhibitor])
    (plan,) = engine._PLANS.values()
    venetoclax = next(cp for cp in plan.components if cp.venetoclax)
    assert 0 < len(venetoclax.memo) <= 5


def test_schedules_from_several_threads_share_the_plans_safely() -> None:
    """Threads evicting and adding plans at once: no error, and every schedule is the same."""
    import threading

    reg = rc.load_regimen("CLAG+VEN")
    expected = reg.schedule(A, concomitant=["posaconazole"]).to_dict()
    problems: list[str] = []

    def work() -> None:
        try:
            for _ in range(60):  # a new policy object each time: plans are made and evicted
                got = reg.schedule(A, concomitant=["posaconazole"], policy=rc.DosingPolicy())
                if got.to_dict()["days"] != expected["days"]:
                    problems.append("a different schedule")
        except Exception as exc:  # any error in a thread is the failure
            problems.append(repr(exc))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []


def test_a_policy_and_a_regimen_cannot_be_changed_in_place() -> None:
    """Plans are kept per regimen and policy: changing either in place must be impossible."""
    reg = rc.load_regimen("CLAG")
    sched = reg.schedule(A)  # the shared default policy
    with pytest.raises(TypeError):
        sched.policy.drugs["cytarabine"] = rc.DrugPolicy()  # type: ignore[index]
    with pytest.raises(TypeError):
        reg.components[0].provenance["dose"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        reg.cycle.provenance["length_days"] = None  # type: ignore[index]


def test_the_plan_cache_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from regimen_calc.engine import schedule as engine

    reg = rc.load_regimen("CLAG+VEN")
    expected = reg.schedule(B, concomitant=["posaconazole"])
    monkeypatch.setattr(engine, "PLAN_CACHE_SIZE", 0)
    engine._PLANS.clear()
    for _ in range(2):
        assert reg.schedule(B, concomitant=["posaconazole"]) == expected
        assert engine._PLANS == {}


# --------------------------------------------------------------------------------------------
# Provenance wording and source confidence.


def test_an_assumed_value_never_names_the_regimens_own_source_as_another() -> None:
    # CMGV's filgrastim days 0-10 are this library's reading of the abstract's "from day 0 until
    # the white-cell count exceeds 20 × 10⁹/L": an inference from its own source.
    sched = rc.load_regimen("CMGV").schedule(A)
    (days,) = [w for w in sched.warnings if w.kind == "assumed" and w.field == "days"]
    assert days.message.startswith(
        "filgrastim days: assumed, not stated as such by CMGV-ASH-abstract:"
    )
    assert "assumed from CMGV-ASH-abstract" not in days.message
    # In every bundled regimen, "assumed from X ... own source (Y)" names two different sources.
    for rid in rc.available_regimens():
        reg = rc.load_regimen(rid)
        if reg.missing_site_values():
            continue
        for w in reg.schedule(A).warnings:
            found = re.search(
                r"assumed from (\S+), not stated by the regimen's own source \((\S+)\)", w.message
            )
            if found:
                assert found[1] != found[2], w.message


def test_cmgv_doses_rest_on_the_abstract_and_are_graded_m() -> None:
    # Clinical reference §1.6: the CMG+VEN doses come from the ASH abstract (confidence M); the
    # registry description states no dose.
    reg = rc.load_regimen("CMGV")
    for comp in reg.components:
        prov = comp.provenance_of(comp.dose_field)
        assert prov.source == "CMGV-ASH-abstract"
        assert reg.confidence_of(prov) == "M"
    sched = reg.schedule(A)
    graded = {w.source: w.message for w in sched.warnings if w.kind == "confidence"}
    assert "mitoxantrone liposome drug, dose, days and frequency" in graded["CMGV-ASH-abstract"]
    assert "Marked [M] in the schedule" in graded["CMGV-ASH-abstract"]
    day1 = {a.drug: a for a in sched.day(1).administrations}
    assert day1["mitoxantrone liposome"].confidence["dose"] == "M"


def test_a_regimen_of_h_sources_has_no_confidence_warning() -> None:
    # CLAG: NCT06763666 registry record (H), Neupogen label (H); nothing assumed from a trial.
    assert [w for w in rc.load_regimen("CLAG").schedule(A).warnings if w.kind == "confidence"] == []


def test_values_carried_over_from_another_trial_are_graded_l() -> None:
    # CAV: days and routes from ChiCTR2400091392 applied to NCT05657639 (clinical reference 1.4:
    # "Inference (L)"); the source itself is an H abstract.
    sched = rc.load_regimen("CAV").schedule(A)
    (low,) = [w for w in sched.warnings if w.kind == "confidence"]
    assert low.field == "L" and low.source == "ChiCTR2400091392"
    assert low.message.startswith(
        "Confidence L (the source itself: H): cladribine route and days; cytarabine route and days:"
    )


# --------------------------------------------------------------------------------------------
# Arguments that no rule would read are refused, not accepted and ignored.


@pytest.mark.parametrize("regimen_id", ["MEC", "CLAG", "CLAG+VEN"])
@pytest.mark.parametrize("rule_set", ["foo", "Label", "", " label", None, 1])
def test_a_rule_set_no_rule_reads_is_refused_for_every_regimen(
    regimen_id: str, rule_set: object
) -> None:
    # MEC and CLAG give no venetoclax: the argument used to be accepted and never looked at.
    with pytest.raises(rc.InputError) as info:
        rc.load_regimen(regimen_id).schedule(A, rule_set=rule_set)  # type: ignore[arg-type]
    assert info.value.field == "rule_set"
    assert "'label', 'protocol'" in str(info.value)


@pytest.mark.parametrize("rule_set", ["label", "protocol"])
def test_each_rule_set_is_accepted_and_recorded(rule_set: str) -> None:
    assert rc.load_regimen("MEC").schedule(A, rule_set=rule_set).rule_set == rule_set


def test_measurements_after_the_first_day_are_refused() -> None:
    # CLAG+VEN starts on day 0 (filgrastim), the day before day 1: day 1 on 5 January 2026
    # puts day 0 on 4 January, the last date height and weight may have been measured.
    reg = rc.load_regimen("CLAG+VEN")
    assert min(reg.all_days) == 0
    start = datetime.date(2026, 1, 5)
    on_day_0 = attrs.evolve(A, measured_on=datetime.date(2026, 1, 4))
    assert reg.schedule(on_day_0, start=start).patient.measured_on == datetime.date(2026, 1, 4)
    for late in (datetime.date(2026, 1, 5), datetime.date(2026, 1, 6)):
        with pytest.raises(rc.InputError) as info:
            reg.schedule(attrs.evolve(A, measured_on=late), start=start)
        assert info.value.field == "measured_on"
        assert "on or before the schedule's first day (day 0, 2026-01-04)" in str(info.value)
    # MEC starts on day 1: measured on the start date itself is accepted.
    mec = rc.load_regimen("MEC")
    assert mec.schedule(attrs.evolve(A, measured_on=start), start=start).start == start


def test_a_held_administration_has_no_tablets() -> None:
    # CLAG+VEN with voriconazole; white-cell count 30 on day 2 holds venetoclax days 2-3 (start
    # gate), 20 on day 4 starts it. The held days show the dose that was due (the first dose,
    # 10 mg) but dispense nothing; the days given have their tablets.
    sched = rc.load_regimen("CLAG+VEN").schedule(
        A, concomitant=["voriconazole"], labs={2: {"wbc": 30}, 4: {"wbc": 20}}
    )
    ven = {d.day: a for d, a in sched.administrations("venetoclax")}
    for day in (2, 3):
        assert ven[day].held and ven[day].tablets == ()
        assert ven[day].dose == ureg.Quantity(10, "mg")
    assert [(s.to("mg").magnitude, n) for s, n in ven[4].tablets] == [(10, 1)]
    # Filgrastim held by its own hold_if rule (wbc >= 20) on days 2 and 4: not tablets, but
    # still held with its dose shown as due.
    filgrastim = {d.day: a for d, a in sched.administrations("filgrastim")}
    assert filgrastim[2].held and filgrastim[2].tablets == ()


@settings(max_examples=40, deadline=None)
@given(
    counts=st.dictionaries(  # days 0-8: within every one of these cycles (CLAG+VEN ends on 8)
        st.integers(min_value=0, max_value=8), st.sampled_from([10, 24.9, 25, 30]), max_size=5
    ),
    regimen=st.sampled_from(["CLAG+VEN", "CAV", "CMGV"]),
)
def test_property_held_administrations_never_have_tablets(
    counts: dict[int, float], regimen: str
) -> None:
    labs = {day: {"wbc": value} for day, value in counts.items()}
    sched = rc.load_regimen(regimen).schedule(A, concomitant=["posaconazole"], labs=labs)
    for _, a in sched.administrations():
        assert not (a.held and a.tablets)
        if a.drug == "venetoclax" and not a.held:
            assert a.tablets  # every venetoclax dose given has its tablets


@settings(max_examples=60, deadline=None)
@given(
    tenths=st.integers(10, 300),  # 1 mg to 30 mg flat, the per-unit range of flat cladribine
    n_days=st.integers(1, 7),
    height=st.integers(150, 200),
    weight=st.integers(45, 120),
)
def test_property_a_flat_total_is_refused_exactly_above_the_per_m2_limit(
    tenths: int, n_days: int, height: int, weight: int
) -> None:
    """Flat cladribine d mg on n days: refused exactly when d × n ÷ BSA > 35 mg/m²."""
    dose = tenths / 10
    reg = _cladribine((_mg(dose), range(1, n_days + 1)))
    patient = rc.Patient(height=f"{height} cm", weight=f"{weight} kg")
    # The BSA the doses are computed from: Mosteller √(H × W / 3600), half-up to 2 decimals.
    raw = Decimal(repr(math.sqrt(height * weight / 3600)))
    bsa = float(raw.quantize(Decimal("0.01"), ROUND_HALF_UP))
    over = dose * n_days / bsa > 35 * (1 + 1e-9)
    try:
        reg.schedule(patient)
    except rc.DoseLimitError as err:
        assert err.kind == "cycle" and over, (dose, n_days, bsa, str(err))
    else:
        assert not over, (dose, n_days, bsa)


def test_a_provenance_warning_carries_its_component_field_days_and_confidence() -> None:
    """CLAG (clinical reference): cladribine 5 mg/m² on days 1-5, its infusion not stated by the
    registry record; filgrastim on days 0-5 assumed from the Neupogen label (confidence H)."""
    s = rc.load_regimen("CLAG").schedule(rc.Patient(height="170 cm", weight="65 kg"))
    by_field = {(w.kind, w.component, w.field): w for w in s.warnings}
    infusion = by_field["not_stated", "cladribine", "infusion"]
    assert infusion.days == (1, 2, 3, 4, 5)
    assert infusion.confidence is None
    filgrastim = by_field["assumed", "filgrastim", "drug"]
    assert filgrastim.days == (0, 1, 2, 3, 4, 5)
    assert filgrastim.confidence == "H"
    assert filgrastim.source is not None and "Neupogen" in filgrastim.message


# ------------------------------------------------------------ warnings carry their data
# Renderers lay warnings out from their fields, not by reading the sentence: each warning names
# the days it concerns and the quantities it prints. Expected values are hand arithmetic.


def test_a_capped_bsa_warning_carries_both_areas() -> None:
    # 190 cm, 110 kg: Mosteller √(190 × 110 / 3600) = √5.80556 = 2.40947 → 2.41 m², capped at 2.
    big = rc.Patient(height="190 cm", weight="110 kg")
    sched = rc.load_regimen("MEC").schedule(big, policy=rc.DosingPolicy(bsa_cap="2 m^2"))
    (w,) = [w for w in sched.warnings if w.field == "bsa_cap"]
    assert [q.m_as("m**2") for q in w.doses] == [2.41, 2]
    assert w.message.startswith("BSA 2.41 m² capped at 2 m² by the policy")


def test_a_refused_rounding_warning_carries_its_days_and_doses() -> None:
    # CLAG cladribine 5 mg/m² × 1.75 m² = 8.75 mg on days 1-5; to the nearest 10 mg is 10 mg,
    # +14.3%, beyond a 10% limit: refused, 8.75 mg kept, 10 mg proposed.
    pol = rc.DosingPolicy(
        drugs={
            "cladribine": rc.DrugPolicy(rounding=rc.Increment("10 mg"), max_deviation_percent=10)
        }
    )
    sched = rc.load_regimen("CLAG").schedule(A, policy=pol)
    (w,) = [w for w in sched.warnings if w.kind == "rounding"]
    assert w.component == "cladribine" and w.days == (1, 2, 3, 4, 5)
    assert [q.m_as("mg") for q in w.doses] == [8.75, 10]
    assert "on day(s) 1–5" in w.message and "8.75 mg is kept (rounding proposed 10 mg)" in w.message


def test_weight_basis_warnings_carry_the_drugs_days_and_weights() -> None:
    # Cytarabine is dosed per m² (days 1-5): an ideal weight for it is not applied.
    pol = rc.DosingPolicy(drugs={"cytarabine": rc.DrugPolicy(weight_basis="ideal")})
    (w,) = [
        w
        for w in rc.load_regimen("CLAG").schedule(A, policy=pol).warnings
        if w.field == "weight_basis"
    ]
    assert (w.component, w.days, w.doses) == ("cytarabine", (1, 2, 3, 4, 5), ())
    assert "dosed per m² in this regimen" in w.message
    # Filgrastim 5 mcg/kg days 0-5; 185 cm male: Devine 50 + 2.3 × (185 / 2.54 − 60) = 79.5 kg,
    # above the actual 55 kg.
    thin = rc.Patient(height="185 cm", weight="55 kg", sex="male")
    pol = rc.DosingPolicy(drugs={"filgrastim": rc.DrugPolicy(weight_basis="ideal")})
    (w,) = [
        w
        for w in rc.load_regimen("CLAG").schedule(thin, policy=pol).warnings
        if w.field == "weight_basis"
    ]
    assert (w.component, w.days) == ("filgrastim", (0, 1, 2, 3, 4, 5))
    ideal = 50 + 2.3 * (185 / 2.54 - 60)
    assert [q.m_as("kg") for q in w.doses] == [pytest.approx(ideal, abs=1e-6), 55]


def test_interaction_warnings_carry_each_runs_days_and_doses() -> None:
    # CLAG+VEN venetoclax 400 mg days 2-8 with posaconazole (label): 10, 20, 50 mg on dosing
    # days 1-3 (days 2-4), 70 mg from dosing day 4 (days 5-8).
    sched = rc.load_regimen("CLAG+VEN").schedule(A, concomitant=["posaconazole"])
    runs = {
        w.days: [q.m_as("mg") for q in w.doses]
        for w in sched.warnings
        if w.kind == "interaction" and w.component == "venetoclax"
    }
    # One warning per day: each day's rule text names its venetoclax dosing day.
    assert runs == {
        (2,): [400, 10],
        (3,): [400, 20],
        (4,): [400, 50],
        **{(day,): [400, 70] for day in (5, 6, 7, 8)},
    }
    # The protocol rule (100 mg) is above the label's on every day: the warning lists the label's.
    above = rc.load_regimen("CLAG+VEN").schedule(
        A, concomitant=["posaconazole"], rule_set="protocol"
    )
    (w,) = [w for w in above.warnings if "ABOVE the label" in w.message]
    assert w.days == (2, 3, 4, 5, 6, 7, 8) and [q.m_as("mg") for q in w.doses] == [10, 20, 50, 70]


def test_hold_warnings_carry_their_days_and_the_administration_its_finding() -> None:
    # CLAG+VEN filgrastim (days 0-5) is suspended while the white-cell count is ≥ 20 × 10⁹/L
    # (NCT06763666), read on each day's own count: 22 on day 1 holds day 1; days 0 and 2-5
    # have no count of their own and are listed for checking.
    sched = rc.load_regimen("CLAG+VEN").schedule(A, labs={1: {"wbc": 22}})
    holds = [w for w in sched.warnings if w.kind == "hold" and w.component == "filgrastim"]
    assert [w.days for w in holds] == [(0, 2, 3, 4, 5), (1,)]
    assert "no wbc value for day(s) 0, 2–5" in holds[0].message
    assert holds[1].message.startswith("Day 1: filgrastim held: white-cell count 22 × 10⁹/L (")
    # The dose not given: filgrastim 5 mcg/kg × 65 kg = 325 mcg.
    assert [q.m_as("mcg") for q in holds[1].doses] == [325]
    held = sched.day(1).administrations
    (fil,) = [a for a in held if a.drug == "filgrastim"]
    assert fil.held and fil.hold_finding == "white-cell count 22 × 10⁹/L"
    assert fil.hold_reason.startswith("held: white-cell count 22 × 10⁹/L (")
    # No labs at all: the condition is an instruction for every day the drug is given.
    (w,) = [
        w
        for w in rc.load_regimen("CLAG+VEN").schedule(A).warnings
        if w.kind == "hold" and w.component == "filgrastim"
    ]
    assert w.days == (0, 1, 2, 3, 4, 5) and "no laboratory values given" in w.message
