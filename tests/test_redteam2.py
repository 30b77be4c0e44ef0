"""Red-team, round 2: consistency of held, flagged, assumed, site and example values across every
output format, and the forecast against the schedules it sums.

Each test states the behaviour the product promise requires ("no wrong or unflagged dose anywhere
a person or machine reads it; every not-stated or assumed value visibly marked"). Each was found
failing by an independent review and fixed; the tests keep it fixed.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import regimen_calc as rc
from regimen_calc.cli import main as cli_main
from regimen_calc.render import render

ROOT = Path(__file__).resolve().parents[1]
OVERLAY = ROOT / "regimens" / "overlays" / "VA-CAG.example-site.yaml"
EXAMPLE_POLICY = ROOT / "src" / "regimen_calc" / "data" / "policies" / "example-institution.yaml"
START = datetime.date(2026, 1, 5)
P70 = rc.Patient(height="170 cm", weight="70 kg")


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


# ------------------------------------------------------------------------------------------------
# 1. Held / stopped doses still listed as plain drugs in the calendar event titles and grids
# ------------------------------------------------------------------------------------------------


def test_ics_summary_marks_held_and_stopped_doses() -> None:
    # CMGV: G-CSF 'continue until WBC > 20, then stop'. WBC 25 on day 2: stopped from day 2 on.
    s = rc.load_regimen("CMGV").schedule(
        P70, start=START, labs={0: {"wbc": 5}, 1: {"wbc": 8}, 2: {"wbc": 25}})
    held_days = [d.day for d in s.days for a in d.administrations
                 if a.drug == "filgrastim" and a.held]
    assert held_days == list(range(2, 11))
    events = _ics_events(render(s, "ics"))
    for day in held_days:
        summary, _desc = events[day]
        # The event title is what a calendar shows; a stopped drug must not read as scheduled.
        assert "filgrastim" not in summary or "HELD" in summary.upper() or \
            "STOPPED" in summary.upper(), f"day {day}: {summary!r}"


def test_printed_calendar_marks_held_doses() -> None:
    s = rc.load_regimen("CLAG").schedule(P70, start=START, labs={0: {"wbc": 25}})
    assert s.day(0).administrations[0].held
    text = render(s, "text")
    calendar = text.split("Calendar\n--------", 1)[1].split("Day-by-day schedule", 1)[0]
    # Day 0 (Sun 4 Jan) has only filgrastim, and it is held.
    sunday_cell = [line.split("|")[-2].strip() for line in calendar.splitlines()
                   if line.startswith("|")]
    assert "filgrastim" not in sunday_cell or any("HELD" in c.upper() for c in sunday_cell)


# ------------------------------------------------------------------------------------------------
# 2. iCalendar drops flags and provenance marks of given doses
# ------------------------------------------------------------------------------------------------


def test_ics_flags_unrounded_dose_for_pharmacist_review() -> None:
    policy = rc.load_policy(EXAMPLE_POLICY)
    s = rc.load_regimen("CLAG").schedule(P70, start=START, policy=policy)
    a = s.day(2).administrations[-1]
    assert a.drug == "filgrastim" and a.rounding.flagged  # 350 mcg kept, 300 mcg is -14.3%
    assert "PHARMACIST REVIEW" in render(s, "csv")
    assert "PHARMACIST REVIEW" in render(s, "text")
    _summary, desc = _ics_events(render(s, "ics"))[2]
    line = _drug_line(desc, "filgrastim")
    assert "350 mcg" in line
    assert "REVIEW" in line.upper() or "FLAG" in line.upper(), line


def test_ics_marks_assumed_and_site_values() -> None:
    reg = rc.load_regimen("VA-CAG", overlays=[OVERLAY])
    s = reg.schedule(P70, start=START, concomitant=["posaconazole"])
    events = _ics_events(render(s, "ics"))
    _summary, desc = events[3]
    # Venetoclax's ramp (dose steps) is a site value; its route is only "assumed".
    ven = _drug_line(desc, "venetoclax")
    assert "SITE" in ven.upper(), ven
    # Filgrastim itself is an assumed drug ("G-CSF" in the source): the text row says so.
    fil = _drug_line(desc, "filgrastim")
    # (The text table wraps its status column, so the mark is checked on the printed row's text.)
    from regimen_calc.render._view import build_view

    row = next(r for r in build_view(s).days[3].rows if r.drug == "filgrastim")
    assert "drug ASSUMED" in row.status
    assert "ASSUMED" in fil.upper(), fil


@pytest.mark.parametrize("fmt", ["ics", "csv"])
def test_example_overlay_banner_in_every_format(fmt: str) -> None:
    reg = rc.load_regimen("VA-CAG", overlays=[OVERLAY])
    s = reg.schedule(P70, start=START)
    assert "NOT FOR PATIENT USE" in render(s, "text")
    assert "NOT FOR PATIENT USE" in render(s, fmt)


def test_example_policy_gets_example_banner() -> None:
    policy = rc.load_policy(EXAMPLE_POLICY)
    s = rc.load_regimen("CLAG").schedule(
        rc.Patient(height="160 cm", weight="65 kg"), start=START, policy=policy)
    a = s.day(1).administrations[-1]
    assert a.drug == "filgrastim" and rc.format_quantity(a.dose) == "300 mcg"  # 325 rounded
    assert "NOT FOR PATIENT USE" in render(s, "text")


# ------------------------------------------------------------------------------------------------
# 3. Forecast: totals match the schedules, but the flags behind them are dropped
# ------------------------------------------------------------------------------------------------


def test_forecast_notes_flagged_and_above_label_doses() -> None:
    policy = rc.load_policy(EXAMPLE_POLICY)
    f = rc.forecast(rc.load_regimen("CLAG"), [P70], policy=policy)
    s = rc.load_regimen("CLAG").schedule(P70, policy=policy)
    assert any(a.rounding.flagged for _d, a in s.administrations())
    assert f.drug("filgrastim").total == pytest.approx(2100)  # 6 × 350 mcg, the flagged dose
    notes = " ".join(f.notes).lower()
    assert "review" in notes or "flagged" in notes or "rounding" in notes, f.notes

    reg = rc.load_regimen("CLAG+VEN")
    f2 = rc.forecast(reg, [P70], concomitant_by_patient=[["posaconazole"]], rule_set="protocol")
    s2 = reg.schedule(P70, concomitant=["posaconazole"], rule_set="protocol")
    assert any("ABOVE the label" in w.message for w in s2.warnings)
    assert any("above" in n.lower() and "label" in n.lower() for n in f2.notes), f2.notes


def test_forecast_says_hold_rules_not_applied() -> None:
    # CLAG: "suspend filgrastim while WBC >= 20" (NCT06763666). The forecast sums all 6 doses.
    f = rc.forecast(rc.load_regimen("CLAG"), [P70])
    assert f.drug("filgrastim").total == pytest.approx(6 * 350)
    notes = " ".join(f.notes).lower()
    assert "hold" in notes or "white-cell" in notes or "suspend" in notes, f.notes


# ------------------------------------------------------------------------------------------------
# 4. `show` labels values the source does not state as "stated"
# ------------------------------------------------------------------------------------------------


def test_show_does_not_call_unstated_values_stated() -> None:
    result = CliRunner().invoke(cli_main, ["show", "VA-CAG", "--overlay", str(OVERLAY)])
    assert result.exit_code == 0, result.output
    block = result.output.split("aclarubicin (component aclarubicin)", 1)[1]
    infusion = next(line for line in block.splitlines() if line.strip().startswith("infusion:"))
    assert "infusion: not stated [not stated" in infusion
    assert "[stated" not in infusion, infusion
