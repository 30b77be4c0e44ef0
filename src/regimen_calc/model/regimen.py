"""The regimen model: frozen value classes built by the loader and read by the engine.

Pure: no file access, no YAML. A regimen is data; every value carries its provenance.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import attrs
import pint

from regimen_calc.errors import InputError
from regimen_calc.units import ureg


def _read_only(value: object) -> object:
    """A read-only copy of a mapping: a loaded regimen is immutable (it is cached, and so are
    its plans). Anything else is left for the loader's checks to refuse by name."""
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


if TYPE_CHECKING:
    from regimen_calc.engine.schedule import Schedule
    from regimen_calc.model.patient import Patient

__all__ = [
    "CONFIDENCES",
    "REFERENCE_KINDS",
    "Component",
    "Condition",
    "CycleInfo",
    "DoseSpec",
    "DoseStep",
    "Flat",
    "Infusion",
    "PerBsa",
    "PerWeight",
    "Provenance",
    "Reference",
    "Regimen",
    "SequenceRule",
]

_M2 = ureg.Unit("m**2")
_KG = ureg.Unit("kg")

Status = Literal["stated", "assumed", "not_stated", "site"]
STATUSES: tuple[str, ...] = ("stated", "assumed", "not_stated", "site")

#: The kinds of document a reference may be. ``site``: a site's own protocol (site regimens and
#: overlays); the others are published documents.
REFERENCE_KINDS: tuple[str, ...] = ("registry", "abstract", "paper", "label", "secondary", "site")
ReferenceKind = Literal["registry", "abstract", "paper", "label", "secondary", "site"]

#: Confidence grades, from the clinical reference's key: ``H`` (high: registry text, label or
#: guideline text retrieved directly), ``M`` (medium: a conference abstract or secondary summary),
#: ``L`` (low: inferred, or quoted without a retrieved primary source).
CONFIDENCES: tuple[str, ...] = ("H", "M", "L")
Confidence = Literal["H", "M", "L"]
#: What each grade means, as printed (the clinical reference's confidence key).
CONFIDENCE_MEANINGS: Mapping[str, str] = {
    "H": "High confidence: registry text, a label or guideline text, retrieved directly.",
    "M": (
        "Medium confidence: a conference abstract or a secondary summary, or a primary source "
        "backed only by a secondary one."
    ),
    "L": "Low confidence: inferred, or quoted without a retrieved primary source.",
}
#: How each kind of reference is printed.
REFERENCE_KIND_NAMES: Mapping[str, str] = {
    "registry": "registry record",
    "abstract": "abstract",
    "paper": "paper",
    "label": "label",
    "secondary": "secondary source",
    "site": "site protocol",
}

#: Administrations per day for each frequency a regimen may name.
FREQUENCIES: Mapping[str, int] = {"once": 1, "daily": 1, "q24h": 1, "q12h": 2, "q8h": 3, "q6h": 4}


@attrs.frozen(kw_only=True)
class Provenance:
    """Where a value comes from.

    ``stated``: the source states it. ``assumed``: taken from a named related source.
    ``not_stated``: the source does not state it (the schedule warns). ``site``: supplied by a
    site overlay. ``required`` marks a value the site must supply before scheduling.
    ``confidence`` grades this value when it is lower than its source's own grade (an assumed
    value carried over from another trial is an inference, ``L``); ``None``: the source's grade.
    """

    status: Status
    source: str | None = None
    note: str | None = None
    required: bool = False
    confidence: Confidence | None = None


@attrs.frozen(kw_only=True)
class Reference:
    """A source document: a registry record, an abstract, a paper, a label, a secondary source
    (a summary quoting another document) or a site protocol.

    ``confidence`` is the clinical reference's grade for the values taken from the document
    (``H``, ``M`` or ``L``); ``None`` for a document that is not graded (a site protocol).
    """

    id: str
    kind: ReferenceKind
    title: str
    confidence: Confidence | None = None
    url: str | None = None
    doi: str | None = None
    file: str | None = None
    note: str | None = None


