"""Oral doses made of tablets: exactly the dose, with the fewest tablets.

The search works on whole micrograms (integers), so no float error can make ``0.1 g + 0.2 g``
miss ``300 mg``; it divides every amount by their greatest common divisor first, which keeps the
table small (10, 50 and 100 mg tablets make a 1,000 mg dose in 100 steps, not 1,000,000).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pint

from regimen_calc.errors import InputError, RegimenCalcError
from regimen_calc.units import ureg
from regimen_calc.wording import rule_messages

__all__ = ["TabletCompositionError", "compose_tablets", "describe_tablets"]

_MASS = ureg.gram.dimensionality
_MCG = ureg.Unit("microgram")

# The largest table the search builds (amounts in steps of the strengths' common divisor).
# Far above any real oral dose; it stops a mistyped dose from running for minutes.
_MAX_STEPS = 2_000_000


class TabletCompositionError(RegimenCalcError):
    """No combination of the available tablet strengths gives exactly the dose.

    Args:
        dose: the dose asked for.
        strengths: the tablet strengths available.
    """

    def __init__(self, dose: pint.Quantity, strengths: Sequence[pint.Quantity]) -> None:
        super().__init__(dose, tuple(strengths))
        self.dose = dose
        self.strengths: tuple[pint.Quantity, ...] = tuple(strengths)

    def __str__(self) -> str:
        return rule_messages.no_tablet_combination(self.dose, self.strengths)


def _micrograms(q: object, field: str) -> int:
    """A positive mass as a whole number of micrograms, or an ``InputError``."""
    expected = "a mass above 0 in whole micrograms, such as ureg.Quantity(50, 'mg')"
    if not isinstance(q, pint.Quantity) or q.dimensionality != _MASS:
        raise InputError(field, expected, q)
    magnitude = q.magnitude
    if isinstance(magnitude, bool) or not isinstance(magnitude, int | float):
        raise InputError(field, expected, format(q, "D"))
    mcg = q.to(_MCG).magnitude
    if not math.isfinite(mcg) or mcg <= 0:
        raise InputError(field, expected, format(q, "D"))
    # The nearest whole microgram (a value this close to a whole number is never near .5, so how
    # halves would round does not matter). A unit conversion may leave float noise
    # (0.07 g → 70000.00000000001 mcg); more than that is a real fraction of a microgram.
    whole = math.floor(mcg + 0.5)
    if abs(mcg - whole) > 1e-9 * max(1.0, mcg) or whole == 0:
        raise InputError(field, expected, format(q, "D"))
    return whole


#: Compositions already worked out, keyed by the dose and strengths' magnitudes and units: a
#: schedule asks for the same venetoclax dose on many days. A composition is kept as positions in
#: the strengths (not the quantities themselves), so every caller gets back its own objects.
_COMPOSED: dict[tuple[object, ...], tuple[tuple[int, int], ...]] = {}


def compose_tablets(
    dose: pint.Quantity, strengths: Iterable[pint.Quantity]
) -> tuple[tuple[pint.Quantity, int], ...]:
    """The tablets that make exactly ``dose`` with the fewest tablets in all (cached).

    See :func:`_compose_tablets` for the rules; this wrapper only remembers results for valid
    ``ureg`` quantities (anything else goes straight to the checks).
    """
    if isinstance(strengths, pint.Quantity) or not isinstance(strengths, Iterable):
        return _compose_tablets(dose, strengths)
    strengths = tuple(strengths)
    items = (dose, *strengths)
    if not all(
        isinstance(q, pint.Quantity)
        and q._REGISTRY is ureg
        and isinstance(q.magnitude, int | float)
        for q in items
    ):
        return _compose_tablets(dose, strengths)
    key = tuple((q.magnitude, q.units) for q in items)
    found = _COMPOSED.get(key)
    if found is None:
        composed = _compose_tablets(dose, strengths)
        position = {id(s): i for i, s in reversed(tuple(enumerate(strengths)))}
        found = tuple((position[id(s)], n) for s, n in composed)
        if len(_COMPOSED) < 4096:
            _COMPOSED[key] = found
    return tuple((strengths[i], n) for i, n in found)


def _compose_tablets(
    dose: pint.Quantity, strengths: Iterable[pint.Quantity]
) -> tuple[tuple[pint.Quantity, int], ...]:
    """The tablets that make exactly ``dose`` with the fewest tablets in all.

    When several combinations need the same, fewest, number of tablets, the one with the most
    tablets of the largest strength wins, then the most of the next largest, and so on (larger
    tablets first, so the choice never depends on the order the strengths were given in).

    Args:
        dose: the dose, a mass above 0 (``ureg.Quantity(70, "mg")``).
        strengths: the tablet strengths available, masses above 0; a strength given twice
            (``100 mg`` and ``0.1 g``) counts once, as first given.

    Returns:
        ``(strength, count)`` pairs, largest strength first, counts above 0; each strength is
        the quantity that was passed in.

    Raises:
        InputError: for a dose or strength that is not a mass above 0 in whole micrograms, or no
            strengths.
        TabletCompositionError: when no combination gives exactly the dose.

    >>> from regimen_calc.units import ureg
    >>> venetoclax = [ureg.Quantity(s, "mg") for s in (10, 50, 100)]
    >>> [(f"{s:D}", n) for s, n in compose_tablets(ureg.Quantity(70, "mg"), venetoclax)]
    [('50 milligram', 1), ('10 milligram', 2)]
    >>> [(f"{s:D}", n) for s, n in compose_tablets(ureg.Quantity(400, "mg"), venetoclax)]
    [('100 milligram', 4)]
    >>> compose_tablets(ureg.Quantity(35, "mg"), venetoclax)
    Traceback (most recent call last):
    ...
    regimen_calc.engine.tablets.TabletCompositionError: dose: no combination of 10 mg, 50 mg, 100 mg tablets gives exactly 35 mg; change the dose (or its rounding) or the strengths available
    """  # noqa: E501
    target = _micrograms(dose, "dose")
    if isinstance(strengths, str | bytes | pint.Quantity) or not isinstance(strengths, Iterable):
        raise InputError(
            "strengths", "a list of tablet strengths such as [50 mg, 10 mg]", strengths
        )
    given = tuple(strengths)
    if not given:
        raise InputError("strengths", "at least one tablet strength", "[]")
    by_size: dict[int, pint.Quantity] = {}
    for i, strength in enumerate(given):
        by_size.setdefault(_micrograms(strength, f"strengths[{i}]"), strength)

    step = math.gcd(*by_size)
    if target % step:
        raise TabletCompositionError(dose, given)
    n = target // step
    if n > _MAX_STEPS:
        raise InputError(
            "dose",
            f"a dose at most {_MAX_STEPS:,} times the common divisor of the strengths",
            format(dose, "D"),
        )
    sizes = sorted((size // step for size in by_size), reverse=True)

    # fewest[a] = the fewest tablets that make amount a exactly (None: no combination does).
    fewest: list[int | None] = [0] + [None] * n
    for amount in range(1, n + 1):
        best = None
        for size in sizes:
            if size <= amount:
                before = fewest[amount - size]
                if before is not None and (best is None or before + 1 < best):
                    best = before + 1
        fewest[amount] = best
    if fewest[n] is None:
        raise TabletCompositionError(dose, given)

    # Walk back, each time taking the largest tablet that stays on a fewest-tablets path: this
    # gives the most of the largest strength, then of the next, among the fewest-tablet choices.
    counts = dict.fromkeys(sizes, 0)
    amount = n
    while amount:
        for size in sizes:
            left = amount - size
            if left >= 0 and fewest[left] is not None and fewest[left] == fewest[amount] - 1:
                counts[size] += 1
                amount = left
                break
    return tuple((by_size[size * step], count) for size, count in counts.items() if count)


def describe_tablets(composition: Sequence[tuple[pint.Quantity, int]]) -> str:
    """Say a tablet combination in words: ``1 × 50 mg + 2 × 10 mg tablets (3 tablets)``.

    Args:
        composition: ``(strength, count)`` pairs as :func:`compose_tablets` returns them.

    Raises:
        InputError: for an empty combination, a count that is not a whole number above 0, or a
            strength that has no ISMP-safe printed form.

    >>> from regimen_calc.units import ureg
    >>> describe_tablets([(ureg.Quantity(50, "mg"), 1), (ureg.Quantity(10, "mg"), 2)])
    '1 × 50 mg + 2 × 10 mg tablets (3 tablets)'
    >>> describe_tablets([(ureg.Quantity(100, "mg"), 1)])
    '1 × 100 mg tablet (1 tablet)'
    """
    if isinstance(composition, str | bytes) or not isinstance(composition, Sequence):
        raise InputError("composition", "(strength, count) pairs", composition)
    if not composition:
        raise InputError("composition", "at least one (strength, count) pair", "[]")
    terms = []
    total = 0
    for i, pair in enumerate(composition):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise InputError(f"composition[{i}]", "a (strength, count) pair", pair)
        strength, count = pair
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InputError(f"composition[{i}]", "a count that is a whole number above 0", count)
        _micrograms(strength, f"composition[{i}]")
        terms.append(rule_messages.tablet_term(count, strength))
        total += count
    return rule_messages.tablet_combination(terms, total)
