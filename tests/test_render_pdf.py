"""PDF: the worked example's text read back with pypdf; pages turned into PNG with pdftoppm."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from regimen_calc.render import render
from render_support import EXPECTED, flat, forbidden_notation, need, pdf_pages_text, worked_example


@pytest.fixture(scope="module")
def pdf() -> bytes:
    data = render(worked_example(name="Anna Müller", identifier="MRN 0012345"), "pdf")
    assert isinstance(data, bytes)
    return data


def test_is_a_pdf(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")


def test_contents_as_text(pdf: bytes) -> None:
    pages = pdf_pages_text(pdf)
    text = flat(" ".join(pages))
    for expected in EXPECTED:
        assert expected in text, expected
    for expected in (
        "Anna Müller",
        "MRN 0012345",
        "1.8181 m²",
        "Independent checks",
        "Interaction adjustments",
        "Tablets per day",
        "≥ 20 × 10⁹/L",
    ):
        assert expected in text, expected
    assert forbidden_notation(text) == []
    assert "?" not in text.replace("?)", "")  # no glyph replaced by "?"


def test_a_day_is_never_split(pdf: bytes) -> None:
    # Day 5 has four drugs; the page that starts its block holds all four doses.
    pages = [flat(p) for p in pdf_pages_text(pdf)]
    page = next(p for p in pages if "Day 5 Fri 9 Jan 2026" in p)
    block = page.split("Day 5 Fri 9 Jan 2026", 1)[1].split("Day 6", 1)[0]
    for dose in ("9.1 mg", "1,820 mg", "350 mcg", "70 mg"):
        assert dose in block, dose


def test_letter_paper() -> None:
    from pypdf import PdfReader

    data = render(worked_example(), "pdf", paper="letter")
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)  # 11 × 8.5 in


def test_pdftoppm_pages(pdf: bytes, tmp_path: Path) -> None:
    exe = need("pdftoppm")
    file = tmp_path / "schedule.pdf"
    file.write_bytes(pdf)
    subprocess.run(
        [exe, "-png", "-r", "40", str(file), str(tmp_path / "page")], check=True, timeout=120
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(pdf_pages_text(pdf)) >= 2
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)


# The widest glyph of the bold font the patient's details print in (DejaVu Sans Condensed Bold:
# U+1676 is 3716/2048 em, against 2033/2048 for "W").
_WIDEST = "\u1676"


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("char", ["W", _WIDEST])
def test_a_name_at_the_length_limit_wraps_and_prints_whole(paper: str, char: str) -> None:
    # One "word" of 200 characters, the most Patient accepts, in name and identifier at once:
    # fpdf2 used to raise on a row too high for a page (a 2,000-character name); at the limit
    # the cell wraps the word and every character is printed.
    from regimen_calc.model.patient import TEXT_MAX_LENGTH

    long = char * TEXT_MAX_LENGTH
    data = render(worked_example(name=long, identifier=long), "pdf", paper=paper)
    assert isinstance(data, bytes)
    text = "".join("".join(pdf_pages_text(data)).split())
    assert text.count(char) >= 2 * TEXT_MAX_LENGTH
    assert "Patientname" in text and "Secondidentifier" in text


def test_a_long_name_page_as_png(tmp_path: Path) -> None:
    exe = need("pdftoppm")
    name = "Wolfeschlegelsteinhausenbergerdorff" * 5 + " Anna"
    file = tmp_path / "long.pdf"
    file.write_bytes(render(worked_example(name=name, identifier="MRN 0012345"), "pdf"))
    subprocess.run(
        [exe, "-png", "-r", "40", "-f", "1", "-l", "1", str(file), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    assert [p.read_bytes()[:4] for p in tmp_path.glob("page-*.png")] == [b"\x89PNG"]
    assert name.replace(" ", "") in "".join(pdf_pages_text(file.read_bytes())[0].split())


def test_a_held_dose_is_not_in_the_tablets_or_adjustments_lists() -> None:
    from render_support import HELD_START_TABLETS, held_start, section

    text = flat(" ".join(pdf_pages_text(render(held_start(), "pdf"))))
    tablets = section(text, "Tablets per day", "Interaction adjustments")
    for day, _dose, tabs in HELD_START_TABLETS:
        assert f"{day}" in tablets and tabs in tablets
    assert "Day 2" not in tablets and "Day 3" not in tablets
    adjustments = section(text, "Interaction adjustments", "Warnings")
    assert "Day 2" not in adjustments and "Day 3" not in adjustments and "Day 4" in adjustments
