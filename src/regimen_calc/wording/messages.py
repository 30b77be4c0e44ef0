"""The sentences of the engine's warnings, flags and hold reasons, in one place.

The rules (``engine.schedule``, ``engine.labs``) decide; these functions word what they decided.
Each takes plain values (names, days, quantities, grades) and returns the sentence; every number
is printed through :mod:`regimen_calc.wording.ismp`. Nothing here imports the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pint

from regimen_calc.wording.ismp import format_days, format_number, format_quantity

__all__ = [
    "bsa_capped",
    "component_provenance",
    "condition_unchecked",
    "condition_without_labs",
    "confidence_values",
    "cycle_limit",
    "cycle_not_stated",
    "cycle_provenance",
    "dose_held",
    "dosed_on_weight",
    "dosing_weight_above_actual",
    "eligibility_not_given",
    "eligibility_not_met",
    "eligibility_without_labs",
    "field_status",
    "gate_finding",
    "gate_held",
    "gate_limit",
    "hold_reason",
    "interaction_change",
    "lab_reading",
    "lab_value",
    "label_instruction",
    "modification_flag",
    "modification_warning",
    "moved_why",
    "printed_unit",
    "protocol_above_label",
    "rounding_review",
    "rounding_review_flag",
    "start_gate_checked_earlier",
    "start_gate_moved",
    "start_gate_not_evaluated",
    "start_gate_not_started",
    "start_moved_flag",
    "stopped_finding",
    "stopped_reason",
    "weight_basis_not_applied",
]

#: How a lab unit is printed (ISMP-style: ``× 10⁹/L``, never ``10^9/L``).
PRINTED_UNITS = {"10^9/L": "× 10⁹/L"}
#: The most decimal places a lab value is printed with (the formatting module's limit).
MAX_LAB_DECIMALS = 12


# -------------------------------------------------------------------------------- labs


def printed_unit(unit: str) -> str:
    """A lab unit as printed: ``× 10⁹/L`` for ``10^9/L``, any other unit as written."""
    return PRINTED_UNITS.get(unit, unit)


def lab_reading(name: str, value: float, unit: str) -> str:
    """``white-cell count 22 × 10⁹/L``: a lab value by its name (2 decimals at most)."""
    return f"{name} {format_number(value)} {printed_unit(unit)}"


def lab_value(value: float, unit: str) -> str:
    """A lab value as it was given (every decimal of it: a count is not rounded), with its unit.

    A value with more than :data:`MAX_LAB_DECIMALS` decimals (far below any measurement) cannot
    be printed by the number formatter without showing 0; it is shown as given (``1e-15``)."""
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    if decimals > MAX_LAB_DECIMALS:
        return f"{float(value):g} {printed_unit(unit)}"
    return f"{format_number(value, decimals=decimals)} {printed_unit(unit)}"


def hold_reason(finding: str, rule: str) -> str:
    """``held: white-cell count 22 × 10⁹/L (Suspend ...)``: a dose held by a ``hold_if`` rule."""
    return f"held: {finding} ({rule})"


def stopped_finding(day: int, reading: str) -> str:
    """``stopped from day 3: white-cell count 25 × 10⁹/L``."""
    return f"stopped from day {day}: {reading}"


def stopped_reason(finding: str, rule: str) -> str:
    """A dose stopped by a ``continue_until`` rule: the finding, then the rule in brackets."""
    return f"{finding} ({rule})"


def eligibility_without_labs(trial: str, limits: Sequence[str], source: str) -> str:
    listed = "; ".join(limits)
    return f"{trial} eligibility (no laboratory values given): check {listed} ({source})."


def eligibility_not_met(day: int, reading: str, trial: str, limit: str, source: str) -> str:
    return f"Day {day}: {reading} does not meet the {trial} eligibility limit ({limit}; {source})."


def eligibility_not_given(trial: str, lab_name: str, limit: str, source: str) -> str:
    return f"{trial} eligibility: no {lab_name} value given; check {limit} ({source})."


# -------------------------------------------------------------------------- start gates


def gate_limit(operator_word: str, threshold: str) -> str:
    """``below 25 × 10⁹/L``."""
    return f"{operator_word} {threshold}"


def gate_finding(described: str, seen_day: int, day: int, limit: str) -> str:
    """``not started: white-cell count 30 × 10⁹/L on day 2 is not below 25 × 10⁹/L``; ``the
    latest`` when the count is from an earlier day than the held day."""
    found = f"{described} on day {seen_day}"
    if seen_day != day:
        found = f"the latest {found}"
    return f"not started: {found} is not {limit}"


def gate_held(finding: str, source: str) -> str:
    """A dose held by a start gate: the finding, then the gate's source."""
    return f"held: {finding} (start gate; {source})"


