"""Terminology (regimen_calc.content.terminology): route and unit codes, drug codes, their checks.

The golden codes below are written from the public sources, not from the data file: a changed
code in ``data/terminology.yaml`` or ``data/drugs.yaml`` must fail here.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import regimen_calc as rc
from regimen_calc.content.catalog import drug_info, known_drugs
from regimen_calc.content.checking import ProblemCollector
from regimen_calc.content.tables import read_data
from regimen_calc.content.terminology import (
    Coding,
    _parse_terminology,
    code_system,
    parse_drug_codes,
    route_code,
    routes,
    ucum,
    unit_code,
    unit_texts,
)
from regimen_calc.errors import InputError, LoadError
from regimen_calc.io.converter import ROUTES

ATC = "http://www.whocc.no/atc"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"

#: WHO ATC/DDD Index (atcddd.fhi.no), 2026-04-25 edition.
ATC_CODES = {
    "cladribine": "L01BB04",  # WHO ATC index: L01BB04 cladribine (parenteral; L04AA40 is oral MS)
    "cytarabine": "L01BC01",  # WHO ATC index: L01BC01 cytarabine
    "filgrastim": "L03AA02",  # WHO ATC index: L03AA02 filgrastim
    "venetoclax": "L01XX52",  # WHO ATC index: L01XX52 venetoclax
    "mitoxantrone": "L01DB07",  # WHO ATC index: L01DB07 mitoxantrone
    "etoposide": "L01CB01",  # WHO ATC index: L01CB01 etoposide
    "azacitidine": "L01BC07",  # WHO ATC index: L01BC07 azacitidine
    "aclarubicin": "L01DB04",  # WHO ATC index: L01DB04 aclarubicin
}
#: Drugs without a confirmed ATC code: the WHO ATC index has no entry for liposomal mitoxantrone.
ATC_NOT_CONFIRMED = {"mitoxantrone liposome"}

#: SNOMED CT International edition 2025-02-01, route of administration concepts (tx.fhir.org).
ROUTE_CODES = {
    "IV": ("47625008", "Intravenous use"),
    "subcut": ("34206005", "Subcutaneous use"),
    "PO": ("26643006", "Oral use"),
    "IM": ("78421000", "Intramuscular use"),
}

#: FHIR R4 ValueSet ucum-common (Common UCUM units): the units the library prints.
UCUM_CODES = {
    "mg": "mg",
    "mcg": "ug",  # UCUM's microgram; "mcg" is not a UCUM code
    "g": "g",
    "mg/m²": "mg/m2",
    "g/m²": "g/m2",
    "mcg/kg": "ug/kg",
    "mg/kg": "mg/kg",
    "m²": "m2",
    "kg": "kg",
    "cm": "cm",
    "10^9/L": "10*9/L",
    "mL/min": "mL/min",
    "h": "h",
    "min": "min",
}

#: Printed units with no confirmed UCUM code (written with "ucum": null): none. g/m² (cytarabine
#: "1 g/m²") is g/m2 in FHIR R4's Common UCUM units ("grams Per Square Meter").
UNITS_WITHOUT_UCUM: set[str] = set()


def test_the_code_systems_are_the_fhir_r4_uris() -> None:
    assert code_system("atc") == ATC
    assert code_system("snomed") == SNOMED
    assert code_system("ucum") == UCUM
    assert code_system("rxnorm") == "http://www.nlm.nih.gov/research/umls/rxnorm"
    with pytest.raises(InputError, match="system"):
        code_system("loinc")


@pytest.mark.parametrize("route", sorted(ROUTE_CODES))
def test_every_route_has_its_snomed_code_and_source(route: str) -> None:
    coding = route_code(route)
    assert (coding.system, coding.code, coding.display) == (SNOMED, *ROUTE_CODES[route])
    assert coding.confirmed
    assert "SNOMED CT International edition 2025-02-01" in (coding.source or "")


def test_the_table_has_exactly_the_regimen_routes() -> None:
    assert set(routes()) == set(ROUTES) == set(ROUTE_CODES)


def test_an_unknown_route_is_an_input_error() -> None:
    for bad in ("intravenous", "sc", None, ["IV"]):
        with pytest.raises(InputError, match="route"):
            route_code(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", sorted(UCUM_CODES))
def test_every_printed_unit_has_its_ucum_code_and_source(text: str) -> None:
    assert ucum(text) == UCUM_CODES[text]
    entry = unit_code(text)
    assert entry is not None
    assert entry.text == text
    assert entry.source == "FHIR R4 ValueSet ucum-common (Common UCUM units)"
    assert entry.display


def test_the_table_has_exactly_the_printed_units() -> None:
    assert set(unit_texts()) == set(UCUM_CODES)


def test_a_unit_without_a_ucum_code_gives_none_never_a_made_up_code() -> None:
    for text in (*UNITS_WITHOUT_UCUM, "mcg/m²", "IU", "", None, 5):
        assert ucum(text) is None  # type: ignore[arg-type]
        assert unit_code(text) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(ATC_CODES))
def test_every_drug_has_its_atc_code_and_source(name: str) -> None:
    codes = drug_info(name).codes
    assert codes is not None
    assert (codes.atc.system, codes.atc.code, codes.atc.display) == (ATC, ATC_CODES[name], name)
    assert codes.atc.source == "WHO ATC/DDD Index (atcddd.fhi.no), 2026-04-25 edition"


def test_every_bundled_drug_has_an_atc_code_or_an_explicit_not_confirmed() -> None:
    assert set(known_drugs()) == set(ATC_CODES) | ATC_NOT_CONFIRMED
    for name in known_drugs():
        codes = drug_info(name).codes
        assert codes is not None, name
        assert codes.atc.confirmed == (name not in ATC_NOT_CONFIRMED), name


def test_cladribine_is_the_oncology_code_not_the_oral_multiple_sclerosis_one() -> None:
    # WHO ATC index: L01BB04 cladribine (parenteral, cancer); L04AA40 cladribine (oral, MS).
    atc = drug_info("cladribine").codes.atc  # type: ignore[union-attr]
    assert atc.code == "L01BB04"
    assert "L04AA40" in (atc.note or "")


def test_liposomal_mitoxantrone_does_not_reuse_the_mitoxantrone_code() -> None:
    atc = drug_info("mitoxantrone liposome").codes.atc  # type: ignore[union-attr]
    assert atc.code is None and not atc.confirmed
    assert atc.note is not None and atc.note.startswith("no confirmed ATC code")
    assert "not interchangeable" in atc.note


@pytest.mark.parametrize("name", sorted(ATC_CODES.keys() | ATC_NOT_CONFIRMED))
def test_no_drug_has_a_guessed_rxnorm_code(name: str) -> None:
    rxnorm = drug_info(name).codes.rxnorm  # type: ignore[union-attr]
    assert rxnorm == Coding(
        system="http://www.nlm.nih.gov/research/umls/rxnorm",
        code=None,
        note="no confirmed RxNorm code",
    )


def test_the_bundled_table_parses_to_the_same_content() -> None:
    table = _parse_terminology(copy.deepcopy(read_data("terminology.yaml")))
    assert table.routes["IV"] == route_code("IV")


def _broken(change: Any) -> str:
    raw = copy.deepcopy(read_data("terminology.yaml"))
    change(raw)
    with pytest.raises(LoadError) as info:
        _parse_terminology(raw)
    return str(info.value)


def test_a_broken_terminology_table_is_a_load_error_naming_each_path() -> None:
    def change(raw: dict) -> None:
        raw["routes"]["IV"]["code"] = "4762500B"  # not a SNOMED CT identifier
        del raw["routes"]["PO"]["source"]
        raw["routes"]["IM"]["colour"] = "red"
        raw["units"]["mcg"]["ucum"] = "µg"  # not UCUM's case-sensitive syntax
        raw["units"]["h"] = "hour"
        raw["systems"]["ucum"] = "unitsofmeasure.org"

    text = _broken(change)
    for where in (
        "terminology.yaml: routes.IV.code: expected a SNOMED CT identifier (6 to 18 digits), "
        "found '4762500B'",
        "terminology.yaml: routes.PO.source: missing",
        "terminology.yaml: routes.IM.colour: unknown key",
        "terminology.yaml: units.mcg.ucum: expected a UCUM code such as mg/m2, found 'µg'",
        "terminology.yaml: units.h: expected a mapping, found str",
        "terminology.yaml: systems.ucum: expected a code system URI",
    ):
        assert where in text, where


def test_a_terminology_table_without_its_parts_is_a_load_error() -> None:
    text = _broken(lambda raw: raw.pop("units"))
    assert "terminology.yaml: units: missing" in text
    with pytest.raises(LoadError, match="expected a mapping"):
        _parse_terminology(["routes"])
    assert "routes: expected a mapping of route" in _broken(lambda raw: raw.update(routes=[]))


def test_a_broken_drug_codes_block_is_a_problem_naming_its_path() -> None:
    ck = ProblemCollector("drugs.yaml")
    good = {"code": "L01BB04", "display": "cladribine", "source": "WHO ATC/DDD Index"}
    assert parse_drug_codes(
        ck, {"atc": good, "rxnorm": {"status": "not_confirmed", "note": "n"}}, "d"
    )
    assert ck.problems == []
    parse_drug_codes(
        ck,
        {"atc": {**good, "code": "l01bb04"}, "rxnorm": {"status": "guessed", "note": ""}},
        "drugs[0].codes",
    )
    parse_drug_codes(ck, {"atc": good}, "drugs[1].codes")
    parse_drug_codes(ck, None, "drugs[2].codes")
    text = str(LoadError(ck.problems))
    for where in (
        "drugs.yaml: drugs[0].codes.atc.code: expected an ATC code such as L01BC01, "
        "found 'l01bb04'",
        "drugs.yaml: drugs[0].codes.rxnorm.status: expected one of not_confirmed, found 'guessed'",
        "drugs.yaml: drugs[0].codes.rxnorm.note: expected text",
        "drugs.yaml: drugs[1].codes.rxnorm: missing",
        "drugs.yaml: drugs[2].codes: expected a mapping, found NoneType",
    ):
        assert where in text, where


def _units(data: Any) -> list[tuple[str, str | None]]:
    """Every (unit, ucum) pair of a schedule's JSON, wherever it is."""
    if isinstance(data, dict):
        found = [(data["unit"], data.get("ucum", "MISSING"))] if "unit" in data else []
        return found + [u for v in data.values() for u in _units(v)]
    if isinstance(data, list):
        return [u for v in data for u in _units(v)]
    return []


