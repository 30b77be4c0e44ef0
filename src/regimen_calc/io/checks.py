"""Raw regimen data to a checked :class:`~regimen_calc.model.regimen.Regimen`.

Provenance wrappers are unwrapped, ids that must match are checked on the raw data, the converter
checks each value, then the rules that span fields (days within the cycle, a frequency the catalog
allows, lab conditions the lab table knows, plausible doses...). Every problem is reported at once,
in the file and at the path where its value was written.
"""

from __future__ import annotations

import copy
from typing import Any

import attrs
from cattrs.errors import ClassValidationError, IterableValidationError

from regimen_calc.content.catalog import drug_info, known_drugs
from regimen_calc.engine.labs import lab_table
from regimen_calc.engine.safety import check_regimen_doses
from regimen_calc.errors import LoadError, Problem
from regimen_calc.io.converter import CONVERTER, UNKNOWN_KEY, Found, walk_errors
from regimen_calc.io.names import name_problems
from regimen_calc.io.overlays import Origins, origin_of
from regimen_calc.io.provenance import (
    CYCLE_BOUND,
    CYCLE_FIELDS,
    PROVENANCE_FIELDS,
    unwrap_provenance,
)
from regimen_calc.model import parsing as _parsing
from regimen_calc.model.regimen import CONFIDENCES, Component, Regimen
from regimen_calc.wording.ismp import format_quantity

#: Largest values of the cycle fields: a cycle of more than 400 days (the last day a regimen may
#: use) or more than 100 cycles is a typing error, not a regimen; write ``not_stated`` instead.
CYCLE_LIMITS = {"length_days": _parsing.MAX_DAY, "max_cycles": 100}
#: Longest infusion per frequency: the time between two doses (a q12h infusion cannot run past
#: the next dose), and for a single dose seven days, the longest continuous infusion in AML use
#: (cytarabine over 7 days in "7+3").
MAX_INFUSION_HOURS = {"q12h": 12, "daily": 24, "once": 7 * 24}
#: Largest offset of one component after another, in hours: both are given on the same day.
MAX_OFFSET_HOURS = 24


def structure_regimen(raw: dict, name: str, origins: Origins | None = None) -> Regimen:
    """The checked regimen of the raw data of file ``name`` (``extends`` already written out).

    Raises:
        LoadError: every problem found, each in the file and at the path its value was written
            (an overlay's, for a value set by an overlay: ``origins``).
    """
    problems: Found = []
    raw = copy.deepcopy(raw)
    for key in ("file", "overlays", "remove"):
        if key in raw:
            raw.pop(key)
            problems.append((key, UNKNOWN_KEY))
    comps = raw.get("components")
    for i, comp in enumerate(comps if isinstance(comps, list) else []):
        if isinstance(comp, dict):
            if "provenance" in comp:
                comp.pop("provenance")
                problems.append(
                    (
                        f"components[{i}].provenance",
                        f"{UNKNOWN_KEY}; write {{value, status, source}} on the field itself",
                    )
                )
            if "remove" in comp:
                comp.pop("remove")
                problems.append(
                    (
                        f"components[{i}].remove",
                        "only a regimen that extends another can remove "
                        "one of its base's components",
                    )
                )
            unwrap_provenance(comp, PROVENANCE_FIELDS, f"components[{i}]", problems)
    if isinstance(raw.get("cycle"), dict):
        unwrap_provenance(raw["cycle"], CYCLE_FIELDS, "cycle", problems)
        if CYCLE_BOUND in raw["cycle"] and "max_cycles" not in raw["cycle"]:
            problems.append(
                (
                    f"cycle.{CYCLE_BOUND}",
                    "says how max_cycles is given, but the cycle has no max_cycles value",
                )
            )
    problems += _check_links(raw)
    try:
        regimen = CONVERTER.structure(raw, Regimen)
    except (ClassValidationError, IterableValidationError) as exc:
        walk_errors(exc, "", problems)
        regimen = None
    except (TypeError, ValueError, AttributeError) as exc:  # a mis-shaped top level
        problems.append(("", f"expected a mapping of regimen fields ({exc})"))
        regimen = None
    if regimen is not None:
        problems += _check(regimen)
        # A per-unit dose implausible for its drug (cladribine 50 mg/m²) is refused at load time.
        # So is a cycle's total above its sourced limit (named where an overlay set the value).
        problems += check_regimen_doses(regimen, overridden=(origins or {}).keys())
    if problems:
        located = [origin_of(path, name, origins or {}) for path, _ in problems]
        raise LoadError(
            [Problem(f, p, m) for (f, p), (_, m) in zip(located, problems, strict=True)]
        )
    assert regimen is not None
    return regimen


