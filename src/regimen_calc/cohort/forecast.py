"""Cohort dose forecasts: every patient's drug totals and the packs a pharmacy must stock.

A forecast runs one regimen for a cohort (a trial's enrolled patients, a simulated population)
over a number of cycles and reports, per patient and per drug, the total dose and the packs
needed, and the same summed over the cohort.

**Packs.** Only the presentations in the drug catalog (``data/drugs.yaml``) are used:

* tablets (venetoclax 10/50/100 mg): each administration is made up exactly with
  :func:`regimen_calc.engine.tablets.compose_tablets`, as the schedule does (fewest tablets);
* prefilled syringes (filgrastim 300/480 mcg): a syringe is single-use, so each administration
  takes the fewest syringes whose total is at least the dose; among those, the smallest total
  (least waste); among equal totals, the most of the largest strength. A 350 mcg dose takes one
  480 mcg syringe, a 500 mcg dose two 300 mcg syringes;
* every other drug (the IV cytotoxics): the total dose only. Vial sizes are not in the catalog,
  so no vial count is given; none is guessed.

**Two paths, the same numbers.** The per-patient path builds every patient's schedule with
:func:`regimen_calc.engine.schedule.build_schedule` and reads the doses off it. The vectorised path
evaluates a compiled dose plan with numpy arrays: BSA by the policy's formula, rounded half-up
exactly as :func:`regimen_calc.engine.policy.half_up` does
(:func:`regimen_calc.engine.policy.half_up_array`), then each per-BSA or per-weight dose, rounded
the same way. Flat doses, and every dose of a drug with an interaction
rule (venetoclax), come from the schedule engine itself, once per distinct set of concomitant
drugs, since they do not depend on height or weight. The first patient of each set is also
scheduled in full and compared with the vectorised numbers.

The vectorised path is used only where it is known to give the same numbers; otherwise the
forecast falls back to the per-patient path and says why in :attr:`Forecast.fallback_reason`.
It falls back for a policy with anything beyond BSA formula, BSA decimals, BSA cap and dose
decimals (per-drug rounding, pack-size rounding), a policy subclass, a per-BSA or per-weight dose
of a drug with an interaction rule, doses that change from cycle to cycle, and any difference
found in the check above.
"""

from __future__ import annotations

import csv
import functools
import io
import sys
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import attrs
import numpy as np
import pint

from regimen_calc._checks import check_flag
from regimen_calc.content.bsa import bsa_array, normalize_sex
from regimen_calc.content.catalog import Presentation, drug_info
from regimen_calc.engine.interactions import resolve_concomitants
from regimen_calc.engine.policy import DosingPolicy, half_up, half_up_array
from regimen_calc.engine.safety import drug_limits, drug_safety, unit_factor
from regimen_calc.engine.schedule import Schedule, build_schedule, default_policy
from regimen_calc.engine.tablets import single_use_units, tablet_counts
from regimen_calc.errors import InputError, Problem, ProblemsError, RegimenCalcError
from regimen_calc.model.concomitant import Concomitant
from regimen_calc.model.patient import HEIGHT_RANGE_CM, WEIGHT_RANGE_KG, Patient
from regimen_calc.model.regimen import Flat, PerBsa, PerWeight, Regimen, SourceFile
from regimen_calc.units import ureg
from regimen_calc.wording.ismp import (
    format_quantity,
    format_unit,
    source_file_rows,
    source_files_text,
    spreadsheet_text,
)

__all__ = [
    "MAX_FORECAST_CYCLES",
    "Cohort",
    "DrugForecast",
    "Forecast",
    "PatientDataError",
    "forecast",
]

# DosingPolicy fields the vectorised path implements or that cannot change a per-BSA or
# per-weight dose: name and source are descriptive; max_deviation_percent bounds a drug's rounding
# rule (checked under `drugs`); the anthracycline equivalence scale counts cumulative doses.
# `drugs` is checked per drug. Any other field sends the forecast to the per-patient path until
# the vectorised path implements it and tests/test_cohort.py covers it.
_VECTORISED_POLICY_FIELDS = frozenset(
    {
        "bsa_formula",
        "bsa_decimals",
        "bsa_cap",
        "dose_decimals",
        "name",
        "source",
        "max_deviation_percent",
        "doxorubicin_equivalence",
        "drugs",
    }
)

# build_schedule rounds height and weight half-up to 1e-6 cm and kg before using them.
_MEASURE_DECIMALS = 6

#: The most cycles a forecast sums when the regimen does not state its number of cycles. Each
#: cycle builds full schedules, so an unbounded count (a typo such as ``cycles=1000000``) would
#: run for hours instead of being refused; a regimen that states ``max_cycles`` is bounded by it.
MAX_FORECAST_CYCLES = 100


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class PatientDataError(ProblemsError):
    """Patient data (a CSV file or arrays) with bad rows; lists every problem, not only the first.

    Each problem's ``path`` names the row and the field: ``row 3.weight`` (row numbers are the
    file's line numbers, the header being line 1) or ``weight_kg[2]`` for arrays.
    """


# --------------------------------------------------------------------------------------------
# Packs
# --------------------------------------------------------------------------------------------


def _tablet_counts(doses: np.ndarray, unit: pint.Unit, presentation: Presentation) -> np.ndarray:
    """Tablets of each strength per dose: :func:`tablet_counts` for the presentation's strengths."""
    return tablet_counts(doses, unit, presentation.strengths)


def _pack_kind(presentation: Presentation | None) -> Literal["tablet", "single-use", "none"]:
    if presentation is None:
        return "none"
    if presentation.kind == "tablet":
        return "tablet"
    if "syringe" in presentation.kind:
        return "single-use"
    return "none"


def _pack_rule(drug: str, presentation: Presentation | None) -> str:
    kind = _pack_kind(presentation)
    if kind == "tablet":
        return "tablets: each administration made up exactly with the fewest tablets"
    if kind == "single-use":
        assert presentation is not None
        return (
            f"{presentation.kind}s, single-use: per administration the fewest whose total is at "
            "least the dose"
        )
    if presentation is not None:
        return f"{presentation.kind}: packs not computed (no rule for this kind); total dose only"
    return "total dose only: vial sizes are not in the drug catalog, so no vial count is given"


# --------------------------------------------------------------------------------------------
# The cohort
# --------------------------------------------------------------------------------------------


