"""Terminal text and Markdown: the worked example's numbers, readable tables, safe notation."""

from __future__ import annotations

import re

import pytest

import regimen_calc as rc
from regimen_calc.errors import InputError
from regimen_calc.render import FORMATS, render
from render_support import (
    EXAMPLE_POLICY,
    EXPECTED,
    START,
    flat,
    forbidden_notation,
    worked_example,
)


@pytest.fixture(scope="module")
def schedule():
    return worked_example()


def _unwrap_grid(text: str) -> str:
    """The text with each grid-table cell's wrapped lines joined back into one string."""
    out: list[str] = []
    block: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            block.append([c.strip() for c in line.strip("|").split("|")])
            continue
        if block:  # a rule line or the end of a table closes a row of cells
            out += [" ".join(col).strip() for col in zip(*block, strict=True)]
            block = []
        out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_worked_example_values_are_printed(schedule, fmt: str) -> None:
    text = flat(_unwrap_grid(render(schedule, fmt)))
    for expected in EXPECTED:
        assert expected in text, expected
    assert "5 mg/m² × 1.82 m² = 9.1 mg" in text
    assert "5 mcg/kg × 70 kg = 350 mcg" in text
    assert "1 g/m² × 1.82 m² = 1,820 mg" in text
    assert "not given (write it in before use)" in text  # no patient name: said, not blank


def test_text_day_rows_in_order_with_dates(schedule) -> None:
    text = render(schedule, "text")
    positions = [text.index(f"| Day {n} ") for n in range(0, 9)]
    assert positions == sorted(positions)
    assert "Sun 4 Jan" in text and "Mon 12 Jan" in text  # day 0 is the day before day 1


def test_text_never_splits_number_from_unit(schedule) -> None:
    for line in render(schedule, "text").splitlines():
        cells = [c.strip() for c in line.split("|")]
        for cell in cells:
            assert not cell.endswith((" 350", " 1,820", " 9.1", "× 70")), line


def test_text_interaction_section(schedule) -> None:
    text = flat(render(schedule, "text"))
    assert "Day 2 (Tue 6 Jan 2026): venetoclax 400 mg → 10 mg" in text
    assert "Day 5 (Fri 9 Jan 2026): venetoclax 70 mg = 1 × 50 mg + 2 × 10 mg tablets" in text


def test_markdown_escapes_untrusted_text() -> None:
    md = render(worked_example(name="A | B <b>x</b>", identifier="MRN-1"), "markdown")
    assert "A \\| B &lt;b&gt;x&lt;/b&gt;" in md
    assert "<b>" not in md


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "json", "ics", "html"])
def test_no_forbidden_notation(schedule, fmt: str) -> None:
    out = render(schedule, fmt)
    assert isinstance(out, str)
    if fmt == "ics":  # unfold the 75-octet lines: a fold can cut "drug" into "dr" and "ug"
        out = out.replace("\r\n ", "")
    if fmt == "json":  # a UCUM code is for machines and UCUM writes microgram "ug": not printed
        out = re.sub(r'"ucum": "[^"]*"', '"ucum": ""', out)
    assert forbidden_notation(out) == [], fmt


def test_render_refuses_unknown_format_and_non_schedule(schedule) -> None:
    with pytest.raises(InputError, match="format"):
        render(schedule, "docx")
    with pytest.raises(InputError, match="schedule"):
        render("CLAG", "text")  # type: ignore[arg-type]
    assert set(FORMATS) == {"text", "markdown", "html", "pdf", "csv", "json", "ics"}


def test_a_held_dose_is_not_in_tablets_per_day_nor_in_the_adjustments() -> None:
    from render_support import HELD_START_TABLETS, held_start, section

    out = render(held_start(), "text")
    tablets = section(out, "Tablets per day\n", "Interaction adjustments\n")
    listed = [line.split(" (")[0] for line in tablets.splitlines() if line.startswith("Day ")]
    assert listed == [day for day, _, _ in HELD_START_TABLETS]
    for _day, dose, tabs in HELD_START_TABLETS:
        assert f"{dose} = {tabs}" in tablets
    adjustments = section(out, "Interaction adjustments\n", "Warnings\n")
    days = [line.split(" (")[0] for line in adjustments.splitlines() if line.startswith("Day ")]
    assert days == ["Day 4", "Day 5", "Day 6", "Day 7", "Day 8"]


def test_markdown_lists_no_tablets_and_no_adjustment_for_a_held_dose() -> None:
    from render_support import HELD_START_TABLETS, held_start, section

    out = render(held_start(), "markdown")
    tablets = section(out, "## Tablets per day", "\n## ")
    days = re.findall(r"^\| (Day \d+) \|", tablets, flags=re.MULTILINE)
    assert days == [day for day, _, _ in HELD_START_TABLETS]
    adjustments = section(out, "## Interaction adjustments", "\n## ")
    assert "| Day 2 |" not in adjustments and "| Day 3 |" not in adjustments
    assert "| Day 4 |" in adjustments


def test_printed_calendar_marks_held_doses() -> None:
    """CLAG with WBC 25 on day 0: day 0's filgrastim is held, and the printed calendar's cell for
    that day (Sun 4 Jan, filgrastim only) marks it held."""
    s = rc.load_regimen("CLAG").schedule(
        rc.Patient(height="170 cm", weight="70 kg"), start=START, labs={0: {"wbc": 25}}
    )
    assert s.day(0).administrations[0].held
    text = render(s, "text")
    calendar = text.split("Calendar\n--------", 1)[1].split("Day-by-day schedule", 1)[0]
    # The first week's block: header row, its "=" rule, then 29 Dec - 4 Jan up to the next rule.
    first_week = calendar.split("+====", 1)[1].split("\n+-", 1)[0].splitlines()[1:]
    sunday_cell = [line.split("|")[-2].strip() for line in first_week]
    assert sunday_cell == ["4 Jan", "Day 0", "filgrastim", "(HELD)"]


def test_example_policy_gets_example_banner() -> None:
    """A schedule under the bundled example institution policy prints the example banner."""
    policy = rc.load_policy(EXAMPLE_POLICY)
    s = rc.load_regimen("CLAG").schedule(
        rc.Patient(height="160 cm", weight="65 kg"), start=START, policy=policy
    )
    a = s.day(1).administrations[-1]
    assert a.drug == "filgrastim" and rc.format_quantity(a.dose) == "300 mcg"  # 325 rounded
    assert "NOT FOR PATIENT USE" in render(s, "text")
