"""Venetoclax and CYP3A4/P-gp inhibitors: resolving concomitant drugs and the pure rule engine.

The numbers live in two data files, ``data/interactions.yaml`` (each concomitant drug's CYP3A4
class and P-gp inhibition, with sources) and ``data/venetoclax_rules.yaml`` (named rule sets:
``label``, the default, and ``protocol``), read and checked by
:mod:`regimen_calc.content.interaction_tables`. This module applies them; it knows nothing of
regimens, patients or schedules. :func:`resolve_concomitants` classifies drug names into
:class:`~regimen_calc.model.concomitant.Concomitant` objects; :func:`adjust_venetoclax` takes the
planned venetoclax dose per day and the concomitant drugs with their exposure windows, and
returns one :class:`VenetoclaxAdjustment` per planned day.

Behaviour, decided here and tested in ``tests/test_interactions.py``:

(a) **Inhibitor present when venetoclax starts.** A strong-inhibitor table is indexed by the
    *ordinal of the venetoclax dosing day* (the 1st day with a planned dose above zero is 1), not by
    the regimen day and not by the regimen's own ramp. This is the same whether the regimen ramps up
    itself (CAV 100/200/400 mg d1-3, CMGV d2-4) or starts at full dose (CLAG+VEN 400 mg d2-8): the
    label ramp under a strong inhibitor (10, 20, 50 mg, then the steady value) replaces the
    regimen's ramp. The adjusted dose is always ``min(table value, planned dose)``, so an
    inhibitor never raises a dose (a planned 50 mg stays 50 mg where the table says 100 mg).
(b) **Inhibitor started mid-course.** The table value for the current ordinal applies from the
    first exposed day. Venetoclax already given on 4 or more days (ordinal >= 4 on the day the
    inhibitor starts) means steady state: the steady-state value (70 mg posaconazole, 100 mg other
    strong) applies at once. Started during dosing days 1-3, the table continues from the current
    ordinal (started on dosing day 2: 20 mg, then 50, then the steady value), because the patient
    is still in the ramp-up phase the table was written for. Days with a planned dose of zero (held
    days) do not advance the ordinal.
(c) **Inhibitor stopped.** ``stop_day`` is the last day the inhibitor is taken. The rule still
    applies through ``stop_day + 2``; the planned dose returns on ``stop_day + 3``. The label says
    "2-3 days after the inhibitor is stopped": the later day is taken because azoles such as
    posaconazole have long half-lives, and going back to full dose while the azole is still present
    risks toxicity; one more day at a reduced dose is the smaller risk. The lag is data
    (``resume.after_last_dose_days``).
(d) **Several inhibitors at once** (strong + P-gp, posaconazole + a moderate, a drug that is both
    a moderate CYP3A and a P-gp inhibitor): each applicable rule gives an outcome and the LOWEST
    outcome is taken, not the product of the reductions. The strong table already reflects maximal
    CYP3A inhibition, and the label gives no basis for compounding reductions; multiplying them
    (e.g. 100 mg x 50%) would under-dose without evidence. Every active inhibitor's name is
    recorded in ``inhibitors`` and the outcomes compared are listed in the note.
(e) **Weak inhibitor or none.** The dose is unchanged. A weak CYP3A inhibitor gives rule
    ``<set>.weak`` with a note (the label lists no change for weak inhibitors). A drug with no
    CYP3A or P-gp inhibition (the echinocandins) gives rule ``"none"`` with a note; a day with no
    drug at all gives rule ``"none"`` and an empty note.
(f) **Protocol rule.** With ``rule_set="protocol"`` a :class:`ProtocolRule` carried by the regimen
    gives the dose for the classes it names (CLAG+VEN, NCT06763666, "reduce to 100-200 mg/day with
    a CYP3A4 inhibitor": strong -> 100 mg, the lower end of the range; moderate -> 200 mg, the
    upper end). The protocol value is flat (no ramp table) and is capped at the planned dose. A
    class the protocol rule leaves out falls back to the label rule: CLAG+VEN names only CYP3A4
    inhibitors, so a P-gp-only inhibitor gets the label 50%. A protocol value above what the label
    would give (100 mg with posaconazole, label 70 mg) is applied, because the caller chose the
    protocol, and flagged in the note. With ``rule_set="label"`` a ``protocol_rule`` is checked and
    otherwise ignored, so a caller can always pass the regimen's rule and choose the set by name.

Percentage rules (moderate CYP3A, P-gp: "reduce by at least 50%", exactly 50% applied) are computed
with :class:`decimal.Decimal` on the dose in mg, so the result is exactly half of the planned dose.
No rounding to tablet strengths happens here: 50% of 100, 200 and 400 mg (50, 100, 200 mg) are
reachable with 10/50/100 mg tablets, but a result no tablet combination reaches (50% of 150 mg =
75 mg) is left as it is, and the tablet composer raises an error for it later rather than
approximating.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs
import pint

from regimen_calc.content.interaction_tables import (
    CYP3A4_STRENGTH,
    TABLE_FILE,
    InteractionEntry,
    InteractionRuleSet,
    PercentRule,
    drug_index,
    lookup_drug,
    normalise_name,
)

# Renamed: the engine's functions take the rule set's name as their `rule_set` argument.
from regimen_calc.content.interaction_tables import rule_set as named_rule_set
from regimen_calc.errors import InputError, UnknownDrugError
from regimen_calc.model.concomitant import Concomitant, check_day, text_validator
from regimen_calc.units import as_quantity, ureg
from regimen_calc.wording import rule_messages

__all__ = [
    "ProtocolRule",
    "VenetoclaxAdjustment",
    "adjust_venetoclax",
    "check_windows",
    "resolve_concomitants",
    "rule_confidence",
]

_MG = ureg.milligram
_MG_UNITS = ureg.Quantity(1, _MG)._units


def _protocol_dose(field: str):  # type: ignore[no-untyped-def]
    def convert(value: object) -> pint.Quantity | None:
        if value is None:
            return None
        q = as_quantity(value, field=field, dimension="mass", example="100 mg")
        if q.magnitude <= 0:
            raise InputError(field, "a dose above 0 mg", str(value))
        return q

    return convert


@attrs.frozen(kw_only=True)
class ProtocolRule:
    """A regimen's own venetoclax rule for CYP3A/P-gp inhibitors (a flat dose per class).

    Example, CLAG+VEN (NCT06763666, "reduce venetoclax to 100-200 mg/day with a CYP3A4
    inhibitor"): ``ProtocolRule(strong="100 mg", moderate="200 mg", source="NCT06763666",
    text=...)``. ``pgp`` is left out there because the protocol names only CYP3A4 inhibitors; a
    class left out falls back to the label rule. Every value is capped at the planned dose.
    """

    strong: pint.Quantity | None = attrs.field(default=None, converter=_protocol_dose("strong"))
    moderate: pint.Quantity | None = attrs.field(default=None, converter=_protocol_dose("moderate"))
    pgp: pint.Quantity | None = attrs.field(default=None, converter=_protocol_dose("pgp"))
    source: str = attrs.field(validator=text_validator("protocol_rule.source"))
    text: str = attrs.field(validator=text_validator("protocol_rule.text"))

    def __attrs_post_init__(self) -> None:
        if self.strong is None and self.moderate is None and self.pgp is None:
            raise InputError("protocol_rule", "a dose for at least one of strong, moderate, pgp")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, field: str = "protocol_rule") -> ProtocolRule:
        """Build a rule from a mapping such as a regimen file's ``protocol_rule:`` block."""
        allowed = {"strong", "moderate", "pgp", "source", "text"}
        extra = sorted(str(k) for k in data if k not in allowed)
        if extra:
            raise InputError(field, f"only the keys {', '.join(sorted(allowed))}", extra)
        missing = [k for k in ("source", "text") if k not in data]
        if missing:
            raise InputError(field, f"the keys {', '.join(missing)}", None)
        if all(data.get(k) is None for k in ("strong", "moderate", "pgp")):
            raise InputError(field, "a dose for at least one of strong, moderate, pgp", dict(data))
        return cls(**{str(k): v for k, v in data.items()})


