"""Odd values thrown at the public API and the CLI: only the library's own error ever comes out.

The table of specific bad inputs, each with its error class, field and text, is test_bad_input.py;
this file holds the hypothesis properties and the command-line cases.

Every bad value must raise ``RegimenCalcError`` (a ``ValueError``) naming the field, never a
``TypeError``, ``KeyError``, ``AttributeError``, ``OverflowError`` or a pint error from deep inside,
and the CLI must print one ``error: ...`` line (exit 1) or a usage error (exit 2), never a
traceback and never its "internal error" line.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pint
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import regimen_calc as rc
from regimen_calc.render import FORMATS, render
from regimen_calc.wording import ismp as formatting
from render_support import HUGE, clag_schedule, flat, policy_from_text, run_cli, write_patients_csv

P = rc.Patient(height="170 cm", weight="70 kg")
OTHER = pint.UnitRegistry()  # a second registry: its quantities cannot be mixed with ureg's
ARRAY_MG = rc.ureg.Quantity(np.array([100.0, 200.0]), "mg")


# --------------------------------------------------------------------------------------------
# Properties: whatever comes in, a result or the library's error comes out
# --------------------------------------------------------------------------------------------

ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=8),
    st.dates(),
    st.datetimes(),
    st.lists(st.integers(-50, 50), max_size=4),
    st.tuples(st.booleans()),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.builds(lambda n: rc.ureg.Quantity(n, "mg"), st.floats(allow_nan=True)),
    st.builds(lambda n: OTHER.Quantity(n, "cm"), st.integers(-(10**30), 10**30)),
    st.just(ARRAY_MG),
)

# (formatter, a value it must accept, what it must print for it). The expected texts are the
# house style by hand: thousands comma, no trailing zeros, half-up, "Mon 5 Jan 2026" (1 January
# 2026 is a Thursday), an en dash for a run of days, 2 a day = every 12 hours.
D = datetime.date(2026, 1, 5)
FORMATTERS: list[tuple[Callable[[Any], Any], Any, str]] = [
    (formatting.format_number, 1820, "1,820"),
    (formatting.format_unit, rc.ureg.Unit("mg/m^2"), "mg/m²"),
    (formatting.format_quantity, rc.ureg.Quantity(1820, "mg"), "1,820 mg"),
    (formatting.format_dose_per_unit, rc.ureg.Quantity(5, "mg/m^2"), "5 mg/m²"),
    (formatting.format_entered, rc.ureg.Quantity(5, "mcg/kg"), "5 mcg/kg"),
    (formatting.route_name, "PO", "oral (PO)"),
    (formatting.format_frequency, 2, "every 12 hours"),
    (formatting.format_date, D, "Mon 5 Jan 2026"),
    (formatting.format_days, [1, 2, 3, 4, 5], "1–5"),
    (formatting.format_infusion, None, "infusion time not stated"),
    (formatting.format_sequence, None, "no sequence stated"),
    (lambda v: formatting.format_number(1.5, decimals=v), 1, "1.5"),
    (lambda v: formatting.format_quantity(rc.ureg.Quantity(1.5, "mg"), decimals=v), 0, "2 mg"),
    (lambda v: formatting.format_date(D, weekday=v), False, "5 Jan 2026"),
    (lambda v: formatting.format_date(D, year=v), False, "Mon 5 Jan"),
    (lambda v: formatting.format_infusion(None, route=v), "PO", "not an infusion"),
    (lambda v: formatting.format_sequence(None, after_name=v), "cladribine", "no sequence stated"),
]


def _library_error_or_result(call: Callable[[], Any]) -> None:
    with contextlib.suppress(rc.RegimenCalcError):
        call()


@settings(max_examples=300, deadline=None)
@given(value=ODD, which=st.integers(0, len(FORMATTERS) - 1))
def test_formatting_takes_any_value_or_raises_the_library_error(value: Any, which: int) -> None:
    formatter, good, expected = FORMATTERS[which]
    _library_error_or_result(lambda: formatter(value))
    # The same formatter still takes a good value and prints it right: refusing everything fails.
    assert formatter(good) == expected


SCHEDULE = clag_schedule()


@settings(max_examples=100, deadline=None)
@given(fmt=st.one_of(ODD, st.sampled_from(sorted(FORMATS))), option=st.text(max_size=10), value=ODD)
def test_render_takes_any_format_and_option_or_raises_the_library_error(
    fmt: Any, option: str, value: Any
) -> None:
    _library_error_or_result(lambda: render(SCHEDULE, fmt, **{option: value}))
    # A valid format is still rendered, with the hand-computed doses (render_support: 170 cm,
    # 70 kg, BSA 1.82 m²; cladribine 5 mg/m² = 9.1 mg, cytarabine 1 g/m² = 1,820 mg, filgrastim
    # 5 mcg/kg = 350 mcg): refusing every call fails.
    text = flat(render(SCHEDULE, "text"))
    assert all(v in text for v in ("1.82 m²", "9.1 mg", "1,820 mg", "350 mcg")), text


CSV_TEXT = st.lists(
    st.sampled_from(
        [
            *'0123456789 .,;"\n\r\x00-',
            "cm",
            "kg",
            "in",
            "female",
            "male",
            "☃",
            "posaconazole",
            "170 cm",
            "70 kg",
        ]
    ),
    max_size=40,
).map("".join)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=CSV_TEXT, header=st.booleans())
def test_any_patients_csv_gives_a_cohort_or_the_library_error(
    tmp_path: Path, body: str, header: bool
) -> None:
    text = ("height,weight,sex,concomitant\n" if header else "") + body
    path = tmp_path / "cohort.csv"
    path.write_text(text, encoding="utf-8")
    with contextlib.suppress(rc.RegimenCalcError):
        cohort = rc.read_patients_csv(path)
        assert len(cohort) >= 1
    # A well-formed file is still read, row by row: refusing every file fails.
    good = tmp_path / "good.csv"
    good.write_text("height,weight,sex,concomitant\n170 cm,70 kg,,\n", encoding="utf-8")
    cohort = rc.read_patients_csv(good)
    assert cohort.ids == ("row 2",)
    assert cohort.height_cm.tolist() == [170.0] and cohort.weight_kg.tolist() == [70.0]


@settings(max_examples=150, deadline=None)
@given(value=ODD, lab=st.sampled_from(("wbc", "crcl")), day=ODD)
def test_any_lab_value_or_day_is_taken_or_refused_with_the_library_error(
    value: Any, lab: str, day: Any
) -> None:
    from regimen_calc.engine.labs import check_labs

    try:
        hash(day)
    except TypeError:  # an unhashable day cannot even be put in a dict by the caller
        assume(False)
    labs = {day: {lab: value}}
    _library_error_or_result(lambda: check_labs(labs))
    # A plain count is still taken, as a float: refusing every value fails.
    assert check_labs({1: {lab: 5}}) == {1: {lab: 5.0}}


@settings(max_examples=150, deadline=None)
@given(value=ODD)
def test_any_prior_exposure_is_taken_or_refused_with_the_library_error(value: Any) -> None:
    from regimen_calc.engine.cumulative import check_prior_exposure

    _library_error_or_result(lambda: check_prior_exposure({"mitoxantrone": value}))
    # A plain prior dose (mg/m²) is still taken, as text or number: refusing every value fails.
    assert check_prior_exposure({"mitoxantrone": "20 mg/m^2"}) == {"mitoxantrone": Decimal(20)}
    assert check_prior_exposure({"mitoxantrone": 20}) == {"mitoxantrone": Decimal(20)}


POLICY_VALUES = st.one_of(
    st.sampled_from(
        [
            "0x2",
            "010",
            "1:5",
            ".nan",
            ".inf",
            "1e3",
            "true",
            "~",
            "[]",
            "{}",
            "'2'",
            "2",
            "2.5",
            "-1",
            str(HUGE),
            "&a 1",
            "*a",
            "☃",
            "'1/0 m**2'",
        ]
    ),
    st.integers(-(10**30), 10**30).map(str),
)
POLICY_KEYS = st.sampled_from(
    [
        "name",
        "source",
        "bsa_formula",
        "bsa_decimals",
        "bsa_cap",
        "dose_decimals",
        "max_deviation_percent",
        "doxorubicin_equivalence",
        "drugs",
        "bogus",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(st.tuples(POLICY_KEYS, POLICY_VALUES), max_size=4))
def test_any_policy_file_loads_or_raises_the_library_error(
    tmp_path: Path, lines: list[tuple[str, str]]
) -> None:
    text = "".join(f"{k}: {v}\n" for k, v in lines)
    with contextlib.suppress(rc.RegimenCalcError):
        policy_from_text(tmp_path, text)
    # A well-formed file is still loaded with its values: refusing every file fails.
    policy = policy_from_text(tmp_path, "dose_decimals: 1\nmax_deviation_percent: 5\n")
    assert (policy.dose_decimals, policy.max_deviation_percent) == (1, 5)


# --------------------------------------------------------------------------------------------
# The command line: one `error:` line and exit 1, or a usage error and exit 2
# --------------------------------------------------------------------------------------------

H = ("--height", "170 cm", "--weight", "70 kg")
CLI_CASES = [
    pytest.param(("schedule", "CLAG", "--height", "", "--weight", "70 kg"), 1, id="empty height"),
    pytest.param(("schedule", "NO-SUCH", *H), 1, id="unknown regimen"),
    pytest.param(("schedule", "CLAG", *H, "--cycle", "1.5"), 2, id="cycle not whole"),
    pytest.param(("schedule", "CLAG", *H, "--start", "2026-02-30"), 2, id="no such date"),
    pytest.param(("schedule", "CLAG", *H, "--labs", "1:wbc=nan"), 2, id="lab NaN"),
    pytest.param(("schedule", "CLAG", *H, "--labs", "1:wbc=" + "9" * 400), 2, id="lab huge"),
    pytest.param(("schedule", "CLAG", *H, "--paper", "a5"), 2, id="unknown paper"),
    pytest.param(("schedule", "CLAG", *H, "-o", "/nonexistent-dir/x.txt"), 1, id="unwritable"),
    pytest.param(
        ("schedule", "CLAG+VEN", *H, "--concomitant", "posaconazol"), 1, id="unknown concomitant"
    ),
    pytest.param(("forecast", "CLAG", "{binary}"), 1, id="forecast binary csv"),
    pytest.param(
        ("forecast", "CLAG", "{csv}", "--cycles", "1000000"), 1, id="forecast cycles huge"
    ),
    pytest.param(
        ("schedule", "CLAG", "--height", "1/0 cm", "--weight", "70 kg"), 1, id="height 1/0 cm"
    ),
    pytest.param(("schedule", "CLAG", *H, "--start", "9999-12-31"), 1, id="start 9999-12-31"),
]


@pytest.mark.parametrize(("args", "status"), CLI_CASES)
def test_cli_bad_argument_gives_one_error_line(
    args: tuple[str, ...], status: int, tmp_path: Path
) -> None:
    binary = write_patients_csv(tmp_path, b"height,weight,sex,concomitant\n\xd0\x00\xff\n")
    good = tmp_path / "good.csv"
    good.write_text("height,weight,sex,concomitant\n170 cm,70 kg,,\n", encoding="utf-8")
    argv = [a.format(binary=binary, csv=good) for a in args]
    result = run_cli(*argv)
    err = result.stderr.decode()
    assert result.returncode == status, err
    assert "Traceback" not in err and "internal error" not in err, err
    if status == 1:
        assert [line for line in err.splitlines() if line.startswith("error: ")] == [
            err.splitlines()[0]
        ], err


def test_drug_catalog_lookup_of_an_unhashable_name_names_the_field() -> None:
    from regimen_calc.content.catalog import drug_info

    with pytest.raises(rc.InputError) as info:
        drug_info(["cladribine"])  # type: ignore[arg-type]
    assert info.value.field == "drug"


@pytest.mark.parametrize("key", ["bsa_formula", "doxorubicin_equivalence"])
def test_policy_file_choice_given_as_a_list_is_a_problem_not_a_type_error(
    tmp_path: Path, key: str
) -> None:
    # Found by the property above: `[] in BSA_FORMULAS` raised TypeError (unhashable list).
    with pytest.raises(rc.LoadError) as info:
        policy_from_text(tmp_path, f"{key}: []\n")
    assert [p.path for p in info.value.problems] == [key]


def test_policy_file_weight_basis_given_as_a_mapping_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(rc.LoadError) as info:
        policy_from_text(tmp_path, "drugs:\n  filgrastim:\n    weight_basis: {a: 1}\n")
    assert [p.path for p in info.value.problems] == ["drugs.filgrastim.weight_basis"]
