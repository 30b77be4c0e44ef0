"""What every format prints from the shared view: source confidence and the number of cycles.

CMGV's doses, days and frequencies rest on the CMG+VEN ASH abstract, graded M in the clinical
reference (§1.6, gap G3); its filgrastim days 0-10 are the library's reading of "from day 0 until
the white-cell count exceeds 20 × 10⁹/L", graded L. Lipo-MIT+CLAG is given "every 4 weeks for up
to 2 cycles" (ChiCTR2400086291 abstract), so its number of cycles prints as "at most 2 cycles".

Patient A: 170 cm, 65 kg; Mosteller √(170 × 65 / 3600) = 1.75198 → 1.75 m². Liposomal
mitoxantrone 15 mg/m² × 1.75 m² = 26.25 mg.
"""

from __future__ import annotations

import csv
import datetime
import html
import importlib.resources
import io
import json
import re
import typing

import attrs
import icalendar
import pytest

import regimen_calc as rc
from regimen_calc.model.regimen import SourceFile
from regimen_calc.render import FORMATS, render
from render_support import EXAMPLE_OVERLAY, flat, pdf_pages_text

A = rc.Patient(height="170 cm", weight="65 kg")
START = datetime.date(2026, 1, 5)


def _printed(schedule: rc.Schedule, fmt: str) -> str:
    out = render(schedule, fmt)
    if fmt == "pdf":
        assert isinstance(out, bytes)
        return flat(" ".join(pdf_pages_text(out)))
    assert isinstance(out, str)
    if fmt == "ics":  # unfold the 75-octet lines and undo the text escapes
        out = out.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";").replace("\\n", " ")
    return flat(out)


@pytest.fixture(scope="module")
def cmgv() -> rc.Schedule:
    return rc.load_regimen("CMGV").schedule(A, start=START)


def test_every_format_is_covered() -> None:
    assert set(FORMATS) == {"text", "markdown", "html", "pdf", "csv", "json", "ics"}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_marks_values_of_an_m_or_l_source(cmgv: rc.Schedule, fmt: str) -> None:
    text = _printed(cmgv, fmt)
    if fmt == "json":
        data = json.loads(text)
        day1 = {a["drug"]: a for a in data["days"][1]["administrations"]}
        assert day1["mitoxantrone liposome"]["confidence"]["dose"] == "M"
        ref = next(r for r in data["regimen"]["references"] if r["id"] == "CMGV-ASH-abstract")
        assert (ref["kind"], ref["confidence"]) == ("abstract", "M")
        kinds = [w for w in data["warnings"] if w["kind"] == "confidence"]
        assert any("Marked [M] in the schedule" in w["message"] for w in kinds)
        return
    # The mark on the value itself: the dose to give, 26.25 mg, from an M source.
    assert "26.25 mg [M]" in text
    if fmt in ("text", "markdown", "html", "pdf"):
        # The legend: the warning naming the values, their source and what M means.
        assert "Confidence M: mitoxantrone liposome drug, dose, days and frequency" in text
        assert "from CMGV-ASH-abstract, abstract. Medium confidence:" in text
        assert "CMGV-ASH-abstract" in text and "(abstract, confidence M)" in text
    if fmt in ("text", "html", "pdf", "csv", "ics"):
        # The row's flag says what the mark means, also where the warnings are not printed.
        assert "[M] drug, dose, days, frequency: from a source of medium confidence" in text
        assert "[L] days: from a source of low confidence" in text  # filgrastim days 0-10


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "pdf", "json"])
def test_up_to_2_cycles_prints_as_at_most_2(fmt: str) -> None:
    sched = rc.load_regimen("Lipo-MIT+CLAG").schedule(A, start=START)
    text = _printed(sched, fmt)
    if fmt == "json":
        regimen = json.loads(text)["regimen"]
        assert (regimen["max_cycles"], regimen["max_cycles_bound"]) == (2, "at_most")
        return
    assert "at most 2 cycles" in text
    assert "Number of cycles: 2 cycles" not in text