@attrs.frozen
class PerBsa:
    """A dose per body-surface area, such as 5 mg/m²."""

    amount: pint.Quantity
    basis = "bsa"

    def calculate(self, *, bsa: pint.Quantity, weight: pint.Quantity) -> pint.Quantity:
        del weight
        return ureg.Quantity(self.amount.magnitude * bsa.to(_M2).magnitude, self.amount.units * _M2)


@attrs.frozen
class PerWeight:
    """A dose per body weight, such as 5 mcg/kg."""

    amount: pint.Quantity
    basis = "weight"

    def calculate(self, *, bsa: pint.Quantity, weight: pint.Quantity) -> pint.Quantity:
        del bsa
        return ureg.Quantity(
            self.amount.magnitude * weight.to(_KG).magnitude, self.amount.units * _KG
        )


@attrs.frozen
class Flat:
    """A flat dose, the same for every patient, such as 20 mg."""

    amount: pint.Quantity
    basis = "flat"

    def calculate(self, *, bsa: pint.Quantity, weight: pint.Quantity) -> pint.Quantity:
        del bsa, weight
        return self.amount


DoseSpec = PerBsa | PerWeight | Flat


@attrs.frozen(kw_only=True)
class DoseStep:
    """A dose that applies on some days of a component (a ramp-up is several steps)."""

    days: tuple[int, ...]
    dose: DoseSpec


@attrs.frozen(kw_only=True)
class Infusion:
    """How long an infusion runs; ``at_least`` for protocols that say 'over more than'."""

    duration: pint.Quantity
    at_least: bool = False


@attrs.frozen(kw_only=True)
class SequenceRule:
    """When a component starts relative to another on the same day."""

    after: str
    anchor: Literal["start", "end"] = "start"
    offset: pint.Quantity = attrs.field(factory=lambda: ureg.Quantity(0, "hour"))


@attrs.frozen(kw_only=True)
class Condition:
    """A structured condition on a component, such as a hold on a laboratory value.

    ``hold_if``: not given on a day the lab meets the threshold. ``continue_until``: given until
    the day the lab meets the threshold, then stopped for the rest of the cycle.
    """

    kind: Literal["hold_if", "continue_until"]
    lab: str
    operator: Literal[">=", ">", "<=", "<"]
    threshold: float
    unit: str
    text: str


@attrs.frozen(kw_only=True)
class ProtocolInteractionRule:
    """A regimen's own venetoclax rule for CYP3A4 inhibitors (used with rule_set='protocol')."""

    strong: pint.Quantity | None = None
    moderate: pint.Quantity | None = None
    text: str
    source: str


@attrs.frozen(kw_only=True)
class Component:
    """One drug of a regimen with its dose, days, route, timing and conditions."""

    id: str
    drug: str
    dose: DoseSpec | None = None
    steps: tuple[DoseStep, ...] = ()
    route: str | None = None
    days: tuple[int, ...] = ()
    frequency: str = "daily"
    infusion: Infusion | None = None
    sequence: SequenceRule | None = None
    conditions: tuple[Condition, ...] = ()
    interaction_rule: ProtocolInteractionRule | None = None
    notes: tuple[str, ...] = ()
    source: str | None = None
    status: Status = "stated"
    provenance: Mapping[str, Provenance] = attrs.field(
        factory=dict, converter=_read_only, hash=False
    )

    @property
    def per_day(self) -> int:
        """Administrations per day."""
        return FREQUENCIES[self.frequency]

    def provenance_of(self, field: str) -> Provenance:
        """The provenance of one field, or the component's own when the field has none."""
        found = self.provenance.get(field)
        if found is not None:
            return found
        return Provenance(status=self.status, source=self.source)

    def dose_on(self, day: int) -> DoseSpec | None:
        """The per-administration dose on ``day`` (a step's dose when the component has steps)."""
        for step in self.steps:
            if day in step.days:
                return step.dose
        return self.dose

    @property
    def dose_field(self) -> str:
        return "steps" if self.steps else "dose"


@attrs.frozen(kw_only=True)
class CycleInfo:
    """Cycle length and number of cycles; ``None`` where the sources do not state them.

    ``max_cycles`` is the most cycles the regimen gives (the schedule refuses a later cycle).
    ``max_cycles_bound`` says how the source gives that number: ``at_most`` ("up to 2 cycles",
    the default: a largest number is what the field holds) or ``exactly`` (a fixed number of
    cycles, such as "2 cycles").
    """

    length_days: int | None = None
    max_cycles: int | None = None
    max_cycles_bound: Literal["at_most", "exactly"] = "at_most"
    provenance: Mapping[str, Provenance] = attrs.field(
        factory=dict, converter=_read_only, hash=False
    )