def _check_links(raw: dict) -> Found:
    """Ids that must match: unique ids, sources naming a reference, sequences naming a component.

    Run on the raw data (provenance already unwrapped), so these are reported together with the
    problems of the values themselves.
    """
    out: Found = []
    refs = raw.get("references") if isinstance(raw.get("references"), list) else []
    ref_ids = [r.get("id") for r in refs if isinstance(r, dict) and isinstance(r.get("id"), str)]
    for i, ref in enumerate(refs):
        if (
            isinstance(ref, dict)
            and isinstance(ref.get("id"), str)
            and ref_ids.count(ref["id"]) > 1
        ):
            out.append(
                (f"references[{i}].id", f"reference id {ref['id']!r} is used more than once")
            )
    known = ", ".join(sorted(ref_ids)) or "none"

    def source_problem(where: str, source: object) -> None:
        if isinstance(source, str) and source not in ref_ids:
            out.append(
                (
                    where,
                    "expected the id of one of the regimen's references "
                    f"({known}), found {source!r}",
                )
            )

    comps = raw.get("components") if isinstance(raw.get("components"), list) else []
    ids = [c.get("id") for c in comps if isinstance(c, dict) and isinstance(c.get("id"), str)]
    for i, comp in enumerate(comps):
        if not isinstance(comp, dict):
            continue
        at = f"components[{i}]"
        cid = comp.get("id")
        if isinstance(cid, str) and ids.count(cid) > 1:
            out.append((f"{at}.id", f"component id {cid!r} is used more than once"))
        source_problem(f"{at}.source", comp.get("source"))
        for field, prov in (comp.get("provenance") or {}).items():
            source_problem(f"{at}.{field}.source", prov.get("source"))
        seq = comp.get("sequence")
        after = seq.get("after") if isinstance(seq, dict) else None
        if isinstance(after, str) and after == cid:
            out.append((f"{at}.sequence.after", "a component cannot follow itself"))
        elif isinstance(after, str) and after not in ids:
            out.append(
                (
                    f"{at}.sequence.after",
                    f"expected the id of another component ({', '.join(ids)}), found {after!r}",
                )
            )
    cycle = raw.get("cycle") if isinstance(raw.get("cycle"), dict) else {}
    for field, prov in (cycle.get("provenance") or {}).items():
        source_problem(f"cycle.{field}.source", prov.get("source"))
    return out


def _allowed_frequencies(drug: str) -> tuple[str, ...]:
    """The frequencies the catalog allows for a drug (empty: any); unknown drugs: none checked."""
    return drug_info(drug).frequencies if drug in known_drugs() else ()


def _frequency_source(drug: str) -> str:
    return drug_info(drug).frequencies_source or "drug catalog"


