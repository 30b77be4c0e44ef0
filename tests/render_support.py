"""Shared helpers for the rendering and CLI tests: the worked example and the outside tools.

The worked example is CLAG+VEN for a 170 cm, 70 kg patient on posaconazole from day 0, day 1 on
Monday 5 January 2026. Its numbers are computed by hand here, not copied from the output:

* BSA (Mosteller) = √(170 × 70 / 3600) = √3.30556 = 1.8181… → 1.82 m² (2 decimals, half-up);
* cladribine 5 mg/m² × 1.82 m² = 9.1 mg; cytarabine 1 g/m² = 1,000 mg/m² × 1.82 m² = 1,820 mg;
* filgrastim 5 mcg/kg × 70 kg = 350 mcg;
* venetoclax 400 mg under posaconazole, label rule (strong-inhibitor ramp by venetoclax dosing
  day): day 2 10 mg, day 3 20 mg, day 4 50 mg, days 5–8 70 mg = 1 × 50 mg + 2 × 10 mg tablets.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import regimen_calc as rc

START = datetime.date(2026, 1, 5)
ROOT = Path(__file__).resolve().parents[1]
#: The bundled example site overlay and example institution policy (both "not for patient use").
EXAMPLE_OVERLAY = ROOT / "regimens" / "overlays" / "VA-CAG.example-site.yaml"
EXAMPLE_POLICY = ROOT / "src" / "regimen_calc" / "data" / "policies" / "example-institution.yaml"
CLI_ARGS = [
    "schedule",
    "CLAG+VEN",
    "--height",
    "170 cm",
    "--weight",
    "70 kg",
    "--concomitant",
    "posaconazole:0-",
    "--start",
    "2026-01-05",
]

#: Strings every full printed schedule of the worked example must contain (hand-computed).
EXPECTED = (
    "1.82 m²",
    "Mosteller",
    "9.1 mg",
    "1,820 mg",
    "350 mcg",
    "10 mg",
    "20 mg",
    "50 mg",
    "70 mg",
    "1 × 50 mg + 2 × 10 mg tablets",
    "posaconazole",
    "subcutaneous (subcut)",
    "intravenous (IV)",
    "oral (PO)",
    "once daily",
    "over at least 3 h",
    "infusion time not stated",
    "starts 2 h after cladribine starts",
    "not stated",
    "not a prescribing source",
)

#: Notation that must never be printed (ISMP list; clinical-reference.md §6.1), as patterns.
FORBIDDEN = (
    r"µg",
    r"μg",
    r"\bug\b",
    r"\bIU\b",
    r"\bq\.d\.",
    r"\bQD\b",
    r"\d\.0 (mg|mcg|g)\b",
    r"\bSC\b",
    r"\bSQ\b",
    r"(?<![\d.])\.\d+ (mg|mcg)",
)


def forbidden_notation(text: str) -> list[str]:
    """Every forbidden notation found in ``text`` (empty when none)."""
    return [m.group(0) for pattern in FORBIDDEN for m in re.finditer(pattern, text)]


def worked_example(**patient: object) -> rc.Schedule:
    """The worked example's schedule (patient fields may be added, e.g. name=...)."""
    person = rc.Patient(height="170 cm", weight="70 kg", **patient)
    return rc.load_regimen("CLAG+VEN").schedule(
        person, start=START, concomitant=[{"name": "posaconazole", "start_day": 0}]
    )


def flat(text: str) -> str:
    """Text with every run of whitespace (also no-break spaces, line breaks) as one space."""
    return " ".join(text.split())


def run_cli(*args: str, check: bool = False) -> subprocess.CompletedProcess[bytes]:
    """``python -m regimen_calc ARGS`` in a subprocess, as a user runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "regimen_calc", *args], capture_output=True, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(result.stderr.decode())
    return result


def need(tool: str) -> str:
    """The path of an outside tool, or a clearly reported skip."""
    path = shutil.which(tool)
    if path is None:
        package = {"pdftoppm": "poppler-utils"}.get(tool, tool)
        pytest.skip(f"{tool} not installed ({package}): run scripts/install-test-tools.sh")
    return path


def chromium(html_file: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on a local file, no network, a throw-away profile."""
    exe = need("chromium")
    with tempfile.TemporaryDirectory(prefix="regimen-calc-chromium-") as profile:
        return subprocess.run(
            [
                exe,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                *extra,
                html_file.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HOME": profile},
        )


def pdf_pages_text(data: bytes) -> list[str]:
    """The text of each page of a PDF (pypdf)."""
    import io

    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def held_start() -> rc.Schedule:
    """CLAG+VEN with voriconazole whose venetoclax start the gate moves from day 2 to day 4
    (white-cell count 30 × 10⁹/L on day 2, 20 on day 4): days 2-3 held, then 10, 20, 50, 100,
    100 mg on days 4-8 (the strong-inhibitor table from the first dose given)."""
    person = rc.Patient(height="170 cm", weight="70 kg")
    return rc.load_regimen("CLAG+VEN").schedule(
        person, start=START, concomitant=["voriconazole"], labs={2: {"wbc": 30}, 4: {"wbc": 20}}
    )


#: The "Tablets per day" of held_start(): no tablets for the held days 2 and 3.
HELD_START_TABLETS = (
    ("Day 4", "venetoclax 10 mg", "1 × 10 mg tablet (1 tablet)"),
    ("Day 5", "venetoclax 20 mg", "2 × 10 mg tablets (2 tablets)"),
    ("Day 6", "venetoclax 50 mg", "1 × 50 mg tablet (1 tablet)"),
    ("Day 7", "venetoclax 100 mg", "1 × 100 mg tablet (1 tablet)"),
    ("Day 8", "venetoclax 100 mg", "1 × 100 mg tablet (1 tablet)"),
)


def section(text: str, heading: str, following: str) -> str:
    """The part of ``text`` from ``heading`` to the next ``following`` (or the end)."""
    start = text.index(heading)
    end = text.find(following, start + len(heading))
    return text[start : end if end != -1 else len(text)]


def site_regimen(tmp_path: Path, name: str, body: str) -> rc.Regimen:
    """Load a site regimen written (dedented) to ``tmp_path/<name>.yaml``."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return rc.load_regimen(path)


# ---------------------------------------------------------------------------- invalid-input aids
#: The patient the invalid-input tests build their schedules for.
FUZZ_PATIENT = rc.Patient(height="170 cm", weight="70 kg")
HUGE = 10**400  # an int that float() and math.isfinite() cannot take


def clag_schedule() -> rc.Schedule:
    return rc.load_regimen("CLAG").schedule(FUZZ_PATIENT, start=datetime.date(2026, 1, 5))


def write_patients_csv(tmp: Path, data: bytes) -> Path:
    path = tmp / "patients.csv"
    path.write_bytes(data)
    return path


def policy_from_text(tmp: Path, text: str) -> rc.DosingPolicy:
    path = tmp / "site-policy.yaml"
    path.write_text(text, encoding="utf-8")
    return rc.load_policy(path)
