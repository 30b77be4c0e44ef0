"""JSON: Schedule.to_dict() as JSON, checked against the shipped JSON Schema (version 1.1)."""

from __future__ import annotations

import datetime
import json
from importlib import resources

import jsonschema
import pytest

import regimen_calc as rc
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
