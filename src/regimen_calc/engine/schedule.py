"""The dose engine: a regimen, a patient and a policy in; a day-by-day :class:`Schedule` out.

Pure: objects in, objects out. For every administration the pipeline is
calculated dose (per unit × BSA or weight, or flat) → interaction adjustment (venetoclax with
CYP3A4/P-gp inhibitors) → dose to give (the policy's rounding) → tablets → holds from labs.
Every step is recorded on the administration, so a pharmacist can check each number by hand.
"""

from __future__ import annotations

import datetime
import functools
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal

import attrs
import pint

from regimen_calc import units
from regimen_calc.content.bsa import BSA_FORMULAS, body_surface_area
from regimen_calc.content.catalog import drug_info
from regimen_calc.content.interaction_tables import rule_set_names
from regimen_calc.engine.cumulative import (
    CumulativeReport,
    DrugExposure,
    assess_cumulative,
    check_override,
    check_prior_exposure,
    cycle_exposure,
)
from regimen_calc.engine.export import schedule_to_dict
from regimen_calc.engine.interactions import (
    ProtocolRule,
    adjust_venetoclax,
    check_windows,
    resolve_concomitants,
)
from regimen_calc.engine.labs import (
    check_labs,
    eligibility_findings,
    evaluate_start_gate,
    find_hold,
    start_gate_findings,
    start_gate_for,
    start_moved_flag,
    unchecked_days,
)
from regimen_calc.engine.policy import DoseModification, DosingPolicy, RoundingResult, half_up
from regimen_calc.engine.safety import check_ceilings, check_flat_cycle_totals
from regimen_calc.engine.tablets import compose_tablets
from regimen_calc.errors import InputError, MissingSiteValuesError
from regimen_calc.model.parsing import MIN_DAY
from regimen_calc.model.patient import Patient
from regimen_calc.model.regimen import (
    CONFIDENCE_MEANINGS,
    REFERENCE_KIND_NAMES,
    Component,
    Condition,
    Infusion,
    PerWeight,
    Provenance,
    Regimen,
    SequenceRule,
)
from regimen_calc.units import ureg
from regimen_calc.wording import messages

__all__ = [
    "Administration",
    "Schedule",
    "ScheduleDay",
    "ScheduleWarning",
    "build_schedule",
    "default_policy",
]

SCHEMA_VERSION = "1.1"

#: The highest cycle number accepted when a regimen does not state its number of cycles: far above
#: any salvage course, and low enough that a typo such as 1000 is refused instead of scheduled.
MAX_CYCLE = 100

WarningKind = Literal[
    "assumed",
    "not_stated",
    "site",
    "interaction",
    "rounding",
    "hold",
    "lab",
    "cycle",
    "limit",
    "policy",
    "label",
    "confidence",
    "start_gate",
]


@attrs.frozen(kw_only=True)
class ScheduleWarning:
    """Something a pharmacist must see: an assumed or missing value, a flag, a hold.

    Besides the sentence (``message``), the warning carries what it is about as data: the
    component, the field, the source; the cycle ``days`` it concerns (day 1 = first chemotherapy
    day, in day order); the ``doses`` (or other quantities: a BSA, a weight) it names; and the
    source's ``confidence`` grade (H, M or L) where the warning rests on a graded source.
    """

    kind: WarningKind
    message: str
    component: str | None = None
    field: str | None = None
    source: str | None = None
    days: tuple[int, ...] = ()
    doses: tuple[pint.Quantity, ...] = attrs.field(default=(), eq=False, hash=False)
    confidence: str | None = None


@attrs.frozen(kw_only=True)
class InteractionAdjustment:
    """A dose changed by an interaction rule: the unadjusted dose, the new dose and why."""

    unadjusted: pint.Quantity
    adjusted: pint.Quantity
    rule: str
    text: str
    source: str
    inhibitors: tuple[str, ...]
    note: str | None = None
    #: The label rule's dose where a protocol rule gives more than the label (else ``None``).
    above_label: pint.Quantity | None = None


@attrs.frozen(kw_only=True)
class Administration:
    """One drug on one day: what to give, how, and how the number was reached."""

    component: str
    drug: str
    route: str | None
    dose_per_unit: pint.Quantity
    basis: Literal["bsa", "weight", "flat"]
    basis_value: pint.Quantity | None
    calculated_dose: pint.Quantity
    dose: pint.Quantity
    per_day: int
    frequency: str
    infusion: Infusion | None
    sequence: SequenceRule | None
    conditions: tuple[Condition, ...]
    rounding: RoundingResult
    adjustment: InteractionAdjustment | None = None
    modification: DoseModification | None = None
    unmodified_dose: pint.Quantity | None = None
    weight_basis: str | None = None
    tablets: tuple[tuple[pint.Quantity, int], ...] = ()
    held: bool = False
    hold_reason: str | None = None
    #: What the lab showed, without the rule (``white-cell count 22 × 10⁹/L``; ``not started:
    #: ...`` for a start gate): the short reason a printed order shows beside its hold rules.
    hold_finding: str | None = None
    provenance: Mapping[str, Provenance] = attrs.field(factory=dict, hash=False)
    #: The confidence grade (H, M or L) of each of this drug's values whose source is graded,
    #: by field (``dose`` or ``steps``, ``days``, ``route``, ...).
    confidence: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def daily_dose(self) -> pint.Quantity:
        """The dose to give over the day (per administration × administrations per day)."""
        return self.dose * self.per_day


@attrs.frozen(kw_only=True)
class ScheduleDay:
    """One day of the cycle: its number (day 1 = first chemotherapy day), date and drugs."""

    day: int
    date: datetime.date | None
    administrations: tuple[Administration, ...]


