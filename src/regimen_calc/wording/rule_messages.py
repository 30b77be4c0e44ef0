"""The sentences of the dose rules: rounding, ceilings, cycle totals, tablets, cumulative doses
and interactions, in one place.

The rules (``engine.policy``, ``engine.safety``, ``engine.tablets``, ``engine.cumulative``,
``engine.interactions``) decide and keep their findings as data (quantities, drug names, days,
limits); these functions word what they decided. Every number and unit is printed through
:mod:`regimen_calc.wording.ismp`, so a rule never formats a dose itself. Nothing here imports
the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pint

from regimen_calc.errors import RegimenCalcError
from regimen_calc.wording.ismp import (
    format_days,
    format_dose_per_unit,
    format_number,
    format_quantity,
    format_unit,
)

__all__ = [
    "BASIS_WORDS",
    "concomitant_note",
    "conflict_note",
    "cumulative_near",
    "cumulative_no_limit",
    "cumulative_not_counted",
    "cumulative_overridden",
    "cumulative_status",
    "cycle_total_above",
    "days_above",
    "dose_above_planned",
    "dose_level",
    "dose_text",
    "drug_days_above",
    "drug_total_above",
    "exact_composition_rule",
    "flat_cycle_total_above",
    "implausible_dose",
    "increment_rule",
    "label_rule_above",
    "limit_text",
    "mg_text",
    "no_factor",
    "no_tablet_combination",
    "no_tablet_strengths",
    "non_inhibitors",
    "not_dosed_on",
    "not_exact_from_tablets",
    "pack_rule",
    "part_days",
    "part_total",
    "plain_rule",
    "policy_bsa_cap",
    "policy_dose_rounding",
    "prior_amount_expected",
    "prior_missing",
    "protocol_rule_text",
    "rounding_beyond_limit",
    "rounding_with_limit",
    "rounds_to_zero",
    "rule_continues",
    "several_anthracyclines",
    "several_rules",
    "source_with_confidence",
    "strong_table_text",
    "summed_total",
    "tablet_combination",
    "tablet_term",
    "tablet_text",
    "unit_mismatch",
    "weak_no_change",
    "weak_rule",
]


# -------------------------------------------------------------------------------- quantities


def limit_text(q: pint.Quantity) -> str:
    """A dose or a limit as printed in a ceiling error (``140 mg``, ``70 mg/m²``)."""
    return format_quantity(q)


def dose_text(q: pint.Quantity) -> str:
    """A dose per unit of its basis as written (``50 mg/m²``); a quantity with no such form (a
    mass in an unusual unit) as a plain quantity."""
    try:
        return format_dose_per_unit(q)
    except ValueError:
        return format_quantity(q)


def summed_total(q: pint.Quantity) -> str:
    """A summed total as printed: half-up to 4 decimals (float sums carry noise such as
    48,000.00000000001), no trailing zeros."""
    return format_quantity(q, decimals=4)


def mg_text(mg: Decimal) -> str:
    """A venetoclax dose in mg as computed (every decimal, no trailing zeros): ``350 mg``."""
    return f"{mg.normalize():f} mg"


# -------------------------------------------------------------------------------- policy


def plain_rule(step: Decimal, units: pint.Unit) -> str:
    """``half-up to 0.01 mg``: the policy's own rounding of a dose with no rule of its drug."""
    return f"half-up to {step.normalize()} {format_unit(units)}"


def increment_rule(step: pint.Quantity) -> str:
    """``nearest 10 mg (half-up)``."""
    return f"nearest {format_dose_per_unit(step)} (half-up)"


def pack_rule(sizes: Sequence[pint.Quantity], max_packs: int | None) -> str:
    """``nearest total of whole packs (300 mcg, 480 mcg, at most 1 per dose)``."""
    listed = ", ".join(format_dose_per_unit(s) for s in sizes)
    limit = "" if max_packs is None else f", at most {max_packs} per dose"
    return f"nearest total of whole packs ({listed}{limit})"


