"""HTML: escaped, self-contained, printable; checked in headless Chromium as a reader sees it."""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

import pytest

from regimen_calc.errors import InputError
from regimen_calc.render import render
from render_support import EXPECTED, chromium, flat, worked_example

XSS_NAME = "<script>alert(1)</script>"
XSS_ID = "<img src=x onerror=\"document.body.setAttribute('data-pwned', '1')\">"


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _parse(doc: str) -> _Text:
    parser = _Text()
    parser.feed(doc)
    return parser


@pytest.fixture(scope="module")
def page() -> str:
    return render(worked_example(name=XSS_NAME, identifier=XSS_ID), "html")


def test_contents_as_text(page: str) -> None:
    text = flat(" ".join(_parse(page).parts))
    for expected in EXPECTED:
        assert expected in text, expected
    for label in (
        "Patient name",
        "Second identifier",
        "Measured on",
        "BSA formula",
        "BSA before rounding",
        "1.8181 m²",
        "Cycle length",
        "Calendar of the cycle",
        "Tablets per day",
        "Interaction adjustments",
        "Dosing policy used",
        "Independent checks",
        "Signature",
        "NCT06763666",
        "https://clinicaltrials.gov/study/NCT06763666",
    ):
        assert label in text, label


def test_untrusted_text_is_escaped(page: str) -> None:
    parsed = _parse(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_self_contained_and_printable(page: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched
    assert "<link" not in page and "@import" not in page
    assert "size: A4 landscape" in page
    assert re.search(r"tbody\.day\s*\{[^}]*page-break-inside:\s*avoid", page)
    letter = render(worked_example(), "html", paper="letter")
    assert "size: letter landscape" in letter
    with pytest.raises(InputError, match="paper"):
        render(worked_example(), "html", paper="a5")


def test_chromium_shows_the_name_as_text_and_runs_no_script(page: str, tmp_path: Path) -> None:
    file = tmp_path / "schedule.html"
    file.write_text(page, encoding="utf-8")
    result = chromium(file, "--dump-dom", "--virtual-time-budget=2000")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    # The DOM after the page ran: no script or img element was created from the name, the
    # onerror handler never ran, and the name is there as text.
    assert "<script" not in dom and "<img" not in dom
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]
    body_text = flat(" ".join(_parse(dom).parts))
    assert XSS_NAME in body_text
    for expected in ("9.1 mg", "1,820 mg", "350 mcg", "1 × 50 mg + 2 × 10 mg tablets"):
        assert expected in body_text


def test_chromium_screenshot(tmp_path: Path) -> None:
    file = tmp_path / "schedule.html"
    file.write_text(render(worked_example(), "html"), encoding="utf-8")
    png = tmp_path / "out.png"
    result = chromium(file, f"--screenshot={png}", "--window-size=1240,1754")
    assert result.returncode == 0, result.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 1240  # IHDR width


def test_a_held_dose_is_not_in_the_tablets_or_adjustments_tables() -> None:
    from render_support import HELD_START_TABLETS, held_start, section

    page = render(held_start(), "html").replace("\xa0", " ")  # no-break spaces as spaces
    tablets = section(page, '<section id="tablets"', "</section>")
    assert re.findall(r"<tr><td>(Day \d+)</td>", tablets) == [d for d, _, _ in HELD_START_TABLETS]
    adjustments = section(page, '<section id="interactions"', "</section>")
    days = re.findall(r"<tr><td>(Day \d+)<", adjustments)
    assert days == ["Day 4", "Day 5", "Day 6", "Day 7", "Day 8"]