def test_a_regimen_of_h_sources_prints_no_mark() -> None:
    text = _printed(rc.load_regimen("CLAG").schedule(A, start=START), "text")
    assert "[M]" not in text and "[L]" not in text
    assert "Source confidence" not in text


# ------------------------------------------------------------------------ every warning, everywhere

_POLICIES = importlib.resources.files("regimen_calc") / "data" / "policies"
_OVERLAYS = importlib.resources.files("regimen_calc") / "regimens" / "overlays"
B = rc.Patient(height="170 cm", weight="70 kg")


def _every_warning_kind() -> dict[str, rc.Schedule]:
    """Schedules that between them raise every kind of warning the engine defines."""
    policy = attrs.evolve(
        rc.load_policy(str(_POLICIES / "example-institution.yaml")),
        bsa_cap=rc.units.ureg.Quantity(1.5, "m**2"),  # a cap the patient's 1.82 m² is above
    )
    return {
        # interaction (posaconazole), hold (a count met), label, lab, assumed, not stated.
        "CLAG+VEN posaconazole": rc.load_regimen("CLAG+VEN").schedule(
            B,
            start=START,
            concomitant=[{"name": "posaconazole", "start_day": 0}],
            labs={1: {"wbc": 22}},
        ),
        # the protocol's 100 mg above the label's 10/20/50 mg; the start gate not evaluated.
        "CLAG+VEN protocol voriconazole": rc.load_regimen("CLAG+VEN").schedule(
            B,
            start=START,
            concomitant=["voriconazole"],
            rule_set="protocol",
        ),
        # two inhibitors, one whose class the sources dispute: the adjustment's notes.
        "CLAG+VEN diltiazem fluconazole": rc.load_regimen("CLAG+VEN").schedule(
            B,
            start=START,
            concomitant=["diltiazem", "fluconazole"],
        ),
        # rounding (filgrastim 350 mcg), policy (the BSA cap), cycle (cycle 2 of a number not
        # stated).
        "CLAG example policy cycle 2": rc.load_regimen("CLAG").schedule(
            B, start=START, cycle=2, policy=policy
        ),
        # limit (prior mitoxantrone above its limit; prior doxorubicin, which has none, and the
        # combined doxorubicin equivalent), confidence.
        "MEC prior exposure": rc.load_regimen("MEC").schedule(
            B,
            start=START,
            prior_exposure={"mitoxantrone": 120, "doxorubicin": 100},
            override_cumulative="cardiology review",
        ),
        # site values from an overlay.
        "VA-CAG example site": rc.load_regimen(
            "VA-CAG", overlays=[str(_OVERLAYS / "VA-CAG.example-site.yaml")]
        ).schedule(B, start=START),
    }


@pytest.fixture(scope="module")
def warned() -> dict[str, rc.Schedule]:
    return _every_warning_kind()


def _readable(schedule: rc.Schedule, fmt: str) -> str:
    """The output as a reader sees it: markup, escapes and line folding undone."""
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(render(schedule, "csv"), newline="")))
        return flat(" ".join(cell for row in rows for cell in row))
    if fmt == "ics":
        cal = icalendar.Calendar.from_ical(render(schedule, "ics"))
        return flat(" ".join(str(e["description"]) for e in cal.walk("VEVENT")))
    if fmt == "json":
        warnings = json.loads(render(schedule, "json"))["warnings"]
        return flat(" ".join(w["message"] for w in warnings))
    text = _printed(schedule, fmt)
    if fmt == "html":
        text = re.sub(r"<[^>]+>", " ", text)
    if fmt in ("html", "markdown"):
        text = html.unescape(text).replace("\\|", "|")
    return flat(text)