def exact_composition_rule() -> str:
    """The rule of an oral form made exactly from its tablet strengths."""
    return "exact composition from the catalog's strengths (no rounding)"


def dose_level(percent: float, reason: str) -> str:
    """``dose level 75%: the reason``."""
    return f"dose level {format_number(percent)}%: {reason}"


def rounding_with_limit(rule: str, limit: float) -> str:
    """``nearest 10 mg (half-up), max deviation 10%``: a drug's rounding rule and its limit."""
    return f"{rule}, max deviation {limit:g}%"


def rounding_beyond_limit(percent: Decimal, limit: float) -> str:
    """Why a rounded dose was flagged: the change (a percentage) is beyond the limit."""
    return f"rounding would change the dose by {percent}%, beyond the {limit:g}% allowed"


def rounds_to_zero() -> str:
    """Why a dose below the policy's precision was flagged (never a zero dose)."""
    return "rounds to zero at the policy's decimals"


def no_tablet_strengths() -> str:
    """Why an oral dose was flagged: the catalog lists no tablet strengths for it."""
    return "no tablet strengths in the catalog"


def not_exact_from_tablets() -> str:
    """Why an oral dose was flagged: no combination of its tablet strengths makes it."""
    return "cannot be made exactly from the tablet strengths"


def policy_bsa_cap(cap: pint.Quantity) -> str:
    """The policy's BSA cap as recorded on a schedule (``2 m²``)."""
    return format_quantity(cap)


def policy_dose_rounding(decimals: int) -> str:
    """The policy's own rounding of doses, as recorded on a schedule."""
    return f"half-up to {decimals} decimals of the dose's unit"


# -------------------------------------------------------------------------------- safety

#: The dose bases in words (``bsa``: per m²).
BASIS_WORDS = {"bsa": "per m²", "weight": "per kg", "flat": "as a flat dose"}


def _listing(parts: Sequence[str]) -> str:
    return ", ".join(parts[:-1]) + f" and {parts[-1]}"


def days_above(drug: str, days: int, max_days: int, rationale: str) -> str:
    """A component giving a drug on more days of a cycle than the catalog allows."""
    return (
        f"{drug} on {days} days of a cycle is more than the "
        f"{max_days} the catalog allows ({rationale}); check for a "
        "typing error such as 1-50 for 1-5"
    )


def part_days(index: int, component: str, days: Sequence[int]) -> str:
    """``components[0] (cladribine, days 1-5)``: one component of a drug split over several."""
    return f"components[{index}] ({component}, days {format_days(sorted(days))})"


def drug_days_above(
    drug: str, days: int, parts: Sequence[str], max_days: int, rationale: str
) -> str:
    """A drug given by several components on more days of a cycle than the catalog allows."""
    return (
        f"{drug} on {days} days of a cycle across {_listing(parts)} is more than the "
        f"{max_days} the catalog allows ({rationale}); a drug's days are "
        "counted across all its components: check for a typing error such as 1-50 for "
        "1-5, or a component given the wrong drug"
    )


def part_total(index: int, component: str, total: pint.Quantity) -> str:
    """``components[0] (cytarabine, 24 g/m²)``: one component's share of a drug's cycle total."""
    return f"components[{index}] ({component}, {summed_total(total)})"


def drug_total_above(
    drug: str,
    total: pint.Quantity,
    parts: Sequence[str],
    limit: pint.Quantity,
    source: str,
    rationale: str,
) -> str:
    """A drug given by several components above the cycle total the catalog allows."""
    return (
        f"{drug} {summed_total(total)} in a cycle across "
        f"{_listing(parts)} is more than the {dose_text(limit)} the catalog allows per "
        f"cycle ({source}: {rationale.rstrip('.')}); a drug's total is summed "
        "across all its components: check for a typing error in the dose, the frequency "
        "or the days, or a component given the wrong drug"
    )


