"""iCalendar: one all-day event per treatment day, listing that day's drugs and doses.

Needs a start date (the date of day 1). Each event's UID is stable for the same regimen,
cycle, patient identifier, start date and day, so importing a corrected schedule again updates
the events instead of adding copies.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import TYPE_CHECKING

from ..errors import InputError
from ._view import build_view

if TYPE_CHECKING:
    from ..schedule import Schedule

__all__ = ["render_ics"]


def render_ics(schedule: Schedule) -> str:
    """The schedule as an iCalendar (``.ics``) text.

    Raises:
        InputError: when the schedule has no start date (events need dates).
    """
    if schedule.start is None:
        raise InputError(
            "start", "a start date (the date of day 1) for an iCalendar file, e.g. --start "
            "2026-01-05", None)
    import icalendar

    view = build_view(schedule)
    reg = schedule.regimen
    patient = schedule.patient
    who = ", ".join(x for x in (patient.name, patient.identifier) if x) or "patient not named"
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//regimen_calc//{view.generated_by}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{reg.id} cycle {schedule.cycle}")
    stamp = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    seed = f"{reg.id}|{reg.version}|{schedule.cycle}|{patient.identifier or ''}|{schedule.start}"
    for day_view, day in zip(view.days, schedule.days, strict=True):
        assert day.date is not None  # every day has a date when the schedule has a start
        event = icalendar.Event()
        uid = hashlib.sha256(f"{seed}|{day.day}".encode()).hexdigest()[:32]
        event.add("uid", f"{uid}@regimen-calc")
        event.add("dtstamp", stamp)
        event.add("dtstart", day.date)
        event.add("dtend", day.date + datetime.timedelta(days=1))
        drugs = ", ".join(dict.fromkeys(r.drug for r in day_view.rows))
        event.add("summary", f"{reg.id} cycle {schedule.cycle}, {day_view.label}: {drugs}")
        lines = [f"{reg.name}, version {reg.version}", f"Patient: {who}", ""]
        for r in day_view.rows:
            line = f"{r.drug}: {r.dose}, {r.route}, {r.frequency}; {r.infusion}; {r.timing}"
            if r.tablets:
                line += f"; {r.tablets}"
            if r.holds != "none stated":
                line += f"; {r.holds}"
            if r.held:
                line += f"; {r.status}"
            lines.append(line)
        lines += ["", view.disclaimer]
        event.add("description", "\n".join(lines))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
