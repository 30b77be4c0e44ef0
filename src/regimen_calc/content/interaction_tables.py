"""The interaction table and the venetoclax rule sets: read once from the bundled data, checked.

``data/interactions.yaml`` gives each concomitant drug's CYP3A4 class and P-gp inhibition, with
sources; ``data/venetoclax_rules.yaml`` gives the named rule sets (``label``, the default, and
``protocol``). Both are read on first use and checked field by field with the library's one
:class:`~regimen_calc.content.checking.ProblemCollector`: a broken file raises one
:class:`~regimen_calc.errors.LoadError` listing every problem. The rule engine that applies them
is :mod:`regimen_calc.engine.interactions`.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs
import pint

from regimen_calc.content.checking import ProblemCollector
from regimen_calc.content.tables import read_data
from regimen_calc.errors import InputError, UnknownDrugError

__all__ = [
    "CYP3A4_CLASSES",
    "CYP3A4_STRENGTH",
    "TABLE_FILE",
    "ConflictingClass",
    "InteractionEntry",
    "InteractionRuleSet",
    "NoteRule",
    "PercentRule",
    "ResumeRule",
    "Source",
    "StrongTable",
    "drug_index",
    "interaction_table",
    "lookup_drug",
    "normalise_name",
    "rule_set",
    "rule_set_names",
]

#: The CYP3A4 inhibitor classes, weakest first.
CYP3A4_CLASSES: tuple[str, ...] = ("none", "weak", "moderate", "strong")
#: Each CYP3A4 class's rank, weakest (``none``) 0.
CYP3A4_STRENGTH: Mapping[str, int] = MappingProxyType(
    {name: rank for rank, name in enumerate(CYP3A4_CLASSES)}
)
_CONFIDENCE = ("H", "M", "L")
#: The interaction table's file name (in ``data/``), as the sources of a classification name it.
TABLE_FILE = "interactions.yaml"
_RULES_FILE = "venetoclax_rules.yaml"
_DEFAULT_STRONG = "default"


def normalise_name(name: str) -> str:
    """A drug name as the table keys it: single spaces, case-folded."""
    return " ".join(name.split()).casefold()


@attrs.frozen(kw_only=True)
class Source:
    """One source of a classification and its confidence (H, M or L)."""

    name: str
    confidence: str


@attrs.frozen(kw_only=True)
class ConflictingClass:
    """One source's class for a drug whose sources disagree."""

    cyp3a4: str
    source: str


@attrs.frozen(kw_only=True)
class InteractionEntry:
    """One drug of the interaction table.

    ``pgp`` is ``None`` where the sources do not state P-gp inhibition (no P-gp rule is applied
    then). ``conflict`` lists every class the sources give when they disagree; ``cyp3a4`` is then
    the most conservative of them.
    """

    name: str
    cyp3a4: str
    pgp: bool | None
    rule: str | None
    aliases: tuple[str, ...]
    sources: tuple[Source, ...]
    conflict: tuple[ConflictingClass, ...]
    note: str


@attrs.frozen(kw_only=True)
class StrongTable:
    """A strong-inhibitor table: a ramp by venetoclax dosing day, then a steady-state value."""

    id: str
    ramp: tuple[pint.Quantity, ...]
    steady: pint.Quantity
    text: str
    source: str
    confidence: str

    def value(self, ordinal: int) -> pint.Quantity:
        """The table dose on the ``ordinal``-th venetoclax dosing day (1-based)."""
        return self.ramp[ordinal - 1] if 1 <= ordinal <= len(self.ramp) else self.steady


@attrs.frozen(kw_only=True)
class PercentRule:
    """Give ``percent_of_planned`` percent of the planned dose."""

    id: str
    percent_of_planned: Decimal
    text: str
    source: str
    confidence: str


@attrs.frozen(kw_only=True)
class NoteRule:
    """A rule that changes no dose and only adds a note."""

    id: str
    text: str
    source: str
    confidence: str