@attrs.frozen(kw_only=True)
class VenetoclaxAdjustment:
    """One planned venetoclax day: the planned and adjusted doses, the rule applied and why.

    ``adjusted == unadjusted`` and ``rule_id == "none"`` where no rule applies. ``inhibitors``
    names every CYP3A/P-gp inhibitor (weak ones included) to which the patient is exposed that day,
    counting the resume lag.
    """

    day: int
    unadjusted: pint.Quantity
    adjusted: pint.Quantity
    rule_id: str
    rule_text: str
    source: str
    inhibitors: tuple[str, ...]
    note: str
    #: The label rule's dose when the protocol rule gives more than the label (else ``None``).
    above_label: pint.Quantity | None = None

    @property
    def changed(self) -> bool:
        """Whether the adjusted dose differs from the planned one."""
        return bool(self.adjusted != self.unadjusted)


# --------------------------------------------------------------------------------------------
# Resolving concomitant drugs
# --------------------------------------------------------------------------------------------

_MAPPING_KEYS = ("name", "start_day", "stop_day", "cyp3a4", "pgp", "source", "note")


def _describe_sources(entry: InteractionEntry) -> str:
    listed = "; ".join(f"{s.name} ({s.confidence})" for s in entry.sources)
    return f"{TABLE_FILE}: {listed}"


