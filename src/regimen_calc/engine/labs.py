"""Laboratory values by day and the conditions (holds) that read them."""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping, Sequence

import attrs
import pint

from regimen_calc._checks import is_number
from regimen_calc.content.tables import read_data
from regimen_calc.errors import InputError, LoadError, Problem
from regimen_calc.model.regimen import Condition
from regimen_calc.wording import messages

__all__ = [
    "START_GATE_STATUSES",
    "EligibilityFinding",
    "GateWarning",
    "Hold",
    "StartGate",
    "StartGateResult",
    "check_labs",
    "eligibility_findings",
    "eligibility_for",
    "evaluate_conditions",
    "evaluate_start_gate",
    "find_hold",
    "lab_table",
    "start_gate_findings",
    "start_gate_for",
    "start_moved_flag",
    "unchecked_days",
]

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@functools.cache
def lab_table() -> Mapping[str, Mapping[str, object]]:
    """The labs the library reads (``data/labs.yaml``): name, unit and plausible range."""
    return read_data("labs.yaml")["labs"]


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


@attrs.frozen(kw_only=True)
class Hold:
    """A dose held (or stopped) by a lab rule, as data.

    ``finding`` is what the lab showed (``white-cell count 22 × 10⁹/L``; ``stopped from day 3:
    ...`` for a stop); ``rule`` the rule's text; ``reason`` both, as recorded on the
    administration. ``day`` is the day of the value that met the rule.
    """

    kind: str
    lab: str
    value: float
    day: int
    finding: str
    rule: str
    reason: str


def find_hold(
    conditions: Sequence[Condition], day: int, labs: Mapping[int, Mapping[str, float]]
) -> Hold | None:
    """The first of ``conditions`` that holds a component on ``day``, or ``None``.

    ``hold_if`` holds on a day whose lab meets the threshold. ``continue_until`` stops from the
    first day (on or before ``day``) whose lab meets it. A day with no value for the lab is not
    held: the condition prints as an instruction instead.
    """
    for cond in conditions:
        test = _OPS[cond.operator]
        if cond.kind == "hold_if":
            value = labs.get(day, {}).get(cond.lab)
            if value is not None and test(value, cond.threshold):
                finding = _reading(cond.lab, value, cond.unit)
                return Hold(
                    kind=cond.kind,
                    lab=cond.lab,
                    value=value,
                    day=day,
                    finding=finding,
                    rule=cond.text,
                    reason=messages.hold_reason(finding, cond.text),
                )
        elif cond.kind == "continue_until":
            for d in sorted(labs):
                if d > day:
                    break
                value = labs[d].get(cond.lab)
                if value is not None and test(value, cond.threshold):
                    finding = messages.stopped_finding(d, _reading(cond.lab, value, cond.unit))
                    return Hold(
                        kind=cond.kind,
                        lab=cond.lab,
                        value=value,
                        day=d,
                        finding=finding,
                        rule=cond.text,
                        reason=messages.stopped_reason(finding, cond.text),
                    )
    return None


def evaluate_conditions(
    conditions: Sequence[Condition], day: int, labs: Mapping[int, Mapping[str, float]]
) -> tuple[bool, str | None]:
    """Whether a component is held on ``day``, and why (see :func:`find_hold`)."""
    hold = find_hold(conditions, day, labs)
    return (False, None) if hold is None else (True, hold.reason)


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


@attrs.frozen(kw_only=True)
class EligibilityFinding:
    """A trial eligibility limit not met (or not checked): its days (the days of the values
    that do not meet it; none for an instruction) and the message."""

    days: tuple[int, ...]
    message: str
    source: str


def eligibility_findings(
    regimen_id: str, labs: Mapping[int, Mapping[str, float]]
) -> list[EligibilityFinding]:
    """Lab values that do not meet the regimen's trial eligibility limits.

    Without labs, one instruction listing the limits. With labs, one finding per value outside a
    limit, and one per limit whose lab was not given at all.
    """
    found = eligibility_for(regimen_id)
    if found is None:
        return []
    trial, source, limits = found
    if not labs:
        listed = [str(lim["text"]) for lim in limits]
        return [
            EligibilityFinding(
                days=(),
                source=source,
                message=messages.eligibility_without_labs(trial, listed, source),
            )
        ]
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
                reading = _reading(lab, value, unit)
                out.append(
                    EligibilityFinding(
                        days=(day,),
                        source=source,
                        message=messages.eligibility_not_met(
                            day, reading, trial, str(lim["text"]), source
                        ),
                    )
                )
        if not seen:
            out.append(
                EligibilityFinding(
                    days=(),
                    source=source,
                    message=messages.eligibility_not_given(
                        trial, str(table[lab]["name"]), str(lim["text"]), source
                    ),
                )
            )
    return out


