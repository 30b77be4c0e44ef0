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

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import regimen_calc as rc
from regimen_calc.engine import labs as labs_module
from regimen_calc.engine.labs import evaluate_start_gate, start_gate_for
from regimen_calc.errors import LoadError

A = rc.Patient(height="170 cm", weight="65 kg")


def _venetoclax(sched: rc.Schedule) -> dict[int, tuple[bool, float]]:
    """{day: (held, dose in mg)} for venetoclax."""
    return {
        d.day: (a.held, a.dose.to("mg").magnitude) for d, a in sched.administrations("venetoclax")
    }


def _gate_messages(sched: rc.Schedule) -> list[str]:
    return [w.message for w in sched.warnings if w.kind == "start_gate"]


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
    # gated (the day 6 count of 40 is after the first dose). The last day stays day 8: 5 doses.
    expected = {2: True, 3: True, 4: False, 5: False, 6: False, 7: False, 8: False}
    assert {day: held for day, (held, _) in _venetoclax(sched).items()} == expected
    assert "the latest white-cell count 30 × 10⁹/L on day 1 is not" in (
        sched.day(2).administrations[-1].hold_reason
    )
    (message,) = _gate_messages(sched)
    assert (
        "moves from day 2 to day 4 (days 2, 3 held: white-cell count 30 × 10⁹/L on day 1, "
        "white-cell count 31 × 10⁹/L on day 3 are not below 25 × 10⁹/L; started on the day 4 "
        "count, white-cell count 20 × 10⁹/L)"
    ) in message
    assert "day 4 gives the first dose at 400 mg" in message
    assert "5 of the 7 planned doses are given (the last 2 are not)" in message


def _given(sched: rc.Schedule) -> dict[int, float]:
    """{day: dose in mg} of the venetoclax doses given (held days left out)."""
    return {day: mg for day, (held, mg) in _venetoclax(sched).items() if not held}


def test_voriconazole_delayed_start_begins_the_inhibitor_ramp_at_its_first_step() -> None:
    # Strong inhibitor, label table 10, 20, 50 mg on dosing days 1-3, then 100 mg (clinical
    # reference §2). Days 2-3 held (count 30 on day 2), first dose day 4 (count 20):
    # day 4 = dosing day 1 = 10 mg, day 5 = 20, day 6 = 50, days 7-8 = 100.
    sched = rc.load_regimen("CLAG+VEN").schedule(
        A, concomitant=["voriconazole"], labs={2: {"wbc": 30}, 4: {"wbc": 20}}
    )
    assert _given(sched) == {4: 10, 5: 20, 6: 50, 7: 100, 8: 100}
    first = sched.day(4).administrations[-1]
    assert first.drug == "venetoclax"
    assert first.adjustment is not None and "venetoclax dosing day 1" in first.adjustment.text
    (message,) = _gate_messages(sched)
    assert "day 4 gives the first dose at 10 mg" in message


def test_cav_delayed_start_begins_its_own_ramp_up_at_its_first_step() -> None:
    # CAV venetoclax 100 mg d1, 200 mg d2, 400 mg d3-21 (NCT05657639). Day 1 held (count 25),
    # first dose day 2 (count 12): day 2 = 100, day 3 = 200, days 4-21 = 400 (20 doses).
    sched = rc.load_regimen("CAV").schedule(A, labs={1: {"wbc": 25}, 2: {"wbc": 12}})
    doses = _venetoclax(sched)
    assert doses[1] == (True, 100)  # the dose that was due: the first step
    assert _given(sched) == {2: 100, 3: 200, **{day: 400 for day in range(4, 22)}}
    first = sched.day(2).administrations[-1]
    assert first.calculated_dose.to("mg").magnitude == 100
    (message,) = _gate_messages(sched)
    assert "moves from day 1 to day 2 (day 1 held: white-cell count 25 × 10⁹/L on day 1 is" in (
        message
    )
    assert "day 2 gives the first dose at 100 mg" in message
    assert "20 of the 21 planned doses are given (the last one is not)" in message


