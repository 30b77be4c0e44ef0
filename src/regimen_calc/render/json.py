"""JSON: ``Schedule.to_dict()`` (schema version 1.0, see docs/json-schema.md)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regimen_calc.engine.schedule import Schedule

__all__ = ["render_json"]


def render_json(schedule: Schedule) -> str:
    """The schedule as JSON text (UTF-8, indented, ending in a newline)."""
    return json.dumps(schedule.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