@attrs.frozen(kw_only=True)
class ResumeRule:
    """When the planned dose returns after the last inhibitor dose."""

    after_last_dose_days: int
    text: str
    source: str
    confidence: str


@attrs.frozen(kw_only=True)
class InteractionRuleSet:
    """A named set of venetoclax interaction rules (``label`` or ``protocol``).

    ``protocol_classes`` names the classes (``strong``, ``moderate``, ``pgp``) whose dose comes
    from a regimen's :class:`~regimen_calc.engine.interactions.ProtocolRule`; it is empty for the
    label rule set.
    """

    name: str
    title: str
    strong: Mapping[str, StrongTable] = attrs.field(eq=False)
    moderate: PercentRule
    pgp: PercentRule
    weak: NoteRule
    resume: ResumeRule
    protocol_classes: tuple[str, ...] = ()

    def strong_table(self, rule: str | None) -> StrongTable:
        """The table for a drug-specific ``rule`` (``"posaconazole"``), else the default table."""
        if rule is None:
            return self.strong[_DEFAULT_STRONG]
        try:
            return self.strong[rule]
        except KeyError:
            names = ", ".join(k for k in self.strong if k != _DEFAULT_STRONG)
            raise InputError(
                "concomitant.rule",
                f"a strong-inhibitor rule of rule set {self.name!r}: {names}",
                rule,
            ) from None


# --------------------------------------------------------------------------------------------
# Data files: read once, validated, every problem reported
# --------------------------------------------------------------------------------------------


def _read_yaml(filename: str) -> object:
    # A copy: the checks below must not see (or leave) changes in the shared cached data.
    return copy.deepcopy(read_data(filename))


def _confidence(ck: ProblemCollector, value: object, path: str) -> str:
    return ck.choice(value, path, _CONFIDENCE) or ""


