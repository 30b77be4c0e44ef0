"""Cohort forecasts: the vectorised path gives the per-patient path's numbers, to the last bit.

The per-patient reference here is written independently of ``forecast``: each patient's
``regimen.schedule(...)`` for cycles 1..N, the doses summed in schedule order, tablets read off the
schedule, syringes counted by brute force.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import regimen_calc as rc
from cohort_support import BAD_CSV, GOOD_CSV, brute_force_syringes
from regimen_calc.cohort.forecast import (
    Cohort,
    PatientDataError,
    forecast,
)
from regimen_calc.content.bsa import BSA_FORMULAS
from regimen_calc.content.catalog import drug_info
from regimen_calc.engine.policy import DosingPolicy
from regimen_calc.errors import InputError
from regimen_calc.model.regimen import Flat
from regimen_calc.units import ureg
from render_support import EXAMPLE_POLICY, site_regimen
from strategies import HEIGHT_CM, WEIGHT_KG

# Regimens that schedule without site values; cycles allowed by each.
REGIMENS = ("CLAG+VEN", "CLAG", "CAV", "CMGV", "MEC", "Lipo-MIT+CLAG")
CONCOMITANT_CHOICES = (
    (),
    ("posaconazole",),
    ("fluconazole",),
    ("voriconazole", "amiodarone"),
    ("micafungin",),
    ("posaconazole", "fluconazole"),
    ("cyclosporine",),
)

# --------------------------------------------------------------------------------------------
# The vectorised path equals the per-patient path
# --------------------------------------------------------------------------------------------


def _heights() -> st.SearchStrategy[object]:
    cm = st.floats(*HEIGHT_CM)
    return st.one_of(
        cm.map(lambda v: ureg.Quantity(v, "cm")),
        cm.map(lambda v: ureg.Quantity(round(v / 2.54, 3), "inch")),
        st.integers(int(HEIGHT_CM[0]), int(HEIGHT_CM[1])).map(lambda v: f"{v} cm"),
    )


def _weights() -> st.SearchStrategy[object]:
    kg = st.floats(*WEIGHT_KG)
    return st.one_of(
        kg.map(lambda v: ureg.Quantity(v, "kg")),
        kg.map(lambda v: ureg.Quantity(round(v / 0.45359237, 2), "lb")),
        st.decimals(Decimal(WEIGHT_KG[0]), Decimal(WEIGHT_KG[1]), places=1).map(
            lambda v: f"{v} kg"
        ),
    )


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[list[rc.Patient], list[tuple[str, ...]]]:
    """Whole cohorts: patients in mixed units, each with a concomitant-drug set."""
    members = draw(
        st.lists(
            st.tuples(
                st.builds(
                    rc.Patient,
                    height=_heights(),
                    weight=_weights(),
                    sex=st.sampled_from(("female", "male")),
                ),
                st.sampled_from(CONCOMITANT_CHOICES),
            ),
            min_size=1,
            max_size=6,
        )
    )
    return [p for p, _ in members], [c for _, c in members]


policies = st.builds(
    DosingPolicy,
    bsa_formula=st.sampled_from(tuple(BSA_FORMULAS)),
    bsa_decimals=st.integers(1, 4),
    dose_decimals=st.integers(0, 3),
    bsa_cap=st.sampled_from((None, ureg.Quantity(2.0, "m**2"), ureg.Quantity(1.9, "m**2"))),
)


def _reference_totals(regimen, patients, concomitants, policy, cycles, rule_set):
    """Per patient: {drug: (total in the forecast's unit, {strength text: count})}."""
    out = []
    for patient, conc in zip(patients, concomitants, strict=True):
        totals: dict[str, float] = {}
        tablets: dict[str, dict[str, int]] = {}
        syringes: dict[str, dict[str, int]] = {}
        units: dict[str, object] = {}
        for c in range(1, cycles + 1):
            s = regimen.schedule(
                patient, cycle=c, concomitant=list(conc), policy=policy, rule_set=rule_set
            )
            for day in s.days:
                for a in day.administrations:
                    unit = units.setdefault(a.drug, a.dose.units)
                    dose = a.dose.m_as(unit)
                    totals[a.drug] = totals.get(a.drug, 0.0) + dose * a.per_day
                    pres = drug_info(a.drug).presentations
                    if pres is not None and pres.kind == "tablet":
                        bag = tablets.setdefault(a.drug, {})
                        for strength, n in a.tablets:
                            key = rc.format_quantity(strength)
                            bag[key] = bag.get(key, 0) + n * a.per_day
                    elif pres is not None:
                        sizes = [q.m_as(a.dose.units) for q in pres.strengths]
                        counts = brute_force_syringes(a.dose.magnitude, sizes)
                        bag = syringes.setdefault(a.drug, {})
                        for q, n in zip(pres.strengths, counts, strict=True):
                            key = rc.format_quantity(q)
                            bag[key] = bag.get(key, 0) + n * a.per_day
        out.append((totals, {**tablets, **syringes}))
    return out


def _check_against_reference(result, regimen, patients, concomitants, policy, cycles, rule_set):
    ref = _reference_totals(regimen, patients, concomitants, policy, cycles, rule_set)
    for i, (totals, packs) in enumerate(ref):
        assert {d.drug for d in result.drugs} == set(totals)
        for d in result.drugs:
            # The forecast multiplies each distinct dose by the times it is given; the reference
            # adds dose by dose: equal to the last bits or so (the path-to-path test is exact).
            assert math.isclose(float(d.per_patient[i]), totals[d.drug], rel_tol=1e-12), (
                i,
                d.drug,
            )
            got = {s: int(a[i]) for s, a in d.packs_per_patient.items() if a[i]}
            assert got == {s: n for s, n in packs.get(d.drug, {}).items() if n}, (i, d.drug)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cohort=cohorts(),
    regimen_id=st.sampled_from(REGIMENS),
    policy=policies,
    cycles=st.integers(1, 2),
    rule_set=st.sampled_from(("label", "protocol")),
)
@example(
    cohort=(
        [rc.Patient(height="170 cm", weight="70 kg"), rc.Patient(height="67 in", weight="154 lb")],
        [("posaconazole",), ()],
    ),
    regimen_id="CLAG+VEN",
    policy=DosingPolicy(),
    cycles=2,
    rule_set="label",
)
def test_vectorised_equals_per_patient_schedules(
    cohort, regimen_id, policy, cycles, rule_set
) -> None:
    patients, concomitants = cohort
    regimen = rc.load_regimen(regimen_id)
    limit = regimen.cycle.max_cycles
    assume(limit is None or cycles <= limit)
    has_protocol_rule = any(c.interaction_rule is not None for c in regimen.components)
    assume(rule_set == "label" or has_protocol_rule)
    result = forecast(
        regimen,
        patients,
        cycles=cycles,
        concomitant_by_patient=concomitants,
        policy=policy,
        rule_set=rule_set,
    )
    assert result.method == "vectorised", result.fallback_reason
    _check_against_reference(result, regimen, patients, concomitants, policy, cycles, rule_set)


def test_forced_per_patient_path_gives_the_same_numbers() -> None:
    regimen = rc.load_regimen("CLAG+VEN")
    patients = [
        rc.Patient(height=f"{150 + 3 * i} cm", weight=f"{50 + 4.3 * i:.1f} kg") for i in range(8)
    ]
    conc = [CONCOMITANT_CHOICES[i % len(CONCOMITANT_CHOICES)] for i in range(8)]
    fast = forecast(regimen, patients, concomitant_by_patient=conc, cycles=2)
    slow = forecast(regimen, patients, concomitant_by_patient=conc, cycles=2, vectorised=False)
    assert (fast.method, slow.method) == ("vectorised", "per-patient")
    for a, b in zip(fast.drugs, slow.drugs, strict=True):
        assert a.drug == b.drug
        assert a.per_patient.tolist() == b.per_patient.tolist()
        assert {s: v.tolist() for s, v in a.packs_per_patient.items()} == {
            s: v.tolist() for s, v in b.packs_per_patient.items()
        }


@attrs.frozen(kw_only=True)
class _SitePolicy(DosingPolicy):
    """A policy subclass: it may override anything, so the vectorised path must not be trusted."""


def test_unknown_policy_falls_back_and_says_so() -> None:
    regimen = rc.load_regimen("CLAG")
    patients = [rc.Patient(height="170 cm", weight="70 kg")]
    result = forecast(regimen, patients, policy=_SitePolicy())
    assert result.method == "per-patient"
    assert "_SitePolicy" in (result.fallback_reason or "")
    _check_against_reference(result, regimen, patients, [()], _SitePolicy(), 1, "label")


def test_per_drug_policy_rules_fall_back() -> None:
    from regimen_calc.engine import policy as policy_module

    drug_policy = policy_module.DrugPolicy
    policy = DosingPolicy(
        drugs={
            "cytarabine": drug_policy(
                modification=policy_module.DoseModification(percent=75, reason="dose level -1")
            )
        }
    )
    regimen = rc.load_regimen("CLAG")
    patients = [rc.Patient(height="170 cm", weight="70 kg")]
    result = forecast(regimen, patients, policy=policy)
    assert result.method == "per-patient"
    assert "cytarabine" in (result.fallback_reason or "")
    # Rules for a flat-dosed drug are applied by the engine itself: no fallback.
    flat_only = DosingPolicy(
        drugs={
            "venetoclax": drug_policy(
                modification=policy_module.DoseModification(percent=50, reason="dose level -2")
            )
        }
    )
    assert forecast(rc.load_regimen("CLAG+VEN"), patients, policy=flat_only).method == "vectorised"


def test_cohort_from_arrays_matches_patients() -> None:
    regimen = rc.load_regimen("CLAG+VEN")
    rng = np.random.default_rng(7)
    h = rng.uniform(150, 200, 50).round(1)
    w = rng.uniform(45, 130, 50).round(1)
    conc = [CONCOMITANT_CHOICES[i % 3] for i in range(50)]
    cohort = Cohort.from_arrays(height_cm=h, weight_kg=w, concomitant=conc)
    assert len(cohort.concomitant_sets) == 3
    result = forecast(regimen, cohort)
    patients = [
        rc.Patient(height=ureg.Quantity(float(a), "cm"), weight=ureg.Quantity(float(b), "kg"))
        for a, b in zip(h, w, strict=True)
    ]
    _check_against_reference(result, regimen, patients, conc, DosingPolicy(), 1, "label")


# --------------------------------------------------------------------------------------------
# Inputs: every bad value reported
# --------------------------------------------------------------------------------------------


def test_cohort_from_arrays_lists_every_bad_value() -> None:
    with pytest.raises(PatientDataError) as info:
        Cohort.from_arrays(
            height_cm=[170, 17, 170, math.nan],
            weight_kg=[70, 70, 7000, 70],
            sex=["female", "m", None, "MALE"],
            concomitant=[(), ("posaconazol",), (), ()],
        )
    paths = [p.path for p in info.value.problems]
    assert paths == ["height_cm[1]", "height_cm[3]", "weight_kg[2]", "sex[1]", "concomitant[1]"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cycles": 0}, "cycles"),
        ({"cycles": True}, "cycles"),
        ({"policy": "default"}, "policy"),
        ({"concomitant_by_patient": [["posaconazole"]] * 2}, "concomitant_by_patient"),
    ],
)
def test_forecast_refuses_bad_arguments(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        forecast(rc.load_regimen("CLAG"), [rc.Patient(height="170 cm", weight="70 kg")], **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_forecast_refuses_unknown_concomitant() -> None:
    with pytest.raises(PatientDataError, match=r"concomitant_by_patient\[0\]"):
        forecast(
            rc.load_regimen("CLAG"),
            [rc.Patient(height="170 cm", weight="70 kg")],
            concomitant_by_patient=[["posaconazol"]],
        )


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _small_forecast():
    patients = [
        rc.Patient(height="170 cm", weight="70 kg", identifier="A"),
        rc.Patient(height="160 cm", weight="52 kg", identifier="B"),
    ]
    return forecast(
        rc.load_regimen("CLAG+VEN"),
        patients,
        cycles=2,
        concomitant_by_patient={"A": ["posaconazole"]},
    )


def test_forecast_numbers_by_hand() -> None:
    f = _small_forecast()
    assert [d.drug for d in f.drugs] == ["cladribine", "cytarabine", "filgrastim", "venetoclax"]
    # A: BSA 1.82 m², 70 kg. B: BSA 1.52 m², 52 kg. Two cycles.
    # Totals are float sums of ten 9.1 mg doses, so compare them approximately here; the
    # property test above compares them exactly with the same sums made from schedules.
    assert f.drug("cladribine").per_patient.tolist() == pytest.approx([91.0, 76.0])
    assert f.drug("cytarabine").per_patient.tolist() == pytest.approx([18200.0, 15200.0])
    fil = f.drug("filgrastim")
    assert fil.per_patient.tolist() == pytest.approx([4200.0, 3120.0])
    assert fil.packs == {"300 mcg": 12, "480 mcg": 12}  # 350 mcg: one 480; 260 mcg: one 300
    ven = f.drug("venetoclax")
    # A with posaconazole: 10, 20, 50, then 70 mg; B: 400 mg on days 2-8.
    assert ven.per_patient.tolist() == pytest.approx([2 * (10 + 20 + 50 + 4 * 70), 2 * 7 * 400])
    assert ven.packs == {"10 mg": 2 * (1 + 2 + 4 * 2), "50 mg": 2 * (1 + 4), "100 mg": 2 * 7 * 4}
    assert f.concomitant == (("posaconazole",), ())


def test_outputs() -> None:
    f = _small_forecast()
    rows = f.to_csv().splitlines()
    assert rows[0].split(",")[:5] == [
        "row",
        "patient_id",
        "concomitant",
        "cycles",
        "cladribine total (mg)",
    ]
    assert rows[1].startswith("patient,A,posaconazole,2,91,")
    assert next(r for r in rows if r.startswith("total,")).startswith("total,,,2,167,")
    data = json.loads(json.dumps(f.to_dict()))
    assert data["method"] == "vectorised" and data["patients_count"] == 2
    assert data["patients"][1]["drugs"]["venetoclax"]["packs"][2] == {
        "strength": "100 mg",
        "count": 56,
    }
    assert "patients" not in f.to_dict(patients=False)
    text = f.to_text()
    assert "vial sizes are not in the drug catalog" in text
    assert "12 × 300 mcg + 12 × 480 mcg prefilled syringes" in text


def test_cli(tmp_path) -> None:
    from click.testing import CliRunner

    from regimen_calc.cli.forecast import forecast as command

    path = tmp_path / "patients.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(command, ["CLAG+VEN", str(path), "--cycles", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["patients_count"] == 3
    out = tmp_path / "f.csv"
    result = runner.invoke(command, ["CLAG+VEN", str(path), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("row,patient_id")
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    result = runner.invoke(command, ["CLAG+VEN", str(bad)])
    assert result.exit_code == 1
    assert "8 problems" in result.output and "row 7.concomitant" in result.output


def test_forecast_module_does_not_import_click() -> None:
    code = (
        "import sys, regimen_calc; before = 'click' in sys.modules; "
        "import regimen_calc.cohort.forecast; print(before, 'click' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after = out.stdout.split()
    assert after == before


@pytest.mark.parametrize(
    "identifier",
    ['=HYPERLINK("http://example.invalid/x","open")', "+1", "-1", "@SUM(A1)"],
)
def test_forecast_csv_guards_text_cells_against_formulas(identifier: str) -> None:
    patients = [rc.Patient(height="170 cm", weight="70 kg", identifier=identifier)]
    f = forecast(rc.load_regimen("CLAG"), patients, cycles=1)
    rows = list(csv.DictReader(io.StringIO(f.to_csv(), newline="")))
    assert rows[0]["patient_id"] == "'" + identifier
    # Numbers stay numbers: 5 mg/m² × 1.82 m² × 5 days = 45.5 mg of cladribine.
    assert rows[0]["cycles"] == "1" and float(rows[0]["cladribine total (mg)"]) == 45.5


# --------------------------------------------------------------------------------------------
# Nothing silently lost: every note and every source file reaches every format
# --------------------------------------------------------------------------------------------

_SITE_CLAG = (
    "id: CLAG\nreplaces: CLAG\nextends: CLAG\nversion: '1'\nname: Site CLAG\n"
    "references:\n  - {id: SITE, kind: site, title: Our CLAG protocol}\n"
    "components:\n  - id: cytarabine\n    dose: {value: 2 g/m^2, status: site, source: SITE}\n"
)
_EXAMPLE_POLICY = Path(rc.__file__).parent / "data" / "policies" / "example-institution.yaml"


def _site_clag(tmp_path: Path) -> tuple[rc.Regimen, Path]:
    site = tmp_path / "site"
    site.mkdir()
    path = site / "CLAG.yaml"
    path.write_text(_SITE_CLAG, encoding="utf-8")
    return rc.load_regimen("CLAG", search_path=[site]), path


def _csv_rows(f) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(f.to_csv(), newline="")))


def test_every_format_carries_every_kind_of_forecast_note(tmp_path: Path) -> None:
    p70 = rc.Patient(height="170 cm", weight="70 kg", identifier="P70")
    site_clag, _path = _site_clag(tmp_path)
    # Each forecast with the notes it must give, one kind of note or warning each, by hand.
    cases = [
        (
            # The site's CLAG over 2 cycles: cycle 2 of a regimen that states no number of cycles.
            forecast(site_clag, [p70], cycles=2),
            "vectorised",
            [
                # how packs are counted, per kind of pack
                "cladribine: total dose only: vial sizes are not in the drug catalog, so no vial "
                "count is given",
                "filgrastim: prefilled syringes, single-use: per administration the fewest whose "
                "total is at least the dose",
                "not stated: The cycle length is not stated by NCT06763666.",
                "site: cytarabine dose: supplied by the site (SITE), not by a published source.",
                "assumed: filgrastim drug: assumed from Neupogen-label",
                "cycle: Cycle 2: the number of cycles is not stated; check the protocol.",
                "hold rule not applied: filgrastim: Suspend filgrastim while the white-cell count "
                "is ≥ 20 × 10⁹/L. A forecast has no laboratory values, so the totals count every "
                "dose.",
            ],
        ),
        (
            # The protocol rule under posaconazole gives 100 mg; the label 10, 20, 50, then 70 mg.
            forecast(
                rc.load_regimen("CLAG+VEN"),
                [p70],
                concomitant_by_patient=[["posaconazole"]],
                rule_set="protocol",
            ),
            "vectorised",
            [
                "venetoclax: tablets: each administration made up exactly with the fewest tablets",
                "interaction: venetoclax: the protocol rule's doses are ABOVE the label's with "
                "posaconazole (label: 10 mg on day(s) 2; 20 mg on day(s) 3; 50 mg on day(s) 4; "
                "70 mg on day(s) 5–8)",
            ],
        ),
        (
            # 5 mcg/kg × 70 kg = 350 mcg; whole packs give 300 mcg, -14.3 %, past the 10 % allowed.
            forecast(rc.load_regimen("CLAG"), [p70], policy=rc.load_policy(_EXAMPLE_POLICY)),
            "per-patient: the policy's own rules for filgrastim (weight basis, rounding or dose "
            "level)",
            [
                "rounding: PHARMACIST REVIEW: filgrastim on day(s) 0–5: rounding would change the "
                "dose by -14.3%, beyond the 10% allowed; the unrounded dose 350 mcg is kept "
                "(rounding proposed 300 mcg).",
                "rounding: where a drug's rounding would pass its maximum deviation, that "
                "patient's schedule flags the dose for pharmacist review; such doses are counted "
                "unrounded here",
            ],
        ),
    ]
    for f, method, expected in cases:
        text = f.to_text()
        data = json.loads(json.dumps(f.to_dict(patients=False)))
        rows = _csv_rows(f)
        csv_notes = [r["note"] for r in rows if r["row"] == "note"]
        (csv_method,) = [r["note"] for r in rows if r["row"] == "method"]
        # The method and why: in the text's heading, JSON's method + reason, CSV's method row.
        json_method = data["method"] + (
            "" if data["fallback_reason"] is None else f": {data['fallback_reason']}"
        )
        for carried in (text.splitlines()[0].split(" (", 1)[1], json_method, csv_method):
            assert carried.startswith(method), carried
        for note in expected:
            assert any(line.startswith(f"- {note}") for line in text.splitlines()), note
            assert any(n.startswith(note) for n in data["notes"]), note
            assert any(n.startswith(note) for n in csv_notes), note
        # Every note the forecast has, in all three, in the same order.
        assert data["notes"] == csv_notes == list(f.notes)
        assert text.split("\nNotes\n")[1].splitlines() == [f"- {n}" for n in f.notes]
        # Note rows leave the number columns empty: the patient and total rows stay numbers.
        for r in rows:
            numbers = [v for k, v in r.items() if k.endswith(("(mg)", "(mcg)", "(count)"))]
            if r["row"] in ("patient", "total"):
                assert r["note"] == "" and all(float(v) >= 0 for v in numbers)
            else:
                assert r["patient_id"] == r["cycles"] == "" and set(numbers) == {""}
        assert [r["row"] for r in rows][:2] == ["patient", "total"]


def test_forecast_csv_guards_note_cells_against_formulas() -> None:
    f = attrs.evolve(_small_forecast(), notes=("=1+1", "@SUM(A1)"))
    notes = [r["note"] for r in _csv_rows(f) if r["row"] == "note"]
    assert notes == ["'=1+1", "'@SUM(A1)"]


def test_every_forecast_format_names_its_files_and_their_hashes(tmp_path: Path) -> None:
    regimen, path = _site_clag(tmp_path)
    ours = hashlib.sha256(path.read_bytes()).hexdigest()
    bundled = Path(rc.__file__).parent / "regimens" / "CLAG.yaml"
    base = hashlib.sha256(bundled.read_bytes()).hexdigest()
    f = forecast(regimen, [rc.Patient(height="170 cm", weight="70 kg")])
    # JSON: every file with its role, path, whole hash and whether it is bundled.
    data = json.loads(json.dumps(f.to_dict()))
    assert data["files"] == [
        {"role": "regimen", "path": str(path), "sha256": ours, "bundled": False},
        {"role": "base", "path": "regimens/CLAG.yaml", "sha256": base, "bundled": True},
    ]
    assert data["schema_version"] == "1.1"
    # CSV: the schedule CSV's source_files text, the whole hash, on its own row.
    (files,) = [r["note"] for r in _csv_rows(f) if r["row"] == "source_files"]
    assert files == (
        f"regimen: {path} sha256:{ours} | base: regimens/CLAG.yaml (bundled) sha256:{base}"
    )
    # Text: as a printed schedule, the first 12 hex digits under the heading.
    lines = f.to_text().splitlines()
    assert lines[0].startswith("Forecast: CLAG, 1 patient × 1 cycle")
    assert lines[1].split() == ["Regimen", "file", str(path) + ",", "SHA-256", ours[:12]]
    assert lines[2].split() == [
        "Base",
        "regimen",
        "file",
        "regimens/CLAG.yaml",
        "(bundled),",
        "SHA-256",
        base[:12],
    ]
    assert ours not in "\n".join(lines)
    # A regimen built in code says so in every format.
    bare = forecast(attrs.evolve(regimen, files=()), [rc.Patient(height="170 cm", weight="70 kg")])
    assert bare.to_dict()["files"] == []
    no_file = "not recorded (a regimen built in code, not read from a file)"
    assert [r["note"] for r in _csv_rows(bare) if r["row"] == "source_files"] == [no_file]
    assert f"Source files  {no_file}" in bare.to_text()


# -------------------------------------------------------------------------------------------
# What the forecast says about the doses it sums: ceilings, flags, assumed values, hold rules
# -------------------------------------------------------------------------------------------

_ADULT = rc.Patient(height="170 cm", weight="65 kg")
_P70 = rc.Patient(height="170 cm", weight="70 kg")

_HIDAC = """\
    id: SITE-HIDAC
    name: Site high-dose cytarabine
    version: "1.0.0"
    references:
      - {id: SITE, kind: site, title: "site protocol"}
    cycle:
      length_days: 28
      max_cycles: 2
    components:
      - id: cytarabine
        drug: cytarabine
        source: SITE
        dose: 3000 mg/m^2
        frequency: q12h
        route: IV
        days: 1-3
    """


def test_forecast_applies_dose_ceilings_like_schedule(tmp_path: Path) -> None:
    """A dose above the drug's per-dose ceiling is refused by the forecast as by the schedule."""
    reg = site_regimen(tmp_path, "hidac", _HIDAC)
    big = rc.Patient(height="190 cm", weight="110 kg")  # BSA 2.41: 7,230 mg a dose > 7,000 mg
    with pytest.raises(rc.DoseLimitError):
        reg.schedule(big)
    with pytest.raises(rc.DoseLimitError):
        rc.forecast(reg, [_ADULT, big])  # per-patient path (vectorised=False) does raise


def test_forecast_flags_assumed_and_not_stated_values() -> None:
    """The forecast's text marks values that are assumed and values the source does not state.

    CAV (NCT05657639, clinical-reference §1.4, gap G2) states no cycle length and no cladribine
    days; the library takes days 1-5 from ChiCTR2400091392. 170 cm, 65 kg: Mosteller 1.75 m²;
    cladribine 5 mg/m² × 1.75 = 8.75 mg × 5 days × 3 cycles = 131.25 mg; cytarabine 20 mg flat
    × 2 a day × 10 days × 3 = 1,200 mg; venetoclax (100 + 200 + 19 × 400) × 3 = 23,700 mg =
    (1 + 2 + 19 × 4) × 3 = 237 tablets of 100 mg.
    """
    fc = rc.forecast(rc.load_regimen("CAV"), [_ADULT], cycles=3)
    text = fc.to_text()
    lines = text.splitlines()
    assert "cladribine  131.25 mg  not counted" in lines
    assert "cytarabine  1,200 mg   not counted" in lines
    assert "venetoclax  23,700 mg  237 × 100 mg tablets" in lines
    assert "- not stated: The cycle length is not stated by NCT05657639." in lines
    assert (
        "- assumed: cladribine days: assumed from ChiCTR2400091392, not stated by the regimen's"
        " own source (NCT05657639). NCT05657639 does not state the cladribine days; days 1-5 as in"
        " ChiCTR2400091392 and Kadia 2018."
    ) in lines


def test_forecast_notes_flagged_and_above_label_doses() -> None:
    """A total that includes a dose flagged for review, or one above the label, says so in the
    forecast's notes."""
    policy = rc.load_policy(EXAMPLE_POLICY)
    f = rc.forecast(rc.load_regimen("CLAG"), [_P70], policy=policy)
    s = rc.load_regimen("CLAG").schedule(_P70, policy=policy)
    assert any(a.rounding.flagged for _d, a in s.administrations())
    assert f.drug("filgrastim").total == pytest.approx(2100)  # 6 × 350 mcg, the flagged dose
    # Filgrastim days 0-5; the nearest syringe, 300 mcg, is (300 − 350) / 350 = −14.3%.
    assert (
        "rounding: PHARMACIST REVIEW: filgrastim on day(s) 0–5: rounding would change the dose by"
        " -14.3%, beyond the 10% allowed; the unrounded dose 350 mcg is kept (rounding proposed"
        " 300 mcg). Rule: nearest total of whole packs (300 mcg, 480 mcg, at most 1 per dose),"
        " max deviation 10%."
    ) in f.notes, f.notes

    reg = rc.load_regimen("CLAG+VEN")
    f2 = rc.forecast(reg, [_P70], concomitant_by_patient=[["posaconazole"]], rule_set="protocol")
    s2 = reg.schedule(_P70, concomitant=["posaconazole"], rule_set="protocol")
    assert any("ABOVE the label" in w.message for w in s2.warnings)
    # The label's posaconazole ramp (clinical-reference §2.1) on venetoclax days 2-8: 10, 20, 50,
    # then 70 mg.
    assert (
        "interaction: venetoclax: the protocol rule's doses are ABOVE the label's with posaconazole"
        " (label: 10 mg on day(s) 2; 20 mg on day(s) 3; 50 mg on day(s) 4; 70 mg on day(s) 5–8)."
        " Confirm with the prescriber; the label rule set gives the label doses."
    ) in f2.notes, f2.notes


def test_forecast_says_hold_rules_not_applied() -> None:
    """CLAG: "suspend filgrastim while WBC >= 20" (NCT06763666). The forecast sums all 6 doses
    and says the hold rule is not applied."""
    f = rc.forecast(rc.load_regimen("CLAG"), [_P70])
    assert f.drug("filgrastim").total == pytest.approx(6 * 350)
    assert (
        "hold rule not applied: filgrastim: Suspend filgrastim while the white-cell count is"
        " ≥ 20 × 10⁹/L. A forecast has no laboratory values, so the totals count every dose."
    ) in f.notes, f.notes


def test_a_forecast_applies_the_flat_per_m2_cycle_total() -> None:
    """Flat cladribine 10 mg daily days 1-7 is 70 mg a cycle: 35 mg/m² at 2 m² (Mosteller
    √(180 × 80 / 3600) = 2), at the limit; 70 / 1.48 = 47.3 mg/m² at √(160 × 49 / 3600) =
    1.4757 → 1.48 m², refused. Near the limit the forecast takes the exact per-patient path."""
    clag = rc.load_regimen("CLAG")
    flat = attrs.evolve(
        clag.components[0], dose=Flat(rc.ureg.Quantity(10, "mg")), days=tuple(range(1, 8))
    )
    reg = attrs.evolve(clag, components=(flat, *clag.components[1:]))
    at_limit = [
        rc.Patient(height="180 cm", weight="80 kg"),
        rc.Patient(height="200 cm", weight="90 kg"),
    ]
    done = forecast(reg, at_limit)
    assert done.method == "per-patient"
    assert "per-m² cycle total" in done.fallback_reason
    with pytest.raises(rc.DoseLimitError) as err:
        forecast(reg, [*at_limit, rc.Patient(height="160 cm", weight="49 kg")])
    assert err.value.kind == "cycle"
    # CAV's flat cytarabine 20 mg q12h days 1-10 (400 mg) is far from 48 g/m²: still vectorised.
    assert forecast(rc.load_regimen("CAV"), at_limit).method == "vectorised"