def moved_why(
    held: tuple[int, ...],
    counts: Sequence[tuple[int, str]],
    limit: str,
    first_dose: int | None,
    checked_by: tuple[int, str] | None,
) -> str:
    """``days 2, 3 held (...); started on the day 4 count ...``: why the start moved.

    Args:
        held: the held days.
        counts: ``(day, described value)`` of each count behind the holds, in day order.
        limit: the gate's limit as printed.
        first_dose: the day of the first dose.
        checked_by: ``(day, described value)`` of the count the first dose was checked
            against, or ``None``.
    """
    listed = ", ".join(f"{described} on day {d}" for d, described in counts)
    word = "day" if len(held) == 1 else "days"
    verb = "is" if len(counts) == 1 else "are"
    why = f"{word} {format_days(held)} held: {listed} {verb} not {limit}"
    if checked_by is None:
        return f"{why}; no later count was given for day {first_dose} or before it"
    seen_day, described = checked_by
    return f"{why}; started on the day {seen_day} count, {described}"


def start_moved_flag(planned: int, first_dose: int | None, drug: str, why: str) -> str:
    """The flag of the first dose given after a delayed start (``START MOVED from day 2 ...``)."""
    return (
        f"START MOVED from day {planned} to day {first_dose} by the "
        f"{drug} start gate ({why}): this is the first dose, the "
        "regimen's first step"
    )


def _gate_rule(drug: str, text: str, source: str) -> str:
    return f"{drug} start gate ({text}; {source})"


def start_gate_not_started(
    drug: str, text: str, source: str, lab_name: str, limit: str, days: tuple[int, ...]
) -> str:
    return (
        f"{_gate_rule(drug, text, source)}: NOT STARTED this cycle: no {lab_name} "
        f"{limit} was given on or before any of its days "
        f"({format_days(days)}); every dose is held."
    )


def start_gate_not_evaluated(drug: str, text: str, source: str, lab_name: str, first: int) -> str:
    return (
        f"{_gate_rule(drug, text, source)}: NOT EVALUATED: no {lab_name} was given for day "
        f"{first} or before; check it before the first dose (day {first})."
    )


def start_gate_checked_earlier(
    drug: str, text: str, source: str, seen_day: int, described: str, first: int
) -> str:
    return (
        f"{_gate_rule(drug, text, source)}: met by the day {seen_day} value ({described}); no "
        f"value was given for day {first}, the first dose: confirm it before that dose."
    )


def start_gate_moved(
    drug: str,
    text: str,
    source: str,
    *,
    planned: int | None,
    first: int,
    why: str,
    first_dose: pint.Quantity | None,
    held: int,
    days: tuple[int, ...],
) -> str:
    given = len(days) - held
    dose = f" at {format_quantity(first_dose)}" if first_dose is not None else ""
    lost = "the last one is" if held == 1 else f"the last {held} are"
    return (
        f"{_gate_rule(drug, text, source)}: the first {drug} dose moves from day {planned} to "
        f"day {first} ({why}). The planned sequence moves with the start: day {first} "
        f"gives the first dose{dose}, the first step of any ramp-up (the regimen's and an "
        f"interaction rule's), and each later day the next planned dose. The last day "
        f"stays "
        f"day {days[-1]}: {given} of the {len(days)} planned doses are given "
        f"({lost} not). Confirm the start, the days and the doses with the prescriber."
    )


# ------------------------------------------------------------------------------ schedule


