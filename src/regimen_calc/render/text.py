"""Terminal text and Markdown: the schedule as readable tables.

Both formats print the same sections as the HTML and PDF schedules; the terminal table is
narrower (holds and notes go below it) so that it stays readable in a terminal window.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from regimen_calc.render._view import (
    CUMULATIVE_COLUMNS,
    DAY_COLUMNS,
    NBSP,
    ScheduleView,
    build_view,
    keep_units_together,
    key_value_lines,
)

if TYPE_CHECKING:
    from regimen_calc.engine.schedule import Schedule

__all__ = ["render_markdown", "render_text"]

# Terminal table: (heading, width). The route column fits "subcutaneous (subcut)" on one line.
_TEXT_COLUMNS = (
    ("Day", 6),
    ("Date", 11),
    ("Drug", 11),
    ("Calculated dose", 21),
    ("Dose to give", 18),
    ("Route", 21),
    ("Frequency", 10),
    ("Timing and infusion", 20),
    ("Status", 10),
)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for part in keep_units_together(text).split("\n"):
        lines += textwrap.wrap(part, width, break_long_words=True, break_on_hyphens=False) or [""]
    return [line.replace(NBSP, " ") for line in lines]


def _text_table(
    headers: Sequence[str], widths: Sequence[int], rows: Sequence[Sequence[str]]
) -> list[str]:
    """A grid table with wrapped cells and a rule between rows."""
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    head_rule = rule.replace("-", "=")

    def lines_of(cells: Sequence[str]) -> list[str]:
        wrapped = [_wrap(c, w) for c, w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped)
        out = []
        for i in range(height):
            parts = [
                (w[i] if i < len(w) else "").ljust(width)
                for w, width in zip(wrapped, widths, strict=True)
            ]
            out.append("| " + " | ".join(parts) + " |")
        return out

    out = [rule, *lines_of(headers), head_rule]
    for row in rows:
        out += lines_of(row)
        out.append(rule)
    return out


def _heading(text: str, char: str = "-") -> list[str]:
    return ["", text, char * len(text)]


def render_text(schedule: Schedule) -> str:
    """The schedule as plain text for a terminal (UTF-8)."""
    view = build_view(schedule)
    out = [view.title, "=" * len(view.title), "", *textwrap.wrap(view.disclaimer, 100)]
    for title, rows in (
        ("Patient", view.patient),
        ("Height, weight and body-surface area", view.body),
        ("Regimen", view.regimen),
        ("Cycle", view.cycle),
    ):
        out += _heading(title)
        out += key_value_lines(rows)
    out += _heading("References")
    out += [f"{rid}: {text}" for rid, text in view.references] or ["none"]
    out += _heading("Concomitant drugs")
    out += [f"- {c}" for c in view.concomitants] or ["none given"]
    out += _heading("Calendar")
    out += _calendar_text(view)
    out += _heading("Day-by-day schedule")
    rows = []
    for day in view.days:
        for i, r in enumerate(day.rows):
            timing = f"{r.timing}; {r.infusion}"
            dose = r.dose + (f"\n{r.tablets}" if r.tablets else "")
            rows.append(
                (
                    day.label if i == 0 else "",
                    day.date if i == 0 else "",
                    r.drug,
                    r.calculation,
                    dose,
                    r.route,
                    r.frequency,
                    timing,
                    r.status,
                )
            )
    out += _text_table([h for h, _ in _TEXT_COLUMNS], [w for _, w in _TEXT_COLUMNS], rows)
    out += _holds_and_notes(view)
    if view.tablets:
        out += _heading("Tablets per day")
        out += [
            f"{d} ({date}): {dose} = {tabs}" if date else f"{d}: {dose} = {tabs}"
            for d, date, dose, tabs in view.tablets
        ]
    if view.adjustments:
        out += _heading("Interaction adjustments")
        for a in view.adjustments:
            out.append(
                f"{a.day} ({a.date}): {a.drug} {a.unadjusted} → {a.adjusted}"
                if a.date
                else f"{a.day}: {a.drug} {a.unadjusted} → {a.adjusted}"
            )
            out += textwrap.wrap(
                f"rule: {a.rule} ({a.inhibitors}); source: {a.source}",
                100,
                initial_indent="    ",
                subsequent_indent="    ",
            )
            if a.note:
                out += textwrap.wrap(
                    f"note: {a.note}", 100, initial_indent="    ", subsequent_indent="    "
                )
    if view.cumulative:
        out += _heading("Cumulative anthracycline exposure")
        out += _text_table(
            list(CUMULATIVE_COLUMNS),
            [14, 17, 14, 14, 14, 10, 10],
            [list(r) for r in view.cumulative],
        )
        if view.cumulative_note:
            out += textwrap.wrap(view.cumulative_note, 100)
    out += _heading("Warnings")
    for w in view.warnings:
        out += textwrap.wrap(f"[{w.label}] {w.message}", 100, subsequent_indent="    ")
    if not view.warnings:
        out.append("none")
    out += _heading("Dosing policy")
    out += key_value_lines(view.policy)
    out += _heading("Independent checks")
    for n in (1, 2):
        out.append(
            f"Check {n}: name ____________________  signature ____________________  date __________"
        )
    out += ["", view.generated_by, ""]
    return "\n".join(out)


def _notes_by_drug(view: ScheduleView, *, holds: bool = False) -> dict[str, list[str]]:
    """Each drug's notes and flags (and holds), once each: they repeat on every day."""
    seen: dict[str, list[str]] = {}
    for day in view.days:
        for r in day.rows:
            items = seen.setdefault(r.drug, [])
            for item in ((f"holds: {r.holds}",) if holds else ()) + (*r.notes, *r.flags):
                if item not in items:
                    items.append(item)
    return seen


