"""Laboratory values by day and the conditions (holds) that read them."""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping, Sequence
from importlib import resources

import yaml

from .errors import InputError
from .model import Condition

__all__ = ["LAB_UNITS", "check_labs", "evaluate_conditions", "lab_table"]

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@functools.cache
def lab_table() -> Mapping[str, Mapping[str, object]]:
    """The labs the library reads (``data/labs.yaml``): name, unit and plausible range."""
    text = (resources.files(__package__) / "data" / "labs.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["labs"]


def _units() -> dict[str, str]:
    return {k: str(v["unit"]) for k, v in lab_table().items()}


LAB_UNITS = _units()


def check_labs(labs: object) -> dict[int, dict[str, float]]:
    """Validate ``{day: {lab: value}}``; each value a finite number in the lab's unit.

    Raises:
        InputError: naming ``labs[day].lab`` and what was expected.
    """
    if labs is None:
        return {}
    if not isinstance(labs, Mapping):
        raise InputError("labs", "a mapping of day → {lab: value}, such as {1: {'wbc': 25}}", labs)
    table = lab_table()
    out: dict[int, dict[str, float]] = {}
    for day, values in labs.items():
        if isinstance(day, bool) or not isinstance(day, int):
            raise InputError("labs", "whole-number days as keys", day)
        if not isinstance(values, Mapping):
            raise InputError(f"labs[{day}]", "a mapping of lab name → value", values)
        row: dict[str, float] = {}
        for name, value in values.items():
            field = f"labs[{day}].{name}"
            if name not in table:
                raise InputError(field, f"one of the labs {', '.join(table)}", name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise InputError(field, f"a number in {table[name]['unit']}", value)
            low, high = table[name]["plausible"]
            if not low <= value <= high:
                raise InputError(field, f"a value from {low} to {high} {table[name]['unit']}", value)
            row[name] = float(value)
        out[day] = row
    return out


def evaluate_conditions(
    conditions: Sequence[Condition], day: int, labs: Mapping[int, Mapping[str, float]]
) -> tuple[bool, str | None]:
    """Whether a component is held on ``day``, and why.

    ``hold_if`` holds on a day whose lab meets the threshold. ``continue_until`` stops from the
    first day (on or before ``day``) whose lab meets it. A day with no value for the lab is not
    held: the condition prints as an instruction instead.
    """
    for cond in conditions:
        test = _OPS[cond.operator]
        if cond.kind == "hold_if":
            value = labs.get(day, {}).get(cond.lab)
            if value is not None and test(value, cond.threshold):
                return True, f"held: {cond.lab} {value:g} {cond.unit} ({cond.text})"
        elif cond.kind == "continue_until":
            for d in sorted(labs):
                if d > day:
                    break
                value = labs[d].get(cond.lab)
                if value is not None and test(value, cond.threshold):
                    return True, f"stopped from day {d}: {cond.lab} {value:g} {cond.unit} ({cond.text})"
    return False, None