def cycle_limit(
    regimen_id: str,
    max_cycles: int,
    *,
    at_most: bool,
    status: str | None = None,
    source: str | None = None,
    grade: str | None = None,
) -> str:
    """Why a cycle is refused, by the bound and by where the number comes from:
    ``CLAG gives 2 cycles``, ``VA-CAG gives at most 2 cycles, assumed from VACAG-registry
    (confidence L), not stated``. ``status`` is ``None`` when the number has no provenance."""
    cycles = f"{max_cycles} cycle" if max_cycles == 1 else f"{max_cycles} cycles"
    bound = "at most " if at_most else ""
    text = f"{regimen_id} gives {bound}{cycles}"
    if status is None:
        return text
    graded = f" (confidence {grade})" if grade in ("M", "L") else ""
    if status == "assumed":
        return f"{text}, assumed from {source}{graded}, not stated"
    if status == "site":
        return f"{text}, supplied by the site ({source})"
    return f"{text}{graded}" if not graded else f"{text}, from {source}{graded}"


def _note(note: str | None) -> str:
    return f" {note}" if note else ""


def cycle_provenance(label: str, status: str, source: str | None, note: str | None) -> str | None:
    """``The cycle length is not stated by ...``; ``None`` for a stated value."""
    if status == "not_stated":
        return f"The {label} is not stated by {source}.{_note(note)}"
    if status == "assumed":
        return f"The {label} is assumed from {source}, not stated.{_note(note)}"
    if status == "site":
        return f"The {label} is supplied by the site ({source}).{_note(note)}"
    return None


def component_provenance(
    what: str, status: str, source: str | None, own_source: str | None, note: str | None
) -> str | None:
    """``cytarabine dose: assumed from ...``; ``None`` for a stated value.

    Args:
        what: the drug, or the drug and the field (``cytarabine days``).
        status: the value's status.
        source: where the value comes from.
        own_source: the regimen's own source for the component.
        note: the provenance's note.
    """
    n = _note(note)
    if status == "assumed" and source == own_source:
        # An inference from the regimen's own source, not a value from another one.
        return (
            f"{what}: assumed, not stated as such by {source}: this library's "
            f"reading of what it does state.{n}"
        )
    if status == "assumed":
        own = f" ({own_source})" if own_source else ""
        return f"{what}: assumed from {source}, not stated by the regimen's own source{own}.{n}"
    if status == "not_stated":
        return f"{what}: not stated by {source or 'the source'}.{n}"
    if status == "site":
        return f"{what}: supplied by the site ({source}), not by a published source.{n}"
    return None


def confidence_values(
    grade: str,
    own: str | None,
    values: Sequence[str],
    source: str,
    kind: str | None,
    meaning: str,
) -> str:
    """One source's values graded below H.

    Args:
        grade: the values' grade (M or L).
        own: the source's own grade where it differs from ``grade``, else ``None``.
        values: what rests on it (``cytarabine dose and days``).
        source: the source.
        kind: the kind of reference it is, printed, or ``None``.
        meaning: what the grade means.
    """
    own_text = "" if own is None else f" (the source itself: {own})"
    kind_text = "" if kind is None else f", {kind}"
    return (
        f"Confidence {grade}{own_text}: {'; '.join(values)}: from {source}{kind_text}. "
        f"{meaning} Marked [{grade}] in the schedule: check these "
        "values against the primary document before use."
    )


def field_status(field: str, status: str, source: str | None) -> str:
    """``dose: assumed (VACAG-registry)``: an administration's flag for a value not stated."""
    return f"{field}: {status.replace('_', ' ')}" + (f" ({source})" if source else "")


def modification_warning(drug: str, described: str, percent: float) -> str:
    return (
        f"{drug}: {described}. Every {drug} dose is {format_number(percent)}% of the protocol dose."
    )


def label_instruction(drug: str, text: str, source: str) -> str:
    return f"{drug}: {text} ({source})"


def bsa_capped(uncapped: pint.Quantity, capped: pint.Quantity) -> str:
    return (
        f"BSA {format_quantity(uncapped)} capped at {format_quantity(capped)} "
        "by the policy; ASCO advises against empiric BSA capping. "
        "Doses are below the full per-m² doses."
    )


def cycle_not_stated(cycle: int) -> str:
    """A cycle after the first of a regimen whose number of cycles is not stated."""
    return f"Cycle {cycle}: the number of cycles is not stated; check the protocol."