def _per_patient(field: str, value: object, n: int) -> Sequence[object]:
    """A column with one entry per patient: a list, tuple or array, never text or a scalar."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence | np.ndarray):
        raise InputError(field, f"a list with one entry per patient ({n})", value)
    if len(value) != n:
        raise InputError(field, f"one entry per patient ({n})", f"{len(value)} entries")
    return value  # type: ignore[return-value]


def _ids(value: object, n: int) -> tuple[str, ...]:
    ids = _per_patient("ids", value, n)
    for i, pid in enumerate(ids):
        if not isinstance(pid, str) or not pid.strip():
            raise InputError(f"ids[{i}]", "a non-empty string", pid)
    return tuple(ids)  # type: ignore[arg-type]


def _numbers(field: str, value: object) -> np.ndarray:
    """A column of plain numbers as a float array; text, bools and objects are refused."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        raise InputError(field, "a list or array of numbers", type(value).__name__) from None
    if arr.dtype.kind not in "iuf":
        raise InputError(
            field, "a list or array of numbers (int or float; not text, bools or objects)", value
        )
    return arr.astype(np.float64).reshape(-1)  # a copy: the cohort must not change with the caller


def _concomitant_key(items: object) -> object:
    """A hashable key for one patient's concomitant items, or ``None`` if they are not hashable."""
    if items is None:
        return ()
    if isinstance(items, str | Concomitant):
        return (items,)
    try:
        key = tuple(items)  # type: ignore[arg-type]
        hash(key)
    except TypeError:
        return None
    return key


def _group_concomitants(
    items: Sequence[object] | None, n: int, field: str
) -> tuple[tuple[tuple[Concomitant, ...], ...], np.ndarray, list[Problem]]:
    """Resolve each patient's concomitant drugs once per distinct set; the set index per patient.

    Two patients whose drugs differ only in order share a set: the rule engine takes the lowest
    outcome of the rules that apply, which does not depend on the order. A drug listed twice is
    refused by :func:`resolve_concomitants` (one of the two would be ignored).
    """
    sets: list[tuple[Concomitant, ...]] = []
    index_of: dict[tuple[Concomitant, ...], int] = {}
    by_input: dict[object, int] = {}
    group = np.zeros(n, dtype=np.int64)
    problems: list[Problem] = []
    if items is None:
        return ((),), group, problems
    for i, item in enumerate(_per_patient(field, items, n)):
        key = _concomitant_key(item)
        if key is not None and key in by_input:
            group[i] = by_input[key]
            continue
        try:
            resolved = resolve_concomitants(() if item is None else item)  # type: ignore[arg-type]
        except RegimenCalcError as exc:
            problems.append(Problem(file="<cohort>", path=f"{field}[{i}]", message=str(exc)))
            continue
        canonical = tuple(sorted(set(resolved), key=repr))
        g = index_of.setdefault(canonical, len(sets))
        if g == len(sets):
            sets.append(canonical)
        group[i] = g
        if key is not None:
            by_input[key] = g
    return tuple(sets) or ((),), group, problems


class _NumberedIds(Sequence[str]):
    """``"patient 1"``, ``"patient 2"``, ...: made when read, not 100,000 strings up front."""

    def __init__(self, n: int) -> None:
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]  # type: ignore[return-value]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return f"patient {i % self._n + 1}"


