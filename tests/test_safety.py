"""Dose guards: per-drug ceilings and plausible per-unit doses (data/drugs.yaml).

The largest patient the library accepts is 250 cm / 350 kg: BSA up to 5.61 m² (Schlich), the
weight 350 kg. No bundled regimen may reach a ceiling there; a tenfold error must be caught.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import regimen_calc as rc
from regimen_calc.engine.policy import DosingPolicy
from regimen_calc.engine.safety import check_ceilings, check_regimen_doses, drug_safety
from regimen_calc.model.regimen import DoseStep, Flat, PerBsa, PerWeight
from regimen_calc.units import ureg

OVERLAY = Path(rc.__file__).parent / "regimens" / "overlays" / "VA-CAG.example-site.yaml"
BUNDLED = ("CLAG", "CLAG+VEN", "CAV", "MEC", "CMGV", "Lipo-MIT+CLAG")


def _regimens() -> list[rc.Regimen]:
    return [rc.load_regimen(r) for r in BUNDLED] + [rc.load_regimen("VA-CAG", overlays=[OVERLAY])]


def _scaled(spec, factor: float):
    return type(spec)(spec.amount * factor)


def _with_dose(reg: rc.Regimen, index: int, factor: float) -> rc.Regimen:
    """The regimen with component ``index``'s per-unit dose (every step) times ``factor``."""
    comp = reg.components[index]
    if comp.steps:
        comp = attrs.evolve(
            comp,
            steps=tuple(DoseStep(days=s.days, dose=_scaled(s.dose, factor)) for s in comp.steps),
        )
    else:
        comp = attrs.evolve(comp, dose=_scaled(comp.dose, factor))
    comps = list(reg.components)
    comps[index] = comp
    return attrs.evolve(reg, components=tuple(comps))


def _low_dose_cytarabine(comp: rc.Component) -> bool:
    """Cytarabine ≤ 100 mg/m² (or flat): ten times it is an ordinary dose (docs/safety.md)."""
    spec = comp.dose_on(comp.days[0])
    return comp.drug == "cytarabine" and (
        isinstance(spec, Flat) or spec.amount.m_as("mg/m**2") < 100
    )


# ------------------------------------------------------------------------------ data


def test_every_catalog_drug_has_guards_with_a_rationale() -> None:
    from regimen_calc.content.catalog import known_drugs

    for drug in known_drugs():
        info = drug_safety(drug)
        assert info is not None, drug
        assert info.max_single <= info.max_daily
        assert len(info.rationale) > 20 and len(info.per_unit_rationale) > 20
        for low, high in info.per_unit.values():
            assert 0 < low.magnitude < high.to(low.units).magnitude


# ------------------------------------------------------------------------------ per unit


@pytest.mark.parametrize("reg", _regimens(), ids=lambda r: r.id)
def test_bundled_regimens_are_plausible(reg: rc.Regimen) -> None:
    assert check_regimen_doses(reg) == []


def test_cladribine_50_mg_per_m2_is_refused() -> None:
    clag = rc.load_regimen("CLAG")
    bad = _with_dose(clag, 0, 10)  # 50 mg/m²
    problems = check_regimen_doses(bad)
    assert len(problems) == 1
    path, message = problems[0]
    assert path == "components[0].dose"
    assert "cladribine 50 mg/m²" in message and "15 mg/m²" in message and "tenfold" in message


def test_wrong_basis_and_unknown_drug_are_refused() -> None:
    ven = rc.load_regimen("CLAG+VEN")
    i = next(i for i, c in enumerate(ven.components) if c.drug == "venetoclax")
    comps = list(ven.components)
    comps[i] = attrs.evolve(comps[i], dose=PerBsa(ureg.Quantity(400, "mg/m**2")))
    comps[0] = attrs.evolve(comps[0], drug="cladribin")
    problems = dict(check_regimen_doses(attrs.evolve(ven, components=tuple(comps))))
    assert "not dosed per m²" in problems[f"components[{i}].dose"]
    assert "cladribin" in problems["components[0].drug"]


#: Most days per cycle, from the sources in docs/safety.md (longest published course of each drug).
DAYS_LIMITS = {
    "cladribine": 7,  # hairy-cell leukaemia 7 days (Leustatin label)
    "cytarabine": 14,  # low-dose cytarabine q12h days 1-14 (CAG abstract)
    "filgrastim": 28,  # until recovery, within one 28-day cycle
    "venetoclax": 28,  # label: 28-day cycles
    "mitoxantrone": 6,  # MEC days 1-6 (Amadori et al. 1991)
    "mitoxantrone liposome": 1,  # day 1 in every source
    "etoposide": 6,  # MEC days 1-6
    "azacitidine": 7,  # label: 7 days of 28
    "aclarubicin": 8,  # CAG 7 mg/m² days 1-8
}


def test_the_days_limits_are_the_documented_ones() -> None:
    assert {d: drug_safety(d).max_days for d in DAYS_LIMITS} == DAYS_LIMITS
    assert all(len(drug_safety(d).days_rationale) > 20 for d in DAYS_LIMITS)


