"""Oral doses made of tablets: exactly the dose, with the fewest tablets.

The search works on whole micrograms (integers), so no float error can make ``0.1 g + 0.2 g``
miss ``300 mg``; it divides every amount by their greatest common divisor first, which keeps the
table small (10, 50 and 100 mg tablets make a 1,000 mg dose in 100 steps, not 1,000,000).
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import pint

from regimen_calc._checks import float_array, is_number
from regimen_calc.errors import InputError, RegimenCalcError
from regimen_calc.units import ureg
from regimen_calc.wording import rule_messages

__all__ = [
    "TabletCompositionError",
    "compose_tablets",
    "describe_tablets",
    "single_use_units",
    "tablet_counts",
]

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


# single_use_units: the most combinations of one count it will compare.
_MAX_COMBINATIONS = 100_000
# single_use_units: the most units of the largest strength one dose may need. Far above any
# real dose (a filgrastim dose takes one or two syringes); it keeps the counts within int64
# and a dose of one strength, whose combinations are always one, from listing 10^19 units.
_MAX_UNITS = 10_000
# single_use_units: beyond this many counts between the smallest and largest dose's, only the
# counts some dose needs are listed (found by sorting the counts).
_MAX_COUNT_RANGE = 64


def tablet_counts(doses: Any, unit: pint.Unit, strengths: Sequence[pint.Quantity]) -> Any:
    """For each dose, the tablets of each strength :func:`compose_tablets` makes it with.

    ``compose_tablets`` runs once per distinct dose (and remembers its results, so a drug's
    doses in later cycles are not worked out again); a dose of 0 takes no tablet.

    Args:
        doses: a 1-D float64 array of doses in ``unit`` (a numpy array, or any array with an
            ``__array_namespace__``), 0 or a dose tablets make exactly. Other dtypes and shapes
            are refused, not converted.
        unit: the doses' unit, a mass.
        strengths: the tablet strengths available, as :func:`compose_tablets` takes them.

    Returns:
        An int64 array of shape ``(len(strengths), len(doses))``: row ``j`` counts strength ``j``.

    Raises:
        InputError: for doses that are not a 1-D float64 array, and as :func:`compose_tablets`
            raises it.
        TabletCompositionError: as :func:`compose_tablets` raises it.

    >>> import numpy as np
    >>> venetoclax = [ureg.Quantity(s, "mg") for s in (10, 50, 100)]
    >>> tablet_counts(np.array([70.0, 0.0, 400.0]), ureg.milligram, venetoclax).tolist()
    [[2, 0, 0], [1, 0, 0], [0, 0, 4]]
    """
    xp, d = float_array(doses, "doses")
    distinct, inverse = xp.unique_inverse(d)
    table = xp.zeros((len(strengths), distinct.shape[0]), dtype=xp.int64)
    for k in range(distinct.shape[0]):
        value = float(distinct[k])
        if value == 0:
            continue
        counts = [0] * len(strengths)
        for strength, number in compose_tablets(ureg.Quantity(value, unit), strengths):
            j = next(i for i, s in enumerate(strengths) if s is strength)
            counts[j] = number
        table[:, k] = xp.asarray(counts, dtype=xp.int64)
    return xp.take(table, xp.reshape(inverse, (-1,)), axis=1)


def single_use_units(doses: Any, strengths: Sequence[float]) -> Any:
    """For each dose, the single-use units (syringes) of each strength it takes.

    The fewest units whose total is at least the dose; among those the smallest total; among
    equal totals the most of the largest strength. A dose of 0 takes none. Unlike tablets, a
    dose need not be made exactly: what a syringe holds beyond the dose is discarded.

    Args:
        doses: a 1-D float64 array of doses (a numpy array, or any array with an
            ``__array_namespace__``), all in the unit of ``strengths``, 0 or more. Other dtypes
            and shapes are refused, not converted.
        strengths: the strengths available, plain numbers (``int`` or ``float``, not ``bool``)
            above 0, in one unit.

    Returns:
        An int64 array of shape ``(len(strengths), len(doses))``: row ``j`` counts strength ``j``.

    Raises:
        InputError: for doses that are not a 1-D float64 array; no strengths, or a strength
            that is not a number above 0; a negative or non-finite dose; a dose needing more
            than 10,000 units of the largest strength (naming ``strengths`` when the largest is
            so small that the count passes the largest float); or a dose with more than 100,000
            combinations of its number of units to compare (counted before any is listed).

    >>> import numpy as np
    >>> single_use_units(np.array([350.0, 500.0, 300.0, 0.0]), [300.0, 480.0]).tolist()
    [[0, 2, 1, 0], [1, 0, 0, 0]]
    """
    xp, d = float_array(doses, "doses")
    expected = "at least one strength, each a number above 0"
    if isinstance(strengths, str | bytes) or not isinstance(strengths, Iterable):
        raise InputError("strengths", expected, strengths)
    given = tuple(strengths)
    if not given or not all(is_number(s) and 0 < s <= sys.float_info.max for s in given):
        raise InputError("strengths", expected, strengths)
    sizes = [float(s) for s in given]
    if not bool(xp.all(xp.isfinite(d))) or bool(xp.any(d < 0)):
        raise InputError("doses", "finite doses of 0 or more", "a negative or non-finite dose")
    order = sorted(range(len(sizes)), key=lambda j: -sizes[j])
    largest = sizes[order[0]]
    if d.shape[0] == 0:
        return xp.zeros((len(sizes), 0), dtype=xp.int64)
    # Refused before any count is cast to int64 (which would overflow) or listed.
    most = float(xp.max(d)) / largest
    if most > _MAX_UNITS:
        field = "strengths" if math.isinf(most) else "doses"
        raise InputError(
            field,
            f"doses of at most {_MAX_UNITS:,} times the largest strength ({largest!r})",
            f"a dose of {float(xp.max(d))!r}",
        )
    # The totals are the int64 counts times the float64 strengths (numpy casts the counts).
    size_column = xp.asarray(sizes, dtype=xp.float64)
    # The fewest units: ceil(dose / largest), corrected where the float quotient is off by one.
    n = xp.ceil(d / largest)
    n = xp.where((n > 0) & ((n - 1) * largest >= d), n - 1, n)
    n = xp.astype(xp.where(n * largest < d, n + 1, n), xp.int64)
    low, high = int(xp.min(n)), int(xp.max(n))
    counts: Sequence[int] = range(max(low, 1), high + 1)
    if len(counts) > _MAX_COUNT_RANGE:  # doses far apart: only the counts some dose needs
        needed = xp.sort(xp.unique_values(n))  # unique_values need not be sorted
        counts = [int(needed[i]) for i in range(needed.shape[0]) if int(needed[i]) > 0]
    # The combinations of those numbers of units, ordered as the rule prefers them: fewer units
    # first; for one number of units, smaller totals first; for equal totals, more of the
    # largest strengths first (combinations_with_replacement lists them so; the sort is stable).
    blocks = [xp.zeros((1, len(sizes)), dtype=xp.int64)]  # no unit: dose 0
    for count in counts:
        # Counted first (units of k strengths: C(count + k - 1, k - 1)), never listed to see.
        if math.comb(count + len(sizes) - 1, len(sizes) - 1) > _MAX_COMBINATIONS:
            raise InputError("doses", f"a dose of at most {_MAX_COMBINATIONS} combinations", count)
        rows = []
        for combo in itertools.combinations_with_replacement(order, count):
            row = [0] * len(sizes)
            for j in combo:
                row[j] += 1
            rows.append(row)
        block = xp.asarray(rows, dtype=xp.int64)
        blocks.append(xp.take(block, xp.argsort(block @ size_column, stable=True), axis=0))
    table = xp.concat(blocks, axis=0)
    totals = table @ size_column
    # A dose takes the first combination, in that order, whose total is at least the dose: the
    # first place where the running maximum of the totals reaches it. Every combination of
    # fewer units than the dose's count totals less than the dose, so that place lies among
    # the combinations of exactly its count.
    pick = xp.searchsorted(_running_max(xp, totals), d, side="left")
    return xp.take(table.T, pick, axis=1)


def _running_max(xp: Any, values: Any) -> Any:
    """The running maximum of a 1-D array, by doubling steps (a maximum is exact in float)."""
    out = values
    shift = 1
    while shift < out.shape[0]:
        out = xp.concat([out[:shift], xp.maximum(out[shift:], out[:-shift])])
        shift *= 2
    return out