def cycle_total_above(
    drug: str,
    total: pint.Quantity,
    dose: pint.Quantity | None,
    per_day: int,
    frequency: str,
    days: int,
    limit: pint.Quantity,
    source: str,
    rationale: str,
) -> str:
    """A component's cycle total above the catalog's limit, with how it is made (``dose``
    ``None`` for a component with steps)."""
    count = f"{days} day{'s' if days != 1 else ''}"
    if dose is None:
        made = f"the steps' doses × {per_day} a day ({frequency}) over {count}"
    else:
        made = f"{dose_text(dose)} × {per_day} a day ({frequency}) × {count}"
    return (
        f"{drug} {summed_total(total)} in a cycle ({made}) is more than the {dose_text(limit)} "
        f"the catalog allows per cycle ({source}: {rationale.rstrip('.')}); "
        "check for a typing error in the dose, the frequency or the days"
    )


def not_dosed_on(drug: str, basis: str, amount: pint.Quantity, bases: Sequence[str]) -> str:
    """A dose written on a basis (``bsa``, ``weight``, ``flat``) the drug is never dosed on."""
    listed = ", ".join(BASIS_WORDS[b] for b in bases)
    return (
        f"{drug} is not dosed {BASIS_WORDS[basis]} ({dose_text(amount)}); the catalog doses it "
        f"{listed}: check the unit"
    )


def unit_mismatch(drug: str, amount: pint.Quantity, example: pint.Quantity) -> str:
    """A dose in a unit of another kind than the drug's plausible range."""
    return f"{drug} {dose_text(amount)}: expected a dose in units like {dose_text(example)}"


def implausible_dose(
    drug: str, amount: pint.Quantity, low: pint.Quantity, high: pint.Quantity, rationale: str
) -> str:
    """A dose outside the drug's plausible range per administration."""
    return (
        f"{drug} {dose_text(amount)} is outside the plausible range {dose_text(low)} to "
        f"{dose_text(high)} per administration ({rationale}); check for a tenfold or unit error"
    )


def flat_cycle_total_above(
    drug: str,
    flat: pint.Quantity,
    per_m2: pint.Quantity,
    bsa: pint.Quantity,
    written: pint.Quantity | None,
    total: pint.Quantity,
    limit: pint.Quantity,
    source: str,
) -> str:
    """A cycle's flat doses of a drug, over the patient's BSA (with its written per-m² doses),
    above the drug's per-m² cycle total."""

    def per_area(q: pint.Quantity) -> str:
        return format_quantity(q, decimals=2)

    equivalent = f"{per_area(per_m2)} at the BSA of {format_quantity(bsa)} the doses are "
    equivalent += "computed from"
    if written is not None:
        equivalent += f"; with the {per_area(written)} written per m², {per_area(total)} in all"
    return (
        f"{drug}: the cycle's flat doses total {summed_total(flat)}, {equivalent}, more than the "
        f"{dose_text(limit)} the catalog allows per cycle ({source}); check the flat "
        "dose, the frequency and the days, the patient's height and weight and their units"
    )


# -------------------------------------------------------------------------------- tablets


def tablet_text(q: pint.Quantity) -> str:
    """A tablet strength or dose as written (``2.5 mg``); pint's own text if it has no ISMP-safe
    form."""
    try:
        return format_dose_per_unit(q)
    except RegimenCalcError:
        return format(q, "D")


def no_tablet_combination(dose: pint.Quantity, strengths: Sequence[pint.Quantity]) -> str:
    """No combination of the strengths gives exactly the dose."""
    listed = ", ".join(tablet_text(s) for s in strengths)
    return (
        f"dose: no combination of {listed} tablets gives exactly {tablet_text(dose)}; "
        "change the dose (or its rounding) or the strengths available"
    )


def tablet_term(count: int, strength: pint.Quantity) -> str:
    """``2 × 10 mg``: one strength of a combination (an ``InputError`` for a strength with no
    ISMP-safe printed form)."""
    return f"{format_number(count, decimals=0)} × {format_dose_per_unit(strength)}"