@attrs.frozen(kw_only=True)
class Schedule:
    """A computed cycle for one patient: every day, every dose, every warning."""

    regimen: Regimen
    patient: Patient
    cycle: int
    start: datetime.date | None
    bsa: pint.Quantity
    bsa_unrounded: pint.Quantity
    bsa_formula: str
    weight: pint.Quantity
    policy: DosingPolicy
    concomitants: tuple[Any, ...]
    rule_set: str
    days: tuple[ScheduleDay, ...]
    warnings: tuple[ScheduleWarning, ...]
    bsa_decimals: int = 2
    bsa_capped: bool = False
    labs: Mapping[int, Mapping[str, float]] = attrs.field(factory=dict, hash=False)
    cumulative: CumulativeReport | None = None
    override_cumulative: str | None = None

    def day(self, number: int) -> ScheduleDay:
        """The schedule day with this day number."""
        for d in self.days:
            if d.day == number:
                return d
        raise InputError("day", f"one of the schedule's days {[d.day for d in self.days]}", number)

    def administrations(
        self, drug: str | None = None
    ) -> tuple[tuple[ScheduleDay, Administration], ...]:
        """Every (day, administration), optionally for one drug."""
        return tuple(
            (d, a) for d in self.days for a in d.administrations if drug is None or a.drug == drug
        )

    def to_dict(self) -> dict[str, Any]:
        """The schedule as plain JSON-able data (the documented schema in docs/json-schema.md)."""
        return schedule_to_dict(self)


# --------------------------------------------------------------------------------------------


def _check_cycle(regimen: Regimen, cycle: object) -> int:
    if isinstance(cycle, bool) or not isinstance(cycle, int) or cycle < 1:
        raise InputError("cycle", "a whole number from 1", cycle)
    limit = regimen.cycle.max_cycles
    if limit is not None and cycle > limit:
        raise InputError("cycle", f"a cycle from 1 to {limit} ({_cycle_limit(regimen)})", cycle)
    if cycle > MAX_CYCLE:
        raise InputError(
            "cycle", f"a cycle from 1 to {MAX_CYCLE} (the number of cycles is not stated)", cycle
        )
    return cycle


def _cycle_limit(regimen: Regimen) -> str:
    """Why the cycle is refused (worded by :func:`messages.cycle_limit`)."""
    prov = regimen.cycle.provenance.get("max_cycles")
    return messages.cycle_limit(
        regimen.id,
        regimen.cycle.max_cycles,
        at_most=regimen.cycle.max_cycles_bound == "at_most",
        status=None if prov is None else prov.status,
        source=None if prov is None else prov.source,
        grade=None if prov is None else regimen.confidence_of(prov),
    )


def _check_start(start: object, days: Sequence[int]) -> datetime.date | None:
    if start is None:
        return None
    if isinstance(start, datetime.datetime) or not isinstance(start, datetime.date):
        raise InputError("start", "a datetime.date: the date of day 1", start)
    try:  # every day of the cycle must have a calendar date
        for day in (min(days, default=1), max(days, default=1)):
            start + datetime.timedelta(days=day - 1)
    except OverflowError:
        raise InputError(
            "start", "a date whose cycle days all fall within the calendar", start
        ) from None
    return start


def _check_measured_on(patient: Patient, start: datetime.date | None, days: Sequence[int]) -> None:
    """Height and weight measured after the first day of the schedule cannot be what its doses
    were calculated from."""
    measured = patient.measured_on
    if measured is None or start is None:
        return
    first_day = min(days, default=1)
    first = start + datetime.timedelta(days=first_day - 1)
    if measured > first:
        raise InputError(
            "measured_on",
            f"a date on or before the schedule's first day (day {first_day}, {first.isoformat()})",
            measured.isoformat(),
        )


def _check_labs(labs: object, days: Sequence[int]) -> dict[int, dict[str, float]]:
    """Labs for days up to the schedule's last day (a later one is read by no rule); from the
    earliest day a regimen may have, since holds and start gates read the latest value on or
    before a day, and a value from before the first dose is such a value."""

    return check_labs(labs, days=(MIN_DAY, max(days, default=1)))


def _order(components: Sequence[Component]) -> list[Component]:
    """Components in administration order: file order, each after the one it follows."""
    placed: list[Component] = []
    pending = list(components)
    while pending:
        for comp in pending:
            after = comp.sequence.after if comp.sequence else None
            if (
                after is None
                or any(p.id == after for p in placed)
                or all(c.id != after for c in pending)
            ):
                placed.append(comp)
                pending.remove(comp)
                break
        else:  # a cycle of sequences; the loader refuses self-reference, keep file order
            placed += pending
            break
    return placed


def _provenance_warnings(regimen: Regimen) -> list[ScheduleWarning]:
    out = []
    for field, prov in regimen.cycle.provenance.items():
        label = {"length_days": "cycle length", "max_cycles": "number of cycles"}.get(field, field)
        message = messages.cycle_provenance(label, prov.status, prov.source, prov.note)
        if message is None:
            continue
        out.append(
            ScheduleWarning(
                kind=prov.status,
                field=f"cycle.{field}",
                source=prov.source,
                message=message,
                confidence=regimen.confidence_of(prov),
            )
        )
    for comp in regimen.components:
        fields = dict(comp.provenance)
        if comp.status != "stated" and "" not in fields:
            fields[""] = Provenance(status=comp.status, source=comp.source)
        for field, prov in fields.items():
            what = f"{comp.drug} {field}".strip() if field else comp.drug
            msg = messages.component_provenance(
                what, prov.status, prov.source, comp.source, prov.note
            )
            if msg is None:
                continue
            out.append(
                ScheduleWarning(
                    kind=prov.status,
                    component=comp.id,
                    field=field or None,
                    source=prov.source,
                    message=msg,
                    days=tuple(comp.days),
                    confidence=regimen.confidence_of(prov),
                )
            )
    return out


#: A component's fields in the order they are listed, with their printed names.
_FIELD_NAMES = (
    ("drug", "drug"),
    ("dose", "dose"),
    ("steps", "dose steps"),
    ("route", "route"),
    ("days", "days"),
    ("frequency", "frequency"),
    ("infusion", "infusion"),
    ("sequence", "sequence"),
    ("conditions", "conditions"),
    ("interaction_rule", "interaction rule"),
)