def test_cav_posaconazole_and_moderate_inhibitor_after_a_delayed_start() -> None:
    # Posaconazole: label 10, 20, 50 mg on dosing days 1-3, then 70 mg; each capped at the
    # regimen's own step (100, 200, 400). Days 1-2 held: day 3 = 10, 4 = 20, 5 = 50, 6-21 = 70.
    labs = {1: {"wbc": 40}, 3: {"wbc": 24.9}}
    posa = rc.load_regimen("CAV").schedule(A, concomitant=["posaconazole"], labs=labs)
    assert _given(posa) == {3: 10, 4: 20, 5: 50, **{day: 70 for day in range(6, 22)}}
    # Fluconazole (moderate): 50% of the regimen's step: day 3 = 50, 4 = 100, 5-21 = 200.
    fluc = rc.load_regimen("CAV").schedule(A, concomitant=["fluconazole"], labs=labs)
    assert _given(fluc) == {3: 50, 4: 100, **{day: 200 for day in range(5, 22)}}


def test_cmgv_gate_applies_to_its_first_venetoclax_day() -> None:
    sched = rc.load_regimen("CMGV").schedule(A, labs={1: {"wbc": 26}, 2: {"wbc": 24}})
    doses = _venetoclax(sched)
    assert doses[2] == (False, 100)  # day 2's own count 24 < 25
    assert _gate_messages(sched) == []
    # CMGV 100 mg d2, 200 mg d3, 400 mg d4-10 (CMG+VEN ASH abstract). Day 2 held (count 25):
    # day 3 = 100, day 4 = 200, days 5-10 = 400.
    held = rc.load_regimen("CMGV").schedule(A, labs={2: {"wbc": 25}, 3: {"wbc": 5}})
    assert _venetoclax(held)[2] == (True, 100)
    assert _given(held) == {3: 100, 4: 200, **{day: 400 for day in range(5, 11)}}


def test_a_day_0_count_decides_a_day_1_start() -> None:
    # CAV starts venetoclax on day 1: a count from day 0 (the day before) is the latest for it.
    sched = rc.load_regimen("CAV").schedule(A, labs={0: {"wbc": 30}, 2: {"wbc": 10}})
    assert _venetoclax(sched)[1] == (True, 100)
    assert _given(sched)[2] == 100
    assert "white-cell count 30 × 10⁹/L on day 0" in sched.day(1).administrations[-1].hold_reason


def test_a_day_0_venetoclax_start_moves_with_its_ramp_up(tmp_path: Path) -> None:
    # CAV with its venetoclax moved one day earlier (100 mg day 0, 200 mg day 1, 400 mg days
    # 2-20), voriconazole, a count of 30 on day -1 and 10 on day 1: day 0 held, then the
    # strong-inhibitor table from day 1: 10, 20, 50 mg, then 100 mg (capped at the regimen's step).
    text = (Path(rc.__file__).parent / "regimens" / "CAV.yaml").read_text(encoding="utf-8")
    changes = (
        ("id: CAV\n", "id: CAV-day0\n"),
        ("{days: 1, dose: 100 mg}", "{days: 0, dose: 100 mg}"),
        ("{days: 2, dose: 200 mg}", "{days: 1, dose: 200 mg}"),
        ("{days: 3-21, dose: 400 mg}", "{days: 2-20, dose: 400 mg}"),
    )
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "CAV-day0.yaml"
    path.write_text(text, encoding="utf-8")
    sched = rc.load_regimen(path).schedule(
        A, concomitant=["voriconazole"], labs={-1: {"wbc": 30}, 1: {"wbc": 10}}
    )
    assert _venetoclax(sched)[0][0] is True
    assert _given(sched) == {1: 10, 2: 20, 3: 50, **{day: 100 for day in range(4, 21)}}
    (message,) = _gate_messages(sched)
    assert "moves from day 0 to day 1" in message
    assert "day 1 gives the first dose at 10 mg" in message


def test_the_first_dose_row_is_flagged_with_the_move_and_why() -> None:
    sched = rc.load_regimen("CLAG+VEN").schedule(
        A, concomitant=["voriconazole"], labs={2: {"wbc": 30}, 4: {"wbc": 20}}
    )
    first = sched.day(4).administrations[-1]
    (flag,) = [w for w in first.warnings if w.startswith("START MOVED")]
    assert flag.startswith("START MOVED from day 2 to day 4 by the venetoclax start gate")
    assert "white-cell count 30 × 10⁹/L on day 2 is not below 25 × 10⁹/L" in flag
    assert "started on the day 4 count, white-cell count 20 × 10⁹/L" in flag
    # Only the first dose given carries it.
    others = [a for d, a in sched.administrations("venetoclax") if d.day != 4]
    assert not any(w.startswith("START MOVED") for a in others for w in a.warnings)


