"""Tests for regimen_calc.engine.tablets: exact doses with the fewest tablets."""

from __future__ import annotations

import itertools
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cohort_support import brute_force_syringes
from regimen_calc.engine.tablets import (
    TabletCompositionError,
    compose_tablets,
    describe_tablets,
    single_use_units,
    tablet_counts,
)
from regimen_calc.errors import InputError, RegimenCalcError
from regimen_calc.units import ureg


def mg(value: float) -> object:
    return ureg.Quantity(value, "mg")


VENETOCLAX = (mg(10), mg(50), mg(100))

# Strategies local to this module; move them to tests/strategies.py if another module needs them.
#: Doses of 10 to 1,000 mg in steps of 10 mg.
DOSES_MG = st.integers(min_value=1, max_value=100).map(lambda n: n * 10)
#: Sets of one to four strengths from a pool of real-looking tablet sizes, in mg.
STRENGTH_SETS_MG = st.lists(
    st.sampled_from([5, 10, 20, 25, 40, 50, 70, 100, 150, 200, 250, 500]),
    min_size=1,
    max_size=4,
    unique=True,
)


def _mg_counts(composition: tuple) -> list[tuple[float, int]]:
    return [(strength.to("mg").magnitude, count) for strength, count in composition]


def _all_exact(dose: int, ordered: list[int]) -> list[tuple[int, ...]]:
    """Every count vector over ``ordered`` strengths that sums to exactly ``dose``."""
    if len(ordered) == 1:
        return [(dose // ordered[0],)] if dose % ordered[0] == 0 else []
    first, rest = ordered[0], ordered[1:]
    return [
        (count, *tail)
        for count in range(dose // first + 1)
        for tail in _all_exact(dose - count * first, rest)
    ]


def _brute_force(dose: int, strengths: list[int]) -> tuple[int, ...] | None:
    """Over all combinations (strengths largest first): the fewest tablets, then our tie-break."""
    exact = _all_exact(dose, sorted(strengths, reverse=True))
    if not exact:
        return None
    fewest = min(sum(counts) for counts in exact)
    # Tie-break: the most of the largest strength, then of the next, ... = lexicographic max.
    return max(counts for counts in exact if sum(counts) == fewest)


# --- table tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose", "expected"),
    [
        (70, [(50, 1), (10, 2)]),
        (400, [(100, 4)]),
        (150, [(100, 1), (50, 1)]),
        (20, [(10, 2)]),
        (10, [(10, 1)]),
        (100, [(100, 1)]),
        (200, [(100, 2)]),
        (600, [(100, 6)]),
        (80, [(50, 1), (10, 3)]),
    ],
)
def test_venetoclax_table(dose: int, expected: list[tuple[int, int]]) -> None:
    assert _mg_counts(compose_tablets(mg(dose), VENETOCLAX)) == expected


def test_fewest_tablets_beats_greedy() -> None:
    # Greedy (largest first) would give 25 + 5 × 1 = 6 tablets; 3 × 10 is 3.
    composition = compose_tablets(mg(30), [mg(25), mg(10), mg(1)])
    assert _mg_counts(composition) == [(10, 3)]


def test_fewest_tablets_when_one_fewer_comes_from_a_smaller_strength() -> None:
    # 60 mg from 40, 30 and 10 mg: 40 + 10 + 10 is 3 tablets, 30 + 30 is 2 (one fewer, found
    # only after the 40 mg tablet was tried).
    composition = compose_tablets(mg(60), [mg(40), mg(30), mg(10)])
    assert _mg_counts(composition) == [(30, 2)]


def test_tie_break_prefers_larger_strengths() -> None:
    # 60 mg in two tablets: 50 + 10 or 30 + 30; the larger strength wins.
    composition = compose_tablets(mg(60), [mg(10), mg(30), mg(50)])
    assert _mg_counts(composition) == [(50, 1), (10, 1)]


def test_order_of_strengths_does_not_matter() -> None:
    for order in itertools.permutations(VENETOCLAX):
        assert _mg_counts(compose_tablets(mg(70), order)) == [(50, 1), (10, 2)]


def test_units_are_mixed_exactly() -> None:
    # 0.1 g and 0.2 g are whole micrograms, so no float error makes 300 mg unreachable.
    strengths = [ureg.Quantity(0.1, "g"), ureg.Quantity(0.2, "g")]
    composition = compose_tablets(mg(300), strengths)
    assert composition == ((strengths[1], 1), (strengths[0], 1))
    assert compose_tablets(ureg.Quantity(0.07, "g"), VENETOCLAX) == ((mg(50), 1), (mg(10), 2))


def test_strengths_are_returned_as_given() -> None:
    strengths = [ureg.Quantity(100, "mg"), ureg.Quantity(0.05, "g")]
    composition = compose_tablets(mg(150), strengths)
    assert composition[0][0] is strengths[0]
    assert composition[1][0] is strengths[1]


def test_cached_composition_returns_each_callers_own_strengths() -> None:
    # The cache is keyed by value; a second caller with equal but distinct quantities must still
    # get its own objects back (the cohort forecast finds a strength's position by identity).
    first = [mg(10), mg(50), mg(100)]
    second = [mg(10), mg(50), mg(100)]
    compose_tablets(mg(170), first)
    composition = compose_tablets(mg(170), second)
    assert [n for _, n in composition] == [1, 1, 2]
    assert [id(s) for s, _ in composition] == [id(second[2]), id(second[1]), id(second[0])]


def test_equal_strengths_count_once() -> None:
    strengths = [mg(100), ureg.Quantity(0.1, "g"), mg(50)]
    composition = compose_tablets(mg(250), strengths)
    assert _mg_counts(composition) == [(100, 2), (50, 1)]
    assert composition[0][0] is strengths[0]


def test_sub_milligram_strengths() -> None:
    composition = compose_tablets(mg(1.25), [mg(0.5), mg(0.25)])
    assert _mg_counts(composition) == [(0.5, 2), (0.25, 1)]


def test_unreachable_dose_names_dose_and_strengths() -> None:
    with pytest.raises(TabletCompositionError) as info:
        compose_tablets(mg(35), VENETOCLAX)
    error = info.value
    assert isinstance(error, RegimenCalcError)
    assert isinstance(error, ValueError)
    assert error.dose == mg(35)
    assert error.strengths == VENETOCLAX
    message = str(error)
    assert "35 mg" in message
    for strength in ("10 mg", "50 mg", "100 mg"):
        assert strength in message


def test_unreachable_though_divisible() -> None:
    # 30 mg is a multiple of the common divisor (10 mg) but 20 + 50 cannot make it.
    with pytest.raises(TabletCompositionError):
        compose_tablets(mg(30), [mg(20), mg(50)])


@pytest.mark.parametrize(
    ("composition", "expected"),
    [
        (((mg(50), 1), (mg(10), 2)), "1 × 50 mg + 2 × 10 mg tablets (3 tablets)"),
        (((mg(100), 4),), "4 × 100 mg tablets (4 tablets)"),
        (((mg(100), 1),), "1 × 100 mg tablet (1 tablet)"),
        (((mg(0.5), 1), (mg(0.25), 1)), "1 × 0.5 mg + 1 × 0.25 mg tablets (2 tablets)"),
        (((ureg.Quantity(1, "g"), 1000),), "1,000 × 1 g tablets (1,000 tablets)"),
    ],
)
def test_describe_tablets_table(composition: tuple, expected: str) -> None:
    assert describe_tablets(composition) == expected


def test_describe_what_compose_returns() -> None:
    text = describe_tablets(compose_tablets(mg(70), VENETOCLAX))
    assert text == "1 × 50 mg + 2 × 10 mg tablets (3 tablets)"


# --- invalid inputs: each with the error it must raise ------------------------------------------


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: compose_tablets(mg(35), VENETOCLAX), TabletCompositionError),
        (lambda: compose_tablets(mg(75.5), VENETOCLAX), TabletCompositionError),
        (lambda: compose_tablets(mg(5), VENETOCLAX), TabletCompositionError),
        (lambda: compose_tablets(mg(0), VENETOCLAX), InputError),
        (lambda: compose_tablets(mg(-70), VENETOCLAX), InputError),
        (lambda: compose_tablets(mg(math.nan), VENETOCLAX), InputError),
        (lambda: compose_tablets(mg(math.inf), VENETOCLAX), InputError),
        (lambda: compose_tablets(ureg.Quantity(70, "mL"), VENETOCLAX), InputError),
        (lambda: compose_tablets(ureg.Quantity(70, "mg/m**2"), VENETOCLAX), InputError),
        (lambda: compose_tablets(70, VENETOCLAX), InputError),
        (lambda: compose_tablets("70 mg", VENETOCLAX), InputError),
        (lambda: compose_tablets(mg(0.0005), VENETOCLAX), InputError),  # half a microgram
        (lambda: compose_tablets(mg(70), []), InputError),
        (lambda: compose_tablets(mg(70), ()), InputError),
        (lambda: compose_tablets(mg(70), mg(10)), InputError),
        (lambda: compose_tablets(mg(70), "10 mg"), InputError),
        (lambda: compose_tablets(mg(70), None), InputError),
        (lambda: compose_tablets(mg(70), [mg(10), 50]), InputError),
        (lambda: compose_tablets(mg(70), [mg(10), mg(0)]), InputError),
        (lambda: compose_tablets(mg(70), [mg(10), mg(-50)]), InputError),
        (lambda: compose_tablets(mg(70), [ureg.Quantity(10, "mL")]), InputError),
        (
            lambda: compose_tablets(ureg.Quantity(10**4, "kg"), [ureg.Quantity(1, "mcg")]),
            InputError,
        ),
        (lambda: describe_tablets(()), InputError),
        (lambda: describe_tablets("1 × 10 mg"), InputError),
        (lambda: describe_tablets(((mg(10), 0),)), InputError),
        (lambda: describe_tablets(((mg(10), -1),)), InputError),
        (lambda: describe_tablets(((mg(10), 1.5),)), InputError),
        (lambda: describe_tablets(((mg(10), True),)), InputError),
        (lambda: describe_tablets(((mg(10),),)), InputError),
        (lambda: describe_tablets(((10, 1),)), InputError),
        (lambda: describe_tablets(((ureg.Quantity(10, "mL"), 1),)), InputError),
    ],
)
def test_invalid_inputs(call: object, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, RegimenCalcError)
    assert str(info.value)


