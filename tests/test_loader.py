"""Reading regimen files (regimen_calc.io): bad files, extends, overlays, site folders, round-trips.

The table of bad files below is the loader's contract: each file must be refused with a LoadError
that names the file, the path inside it and what was wrong.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regimen_calc as rc
from regimen_calc.errors import LoadError, Problem, RegimenCalcError
from regimen_calc.io import regimen_files as loader
from regimen_calc.io.converter import ROUTES
from regimen_calc.model.regimen import FREQUENCIES, Regimen, SourceFile

BUNDLED = loader.bundled_regimen_dir()
BUNDLED_FILES = sorted(BUNDLED.glob("*.yaml"))
EXAMPLE_OVERLAY = BUNDLED / "overlays" / "VA-CAG.example-site.yaml"
DATA = Path(__file__).parent / "data"


# --------------------------------------------------------------------------------------------
# Small regimen files, written as YAML text.

HEAD = """\
id: T
name: Test regimen
version: "1"
references:
  - {id: R1, kind: paper, title: A paper}
"""

#: The one component of ``one()``: field -> the YAML text of its value.
COMPONENT = {
    "id": "a",
    "drug": "cladribine",
    "source": "R1",
    "dose": "5 mg/m^2",
    "route": "IV",
    "days": "1-5",
}


class _NoAliasDumper(yaml.SafeDumper):
    """safe_dump writes a shared object once, then aliases; regimen files refuse aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(data: Any) -> str:
    """YAML text of ``data``, as a person would write it (no anchors or aliases)."""
    return yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False)


def one(top: str = "", drop: tuple[str, ...] = (), head: str = HEAD, **fields: str) -> str:
    """A regimen with one cladribine component: ``fields`` replace or add its lines (YAML text)."""
    for key in drop:
        head = (
            "\n".join(line for line in head.splitlines() if not line.startswith(f"{key}:")) + "\n"
        )
    comp = {**COMPONENT, **fields}
    lines = [f"{k}: {v}" for k, v in comp.items() if k not in drop]
    return head + top + "components:\n  - " + "\n    ".join(lines) + "\n"


def cond(**fields: str) -> str:
    """A one-condition ``conditions`` list (YAML flow text): a wbc hold with ``fields`` replaced."""
    base = {
        "kind": "hold_if",
        "lab": "wbc",
        "operator": '">="',
        "threshold": "20",
        "unit": '"10^9/L"',
        "text": "hold",
    }
    return "[{" + ", ".join(f"{k}: {v}" for k, v in {**base, **fields}.items()) + "}]"


def two(second: str) -> str:
    """``one()`` plus a second component written as YAML lines (indented by 4)."""
    return one() + "  - " + second.strip().replace("\n", "\n    ") + "\n"


BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]
"""

GRADED_HEAD = """\
id: T
name: Test regimen
version: "1"
references:
  - {id: R1, kind: abstract, confidence: M, title: An abstract}
