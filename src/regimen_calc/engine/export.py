"""The schedule as plain, JSON-able data. Versioned: see docs/json-schema.md.

Quantities are written as ``{"value": number, "unit": "mg", "ucum": "mg", "text": "1,750 mg"}``:
the number for machines (unrounded where it is a calculated dose), the unit in ISMP notation, its
UCUM code (``mcg`` is ``ug``, ``mg/m²`` is ``mg/m2``; null for a unit without a confirmed code), and
the text exactly as the printed schedule shows it.

Each administration carries its codes (``codes``): the route's SNOMED CT concept and the drug's ATC
and RxNorm codes, each ``{"system", "code", "display"}`` or null where no code is confirmed (never a
guessed one), with ``codes.not_confirmed`` saying which and why ("no confirmed RxNorm code").
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pint

from regimen_calc._version import distribution_version
from regimen_calc.content.catalog import drug_info
from regimen_calc.content.terminology import Coding, route_code, ucum
from regimen_calc.engine.interactions import rule_confidence
from regimen_calc.engine.policy import half_up
from regimen_calc.wording.ismp import format_dose_per_unit, format_quantity, format_unit

if TYPE_CHECKING:
    from regimen_calc.engine.cumulative import CumulativeReport
    from regimen_calc.engine.schedule import Administration, Schedule


def quantity(q: pint.Quantity | None, *, per_unit: bool = False) -> dict[str, Any] | None:
    """A quantity as ``{"value", "unit", "ucum", "text"}``."""
    if q is None:
        return None
    text = format_dose_per_unit(q) if per_unit else format_quantity(q)
    unit = format_unit(q.units)
    return {"value": float(q.magnitude), "unit": unit, "ucum": ucum(unit), "text": text}


def _coding(c: Coding | None) -> dict[str, str] | None:
    """A confirmed code as ``{"system", "code", "display"}``; ``None`` for none confirmed."""
    if c is None or c.code is None:
        return None
    return {"system": c.system, "code": c.code, "display": c.display or ""}


def _codes(a: Administration) -> dict[str, Any]:
    """The administration's codes: route (SNOMED CT), drug (ATC, RxNorm), and which are missing.

    ``not_confirmed`` maps each drug code left null to the catalog's note saying why, so that a
    reader never takes a null for an oversight. A route left null is one the regimen did not give.
    """
    drug = drug_info(a.drug).codes
    atc = None if drug is None else drug.atc
    rxnorm = None if drug is None else drug.rxnorm
    not_confirmed = {
        name: (c.note if c is not None and c.note else f"no confirmed {label} code")
        for name, label, c in (("atc", "ATC", atc), ("rxnorm", "RxNorm", rxnorm))
        if c is None or not c.confirmed
    }
    return {
        "route": None if a.route is None else _coding(route_code(a.route)),
        "atc": _coding(atc),
        "rxnorm": _coding(rxnorm),
        "not_confirmed": not_confirmed,
    }


def _provenance(prov: Any) -> dict[str, Any]:
    return {
        "status": prov.status,
        "source": prov.source,
        "note": prov.note,
        "confidence": prov.confidence,
    }


def _administration(a: Administration, rule_set: str) -> dict[str, Any]:
    return {
        "component": a.component,
        "drug": a.drug,
        "route": a.route,
        "codes": _codes(a),
        "basis": a.basis,
        "dose_per_unit": quantity(a.dose_per_unit, per_unit=True),
        "basis_value": quantity(a.basis_value),
        "calculated_dose": quantity(a.calculated_dose),
        "dose": quantity(a.dose),
        "daily_dose": quantity(a.daily_dose),
        "administrations_per_day": a.per_day,
        "frequency": a.frequency,
        "infusion": None
        if a.infusion is None
        else {"duration": quantity(a.infusion.duration), "at_least": a.infusion.at_least},
        "sequence": None
        if a.sequence is None
        else {
            "after": a.sequence.after,
            "anchor": a.sequence.anchor,
            "offset": quantity(a.sequence.offset),
        },
        "conditions": [
            {
                "kind": c.kind,
                "lab": c.lab,
                "operator": c.operator,
                "threshold": c.threshold,
                "unit": c.unit,
                "ucum": ucum(c.unit),
                "text": c.text,
            }
            for c in a.conditions
        ],
        "held": a.held,
        "hold_reason": a.hold_reason,
        "rounding": {
            "unrounded": quantity(a.rounding.unrounded),
            "deviation_percent": round_percent(a.rounding.deviation),
            "rule": a.rounding.rule,
            "flagged": a.rounding.flagged,
            "proposed": quantity(a.rounding.proposed),
            "max_deviation_percent": a.rounding.max_deviation_percent,
            "reason": a.rounding.reason,
            "packs": [{"size": quantity(s), "count": n} for s, n in a.rounding.packs],
        },
        "weight_basis": a.weight_basis,
        "modification": None
        if a.modification is None
        else {
            "percent": a.modification.percent,
            "reason": a.modification.reason,
            "unmodified_dose": quantity(a.unmodified_dose),
        },
        "interaction": None
        if a.adjustment is None
        else {
            "unadjusted": quantity(a.adjustment.unadjusted),
            "adjusted": quantity(a.adjustment.adjusted),
            "rule": a.adjustment.rule,
            "text": a.adjustment.text,
            "source": a.adjustment.source,
            "inhibitors": list(a.adjustment.inhibitors),
            "note": a.adjustment.note,
            "above_label": quantity(a.adjustment.above_label),
            # The grade of the rule's own source (the label's tables in venetoclax_rules.yaml);
            # null for a regimen's protocol rule, graded in ``confidence.interaction_rule``.
            "confidence": rule_confidence(rule_set, a.adjustment.rule),
        },
        "tablets": [{"strength": quantity(s), "count": n} for s, n in a.tablets],
        "provenance": {k: _provenance(v) for k, v in a.provenance.items()},
        "confidence": dict(a.confidence),
        "notes": list(a.notes),
        "warnings": list(a.warnings),
    }


def _cumulative(report: Any) -> dict[str, Any]:
    return report_to_dict(report)


def round_percent(fraction: float) -> float:
    """A deviation as a percentage with 2 decimals (half-up on the decimal value)."""
    return float(half_up(Decimal(repr(fraction)) * 100, Decimal("0.01")))


def schedule_to_dict(s: Schedule) -> dict[str, Any]:
    """See :meth:`regimen_calc.engine.schedule.Schedule.to_dict`."""
    reg = s.regimen
    p = s.patient
    return {
        "schema_version": "1.1",
        "generator": {"name": "regimen_calc", "version": distribution_version()},
        "regimen": {
            "id": reg.id,
            "name": reg.name,
            "version": reg.version,
            "extends": reg.extends,
            "overlays": list(reg.overlays),
            "cycle_length_days": reg.cycle.length_days,
            "max_cycles": reg.cycle.max_cycles,
            "max_cycles_bound": (
                None if reg.cycle.max_cycles is None else reg.cycle.max_cycles_bound
            ),
            "references": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "title": r.title,
                    "url": r.url,
                    "doi": r.doi,
                    "confidence": r.confidence,
                }
                for r in reg.references
            ],
            "files": [f.to_dict() for f in reg.files],
        },
        "patient": {
            "name": p.name,
            "identifier": p.identifier,
            "height": quantity(p.height.to("cm")),
            "weight": quantity(p.weight.to("kg")),
            "sex": p.sex,
            "age": p.age,
            "measured_on": None if p.measured_on is None else p.measured_on.isoformat(),
        },
        "cycle": s.cycle,
        "start": None if s.start is None else s.start.isoformat(),
        "bsa": quantity(s.bsa),
        "bsa_unrounded": {
            "value": float(s.bsa_unrounded.to("m**2").magnitude),
            "unit": "m²",
            "ucum": ucum("m²"),
        },
        "bsa_formula": s.bsa_formula,
        "bsa_decimals": s.bsa_decimals,
        "bsa_capped": s.bsa_capped,
        "weight_used": quantity(s.weight),
        "policy": s.policy.describe(),
        "rule_set": s.rule_set,
        "concomitants": [
            {
                "name": c.name,
                "cyp3a4": c.cyp3a4,
                "pgp": c.pgp,
                "start_day": c.start_day,
                "stop_day": c.stop_day,
            }
            for c in s.concomitants
        ],
        "days": [
            {
                "day": d.day,
                "date": None if d.date is None else d.date.isoformat(),
                "administrations": [_administration(a, s.rule_set) for a in d.administrations],
            }
            for d in s.days
        ],
        "labs": {str(day): dict(values) for day, values in sorted(s.labs.items())},
        "cumulative": None if s.cumulative is None else _cumulative(s.cumulative),
        "override_cumulative": s.override_cumulative,
        "warnings": [
            {
                "kind": w.kind,
                "component": w.component,
                "field": w.field,
                "source": w.source,
                "message": w.message,
            }
            for w in s.warnings
        ],
    }


def report_to_dict(report: CumulativeReport) -> dict[str, Any]:
    """The report as plain data for ``Schedule.to_dict()``."""
    return {
        "scale": report.scale,
        "scale_name": report.scale_name,
        "scale_source": report.scale_source,
        "override": report.override,
        "doxorubicin_equivalent_cycle": quantity(report.doxorubicin_equivalent_cycle),
        "doxorubicin_equivalent_lifetime": quantity(report.doxorubicin_equivalent_lifetime),
        "drugs": [
            {
                "drug": d.drug,
                "prior": quantity(d.prior),
                "this_cycle": quantity(d.this_cycle),
                "lifetime": quantity(d.lifetime),
                "limit": quantity(d.limit),
                "percent_of_limit": d.percent_of_limit,
                "status": d.status,
                "factor": d.factor,
                "doxorubicin_equivalent": quantity(d.doxorubicin_equivalent),
                "note": d.note,
            }
            for d in report.drugs
        ],
    }
