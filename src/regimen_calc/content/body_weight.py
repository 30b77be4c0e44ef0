"""Ideal body weight (Devine 1974) and adjusted body weight, for weight-based dosing policies.

When a dosing weight replaces the actual weight (for instance above 120% or 130% of IBW; sources
differ) is a policy decision and is not made here: these functions only compute the weights.

Heights below 60 in (152.4 cm) are refused. Devine's formula is "a base weight plus 2.3 kg per
inch over 5 feet"; it says nothing about shorter people, and the two ways calculators fill the gap
disagree (keeping the base weight, or subtracting 2.3 kg per inch, which gives 45.5 kg − 23 kg
= 22.5 kg for a 50 in woman). Neither is a published rule, so the library raises an ``InputError``
naming ``height`` and leaves the choice of a dosing weight to the site. Exactly 60 in is accepted
and gives the base weight.
"""

from __future__ import annotations

import pint

from regimen_calc.content.bsa import normalize_sex, positive_magnitude
from regimen_calc.errors import InputError
from regimen_calc.units import ureg

__all__ = ["adjusted_body_weight", "ideal_body_weight"]

# Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm 1974;8:650-655.
_DEVINE_BASE_KG = {"male": 50.0, "female": 45.5}
_DEVINE_KG_PER_INCH = 2.3
_DEVINE_BASE_INCHES = 60.0
# Heights converted from cm ("152.4 cm") come out a rounding error either side of 60 in.
_INCH_TOLERANCE = 1e-9


def _required_sex(sex: object) -> str:
    normalized = normalize_sex(sex)
    if normalized is None:
        raise InputError(
            "sex", "'female' or 'male': ideal body weight has a different base for each", sex
        )
    return normalized


def ideal_body_weight(height: object, sex: object) -> pint.Quantity:
    """Ideal body weight by Devine: 50 kg (men) or 45.5 kg (women) + 2.3 kg per inch over 60 in.

    Devine BJ, Drug Intell Clin Pharm 1974;8:650.

    Args:
        height: a length: a ``ureg`` quantity, another registry's quantity or ``"170 cm"``.
        sex: ``"female"`` or ``"male"`` (any case).

    Returns:
        The IBW as a ``ureg`` quantity in kg with a float magnitude, not rounded.

    Raises:
        InputError: naming ``height`` for an invalid height or one below 60 in (152.4 cm), where
            the formula is not defined (see the module docstring); naming ``sex`` when the sex
            is missing or invalid.
    """
    base_kg = _DEVINE_BASE_KG[_required_sex(sex)]
    inches = positive_magnitude(
        height, field="height", dimension="length", unit="inch", example="170 cm"
    )
    if inches < _DEVINE_BASE_INCHES - _INCH_TOLERANCE:
        found = height if isinstance(height, str) else str(height)
        raise InputError(
            "height",
            "a height of at least 60 in (152.4 cm): the Devine ideal body weight is not defined "
            "below it, so choose the dosing weight by site policy",
            found,
        )
    inches_over = max(0.0, inches - _DEVINE_BASE_INCHES)
    return ureg.Quantity(base_kg + _DEVINE_KG_PER_INCH * inches_over, "kg")


def adjusted_body_weight(
    height: object, weight: object, sex: object, factor: float = 0.4
) -> pint.Quantity:
    """Adjusted body weight: IBW + factor × (actual weight − IBW), with factor 0.4 by default.

    The formula is applied as written for every weight. For a patient at or below IBW the result
    is at or above the actual weight, so it is only a dosing weight where a policy says so (usually
    when the actual weight exceeds 120% or 130% of IBW).

    Args:
        height: a length, as for ``ideal_body_weight``.
        weight: the actual (total) body weight: a mass quantity or a string such as ``"98 kg"``.
        sex: ``"female"`` or ``"male"`` (any case).
        factor: the fraction of the excess weight that is added, a number from 0 to 1.

    Returns:
        The adjusted weight as a ``ureg`` quantity in kg with a float magnitude, not rounded.

    Raises:
        InputError: as ``ideal_body_weight``; naming ``weight`` for an invalid weight and
            ``factor`` for anything but a number from 0 to 1.
    """
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not 0 <= factor <= 1:
        raise InputError("factor", "a number from 0 to 1, such as 0.4", factor)
    ibw_kg = ideal_body_weight(height, sex).m_as("kg")
    weight_kg = positive_magnitude(
        weight, field="weight", dimension="mass", unit="kg", example="70 kg"
    )
    return ureg.Quantity(ibw_kg + float(factor) * (weight_kg - ibw_kg), "kg")