def test_the_warning_schedules_cover_every_kind(warned: dict[str, rc.Schedule]) -> None:
    # A new kind of warning fails here until a schedule above raises it.
    raised = {w.kind for s in warned.values() for w in s.warnings}
    assert raised == set(typing.get_args(rc.engine.schedule.WarningKind))
    # The interaction table's notes are part of the dose's reasoning, as the warnings are.
    voriconazole = warned["CLAG+VEN protocol voriconazole"]
    assert any("ABOVE the label" in w.message for w in voriconazole.warnings)
    assert any("NOT EVALUATED" in w.message for w in voriconazole.warnings)
    notes = [
        a.adjustment.note
        for _d, a in warned["CLAG+VEN diltiazem fluconazole"].administrations()
        if a.adjustment is not None
    ]
    assert any("several rules apply" in n and "sources disagree" in n for n in notes)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("name", sorted(_every_warning_kind()))
def test_every_warning_reaches_every_format(
    warned: dict[str, rc.Schedule], name: str, fmt: str
) -> None:
    schedule = warned[name]
    text = _readable(schedule, fmt)
    missing = [w.message for w in schedule.warnings if flat(w.message) not in text]
    assert missing == []
    notes = {a.adjustment.note for _d, a in schedule.administrations() if a.adjustment}
    missing = [n for n in notes if n and flat(n) not in text and fmt != "json"]
    assert missing == []


# ----------------------------------------------------------------- a rounding flagged for review

_REVIEW = "REVIEW by a pharmacist (rounding beyond the policy's limit)"


@pytest.fixture(scope="module")
def flagged() -> rc.Schedule:
    # Filgrastim 5 mcg/kg × 70 kg = 350 mcg; the example policy's nearest syringe, 300 mcg, is
    # −14.3%: beyond its 10%, so 350 mcg is kept for pharmacist review (clinical reference §3).
    policy = rc.load_policy(str(_POLICIES / "example-institution.yaml"))
    return rc.load_regimen("CLAG").schedule(B, start=START, policy=policy)