# --- properties -----------------------------------------------------------------------------------


@given(dose=DOSES_MG, strengths=STRENGTH_SETS_MG)
def test_composition_is_exact_and_fewest(dose: int, strengths: list[int]) -> None:
    best = _brute_force(dose, strengths)
    if best is None:
        with pytest.raises(TabletCompositionError):
            compose_tablets(mg(dose), [mg(s) for s in strengths])
        return
    composition = compose_tablets(mg(dose), [mg(s) for s in strengths])
    pairs = _mg_counts(composition)
    # Exactly the dose, in whole tablets, largest strength first, no zero counts.
    assert sum(s * c for s, c in pairs) == dose
    assert all(isinstance(c, int) and c > 0 for _, c in pairs)
    assert [s for s, _ in pairs] == sorted((s for s, _ in pairs), reverse=True)
    # The fewest tablets, and the brute force's choice among equal counts.
    as_vector = tuple(dict(pairs).get(s, 0) for s in sorted(strengths, reverse=True))
    assert sum(as_vector) == sum(best)
    assert as_vector == best


@given(dose=DOSES_MG, strengths=STRENGTH_SETS_MG)
def test_describe_matches_composition(dose: int, strengths: list[int]) -> None:
    # Only doses the brute force can make exactly; those compose_tablets must make too.
    assume(_brute_force(dose, strengths) is not None)
    composition = compose_tablets(mg(dose), [mg(s) for s in strengths])
    text = describe_tablets(composition)
    total = sum(c for _, c in composition)
    assert text.endswith(f"({total:,} {'tablet' if total == 1 else 'tablets'})")
    assert text.count("×") == len(composition)
    assert "µ" not in text