def _conflict_choices(
    conflict_choice: Mapping[str, str] | None,
) -> dict[str, str]:
    if conflict_choice is None:
        return {}
    if not isinstance(conflict_choice, Mapping):
        raise InputError("conflict_choice", "a mapping of drug name to class", conflict_choice)
    chosen: dict[str, str] = {}
    for name, cls in conflict_choice.items():
        entry = lookup_drug(name)
        classes = tuple(c.cyp3a4 for c in entry.conflict)
        field = f"conflict_choice[{name!r}]"
        if not classes:
            raise InputError(field, "a drug whose sources disagree (no conflict is recorded)", name)
        if cls not in classes:
            raise InputError(
                field, f"one of the classes its sources give: {', '.join(classes)}", cls
            )
        chosen[entry.name] = cls
    return chosen


def _from_entry(
    entry: InteractionEntry, chosen: Mapping[str, str], start: object, stop: object, note: str
) -> Concomitant:
    cls = chosen.get(entry.name, entry.cyp3a4)
    notes = [entry.note] if entry.note else []
    if entry.conflict:
        classes = [(c.cyp3a4, c.source) for c in entry.conflict]
        notes.append(rule_messages.conflict_note(classes, cls, entry.name in chosen))
    if note:
        notes.append(note)
    return Concomitant(
        entry.name,
        cyp3a4=cls,
        pgp=entry.pgp is True,
        start_day=start,  # type: ignore[arg-type]
        stop_day=stop,  # type: ignore[arg-type]
        source=_describe_sources(entry),
        note="; ".join(notes),
        rule=entry.rule if cls == "strong" else None,
    )


def _check_caller_class(c: Concomitant, entry: InteractionEntry, field: str) -> Concomitant:
    """A caller's own classification of a table drug may be stricter than the table, never laxer."""
    lowest = min(
        (entry.cyp3a4, *(k.cyp3a4 for k in entry.conflict)), key=CYP3A4_STRENGTH.__getitem__
    )
    if CYP3A4_STRENGTH[c.cyp3a4] < CYP3A4_STRENGTH[lowest]:
        raise InputError(
            f"{field}.cyp3a4",
            f"at least {lowest!r} for {entry.name} (interaction table: {_describe_sources(entry)})",
            c.cyp3a4,
        )
    if entry.pgp is True and not c.pgp:
        raise InputError(
            f"{field}.pgp",
            f"True for {entry.name} (a P-gp inhibitor in the interaction table)",
            c.pgp,
        )
    if entry.rule is not None and c.rule is not None and c.rule != entry.rule:
        # Posaconazole's own table (70 mg) is stricter than the other strong inhibitors' (100 mg):
        # a caller may not swap it for another.
        raise InputError(
            f"{field}.rule",
            f"{entry.rule!r} or None for {entry.name} (its own rule in the interaction table)",
            c.rule,
        )
    rule = c.rule if c.rule is not None else (entry.rule if c.cyp3a4 == "strong" else None)
    return attrs.evolve(c, name=entry.name, rule=rule)


#: How alike (difflib ratio) a caller's drug name may be to a table drug before it is taken for
#: a misspelling of it ("posaconazol" is 0.96 like "posaconazole"); different drugs score lower.
_NEAR_MISS = 0.85


