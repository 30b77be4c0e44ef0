"""Laboratory values by day and the conditions (holds) that read them."""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping, Sequence

from ._checks import is_number
from ._data import read_data
from .errors import InputError
from .model import Condition

__all__ = [
    "LAB_UNITS",
    "check_labs",
    "eligibility_for",
    "eligibility_warnings",
    "evaluate_conditions",
    "lab_table",
    "unchecked_days",
]

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@functools.cache
def lab_table() -> Mapping[str, Mapping[str, object]]:
    """The labs the library reads (``data/labs.yaml``): name, unit and plausible range."""
    return read_data("labs.yaml")["labs"]


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
            if not is_number(value):
                raise InputError(field, f"a number in {table[name]['unit']}", value)
            low, high = table[name]["plausible"]
            if not low <= value <= high:
                expected = f"a value from {low} to {high} {table[name]['unit']}"
                raise InputError(field, expected, value)
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
                    return True, (
                        f"stopped from day {d}: {cond.lab} {value:g} {cond.unit} ({cond.text})"
                    )
    return False, None


def unchecked_days(
    condition: Condition, days: Sequence[int], labs: Mapping[int, Mapping[str, float]]
) -> tuple[int, ...]:
    """The days a conditional drug would be given without a lab value to decide on.

    ``hold_if``: days with no value for the lab. ``continue_until``: days before the rule stops
    the drug that have no value of their own (an earlier value does not stand for a later day).
    """
    out = []
    for day in days:
        held, _ = evaluate_conditions((condition,), day, labs)
        if not held and labs.get(day, {}).get(condition.lab) is None:
            out.append(day)
    return tuple(out)


@functools.cache
def _eligibility() -> Mapping[str, object]:
    return read_data("eligibility.yaml")


def eligibility_for(regimen_id: str) -> tuple[str, str, tuple[Mapping[str, object], ...]] | None:
    """``(trial, source, limits)`` for a regimen with trial eligibility limits, else ``None``."""
    data = _eligibility()
    trial = data["regimens"].get(regimen_id)  # type: ignore[union-attr]
    if trial is None:
        return None
    entry = data["trials"][trial]  # type: ignore[index]
    return trial, " ".join(str(entry["source"]).split()), tuple(entry["limits"])


def eligibility_warnings(regimen_id: str, labs: Mapping[int, Mapping[str, float]]) -> list[str]:
    """Messages for lab values that do not meet the regimen's trial eligibility limits.

    Without labs, one instruction listing the limits. With labs, one message per value outside a
    limit, and one per limit whose lab was not given at all.
    """
    found = eligibility_for(regimen_id)
    if found is None:
        return []
    trial, source, limits = found
    if not labs:
        listed = "; ".join(str(lim["text"]) for lim in limits)
        return [f"{trial} eligibility (no laboratory values given): check {listed} ({source})."]
    table = lab_table()
    out = []
    for lim in limits:
        lab, op = str(lim["lab"]), str(lim["operator"])
        threshold = float(lim["threshold"])  # type: ignore[arg-type]
        unit = table[lab]["unit"]
        seen = False
        for day in sorted(labs):
            value = labs[day].get(lab)
            if value is None:
                continue
            seen = True
            if not _OPS[op](value, threshold):
                out.append(
                    f"Day {day}: {table[lab]['name']} {value:g} {unit} does not meet the {trial} "
                    f"eligibility limit ({lim['text']}; {source})."
                )
        if not seen:
            out.append(
                f"{trial} eligibility: no {table[lab]['name']} value given; "
                f"check {lim['text']} ({source})."
            )
    return out
