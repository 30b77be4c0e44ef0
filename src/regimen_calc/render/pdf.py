"""PDF: the printable schedule through fpdf2 (pure Python; installs with pip alone).

A Unicode TrueType font is required: fpdf2's built-in fonts are Latin-1 only and would print
``?`` for ``≥``, ``×`` and ``²``. DejaVu Sans Condensed is bundled in ``render/fonts/`` (Bitstream
Vera licence, ``fonts/LICENSE``), so the output does not depend on the fonts of the machine.
Pages are landscape A4 or US Letter; one day's drugs never split across two pages (each day is
measured first and moved to a new page if it would not fit), and the column headings are
repeated at the top of every page of the day-by-day table.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

from regimen_calc.render._view import (
    CUMULATIVE_COLUMNS,
    DAY_COLUMNS,
    ScheduleView,
    build_view,
    check_paper,
    keep_units_together,
)

if TYPE_CHECKING:
    from regimen_calc.engine.schedule import Schedule

__all__ = ["render_pdf"]

_FONT = "DejaVuCond"
_FONT_FILES = {"": "DejaVuSansCondensed.ttf", "B": "DejaVuSansCondensed-Bold.ttf"}
_GREY = (235, 235, 235)
_LIGHT = (247, 247, 247)
_BLUE = (240, 245, 255)
_WARN = (255, 244, 214)
_RED = (155, 28, 28)
_BODY_PT = 8.5

# Relative widths of the day-by-day columns: day and date, then DAY_COLUMNS in order.
_DAY_WIDTHS = (9, 10, 8, 12, 16, 10, 8, 11, 8, 11, 9)


def _nb(text: str) -> str:
    return keep_units_together(text)


class _Document:
    """fpdf2 calls for one schedule; imported lazily so ``import regimen_calc`` stays light."""

    def __init__(self, view: ScheduleView, paper: str) -> None:
        from fpdf import FPDF
        from fpdf.fonts import FontFace

        self.FontFace = FontFace
        self.view = view
        pdf = FPDF(orientation="landscape", unit="mm", format="A4" if paper == "a4" else "letter")
        pdf.set_margins(10, 10, 10)
        pdf.set_auto_page_break(auto=True, margin=12)
        fonts = resources.files(__package__) / "fonts"
        for style, filename in _FONT_FILES.items():
            with resources.as_file(fonts / filename) as path:
                pdf.add_font(_FONT, style=style, fname=str(path))
        pdf.set_title(view.title)
        pdf.set_creator(view.generated_by)
        pdf.set_author("regimen_calc")
        footer_text = f"{view.title} | {view.generated_by} | not a prescribing source"

        def footer() -> None:
            pdf.set_y(-9)
            pdf.set_font(_FONT, "", 7)
            pdf.set_text_color(80, 80, 80)
            pdf.cell(0, 4, f"{footer_text} | page {pdf.page_no()} of {{nb}}", align="C")
            pdf.set_text_color(0, 0, 0)

        pdf.footer = footer  # type: ignore[method-assign]
        pdf.alias_nb_pages()
        self.pdf = pdf

    # -- building blocks ---------------------------------------------------------------------

    def font(self, size: float = _BODY_PT, bold: bool = False) -> None:
        self.pdf.set_font(_FONT, "B" if bold else "", size)

    def heading(self, text: str) -> None:
        pdf = self.pdf
        if pdf.will_page_break(18):  # never leave a heading alone at the foot of a page
            pdf.add_page()
        pdf.ln(2)
        self.font(10.5, bold=True)
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(1.5)
        self.font()

    def table(
        self,
        rows: list[list[Any]],
        widths: tuple[float, ...],
        *,
        width: float | None = None,
        headings: bool = True,
        heading_fill: tuple[int, int, int] = _GREY,
        **kw: Any,
    ) -> None:
        FontFace = self.FontFace
        with self.pdf.table(
            col_widths=widths,
            width=width,
            first_row_as_headings=headings,
            headings_style=FontFace(emphasis="BOLD", fill_color=heading_fill),
            line_height=4,
            padding=(0.8, 1.2, 0.8, 1.2),
            text_align="LEFT",
            v_align="TOP",
            **kw,
        ) as table:
            for cells in rows:
                row = table.row()
                for cell in cells:
                    if isinstance(cell, dict):
                        row.cell(**cell)
                    else:
                        row.cell(_nb(str(cell)))

    def key_values(
        self, title: str, rows: tuple[tuple[str, str], ...], x: float, w: float
    ) -> float:
        """A titled two-column table at x, width w; returns the y below it."""
        pdf = self.pdf
        FontFace = self.FontFace
        top = pdf.get_y()
        old = pdf.l_margin
        pdf.set_left_margin(x)
        pdf.set_x(x)
        self.font(10.5, bold=True)
        pdf.cell(w, 6, title, new_x="LMARGIN", new_y="NEXT")
        pdf.line(x, pdf.get_y(), x + w, pdf.get_y())
        pdf.ln(1.5)
        self.font()
        cells = []
        for label, value in rows:
            missing = value.startswith("not ")
            style = FontFace(emphasis="BOLD", color=_RED if missing else None)
            cells.append([label, {"text": _nb(value), "style": style}])
        self.table(cells, (42, 58), width=w - 0.01, headings=False, align="LEFT")
        bottom = pdf.get_y()
        pdf.set_left_margin(old)
        pdf.set_xy(old, top)
        return bottom

    def bullets(self, items: list[str], *, fill: tuple[int, int, int] | None = None) -> None:
        pdf = self.pdf
        self.font()
        if fill is not None:
            pdf.set_fill_color(*fill)
        for item in items:
            # Left-aligned (fpdf2 justifies by default, which stretches the spaces of a short
            # line), and one bullet is never split across two pages.
            lines = pdf.multi_cell(
                0, 4.2, f"•  {_nb(item)}", markdown=False, dry_run=True, output="LINES"
            )
            if pdf.will_page_break(4.2 * len(lines)):
                pdf.add_page()
            pdf.multi_cell(
                0,
                4.2,
                f"•  {_nb(item)}",
                markdown=False,
                fill=fill is not None,
                align="L",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.set_fill_color(255, 255, 255)

    # -- sections ----------------------------------------------------------------------------

    def header(self) -> None:
        pdf, view = self.pdf, self.view
        pdf.add_page()
        self.font(14, bold=True)
        pdf.multi_cell(0, 7, view.title, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        self.font(9, bold=True)
        pdf.set_text_color(*_RED)
        pdf.set_draw_color(*_RED)
        pdf.set_line_width(0.5)
        pdf.multi_cell(
            0, 4.5, view.disclaimer, border=1, padding=1.5, new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.2)
        pdf.ln(2)

    def facts(self) -> None:
        pdf, view = self.pdf, self.view
        usable = pdf.w - pdf.l_margin - pdf.r_margin
        gap = 6
        w = (usable - 2 * gap) / 3
        x0 = pdf.l_margin
        bottoms = [
            self.key_values("Patient", view.patient, x0, w),
            self.key_values("Height, weight and BSA", view.body, x0 + w + gap, w),
            self.key_values("Regimen and cycle", view.regimen + view.cycle, x0 + 2 * (w + gap), w),
        ]
        pdf.set_xy(pdf.l_margin, max(bottoms))

    def lists(self) -> None:
        view = self.view
        self.heading("References")
        self.bullets([f"{rid}: {text}" for rid, text in view.references] or ["none"])
        self.heading("Concomitant drugs")
        self.bullets(list(view.concomitants) or ["none given"])
        self.heading("Warnings: assumed, not stated and site values; holds")
        self.bullets([f"{w.label}: {w.message}" for w in view.warnings] or ["none"], fill=_WARN)

    def calendar(self) -> None:
        view, FontFace = self.view, self.FontFace
        rows: list[list[Any]] = []
        if view.calendar_has_dates:
            rows.append(list(view.weekdays))
        for week in view.calendar:
            cells: list[Any] = []
            for c in week:
                head = "   ".join(x for x in (c.date, c.day) if x)
                text = "\n".join([head, *c.drugs])
                fill = _BLUE if c.treatment else (None if c.in_cycle else _LIGHT)
                color = None if c.in_cycle else (130, 130, 130)
                cells.append({"text": _nb(text), "style": FontFace(fill_color=fill, color=color)})
            rows.append(cells + [""] * (7 - len(cells)))

        def draw() -> None:
            self.heading("Calendar of the cycle")
            self.table(rows, (1,) * 7, headings=view.calendar_has_dates)

        if self._measure(draw):  # heading and grid together, on a new page if need be
            self.pdf.add_page()
        draw()

    def _measure(self, draw: Any) -> bool:
        """Whether drawing would break the page (drawn on a throw-away recorder)."""
        with self.pdf.offset_rendering() as dummy:
            draw()
        return bool(dummy.page_break_triggered)

    def days(self) -> None:
        pdf, view, FontFace = self.pdf, self.view, self.FontFace
        self.heading("Day-by-day schedule")
        headings = ["Day and date", *(h for _, h in DAY_COLUMNS)]
        first_on_page = True
        for day in view.days:

            def rows_for(with_headings: bool, day: Any = day) -> list[list[Any]]:
                rows: list[list[Any]] = [headings] if with_headings else []
                for i, r in enumerate(day.rows):
                    cells: list[Any] = []
                    if i == 0:
                        cells.append(
                            {
                                "text": _nb(f"{day.label}\n{day.date}"),
                                "rowspan": len(day.rows),
                                "style": FontFace(emphasis="BOLD", fill_color=_LIGHT),
                            }
                        )
                    for key, _ in DAY_COLUMNS:
                        text = r.cell(key)
                        style = None
                        if key == "dose":
                            text = text + (f"\n{r.tablets}" if r.tablets else "")
                            style = FontFace(emphasis="BOLD", size_pt=9)
                        elif key == "drug":
                            style = FontFace(emphasis="BOLD")
                        elif key == "status" and (r.held or r.review):
                            style = FontFace(emphasis="BOLD", color=_RED)
                        fill = (253, 232, 232) if r.held else None
                        if fill and style is None:
                            style = FontFace(fill_color=fill)
                        cells.append({"text": _nb(text), "style": style})
                    rows.append(cells)
                return rows

            def draw(with_headings: bool, rows_for: Any = rows_for) -> None:
                self.table(rows_for(with_headings), _DAY_WIDTHS, headings=with_headings)

            if first_on_page:
                if self._measure(lambda draw=draw: draw(True)):
                    pdf.add_page()
                draw(True)
                first_on_page = False
            elif self._measure(lambda draw=draw: draw(False)):
                pdf.add_page()
                draw(True)
            else:
                draw(False)
            pdf.ln(0)

    def notes(self) -> None:
        """Each drug's notes and flags once, below the table (they are the same every day)."""
        seen: dict[str, list[str]] = {}
        for day in self.view.days:
            for r in day.rows:
                items = seen.setdefault(r.drug, [])
                for item in (*r.notes, *r.flags):
                    if item not in items:
                        items.append(item)
        rows = [["Drug", "Notes and flags (every day the drug is given)"]]
        rows += [
            [{"text": drug, "style": self.FontFace(emphasis="BOLD")}, "\n".join(items)]
            for drug, items in seen.items()
            if items
        ]
        if len(rows) > 1:
            self.heading("Notes by drug")
            self.table(rows, (15, 85))

    def extras(self) -> None:
        view = self.view
        if view.tablets:
            self.heading("Tablets per day")
            rows = [["Day", "Date", "Dose", "Tablets"], *([*t] for t in view.tablets)]
            self.table(rows, (8, 14, 18, 60))
        if view.adjustments:
            self.heading("Interaction adjustments")
            rows = [["Day", "Drug", "Unadjusted", "Adjusted", "Inhibitors", "Rule", "Source"]]
            for a in view.adjustments:
                rule = a.rule + (f"\n{a.note}" if a.note else "")
                rows.append(
                    [
                        f"{a.day}\n{a.date}".strip(),
                        a.drug,
                        a.unadjusted,
                        {"text": _nb(a.adjusted), "style": self.FontFace(emphasis="BOLD")},
                        a.inhibitors,
                        rule,
                        a.source,
                    ]
                )
            self.table(rows, (9, 9, 8, 8, 10, 38, 22))

    def cumulative(self) -> None:
        view = self.view
        if not view.cumulative:
            return
        self.heading("Cumulative anthracycline exposure")
        self.table(
            [list(CUMULATIVE_COLUMNS), *(list(r) for r in view.cumulative)],
            (16, 14, 14, 14, 14, 10, 10),
        )
        if view.cumulative_note:
            self.font()
            self.pdf.multi_cell(0, 4.2, _nb(view.cumulative_note), new_x="LMARGIN", new_y="NEXT")

    def closing(self) -> None:
        pdf, view = self.pdf, self.view
        if pdf.will_page_break(75):
            pdf.add_page()
        self.heading("Dosing policy used")
        self.table([[k, v] for k, v in view.policy], (30, 70), headings=False)
        self.heading("Independent checks")
        usable = pdf.w - pdf.l_margin - pdf.r_margin
        w = (usable - 8) / 2
        top = pdf.get_y()
        for n in (0, 1):
            x = pdf.l_margin + n * (w + 8)
            pdf.rect(x, top, w, 33)
            pdf.set_xy(x + 2, top + 1.5)
            self.font(9, bold=True)
            pdf.cell(w - 4, 5, f"Check {n + 1}")
            self.font(7.5)
            for i, label in enumerate(("Name", "Signature", "Date")):
                y = top + 13 + i * 8.5
                pdf.line(x + 2, y, x + w - 2, y)
                pdf.set_xy(x + 2, y + 0.3)
                pdf.cell(w - 4, 3.5, label)
        pdf.set_xy(pdf.l_margin, top + 36)
        self.font(7.5)
        pdf.multi_cell(0, 3.6, view.disclaimer, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 3.6, view.generated_by, new_x="LMARGIN", new_y="NEXT")

    def build(self) -> bytes:
        self.header()
        self.facts()
        self.lists()
        self.calendar()
        self.days()
        self.notes()
        self.extras()
        self.cumulative()
        self.closing()
        return bytes(self.pdf.output())


def render_pdf(schedule: Schedule, *, paper: str = "a4") -> bytes:
    """The schedule as a PDF document (bytes).

    Args:
        schedule: a finished schedule.
        paper: ``"a4"`` (default) or ``"letter"``; pages are landscape.
    """
    size = check_paper(paper)
    return _Document(build_view(schedule), size).build()