def _refuse_near_miss(c: Concomitant, exc: UnknownDrugError, field: str) -> None:
    """A caller-classified drug whose name is a near-miss of a table drug is refused.

    Otherwise "posaconazol" classed moderate would pass as an unknown drug and halve venetoclax
    instead of applying posaconazole's 70 mg rule. A genuinely different drug can be given a
    name that is not a near-miss (its full generic name, or a code).
    """
    index = drug_index()
    key = normalise_name(c.name)
    import difflib  # stdlib, only on an error: kept off the start-up path

    close = difflib.get_close_matches(key, list(index), n=1, cutoff=_NEAR_MISS)
    if close:
        raise UnknownDrugError(c.name, (index[close[0]],)) from exc


def resolve_concomitants(
    items: Iterable[str | Concomitant | Mapping[str, Any]] | str | Concomitant | Mapping[str, Any],
    *,
    conflict_choice: Mapping[str, str] | None = None,
) -> tuple[Concomitant, ...]:
    """Turn drug names, mappings and :class:`Concomitant` objects into classified concomitants.

    Args:
        items: drug names (any case, aliases allowed; taken for the whole schedule),
            :class:`Concomitant` objects, or mappings with ``name`` and optional ``start_day``,
            ``stop_day``, ``note`` (and ``cyp3a4``/``pgp``/``source`` to classify a drug outside
            the table). One item on its own is accepted too.
        conflict_choice: for drugs whose sources disagree, the class to apply instead of the
            conservative default, e.g. ``{"diltiazem": "moderate"}``.

    Returns:
        One :class:`Concomitant` per item, in the given order, with the table's canonical name.

    Raises:
        UnknownDrugError: a name is not in the table (the error suggests near matches); an
            unknown drug is never taken as "no interaction".
        InputError: a malformed item, a caller classification laxer than the table's, an
            invalid ``conflict_choice``, or one drug twice on overlapping days (``concomitant[i]``,
            naming the ``concomitant[j]`` it repeats).
    """
    if isinstance(items, str | Concomitant | Mapping):
        items = (items,)
    elif not isinstance(items, list | tuple | set | frozenset):
        # Not any iterable: a pint Quantity or a numpy array iterates too, into nonsense.
        raise InputError("concomitant", "a list of drug names or Concomitant objects", items)
    chosen = _conflict_choices(conflict_choice)
    out: list[Concomitant] = []
    for i, item in enumerate(items):
        field = f"concomitant[{i}]"
        if isinstance(item, str):
            out.append(_from_entry(lookup_drug(item), chosen, None, None, ""))
        elif isinstance(item, Concomitant):
            try:
                entry = lookup_drug(item.name)
            except UnknownDrugError as exc:
                _refuse_near_miss(item, exc, field)
                out.append(item)  # the caller's own classification of a drug outside the table
            else:
                out.append(_check_caller_class(item, entry, field))
        elif isinstance(item, Mapping):
            extra = sorted(str(k) for k in item if k not in _MAPPING_KEYS)
            if extra or "name" not in item:
                raise InputError(
                    field, f"a mapping with 'name' and only {', '.join(_MAPPING_KEYS)}", dict(item)
                )
            if "cyp3a4" in item:
                out.extend(
                    resolve_concomitants(
                        [Concomitant(**dict(item))], conflict_choice=conflict_choice
                    )
                )
                continue
            if "pgp" in item or "source" in item:
                raise InputError(field, "'cyp3a4' whenever 'pgp' or 'source' is given", dict(item))
            c = _from_entry(
                lookup_drug(item["name"]),
                chosen,
                item.get("start_day"),
                item.get("stop_day"),
                item.get("note", ""),
            )
            out.append(c)
        else:
            raise InputError(field, "a drug name, a mapping or a Concomitant", item)
    _refuse_repeated(out, "concomitant")
    return tuple(out)


def _days_taken(c: Concomitant) -> str:
    """The days a concomitant is taken, in words (``on days 3-5``, ``throughout the schedule``)."""
    start, stop = c.start_day, c.stop_day
    if start is None and stop is None:
        return "throughout the schedule"
    if start is None:
        return f"from before the cycle to day {stop}"
    if stop is None:
        return f"from day {start} on"
    return f"on day {start}" if start == stop else f"on days {start}-{stop}"


