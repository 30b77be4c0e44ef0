"""Dosing policy: rounding rules, max deviation and flags, dose levels, weight bases, policy files.

Goldens are hand arithmetic from shared/clinical-reference.md §3 (filgrastim 5 mcg/kg: 65 kg =
325 mcg, 70 kg = 350 mcg, 96 kg = 480 mcg; syringes 300 and 480 mcg) and §5 (Devine IBW,
adjusted weight IBW + 0.4 × (actual − IBW), HOPA 10%).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import regimen_calc as rc
from regimen_calc.engine.policy import (
    DoseModification,
    DosingPolicy,
    DrugPolicy,
    ExactComposition,
    Increment,
    NearestPack,
    half_up,
    half_up_array,
    round_bsa,
)
from regimen_calc.errors import InputError
from regimen_calc.io.policy_files import load_policy
from regimen_calc.units import ureg
from strategies import patients

POLICIES = Path(rc.__file__).parent / "data" / "policies"
EXAMPLE = load_policy(POLICIES / "example-institution.yaml")
A = rc.Patient(height="170 cm", weight="65 kg")


def _filgrastim(kg: float, policy: DosingPolicy = EXAMPLE) -> rc.Administration:
    sched = rc.load_regimen("CLAG").schedule(
        rc.Patient(height="170 cm", weight=f"{kg} kg"), policy=policy
    )
    return sched.day(0).administrations[0]


# ------------------------------------------------------------------------------ goldens (§3)


def test_filgrastim_65_kg_rounds_to_300_within_10_percent() -> None:
    a = _filgrastim(65)  # 5 × 65 = 325 mcg; 300 / 325 − 1 = −7.69%
    assert a.calculated_dose == ureg.Quantity(325, "mcg")
    assert a.dose == ureg.Quantity(300, "mcg")
    assert not a.rounding.flagged
    assert a.rounding.deviation == pytest.approx(-25 / 325)
    assert a.rounding.packs == ((ureg.Quantity(300, "mcg"), 1),)


def test_filgrastim_70_kg_is_flagged_and_keeps_350() -> None:
    a = _filgrastim(70)  # 5 × 70 = 350 mcg; 300 / 350 − 1 = −14.29%: beyond 10%
    assert a.rounding.flagged
    assert a.dose == ureg.Quantity(350, "mcg") == a.rounding.unrounded
    assert a.rounding.proposed == ureg.Quantity(300, "mcg")
    assert a.rounding.deviation == pytest.approx(-50 / 350)
    assert a.rounding.packs == ()  # the proposal's syringe is not the dose: none listed
    assert any("PHARMACIST REVIEW" in w for w in a.warnings)
    sched = rc.load_regimen("CLAG").schedule(
        rc.Patient(height="170 cm", weight="70 kg"), policy=EXAMPLE
    )
    flags = [w for w in sched.warnings if w.kind == "rounding"]
    assert len(flags) == 1 and "350 mcg" in flags[0].message and "300 mcg" in flags[0].message
    d = sched.to_dict()["days"][0]["administrations"][0]["rounding"]
    assert d["flagged"] is True and d["deviation_percent"] == -14.29
    assert d["proposed"]["text"] == "300 mcg" and d["unrounded"]["text"] == "350 mcg"


def test_filgrastim_96_kg_is_exactly_480() -> None:
    a = _filgrastim(96)
    assert a.dose == ureg.Quantity(480, "mcg") and a.rounding.deviation == 0
    assert not a.rounding.flagged


def test_midpoint_78_kg_goes_to_the_larger_syringe() -> None:
    # 390 mcg is halfway between 300 and 480 (§3): half-up picks 480 (+23%): flagged.
    a = _filgrastim(78)
    assert a.rounding.proposed == ureg.Quantity(480, "mcg") and a.rounding.flagged


def test_example_policy_other_rules() -> None:
    clag = rc.load_regimen("CLAG").schedule(A, policy=EXAMPLE)
    day1 = {a.drug: a for a in clag.day(1).administrations}
    assert day1["cladribine"].dose == ureg.Quantity(8.8, "mg")  # 8.75 → 8.8, half-up to 0.1 mg
    assert day1["cytarabine"].dose == ureg.Quantity(1750, "mg")
    cmgv = rc.load_regimen("CMGV").schedule(A, policy=EXAMPLE)
    cyt = next(a for a in cmgv.day(1).administrations if a.drug == "cytarabine")
    # 17.5 mg → 20 mg is +14.3%: flagged, 17.5 mg kept.
    assert cyt.rounding.flagged and cyt.dose == ureg.Quantity(17.5, "mg")
    ven = next(a for a in cmgv.day(4).administrations if a.drug == "venetoclax")
    assert ven.dose == ureg.Quantity(400, "mg") and ven.tablets == ((ureg.Quantity(100, "mg"), 4),)


def test_default_file_is_the_default_policy() -> None:
    loaded = load_policy(POLICIES / "default.yaml")
    assert attrs_fields(loaded) == attrs_fields(DosingPolicy())


def attrs_fields(p: DosingPolicy) -> dict:
    import attrs

    d = attrs.asdict(p, recurse=False)
    d.pop("name"), d.pop("source")
    return d


def test_default_policy_is_recorded_and_unchanged() -> None:
    sched = rc.load_regimen("CLAG").schedule(A)
    assert sched.bsa_decimals == 2 and sched.to_dict()["bsa_decimals"] == 2
    assert sched.to_dict()["policy"]["bsa_cap"] is None
    a = sched.day(0).administrations[0]
    assert a.dose == ureg.Quantity(325, "mcg") and a.weight_basis == "actual"


def test_bsa_cap_is_off_by_default_and_warned_when_on() -> None:
    big = rc.Patient(height="190 cm", weight="120 kg")  # Mosteller √(190 × 120 / 3600) = 2.52
    sched = rc.load_regimen("MEC").schedule(big, policy=DosingPolicy(bsa_cap="2 m^2"))
    assert sched.bsa == ureg.Quantity(2, "m**2") and sched.bsa_capped
    assert any(w.kind == "policy" and "capped" in w.message for w in sched.warnings)
    assert rc.load_regimen("MEC").schedule(big).bsa == ureg.Quantity(2.52, "m**2")


def test_plain_rounding_respects_max_deviation() -> None:
    """Rounding to whole mg (dose_decimals=0) is held to the max deviation like any rounding.

    Mosteller √(75 × 12 / 3600) = √0.25 = 0.50 m²; cladribine 5 mg/m² × 0.50 m² = 2.5 mg. Half-up
    to whole mg gives 3 mg, (3 − 2.5) / 2.5 = +20%, beyond the default 10% (HOPA, §5): so the
    dose is flagged and 2.5 mg is kept, with 3 mg shown as the proposal.
    """
    child = rc.Patient(height="75 cm", weight="12 kg")
    s = rc.load_regimen("CLAG").schedule(child, policy=rc.DosingPolicy(dose_decimals=0))
    a = s.day(1).administrations[0]
    assert a.drug == "cladribine" and a.calculated_dose.m_as("mg") == pytest.approx(2.5)
    assert s.policy.max_deviation_percent == 10
    assert a.rounding.flagged
    assert a.dose.m_as("mg") == pytest.approx(2.5)
    assert a.rounding.proposed.m_as("mg") == pytest.approx(3)
    assert a.rounding.deviation == pytest.approx(0.2)
    assert a.rounding.reason == "rounding would change the dose by 20.0%, beyond the 10% allowed"


def test_fractional_pack_size_refused_naming_rounding_sizes() -> None:
    """A pack size that is not a whole number of its unit (300.4 mcg) is refused, naming
    rounding.sizes."""
    with pytest.raises(rc.InputError) as exc:
        policy = rc.DosingPolicy(
            drugs={"filgrastim": rc.DrugPolicy(rounding=rc.NearestPack(["300.4 mcg"]))}
        )
        rc.load_regimen("CLAG").schedule(A, policy=policy)
    assert "rounding.sizes" in str(exc.value)


# ------------------------------------------------------------------------------ weight basis


def test_ideal_and_adjusted_weight_are_used_and_recorded() -> None:
    obese = rc.Patient(height="170 cm", weight="120 kg", sex="male")
    # Devine male 170 cm: 50 + 2.3 × (170 / 2.54 − 60) = 65.94 kg; adjusted 65.94 + 0.4 × 54.06.
    ibw = 50 + 2.3 * (170 / 2.54 - 60)
    for basis, kg in (("ideal", ibw), ("adjusted", ibw + 0.4 * (120 - ibw))):
        pol = DosingPolicy(drugs={"filgrastim": DrugPolicy(weight_basis=basis)})
        a = rc.load_regimen("CLAG").schedule(obese, policy=pol).day(0).administrations[0]
        assert a.weight_basis == basis
        assert a.basis_value.m_as("kg") == pytest.approx(kg, abs=1e-6)
        assert a.calculated_dose.m_as("mcg") == pytest.approx(5 * kg, abs=1e-5)
        assert any(basis in w for w in a.warnings)


def test_ideal_weight_needs_sex() -> None:
    pol = DosingPolicy(drugs={"filgrastim": DrugPolicy(weight_basis="ideal")})
    with pytest.raises(rc.InputError) as err:
        rc.load_regimen("CLAG").schedule(A, policy=pol)
    assert err.value.field == "sex" and "ideal" in str(err.value)


def test_ideal_above_actual_is_warned() -> None:
    thin = rc.Patient(height="185 cm", weight="55 kg", sex="male")  # IBW 79.5 kg > 55 kg
    pol = DosingPolicy(drugs={"filgrastim": DrugPolicy(weight_basis="ideal")})
    sched = rc.load_regimen("CLAG").schedule(thin, policy=pol)
    assert any(w.kind == "policy" and "above the actual" in w.message for w in sched.warnings)


# ------------------------------------------------------------------------------ modification


def test_modification_is_applied_and_shown_everywhere() -> None:
    mod = DoseModification(percent=75, reason="grade 3 mucositis after cycle 1")
    pol = DosingPolicy(drugs={"mitoxantrone": DrugPolicy(modification=mod)})
    sched = rc.load_regimen("MEC").schedule(A, policy=pol)
    a = next(a for a in sched.day(1).administrations if a.drug == "mitoxantrone")
    assert a.calculated_dose == ureg.Quantity(14, "mg")  # 8 × 1.75
    assert a.dose == ureg.Quantity(10.5, "mg")  # 75% of 14
    assert a.modification == mod and a.unmodified_dose == ureg.Quantity(14, "mg")
    assert any("75%" in w and "mucositis" in w for w in a.warnings)
    assert any(w.kind == "policy" and "mucositis" in w.message for w in sched.warnings)
    d = next(
        x for x in sched.to_dict()["days"][0]["administrations"] if x["drug"] == "mitoxantrone"
    )
    assert d["modification"]["percent"] == 75 and "mucositis" in d["modification"]["reason"]
    # cumulative exposure counts what is given: 75% of 40 mg/m²
    assert sched.cumulative.drug("mitoxantrone").this_cycle.magnitude == pytest.approx(30)


# ------------------------------------------------------------------------------ properties

doses_mg = st.decimals(min_value="0.05", max_value="20000", places=3).map(float)
steps = st.sampled_from(["0.1 mg", "0.5 mg", "1 mg", "5 mg", "10 mg", "25 mg", "50 mcg"])
deviations = st.sampled_from([0, 2.5, 5, 6, 10, 20, 50])


@settings(max_examples=300, deadline=None)
@given(dose=doses_mg, step=steps, limit=deviations)
def test_increment_within_deviation_or_flagged(dose: float, step: str, limit: float) -> None:
    pol = DosingPolicy(
        drugs={"cytarabine": DrugPolicy(rounding=Increment(step), max_deviation_percent=limit)}
    )
    q = ureg.Quantity(dose, "mg")
    r = pol.round_dose("cytarabine", q)
    assert r.unrounded == q
    if r.flagged:
        assert r.dose == q  # never silently given: the unrounded dose stays
        assert abs(r.deviation) * 100 > limit or r.proposed.magnitude == 0
    else:
        assert abs(r.dose.m_as("mg") / dose - 1) * 100 <= limit + 1e-9
    assert math.isfinite(r.dose.magnitude) and r.dose.magnitude > 0


@settings(max_examples=300, deadline=None)
@given(dose=doses_mg, step=steps)
def test_increment_is_half_up_and_idempotent(dose: float, step: str) -> None:
    pol = DosingPolicy(
        drugs={"cytarabine": DrugPolicy(rounding=Increment(step), max_deviation_percent=50)}
    )
    r = pol.round_dose("cytarabine", ureg.Quantity(dose, "mg"))
    inc = ureg.Quantity(step).to("mg").magnitude
    dec_step = Decimal(format(inc, ".12g"))
    # Half-up to a multiple of the step, by decimal arithmetic written out here (not the
    # library's own half_up, which round_dose uses).
    steps_of = (Decimal(repr(dose)) / dec_step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    expected = steps_of * dec_step
    assert r.proposed.m_as("mg") == pytest.approx(float(expected), abs=1e-9)
    multiple = Decimal(format(r.proposed.m_as("mg"), ".12g")) / dec_step
    assert multiple == multiple.to_integral_value()
    if not r.flagged:
        again = pol.round_dose("cytarabine", r.dose)
        assert again.dose == r.dose and again.deviation == 0


def test_increment_ties_go_up() -> None:
    pol = DosingPolicy(drugs={"cytarabine": DrugPolicy(rounding=Increment("10 mg"))})
    assert pol.round_dose("cytarabine", ureg.Quantity(1755, "mg")).dose == ureg.Quantity(1760, "mg")
    assert pol.round_dose("cytarabine", ureg.Quantity(1754.99, "mg")).dose == ureg.Quantity(
        1750, "mg"
    )
    pol = DosingPolicy(drugs={"cladribine": DrugPolicy(rounding=Increment("0.1 mg"))})
    # 8.75 and 2.65 are ties on paper; half-up on the decimal value gives 8.8 and 2.7.
    assert pol.round_dose("cladribine", ureg.Quantity(8.75, "mg")).dose == ureg.Quantity(8.8, "mg")
    assert pol.round_dose("cladribine", ureg.Quantity(2.65, "mg")).dose == ureg.Quantity(2.7, "mg")


pack_sets = st.sampled_from(
    [("300 mcg", "480 mcg"), ("75 mcg", "150 mcg", "300 mcg"), ("100 mcg",), ("120 mcg", "200 mcg")]
)


@settings(max_examples=300, deadline=None)
@given(
    dose=st.integers(min_value=50, max_value=2000),
    sizes=pack_sets,
    max_packs=st.sampled_from([None, 1, 2, 3]),
)
def test_nearest_pack_picks_the_nearest_total(
    dose: int, sizes: tuple[str, ...], max_packs: int | None
) -> None:
    pol = DosingPolicy(
        drugs={
            "filgrastim": DrugPolicy(
                rounding=NearestPack(list(sizes), max_packs), max_deviation_percent=50
            )
        }
    )
    r = pol.round_dose("filgrastim", ureg.Quantity(dose, "mcg"))
    amounts = sorted(int(ureg.Quantity(s).m_as("mcg")) for s in sizes)
    # every total of at most `limit` packs (brute force)
    limit = max_packs or (dose // amounts[0] + 2)
    totals = {0}
    for _ in range(limit):
        totals |= {t + a for t in totals for a in amounts}
    totals.discard(0)
    best = min(abs(t - dose) for t in totals)
    proposed = r.proposed.m_as("mcg")
    assert abs(proposed - dose) == pytest.approx(best)
    assert max(t for t in totals if abs(t - dose) == best) == pytest.approx(
        proposed
    )  # ties: larger
    if not r.flagged:
        assert sum(s.m_as("mcg") * n for s, n in r.packs) == pytest.approx(proposed)
        assert sum(n for _, n in r.packs) <= limit


@settings(max_examples=150, deadline=None)
@given(
    percent=st.floats(min_value=1, max_value=100).map(lambda x: float(f"{x:.1f}")),
    patient=patients(),
    regimen=st.sampled_from(["CLAG", "MEC", "CMGV", "CAV"]),
)
def test_modification_gives_p_percent_before_rounding(
    percent: float, patient: rc.Patient, regimen: str
) -> None:
    reg = rc.load_regimen(regimen)
    drug = next(c.drug for c in reg.components if c.drug != "venetoclax")
    mod = DoseModification(percent=percent, reason="toxicity")
    sched = reg.schedule(patient, policy=DosingPolicy(drugs={drug: DrugPolicy(modification=mod)}))
    for _, a in sched.administrations(drug):
        assert a.rounding.unrounded.magnitude == pytest.approx(
            a.calculated_dose.magnitude * percent / 100, rel=1e-12
        )
        assert a.modification == mod


ROUNDINGS = st.one_of(
    st.none(),
    st.builds(Increment, steps),
    st.builds(NearestPack, st.sampled_from([["300 mcg", "480 mcg"], ["10 mg"], ["100 mcg"]])),
)


@st.composite
def policies(draw: st.DrawFn) -> DosingPolicy:
    drugs = {}
    for drug in draw(
        st.sets(
            st.sampled_from(
                [
                    "cladribine",
                    "cytarabine",
                    "filgrastim",
                    "mitoxantrone",
                    "etoposide",
                    "mitoxantrone liposome",
                ]
            )
        )
    ):
        mod = draw(
            st.none()
            | st.builds(
                DoseModification,
                percent=st.sampled_from([50, 75, 80, 100]),
                reason=st.just("dose level -1"),
            )
        )
        drugs[drug] = DrugPolicy(
            rounding=draw(ROUNDINGS),
            max_deviation_percent=draw(st.none() | deviations),
            modification=mod,
            weight_basis=draw(st.sampled_from(["actual", "ideal", "adjusted"])),
        )
    if draw(st.booleans()):
        drugs["venetoclax"] = DrugPolicy(rounding=ExactComposition())
    return DosingPolicy(
        bsa_formula=draw(st.sampled_from(list(rc.BSA_FORMULAS))),
        bsa_decimals=draw(st.integers(1, 4)),
        bsa_cap=draw(st.sampled_from([None, "2 m^2", "2.2 m^2"])),
        drugs=drugs,
        doxorubicin_equivalence=draw(st.sampled_from(["cog", "feijen"])),
    )


@settings(max_examples=150, deadline=None)
@given(
    policy=policies(),
    patient=patients(sexes=("female", "male")),
    regimen=st.sampled_from(["CLAG", "CLAG+VEN", "CAV", "MEC", "CMGV", "Lipo-MIT+CLAG"]),
)
def test_no_dose_is_negative_nan_or_infinite_under_any_policy(
    policy: DosingPolicy, patient: rc.Patient, regimen: str
) -> None:
    assume(patient.height.m_as("cm") >= 152.4)  # Devine is not defined below 60 in
    # No dose level is drawn for venetoclax, and its protocol doses (100, 200, 400 mg) are whole
    # 100 mg tablets: every example schedules, so a refusal is a failure, not a pass.
    sched = rc.load_regimen(regimen).schedule(patient, policy=policy)
    for _, a in sched.administrations():
        for q in (a.calculated_dose, a.dose, a.daily_dose, a.rounding.unrounded):
            assert math.isfinite(q.magnitude) and q.magnitude > 0
        if a.rounding.flagged:
            assert a.dose == a.rounding.unrounded
        elif a.rounding.max_deviation_percent is not None:
            assert (
                abs(a.dose / a.rounding.unrounded - 1) * 100
                <= a.rounding.max_deviation_percent + 1e-9
            )


# ------------------------------------------------------------------------------ policy files


def test_policy_file_lists_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "site.yaml"
    bad.write_text(
        "bsa_formula: mosteler\n"
        "bsa_decimals: 2.5\n"
        "colour: blue\n"
        "max_deviation_percent: 60\n"
        "drugs:\n"
        "  filgrastim: {rounding: {packs: [300 mcg, 480]}, max_deviation_percent: '10'}\n"
        "  cytarabin: {rounding: {increment: 10 mg}}\n"
        "  cladribine: {modification: {percent: 0, reason: ''}}\n"
        "  etoposide: {weight_basis: lean, rounding: {increment: 10 mg, packs: [50 mg]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(rc.LoadError) as err:
        load_policy(bad)
    paths = {p.path for p in err.value.problems}
    assert {
        "bsa_formula",
        "bsa_decimals",
        "colour",
        "max_deviation_percent",
        "drugs.filgrastim.rounding.packs",
        "drugs.filgrastim.max_deviation_percent",
        "drugs.cytarabin",
        "drugs.cladribine.modification.percent",
        "drugs.cladribine.modification.reason",
        "drugs.etoposide.weight_basis",
        "drugs.etoposide.rounding",
    } <= paths
    assert all(p.file == "site.yaml" for p in err.value.problems)
    assert "site.yaml: drugs.cytarabin:" in str(err.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bsa_decimals: 2\nbsa_decimals: 3\n", "line 2: duplicate key 'bsa_decimals'"),
        (
            "drugs:\n  filgrastim: {max_deviation_percent: 5, <<: {max_deviation_percent: 50}}\n",
            "line 2: merge keys (<<) are not allowed; write each key out",
        ),
        ("bsa_decimals: !!int 010\n", "line 1: explicit tags such as !!int are not allowed"),
        ("max_deviation_percent: !!float 1:30\n", "line 1: explicit tags such as !!float"),
        ("name: ! site\n", "line 1: explicit tags such as ! are not allowed"),
        ("name: a\x00b\n", "line 1: control character U+0000 is not allowed"),
        ('name: "a\\x1bb"\n', "name: control character U+001B is not allowed"),
    ],
)
def test_policy_file_has_the_guards_of_every_yaml_file(
    tmp_path: Path, text: str, message: str
) -> None:
    bad = tmp_path / "site.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(rc.LoadError) as err:
        load_policy(bad)
    assert str(err.value).startswith(f"site.yaml: {message}")


def test_policy_file_must_be_a_regular_file() -> None:
    """Run in a child process with a time limit: reading /dev/zero would never end."""
    import subprocess
    import sys

    code = (
        "from regimen_calc.io.policy_files import load_policy\n"
        "try:\n"
        "    load_policy('/dev/zero')\n"
        "except ValueError as exc:\n"
        "    print(type(exc).__name__, '|', exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == (
        "LoadError | /dev/zero: expected a regular file, found a character device "
        "(such as /dev/zero)"
    )


def test_a_weight_basis_for_a_drug_not_dosed_by_weight_is_said_to_be_not_applied() -> None:
    """The policy's weight basis is read by per-weight doses only; elsewhere it is warned.

    CLAG: cytarabine 1 g/m² (per m²) and filgrastim 5 mcg/kg (per weight); CLAG+VEN's venetoclax
    is a flat dose.
    """
    man = rc.Patient(height="170 cm", weight="120 kg", sex="male")
    policy = DosingPolicy(
        drugs={
            "cytarabine": DrugPolicy(weight_basis="ideal"),
            "venetoclax": DrugPolicy(weight_basis="adjusted"),
            "filgrastim": DrugPolicy(weight_basis="adjusted"),
        }
    )
    clag = rc.load_regimen("CLAG")
    plain, with_policy = clag.schedule(man), clag.schedule(man, policy=policy)
    notes = [w for w in with_policy.warnings if w.field == "weight_basis"]
    assert [(w.kind, w.component, w.message) for w in notes] == [
        (
            "policy",
            "cytarabine",
            "cytarabine: the policy's ideal body weight is not applied: cytarabine is dosed per "
            "m² in this regimen, from a body-surface area on the actual weight.",
        )
    ]
    # The cytarabine doses are the plain ones: 1 g/m² × the actual-weight BSA.
    doses = lambda s, drug: [a.dose for _d, a in s.administrations() if a.drug == drug]  # noqa: E731
    assert doses(with_policy, "cytarabine") == doses(plain, "cytarabine")
    # Filgrastim is per weight: the adjusted weight is applied, with no "not applied" note.
    assert doses(with_policy, "filgrastim") != doses(plain, "filgrastim")
    flat = rc.load_regimen("CLAG+VEN").schedule(man, policy=policy)
    assert [
        w.message
        for w in flat.warnings
        if w.component == "venetoclax" and w.field == "weight_basis"
    ] == [
        "venetoclax: the policy's adjusted body weight is not applied: venetoclax is a flat dose "
        "in this regimen."
    ]


def test_the_actual_weight_basis_needs_no_note() -> None:
    policy = DosingPolicy(drugs={"cytarabine": DrugPolicy(weight_basis="actual")})
    sched = rc.load_regimen("CLAG").schedule(A, policy=policy)
    assert not [w for w in sched.warnings if w.field == "weight_basis"]


@pytest.mark.parametrize(
    ("make", "written", "hint"),
    [
        (lambda v: Increment(v), "10 µg", True),
        (lambda v: Increment(v), "10 ug", True),
        (lambda v: Increment(v), "1 milligram", False),
        (lambda v: NearestPack([v, "480 mcg"]), "300 ug", True),
        (lambda v: NearestPack([v, "480 mcg"]), "300 microgram", True),
    ],
)
def test_a_policy_mass_is_written_mcg_mg_or_g(make, written: str, hint: bool) -> None:
    """As in regimen files: the symbols the printed schedule uses, never µg (misread as mg)."""
    with pytest.raises(rc.InputError) as err:
        make(written)
    assert "expected a mass written in mcg, mg or g" in str(err.value)
    assert ("(write mcg for micrograms)" in str(err.value)) is hint
    assert str(err.value).endswith(f"found {written!r}")


def test_a_policy_file_mass_in_ug_is_refused_naming_its_key(tmp_path: Path) -> None:
    bad = tmp_path / "site.yaml"
    bad.write_text('drugs:\n  filgrastim:\n    rounding: {packs: ["300 ug", "480 mcg"]}\n')
    with pytest.raises(rc.LoadError) as err:
        load_policy(bad)
    assert str(err.value).startswith(
        "site.yaml: drugs.filgrastim.rounding.packs: expected a mass written in mcg, mg or g"
    )
    # The same sizes written as the schedule prints them load.
    good = tmp_path / "good.yaml"
    good.write_text("drugs:\n  filgrastim:\n    rounding: {packs: [300 mcg, 480 mcg]}\n")
    assert load_policy(good).for_drug("filgrastim").rounding == NearestPack(["300 mcg", "480 mcg"])


def test_a_deviation_limit_with_exact_composition_is_refused() -> None:
    """Exact composition never rounds a dose: a deviation limit beside it would never be read."""
    with pytest.raises(rc.InputError) as err:
        DrugPolicy(rounding=ExactComposition(), max_deviation_percent=5)
    assert err.value.field == "max_deviation_percent"
    assert "no value with exact_composition" in str(err.value)
    # Each alone is a rule.
    assert DrugPolicy(rounding=ExactComposition()).max_deviation_percent is None
    with_limit = DrugPolicy(rounding=Increment("1 mg"), max_deviation_percent=5)
    assert with_limit.max_deviation_percent == 5


def test_a_policy_file_names_the_deviation_limit_beside_exact_composition(tmp_path: Path) -> None:
    bad = tmp_path / "site.yaml"
    bad.write_text(
        "drugs:\n  venetoclax:\n    rounding: {exact_composition: true}\n"
        "    max_deviation_percent: 5\n",
        encoding="utf-8",
    )
    with pytest.raises(rc.LoadError) as err:
        load_policy(bad)
    assert str(err.value) == (
        "site.yaml: drugs.venetoclax.max_deviation_percent: expected no value with "
        "exact_composition (tablets make each dose exactly; it is never rounded, so no deviation "
        "limit applies), found 5"
    )


# ------------------------------------------------------------------------------ round_dose edges

_VENETOCLAX = tuple(ureg.Quantity(s, "mg") for s in (10, 50, 100))  # openFDA SPL strengths
_EXACT = DosingPolicy(drugs={"venetoclax": DrugPolicy(rounding=ExactComposition())})


@pytest.mark.parametrize(
    "dose",
    [
        ureg.Quantity(5, "mg/m**2"),  # a dose per m², not a dose
        ureg.Quantity(5, "mcg/kg"),  # a dose per kg
        ureg.Quantity(0, "mg"),
        ureg.Quantity(-1, "mg"),
        ureg.Quantity(float("nan"), "mg"),
        ureg.Quantity(float("inf"), "mg"),
        5,  # a bare number
    ],
    ids=["per m2", "per kg", "zero", "negative", "nan", "inf", "number"],
)
def test_round_dose_refuses_anything_but_a_finite_mass_above_0(dose: object) -> None:
    for policy in (DosingPolicy(), EXAMPLE, _EXACT):
        with pytest.raises(rc.InputError) as err:
            policy.round_dose("venetoclax", dose)  # type: ignore[arg-type]
        assert err.value.field == "dose"
        assert "a finite mass above 0" in str(err.value)


def test_a_dose_that_rounds_to_zero_is_flagged_and_kept_unrounded() -> None:
    # 0.4 mg at 0 decimals: half-up gives 0 mg, never a dose to give.
    r = DosingPolicy(dose_decimals=0).round_dose("cladribine", ureg.Quantity(0.4, "mg"))
    assert r.flagged is True
    assert r.dose == ureg.Quantity(0.4, "mg") and r.unrounded == ureg.Quantity(0.4, "mg")
    assert r.proposed == ureg.Quantity(0, "mg")
    assert r.deviation == -1.0
    assert r.reason == "rounds to zero at the policy's decimals"
    assert r.rule == "half-up to 1 mg"
    # 0.004 mg at the default 2 decimals: 0.00 mg, the same flag.
    r = DosingPolicy().round_dose("cladribine", ureg.Quantity(0.004, "mg"))
    assert (r.flagged, r.reason, r.dose) == (
        True,
        "rounds to zero at the policy's decimals",
        ureg.Quantity(0.004, "mg"),
    )


def test_a_dose_that_rounds_up_from_below_half_a_step_is_judged_by_the_deviation() -> None:
    # 0.005 mg at 2 decimals rounds half-up to 0.01 mg: not zero, but +100% (beyond 10%).
    r = DosingPolicy().round_dose("cladribine", ureg.Quantity(0.005, "mg"))
    assert r.flagged is True
    assert r.dose == ureg.Quantity(0.005, "mg")
    assert r.reason == "rounding would change the dose by 100.0%, beyond the 10% allowed"


def test_exact_composition_makes_a_dose_the_tablets_can_make() -> None:
    # 70 mg = 1 × 50 mg + 2 × 10 mg (3 tablets; 7 × 10 mg would be 7).
    r = _EXACT.round_dose("venetoclax", ureg.Quantity(70, "mg"), strengths=_VENETOCLAX)
    assert r.flagged is False
    assert r.dose == ureg.Quantity(70, "mg")
    assert [(s.m_as("mg"), n) for s, n in r.packs] == [(50, 1), (10, 2)]
    assert r.rule == "exact composition from the catalog's strengths (no rounding)"


def test_exact_composition_flags_a_dose_the_tablets_cannot_make() -> None:
    # Every sum of 10, 50 and 100 mg tablets is a multiple of 10 mg: 50 + 10 + 10 = 70 mg,
    # one more 10 mg is 80 mg; 75 mg cannot be made, and is never rounded to 70 or 80.
    r = _EXACT.round_dose("venetoclax", ureg.Quantity(75, "mg"), strengths=_VENETOCLAX)
    assert r.flagged is True
    assert r.dose == ureg.Quantity(75, "mg")
    assert r.packs == ()
    assert r.reason == "cannot be made exactly from the tablet strengths"
    assert r.rule == "exact composition from the catalog's strengths (no rounding)"


def test_exact_composition_without_strengths_is_flagged() -> None:
    r = _EXACT.round_dose("venetoclax", ureg.Quantity(70, "mg"))
    assert r.flagged is True
    assert r.dose == ureg.Quantity(70, "mg")
    assert r.reason == "no tablet strengths in the catalog"


def test_exact_composition_of_a_dose_that_rounds_to_zero_keeps_that_reason() -> None:
    r = _EXACT.round_dose("venetoclax", ureg.Quantity(0.004, "mg"), strengths=_VENETOCLAX)
    assert r.flagged is True
    assert r.dose == ureg.Quantity(0.004, "mg")
    assert r.reason == "rounds to zero at the policy's decimals"
    assert r.rule == "exact composition from the catalog's strengths (no rounding)"


# --------------------------------------------------------------------------------------------
# half_up_array == half_up, element by element
# --------------------------------------------------------------------------------------------


def _reference(value: float, decimals: int) -> float:
    return float(half_up(value, Decimal(1).scaleb(-decimals)))


@given(
    values=st.lists(st.floats(min_value=-1e7, max_value=1e7, allow_nan=False), min_size=1),
    decimals=st.integers(0, 6),
)
def test_half_up_array_equals_policy_half_up(values: list[float], decimals: int) -> None:
    got = half_up_array(np.array(values, dtype=np.float64), decimals)
    assert got.tolist() == [_reference(v, decimals) for v in values]


@given(
    k=st.integers(-(10**8), 10**8),
    decimals=st.integers(0, 6),
    nudge=st.sampled_from((0, 1, -1)),
)
def test_half_up_array_on_ties(k: int, decimals: int, nudge: int) -> None:
    """Exact decimal ties (k + 0.5) / 10^d, and the floats either side of them."""
    tie = float(Decimal(2 * k + 1) / 2 / Decimal(10) ** decimals)
    value = tie if nudge == 0 else math.nextafter(tie, math.inf * nudge)
    assert half_up_array(np.array([value]), decimals).tolist() == [_reference(value, decimals)]


def test_half_up_array_known_cases() -> None:
    assert half_up_array(np.array([2.675, 1.005, 0.125, 2.5, -2.5]), 2).tolist() == [
        2.68,
        1.01,
        0.13,
        2.5,
        -2.5,
    ]
    assert half_up_array(np.array([0.5, 1.5, 2.5, -0.5]), 0).tolist() == [1.0, 2.0, 3.0, -1.0]
    assert np.round(2.5) == 2.0  # numpy rounds half to even; half_up_array must not


@pytest.mark.parametrize(
    ("values", "decimals"),
    [([math.nan], 2), ([math.inf], 2), ([1.0], -1), ([1.0], 7), ([1.0], True), ([1.0], 2.0)],
)
def test_half_up_array_refuses(values: list[float], decimals: object) -> None:
    with pytest.raises(InputError):
        half_up_array(np.array(values), decimals)  # type: ignore[arg-type]


@given(
    values=st.lists(
        st.one_of(
            st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
            st.sampled_from((2.675, 1.005, 0.125, 2.665, 1e9 + 0.5, 2.0**29 + 0.5, -(2.0**40))),
        ),
        min_size=1,
    ),
    decimals=st.integers(0, 6),
)
def test_half_up_array_equals_half_up_with_large_values(values: list[float], decimals: int) -> None:
    """Values beyond 2^29 (rounded through Decimal) mixed with ordinary values and ties."""
    got = half_up_array(np.array(values, dtype=np.float64), decimals)
    assert got.tolist() == [_reference(v, decimals) for v in values]


@given(
    values=st.lists(
        st.one_of(
            st.floats(min_value=0.1, max_value=4.0),
            st.sampled_from((1.9749999999999999, 1.975, 1.8181, 2.005, 1.9949999999999999)),
        ),
        min_size=1,
    ),
    decimals=st.integers(0, 4),
)
def test_half_up_array_for_bsa_equals_round_bsa(values: list[float], decimals: int) -> None:
    got = half_up_array(np.array(values, dtype=np.float64), decimals, bsa=True)
    assert got.tolist() == [float(round_bsa(v, decimals)) for v in values]


def test_half_up_array_keeps_shape_and_leaves_its_input_alone() -> None:
    values = np.array([[2.675, 0.5], [1.005, 7.0]])
    before = values.copy()
    assert half_up_array(values, 2).tolist() == [[2.68, 0.5], [1.01, 7.0]]
    assert np.array_equal(values, before)
    assert half_up_array(np.array([]), 2).tolist() == []


@pytest.mark.parametrize("values", [[2.675], (2.675,), 2.675, "2.675"])
def test_half_up_array_refuses_what_is_not_an_array(values: object) -> None:
    with pytest.raises(InputError) as info:
        half_up_array(values, 2)
    assert info.value.field == "values"


# --------------------------------------------------------------------------------------------
# half_up_array and half_up refuse what they cannot round (float64 only; too large)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "found"),
    [
        (np.array([1, 2]), "a int64 array"),
        (np.array([2.675], dtype=np.float32), "a float32 array"),
        (np.array([True, False]), "a bool array"),
        (np.array(["2.675"]), "a <U5 array"),
        (np.array([1 + 1j]), "a complex128 array"),
        (np.array([2.675, "x"], dtype=object), "a object array"),
        (np.array(["2020-01-01"], dtype="M8[D]"), "a datetime64[D] array"),
        (np.array([1], dtype="m8[s]"), "a timedelta64[s] array"),
        (np.zeros(2, dtype=[("a", "f8")]), "a [('a', '<f8')] array"),
    ],
)
def test_half_up_array_takes_float64_arrays_only(values: np.ndarray, found: str) -> None:
    with pytest.raises(InputError) as info:
        half_up_array(values, 2)
    assert info.value.field == "values"
    assert info.value.expected == "a float64 array"
    assert info.value.found == found


@pytest.mark.parametrize(
    ("values", "decimals", "bsa", "limit"),
    [
        ([1e300], 2, False, "1E+26"),
        ([1.0, -1.7e308], 2, False, "1E+26"),
        ([1e26], 2, False, "1E+26"),
        ([1e22], 6, False, "1E+22"),
        ([1e28], 0, False, "1E+28"),
        ([1e18], 2, True, "1E+18"),
    ],
)
def test_half_up_array_refuses_values_too_large_to_round(
    values: list[float], decimals: int, bsa: bool, limit: str
) -> None:
    with pytest.raises(InputError) as info:
        half_up_array(np.array(values), decimals, bsa=bsa)
    assert info.value.field == "values"
    assert info.value.expected.startswith(f"a value below {limit} in size")
    assert "28 digits" in info.value.expected


@pytest.mark.parametrize(
    ("value", "step", "limit"),
    [
        (1e300, Decimal("0.01"), "1E+26"),
        (1e26, Decimal("0.01"), "1E+26"),
        (-1e26, Decimal("0.01"), "1E+26"),
        (math.inf, Decimal("0.01"), "1E+26"),
        (1e28, Decimal("5"), "1E+28"),
        (Decimal("99999999999999999999999999.999"), Decimal("0.01"), "1E+26"),
    ],
)
def test_half_up_refuses_values_too_large_to_round(
    value: float | Decimal, step: Decimal, limit: str
) -> None:
    with pytest.raises(InputError) as info:
        half_up(value, step)
    assert info.value.field == "value"
    assert info.value.expected.startswith(f"a value below {limit} in size")


def test_half_up_just_below_its_limit_is_exact() -> None:
    below = math.nextafter(1e26, 0.0)
    assert half_up(below, Decimal("0.01")) == Decimal(repr(below))
    assert half_up_array(np.array([below]), 2).tolist() == [below]


def _outcome(call: object) -> object:
    try:
        return call()  # type: ignore[operator]
    except InputError as error:
        return ("refused", error.expected)


@given(
    value=st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from((1e17, 1e18, 1e21, 1e22, 1e26, 1e28, math.nextafter(1e26, 0.0))),
        st.integers(15, 300).map(lambda e: float(10**e)),
    ),
    decimals=st.integers(0, 6),
)
def test_half_up_array_and_half_up_agree_on_large_values(value: float, decimals: int) -> None:
    """Both refuse the same values, with the same words; otherwise they give the same float."""
    step = Decimal(1).scaleb(-decimals)
    scalar = _outcome(lambda: float(half_up(value, step)))
    array = _outcome(lambda: half_up_array(np.array([value]), decimals).tolist()[0])
    assert array == scalar
    bsa_scalar = _outcome(lambda: float(round_bsa(value, decimals)))
    bsa_array = _outcome(lambda: half_up_array(np.array([value]), decimals, bsa=True).tolist()[0])
    assert bsa_array == bsa_scalar
