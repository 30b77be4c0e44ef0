"""Cumulative anthracycline exposure: prior + cycle, the 140 mg/m² mitoxantrone limit, equivalents.

Hand-checked (clinical-reference §6.3): MEC mitoxantrone 8 mg/m² × 5 days = 40 mg/m² a cycle =
160 mg/m² doxorubicin-equivalent at ×4 (COG) and 420 at ×10.5 (Feijen).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import regimen_calc as rc
from regimen_calc.engine.policy import DosingPolicy
from regimen_calc.errors import CumulativeDoseError
from regimen_calc.render import render
from regimen_calc.units import ureg
from strategies import patients

A = rc.Patient(height="170 cm", weight="65 kg")
B = rc.Patient(height="185 cm", weight="90 kg")
MEC = rc.load_regimen("MEC")


def _mg_m2(q) -> float:
    return q.m_as("mg/m**2")


@pytest.mark.parametrize("patient", [A, B], ids=["A", "B"])
def test_mec_cycle_is_40_mg_m2_and_160_or_420_equivalent(patient: rc.Patient) -> None:
    cog = MEC.schedule(patient).cumulative
    mit = cog.drug("mitoxantrone")
    assert _mg_m2(mit.this_cycle) == pytest.approx(40)
    assert _mg_m2(mit.lifetime) == pytest.approx(40) and mit.status == "ok"
    assert _mg_m2(cog.doxorubicin_equivalent_cycle) == pytest.approx(160)
    feijen = MEC.schedule(patient, policy=DosingPolicy(doxorubicin_equivalence="feijen")).cumulative
    assert _mg_m2(feijen.doxorubicin_equivalent_cycle) == pytest.approx(420)
    assert feijen.scale == "feijen" and "Feijen" in feijen.scale_name


def test_prior_exposure_adds_and_warns_from_80_percent() -> None:
    # 72 + 40 = 112 = 80% of 140: warned. 71 + 40 = 111: not warned.
    near = MEC.schedule(A, prior_exposure={"mitoxantrone": 72})
    assert near.cumulative.drug("mitoxantrone").status == "near"
    assert any(w.kind == "limit" and "80%" in w.message for w in near.warnings)
    ok = MEC.schedule(A, prior_exposure={"mitoxantrone": "71 mg/m^2"})
    assert ok.cumulative.drug("mitoxantrone").status == "ok"
    assert not any(w.kind == "limit" for w in ok.warnings)


def test_exactly_140_is_allowed_and_past_it_is_an_error() -> None:
    at = MEC.schedule(A, prior_exposure={"mitoxantrone": 100})
    assert _mg_m2(at.cumulative.drug("mitoxantrone").lifetime) == pytest.approx(140)
    with pytest.raises(CumulativeDoseError) as err:
        MEC.schedule(A, prior_exposure={"mitoxantrone": 100.5})
    e = err.value
    assert (e.drug, e.lifetime, e.limit) == ("mitoxantrone", "140.5 mg/m²", "140 mg/m²")
    assert isinstance(e, rc.RegimenCalcError) and isinstance(e, ValueError)
    assert "override_cumulative" in str(e)


def test_override_is_recorded() -> None:
    reason = "cardio-oncology review 2026-01-05: LVEF 62%, proceed"
    sched = MEC.schedule(A, prior_exposure={"mitoxantrone": 120}, override_cumulative=reason)
    mit = sched.cumulative.drug("mitoxantrone")
    assert mit.status == "over_overridden" and _mg_m2(mit.lifetime) == pytest.approx(160)
    assert sched.override_cumulative == reason == sched.cumulative.override
    assert any(reason in w.message and "ABOVE THE LIMIT" in w.message for w in sched.warnings)
    d = sched.to_dict()
    assert d["override_cumulative"] == reason
    assert d["cumulative"]["drugs"][0]["status"] == "over_overridden"


def test_liposomal_mitoxantrone_is_reported_on_its_own() -> None:
    sched = rc.load_regimen("Lipo-MIT+CLAG").schedule(A, prior_exposure={"mitoxantrone": 130})
    lipo = sched.cumulative.drug("mitoxantrone liposome")
    mit = sched.cumulative.drug("mitoxantrone")
    assert _mg_m2(lipo.this_cycle) == pytest.approx(18)  # 31.5 mg / 1.75 m²
    assert lipo.limit is None and lipo.factor is None and lipo.status == "no_validated_limit"
    assert "No validated cumulative limit" in lipo.note
    assert _mg_m2(mit.lifetime) == pytest.approx(130)  # not 148: never folded in
    assert _mg_m2(sched.cumulative.doxorubicin_equivalent_lifetime) == pytest.approx(
        520
    )  # 130 × 4 only
    assert any("liposome" in w.message and "No validated" in w.message for w in sched.warnings)


def test_a_drug_without_a_limit_is_never_called_below_it() -> None:
    """Prior doxorubicin has no limit in the data: not "ok", and the combined total is warned.

    Hand calculation (COG: doxorubicin x1, mitoxantrone x4): 500 + 8 mg/m² x 5 days x 4 = 660.
    """
    sched = MEC.schedule(A, prior_exposure={"doxorubicin": 500})
    dox = sched.cumulative.drug("doxorubicin")
    assert dox.limit is None and dox.percent_of_limit is None
    assert dox.status == "no_validated_limit"
    assert _mg_m2(sched.cumulative.doxorubicin_equivalent_lifetime) == pytest.approx(660)
    messages = [w.message for w in sched.warnings if w.field == "prior_exposure"]
    assert (
        "doxorubicin: cumulative 500 mg/m² (prior 500 mg/m² + this cycle 0 mg/m²); the library "
        "has no validated lifetime limit for doxorubicin" in messages[0]
    )
    assert messages[1] == (
        "Several anthracyclines (doxorubicin, mitoxantrone): lifetime doxorubicin equivalent "
        "660 mg/m² (COG substitution rules). The mitoxantrone limit 140 mg/m² is checked on "
        "mitoxantrone alone: assess cardiac function (LVEF) against the combined total."
    )
    text = render(sched, "text")
    row = next(line for line in text.splitlines() if line.startswith("| doxorubicin"))
    assert "none validated" in row and "below" not in row


def test_one_anthracycline_gives_no_combined_warning() -> None:
    sched = MEC.schedule(A, prior_exposure={"mitoxantrone": 40})
    assert sched.cumulative.drug("mitoxantrone").status == "ok"
    assert not any("Several anthracyclines" in w.message for w in sched.warnings)
    # Liposomal mitoxantrone has no factor: it is not folded into a combined total either.
    lipo = rc.load_regimen("Lipo-MIT+CLAG").schedule(A, prior_exposure={"mitoxantrone": 40})
    assert not any("Several anthracyclines" in w.message for w in lipo.warnings)


def test_later_cycle_without_prior_is_warned() -> None:
    sched = MEC.schedule(A, cycle=2)
    assert any("Cycle 2" in w.message and "prior_exposure" in w.message for w in sched.warnings)


def test_feijen_has_no_idarubicin_factor() -> None:
    sched = MEC.schedule(
        A, prior_exposure={"idarubicin": 36}, policy=DosingPolicy(doxorubicin_equivalence="feijen")
    )
    ida = sched.cumulative.drug("idarubicin")
    assert ida.factor is None and ida.doxorubicin_equivalent is None
    assert any("idarubicin" in w.message and "not counted" in w.message for w in sched.warnings)
    cog = MEC.schedule(A, prior_exposure={"idarubicin": 36}).cumulative
    assert _mg_m2(cog.doxorubicin_equivalent_lifetime) == pytest.approx(36 * 5 + 40 * 4)


@settings(max_examples=60, deadline=None)
@given(
    patient=patients(),
    prior=st.integers(0, 20),
    cycles=st.integers(1, 3),
    scale=st.sampled_from(["cog", "feijen"]),
)
def test_cumulative_totals_add_up_across_cycles(
    patient: rc.Patient, prior: int, cycles: int, scale: str
) -> None:
    policy = DosingPolicy(doxorubicin_equivalence=scale)
    factor = {"cog": 4, "feijen": 10.5}[scale]
    running = float(prior)
    per_cycle = None
    for cycle in range(1, cycles + 1):
        sched = MEC.schedule(
            patient, cycle=cycle, policy=policy, prior_exposure={"mitoxantrone": running}
        )
        mit = sched.cumulative.drug("mitoxantrone")
        this = _mg_m2(mit.this_cycle)
        per_cycle = this if per_cycle is None else per_cycle
        assert this == pytest.approx(per_cycle)  # the same each cycle
        assert _mg_m2(mit.lifetime) == pytest.approx(running + this)
        assert _mg_m2(sched.cumulative.doxorubicin_equivalent_lifetime) == pytest.approx(
            (running + this) * factor
        )
        running = _mg_m2(mit.lifetime)
    assert running == pytest.approx(prior + cycles * per_cycle)
    # per cycle = dose to give × 5 days ÷ BSA = 8 mg/m² × 5 (within the dose rounding of 0.01 mg)
    assert per_cycle == pytest.approx(40, abs=5 * 0.005 / sched.bsa.m_as("m**2") + 1e-9)


def test_prior_given_as_quantity_and_other_units() -> None:
    a = MEC.schedule(A, prior_exposure={"Mitoxantrone": ureg.Quantity(0.06, "g/m**2")})
    assert _mg_m2(a.cumulative.drug("mitoxantrone").prior) == pytest.approx(60)


# --------------------------------------------------------------------------------------------
# The accepted prior exposure (data/anthracyclines.yaml): 0, or from prior_exposure_min_positive
# (1 mg/m²) to prior_exposure_max (5,000 mg/m²). Each error names prior_exposure[drug].

_RANGE = "expected 0, or from 1 to 5,000 mg/m²"


@pytest.mark.parametrize(
    "value",
    [
        1e-300,  # used to fail in the number formatter as "value: ... must never print as 0"
        5e-324,
        0.999,
        ureg.Quantity(1e-300, "mg/m**2"),
        -1e-300,
        -1,
        5000.001,
        10**400,
        float("inf"),
        float("nan"),
        "1_2_0 mg/m^2",  # pint would read 120
        "60 mg/m^2 * 2",  # pint would read 120
        "6e1 mg/m^2",
        "0x3c mg/m^2",
        "nan mg/m^2",
        ".5 mg/m^2",
        "60",
        "60 mg",
        "60 mg/kg",
    ],
)
def test_prior_exposure_outside_the_accepted_values_names_the_drug(value: object) -> None:
    with pytest.raises(rc.InputError) as info:
        MEC.schedule(A, prior_exposure={"mitoxantrone": value})
    assert info.value.field == "prior_exposure['mitoxantrone']"
    assert _RANGE in str(info.value)


@pytest.mark.parametrize(
    ("value", "mg_m2"),
    [
        (0, 0),
        (1, 1),
        ("1 mg/m^2", 1),
        (5000, 5000),
        ("60 mg/m2", 60),
        ("60 mg/m²", 60),
        (" 60 mg / m ^ 2 ", 60),
        ("0.06 g/m**2", 60),
        ("60000 mcg/m^2", 60),
    ],
)
def test_prior_exposure_at_and_inside_the_bounds_is_kept(value: object, mg_m2: float) -> None:
    sched = MEC.schedule(A, prior_exposure={"mitoxantrone": value}, override_cumulative="test")
    assert _mg_m2(sched.cumulative.drug("mitoxantrone").prior) == pytest.approx(mg_m2)


def test_plain_mg_is_refused_with_the_reason() -> None:
    with pytest.raises(rc.InputError) as info:
        MEC.schedule(A, prior_exposure={"mitoxantrone": "60 mg"})
    assert "(per m²: plain mg cannot be converted)" in str(info.value)


def _mec_with_a_mitoxantrone_hold() -> rc.Regimen:
    """MEC with a lab hold on mitoxantrone (no bundled regimen has one): held while the
    absolute neutrophil count is < 0.5 × 10⁹/L."""
    import attrs

    from regimen_calc.model.regimen import Condition

    hold = Condition(
        kind="hold_if",
        lab="anc",
        operator="<",
        threshold=0.5,
        unit="10^9/L",
        text="Hold mitoxantrone while the neutrophil count is < 0.5 × 10⁹/L.",
    )
    comps = list(MEC.components)
    assert comps[0].drug == "mitoxantrone"
    comps[0] = attrs.evolve(comps[0], conditions=(hold,))
    return attrs.evolve(MEC, components=tuple(comps))


def test_a_held_mitoxantrone_dose_is_not_counted_in_the_cycle_exposure() -> None:
    # MEC mitoxantrone 8 mg/m² on days 1-5; day 3 held (neutrophils 0.3 < 0.5): 4 doses given,
    # 4 × 8 = 32 mg/m² this cycle (not 40), 128 mg/m² doxorubicin-equivalent at ×4 (COG).
    sched = _mec_with_a_mitoxantrone_hold().schedule(A, labs={3: {"anc": 0.3}})
    held = {d.day: a.held for d, a in sched.administrations("mitoxantrone")}
    assert held == {1: False, 2: False, 3: True, 4: False, 5: False}
    mit = sched.cumulative.drug("mitoxantrone")
    assert _mg_m2(mit.this_cycle) == pytest.approx(32)
    assert _mg_m2(sched.cumulative.doxorubicin_equivalent_cycle) == pytest.approx(128)
    # Neutrophils 0.5 (not below 0.5): nothing held, the full 40 mg/m².
    full = _mec_with_a_mitoxantrone_hold().schedule(A, labs={3: {"anc": 0.5}})
    assert _mg_m2(full.cumulative.drug("mitoxantrone").this_cycle) == pytest.approx(40)


def test_a_held_dose_keeps_the_lifetime_total_at_the_limit() -> None:
    # Prior 108 + 32 given = 140 mg/m², exactly the lifetime limit: allowed. Counting the held
    # day 3 dose would make it 148 mg/m², above the limit (an error without an override).
    sched = _mec_with_a_mitoxantrone_hold().schedule(
        A, labs={3: {"anc": 0.3}}, prior_exposure={"mitoxantrone": 108}
    )
    mit = sched.cumulative.drug("mitoxantrone")
    assert _mg_m2(mit.lifetime) == pytest.approx(140)
    assert mit.percent_of_limit == 100.0
    with pytest.raises(CumulativeDoseError):
        _mec_with_a_mitoxantrone_hold().schedule(A, prior_exposure={"mitoxantrone": 108})


def test_a_cumulative_dose_error_keeps_its_totals_as_quantities() -> None:
    with pytest.raises(CumulativeDoseError) as err:
        MEC.schedule(A, prior_exposure={"mitoxantrone": 100.5})
    e = err.value
    assert _mg_m2(e.quantity) == pytest.approx(140.5)
    assert _mg_m2(e.limit_quantity) == pytest.approx(140)
    assert _mg_m2(e.prior_quantity) == pytest.approx(100.5)
    assert _mg_m2(e.this_cycle_quantity) == pytest.approx(40)
    assert (e.lifetime, e.limit, e.prior, e.this_cycle) == (
        "140.5 mg/m²",
        "140 mg/m²",
        "100.5 mg/m²",
        "40 mg/m²",
    )


def test_a_limit_warning_carries_the_exposure_and_the_days_given() -> None:
    # MEC mitoxantrone 8 mg/m² on days 1-5 = 40 mg/m² this cycle; with 100 mg/m² before, the
    # lifetime total is 140 mg/m², exactly the label's limit of 140 mg/m² (warned as near it).
    sched = rc.load_regimen("MEC").schedule(A, prior_exposure={"mitoxantrone": 100})
    (w,) = [w for w in sched.warnings if w.kind == "limit"]
    assert w.days == (1, 2, 3, 4, 5)
    assert [q.m_as("mg/m**2") for q in w.doses] == [140, 100, 40, 140]
    assert "cumulative 140 mg/m² = prior 100 mg/m² + this cycle 40 mg/m²" in w.message


def test_the_limit_warning_names_the_limits_source_in_short() -> None:
    # data/anthracyclines.yaml: the source up to its first colon, "US mitoxantrone label, boxed
    # warning"; 140 of 140 mg/m² is 100%, past the 80% warning fraction.
    sched = rc.load_regimen("MEC").schedule(A, prior_exposure={"mitoxantrone": 100})
    (w,) = [w for w in sched.warnings if w.kind == "limit"]
    assert w.message == (
        "mitoxantrone: cumulative 140 mg/m² = prior 100 mg/m² + this cycle 40 mg/m²; 100% of the "
        "lifetime limit 140 mg/m² (US mitoxantrone label, boxed warning). Nearing the limit: "
        "check LVEF and the lifetime total."
    )


_EXPECTED_PRIOR = (
    "expected 0, or from 1 to 5,000 mg/m² (a cumulative dose such as 60 or '60 mg/m^2')"
)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("60 mg", "(per m²: plain mg cannot be converted), found '60 mg'"),
        (-5, ", found -5"),  # a number is shown as the number it is, not as text
        ("-5 mg/m^2", ", found '-5 mg/m^2'"),
    ],
)
def test_a_bad_prior_exposure_is_refused_with_what_was_found(value: object, found: str) -> None:
    with pytest.raises(rc.InputError) as info:
        rc.load_regimen("MEC").schedule(A, prior_exposure={"mitoxantrone": value})
    sep = " " if found.startswith("(") else ""
    assert str(info.value) == f"prior_exposure['mitoxantrone']: {_EXPECTED_PRIOR}{sep}{found}"


def test_a_dose_given_twice_a_day_counts_twice() -> None:
    # 10 mg every 12 hours over 2 m² is 2 × 10 / 2 = 10 mg/m² that day.
    from types import SimpleNamespace

    from regimen_calc.engine.cumulative import cycle_exposure

    given = SimpleNamespace(
        drug="mitoxantrone", held=False, dose=ureg.Quantity(10, "mg"), per_day=2
    )
    assert cycle_exposure([given], ureg.Quantity(2, "m**2")) == {"mitoxantrone": 10}


def test_without_a_cycle_number_no_prior_is_asked_for() -> None:
    # The first cycle is the default: no earlier cycle of the regimen can be missing. Cycle 2
    # with no prior mitoxantrone asks for it.
    from decimal import Decimal

    from regimen_calc.engine.cumulative import assess_cumulative

    def asked(**cycle: int) -> list[str]:
        _, warnings = assess_cumulative({"mitoxantrone": Decimal(40)}, {}, **cycle)
        return [m for _, m in warnings if m.startswith("Cycle ")]

    assert asked() == []
    assert asked(cycle=2) == [
        "Cycle 2: prior_exposure gives no mitoxantrone; the lifetime total counts this cycle "
        "only. Give every earlier dose, earlier cycles of this regimen included."
    ]
