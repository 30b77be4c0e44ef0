"""Dosing policy: BSA formula and rounding, weight basis, and how a calculated dose becomes the
dose to give.

The default policy (see ``DosingPolicy()``) is deliberately plain: Mosteller BSA rounded half-up to
2 decimals and used for every calculation; actual body weight; and the dose to give equal to the
calculated dose rounded half-up to 2 decimals of its own unit (0.01 mg, 0.01 mcg) — no clinical
rounding. Never the built-in ``round()``, which rounds half to even on binary floats.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal

import attrs
import pint

from .errors import InputError
from .units import ureg

__all__ = ["DosingPolicy", "RoundingResult", "half_up"]


def half_up(value: float | Decimal, step: Decimal) -> Decimal:
    """Round ``value`` half-up to a multiple of ``step`` on its decimal representation.

    >>> half_up(2.675, Decimal("0.01"))
    Decimal('2.68')
    >>> half_up(87.5, Decimal("5"))
    Decimal('90')
    """
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    with decimal.localcontext() as ctx:
        ctx.prec = 28
        units = (exact / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return units * step


@attrs.frozen(kw_only=True)
class RoundingResult:
    """A rounded dose with its deviation from the unrounded one."""

    dose: pint.Quantity
    unrounded: pint.Quantity
    deviation: float
    rule: str
    flagged: bool = False


@attrs.frozen(kw_only=True)
class DosingPolicy:
    """How doses are calculated and rounded. Every schedule records the policy it used."""

    bsa_formula: str = "mosteller"
    bsa_decimals: int = 2
    bsa_cap: pint.Quantity | None = None
    dose_decimals: int = 2

    def __attrs_post_init__(self) -> None:
        from .bsa import BSA_FORMULAS

        if self.bsa_formula not in BSA_FORMULAS:
            raise InputError("bsa_formula", f"one of {', '.join(BSA_FORMULAS)}", self.bsa_formula)
        if isinstance(self.bsa_decimals, bool) or not isinstance(self.bsa_decimals, int) or not 1 <= self.bsa_decimals <= 4:
            raise InputError("bsa_decimals", "a whole number from 1 to 4", self.bsa_decimals)
        if isinstance(self.dose_decimals, bool) or not isinstance(self.dose_decimals, int) or not 0 <= self.dose_decimals <= 3:
            raise InputError("dose_decimals", "a whole number from 0 to 3", self.dose_decimals)

    def bsa_for_calculation(self, bsa: pint.Quantity) -> pint.Quantity:
        """The BSA the doses are calculated from: rounded half-up, then capped if a cap is set."""
        value = half_up(bsa.to("m**2").magnitude, Decimal(1).scaleb(-self.bsa_decimals))
        q = ureg.Quantity(float(value), "m**2")
        if self.bsa_cap is not None and q > self.bsa_cap:
            return self.bsa_cap.to("m**2")
        return q

    def round_dose(self, drug: str, dose: pint.Quantity) -> RoundingResult:
        """The dose to give for a calculated dose (default: 2 decimals of its unit, half-up)."""
        del drug
        step = Decimal(1).scaleb(-self.dose_decimals)
        rounded = half_up(dose.magnitude, step)
        out = ureg.Quantity(float(rounded), dose.units)
        deviation = float((out - dose) / dose) if dose.magnitude else 0.0
        rule = f"half-up to {step.normalize()} {dose.units:~}"
        return RoundingResult(dose=out, unrounded=dose, deviation=deviation, rule=rule)

    def describe(self) -> dict[str, object]:
        """The policy as plain data, recorded on every schedule."""
        return {
            "bsa_formula": self.bsa_formula,
            "bsa_decimals": self.bsa_decimals,
            "bsa_cap_m2": None if self.bsa_cap is None else self.bsa_cap.to("m**2").magnitude,
            "dose_rounding": f"half-up to {self.dose_decimals} decimals of the dose's unit",
            "weight_basis": "actual body weight",
        }