def _parse_table(raw: object, *, file: str = TABLE_FILE) -> dict[str, InteractionEntry]:
    """Validate the raw interaction table; raise :class:`LoadError` listing every problem."""
    ck = ProblemCollector(file)
    top = ck.mapping(raw, "", required=("schema", "drugs"), optional=("reference",))
    if top is None:
        ck.raise_if_any()
        return {}
    if "schema" in top:
        ck.choice(top["schema"], "schema", (1,))
    drugs = top.get("drugs")
    if not isinstance(drugs, dict) or not drugs:
        ck.add("drugs", "expected a non-empty mapping of drug name to entry")
        ck.raise_if_any()
    entries: dict[str, InteractionEntry] = {}
    seen: dict[str, str] = {}
    for key, value in drugs.items():
        path = f"drugs.{key}"
        if not isinstance(key, str) or normalise_name(key) != key:
            ck.add(path, "expected a lower-case drug name as the key")
            continue
        d = ck.mapping(
            value,
            path,
            required=("cyp3a4", "pgp", "aliases", "sources"),
            optional=("rule", "conflict", "note"),
        )
        if d is None:
            continue
        cyp = ck.choice(d.get("cyp3a4"), f"{path}.cyp3a4", CYP3A4_CLASSES)
        pgp = ck.choice(d.get("pgp"), f"{path}.pgp", (True, False, "not_stated"))
        rule = d.get("rule")
        if rule is not None:
            rule = ck.text(rule, f"{path}.rule")
            if cyp != "strong":
                ck.add(f"{path}.rule", "a drug-specific rule is defined for strong inhibitors only")
        aliases = d.get("aliases", [])
        if not isinstance(aliases, list):
            ck.add(f"{path}.aliases", f"expected a list of names, found {aliases!r}")
            aliases = []
        alias_names = tuple(
            normalise_name(ck.text(a, f"{path}.aliases[{i}]")) for i, a in enumerate(aliases)
        )
        for name in (key, *alias_names):
            if name and name in seen:
                ck.add(path, f"the name {name!r} is already used by {seen[name]!r}")
            elif name:
                seen[name] = key
        sources = d.get("sources")
        parsed_sources: list[Source] = []
        if not isinstance(sources, list) or not sources:
            ck.add(f"{path}.sources", "expected a non-empty list of {name, confidence}")
        else:
            for i, s in enumerate(sources):
                sp = f"{path}.sources[{i}]"
                sm = ck.mapping(s, sp, required=("name", "confidence"))
                if sm is not None:
                    parsed_sources.append(
                        Source(
                            name=ck.text(sm.get("name"), f"{sp}.name"),
                            confidence=_confidence(ck, sm.get("confidence"), f"{sp}.confidence"),
                        )
                    )
        conflict: list[ConflictingClass] = []
        if "conflict" in d:
            items = d["conflict"]
            if not isinstance(items, list) or len(items) < 2:
                ck.add(f"{path}.conflict", "expected a list of at least two {class, source}")
            else:
                for i, c in enumerate(items):
                    cp = f"{path}.conflict[{i}]"
                    cm = ck.mapping(c, cp, required=("class", "source"))
                    if cm is not None:
                        conflict.append(
                            ConflictingClass(
                                cyp3a4=ck.choice(cm.get("class"), f"{cp}.class", CYP3A4_CLASSES)
                                or "none",
                                source=ck.text(cm.get("source"), f"{cp}.source"),
                            )
                        )
                strongest = max(
                    (c.cyp3a4 for c in conflict), key=CYP3A4_STRENGTH.__getitem__, default=None
                )
                if cyp is not None and strongest is not None and cyp != strongest:
                    ck.add(
                        f"{path}.cyp3a4",
                        f"with conflicting sources the most conservative class ({strongest}) "
                        f"applies by default, found {cyp!r}",
                    )
        note = ck.text(d.get("note", ""), f"{path}.note", empty=True)
        entries[key] = InteractionEntry(
            name=key,
            cyp3a4=cyp or "none",
            pgp=None if pgp == "not_stated" else pgp,
            rule=rule,
            aliases=alias_names,
            sources=tuple(parsed_sources),
            conflict=tuple(conflict),
            note=note,
        )
    ck.raise_if_any()
    return entries


def _parse_strong(ck: ProblemCollector, value: object, path: str) -> StrongTable | None:
    d = ck.mapping(value, path, required=("id", "ramp", "steady", "text", "source", "confidence"))
    if d is None:
        return None
    ramp_raw = d.get("ramp")
    ramp: list[pint.Quantity] = []
    if not isinstance(ramp_raw, list) or not ramp_raw:
        ck.add(f"{path}.ramp", "expected a non-empty list of doses such as [10 mg, 20 mg]")
    else:
        for i, r in enumerate(ramp_raw):
            q = ck.dose(r, f"{path}.ramp[{i}]")
            if q is not None:
                ramp.append(q)
    steady = ck.dose(d.get("steady"), f"{path}.steady")
    if steady is None or len(ramp) != len(ramp_raw or []):
        return None
    return StrongTable(
        id=ck.text(d.get("id"), f"{path}.id"),
        ramp=tuple(ramp),
        steady=steady,
        text=ck.text(d.get("text"), f"{path}.text"),
        source=ck.text(d.get("source"), f"{path}.source"),
        confidence=_confidence(ck, d.get("confidence"), f"{path}.confidence"),
    )


def _parse_percent(ck: ProblemCollector, value: object, path: str) -> PercentRule | None:
    d = ck.mapping(
        value, path, required=("id", "percent_of_planned", "text", "source", "confidence")
    )
    if d is None:
        return None
    pct = d.get("percent_of_planned")
    if isinstance(pct, bool) or not isinstance(pct, int | float) or not 0 < pct < 100:
        ck.add(
            f"{path}.percent_of_planned", f"expected a number above 0 and below 100, found {pct!r}"
        )
        return None
    return PercentRule(
        id=ck.text(d.get("id"), f"{path}.id"),
        percent_of_planned=Decimal(str(pct)),
        text=ck.text(d.get("text"), f"{path}.text"),
        source=ck.text(d.get("source"), f"{path}.source"),
        confidence=_confidence(ck, d.get("confidence"), f"{path}.confidence"),
    )