def test_75_mg_venetoclax_cannot_be_made_but_its_neighbours_can() -> None:
    # 10, 50 and 100 mg tablets make only multiples of 10 mg: 70 mg = 50 + 10 + 10 and
    # 80 mg = 50 + 10 + 10 + 10 (4 tablets; 8 × 10 mg would be 8), never 75 mg.
    assert [(s.m_as("mg"), n) for s, n in compose_tablets(mg(70), VENETOCLAX)] == [(50, 1), (10, 2)]
    assert [(s.m_as("mg"), n) for s, n in compose_tablets(mg(80), VENETOCLAX)] == [(50, 1), (10, 3)]
    with pytest.raises(TabletCompositionError) as info:
        compose_tablets(mg(75), VENETOCLAX)
    assert str(info.value) == (
        "dose: no combination of 10 mg, 50 mg, 100 mg tablets gives exactly 75 mg; change the "
        "dose (or its rounding) or the strengths available"
    )


# --- exact errors, the microgram tolerance and the step limit ------------------------------------
# Expected values are worked out by hand; each test pins a rule the mutation check showed untested.


def mcg(value: float) -> object:
    return ureg.Quantity(value, "mcg")


def test_composition_error_args_are_dose_and_strengths_as_a_tuple() -> None:
    # The error's args are (dose, strengths) with the strengths as a tuple, like .strengths, even
    # when the strengths were given as a list.
    error = TabletCompositionError(mg(35), [mg(10), mg(50)])
    assert error.args == (mg(35), (mg(10), mg(50)))
    assert isinstance(error.args[1], tuple)
    assert error.strengths == (mg(10), mg(50))