@attrs.frozen(kw_only=True, eq=False)
class Cohort:
    """Patients held as columns: heights, weights, sexes and concomitant-drug sets.

    Build one with :meth:`from_patients`, :meth:`from_arrays` or
    :func:`regimen_calc.io.patients_csv.read_patients_csv` (a patients CSV file).

    Attributes:
        ids: one identifier per patient.
        height_cm: heights in cm (float array).
        weight_kg: weights in kg (float array).
        sex: ``"female"``, ``"male"`` or ``None`` per patient.
        concomitant_sets: the distinct sets of resolved concomitant drugs.
        concomitant_group: per patient, the index of its set in ``concomitant_sets``.
        patients: the original :class:`Patient` objects when the cohort was built from them.
    """

    ids: Sequence[str]
    height_cm: np.ndarray
    weight_kg: np.ndarray
    sex: tuple[str | None, ...]
    concomitant_sets: tuple[tuple[Concomitant, ...], ...]
    concomitant_group: np.ndarray
    patients: tuple[Patient, ...] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def patient(self, i: int) -> Patient:
        """Patient ``i`` as a :class:`Patient` (the original object when there is one)."""
        if self.patients is not None:
            return self.patients[i]
        return Patient(
            height=ureg.Quantity(float(self.height_cm[i]), "cm"),
            weight=ureg.Quantity(float(self.weight_kg[i]), "kg"),
            sex=self.sex[i],
            identifier=self.ids[i],
        )

    def concomitant(self, i: int) -> tuple[Concomitant, ...]:
        """Patient ``i``'s concomitant drugs, resolved."""
        return self.concomitant_sets[int(self.concomitant_group[i])]

    @classmethod
    def from_patients(
        cls,
        patients: Sequence[Patient],
        *,
        concomitant: Sequence[object] | Mapping[str, object] | None = None,
        ids: Sequence[str] | None = None,
    ) -> Cohort:
        """A cohort of :class:`Patient` objects.

        Args:
            patients: the patients.
            concomitant: per patient, its concomitant drugs (names, mappings or
                :class:`Concomitant` objects, as ``build_schedule`` takes them), either as a
                sequence in patient order or as a mapping from ``Patient.identifier``.
            ids: identifiers; by default each patient's ``identifier``, else ``"patient N"``.

        Raises:
            InputError: a patient that is not a :class:`Patient`, mismatched lengths.
            PatientDataError: unknown concomitant drugs (every one listed).
        """
        if isinstance(patients, Patient) or not isinstance(patients, Sequence):
            raise InputError("patients", "a sequence of Patient objects", type(patients).__name__)
        pts = tuple(patients)
        for i, p in enumerate(pts):
            if not isinstance(p, Patient):
                raise InputError(f"patients[{i}]", "a Patient", type(p).__name__)
        if ids is None:
            ids = tuple(p.identifier or f"patient {i + 1}" for i, p in enumerate(pts))
        else:
            ids = _ids(ids, len(pts))
        if isinstance(concomitant, Mapping):
            unknown = sorted(
                set(map(str, concomitant)) - {p.identifier for p in pts if p.identifier}
            )
            if unknown:
                raise InputError(
                    "concomitant_by_patient", "keys that are patient identifiers", unknown
                )
            concomitant = [concomitant.get(p.identifier or "", ()) for p in pts]
        sets, group, problems = _group_concomitants(concomitant, len(pts), "concomitant_by_patient")
        if problems:
            raise PatientDataError(problems)
        return cls(
            ids=tuple(ids),
            # The same float conversion build_schedule makes (Quantity.to), patient by patient.
            height_cm=np.array([float(p.height.to("cm").magnitude) for p in pts], dtype=np.float64),
            weight_kg=np.array([float(p.weight.to("kg").magnitude) for p in pts], dtype=np.float64),
            sex=tuple(p.sex for p in pts),
            concomitant_sets=sets,
            concomitant_group=group,
            patients=pts,
        )

    @classmethod
    def from_arrays(
        cls,
        *,
        height_cm: object,
        weight_kg: object,
        sex: Sequence[str | None] | None = None,
        concomitant: Sequence[object] | None = None,
        concomitant_sets: Sequence[object] | None = None,
        concomitant_group: object = None,
        ids: Sequence[str] | None = None,
    ) -> Cohort:
        """A cohort from columns: heights in cm and weights in kg as plain numbers.

        The same plausibility ranges as :class:`Patient` apply. Every bad value is reported.
        Concomitant drugs come either per patient (``concomitant``) or as columns:
        ``concomitant_sets``, the distinct sets, and ``concomitant_group``, per patient the
        index of its set (faster for large cohorts).

        Raises:
            PatientDataError: listing every value out of range, not finite, or an unknown sex or
                concomitant drug.
            InputError: columns of different lengths.
        """
        h = _numbers("height_cm", height_cm)
        w = _numbers("weight_kg", weight_kg)
        n = h.size
        if w.size != n:
            raise InputError("weight_kg", f"one weight per height ({n})", w.size)
        problems: list[Problem] = []
        for name, values, (low, high), unit in (
            ("height_cm", h, HEIGHT_RANGE_CM, "cm"),
            ("weight_kg", w, WEIGHT_RANGE_KG, "kg"),
        ):
            if values.size and low <= values.min() and values.max() <= high:
                continue  # all in range (a NaN makes min and max NaN, which fails this test)
            bad = ~(np.isfinite(values) & (values >= low) & (values <= high))
            for i in np.flatnonzero(bad):
                problems.append(
                    Problem(
                        file="<cohort>",
                        path=f"{name}[{i}]",
                        message=(
                            f"expected a number from {low:g} to {high:g} ({unit}), "
                            f"found {values[i]!r}"
                        ),
                    )
                )
        sexes: tuple[str | None, ...] = (None,) * n  # made without a list of n items
        if sex is not None:
            found: list[str | None] = [None] * n
            sex = _per_patient("sex", sex, n)  # type: ignore[assignment]
            memo: dict[object, str | None] = {}
            for i, s in enumerate(sex):
                try:
                    found[i] = memo[s] if s in memo else memo.setdefault(s, normalize_sex(s))
                except InputError as exc:
                    problems.append(Problem(file="<cohort>", path=f"sex[{i}]", message=str(exc)))
            sexes = tuple(found)
        if concomitant_sets is not None or concomitant_group is not None:
            if concomitant is not None or concomitant_sets is None or concomitant_group is None:
                raise InputError(
                    "concomitant_sets",
                    "both concomitant_sets and concomitant_group, and no concomitant",
                    "a mix",
                )
            if isinstance(concomitant_sets, str | bytes | Mapping) or not isinstance(
                concomitant_sets, Sequence
            ):
                raise InputError(
                    "concomitant_sets", "a list of concomitant-drug sets", concomitant_sets
                )
            try:
                index = np.asarray(concomitant_group).reshape(-1)
            except (ValueError, TypeError):
                raise InputError(
                    "concomitant_group", f"{n} whole numbers", "a ragged list"
                ) from None
            if index.size != n or not np.issubdtype(index.dtype, np.integer):
                raise InputError("concomitant_group", f"{n} whole numbers", index.dtype)
            if index.size and (index.min() < 0 or index.max() >= len(concomitant_sets)):
                raise InputError(
                    "concomitant_group", f"indexes from 0 to {len(concomitant_sets) - 1}", "others"
                )
            listed, local, more = _group_concomitants(
                list(concomitant_sets), len(concomitant_sets), "concomitant_sets"
            )
            sets, group = listed, local[index]
        else:
            sets, group, more = _group_concomitants(concomitant, n, "concomitant")
        problems += more
        if problems:
            raise PatientDataError(problems)
        ids = _NumberedIds(n) if ids is None else _ids(ids, n)
        return cls(
            ids=ids if isinstance(ids, _NumberedIds) else tuple(ids),
            height_cm=h,
            weight_kg=w,
            sex=sexes,
            concomitant_sets=sets,
            concomitant_group=group,
        )


# --------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------


class _Progress:
    """A plain progress line on stderr, only when asked for and stderr is a terminal."""

    def __init__(self, label: str, total: int | None, enabled: bool) -> None:
        self.label, self.total = label, total
        self.enabled = bool(enabled) and sys.stderr.isatty()
        self.last = 0.0
        self.shown = False

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.1:
            return
        self.last, self.shown = now, True
        of = f"/{self.total:,}" if self.total else ""
        pct = f" ({100 * done // self.total}%)" if self.total else ""
        sys.stderr.write(f"\r{self.label}: {done:,}{of}{pct}")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


# --------------------------------------------------------------------------------------------
# Doses per administration slot
# --------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Slot:
    """One administration of the cycle: a component on a day, in schedule order."""

    day: int
    component: str
    drug: str
    per_day: int
    unit: pint.Unit


class _Column:
    """One slot's doses for every patient; ``per_group`` when they depend only on the drug set.

    A column made from ``per_group`` spreads it to the patients (``per_group[group]``) only when
    ``values`` is read: the totals of such drugs are added per set and spread once at the end.
    """

    __slots__ = ("_group", "_values", "per_group")

    def __init__(
        self,
        values: np.ndarray | None = None,
        *,
        per_group: np.ndarray | None = None,
        group: np.ndarray | None = None,
    ) -> None:
        self._values, self.per_group, self._group = values, per_group, group

    @property
    def values(self) -> np.ndarray:
        if self._values is None:
            self._values = self.per_group[self._group]  # type: ignore[index]
        return self._values

    def at(self, i: int) -> float:
        """Patient ``i``'s dose."""
        if self._values is None:
            return float(self.per_group[self._group[i]])  # type: ignore[index]
        return float(self._values[i])

    def highest(self) -> float:
        """The highest dose of any patient (0 for no patient)."""
        if self.per_group is not None and self._group is not None:
            # Sets without patients hold 0 in per_group; doses are never negative.
            return float(self.per_group.max()) if self._group.size else 0.0
        return float(self.values.max()) if len(self.values) else 0.0


def _slots(s: Schedule) -> tuple[_Slot, ...]:
    return tuple(
        _Slot(day=d.day, component=a.component, drug=a.drug, per_day=a.per_day, unit=a.dose.units)
        for d in s.days
        for a in d.administrations
    )


def _schedule_doses(s: Schedule, slots: Sequence[_Slot]) -> list[float]:
    """The dose to give of each slot (0 where held), in the slot's unit."""
    out = []
    admins = [(d.day, a) for d in s.days for a in d.administrations]
    if [(day, a.component) for day, a in admins] != [(x.day, x.component) for x in slots]:
        raise AssertionError(f"{s.regimen.id}: schedules differ in their administrations")
    for (_, a), slot in zip(admins, slots, strict=True):
        out.append(0.0 if a.held else float(a.dose.m_as(slot.unit)))
    return out