def _bundled_schedules() -> list[rc.Schedule]:
    """Every bundled regimen's schedule (VA-CAG with its example site overlay: it has no doses
    without one), for a patient with a lab hold of filgrastim (a condition's unit)."""
    overlays = resources.files("regimen_calc") / "regimens" / "overlays"
    out = []
    for regimen_id in rc.available_regimens():
        site = [Path(str(overlays / f"{regimen_id}.example-site.yaml"))]
        reg = rc.load_regimen(regimen_id, overlays=site if site[0].is_file() else [])
        out.append(reg.schedule(rc.Patient(height="170 cm", weight="65 kg"), labs={1: {"wbc": 22}}))
    return out


def test_every_unit_in_every_bundled_schedule_has_its_ucum_code() -> None:
    seen: set[str] = set()
    for sched in _bundled_schedules():
        pairs = _units(json.loads(json.dumps(sched.to_dict())))
        assert pairs, sched.regimen.id
        for unit, code in pairs:
            seen.add(unit)
            if unit in UNITS_WITHOUT_UCUM:
                assert code is None, (sched.regimen.id, unit)
            else:
                assert code == UCUM_CODES[unit], (sched.regimen.id, unit)
    # Every unit listed without a code is one the schedules print (no stale entry).
    assert seen >= UNITS_WITHOUT_UCUM
    assert seen >= {"mg", "mcg", "mg/m²", "mcg/kg", "m²", "kg", "cm", "10^9/L", "h"}