def _holds_and_notes(view: ScheduleView) -> list[str]:
    seen = _notes_by_drug(view, holds=True)
    out = _heading("Holds, conditions and notes by drug")
    for drug, items in seen.items():
        out.append(f"{drug}:")
        for item in items:
            out += textwrap.wrap(item, 100, initial_indent="  - ", subsequent_indent="    ")
    return out


def _calendar_text(view: ScheduleView) -> list[str]:
    width = 14
    rows = []
    for week in view.calendar:
        cells = []
        for c in week:
            lines = [x for x in (c.date, c.day) if x] + list(c.drugs)
            cells.append("\n".join(lines))
        rows.append(cells)
    headers = list(view.weekdays) if view.calendar_has_dates else ["" for _ in range(7)]
    n = max((len(r) for r in rows), default=7)
    headers = headers[:n] if headers else ["" for _ in range(n)]
    rows = [r + [""] * (n - len(r)) for r in rows]
    if not view.calendar_has_dates:
        table = _text_table(["" for _ in range(n)], [width] * n, rows)
        return [table[0], *table[3:]]  # no weekday header without a start date
    return _text_table(headers, [width] * n, rows)


# --------------------------------------------------------------------------------------------
# Markdown


def _md(text: str) -> str:
    """A Markdown table cell: pipes escaped, HTML tags neutralised, lines joined."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\n", "<br>")
    )


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = [
        "| " + " | ".join(_md(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return out


def render_markdown(schedule: Schedule) -> str:
    """The schedule as GitHub-flavoured Markdown (tables)."""
    view = build_view(schedule)
    out = [f"# {_md(view.title)}", "", f"> **{_md(view.disclaimer)}**"]
    for title, rows in (
        ("Patient", view.patient),
        ("Height, weight and body-surface area", view.body),
        ("Regimen", view.regimen),
        ("Cycle", view.cycle),
    ):
        out += ["", f"## {title}", ""]
        out += _md_table(["Item", "Value"], rows)
    out += ["", "## References", ""]
    out += _md_table(["Id", "Reference"], view.references) if view.references else ["none"]
    out += ["", "## Concomitant drugs", ""]
    out += [f"- {_md(c)}" for c in view.concomitants] or ["none given"]
    out += ["", "## Calendar", ""]
    headers = list(view.weekdays) or [""] * max((len(w) for w in view.calendar), default=7)
    cal_rows = []
    for week in view.calendar:
        cells = ["\n".join([x for x in (c.date, c.day) if x] + list(c.drugs)) for c in week]
        cal_rows.append(cells + [""] * (len(headers) - len(cells)))
    out += _md_table(headers, cal_rows)
    out += ["", "## Day-by-day schedule", ""]
    rows = []
    for day in view.days:
        for r in day.rows:
            dose = r.dose + (f"\n{r.tablets}" if r.tablets else "")
            if r.adjustment:
                dose += f"\ninteraction: {r.adjustment}"
            rows.append(
                [
                    day.label,
                    day.date,
                    *(dose if key == "dose" else r.cell(key) for key, _ in DAY_COLUMNS),
                ]
            )
    out += _md_table(["Day", "Date", *(h for _, h in DAY_COLUMNS)], rows)
    out += ["", "## Notes and flags by drug", ""]
    for drug, items in _notes_by_drug(view).items():
        out.append(f"- **{_md(drug)}**")
        out += [f"  - {_md(item)}" for item in items]
    if view.tablets:
        out += ["", "## Tablets per day", ""]
        out += _md_table(["Day", "Date", "Dose", "Tablets"], view.tablets)
    if view.adjustments:
        out += ["", "## Interaction adjustments", ""]
        out += _md_table(
            ["Day", "Date", "Drug", "Unadjusted", "Adjusted", "Rule", "Inhibitors", "Source"],
            [
                (
                    a.day,
                    a.date,
                    a.drug,
                    a.unadjusted,
                    a.adjusted,
                    a.rule + (f"\nnote: {a.note}" if a.note else ""),
                    a.inhibitors,
                    a.source,
                )
                for a in view.adjustments
            ],
        )
    if view.cumulative:
        out += ["", "## Cumulative anthracycline exposure", ""]
        out += _md_table(CUMULATIVE_COLUMNS, view.cumulative)
        if view.cumulative_note:
            out += ["", _md(view.cumulative_note)]
    out += ["", "## Warnings", ""]
    out += [f"- **{_md(w.label)}:** {_md(w.message)}" for w in view.warnings] or ["none"]
    out += ["", "## Dosing policy", ""]
    out += _md_table(["Item", "Value"], view.policy)
    out += ["", "## Independent checks", ""]
    out += _md_table(["Check", "Name", "Signature", "Date"], [("1", "", "", ""), ("2", "", "", "")])
    out += ["", f"_{_md(view.generated_by)}_", ""]
    return "\n".join(out)