@pytest.mark.parametrize(
    ("labs", "statuses"),
    [
        (None, ["not_evaluated"]),
        ({2: {"wbc": 30}}, ["not_started"]),
        ({1: {"wbc": 10}}, ["checked_earlier"]),
        ({2: {"wbc": 30}, 4: {"wbc": 20}}, ["moved"]),
        ({1: {"wbc": 30}, 3: {"wbc": 20}}, ["moved"]),
        ({2: {"wbc": 24}}, []),
    ],
    ids=["no labs", "never met", "earlier count", "moved", "held by a day 1 count", "met"],
)
def test_gate_statuses_are_start_gate_warnings(
    labs: dict[int, dict[str, float]] | None, statuses: list[str]
) -> None:
    sched = rc.load_regimen("CLAG+VEN").schedule(A, labs=labs)
    found = [w for w in sched.warnings if w.kind == "start_gate"]
    assert [w.field for w in found] == statuses
    assert all(w.component == "venetoclax" and "Venclexta" in (w.source or "") for w in found)
    assert set(statuses) <= set(labs_module.START_GATE_STATUSES)


def test_the_gate_reaches_the_printed_schedule() -> None:
    from regimen_calc.render import render

    held = rc.load_regimen("CLAG+VEN").schedule(A, labs={2: {"wbc": 30}})
    markdown = render(held, "markdown")
    row = next(line for line in markdown.splitlines() if "| venetoclax | 400 mg |" in line)
    assert "HELD (not started: white-cell count 30 × 10⁹/L on day 2 is not below 25 × 10⁹/L)" in row
    unchecked = " ".join(render(rc.load_regimen("CAV").schedule(A), "text").split())
    assert "venetoclax start gate" in unchecked and "NOT EVALUATED" in unchecked


