"""Body-surface-area (BSA) formulas and the one function that applies them.

Every formula is computed in float from height in centimetres and weight in kilograms (Boyd
converts to grams itself, as its published form requires). Nothing here rounds: how a BSA is
rounded, capped or banded is the caller's decision.

Plausibility of a height or weight (is 17 m a typo?) is checked by ``Patient``; this module only
refuses values for which a formula has no meaning (no unit, wrong dimension, not finite, not > 0).
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from typing import Any

import attrs
import pint

from regimen_calc._checks import float_array
from regimen_calc.errors import InputError
from regimen_calc.units import as_quantity, ureg
from regimen_calc.units import unit as units_unit

__all__ = [
    "BSA_FORMULAS",
    "SEXES",
    "BsaFormula",
    "body_surface_area",
    "bsa_array",
    "normalize_sex",
]

#: The values ``sex`` accepts after normalisation (formulas such as Schlich and Devine use them).
SEXES: tuple[str, ...] = ("female", "male")


def normalize_sex(value: object, *, field: str = "sex") -> str | None:
    """Return ``None``, ``"female"`` or ``"male"`` from a case-insensitive input.

    Args:
        value: ``None`` or a string naming the sex, in any case (``"Female"``, ``"MALE"``).
        field: the field's name, used in the error.

    Raises:
        InputError: for any other value, including abbreviations such as ``"m"`` (which could be
            read as either word in some languages, so it is never guessed).
    """
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in SEXES:
        return value.strip().lower()
    raise InputError(field, "None, 'female' or 'male' (any case)", value)


def positive_magnitude(
    value: object, *, field: str, dimension: str, unit: str, example: str
) -> float:
    """Convert ``value`` with ``as_quantity`` and return its magnitude in ``unit`` as a float > 0.

    Raises:
        InputError: for anything ``as_quantity`` refuses, and for zero or negative values.
    """
    magnitude = float(
        as_quantity(value, field=field, dimension=dimension, example=example)
        .to(units_unit(unit))
        .magnitude
    )
    if magnitude <= 0:
        found = value if isinstance(value, str) else str(value)
        raise InputError(field, f"a {dimension} greater than zero, such as {example!r}", found)
    return magnitude


# The formula functions share one signature so that BSA_FORMULAS can hold them uniformly:
# (height in cm, weight in kg, normalised sex or None) -> BSA in m². Only Schlich reads sex.
FormulaFunction = Callable[[float, float, str | None], float]


def _mosteller(height_cm: float, weight_kg: float, sex: str | None) -> float:
    """Mosteller: √(H × W / 3600). Mosteller RD, N Engl J Med 1987;317:1098."""
    return math.sqrt(height_cm * weight_kg / 3600.0)


def _dubois(height_cm: float, weight_kg: float, sex: str | None) -> float:
    """DuBois & DuBois: 0.007184 × W^0.425 × H^0.725. Arch Intern Med 1916;17:863."""
    return 0.007184 * weight_kg**0.425 * height_cm**0.725


def _haycock(height_cm: float, weight_kg: float, sex: str | None) -> float:
    """Haycock: 0.024265 × W^0.5378 × H^0.3964. J Pediatr 1978;93:62."""
    return 0.024265 * weight_kg**0.5378 * height_cm**0.3964


def _gehan_george(height_cm: float, weight_kg: float, sex: str | None) -> float:
    """Gehan & George: 0.0235 × W^0.51456 × H^0.42246. Cancer Chemother Rep 1970;54:225."""
    return 0.0235 * weight_kg**0.51456 * height_cm**0.42246


def _boyd(height_cm: float, weight_kg: float, sex: str | None) -> float:
    """Boyd: 0.0003207 × H^0.3 × Wg^(0.7285 − 0.0188 × log10 Wg), Wg in grams. Boyd 1935.

    The published form takes weight in **grams**; feeding it kilograms gives about 0.03 m², an
    error seen in public code. The kg form (0.03330 × W^(0.6157 − 0.0188 log10 W) × H^0.3) is an
    algebraic rewrite with a rounded coefficient, so the grams form is the one implemented.
    """
    weight_g = weight_kg * 1000.0
    return 0.0003207 * height_cm**0.3 * weight_g ** (0.7285 - 0.0188 * math.log10(weight_g))


def _fujimoto(height_cm: float, weight_kg: float, sex: str | None) -> float:
    """Fujimoto: 0.008883 × W^0.444 × H^0.663. Nippon Eiseigaku Zasshi 1968;5:443."""
    return 0.008883 * weight_kg**0.444 * height_cm**0.663


def _takahira(height_cm: float, weight_kg: float, sex: str | None) -> float:
    """Takahira: 0.007241 × W^0.425 × H^0.725 (DuBois exponents). Takahira 1925."""
    return 0.007241 * weight_kg**0.425 * height_cm**0.725


def _shuter_aslani(height_cm: float, weight_kg: float, sex: str | None) -> float:
    """Shuter & Aslani: 0.00949 × W^0.441 × H^0.655. Eur J Appl Physiol 2000;82:250."""
    return 0.00949 * weight_kg**0.441 * height_cm**0.655


def _schlich(height_cm: float, weight_kg: float, sex: str | None) -> float:
    """Schlich: female 0.000975482 × W^0.46 × H^1.08; male 0.000579479 × W^0.38 × H^1.24.

    Schlich E et al., Ernährungs Umschau 2010;57:178.

    Raises:
        InputError: naming ``sex`` when no sex is given: the coefficients differ by sex and
            neither set is a safe default.
    """
    if sex == "female":
        return 0.000975482 * weight_kg**0.46 * height_cm**1.08
    if sex == "male":
        return 0.000579479 * weight_kg**0.38 * height_cm**1.24
    raise InputError(
        "sex", "'female' or 'male': the Schlich formula has separate coefficients for each", sex
    )


@attrs.frozen(kw_only=True)
class BsaFormula:
    """One BSA formula: its key, display name, literature reference and implementation.

    ``function`` takes height in cm, weight in kg and the normalised sex (or ``None``) and
    returns the BSA in m² as a float. Call ``body_surface_area`` rather than ``function``
    directly: it converts units and validates the inputs.
    """

    key: str
    name: str
    citation: str
    needs_sex: bool
    function: FormulaFunction = attrs.field(eq=False, repr=False)


_FORMULAS = (
    BsaFormula(
        key="mosteller",
        name="Mosteller",
        citation="Mosteller RD. N Engl J Med 1987;317:1098",
        needs_sex=False,
        function=_mosteller,
    ),
    BsaFormula(
        key="dubois",
        name="DuBois & DuBois",
        citation="DuBois D, DuBois EF. Arch Intern Med 1916;17:863",
        needs_sex=False,
        function=_dubois,
    ),
    BsaFormula(
        key="haycock",
        name="Haycock",
        citation="Haycock GB et al. J Pediatr 1978;93:62",
        needs_sex=False,
        function=_haycock,
    ),
    BsaFormula(
        key="gehan-george",
        name="Gehan & George",
        citation="Gehan EA, George SL. Cancer Chemother Rep 1970;54:225",
        needs_sex=False,
        function=_gehan_george,
    ),
    BsaFormula(
        key="boyd",
        name="Boyd",
        citation="Boyd E. The Growth of the Surface Area of the Human Body. 1935 (monograph)",
        needs_sex=False,
        function=_boyd,
    ),
    BsaFormula(
        key="fujimoto",
        name="Fujimoto",
        citation="Fujimoto S et al. Nippon Eiseigaku Zasshi 1968;5:443",
        needs_sex=False,
        function=_fujimoto,
    ),
    BsaFormula(
        key="takahira",
        name="Takahira",
        citation="Takahira H. 1925 (cited with Fujimoto 1968)",
        needs_sex=False,
        function=_takahira,
    ),
    BsaFormula(
        key="shuter-aslani",
        name="Shuter & Aslani",
        citation="Shuter B, Aslani A. Eur J Appl Physiol 2000;82:250",
        needs_sex=False,
        function=_shuter_aslani,
    ),
    BsaFormula(
        key="schlich",
        name="Schlich",
        citation="Schlich E et al. Ernährungs Umschau 2010;57:178",
        needs_sex=True,
        function=_schlich,
    ),
)

#: Every BSA formula by its lower-case key; read-only so no caller can swap an implementation.
BSA_FORMULAS: Mapping[str, BsaFormula] = types.MappingProxyType({f.key: f for f in _FORMULAS})


def _formula(key: object) -> BsaFormula:
    expected = "one of " + ", ".join(repr(k) for k in BSA_FORMULAS)
    if not isinstance(key, str):
        raise InputError("bsa_formula", expected, key)
    try:
        return BSA_FORMULAS[key.strip().lower()]
    except KeyError:
        raise InputError("bsa_formula", expected, key) from None


def body_surface_area(
    height: object,
    weight: object,
    *,
    formula: str = "mosteller",
    sex: str | None = None,
) -> pint.Quantity:
    """Compute the body surface area, in m², with one of the ``BSA_FORMULAS``.

    The result is not rounded. Plausibility (a height of 17 m, a weight of 7 g) is ``Patient``'s
    check; call ``Patient.bsa`` when the inputs come from a person.

    Args:
        height: a length: a ``ureg`` quantity, another pint registry's quantity or a string
            such as ``"170 cm"``.
        weight: a mass, in the same forms as ``height``.
        formula: a key of ``BSA_FORMULAS`` (case-insensitive); Mosteller by default.
        sex: ``"female"`` or ``"male"`` (any case); required by Schlich, ignored by the others
            but still validated so that a typo is not carried along silently.

    Returns:
        The BSA as a ``ureg`` quantity in ``m**2`` with a float magnitude.

    Raises:
        InputError: naming ``bsa_formula`` for an unknown formula (the message lists the valid
            keys), ``height``/``weight`` for a missing unit, wrong dimension, NaN, infinity, zero
            or a negative value, ``sex`` for an invalid sex or one Schlich needs but lacks, and
            ``bsa`` when the formula gives no finite BSA above 0 (1e-320 cm and kg underflow
            to 0; 1e200 overflows).

    Example:
        >>> f"{body_surface_area('170 cm', '65 kg').m_as('m**2'):.4f}"
        '1.7520'
    """
    chosen = _formula(formula)
    height_cm = positive_magnitude(
        height, field="height", dimension="length", unit="cm", example="170 cm"
    )
    weight_kg = positive_magnitude(
        weight, field="weight", dimension="mass", unit="kg", example="70 kg"
    )
    value = _checked_bsa(chosen, height_cm, weight_kg, normalize_sex(sex), "bsa")
    return ureg.Quantity(value, units_unit("m**2"))


def _checked_bsa(
    chosen: BsaFormula, height_cm: float, weight_kg: float, sex: str | None, field: str
) -> float:
    """``chosen``'s BSA for one person, refused when it is not a finite number above 0.

    A height and weight each above 0 can still give no usable BSA: 1e-320 cm and kg make
    Mosteller's product underflow to 0, 1e200 makes it infinite, and Python's ``**`` raises
    ``OverflowError`` where a formula's power passes the largest float.
    """
    try:
        value = float(chosen.function(height_cm, weight_kg, sex))
    except OverflowError:
        value = math.inf
    if not (math.isfinite(value) and value > 0):
        raise InputError(
            field,
            "a height and weight whose BSA is a finite number above 0",
            f"{value!r} m² from {height_cm!r} cm and {weight_kg!r} kg",
        )
    return value


#: The largest height × weight (cm × kg) the vectorised Mosteller formula computes; beyond it the
#: product is no finite float. No patient comes near it (250 cm × 350 kg is 87,500).
_PRODUCT_LIMIT = 1e300


def bsa_array(
    formula: str,
    height_cm: Any,
    weight_kg: Any,
    sex: Sequence[str | None] | None = None,
) -> Any:
    """Every patient's BSA in m², bit for bit the float :func:`body_surface_area` gives.

    Mosteller is computed on the whole array with its namespace's functions: a square root, a
    product and a quotient are correctly rounded in IEEE arithmetic, so each element is the same
    float as the scalar ``math.sqrt(h * w / 3600.0)``. Every other formula is applied element by
    element through the formula's own function: an array library's power and log10 may differ
    from the C library's in the last bit for a few values in a hundred, which would change a BSA
    rounded at a tie. Nothing is rounded.

    Args:
        formula: a key of ``BSA_FORMULAS`` (case-insensitive).
        height_cm: heights in cm, a 1-D float64 array (a numpy array, or any array with an
            ``__array_namespace__``), every one finite and above 0. Other dtypes (int,
            float32, bool, text, objects) and other shapes are refused, not converted.
        weight_kg: weights in kg, an array like ``height_cm`` of the same length.
        sex: per patient ``"female"``, ``"male"`` (any case) or ``None``, in a list, tuple or
            other sized collection read in order (not a generator, dict or set); ``None`` for
            no sex given for anyone. Validated as :func:`body_surface_area` validates it.

    Returns:
        A new float64 array in the heights' namespace.

    Raises:
        InputError: for an unknown formula, heights or weights that are not 1-D float64
            arrays of one length, a value not finite or not above 0, a bad sex (a missing
            value, NaN, included), a sex Schlich needs but lacks, or a BSA that is not a finite
            number above 0 (naming ``bsa[i]``, as :func:`body_surface_area` refuses it).

    >>> import numpy as np
    >>> bsa_array("mosteller", np.array([170.0, 197.5]), np.array([65.0, 71.1])).tolist()
    [1.7519830034690533, 1.9749999999999999]
    """
    chosen = _formula(formula)
    xp, h = float_array(height_cm, "height_cm")
    w = float_array(weight_kg, "weight_kg")[1]
    n = h.shape[0]
    if w.shape[0] != n:
        raise InputError("weight_kg", f"{n} weights, one per height", w.shape[0])
    for field, values in (("height_cm", h), ("weight_kg", w)):
        if not bool(xp.all(xp.isfinite(values) & (values > 0))):
            raise InputError(field, "finite values above 0", "a value not finite or not above 0")
    normal: dict[object, str | None] = {None: None}
    if sex is not None:
        # A sized collection read in order: a generator has no length to check against the
        # heights, and a dict or set has no order that pairs its values with patients.
        if (
            isinstance(sex, str | bytes | Mapping | Set)
            or not isinstance(sex, Iterable)
            or not hasattr(sex, "__len__")
        ):
            raise InputError("sex", f"{n} sexes, one per height", f"a {type(sex).__name__}")
        if len(sex) != n:
            raise InputError("sex", f"{n} sexes, one per height", f"{len(sex)} values")
        # Each distinct value is checked once: a cohort has millions of patients and two sexes.
        try:
            distinct = set(sex)
        except TypeError:  # something unhashable, never a sex: name the first bad value
            for i, s in enumerate(sex):
                normalize_sex(s, field=f"sex[{i}]")
            raise
        for s in distinct:
            try:
                normal[s] = normalize_sex(s)
            except InputError:  # raised again naming the first patient with a bad value
                # Checked patient by patient, in order: comparing with the bad value would miss
                # a missing value (NaN is not equal to itself).
                for i, v in enumerate(sex):
                    normalize_sex(v, field=f"sex[{i}]")
                raise
    if chosen.key == "mosteller":
        if n and float(xp.max(h)) * float(xp.max(w)) > _PRODUCT_LIMIT:
            # h × w would overflow the array arithmetic (with a floating-point warning): refuse
            # the first such patient as the scalar formula does, before computing.
            for k in xp.nonzero(h * (w / _PRODUCT_LIMIT) > 1.0)[0]:
                i = int(k)
                _checked_bsa(chosen, float(h[i]), float(w[i]), None, f"bsa[{i}]")
        out = xp.sqrt(h * w / 3600.0)
        bad = xp.nonzero(~(xp.isfinite(out) & (out > 0)))[0]
        if bad.shape[0]:  # as body_surface_area refuses it, naming the first such patient
            i = int(bad[0])
            _checked_bsa(chosen, float(h[i]), float(w[i]), None, f"bsa[{i}]")
        return out
    sexes = (None,) * n if sex is None else [normal[s] for s in sex]
    found = [
        _checked_bsa(chosen, float(h[i]), float(w[i]), sexes[i], f"bsa[{i}]") for i in range(n)
    ]
    return xp.asarray(found, dtype=xp.float64)
