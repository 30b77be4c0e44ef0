"""Red-team findings: each test states the behaviour the product promise requires.

Each was found failing by an independent review and fixed; the tests keep it fixed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import regimen_calc as rc

ADULT = rc.Patient(height="170 cm", weight="65 kg")


def _site_regimen(tmp_path: Path, name: str, body: str) -> rc.Regimen:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return rc.load_regimen(path)


_VEN_BID = """\
    id: SITE-VEN-BID
    name: Site venetoclax 200 mg twice daily
    version: "1.0.0"
    references:
      - {id: SITE, kind: site, title: "site protocol"}
    cycle:
      length_days: 28
      max_cycles: 2
    components:
      - id: venetoclax
        drug: venetoclax
        source: SITE
        dose: 200 mg
        frequency: q12h
        route: PO
        days: 1-14
    """

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


# 1 (high) ---------------------------------------------------------------------------------------
def test_redteam_strong_inhibitor_cap_is_per_day_not_per_administration(tmp_path: Path) -> None:
    """The label's doses and its CYP3A tables are once-daily doses (posaconazole: 70 mg a day).
    A regimen giving venetoclax q12h would make the caps per administration (70 mg twice a day =
    140 mg/day), so such a regimen is refused when it loads, naming the frequency."""
    with pytest.raises(rc.LoadError) as err:
        _site_regimen(tmp_path, "ven_bid", _VEN_BID)
    assert any(p.path == "components[0].frequency" for p in err.value.problems)
    assert "'daily' or 'once' for venetoclax" in str(err.value)


# 2 (high) ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("height", "weight"),
    [
        ("1 70 cm", "65 kg"),  # typo for 170 cm -> 70 cm, BSA 1.12 instead of 1.75
        ("170 cm", "1 54 lb"),  # typo for 154 lb -> 54 lb (24.5 kg)
        ("170 cm", "70 kg / 2"),  # arithmetic -> 35 kg
        ("170 cm / 2", "65 kg"),  # arithmetic -> 85 cm
    ],
)
def test_redteam_patient_text_is_not_an_expression(height: str, weight: str) -> None:
    with pytest.raises(rc.InputError):
        rc.Patient(height=height, weight=weight)


# 3 (medium-high) --------------------------------------------------------------------------------
def test_redteam_forecast_applies_dose_ceilings_like_schedule(tmp_path: Path) -> None:
    reg = _site_regimen(tmp_path, "hidac", _HIDAC)
    big = rc.Patient(height="190 cm", weight="110 kg")  # BSA 2.41: 7,230 mg a dose > 7,000 mg
    with pytest.raises(rc.DoseLimitError):
        reg.schedule(big)
    with pytest.raises(rc.DoseLimitError):
        rc.forecast(reg, [ADULT, big])  # per-patient path (vectorised=False) does raise


# 4 (medium) -------------------------------------------------------------------------------------
def test_redteam_caller_rule_cannot_be_laxer_than_table() -> None:
    reg = rc.load_regimen("CAV")
    lax = rc.Concomitant("posaconazole", cyp3a4="strong", rule="default")
    try:
        s = reg.schedule(ADULT, concomitant=[lax])
    except rc.RegimenCalcError:
        return  # refusing the laxer rule is fine
    assert max(a.dose.m_as("mg") for _, a in s.administrations("venetoclax")) <= 70


# 5 (medium) -------------------------------------------------------------------------------------
def test_redteam_plain_rounding_respects_max_deviation() -> None:
    child = rc.Patient(height="75 cm", weight="12 kg")  # Mosteller 0.50 m²
    s = rc.load_regimen("CLAG").schedule(child, policy=rc.DosingPolicy(dose_decimals=0))
    a = s.day(1).administrations[0]
    assert a.drug == "cladribine" and a.calculated_dose.m_as("mg") == pytest.approx(2.5)
    deviation = abs(a.dose.m_as("mg") - 2.5) / 2.5 * 100
    assert a.rounding.flagged or deviation <= s.policy.max_deviation_percent


# 6 (medium) -------------------------------------------------------------------------------------
def test_redteam_forecast_flags_assumed_and_not_stated_values() -> None:
    fc = rc.forecast(rc.load_regimen("CAV"), [ADULT], cycles=3)
    text = fc.to_text()
    assert "assumed" in text.lower()
    assert "not stated" in text.lower()


# 7 (low-medium) ---------------------------------------------------------------------------------
def test_redteam_near_miss_concomitant_name_is_not_silently_unknown() -> None:
    reg = rc.load_regimen("CAV")
    with pytest.raises(rc.RegimenCalcError):
        reg.schedule(ADULT, concomitant=[rc.Concomitant("posaconazol", cyp3a4="moderate")])


# 8 (low) ----------------------------------------------------------------------------------------
def test_redteam_fractional_pack_size_refused_naming_rounding_sizes() -> None:
    with pytest.raises(rc.InputError) as exc:
        policy = rc.DosingPolicy(
            drugs={"filgrastim": rc.DrugPolicy(rounding=rc.NearestPack(["300.4 mcg"]))}
        )
        rc.load_regimen("CLAG").schedule(ADULT, policy=policy)
    assert "rounding.sizes" in str(exc.value)
