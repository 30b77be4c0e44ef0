"""JSON: Schedule.to_dict() as JSON, checked against the shipped JSON Schema (version 1.1)."""

from __future__ import annotations

import datetime
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import regimen_calc as rc
from regimen_calc._version import distribution_version
from regimen_calc.engine.schedule import SCHEMA_VERSION
from regimen_calc.render import render
from render_support import worked_example


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    text = (resources.files("regimen_calc") / "schema" / "schedule.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_worked_example_matches_schema(validator) -> None:
    data = json.loads(render(worked_example(name="A", identifier="B"), "json"))
    validator.validate(data)
    assert data["schema_version"] == "1.1"
    assert data["bsa"]["text"] == "1.82 m²"
    day5 = next(d for d in data["days"] if d["day"] == 5)
    vene = next(a for a in day5["administrations"] if a["drug"] == "venetoclax")
    assert vene["dose"]["text"] == "70 mg"
    assert vene["interaction"]["unadjusted"]["text"] == "400 mg"
    assert [(t["strength"]["text"], t["count"]) for t in vene["tablets"]] == [
        ("50 mg", 1),
        ("10 mg", 2),
    ]


@pytest.mark.parametrize("regimen_id", ["CAV", "CLAG", "CMGV", "Lipo-MIT+CLAG", "MEC"])
def test_bundled_regimens_match_schema(validator, regimen_id: str) -> None:
    sched = rc.load_regimen(regimen_id).schedule(
        rc.Patient(height="160 cm", weight="55 kg"), concomitant=["posaconazole"]
    )
    validator.validate(json.loads(render(sched, "json")))


def test_schema_rejects_a_changed_shape(validator) -> None:
    data = json.loads(render(worked_example(), "json"))
    data["days"][0]["administrations"][0]["dose"]["text"] = "350 µg"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)
    data = json.loads(render(worked_example(), "json"))
    data["unexpected"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)
    assert datetime.date.fromisoformat(json.loads(render(worked_example(), "json"))["start"])


def test_a_held_dose_has_no_tablets_in_json() -> None:
    from render_support import held_start

    doc = json.loads(render(held_start(), "json"))
    ven = {
        d["day"]: a for d in doc["days"] for a in d["administrations"] if a["drug"] == "venetoclax"
    }
    assert [(ven[day]["held"], ven[day]["tablets"]) for day in (2, 3)] == [(True, []), (True, [])]
    assert [(t["strength"]["text"], t["count"]) for t in ven[4]["tablets"]] == [("10 mg", 1)]
    kinds = [(w["kind"], w["field"]) for w in doc["warnings"] if w["kind"] == "start_gate"]
    assert kinds == [("start_gate", "moved")]


def test_json_quantities_carry_their_ucum_code(validator) -> None:
    data = json.loads(render(worked_example(), "json"))
    # FHIR R4 ValueSet ucum-common: m² is m2, mcg is ug (UCUM's microgram), mg/m² is mg/m2.
    assert data["bsa"]["ucum"] == "m2"
    assert data["bsa_unrounded"]["ucum"] == "m2"
    assert data["patient"]["height"]["ucum"] == "cm"
    assert data["patient"]["weight"]["ucum"] == "kg"
    admins = [a for d in data["days"] for a in d["administrations"]]
    fil = next(a for a in admins if a["drug"] == "filgrastim")
    assert (fil["dose"]["unit"], fil["dose"]["ucum"]) == ("mcg", "ug")
    assert (fil["dose_per_unit"]["unit"], fil["dose_per_unit"]["ucum"]) == ("mcg/kg", "ug/kg")
    assert [(c["unit"], c["ucum"]) for c in fil["conditions"]] == [("10^9/L", "10*9/L")]
    cla = next(a for a in admins if a["drug"] == "cladribine")
    assert (cla["dose_per_unit"]["unit"], cla["dose_per_unit"]["ucum"]) == ("mg/m²", "mg/m2")
    assert cla["dose"]["ucum"] == "mg"


def test_json_administrations_carry_route_and_drug_codes(validator) -> None:
    data = json.loads(render(worked_example(), "json"))
    admins = {a["drug"]: a for d in data["days"] for a in d["administrations"]}
    # SNOMED CT International edition 2025-02-01: 47625008 Intravenous use, 26643006 Oral use,
    # 34206005 Subcutaneous use. WHO ATC index: L01BB04 cladribine, L01XX52 venetoclax,
    # L03AA02 filgrastim, L01BC01 cytarabine.
    expected = {
        "cladribine": ("47625008", "L01BB04"),
        "cytarabine": ("47625008", "L01BC01"),
        "filgrastim": ("34206005", "L03AA02"),
        "venetoclax": ("26643006", "L01XX52"),
    }
    assert set(admins) == set(expected)
    for drug, (route, atc) in expected.items():
        codes = admins[drug]["codes"]
        assert codes["route"]["system"] == "http://snomed.info/sct"
        assert codes["route"]["code"] == route
        assert codes["atc"] == {"system": "http://www.whocc.no/atc", "code": atc, "display": drug}
        assert codes["rxnorm"] is None  # no RxNorm code is confirmed for any bundled drug
        assert codes["not_confirmed"] == {"rxnorm": "no confirmed RxNorm code"}


def test_json_liposomal_mitoxantrone_has_no_atc_code() -> None:
    sched = rc.load_regimen("Lipo-MIT+CLAG").schedule(rc.Patient(height="170 cm", weight="65 kg"))
    admins = [a for d in sched.to_dict()["days"] for a in d["administrations"]]
    lipo = next(a for a in admins if a["drug"] == "mitoxantrone liposome")
    assert lipo["codes"]["atc"] is None  # never mitoxantrone's L01DB07: not interchangeable
    assert lipo["codes"]["not_confirmed"]["atc"].startswith("no confirmed ATC code")
    assert lipo["codes"]["not_confirmed"]["rxnorm"] == "no confirmed RxNorm code"


def test_json_names_its_generator() -> None:
    data = worked_example().to_dict()
    assert data["generator"] == {"name": "regimen_calc", "version": distribution_version()}
    assert data["schema_version"] == SCHEMA_VERSION == "1.1"


def test_schema_rejects_a_quantity_without_ucum_and_a_code_of_another_system(validator) -> None:
    data = json.loads(render(worked_example(), "json"))
    del data["bsa"]["ucum"]
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)
    data = json.loads(render(worked_example(), "json"))
    data["days"][0]["administrations"][0]["codes"]["atc"]["system"] = "http://snomed.info/sct"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)
    data = json.loads(render(worked_example(), "json"))
    data["days"][0]["administrations"][0]["dose"]["ucum"] = "µg"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)
    data = json.loads(render(worked_example(), "json"))
    data["days"][0]["administrations"][0]["dose"]["ucum"] = None  # a unit without a code
    validator.validate(data)


@pytest.mark.parametrize(
    "snapshot",
    sorted((Path(__file__).parent / "snapshots").glob("*.json")),
    ids=lambda p: p.stem,
)
def test_every_golden_snapshot_matches_schema(validator, snapshot: Path) -> None:
    # The snapshots cover every bundled regimen (VA-CAG with its example site overlay).
    validator.validate(json.loads(snapshot.read_text(encoding="utf-8")))