def _text_status(text: str, day: str) -> str:
    """The Status cell of the text table's first row of ``day`` (its wrapped lines joined)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {day} "))
    cell = []
    for line in lines[start:]:
        if line.startswith("+"):
            break
        cell.append(line.split("|")[-2].strip())
    return " ".join(cell)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_rounding_for_review_says_so_in_the_status(flagged: rc.Schedule, fmt: str) -> None:
    out = render(flagged, fmt)
    if fmt == "json":
        a = json.loads(out)["days"][0]["administrations"][0]
        assert a["rounding"]["flagged"] is True and a["dose"]["text"] == "350 mcg"
        return
    if fmt == "text":
        status = _text_status(out, "Day 0")
        assert status.startswith(_REVIEW) and "give" not in status
    elif fmt == "csv":
        row = next(csv.DictReader(io.StringIO(out, newline="")))
        assert (row["day"], row["drug"], row["dose_to_give"]) == ("0", "filgrastim", "350 mcg")
        assert row["status"].startswith(_REVIEW)
        # Once among the flags: the engine's review warning, not a second wording of it.
        assert row["flags"].count("PHARMACIST REVIEW") == 1
        assert "rounding not applied" not in row["flags"]
    elif fmt == "html":
        row = re.search(r'<tbody class="day" id="day-0">(.*?)</tbody>', out, re.S).group(1)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert html.unescape(cells[-1]).startswith(_REVIEW)
        assert cells[-2].count("PHARMACIST REVIEW") == 1  # the holds cell's flags
        assert "rounding not applied" not in row
    elif fmt == "ics":
        day0 = next(iter(icalendar.Calendar.from_ical(out).walk("VEVENT")))
        assert _REVIEW in str(day0["description"])
    else:
        text = _printed(flagged, fmt)
        if fmt == "markdown":
            text = html.unescape(text)
        assert flat(_REVIEW) in text
        assert "rounding not applied" not in text


# ------------------------------------------------------------------------ the files behind it

_HASH_A = "0123456789abcdef" * 4
_HASH_B = "fedcba9876543210" * 4


@pytest.fixture(scope="module")
def from_files() -> rc.Schedule:
    regimen = attrs.evolve(
        rc.load_regimen("CLAG+VEN"),
        files=(
            SourceFile(role="regimen", path="regimens/CLAG+VEN.yaml", sha256=_HASH_A, bundled=True),
            SourceFile(role="base", path="/site/regimens/CLAG.yaml", sha256=_HASH_B),
        ),
    )
    return regimen.schedule(A, start=START)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_names_its_files_and_their_hashes(from_files: rc.Schedule, fmt: str) -> None:
    if fmt == "json":
        files = json.loads(render(from_files, "json"))["regimen"]["files"]
        assert files == [
            {
                "role": "regimen",
                "path": "regimens/CLAG+VEN.yaml",
                "sha256": _HASH_A,
                "bundled": True,
            },
            {
                "role": "base",
                "path": "/site/regimens/CLAG.yaml",
                "sha256": _HASH_B,
                "bundled": False,
            },
        ]
        return
    text = _readable(from_files, fmt)
    if fmt in ("csv", "ics"):  # machine formats: the whole hash
        assert f"regimen: regimens/CLAG+VEN.yaml (bundled) sha256:{_HASH_A}" in text
        assert f"base: /site/regimens/CLAG.yaml sha256:{_HASH_B}" in text
    else:  # paper: the first 12 hex digits, enough to compare with `sha256sum`
        assert "regimens/CLAG+VEN.yaml (bundled), SHA-256 0123456789ab" in text
        assert "/site/regimens/CLAG.yaml, SHA-256 fedcba987654" in text
        assert _HASH_A not in text


def test_a_regimen_built_in_code_says_it_has_no_file() -> None:
    regimen = attrs.evolve(rc.load_regimen("CLAG"), files=())
    text = _readable(regimen.schedule(A, start=START), "text")
    assert "Source files: not recorded (a regimen built in code, not read from a file)" in text


# ------------------------------------------------------------- lab values, drug names, grades


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_hold_prints_the_lab_by_name_through_the_formatter(fmt: str) -> None:
    # CLAG+VEN: filgrastim is suspended while the white-cell count is ≥ 20 × 10⁹/L
    # (NCT06763666); 22 on day 1 holds it.
    sched = rc.load_regimen("CLAG+VEN").schedule(B, start=START, labs={1: {"wbc": 22}})
    text = _readable(sched, fmt) if fmt != "json" else flat(render(sched, "json"))
    assert "filgrastim held: white-cell count 22 × 10⁹/L" in text
    assert "wbc 22" not in text
    if fmt != "json":  # JSON keeps the unit as data (conditions[].unit is "10^9/L")
        assert "10^9/L" not in text


def test_the_bundled_rules_and_names_use_full_generic_drug_names() -> None:
    # ISMP (clinical reference §6.1): full generic names, never "G-CSF" as an order term. The
    # notes that quote a source ("The source writes 'G-CSF'") keep the source's word.
    from regimen_calc.io.regimen_files import available_regimens

    for regimen_id in available_regimens():
        regimen = rc.load_regimen(regimen_id)
        assert "G-CSF" not in regimen.name, regimen_id
        for comp in regimen.components:
            for cond in comp.conditions:
                assert "G-CSF" not in cond.text, (regimen_id, comp.id)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_label_tables_doses_carry_their_grade(fmt: str) -> None:
    # The label's posaconazole table (10, 20, 50, 70 mg) follows the USPI as quoted by a
    # secondary source: confidence M (clinical reference §2, gap G5).
    sched = rc.load_regimen("CLAG+VEN").schedule(
        B, start=START, concomitant=[{"name": "posaconazole", "start_day": 0}]
    )
    if fmt == "json":
        data = json.loads(render(sched, "json"))
        adjusted = [
            a["interaction"]
            for d in data["days"]
            for a in d["administrations"]
            if a["interaction"] is not None
        ]
        assert len(adjusted) == 7  # days 2-8
        assert {(i["rule"], i["confidence"]) for i in adjusted} == {
            ("label.strong.posaconazole", "M")
        }
        return
    text = _readable(sched, fmt)
    for dose in ("10 mg [M]", "20 mg [M]", "50 mg [M]", "70 mg [M]"):
        assert dose in text, dose
    assert "[M] interaction rule: from a source of medium confidence" in text


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_start_gate_is_among_the_holds(fmt: str) -> None:
    # Venclexta label (clinical reference §2): white-cell count below 25 × 10⁹/L before the
    # first dose. CLAG+VEN's venetoclax carries it with its regimen's own conditions (none).
    sched = rc.load_regimen("CLAG+VEN").schedule(B, start=START)
    if fmt == "json":
        data = json.loads(render(sched, "json"))
        gate = [w for w in data["warnings"] if w["kind"] == "start_gate"]
        assert gate and "below 25 × 10⁹/L" in gate[0]["message"]
        return
    text = _readable(sched, fmt)
    assert "Start only if white-cell count below 25 × 10⁹/L before the first dose" in text
    if fmt == "text":
        assert "venetoclax: - holds: Start only if white-cell count below 25 × 10⁹/L" in text


def test_the_rules_grade_marks_the_adjusted_dose_not_the_written_one() -> None:
    # Venetoclax 400 mg is NCT06763666's own dose (registry, H); only the 10 mg the M-graded
    # posaconazole table makes of it is marked.
    sched = rc.load_regimen("CLAG+VEN").schedule(
        B, start=START, concomitant=[{"name": "posaconazole", "start_day": 0}]
    )
    rows = list(csv.DictReader(io.StringIO(render(sched, "csv"), newline="")))
    day2 = next(r for r in rows if (r["day"], r["drug"]) == ("2", "venetoclax"))
    assert day2["dose_per_unit"] == "400 mg"
    assert day2["dose_to_give"].startswith("10 mg [M]")
    assert rows[0]["dose_per_unit"] == "5 mcg/kg"  # filgrastim, day 0: no interaction, no mark


@pytest.mark.parametrize("fmt", ["ics", "csv"])
def test_example_overlay_banner_in_every_format(fmt: str) -> None:
    """A schedule with the bundled example site overlay carries the example banner in the
    calendar and the CSV, as in the text."""
    reg = rc.load_regimen("VA-CAG", overlays=[EXAMPLE_OVERLAY])
    s = reg.schedule(rc.Patient(height="170 cm", weight="70 kg"), start=START)
    assert "NOT FOR PATIENT USE" in render(s, "text")
    assert "NOT FOR PATIENT USE" in render(s, fmt)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_a_held_dose_prints_what_the_lab_showed_not_the_rule(fmt: str) -> None:
    # CMGV filgrastim continues until the white-cell count exceeds 20 × 10⁹/L (CMG+VEN ASH
    # abstract): 25 on day 3 stops it from day 3. The status shows the finding; the rule is
    # printed once among the holds.
    sched = rc.load_regimen("CMGV").schedule(A, start=START, labs={3: {"wbc": 25}})
    (fil,) = [a for a in sched.day(4).administrations if a.drug == "filgrastim"]
    assert fil.hold_finding == "stopped from day 3: white-cell count 25 × 10⁹/L"
    text = _readable(sched, fmt)
    assert "HELD (stopped from day 3: white-cell count 25 × 10⁹/L)" in text


def test_a_rounding_rule_in_micrograms_is_worded_mcg() -> None:
    # ISMP: mcg, never µg. Pack sizes are written in mcg (other spellings are refused), and the
    # rule's wording prints them through the formatter; the printed page copies it unchanged.
    pol = rc.DosingPolicy(
        drugs={"filgrastim": rc.DrugPolicy(rounding=rc.NearestPack(["300 mcg", "480 mcg"]))}
    )
    sched = rc.load_regimen("CLAG").schedule(A, policy=pol)
    (fil,) = sched.day(0).administrations
    assert fil.rounding.rule.startswith("nearest total of whole packs (300 mcg, 480 mcg")
    page = _readable(sched, "markdown")
    assert "Rounding: filgrastim" in page
    assert "nearest total of whole packs (300 mcg, 480 mcg), max deviation 10%" in page
    for spelling in ("300 ug", "300 µg", "300 microgram"):
        with pytest.raises(rc.InputError) as err:
            rc.NearestPack([spelling])
        assert err.value.field == "rounding.sizes[0]" and "write mcg" in str(err.value)