@settings(max_examples=200, deadline=None)
@given(
    drug=st.sampled_from(sorted(DAYS_LIMITS)),
    first=st.integers(-30, 10),
    count=st.integers(1, 40),
    steps=st.booleans(),
)
def test_a_drug_is_refused_exactly_when_it_has_more_days_than_its_limit(
    drug: str, first: int, count: int, steps: bool
) -> None:
    """Property: refused iff the days counted once exceed the limit, written as days or steps."""
    reg = rc.load_regimen("CLAG")
    days = tuple(range(first, first + count))
    comp = attrs.evolve(reg.components[0], drug=drug, days=days)
    if steps:  # the same days split over two steps (a ramp-up)
        half = max(1, count // 2)
        comp = attrs.evolve(
            comp,
            dose=None,
            days=(),
            steps=(
                DoseStep(days=days[:half], dose=comp.dose),
                *((DoseStep(days=days[half:], dose=comp.dose),) if days[half:] else ()),
            ),
        )
    problems = [
        (p, m)
        for p, m in check_regimen_doses(attrs.evolve(reg, components=(comp,)))
        if p == "components[0].days"
    ]
    limit = DAYS_LIMITS[drug]
    assert bool(problems) == (count > limit)
    if problems:
        assert f"{drug} on {count} days of a cycle is more than the {limit}" in problems[0][1]


#: Most total written dose per cycle, by basis, from the sources in docs/safety.md; a drug or a
#: basis not listed has no total limit.
TOTAL_LIMITS = {
    "cladribine": {
        "bsa": "35 mg/m^2",  # AML 5 mg/m² on each of the 7 days allowed (Leustatin boxed warning)
        "weight": "1 mg/kg",  # hairy-cell 0.09-0.14 mg/kg/day × 7 days (Leustatin label)
    },
    "cytarabine": {"bsa": "48 g/m^2"},  # CNS toxicity minimal up to 48 g/m² (Lazarus 1981)
}


def test_the_total_limits_are_the_documented_ones() -> None:
    found = {
        d: {b: limit.max for b, limit in drug_safety(d).max_total.items()} for d in DAYS_LIMITS
    }
    expected = {
        d: {b: ureg.Quantity(q) for b, q in TOTAL_LIMITS.get(d, {}).items()} for d in DAYS_LIMITS
    }
    assert found == expected
    cytarabine = drug_safety("cytarabine").max_total["bsa"]
    assert "Lazarus" in cytarabine.source and "§6.3" in cytarabine.source
    assert "54 g/m²" in cytarabine.rationale and "days 1-6 is 36 g/m²" in cytarabine.rationale
    cladribine = drug_safety("cladribine").max_total
    assert "Leustatin" in cladribine["bsa"].source and "25 mg/m²" in cladribine["bsa"].rationale
    assert "Leustatin" in cladribine["weight"].source
    assert "0.09-0.14 mg/kg/day × 7 days" in cladribine["weight"].rationale


def _one(drug: str, dose, frequency: str, days, steps=None) -> rc.Regimen:
    """CLAG with one component: ``drug`` at ``dose`` (or ``steps``), ``frequency``, ``days``."""
    reg = rc.load_regimen("CLAG")
    comp = attrs.evolve(
        reg.components[0], drug=drug, dose=dose, frequency=frequency, days=tuple(days)
    )
    if steps is not None:
        comp = attrs.evolve(comp, dose=None, days=(), steps=steps)
    return attrs.evolve(reg, components=(comp,))


def _total_problems(reg: rc.Regimen) -> list[tuple[str, str]]:
    return [(p, m) for p, m in check_regimen_doses(reg) if "in a cycle (" in m]


@pytest.mark.parametrize(
    ("drug", "dose", "frequency", "days", "refused"),
    [
        ("cytarabine", PerBsa(ureg.Quantity(3, "g/m**2")), "q12h", range(1, 9), False),  # 48
        ("cytarabine", PerBsa(ureg.Quantity(3000, "mg/m**2")), "q12h", range(1, 9), False),
        ("cytarabine", PerBsa(ureg.Quantity(3, "g/m**2")), "q12h", range(1, 10), True),  # 54
        ("cytarabine", PerBsa(ureg.Quantity(2, "g/m**2")), "q8h", range(1, 9), False),  # 48
        ("cytarabine", PerBsa(ureg.Quantity(2, "g/m**2")), "q8h", range(1, 10), True),  # 54
        ("cytarabine", PerBsa(ureg.Quantity(2001, "mg/m**2")), "q8h", range(1, 9), True),
        ("cladribine", PerBsa(ureg.Quantity(5, "mg/m**2")), "daily", range(1, 8), False),  # 35
        ("cladribine", PerBsa(ureg.Quantity(5, "mg/m**2")), "q12h", range(1, 4), False),  # 30
        ("cladribine", PerBsa(ureg.Quantity(5, "mg/m**2")), "q12h", range(1, 5), True),  # 40
        ("cladribine", PerBsa(ureg.Quantity(5.1, "mg/m**2")), "daily", range(1, 8), True),
        ("cladribine", PerWeight(ureg.Quantity(0.14, "mg/kg")), "daily", range(1, 8), False),
        ("cladribine", PerWeight(ureg.Quantity(0.2, "mg/kg")), "daily", range(1, 6), False),  # 1
        ("cladribine", PerWeight(ureg.Quantity(0.15, "mg/kg")), "daily", range(1, 8), True),
        ("cladribine", PerWeight(ureg.Quantity(0.09, "mg/kg")), "q12h", range(1, 7), True),
        # A basis without a total limit: flat cytarabine every 6 h on 14 days (5,600 mg) loads.
        ("cytarabine", Flat(ureg.Quantity(100, "mg")), "q6h", range(1, 15), False),
    ],
)
def test_a_total_at_the_limit_passes_and_one_above_is_refused(
    drug: str, dose, frequency: str, days: range, refused: bool
) -> None:
    problems = _total_problems(_one(drug, dose, frequency, days))
    assert bool(problems) == refused, problems
    assert [p for p, _ in problems] == (["components[0].dose"] if refused else [])


def test_the_total_message_names_the_total_the_limit_and_its_source() -> None:
    reg = _one("cytarabine", PerBsa(ureg.Quantity(3, "g/m**2")), "q12h", range(1, 15))
    assert check_regimen_doses(reg) == _total_problems(reg)
    [(path, message)] = _total_problems(reg)
    assert path == "components[0].dose"
    assert message.startswith(
        "cytarabine 84 g/m² in a cycle (3 g/m² × 2 a day (q12h) × 14 days) is more than the "
        "48 g/m² the catalog allows per cycle (Lazarus et al., Cancer 1981"
    )
    assert message.endswith("check for a typing error in the dose, the frequency or the days")
    reg = _one("cladribine", PerBsa(ureg.Quantity(5, "mg/m**2")), "q12h", range(1, 8))
    [(path, message)] = _total_problems(reg)
    assert message.startswith(
        "cladribine 70 mg/m² in a cycle (5 mg/m² × 2 a day (q12h) × 7 days) is more than the "
        "35 mg/m² the catalog allows per cycle (Leustatin"
    )


def test_ramp_up_steps_count_each_step_dose_on_its_days() -> None:
    """Steps of 2 then 3 g/m² every 12 h: each step's dose × 2 × its days, summed."""

    def steps(low: int, high: int) -> tuple[DoseStep, ...]:
        return (
            DoseStep(days=tuple(range(1, low + 1)), dose=PerBsa(ureg.Quantity(2, "g/m**2"))),
            DoseStep(
                days=tuple(range(low + 1, low + high + 1)),
                dose=PerBsa(ureg.Quantity(3, "g/m**2")),
            ),
        )

    # 2×2×4 + 3×2×3 = 34; 2×2×3 + 3×2×6 = 48 (at the limit); 2×2×4 + 3×2×6 = 52; 2×2×2 + 3×2×7 = 50
    for low, high, refused in [(4, 3, False), (3, 6, False), (4, 6, True), (2, 7, True)]:
        reg = _one("cytarabine", None, "q12h", (), steps=steps(low, high))
        assert bool(_total_problems(reg)) == refused, (low, high)
    [(path, message)] = _total_problems(_one("cytarabine", None, "q12h", (), steps=steps(4, 6)))
    assert path == "components[0].steps"
    assert "52 g/m² in a cycle (the steps' doses × 2 a day (q12h) over 10 days)" in message


@settings(max_examples=300, deadline=None)
@given(
    case=st.sampled_from(
        [
            # (drug, basis, unit written, smallest and largest dose written, limit in that unit)
            ("cytarabine", PerBsa, "mg/m**2", 5, 3000, 48000),
            ("cladribine", PerBsa, "mg/m**2", 1, 15, 35),
            ("cladribine", PerWeight, "mcg/kg", 30, 400, 1000),
            ("cytarabine", Flat, "mg", 5, 100, None),  # no flat limit
        ]
    ),
    frequency=st.sampled_from(["once", "daily", "q24h", "q12h", "q8h", "q6h"]),
    data=st.data(),
)
def test_a_total_is_refused_exactly_when_it_is_above_the_limit(
    case: tuple, frequency: str, data: st.DataObject
) -> None:
    """Property: refused iff dose × administrations a day × days (each step's, by hand) exceeds
    the limit of the dose's basis, and never on a basis without one."""
    drug, basis, unit, low, high, limit = case
    per_day = {"once": 1, "daily": 1, "q24h": 1, "q12h": 2, "q8h": 3, "q6h": 4}[frequency]
    count = 1 if frequency == "once" else data.draw(st.integers(1, DAYS_LIMITS[drug]))
    first = data.draw(st.integers(-5, 5))
    days = tuple(range(first, first + count))
    doses = data.draw(st.lists(st.integers(low, high), min_size=1, max_size=min(3, count)))
    if len(doses) == 1:
        reg = _one(drug, basis(ureg.Quantity(doses[0], unit)), frequency, days)
        total = doses[0] * per_day * count
    else:  # a ramp-up: consecutive steps, the last taking the remaining days
        cuts = sorted(
            data.draw(
                st.sets(st.integers(1, count - 1), min_size=len(doses) - 1, max_size=len(doses) - 1)
            )
        )
        bounds = [0, *cuts, count]
        steps = tuple(
            DoseStep(days=days[a:b], dose=basis(ureg.Quantity(d, unit)))
            for d, a, b in zip(doses, bounds, bounds[1:], strict=False)
        )
        reg = _one(drug, None, frequency, (), steps=steps)
        total = sum(
            d * per_day * (b - a) for d, a, b in zip(doses, bounds, bounds[1:], strict=False)
        )
    problems = _total_problems(reg)
    assert bool(problems) == (limit is not None and total > limit), (total, problems)
    assert check_regimen_doses(reg) == problems  # nothing else is wrong with these doses


def _split(drug: str, *parts: tuple) -> rc.Regimen:
    """CLAG with one component per ``(dose, frequency, days)`` part, all of ``drug``."""
    reg = rc.load_regimen("CLAG")
    comps = tuple(
        attrs.evolve(
            reg.components[0],
            id=f"c{k}",
            drug=drug,
            dose=dose,
            frequency=f,
            days=tuple(days),
            sequence=None,
        )
        for k, (dose, f, days) in enumerate(parts)
    )
    return attrs.evolve(reg, components=comps)


@pytest.mark.parametrize(
    ("drug", "parts", "refused"),
    [
        # 3 × 2 × 5 = 30 and 3 × 2 × 3 = 18: 48 g/m², at the limit
        ("cytarabine", [("3 g/m^2", "q12h", range(1, 6)), ("3 g/m^2", "q12h", range(6, 9))], False),
        # 30 + 3 × 2 × 4 = 54 g/m²
        ("cytarabine", [("3 g/m^2", "q12h", range(1, 6)), ("3 g/m^2", "q12h", range(6, 10))], True),
        # 30,000 + 1,000 mg/m² × 2 × 9 = 48,000 mg/m²: at the limit
        (
            "cytarabine",
            [("3 g/m^2", "q12h", range(1, 6)), ("1000 mg/m^2", "q12h", range(6, 15))],
            False,
        ),
        # 30,000 + 1,000.5 mg/m² × 2 × 9 = 48,009 mg/m²: just above (14 days in all)
        (
            "cytarabine",
            [("3 g/m^2", "q12h", range(1, 6)), ("1000.5 mg/m^2", "q12h", range(6, 15))],
            True,
        ),
        # 5 × 4 = 20 and 5 × 3 = 15: 35 mg/m², at the limit; the same days count once (5 days)
        (
            "cladribine",
            [("5 mg/m^2", "daily", range(1, 5)), ("5 mg/m^2", "daily", range(1, 4))],
            False,
        ),
        # 20 + 5.5 × 3 = 36.5 mg/m²
        (
            "cladribine",
            [("5 mg/m^2", "daily", range(1, 5)), ("5.5 mg/m^2", "daily", range(1, 4))],
            True,
        ),
        # 0.1 mg/kg × 5 = 0.5 and 0.1 × 5 = 0.5: 1 mg/kg, at the per-kg limit
        (
            "cladribine",
            [("0.1 mg/kg", "daily", range(1, 6)), ("0.1 mg/kg", "daily", range(1, 6))],
            False,
        ),
        # 0.5 + 0.11 × 5 = 1.05 mg/kg
        (
            "cladribine",
            [("0.1 mg/kg", "daily", range(1, 6)), ("0.11 mg/kg", "daily", range(1, 6))],
            True,
        ),
        # Per m² and per kg are separate totals: 25 mg/m² and 0.7 mg/kg
        (
            "cladribine",
            [("5 mg/m^2", "daily", range(1, 6)), ("0.1 mg/kg", "daily", range(1, 8))],
            False,
        ),
    ],
)
def test_a_drug_split_over_components_is_limited_by_the_sum(
    drug: str, parts: list, refused: bool
) -> None:
    def spec(text: str):
        q = ureg.Quantity(text)
        return PerWeight(q) if text.endswith("kg") else PerBsa(q)

    reg = _split(drug, *[(spec(d), f, days) for d, f, days in parts])
    problems = check_regimen_doses(reg)
    assert bool(problems) == refused, problems
    if refused:
        [(path, message)] = problems
        assert path == "components[0].dose"
        assert " in a cycle across components[0] (c0, " in message
        assert " and components[1] (c1, " in message


def test_a_drug_split_over_components_names_each_and_keeps_the_single_messages() -> None:
    reg = _split(
        "cytarabine",
        (PerBsa(ureg.Quantity(3, "g/m**2")), "q12h", range(1, 7)),
        (PerBsa(ureg.Quantity(3, "g/m**2")), "q12h", range(7, 13)),
    )
    [(path, message)] = check_regimen_doses(reg)
    assert path == "components[0].dose"
    assert message.startswith(
        "cytarabine 72 g/m² in a cycle across components[0] (c0, 36 g/m²) and components[1] "
        "(c1, 36 g/m²) is more than the 48 g/m² the catalog allows per cycle (Lazarus et al., "
        "Cancer 1981"
    )
    # A component above the limit by itself is refused as before, and not again for the sum.
    reg = _split(
        "cytarabine",
        (PerBsa(ureg.Quantity(3, "g/m**2")), "q12h", range(1, 10)),
        (PerBsa(ureg.Quantity(3, "g/m**2")), "q12h", range(10, 12)),
    )
    [(path, message)] = check_regimen_doses(reg)
    assert message.startswith("cytarabine 54 g/m² in a cycle (3 g/m² × 2 a day (q12h) × 9 days)")


@settings(max_examples=300, deadline=None)
@given(
    case=st.sampled_from(
        [
            # (drug, basis, unit written, smallest and largest dose written, limit in that unit)
            ("cytarabine", PerBsa, "mg/m**2", 5, 3000, 48000),
            ("cladribine", PerBsa, "mg/m**2", 1, 15, 35),
            ("cladribine", PerWeight, "mcg/kg", 30, 400, 1000),
        ]
    ),
    data=st.data(),
)
def test_a_split_drug_is_refused_exactly_when_the_sum_is_above_the_limit(
    case: tuple, data: st.DataObject
) -> None:
    """Property: with two or three components of one drug, each on days within the drug's
    limit, the regimen is refused exactly when one component's total, or else the hand-computed
    sum of dose × administrations a day × days over the components, exceeds the limit."""
    drug, basis, unit, low, high, limit = case
    per_day = {"once": 1, "daily": 1, "q12h": 2, "q8h": 3, "q6h": 4}
    parts, totals = [], []
    for _ in range(data.draw(st.integers(2, 3))):
        frequency = data.draw(st.sampled_from(sorted(per_day)))
        first = data.draw(st.integers(1, DAYS_LIMITS[drug]))
        last = first if frequency == "once" else data.draw(st.integers(first, DAYS_LIMITS[drug]))
        dose = data.draw(st.integers(low, high))
        parts.append((basis(ureg.Quantity(dose, unit)), frequency, range(first, last + 1)))
        totals.append(dose * per_day[frequency] * (last + 1 - first))
    problems = check_regimen_doses(_split(drug, *parts))
    if any(t > limit for t in totals):
        assert problems and all(" in a cycle (" in m for _, m in problems), problems
    elif sum(totals) > limit:
        [(_, message)] = problems
        assert message.startswith(f"{drug} ") and " in a cycle across components[0] " in message
    else:
        assert problems == [], (totals, problems)


def test_the_cladribine_days_message_reads_right_for_any_input() -> None:
    reg = _one("cladribine", PerBsa(ureg.Quantity(5, "mg/m**2")), "daily", range(1, 9))
    [(path, message)] = check_regimen_doses(reg)
    assert path == "components[0].days"
    # The rationale is the sources; the message gives the example typing error once.
    assert "Days 1-50 for 1-5 is refused" not in message
    assert message == (
        "cladribine on 8 days of a cycle is more than the 7 the catalog allows (AML 5 days "
        "(NCT06763666, NCT05657639, Robak et al. 2000); hairy-cell leukaemia 7 days (Leustatin "
        "label)); check for a typing error such as 1-50 for 1-5"
    )


def test_q12h_counts_each_day_once() -> None:
    """CMGV gives cytarabine q12h on days 1-7: 14 doses, 7 days, within 14."""
    cmgv = rc.load_regimen("CMGV")
    i = next(i for i, c in enumerate(cmgv.components) if c.drug == "cytarabine")
    comp = attrs.evolve(cmgv.components[i], days=tuple(range(1, 15)))  # 14 days, 28 doses
    reg = attrs.evolve(cmgv, components=(comp,))
    assert [p for p, _ in check_regimen_doses(reg) if p.endswith(".days")] == []
    comp = attrs.evolve(comp, days=tuple(range(1, 16)))
    reg = attrs.evolve(cmgv, components=(comp,))
    assert [p for p, _ in check_regimen_doses(reg)] == ["components[0].days"]


def test_step_paths_are_named() -> None:
    cav = rc.load_regimen("CAV")
    i = next(i for i, c in enumerate(cav.components) if c.drug == "venetoclax")
    problems = dict(check_regimen_doses(_with_dose(cav, i, 10)))
    # 100, 200 and 400 mg × 10 = 1,000, 2,000 and 4,000 mg: each step above 600 mg.
    assert set(problems) == {f"components[{i}].steps[{j}].dose" for j in range(3)}


@pytest.mark.parametrize("reg", _regimens(), ids=lambda r: r.id)
def test_tenfold_per_unit_errors_are_refused(reg: rc.Regimen) -> None:
    for i, comp in enumerate(reg.components):
        if _low_dose_cytarabine(comp):
            continue
        # Tenfold overdoses only: a tenth is often an ordinary dose (venetoclax 40 mg,
        # cytarabine 100 mg/m²), so underdoses are not guarded by the ranges (docs/safety.md).
        assert check_regimen_doses(_with_dose(reg, i, 10)), (reg.id, comp.id)


# ------------------------------------------------------------------------------ ceilings

LARGEST = rc.Patient(height="250 cm", weight="350 kg", sex="female")


@pytest.mark.parametrize("formula", list(rc.BSA_FORMULAS))
@pytest.mark.parametrize("reg", _regimens(), ids=lambda r: r.id)
def test_no_bundled_regimen_reaches_a_ceiling_at_the_largest_patient(
    reg: rc.Regimen, formula: str
) -> None:
    for sex in ("female", "male"):
        patient = attrs.evolve(LARGEST, sex=sex)
        for decimals in (1, 4):
            reg.schedule(patient, policy=DosingPolicy(bsa_formula=formula, bsa_decimals=decimals))


@settings(max_examples=200, deadline=None)
@given(
    height=st.integers(50, 250),
    weight=st.integers(10, 350),
    formula=st.sampled_from(list(rc.BSA_FORMULAS)),
    regimen=st.sampled_from(BUNDLED),
)
def test_ceilings_never_trip_for_bundled_regimens(
    height: int, weight: int, formula: str, regimen: str
) -> None:
    patient = rc.Patient(height=f"{height} cm", weight=f"{weight} kg", sex="male")
    rc.load_regimen(regimen).schedule(patient, bsa_formula=formula)


@settings(max_examples=200, deadline=None)
@given(height=st.integers(150, 250), weight=st.integers(40, 350), data=st.data())
def test_a_tenfold_error_always_trips_a_guard(
    height: int, weight: int, data: st.DataObject
) -> None:
    """For patients with BSA ≥ 1.3 m² and weight ≥ 40 kg, ten times any bundled per-unit dose
    trips the ceiling; the per-unit check refuses it for every patient. The one exception is
    low-dose cytarabine (10 mg/m² × 10 is the ordinary 100 mg/m²)."""
    reg = data.draw(st.sampled_from(_regimens()), label="regimen")
    i = data.draw(st.integers(0, len(reg.components) - 1), label="component")
    comp = reg.components[i]
    patient = rc.Patient(height=f"{height} cm", weight=f"{weight} kg")
    bad = _with_dose(reg, i, 10)
    if _low_dose_cytarabine(comp):
        return
    assert check_regimen_doses(bad)
    if patient.bsa().m_as("m**2") >= 1.3:
        with pytest.raises(rc.DoseLimitError) as err:
            bad.schedule(patient)
        assert err.value.drug == comp.drug


def test_dose_limit_error_names_drug_day_dose_and_limit() -> None:
    bad = _with_dose(rc.load_regimen("MEC"), 0, 10)  # mitoxantrone 80 mg/m² × 1.75 = 140 mg
    with pytest.raises(rc.DoseLimitError) as err:
        bad.schedule(rc.Patient(height="170 cm", weight="65 kg"))
    e = err.value
    assert (e.drug, e.day, e.dose, e.limit, e.kind) == (
        "mitoxantrone",
        1,
        "140 mg",
        "70 mg",
        "single",
    )
    assert str(e).startswith("mitoxantrone, day 1: single dose 140 mg is above the limit 70 mg")
    assert isinstance(e, ValueError)


def test_daily_ceiling_counts_every_administration_of_the_day() -> None:
    clag = rc.load_regimen("CLAG")
    i = next(i for i, c in enumerate(clag.components) if c.drug == "cytarabine")
    comps = list(clag.components)
    # 2.5 g/m² every 6 hours at BSA 1.75 m²: 4,375 mg a dose (under the 7,000 mg single ceiling),
    # 4 × 4,375 = 17,500 mg a day (over the 14,000 mg daily ceiling).
    comps[i] = attrs.evolve(
        comps[i], frequency="q6h", dose=PerBsa(rc.ureg.Quantity(2500, "mg/m**2"))
    )
    with pytest.raises(rc.DoseLimitError) as err:
        attrs.evolve(clag, components=tuple(comps)).schedule(
            rc.Patient(height="170 cm", weight="65 kg")
        )
    assert (err.value.kind, err.value.dose, err.value.limit) == ("daily", "17,500 mg", "14,000 mg")


def test_venetoclax_other_than_once_daily_is_refused_by_the_engine_too() -> None:
    """The loader refuses it; a Regimen built in code meets the same refusal in the engine."""
    ven = rc.load_regimen("CLAG+VEN")
    i = next(i for i, c in enumerate(ven.components) if c.drug == "venetoclax")
    comps = list(ven.components)
    comps[i] = attrs.evolve(comps[i], frequency="q12h")
    with pytest.raises(rc.InputError, match=r"venetoclax\.frequency"):
        attrs.evolve(ven, components=tuple(comps)).schedule(
            rc.Patient(height="170 cm", weight="65 kg")
        )


def test_weight_based_tenfold_error() -> None:
    clag = rc.load_regimen("CLAG")
    i = next(i for i, c in enumerate(clag.components) if c.drug == "filgrastim")
    assert isinstance(clag.components[i].dose, PerWeight)
    with pytest.raises(rc.DoseLimitError, match="filgrastim, day 0"):
        _with_dose(clag, i, 10).schedule(rc.Patient(height="170 cm", weight="65 kg"))  # 3,250 mcg


def test_check_ceilings_is_quiet_for_a_normal_schedule() -> None:
    sched = rc.load_regimen("MEC").schedule(rc.Patient(height="170 cm", weight="65 kg"))
    check_ceilings(sched.days)


def test_a_cycle_dose_limit_error_keeps_its_message_through_pickle() -> None:
    import pickle

    e = rc.DoseLimitError("cladribine", 3, "210 mg", "35 mg/m²", "cycle", "cladribine: the text")
    back = pickle.loads(pickle.dumps(e))
    assert (back.drug, back.day, back.kind, str(back)) == (
        "cladribine",
        3,
        "cycle",
        "cladribine: the text",
    )
    old = rc.DoseLimitError("mitoxantrone", 1, "140 mg", "70 mg", "single")
    assert str(pickle.loads(pickle.dumps(old))) == str(old)


# ------------------------------------------------------------------------------ ceiling edges
# Ceilings from data/drugs.yaml: cladribine 40 mg single and daily, cytarabine 7,000 mg single and
# 14,000 mg daily, filgrastim 1,800 mcg single and daily, venetoclax 600 mg single and daily.


def _day(number: int, *administrations: object) -> object:
    from types import SimpleNamespace

    return SimpleNamespace(day=number, administrations=administrations)


def _given(drug: str, dose: str, *, calculated: str | None = None, per_day: int = 1) -> object:
    from types import SimpleNamespace

    return SimpleNamespace(
        drug=drug,
        calculated_dose=ureg.Quantity(calculated or dose),
        dose=ureg.Quantity(dose),
        per_day=per_day,
    )


def test_a_dose_level_does_not_hide_a_calculated_dose_above_the_ceiling() -> None:
    # CLAG cladribine written 25 mg/m² (five times 5 mg/m²) at BSA 1.75 m² (170 cm, 65 kg,
    # Mosteller √(170 × 65 / 3600) = 1.752 → 1.75): calculated 25 × 1.75 = 43.75 mg, above the
    # 40 mg ceiling. A 75% dose level makes the dose to give 32.8125 → 32.81 mg, below it: the
    # guard is about what the regimen computed, so it is still refused, naming 43.75 mg.
    from regimen_calc.engine.policy import DoseModification, DrugPolicy

    policy = DosingPolicy(
        drugs={
            "cladribine": DrugPolicy(
                modification=DoseModification(percent=75, reason="renal impairment")
            )
        }
    )
    bad = _with_dose(rc.load_regimen("CLAG"), 0, 5)
    with pytest.raises(rc.DoseLimitError) as err:
        bad.schedule(rc.Patient(height="170 cm", weight="65 kg"), policy=policy)
    assert (err.value.drug, err.value.day, err.value.dose, err.value.limit, err.value.kind) == (
        "cladribine",
        1,
        "43.75 mg",
        "40 mg",
        "single",
    )


def test_check_ceilings_takes_the_larger_of_the_calculated_dose_and_the_dose_to_give() -> None:
    # 43.75 mg calculated, 32.81 mg to give (a 75% dose level): refused at 43.75 mg.
    with pytest.raises(rc.DoseLimitError) as err:
        check_ceilings([_day(1, _given("cladribine", "32.81 mg", calculated="43.75 mg"))])
    assert (err.value.dose, err.value.kind) == ("43.75 mg", "single")
    # And the other way round: rounding up past the ceiling (39.9 mg → 40.1 mg to give).
    with pytest.raises(rc.DoseLimitError) as err:
        check_ceilings([_day(1, _given("cladribine", "40.1 mg", calculated="39.9 mg"))])
    assert err.value.dose == "40.1 mg"


@pytest.mark.parametrize(
    ("drug", "at_ceiling", "just_above"),
    [
        ("cladribine", "40 mg", "40.01 mg"),
        ("cytarabine", "7000 mg", "7000.01 mg"),
        ("filgrastim", "1800 mcg", "1800.01 mcg"),
        ("venetoclax", "600 mg", "600.01 mg"),
    ],
)
def test_a_single_dose_at_the_ceiling_is_accepted_and_just_above_it_refused(
    drug: str, at_ceiling: str, just_above: str
) -> None:
    check_ceilings([_day(1, _given(drug, at_ceiling))])
    with pytest.raises(rc.DoseLimitError) as err:
        check_ceilings([_day(1, _given(drug, just_above))])
    assert (err.value.drug, err.value.kind) == (drug, "single")


def test_a_day_total_at_the_daily_ceiling_is_accepted_and_just_above_it_refused() -> None:
    # Cytarabine 3,500 mg × 4 a day = 14,000 mg: at the daily ceiling, accepted.
    check_ceilings([_day(1, _given("cytarabine", "3500 mg", per_day=4))])
    # 7,000 mg × 2 = 14,000 mg: at both ceilings, accepted.
    check_ceilings([_day(1, _given("cytarabine", "7000 mg", per_day=2))])
    # 3,500.01 mg × 4 = 14,000.04 mg: above the daily ceiling (each dose is under 7,000 mg).
    with pytest.raises(rc.DoseLimitError) as err:
        check_ceilings([_day(1, _given("cytarabine", "3500.01 mg", per_day=4))])
    assert (err.value.kind, err.value.limit) == ("daily", "14,000 mg")
    # Administrations of one drug on one day count together: 7,000 + 7,000 mg is at the daily
    # ceiling; 7,000 + 7,000 + 0.01 mg = 14,000.01 mg is above it.
    check_ceilings([_day(1, _given("cytarabine", "7000 mg"), _given("cytarabine", "7000 mg"))])
    with pytest.raises(rc.DoseLimitError) as err:
        check_ceilings(
            [
                _day(
                    1,
                    _given("cytarabine", "7000 mg"),
                    _given("cytarabine", "7000 mg"),
                    _given("cytarabine", "0.01 mg"),
                )
            ]
        )
    assert err.value.kind == "daily"


@pytest.mark.parametrize(
    ("drug", "at_ceiling", "just_above", "shown"),
    [
        # 7 g = 7,000 mg, the cytarabine ceiling; 7.001 g = 7,001 mg is above it.
        ("cytarabine", "7 g", "7.001 g", "7,001 mg"),
        # 1.8 mg = 1,800 mcg, the filgrastim ceiling; 1.81 mg = 1,810 mcg is above it.
        ("filgrastim", "1.8 mg", "1.81 mg", "1,810 mcg"),
        # 0.6 g = 600 mg, the venetoclax ceiling.
        ("venetoclax", "0.6 g", "0.61 g", "610 mg"),
    ],
)
def test_a_ceiling_is_compared_with_a_dose_in_another_unit(
    drug: str, at_ceiling: str, just_above: str, shown: str
) -> None:
    check_ceilings([_day(1, _given(drug, at_ceiling))])
    with pytest.raises(rc.DoseLimitError) as err:
        check_ceilings([_day(1, _given(drug, just_above))])
    assert (err.value.dose, err.value.kind) == (shown, "single")


# ------------------------------------------------------------------------------ per-unit edges
# Lower bounds of data/drugs.yaml's per_unit ranges: cladribine 1 mg/m², cytarabine 5 mg/m²,
# filgrastim 1 mcg/kg (CLAG components 0, 1, 2).


@pytest.mark.parametrize(
    ("index", "at_bound", "below"),
    [
        (0, PerBsa(ureg.Quantity(1, "mg/m**2")), PerBsa(ureg.Quantity(0.99, "mg/m**2"))),
        (1, PerBsa(ureg.Quantity(5, "mg/m**2")), PerBsa(ureg.Quantity(4.99, "mg/m**2"))),
        # The same bound written in g/m²: 0.005 g/m² = 5 mg/m².
        (1, PerBsa(ureg.Quantity(0.005, "g/m**2")), PerBsa(ureg.Quantity(0.00499, "g/m**2"))),
        (2, PerWeight(ureg.Quantity(1, "mcg/kg")), PerWeight(ureg.Quantity(0.99, "mcg/kg"))),
    ],
    ids=[
        "cladribine 1 mg/m²",
        "cytarabine 5 mg/m²",
        "cytarabine 0.005 g/m²",
        "filgrastim 1 mcg/kg",
    ],
)
def test_a_dose_at_the_lower_plausible_bound_is_accepted_and_just_below_refused(
    index: int, at_bound: object, below: object
) -> None:
    clag = rc.load_regimen("CLAG")

    def with_spec(spec: object) -> rc.Regimen:
        comps = list(clag.components)
        comps[index] = attrs.evolve(comps[index], dose=spec)
        return attrs.evolve(clag, components=tuple(comps))

    assert check_regimen_doses(with_spec(at_bound)) == []
    problems = check_regimen_doses(with_spec(below))
    assert [path for path, _ in problems] == [f"components[{index}].dose"]
    assert "outside the plausible range" in problems[0][1]


def test_venetoclax_at_the_smallest_tablet_is_plausible_and_below_it_refused() -> None:
    # Venetoclax flat range 10 mg to 600 mg (data/drugs.yaml).
    ven = rc.load_regimen("CLAG+VEN")
    i = next(i for i, c in enumerate(ven.components) if c.drug == "venetoclax")

    def with_dose(mg: float) -> rc.Regimen:
        comps = list(ven.components)
        comps[i] = attrs.evolve(comps[i], dose=Flat(ureg.Quantity(mg, "mg")))
        return attrs.evolve(ven, components=tuple(comps))

    assert check_regimen_doses(with_dose(10)) == []
    assert check_regimen_doses(with_dose(600)) == []
    assert [p for p, _ in check_regimen_doses(with_dose(9.99))] == [f"components[{i}].dose"]
    assert [p for p, _ in check_regimen_doses(with_dose(600.01))] == [f"components[{i}].dose"]


# ------------------------------------------------------------------------------ errors as data


def test_a_single_dose_limit_error_keeps_the_dose_and_the_limit_as_quantities() -> None:
    bad = _with_dose(rc.load_regimen("MEC"), 0, 10)  # mitoxantrone 80 mg/m² × 1.75 = 140 mg
    with pytest.raises(rc.DoseLimitError) as err:
        bad.schedule(rc.Patient(height="170 cm", weight="65 kg"))
    e = err.value
    assert e.quantity.m_as("mg") == pytest.approx(140) and e.limit_quantity == ureg.Quantity(
        70, "mg"
    )
    assert (e.dose, e.limit) == ("140 mg", "70 mg")  # the printed values are unchanged


def test_a_daily_dose_limit_error_keeps_the_day_total_and_the_limit_as_quantities() -> None:
    with pytest.raises(rc.DoseLimitError) as err:
        check_ceilings([_day(1, _given("cytarabine", "4375 mg", per_day=4))])
    e = err.value
    assert (e.kind, e.dose, e.limit) == ("daily", "17,500 mg", "14,000 mg")
    assert e.quantity.m_as("mg") == pytest.approx(17_500)
    assert e.limit_quantity.m_as("mg") == pytest.approx(14_000)


def test_a_cycle_dose_limit_error_keeps_the_flat_total_and_the_limit_as_quantities() -> None:
    from types import SimpleNamespace

    from regimen_calc.engine.safety import check_flat_cycle_totals

    def flat(day: int) -> object:
        dose = ureg.Quantity(30, "mg")
        given = SimpleNamespace(
            drug="cladribine", basis="flat", calculated_dose=dose, dose=dose, per_day=1
        )
        return _day(day, given)

    with pytest.raises(rc.DoseLimitError) as err:
        check_flat_cycle_totals([flat(d) for d in range(1, 8)], ureg.Quantity(1.37, "m**2"))
    e = err.value
    assert (e.kind, e.day, e.dose, e.limit) == ("cycle", 2, "210 mg", "35 mg/m²")
    assert e.quantity.m_as("mg") == pytest.approx(210)
    assert e.limit_quantity.m_as("mg/m**2") == pytest.approx(35)
    assert str(e).startswith("cladribine: the cycle's flat doses total 210 mg, 153.28 mg/m² at")


def test_a_dose_limit_error_built_by_hand_has_no_quantities() -> None:
    e = rc.DoseLimitError("mitoxantrone", 1, "140 mg", "70 mg", "single")
    assert (e.quantity, e.limit_quantity) == (None, None)
    assert e.args == ("mitoxantrone", 1, "140 mg", "70 mg", "single", None)


# ------------------------------------------- ceilings and cycle totals in another unit
# data/drugs.yaml: cladribine at most 40 mg a dose and 40 mg a day; at most 35 mg/m² a cycle.
# Doses written in g are compared in the ceiling's unit (0.041 g = 41 mg), never as numbers.


def _cladribine(
    calc: str, dose: str, *, basis: str = "flat", per_unit: str = "1 mg", per_day: int = 1
) -> object:
    from types import SimpleNamespace

    return SimpleNamespace(
        drug="cladribine",
        calculated_dose=ureg.Quantity(calc),
        dose=ureg.Quantity(dose),
        dose_per_unit=ureg.Quantity(per_unit),
        basis=basis,
        per_day=per_day,
        held=False,
    )


def _on_days(*administrations: object) -> tuple[object, ...]:
    from types import SimpleNamespace

    return tuple(
        SimpleNamespace(day=i + 1, administrations=(a,)) for i, a in enumerate(administrations)
    )


@pytest.mark.parametrize(
    ("calc", "dose"),
    [("0.041 g", "40 mg"), ("40 mg", "0.041 g"), ("0.041 g", "0.041 g"), ("41000 mcg", "40 mg")],
)
def test_a_dose_above_the_ceiling_in_another_unit_is_refused(calc: str, dose: str) -> None:
    with pytest.raises(rc.DoseLimitError) as info:
        check_ceilings(_on_days(_cladribine(calc, dose)))
    assert info.value.kind == "single" and info.value.quantity.m_as("mg") == pytest.approx(41)
    assert info.value.limit_quantity == ureg.Quantity(40, "mg")


@pytest.mark.parametrize(("calc", "dose"), [("0.04 g", "0.04 g"), ("40000 mcg", "40 mg")])
def test_a_dose_exactly_at_the_ceiling_in_another_unit_is_cladribine(calc: str, dose: str) -> None:
    check_ceilings(_on_days(_cladribine(calc, dose)))  # 40 mg: exactly the ceiling, allowed


def test_flat_doses_in_g_count_toward_the_per_m2_cycle_total() -> None:
    from regimen_calc.engine.safety import check_flat_cycle_totals

    # 0.0141 g = 14.1 mg a day over 2 m² = 7.05 mg/m²; five days 35.25 mg/m² > 35 mg/m². The
    # total passes 35 on day 5 (28.2 after day 4).
    days = _on_days(*(_cladribine("0.0141 g", "0.0141 g") for _ in range(5)))
    with pytest.raises(rc.DoseLimitError) as info:
        check_flat_cycle_totals(days, ureg.Quantity(2, "m**2"))
    assert info.value.kind == "cycle" and info.value.day == 5
    # Four such days and one of 0.0131 g: (4 × 14.1 + 13.1) / 2 = 34.75 mg/m², within the limit.
    within = _on_days(
        *(_cladribine("0.0141 g", "0.0141 g") for _ in range(4)),
        _cladribine("0.0131 g", "0.0131 g"),
    )
    check_flat_cycle_totals(within, ureg.Quantity(2, "m**2"))


def test_per_m2_doses_in_another_unit_count_with_the_flat_ones() -> None:
    from regimen_calc.engine.safety import check_flat_cycle_totals

    # Day 1: 0.02 g/m² written (20 mg/m²); day 2: a flat 31 mg over 2 m² (15.5 mg/m²): 35.5 > 35,
    # passed on day 2. Without the per-m² day the flat dose alone is 15.5: within.
    per_m2 = _cladribine("40 mg", "40 mg", basis="bsa", per_unit="0.02 g/m**2")
    flat = _cladribine("31 mg", "31 mg")
    with pytest.raises(rc.DoseLimitError) as info:
        check_flat_cycle_totals(_on_days(per_m2, flat), ureg.Quantity(2, "m**2"))
    assert info.value.day == 2
    check_flat_cycle_totals(_on_days(flat), ureg.Quantity(2, "m**2"))


def test_a_cycle_total_exactly_at_the_limit_is_given_and_the_day_past_it_is_named() -> None:
    from regimen_calc.engine.safety import check_flat_cycle_totals

    area = ureg.Quantity(2, "m**2")
    # Day 1: 0.02 g/m² written (20 mg/m²); day 2: a flat 30 mg over 2 m² (15 mg/m²): exactly
    # 35 mg/m², the limit, allowed.
    per_m2 = _cladribine("40 mg", "40 mg", basis="bsa", per_unit="0.02 g/m**2")
    check_flat_cycle_totals(_on_days(per_m2, _cladribine("30 mg", "30 mg")), area)
    # Flat 70 mg on day 1 is exactly 35 mg/m²; 1 mg more on day 2 passes it: day 2 is named.
    days = _on_days(_cladribine("70 mg", "70 mg"), _cladribine("1 mg", "1 mg"))
    with pytest.raises(rc.DoseLimitError) as info:
        check_flat_cycle_totals(days, area)
    assert info.value.day == 2


@pytest.mark.parametrize(("calc", "dose"), [("10 mg", "0.0141 g"), ("0.0141 g", "10 mg")])
def test_the_larger_of_the_calculated_and_given_flat_dose_counts_in_its_own_unit(
    calc: str, dose: str
) -> None:
    from regimen_calc.engine.safety import check_flat_cycle_totals

    # 10 mg and 0.0141 g (14.1 mg): the larger counts, whichever it is. Five days over 2 m² is
    # 35.25 mg/m², past 35.
    days = _on_days(*(_cladribine(calc, dose) for _ in range(5)))
    with pytest.raises(rc.DoseLimitError) as info:
        check_flat_cycle_totals(days, ureg.Quantity(2, "m**2"))
    assert info.value.quantity.m_as("mg") == pytest.approx(70.5)
