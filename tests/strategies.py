"""Hypothesis strategies shared by the test modules.

Bounds are written out here: hypothesis does not read them from attrs validators, and the ranges
below are deliberately narrower than ``Patient`` accepts so that properties hold for adult-sized
inputs without special cases.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from regimen_calc.model.patient import Patient
from regimen_calc.units import ureg

#: Plausible adult heights drawn by ``patients()``, in cm (inclusive).
HEIGHT_CM = (140.0, 210.0)
#: Plausible adult weights drawn by ``patients()``, in kg (inclusive).
WEIGHT_KG = (35.0, 200.0)
#: Sexes drawn by default; every BSA formula (Schlich included) accepts both.
SEXES: tuple[str, ...] = ("female", "male")


def heights_cm() -> st.SearchStrategy[float]:
    """Heights in cm as floats, within ``HEIGHT_CM``."""
    return st.floats(min_value=HEIGHT_CM[0], max_value=HEIGHT_CM[1])


def weights_kg() -> st.SearchStrategy[float]:
    """Weights in kg as floats, within ``WEIGHT_KG``."""
    return st.floats(min_value=WEIGHT_KG[0], max_value=WEIGHT_KG[1])


def patients(sexes: Sequence[str | None] = SEXES) -> st.SearchStrategy[Patient]:
    """Whole ``Patient`` objects with plausible adult height and weight in cm and kg.

    Args:
        sexes: the sexes to draw from; pass ``("female", "male", None)`` to include patients
            without a recorded sex.
    """
    return st.builds(
        Patient,
        height=heights_cm().map(lambda cm: ureg.Quantity(cm, "cm")),
        weight=weights_kg().map(lambda kg: ureg.Quantity(kg, "kg")),
        sex=st.sampled_from(tuple(sexes)),
    )