def weight_basis_not_applied(drug: str, weight_basis: str, *, per_m2: bool) -> str:
    """The policy's weight basis for a drug that no per-weight dose of the regimen reads."""
    how = (
        "dosed per m² in this regimen, from a body-surface area on the actual weight."
        if per_m2
        else "a flat dose in this regimen."
    )
    return f"{drug}: the policy's {weight_basis} body weight is not applied: {drug} is {how}"


def dosing_weight_above_actual(
    drug: str, weight_basis: str, dosing_weight: pint.Quantity, weight: pint.Quantity
) -> str:
    """An ideal or adjusted body weight above the actual weight (a short patient)."""
    return (
        f"{drug}: the {weight_basis} body weight {format_quantity(dosing_weight)} is above the "
        f"actual weight {format_quantity(weight)}; the dose is on the {weight_basis} weight as "
        "the policy says: check."
    )


def dosed_on_weight(weight_basis: str, dosing_weight: pint.Quantity) -> str:
    """An administration's flag: the per-weight dose used another weight than the actual."""
    return f"dosed on {weight_basis} body weight {format_quantity(dosing_weight)}"


def modification_flag(described: str, protocol_dose: pint.Quantity) -> str:
    """An administration's flag: the policy's dose level, with the protocol dose it reduced."""
    return f"{described} (protocol dose {format_quantity(protocol_dose)})"


def rounding_review_flag(reason: str) -> str:
    """An administration's flag: rounding was refused and the unrounded dose kept."""
    return f"PHARMACIST REVIEW: {reason}; unrounded dose kept"


def rounding_review(
    drug: str,
    days: Sequence[int],
    reason: str,
    unrounded: pint.Quantity,
    proposed: pint.Quantity | None,
    rule: str,
) -> str:
    """The schedule's warning for a drug whose rounding was refused on some days."""
    offered = "" if proposed is None else f" (rounding proposed {format_quantity(proposed)})"
    return (
        f"PHARMACIST REVIEW: {drug} on day(s) {format_days(tuple(days))}: {reason}; the "
        f"unrounded dose {format_quantity(unrounded)} is kept{offered}. Rule: {rule}."
    )


def protocol_above_label(
    drug: str, inhibitors: Sequence[str], label_doses: Sequence[tuple[pint.Quantity, Sequence[int]]]
) -> str:
    """The protocol rule set's venetoclax doses above the label's, with the label's by day."""
    label = "; ".join(
        f"{format_quantity(dose)} on day(s) {format_days(tuple(days))}"
        for dose, days in label_doses
    )
    return (
        f"{drug}: the protocol rule's doses are ABOVE the label's with {', '.join(inhibitors)} "
        f"(label: {label}). Confirm with the prescriber; the label rule set gives the label doses."
    )


def interaction_change(
    days: Sequence[int],
    drug: str,
    unadjusted: pint.Quantity,
    adjusted: pint.Quantity,
    rule_text: str,
    inhibitors: Sequence[str],
) -> str:
    """``Days 5-8: venetoclax 400 mg → 70 mg (...; posaconazole)``: one run of changed days."""
    label = "Day" if len(days) == 1 else "Days"
    return (
        f"{label} {format_days(tuple(days))}: {drug} {format_quantity(unadjusted)} → "
        f"{format_quantity(adjusted)} ({rule_text}; {', '.join(inhibitors)})"
    )


def condition_without_labs(drug: str, condition: str) -> str:
    """A lab condition printed as an instruction: no laboratory values were given at all."""
    return f"{drug}: {condition} (no laboratory values given: check before each dose)"


def condition_unchecked(drug: str, condition: str, lab: str, days: Sequence[int]) -> str:
    """A lab condition with no value of its lab for some days the drug is given."""
    return (
        f"{drug}: {condition} (no {lab} value for day(s) {format_days(tuple(days))}: "
        "check before each of these doses)"
    )


def dose_held(day: int, drug: str, reason: str) -> str:
    """``Day 3: cytarabine held: white-cell count 22 × 10⁹/L (...)``."""
    return f"Day {day}: {drug} {reason}"