def tablet_combination(terms: Sequence[str], total: int) -> str:
    """``1 × 50 mg + 2 × 10 mg tablets (3 tablets)``."""
    noun = "tablet" if total == 1 else "tablets"
    return f"{' + '.join(terms)} {noun} ({format_number(total, decimals=0)} {noun})"


# -------------------------------------------------------------------------------- cumulative


def prior_amount_expected(low: Decimal | float, ceiling: Decimal | float) -> str:
    """What a prior cumulative dose accepts: 0, or a dose from ``low`` to ``ceiling`` mg/m²."""
    return (
        f"0, or from {format_number(low)} to {format_number(ceiling)} mg/m² (a cumulative dose "
        "such as 60 or '60 mg/m^2')"
    )


def cumulative_status(
    drug: str,
    lifetime: pint.Quantity,
    prior: pint.Quantity,
    this_cycle: pint.Quantity,
    percent: float,
    limit: pint.Quantity,
    source: str,
) -> str:
    """``mitoxantrone: cumulative 120 mg/m² = prior 80 mg/m² + this cycle 40 mg/m²; 85.7% of
    the lifetime limit 140 mg/m² (source)``."""
    return (
        f"{drug}: cumulative {format_quantity(lifetime)} = prior "
        f"{format_quantity(prior)} + this cycle {format_quantity(this_cycle)}; "
        f"{format_number(percent, decimals=1)}% of the lifetime limit "
        f"{format_quantity(limit)} ({source})"
    )


def cumulative_overridden(status: str, override: str) -> str:
    """A lifetime total above its limit, scheduled with the override's reason."""
    return f"{status}. ABOVE THE LIMIT, overridden: {override}"


def cumulative_near(status: str) -> str:
    """A lifetime total nearing its limit."""
    return f"{status}. Nearing the limit: check LVEF and the lifetime total."


def cumulative_no_limit(
    drug: str,
    lifetime: pint.Quantity,
    prior: pint.Quantity,
    this_cycle: pint.Quantity,
    scale: str,
) -> str:
    """A drug with no validated lifetime limit, counted in the doxorubicin equivalent only."""
    return (
        f"{drug}: cumulative {format_quantity(lifetime)} (prior "
        f"{format_quantity(prior)} + this cycle "
        f"{format_quantity(this_cycle)}); the library has no validated lifetime "
        f"limit for {drug}: counted in the doxorubicin equivalent only "
        f"({scale}). Check the lifetime total against the protocol."
    )


def no_factor(scale: str) -> str:
    """Why a drug is not counted in the doxorubicin equivalent, when the data gives no note."""
    return f"No factor in the {scale} scale."


def cumulative_not_counted(
    drug: str,
    lifetime: pint.Quantity,
    prior: pint.Quantity,
    this_cycle: pint.Quantity,
    why: str,
) -> str:
    """A drug not counted in the doxorubicin equivalent, and why."""
    return (
        f"{drug}: cumulative {format_quantity(lifetime)} (prior "
        f"{format_quantity(prior)} + this cycle {format_quantity(this_cycle)}); "
        f"not counted in the doxorubicin equivalent. {' '.join(why.split())}"
    )


def prior_missing(cycle: int, drug: str) -> str:
    """A later cycle given no prior exposure to a drug it gives."""
    return (
        f"Cycle {cycle}: prior_exposure gives no {drug}; the lifetime total counts "
        "this cycle only. "
        "Give every earlier dose, earlier cycles of this regimen included."
    )


