"""Dose guards: per-drug ceilings (single and daily) and plausible per-unit doses.

Both are data in ``data/drugs.yaml``, each number with its rationale (docs/safety.md lists them).

* :func:`check_regimen_doses` looks at a regimen as written, before any patient: a dose per m²,
  per kg or flat outside the drug's plausible range (cladribine 50 mg/m²), or on a basis the drug
  is never dosed on (venetoclax per m²), a drug given on more days of a cycle than its longest
  published course (cladribine ``days: 1-50``), or a cycle's total written dose above the drug's
  sourced limit for that basis (cytarabine 3 g/m² every 12 h on days 1-14: 84 g/m²), is a problem
  the loader reports. Days and totals are per drug, across all the components giving it.
* :func:`check_ceilings` looks at a computed schedule: a single administration or a day's total of
  one drug above its ceiling raises :class:`~regimen_calc.errors.DoseLimitError` naming the drug,
  day, dose and limit. A guard against tenfold errors, not a clinical maximum.
* :func:`check_flat_cycle_totals` looks at a computed schedule too: a cycle's flat doses of a drug
  whose total is limited per m², over the patient's BSA, with its per-m² doses, above that limit.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import pint

from regimen_calc.content.catalog import known_drugs
from regimen_calc.content.tables import read_data
from regimen_calc.errors import DoseLimitError
from regimen_calc.model.regimen import FREQUENCIES
from regimen_calc.units import ureg
from regimen_calc.wording import rule_messages

__all__ = [
    "CycleTotal",
    "DrugSafety",
    "check_ceilings",
    "check_flat_cycle_totals",
    "check_regimen_doses",
    "drug_limits",
    "drug_safety",
    "unit_factor",
]

#: YAML basis keys → the model's dose bases.
_BASES = {"per_m2": "bsa", "per_kg": "weight", "flat": "flat"}


@attrs.frozen(kw_only=True)
class CycleTotal:
    """The most a regimen may write of one drug in one cycle, on one dose basis."""

    #: A dose per unit of the basis (``48 g/m²``, ``1 mg/kg``) or a mass (flat).
    max: pint.Quantity
    source: str
    rationale: str


@attrs.frozen(kw_only=True)
class DrugSafety:
    """One drug's guards: ceilings and plausible per-unit ranges (by basis)."""

    drug: str
    max_single: pint.Quantity
    max_daily: pint.Quantity
    rationale: str
    per_unit: Mapping[str, tuple[pint.Quantity, pint.Quantity]] = attrs.field(hash=False)
    per_unit_rationale: str
    #: The most days of one cycle a regimen may give the drug on.
    max_days: int
    days_rationale: str
    #: The most total written dose in one cycle, by basis (``bsa``, ``weight``, ``flat``); a basis
    #: not listed has no total limit. Applies only to a component dosed on that basis.
    max_total: Mapping[str, CycleTotal] = attrs.field(factory=dict, hash=False)


@functools.cache
def _table() -> dict[str, DrugSafety]:
    out: dict[str, DrugSafety] = {}
    for entry in read_data("drugs.yaml")["drugs"]:
        limits, per_unit = entry["limits"], entry["per_unit"]
        ranges = {
            _BASES[key]: (ureg.Quantity(bounds[0]), ureg.Quantity(bounds[1]))
            for key, bounds in per_unit.items()
            if key != "rationale"
        }
        out[entry["name"]] = DrugSafety(
            drug=entry["name"],
            max_single=ureg.Quantity(limits["max_single"]),
            max_daily=ureg.Quantity(limits["max_daily"]),
            rationale=" ".join(str(limits["rationale"]).split()),
            per_unit=ranges,
            per_unit_rationale=" ".join(str(per_unit["rationale"]).split()),
            max_days=int(entry["days_per_cycle"]["max"]),
            days_rationale=" ".join(str(entry["days_per_cycle"]["rationale"]).split()),
            max_total={
                _BASES[key]: CycleTotal(
                    max=ureg.Quantity(limit["max"]),
                    source=" ".join(str(limit["source"]).split()),
                    rationale=" ".join(str(limit["rationale"]).split()),
                )
                for key, limit in (entry.get("total_per_cycle") or {}).items()
            },
        )
    return out


def drug_safety(drug: str) -> DrugSafety | None:
    """The guards for a generic name, or ``None`` for a name outside the catalog."""
    return _table().get(drug)


