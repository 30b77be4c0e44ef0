"""Dosing policy: BSA formula and rounding, weight basis, dose-level modifications, and how a
calculated dose becomes the dose to give.

The default policy (``DosingPolicy()``) is deliberately plain: Mosteller BSA rounded half-up to
2 decimals and used for every calculation; no BSA cap; actual body weight; and the dose to give
equal to the calculated dose rounded half-up to 2 decimals of its own unit (0.01 mg, 0.01 mcg) —
no clinical rounding. Never the built-in ``round()``, which rounds half to even on binary floats.

An institution adds per-drug rules (see docs/safety.md and ``data/policies/``):

* ``weight_basis``: ``"actual"`` (default), ``"ideal"`` (Devine) or ``"adjusted"``
  (IBW + 0.4 × (actual − IBW)); the last two need the patient's sex and height.
* ``rounding``: :class:`Increment` (nearest 10 mg), :class:`NearestPack` (nearest total of
  300 and 480 mcg syringes) or :class:`ExactComposition` (tablets: the dose must be made exactly).
* ``max_deviation_percent``: how far rounding may move a dose (default 10%, the HOPA position).
  A rounding beyond it is never given silently: the administration is *flagged* for pharmacist
  review and the dose to give stays the unrounded dose.
* ``modification``: a dose level such as 75%, with the reason every output prints.

Pure: no file access. ``regimen_calc.io.policy_files.load_policy`` reads institution YAML files.
"""

from __future__ import annotations

import decimal
import functools
import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import attrs
import pint

from regimen_calc._checks import float_array, is_number
from regimen_calc.content.body_weight import adjusted_body_weight, ideal_body_weight
from regimen_calc.content.bsa import BSA_FORMULAS
from regimen_calc.content.catalog import drug_info, known_drugs
from regimen_calc.engine.cumulative import equivalence_scales
from regimen_calc.engine.tablets import compose_tablets
from regimen_calc.errors import InputError, RegimenCalcError
from regimen_calc.units import as_quantity, unit, ureg
from regimen_calc.wording import rule_messages

if TYPE_CHECKING:
    from regimen_calc.model.patient import Patient

__all__ = [
    "HALF_UP_PRECISION",
    "WEIGHT_BASES",
    "DoseModification",
    "DosingPolicy",
    "DrugPolicy",
    "ExactComposition",
    "Increment",
    "NearestPack",
    "RoundingResult",
    "half_up",
    "half_up_array",
    "half_up_limit",
    "round_bsa",
]

#: The weight bases a per-weight dose may use.
WEIGHT_BASES: tuple[str, ...] = ("actual", "ideal", "adjusted")
#: The adjusted-body-weight factor: IBW + 0.4 × (actual − IBW).
ADJUSTED_FACTOR = 0.4
#: The widest max deviation a policy may set (beyond 50% "rounding" is a different dose).
MAX_DEVIATION_LIMIT = 50.0
#: The HOPA position (Fahrenbruch et al., JOP 2018): rounding within 10% is acceptable.
DEFAULT_MAX_DEVIATION = 10.0
#: Largest table the nearest-pack search builds (pack totals in steps of the packs' divisor).
_MAX_PACK_STEPS = 200_000

_MASS = ureg.gram.dimensionality


_M2 = ureg.Unit("m**2")
_KG = ureg.Unit("kg")

#: A computed BSA is first rounded half-up to this many decimals, then to the policy's decimals.
#: Binary arithmetic can land a hair below an exact tie: Mosteller for 197.5 cm and 71.1 kg is
#: exactly √3.900625 = 1.975 m², but the float is 1.9749999999999999, which would round to 1.97.
#: No measured height or weight carries 10 decimals, so this reads the float as the value it
#: stands for (1.975 → 1.98, as a pharmacist's calculator gives).
BSA_CLEAN_DECIMALS = 10


