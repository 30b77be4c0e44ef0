"""CSV: one row per administration, every value as printed (ISMP text) plus machine columns.

Text cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return) are prefixed with ``'``, so a regimen note can never run as a formula.
Number cells (``day``, ``cycle``, ``dose_value``, ``administrations_per_day``) are written as
numbers: day ``-1`` stays ``-1``.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from regimen_calc.render._view import build_view, warnings_for
from regimen_calc.wording.ismp import (
    format_number,
    format_unit,
    source_files_text,
    spreadsheet_text,
)

if TYPE_CHECKING:
    from regimen_calc.engine.schedule import Schedule

__all__ = ["COLUMNS", "render_csv"]

#: The CSV columns, in order (documented in docs/output-formats.md).
COLUMNS: tuple[str, ...] = (
    "regimen_id",
    "regimen_version",
    "cycle",
    "cycle_length",
    "number_of_cycles",
    "day",
    "date",
    "drug",
    "component",
    "dose_per_unit",
    "basis",
    "calculation",
    "calculated_dose",
    "dose_to_give",
    "dose_value",
    "dose_unit",
    "administrations_per_day",
    "route",
    "frequency",
    "timing",
    "infusion",
    "conditions",
    "status",
    "held",
    "tablets",
    "interaction_unadjusted",
    "interaction_adjusted",
    "interaction_rule",
    "interaction_source",
    "notes",
    "flags",
    "warnings",
    "source_files",
)

#: Columns that hold a number: written as they are, so ``int(row["day"])`` reads day ``-1``.
NUMBER_COLUMNS = frozenset({"cycle", "day", "dose_value", "administrations_per_day"})


def _safe(value: str) -> str:
    return spreadsheet_text(value)


def _cell(column: str, value: str) -> str:
    """A cell as written: a text cell guarded against formulas, a number cell as it is."""
    return value if column in NUMBER_COLUMNS else _safe(value)


def render_csv(schedule: Schedule) -> str:
    """The schedule as CSV text with a header row (RFC 4180, CRLF line ends)."""
    view = build_view(schedule)
    decimals = schedule.policy.dose_decimals
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    files = source_files_text(schedule.regimen)
    cycle = dict(view.cycle)
    for day_view, day in zip(view.days, schedule.days, strict=True):
        for row, a in zip(day_view.rows, day.administrations, strict=True):
            adj = a.adjustment
            values = {
                "regimen_id": schedule.regimen.id,
                "regimen_version": schedule.regimen.version,
                "cycle": str(schedule.cycle),
                "cycle_length": cycle["Cycle length"],
                "number_of_cycles": cycle["Number of cycles"],
                "day": str(day.day),
                "date": day.date.isoformat() if day.date else "",
                "drug": a.drug,
                "component": a.component,
                "dose_per_unit": row.per_unit,
                "basis": a.basis,
                "calculation": row.calculation,
                "calculated_dose": row.calculated,
                "dose_to_give": row.dose,
                # The number without thousands separators, for machines; same rounding as printed.
                # A held dose is not given: 0, whatever dose was due (dose_to_give names it).
                "dose_value": (
                    "0"
                    if a.held
                    else format_number(a.dose.magnitude, decimals=decimals).replace(",", "")
                ),
                "dose_unit": format_unit(a.dose.units),
                "administrations_per_day": str(a.per_day),
                "route": row.route,
                "frequency": row.frequency,
                "timing": row.timing,
                "infusion": row.infusion,
                "conditions": row.holds,
                "status": row.status,
                "held": "yes" if a.held else "no",
                "tablets": row.tablets,
                "interaction_unadjusted": "",
                "interaction_adjusted": "",
                "interaction_rule": "",
                "interaction_source": "",
                "notes": " | ".join(row.notes),
                # An example overlay's or policy's doses say so on every row a machine reads.
                "flags": " | ".join(
                    [view.example_banner, *row.flags] if view.example_banner else row.flags
                ),
                # The schedule's warnings about this drug and about the whole schedule.
                "warnings": " | ".join(w.line for w in warnings_for(view, (a.component,))),
                "source_files": files,
            }
            if adj is not None and not a.held:
                adjustment = next(
                    x for x in view.adjustments if x.day == day_view.label and x.drug == a.drug
                )
                values.update(
                    interaction_unadjusted=adjustment.unadjusted,
                    interaction_adjusted=adjustment.adjusted,
                    interaction_rule=adjustment.rule,
                    interaction_source=adjustment.source,
                )
            writer.writerow([_cell(c, values[c]) for c in COLUMNS])
    return out.getvalue()
