"""iCalendar: one all-day event per treatment day, parsed back with icalendar."""

from __future__ import annotations

import ast
import datetime
import subprocess
import sys
from pathlib import Path

import attrs
import icalendar
import pytest

import regimen_calc as rc
from regimen_calc.errors import InputError
from regimen_calc.render import render
from render_support import EXAMPLE_OVERLAY, EXAMPLE_POLICY, START, worked_example


def test_one_event_per_treatment_day() -> None:
    cal = icalendar.Calendar.from_ical(render(worked_example(identifier="MRN 1"), "ics"))
    events = list(cal.walk("VEVENT"))
    assert len(events) == 9  # days 0-8
    starts = [e.decoded("dtstart") for e in events]
    assert starts == [datetime.date(2026, 1, 4) + datetime.timedelta(days=i) for i in range(9)]
    assert all(
        e.decoded("dtend") - e.decoded("dtstart") == datetime.timedelta(days=1) for e in events
    )
    assert len({str(e["uid"]) for e in events}) == 9
    day1 = str(events[1]["description"])
    assert "cladribine: 9.1 mg" in day1 and "cytarabine: 1,820 mg" in day1
    assert "filgrastim: 350 mcg" in day1
    assert "Day 1" in str(events[1]["summary"])
    day5 = str(events[5]["description"])
    assert "venetoclax: 70 mg" in day5 and "1 × 50 mg + 2 × 10 mg tablets" in day5
    assert "not a prescribing source" in day5
    # The patient is left out unless asked for: calendars are often synced outside the hospital.
    assert "MRN 1" not in render(worked_example(identifier="MRN 1"), "ics")


def test_patient_only_when_asked_for() -> None:
    sched = worked_example(identifier="MRN 1")
    with_patient = render(sched, "ics", include_patient=True)
    assert "MRN 1" in with_patient
    without = icalendar.Calendar.from_ical(render(sched, "ics"))
    other = icalendar.Calendar.from_ical(render(worked_example(identifier="MRN 2"), "ics"))
    # Without the identifier the UIDs cannot tell two patients apart (documented trade-off).
    assert [str(e["uid"]) for e in without.walk("VEVENT")] == [
        str(e["uid"]) for e in other.walk("VEVENT")
    ]
    with pytest.raises(InputError, match="include_patient"):
        render(sched, "ics", include_patient="yes")


def test_needs_a_start_date() -> None:
    sched = rc.load_regimen("CLAG").schedule(rc.Patient(height="170 cm", weight="70 kg"))
    with pytest.raises(InputError, match="start"):
        render(sched, "ics")


def test_each_event_states_the_cycle_and_the_label_instructions() -> None:
    events = list(icalendar.Calendar.from_ical(render(worked_example(), "ics")).walk("VEVENT"))
    for event in events:
        text = str(event["description"])
        # NCT06763666 states neither (clinical reference §1.1): said, with the source.
        assert "Cycle length: not stated by NCT06763666" in text
        assert "Number of cycles: not stated by NCT06763666" in text
    day2 = str(events[2]["description"])  # venetoclax starts on day 2
    assert "[Label instruction] venetoclax: Before the first dose" in day2
    assert "[Label instruction] venetoclax" not in str(events[1]["description"])


_HOSTILE = "A\r\nBEGIN:VEVENT\r\nSUMMARY:x;y,z\rEND:VEVENT\nB"


def _hostile_schedule() -> rc.Schedule:
    """A schedule whose regimen texts hold CR, LF, CRLF, ``;`` and ``,`` (built in code)."""
    regimen = rc.load_regimen("CLAG")
    fil = regimen.component("filgrastim")
    fil = attrs.evolve(fil, notes=(f"note {_HOSTILE}",))
    regimen = attrs.evolve(
        regimen,
        id=f"id {_HOSTILE}",
        name=f"name {_HOSTILE}",
        version=f"1 {_HOSTILE}",
        components=tuple(fil if c.id == "filgrastim" else c for c in regimen.components),
    )
    # A patient's name and identifier cannot hold line breaks (the Patient refuses them).
    patient = rc.Patient(height="170 cm", weight="70 kg", name="P", identifier="I")
    return regimen.schedule(patient, start=datetime.date(2026, 1, 5))