@attrs.frozen(kw_only=True)
class SourceFile:
    """A file a loaded regimen was read from, so every schedule can name it and its content."""

    #: ``"regimen"`` (the file named), ``"base"`` (reached through ``extends``) or ``"overlay"``.
    role: Literal["regimen", "base", "overlay"]
    #: The path as it was found on the search path (bundled files: relative to the package).
    path: str
    #: SHA-256 of the file's bytes, as 64 lowercase hex digits.
    sha256: str
    #: ``True`` for a file shipped inside the package.
    bundled: bool = False

    def to_dict(self) -> dict[str, object]:
        """The file as JSON data: ``role``, ``path``, ``sha256`` and ``bundled``."""
        return {
            "role": self.role,
            "path": self.path,
            "sha256": self.sha256,
            "bundled": self.bundled,
        }


@attrs.frozen(kw_only=True)
class Regimen:
    """A regimen as data: its drugs, their doses and days, and the sources behind every value."""

    id: str
    name: str
    version: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    extends: str | None = None
    references: tuple[Reference, ...] = ()
    cycle: CycleInfo = CycleInfo()
    components: tuple[Component, ...] = ()
    notes: tuple[str, ...] = ()
    overlays: tuple[str, ...] = ()
    file: str | None = attrs.field(default=None, eq=False)
    #: Every file this regimen was read from, the regimen's own first (empty when built in code).
    files: tuple[SourceFile, ...] = attrs.field(default=(), eq=False)

    def component(self, component_id: str) -> Component:
        """The component with this id.

        Raises:
            InputError: no component has this id (the error lists the ids there are).
        """
        for comp in self.components:
            if comp.id == component_id:
                return comp
        ids = ", ".join(c.id for c in self.components)
        expected = f"the id of a component of {self.id} ({ids})"
        raise InputError("component_id", expected, component_id)

    def reference(self, ref_id: str) -> Reference | None:
        """The reference with this id, or ``None``."""
        return next((r for r in self.references if r.id == ref_id), None)

    def confidence_of(self, provenance: Provenance) -> Confidence | None:
        """The confidence grade of a value: its own, else its source's; ``None`` when ungraded.

        A value the source does not state has no value to grade (``None``).
        """
        if provenance.status == "not_stated":
            return None
        if provenance.confidence is not None:
            return provenance.confidence
        ref = self.reference(provenance.source) if provenance.source else None
        return None if ref is None else ref.confidence

    @property
    def all_days(self) -> tuple[int, ...]:
        """Every day any component is given, in order."""
        return tuple(sorted({d for c in self.components for d in c.days}))

    def missing_site_values(self) -> tuple[str, ...]:
        """Fields the site must supply before this regimen can be scheduled."""
        missing = []
        for i, comp in enumerate(self.components):
            for field, prov in comp.provenance.items():
                if prov.required and prov.status != "site":
                    missing.append(f"components[{i}] ({comp.id}).{field}")
        for field, prov in self.cycle.provenance.items():
            if prov.required and prov.status != "site":
                missing.append(f"cycle.{field}")
        return tuple(missing)

    def schedule(
        self,
        patient: Patient,
        *,
        cycle: int = 1,
        start: datetime.date | None = None,
        concomitant: Sequence[object] = (),
        rule_set: str = "label",
        policy: object | None = None,
        labs: Mapping[int, Mapping[str, object]] | None = None,
        bsa_formula: str | None = None,
        prior_exposure: Mapping[str, object] | None = None,
        override_cumulative: str | None = None,
    ) -> Schedule:
        """Compute this regimen's day-by-day schedule for one patient and one cycle.

        See :func:`regimen_calc.engine.schedule.build_schedule` for the arguments.
        """
        # The one upward import (docs/architecture.md): the model's convenience calls the engine,
        # which imports the model, so the import waits until the call.
        from regimen_calc.engine.schedule import build_schedule

        return build_schedule(
            self,
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