def _check(reg: Regimen) -> Found:
    """Rules that span fields: the converter checks each value; this checks how they fit."""
    out: Found = []
    for key in ("id", "name", "version"):
        if not getattr(reg, key).strip():
            out.append((key, "expected text, found an empty value"))
    if not reg.components:
        out.append(("components", "expected at least one component"))
    for field in CYCLE_FIELDS:
        value = getattr(reg.cycle, field)
        if value is not None and not 1 <= value <= CYCLE_LIMITS[field]:
            out.append(
                (
                    f"cycle.{field}",
                    f"expected a whole number from 1 to {CYCLE_LIMITS[field]}, found {value}",
                )
            )
    out += _confidence_problems(reg)
    out += _single_line_problems(reg)
    out += name_problems(reg)
    for i, comp in enumerate(reg.components):
        at = f"components[{i}]"
        if not comp.id.strip():
            out.append((f"{at}.id", "expected text, found an empty value"))
        dose_prov = comp.provenance.get(comp.dose_field) or comp.provenance.get("dose")
        dose_missing = dose_prov is not None and dose_prov.status == "not_stated"
        if comp.dose is not None and comp.steps:
            out.append((at, "give either 'dose' or 'steps', not both"))
        if comp.dose is None and not comp.steps and not dose_missing:
            out.append(
                (
                    f"{at}.dose",
                    "required: a dose such as '5 mg/m^2', or 'steps', or {status: not_stated}",
                )
            )
        if comp.steps:
            step_days = [d for s in comp.steps for d in s.days]
            if len(set(step_days)) != len(step_days):
                out.append((f"{at}.steps", "a day appears in more than one step"))
            if comp.days and set(step_days) != set(comp.days):
                out.append(
                    (
                        f"{at}.steps",
                        f"the steps' days {sorted(set(step_days))} differ from the "
                        f"component's days {list(comp.days)}",
                    )
                )
            if len({type(s.dose) for s in comp.steps}) > 1:
                out.append((f"{at}.steps", "every step must use the same dose basis"))
        days_prov = comp.provenance.get("days")
        if (
            not comp.days
            and not comp.steps
            and not (days_prov and days_prov.status == "not_stated")
        ):
            out.append((f"{at}.days", "required: the days this drug is given, such as '1-5'"))
        all_days = comp.days or tuple(d for s in comp.steps for d in s.days)
        length = reg.cycle.length_days
        if length is not None and length >= 1 and all_days and max(all_days) > length:
            out.append(
                (f"{at}.days", f"day {max(all_days)} is after the end of the {length}-day cycle")
            )
        allowed = _allowed_frequencies(comp.drug)
        if allowed and comp.frequency not in allowed:
            out.append(
                (
                    f"{at}.frequency",
                    f"expected {' or '.join(repr(f) for f in allowed)} for {comp.drug} "
                    f"({_frequency_source(comp.drug)}), found {comp.frequency!r}",
                )
            )
        if comp.frequency == "once" and len(all_days) > 1:
            out.append(
                (
                    f"{at}.frequency",
                    "'once' is a single administration, but the component has "
                    f"{len(all_days)} days; write 'daily'",
                )
            )
        out += _timing_problems(comp, at)
        out += _condition_problems(comp, at)
        if comp.interaction_rule is not None and (
            comp.drug not in known_drugs() or drug_info(comp.drug).interaction_rule is None
        ):
            out.append(
                (
                    f"{at}.interaction_rule",
                    f"{comp.drug} has no interaction rule in the drug catalog, so a protocol "
                    "rule for it would never be read; only a drug with one (venetoclax) takes it",
                )
            )
        if comp.status in ("stated", "assumed", "site") and comp.source is None:
            out.append(
                (
                    f"{at}.source",
                    f"a component with status {comp.status!r} needs the id of "
                    "the reference it comes from",
                )
            )
    return out


def _shown_quantity(q: Any) -> str:
    """A quantity as printed, or as written when its unit has no ISMP form (seconds)."""
    try:
        return format_quantity(q)
    except ValueError:
        return f"{q.magnitude} {q.units}"


