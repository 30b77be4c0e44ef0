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
import re
from typing import TYPE_CHECKING

from regimen_calc.errors import InputError, RegimenCalcError
from regimen_calc.render._view import build_view, warnings_for
from regimen_calc.wording.ismp import source_files_text

if TYPE_CHECKING:
    from regimen_calc.engine.schedule import Schedule

__all__ = ["render_ics"]


# Control characters RFC 5545 does not allow in a TEXT value (HTAB is allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")
# A content line: a property name (letters, digits, "-"), then its parameters or its value.
_CONTENT_LINE = re.compile(r"[A-Za-z0-9-]+[;:]")


def _one_line(text: str) -> str:
    """A single-line property value (summary, calendar name): line breaks and controls as spaces.

    icalendar escapes ``;``, ``,`` and ``\\`` of every text value; this leaves nothing that could
    end the content line early.
    """
    return _CONTROL.sub(" ", _LINE_BREAK.sub(" ", text))


def _lines(text: str) -> str:
    """A multi-line value (the description): any line break as ``\\n``, no other controls."""
    return "\n".join(_CONTROL.sub(" ", line) for line in _LINE_BREAK.split(text))


def _check_content_lines(ics: str, events: int) -> None:
    """Refuse to return a calendar whose lines are not the ones this writer made.

    Not an ``assert``: it must also hold under ``python -O``.
    """
    lines = ics[:-2].split("\r\n") if ics.endswith("\r\n") else None
    bad = lines is None or any(
        _CONTROL.search(line)
        or (line and not line.startswith(" ") and not _CONTENT_LINE.match(line))
        for line in lines
    )
    if bad or ics.count("\r\nBEGIN:VEVENT\r\n") != events:
        raise RegimenCalcError(
            "iCalendar: a text of the schedule broke the calendar's line structure; "
            "the file was not written"
        )


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
    cal.add("prodid", _one_line(f"-//regimen_calc//{view.generated_by}//EN"))
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _one_line(f"{reg.id} cycle {schedule.cycle}"))
    stamp = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    identifier = (patient.identifier or "") if include_patient else ""
    seed = f"{reg.id}|{reg.version}|{schedule.cycle}|{identifier}|{schedule.start}"
    # The regimen's cycle length and number of cycles, "not stated by SOURCE" where so.
    cycle = [f"{k}: {v}" for k, v in view.cycle if k in ("Cycle length", "Number of cycles")]
    for day_view, day in zip(view.days, schedule.days, strict=True):
        if day.date is None:  # every day has a date when the schedule has a start
            raise InputError("start", "a start date for every day of the schedule", None)
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
        event.add(
            "summary",
            _one_line(f"{example}{reg.id} cycle {schedule.cycle}, {day_view.label}: {drugs}"),
        )
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
            if r.notes:
                line += "; " + "; ".join(r.notes)  # the regimen's notes on the drug
            if r.flags:
                line += "; " + "; ".join(r.flags)  # e.g. rounding flagged for pharmacist review
            lines.append(line)
        warnings = warnings_for(view, tuple(r.component for r in day_view.rows))
        if warnings:
            lines += ["", "Warnings:", *(f"- {w.line}" for w in warnings)]
        lines += ["", f"Source files: {source_files_text(reg)}", "", view.disclaimer]
        event.add("description", _lines("\n".join(lines)))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    out = cal.to_ical().decode("utf-8")
    _check_content_lines(out, len(view.days))
    return out
