"""HTML: one self-contained, printable file (Jinja2 with autoescape on).

Every value, including the patient's name and the regimen's notes, is escaped by Jinja2's
autoescape: a name such as ``<script>`` prints as text. The file has no external resources
(no fonts, scripts or images), and its print stylesheet sets the paper size (``paper="a4"`` or
``"letter"``, landscape) and never splits one day's drugs across two pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from regimen_calc.render._view import (
    CUMULATIVE_COLUMNS,
    build_view,
    check_paper,
    keep_units_together,
)

if TYPE_CHECKING:
    from regimen_calc.engine.schedule import Schedule

__all__ = ["render_html"]

_PAGE_SIZE = {"a4": "A4 landscape", "letter": "letter landscape"}


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("regimen_calc.render", "templates"),
        autoescape=True,  # always on: the template is .j2, so select_autoescape would miss it
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nb"] = keep_units_together
    return env


def render_html(schedule: Schedule, *, paper: str = "a4") -> str:
    """The schedule as one self-contained HTML document.

    Args:
        schedule: a finished schedule.
        paper: ``"a4"`` (default) or ``"letter"``: the printed page size (landscape).
    """
    size = check_paper(paper)
    view = build_view(schedule)
    template = _environment().get_template("schedule.html.j2")
    return template.render(
        view=view, page_size=_PAGE_SIZE[size], paper=size, cumulative_columns=CUMULATIVE_COLUMNS
    )