def _check_hostile(out: str) -> None:
    # Each property on its own line: one VEVENT per treatment day (CLAG: days 0-5), no other.
    assert out.split("\r\n").count("BEGIN:VEVENT") == 6
    assert "\r" not in out.replace("\r\n", "") and "\n" not in out.replace("\r\n", "")
    events = list(icalendar.Calendar.from_ical(out).walk("VEVENT"))
    assert len(events) == 6
    flat_hostile = "A BEGIN:VEVENT SUMMARY:x;y,z END:VEVENT B"
    assert str(events[0]["summary"]).startswith(f"id {flat_hostile} cycle 1, Day 0")
    text = str(events[0]["description"])
    lines = "A\nBEGIN:VEVENT\nSUMMARY:x;y,z\nEND:VEVENT\nB"  # each break kept as a break
    for expected in (f"name {lines}", f"note {lines}"):
        assert expected in text


def test_texts_with_line_breaks_and_separators_are_escaped() -> None:
    _check_hostile(render(_hostile_schedule(), "ics", include_patient=True))


def test_escaping_holds_under_python_dash_o() -> None:
    # The writer's own checks are not asserts: `python -O` strips those (icalendar's among them).
    script = (
        "import sys; sys.path.insert(0, 'tests'); import test_render_ics as t; "
        "from regimen_calc.render import render; "
        "out = render(t._hostile_schedule(), 'ics', include_patient=True); "
        "sys.stdout.write(repr(out))"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-O", "-c", script], capture_output=True, text=True, timeout=120, cwd=root
    )
    assert result.returncode == 0, result.stderr
    out = ast.literal_eval(result.stdout)
    assert out.split("\r\n").count("BEGIN:VEVENT") == 6  # no event injected
    _check_hostile(out)


def test_a_held_dose_has_no_tablets_in_its_event() -> None:
    from render_support import held_start

    cal = icalendar.Calendar.from_ical(render(held_start(), "ics"))
    by_date = {e["dtstart"].dt: str(e["description"]) for e in cal.walk("VEVENT")}
    # Day 1 is 5 Jan 2026 (render_support.START): day 2 held, day 4 the first dose (10 mg).
    day2 = by_date[datetime.date(2026, 1, 6)]
    day4 = by_date[datetime.date(2026, 1, 8)]
    venetoclax2 = next(line for line in day2.splitlines() if "venetoclax" in line)
    assert "HELD" in venetoclax2 and "tablet" not in venetoclax2
    venetoclax4 = next(line for line in day4.splitlines() if "venetoclax" in line)
    assert "1 × 10 mg tablet" in venetoclax4


# ------------------------------------------------------------------------------------------------
# Event titles and descriptions carry the held, flagged, assumed and site marks
# ------------------------------------------------------------------------------------------------

_P70 = rc.Patient(height="170 cm", weight="70 kg")


def _ics_events(ics: str) -> dict[int, tuple[str, str]]:
    """Day number -> (SUMMARY, DESCRIPTION), unfolded and unescaped."""
    text = ics.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")
    out = {}
    for block in text.split("BEGIN:VEVENT")[1:]:
        summary = block.split("SUMMARY:", 1)[1].split("\r\n", 1)[0]
        desc = block.split("DESCRIPTION:", 1)[1].split("\r\nTRANSP", 1)[0]
        day = int(summary.split("Day ", 1)[1].split(":", 1)[0])
        out[day] = (summary, desc)
    return out


def _drug_line(desc: str, drug: str) -> str:
    return next(line for line in desc.splitlines() if line.startswith(f"{drug}:"))