def _policy_gaps(policy: DosingPolicy, drugs: Sequence[str]) -> list[str]:
    """Why the vectorised path cannot honour this policy for these drugs (empty: it can).

    ``drugs`` are the drugs whose doses depend on height or weight; the others come from the
    schedule engine itself, so any rule the policy has for them is applied there.
    """
    if type(policy) is not DosingPolicy:
        return [f"the policy is a {type(policy).__name__}, not a DosingPolicy"]
    names = [f.name for f in attrs.fields(DosingPolicy)]
    gaps = [
        f"the policy's {name}, which the vectorised path does not implement"
        for name in names
        if name not in _VECTORISED_POLICY_FIELDS
    ]
    per_drug = getattr(policy, "drugs", None) or {}
    for drug in dict.fromkeys(drugs):
        rules = per_drug.get(drug)
        if rules is not None and rules != type(rules)():
            gaps.append(f"the policy's own rules for {drug} (weight basis, rounding or dose level)")
    return gaps


def _bsa_array(cohort: Cohort, policy: DosingPolicy, w: np.ndarray) -> np.ndarray:
    """BSA for calculation, as ``policy.bsa_for_calculation(body_surface_area(...))`` gives it.

    ``w`` is the cohort's measured weights (:func:`_measured`), shared with per-weight doses.
    """
    raw = bsa_array(policy.bsa_formula, _measured(cohort.height_cm), w, cohort.sex)
    bsa = half_up_array(raw, policy.bsa_decimals, bsa=True)
    if policy.bsa_cap is not None:
        cap = float(policy.bsa_cap.to("m**2").magnitude)
        bsa = np.where(bsa > cap, cap, bsa)
    return bsa


def _measured(values: np.ndarray) -> np.ndarray:
    """Heights (cm) or weights (kg) rounded half-up to 1e-6, as build_schedule measures them."""
    return half_up_array(values, _MEASURE_DECIMALS)


def _conversion_chain(
    spec: PerBsa | PerWeight, basis_unit: str
) -> tuple[tuple[float, ...], pint.Unit]:
    """The factors pint multiplies a calculated dose by, in order, and the dose's final unit.

    ``spec.calculate`` multiplies the magnitudes and converts to ``amount unit × basis unit``;
    ``build_schedule`` then writes grams as milligrams. pint converts by one multiplication with
    a cached factor, so applying the same factors in the same order gives the same floats.
    """
    return _unit_conversion_chain(spec.amount.units, basis_unit)


@functools.lru_cache(maxsize=64)
def _unit_conversion_chain(
    amount_unit: pint.Unit, basis_unit: str
) -> tuple[tuple[float, ...], pint.Unit]:
    """:func:`_conversion_chain` for a dose per ``amount_unit`` (it does not use the magnitude)."""
    product = (ureg.Quantity(1.0, amount_unit) * ureg.Quantity(1.0, basis_unit)).units
    target = amount_unit * ureg.Unit(basis_unit)
    factors = [ureg.Quantity(1.0, product).to(target).magnitude]
    unit = ureg.Quantity(1.0, target).units
    if unit == ureg.gram:
        factors.append(ureg.Quantity(1.0, unit).to(ureg.milligram).magnitude)
        unit = ureg.milligram
    return tuple(f for f in factors if f != 1.0), unit


def _vectorised_doses(
    regimen: Regimen,
    cohort: Cohort,
    policy: DosingPolicy,
    slots: Sequence[_Slot],
    reps: Mapping[int, tuple[int, list[float]]],
    reasons: list[str],
) -> list[_Column] | None:
    """Per slot, every patient's dose; ``None`` (with a reason) where this path does not apply.

    ``reps``: per concomitant set, its first patient's index and that patient's scheduled doses
    (:func:`_schedule_doses`), which the vectorised doses must equal to the last bit.
    """
    by_id = {c.id: c for c in regimen.components}
    bsa = weight = None
    group = cohort.concomitant_group
    rep_doses = {g: doses for g, (_, doses) in reps.items()}
    out: list[_Column] = []
    same: dict[tuple[object, ...], _Column] = {}  # one array for equal specs (filgrastim d0-5)
    for k, slot in enumerate(slots):
        comp = by_id[slot.component]
        spec = comp.dose_on(slot.day)
        interacts = drug_info(comp.drug).interaction_rule is not None
        if isinstance(spec, Flat):
            per_group = np.zeros(len(cohort.concomitant_sets))
            for g, doses in rep_doses.items():
                per_group[g] = doses[k]
            out.append(_Column(per_group=per_group, group=group))
            continue
        if not isinstance(spec, PerBsa | PerWeight):
            reasons.append(f"{comp.id}: a {type(spec).__name__} dose is not in the vectorised path")
            return None
        if interacts:
            reasons.append(
                f"{comp.id}: a per-{spec.basis} dose of {comp.drug}, which has an interaction rule"
            )
            return None
        weight = _measured(cohort.weight_kg) if weight is None else weight
        if isinstance(spec, PerBsa):
            bsa = _bsa_array(cohort, policy, weight) if bsa is None else bsa
            basis, basis_unit = bsa, "m**2"
        else:
            basis, basis_unit = weight, "kg"
        key = (type(spec).__name__, spec.amount.magnitude, str(spec.amount.units), slot.unit)
        if key in same:
            out.append(same[key])
            continue
        factors, unit = _conversion_chain(spec, basis_unit)
        if unit != slot.unit:
            reasons.append(f"{comp.id}: dose unit {unit} differs from the schedule's {slot.unit}")
            return None
        calc = float(spec.amount.magnitude) * basis
        for f in factors:
            calc = calc * f
        rounded = half_up_array(calc, policy.dose_decimals)
        limit = policy.max_deviation_for(comp.drug)
        step = 10.0**-policy.dose_decimals
        # Rounding moves a dose by at most half a step (and float noise): where the smallest
        # dose is above a step and a step is within the limit of it, no dose can round to 0 or
        # pass the limit, and the patient-by-patient checks below are not needed.
        smallest = float(calc.min()) if calc.size else 0.0
        if smallest > step and step < smallest * (limit / 100.0) * (1 - 1e-9):
            same[key] = _Column(values=rounded)
            out.append(same[key])
            continue
        if (rounded == 0).any():
            reasons.append(f"{comp.id}: a dose rounds to 0 at the policy's decimals")
            return None
        if (np.abs(rounded - calc) > calc * (limit / 100.0) * (1 - 1e-9)).any():
            # Near or beyond the limit the engine flags the dose and keeps it unrounded.
            reasons.append(
                f"{comp.id}: rounding near or beyond the {limit:g}% limit for some patient"
            )
            return None
        same[key] = _Column(values=rounded)
        out.append(same[key])
    # The check: each set's first patient, scheduled in full, must match to the last bit.
    for g, (i, _) in reps.items():
        got = [col.at(i) for col in out]
        if got != rep_doses[g]:
            diff = next(
                (slots[k], got[k], rep_doses[g][k])
                for k in range(len(slots))
                if got[k] != rep_doses[g][k]
            )
            reasons.append(
                f"patient {cohort.ids[i]}: day {diff[0].day} {diff[0].component} vectorised "
                f"{diff[1]!r}, schedule {diff[2]!r}"
            )
            return None
    near = _near_a_ceiling(slots, out)
    if near is None:
        near = _near_a_flat_cycle_total(regimen, cohort, policy, slots, out)
    if near is not None:
        # The per-patient path applies the ceilings exactly (and raises DoseLimitError).
        reasons.append(near)
        return None
    return out