def _has_value(comp: Component, field: str) -> bool:
    if field == "dose":
        return comp.dose is not None and not comp.steps
    if field == "steps":
        return bool(comp.steps)
    if field in ("drug", "frequency"):
        prov = comp.provenance.get(field)
        return prov is None or prov.status != "not_stated"
    return bool(getattr(comp, field))


def _confidence_by_field(regimen: Regimen, comp: Component) -> dict[str, str]:
    """The confidence grade of each of a component's values whose source is graded."""
    out = {}
    for field, _ in _FIELD_NAMES:
        if _has_value(comp, field):
            grade = regimen.confidence_of(comp.provenance_of(field))
            if grade is not None:
                out[field] = grade
    return out


def _confidence_warnings(regimen: Regimen) -> list[ScheduleWarning]:
    """One warning per source and grade below H, naming every value that rests on it."""

    # (grade, source) -> what -> the fields of it ("cytarabine" -> ["dose", "days"]).
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    # (grade, source) -> the ids and days of the components whose values rest on it.
    concerned: dict[tuple[str, str], dict[str, tuple[int, ...]]] = {}
    for field, label in (("length_days", "cycle length"), ("max_cycles", "number of cycles")):
        prov = regimen.cycle.provenance.get(field)
        grade = None if prov is None else regimen.confidence_of(prov)
        if prov is not None and grade in ("M", "L") and getattr(regimen.cycle, field) is not None:
            found.setdefault((grade, prov.source or ""), {}).setdefault("the", []).append(label)
    for comp in regimen.components:
        for field, label in _FIELD_NAMES:
            if not _has_value(comp, field):
                continue
            prov = comp.provenance_of(field)
            grade = regimen.confidence_of(prov)
            if grade in ("M", "L"):
                by_what = found.setdefault((grade, prov.source or ""), {})
                by_what.setdefault(f"{comp.drug}", []).append(label)
                concerned.setdefault((grade, prov.source or ""), {})[comp.id] = tuple(comp.days)
    out = []
    for (grade, source), by_what in sorted(found.items()):
        values = [f"{what} {_and(labels)}" for what, labels in by_what.items()]
        ref = regimen.reference(source)
        comps = concerned.get((grade, source), {})
        out.append(
            ScheduleWarning(
                kind="confidence",
                source=source or None,
                field=grade,
                days=tuple(sorted({d for days in comps.values() for d in days})),
                confidence=grade,
                message=messages.confidence_values(
                    grade,
                    None if ref is None or ref.confidence in (None, grade) else ref.confidence,
                    values,
                    source,
                    None if ref is None else REFERENCE_KIND_NAMES[ref.kind],
                    CONFIDENCE_MEANINGS[grade],
                ),
            )
        )
    return out