def _refuse_repeated(concs: Sequence[Concomitant], field: str) -> None:
    """The same drug twice on a day: one entry's window or classification would be ignored.

    A drug is the same by its name in any case (a table drug's aliases are already its name).
    Windows that share no day (stopped, then started again) are both used.
    """
    taken: dict[str, list[int]] = {}
    for i, c in enumerate(concs):
        first = -math.inf if c.start_day is None else c.start_day
        last = math.inf if c.stop_day is None else c.stop_day
        for j in taken.get(normalise_name(c.name), []):
            o = concs[j]
            other_first = -math.inf if o.start_day is None else o.start_day
            other_last = math.inf if o.stop_day is None else o.stop_day
            if first <= other_last and other_first <= last:
                raise InputError(
                    f"{field}[{i}]",
                    f"each drug once on any day; {field}[{j}] already gives {o.name} "
                    f"{_days_taken(o)}",
                    f"{c.name} {_days_taken(c)}",
                )
        taken.setdefault(normalise_name(c.name), []).append(i)


def check_windows(
    concomitants: Iterable[Concomitant], days: Sequence[int], *, rule_set: str = "label"
) -> None:
    """Refuse a concomitant whose days can affect no day of the schedule.

    An inhibitor's rule still applies for ``resume.after_last_dose_days - 1`` days after its last
    dose, so a drug stopped up to that many days before the schedule's first day still counts.

    Args:
        concomitants: resolved concomitants, as from :func:`resolve_concomitants`.
        days: the schedule's days (its first and last are read).
        rule_set: the rule set whose resume lag applies.

    Raises:
        InputError: ``concomitant[i].start_day`` after the last day, or
            ``concomitant[i].stop_day`` too early to reach the first day.
    """
    if not days:
        return
    first, last = min(days), max(days)
    lag = named_rule_set(rule_set).resume.after_last_dose_days - 1
    for i, c in enumerate(concomitants):
        if c.start_day is not None and c.start_day > last:
            raise InputError(
                f"concomitant[{i}].start_day",
                f"a day on or before the schedule's last day, day {last} (a drug started "
                "later affects no dose of it)",
                c.start_day,
            )
        if c.stop_day is not None and c.stop_day + lag < first:
            raise InputError(
                f"concomitant[{i}].stop_day",
                f"day {first - lag} or later: the schedule's first day is day {first} and a "
                f"drug's rule applies for {lag} days after its last dose",
                c.stop_day,
            )


# --------------------------------------------------------------------------------------------
# The rule engine
# --------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Outcome:
    mg: Decimal
    rule_id: str
    text: str
    source: str
    drug: str
    rank: int  # breaks ties: the more specific rule (strong table) is reported
    note: str = ""
    label_mg: Decimal | None = None  # set when a protocol dose is above the label rule's


def _mg(q: pint.Quantity) -> Decimal:
    # Already in mg (the usual case): skip pint's conversion machinery.
    magnitude = q.magnitude if q._units == _MG_UNITS else q.to(_MG).magnitude
    return Decimal(repr(magnitude))


def _quantity(mg: Decimal) -> pint.Quantity:
    value: int | float = int(mg) if mg == mg.to_integral_value() else float(mg)
    return ureg.Quantity(value, _MG)


def _planned_days(planned: object) -> list[tuple[int, pint.Quantity, Decimal]]:
    if not isinstance(planned, Mapping):
        raise InputError("planned", "a mapping of day to planned venetoclax dose", planned)
    days = []
    for day, dose in planned.items():
        check_day(f"planned[{day!r}]", day)
        if day is None:
            raise InputError("planned", "whole day numbers as keys", day)
        field = f"planned[{day}]"
        q = as_quantity(dose, field=field, dimension="mass", example="400 mg")
        if q.magnitude < 0:
            raise InputError(field, "a dose of 0 mg or more", str(dose))
        days.append((day, q, _mg(q)))
    days.sort(key=lambda t: t[0])
    return days


def _exposed(c: Concomitant, day: int, lag: int) -> bool:
    started = c.start_day is None or c.start_day <= day
    return started and (c.stop_day is None or day <= c.stop_day + lag)


def _percent(rule: PercentRule, planned: Decimal, drug: str, rank: int) -> _Outcome:
    return _Outcome(
        mg=planned * rule.percent_of_planned / 100,
        rule_id=rule.id,
        text=rule.text,
        source=rule_messages.source_with_confidence(rule.source, rule.confidence),
        drug=drug,
        rank=rank,
    )