def test_ics_summary_marks_held_and_stopped_doses() -> None:
    """CMGV: G-CSF 'continue until WBC > 20, then stop'. WBC 25 on day 2: stopped from day 2 on,
    and the event title (what a calendar shows) does not read as if it were scheduled."""
    s = rc.load_regimen("CMGV").schedule(
        _P70, start=START, labs={0: {"wbc": 5}, 1: {"wbc": 8}, 2: {"wbc": 25}}
    )
    held_days = [
        d.day for d in s.days for a in d.administrations if a.drug == "filgrastim" and a.held
    ]
    assert held_days == list(range(2, 11))
    # Cytarabine runs days 1-7; venetoclax (days 2-10) never starts: the label's start gate is a
    # white-cell count below 25 × 10⁹/L (clinical-reference §2), and day 2's is 25.
    events = _ics_events(render(s, "ics"))
    summaries = {day: summary for day, (summary, _desc) in events.items()}
    assert summaries == {
        0: "CMGV cycle 1, Day 0: filgrastim",
        1: "CMGV cycle 1, Day 1: mitoxantrone liposome, cytarabine, filgrastim",
        **{
            d: f"CMGV cycle 1, Day {d}: cytarabine, filgrastim (HELD), venetoclax (HELD)"
            for d in range(2, 8)
        },
        **{d: f"CMGV cycle 1, Day {d}: filgrastim (HELD), venetoclax (HELD)" for d in (8, 9, 10)},
    }


def test_ics_flags_unrounded_dose_for_pharmacist_review() -> None:
    """A dose kept unrounded because rounding would exceed the max deviation is flagged for
    pharmacist review in the calendar event as in the CSV and the text."""
    policy = rc.load_policy(EXAMPLE_POLICY)
    s = rc.load_regimen("CLAG").schedule(_P70, start=START, policy=policy)
    a = s.day(2).administrations[-1]
    assert a.drug == "filgrastim" and a.rounding.flagged  # 350 mcg kept, 300 mcg is -14.3%
    assert "PHARMACIST REVIEW" in render(s, "csv")
    assert "PHARMACIST REVIEW" in render(s, "text")
    _summary, desc = _ics_events(render(s, "ics"))[2]
    line = _drug_line(desc, "filgrastim")
    # 5 mcg/kg × 70 kg = 350 mcg; the nearest syringe, 300 mcg, is (300 − 350) / 350 = −14.3%.
    assert line.startswith("filgrastim: 350 mcg, subcutaneous (subcut), once daily;"), line
    assert "; REVIEW by a pharmacist (rounding beyond the policy's limit) (drug ASSUMED);" in line
    assert line.endswith(
        "; PHARMACIST REVIEW: rounding would change the dose by -14.3%, beyond the 10% allowed;"
        " unrounded dose kept"
    ), line


def test_ics_marks_assumed_and_site_values() -> None:
    """Venetoclax's ramp (dose steps) in the example overlay is a site value, and filgrastim is an
    assumed drug ("G-CSF" in the source): the calendar event marks both."""
    reg = rc.load_regimen("VA-CAG", overlays=[EXAMPLE_OVERLAY])
    s = reg.schedule(_P70, start=START, concomitant=["posaconazole"])
    events = _ics_events(render(s, "ics"))
    _summary, desc = events[3]
    ven = _drug_line(desc, "venetoclax")
    assert "give (dose steps, days, frequency SITE VALUE)" in ven, ven
    assert "steps: site (EXAMPLE-SITE-PROTOCOL)" in ven, ven
    fil = _drug_line(desc, "filgrastim")
    # (The text table wraps its status column, so the mark is checked on the printed row's text.)
    from regimen_calc.render._view import build_view

    row = next(r for r in build_view(s).days[3].rows if r.drug == "filgrastim")
    assert "drug ASSUMED" in row.status
    assert "give (drug ASSUMED; dose, days, frequency SITE VALUE)" in fil, fil
    assert fil.endswith("; drug: assumed (Neupogen-label)"), fil
