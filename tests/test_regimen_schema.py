"""The JSON Schema shipped in the package (schema/regimen.schema.json) against the real files.

Every bundled regimen and the example overlay validate; broken files fail; the schema's lists of
routes, frequencies, statuses, drugs and provenance fields are the loader's own.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from regimen_calc.content.catalog import known_drugs
from regimen_calc.io import regimen_files as loader
from regimen_calc.io.converter import ROUTES
from regimen_calc.io.overlays import OVERLAY_KEYS
from regimen_calc.io.provenance import _WRAPPER_KEYS, CYCLE_BOUND, CYCLE_FIELDS, PROVENANCE_FIELDS
from regimen_calc.model.regimen import CONFIDENCES, FREQUENCIES, REFERENCE_KINDS, STATUSES

SCHEMA: dict[str, Any] = json.loads(
    (resources.files("regimen_calc") / "schema" / "regimen.schema.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
BUNDLED = loader.bundled_regimen_dir()
FILES = sorted(BUNDLED.glob("*.yaml")) + sorted((BUNDLED / "overlays").glob("*.yaml"))


def errors(data: object) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(data)
    ]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_overlay_and_every_bundled_regimen_are_checked() -> None:
    names = {p.name for p in FILES}
    assert "VA-CAG.example-site.yaml" in names
    assert len(names) >= 8


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_bundled_file_validates(path: Path) -> None:
    assert errors(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_the_schema_lists_what_the_loader_accepts() -> None:
    defs = SCHEMA["$defs"]
    assert defs["route"]["enum"] == list(ROUTES)
    assert defs["frequency"]["enum"] == list(FREQUENCIES)
    assert defs["status"]["enum"] == list(STATUSES)
    assert defs["drug"]["enum"] == list(known_drugs())
    assert set(defs["provenance"]["properties"]) == set(_WRAPPER_KEYS)
    component_fields = set(defs["component"]["properties"])
    assert set(PROVENANCE_FIELDS) <= component_fields
    for field in PROVENANCE_FIELDS:
        assert defs["component"]["properties"][field] == {"$ref": f"#/$defs/{field}Field"}
    assert set(defs["overlay"]["properties"]) == set(OVERLAY_KEYS)
    assert set(defs["cycle"]["properties"]) == {*CYCLE_FIELDS, CYCLE_BOUND}
    assert defs["referenceKind"]["enum"] == list(REFERENCE_KINDS)
    assert defs["confidence"]["enum"] == list(CONFIDENCES)
    assert defs["regimen"]["properties"]["replaces"]["enum"] == list(loader._bundled_ids())


def _clag() -> dict[str, Any]:
    return yaml.safe_load((BUNDLED / "CLAG.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("field", PROVENANCE_FIELDS)
def test_the_wrapper_form_is_accepted_for_every_provenance_field(field: str) -> None:
    data = _clag()
    comp = data["components"][2]  # filgrastim has a value for every field but steps
    plain = {
        "steps": [{"days": "0-5", "dose": "5 mcg/kg"}],
        "infusion": {"duration": "30 min"},
        "sequence": {"after": "cladribine"},
        "interaction_rule": {"text": "t", "source": "NCT06763666", "strong": "100 mg"},
    }
    value = plain.get(field, comp.get(field))
    if field == "steps":
        comp.pop("dose")
    if field == "drug":
        value = "filgrastim"
    comp[field] = {"value": value, "status": "assumed", "source": "Robak-2000", "note": "n"}
    assert errors(data) == []
    comp[field] = {"status": "not_stated", "source": "NCT06763666", "required": True}
    assert errors(data) == []


def _with(change: Any) -> dict[str, Any]:
    data = _clag()
    change(data)
    return data


def _set(path: list[Any], value: Any) -> Any:
    def change(data: Any) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


BROKEN: list[tuple[str, Any]] = [
    ("unknown top-level key", _set(["colour"], "red")),
    ("unknown component key", _set(["components", 0, "dosage"], "5 mg")),
    ("bare number dose", _set(["components", 0, "dose"], 20)),
    ("dose per day", _set(["components", 0, "dose"], "5 mg/m^2/day")),
    ("float days", _set(["components", 0, "days"], 2.9)),
    ("days text", _set(["components", 0, "days"], "abc")),
    ("day out of range", _set(["components", 0, "days"], 1000)),
    ("string cycle length", _set(["cycle", "length_days"], "28")),
    ("bool max cycles", _set(["cycle", "max_cycles"], True)),
    ("unknown route", _set(["components", 0, "route"], "IT")),
    ("unknown frequency", _set(["components", 0, "frequency"], "bid")),
    ("unknown drug", _set(["components", 0, "drug"], "cladribin")),
    ("unknown status", _set(["components", 0, "route"], {"value": "IV", "status": "guessed"})),
    (
        "assumed without source",
        _set(["components", 0, "route"], {"value": "IV", "status": "assumed"}),
    ),
    (
        "not_stated with value",
        _set(["components", 0, "route"], {"value": "IV", "status": "not_stated"}),
    ),
    ("wrapper without status", _set(["components", 0, "route"], {"value": "IV", "source": "x"})),
    (
        "required on stated",
        _set(["components", 0, "route"], {"value": "IV", "status": "stated", "required": True}),
    ),
    ("unknown reference kind", _set(["references", 0, "kind"], "website")),
    ("unknown reference confidence", _set(["references", 0, "confidence"], "high")),
    (
        "unknown value confidence",
        _set(["components", 0, "route"], {"value": "IV", "status": "stated", "confidence": "X"}),
    ),
    (
        "confidence of a not_stated value",
        _set(["components", 0, "route"], {"status": "not_stated", "confidence": "L"}),
    ),
    ("unknown cycle bound", _set(["cycle", "max_cycles_bound"], "up_to")),
    ("missing id", lambda d: d.pop("id")),
    ("missing drug", lambda d: d["components"][0].pop("drug")),
    ("no components", _set(["components"], [])),
    ("remove without extends", _set(["components", 0, "remove"], True)),
    ("not a mapping", lambda d: d.clear()),
    ("extends a path", _set(["extends"], "../../etc/passwd")),
    ("extends a file", _set(["extends"], "CLAG.yaml")),
    ("replaces no bundled regimen", _set(["replaces"], "NEW")),
]


def test_a_site_regimen_may_replace_a_bundled_one() -> None:
    data = yaml.safe_load((BUNDLED / "Lipo-MIT+CLAG.yaml").read_text(encoding="utf-8"))
    data["id"] = data["replaces"] = "CLAG"
    assert errors(data) == []


@pytest.mark.parametrize("change", [c[1] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_broken_regimen_fails(change: Any) -> None:
    assert errors(_with(change))


def test_a_list_fails() -> None:
    assert errors([{"id": "x"}])


def test_extending_file_may_give_partial_components() -> None:
    data = yaml.safe_load((BUNDLED / "Lipo-MIT+CLAG.yaml").read_text(encoding="utf-8"))
    data["components"].append({"id": "filgrastim", "remove": True})
    assert errors(data) == []
    data["components"].append({"id": "x", "remove": False})
    assert errors(data)


def _overlay() -> dict[str, Any]:
    return yaml.safe_load(
        (BUNDLED / "overlays" / "VA-CAG.example-site.yaml").read_text(encoding="utf-8")
    )


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("no source", lambda d: d.pop("source")),
        ("source without title", lambda d: d["source"].pop("title")),
        ("non-overridable key", lambda d: d["components"][0].update(notes=["x"])),
        (
            "wrapper in an overlay",
            lambda d: d["components"][1].update(dose={"value": "75 mg/m^2", "status": "site"}),
        ),
        ("unknown key", lambda d: d.update(doses=[])),
        ("cycle key", lambda d: d.update(cycle={"length": 21})),
    ],
)
def test_broken_overlay_fails(case: str, change: Any) -> None:
    data = _overlay()
    change(data)
    assert errors(data), case