def test_a_broken_gate_in_the_data_is_a_load_error(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = {
        "start_gates": {
            "venetoclax": {
                "lab": "wcc",
                "operator": "<",
                "threshold": 25,
                "text": "t",
                "source": "s",
            }
        }
    }
    monkeypatch.setattr(labs_module, "_eligibility", lambda: broken)
    labs_module._start_gates.cache_clear()
    try:
        with pytest.raises(LoadError, match=r"start_gates\.venetoclax\.lab"):
            start_gate_for("venetoclax")
    finally:
        monkeypatch.undo()
        labs_module._start_gates.cache_clear()


_COUNTS = st.dictionaries(
    # Lab days within every venetoclax regimen's cycle: CLAG+VEN's last day is day 8.
    st.integers(min_value=0, max_value=8),
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
    last = {"MEC": 5, "CLAG+VEN": 8}[regimen_id]
    assert f"a day from day -30 to day {last}, the schedule's last day" in str(info.value)


@pytest.mark.parametrize(("regimen_id", "day"), [("MEC", 5), ("MEC", -30), ("CLAG+VEN", 8)])
def test_a_value_at_either_end_of_the_days_is_accepted(regimen_id: str, day: int) -> None:
    sched = rc.load_regimen(regimen_id).schedule(A, labs={day: {"wbc": 5}})
    assert sched.labs == {day: {"wbc": 5.0}}


def test_a_baseline_count_before_the_first_dose_is_read_by_the_start_gate() -> None:
    # A count of 30 × 10⁹/L (not below 25) on day -3 is the latest before venetoclax day 2.
    sched = rc.load_regimen("CLAG+VEN").schedule(A, labs={-3: {"wbc": 30}})
    assert _venetoclax(sched)[2][0] is True


_REGIMENS = ("CLAG+VEN", "CAV", "CMGV")
_INHIBITORS = ((), ("voriconazole",), ("posaconazole",), ("fluconazole",), ("clarithromycin",))


@settings(max_examples=60, deadline=None)
@given(
    regimen=st.sampled_from(_REGIMENS),
    concomitant=st.sampled_from(_INHIBITORS),
    counts=_COUNTS,
)
def test_gate_property_a_delayed_start_gives_the_first_doses_of_the_undelayed_course(
    regimen: str, concomitant: tuple[str, ...], counts: dict[int, float]
) -> None:
    """The rule: with k held days of N, the doses given are the undelayed course's first N - k
    (inhibitor taken throughout the cycle), on the course's last N - k days."""
    reg = rc.load_regimen(regimen)
    labs = {day: {"wbc": value} for day, value in counts.items()}
    delayed = _venetoclax(reg.schedule(A, concomitant=list(concomitant), labs=labs))
    undelayed = _venetoclax(reg.schedule(A, concomitant=list(concomitant)))
    days = sorted(undelayed)
    held = [day for day in days if delayed[day][0]]
    k = len(held)
    assert held == days[:k]
    given_doses = [delayed[day][1] for day in days[k:]]
    assert given_doses == [undelayed[day][1] for day in days[: len(days) - k]]


# --------------------------------------------------------------------------------------------
# Operator boundaries of the bundled conditions and eligibility limits, each tested at, just
# below and just above its threshold, as the operator is written:
# * CMGV filgrastim: continue_until wbc > 20 (CMG+VEN ASH abstract): 20 exactly does not stop it.
# * CLAG filgrastim: hold_if wbc >= 20 (NCT06763666): 20 exactly holds.
# * NCT06763666 eligibility (data/eligibility.yaml): ALT < 5 × ULN and bilirubin < 3 × ULN are the
#   values that MEET the limit, so exactly 5 and exactly 3 give a warning.

_CMGV_STOP = "Continue filgrastim until the white-cell count is > 20 × 10⁹/L, then stop."
_CLAG_HOLD = "Suspend filgrastim while the white-cell count is ≥ 20 × 10⁹/L."
_TRIAL = "NCT06763666"
_TRIAL_SOURCE = "NCT06763666 registry, inclusion criteria 7-8"


def _filgrastim_held(sched: rc.Schedule) -> dict[int, bool]:
    return {d.day: a.held for d, a in sched.administrations("filgrastim")}


@pytest.mark.parametrize(
    ("wbc", "stopped"),
    [(19.9, False), (20, False), (20.1, True)],
    ids=["19.9 below", "20 exactly", "20.1 above"],
)
def test_cmgv_filgrastim_stops_only_above_20(wbc: float, stopped: bool) -> None:
    # Filgrastim days 0-10 (the library's reading of "from day 0 until the count exceeds 20").
    sched = rc.load_regimen("CMGV").schedule(A, labs={3: {"wbc": wbc}})
    held = _filgrastim_held(sched)
    assert sorted(held) == list(range(0, 11))
    # Stopped from the day of the count on; the days before it are given.
    assert held == {day: stopped and day >= 3 for day in range(0, 11)}
    if stopped:
        (day3,) = [a for a in sched.day(3).administrations if a.drug == "filgrastim"]
        assert day3.hold_reason == (
            f"stopped from day 3: white-cell count 20.1 × 10⁹/L ({_CMGV_STOP})"
        )


def test_cmgv_a_stop_count_holds_every_later_day_even_after_a_lower_count() -> None:
    # A count of 21 on day 2 stops filgrastim: a count of 5 on day 4 does not restart it.
    sched = rc.load_regimen("CMGV").schedule(A, labs={2: {"wbc": 21}, 4: {"wbc": 5}})
    assert _filgrastim_held(sched) == {day: day >= 2 for day in range(0, 11)}


@pytest.mark.parametrize(
    ("wbc", "held"),
    [(19.9, False), (20, True), (20.1, True)],
    ids=["19.9 below", "20 exactly", "20.1 above"],
)
def test_clag_filgrastim_is_held_at_20_and_above(wbc: float, held: bool) -> None:
    sched = rc.load_regimen("CLAG").schedule(A, labs={2: {"wbc": wbc}})
    # Only day 2 has a count: only day 2 can be held (hold_if reads the day's own value).
    assert _filgrastim_held(sched) == {day: held and day == 2 for day in range(0, 6)}


def _lab_messages(sched: rc.Schedule) -> list[str]:
    return [w.message for w in sched.warnings if w.kind == "lab"]


@pytest.mark.parametrize(
    ("lab", "value", "meets", "shown", "limit"),
    [
        ("alt_uln", 4.9, True, "ALT 4.9", "ALT < 5 × the upper limit of normal"),
        ("alt_uln", 5, False, "ALT 5", "ALT < 5 × the upper limit of normal"),
        ("alt_uln", 5.1, False, "ALT 5.1", "ALT < 5 × the upper limit of normal"),
        ("bilirubin_uln", 2.9, True, "bilirubin 2.9", "bilirubin < 3 × the upper limit of normal"),
        ("bilirubin_uln", 3, False, "bilirubin 3", "bilirubin < 3 × the upper limit of normal"),
        ("bilirubin_uln", 3.1, False, "bilirubin 3.1", "bilirubin < 3 × the upper limit of normal"),
    ],
    ids=["ALT 4.9", "ALT 5 exactly", "ALT 5.1", "bili 2.9", "bili 3 exactly", "bili 3.1"],
)
def test_eligibility_limits_are_met_only_below_the_threshold(
    lab: str, value: float, meets: bool, shown: str, limit: str
) -> None:
    # Every other limit met: creatinine clearance 80 (≥ 30), the other liver value 1 × ULN.
    row = {"crcl": 80, "alt_uln": 1, "bilirubin_uln": 1, lab: value}
    sched = rc.load_regimen("CLAG").schedule(A, labs={1: row})
    expected = (
        []
        if meets
        else [
            f"Day 1: {shown} × upper limit of normal does not meet the {_TRIAL} eligibility limit "
            f"({limit}; {_TRIAL_SOURCE})."
        ]
    )
    assert _lab_messages(sched) == expected


# --------------------------------------------------------------------------------------------
# Instructions printed when a value to decide on is missing.


def test_no_labs_prints_the_eligibility_limits_and_each_condition_as_an_instruction() -> None:
    sched = rc.load_regimen("CLAG").schedule(A)
    assert _lab_messages(sched) == [
        f"{_TRIAL} eligibility (no laboratory values given): check creatinine clearance "
        "≥ 30 mL/min; ALT < 5 × the upper limit of normal; bilirubin < 3 × the upper limit of "
        f"normal ({_TRIAL_SOURCE})."
    ]
    holds = [w.message for w in sched.warnings if w.kind == "hold"]
    assert holds == [
        f"filgrastim: {_CLAG_HOLD} (no laboratory values given: check before each dose)"
    ]


def test_a_regimen_without_a_trial_limit_has_no_eligibility_message() -> None:
    # MEC has no entry in eligibility.yaml and no lab condition.
    sched = rc.load_regimen("MEC").schedule(A)
    assert _lab_messages(sched) == []
    assert [w for w in sched.warnings if w.kind == "hold"] == []


def test_a_limit_whose_lab_was_not_given_is_named() -> None:
    # Only creatinine clearance given (80, meets ≥ 30): the two liver limits are named.
    sched = rc.load_regimen("CLAG").schedule(A, labs={1: {"crcl": 80}})
    assert _lab_messages(sched) == [
        f"{_TRIAL} eligibility: no ALT value given; check ALT < 5 × the upper limit of normal "
        f"({_TRIAL_SOURCE}).",
        f"{_TRIAL} eligibility: no bilirubin value given; check bilirubin < 3 × the upper limit "
        f"of normal ({_TRIAL_SOURCE}).",
    ]


def test_crcl_below_30_is_an_eligibility_warning_on_its_day() -> None:
    sched = rc.load_regimen("CLAG").schedule(
        A, labs={1: {"crcl": 29.9, "alt_uln": 1, "bilirubin_uln": 1}}
    )
    assert _lab_messages(sched) == [
        f"Day 1: creatinine clearance 29.9 mL/min does not meet the {_TRIAL} eligibility limit "
        f"(creatinine clearance ≥ 30 mL/min; {_TRIAL_SOURCE})."
    ]


def test_days_without_a_wbc_value_are_listed_for_a_hold_condition() -> None:
    # CLAG filgrastim days 0-5, a count only on day 2 (10, below 20: not held).
    sched = rc.load_regimen("CLAG").schedule(A, labs={2: {"wbc": 10}})
    holds = [w.message for w in sched.warnings if w.kind == "hold"]
    assert holds == [
        f"filgrastim: {_CLAG_HOLD} (no wbc value for day(s) 0, 1, 3–5: "
        "check before each of these doses)"
    ]


def test_days_before_a_stop_without_their_own_value_are_listed_for_continue_until() -> None:
    # CMGV filgrastim days 0-10; a count of 5 on day 1 and 25 on day 4 (stops from day 4).
    # Unchecked: days 0, 2 and 3 (before the stop, no value of their own). Days 4-10 are stopped.
    sched = rc.load_regimen("CMGV").schedule(A, labs={1: {"wbc": 5}, 4: {"wbc": 25}})
    holds = [w.message for w in sched.warnings if w.kind == "hold"]
    assert holds[0] == (
        f"filgrastim: {_CMGV_STOP} (no wbc value for day(s) 0, 2, 3: "
        "check before each of these doses)"
    )
    assert holds[1:] == [
        f"Day {day}: filgrastim stopped from day 4: white-cell count 25 × 10⁹/L ({_CMGV_STOP})"
        for day in range(4, 11)
    ]


def test_every_day_with_a_wbc_value_needs_no_instruction() -> None:
    labs = {day: {"wbc": 10} for day in range(0, 6)}
    sched = rc.load_regimen("CLAG").schedule(A, labs=labs)
    assert [w for w in sched.warnings if w.kind == "hold"] == []


# ------------------------------------------------------------- boundaries of the lab table
# data/labs.yaml: each lab's plausible range is inclusive (white-cell count 0 to 1,000 × 10⁹/L).


@pytest.mark.parametrize("value", [0, 1000])
def test_a_lab_value_at_either_end_of_its_plausible_range_is_accepted(value: int) -> None:
    assert labs_module.check_labs({1: {"wbc": value}}) == {1: {"wbc": float(value)}}


@pytest.mark.parametrize("value", [-0.1, 1000.1])
def test_a_lab_value_outside_its_plausible_range_is_refused(value: float) -> None:
    with pytest.raises(rc.InputError) as info:
        labs_module.check_labs({1: {"wbc": value}})
    assert info.value.field == "labs[1].wbc" and "from 0 to 1000 10^9/L" in str(info.value)


def _gate_data(**changes: object) -> dict[str, object]:
    gate = {"lab": "wbc", "operator": "<", "threshold": 25, "text": "t", "source": "s"}
    return {"start_gates": {"venetoclax": {**gate, **changes}}}


def _gate_from(monkeypatch: pytest.MonkeyPatch, data: dict[str, object]) -> object:
    monkeypatch.setattr(labs_module, "_eligibility", lambda: data)
    labs_module._start_gates.cache_clear()
    try:
        return start_gate_for("venetoclax")
    finally:
        monkeypatch.undo()
        labs_module._start_gates.cache_clear()


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"operator": "=<"}, "start_gates.venetoclax.operator"),
        ({"threshold": -1}, "start_gates.venetoclax.threshold"),
        ({"threshold": 1000.5}, "start_gates.venetoclax.threshold"),
        ({"threshold": "25"}, "start_gates.venetoclax.threshold"),
    ],
)
def test_a_gate_with_a_bad_operator_or_threshold_in_the_data_is_a_load_error(
    monkeypatch: pytest.MonkeyPatch, changes: dict[str, object], path: str
) -> None:
    with pytest.raises(LoadError, match=re.escape(path)):
        _gate_from(monkeypatch, _gate_data(**changes))


@pytest.mark.parametrize("threshold", [0, 1000])
def test_a_gate_threshold_at_either_end_of_the_labs_range_loads(
    monkeypatch: pytest.MonkeyPatch, threshold: int
) -> None:
    gate = _gate_from(monkeypatch, _gate_data(threshold=threshold))
    assert gate.threshold == threshold and gate.lab == "wbc"


def test_a_moved_start_warning_carries_the_first_dose_given() -> None:
    # CLAG+VEN venetoclax 400 mg days 2-8: a count of 30 on day 2 holds day 2 (gate: below 25);
    # 20 on day 3 starts it on day 3 at the regimen's first dose, 400 mg.
    sched = rc.load_regimen("CLAG+VEN").schedule(A, labs={2: {"wbc": 30}, 3: {"wbc": 20}})
    (moved,) = [w for w in sched.warnings if w.kind == "start_gate" and w.field == "moved"]
    assert moved.days == (2, 3)
    assert [q.m_as("mg") for q in moved.doses] == [400]