def _timing_problems(comp: Component, at: str) -> Found:
    """An infusion that lasts no time or past the next dose; an offset past the same day."""
    out: Found = []
    if comp.infusion is not None:
        hours = comp.infusion.duration.m_as("hour")
        longest = MAX_INFUSION_HOURS.get(comp.frequency, 24)
        if not 0 < hours <= longest:
            out.append(
                (
                    f"{at}.infusion.duration",
                    f"expected a duration above 0 and at most {longest} h for a {comp.frequency} "
                    f"dose, found {_shown_quantity(comp.infusion.duration)}",
                )
            )
    if comp.sequence is not None:
        hours = comp.sequence.offset.m_as("hour")
        if hours > MAX_OFFSET_HOURS:
            out.append(
                (
                    f"{at}.sequence.offset",
                    f"expected an offset of at most {MAX_OFFSET_HOURS} h (both are given on the "
                    f"same day), found {_shown_quantity(comp.sequence.offset)}",
                )
            )
    return out


def _condition_problems(comp: Component, at: str) -> Found:
    """Each lab condition against the lab table: a known lab, its unit, a threshold that can
    both hold and not (strictly inside the lab's plausible range). A condition on a lab the
    schedule does not read, or with a threshold that always or never fires, would never hold
    a dose as written."""
    table = lab_table()
    out: Found = []
    for j, cond in enumerate(comp.conditions):
        where = f"{at}.conditions[{j}]"
        entry = table.get(cond.lab)
        if entry is None:
            out.append(
                (f"{where}.lab", f"expected one of the labs {', '.join(table)}, found {cond.lab!r}")
            )
            continue
        unit = str(entry["unit"])
        if cond.unit != unit:
            out.append(
                (
                    f"{where}.unit",
                    f"expected {unit!r}, the unit {cond.lab} values are given in (the threshold "
                    f"is compared in it), found {cond.unit!r}",
                )
            )
        low, high = entry["plausible"]  # type: ignore[misc]
        if not low < cond.threshold < high:
            out.append(
                (
                    f"{where}.threshold",
                    f"expected a value above {low} and below {high} {unit} (at or outside the "
                    f"plausible range it would always or never apply), found {cond.threshold:g}",
                )
            )
    return out


#: Fields printed on one line (titles, table cells, calendar summaries): no line break or tab.
def _single_line_problems(reg: Regimen) -> Found:
    fields: list[tuple[str, str]] = [
        ("id", reg.id),
        ("name", reg.name),
        ("version", reg.version),
        *((f"aliases[{i}]", a) for i, a in enumerate(reg.aliases)),
        *((f"references[{i}].id", r.id) for i, r in enumerate(reg.references)),
        *((f"references[{i}].title", r.title) for i, r in enumerate(reg.references)),
    ]
    for i, comp in enumerate(reg.components):
        fields += [(f"components[{i}].id", comp.id), (f"components[{i}].drug", comp.drug)]
        fields += [(f"components[{i}].route", comp.route or "")]
    return [
        (path, "expected one line of text, found a line break or a tab")
        for path, text in fields
        if "\n" in text or "\t" in text
    ]


def _confidence_problems(reg: Regimen) -> Found:
    """A value's own confidence may lower its source's grade, never raise it."""
    rank = {grade: i for i, grade in enumerate(CONFIDENCES)}  # H=0 is the highest
    out: Found = []
    where = [("cycle", reg.cycle.provenance)] + [
        (f"components[{i}]", comp.provenance) for i, comp in enumerate(reg.components)
    ]
    for at, provenance in where:
        for field, prov in provenance.items():
            ref = reg.reference(prov.source) if prov.source else None
            own, of_source = prov.confidence, ref.confidence if ref else None
            if own is not None and of_source is not None and rank[own] < rank[of_source]:
                out.append(
                    (
                        f"{at}.{field}.confidence",
                        f"a value cannot be more certain than its source: {prov.source} is "
                        f"graded {of_source}, found {own!r}",
                    )
                )
    return out


def with_step_days(reg: Regimen) -> Regimen:
    """The regimen with each stepped component's days written out from its steps."""
    comps = []
    for comp in reg.components:
        if comp.steps and not comp.days:
            comp = attrs.evolve(comp, days=tuple(sorted(d for s in comp.steps for d in s.days)))
        comps.append(comp)
    return attrs.evolve(reg, components=tuple(comps))
