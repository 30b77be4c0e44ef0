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
    for expected in ("Anna Müller", "MRN 0012345", "1.8181 m²", "Independent checks",
                     "Interaction adjustments", "Tablets per day", "≥ 20 × 10⁹/L"):
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
    subprocess.run([exe, "-png", "-r", "40", str(file), str(tmp_path / "page")], check=True,
                   timeout=120)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(pdf_pages_text(pdf)) >= 2
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)


def test_a_held_dose_is_not_in_the_tablets_or_adjustments_lists() -> None:
    from render_support import HELD_START_TABLETS, held_start, section

    text = flat(" ".join(pdf_pages_text(render(held_start(), "pdf"))))
    tablets = section(text, "Tablets per day", "Interaction adjustments")
    for day, dose, tabs in HELD_START_TABLETS:
        assert f"{day}" in tablets and tabs in tablets
    assert "Day 2" not in tablets and "Day 3" not in tablets
    adjustments = section(text, "Interaction adjustments", "Warnings")
    assert "Day 2" not in adjustments and "Day 3" not in adjustments and "Day 4" in adjustments