def _near_a_flat_cycle_total(
    regimen: Regimen,
    cohort: Cohort,
    policy: DosingPolicy,
    slots: Sequence[_Slot],
    columns: Sequence[_Column],
) -> str | None:
    """Why some patient's flat doses of a drug limited per m² per cycle may reach the limit
    (:func:`~regimen_calc.engine.safety.check_flat_cycle_totals`), or ``None``.

    A bound, not the exact check: the largest flat total of any concomitant set over the smallest
    BSA of the cohort, plus the written per-m² doses. At or near the limit the per-patient path
    applies the check exactly.
    """

    by_id = {c.id: c for c in regimen.components}
    flat: dict[str, np.ndarray] = {}
    written: dict[str, float] = {}
    for slot, col in zip(slots, columns, strict=True):
        info = drug_safety(slot.drug)
        if info is None or "bsa" not in info.max_total:
            continue
        spec = by_id[slot.component].dose_on(slot.day)
        if isinstance(spec, Flat):
            assert col.per_group is not None
            add = col.per_group * (unit_factor(slot.unit, "mg") * slot.per_day)
            flat[slot.drug] = flat[slot.drug] + add if slot.drug in flat else add
        elif isinstance(spec, PerBsa):
            amount = spec.amount
            written[slot.drug] = written.get(slot.drug, 0.0) + slot.per_day * float(
                amount.magnitude
            ) * unit_factor(amount.units, "mg/m**2")
    if not flat:
        return None
    smallest = float(np.min(_bsa_array(cohort, policy, _measured(cohort.weight_kg))))
    for drug, mg in flat.items():
        info = drug_safety(drug)
        assert info is not None
        high = float(info.max_total["bsa"].max.m_as("mg/m**2"))
        # A wide margin: the columns hold the doses to give, and the engine also checks the
        # calculated dose, which rounding may have moved by up to the policy's deviation.
        if float(np.max(mg)) / smallest + written.get(drug, 0.0) > high * 0.8:
            return f"{drug}: flat doses at or near its per-m² cycle total for some patient"
    return None


def _near_a_ceiling(slots: Sequence[_Slot], columns: Sequence[_Column]) -> str | None:
    """Why some patient's dose is at or near a drug's single or daily ceiling, or ``None``."""

    margin = 1 - 1e-6  # the engine also checks the unrounded dose: decide near the line exactly
    highest: dict[int, float] = {}  # equal specs share one column: its maximum, once
    by_day: dict[tuple[int, str], list[tuple[_Slot, _Column]]] = {}
    for slot, col in zip(slots, columns, strict=True):
        limits = drug_limits(slot.drug)
        if limits is None:
            continue
        unit, max_single, _ = limits
        if id(col) not in highest:
            highest[id(col)] = col.highest()
        if highest[id(col)] * unit_factor(slot.unit, unit) > max_single * margin:
            return f"{slot.drug}: a dose at or near its single-dose ceiling for some patient"
        by_day.setdefault((slot.day, slot.drug), []).append((slot, col))
    for (_day, drug), items in by_day.items():
        unit, _, max_daily = drug_limits(drug)  # type: ignore[misc]
        if len(items) == 1:  # one administration slot that day: its highest dose decides
            slot, col = items[0]
            total_max = highest[id(col)] * unit_factor(slot.unit, unit) * slot.per_day
        else:  # several slots of one drug on one day: add them patient by patient
            total = sum(c.values * (unit_factor(s.unit, unit) * s.per_day) for s, c in items)
            total_max = float(np.max(total))
        if total_max > max_daily * margin:
            return f"{drug}: a day's total at or near its daily ceiling for some patient"
    return None


def _dependent_drugs(regimen: Regimen, slots: Sequence[_Slot]) -> list[str]:
    """The drugs with a dose that depends on height or weight (not flat) on some day."""
    by_id = {c.id: c for c in regimen.components}
    return [s.drug for s in slots if not isinstance(by_id[s.component].dose_on(s.day), Flat)]


def _per_patient_doses(
    regimen: Regimen,
    cohort: Cohort,
    policy: DosingPolicy,
    slots: Sequence[_Slot],
    cycles: int,
    rule_set: str,
    progress: bool,
) -> list[list[_Column]]:
    """Per cycle, per slot, every patient's dose read off their own schedule."""
    n = len(cohort)
    out = [[np.zeros(n) for _ in slots] for _ in range(cycles)]
    bar = _Progress("scheduling patients", n, progress)
    for i in range(n):
        bar.update(i)
        patient, conc = cohort.patient(i), cohort.concomitant(i)
        for c in range(cycles):
            s = build_schedule(
                regimen, patient, cycle=c + 1, concomitant=conc, rule_set=rule_set, policy=policy
            )
            for k, value in enumerate(_schedule_doses(s, slots)):
                out[c][k][i] = value
    bar.update(n)
    bar.done()
    return [[_Column(values=arr) for arr in cycle] for cycle in out]


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, eq=False)
class DrugForecast:
    """One drug of a forecast: totals per patient and for the cohort, and the packs needed.

    Attributes:
        drug: the generic name.
        unit: the unit of every total, in ISMP notation (``mg``, ``mcg``).
        pack_rule: how packs are counted, or why they are not.
        pint_unit: the ``ureg`` unit of the totals.
        presentation: the catalog presentation, or ``None``.
        strengths: the pack strengths counted (``"480 mcg"``), empty when packs are not counted.
        per_patient: per patient, the total dose over all cycles (float array, in ``unit``).
        packs_per_patient: per strength, per patient, the packs over all cycles (int arrays).
    """

    drug: str
    unit: str
    pack_rule: str
    presentation: Presentation | None
    strengths: tuple[str, ...]
    per_patient: np.ndarray
    packs_per_patient: Mapping[str, np.ndarray]
    pint_unit: pint.Unit = attrs.field(repr=False)

    @property
    def total(self) -> float:
        """The cohort's total dose over all cycles, in ``unit``."""
        return float(self.per_patient.sum())

    @property
    def packs(self) -> dict[str, int]:
        """The cohort's packs of each strength over all cycles."""
        return {s: int(a.sum()) for s, a in self.packs_per_patient.items()}


