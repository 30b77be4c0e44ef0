"""Dose guards: per-drug ceilings (single and daily) and plausible per-unit doses.

Both are data in ``data/drugs.yaml``, each number with its rationale (docs/safety.md lists them).

* :func:`check_regimen_doses` looks at a regimen as written, before any patient: a dose per m²,
  per kg or flat outside the drug's plausible range (cladribine 50 mg/m²), or on a basis the drug
  is never dosed on (venetoclax per m²), or a drug given on more days of a cycle than its longest
  published course (cladribine ``days: 1-50``), is a problem the loader reports.
* :func:`check_ceilings` looks at a computed schedule: a single administration or a day's total of
  one drug above its ceiling raises :class:`~regimen_calc.errors.DoseLimitError` naming the drug,
  day, dose and limit. A guard against tenfold errors, not a clinical maximum.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import pint

from ._data import read_data
from .errors import DoseLimitError
from .units import ureg

__all__ = ["DrugSafety", "check_ceilings", "check_regimen_doses", "drug_safety"]

#: YAML basis keys → the model's dose bases.
_BASES = {"per_m2": "bsa", "per_kg": "weight", "flat": "flat"}
_WORDS = {"bsa": "per m²", "weight": "per kg", "flat": "as a flat dose"}


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
        )
    return out


def drug_safety(drug: str) -> DrugSafety | None:
    """The guards for a generic name, or ``None`` for a name outside the catalog."""
    return _table().get(drug)


def _fmt(q: pint.Quantity) -> str:
    from .formatting import format_dose_per_unit, format_quantity

    try:
        return format_dose_per_unit(q)
    except ValueError:
        return format_quantity(q)


def check_regimen_doses(regimen: Any) -> list[tuple[str, str]]:
    """Per-unit plausibility of every dose a regimen writes, and the number of days each drug is
    given in a cycle, as ``(path, message)`` problems.

    Paths are the regimen file's: ``components[0].dose``, ``components[2].steps[1].dose``,
    ``components[1].drug``. An empty list means every dose is plausible.
    """
    from .catalog import known_drugs

    problems: list[tuple[str, str]] = []
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
        days = set(comp.days) | {d for step in comp.steps for d in step.days}
        if len(days) > info.max_days:
            problems.append(
                (
                    f"{at}.days",
                    f"{comp.drug} on {len(days)} days of a cycle is more than the "
                    f"{info.max_days} the catalog allows ({info.days_rationale}); check for a "
                    "typing error such as 1-50 for 1-5",
                )
            )
        specs = [(f"{at}.dose", comp.dose)] if comp.dose is not None else []
        specs += [(f"{at}.steps[{j}].dose", step.dose) for j, step in enumerate(comp.steps)]
        for path, spec in specs:
            message = _implausible(comp.drug, spec, info)
            if message:
                problems.append((path, message))
    return problems


def _implausible(drug: str, spec: Any, info: DrugSafety) -> str | None:
    amount: pint.Quantity = spec.amount
    bounds = info.per_unit.get(spec.basis)
    if bounds is None:
        listed = ", ".join(_WORDS[b] for b in info.per_unit)
        return (
            f"{drug} is not dosed {_WORDS[spec.basis]} ({_fmt(amount)}); the catalog doses it "
            f"{listed}: check the unit"
        )
    low, high = bounds
    try:
        value = amount.to(low.units).magnitude
    except pint.errors.DimensionalityError:
        return f"{drug} {_fmt(amount)}: expected a dose in units like {_fmt(low)}"
    if not low.magnitude <= value <= high.magnitude:
        return (
            f"{drug} {_fmt(amount)} is outside the plausible range {_fmt(low)} to {_fmt(high)} "
            f"per administration ({info.per_unit_rationale}); check for a tenfold or unit error"
        )
    return None


_FACTORS: dict[tuple[Any, Any], float] = {}


def _factor(source: Any, target: Any) -> float:
    """The number that converts a magnitude in ``source`` units to ``target`` units (cached)."""
    key = (source, target)
    factor = _FACTORS.get(key)
    if factor is None:
        factor = _FACTORS[key] = float(ureg.Quantity(1.0, source).to(target).magnitude)
    return factor


_LIMITS: dict[str, tuple[Any, float, float] | None] = {}


def _limits(drug: str) -> tuple[Any, float, float] | None:
    """(unit, max single, max daily) of a drug as magnitudes in its single-dose unit (cached)."""
    if drug not in _LIMITS:
        info = drug_safety(drug)
        _LIMITS[drug] = None if info is None else (
            info.max_single.units,
            float(info.max_single.magnitude),
            float(info.max_daily.to(info.max_single.units).magnitude),
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
    from .formatting import format_quantity

    singles: dict[int, float] = {}
    for day in days:
        totals: dict[str, float] = {}
        for a in day.administrations:
            limits = _limits(a.drug)
            if limits is None:
                continue
            unit, max_single, _ = limits
            single = singles.get(id(a))
            if single is None:
                calc, dose = a.calculated_dose, a.dose
                single = singles[id(a)] = max(
                    calc.magnitude * _factor(calc.units, unit),
                    dose.magnitude * _factor(dose.units, unit),
                )
            if single > max_single:
                info = drug_safety(a.drug)
                assert info is not None
                raise DoseLimitError(
                    a.drug,
                    day.day,
                    format_quantity(ureg.Quantity(single, unit)),
                    format_quantity(info.max_single),
                    "single",
                )
            totals[a.drug] = totals.get(a.drug, 0.0) + single * a.per_day
        for drug, total in totals.items():
            unit, _, max_daily = _limits(drug)  # type: ignore[misc]
            if total > max_daily:
                info = drug_safety(drug)
                assert info is not None
                raise DoseLimitError(
                    drug,
                    day.day,
                    format_quantity(ureg.Quantity(total, unit).to(info.max_daily.units)),
                    format_quantity(info.max_daily),
                    "daily",
                )