def test_composition_error_args_from_compose() -> None:
    with pytest.raises(TabletCompositionError) as info:
        compose_tablets(mg(35), list(VENETOCLAX))
    assert info.value.args == (mg(35), VENETOCLAX)


def test_composition_error_names_an_amount_without_written_form_in_pints_words() -> None:
    # 0.00003 g (30 mcg) has five decimal places, so it has no ISMP-safe written form; the message
    # falls back to pint's text. 20 mcg and 40 mcg tablets make only multiples of 20 mcg.
    with pytest.raises(TabletCompositionError) as info:
        compose_tablets(ureg.Quantity(0.00003, "g"), [mcg(20), ureg.Quantity(0.00004, "g")])
    assert str(info.value) == (
        "dose: no combination of 20 mcg, 4e-05 gram tablets gives exactly 3e-05 gram; change the "
        "dose (or its rounding) or the strengths available"
    )


def test_one_microgram_is_the_smallest_amount() -> None:
    # 1 mcg is a whole microgram: accepted as a dose and as a strength (3 mcg = 3 × 1 mcg).
    one = mcg(1)
    assert compose_tablets(mcg(1), [one]) == ((one, 1),)
    assert compose_tablets(mcg(3), [one]) == ((one, 3),)
    assert compose_tablets(ureg.Quantity(0.001, "mg"), [one]) == ((one, 1),)


@pytest.mark.parametrize(
    "amount",
    [
        mcg(1e-10),  # rounds to 0 mcg and is within the tolerance of 0: still no amount at all
        mg(1e-13),  # the same, in mg
        mcg(0.4),  # rounds to 0 mcg
        mcg(-0.9999999999),  # below 0, though within the tolerance of a whole (-1) microgram
        mcg(1.0000000015),  # 1.5e-9 mcg over a whole microgram: above the 1e-9 tolerance at 1 mcg
        mcg(2.000000005),  # 5e-9 mcg over: above the tolerance at 2 mcg (2e-9)
        mcg(1000.000005),  # 5e-6 mcg over: above the tolerance at 1,000 mcg (1e-6)
        mcg(999.999995),  # 5e-6 mcg under
    ],
)
def test_fractions_of_a_microgram_are_refused(amount: object) -> None:
    with pytest.raises(InputError) as info:
        compose_tablets(amount, [mcg(1)])
    assert info.value.field == "dose"
    assert info.value.expected == (
        "a mass above 0 in whole micrograms, such as ureg.Quantity(50, 'mg')"
    )
    with pytest.raises(InputError) as info:
        compose_tablets(mcg(10), [mcg(1), amount])
    assert info.value.field == "strengths[1]"


def test_float_noise_of_a_unit_conversion_is_tolerated() -> None:
    # 16.1 g converts to 16,100,000.000000002 mcg: 1.9e-9 mcg of float noise, more than 1e-9 mcg
    # but far below the relative tolerance (1e-9 × 16,100,000 mcg = 0.0161 mcg). 16,100 mg is
    # 161 × 100 mg. Within the tolerance, 1,000,000.0005 mcg is 1,000,000 mcg (1e-3 allowed).
    assert ureg.Quantity(16.1, "g").to("mcg").magnitude != 16_100_000
    assert _mg_counts(compose_tablets(ureg.Quantity(16.1, "g"), VENETOCLAX)) == [(100, 161)]
    one = mcg(1)
    assert compose_tablets(mcg(1_000_000.0005), [one, mcg(1000)]) == ((mcg(1000), 1000),)
    assert compose_tablets(mcg(1.0000000005), [one]) == ((one, 1),)  # 5e-10 over, within 1e-9


