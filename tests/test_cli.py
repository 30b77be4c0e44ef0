"""The regimen-calc command line, run as a user runs it (python -m regimen_calc)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from regimen_calc.loader import bundled_regimen_dir
from render_support import CLI_ARGS, flat, pdf_pages_text, run_cli


def test_help_lists_the_commands() -> None:
    result = run_cli("--help", check=True)
    out = result.stdout.decode()
    for command in ("list", "show", "schedule", "validate"):
        assert command in out


def test_import_does_not_load_cli_or_renderer_dependencies() -> None:
    code = (
        "import sys, regimen_calc, regimen_calc.render\n"
        "heavy = [m for m in ('click', 'jinja2', 'fpdf', 'icalendar') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == ""


def test_list_shows_ids_names_and_references() -> None:
    out = run_cli("list", check=True).stdout.decode()
    assert "CLAG+VEN:" in out and "NCT06763666" in out
    assert "https://clinicaltrials.gov/study/NCT06763666" in out


def test_show_gives_each_values_status() -> None:
    out = run_cli("show", "CLAG+VEN", check=True).stdout.decode()
    assert "dose: 5 mg/m² [stated (NCT06763666)]" in out
    assert "infusion: infusion time not stated [not stated (NCT06763666)" in out
    assert "drug: filgrastim [assumed (Neupogen-label)" in out
    assert "length: not stated [not stated (NCT06763666)]" in out
    assert "route: subcutaneous (subcut)" in out


def test_show_site_values() -> None:
    overlay = bundled_regimen_dir() / "overlays" / "VA-CAG.example-site.yaml"
    out = run_cli("show", "VA-CAG", "--overlay", str(overlay), check=True).stdout.decode()
    assert "[site (EXAMPLE-SITE-PROTOCOL)" in out


def test_schedule_text_worked_example() -> None:
    result = run_cli(*CLI_ARGS, "--patient-name", "Anna Müller", "--patient-id", "MRN 1",
                     "--measured-on", "2026-01-02", check=True)
    out = flat(result.stdout.decode("utf-8"))
    for expected in ("1.82 m²", "9.1 mg", "1,820 mg", "350 mcg", "Anna Müller", "MRN 1",
                     "Fri 2 Jan 2026", "venetoclax 400 mg → 10 mg",
                     "venetoclax 70 mg = 1 × 50 mg + 2 × 10 mg tablets"):
        assert expected in out, expected


def test_schedule_formats_to_files(tmp_path: Path) -> None:
    pdf = tmp_path / "s.pdf"
    run_cli(*CLI_ARGS, "--format", "pdf", "--paper", "letter", "-o", str(pdf), check=True)
    assert "1,820 mg" in flat(" ".join(pdf_pages_text(pdf.read_bytes())))
    rows = list(csv.DictReader(io.StringIO(
        run_cli(*CLI_ARGS, "--format", "csv", check=True).stdout.decode(), newline="")))
    assert {r["dose_to_give"] for r in rows if r["drug"] == "cladribine"} == {"9.1 mg"}
    data = json.loads(run_cli(*CLI_ARGS, "--format", "json", check=True).stdout)
    assert data["concomitants"][0]["start_day"] == 0


def test_concomitant_window() -> None:
    # Posaconazole from day 4: venetoclax days 2-3 full dose; from day 4 (ordinal 3 of dosing),
    # the label table continues at 50 mg, then 70 mg.
    args = [a if a != "posaconazole:0-" else "posaconazole:4-" for a in CLI_ARGS]
    data = json.loads(run_cli(*args, "--format", "json", check=True).stdout)
    vene = {d["day"]: a["dose"]["text"] for d in data["days"] for a in d["administrations"]
            if a["drug"] == "venetoclax"}
    assert vene[2] == vene[3] == "400 mg"
    assert vene[4] == "50 mg" and vene[5] == "70 mg"


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["schedule", "CLAG", "--height", "17 m", "--weight", "70 kg"], 1,
         "error: height: expected a length between 50 cm and 250 cm"),
        (["schedule", "CLAGX", "--height", "170 cm", "--weight", "70 kg"], 1,
         "error: CLAGX: no regimen"),
        (["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--format", "ics"], 1,
         "error: start: expected a start date"),
        (["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--concomitant",
          "notadrug"], 1, "error: concomitant: unknown drug 'notadrug'"),
        (["schedule", "CLAG", "--height", "170 cm"], 2, "Missing option '--weight'"),
        (["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--start", "5/1/26"], 2,
         "expected a date as YYYY-MM-DD"),
        (["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--format", "docx"], 2,
         "Invalid value for '--format'"),
        (["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--concomitant",
          "posaconazole:x"], 2, "expected NAME, NAME:START-STOP or NAME:START-"),
        (["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--labs", "wbc=25"], 2,
         "expected DAY:LAB=VALUE"),
        (["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--labs", "1:wbc=lots"],
         2, "'lots' is not a number"),
        (["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--labs", "1:wcc=25"], 1,
         "error: labs[1].wcc: expected one of the labs"),
        (["schedule", "MEC", "--height", "170 cm", "--weight", "65 kg", "--prior",
          "mitoxantrone"], 2, "expected DRUG=MG_PER_M2"),
        # MEC gives 8 mg/m² × 5 = 40 mg/m²; 120 before it makes 160, past the 140 mg/m² limit.
        (["schedule", "MEC", "--height", "170 cm", "--weight", "65 kg", "--prior",
          "mitoxantrone=120"], 1, "error: prior_exposure: cumulative mitoxantrone 160 mg/m²"),
        # A device is refused, never read (run_cli's time limit fails a read that never ends).
        (["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--policy",
          "/dev/zero"], 1, "error: /dev/zero: expected a regular file, found a character device"),
        (["schedule", "VA-CAG", "--height", "170 cm", "--weight", "70 kg", "--overlay",
          "/dev/zero"], 1, "error: /dev/zero: expected a regular file, found a character device"),
        (["forecast", "CLAG", "/dev/zero"], 1,
         "error: patients_csv: expected a readable CSV file of at most 134,217,728 bytes, "
         "found '/dev/zero (expected a regular file, found a character device"),
    ],
)
def test_errors_are_one_clear_line(args: list[str], status: int, message: str) -> None:
    result = run_cli(*args)
    err = result.stderr.decode()
    assert result.returncode == status, err
    assert message in err
    assert "Traceback" not in err
    if status == 1:
        assert len(err.strip().splitlines()) == 1


def test_validate(tmp_path: Path) -> None:
    good = bundled_regimen_dir() / "CLAG.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: BAD\nname: Bad\nversion: '1'\nreferences: [{id: R, kind: paper, title: T}]\n"
        "components:\n"
        "  - {id: a, drug: cladribine, source: R, dose: 5 mg/m^2, route: XX, days: 1-5}\n"
        "  - {id: b, drug: cytarabine, source: NOPE, dose: 1 g/m^2, route: IV, days: 1-5}\n",
        encoding="utf-8",
    )
    ok = run_cli("validate", str(good))
    assert ok.returncode == 0, ok.stdout.decode() + ok.stderr.decode()
    result = run_cli("validate", str(good), str(bad))
    assert result.returncode == 1
    lines = result.stdout.decode().splitlines()
    assert len(lines) >= 2, lines
    assert all(line.startswith(f"{bad}: components[") for line in lines), lines
    assert any("components[0].route" in line for line in lines)
    assert any("components[1].source" in line for line in lines)


def _with_site_folder(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "REGIMEN_CALC_PATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "regimen_calc", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )


def test_list_reports_a_bad_site_file_and_lists_the_rest(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"id: BAD\nname: \x00\n")
    (tmp_path / "ours.yaml").write_text(
        "id: OURS\nname: Our CLAG\nversion: '1'\nextends: CLAG\naliases: [CLAGV]\n",
        encoding="utf-8",
    )
    result = _with_site_folder(tmp_path, "list")
    assert result.returncode == 1
    listed = [line.split(":")[0] for line in result.stdout.splitlines() if line[:1] != " "]
    # CLAGV is claimed twice, so both OURS and CLAG+VEN stay loadable by their own ids.
    assert listed == ["OURS", "CAV", "CLAG+VEN", "CLAG", "CMGV", "Lipo-MIT+CLAG", "MEC", "VA-CAG"]
    assert result.stderr.splitlines() == [
        f"error: {tmp_path / 'bad.yaml'}: line 2: control character U+0000 is not allowed",
        f"error: {tmp_path / 'ours.yaml'}: aliases: the alias 'CLAGV' is also the alias of "
        "regimens/CLAG+VEN.yaml (bundled); ids and aliases must be unique across the regimen "
        "folders",
        f"error: regimens/CLAG+VEN.yaml: aliases: the alias 'CLAGV' is also the alias of "
        f"{tmp_path / 'ours.yaml'}; ids and aliases must be unique across the regimen folders",
    ]
    shown = _with_site_folder(tmp_path, "show", "CLAG")
    assert shown.returncode == 0, shown.stderr


def test_validate_refuses_a_site_file_that_shadows_a_bundled_id(tmp_path: Path) -> None:
    shadow = tmp_path / "clag.yaml"
    shadow.write_text("id: CLAG\nname: Our CLAG\nversion: '1'\nextends: MEC\n", encoding="utf-8")
    result = run_cli("validate", str(shadow))
    assert result.returncode == 1
    assert result.stdout.decode().splitlines() == [
        f"{shadow}: id: the id 'CLAG' is already a name of regimens/CLAG.yaml (bundled); ids and "
        "aliases must be unique across the regimen folders; to replace the bundled regimen, write "
        "'replaces: CLAG' in this file"
    ]


def test_labs_hold_policy_and_override() -> None:
    base = ["schedule", "CLAG", "--height", "170 cm", "--weight", "65 kg", "--format", "json"]
    held = json.loads(run_cli(*base, "--labs", "1:wbc=25", check=True).stdout)
    fil = {d["day"]: a["held"] for d in held["days"] for a in d["administrations"]
           if a["drug"] == "filgrastim"}
    assert fil[1] is True and fil[0] is False  # WBC 25 ≥ 20 on day 1 only
    policy = bundled_regimen_dir().parent / "data" / "policies" / "example-institution.yaml"
    rounded = json.loads(run_cli(*base, "--policy", str(policy), check=True).stdout)
    doses = {a["dose"]["text"] for d in rounded["days"] for a in d["administrations"]
             if a["drug"] == "filgrastim"}
    assert doses == {"300 mcg"}  # 5 × 65 = 325 mcg → nearest syringe 300 mcg (−7.7%, within 10%)
    mec = ["schedule", "MEC", "--height", "170 cm", "--weight", "65 kg", "--format", "json",
           "--prior", "mitoxantrone=120",
           "--override-cumulative", "cardiology cleared, echo normal"]
    data = json.loads(run_cli(*mec, check=True).stdout)
    assert data["override_cumulative"] == "cardiology cleared, echo normal"