def several_anthracyclines(
    counted: Sequence[str],
    equivalent: pint.Quantity,
    scale: str,
    limited: Sequence[tuple[str, pint.Quantity]],
) -> str:
    """Several anthracyclines: their lifetime doxorubicin equivalent, and the drugs whose own
    limit (``(drug, limit)``) is checked on that drug alone."""
    alone = "; ".join(
        f"the {drug} limit {format_quantity(limit)} is checked on {drug} alone"
        for drug, limit in limited
    )
    return (
        f"Several anthracyclines ({', '.join(counted)}): lifetime doxorubicin equivalent "
        f"{format_quantity(equivalent)} ({scale}). "
        + (f"{alone[0].upper()}{alone[1:]}: " if alone else "")
        + "assess cardiac function (LVEF) against the combined total."
    )


# -------------------------------------------------------------------------------- interactions


def conflict_note(classes: Sequence[tuple[str, str]], applied: str, chosen: bool) -> str:
    """``sources conflict: strong (A) vs moderate (B); strong applied (...)``: ``classes`` is
    ``(class, source)`` pairs."""
    listed = " vs ".join(f"{cls} ({source})" for cls, source in classes)
    how = "chosen by the caller" if chosen else "the conservative default"
    return f"sources conflict: {listed}; {applied} applied ({how})"


def source_with_confidence(source: str, confidence: str) -> str:
    """``source (confidence)``: a rule's source and its grade."""
    return f"{source} ({confidence})"


def strong_table_text(text: str, ordinal: int) -> str:
    """A strong inhibitor's dose table on one venetoclax dosing day."""
    return f"{text} (venetoclax dosing day {ordinal})"


def protocol_rule_text(text: str, cls: str, mg: Decimal) -> str:
    """A protocol's own rule for an inhibitor class, with its dose."""
    return f"{text} ({cls}: {mg_text(mg)})"


def dose_above_planned(drug: str, rule_mg: Decimal, planned_mg: Decimal) -> str:
    """A rule's dose above the planned one (the planned dose is kept)."""
    return (
        f"{drug}: rule dose {mg_text(rule_mg)} is above the planned {mg_text(planned_mg)}; "
        "planned kept"
    )


def label_rule_above(drug: str, protocol_mg: Decimal, label_mg: Decimal, rule_id: str) -> str:
    """A protocol's dose above the label rule's dose for the same inhibitor."""
    return (
        f"{drug}: protocol dose {mg_text(protocol_mg)} is above the label rule's "
        f"{mg_text(label_mg)} ({rule_id})"
    )


def non_inhibitors(drugs: Sequence[str]) -> str:
    """Concomitant drugs that inhibit neither CYP3A nor P-gp."""
    return f"{', '.join(dict.fromkeys(drugs))}: no CYP3A or P-gp inhibition, no change"


def rule_continues(drug: str, stop_day: int, lag: int, source: str) -> str:
    """An inhibitor stopped: its rule goes on for ``lag`` days after its last dose."""
    return (
        f"{drug} stopped after day {stop_day}: rule continues through day "
        f"{stop_day + lag - 1}, planned dose resumes day {stop_day + lag} "
        f"({source}: {lag} days after the last dose)"
    )


def concomitant_note(drug: str, note: str) -> str:
    """A concomitant drug's own note (the table's or the caller's), by its name."""
    return f"{drug}: {note}"


def weak_rule(drugs: Sequence[str], text: str) -> str:
    """Weak CYP3A inhibitors, the only ones given: the rule's text."""
    return f"{', '.join(dict.fromkeys(drugs))}: {text}"


def several_rules(outcomes: Sequence[tuple[str, Decimal, str]]) -> str:
    """Several rules apply (``(rule id, mg, drug)`` each): the lowest is taken."""
    listed = ", ".join(f"{rule_id} {mg_text(mg)} ({drug})" for rule_id, mg, drug in outcomes)
    return f"several rules apply: the lowest outcome is taken, not the product ({listed})"


def weak_no_change(drugs: Sequence[str]) -> str:
    """Weak CYP3A inhibitors given with stronger ones: no change of their own."""
    return f"{', '.join(dict.fromkeys(drugs))}: weak CYP3A inhibitor, no change of its own"