def _flat(
    value: Decimal, planned: Decimal, *, rule_id: str, text: str, source: str, drug: str, rank: int
) -> _Outcome:
    note = ""
    if value > planned:
        note = rule_messages.dose_above_planned(drug, value, planned)
    return _Outcome(
        mg=min(value, planned),
        rule_id=rule_id,
        text=text,
        source=source,
        drug=drug,
        rank=rank,
        note=note,
    )


def _outcomes(
    c: Concomitant,
    rs: InteractionRuleSet,
    protocol: ProtocolRule | None,
    planned: Decimal,
    ordinal: int,
) -> list[_Outcome]:
    out: list[_Outcome] = []
    classes = [c.cyp3a4] if c.cyp3a4 in ("strong", "moderate") else []
    if c.pgp:
        classes.append("pgp")
    for cls in classes:
        table = rs.strong_table(c.rule) if cls == "strong" else None
        label = (
            _flat(
                _mg(table.value(ordinal)),
                planned,
                rule_id=table.id,
                text=rule_messages.strong_table_text(table.text, ordinal),
                source=rule_messages.source_with_confidence(table.source, table.confidence),
                drug=c.name,
                rank=0,
            )
            if table is not None
            else _percent(rs.moderate if cls == "moderate" else rs.pgp, planned, c.name, 1)
        )
        given = getattr(protocol, cls) if protocol is not None else None
        if cls in rs.protocol_classes and given is not None:
            assert protocol is not None
            outcome = _flat(
                _mg(given),
                planned,
                rule_id=f"{rs.name}.{cls}",
                text=rule_messages.protocol_rule_text(protocol.text, cls, _mg(given)),
                source=protocol.source,
                drug=c.name,
                rank=0 if cls == "strong" else 1,
            )
            if outcome.mg > label.mg:
                warn = rule_messages.label_rule_above(c.name, outcome.mg, label.mg, label.rule_id)
                outcome = attrs.evolve(
                    outcome, note="; ".join(filter(None, (outcome.note, warn))), label_mg=label.mg
                )
            out.append(outcome)
        else:
            out.append(label)
    return out


def _adjust_day(
    day: int,
    dose: pint.Quantity,
    planned: Decimal,
    ordinal: int,
    active: list[Concomitant],
    rs: InteractionRuleSet,
    protocol: ProtocolRule | None,
) -> VenetoclaxAdjustment:
    def unchanged(
        rule_id: str = "none",
        text: str = "",
        source: str = "",
        note: str = "",
        inhibitors: tuple[str, ...] = (),
    ) -> VenetoclaxAdjustment:
        return VenetoclaxAdjustment(
            day=day,
            unadjusted=dose,
            adjusted=dose,
            rule_id=rule_id,
            rule_text=text,
            source=source,
            inhibitors=inhibitors,
            note=note,
        )

    inhibitors = tuple(dict.fromkeys(c.name for c in active if c.cyp3a4 != "none" or c.pgp))
    non_inhibitors = [c.name for c in active if c.cyp3a4 == "none" and not c.pgp]
    notes: list[str] = []
    if non_inhibitors:
        notes.append(rule_messages.non_inhibitors(non_inhibitors))
    if planned == 0:
        return unchanged(note="; ".join(["no venetoclax planned", *notes]) if active else "")
    lag = rs.resume.after_last_dose_days
    for c in active:
        if c.cyp3a4 == "none" and not c.pgp:
            continue
        if c.stop_day is not None and day > c.stop_day:
            notes.append(rule_messages.rule_continues(c.name, c.stop_day, lag, rs.resume.source))
        if c.note:
            notes.append(rule_messages.concomitant_note(c.name, c.note))
    outcomes = [o for c in active for o in _outcomes(c, rs, protocol, planned, ordinal)]
    weak = [c.name for c in active if c.cyp3a4 == "weak"]
    if not outcomes:
        if weak:
            notes.insert(0, rule_messages.weak_rule(weak, rs.weak.text))
            return unchanged(
                rs.weak.id,
                rs.weak.text,
                rule_messages.source_with_confidence(rs.weak.source, rs.weak.confidence),
                "; ".join(notes),
                inhibitors,
            )
        return unchanged(note="; ".join(notes))
    best = min(outcomes, key=lambda o: (o.mg, o.rank))
    if len(outcomes) > 1:
        notes.insert(0, rule_messages.several_rules([(o.rule_id, o.mg, o.drug) for o in outcomes]))
    if weak:
        notes.append(rule_messages.weak_no_change(weak))
    notes[:0] = [o.note for o in outcomes if o.note and o is best]
    adjusted = dose if best.mg == planned else _quantity(best.mg)
    if best.mg > planned:  # defended by construction; never let a rule raise a dose
        raise AssertionError(f"day {day}: rule {best.rule_id} would raise venetoclax")
    return VenetoclaxAdjustment(
        day=day,
        unadjusted=dose,
        adjusted=adjusted,
        rule_id=best.rule_id,
        rule_text=best.text,
        source=best.source,
        inhibitors=inhibitors,
        note="; ".join(notes),
        above_label=None if best.label_mg is None else _quantity(best.label_mg),
    )