def _number(value: float) -> str:
    """A plain number for CSV/JSON text: half-up to 4 decimals, no trailing zero, no comma."""
    d = half_up(float(value), Decimal("0.0001")).normalize()
    return format(d.quantize(Decimal(1)) if d == d.to_integral_value() else d, "f")


@attrs.frozen(kw_only=True, eq=False)
class Forecast:
    """A cohort forecast: per-patient and per-drug totals and packs, and how they were computed.

    Attributes:
        regimen: the regimen's id.
        cycles: the number of cycles summed.
        method: ``"vectorised"`` or ``"per-patient"``.
        fallback_reason: why the per-patient path was used, or ``None``.
        policy: the dosing policy used.
        rule_set: the venetoclax interaction rule set.
        patient_ids: one identifier per patient.
        concomitant_sets: the distinct sets of concomitant drug names.
        concomitant_group: per patient, the index of its set.
        drugs: one :class:`DrugForecast` per drug, in the regimen's order.
        notes: what a reader must know: how packs are counted (or why they are not), the
            assumed, not-stated and site values behind the totals, the warnings about them, and
            the hold rules a forecast cannot apply.
        files: every file the regimen was read from (role, path, SHA-256), the regimen's own
            first; empty for a regimen built in code.

    Every output names the files and carries every note: :meth:`to_text` lists the files under
    its heading (short hash, as a printed schedule) and the notes at the end; :meth:`to_dict`
    has ``files`` and ``notes``; :meth:`to_csv` adds a ``source_files`` row, a ``method`` row
    and one ``note`` row per note after the ``total`` row.
    """

    regimen: str
    cycles: int
    method: Literal["vectorised", "per-patient"]
    fallback_reason: str | None
    policy: DosingPolicy
    rule_set: str
    patient_ids: Sequence[str]
    concomitant_sets: tuple[tuple[str, ...], ...]
    concomitant_group: np.ndarray
    drugs: tuple[DrugForecast, ...]
    notes: tuple[str, ...]
    files: tuple[SourceFile, ...] = ()

    @property
    def method_text(self) -> str:
        """The path used, with the reason when it is the per-patient fallback."""
        if self.fallback_reason is None:
            return self.method
        return f"{self.method}: {self.fallback_reason}"

    @property
    def concomitant(self) -> tuple[tuple[str, ...], ...]:
        """Per patient, the resolved concomitant drug names."""
        return tuple(self.concomitant_sets[g] for g in self.concomitant_group.tolist())

    def drug(self, name: str) -> DrugForecast:
        """The forecast of one drug."""
        for d in self.drugs:
            if d.drug == name:
                return d
        raise InputError("drug", f"one of {', '.join(d.drug for d in self.drugs)}", name)

    def csv_columns(self) -> list[str]:
        """The CSV header: fixed columns, per drug its total and a column per strength, ``note``."""
        cols = ["row", "patient_id", "concomitant", "cycles"]
        for d in self.drugs:
            cols.append(f"{d.drug} total ({d.unit})")
            kind = d.presentation.kind if d.presentation is not None else ""
            cols += [f"{d.drug} {s} {kind} (count)" for s in d.strengths]
        return [*cols, "note"]

    def to_csv(self) -> str:
        """One row per patient (``row`` = ``patient``), one ``total`` row, then what they rest on.

        After the ``total`` row come one ``source_files`` row (the files the regimen was read from
        with their full SHA-256, as the schedule CSV's ``source_files`` column), one ``method``
        row (``vectorised``, or ``per-patient:`` and why) and one ``note`` row per note, in the
        order the text prints them. Their text is in the last column, ``note``, which is empty on
        the patient and total rows; their other cells are empty, so a number column holds only
        numbers and ``csv.DictReader`` reads every row with the same keys: select by ``row``.

        CRLF line ends (RFC 4180). A text cell (patient id, concomitant drugs, a heading, a note)
        that a spreadsheet would read as a formula gets a leading ``'``
        (:func:`~regimen_calc.wording.ismp.spreadsheet_text`); numbers are written as numbers.
        """

        buf = io.StringIO()
        # CRLF, as RFC 4180 and the schedule CSV: Python's csv module quotes a cell holding a
        # carriage return only when the line terminator has one, so "\n" would let a CR in a
        # patient id end the row.
        writer = csv.writer(buf, lineterminator="\r\n")
        # Text cells (a patient id such as =HYPERLINK(...), a drug name) are guarded against
        # formulas as in the schedule CSV; the numbers are written as numbers.
        writer.writerow([spreadsheet_text(c) for c in self.csv_columns()])
        conc = self.concomitant
        for i, pid in enumerate(self.patient_ids):
            row: list[object] = [
                "patient",
                spreadsheet_text(pid),
                spreadsheet_text("; ".join(conc[i])),
                self.cycles,
            ]
            for d in self.drugs:
                row.append(_number(d.per_patient[i]))
                row += [int(d.packs_per_patient[s][i]) for s in d.strengths]
            writer.writerow([*row, ""])
        total: list[object] = ["total", "", "", self.cycles]
        for d in self.drugs:
            total.append(_number(d.total))
            total += [d.packs[s] for s in d.strengths]
        writer.writerow([*total, ""])
        blank = [""] * (len(total) - 1)
        about = [
            ("source_files", source_files_text(self)),
            ("method", self.method_text),
            *(("note", note) for note in self.notes),
        ]
        for kind, text in about:
            writer.writerow([kind, *blank, spreadsheet_text(text)])
        return buf.getvalue()

    def to_dict(self, *, patients: bool = True) -> dict[str, Any]:
        """The forecast as JSON-able data; ``patients=False`` leaves out the per-patient rows."""
        drugs = []
        for d in self.drugs:
            q = ureg.Quantity(d.total, d.pint_unit)
            drugs.append(
                {
                    "drug": d.drug,
                    "total": {
                        "value": d.total,
                        "unit": d.unit,
                        "text": format_quantity(q, decimals=3),
                    },
                    "pack_rule": d.pack_rule,
                    "presentation": None
                    if d.presentation is None
                    else {
                        "kind": d.presentation.kind,
                        "strengths": list(d.strengths),
                        "source": d.presentation.source,
                    },
                    "packs": [{"strength": s, "count": n} for s, n in d.packs.items()],
                }
            )
        out: dict[str, Any] = {
            "schema_version": "1.1",
            "regimen": self.regimen,
            "files": [f.to_dict() for f in self.files],
            "cycles": self.cycles,
            "patients_count": len(self.patient_ids),
            "method": self.method,
            "fallback_reason": self.fallback_reason,
            "policy": self.policy.describe(),
            "rule_set": self.rule_set,
            "notes": list(self.notes),
            "drugs": drugs,
        }
        if patients:
            conc = self.concomitant
            out["patients"] = [
                {
                    "id": pid,
                    "concomitant": list(conc[i]),
                    "drugs": {
                        d.drug: {
                            "total": {"value": float(d.per_patient[i]), "unit": d.unit},
                            "packs": [
                                {"strength": s, "count": int(d.packs_per_patient[s][i])}
                                for s in d.strengths
                            ],
                        }
                        for d in self.drugs
                    },
                }
                for i, pid in enumerate(self.patient_ids)
            ]
        return out

    def to_text(self, *, patients: bool = True) -> str:
        """A plain-text table: the files, per-drug totals, one line per patient and drug, notes."""

        n = len(self.patient_ids)
        cyc = "cycle" if self.cycles == 1 else "cycles"
        lines = [
            f"Forecast: {self.regimen}, {n:,} patient{'s' if n != 1 else ''} "
            f"× {self.cycles} {cyc} ({self.method_text})",
            *_table(source_file_rows(self)),
            "",
        ]
        rows = [("Drug", "Total", "Packs")]
        for d in self.drugs:
            rows.append((d.drug, _quantity_text(d.total, d), _packs_text(d.packs, d)))
        lines += _table(rows)
        if patients:
            conc = self.concomitant
            lines += ["", "Per patient"]
            prow = [("Patient", "Concomitant", "Drug", "Total", "Packs")]
            for i, pid in enumerate(self.patient_ids):
                for d in self.drugs:
                    packs = {s: int(d.packs_per_patient[s][i]) for s in d.strengths}
                    prow.append(
                        (
                            pid,
                            ", ".join(conc[i]) or "-",
                            d.drug,
                            _quantity_text(float(d.per_patient[i]), d),
                            _packs_text(packs, d),
                        )
                    )
            lines += _table(prow)
        if self.notes:
            lines += ["", "Notes"] + [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def _quantity_text(value: float, d: DrugForecast) -> str:
    return format_quantity(ureg.Quantity(value, d.pint_unit), decimals=3)


def _packs_text(packs: Mapping[str, int], d: DrugForecast) -> str:
    if not d.strengths:
        return "not counted"
    kind = d.presentation.kind if d.presentation is not None else ""
    used = [f"{n:,} × {s}" for s, n in packs.items() if n]
    return (" + ".join(used) + f" {kind}s") if used else "none"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    return ["  ".join(cell.ljust(widths[j]) for j, cell in enumerate(r)).rstrip() for r in rows]


# --------------------------------------------------------------------------------------------
# forecast()
# --------------------------------------------------------------------------------------------


def _aggregate(
    order: Sequence[str],
    slots: Sequence[_Slot],
    doses_by_cycle: Sequence[Sequence[_Column]],
    group: np.ndarray,
) -> tuple[DrugForecast, ...]:
    """Totals and packs per drug. Shared by both paths so that only the doses can differ."""
    n = group.size
    drugs: dict[str, list[int]] = {drug: [] for drug in order}
    for k, slot in enumerate(slots):
        drugs.setdefault(slot.drug, []).append(k)
    out = []
    for drug, ks in drugs.items():
        if not ks:
            continue
        info = drug_info(drug)
        pres = info.presentations
        kind = _pack_kind(pres)
        unit = slots[ks[0]].unit
        strengths = (
            tuple(format_quantity(s) for s in pres.strengths) if pres and kind != "none" else ()
        )
        sizes = [] if pres is None else [s.to(unit).magnitude for s in pres.strengths]

        def count(
            values: np.ndarray,
            unit: pint.Unit = unit,
            pres: Presentation | None = pres,
            kind: str = kind,
            sizes: list[float] = sizes,
        ) -> np.ndarray:
            assert pres is not None
            if kind == "tablet":
                return _tablet_counts(values, unit, pres)
            return single_use_units(values, sizes)

        # Where every dose of the drug depends only on the concomitant set (venetoclax), sum per
        # set and spread to patients at the end: each patient's float operations are the same.
        in_groups = all(doses[k].per_group is not None for doses in doses_by_cycle for k in ks)
        size = len(doses_by_cycle[0][ks[0]].per_group) if in_groups else n  # type: ignore[arg-type]
        # Each distinct dose column (the same doses on cladribine days 1-5, in every cycle) is
        # multiplied by the number of times it is given, instead of added once per slot: one
        # rounding per distinct column instead of one per slot. Columns are told apart by
        # content, so that both paths, which share arrays differently, group and add them in
        # the same order.
        given: list[list[Any]] = []  # [column, values, factor, times], in order of first use
        for doses in doses_by_cycle:
            for k in ks:
                slot, column = slots[k], doses[k]
                values = column.per_group if in_groups else column.values
                assert values is not None
                factor = 1.0 if slot.unit == unit else ureg.Quantity(1.0, slot.unit).to(unit).m
                for entry in given:
                    if entry[2] == factor and (
                        entry[1] is values or np.array_equal(entry[1], values)
                    ):
                        entry[3] += slot.per_day
                        break
                else:
                    given.append([column, values, factor, slot.per_day])
        total: np.ndarray | None = None  # the first term alone: 0 + x is x for every dose
        packs: dict[str, np.ndarray] = {}
        for column, values, factor, times in given:
            dose = values if factor == 1.0 else values * factor  # as pint's .to() does
            total = dose * times if total is None else total + dose * times
            if kind == "none":
                continue
            if not in_groups and column.per_group is not None:
                per_group = column.per_group
                per_group = per_group if factor == 1.0 else per_group * factor
                counts = count(per_group)[:, group]
            else:
                counts = count(dose)
            for j, s in enumerate(strengths):
                packs[s] = counts[j] * times if s not in packs else packs[s] + counts[j] * times
        total = np.zeros(size) if total is None else total
        packs = {s: packs.get(s, np.zeros(size, dtype=np.int64)) for s in strengths}
        if in_groups:
            total = total[group]
            packs = {s: a[group] for s, a in packs.items()}
        forecast_drug = DrugForecast(
            drug=drug,
            unit=format_unit(unit),
            pack_rule=_pack_rule(drug, pres),
            presentation=pres if kind != "none" else None,
            strengths=strengths,
            per_patient=total,
            packs_per_patient=packs,
            pint_unit=unit,
        )
        out.append(forecast_drug)
    return tuple(out)


def _cohort(patients: Cohort | Sequence[Patient], concomitant_by_patient: object) -> Cohort:
    if isinstance(patients, Cohort):
        if concomitant_by_patient is not None:
            raise InputError(
                "concomitant_by_patient",
                "None when patients is a Cohort (it holds them)",
                "a value",
            )
        return patients
    return Cohort.from_patients(patients, concomitant=concomitant_by_patient)  # type: ignore[arg-type]


def forecast(
    regimen: Regimen,
    patients: Cohort | Sequence[Patient],
    *,
    cycles: int = 1,
    concomitant_by_patient: Sequence[object] | Mapping[str, object] | None = None,
    policy: DosingPolicy | None = None,
    rule_set: str = "label",
    progress: bool = False,
    vectorised: bool = True,
) -> Forecast:
    """Forecast a regimen for a cohort: totals per patient and drug, and the packs needed.

    Args:
        regimen: a loaded regimen.
        patients: a :class:`Cohort` (from
            :func:`regimen_calc.io.patients_csv.read_patients_csv` or :meth:`Cohort.from_arrays`)
            or a sequence of :class:`Patient` objects.
        cycles: the number of cycles (1 up to the regimen's number of cycles, or up to
            :data:`MAX_FORECAST_CYCLES` when the regimen does not state it); cycle 1 to
            ``cycles`` are summed.
        concomitant_by_patient: with a sequence of patients, each patient's concomitant drugs
            (names or :class:`Concomitant` objects), as a sequence in patient order or a mapping
            from ``Patient.identifier``; ``None`` for none.
        policy: the dosing policy; the default ``DosingPolicy()`` when not given (one shared
            instance: policies are immutable).
        rule_set: the venetoclax interaction rule set (``"label"`` or ``"protocol"``).
        progress: show a progress line on stderr (only when stderr is a terminal).
        vectorised: ``False`` forces the per-patient path (for checking, or timing).

    Returns:
        A :class:`Forecast`; its ``method`` and ``fallback_reason`` say which path was used.

    Raises:
        InputError: a bad argument, a cycle count the regimen does not allow.
        PatientDataError: unknown concomitant drugs.
        MissingSiteValuesError, TabletCompositionError: as ``build_schedule`` raises them.
    """
    if not isinstance(regimen, Regimen):
        raise InputError("regimen", "a Regimen from load_regimen()", type(regimen).__name__)
    progress = check_flag("progress", progress)
    vectorised = check_flag("vectorised", vectorised)
    limit = regimen.cycle.max_cycles
    stated = limit is not None
    if limit is None:
        limit = MAX_FORECAST_CYCLES
    if isinstance(cycles, bool) or not isinstance(cycles, int) or not 1 <= cycles <= limit:
        why = (
            f"{regimen.id} gives at most {limit}"
            if stated
            else f"{regimen.id} does not state its number of cycles; a forecast sums at most "
            f"{limit}"
        )
        raise InputError("cycles", f"a whole number from 1 to {limit} ({why})", cycles)
    policy = default_policy() if policy is None else policy
    if not isinstance(policy, DosingPolicy):
        raise InputError("policy", "a DosingPolicy", type(policy).__name__)
    cohort = _cohort(patients, concomitant_by_patient)
    n = len(cohort)
    if n == 0:
        raise InputError("patients", "at least one patient", "none")

    # One full schedule per cycle for the first patient of each concomitant set: the engine's own
    # answer for everything that does not depend on height and weight, and the check.
    group = cohort.concomitant_group
    reps: dict[int, list[Schedule]] = {}
    firsts: dict[int, int] = {}
    for g in range(len(cohort.concomitant_sets)):
        members = np.flatnonzero(group == g)
        if members.size == 0:
            continue
        first = firsts[g] = int(members[0])
        reps[g] = [
            build_schedule(
                regimen,
                cohort.patient(first),
                cycle=c,
                policy=policy,
                concomitant=cohort.concomitant_sets[g],
                rule_set=rule_set,
            )
            for c in range(1, cycles + 1)
        ]
    slots = _slots(next(iter(reps.values()))[0])

    reasons: list[str] = [] if vectorised else ["the per-patient path was asked for"]
    if vectorised:
        reasons += _policy_gaps(policy, _dependent_drugs(regimen, slots))
    rep_doses: dict[int, tuple[int, list[float]]] = {}  # per set: first patient, their doses
    if not reasons:
        for g, scheds in reps.items():
            if any(_slots(s) != slots for s in scheds):
                reasons.append("the administrations differ between concomitant sets or cycles")
                break
            first = _schedule_doses(scheds[0], slots)
            if any(_schedule_doses(s, slots) != first for s in scheds[1:]):
                reasons.append("the doses differ from cycle to cycle")
                break
            rep_doses[g] = (firsts[g], first)
    doses = None
    if not reasons:
        doses = _vectorised_doses(regimen, cohort, policy, slots, rep_doses, reasons)
    if doses is not None:
        doses_by_cycle: Sequence[Sequence[_Column]] = [doses] * cycles
        method: Literal["vectorised", "per-patient"] = "vectorised"
    else:
        doses_by_cycle = _per_patient_doses(
            regimen, cohort, policy, slots, cycles, rule_set, progress
        )
        method = "per-patient"

    drugs = _aggregate([c.drug for c in regimen.components], slots, doses_by_cycle, group)
    names_by_set = [tuple(c.name for c in cs) for cs in cohort.concomitant_sets]
    notes = [f"{d.drug}: {d.pack_rule}" for d in drugs]
    # The totals rest on the regimen's values: say which are assumed, not stated or site values,
    # as every schedule does (kinds that depend on the patient, such as holds, are left out).
    provenance = dict.fromkeys(
        f"{w.kind.replace('_', ' ')}: {w.message}"
        for scheds in reps.values()
        for sched in scheds
        for w in sched.warnings
        if w.kind in ("assumed", "not_stated", "site", "cycle", "rounding")
        or (w.kind == "interaction" and "ABOVE the label" in w.message)
    )
    notes += list(provenance)
    if any(d.rounding is not None for d in getattr(policy, "drugs", {}).values()):
        notes.append(
            "rounding: where a drug's rounding would pass its maximum deviation, that patient's "
            "schedule flags the dose for pharmacist review; such doses are counted unrounded here"
        )
    notes += [
        f"hold rule not applied: {comp.drug}: {cond.text} A forecast has no laboratory values, "
        "so the totals count every dose."
        for comp in regimen.components
        for cond in comp.conditions
    ]
    return Forecast(
        regimen=regimen.id,
        cycles=cycles,
        method=method,
        fallback_reason="; ".join(reasons) or None,
        policy=policy,
        rule_set=rule_set,
        patient_ids=cohort.ids,
        concomitant_sets=tuple(names_by_set),
        concomitant_group=group,
        drugs=drugs,
        notes=tuple(notes),
        files=regimen.files,
    )