def _parse_rule_sets(
    raw: object, *, file: str = _RULES_FILE, drug_rules: Iterable[str] = ()
) -> tuple[str, dict[str, InteractionRuleSet]]:
    """Validate the raw rule sets; raise :class:`LoadError` listing every problem.

    Returns the default rule set's name and the rule sets by name. ``drug_rules`` are the
    drug-specific rules the interaction table refers to: every rule set must define each of them.
    """
    ck = ProblemCollector(file)
    top = ck.mapping(raw, "", required=("schema", "default", "rule_sets"))
    if top is None:
        ck.raise_if_any()
        return "", {}
    if "schema" in top:
        ck.choice(top["schema"], "schema", (1,))
    sets_raw = top.get("rule_sets")
    if not isinstance(sets_raw, dict) or not sets_raw:
        ck.add("rule_sets", "expected a non-empty mapping of rule-set name to rules")
        ck.raise_if_any()
    full: dict[str, InteractionRuleSet] = {}
    derived: dict[str, dict[str, Any]] = {}
    for name, value in sets_raw.items():
        path = f"rule_sets.{name}"
        if isinstance(value, dict) and "base" in value:
            d = ck.mapping(value, path, required=("title", "base", "protocol_classes"))
            if d is not None:
                derived[str(name)] = d
            continue
        d = ck.mapping(
            value, path, required=("title", "strong", "moderate", "pgp", "weak", "resume")
        )
        if d is None:
            continue
        strong_raw = d.get("strong")
        strong: dict[str, StrongTable] = {}
        if not isinstance(strong_raw, dict) or _DEFAULT_STRONG not in strong_raw:
            ck.add(f"{path}.strong", f"expected a mapping with a {_DEFAULT_STRONG!r} table")
        else:
            for key, table in strong_raw.items():
                parsed = _parse_strong(ck, table, f"{path}.strong.{key}")
                if parsed is not None:
                    strong[str(key)] = parsed
            for rule in drug_rules:
                if rule not in strong_raw:
                    ck.add(
                        f"{path}.strong",
                        f"no table for the drug-specific rule {rule!r} used in {TABLE_FILE}",
                    )
        moderate = _parse_percent(ck, d.get("moderate"), f"{path}.moderate")
        pgp = _parse_percent(ck, d.get("pgp"), f"{path}.pgp")
        wd = ck.mapping(
            d.get("weak"), f"{path}.weak", required=("id", "text", "source", "confidence")
        )
        rd = ck.mapping(
            d.get("resume"),
            f"{path}.resume",
            required=("after_last_dose_days", "text", "source", "confidence"),
        )
        if wd is None or rd is None or moderate is None or pgp is None:
            continue
        lag = rd.get("after_last_dose_days")
        if isinstance(lag, bool) or not isinstance(lag, int) or lag < 1:
            ck.add(
                f"{path}.resume.after_last_dose_days",
                f"expected a whole number >= 1, found {lag!r}",
            )
            continue
        full[str(name)] = InteractionRuleSet(
            name=str(name),
            title=ck.text(d.get("title"), f"{path}.title"),
            strong=MappingProxyType(strong),
            moderate=moderate,
            pgp=pgp,
            weak=NoteRule(
                id=ck.text(wd.get("id"), f"{path}.weak.id"),
                text=ck.text(wd.get("text"), f"{path}.weak.text"),
                source=ck.text(wd.get("source"), f"{path}.weak.source"),
                confidence=_confidence(ck, wd.get("confidence"), f"{path}.weak.confidence"),
            ),
            resume=ResumeRule(
                after_last_dose_days=lag,
                text=ck.text(rd.get("text"), f"{path}.resume.text"),
                source=ck.text(rd.get("source"), f"{path}.resume.source"),
                confidence=_confidence(ck, rd.get("confidence"), f"{path}.resume.confidence"),
            ),
        )
    result = dict(full)
    for name, d in derived.items():
        path = f"rule_sets.{name}"
        base = d.get("base")
        if base not in full:
            ck.add(f"{path}.base", f"expected one of {', '.join(full)}, found {base!r}")
            continue
        classes = d.get("protocol_classes")
        if (
            not isinstance(classes, list)
            or not classes
            or any(c not in ("strong", "moderate", "pgp") for c in classes)
        ):
            ck.add(
                f"{path}.protocol_classes",
                f"expected a non-empty list of strong, moderate, pgp, found {classes!r}",
            )
            continue
        result[name] = attrs.evolve(
            full[base],
            name=name,
            title=ck.text(d.get("title"), f"{path}.title"),
            protocol_classes=tuple(classes),
        )
    default = top.get("default")
    if default not in result:
        ck.add("default", f"expected one of {', '.join(result)}, found {default!r}")
    ck.raise_if_any()
    return str(default), result