@pytest.mark.parametrize(
    "composition",
    [
        ((mg(0), 1),),  # would print as "0 mg"
        ((mcg(0.5), 1),),  # half a microgram, printed as "0.5 mcg"
        ((mg(10), 1), (mg(-10), 1)),
        ((ureg.Quantity(10, "mg/m**2"), 1),),
    ],
)
def test_describe_refuses_a_strength_that_is_not_whole_micrograms(composition: tuple) -> None:
    with pytest.raises(InputError) as info:
        describe_tablets(composition)
    assert info.value.field == f"composition[{len(composition) - 1}]"
    assert info.value.expected == (
        "a mass above 0 in whole micrograms, such as ureg.Quantity(50, 'mg')"
    )


def test_venetoclax_by_hand() -> None:
    # 10, 50 and 100 mg: 370 mg = 3 × 100 + 1 × 50 + 2 × 10 (6 tablets); 20 mg = 2 × 10;
    # 1,000 mg = 10 × 100; 990 mg = 9 × 100 + 1 × 50 + 4 × 10 (14 tablets).
    assert _mg_counts(compose_tablets(mg(370), VENETOCLAX)) == [(100, 3), (50, 1), (10, 2)]
    assert _mg_counts(compose_tablets(mg(1000), VENETOCLAX)) == [(100, 10)]
    assert _mg_counts(compose_tablets(mg(990), VENETOCLAX)) == [(100, 9), (50, 1), (10, 4)]
    assert describe_tablets(compose_tablets(mg(990), VENETOCLAX)) == (
        "9 × 100 mg + 1 × 50 mg + 4 × 10 mg tablets (14 tablets)"
    )


# Kept last: the boundary test builds the largest table the search allows (about a second).


@pytest.mark.parametrize(
    ("dose", "strengths", "found"),
    [
        # 2,000,001 steps of 1 mcg.
        (mcg(2_000_001), [mcg(1)], "2000001 microgram"),
        # 20,000,010 mg in steps of 10 mg (the common divisor of 10, 50 and 100 mg): 2,000,001.
        (mg(20_000_010), VENETOCLAX, "20000010 milligram"),
    ],
)
def test_one_step_over_the_limit_is_refused(dose: object, strengths: object, found: str) -> None:
    with pytest.raises(InputError) as info:
        compose_tablets(dose, strengths)
    assert str(info.value) == (
        "dose: expected a dose at most 2,000,000 times the common divisor of the strengths, "
        f"found '{found}'"
    )


def test_exactly_the_step_limit_is_composed() -> None:
    # 2 g is 2,000,000 mcg: exactly the limit in 1 mcg steps, 2,000,000 tablets.
    one = mcg(1)
    assert compose_tablets(ureg.Quantity(2, "g"), [one]) == ((one, 2_000_000),)


# --------------------------------------------------------------------------------------------
# Single-use units (syringes) and tablet counts on arrays of doses
# --------------------------------------------------------------------------------------------


@given(
    doses=st.lists(
        st.floats(min_value=0, max_value=2500, allow_nan=False), min_size=1, max_size=30
    ),
    sizes=st.sampled_from(([300.0, 480.0], [480.0, 300.0], [100.0, 250.0, 400.0], [300.0])),
)
def test_single_use_units_is_fewest_then_least_waste(
    doses: list[float], sizes: list[float]
) -> None:
    got = single_use_units(np.array(doses, dtype=np.float64), sizes)
    for i, dose in enumerate(doses):
        assert tuple(got[:, i]) == brute_force_syringes(dose, sizes)