"""

#: (case id, file text, path the LoadError must name, fragment of its message).
BAD_FILES: list[tuple[str, str | bytes, str, str]] = [
    ("unknown top-level key", one(top="colour: red\n"), "colour", "unknown key"),
    ("unknown component key", one(dosage="5 mg"), "components[0].dosage", "unknown key"),
    ("missing id", one(drop=("id",)), "id", "required, but missing"),
    ("missing name", one(drop=("name",)), "name", "required, but missing"),
    ("missing version", one(drop=("version",)), "version", "required, but missing"),
    ("missing drug", one(drop=("drug",)), "components[0].drug", "required, but missing"),
    (
        "dose per metre",
        one(dose="100 mg/m"),
        "components[0].dose",
        "expected a dose per body-surface area such as '100 mg/m^2', found '100 mg/m'",
    ),
    ("dose per day", one(dose="5 mg/m^2/day"), "components[0].dose", "not '/day'"),
    ("bare number dose", one(dose="20"), "components[0].dose", "a dose needs its unit"),
    ("dose in volume", one(dose="5 mL/m^2"), "components[0].dose", "unit of mass"),
    ("dose per pound", one(dose="5 mg/lb"), "components[0].dose", "per kg"),
    ("zero dose", one(dose="0 mg"), "components[0].dose", "above zero"),
    ("float days", one(days="2.9"), "components[0].days", "found 2.9"),
    ("days not a day", one(days='"abc"'), "components[0].days", "found 'abc'"),
    ("base-60 days", one(days="1:5"), "components[0].days", "found '1:5'"),
    ("day out of range", one(days="1-1000"), "components[0].days", "between -30 and 400"),
    ("backwards range", one(days='"5-1"'), "components[0].days", "later day"),
    ("day twice", one(days="[1, 1-3]"), "components[0].days", "more than once"),
    (
        "bool for an int",
        one(top="cycle: {max_cycles: true}\n"),
        "cycle.max_cycles",
        "expected a whole number, found True",
    ),
    (
        "string for an int",
        one(top='cycle: {length_days: "28"}\n'),
        "cycle.length_days",
        "expected a whole number, found '28'",
    ),
    ("zero cycle length", one(top="cycle: {length_days: 0}\n"), "cycle.length_days", "from 1"),
    (
        "day after the cycle",
        one(top="cycle: {length_days: 3}\n"),
        "components[0].days",
        "after the end of the 3-day cycle",
    ),
    (
        "int for text",
        one().replace('version: "1"', "version: 1"),
        "version",
        "expected text, found 1",
    ),
    ("unknown route", one(route="IT"), "components[0].route", "expected one of IV, subcut, PO, IM"),
    (
        "unknown frequency",
        one(frequency="bid"),
        "components[0].frequency",
        "expected one of once, daily, q24h, q12h, q8h, q6h, found 'bid'",
    ),
    (
        "once on several days",
        one(frequency="once"),
        "components[0].frequency",
        "single administration",
    ),
    (
        "sequence after a missing component",
        one(sequence="{after: b}"),
        "components[0].sequence.after",
        "found 'b'",
    ),
    ("sequence after itself", one(sequence="{after: a}"), "components[0].sequence.after", "itself"),
    (
        "sequence offset not a time",
        one(sequence="{after: b, offset: 2 kg}"),
        "components[0].sequence.offset",
        "expected a time",
    ),
    (
        "infusion with pint arithmetic",
        one(infusion='{duration: "2 h; 3"}'),
        "components[0].infusion.duration",
        "expected a time",
    ),
    (
        "duplicate component ids",
        two("id: a\ndrug: cytarabine\nsource: R1\ndose: 1 g/m^2\nroute: IV\ndays: 1-5"),
        "components[1].id",
        "used more than once",
    ),
    (
        "steps and dose",
        one(steps="[{days: 1-5, dose: 5 mg}]"),
        "components[0]",
        "either 'dose' or 'steps'",
    ),
    (
        "steps overlapping",
        one(drop=("dose", "days"), steps="[{days: 1-3, dose: 5 mg}, {days: 3-5, dose: 10 mg}]"),
        "components[0].steps",
        "more than one step",
    ),
    (
        "steps mixing bases",
        one(drop=("dose", "days"), steps="[{days: 1, dose: 5 mg}, {days: 2, dose: 5 mg/kg}]"),
        "components[0].steps",
        "same dose basis",
    ),
    ("no dose at all", one(drop=("dose",)), "components[0].dose", "required"),
    (
        "assumed without source",
        one(route="{value: IV, status: assumed}"),
        "components[0].route.source",
        "must name the related source",
    ),
    (
        "not_stated with a value",
        one(route="{value: IV, status: not_stated, source: R1}"),
        "components[0].route",
        "cannot have a value",
    ),
    (
        "stated wrapper without a value",
        one(route="{status: stated, source: R1}"),
        "components[0].route",
        "needs a value",
    ),
    (
        "unknown status",
        one(route="{value: IV, status: guessed, source: R1}"),
        "components[0].route.status",
        "expected one of stated, assumed, not_stated, site, found 'guessed'",
    ),
    (
        "wrapper without status",
        one(route="{value: IV, source: R1}"),
        "components[0].route.status",
        "required in a provenance wrapper",
    ),
    (
        "unknown key in a wrapper",
        one(route="{value: IV, status: stated, source: R1, sauce: x}"),
        "components[0].route.sauce",
        "unknown key in a provenance wrapper",
    ),
    (
        "required on a stated value",
        one(route="{value: IV, status: stated, source: R1, required: true}"),
        "components[0].route.required",
        "only a not_stated value",
    ),
    ("source not in references", one(source="R9"), "components[0].source", "found 'R9'"),
    (
        "wrapper source not in references",
        one(days="{value: 1-5, status: assumed, source: R9}"),
        "components[0].days.source",
        "found 'R9'",
    ),
    (
        "cycle source not in references",
        one(top="cycle: {length_days: {status: not_stated, source: R9}}\n"),
        "cycle.length_days.source",
        "found 'R9'",
    ),
    ("unknown drug", one(drug="cladribin"), "components[0].drug", "did you mean 'cladribine'"),
    (
        "mitoxantrone liposome by another name",
        one(drug="liposomal mitoxantrone"),
        "components[0].drug",
        "'mitoxantrone liposome'",
    ),
    (
        "provenance written directly",
        one(provenance="{dose: {status: stated}}"),
        "components[0].provenance",
        "unknown key",
    ),
    ("remove without extends", one(remove="true"), "components[0].remove", "extends"),
    ("components not a list", HEAD + "components: abc\n", "components", "expected a list"),
    ("no components", HEAD + "components: []\n", "components", "at least one component"),
    (
        "duplicate reference ids",
        one().replace("references:\n", "references:\n  - {id: R1, kind: x, title: y}\n"),
        "references[1].id",
        "used more than once",
    ),
    (
        "NaN threshold",
        one(
            conditions="[{kind: hold_if, lab: wbc, operator: '>=', threshold: .nan, "
            "unit: x, text: t}]"
        ),
        "components[0].conditions[0].threshold",
        "expected a finite number",
    ),
    (
        "unknown condition kind",
        one(conditions="[{kind: hold, lab: wbc, operator: '>=', threshold: 20, unit: x, text: t}]"),
        "components[0].conditions[0].kind",
        "expected one of hold_if, continue_until, found 'hold'",
    ),
    ("duplicate key", one(top="name: Twice\n"), "line 6", "duplicate key 'name'"),
    (
        "unsafe YAML tag",
        one(top='hack: !!python/object/apply:os.system ["echo hi"]\n'),
        "line 6",
        "explicit tags such as !!python/object/apply:os.system are not allowed",
    ),
    (
        "merge key under a key it repeats",
        one(dose="5 mg/m^2\n    <<: {dose: 12 mg/m^2}"),
        "line 11",
        "merge keys (<<) are not allowed",
    ),
    ("merge key alone", one(top="cycle: {<<: {length_days: 28}}\n"), "line 6", "merge keys"),
    ("octal by an explicit tag", one(days="!!int 010"), "line 12", "such as !!int are not"),
    ("base 60 by an explicit tag", one(days="!!int 1:30"), "line 12", "such as !!int are not"),
    ("text by an explicit tag", one(route="!!str IV"), "line 11", "such as !!str are not"),
    ("the non-specific tag", one(days="! 1-5"), "line 12", "such as ! are not allowed"),
    ("a tag on a list", one(days="!!seq [1, 2]"), "line 12", "such as !!seq are not"),
    ("NUL character", one(top='notes: ["a\x00b"]\n'), "line 6", "control character U+0000"),
    ("ESC character", one(top="notes: [a\x1bb]\n"), "line 6", "control character U+001B"),
    ("U+FFFE character", one(route="I\ufffeV"), "line 11", "control character U+FFFE"),
    ("alias bomb", BOMB, "line 2", "aliases (*name) are not allowed"),
    (
        "file over the size limit",
        one(top=f"description: {'x' * (loader.MAX_FILE_BYTES + 10)}\n"),
        "",
        "the limit is",
    ),
    (
        "nesting deeper than the limit",
        one(top="notes: " + "[" * 40 + "]" * 40 + "\n"),
        "line 6",
        f"nesting deeper than {loader.MAX_DEPTH} levels",
    ),
    (
        "a list at the top level",
        "- id: T\n- name: x\n",
        "",
        "expected a mapping of regimen fields, found list",
    ),
    ("an empty file", "", "", "expected a mapping of regimen fields"),
    ("not UTF-8", b"id: T\nname: \xff\xfe\n", "", "UTF-8"),
    ("a tab for indentation", "id: T\n\tname: x\n", "line 2", "'\\t'"),
    ("a site overlay loaded as a regimen", "overlay_for: T\n", "", "site overlay"),
    (
        "unknown reference kind",
        one(head=HEAD.replace("kind: paper", "kind: website")),
        "references[0].kind",
        "expected one of registry, abstract, paper, label, secondary, site, found 'website'",
    ),
    (
        "unknown reference confidence",
        one(head=HEAD.replace("kind: paper", "kind: paper, confidence: high")),
        "references[0].confidence",
        "expected one of H, M, L, found 'high'",
    ),
    (
        "unknown value confidence",
        one(route="{value: IV, status: stated, source: R1, confidence: X}"),
        "components[0].route.confidence",
        "expected one of H, M, L (the clinical reference's confidence key), found 'X'",
    ),
    (
        "confidence of a not_stated value",
        one(route="{status: not_stated, source: R1, confidence: L}"),
        "components[0].route.confidence",
        "a not_stated value has no value to grade",
    ),
    (
        "a value graded above its source",
        one(
            head=GRADED_HEAD,
            days="{value: 1-5, status: stated, source: R1, confidence: H}",
        ),
        "components[0].days.confidence",
        "a value cannot be more certain than its source: R1 is graded M, found 'H'",
    ),
    (
        "unknown cycle bound",
        one(top="cycle: {max_cycles: 2, max_cycles_bound: up_to}\n"),
        "cycle.max_cycles_bound",
        "expected one of at_most, exactly, found 'up_to'",
    ),
    (
        "cycle bound without a number of cycles",
        one(
            top="cycle: {max_cycles: {status: not_stated, source: R1}, max_cycles_bound: exactly}\n"
        ),
        "cycle.max_cycles_bound",
        "says how max_cycles is given, but the cycle has no max_cycles value",
    ),
    # Lab conditions are checked against the lab table (data/labs.yaml: wbc in 10^9/L, 0-1000).
    (
        "a condition on a lab the schedule does not read",
        one(conditions=cond(lab="wcc")),
        "components[0].conditions[0].lab",
        "expected one of the labs wbc, anc, platelets, crcl, alt_uln, bilirubin_uln, found 'wcc'",
    ),
    (
        "a threshold above the plausible range (never fires)",
        one(conditions=cond(threshold="2000")),
        "components[0].conditions[0].threshold",
        "expected a value above 0 and below 1000 10^9/L",
    ),
    (
        "a negative threshold (always fires)",
        one(conditions=cond(threshold="-1")),
        "components[0].conditions[0].threshold",
        "found -1",
    ),
    (
        "a threshold at the top of the plausible range",
        one(conditions=cond(threshold="1000")),
        "components[0].conditions[0].threshold",
        "found 1000",
    ),
    (
        "a threshold at the bottom of the plausible range",
        one(conditions=cond(threshold="0")),
        "components[0].conditions[0].threshold",
        "found 0",
    ),
    (
        "a condition in another unit than the lab's",
        one(conditions=cond(unit='"g/L"')),
        "components[0].conditions[0].unit",
        "expected '10^9/L', the unit wbc values are given in (the threshold is compared in it), "
        "found 'g/L'",
    ),
    # Days, cycles and timing within what a regimen can mean.
    (
        "cladribine on more days than its longest course (1-50 for 1-5)",
        one(days="1-50"),
        "components[0].days",
        "cladribine on 50 days of a cycle is more than the 7 the catalog allows",
    ),
    (
        "cladribine one day past its longest course",
        one(days="1-8"),
        "components[0].days",
        "cladribine on 8 days of a cycle is more than the 7",
    ),
    (
        "cladribine every 12 h on days 1-4: 40 mg/m² a cycle, above 35",
        one(frequency="q12h", days="1-4"),
        "components[0].dose",
        "cladribine 40 mg/m² in a cycle (5 mg/m² × 2 a day (q12h) × 4 days) is more than the "
        "35 mg/m² the catalog allows per cycle",
    ),
    (
        "cytarabine 3 g/m² every 12 h on days 1-9: 54 g/m² a cycle, above 48",
        one(drug="cytarabine", dose="3 g/m^2", frequency="q12h", days="1-9"),
        "components[0].dose",
        "cytarabine 54 g/m² in a cycle (3 g/m² × 2 a day (q12h) × 9 days) is more than the "
        "48 g/m² the catalog allows per cycle",
    ),
    (
        "a cycle longer than the last day a regimen may use",
        one(top="cycle: {length_days: 401}\n"),
        "cycle.length_days",
        "expected a whole number from 1 to 400, found 401",
    ),
    (
        "a cycle of 10**30 days",
        one(top=f"cycle: {{length_days: {10**30}}}\n"),
        "cycle.length_days",
        f"found {10**30}",
    ),
    (
        "more than 100 cycles",
        one(top="cycle: {max_cycles: 101}\n"),
        "cycle.max_cycles",
        "expected a whole number from 1 to 100, found 101",
    ),
    (
        "an infusion of no time",
        one(infusion="{duration: 0 h}"),
        "components[0].infusion.duration",
        "expected a duration above 0 and at most 24 h for a daily dose, found 0 h",
    ),
    (
        "a daily infusion past the next day's dose",
        one(infusion="{duration: 25 h}"),
        "components[0].infusion.duration",
        "at most 24 h for a daily dose, found 25 h",
    ),
    (
        "an infusion of 999999999999 h",
        one(infusion="{duration: 999999999999 h}"),
        "components[0].infusion.duration",
        "found 999,999,999,999 h",
    ),
    (
        "a q12h infusion past the next dose",
        one(frequency="q12h", days="1-3", infusion="{duration: 13 h}"),
        "components[0].infusion.duration",
        "at most 12 h for a q12h dose, found 13 h",
    ),
    (
        "an offset past the same day",
        two(
            "id: b\ndrug: cytarabine\nsource: R1\ndose: 1 g/m^2\nroute: IV\ndays: 1-5\n"
            "sequence: {after: a, offset: 25 h}"
        ),
        "components[1].sequence.offset",
        "expected an offset of at most 24 h (both are given on the same day), found 25 h",
    ),
    (
        "an offset of 10**9 h",
        two(
            "id: b\ndrug: cytarabine\nsource: R1\ndose: 1 g/m^2\nroute: IV\ndays: 1-5\n"
            "sequence: {after: a, offset: 1000000000 h}"
        ),
        "components[1].sequence.offset",
        "found 1,000,000,000 h",
    ),
    (
        "an interaction rule on a drug that has none",
        one(interaction_rule="{strong: 1 mg, text: t, source: R1}"),
        "components[0].interaction_rule",
        "cladribine has no interaction rule in the drug catalog",
    ),
    # Doses in the units ISMP allows, with numbers a person can write.
    (
        "dose in pounds",
        one(dose="5 lb"),
        "components[0].dose",
        "expected an amount in mcg, mg or g",
    ),
    (
        "dose in nanograms",
        one(dose="5000000 ng/m^2"),
        "components[0].dose",
        "expected an amount in mcg, mg or g, found '5000000 ng/m^2'",
    ),
    (
        "a 400-digit dose",
        one(dose="9" * 400 + " mg/m^2"),
        "components[0].dose",
        "expected a number of at most 12 digits, found '999999999999999999999999999999… "
        "(407 characters)'",
    ),
    # A YAML escape writes a character the file itself does not show.
    (
        "an id with CR LF written as escapes",
        one(head=HEAD.replace("id: T", 'id: "T\\r\\nBEGIN:VEVENT"')),
        "id",
        "control character U+000D is not allowed in a text",
    ),
    (
        "an ESC sequence in a note",
        one(notes='["\\x1b[31mred"]'),
        "components[0].notes[0]",
        "control character U+001B",
    ),
    (
        "a bidi override in a name",
        one(head=HEAD.replace("name: Test regimen", 'name: "Test \\u202eregimen"')),
        "name",
        "control character U+202E",
    ),
    (
        "a non-character in a key",
        one(top='"col\\ufffeour": red\n'),
        "col\ufffeour",
        "control character U+FFFE",
    ),
    (
        "a line break in an id",
        one(head=HEAD.replace("id: T", 'id: "T\\nX"')),
        "id",
        "expected one line of text, found a line break or a tab",
    ),
]


@pytest.mark.parametrize(
    ("text", "path", "fragment"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_file_is_refused(tmp_path: Path, text: str | bytes, path: str, fragment: str) -> None:
    file = tmp_path / "t.yaml"
    if isinstance(text, bytes):
        file.write_bytes(text)
    else:
        file.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        rc.load_regimen(file)
    found = [(p.file, p.path, p.message) for p in caught.value.problems]
    assert any(f == "t.yaml" and p == path and fragment in m for f, p, m in found), found


def test_the_table_is_big_enough() -> None:
    assert len(BAD_FILES) >= 30


def test_a_valid_small_file_loads(tmp_path: Path) -> None:
    """The template the bad files start from is itself valid."""
    file = tmp_path / "t.yaml"
    file.write_text(one(), encoding="utf-8")
    reg = rc.load_regimen(file)
    assert reg.components[0].days == (1, 2, 3, 4, 5)
    assert reg.file == str(file)


@pytest.mark.parametrize(
    "fields",
    [
        {"conditions": cond(threshold="0.1")},  # just inside the plausible range of wbc
        {"conditions": cond(threshold="999.9")},
        {"days": "1-7"},  # cladribine's longest course (hairy-cell leukaemia, Leustatin label)
        {"infusion": "{duration: 24 h}"},  # the whole day between two daily doses
        # 5 mg/m² every 12 h on days 1-3: 30 mg/m², within cladribine's 35 mg/m² per cycle.
        {"frequency": "q12h", "days": "1-3", "infusion": "{duration: 12 h}"},
        {"frequency": "once", "days": "1", "infusion": "{duration: 168 h}"},
        {"notes": '["two lines\\nof a note"]'},  # a line break in free text is text
    ],
    ids=["threshold-low", "threshold-high", "7-days", "24h", "q12h-12h", "once-7-days", "note"],
)
def test_values_at_the_edge_of_each_load_check_load(tmp_path: Path, fields: dict) -> None:
    file = tmp_path / "t.yaml"
    file.write_text(one(**fields), encoding="utf-8")
    rc.load_regimen(file)


def test_the_cycle_fields_load_up_to_their_limits(tmp_path: Path) -> None:
    file = tmp_path / "t.yaml"
    file.write_text(one(top="cycle: {length_days: 400, max_cycles: 100}\n"), encoding="utf-8")
    reg = rc.load_regimen(file)
    assert (reg.cycle.length_days, reg.cycle.max_cycles) == (400, 100)


def test_an_offset_of_a_whole_day_loads(tmp_path: Path) -> None:
    file = tmp_path / "t.yaml"
    second = (
        "id: b\ndrug: cytarabine\nsource: R1\ndose: 1 g/m^2\nroute: IV\ndays: 1-5\n"
        "sequence: {after: a, offset: 24 h}"
    )
    file.write_text(two(second), encoding="utf-8")
    assert rc.load_regimen(file).components[1].sequence.offset == rc.ureg.Quantity(24, "hour")


def test_too_many_days_through_an_overlay_names_the_overlay(tmp_path: Path) -> None:
    """Cladribine 1-50 from a site overlay: refused, and the overlay is the file named."""
    overlay = tmp_path / "clag-site.yaml"
    overlay.write_text(
        "overlay_for: CLAG\nsite: S\nsource: {id: S1, title: site protocol}\n"
        "components:\n  - {id: cladribine, days: 1-50}\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as caught:
        rc.load_regimen("CLAG", overlays=[overlay])
    found = [(p.file, p.path, p.message) for p in caught.value.problems]
    assert [(f, p) for f, p, _ in found] == [("clag-site.yaml", "components[0].days")], found
    assert "cladribine on 50 days of a cycle is more than the 7" in found[0][2]


def _site_overlay(tmp_path: Path, component: str) -> Path:
    overlay = tmp_path / "clag-site.yaml"
    overlay.write_text(
        "overlay_for: CLAG\nsite: S\nsource: {id: S1, title: site protocol}\n"
        f"components:\n  - {component}\n",
        encoding="utf-8",
    )
    return overlay


@pytest.mark.parametrize(
    ("component", "path", "fragment"),
    [
        (
            "{id: cytarabine, dose: 3 g/m^2, frequency: q12h, days: 1-14}",
            "components[0].dose",
            "cytarabine 84 g/m² in a cycle (3 g/m² × 2 a day (q12h) × 14 days) is more than the "
            "48 g/m² the catalog allows per cycle (Lazarus et al., Cancer 1981",
        ),
        (
            "{id: cladribine, frequency: q12h, days: 1-7}",
            "components[0].frequency",
            "cladribine 70 mg/m² in a cycle (5 mg/m² × 2 a day (q12h) × 7 days) is more than the "
            "35 mg/m² the catalog allows per cycle (Leustatin",
        ),
        (  # the dose is the base's; the frequency that makes the total is the overlay's
            "{id: cladribine, frequency: q12h}",
            "components[0].frequency",
            "cladribine 50 mg/m² in a cycle (5 mg/m² × 2 a day (q12h) × 5 days)",
        ),
        (
            "{id: cladribine, days: 1-7, dose: 6 mg/m^2}",
            "components[0].dose",
            "cladribine 42 mg/m² in a cycle (6 mg/m² × 1 a day (daily) × 7 days)",
        ),
    ],
    ids=["cytarabine-84", "cladribine-70", "frequency-only", "dose-and-days"],
)
def test_a_total_above_the_limit_through_an_overlay_names_the_overlay(
    tmp_path: Path, component: str, path: str, fragment: str
) -> None:
    """Each day count and each dose is allowed; the cycle's total is not. The overlay is named."""
    with pytest.raises(LoadError) as caught:
        rc.load_regimen("CLAG", overlays=[_site_overlay(tmp_path, component)])
    found = [(p.file, p.path, p.message) for p in caught.value.problems]
    assert [(f, p) for f, p, _ in found] == [("clag-site.yaml", path)], found
    assert fragment in found[0][2]
    assert found[0][2].endswith("check for a typing error in the dose, the frequency or the days")