@functools.cache
def _table() -> tuple[Mapping[str, InteractionEntry], Mapping[str, str]]:
    entries = _parse_table(_read_yaml(TABLE_FILE))
    index = {}
    for entry in entries.values():
        index[entry.name] = entry.name
        for alias in entry.aliases:
            index[alias] = entry.name
    return MappingProxyType(entries), MappingProxyType(index)


@functools.cache
def _rule_sets() -> tuple[str, Mapping[str, InteractionRuleSet]]:
    drug_rules = sorted({e.rule for e in _table()[0].values() if e.rule})
    default, sets = _parse_rule_sets(_read_yaml(_RULES_FILE), drug_rules=drug_rules)
    return default, MappingProxyType(sets)


# --------------------------------------------------------------------------------------------
# Public lookups
# --------------------------------------------------------------------------------------------


def interaction_table() -> Mapping[str, InteractionEntry]:
    """Every drug of the interaction table by its generic name (read once from the data file)."""
    return _table()[0]


def drug_index() -> Mapping[str, str]:
    """Every name and alias of the interaction table (normalised) to its drug's generic name."""
    return _table()[1]


def lookup_drug(name: str) -> InteractionEntry:
    """The table entry for a drug name or alias, in any case.

    Raises:
        UnknownDrugError: the name is not in the table; the error lists near matches.
        InputError: ``name`` is not text.
    """
    if not isinstance(name, str) or not name.strip():
        raise InputError("concomitant", "a drug name", name)
    entries, index = _table()
    key = normalise_name(name)
    if key in index:
        return entries[index[key]]
    import difflib  # stdlib, only on an error: kept off the start-up path

    near = difflib.get_close_matches(key, list(index), n=3, cutoff=0.6)
    suggestions = tuple(
        dict.fromkeys(index[n] if n == index[n] else f"{n} ({index[n]})" for n in near)
    )
    raise UnknownDrugError(name, suggestions)


def rule_set_names() -> tuple[str, ...]:
    """The names of the venetoclax rule sets, the default first."""
    default, sets = _rule_sets()
    return (default, *(n for n in sets if n != default))


def rule_set(name: str | None = None) -> InteractionRuleSet:
    """The venetoclax rule set called ``name`` (the data file's default, ``label``, if ``None``).

    Raises:
        InputError: no rule set has that name; the error lists the valid names.
    """
    default, sets = _rule_sets()
    key = default if name is None else name
    if not isinstance(key, str) or key not in sets:
        raise InputError("rule_set", f"one of {', '.join(rule_set_names())}", name)
    return sets[key]
