"""What every format prints from the shared view: source confidence and the number of cycles.

CMGV's doses, days and frequencies rest on the CMG+VEN ASH abstract, graded M in the clinical
reference (§1.6, gap G3); its filgrastim days 0-10 are the library's reading of "from day 0 until
the white-cell count exceeds 20 × 10⁹/L", graded L. Lipo-MIT+CLAG is given "every 4 weeks for up
to 2 cycles" (ChiCTR2400086291 abstract), so its number of cycles prints as "at most 2 cycles".

Patient A: 170 cm, 65 kg; Mosteller √(170 × 65 / 3600) = 1.75198 → 1.75 m². Liposomal
mitoxantrone 15 mg/m² × 1.75 m² = 26.25 mg.
"""

from __future__ import annotations

import datetime
import json

import pytest

import regimen_calc as rc
from regimen_calc.render import FORMATS, render
from render_support import flat, pdf_pages_text

A = rc.Patient(height="170 cm", weight="65 kg")
START = datetime.date(2026, 1, 5)


def _printed(schedule: rc.Schedule, fmt: str) -> str:
    out = render(schedule, fmt)
    if fmt == "pdf":
        assert isinstance(out, bytes)
        return flat(" ".join(pdf_pages_text(out)))
    assert isinstance(out, str)
    if fmt == "ics":  # unfold the 75-octet lines and undo the text escapes
        out = out.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";").replace("\\n", " ")
    return flat(out)


@pytest.fixture(scope="module")
def cmgv() -> rc.Schedule:
    return rc.load_regimen("CMGV").schedule(A, start=START)


def test_every_format_is_covered() -> None:
    assert set(FORMATS) == {"text", "markdown", "html", "pdf", "csv", "json", "ics"}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_marks_values_of_an_m_or_l_source(cmgv: rc.Schedule, fmt: str) -> None:
    text = _printed(cmgv, fmt)
    if fmt == "json":
        data = json.loads(text)
        day1 = {a["drug"]: a for a in data["days"][1]["administrations"]}
        assert day1["mitoxantrone liposome"]["confidence"]["dose"] == "M"
        ref = next(r for r in data["regimen"]["references"] if r["id"] == "CMGV-ASH-abstract")
        assert (ref["kind"], ref["confidence"]) == ("abstract", "M")
        kinds = [w for w in data["warnings"] if w["kind"] == "confidence"]
        assert any("Marked [M] in the schedule" in w["message"] for w in kinds)
        return
    # The mark on the value itself: the dose to give, 26.25 mg, from an M source.
    assert "26.25 mg [M]" in text
    if fmt in ("text", "markdown", "html", "pdf"):
        # The legend: the warning naming the values, their source and what M means.
        assert "Confidence M: mitoxantrone liposome drug, dose, days and frequency" in text
        assert "from CMGV-ASH-abstract, abstract. Medium confidence:" in text
        assert "CMGV-ASH-abstract" in text and "(abstract, confidence M)" in text
    if fmt in ("text", "html", "pdf", "csv", "ics"):
        # The row's flag says what the mark means, also where the warnings are not printed.
        assert "[M] drug, dose, days, frequency: from a source of medium confidence" in text
        assert "[L] days: from a source of low confidence" in text  # filgrastim days 0-10


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "pdf", "json"])
def test_up_to_2_cycles_prints_as_at_most_2(fmt: str) -> None:
    sched = rc.load_regimen("Lipo-MIT+CLAG").schedule(A, start=START)
    text = _printed(sched, fmt)
    if fmt == "json":
        regimen = json.loads(text)["regimen"]
        assert (regimen["max_cycles"], regimen["max_cycles_bound"]) == (2, "at_most")
        return
    assert "at most 2 cycles" in text
    assert "Number of cycles: 2 cycles" not in text


def test_a_regimen_of_h_sources_prints_no_mark() -> None:
    text = _printed(rc.load_regimen("CLAG").schedule(A, start=START), "text")
    assert "[M]" not in text and "[L]" not in text
    assert "Source confidence" not in text