def adjust_venetoclax(
    planned: Mapping[int, pint.Quantity],
    concomitants: Iterable[Concomitant],
    *,
    rule_set: str = "label",
    protocol_rule: ProtocolRule | Mapping[str, Any] | None = None,
) -> Mapping[int, VenetoclaxAdjustment]:
    """Adjust planned venetoclax doses for CYP3A4 and P-gp inhibitors, day by day.

    A pure function: no regimen, patient or schedule is involved. The behaviour for ramp-up,
    mid-course starts, stopping, several inhibitors, weak inhibitors and protocol rules is described
    in the module docstring, points (a)-(f).

    Args:
        planned: day -> planned (unadjusted) venetoclax daily dose, a mass such as ``400 mg``;
            only days on which venetoclax is planned.
        concomitants: :class:`Concomitant` objects, e.g. from :func:`resolve_concomitants`.
        rule_set: the name of the rule set (``"label"`` or ``"protocol"``).
        protocol_rule: the regimen's :class:`ProtocolRule` (or its mapping); required with
            ``rule_set="protocol"``, checked and otherwise unused with ``"label"``.

    Returns:
        A read-only mapping, in day order, of every planned day to its
        :class:`VenetoclaxAdjustment` (``adjusted == unadjusted``, rule ``"none"``, where no rule
        applies). An adjusted dose is never above the planned dose.

    Raises:
        InputError: an unknown rule set, a missing or malformed protocol rule, a bad planned day
            or dose, a concomitant that is not a :class:`Concomitant`, or one drug twice on
            overlapping days.
    """
    rs = named_rule_set(rule_set)
    protocol: ProtocolRule | None
    if protocol_rule is None or isinstance(protocol_rule, ProtocolRule):
        protocol = protocol_rule
    elif isinstance(protocol_rule, Mapping):
        protocol = ProtocolRule.from_mapping(protocol_rule)
    else:
        raise InputError("protocol_rule", "a ProtocolRule or a mapping", protocol_rule)
    if rs.protocol_classes and protocol is None:
        raise InputError(
            "protocol_rule", f"the regimen's protocol rule when rule_set={rs.name!r}", None
        )
    if isinstance(concomitants, str | Concomitant) or not isinstance(concomitants, Iterable):
        raise InputError("concomitants", "a list of Concomitant objects", concomitants)
    concs = tuple(concomitants)
    for i, c in enumerate(concs):
        if not isinstance(c, Concomitant):
            raise InputError(
                f"concomitants[{i}]", "a Concomitant (use resolve_concomitants for names)", c
            )
    _refuse_repeated(concs, "concomitants")
    days = _planned_days(planned)
    lag = rs.resume.after_last_dose_days - 1
    result: dict[int, VenetoclaxAdjustment] = {}
    ordinal = 0
    for day, dose, mg in days:
        if mg > 0:
            ordinal += 1
        active = [c for c in concs if _exposed(c, day, lag)]
        result[day] = _adjust_day(
            day, dose, mg, ordinal, active, rs, protocol if rs.protocol_classes else None
        )
    return MappingProxyType(result)


def rule_confidence(rule_set_name: str, rule_id: str) -> str | None:
    """The confidence grade (H, M or L) of a rule of a shipped rule set, by its id; ``None`` for
    an id the rule set does not hold (a regimen's own protocol rule is graded with the regimen)."""
    try:
        rules = named_rule_set(rule_set_name)
    except InputError:  # not a rule set this version ships
        return None
    every = [*rules.strong.values(), rules.moderate, rules.pgp, rules.weak]
    return next((r.confidence for r in every if r.id == rule_id), None)