def _and(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _field_warnings(comp: Component) -> tuple[str, ...]:
    out = []
    for field, prov in comp.provenance.items():
        if prov.status in ("assumed", "not_stated", "site"):
            out.append(messages.field_status(field, prov.status, prov.source))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# The plan: what a regimen's schedule needs that no patient changes, made once per regimen and
# policy. Per patient, only the BSA- and weight-based doses, their rounding, holds and ceilings
# are computed; flat doses (venetoclax) and their interaction adjustments come from the plan.

#: Plans kept at once (regimen × policy pairs, by identity); the oldest made is dropped beyond
#: this, and 0 keeps none.
PLAN_CACHE_SIZE = 32
#: Remembered results per component (flat-dose administrations, venetoclax adjustments).
_MEMO_SIZE = 256


@attrs.frozen(eq=False)
class _ComponentPlan:
    """One component under one policy: the facts its schedule needs that no patient changes."""

    comp: Component
    rules: Any  # DrugPolicy
    strengths: tuple[pint.Quantity, ...]
    is_tablet: bool
    venetoclax: bool
    by_weight: bool
    #: (day, dose spec) for every day, in the component's day order.
    specs: tuple[tuple[int, Any], ...]
    #: id(spec) -> (dose, modified dose) for flat doses, which are the same for every patient.
    flat_doses: tuple[tuple[int, tuple[pint.Quantity, pint.Quantity]], ...]
    field_warnings: tuple[str, ...]
    protocol_rule: Any
    modification_warning: ScheduleWarning | None
    #: The label's start gate for the drug (labs.StartGate), or ``None``.
    start_gate: Any
    #: The confidence grade of each graded value, by field.
    confidence: Mapping[str, str]
    #: Results reused across patients, by their inputs: flat-dose administrations and venetoclax
    #: adjustments. Everything stored is immutable; the memo is emptied when it grows too large.
    memo: dict[tuple[Any, ...], Any] = attrs.field(factory=dict)

    def remember(self, key: tuple[Any, ...], value: Any) -> Any:
        if len(self.memo) >= _MEMO_SIZE:
            self.memo.clear()
        self.memo[key] = value
        return value


@attrs.frozen(eq=False)
class _Plan:
    regimen: Regimen
    policy: DosingPolicy
    #: Components in administration order.
    components: tuple[_ComponentPlan, ...]
    provenance_warnings: tuple[ScheduleWarning, ...]
    label_warnings: tuple[ScheduleWarning, ...]


_PLANS: dict[tuple[int, int], _Plan] = {}
_PLANS_LOCK = threading.Lock()


def _plan(regimen: Regimen, policy: DosingPolicy) -> _Plan:
    """The regimen's plan under this policy, made on first use and kept.

    Both are immutable (frozen attrs classes whose mappings are read-only), so a plan made once
    stays true. Keyed by identity: the plan holds both objects, so their ids cannot be reused
    while it is kept.
    """
    key = (id(regimen), id(policy))
    plan = _PLANS.get(key)
    if plan is None or plan.regimen is not regimen or plan.policy is not policy:
        plan = _make_plan(regimen, policy)
        with _PLANS_LOCK:  # schedules may be built from several threads
            while _PLANS and len(_PLANS) >= PLAN_CACHE_SIZE:
                _PLANS.pop(next(iter(_PLANS)))
            if PLAN_CACHE_SIZE > 0:
                _PLANS[key] = plan
    return plan


def _make_plan(regimen: Regimen, policy: DosingPolicy) -> _Plan:

    components = []
    for comp in _order(regimen.components):
        info = drug_info(comp.drug)
        rules = policy.for_drug(comp.drug)
        specs = []
        flat: dict[int, tuple[pint.Quantity, pint.Quantity]] = {}
        for day in comp.days:
            spec = comp.dose_on(day)
            if spec is None:  # guarded by missing_site_values and the loader; never guess
                raise MissingSiteValuesError(regimen.id, (f"{comp.id}.dose (day {day})",))
            specs.append((day, spec))
            if spec.basis == "flat" and id(spec) not in flat:
                flat[id(spec)] = _planned(spec.amount, comp.drug, policy)
        pres = info.presentations
        modification = None
        if rules.modification is not None:
            modification = ScheduleWarning(
                kind="policy",
                component=comp.id,
                field="modification",
                days=tuple(comp.days),
                message=messages.modification_warning(
                    comp.drug, rules.modification.describe(), rules.modification.percent
                ),
            )
        components.append(
            _ComponentPlan(
                comp=comp,
                rules=rules,
                strengths=pres.strengths if pres is not None else (),
                is_tablet=pres is not None and pres.kind == "tablet",
                venetoclax=info.interaction_rule == "venetoclax",
                by_weight=any(isinstance(spec, PerWeight) for _, spec in specs),
                specs=tuple(specs),
                flat_doses=tuple(flat.items()),
                field_warnings=_field_warnings(comp),
                protocol_rule=_protocol_rule(comp),
                modification_warning=modification,
                start_gate=start_gate_for(comp.drug),
                confidence=MappingProxyType(_confidence_by_field(regimen, comp)),
            )
        )
    label = tuple(
        ScheduleWarning(
            kind="label",
            component=comp.id,
            source=source,
            days=tuple(comp.days),
            message=messages.label_instruction(comp.drug, text, source),
        )
        for comp in regimen.components
        for text, source in drug_info(comp.drug).instructions
    )
    return _Plan(
        regimen=regimen,
        policy=policy,
        components=tuple(components),
        provenance_warnings=(*_provenance_warnings(regimen), *_confidence_warnings(regimen)),
        label_warnings=label,
    )


def _planned(
    dose: pint.Quantity, drug: str, policy: DosingPolicy
) -> tuple[pint.Quantity, pint.Quantity]:
    """The calculated dose (in mg, never g) and the policy's dose level of it."""
    if dose._units == _GRAM._units:  # orders are written in mg: 1,750 mg, never 1.75 g
        dose = dose.to(_MILLIGRAM)
    modified, _ = policy.modify(drug, dose)
    return dose, modified


def _venetoclax(
    cp: _ComponentPlan,
    planned: Mapping[int, pint.Quantity],
    concomitants: tuple[Any, ...],
    rule_set: str,
) -> tuple[Mapping[int, Any], tuple[ScheduleWarning, ...]]:
    """The day-by-day venetoclax adjustments and their warnings (remembered by their inputs)."""

    comp = cp.comp
    if comp.per_day != 1:
        # The rule tables are daily doses; the loader refuses such a regimen (defence in depth).
        raise InputError(
            f"{comp.id}.frequency",
            "once daily for venetoclax (the label's doses are daily)",
            comp.frequency,
        )
    key = (
        "venetoclax",
        tuple((day, q.magnitude, q._units) for day, q in planned.items()),
        concomitants,
        rule_set,
    )
    found = cp.memo.get(key)
    if found is None:
        adjustments = adjust_venetoclax(
            planned, concomitants, rule_set=rule_set, protocol_rule=cp.protocol_rule
        )
        found = cp.remember(key, (adjustments, tuple(_interaction_warnings(comp, adjustments))))
    return found


@functools.cache
def default_policy() -> DosingPolicy:
    """The policy used when none is given (one shared instance: it is immutable)."""
    return DosingPolicy()


@attrs.frozen(kw_only=True)
class _Arguments:
    """``build_schedule``'s arguments, checked: everything the dose steps read."""

    regimen: Regimen
    patient: Patient
    cycle: int
    start: datetime.date | None
    policy: DosingPolicy
    rule_set: str
    labs: Mapping[int, Mapping[str, float]]
    prior: Mapping[str, Any]
    override: str | None
    concomitants: tuple[Any, ...]
    plan: _Plan


@attrs.frozen(kw_only=True)
class _Body:
    """The patient's measures as the doses use them (cm and kg to 1e-6; the policy's BSA)."""

    height: pint.Quantity
    weight: pint.Quantity
    bsa_raw: pint.Quantity
    bsa: pint.Quantity
    bsa_uncapped: pint.Quantity
    capped: bool


def build_schedule(
    regimen: Regimen,
    patient: Patient,
    *,
    cycle: int = 1,
    start: datetime.date | None = None,
    concomitant: Sequence[object] = (),
    rule_set: str = "label",
    policy: DosingPolicy | None = None,
    labs: Mapping[int, Mapping[str, object]] | None = None,
    bsa_formula: str | None = None,
    prior_exposure: Mapping[str, object] | None = None,
    override_cumulative: str | None = None,
) -> Schedule:
    """Compute one cycle of a regimen for one patient.

    For every administration: calculated dose (per unit × BSA or the policy's dosing weight, or
    flat) → the policy's dose level (e.g. 75%) → interaction adjustment → the policy's rounding
    (flagged and left unrounded when beyond its max deviation) → tablets → holds from labs →
    ceilings. Then cumulative anthracycline exposure against its lifetime limit.

    Args:
        regimen: a loaded regimen.
        patient: the patient (height and weight with units; sex for ideal or adjusted weight).
        cycle: the cycle number, from 1 (and at most the regimen's stated number of cycles).
        start: the date of day 1; day 0 falls the day before.
        concomitant: concomitant drugs, by name or as
            :class:`~regimen_calc.model.concomitant.Concomitant`; each drug once on any day, and
            each window reaching a day of the schedule (its rule applies for the resume lag
            after its last dose).
        rule_set: the venetoclax interaction rule set: ``"label"`` (default) or ``"protocol"``;
            any other name is refused, for every regimen (with venetoclax or not).
        policy: the dosing policy; the default ``DosingPolicy()`` when not given (one shared
            instance: policies are immutable).
        labs: laboratory values by day, such as ``{1: {"wbc": 25}}`` (units in docs/safety.md);
            days from -30 to the schedule's last day.
        bsa_formula: overrides the policy's BSA formula.
        prior_exposure: the patient's anthracycline exposure before this cycle, in mg/m² per drug,
            such as ``{"mitoxantrone": 60}`` (earlier cycles of this regimen included); each 0
            or from 1 to 5,000 mg/m² (``data/anthracyclines.yaml``).
        override_cumulative: the reason to schedule past a lifetime limit (recorded).

    Raises:
        MissingSiteValuesError: the regimen needs values only the site can supply.
        InputError: any argument that is not what it should be, and a patient's
            ``measured_on`` after the date of the schedule's first day.
        DoseLimitError: a computed dose above the drug's single or daily ceiling, or a cycle's
            flat doses of a drug over the patient's BSA (with its per-m² doses) above the drug's
            per-m² cycle total.
        CumulativeDoseError: a lifetime anthracycline total past its limit without an override.
    """

    args = _checked_arguments(
        regimen,
        patient,
        cycle=cycle,
        start=start,
        concomitant=concomitant,
        rule_set=rule_set,
        policy=policy,
        labs=labs,
        bsa_formula=bsa_formula,
        prior_exposure=prior_exposure,
        override_cumulative=override_cumulative,
    )
    body = _body(patient, args.policy)
    warnings = [*args.plan.provenance_warnings, *_patient_warnings(args, body)]
    per_component: dict[str, dict[int, Administration]] = {}
    for cp in args.plan.components:
        per_component[cp.comp.id], found = _component_days(cp, args, body)
        warnings += found
    return _assemble(args, body, per_component, warnings)


# ------------------------------------------------------------------- step 1: the arguments


def _checked_arguments(
    regimen: object,
    patient: object,
    *,
    cycle: object,
    start: object,
    concomitant: Sequence[object],
    rule_set: object,
    policy: object,
    labs: object,
    bsa_formula: object,
    prior_exposure: object,
    override_cumulative: object,
) -> _Arguments:
    """Every argument checked (or refused with the field named), and the regimen's plan."""

    if not isinstance(regimen, Regimen):
        raise InputError("regimen", "a Regimen from load_regimen()", type(regimen).__name__)
    if not isinstance(patient, Patient):
        raise InputError("patient", "a Patient(height=..., weight=...)", type(patient).__name__)
    missing = regimen.missing_site_values()
    if missing:
        raise MissingSiteValuesError(regimen.id, missing)
    policy = default_policy() if policy is None else policy
    if not isinstance(policy, DosingPolicy):
        raise InputError("policy", "a DosingPolicy", type(policy).__name__)
    plan_policy = policy  # before a bsa_formula override: the plan does not use the formula
    if bsa_formula is not None:
        if not isinstance(bsa_formula, str) or bsa_formula not in BSA_FORMULAS:
            raise InputError("bsa_formula", f"one of {', '.join(BSA_FORMULAS)}", bsa_formula)
        policy = attrs.evolve(policy, bsa_formula=bsa_formula)
    # Checked for every regimen, not only where a venetoclax rule reads it: a name no rule set
    # has is never accepted and ignored.
    if not isinstance(rule_set, str) or rule_set not in rule_set_names():
        raise InputError("rule_set", f"one of {', '.join(map(repr, rule_set_names()))}", rule_set)
    checked_cycle = _check_cycle(regimen, cycle)
    checked_start = _check_start(start, regimen.all_days)
    _check_measured_on(patient, checked_start, regimen.all_days)
    lab_values = _check_labs(labs, regimen.all_days)
    prior = check_prior_exposure(prior_exposure)
    override = check_override(override_cumulative)
    concomitants = resolve_concomitants(concomitant)
    check_windows(concomitants, regimen.all_days, rule_set=rule_set)
    return _Arguments(
        regimen=regimen,
        patient=patient,
        cycle=checked_cycle,
        start=checked_start,
        policy=policy,
        rule_set=rule_set,
        labs=lab_values,
        prior=prior,
        override=override,
        concomitants=concomitants,
        plan=_plan(regimen, plan_policy),
    )


# ----------------------------------------------------------------------- step 2: the doses


def _body(patient: Patient, policy: DosingPolicy) -> _Body:
    """Height and weight as measured, and the BSA the policy doses from (capped or not)."""
    height, weight = _measured(patient.height, "cm"), _measured(patient.weight, "kg")
    bsa_raw = body_surface_area(height, weight, formula=policy.bsa_formula, sex=patient.sex)
    bsa = policy.bsa_for_calculation(bsa_raw)
    if policy.bsa_cap is None:
        bsa_uncapped, capped = bsa, False
    else:
        bsa_uncapped = attrs.evolve(policy, bsa_cap=None).bsa_for_calculation(bsa_raw)
        capped = bsa != bsa_uncapped
    return _Body(
        height=height,
        weight=weight,
        bsa_raw=bsa_raw,
        bsa=bsa,
        bsa_uncapped=bsa_uncapped,
        capped=capped,
    )


def _patient_warnings(args: _Arguments, body: _Body) -> list[ScheduleWarning]:
    """Warnings about this cycle and this patient before any drug: an unstated number of
    cycles, a capped BSA."""
    out = []
    if args.regimen.cycle.max_cycles is None and args.cycle > 1:
        out.append(ScheduleWarning(kind="cycle", message=messages.cycle_not_stated(args.cycle)))
    if body.capped:
        out.append(
            ScheduleWarning(
                kind="policy",
                field="bsa_cap",
                doses=(body.bsa_uncapped, body.bsa),
                message=messages.bsa_capped(body.bsa_uncapped, body.bsa),
            )
        )
    return out


def _component_days(
    cp: _ComponentPlan, args: _Arguments, body: _Body
) -> tuple[dict[int, Administration], list[ScheduleWarning]]:
    """One component's administrations by day, and its warnings in the order they print."""

    comp, rules, policy, lab_values = cp.comp, cp.rules, args.policy, args.labs
    warnings: list[ScheduleWarning] = []
    days_concerned = tuple(comp.days)
    calc: dict[int, tuple[Any, pint.Quantity, pint.Quantity]] = {}
    dosing_weight, weight_basis = body.weight, "actual"
    if not cp.by_weight and rules.weight_basis != "actual":
        # The policy's weight basis is read only by per-weight doses: say it was not applied
        # rather than record it on a schedule whose doses never used it.
        per_m2 = any(getattr(comp.dose_on(d), "basis", None) == "bsa" for d in comp.days)
        warnings.append(
            ScheduleWarning(
                kind="policy",
                component=comp.id,
                field="weight_basis",
                days=days_concerned,
                message=messages.weight_basis_not_applied(
                    comp.drug, rules.weight_basis, per_m2=per_m2
                ),
            )
        )
    if cp.by_weight:
        dosing_weight, weight_basis = policy.dosing_weight(comp.drug, args.patient)
        dosing_weight = _measured(dosing_weight, "kg")
        if weight_basis != "actual" and dosing_weight > body.weight:
            warnings.append(
                ScheduleWarning(
                    kind="policy",
                    component=comp.id,
                    field="weight_basis",
                    days=days_concerned,
                    doses=(dosing_weight, body.weight),
                    message=messages.dosing_weight_above_actual(
                        comp.drug, weight_basis, dosing_weight, body.weight
                    ),
                )
            )
    # Many days share the same inputs (cladribine days 1-5; venetoclax at steady state). Each
    # distinct set of inputs is computed once and its (immutable) Administration reused.
    # Keys use id() and magnitudes: hashing a pint Quantity converts it to base units (slow).
    by_spec: dict[int, tuple[pint.Quantity, pint.Quantity]] = dict(cp.flat_doses)
    for day, spec in cp.specs:
        if id(spec) not in by_spec:
            dose = spec.calculate(bsa=body.bsa, weight=dosing_weight)
            by_spec[id(spec)] = _planned(dose, comp.drug, policy)
        dose, modified = by_spec[id(spec)]
        calc[day] = (spec, dose, modified)
    planned = {day: modified for day, (_, _, modified) in calc.items()}
    gate = None
    gate_holds: Mapping[int, str] = {}
    gate_findings: Mapping[int, str] = {}
    moved_flag: str | None = None
    if cp.start_gate is not None and comp.days:
        gate = evaluate_start_gate(cp.start_gate, comp.days, lab_values)
        gate_holds, gate_findings = gate.held, gate.findings
        if gate_holds:
            # The start moves: the whole planned sequence moves with it (see _shifted).
            calc = _shifted(calc, gate.days, len(gate_holds))
            planned = {day: calc[day][2] for day in planned}
            moved_flag = start_moved_flag(gate)
    adjustments: Mapping[int, Any] = {}
    interaction_warnings: tuple[ScheduleWarning, ...] = ()
    if cp.venetoclax and planned:
        # Only the doses given count as venetoclax dosing days: a held start is no dose.
        given = {day: q for day, q in planned.items() if day not in gate_holds}
        if given:
            adjustments, interaction_warnings = _venetoclax(
                cp, given, args.concomitants, args.rule_set
            )
        if gate_holds:
            adjustments = {
                **adjustments,
                **_held_start_adjustments(
                    cp, planned, gate_holds, args.concomitants, args.rule_set
                ),
            }
    days_out: dict[int, Administration] = {}
    made: dict[tuple[Any, ...], Administration] = {}
    first_given = None if gate is None or not gate_holds else gate.first_dose
    basis_values = {"bsa": body.bsa, "weight": dosing_weight, "flat": None}
    for day in comp.days:
        spec, dose, modified = calc[day]
        adj = adjustments.get(day)
        changed = adj is not None and _changed(adj)
        hold = find_hold(comp.conditions, day, lab_values) if comp.conditions else None
        if hold is not None:
            held, reason, finding = True, hold.reason, hold.finding
        elif day in gate_holds:
            held, reason, finding = True, gate_holds[day], gate_findings.get(day)
        else:
            held, reason, finding = False, None, None
        flag = moved_flag if day == first_given else None
        key = (id(spec), _adjustment_key(adj) if changed else None, held, reason, flag)
        if key in made:
            days_out[day] = made[key]
            continue
        # A flat dose's administration is the same for every patient: made once per plan.
        flat = spec.basis == "flat"
        if flat and (hit := cp.memo.get(key)) is not None:
            days_out[day] = made[key] = hit
            continue
        adjustment = None
        to_round = modified
        if changed:
            adjustment = InteractionAdjustment(
                unadjusted=adj.unadjusted,
                adjusted=adj.adjusted,
                rule=adj.rule_id,
                text=adj.rule_text,
                source=adj.source,
                inhibitors=tuple(adj.inhibitors),
                note=adj.note,
                above_label=adj.above_label,
            )
            to_round = adj.adjusted
        rounding = policy.round_dose(comp.drug, to_round, strengths=cp.strengths)
        tablets: tuple[tuple[pint.Quantity, int], ...] = ()
        if held:  # a held dose is not given: there is nothing to dispense
            pass
        elif rounding.packs:
            tablets = rounding.packs if cp.is_tablet else ()
        elif cp.is_tablet and not rounding.flagged:
            tablets = compose_tablets(rounding.dose, cp.strengths)
        admin_warnings = list(cp.field_warnings)
        if flag is not None:
            admin_warnings.append(flag)
        if rules.modification is not None:
            admin_warnings.append(messages.modification_flag(rules.modification.describe(), dose))
        if rounding.flagged:
            admin_warnings.append(messages.rounding_review_flag(rounding.reason))
        if weight_basis != "actual" and spec.basis == "weight":
            admin_warnings.append(messages.dosed_on_weight(weight_basis, dosing_weight))
        days_out[day] = made[key] = Administration(
            component=comp.id,
            drug=comp.drug,
            route=comp.route,
            dose_per_unit=spec.amount,
            basis=spec.basis,
            basis_value=basis_values[spec.basis],
            calculated_dose=dose,
            dose=rounding.dose,
            per_day=comp.per_day,
            frequency=comp.frequency,
            infusion=comp.infusion,
            sequence=comp.sequence,
            conditions=comp.conditions,
            rounding=rounding,
            adjustment=adjustment,
            modification=rules.modification,
            unmodified_dose=dose if rules.modification is not None else None,
            weight_basis=weight_basis if spec.basis == "weight" else None,
            tablets=tablets,
            held=held,
            hold_reason=reason,
            hold_finding=finding,
            provenance=comp.provenance,
            confidence=cp.confidence,
            notes=comp.notes,
            warnings=tuple(admin_warnings),
        )
        if flat:
            cp.remember(key, days_out[day])
    if gate is not None:
        warnings += _start_gate_warnings(cp, gate, days_out)
    warnings += interaction_warnings
    if cp.modification_warning is not None:
        warnings.append(cp.modification_warning)
    warnings += _rounding_warnings(comp, days_out)
    return days_out, warnings


def _rounding_warnings(
    comp: Component, days_out: Mapping[int, Administration]
) -> list[ScheduleWarning]:
    """One warning for the days whose rounding was refused (the first such day's numbers)."""
    flagged = tuple(d for d, a in days_out.items() if a.rounding.flagged)
    if not flagged:
        return []
    r = days_out[flagged[0]].rounding
    return [
        ScheduleWarning(
            kind="rounding",
            component=comp.id,
            days=flagged,
            doses=(r.unrounded,) if r.proposed is None else (r.unrounded, r.proposed),
            message=messages.rounding_review(
                comp.drug, flagged, r.reason, r.unrounded, r.proposed, r.rule
            ),
        )
    ]


# -------------------------------------------------------------------- step 3: the schedule


def _assemble(
    args: _Arguments,
    body: _Body,
    per_component: Mapping[str, Mapping[int, Administration]],
    warnings: list[ScheduleWarning],
) -> Schedule:
    """The days in order, the cycle-wide checks (ceilings, cycle totals, lifetime exposure) and
    the warnings that read the whole cycle (holds, label instructions, eligibility)."""

    regimen, start = args.regimen, args.start
    warnings = [
        *warnings,
        *_hold_warnings(regimen, args.labs, per_component),
        *args.plan.label_warnings,
        *(
            ScheduleWarning(kind="lab", days=f.days, message=f.message)
            for f in eligibility_findings(regimen.id, args.labs)
        ),
    ]
    all_days = sorted({d for comps in per_component.values() for d in comps})
    ordered_ids = [cp.comp.id for cp in args.plan.components]
    days = tuple(
        ScheduleDay(
            day=day,
            date=None if start is None else start + datetime.timedelta(days=day - 1),
            administrations=tuple(
                per_component[cid][day] for cid in ordered_ids if day in per_component[cid]
            ),
        )
        for day in all_days
    )
    check_ceilings(days)
    # A flat dose of a drug limited per m² per cycle (cladribine 35 mg/m²) is checked here, with
    # the BSA the per-m² doses are computed from: at load there is no patient to divide by.
    check_flat_cycle_totals(days, body.bsa)
    exposure = cycle_exposure((a for d in days for a in d.administrations), body.bsa_uncapped)
    report, cumulative_warnings = assess_cumulative(
        exposure,
        args.prior,
        scale=args.policy.doxorubicin_equivalence,
        override=args.override,
        cycle=args.cycle,
    )
    warnings += [
        ScheduleWarning(
            kind="limit",
            component=None,
            field="prior_exposure",
            message=m,
            days=tuple(
                d.day for d in days for a in d.administrations if a.drug == drug and not a.held
            ),
            doses=_exposure_quantities(report.drug(drug)),
        )
        for drug, m in cumulative_warnings
    ]
    return Schedule(
        regimen=regimen,
        patient=args.patient,
        cycle=args.cycle,
        start=start,
        bsa=body.bsa,
        bsa_unrounded=body.bsa_raw,
        bsa_formula=args.policy.bsa_formula,
        weight=body.weight,
        policy=args.policy,
        concomitants=args.concomitants,
        rule_set=args.rule_set,
        days=days,
        warnings=tuple(warnings),
        bsa_decimals=args.policy.bsa_decimals,
        bsa_capped=body.capped,
        labs=args.labs,
        cumulative=report,
        override_cumulative=args.override,
    )


def _exposure_quantities(exposure: DrugExposure | None) -> tuple[pint.Quantity, ...]:
    """A drug's lifetime, prior and this cycle's exposure, and its limit where it has one."""
    if exposure is None:  # a warning about the anthracyclines together, or a missing prior
        return ()
    found = (exposure.lifetime, exposure.prior, exposure.this_cycle, exposure.limit)
    return tuple(q for q in found if q is not None)


def _adjustment_key(adj: Any) -> tuple[Any, ...]:
    """Every field of an adjustment that reaches an administration (quantities as magnitudes)."""
    above = adj.above_label
    return (
        adj.unadjusted.magnitude,
        adj.unadjusted._units,
        adj.adjusted.magnitude,
        adj.adjusted._units,
        adj.rule_id,
        adj.rule_text,
        adj.source,
        adj.inhibitors,
        adj.note,
        None if above is None else (above.magnitude, above._units),
    )


def _changed(adj: Any) -> bool:
    """Whether an interaction rule changed the dose (same unit: compare magnitudes)."""
    before, after = adj.unadjusted, adj.adjusted
    if before._units == after._units:
        return bool(before.magnitude != after.magnitude)
    return bool(before != after)


def _interaction_warnings(comp: Component, adjustments: Mapping[int, Any]) -> list[ScheduleWarning]:
    """One warning per run of days with the same change (days 5-8: 400 mg → 70 mg ...)."""

    def key_of(q: pint.Quantity) -> tuple[Any, Any]:  # a dose as a key: its number and unit
        return (q.magnitude, q._units)

    runs: dict[tuple[Any, ...], list[int]] = {}
    for day, adj in adjustments.items():
        if _changed(adj):
            key = (
                key_of(adj.unadjusted),
                key_of(adj.adjusted),
                adj.rule_text,
                adj.source,
                adj.inhibitors,
            )
            runs.setdefault(key, []).append(day)
    out = []
    above: dict[tuple[Any, Any], tuple[pint.Quantity, list[int]]] = {}
    for day, adj in adjustments.items():
        if adj.above_label is not None:
            above.setdefault(key_of(adj.above_label), (adj.above_label, []))[1].append(day)
    if above:
        adj = next(a for a in adjustments.values() if a.above_label is not None)
        out.append(
            ScheduleWarning(
                kind="interaction",
                component=comp.id,
                source=adj.source,
                days=tuple(sorted(d for _, days in above.values() for d in days)),
                doses=tuple(dose for dose, _ in above.values()),
                message=messages.protocol_above_label(
                    comp.drug, adj.inhibitors, tuple(above.values())
                ),
            )
        )
    for days in runs.values():
        adj = adjustments[days[0]]
        out.append(
            ScheduleWarning(
                kind="interaction",
                component=comp.id,
                source=adj.source,
                days=tuple(days),
                doses=(adj.unadjusted, adj.adjusted),
                message=messages.interaction_change(
                    days, comp.drug, adj.unadjusted, adj.adjusted, adj.rule_text, adj.inhibitors
                ),
            )
        )
    return out


def _protocol_rule(comp: Component) -> Any:

    rule = comp.interaction_rule
    if rule is None:
        return None
    return ProtocolRule(
        strong=rule.strong, moderate=rule.moderate, source=rule.source, text=rule.text
    )


_MICRO = Decimal("0.000001")
_GRAM, _MILLIGRAM = units.unit("g"), units.unit("mg")


def _measured(q: pint.Quantity, unit: str) -> pint.Quantity:
    """A height or weight in cm or kg, rounded half-up to 1e-6 of the unit.

    Converting 67 in or 154 lb to cm or kg leaves binary noise (170.18000000000001 cm); without
    this step that noise could tip a BSA that sits exactly on a rounding boundary the other way,
    so the same patient entered in other units could get another dose. 1e-6 cm is far below any
    measurement's precision.
    """

    target = units.unit(unit)
    return ureg.Quantity(float(half_up(q.to(target).magnitude, _MICRO)), target)


def _shifted(
    calc: Mapping[int, tuple[Any, pint.Quantity, pint.Quantity]],
    days: Sequence[int],
    held: int,
) -> dict[int, tuple[Any, pint.Quantity, pint.Quantity]]:
    """A component's doses when the start gate holds its first ``held`` days.

    The first dose given is the regimen's first dose, the second its second, and so on: the dose
    of the n-th day in day order is the planned dose of day ``n - held`` (a ramp-up starts at its
    first step on the first day given). The last day stays the regimen's; the last ``held``
    planned doses are not given. A held day carries the first dose: the dose it would have been.
    """
    ordered = tuple(sorted(days))
    return {day: calc[ordered[max(0, i - held)]] for i, day in enumerate(ordered)}


def _held_start_adjustments(
    cp: _ComponentPlan,
    planned: Mapping[int, pint.Quantity],
    held: Mapping[int, str],
    concomitants: tuple[Any, ...],
    rule_set: str,
) -> dict[int, Any]:
    """Each held start day's adjustment as if it were the first dose (dosing day 1)."""

    out = {}
    for day in held:
        q = planned[day]
        key = ("held start", day, q.magnitude, q._units, concomitants, rule_set)
        found = cp.memo.get(key)
        if found is None:
            found = cp.remember(
                key,
                adjust_venetoclax(
                    {day: q}, concomitants, rule_set=rule_set, protocol_rule=cp.protocol_rule
                )[day],
            )
        out[day] = found
    return out


def _start_gate_warnings(
    cp: _ComponentPlan, result: Any, days_out: Mapping[int, Administration]
) -> list[ScheduleWarning]:
    """The start gate's statuses as ``start_gate`` warnings, each status in ``field``."""

    first = days_out.get(result.first_dose) if result.first_dose is not None else None
    first_dose = None if first is None else first.daily_dose
    return [
        ScheduleWarning(
            kind="start_gate",
            component=cp.comp.id,
            field=w.status,
            source=cp.start_gate.source,
            message=w.message,
            days=w.days,
            doses=w.doses,
        )
        for w in start_gate_findings(result, first_dose=first_dose)
    ]


def _hold_warnings(
    regimen: Regimen,
    labs: Mapping[int, Mapping[str, float]],
    per_component: Mapping[str, Mapping[int, Administration]],
) -> list[ScheduleWarning]:
    """Lab conditions as instructions (no value to decide on) and as holds (a value met them)."""

    out = []
    for comp in regimen.components:
        given = per_component.get(comp.id, {})
        for cond in comp.conditions:
            if not labs:
                out.append(
                    ScheduleWarning(
                        kind="hold",
                        component=comp.id,
                        days=tuple(given),
                        message=messages.condition_without_labs(comp.drug, cond.text),
                    )
                )
                continue
            unchecked = unchecked_days(cond, tuple(given), labs)
            if unchecked:
                out.append(
                    ScheduleWarning(
                        kind="hold",
                        component=comp.id,
                        days=unchecked,
                        message=messages.condition_unchecked(
                            comp.drug, cond.text, cond.lab, unchecked
                        ),
                    )
                )
        for day, a in given.items():
            if a.held:
                out.append(
                    ScheduleWarning(
                        kind="hold",
                        component=comp.id,
                        days=(day,),
                        doses=(a.dose,),  # the dose not given
                        message=messages.dose_held(day, comp.drug, a.hold_reason or ""),
                    )
                )
    return out