def round_bsa(value: float, decimals: int) -> Decimal:
    """Round a computed BSA half-up to ``decimals``, reading float noise at ties as the tie.

    >>> round_bsa(1.9749999999999999, 2)
    Decimal('1.98')
    >>> round_bsa(1.8181, 2)
    Decimal('1.82')
    """
    clean = half_up(value, Decimal(1).scaleb(-BSA_CLEAN_DECIMALS))
    return half_up(clean, Decimal(1).scaleb(-decimals))


@functools.lru_cache(maxsize=64)
def _plain_rule(step: Decimal, units: Any) -> str:

    return rule_messages.plain_rule(step, ureg.Unit(units))


def half_up(value: float | Decimal, step: Decimal) -> Decimal:
    """Round ``value`` half-up to a multiple of ``step`` on its decimal representation.

    >>> half_up(2.675, Decimal("0.01"))
    Decimal('2.68')
    >>> half_up(87.5, Decimal("5"))
    Decimal('90')

    Raises:
        InputError: naming ``value`` for an infinite value or one of
            :func:`half_up_limit` ``(step)`` or more in size (1E+26 for a step of 0.01): the
            rounding works to :data:`HALF_UP_PRECISION` digits and refuses what it cannot
            round exactly. A NaN gives ``Decimal('NaN')``.
    """
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    limit = half_up_limit(step)
    if exact.is_infinite() or (exact.is_finite() and abs(exact) >= limit):
        raise _too_large("value", step, limit, value)
    with decimal.localcontext() as ctx:
        ctx.prec = HALF_UP_PRECISION
        try:
            units = (exact / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        except decimal.InvalidOperation:  # a Decimal within half a step of the limit
            raise _too_large("value", step, limit, value) from None
        return units * step


#: The decimal digits :func:`half_up` computes with.
HALF_UP_PRECISION = 28


def half_up_limit(step: Decimal) -> Decimal:
    """The size from which :func:`half_up` refuses a value for ``step`` (a power of ten).

    Below it, the count of steps times the step's digits fits in :data:`HALF_UP_PRECISION`
    digits, so the rounded value is exact: ``10^(28 + the step's exponent)``, 1E+26 for 0.01,
    1E+28 for 5.

    >>> half_up_limit(Decimal("0.01")), half_up_limit(Decimal("5"))
    (Decimal('1E+26'), Decimal('1E+28'))
    """
    exponent = step.as_tuple().exponent
    assert isinstance(exponent, int)  # a step is a finite Decimal
    return Decimal(1).scaleb(HALF_UP_PRECISION + exponent)


def _too_large(field: str, step: Decimal, limit: Decimal, found: object) -> InputError:
    return InputError(
        field,
        f"a value below {limit} in size (rounding to {step} works to {HALF_UP_PRECISION} digits)",
        found,
    )


# half_up_array: values this close to a half step, or this large, are rounded with Decimal.
_TIE_TOLERANCE = 1e-6
_FAST_LIMIT = 2.0**29


def half_up_array(values: Any, decimals: int, *, bsa: bool = False) -> Any:
    """Round every value half-up to ``decimals`` places, exactly as :func:`half_up` does.

    :func:`half_up` rounds the decimal a float's ``repr`` shows (``2.675`` → ``2.68``), not the
    binary float (numpy's ``round`` rounds half to even on the binary value: 2.67). Here
    ``floor(x·10^d + 0.5)`` decides every value whose scaled form is more than 1e-6 from a half
    step: for ``|x·10^d| < 2^29`` the float error of ``repr``, of the product and of the
    addition is below 2e-7, so it cannot cross a half step that far away. Values within 1e-6 of
    a half step (the ties, where the float error decides) and larger values are rounded with
    :func:`half_up` itself. The result is ``units / 10^d``, which is correctly rounded and so
    the same float as ``float(Decimal)``. ``tests/test_policy.py`` checks the equality as a
    property, ties included.

    Args:
        values: a float64 array of finite numbers (a numpy array, or any array with an
            ``__array_namespace__``), of any shape; it is not changed. Other dtypes (int,
            float32, bool, text, objects) are refused, not converted.
        decimals: decimal places, from 0 to 6.
        bsa: round as :func:`round_bsa` does (ties read through float noise), for body-surface
            areas.

    Returns:
        A new float64 array of the same shape, in the same namespace.

    Raises:
        InputError: for a NaN or infinite value, a bad ``decimals``, values that are not a
            float64 array, or a value :func:`half_up` refuses as too large (1E+26 and above
            for 2 decimals; 1E+18 with ``bsa``).

    >>> import numpy as np
    >>> half_up_array(np.array([2.675, 2.665, 1.005, 0.125]), 2).tolist()
    [2.68, 2.67, 1.01, 0.13]
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        raise InputError("decimals", "a whole number from 0 to 6", decimals)
    xp, x = float_array(values, "values", one_d=False)
    if not bool(xp.all(xp.isfinite(x))):
        raise InputError("values", "finite numbers (no NaN or infinity)", "a NaN or infinite value")
    # half_up refuses values from its limit on, for each step it rounds to (round_bsa rounds
    # to 10 decimals first). The limit is a power of ten whose float prints as itself, so a
    # float is below it exactly when the decimal half_up reads from it is.
    steps = [Decimal(1).scaleb(-decimals)]
    if bsa:
        steps.insert(0, Decimal(1).scaleb(-BSA_CLEAN_DECIMALS))
    if x.size:
        size = max(abs(float(xp.max(x))), abs(float(xp.min(x))))
        for step in steps:
            limit = half_up_limit(step)
            if size >= float(limit):
                raise _too_large("values", step, limit, size)
    return _half_up(xp, x, decimals, bsa=bsa)


def _half_up(xp: Any, x: Any, decimals: int, *, bsa: bool = False) -> Any:
    """:func:`half_up_array` for a float64 array of namespace ``xp`` already checked finite."""
    shape = x.shape
    x = xp.reshape(x, (-1,))
    scale = float(10**decimals)
    t = x * scale
    t += 0.5
    out = xp.floor(t)  # floor(x·10^d + 0.5): the same operations as the docstring's
    # How far x·10^d + 0.5 sits above the integer below it; a half step of x·10^d is an integer
    # here, so a tie is a distance within the tolerance of 0 or of 1: |t - 0.5| near 0.5.
    t -= out
    t -= 0.5
    t = xp.abs(t)
    out /= scale
    if not x.shape[0]:
        return xp.reshape(out, shape)
    large = max(abs(float(xp.max(x))), abs(float(xp.min(x)))) * scale >= _FAST_LIMIT
    if large or float(xp.max(t)) > 0.5 - _TIE_TOLERANCE:  # some tie or large value: find them
        exact = t > 0.5 - _TIE_TOLERANCE
        if large:
            exact = exact | (xp.abs(x * scale) >= _FAST_LIMIT)
        step = Decimal(1).scaleb(-decimals)
        where = xp.nonzero(exact)[0]
        distinct, inverse = xp.unique_inverse(xp.take(x, where))
        count = distinct.shape[0]
        if bsa:  # exactly as DosingPolicy.bsa_for_calculation: round_bsa
            found = [float(round_bsa(float(distinct[i]), decimals)) for i in range(count)]
        else:
            found = [float(half_up(float(distinct[i]), step)) for i in range(count)]
        rounded = xp.asarray(found, dtype=xp.float64)
        out[where] = xp.take(rounded, xp.reshape(inverse, (-1,)))
    return xp.reshape(out, shape)


def _dec(x: float) -> Decimal:
    """A float as the decimal it prints as (``0.1`` → ``Decimal('0.1')``), 12 significant digits.

    Unit conversions leave binary noise (0.3 mg → 300.00000000000006 mcg); 12 significant digits
    drop it while keeping far more precision than any dose has.
    """
    return Decimal(format(float(x), ".12g"))


def _is_number(value: object) -> bool:
    return is_number(value)


#: How a written mass names its unit: the ISMP symbols the printed schedule uses, as in regimen
#: files (``µg`` and ``ug`` read as the same mass to pint, but ``µg`` is misread as mg).
_MASS_SYMBOLS = ("mcg", "mg", "g")


def _mass(value: object, field: str, example: str) -> pint.Quantity:
    q = as_quantity(value, field=field, dimension="mass", example=example)
    if isinstance(value, str) and value.strip().lstrip("0123456789. ") not in _MASS_SYMBOLS:
        micro = q.units == ureg.microgram
        raise InputError(
            field,
            f"a mass written in mcg, mg or g, such as {example!r}"
            + (" (write mcg for micrograms)" if micro else ""),
            value,
        )
    if q.magnitude <= 0:
        raise InputError(field, f"a mass above 0, such as {example!r}", str(value))
    return q


# ------------------------------------------------------------------------------ rule objects


@attrs.frozen
class Increment:
    """Round to the nearest multiple of ``step`` (half-up), such as 10 mg or 0.1 mg."""

    step: pint.Quantity = attrs.field(converter=lambda v: _mass(v, "rounding.step", "10 mg"))

    def describe(self) -> str:

        return rule_messages.increment_rule(self.step)


def _sizes(value: object) -> tuple[pint.Quantity, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple) or not value:
        raise InputError(
            "rounding.sizes", "a list of pack sizes such as ['300 mcg', '480 mcg']", value
        )
    sizes = tuple(_mass(v, f"rounding.sizes[{i}]", "300 mcg") for i, v in enumerate(value))
    for i, size in enumerate(sizes):
        # Packs are counted in whole micrograms (as tablets are): 300.4 mcg is no pack size.
        mcg = size.to(unit("mcg")).magnitude
        if abs(mcg - math.floor(mcg + 0.5)) > 1e-9 * max(1.0, mcg):
            raise InputError(f"rounding.sizes[{i}]", "a pack size in whole micrograms", str(size))
    return sizes


def _max_packs(_i: object, _a: object, value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InputError("rounding.max_packs", "None or a whole number from 1", value)


@attrs.frozen
class NearestPack:
    """Round to the nearest total that whole packs make (300 and 480 mcg syringes).

    A tie goes to the larger total (half-up). ``max_packs`` limits how many packs one dose may
    use (1: a single syringe); ``None`` allows any number.
    """

    sizes: tuple[pint.Quantity, ...] = attrs.field(converter=_sizes)
    max_packs: int | None = attrs.field(default=None, validator=_max_packs)

    def describe(self) -> str:

        return rule_messages.pack_rule(self.sizes, self.max_packs)


@attrs.frozen
class ExactComposition:
    """Oral forms: no rounding; the dose must be made exactly from the catalog's strengths."""

    def describe(self) -> str:
        return rule_messages.exact_composition_rule()


Rounding = Increment | NearestPack | ExactComposition


def _percent(field: str, low: float, high: float, *, low_open: bool = False) -> object:
    def check(_i: object, _a: object, value: object) -> None:
        ok = _is_number(value) and (low < value if low_open else low <= value) and value <= high
        if not ok:
            words = f"above {low:g}" if low_open else f"from {low:g}"
            raise InputError(field, f"a percentage {words} to {high:g}", value)

    return check


def _reason(_i: object, _a: object, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InputError(
            "modification.reason",
            "the reason for the dose level, as text (printed on every output)",
            value,
        )


@attrs.frozen(kw_only=True)
class DoseModification:
    """A dose level for one drug: ``percent`` of the calculated dose (0 < percent ≤ 100)."""

    percent: float = attrs.field(validator=_percent("modification.percent", 0, 100, low_open=True))
    reason: str = attrs.field(validator=_reason)

    def apply(self, dose: pint.Quantity) -> pint.Quantity:
        """``percent`` of ``dose``, computed on decimals (75% of 14 mg is exactly 10.5 mg)."""
        value = _dec(dose.magnitude) * _dec(self.percent) / 100
        return ureg.Quantity(float(value), dose.units)

    def describe(self) -> str:

        return rule_messages.dose_level(self.percent, self.reason)


def _weight_basis(_i: object, _a: object, value: object) -> None:
    if not isinstance(value, str) or value not in WEIGHT_BASES:
        raise InputError("weight_basis", f"one of {', '.join(WEIGHT_BASES)}", value)


def _rounding_rule(_i: object, _a: object, value: object) -> None:
    if value is not None and not isinstance(value, Increment | NearestPack | ExactComposition):
        raise InputError(
            "rounding", "None, Increment(...), NearestPack(...) or ExactComposition()", value
        )


def _optional_deviation(_i: object, _a: object, value: object) -> None:
    if value is not None:
        _percent("max_deviation_percent", 0, MAX_DEVIATION_LIMIT)(_i, _a, value)


def _modification(_i: object, _a: object, value: object) -> None:
    if value is not None and not isinstance(value, DoseModification):
        raise InputError("modification", "None or DoseModification(percent=..., reason=...)", value)


@attrs.frozen(kw_only=True)
class DrugPolicy:
    """One drug's rules: weight basis, rounding, its max deviation and a dose level."""

    weight_basis: Literal["actual", "ideal", "adjusted"] = attrs.field(
        default="actual", validator=_weight_basis
    )
    rounding: Rounding | None = attrs.field(default=None, validator=_rounding_rule)
    max_deviation_percent: float | None = attrs.field(default=None, validator=_optional_deviation)
    modification: DoseModification | None = attrs.field(default=None, validator=_modification)

    def __attrs_post_init__(self) -> None:
        # Exact composition never moves a dose, so a deviation limit would be accepted and
        # never read.
        if isinstance(self.rounding, ExactComposition) and self.max_deviation_percent is not None:
            raise InputError(
                "max_deviation_percent",
                "no value with exact_composition (tablets make each dose exactly; it is never "
                "rounded, so no deviation limit applies)",
                self.max_deviation_percent,
            )


_PLAIN = DrugPolicy()


@attrs.frozen(kw_only=True)
class RoundingResult:
    """How a dose to give was reached from the unrounded dose.

    ``dose`` is what to give. ``proposed`` is what the rule rounded to; ``deviation`` is the
    proposal's deviation from ``unrounded`` as a fraction (−0.1429 for 350 → 300 mcg). When
    ``flagged``, the proposal was *not* used: ``dose == unrounded`` and ``reason`` says why; a
    pharmacist must review it.
    """

    dose: pint.Quantity
    unrounded: pint.Quantity
    deviation: float
    rule: str
    flagged: bool = False
    proposed: pint.Quantity | None = None
    max_deviation_percent: float | None = None
    packs: tuple[tuple[pint.Quantity, int], ...] = ()
    reason: str | None = None


def _bsa_cap(value: object) -> pint.Quantity | None:
    if value is None:
        return None
    q = as_quantity(value, field="bsa_cap", dimension="area", example="2 m^2")
    if not 1 <= q.m_as("m**2") <= 3:
        raise InputError(
            "bsa_cap", "None or an area from 1 m² to 3 m², such as '2 m^2'", str(value)
        )
    return q.to("m**2")


def _drugs(value: object) -> object:
    # A read-only copy: a policy is immutable (schedules share it, and the engine keeps a plan
    # per policy), so ``policy.drugs["x"] = ...`` must fail rather than change later schedules.
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


def _whole(field: str, low: int, high: int) -> object:
    def check(_i: object, _a: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InputError(field, f"a whole number from {low} to {high}", value)

    return check


def _optional_text(field: str) -> object:
    def check(_i: object, _a: object, value: object) -> None:
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise InputError(field, "None or a non-empty string", value)

    return check


@attrs.frozen(kw_only=True)
class DosingPolicy:
    """How doses are calculated and rounded. Every schedule records the policy it used.

    Args:
        bsa_formula: a key of ``BSA_FORMULAS`` (Mosteller by default).
        bsa_decimals: the decimals the BSA is rounded to (half-up) before any dose uses it.
        bsa_cap: ``None`` (default; ASCO advises against capping) or an area such as ``2 m^2``.
        dose_decimals: decimals of the dose's unit when a drug has no rounding rule.
        max_deviation_percent: the default max deviation of a rounding rule (10%, HOPA).
        doxorubicin_equivalence: the anthracycline equivalence scale (``"cog"`` or ``"feijen"``).
        drugs: generic name → :class:`DrugPolicy`.
        name, source: who wrote the policy and where it is documented (printed).
    """

    bsa_formula: str = "mosteller"
    bsa_decimals: int = attrs.field(default=2, validator=_whole("bsa_decimals", 1, 4))
    bsa_cap: pint.Quantity | None = attrs.field(default=None, converter=_bsa_cap)
    dose_decimals: int = attrs.field(default=2, validator=_whole("dose_decimals", 0, 3))
    max_deviation_percent: float = attrs.field(
        default=DEFAULT_MAX_DEVIATION,
        validator=_percent("max_deviation_percent", 0, MAX_DEVIATION_LIMIT),
    )
    doxorubicin_equivalence: str = "cog"
    drugs: Mapping[str, DrugPolicy] = attrs.field(factory=dict, converter=_drugs, hash=False)
    name: str | None = attrs.field(default=None, validator=_optional_text("name"))
    source: str | None = attrs.field(default=None, validator=_optional_text("source"))

    def __attrs_post_init__(self) -> None:

        if not isinstance(self.bsa_formula, str) or self.bsa_formula not in BSA_FORMULAS:
            raise InputError("bsa_formula", f"one of {', '.join(BSA_FORMULAS)}", self.bsa_formula)
        scales = equivalence_scales()
        if (
            not isinstance(self.doxorubicin_equivalence, str)
            or self.doxorubicin_equivalence not in scales
        ):
            raise InputError(
                "doxorubicin_equivalence",
                f"one of {', '.join(scales)}",
                self.doxorubicin_equivalence,
            )
        if not isinstance(self.drugs, MappingProxyType):  # the converter made any mapping one
            raise InputError("drugs", "a mapping of generic drug name → DrugPolicy", self.drugs)
        for drug, rules in self.drugs.items():
            field = f"drugs[{drug!r}]"
            if not isinstance(drug, str) or drug not in known_drugs():
                raise InputError(
                    field,
                    f"a generic name from the drug catalog ({', '.join(known_drugs())})",
                    drug,
                )
            if not isinstance(rules, DrugPolicy):
                raise InputError(field, "a DrugPolicy(...)", rules)
            if isinstance(rules.rounding, ExactComposition):
                pres = drug_info(drug).presentations
                if pres is None or pres.kind != "tablet":
                    raise InputError(
                        f"{field}.rounding",
                        "exact composition only for a drug with tablet strengths in the catalog",
                        drug,
                    )

    def for_drug(self, drug: str) -> DrugPolicy:
        """The drug's rules (plain rules when the policy names none)."""
        return self.drugs.get(drug, _PLAIN)

    def max_deviation_for(self, drug: str) -> float:
        """The max deviation, in percent, that rounding may move this drug's dose."""
        own = self.for_drug(drug).max_deviation_percent
        return self.max_deviation_percent if own is None else own

    # -------------------------------------------------------------------------- BSA and weight

    def bsa_for_calculation(self, bsa: pint.Quantity) -> pint.Quantity:
        """The BSA the doses are calculated from: rounded half-up, then capped if a cap is set."""
        value = round_bsa(bsa.to(_M2).magnitude, self.bsa_decimals)
        q = ureg.Quantity(float(value), _M2)
        if self.bsa_cap is not None and q > self.bsa_cap:
            return self.bsa_cap.to(_M2)
        return q

    def dosing_weight(self, drug: str, patient: Patient) -> tuple[pint.Quantity, str]:
        """The weight a per-weight dose of ``drug`` uses, and its basis.

        Raises:
            InputError: naming ``sex`` (or ``height``) when the ideal or adjusted weight
                cannot be computed for this patient.
        """

        basis = self.for_drug(drug).weight_basis
        actual = patient.weight.to(_KG)
        if basis == "actual":
            return actual, basis
        if patient.sex is None:
            raise InputError(
                "sex",
                f"'female' or 'male': the policy doses {drug} on {basis} body weight, "
                "which needs the patient's sex",
                None,
            )
        if basis == "ideal":
            return ideal_body_weight(patient.height, patient.sex), basis
        return adjusted_body_weight(patient.height, actual, patient.sex, ADJUSTED_FACTOR), basis

    # -------------------------------------------------------------------------- doses

    def modify(
        self, drug: str, dose: pint.Quantity
    ) -> tuple[pint.Quantity, DoseModification | None]:
        """The dose after the drug's dose level, and the modification applied (or ``None``)."""
        mod = self.for_drug(drug).modification
        return (dose, None) if mod is None else (mod.apply(dose), mod)

    def round_dose(
        self,
        drug: str,
        dose: pint.Quantity,
        *,
        strengths: tuple[pint.Quantity, ...] = (),
    ) -> RoundingResult:
        """The dose to give for an (adjusted, modified) calculated dose.

        Args:
            drug: the generic name; selects the drug's rounding rule.
            dose: the dose before rounding, a mass above 0.
            strengths: the catalog's tablet strengths, for :class:`ExactComposition`.

        Raises:
            InputError: for a dose that is not a finite mass above 0.
        """
        if (
            not isinstance(dose, pint.Quantity)
            or dose.dimensionality != _MASS
            or not _is_number(dose.magnitude)
            or dose.magnitude <= 0
        ):
            raise InputError("dose", "a finite mass above 0", dose)
        rule = self.for_drug(drug).rounding
        if rule is None:
            return self._plain(dose, self.max_deviation_for(drug))
        if isinstance(rule, ExactComposition):
            return self._exact(dose, strengths, self.max_deviation_for(drug))
        limit = self.max_deviation_for(drug)
        if isinstance(rule, Increment):
            step = _dec(rule.step.to(dose.units).magnitude)
            proposed_value = half_up(_dec(dose.magnitude), step)
            packs: tuple[tuple[pint.Quantity, int], ...] = ()
            text = rule_messages.rounding_with_limit(rule.describe(), limit)
        else:
            proposed_value, packs = _nearest_pack(dose, rule)
            text = rule_messages.rounding_with_limit(rule.describe(), limit)
        return _judge(dose, proposed_value, limit, text, packs)

    def _plain(self, dose: pint.Quantity, limit: float) -> RoundingResult:
        step = Decimal(1).scaleb(-self.dose_decimals)
        rounded = half_up(dose.magnitude, step)
        units = dose.units
        out = ureg.Quantity(float(rounded), units)
        rule = _plain_rule(step, dose._units)  # keyed on the cheap-to-hash units container
        if rounded == 0:  # never a zero dose: the dose is below the policy's precision
            return RoundingResult(
                dose=dose,
                unrounded=dose,
                deviation=-1.0,
                rule=rule,
                flagged=True,
                proposed=out,
                reason=rule_messages.rounds_to_zero(),
            )
        # Even the plain rounding keeps to the maximum deviation: 2.5 mg at 0 decimals would be
        # 3 mg (+20%); beyond the limit it is flagged and the unrounded dose kept.
        return _judge(dose, rounded, limit, rule, ())

    def _exact(
        self, dose: pint.Quantity, strengths: tuple[pint.Quantity, ...], limit: float
    ) -> RoundingResult:

        plain = self._plain(dose, limit)
        rule = ExactComposition().describe()
        if plain.flagged or not strengths:
            reason = plain.reason or rule_messages.no_tablet_strengths()
            return attrs.evolve(plain, rule=rule, flagged=True, dose=dose, reason=reason)
        try:
            packs = compose_tablets(plain.dose, strengths)
        except RegimenCalcError:
            return attrs.evolve(
                plain,
                rule=rule,
                flagged=True,
                dose=dose,
                reason=rule_messages.not_exact_from_tablets(),
            )
        return attrs.evolve(plain, rule=rule, packs=packs)

    # -------------------------------------------------------------------------- records

    def describe(self) -> dict[str, object]:
        """The policy as plain data, recorded on every schedule."""

        drugs: dict[str, object] = {}
        for drug, rules in sorted(self.drugs.items()):
            drugs[drug] = {
                "weight_basis": rules.weight_basis,
                "rounding": None if rules.rounding is None else rules.rounding.describe(),
                "max_deviation_percent": self.max_deviation_for(drug),
                "modification": None
                if rules.modification is None
                else {"percent": rules.modification.percent, "reason": rules.modification.reason},
            }
        return {
            "name": self.name,
            "source": self.source,
            "bsa_formula": self.bsa_formula,
            "bsa_decimals": self.bsa_decimals,
            "bsa_cap_m2": None if self.bsa_cap is None else self.bsa_cap.to("m**2").magnitude,
            "bsa_cap": None if self.bsa_cap is None else rule_messages.policy_bsa_cap(self.bsa_cap),
            "dose_rounding": rule_messages.policy_dose_rounding(self.dose_decimals),
            "weight_basis": "actual body weight",
            "max_deviation_percent": self.max_deviation_percent,
            "doxorubicin_equivalence": self.doxorubicin_equivalence,
            "drugs": drugs,
        }


def _judge(
    dose: pint.Quantity,
    proposed_value: Decimal,
    limit: float,
    rule: str,
    packs: tuple[tuple[pint.Quantity, int], ...],
) -> RoundingResult:
    """Accept a proposal within ``limit`` percent; otherwise flag it and keep the unrounded dose."""
    unrounded = _dec(dose.magnitude)
    deviation = (proposed_value - unrounded) / unrounded
    proposed = ureg.Quantity(float(proposed_value), dose.units)
    if proposed_value <= 0 or abs(deviation) * 100 > _dec(limit):
        pct = (deviation * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return RoundingResult(
            dose=dose,
            unrounded=dose,
            deviation=float(deviation),
            rule=rule,
            flagged=True,
            proposed=proposed,
            max_deviation_percent=limit,
            reason=rule_messages.rounding_beyond_limit(pct, limit),
        )
    return RoundingResult(
        dose=proposed,
        unrounded=dose,
        deviation=float(deviation),
        rule=rule,
        proposed=proposed,
        max_deviation_percent=limit,
        packs=packs,
    )


def _nearest_pack(
    dose: pint.Quantity, rule: NearestPack
) -> tuple[Decimal, tuple[tuple[pint.Quantity, int], ...]]:
    """The nearest total of whole packs (ties to the larger) in the dose's unit, and its packs."""

    # Work in whole micrograms, divided by the packs' common divisor, as tablets.py does.
    sizes_mcg = sorted({int(half_up(s.to("mcg").magnitude, Decimal(1))) for s in rule.sizes})
    if sizes_mcg[0] <= 0:
        raise InputError("rounding.sizes", "pack sizes of at least 1 mcg", rule.sizes)
    step = math.gcd(*sizes_mcg)
    target = _dec(dose.to("mcg").magnitude) / step
    units = [s // step for s in sizes_mcg]
    top = int(target) + max(units) + 1
    if top > _MAX_PACK_STEPS:
        raise InputError("dose", "a dose within 200,000 times the packs' common divisor", str(dose))
    fewest: list[int | None] = [0] + [None] * top
    for amount in range(1, top + 1):
        best = None
        for size in units:
            if size <= amount and fewest[amount - size] is not None:
                cand = fewest[amount - size] + 1  # type: ignore[operator]
                best = cand if best is None or cand < best else best
        fewest[amount] = best
    limit = rule.max_packs
    best_total: int | None = None
    for total in range(1, top + 1):
        n = fewest[total]
        if n is None or (limit is not None and n > limit):
            continue
        if best_total is None:
            best_total = total
            continue
        d_new, d_best = abs(total - target), abs(best_total - target)
        if d_new < d_best or d_new == d_best:  # ties go to the larger total: half-up
            best_total = total
    assert best_total is not None  # the smallest pack is always reachable
    total_mcg = ureg.Quantity(best_total * step, "mcg")
    packs = compose_tablets(total_mcg, rule.sizes)
    value = _dec(total_mcg.to(dose.units).magnitude)
    return value, packs
