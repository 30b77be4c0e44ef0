"""Renderers: a finished :class:`~regimen_calc.engine.schedule.Schedule` in, text or bytes out.

Renderers never calculate. Every cell is decided once, in :mod:`regimen_calc.render._view`, from
the schedule's own values and the ISMP-safe :mod:`regimen_calc.wording.ismp`; each renderer only
lays
the text out. Each one is imported when it is first used, so ``import regimen_calc`` does not load
Jinja2, fpdf2 or icalendar.

>>> import regimen_calc as rc
>>> from regimen_calc.render import render
>>> s = rc.load_regimen("CLAG").schedule(rc.Patient(height="170 cm", weight="65 kg"))
>>> "1,750 mg" in render(s, "text")
True
"""

from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Any

from regimen_calc.engine.schedule import Schedule
from regimen_calc.errors import InputError

if TYPE_CHECKING:
    from regimen_calc.engine.schedule import Schedule

__all__ = ["BINARY_FORMATS", "FORMATS", "render"]

#: Format name → (module in this package, function). The function takes the schedule and
#: keyword options and returns ``str`` (text formats) or ``bytes`` (binary formats).
FORMATS: dict[str, tuple[str, str]] = {
    "text": ("text", "render_text"),
    "markdown": ("text", "render_markdown"),
    "html": ("html", "render_html"),
    "pdf": ("pdf", "render_pdf"),
    "csv": ("csv", "render_csv"),
    "json": ("json", "render_json"),
    "ics": ("ics", "render_ics"),
}

#: Formats whose output is ``bytes`` rather than ``str``.
BINARY_FORMATS: frozenset[str] = frozenset({"pdf"})


def render(schedule: Schedule, fmt: str, **options: Any) -> str | bytes:
    """Render a schedule in one format.

    Args:
        schedule: a finished schedule (``Regimen.schedule(...)``).
        fmt: one of :data:`FORMATS`: ``text``, ``markdown``, ``html``, ``pdf``, ``csv``,
            ``json``, ``ics``.
        options: passed to the renderer, such as ``paper="letter"`` for ``html`` and ``pdf``.

    Returns:
        ``bytes`` for ``pdf``; ``str`` for every other format.

    Raises:
        InputError: for an unknown format, an option the format does not take, or a schedule
            that is not a Schedule.
        RegimenCalcError: for a schedule a format cannot show (``ics`` without a start date).
    """

    if not isinstance(schedule, Schedule):
        raise InputError("schedule", "a Schedule from Regimen.schedule()", type(schedule).__name__)
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise InputError("format", f"one of {', '.join(FORMATS)}", fmt)
    module_name, function = FORMATS[fmt]
    renderer = getattr(importlib.import_module(f"{__name__}.{module_name}"), function)
    accepted = [
        name
        for name, param in inspect.signature(renderer).parameters.items()
        if param.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    for name in options:
        if name not in accepted:
            takes = f"one of {', '.join(accepted)}" if accepted else "no options"
            raise InputError(f"options.{name}", f"for format {fmt!r}, {takes}", options[name])
    return renderer(schedule, **options)
