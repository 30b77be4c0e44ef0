"""Laboratory rules: the venetoclax start gate from the label.

The rule (clinical reference §2, Venclexta US prescribing information, AML dosing, confidence H):
before the first venetoclax dose the white-cell count must be below 25 × 10⁹/L (cytoreduce first
if needed). So a count of exactly 25 × 10⁹/L does not meet it. The count a dose is checked against
is the latest one given on or before its day; while that count does not meet the gate, venetoclax
is not started (each dose is held); no count at all means the gate was not evaluated.

Venetoclax days, from the regimen files: CLAG+VEN 2-8 at 400 mg (NCT06763666); CAV 1-21 with
100 mg day 1, 200 mg day 2, then 400 mg (NCT05657639); CMGV 2-10 with 100 mg day 2, 200 mg day 3,
then 400 mg (CMG+VEN ASH abstract).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import regimen_calc as rc
from regimen_calc import labs as labs_module
from regimen_calc.errors import LoadError
from regimen_calc.labs import evaluate_start_gate, start_gate_for

A = rc.Patient(height="170 cm", weight="65 kg")


def _venetoclax(sched: rc.Schedule) -> dict[int, tuple[bool, float]]:
    """{day: (held, dose in mg)} for venetoclax."""
    return {
        d.day: (a.held, a.dose.to("mg").magnitude) for d, a in sched.administrations("venetoclax")
    }


def _gate_messages(sched: rc.Schedule) -> list[str]:
    return [w.message for w in sched.warnings if w.field == "start_gate"]


def test_the_gate_is_data_with_the_label_as_source() -> None:
    gate = start_gate_for("venetoclax")
    assert gate is not None
    assert (gate.lab, gate.operator, gate.threshold) == ("wbc", "<", 25)
    assert "Venclexta" in gate.source
    assert gate.limit == "below 25 × 10⁹/L"
    # Only venetoclax has a start gate in the label data.
    assert start_gate_for("cladribine") is None
    assert start_gate_for("filgrastim") is None


def test_clag_ven_wbc_30_holds_venetoclax_as_well_as_filgrastim() -> None:
    sched = rc.load_regimen("CLAG+VEN").schedule(A, labs={2: {"wbc": 30}})
    # Filgrastim: hold_if wbc >= 20 on day 2 (NCT06763666).
    filgrastim = {d.day: a.held for d, a in sched.administrations("filgrastim")}
    assert filgrastim[2] is True
    # Venetoclax: 30 is not below 25, and no later count: never started this cycle.
    assert _venetoclax(sched) == {day: (True, 400) for day in range(2, 9)}
    day2 = sched.day(2).administrations[-1]
    assert day2.drug == "venetoclax"
    assert "white-cell count 30 × 10⁹/L on day 2 is not below 25 × 10⁹/L" in day2.hold_reason
    (message,) = _gate_messages(sched)
    assert "NOT STARTED this cycle" in message and "(2–8)" in message


@pytest.mark.parametrize(
    ("wbc", "held"),
    [(24.9, False), (25, True), (25.1, True), (0, False)],
    ids=["24.9 below", "25 exactly", "25.1 above", "0"],
)
def test_boundary_exactly_25_is_held(wbc: float, held: bool) -> None:
    sched = rc.load_regimen("CLAG+VEN").schedule(A, labs={2: {"wbc": wbc}})
    assert _venetoclax(sched)[2] == (held, 400)
    # A count of the first dose's own day that meets the gate needs no gate message.
    assert bool(_gate_messages(sched)) is held


def test_no_count_says_the_gate_was_not_evaluated() -> None:
    for labs in (None, {1: {"crcl": 80}}, {3: {"wbc": 40}}):
        sched = rc.load_regimen("CLAG+VEN").schedule(A, labs=labs)
        # Nothing to decide on for day 2: given, never silently; day 3's count is after it.
        assert _venetoclax(sched) == {day: (False, 400) for day in range(2, 9)}
        (message,) = _gate_messages(sched)
        assert "NOT EVALUATED: no white-cell count was given for day 2 or before" in message
        assert "below 25 × 10⁹/L before the first dose" in message


def test_the_latest_earlier_count_decides_and_the_page_says_so() -> None:
    sched = rc.load_regimen("CLAG+VEN").schedule(A, labs={1: {"wbc": 10}})
    assert _venetoclax(sched)[2] == (False, 400)
    (message,) = _gate_messages(sched)
    assert "met by the day 1 value (white-cell count 10 × 10⁹/L)" in message
    assert "no value was given for day 2, the first dose" in message


def test_a_later_count_below_25_starts_venetoclax_then_and_the_move_is_flagged() -> None:
    sched = rc.load_regimen("CLAG+VEN").schedule(
        A, labs={1: {"wbc": 30}, 3: {"wbc": 31}, 4: {"wbc": 20}, 6: {"wbc": 40}}
    )
    # Days 2-3 held (latest counts 30 then 31); day 4 (20) is the first dose; later days are not
    # gated (the day 6 count of 40 is after the first dose).
    expected = {2: True, 3: True, 4: False, 5: False, 6: False, 7: False, 8: False}
    assert {day: held for day, (held, _) in _venetoclax(sched).items()} == expected
    assert "the latest white-cell count 30 × 10⁹/L on day 1 is not" in (
        sched.day(2).administrations[-1].hold_reason
    )
    (message,) = _gate_messages(sched)
    assert "moves from day 2 to day 4 (days 2, 3 held)" in message
    assert "ramp-up" not in message  # CLAG+VEN states no ramp-up


def test_cav_ramp_up_start_moved_is_flagged() -> None:
    sched = rc.load_regimen("CAV").schedule(A, labs={1: {"wbc": 25}, 2: {"wbc": 12}})
    doses = _venetoclax(sched)
    assert doses[1] == (True, 100)
    assert doses[2] == (False, 200)  # the regimen's day 2 dose, now the first one given
    (message,) = _gate_messages(sched)
    assert "moves from day 1 to day 2 (day 1 held)" in message
    assert "The ramp-up starts at 100 mg: the dose printed for day 2 is not" in message


def test_cmgv_gate_applies_to_its_first_venetoclax_day() -> None:
    sched = rc.load_regimen("CMGV").schedule(A, labs={1: {"wbc": 26}, 2: {"wbc": 24}})
    doses = _venetoclax(sched)
    assert doses[2] == (False, 100)  # day 2's own count 24 < 25
    assert _gate_messages(sched) == []
    held = rc.load_regimen("CMGV").schedule(A, labs={2: {"wbc": 25}, 3: {"wbc": 5}})
    assert _venetoclax(held)[2] == (True, 100)
    assert _venetoclax(held)[3] == (False, 200)


def test_the_gate_reaches_the_printed_schedule() -> None:
    from regimen_calc.render import render

    held = rc.load_regimen("CLAG+VEN").schedule(A, labs={2: {"wbc": 30}})
    markdown = render(held, "markdown")
    row = next(line for line in markdown.splitlines() if "| venetoclax | 400 mg |" in line)
    assert "HELD (not started: white-cell count 30 × 10⁹/L on day 2 is not below 25 × 10⁹/L)" in row
    unchecked = " ".join(render(rc.load_regimen("CAV").schedule(A), "text").split())
    assert "venetoclax start gate" in unchecked and "NOT EVALUATED" in unchecked


def test_a_broken_gate_in_the_data_is_a_load_error(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = {"start_gates": {"venetoclax": {
        "lab": "wcc", "operator": "<", "threshold": 25, "text": "t", "source": "s"}}}
    monkeypatch.setattr(labs_module, "_eligibility", lambda: broken)
    labs_module._start_gates.cache_clear()
    try:
        with pytest.raises(LoadError, match=r"start_gates\.venetoclax\.lab"):
            start_gate_for("venetoclax")
    finally:
        monkeypatch.undo()
        labs_module._start_gates.cache_clear()


_COUNTS = st.dictionaries(
    st.integers(min_value=0, max_value=10),
    st.one_of(st.sampled_from([0, 24.9, 25, 25.1]), st.floats(min_value=0, max_value=100)),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(counts=_COUNTS)
def test_gate_property_held_days_are_a_prefix_each_with_a_count_not_below_25(
    counts: dict[int, float],
) -> None:
    gate = start_gate_for("venetoclax")
    assert gate is not None
    days = (2, 3, 4, 5, 6, 7, 8)
    labs = {day: {"wbc": value} for day, value in counts.items()}
    result = evaluate_start_gate(gate, days, labs)
    held = sorted(result.held)
    assert held == list(days[: len(held)])  # the held days come first, none after a given one
    for day in held:
        latest = max(d for d in counts if d <= day)
        assert counts[latest] >= 25
    if result.first_dose is not None:
        earlier = [d for d in counts if d <= result.first_dose]
        assert not earlier or counts[max(earlier)] < 25
        assert result.checked_by == (None if not earlier else (max(earlier), counts[max(earlier)]))
    else:
        assert len(held) == len(days)


# --------------------------------------------------------------------------------------------
# Days a value may be given for: up to the schedule's last day (MEC: days 1-5; CLAG+VEN: 0-8),
# from day -30, the earliest day a regimen may use (a value before the first dose is read as
# "the latest value on or before" a day).


@pytest.mark.parametrize(
    ("regimen_id", "day"),
    [("MEC", 6), ("MEC", 99), ("MEC", -31), ("MEC", -999), ("MEC", 10**20), ("CLAG+VEN", 9)],
)
def test_a_value_for_a_day_outside_the_schedule_is_refused(regimen_id: str, day: int) -> None:
    with pytest.raises(rc.InputError) as info:
        rc.load_regimen(regimen_id).schedule(A, labs={day: {"wbc": 5}})
    assert info.value.field == f"labs[{day}]"
    assert "a day from day -30 to day" in str(info.value)


@pytest.mark.parametrize(("regimen_id", "day"), [("MEC", 5), ("MEC", -30), ("CLAG+VEN", 8)])
def test_a_value_at_either_end_of_the_days_is_accepted(regimen_id: str, day: int) -> None:
    sched = rc.load_regimen(regimen_id).schedule(A, labs={day: {"wbc": 5}})
    assert sched.labs == {day: {"wbc": 5.0}}


def test_a_baseline_count_before_the_first_dose_is_read_by_the_start_gate() -> None:
    # A count of 30 × 10⁹/L (not below 25) on day -3 is the latest before venetoclax day 2.
    sched = rc.load_regimen("CLAG+VEN").schedule(A, labs={-3: {"wbc": 30}})
    assert _venetoclax(sched)[2][0] is True