@given(
    sizes=st.lists(
        st.sampled_from([0.25, 1.0, 2.5, 10.0, 75.0, 120.0, 150.0, 300.0, 480.0]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    data=st.data(),
)
def test_single_use_units_matches_brute_force_for_other_strengths(
    sizes: list[float], data: st.DataObject
) -> None:
    """Any strengths; doses up to 6 of the largest, some exactly on a combination's total."""
    top = 6 * max(sizes)
    on_totals = st.lists(st.sampled_from(sizes), min_size=1, max_size=6).map(sum)
    doses = data.draw(
        st.lists(st.one_of(st.floats(0, top), on_totals, st.just(0.0)), min_size=1, max_size=20)
    )
    got = single_use_units(np.array(doses, dtype=np.float64), sizes)
    for i, dose in enumerate(doses):
        assert tuple(got[:, i]) == brute_force_syringes(dose, sizes)


def test_single_use_units_with_doses_far_apart() -> None:
    """Counts from 1 to 125 units: only the counts the doses need are listed (hand-checked)."""
    got = single_use_units(np.array([300.0, 60_000.0, 59_700.0, 0.0]), [300.0, 480.0])
    # 60,000 = 125 × 480. 59,700 needs 125 units (124 × 480 = 59,520 is short); with a 300s,
    # 300a + 480(125 - a) = 60,000 - 180a ≥ 59,700 allows a ≤ 1: one 300 gives 59,820, the least.
    assert got.T.tolist() == [[1, 0], [0, 125], [1, 124], [0, 0]]


def test_single_use_units_refuses_a_dose_with_too_many_combinations() -> None:
    with pytest.raises(InputError, match="combinations"):
        single_use_units(np.array([216_000.0]), [100.0, 300.0, 480.0])  # 450 units of 3 strengths


def test_single_use_units_examples() -> None:
    got = single_use_units(np.array([350.0, 480.0, 480.01, 600.0, 780.0, 960.0]), [300.0, 480.0])
    assert got.T.tolist() == [[0, 1], [0, 1], [2, 0], [2, 0], [1, 1], [0, 2]]


@pytest.mark.parametrize(
    ("doses", "strengths"),
    [
        ([-1.0], [300.0]),
        ([math.nan], [300.0]),
        ([math.inf], [300.0]),
        ([300.0], []),
        ([300.0], [0.0]),
        ([300.0], [-300.0]),
    ],
)
def test_single_use_units_refuses(doses: list[float], strengths: list[float]) -> None:
    with pytest.raises(InputError):
        single_use_units(np.array(doses), strengths)


def test_single_use_units_refuses_what_is_not_an_array() -> None:
    with pytest.raises(InputError) as info:
        single_use_units([300.0], [300.0, 480.0])  # type: ignore[arg-type]
    assert info.value.field == "doses"
    assert single_use_units(np.array([]), [300.0, 480.0]).shape == (2, 0)


_VENETOCLAX = [ureg.Quantity(s, "mg") for s in (10, 50, 100)]


@given(
    tens=st.lists(st.integers(0, 120), min_size=1, max_size=25),
    strengths=st.sampled_from(
        (_VENETOCLAX, _VENETOCLAX[::-1], [ureg.Quantity(s, "mg") for s in (10, 40)])
    ),
)
def test_tablet_counts_equals_compose_tablets_per_dose(
    tens: list[int], strengths: list[object]
) -> None:
    """Each dose's column is what compose_tablets makes it with, in the strengths' order."""
    doses = [10.0 * t for t in tens]
    got = tablet_counts(np.array(doses), ureg.milligram, strengths)  # type: ignore[arg-type]
    assert got.shape == (len(strengths), len(doses))
    for i, dose in enumerate(doses):
        want = [0] * len(strengths)
        if dose:
            for strength, n in compose_tablets(ureg.Quantity(dose, "mg"), strengths):  # type: ignore[arg-type]
                want[next(j for j, s in enumerate(strengths) if s is strength)] = n
        assert got[:, i].tolist() == want
    # A second call reads compose_tablets' cache and gives the same table.
    again = tablet_counts(np.array(doses), ureg.milligram, strengths)  # type: ignore[arg-type]
    assert np.array_equal(again, got)


def test_tablet_counts_raises_as_compose_tablets_does() -> None:
    with pytest.raises(TabletCompositionError):
        tablet_counts(np.array([35.0]), ureg.milligram, _VENETOCLAX)
    with pytest.raises(InputError) as info:
        tablet_counts([70.0], ureg.milligram, _VENETOCLAX)  # type: ignore[arg-type]
    assert info.value.field == "doses"


# --------------------------------------------------------------------------------------------
# single_use_units and tablet_counts: 1-D float64 doses, numeric strengths, bounded work
# --------------------------------------------------------------------------------------------


_BAD_DOSE_ARRAYS = [
    (np.array([350]), "a int64 array"),
    (np.array([300.00001], dtype=np.float32), "a float32 array"),
    (np.array([True]), "a bool array"),
    (np.array(["350"]), "a <U3 array"),
    (np.array(["x"], dtype=object), "a object array"),
    (np.array([350 + 0j]), "a complex128 array"),
    (np.array(["2020-01-01"], dtype="M8[D]"), "a datetime64[D] array"),
    (np.array([1], dtype="m8[s]"), "a timedelta64[s] array"),
    (np.zeros(1, dtype=[("a", "f8")]), "a [('a', '<f8')] array"),
    (np.array([[350.0], [500.0]]), "a 2-D array"),
    (np.array(350.0), "a 0-D array"),
]


@pytest.mark.parametrize(("doses", "found"), _BAD_DOSE_ARRAYS)
def test_single_use_units_takes_1d_float64_doses_only(doses: np.ndarray, found: str) -> None:
    with pytest.raises(InputError) as info:
        single_use_units(doses, [300.0, 480.0])
    assert info.value.field == "doses"
    assert info.value.expected == "a 1-D float64 array"
    assert info.value.found == found


@pytest.mark.parametrize(("doses", "found"), _BAD_DOSE_ARRAYS)
def test_tablet_counts_takes_1d_float64_doses_only(doses: np.ndarray, found: str) -> None:
    with pytest.raises(InputError) as info:
        tablet_counts(doses, ureg.milligram, _VENETOCLAX)
    assert info.value.field == "doses"
    assert info.value.expected == "a 1-D float64 array"
    assert info.value.found == found


@pytest.mark.parametrize(
    "strengths",
    [
        ["a"],
        None,
        "300",
        [ureg.Quantity(300, "mcg")],
        [True],
        [300.0, False],
        [math.nan],
        [math.inf],
        [10**400],
        [np.int64(300)],
        [],
        [0.0],
    ],
)
def test_single_use_units_refuses_strengths_that_are_not_numbers_above_0(
    strengths: object,
) -> None:
    with pytest.raises(InputError) as info:
        single_use_units(np.array([350.0]), strengths)  # type: ignore[arg-type]
    assert info.value.field == "strengths"
    assert info.value.expected == "at least one strength, each a number above 0"


def test_single_use_units_takes_int_strengths() -> None:
    got = single_use_units(np.array([350.0, 500.0]), [300, 480])
    assert got.tolist() == single_use_units(np.array([350.0, 500.0]), [300.0, 480.0]).tolist()


@pytest.mark.parametrize(
    ("doses", "strengths", "field", "expected"),
    [
        ([1e19], [1.0], "doses", "doses of at most 10,000 times the largest strength (1.0)"),
        ([1e300], [300.0], "doses", "doses of at most 10,000 times the largest strength (300.0)"),
        ([0.0, 3_000_001.0], [300.0], "doses", "doses of at most 10,000 times"),
        ([1.0], [1e-320], "strengths", "doses of at most 10,000 times the largest strength"),
    ],
)
def test_single_use_units_refuses_a_dose_of_too_many_units(
    doses: list[float], strengths: list[float], field: str, expected: str
) -> None:
    with pytest.raises(InputError) as info:
        single_use_units(np.array(doses), strengths)
    assert info.value.field == field
    assert info.value.expected.startswith(expected)


def test_single_use_units_at_its_unit_limit() -> None:
    assert single_use_units(np.array([3_000_000.0]), [300.0]).tolist() == [[10_000]]


def test_single_use_units_counts_combinations_before_listing_them() -> None:
    """500 units of 5 strengths: C(504, 4) ≈ 2.6e9 combinations, refused without listing one."""
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="combinations") as info:
            single_use_units(np.array([500.0]), [5.0, 6.0, 7.0, 8.0, 9.0])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.field == "doses"
    assert info.value.expected == "a dose of at most 100000 combinations"
    assert peak < 5_000_000


def test_tablet_counts_takes_no_cache_from_its_caller() -> None:
    with pytest.raises(TypeError):
        tablet_counts(np.array([70.0]), ureg.milligram, _VENETOCLAX, made={70.0: [9, 9, 9]})  # type: ignore[call-arg]
    assert tablet_counts(np.array([70.0]), ureg.milligram, _VENETOCLAX).tolist() == [[2], [1], [0]]
