"""Laboratory values by day and the conditions (holds) that read them."""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from regimen_calc._checks import is_number
from regimen_calc.content.tables import read_data
from regimen_calc.errors import InputError, LoadError, Problem
from regimen_calc.model.regimen import Condition
from regimen_calc.wording.ismp import format_days, format_number

__all__ = [
    "LAB_UNITS",
    "START_GATE_STATUSES",
    "StartGate",
    "StartGateResult",
    "check_labs",
    "eligibility_for",
    "eligibility_warnings",
    "evaluate_conditions",
    "evaluate_start_gate",
    "lab_table",
    "start_gate_for",
    "start_gate_warnings",
    "start_moved_flag",
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


def check_labs(labs: object, *, days: tuple[int, int] | None = None) -> dict[int, dict[str, float]]:
    """Validate ``{day: {lab: value}}``; each value a finite number in the lab's unit.

    Args:
        labs: the values by day.
        days: ``(first, last)``, the days a value may be given for (inclusive); any day when
            ``None``.

    Raises:
        InputError: naming ``labs[day].lab`` and what was expected, or ``labs[day]`` for a day
            outside ``days``.
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
        if days is not None and not days[0] <= day <= days[1]:
            raise InputError(
                f"labs[{day}]",
                f"a day from day {days[0]} to day {days[1]}, the schedule's last day (no rule "
                "of this cycle reads a value from after it)",
                day,
            )
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
                return True, f"held: {_reading(cond.lab, value, cond.unit)} ({cond.text})"
        elif cond.kind == "continue_until":
            for d in sorted(labs):
                if d > day:
                    break
                value = labs[d].get(cond.lab)
                if value is not None and test(value, cond.threshold):
                    return True, (
                        f"stopped from day {d}: {_reading(cond.lab, value, cond.unit)} "
                        f"({cond.text})"
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
                    f"Day {day}: {_reading(lab, value, unit)} does not meet the {trial} "
                    f"eligibility limit ({lim['text']}; {source})."
                )
        if not seen:
            out.append(
                f"{trial} eligibility: no {table[lab]['name']} value given; "
                f"check {lim['text']} ({source})."
            )
    return out


# --------------------------------------------------------------------------------------------
# Start gates: a label's condition on starting a drug (venetoclax: white-cell count below
# 25 × 10⁹/L before the first dose), data in eligibility.yaml's ``start_gates``.

#: The most decimal places a lab value is printed with (the formatting module's limit).
_MAX_LAB_DECIMALS = 12
#: How a lab unit is printed (ISMP-style: ``× 10⁹/L``, never ``10^9/L``).
_PRINTED_UNITS = {"10^9/L": "× 10⁹/L"}
_OPERATOR_WORDS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least"}


@attrs.frozen(kw_only=True)
class StartGate:
    """A drug is started only when the latest value of ``lab`` meets ``operator threshold``."""

    drug: str
    lab: str
    operator: str
    threshold: float
    text: str
    source: str

    def met_by(self, value: float) -> bool:
        return bool(_OPS[self.operator](value, self.threshold))

    def describe(self, value: float) -> str:
        """``white-cell count 30 × 10⁹/L``: a value of the gate's lab, as printed."""
        return f"{lab_table()[self.lab]['name']} {_lab_value(self.lab, value)}"

    @property
    def limit(self) -> str:
        """``below 25 × 10⁹/L``."""
        return f"{_OPERATOR_WORDS[self.operator]} {_lab_value(self.lab, self.threshold)}"


def _reading(lab: str, value: float, unit: str) -> str:
    """``white-cell count 22 × 10⁹/L``: a lab value by its name, through the number formatter."""
    entry = lab_table().get(lab)
    name = lab if entry is None else entry["name"]
    return f"{name} {format_number(value)} {_PRINTED_UNITS.get(unit, unit)}"


def _lab_value(lab: str, value: float) -> str:
    """A lab value as it was given (every decimal of it: a count is not rounded), with its unit."""
    unit = str(lab_table()[lab]["unit"])
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    if decimals > _MAX_LAB_DECIMALS:  # far below any measurement: shown as given, not as 0
        return f"{float(value):g} {_PRINTED_UNITS.get(unit, unit)}"
    return f"{format_number(value, decimals=decimals)} {_PRINTED_UNITS.get(unit, unit)}"


@functools.cache
def _start_gates() -> Mapping[str, StartGate]:
    """Every start gate of eligibility.yaml, checked against the lab table (a broken data file
    is a LoadError naming the entry, never a gate that silently never fires)."""
    raw = _eligibility().get("start_gates") or {}
    table = lab_table()
    gates: dict[str, StartGate] = {}
    problems = []
    for drug, entry in raw.items():  # type: ignore[union-attr]
        at = f"start_gates.{drug}"
        lab, op, threshold = entry.get("lab"), entry.get("operator"), entry.get("threshold")
        if lab not in table:
            problems.append(Problem("eligibility.yaml", f"{at}.lab", f"not in labs.yaml: {lab!r}"))
            continue
        if op not in _OPS:
            problems.append(Problem("eligibility.yaml", f"{at}.operator", f"found {op!r}"))
            continue
        low, high = table[lab]["plausible"]
        if not is_number(threshold) or not low <= threshold <= high:
            found = f"outside {low}-{high}: {threshold!r}"
            problems.append(Problem("eligibility.yaml", f"{at}.threshold", found))
            continue
        gates[drug] = StartGate(
            drug=drug,
            lab=lab,
            operator=op,
            threshold=float(threshold),
            text=" ".join(str(entry["text"]).split()),
            source=" ".join(str(entry["source"]).split()),
        )
    if problems:
        raise LoadError(problems)
    return gates


def start_gate_for(drug: str) -> StartGate | None:
    """The label's start gate for a drug (by generic name), or ``None``."""
    return _start_gates().get(drug)


@attrs.frozen(kw_only=True)
class StartGateResult:
    """A start gate evaluated over a component's days for one cycle's labs.

    ``held``: the days held because the latest value did not meet the gate, with the reason.
    ``first_dose``: the day of the first dose given (``None`` when every day is held).
    ``checked_by``: ``(day, value)`` of the value the first dose was checked against, or ``None``
    when no value was given on or before its day (the gate was not evaluated).
    """

    gate: StartGate
    days: tuple[int, ...]
    held: Mapping[int, str]
    first_dose: int | None
    checked_by: tuple[int, float] | None
    #: The labs the gate was evaluated on.
    labs: Mapping[int, Mapping[str, float]] = attrs.field(factory=dict, hash=False, eq=False)


def _latest(
    lab: str, day: int, labs: Mapping[int, Mapping[str, float]]
) -> tuple[int, float] | None:
    """The latest value of ``lab`` on or before ``day``, with its day."""
    found = None
    for d in sorted(labs):
        if d > day:
            break
        value = labs[d].get(lab)
        if value is not None:
            found = (d, value)
    return found


def evaluate_start_gate(
    gate: StartGate, days: Sequence[int], labs: Mapping[int, Mapping[str, float]]
) -> StartGateResult:
    """Which of a drug's days the start gate holds.

    The drug's days are taken in order. Each day is checked against the latest value of the
    gate's lab on or before it: while that value does not meet the gate, the day is held (the
    drug is not started); the first day whose latest value meets it, or that has no value at all
    to decide on, is the first dose, and the days after it are not gated.
    """
    held: dict[int, str] = {}
    ordered = tuple(sorted(days))
    for day in ordered:
        latest = _latest(gate.lab, day, labs)
        if latest is None or gate.met_by(latest[1]):
            return StartGateResult(
                gate=gate, days=ordered, held=held, first_dose=day, checked_by=latest, labs=labs
            )
        seen_day, value = latest
        found = f"{gate.describe(value)} on day {seen_day}"
        if seen_day != day:
            found = f"the latest {found}"
        held[day] = f"held: not started: {found} is not {gate.limit} (start gate; {gate.source})"
    return StartGateResult(
        gate=gate, days=ordered, held=held, first_dose=None, checked_by=None, labs=labs
    )


#: The statuses of a start gate's warnings (a warning's ``field``), in the order they are given.
START_GATE_STATUSES = ("not_started", "not_evaluated", "checked_earlier", "moved")


def _moved_why(result: StartGateResult) -> str:
    """``days 2, 3 held (...); started on the day 4 count ...``: why the start moved."""
    gate = result.gate
    held = tuple(result.held)
    latest = {_latest(gate.lab, day, result.labs) for day in held}
    counts = ", ".join(
        f"{gate.describe(value)} on day {d}" for d, value in sorted(x for x in latest if x)
    )
    word = "day" if len(held) == 1 else "days"
    verb = "is" if len(latest) == 1 else "are"
    why = f"{word} {format_days(held)} held: {counts} {verb} not {gate.limit}"
    if result.checked_by is None:
        return f"{why}; no later count was given for day {result.first_dose} or before it"
    seen_day, value = result.checked_by
    return f"{why}; started on the day {seen_day} count, {gate.describe(value)}"


def start_moved_flag(result: StartGateResult) -> str:
    """The flag of the first dose given after a delayed start (``START MOVED from day 2 ...``)."""
    return (
        f"START MOVED from day {result.days[0]} to day {result.first_dose} by the "
        f"{result.gate.drug} start gate ({_moved_why(result)}): this is the first dose, the "
        "regimen's first step"
    )


def start_gate_warnings(
    result: StartGateResult, *, first_dose: str | None = None
) -> list[tuple[str, str]]:
    """What a pharmacist must know about a start gate's result, as ``(status, message)`` pairs
    (empty when it was met by a value of the first dose's own day). Each status is one of
    :data:`START_GATE_STATUSES`.

    Args:
        result: the evaluated gate.
        first_dose: the first dose given, as printed (``10 mg``), when there is one.
    """
    gate = result.gate
    rule = f"{gate.drug} start gate ({gate.text}; {gate.source})"
    planned = result.days[0] if result.days else None
    out = []
    if result.first_dose is None:
        return [
            (
                "not_started",
                f"{rule}: NOT STARTED this cycle: no {lab_table()[gate.lab]['name']} "
                f"{gate.limit} was given on or before any of its days "
                f"({format_days(result.days)}); every dose is held.",
            )
        ]
    first = result.first_dose
    if result.checked_by is None:
        out.append(
            (
                "not_evaluated",
                f"{rule}: NOT EVALUATED: no {lab_table()[gate.lab]['name']} was given for day "
                f"{first} or before; check it before the first dose (day {first}).",
            )
        )
    elif result.checked_by[0] != first:
        seen_day, value = result.checked_by
        out.append(
            (
                "checked_earlier",
                f"{rule}: met by the day {seen_day} value ({gate.describe(value)}); no value was "
                f"given for day {first}, the first dose: confirm it before that dose.",
            )
        )
    if first != planned:
        held = len(result.held)
        given = len(result.days) - held
        dose = f" at {first_dose}" if first_dose is not None else ""
        lost = "the last one is" if held == 1 else f"the last {held} are"
        out.append(
            (
                "moved",
                f"{rule}: the first {gate.drug} dose moves from day {planned} to day {first} "
                f"({_moved_why(result)}). The planned sequence moves with the start: day {first} "
                f"gives the first dose{dose}, the first step of any ramp-up (the regimen's and an "
                f"interaction rule's), and each later day the next planned dose. The last day "
                f"stays "
                f"day {result.days[-1]}: {given} of the {len(result.days)} planned doses are given "
                f"({lost} not). Confirm the start, the days and the doses with the prescriber.",
            )
        )
    return out