# --------------------------------------------------------------------------------------------
# Start gates: a label's condition on starting a drug (venetoclax: white-cell count below
# 25 × 10⁹/L before the first dose), data in eligibility.yaml's ``start_gates``.

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
        return f"{self.lab_name} {_lab_value(self.lab, value)}"

    @property
    def lab_name(self) -> str:
        """``white-cell count``."""
        return str(lab_table()[self.lab]["name"])

    @property
    def limit(self) -> str:
        """``below 25 × 10⁹/L``."""
        return messages.gate_limit(
            _OPERATOR_WORDS[self.operator], _lab_value(self.lab, self.threshold)
        )


def _reading(lab: str, value: float, unit: str) -> str:
    """``white-cell count 22 × 10⁹/L``: a lab value by its name, through the number formatter."""
    entry = lab_table().get(lab)
    name = lab if entry is None else entry["name"]
    return messages.lab_reading(str(name), value, unit)


def _lab_value(lab: str, value: float) -> str:
    """A lab value as it was given (every decimal of it: a count is not rounded), with its unit."""
    return messages.lab_value(value, str(lab_table()[lab]["unit"]))


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
    #: Each held day's finding, without the gate's source (``not started: white-cell count 30
    #: × 10⁹/L on day 2 is not below 25 × 10⁹/L``).
    findings: Mapping[int, str] = attrs.field(factory=dict, hash=False, eq=False)
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
    findings: dict[int, str] = {}
    ordered = tuple(sorted(days))
    for day in ordered:
        latest = _latest(gate.lab, day, labs)
        if latest is None or gate.met_by(latest[1]):
            return StartGateResult(
                gate=gate,
                days=ordered,
                held=held,
                first_dose=day,
                checked_by=latest,
                labs=labs,
                findings=findings,
            )
        seen_day, value = latest
        findings[day] = messages.gate_finding(gate.describe(value), seen_day, day, gate.limit)
        held[day] = messages.gate_held(findings[day], gate.source)
    return StartGateResult(
        gate=gate,
        days=ordered,
        held=held,
        first_dose=None,
        checked_by=None,
        labs=labs,
        findings=findings,
    )


#: The statuses of a start gate's warnings (a warning's ``field``), in the order they are given.
START_GATE_STATUSES = ("not_started", "not_evaluated", "checked_earlier", "moved")


def _moved_why(result: StartGateResult) -> str:
    """``days 2, 3 held (...); started on the day 4 count ...``: why the start moved."""
    gate = result.gate
    held = tuple(result.held)
    latest = {_latest(gate.lab, day, result.labs) for day in held}
    counts = [(d, gate.describe(value)) for d, value in sorted(x for x in latest if x)]
    checked = None
    if result.checked_by is not None:
        checked = (result.checked_by[0], gate.describe(result.checked_by[1]))
    return messages.moved_why(held, counts, gate.limit, result.first_dose, checked)


def start_moved_flag(result: StartGateResult) -> str:
    """The flag of the first dose given after a delayed start (``START MOVED from day 2 ...``)."""
    return messages.start_moved_flag(
        result.days[0], result.first_dose, result.gate.drug, _moved_why(result)
    )


@attrs.frozen(kw_only=True)
class GateWarning:
    """One thing a pharmacist must know about a start gate's result.

    ``status`` is one of :data:`START_GATE_STATUSES`; ``days`` the days it concerns (the held
    days; the first dose's day; the day of the count it was checked by); ``doses`` the first
    dose given when the start moved.
    """

    status: str
    days: tuple[int, ...]
    message: str
    doses: tuple[pint.Quantity, ...] = ()


def start_gate_findings(
    result: StartGateResult, *, first_dose: pint.Quantity | None = None
) -> list[GateWarning]:
    """What a pharmacist must know about a start gate's result (empty when it was met by a
    value of the first dose's own day).

    Args:
        result: the evaluated gate.
        first_dose: the first dose given (the day's total), when there is one.
    """
    gate = result.gate
    rule = (gate.drug, gate.text, gate.source)
    planned = result.days[0] if result.days else None
    out = []
    if result.first_dose is None:
        return [
            GateWarning(
                status="not_started",
                days=result.days,
                message=messages.start_gate_not_started(
                    *rule, gate.lab_name, gate.limit, result.days
                ),
            )
        ]
    first = result.first_dose
    if result.checked_by is None:
        out.append(
            GateWarning(
                status="not_evaluated",
                days=(first,),
                message=messages.start_gate_not_evaluated(*rule, gate.lab_name, first),
            )
        )
    elif result.checked_by[0] != first:
        seen_day, value = result.checked_by
        out.append(
            GateWarning(
                status="checked_earlier",
                days=(seen_day, first),
                message=messages.start_gate_checked_earlier(
                    *rule, seen_day, gate.describe(value), first
                ),
            )
        )
    if first != planned:
        out.append(
            GateWarning(
                status="moved",
                days=(*result.held, first),
                doses=() if first_dose is None else (first_dose,),
                message=messages.start_gate_moved(
                    *rule,
                    planned=planned,
                    first=first,
                    why=_moved_why(result),
                    first_dose=first_dose,
                    held=len(result.held),
                    days=result.days,
                ),
            )
        )
    return out
