"""CSV: one row per administration, printed text plus machine columns, formula-safe."""

from __future__ import annotations

import csv
import io

import attrs
import pytest

import regimen_calc as rc
from regimen_calc.render import render
from regimen_calc.render.csv import COLUMNS, _safe
from render_support import worked_example


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render(worked_example(), "csv"), newline="")))


def test_one_row_per_administration(rows) -> None:
    # filgrastim days 0-5, cladribine and cytarabine days 1-5, venetoclax days 2-8.
    assert len(rows) == 6 + 5 + 5 + 7
    assert list(rows[0]) == list(COLUMNS)


def test_values(rows) -> None:
    by = {(r["day"], r["drug"]): r for r in rows}
    assert by[("1", "cladribine")]["dose_to_give"] == "9.1 mg"
    assert by[("1", "cytarabine")]["dose_to_give"] == "1,820 mg"
    assert by[("1", "cytarabine")]["dose_value"] == "1820"
    assert by[("1", "cytarabine")]["date"] == "2026-01-05"
    assert by[("0", "filgrastim")]["dose_to_give"] == "350 mcg"
    assert by[("0", "filgrastim")]["date"] == "2026-01-04"
    assert by[("0", "filgrastim")]["route"] == "subcutaneous (subcut)"
    expected = {"2": "10 mg", "3": "20 mg", "4": "50 mg", "5": "70 mg", "8": "70 mg"}
    for day, dose in expected.items():
        row = by[(day, "venetoclax")]
        assert row["dose_value"] + " " + row["dose_unit"] == dose
        assert row["interaction_unadjusted"] == "400 mg"
        # The posaconazole table is graded M (USPI quoted by a secondary source, §2).
        assert row["interaction_adjusted"] == f"{dose} [M]"
    assert by[("5", "venetoclax")]["tablets"] == "1 × 50 mg + 2 × 10 mg tablets (3 tablets)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("9.1 mg", "9.1 mg"),
    ],
)
def test_formula_cells_are_neutralised(value: str, expected: str) -> None:
    assert _safe(value) == expected


def test_regimen_values_and_label_instructions_on_every_row(rows) -> None:
    # NCT06763666 states neither the cycle length nor the number of cycles (clinical reference
    # §1.1): every row says so, with the source, rather than leaving the cells empty.
    assert {r["cycle_length"] for r in rows} == {"not stated by NCT06763666"}
    assert {r["number_of_cycles"] for r in rows} == {"not stated by NCT06763666"}
    # The venetoclax label's instructions (§2) travel with the venetoclax rows.
    for r in rows:
        has_label = "[Label instruction] venetoclax: Before the first dose" in r["warnings"]
        assert has_label == (r["drug"] == "venetoclax")
        # Warnings about the whole schedule are on every row.
        assert "[Not stated by the source] The cycle length is not stated" in r["warnings"]


def test_a_stated_cycle_prints_its_values() -> None:
    # Lipo-MIT+CLAG: "every 4 weeks, up to 2 cycles" (ChiCTR2400086291 abstract).
    sched = rc.load_regimen("Lipo-MIT+CLAG").schedule(rc.Patient(height="170 cm", weight="65 kg"))
    row = next(csv.DictReader(io.StringIO(render(sched, "csv"), newline="")))
    assert (row["cycle_length"], row["number_of_cycles"]) == ("28 days", "at most 2 cycles")


def test_number_cells_stay_numbers_for_a_dict_reader() -> None:
    # CLAG's filgrastim starts on day 0. Moved two days earlier (a regimen built in code, as a
    # site regimen could be), it starts on day -1: every day reads back as an int.
    regimen = rc.load_regimen("CLAG")
    fil = regimen.component("filgrastim")
    moved = attrs.evolve(fil, days=tuple(d - 1 for d in fil.days))
    regimen = attrs.evolve(
        regimen, components=tuple(moved if c is fil else c for c in regimen.components)
    )
    sched = regimen.schedule(rc.Patient(height="170 cm", weight="70 kg"))
    rows = list(csv.DictReader(io.StringIO(render(sched, "csv"), newline="")))
    days = sorted({int(r["day"]) for r in rows})
    assert days == [-1, 0, 1, 2, 3, 4, 5]
    assert all(int(r["cycle"]) == 1 and int(r["administrations_per_day"]) == 1 for r in rows)
    first = next(r for r in rows if r["day"] == "-1")
    # 5 mcg/kg × 70 kg = 350 mcg (NCT06763666, clinical reference §1.1).
    assert (first["drug"], float(first["dose_value"])) == ("filgrastim", 350.0)


def test_a_held_dose_has_no_tablets_and_dose_value_0() -> None:
    import csv as csv_module
    import io

    from render_support import held_start

    rows = list(csv_module.DictReader(io.StringIO(render(held_start(), "csv"))))
    ven = {int(r["day"]): r for r in rows if r["drug"] == "venetoclax"}
    for day in (2, 3):  # held by the start gate: nothing dispensed, nothing adjusted
        assert ven[day]["held"] == "yes"
        assert (ven[day]["dose_value"], ven[day]["tablets"]) == ("0", "")
        assert ven[day]["interaction_adjusted"] == ""
        assert ven[day]["dose_to_give"].startswith("HELD: do not give")
    # Given: the strong-inhibitor table from the first dose given (10, 20, 50, 100 mg).
    assert [(ven[d]["dose_value"], ven[d]["tablets"]) for d in (4, 5, 6, 7)] == [
        ("10", "1 × 10 mg tablet (1 tablet)"),
        ("20", "2 × 10 mg tablets (2 tablets)"),
        ("50", "1 × 50 mg tablet (1 tablet)"),
        ("100", "1 × 100 mg tablet (1 tablet)"),
    ]
    # The label's strong-inhibitor table rests on a secondary source (graded M): marked so.
    assert ven[4]["interaction_adjusted"] == "10 mg [M]"
