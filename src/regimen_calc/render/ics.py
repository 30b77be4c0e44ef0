"""iCalendar: one all-day event per treatment day, listing that day's drugs and doses.

Needs a start date (the date of day 1). Each event's UID is stable for the same regimen,
cycle, start date and day (and patient identifier when the patient is included), so importing a
corrected schedule again updates the events instead of adding copies.

The patient's name and identifier are left out unless asked for (``include_patient=True``,
``--ics-include-patient``): calendar files are often synced to services outside the hospital.
Without them, two patients on the same regimen, cycle and start date get the same event UIDs, so
import each patient's file into that patient's own calendar.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import TYPE_CHECKING

from ..errors import InputError
from ._view import build_view, source_files_text, warnings_for

if TYPE_CHECKING:
    from ..schedule import Schedule

__all__ = ["render_ics"]


def render_ics(schedule: Schedule, *, include_patient: bool = False) -> str:
    """The schedule as an iCalendar (``.ics``) text.

    Args:
        schedule: a schedule with a start date.
        include_patient: put the patient's name and identifier in the events (off by default).

    Raises:
        InputError: when the schedule has no start date (events need dates).
    """
    if schedule.start is None:
        raise InputError(
            "start",
            "a start date (the date of day 1) for an iCalendar file, e.g. --start 2026-01-05",
            None,
        )
    import icalendar

    view = build_view(schedule)
    reg = schedule.regimen
    patient = schedule.patient
    if not isinstance(include_patient, bool):
        raise InputError("include_patient", "True or False", include_patient)
    if include_patient:
        who = ", ".join(x for x in (patient.name, patient.identifier) if x) or "patient not named"
    else:
        who = "not included in this file (write the patient's name on any printout)"
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//regimen_calc//{view.generated_by}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{reg.id} cycle {schedule.cycle}")
    stamp = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    identifier = (patient.identifier or "") if include_patient else ""
    seed = f"{reg.id}|{reg.version}|{schedule.cycle}|{identifier}|{schedule.start}"
    # The regimen's cycle length and number of cycles, "not stated by SOURCE" where so.
    cycle = [f"{k}: {v}" for k, v in view.cycle if k in ("Cycle length", "Number of cycles")]
    for day_view, day in zip(view.days, schedule.days, strict=True):
        assert day.date is not None  # every day has a date when the schedule has a start
        event = icalendar.Event()
        uid = hashlib.sha256(f"{seed}|{day.day}".encode()).hexdigest()[:32]
        event.add("uid", f"{uid}@regimen-calc")
        event.add("dtstamp", stamp)
        event.add("dtstart", day.date)
        event.add("dtend", day.date + datetime.timedelta(days=1))
        # The title is what a calendar shows: a held or stopped drug must not read as scheduled.
        drugs = ", ".join(
            dict.fromkeys(f"{r.drug} (HELD)" if r.held else r.drug for r in day_view.rows)
        )
        example = "EXAMPLE, NOT FOR PATIENT USE: " if view.example_banner else ""
        event.add("summary", f"{example}{reg.id} cycle {schedule.cycle}, {day_view.label}: {drugs}")
        lines = [f"{reg.name}, version {reg.version}", f"Patient: {who}", *cycle, ""]
        if view.example_banner:
            lines[:0] = [view.example_banner, ""]
        for r in day_view.rows:
            line = f"{r.drug}: {r.dose}, {r.route}, {r.frequency}; {r.infusion}; {r.timing}"
            if r.tablets:
                line += f"; {r.tablets}"
            if r.holds != "none stated":
                line += f"; {r.holds}"
            if r.held or r.status != "give":
                line += f"; {r.status}"  # HELD, or the ASSUMED / SITE VALUE marks
            if r.flags:
                line += "; " + "; ".join(r.flags)  # e.g. rounding flagged for pharmacist review
            lines.append(line)
        warnings = warnings_for(view, tuple(r.component for r in day_view.rows))
        if warnings:
            lines += ["", "Warnings:", *(f"- {w.line}" for w in warnings)]
        lines += ["", f"Source files: {source_files_text(reg)}", "", view.disclaimer]
        event.add("description", "\n".join(lines))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