def check_regimen_doses(regimen: Any, *, overridden: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Per-unit plausibility of every dose a regimen writes, the number of days each drug is
    given in a cycle, and each drug's total written dose in a cycle, as ``(path, message)``
    problems.

    Paths are the regimen file's: ``components[0].dose``, ``components[2].steps[1].dose``,
    ``components[1].drug``. An empty list means every dose is plausible.

    Args:
        regimen: the regimen as loaded.
        overridden: paths of fields an overlay set (``components[0].frequency``). A cycle's total
            is made by the dose, the frequency and the days together: its problem names the first
            of those an overlay set, else the dose (``dose`` or ``steps``).
    """
    overridden = set(overridden)
    problems: list[tuple[str, str]] = []
    refused: set[str] = set()
    by_drug: dict[str, list[int]] = {}
    for i, comp in enumerate(regimen.components):
        at = f"components[{i}]"
        info = drug_safety(comp.drug)
        if info is None:
            problems.append(
                (
                    f"{at}.drug",
                    "expected a generic name from the drug catalog "
                    f"({', '.join(known_drugs())}), found {comp.drug!r}",
                )
            )
            continue
        before = len(problems)
        days = set(comp.days) | {d for step in comp.steps for d in step.days}
        if len(days) > info.max_days:
            problems.append(
                (
                    f"{at}.days",
                    rule_messages.days_above(
                        comp.drug, len(days), info.max_days, info.days_rationale
                    ),
                )
            )
        specs = [(f"{at}.dose", comp.dose)] if comp.dose is not None else []
        specs += [(f"{at}.steps[{j}].dose", step.dose) for j, step in enumerate(comp.steps)]
        for path, spec in specs:
            message = _implausible(comp.drug, spec, info)
            if message:
                problems.append((path, message))
        # A component already refused for its days or a dose is not refused again for the total
        # that follows from them (cladribine days 1-50 is one error, not two).
        total = None if len(problems) > before else _too_much_per_cycle(comp, info)
        if total:
            fields = (comp.dose_field, "frequency", "days")
            field = next((f for f in fields if f"{at}.{f}" in overridden), comp.dose_field)
            problems.append((f"{at}.{field}", total))
        if len(problems) > before:
            refused.add(comp.drug)
        by_drug.setdefault(comp.drug, []).append(i)
    # A drug split over several components (two routes, or a typing error) is limited as one
    # drug: its days are the union of its components' days, its total the sum of theirs. A drug
    # already refused for one of its components is not refused again for the sum.
    for drug, indices in by_drug.items():
        if len(indices) > 1 and drug not in refused:
            problems += _too_much_per_drug(regimen, drug, indices, overridden)
    return problems


#: A total within this relative margin of its limit is at the limit (float arithmetic only).
_AT_LIMIT = 1e-9


def _days_of(comp: Any) -> set[int]:
    return set(comp.days) | {d for step in comp.steps for d in step.days}


def _component_totals(comp: Any, info: DrugSafety) -> dict[str, float]:
    """A component's total written dose in one cycle, by basis, in the unit of the basis' limit.

    The total is the sum over the cycle's days of the dose written for the day (a step's dose on a
    step's day) times the administrations per day of the frequency. Only doses on a basis the
    drug has a total limit for count; a dose in a unit of another kind is left to the per-unit
    check.
    """
    per_day = FREQUENCIES.get(comp.frequency)
    if not info.max_total or per_day is None:
        return {}
    totals: dict[str, float] = {}
    for day in sorted(_days_of(comp)):
        spec = comp.dose_on(day)
        limit = None if spec is None else info.max_total.get(spec.basis)
        if limit is None:
            continue
        try:
            value = float(spec.amount.to(limit.max.units).magnitude)
        except pint.errors.DimensionalityError:
            continue
        totals[spec.basis] = totals.get(spec.basis, 0.0) + value * per_day
    return totals


def _too_much_per_drug(
    regimen: Any, drug: str, indices: list[int], overridden: set[str]
) -> list[tuple[str, str]]:
    """The problems of one drug given by several components: its days (the union of theirs)
    and its total per basis (the sum of theirs), as ``(path, message)``.

    The path is the first field an overlay set among those that make the problem (each
    component's dose, frequency, days and drug, in the regimen's order), else the first
    component's; the message names every component involved.
    """
    info = drug_safety(drug)
    assert info is not None
    comps = [(i, regimen.components[i]) for i in indices]

    def path(involved: list[tuple[int, Any]], fields: tuple[str, ...]) -> str:
        for i, comp in involved:
            for field in fields:
                name = comp.dose_field if field == "dose" else field
                if f"components[{i}].{name}" in overridden:
                    return f"components[{i}].{name}"
        i, comp = involved[0]
        return f"components[{i}].{fields[0] if fields[0] != 'dose' else comp.dose_field}"

    days = set().union(*(_days_of(c) for _, c in comps))
    if len(days) > info.max_days:
        parts = [rule_messages.part_days(i, c.id, sorted(_days_of(c))) for i, c in comps]
        return [
            (
                path(comps, ("days", "drug")),
                rule_messages.drug_days_above(
                    drug, len(days), parts, info.max_days, info.days_rationale
                ),
            )
        ]
    totals = [(i, c, _component_totals(c, info)) for i, c in comps]
    for basis, limit in info.max_total.items():
        involved = [(i, c, t[basis]) for i, c, t in totals if basis in t]
        total = sum(t for _, _, t in involved)
        if len(involved) < 2 or total <= float(limit.max.magnitude) * (1 + _AT_LIMIT):
            continue
        unit = limit.max.units
        parts = [rule_messages.part_total(i, c.id, ureg.Quantity(t, unit)) for i, c, t in involved]
        return [
            (
                path([(i, c) for i, c, _ in involved], ("dose", "frequency", "days", "drug")),
                rule_messages.drug_total_above(
                    drug,
                    ureg.Quantity(total, unit),
                    parts,
                    limit.max,
                    limit.source,
                    limit.rationale,
                ),
            )
        ]
    return []


def _too_much_per_cycle(comp: Any, info: DrugSafety) -> str | None:
    """The problem with a component's total written dose in one cycle (see
    :func:`_component_totals`), or ``None``."""
    per_day = FREQUENCIES.get(comp.frequency)
    totals = _component_totals(comp, info)
    days = sorted(_days_of(comp))
    for basis, total in totals.items():
        limit = info.max_total[basis]
        high = float(limit.max.magnitude)
        if total <= high * (1 + _AT_LIMIT):
            continue
        return rule_messages.cycle_total_above(
            comp.drug,
            ureg.Quantity(total, limit.max.units),
            None if comp.steps else comp.dose.amount,
            per_day,  # type: ignore[arg-type]
            comp.frequency,
            len(days),
            limit.max,
            limit.source,
            limit.rationale,
        )
    return None


def _implausible(drug: str, spec: Any, info: DrugSafety) -> str | None:
    amount: pint.Quantity = spec.amount
    bounds = info.per_unit.get(spec.basis)
    if bounds is None:
        return rule_messages.not_dosed_on(drug, spec.basis, amount, tuple(info.per_unit))
    low, high = bounds
    try:
        value = amount.to(low.units).magnitude
    except pint.errors.DimensionalityError:
        return rule_messages.unit_mismatch(drug, amount, low)
    if not low.magnitude <= value <= high.magnitude:
        return rule_messages.implausible_dose(drug, amount, low, high, info.per_unit_rationale)
    return None


_FACTORS: dict[tuple[Any, Any], float] = {}


def unit_factor(source: Any, target: Any) -> float:
    """The number that converts a magnitude in ``source`` units to ``target`` units.

    The dose guards run on every schedule (and a cohort forecast on many patients), so they
    compare plain magnitudes: each pair of units is converted once and the factor is cached.
    """
    key = (source, target)
    factor = _FACTORS.get(key)
    if factor is None:
        factor = _FACTORS[key] = float(ureg.Quantity(1.0, source).to(target).magnitude)
    return factor


_LIMITS: dict[str, tuple[Any, float, float] | None] = {}


def drug_limits(drug: str) -> tuple[Any, float, float] | None:
    """A drug's ceilings as ``(unit, max single, max daily)``: magnitudes in the unit of its
    single-dose ceiling (the daily one converted to it), or ``None`` for a drug outside the
    catalog.

    Cached per drug, so a guard that runs on every administration compares plain numbers.
    """
    if drug not in _LIMITS:
        info = drug_safety(drug)
        _LIMITS[drug] = (
            None
            if info is None
            else (
                info.max_single.units,
                float(info.max_single.magnitude),
                float(info.max_daily.to(info.max_single.units).magnitude),
            )
        )
    return _LIMITS[drug]


def check_ceilings(days: Iterable[Any]) -> None:
    """Raise for any administration or day's total of one drug above the drug's ceiling.

    Checks both the calculated dose and the dose to give (rounding may raise a dose), held
    administrations included: the guard is about what the regimen computed. Works on magnitudes
    in each ceiling's own unit (conversion factors are cached), since it runs on every schedule.

    Raises:
        DoseLimitError: naming the drug, the day, the dose and the limit.
    """
    singles: dict[int, float] = {}
    for day in days:
        totals: dict[str, float] = {}
        for a in day.administrations:
            limits = drug_limits(a.drug)
            if limits is None:
                continue
            unit, max_single, _ = limits
            single = singles.get(id(a))
            if single is None:
                calc, dose = a.calculated_dose, a.dose
                single = singles[id(a)] = max(
                    calc.magnitude * unit_factor(calc.units, unit),
                    dose.magnitude * unit_factor(dose.units, unit),
                )
            if single > max_single:
                info = drug_safety(a.drug)
                assert info is not None
                dose_q = ureg.Quantity(single, unit)
                raise DoseLimitError(
                    a.drug,
                    day.day,
                    rule_messages.limit_text(dose_q),
                    rule_messages.limit_text(info.max_single),
                    "single",
                    quantity=dose_q,
                    limit_quantity=info.max_single,
                )
            totals[a.drug] = totals.get(a.drug, 0.0) + single * a.per_day
        for drug, total in totals.items():
            unit, _, max_daily = drug_limits(drug)  # type: ignore[misc]
            if total > max_daily:
                info = drug_safety(drug)
                assert info is not None
                total_q = ureg.Quantity(total, unit).to(info.max_daily.units)
                raise DoseLimitError(
                    drug,
                    day.day,
                    rule_messages.limit_text(total_q),
                    rule_messages.limit_text(info.max_daily),
                    "daily",
                    quantity=total_q,
                    limit_quantity=info.max_daily,
                )


def check_flat_cycle_totals(days: Iterable[Any], bsa: pint.Quantity) -> None:
    """Raise when a cycle's flat doses of a drug with a per-m² cycle total, over the patient's
    BSA, and the drug's written per-m² doses together pass that total.

    A flat dose has no per-m² total until there is a patient: this is the schedule-time half of
    the per-cycle total :func:`check_regimen_doses` checks at load. For each drug with a per-m²
    limit, the cycle's flat administrations (the larger of the calculated dose and the dose to
    give, times the administrations a day; held administrations included, since a held dose is
    still planned) are summed in mg and divided by ``bsa``, the BSA the per-m² doses are computed
    from; the written per-m² doses of the cycle (dose × administrations a day) are added. Doses
    per kg are not converted: their own per-kg limit is checked at load.

    Raises:
        DoseLimitError: ``kind="cycle"``, naming the drug, the flat total in mg, the BSA, its
            per-m² equivalent and the limit with its source.
    """
    area = float(bsa.m_as("m**2"))
    flat: dict[str, float] = {}  # mg
    written: dict[str, float] = {}  # mg/m²
    passed: dict[str, int] = {}  # the day the total passes the limit
    for day in days:
        for a in day.administrations:
            info = drug_safety(a.drug)
            limit = None if info is None else info.max_total.get("bsa")
            if limit is None or a.basis not in ("flat", "bsa"):
                continue
            if a.basis == "flat":
                calc, dose = a.calculated_dose, a.dose
                flat[a.drug] = flat.get(a.drug, 0.0) + a.per_day * max(
                    calc.magnitude * unit_factor(calc.units, "mg"),
                    dose.magnitude * unit_factor(dose.units, "mg"),
                )
            else:
                amount = a.dose_per_unit
                written[a.drug] = written.get(a.drug, 0.0) + a.per_day * amount.magnitude * (
                    unit_factor(amount.units, "mg/m**2")
                )
            high = float(limit.max.m_as("mg/m**2"))
            total = flat.get(a.drug, 0.0) / area + written.get(a.drug, 0.0)
            if a.drug in flat and a.drug not in passed and total > high * (1 + _AT_LIMIT):
                passed[a.drug] = day.day
    for drug, mg in flat.items():
        info = drug_safety(drug)
        assert info is not None
        limit = info.max_total["bsa"]
        high = float(limit.max.m_as("mg/m**2"))
        per_m2 = mg / area
        total = per_m2 + written.get(drug, 0.0)
        if total <= high * (1 + _AT_LIMIT):
            continue
        flat_q = ureg.Quantity(mg, "mg")
        raise DoseLimitError(
            drug,
            passed[drug],
            rule_messages.summed_total(flat_q),
            rule_messages.dose_text(limit.max),
            "cycle",
            rule_messages.flat_cycle_total_above(
                drug,
                flat_q,
                ureg.Quantity(per_m2, "mg/m**2"),
                bsa,
                ureg.Quantity(written[drug], "mg/m**2") if drug in written else None,
                ureg.Quantity(total, "mg/m**2"),
                limit.max,
                limit.source,
            ),
            quantity=flat_q,
            limit_quantity=limit.max,
        )