@pytest.mark.parametrize(
    "component",
    [
        "{id: cytarabine, dose: 3 g/m^2, frequency: q12h, days: 1-8}",  # 48 g/m²
        "{id: cladribine, days: 1-7}",  # 5 mg/m² × 7 = 35 mg/m²
        "{id: cladribine, frequency: q12h, days: 1-3}",  # 30 mg/m²
        "{id: cladribine, dose: 0.14 mg/kg, days: 1-7}",  # 0.98 mg/kg
    ],
    ids=["cytarabine-48", "cladribine-35", "cladribine-q12h-30", "cladribine-0.98-per-kg"],
)
def test_a_total_at_or_below_the_limit_through_an_overlay_loads(
    tmp_path: Path, component: str
) -> None:
    reg = rc.load_regimen("CLAG", overlays=[_site_overlay(tmp_path, component)])
    assert reg.overlays == ("clag-site.yaml",)


def test_one_drug_split_over_two_components_through_an_overlay_is_refused(
    tmp_path: Path,
) -> None:
    """CLAG's cytarabine 3 g/m² q12h days 1-5 (3 × 2 × 5 = 30 g/m²) and its cladribine component
    made cytarabine 3 g/m² q12h days 6-13 (3 × 2 × 8 = 48 g/m²): each within 48 g/m² and 14 days
    (13 days in all), together 78 g/m². Refused, and the overlay is the file named."""
    overlay = tmp_path / "clag-site.yaml"
    overlay.write_text(
        "overlay_for: CLAG\nsite: S\nsource: {id: S1, title: site protocol}\ncomponents:\n"
        "  - {id: cytarabine, dose: 3 g/m^2, frequency: q12h, days: 1-5}\n"
        "  - {id: cladribine, drug: cytarabine, dose: 3 g/m^2, frequency: q12h, days: 6-13}\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as caught:
        rc.load_regimen("CLAG", overlays=[overlay])
    found = [(p.file, p.path, p.message) for p in caught.value.problems]
    # The regimen's components[0] (cladribine) is the overlay's components[1].
    assert [(f, p) for f, p, _ in found] == [("clag-site.yaml", "components[1].dose")], found
    assert found[0][2].startswith(
        "cytarabine 78 g/m² in a cycle across components[0] (cladribine, 48 g/m²) and "
        "components[1] (cytarabine, 30 g/m²) is more than the 48 g/m² the catalog allows per "
        "cycle (Lazarus et al., Cancer 1981"
    )
    assert found[0][2].endswith(
        "check for a typing error in the dose, the frequency or the days, or a component given "
        "the wrong drug"
    )


def test_two_components_of_one_drug_through_an_overlay_load_at_the_limit(tmp_path: Path) -> None:
    """3 g/m² q12h days 1-4 (24 g/m²) and days 5-8 (24 g/m²): 48 g/m², at the limit, loads."""
    overlay = tmp_path / "clag-site.yaml"
    overlay.write_text(
        "overlay_for: CLAG\nsite: S\nsource: {id: S1, title: site protocol}\ncomponents:\n"
        "  - {id: cytarabine, dose: 3 g/m^2, frequency: q12h, days: 1-4}\n"
        "  - {id: cladribine, drug: cytarabine, dose: 3 g/m^2, frequency: q12h, days: 5-8}\n",
        encoding="utf-8",
    )
    reg = rc.load_regimen("CLAG", overlays=[overlay])
    assert [c.drug for c in reg.components][:2] == ["cytarabine", "cytarabine"]


@pytest.mark.parametrize(
    ("second_days", "refused"),
    [
        ("7-12", True),  # 3 × 2 × 6 + 3 × 2 × 6 = 72 g/m²
        ("7-8", False),  # 3 × 2 × 6 + 3 × 2 × 2 = 48 g/m², at the limit
        ("7-9", True),  # 3 × 2 × 6 + 3 × 2 × 3 = 54 g/m²
    ],
)
def test_a_site_regimen_with_two_components_of_one_drug_is_limited_by_their_sum(
    tmp_path: Path, second_days: str, refused: bool
) -> None:
    file = tmp_path / "site.yaml"
    first = {"drug": "cytarabine", "dose": "3 g/m^2", "frequency": "q12h", "days": "1-6"}
    second = (
        "id: b\ndrug: cytarabine\nsource: R1\ndose: 3 g/m^2\nfrequency: q12h\nroute: IV\n"
        f"days: {second_days}"
    )
    file.write_text(one(**first) + "  - " + second.replace("\n", "\n    ") + "\n", encoding="utf-8")
    if not refused:
        assert [c.drug for c in rc.load_regimen(file).components] == ["cytarabine"] * 2
        return
    with pytest.raises(LoadError) as caught:
        rc.load_regimen(file)
    [problem] = caught.value.problems
    assert (problem.file, problem.path) == ("site.yaml", "components[0].dose")
    total = {"7-12": "72", "7-9": "54"}[second_days]
    assert problem.message.startswith(
        f"cytarabine {total} g/m² in a cycle across components[0] (a, 36 g/m²) and components[1] "
        f"(b, {int(total) - 36} g/m²) is more than the 48 g/m² the catalog allows per cycle"
    )


def test_one_drug_on_too_many_days_across_two_components_is_refused(tmp_path: Path) -> None:
    """Cladribine days 1-5 and 6-8: 8 days, each component within 7; refused, both named."""
    file = tmp_path / "site.yaml"
    second = "id: b\ndrug: cladribine\nsource: R1\ndose: 1 mg/m^2\nroute: IV\ndays: 6-8"
    file.write_text(two(second), encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        rc.load_regimen(file)
    [problem] = caught.value.problems
    assert problem.path == "components[0].days"
    assert problem.message.startswith(
        "cladribine on 8 days of a cycle across components[0] (a, days 1–5) and components[1] "
        "(b, days 6–8) is more than the 7 the catalog allows"
    )


def test_every_bundled_regimen_keeps_within_its_drugs_totals() -> None:
    """Each bundled component's total (dose × administrations a day, summed over its days) is
    within its drug's limit for the dose's basis, in the shipped copy and the repository's."""
    from regimen_calc.engine.safety import check_regimen_doses, drug_safety

    top = Path(__file__).parent.parent / "regimens"
    files = [*BUNDLED_FILES, *sorted(top.glob("*.yaml"))]
    assert len(files) >= 14
    checked = 0
    for file in files:
        overlays = [file.parent / "overlays" / "VA-CAG.example-site.yaml"]
        reg = rc.load_regimen(file, overlays=overlays if file.stem == "VA-CAG" else [])
        assert check_regimen_doses(reg) == [], file
        for comp in reg.components:
            limits = drug_safety(comp.drug).max_total
            total: dict[str, Any] = {}
            for day in comp.days:
                spec = comp.dose_on(day)
                if spec is not None and spec.basis in limits:
                    amount = spec.amount * FREQUENCIES[comp.frequency]
                    total[spec.basis] = total.get(spec.basis, 0 * amount) + amount
            for basis, amount in total.items():
                assert amount <= limits[basis].max, (file, comp.id, amount)
                checked += 1
    assert checked >= 14  # cytarabine and cladribine in both copies of the regimens


def test_a_control_character_in_an_overlay_names_the_overlay(tmp_path: Path) -> None:
    overlay = tmp_path / "clag-site.yaml"
    overlay.write_text(
        'overlay_for: CLAG\nsite: "S\\x00"\nsource: {id: S1, title: site protocol}\n',
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as caught:
        rc.load_regimen("CLAG", overlays=[overlay])
    assert [(p.file, p.path) for p in caught.value.problems] == [("clag-site.yaml", "site")]
    assert "control character U+0000" in caught.value.problems[0].message


def test_every_bundled_drug_has_a_days_limit_its_regimens_keep() -> None:
    """Each bundled component is within its drug's limit, and the limit is not looser than
    needed by more than a whole course: a limit above 28 days (a cycle) would guard nothing."""
    from regimen_calc.engine.safety import drug_safety

    # The longest course of each drug in the bundled regimens (clinical reference §1): cladribine
    # days 1-5; cytarabine subcut days 1-10 (CAV); etoposide and mitoxantrone days 1-5 (MEC);
    # filgrastim days 0-10 (CMGV); liposomal mitoxantrone day 1; venetoclax days 1-21 (CAV).
    expected = {
        "cladribine": 5,
        "cytarabine": 10,
        "etoposide": 5,
        "filgrastim": 11,
        "mitoxantrone": 5,
        "mitoxantrone liposome": 1,
        "venetoclax": 21,
    }
    longest: dict[str, int] = {}
    for name in rc.available_regimens():
        if name == "VA-CAG":  # its values come from the example overlay: an illustration
            continue
        for comp in rc.load_regimen(name).components:
            days = set(comp.days) | {d for step in comp.steps for d in step.days}
            longest[comp.drug] = max(longest.get(comp.drug, 0), len(days))
    assert longest == expected
    for drug, days in longest.items():
        info = drug_safety(drug)
        assert info is not None, drug
        assert days <= info.max_days <= 28, (drug, days, info.max_days)


def test_confidence_comes_from_the_value_else_its_source(tmp_path: Path) -> None:
    file = tmp_path / "t.yaml"
    file.write_text(
        one(head=GRADED_HEAD, days="{value: 1-5, status: stated, source: R1, confidence: L}"),
        encoding="utf-8",
    )
    reg = rc.load_regimen(file)
    comp = reg.components[0]
    assert reg.references[0].kind == "abstract" and reg.references[0].confidence == "M"
    assert reg.confidence_of(comp.provenance_of("dose")) == "M"  # the source's grade
    assert reg.confidence_of(comp.provenance_of("days")) == "L"  # lowered on the value
    # An ungraded source (the template's paper) grades nothing; a not_stated value has no value.
    plain = tmp_path / "p.yaml"
    plain.write_text(one(route="{status: not_stated, source: R1}"), encoding="utf-8")
    ungraded = rc.load_regimen(plain)
    assert ungraded.confidence_of(ungraded.components[0].provenance_of("dose")) is None
    assert ungraded.confidence_of(ungraded.components[0].provenance_of("route")) is None


@pytest.mark.parametrize(
    ("source", "value", "loads"),
    [(s, v, "HML".index(v) >= "HML".index(s)) for s in "HML" for v in "HML"],
)
def test_a_value_may_lower_its_sources_grade_never_raise_it(
    tmp_path: Path, source: str, value: str, loads: bool
) -> None:
    file = tmp_path / "t.yaml"
    file.write_text(
        one(
            head=GRADED_HEAD.replace("confidence: M", f"confidence: {source}"),
            days=f"{{value: 1-5, status: stated, source: R1, confidence: {value}}}",
        ),
        encoding="utf-8",
    )
    if loads:
        assert rc.load_regimen(file).components[0].provenance_of("days").confidence == value
    else:
        with pytest.raises(LoadError, match=r"components\[0\]\.days\.confidence"):
            rc.load_regimen(file)


@pytest.mark.parametrize(
    ("cycle", "bound"),
    [
        ("{max_cycles: 2}", "at_most"),  # a largest number is what max_cycles means
        ("{max_cycles: 2, max_cycles_bound: at_most}", "at_most"),
        ("{max_cycles: 2, max_cycles_bound: exactly}", "exactly"),
    ],
)
def test_the_number_of_cycles_is_at_most_unless_it_says_exactly(
    tmp_path: Path, cycle: str, bound: str
) -> None:
    file = tmp_path / "t.yaml"
    file.write_text(one(top=f"cycle: {cycle}\n"), encoding="utf-8")
    reg = rc.load_regimen(file)
    assert (reg.cycle.max_cycles, reg.cycle.max_cycles_bound) == (2, bound)


def test_lipo_mit_clag_gives_up_to_2_cycles() -> None:
    # ChiCTR2400086291 abstract: "every 4 weeks for up to 2 cycles".
    cycle = rc.load_regimen("Lipo-MIT+CLAG").cycle
    assert (cycle.length_days, cycle.max_cycles, cycle.max_cycles_bound) == (28, 2, "at_most")
    assert cycle.provenance["max_cycles"].status == "stated"


def test_an_overlay_may_say_how_its_number_of_cycles_is_given(tmp_path: Path) -> None:
    overlay = tmp_path / "o.yaml"
    overlay.write_text(
        EXAMPLE_OVERLAY.read_text(encoding="utf-8")
        + "cycle:\n  max_cycles: 3\n  max_cycles_bound: exactly\n",
        encoding="utf-8",
    )
    cycle = rc.load_regimen("VA-CAG", overlays=[overlay]).cycle
    assert (cycle.max_cycles, cycle.max_cycles_bound) == (3, "exactly")
    assert cycle.provenance["max_cycles"].status == "site"
    overlay.write_text(
        EXAMPLE_OVERLAY.read_text(encoding="utf-8") + "cycle:\n  max_cycles_bound: sometimes\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError, match=r"o\.yaml: cycle\.max_cycles_bound: expected one of"):
        rc.load_regimen("VA-CAG", overlays=[overlay])


def test_days_as_a_quoted_number_is_a_day(tmp_path: Path) -> None:
    """'3' is a day written as text, the same as 3: a day list, not a count."""
    file = tmp_path / "t.yaml"
    file.write_text(one(days='"3"'), encoding="utf-8")
    assert rc.load_regimen(file).components[0].days == (3,)


def test_day_zero_and_negative_days_are_allowed(tmp_path: Path) -> None:
    file = tmp_path / "t.yaml"
    file.write_text(one(days='"-2-0"'), encoding="utf-8")
    assert rc.load_regimen(file).components[0].days == (-2, -1, 0)


def test_load_error_is_the_library_error_and_a_value_error(tmp_path: Path) -> None:
    file = tmp_path / "t.yaml"
    file.write_text(one(dose="100 mg/m"), encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        rc.load_regimen(file)
    assert isinstance(caught.value, RegimenCalcError)
    assert isinstance(caught.value, ValueError)
    assert rc.LoadError is LoadError


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    file = tmp_path / "t.yaml"
    text = one(
        top="colour: red\n", drop=("id",), dose="100 mg/m", route="IT", days="2.9", frequency="bid"
    )
    file.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        rc.load_regimen(file)
    problems = caught.value.problems
    paths = {p.path for p in problems}
    assert {"colour", "id", "components[0].dose", "components[0].days"} <= paths
    assert len(problems) >= 3
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{len(problems)} problems:"
    for problem, line in zip(problems, lines[1:], strict=True):
        assert line.strip() == f"t.yaml: {problem.path}: {problem.message}"
    assert (
        "t.yaml: components[0].dose: expected a dose per body-surface area such as '100 mg/m^2'"
        in str(caught.value)
    )


def test_one_problem_reads_file_path_message(tmp_path: Path) -> None:
    file = tmp_path / "MEC.yaml"
    file.write_text(one(dose="100 mg/m"), encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        rc.load_regimen(file)
    assert str(caught.value) == (
        "MEC.yaml: components[0].dose: expected a dose per body-surface area such as "
        "'100 mg/m^2', found '100 mg/m'"
    )


def test_unsafe_yaml_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    file = tmp_path / "t.yaml"
    file.write_text(
        one(top=f'hack: !!python/object/apply:os.system ["touch {marker}"]\n'), encoding="utf-8"
    )
    with pytest.raises(LoadError):
        rc.load_regimen(file)
    assert not marker.exists()


def test_alias_bomb_is_refused_at_the_first_alias(tmp_path: Path) -> None:
    # Refused when the first alias is read, before anything is expanded; no timing assertion
    # (performance belongs in benchmarks/): the line number shows where reading stopped.
    file = tmp_path / "t.yaml"
    file.write_text(BOMB, encoding="utf-8")
    with pytest.raises(LoadError, match="aliases") as info:
        rc.load_regimen(file)
    assert [p.path for p in info.value.problems] == ["line 2"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cannot read the file"):
        rc.load_regimen(tmp_path / "nowhere.yaml")


#: Reads that never end when a device is read like a file: each is run in a child process with a
#: time limit, so a regression fails the test instead of hanging the suite.
_ENDLESS_READS = """
import os, sys
from pathlib import Path
import regimen_calc as rc
from regimen_calc.errors import LoadError
tmp = Path(sys.argv[1])
(tmp / "link.yaml").symlink_to("/dev/zero")
os.mkfifo(tmp / "pipe.yaml")
(tmp / "ext.yaml").write_text("id: E\\nname: e\\nversion: '1'\\nextends: /dev/zero\\n")
calls = {
    "regimen": lambda: rc.load_regimen("/dev/zero"),
    "symlink": lambda: rc.load_regimen(tmp / "link.yaml"),
    "pipe": lambda: rc.load_regimen(tmp / "pipe.yaml"),
    "overlay": lambda: rc.load_regimen("VA-CAG", overlays=["/dev/zero"]),
    "extends": lambda: rc.load_regimen(tmp / "ext.yaml"),
    "validate": lambda: rc.validate_file("/dev/zero"),
}
for what, call in calls.items():
    try:
        call()
    except LoadError as exc:
        print(what, "|", exc)
"""


def test_devices_pipes_and_links_to_them_are_refused_not_read(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _ENDLESS_READS, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = dict(line.split(" | ", 1) for line in done.stdout.splitlines())
    device = "expected a regular file, found a character device (such as /dev/zero)"
    assert found == {
        "regimen": f"/dev/zero: {device}",
        "symlink": f"{tmp_path / 'link.yaml'}: {device}",
        "pipe": f"{tmp_path / 'pipe.yaml'}: expected a regular file, found a named pipe",
        "overlay": f"/dev/zero: {device}",
        "extends": "ext.yaml: extends: expected a regimen id or alias, found the path "
        "'/dev/zero' (a file names another regimen by its id, never by a path)",
        "validate": f"/dev/zero: {device}",
    }


def test_a_file_is_read_up_to_its_limit(tmp_path: Path) -> None:
    """Exactly at the limit loads; one byte more is refused, with the size found."""
    text = one(top="description: x\n")
    padded = text + "#" * (loader.MAX_FILE_BYTES - len(text.encode()) - 1) + "\n"
    at_limit = tmp_path / "at.yaml"
    at_limit.write_text(padded, encoding="utf-8")
    assert at_limit.stat().st_size == loader.MAX_FILE_BYTES
    assert rc.load_regimen(at_limit).id == "T"
    over = tmp_path / "over.yaml"
    over.write_text(padded + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        rc.load_regimen(over)
    assert str(caught.value) == (
        f"over.yaml: file is {loader.MAX_FILE_BYTES + 1:,} bytes; "
        f"the limit is {loader.MAX_FILE_BYTES:,}"
    )


def test_an_overlay_names_its_regimen_by_id_never_by_path(tmp_path: Path) -> None:
    overlay = tmp_path / "o.yaml"
    overlay.write_text(
        OVERLAY_HEAD.replace("overlay_for: VA-CAG", "overlay_for: ../regimens/VA-CAG.yaml"),
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as caught:
        rc.validate_file(overlay)
    assert [(p.file, p.path) for p in caught.value.problems] == [("o.yaml", "overlay_for")]
    assert "found the path '../regimens/VA-CAG.yaml'" in str(caught.value)


def test_unknown_regimen_name_suggests_close_ids() -> None:
    with pytest.raises(LoadError, match="did you mean clag"):
        rc.load_regimen("CLAGG")


@pytest.mark.parametrize("bad", [42, None, ["CLAG"]])
def test_name_must_be_text_or_a_path(bad: object) -> None:
    with pytest.raises(LoadError):
        rc.load_regimen(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["overlay.yaml", 3])
def test_overlays_must_be_a_list_of_paths(bad: object) -> None:
    with pytest.raises(rc.InputError, match="overlays"):
        rc.load_regimen("VA-CAG", overlays=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "found"), [(3, ", found 3"), (None, ""), (b"o.yaml", ", found b'o.yaml'")]
)
def test_an_overlay_that_is_not_a_path_is_named_by_its_index(bad: object, found: str) -> None:
    with pytest.raises(rc.InputError) as info:
        rc.load_regimen("VA-CAG", overlays=[EXAMPLE_OVERLAY, bad])  # type: ignore[list-item]
    assert info.value.field == "overlays[1]"
    assert str(info.value) == f"overlays[1]: expected an overlay file path{found}"


def _same_overlay_twice(tmp_path: Path) -> list[tuple[list[Any], str, str]]:
    """(overlays, repeated field, message tail) for one overlay given twice, by any route."""
    copy_ = tmp_path / "copy.yaml"
    copy_.write_bytes(EXAMPLE_OVERLAY.read_bytes())
    (tmp_path / "sub").mkdir()
    other_spelling = tmp_path / "sub" / ".." / "copy.yaml"
    link = tmp_path / "link.yaml"
    link.symlink_to(EXAMPLE_OVERLAY)
    first, again = str(EXAMPLE_OVERLAY), str(copy_)
    return [
        (
            [EXAMPLE_OVERLAY, EXAMPLE_OVERLAY],
            "overlays[1]",
            f"repeats overlays[0] ({first!r}), the same file, found {first!r}",
        ),
        (
            [str(EXAMPLE_OVERLAY), link],
            "overlays[1]",
            f"repeats overlays[0] ({first!r}), the same file, found {str(link)!r}",
        ),
        (
            [copy_, other_spelling],
            "overlays[1]",
            f"repeats overlays[0] ({again!r}), the same file, found {str(other_spelling)!r}",
        ),
        # A copy with identical bytes under another name is the same overlay.
        (
            [EXAMPLE_OVERLAY, copy_],
            "overlays[1]",
            f"repeats overlays[0] ({first!r}), the same content, found {again!r}",
        ),
    ]


def test_the_same_overlay_twice_is_refused_naming_both(tmp_path: Path) -> None:
    for overlays, field, tail in _same_overlay_twice(tmp_path):
        with pytest.raises(rc.InputError) as info:
            rc.load_regimen("VA-CAG", overlays=overlays)
        assert info.value.field == field
        assert str(info.value) == f"{field}: expected each overlay given once; this {tail}"


def test_a_repeat_is_named_by_its_own_index_and_the_first_one(tmp_path: Path) -> None:
    # A second overlay that sets no value the first sets: the cycle's stated number of cycles.
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        "overlay_for: VA-CAG\nsource: {id: WARD, title: Ward protocol}\ncycle: {max_cycles: 2}\n",
        encoding="utf-8",
    )
    reg = rc.load_regimen("VA-CAG", overlays=[EXAMPLE_OVERLAY, changed])
    assert reg.overlays == ("VA-CAG.example-site.yaml", "changed.yaml")
    assert reg.cycle.max_cycles == 2
    with pytest.raises(rc.InputError) as info:
        rc.load_regimen("VA-CAG", overlays=[EXAMPLE_OVERLAY, changed, EXAMPLE_OVERLAY])
    assert info.value.field == "overlays[2]"
    assert f"this repeats overlays[0] ({str(EXAMPLE_OVERLAY)!r}), the same file" in str(info.value)
    with pytest.raises(rc.InputError) as info:
        rc.load_regimen("VA-CAG", overlays=[changed, EXAMPLE_OVERLAY, changed])
    assert info.value.field == "overlays[2]"
    assert f"this repeats overlays[0] ({str(changed)!r}), the same file" in str(info.value)


def _overlay(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(
        f"overlay_for: CLAG\nsource: {{id: {path.stem.upper()}, title: Site protocol}}\n{body}",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("first", "second", "where"),
    [
        # Two overlays giving cytarabine two doses: the later one would win unseen.
        (
            "components:\n  - {id: cytarabine, dose: 2 g/m^2}\n",
            "components:\n  - {id: cytarabine, dose: 1.5 g/m^2}\n",
            "components[0].dose",
        ),
        # A dose and a ramp-up are one value: steps replace the dose.
        (
            "components:\n  - {id: cladribine, dose: 4 mg/m^2}\n",
            "components:\n  - id: cladribine\n    steps: [{days: 1-5, dose: 5 mg/m^2}]\n",
            "components[0].steps",
        ),
        ("cycle: {length_days: 21}\n", "cycle: {length_days: 28}\n", "cycle.length_days"),
    ],
)
def test_two_overlays_setting_one_value_are_refused_naming_both(
    tmp_path: Path, first: str, second: str, where: str
) -> None:
    a, b = _overlay(tmp_path, "a.yaml", first), _overlay(tmp_path, "b.yaml", second)
    with pytest.raises(LoadError) as caught:
        rc.load_regimen("CLAG", overlays=[a, b])
    [problem] = caught.value.problems
    assert (problem.file, problem.path) == ("b.yaml", where)
    assert problem.message.startswith(
        "expected each value set by one overlay entry; a.yaml already sets it at "
    )
    # Each alone loads.
    assert rc.load_regimen("CLAG", overlays=[a]).overlays == ("a.yaml",)
    assert rc.load_regimen("CLAG", overlays=[b]).overlays == ("b.yaml",)


def test_one_component_listed_twice_in_an_overlay_is_refused(tmp_path: Path) -> None:
    twice = _overlay(
        tmp_path,
        "twice.yaml",
        "components:\n  - {id: cytarabine, dose: 2 g/m^2}\n  - {id: cytarabine, dose: 1 g/m^2}\n",
    )
    with pytest.raises(LoadError) as caught:
        rc.load_regimen("CLAG", overlays=[twice])
    assert str(caught.value) == (
        "twice.yaml: components[1].dose: expected each value set by one overlay entry; this "
        "overlay already sets it at components[0].dose"
    )


def test_search_path_must_be_a_list_of_existing_folders(tmp_path: Path) -> None:
    with pytest.raises(rc.InputError, match="search_path"):
        rc.load_regimen("CLAG", search_path=str(tmp_path))  # type: ignore[arg-type]
    with pytest.raises(rc.InputError, match="folders that exist"):
        rc.load_regimen("CLAG", search_path=[tmp_path / "missing"])


# --------------------------------------------------------------------------------------------
# extends and overlays: files that only fail together.

OVERLAY_HEAD = """\
overlay_for: VA-CAG
source: {id: SITE-1, title: Our protocol}
"""

#: (case id, files to write, what to load, overlays, file named, path, message fragment).
BAD_SETS: list[tuple[str, dict[str, str], str, tuple[str, ...], str, str, str]] = [
    (
        "extends cycle",
        {
            "A.yaml": one().replace("id: T", "id: A") + "extends: B\n",
            "B.yaml": one().replace("id: T", "id: B") + "extends: A\n",
        },
        "A",
        (),
        "B.yaml",
        "extends",
        "circular",
    ),
    (
        "extends itself",
        {"A.yaml": one().replace("id: T", "id: A") + "extends: A\n"},
        "A",
        (),
        "A.yaml",
        "extends",
        "circular",
    ),
    (
        "extends an unknown regimen",
        {"t.yaml": HEAD + "extends: NOPE\n"},
        "t.yaml",
        (),
        "t.yaml",
        "extends",
        "no regimen with the id or alias 'NOPE'",
    ),
    (
        "extends a path",
        {"t.yaml": HEAD + "extends: ../../../../etc/passwd\n"},
        "t.yaml",
        (),
        "t.yaml",
        "extends",
        "expected a regimen id or alias, found the path '../../../../etc/passwd'",
    ),
    (
        "extends a file next to it",
        {"t.yaml": HEAD + "extends: CLAG.yaml\n", "CLAG.yaml": one()},
        "t.yaml",
        (),
        "t.yaml",
        "extends",
        "found the path 'CLAG.yaml'",
    ),
    (
        "extends a Windows path",
        {"t.yaml": HEAD + "extends: 'regimens\\CLAG'\n"},
        "t.yaml",
        (),
        "t.yaml",
        "extends",
        "found the path 'regimens\\\\CLAG'",
    ),
    (
        "extends a number",
        {"t.yaml": HEAD + "extends: 5\n"},
        "t.yaml",
        (),
        "t.yaml",
        "extends",
        "expected a regimen id",
    ),
    (
        "remove of a missing component",
        {"t.yaml": HEAD + "extends: CLAG\ncomponents:\n  - {id: nothing, remove: true}\n"},
        "t.yaml",
        (),
        "t.yaml",
        "components[0].remove",
        "cannot remove component 'nothing'",
    ),
    (
        "remove that is not true",
        {"t.yaml": HEAD + "extends: CLAG\ncomponents:\n  - {id: filgrastim, remove: yes please}\n"},
        "t.yaml",
        (),
        "t.yaml",
        "components[0].remove",
        "expected true",
    ),
    (
        "extending file without its own id",
        {"t.yaml": "name: x\nversion: '1'\nextends: CLAG\n"},
        "t.yaml",
        (),
        "t.yaml",
        "id",
        "needs its own id",
    ),
    (
        "broken base reported against the base",
        {"B.yaml": one(dose="100 mg/m").replace("id: T", "id: B"), "t.yaml": HEAD + "extends: B\n"},
        "t.yaml",
        (),
        "B.yaml",
        "components[0].dose",
        "'100 mg/m^2'",
    ),
    (
        "change that breaks the base's sequence",
        {"t.yaml": HEAD + "extends: CLAG\ncomponents:\n  - {id: cladribine, remove: true}\n"},
        "t.yaml",
        (),
        "t.yaml",
        "components[0].sequence.after",
        "found 'cladribine'",
    ),
    (
        "overlay for the wrong regimen",
        {"o.yaml": OVERLAY_HEAD.replace("VA-CAG", "CLAG")},
        "VA-CAG",
        ("o.yaml",),
        "o.yaml",
        "overlay_for",
        "expected the id of the regimen it changes",
    ),
    (
        "overlay setting a key that cannot be overridden",
        {"o.yaml": OVERLAY_HEAD + "components:\n  - {id: venetoclax, notes: [x]}\n"},
        "VA-CAG",
        ("o.yaml",),
        "o.yaml",
        "components[0].notes",
        "an overlay may set only",
    ),
    (
        "overlay with no source",
        {"o.yaml": "overlay_for: VA-CAG\ncomponents: []\n"},
        "VA-CAG",
        ("o.yaml",),
        "o.yaml",
        "source",
        "site's source document",
    ),
    (
        "overlay with an unknown component",
        {"o.yaml": OVERLAY_HEAD + "components:\n  - {id: decitabine, dose: 20 mg/m^2}\n"},
        "VA-CAG",
        ("o.yaml",),
        "o.yaml",
        "components[0].id",
        "found 'decitabine'",
    ),
    (
        "overlay with an unknown key",
        {"o.yaml": OVERLAY_HEAD + "doses: []\n"},
        "VA-CAG",
        ("o.yaml",),
        "o.yaml",
        "doses",
        "unknown key in a site overlay",
    ),
    (
        "overlay cycle key",
        {"o.yaml": OVERLAY_HEAD + "cycle: {length: 21}\n"},
        "VA-CAG",
        ("o.yaml",),
        "o.yaml",
        "cycle.length",
        "expected one of length_days, max_cycles",
    ),
    (
        "bad dose in an overlay is the overlay's problem",
        {"o.yaml": OVERLAY_HEAD + "components:\n  - {id: azacitidine, dose: 75 mg/m}\n"},
        "VA-CAG",
        ("o.yaml",),
        "o.yaml",
        "components[0].dose",
        "'75 mg/m^2'",
    ),
    (
        "bad step days in an overlay",
        {
            "o.yaml": OVERLAY_HEAD
            + "components:\n  - {id: venetoclax, steps: [{days: 1.5, dose: 100 mg}]}\n"
        },
        "VA-CAG",
        ("o.yaml",),
        "o.yaml",
        "components[0].steps[0].days",
        "found 1.5",
    ),
    (
        "overlay that is a list",
        {"o.yaml": "- overlay_for: VA-CAG\n"},
        "VA-CAG",
        ("o.yaml",),
        "o.yaml",
        "",
        "expected a mapping",
    ),
]


@pytest.mark.parametrize(
    ("files", "name", "overlays", "file", "path", "fragment"),
    [c[1:] for c in BAD_SETS],
    ids=[c[0] for c in BAD_SETS],
)
def test_bad_extends_or_overlay_is_refused(
    tmp_path: Path,
    files: dict[str, str],
    name: str,
    overlays: tuple[str, ...],
    file: str,
    path: str,
    fragment: str,
) -> None:
    for fname, text in files.items():
        (tmp_path / fname).write_text(text, encoding="utf-8")
    target = str(tmp_path / name) if name.endswith(".yaml") else name
    with pytest.raises(LoadError) as caught:
        rc.load_regimen(target, overlays=[tmp_path / o for o in overlays], search_path=[tmp_path])
    found = [(p.file, p.path, p.message) for p in caught.value.problems]
    assert any(f == file and p == path and fragment in m for f, p, m in found), found


def test_bundled_regimens_all_load() -> None:
    ids = rc.available_regimens()
    assert set(ids) >= {"CLAG", "CLAG+VEN", "CAV", "MEC", "CMGV", "Lipo-MIT+CLAG", "VA-CAG"}
    for regimen_id in ids:
        reg = rc.load_regimen(regimen_id)
        assert reg.id == regimen_id
        assert rc.validate_file(reg.file) == reg


@pytest.mark.parametrize("name", ["clag+ven", "CLAGV", "clag-v", "VACAG", "cmg+ven"])
def test_load_by_alias_in_any_case(name: str) -> None:
    reg = rc.load_regimen(name)
    assert name.lower() in [reg.id.lower(), *(a.lower() for a in reg.aliases)]


def test_aliases_are_not_inherited() -> None:
    clag, clag_ven = rc.load_regimen("CLAG"), rc.load_regimen("CLAG+VEN")
    assert not set(clag.aliases) & set(clag_ven.aliases)
    assert rc.load_regimen("CLAG-1g").id == "CLAG"


def test_remove_drops_a_component_of_the_base(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "id: CLAG-noGCSF\nname: x\nversion: '1'\nextends: CLAG\n"
        "components:\n  - {id: filgrastim, remove: true}\n",
        encoding="utf-8",
    )
    reg = rc.load_regimen(tmp_path / "t.yaml")
    assert [c.id for c in reg.components] == ["cladribine", "cytarabine"]
    assert reg.extends == "CLAG"


def test_example_overlay_supplies_every_required_value() -> None:
    bare = rc.load_regimen("VA-CAG")
    assert bare.missing_site_values()
    reg = rc.load_regimen("VA-CAG", overlays=[EXAMPLE_OVERLAY])
    assert reg.missing_site_values() == ()
    assert reg.overlays == ("VA-CAG.example-site.yaml",)
    aza = reg.component("azacitidine")
    assert aza.provenance_of("dose").status == "site"
    assert aza.provenance_of("dose").source == "EXAMPLE-SITE-PROTOCOL"
    site_ref = reg.reference("EXAMPLE-SITE-PROTOCOL")
    assert site_ref is not None and site_ref.kind == "site"
    ven = reg.component("venetoclax")
    assert ven.dose is None and ven.days == tuple(range(1, 15))


def test_validate_file_checks_an_overlay_against_its_regimen(tmp_path: Path) -> None:
    assert rc.validate_file(EXAMPLE_OVERLAY).missing_site_values() == ()
    bad = tmp_path / "o.yaml"
    bad.write_text(
        OVERLAY_HEAD + "components:\n  - {id: aclarubicin, route: IT}\n", encoding="utf-8"
    )
    with pytest.raises(LoadError, match=r"o\.yaml: components\[0\]\.route: expected one of IV"):
        rc.validate_file(bad)


def test_site_folders_by_argument_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "ours.yaml").write_text(
        one().replace("id: T", "id: OURS\naliases: [our-regimen]"), encoding="utf-8"
    )
    monkeypatch.delenv("REGIMEN_CALC_PATH", raising=False)
    with pytest.raises(LoadError):
        rc.load_regimen("OURS")
    assert rc.load_regimen("our-regimen", search_path=[site]).id == "OURS"
    assert "OURS" in rc.available_regimens(search_path=[site])
    monkeypatch.setenv("REGIMEN_CALC_PATH", str(site))
    assert rc.load_regimen("ours").id == "OURS"
    assert "OURS" in rc.available_regimens()


def test_a_file_added_to_a_site_folder_is_found_at_once(tmp_path: Path) -> None:
    assert "NEW" not in rc.available_regimens(search_path=[tmp_path])
    with pytest.raises(LoadError):
        rc.load_regimen("NEW", search_path=[tmp_path])
    (tmp_path / "new.yaml").write_text(one().replace("id: T", "id: NEW"), encoding="utf-8")
    assert rc.load_regimen("NEW", search_path=[tmp_path]).id == "NEW"


def test_a_site_regimen_can_extend_a_bundled_one(tmp_path: Path) -> None:
    (tmp_path / "clag21.yaml").write_text(
        "id: CLAG-21\nname: CLAG, 21-day cycles\nversion: '1'\nextends: CLAG\n"
        "references:\n  - {id: SITE, kind: site, title: Our protocol}\n"
        "cycle: {length_days: {value: 21, status: site, source: SITE}}\n",
        encoding="utf-8",
    )
    reg = rc.load_regimen("CLAG-21", search_path=[tmp_path])
    assert reg.cycle.length_days == 21
    assert reg.cycle.provenance["length_days"].status == "site"
    assert reg.cycle.provenance["max_cycles"].status == "not_stated"
    assert [r.id for r in reg.references][-1] == "SITE"


def _site_file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _clashes(caught: pytest.ExceptionInfo[LoadError]) -> list[tuple[str, str]]:
    return [(p.file, p.path) for p in caught.value.problems]


def test_a_site_id_that_is_a_bundled_id_is_refused_naming_both_files(tmp_path: Path) -> None:
    site = tmp_path / "site"
    ours = _site_file(site, "zz.yaml", "id: CLAG\nname: Our CLAG\nversion: '1'\nextends: MEC\n")
    with pytest.raises(LoadError) as caught:
        rc.load_regimen("clag", search_path=[site])
    assert _clashes(caught) == [(str(ours), "id"), ("regimens/CLAG.yaml", "id")]
    assert "also the id of regimens/CLAG.yaml (bundled)" in caught.value.problems[0].message
    assert "write 'replaces: CLAG' in this file" in caught.value.problems[0].message
    # The name is refused, nothing else: MEC still loads, and CLAG is not listed.
    assert rc.load_regimen("MEC", search_path=[site]).id == "MEC"
    assert "CLAG" not in rc.available_regimens(search_path=[site])
    assert [p.path for p in loader.search_problems(search_path=[site])] == ["id", "id"]


@pytest.mark.parametrize(
    ("written", "looks_like"),
    [
        ("\uff23\uff2c\uff21\uff27", "CLAG"),  # full-width ＣＬＡＧ
        ("\uff43lag", "CLAG"),  # a full-width c, then lower case
        ("CLAG\uff0bVEN", "CLAG+VEN"),  # a full-width plus sign
    ],
)
def test_a_site_name_is_compared_by_what_it_looks_like(
    tmp_path: Path, written: str, looks_like: str
) -> None:
    """Ids and aliases are compared after NFKC folding and in any case: ＣＬＡＧ is CLAG."""
    site = tmp_path / "site"
    ours = _site_file(site, "fw.yaml", one().replace("id: T", f"id: {written}"))
    with pytest.raises(LoadError) as caught:
        rc.load_regimen(looks_like, search_path=[site])
    assert _clashes(caught) == [(str(ours), "id"), (f"regimens/{looks_like}.yaml", "id")]
    assert (
        f"write 'id: {looks_like}' and 'replaces: {looks_like}' in this file"
        in caught.value.problems[0].message
    )
    with pytest.raises(LoadError):
        rc.load_regimen(written, search_path=[site])
    assert looks_like not in rc.available_regimens(search_path=[site])


@pytest.mark.parametrize(
    ("field", "written"),
    [
        ("id", "\u0421LAG"),  # a Cyrillic Es, then LAG: looks like CLAG, is not NFKC-equal
        ("id", '"CLAG\\u200b"'),  # a zero-width space after CLAG
        ("id", "\uff23\uff2c\uff21\uff27\uff12"),  # full-width ＣＬＡＧ２, no bundled twin
        ("aliases[1]", "b\u00e9"),  # an accented letter in an alias
        ("id", "-CLAG"),  # starts with punctuation
        ("id", "CLAG/2"),  # a slash: read as a path when loaded by name
    ],
)
def test_ids_and_aliases_are_ascii_names(tmp_path: Path, field: str, written: str) -> None:
    text = one().replace("id: T", f"id: {written}")
    if field.startswith("aliases"):
        text = one().replace("id: T", f"id: T\naliases: [ok, {written}]")
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        rc.load_regimen(path)
    [problem] = [p for p in caught.value.problems if p.path == field]
    assert problem.message.startswith(
        "expected ASCII letters and digits (then also + - _ . ( ) and spaces), so that no name "
        "can look like another, found "
    )


def test_names_with_the_allowed_punctuation_load(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        one().replace("id: T", "id: Our CLAG+VEN (21 days)\naliases: [our_clag-v.2]"),
        encoding="utf-8",
    )
    reg = rc.load_regimen(path)
    assert (reg.id, reg.aliases) == ("Our CLAG+VEN (21 days)", ("our_clag-v.2",))


def test_a_site_alias_cannot_capture_a_bundled_name(tmp_path: Path) -> None:
    site = tmp_path / "site"
    ours = _site_file(site, "a.yaml", one().replace("id: T", "id: FOO\naliases: [foo-1, CLAG+VEN]"))
    with pytest.raises(LoadError) as caught:
        rc.load_regimen("CLAG+VEN", search_path=[site])
    assert _clashes(caught) == [(str(ours), "aliases"), ("regimens/CLAG+VEN.yaml", "id")]
    assert "the alias 'CLAG+VEN' is also the id of regimens/CLAG+VEN.yaml" in str(caught.value)
    # Each file's other names are its own.
    assert rc.load_regimen("foo-1", search_path=[site]).id == "FOO"
    assert rc.load_regimen("CLAGV", search_path=[site]).id == "CLAG+VEN"


def test_two_site_files_with_one_id_are_refused_not_the_last_one_taken(tmp_path: Path) -> None:
    first = _site_file(tmp_path / "a", "x.yaml", one().replace("id: T", "id: OURS"))
    second = _site_file(tmp_path / "a", "y.yaml", one().replace("id: T", "id: ours"))
    third = _site_file(tmp_path / "b", "z.yaml", one().replace("id: T", "id: OURS"))
    for folders, files in (
        ([tmp_path / "a"], [first, second]),
        ([tmp_path / "a", tmp_path / "b"], [first, second, third]),
    ):
        with pytest.raises(LoadError) as caught:
            rc.load_regimen("OURS", search_path=folders)
        assert _clashes(caught) == [(str(f), "id") for f in files]


def test_a_site_regimen_replaces_a_bundled_one_only_by_saying_so(tmp_path: Path) -> None:
    site = tmp_path / "site"
    ours = _site_file(
        site,
        "our-clag.yaml",
        "id: CLAG\nreplaces: CLAG\nname: CLAG, 21-day cycles\nversion: '1'\nextends: CLAG\n"
        "aliases: [our-clag]\n"
        "references:\n  - {id: SITE, kind: site, title: Our protocol}\n"
        "cycle: {length_days: {value: 21, status: site, source: SITE}}\n",
    )
    reg = rc.load_regimen("CLAG", search_path=[site])
    assert reg.name == "CLAG, 21-day cycles" and reg.cycle.length_days == 21
    # Its base is the bundled file it replaces; the bundled file's names are its own now.
    assert [(f.role, f.path, f.bundled) for f in reg.files] == [
        ("regimen", str(ours), False),
        ("base", "regimens/CLAG.yaml", True),
    ]
    assert rc.load_regimen("our-clag", search_path=[site]) == reg
    with pytest.raises(LoadError, match="no regimen with the id or alias 'CLAG-1g'"):
        rc.load_regimen("CLAG-1g", search_path=[site])
    # A bundled regimen that extends CLAG builds on the site's CLAG in this search.
    clag_ven = rc.load_regimen("CLAG+VEN", search_path=[site])
    assert clag_ven.cycle.length_days == 21
    assert [f.path for f in clag_ven.files] == [
        "regimens/CLAG+VEN.yaml",
        str(ours),
        "regimens/CLAG.yaml",
    ]
    assert rc.available_regimens(search_path=[site]).count("CLAG") == 1
    assert loader.search_problems(search_path=[site]) == ()


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        (
            "id: NEW\nreplaces: NEW\nname: x\nversion: '1'\nextends: CLAG\n",
            "replaces",
            "expected the id of a bundled regimen (CAV, CLAG, CLAG+VEN, CMGV, Lipo-MIT+CLAG, "
            "MEC, VA-CAG), found 'NEW'",
        ),
        (
            "id: CLAG\nreplaces: clag\nname: x\nversion: '1'\nextends: MEC\n",
            "replaces",
            "found 'clag'",
        ),
        (
            "id: CLAG-21\nreplaces: CLAG\nname: x\nversion: '1'\nextends: CLAG\n",
            "id",
            "a regimen that replaces 'CLAG' must have the id 'CLAG', found 'CLAG-21'",
        ),
        ("id: CLAG\nreplaces: [CLAG]\nname: x\nversion: '1'\n", "replaces", "found ['CLAG']"),
    ],
)
def test_replaces_names_a_bundled_id_equal_to_the_files_own(
    tmp_path: Path, text: str, path: str, message: str
) -> None:
    file = _site_file(tmp_path, "r.yaml", text)
    with pytest.raises(LoadError) as caught:
        rc.load_regimen(file)
    assert [(p.file, p.path) for p in caught.value.problems] == [("r.yaml", path)]
    assert message in caught.value.problems[0].message


def test_validate_file_refuses_a_name_another_file_has(tmp_path: Path) -> None:
    shadow = _site_file(tmp_path, "c.yaml", "id: CLAG\nname: x\nversion: '1'\nextends: MEC\n")
    with pytest.raises(LoadError) as caught:
        rc.validate_file(shadow)
    assert [(p.file, p.path) for p in caught.value.problems] == [("c.yaml", "id")]
    assert "write 'replaces: CLAG'" in str(caught.value)
    shadow.write_text("id: CLAG\nreplaces: CLAG\nname: x\nversion: '1'\nextends: MEC\n")
    assert rc.validate_file(shadow).id == "CLAG"


def test_bundled_ids_and_aliases_are_unique() -> None:
    names = []
    for path in BUNDLED_FILES:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        names += [raw["id"].lower(), *(a.lower() for a in raw.get("aliases", []))]
    assert len(names) == len(set(names))
    assert loader.search_problems() == ()


def test_every_file_read_is_named_with_the_hash_of_its_bytes(tmp_path: Path) -> None:
    import hashlib

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    reg = rc.load_regimen("VA-CAG", overlays=[EXAMPLE_OVERLAY])
    assert reg.files == (
        SourceFile(
            role="regimen",
            path="regimens/VA-CAG.yaml",
            sha256=sha(BUNDLED / "VA-CAG.yaml"),
            bundled=True,
        ),
        SourceFile(
            role="overlay",
            path="regimens/overlays/VA-CAG.example-site.yaml",
            sha256=sha(EXAMPLE_OVERLAY),
            bundled=True,
        ),
    )
    site = tmp_path / "site"
    top = _site_file(site, "top.yaml", "id: TOP\nname: x\nversion: '1'\nextends: CLAG+VEN\n")
    reg = rc.load_regimen("TOP", search_path=[site])
    assert [(f.role, f.path, f.sha256, f.bundled) for f in reg.files] == [
        ("regimen", str(top), sha(top), False),
        ("base", "regimens/CLAG+VEN.yaml", sha(BUNDLED / "CLAG+VEN.yaml"), True),
        ("base", "regimens/CLAG.yaml", sha(BUNDLED / "CLAG.yaml"), True),
    ]
    # One byte changed is another hash: the schedule names the content, not only the path.
    top.write_text(top.read_text() + "\n", encoding="utf-8")
    changed = rc.load_regimen("TOP", search_path=[site]).files[0].sha256
    assert changed == sha(top) != reg.files[0].sha256


def test_a_bad_file_in_a_site_folder_is_reported_and_the_rest_still_load(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _site_file(site, "nul.yaml", "id: NUL\nname: a\x00b\n")
    _site_file(site, "esc.yaml", "id: ESC\nname: a\x1bb\n")
    _site_file(site, "list.yaml", "- id: L\n")
    _site_file(site, "good.yaml", one().replace("id: T", "id: GOOD"))
    (site / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    assert rc.available_regimens(search_path=[site]) == ("GOOD", *rc.available_regimens())
    assert rc.load_regimen("CLAG+VEN", search_path=[site]).id == "CLAG+VEN"
    assert rc.load_regimen("good", search_path=[site]).id == "GOOD"
    problems = [(p.file, p.path, p.message) for p in loader.search_problems(search_path=[site])]
    assert problems == [
        (str(site / "esc.yaml"), "line 2", "control character U+001B is not allowed"),
        (str(site / "gone.yaml"), "", "cannot read the file (No such file or directory)"),
        (
            str(site / "list.yaml"),
            "",
            "expected a regimen (a mapping with an id) or a site overlay, found list",
        ),
        (str(site / "nul.yaml"), "line 2", "control character U+0000 is not allowed"),
    ]
    # A name that is not found may be in one of them: the error lists them too.
    with pytest.raises(LoadError) as caught:
        rc.load_regimen("NUL", search_path=[site])
    assert [p.file for p in caught.value.problems] == [
        "NUL",
        *(str(site / n) for n in ("esc.yaml", "gone.yaml", "list.yaml", "nul.yaml")),
    ]


# --------------------------------------------------------------------------------------------
# extends means its written-out equivalent.


def _without_origin(reg: Regimen) -> Regimen:
    return attrs.evolve(reg, file=None, extends=None)


def test_clag_ven_equals_its_written_out_file() -> None:
    via_extends = rc.load_regimen("CLAG+VEN")
    written_out = rc.load_regimen(DATA / "CLAG+VEN.written-out.yaml")
    assert via_extends.extends == "CLAG"
    assert _without_origin(via_extends) == _without_origin(written_out)


CLAG_RAW: dict[str, Any] = yaml.safe_load((BUNDLED / "CLAG.yaml").read_text(encoding="utf-8"))
CLAG_REFS = [r["id"] for r in CLAG_RAW["references"]]

doses = st.sampled_from(
    ["5 mg/m^2", "1 g/m^2", "2.5 mg/m^2", "300 mcg", "5 mcg/kg", "20 mg", "10 mg/m^2"]
)
day_specs = st.one_of(
    st.integers(min_value=-3, max_value=21),
    st.tuples(st.integers(-3, 10), st.integers(0, 11)).map(lambda t: f"{t[0]}-{t[0] + t[1]}"),
    st.lists(st.integers(-3, 21), min_size=1, max_size=5, unique=True),
)
words = st.text(alphabet="abcdefghij XYZ.,", min_size=1, max_size=20)
field_changes = st.fixed_dictionaries(
    {},
    optional={
        "dose": doses,
        "days": day_specs,
        "route": st.sampled_from(ROUTES),
        "frequency": st.sampled_from([f for f in FREQUENCIES if f != "once"]),
        "source": st.sampled_from(CLAG_REFS),
        "notes": st.lists(words, max_size=2),
        "infusion": st.fixed_dictionaries(
            {"duration": st.sampled_from(["30 min", "2 h", "4 h"]), "at_least": st.booleans()}
        ),
        "conditions": st.just([]),
        "route_wrapped": st.builds(
            lambda r, s: {"value": r, "status": "assumed", "source": s, "note": "n"},
            st.sampled_from(ROUTES),
            st.sampled_from(CLAG_REFS),
        ),
    },
).map(lambda d: {("route" if k == "route_wrapped" else k): v for k, v in d.items()})
removals = st.sampled_from(
    [
        (),
        ("filgrastim",),
        ("cytarabine",),
        ("cytarabine", "cladribine"),
        ("filgrastim", "cytarabine"),
    ]
)
added = st.fixed_dictionaries(
    {
        "id": st.just("venetoclax"),
        "drug": st.just("venetoclax"),
        "source": st.sampled_from(CLAG_REFS),
        "dose": st.sampled_from(["400 mg", "100 mg", "200 mg"]),
        "route": st.just("PO"),
        "days": day_specs,
        "frequency": st.just("daily"),
    }
)
cycle_changes = st.fixed_dictionaries(
    {},
    optional={
        "length_days": st.integers(min_value=22, max_value=42),
        "max_cycles": st.one_of(
            st.integers(1, 6), st.just({"status": "not_stated", "source": "Robak-2000"})
        ),
    },
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scratch")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.dictionaries(
        st.sampled_from(["cladribine", "cytarabine", "filgrastim"]), field_changes
    ),
    removed=removals,
    new=st.one_of(st.none(), added),
    cycle=cycle_changes,
    notes=st.one_of(st.none(), st.lists(words, max_size=2)),
)
def test_extends_equals_its_written_out_equivalent(
    scratch: Path,
    changes: dict[str, dict],
    removed: tuple[str, ...],
    new: dict | None,
    cycle: dict,
    notes: list[str] | None,
) -> None:
    head = {"id": "CLAG-X", "name": "A CLAG variant", "version": "2"}
    child_components = [
        {"id": cid, **fields} for cid, fields in changes.items() if cid not in removed
    ]
    child_components += [{"id": cid, "remove": True} for cid in removed]
    if new is not None:
        child_components.append(new)
    child: dict[str, Any] = {**head, "extends": "CLAG", "components": child_components}
    if cycle:
        child["cycle"] = cycle
    if notes is not None:
        child["notes"] = notes

    # The written-out file, by plain dictionary edits of CLAG.yaml.
    full = {k: copy.deepcopy(v) for k, v in CLAG_RAW.items() if k != "aliases"}
    full.update(head)
    full["components"] = [
        {**comp, **changes.get(comp["id"], {})}
        for comp in CLAG_RAW["components"]
        if comp["id"] not in removed
    ] + ([new] if new is not None else [])
    full["cycle"] = {**CLAG_RAW["cycle"], **cycle}
    if notes is not None:
        full["notes"] = notes

    (scratch / "child.yaml").write_text(dump(child), encoding="utf-8")
    (scratch / "full.yaml").write_text(dump(full), encoding="utf-8")
    outcomes = []
    for name in ("child.yaml", "full.yaml"):
        try:
            outcomes.append(_without_origin(rc.load_regimen(scratch / name)))
        except LoadError as exc:  # e.g. the days of a change run past a changed cycle length
            outcomes.append(sorted((p.path, p.message) for p in exc.problems))
    assert outcomes[0] == outcomes[1]


# --------------------------------------------------------------------------------------------
# YAML round-trips.


@pytest.mark.parametrize("path", BUNDLED_FILES, ids=lambda p: p.stem)
def test_yaml_round_trip_gives_an_equal_regimen(tmp_path: Path, path: Path) -> None:
    original = rc.load_regimen(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    copy_path = tmp_path / path.name
    copy_path.write_text(dump(raw), encoding="utf-8")
    assert rc.load_regimen(copy_path) == original

    written_out = loader.regimen_to_raw(path)
    written_out.pop("extends", None)
    flat = tmp_path / f"flat-{path.name}"
    flat.write_text(dump(written_out), encoding="utf-8")
    assert _without_origin(rc.load_regimen(flat)) == _without_origin(original)


# --------------------------------------------------------------------------------------------
# Fuzz: a mutated bundled regimen loads or raises LoadError, never anything else.

BUNDLED_RAW = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in BUNDLED_FILES}
OVERLAY_RAW = yaml.safe_load(EXAMPLE_OVERLAY.read_text(encoding="utf-8"))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "5 mg/m^2",
            "1-5",
            "IV",
            "q12h",
            "stated",
            "assumed",
            "CLAG",
            "cladribine",
            "100 mg/m",
            "-1",
            "0",
            "2 h",
            "site",
            "not_stated",
        ]
    ),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.one_of(
                st.text(max_size=8),
                st.sampled_from(["id", "value", "status", "source", "dose", "days", "remove"]),
            ),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=6,
)


def _containers(node: Any, out: list) -> list:
    """Every dict and list inside ``node`` (node included)."""
    if isinstance(node, dict | list):
        out.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, out)
    return out


def _mutate(data: st.DataObject, doc: Any) -> Any:
    target = data.draw(st.sampled_from(_containers(doc, [])))
    keys = list(target) if isinstance(target, dict) else list(range(len(target)))
    op = data.draw(
        st.sampled_from(["delete", "replace", "insert", "retype"] if keys else ["insert"])
    )
    if op == "insert":
        if isinstance(target, dict):
            target[data.draw(st.one_of(st.text(max_size=8), st.integers(0, 3)))] = data.draw(junk)
        else:
            target.insert(data.draw(st.integers(0, len(target))), data.draw(junk))
        return doc
    key = data.draw(st.sampled_from(keys))
    if op == "delete":
        del target[key]
    elif op == "replace":
        target[key] = data.draw(junk)
    else:  # the same content in another type: 5 -> "5", [x] -> {0: x}, "a" -> ["a"]
        value = target[key]
        if isinstance(value, list):
            target[key] = dict(enumerate(value))
        elif isinstance(value, dict):
            target[key] = list(value.values())
        elif isinstance(value, bool | int | float):
            target[key] = str(value)
        else:
            target[key] = [value]
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(BUNDLED_RAW)), data=st.data())
def test_fuzzed_regimen_loads_or_raises_load_error(
    scratch: Path, name: str, data: st.DataObject
) -> None:
    doc = copy.deepcopy(BUNDLED_RAW[name])
    for _ in range(data.draw(st.integers(1, 3))):
        doc = _mutate(data, doc)
    file = scratch / "fuzz.yaml"
    file.write_text(dump(doc), encoding="utf-8")
    try:
        reg = rc.load_regimen(file)
    except LoadError as exc:
        assert exc.problems and all(
            isinstance(p, Problem) and isinstance(p.path, str) for p in exc.problems
        )
    else:
        assert isinstance(reg, Regimen)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_overlay_loads_or_raises_load_error(scratch: Path, data: st.DataObject) -> None:
    doc = copy.deepcopy(OVERLAY_RAW)
    for _ in range(data.draw(st.integers(1, 3))):
        doc = _mutate(data, doc)
    file = scratch / "fuzz-overlay.yaml"
    file.write_text(dump(doc), encoding="utf-8")
    try:
        reg = rc.load_regimen("VA-CAG", overlays=[file])
    except LoadError as exc:
        assert exc.problems
    else:
        assert isinstance(reg, Regimen)


# --------------------------------------------------------------------------------------------
# Provenance audit: nothing the clinical reference marks NS (not stated) or L (inferred) is
# presented as stated. The list follows ../shared/clinical-reference.md §0 (G1-G4, G6), §1.1,
# §1.4-§1.8 and the source texts in ../shared/sources/.

#: regimen id -> (component id, field) or ("cycle", field): what the reference does not state.
NOT_STATED: dict[str, list[tuple[str, str]]] = {
    # §1.1: cycle length and number NS; cladribine infusion duration NS; "G-CSF", product unnamed.
    "CLAG": [
        ("cycle", "length_days"),
        ("cycle", "max_cycles"),
        ("cladribine", "infusion"),
        ("filgrastim", "drug"),
    ],
    # §1.1 and G4: the same, plus any venetoclax ramp-up NS.
    "CLAG+VEN": [
        ("cycle", "length_days"),
        ("cycle", "max_cycles"),
        ("cladribine", "infusion"),
        ("filgrastim", "drug"),
        ("venetoclax", "steps"),
    ],
    # §1.4 and G2: cladribine and cytarabine days and routes NS (the related trials' values are L
    # when applied here); cycle NS; venetoclax PO only implied; cladribine infusion NS.
    "CAV": [
        ("cladribine", "days"),
        ("cladribine", "route"),
        ("cytarabine", "days"),
        ("cytarabine", "route"),
        ("cycle", "length_days"),
        ("cycle", "max_cycles"),
        ("venetoclax", "route"),
        ("cladribine", "infusion"),
    ],
    # §1.5: routes and infusion times NS; cycle length NS.
    "MEC": [
        ("mitoxantrone", "route"),
        ("etoposide", "route"),
        ("cytarabine", "route"),
        ("mitoxantrone", "infusion"),
        ("etoposide", "infusion"),
        ("cytarabine", "infusion"),
        ("cycle", "length_days"),
        ("cycle", "max_cycles"),
    ],
    # §1.6: cycle NS; liposomal mitoxantrone route NS (IV implied) and infusion NS; G-CSF route NS,
    # no end day (from day 0 until WBC > 20), product unnamed.
    "CMGV": [
        ("cycle", "length_days"),
        ("cycle", "max_cycles"),
        ("mitoxantrone-liposome", "route"),
        ("mitoxantrone-liposome", "infusion"),
        ("filgrastim", "route"),
        ("filgrastim", "days"),
        ("filgrastim", "drug"),
    ],
    # §1.7: every route NS; infusion durations and sequence NS; G-CSF hold rule NS.
    "Lipo-MIT+CLAG": [
        ("mitoxantrone-liposome", "route"),
        ("cladribine", "route"),
        ("cytarabine", "route"),
        ("filgrastim", "route"),
        ("mitoxantrone-liposome", "infusion"),
        ("cladribine", "infusion"),
        ("cytarabine", "infusion"),
        ("cytarabine", "sequence"),
        ("filgrastim", "conditions"),
        ("filgrastim", "drug"),
    ],
    # §1.8 and G1: no doses, days or schedules were found; only the drugs, the 28-day cycle and
    # the 2-cycle response assessment are known.
    "VA-CAG": [
        (c, f)
        for c in ("venetoclax", "azacitidine", "filgrastim", "cytarabine", "aclarubicin")
        for f in ("dose", "days", "frequency", "route")
    ]
    + [("filgrastim", "drug"), ("cycle", "max_cycles")],
}


@pytest.mark.parametrize(
    ("regimen_id", "component", "field"),
    [(r, c, f) for r, pairs in NOT_STATED.items() for c, f in pairs],
)
def test_nothing_the_reference_does_not_state_is_stated(
    regimen_id: str, component: str, field: str
) -> None:
    reg = rc.load_regimen(regimen_id)
    if component == "cycle":
        prov = reg.cycle.provenance.get(field)
        assert prov is not None, f"{regimen_id} cycle.{field} has no provenance (read as stated)"
    else:
        prov = reg.component(component).provenance_of(field)
    assert prov.status != "stated", f"{regimen_id} {component}.{field} is marked stated"
    if prov.status == "assumed":
        assert prov.source is not None and reg.reference(prov.source) is not None


def test_the_audit_covers_every_bundled_regimen() -> None:
    assert set(NOT_STATED) == set(rc.available_regimens())


def test_va_cag_cannot_be_scheduled_without_the_site_values() -> None:
    reg = rc.load_regimen("VA-CAG")
    with pytest.raises(rc.MissingSiteValuesError) as caught:
        reg.schedule(rc.Patient(height="170 cm", weight="70 kg"))
    assert "components[1] (azacitidine).dose" in caught.value.fields


def test_bundled_files_are_named_by_their_ids() -> None:
    """load_regimen finds a bundled regimen by its file name first; that needs name == id."""
    import yaml

    from regimen_calc.io.regimen_files import bundled_regimen_dir

    for path in sorted(bundled_regimen_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["id"] == path.stem, path.name


@pytest.mark.parametrize("name", ["x/CL\x00AG.yaml", "CL\x00AG", Path("x/CL\x00AG.yaml")])
def test_a_name_with_a_nul_character_names_the_argument(name: object) -> None:
    # open() used to raise a bare "ValueError: embedded null byte".
    with pytest.raises(rc.InputError) as info:
        rc.load_regimen(name)  # type: ignore[arg-type]
    assert info.value.field == "name_or_path"
    assert "without a NUL character" in str(info.value)
    with pytest.raises(rc.InputError) as info:
        rc.load_regimen("CLAG", overlays=["site\x00.yaml"])
    assert info.value.field == "overlays[0]"


@pytest.mark.skipif(
    not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd to count descriptors"
)
def test_a_folder_given_as_a_file_is_refused_and_leaves_no_descriptor_open(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "CLAG.yaml"  # a folder named like a regimen file
    folder.mkdir()
    readers = {
        "regimen": lambda: rc.load_regimen(folder),
        "policy": lambda: rc.load_policy(folder),
    }
    before = len(os.listdir("/proc/self/fd"))
    for name, read in readers.items():
        for _ in range(5):
            with pytest.raises(rc.LoadError) as info:
                read()
            assert str(info.value) == f"{folder}: expected a regular file, found a folder", name
    with pytest.raises(rc.InputError) as err:
        rc.read_patients_csv(folder)
    assert err.value.field == "patients_csv" and "found a folder" in str(err.value)
    assert len(os.listdir("/proc/self/fd")) == before
