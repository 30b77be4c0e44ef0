"""The regimen-calc command line, run as a user runs it (python -m regimen_calc)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import regimen_calc as rc
from regimen_calc.errors import InputError
from regimen_calc.io.regimen_files import bundled_regimen_dir
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
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_list_shows_ids_names_and_references() -> None:
    out = run_cli("list", check=True).stdout.decode()
    assert "CLAG+VEN:" in out and "NCT06763666" in out
    assert "https://clinicaltrials.gov/study/NCT06763666" in out


def test_show_gives_each_values_status() -> None:
    out = run_cli("show", "CLAG+VEN", check=True).stdout.decode()
    assert "dose: 5 mg/m² [stated (NCT06763666)]" in out
    assert "infusion: not stated [not stated (NCT06763666)" in out
    assert "drug: filgrastim [assumed (Neupogen-label)" in out
    assert "length: not stated [not stated (NCT06763666)]" in out
    assert "route: subcutaneous (subcut)" in out


def test_show_prints_a_single_dose_not_stated_values_and_confidence_marks() -> None:
    out = run_cli("show", "CMGV", check=True).stdout.decode()
    # Liposomal mitoxantrone 15 mg/m² once, on day 1 (clinical reference §1.6): not "once daily".
    assert "frequency: once (single dose) [M] [stated (CMGV-ASH-abstract)]" in out
    # CMGV's doses rest on the CMG+VEN ASH abstract, graded M; filgrastim's days 0-10 are the
    # library's reading of "from day 0 until WBC > 20 × 10⁹/L", graded L.
    assert "dose: 15 mg/m² [M] [stated (CMGV-ASH-abstract)]" in out
    assert "days: 0–10 [L] [assumed (CMGV-ASH-abstract)" in out
    assert "dose: day 2: 100 mg; day 3: 200 mg; days 4–10: 400 mg [M] [stated" in out
    # The route is not stated: printed as not stated, with no value and no grade beside it.
    assert "route: not stated [not stated (CMGV-ASH-abstract)" in out
    vacag = run_cli("show", "VA-CAG", check=True).stdout.decode()
    # VA-CAG states no frequency: never the "daily" default beside the not-stated mark.
    assert "frequency: not stated [not stated (VACAG-registry)]" in vacag
    assert "once daily [not stated" not in vacag and "once daily [not stated" not in out
    clag = run_cli("show", "CLAG", check=True).stdout.decode()
    assert "[M]" not in clag and "[L]" not in clag  # every CLAG source is graded H


def test_show_site_values() -> None:
    overlay = bundled_regimen_dir() / "overlays" / "VA-CAG.example-site.yaml"
    out = run_cli("show", "VA-CAG", "--overlay", str(overlay), check=True).stdout.decode()
    assert "[site (EXAMPLE-SITE-PROTOCOL)" in out


def test_schedule_text_worked_example() -> None:
    result = run_cli(
        *CLI_ARGS,
        "--patient-name",
        "Anna Müller",
        "--patient-id",
        "MRN 1",
        "--measured-on",
        "2026-01-02",
        check=True,
    )
    out = flat(result.stdout.decode("utf-8"))
    for expected in (
        "1.82 m²",
        "9.1 mg",
        "1,820 mg",
        "350 mcg",
        "Anna Müller",
        "MRN 1",
        "Fri 2 Jan 2026",
        "venetoclax 400 mg → 10 mg",
        "venetoclax 70 mg = 1 × 50 mg + 2 × 10 mg tablets",
    ):
        assert expected in out, expected


def test_schedule_formats_to_files(tmp_path: Path) -> None:
    pdf = tmp_path / "s.pdf"
    run_cli(*CLI_ARGS, "--format", "pdf", "--paper", "letter", "-o", str(pdf), check=True)
    assert "1,820 mg" in flat(" ".join(pdf_pages_text(pdf.read_bytes())))
    rows = list(
        csv.DictReader(
            io.StringIO(
                run_cli(*CLI_ARGS, "--format", "csv", check=True).stdout.decode(), newline=""
            )
        )
    )
    assert {r["dose_to_give"] for r in rows if r["drug"] == "cladribine"} == {"9.1 mg"}
    data = json.loads(run_cli(*CLI_ARGS, "--format", "json", check=True).stdout)
    assert data["concomitants"][0]["start_day"] == 0


def test_concomitant_window() -> None:
    # Posaconazole from day 4: venetoclax days 2-3 full dose; from day 4 (ordinal 3 of dosing),
    # the label table continues at 50 mg, then 70 mg.
    args = [a if a != "posaconazole:0-" else "posaconazole:4-" for a in CLI_ARGS]
    data = json.loads(run_cli(*args, "--format", "json", check=True).stdout)
    vene = {
        d["day"]: a["dose"]["text"]
        for d in data["days"]
        for a in d["administrations"]
        if a["drug"] == "venetoclax"
    }
    assert vene[2] == vene[3] == "400 mg"
    assert vene[4] == "50 mg" and vene[5] == "70 mg"


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            ["schedule", "CLAG", "--height", "17 m", "--weight", "70 kg"],
            1,
            "error: height: expected a length between 50 cm and 250 cm",
        ),
        (
            ["schedule", "CLAGX", "--height", "170 cm", "--weight", "70 kg"],
            1,
            "error: CLAGX: no regimen",
        ),
        (
            ["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--format", "ics"],
            1,
            "error: start: expected a start date",
        ),
        (
            [
                "schedule",
                "CLAG",
                "--height",
                "170 cm",
                "--weight",
                "70 kg",
                "--concomitant",
                "notadrug",
            ],
            1,
            "error: concomitant: unknown drug 'notadrug'",
        ),
        (["schedule", "CLAG", "--height", "170 cm"], 2, "Missing option '--weight'"),
        (
            ["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--start", "5/1/26"],
            2,
            "expected a date as YYYY-MM-DD",
        ),
        (
            ["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--format", "docx"],
            2,
            "Invalid value for '--format'",
        ),
        (
            [
                "schedule",
                "CLAG",
                "--height",
                "170 cm",
                "--weight",
                "70 kg",
                "--concomitant",
                "posaconazole:x",
            ],
            2,
            "expected NAME, NAME:START-STOP or NAME:START-",
        ),
        (
            ["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--labs", "wbc=25"],
            2,
            "expected DAY:LAB=VALUE",
        ),
        (
            ["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--labs", "1:wbc=lots"],
            2,
            "'lots' is not a number",
        ),
        (
            ["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg", "--labs", "1:wcc=25"],
            1,
            "error: labs[1].wcc: expected one of the labs",
        ),
        (
            [
                "schedule",
                "MEC",
                "--height",
                "170 cm",
                "--weight",
                "65 kg",
                "--prior",
                "mitoxantrone",
            ],
            2,
            "expected DRUG=MG_PER_M2",
        ),
        # MEC gives 8 mg/m² × 5 = 40 mg/m²; 120 before it makes 160, past the 140 mg/m² limit.
        (
            [
                "schedule",
                "MEC",
                "--height",
                "170 cm",
                "--weight",
                "65 kg",
                "--prior",
                "mitoxantrone=120",
            ],
            1,
            "error: prior_exposure: cumulative mitoxantrone 160 mg/m²",
        ),
        # A device is refused, never read (run_cli's time limit fails a read that never ends).
        (
            [
                "schedule",
                "CLAG",
                "--height",
                "170 cm",
                "--weight",
                "70 kg",
                "--policy",
                "/dev/zero",
            ],
            1,
            "error: /dev/zero: expected a regular file, found a character device",
        ),
        (
            [
                "schedule",
                "VA-CAG",
                "--height",
                "170 cm",
                "--weight",
                "70 kg",
                "--overlay",
                "/dev/zero",
            ],
            1,
            "error: /dev/zero: expected a regular file, found a character device",
        ),
        (
            ["forecast", "CLAG", "/dev/zero"],
            1,
            "error: patients_csv: expected a readable CSV file of at most 134,217,728 bytes, "
            "found '/dev/zero (expected a regular file, found a character device",
        ),
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
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
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
    fil = {
        d["day"]: a["held"]
        for d in held["days"]
        for a in d["administrations"]
        if a["drug"] == "filgrastim"
    }
    assert fil[1] is True and fil[0] is False  # WBC 25 ≥ 20 on day 1 only
    policy = bundled_regimen_dir().parent / "data" / "policies" / "example-institution.yaml"
    rounded = json.loads(run_cli(*base, "--policy", str(policy), check=True).stdout)
    doses = {
        a["dose"]["text"]
        for d in rounded["days"]
        for a in d["administrations"]
        if a["drug"] == "filgrastim"
    }
    assert doses == {"300 mcg"}  # 5 × 65 = 325 mcg → nearest syringe 300 mcg (−7.7%, within 10%)
    mec = [
        "schedule",
        "MEC",
        "--height",
        "170 cm",
        "--weight",
        "65 kg",
        "--format",
        "json",
        "--prior",
        "mitoxantrone=120",
        "--override-cumulative",
        "cardiology cleared, echo normal",
    ]
    data = json.loads(run_cli(*mec, check=True).stdout)
    assert data["override_cumulative"] == "cardiology cleared, echo normal"


# --------------------------------------------------------------------------------------------
# Every value on the command line is used or refused: no repeat replaces another, and numbers
# are plain decimals. These run in-process (click's runner): they stop before any output.

_OVERLAY = str(bundled_regimen_dir() / "overlays" / "VA-CAG.example-site.yaml")
_CLAG_FILE = str(bundled_regimen_dir() / "CLAG.yaml")
_MEC_FILE = str(bundled_regimen_dir() / "MEC.yaml")
_MEC = ["schedule", "MEC", "--height", "170 cm", "--weight", "70 kg"]
_VEN = ["schedule", "CLAG+VEN", "--height", "170 cm", "--weight", "70 kg"]
_CLAG = ["schedule", "CLAG", "--height", "170 cm", "--weight", "70 kg"]


def _invoke(args: list[str]) -> tuple[int, str]:
    from click.testing import CliRunner

    from regimen_calc.cli.commands import main

    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        # 200 then 0: the last value used to win and the lifetime limit was never checked.
        (
            [*_MEC, "--prior", "mitoxantrone=200", "--prior", "mitoxantrone=0"],
            "--prior",
            "mitoxantrone is given more than once",
        ),
        (
            [*_MEC, "--prior", "mitoxantrone=200", "--prior", " Mitoxantrone =0"],
            "--prior",
            "Mitoxantrone is given more than once",
        ),
        # CLAG: WBC 25 holds filgrastim on day 1 (≥ 20); a second value 5 used to lift the hold.
        (
            [*_CLAG, "--labs", "1:wbc=25", "--labs", "1:wbc=5"],
            "--labs",
            "wbc on day 1 is given more than once",
        ),
        ([*_CLAG, "--labs", "1:wbc=25,wbc=5"], "--labs", "wbc on day 1 is given more than once"),
        (
            [*_CLAG, "--labs", "01:wbc=25", "--labs", "1:wbc=5"],
            "--labs",
            "wbc on day 1 is given more than once",
        ),
        (
            [*_VEN, "--concomitant", "posaconazole", "--concomitant", "POSACONAZOLE:3-5"],
            "--concomitant",
            "repeats 'posaconazole' (posaconazole) on the same days",
        ),
        (
            [*_VEN, "--concomitant", "fluconazole:3-10", "--concomitant", "fluconazole:10-"],
            "--concomitant",
            "repeats 'fluconazole:3-10'",
        ),
        ([*_MEC, "--overlay", _OVERLAY, "--overlay", _OVERLAY], "--overlay", "is the same file"),
        (
            ["show", "VA-CAG", "--overlay", _OVERLAY, "--overlay", _OVERLAY],
            "--overlay",
            "is the same file",
        ),
        # validate used to check the file twice and print its result twice.
        (
            ["validate", _CLAG_FILE, _CLAG_FILE],
            "FILES",
            f"{_CLAG_FILE!r} is the same file as {_CLAG_FILE!r}: give each file once",
        ),
        (
            ["validate", _CLAG_FILE, _MEC_FILE, _CLAG_FILE],
            "FILES",
            f"{_CLAG_FILE!r} is the same file as {_CLAG_FILE!r}: give each file once",
        ),
        # Options that take one value: click used to keep the last and drop the first unseen.
        ([*_MEC, "--height", "180 cm"], "'--height'", "given more than once"),
        (
            [*_MEC, "--start", "2026-01-05", "--start", "2026-01-06"],
            "'--start'",
            "given more than once",
        ),
        ([*_MEC, "--cycle", "1", "--cycle", "2"], "'--cycle'", "given more than once"),
        (
            [*_MEC, "--rule-set", "label", "--rule-set", "protocol"],
            "'--rule-set'",
            "given more than once",
        ),
        (
            [*_MEC, "--patient-name", "A", "--patient-name", "B"],
            "'--patient-name'",
            "given more than once",
        ),
        (
            [*_MEC, "--ics-include-patient", "--ics-include-patient"],
            "'--ics-include-patient'",
            "given more than once",
        ),
        (
            ["forecast", "CLAG", "p.csv", "--cycles", "1", "--cycles", "2"],
            "'--cycles'",
            "given more than once",
        ),
    ],
)
def test_a_repeated_value_is_refused_naming_its_option(
    args: list[str], option: str, message: str
) -> None:
    status, out = _invoke(args)
    assert status == 2, out
    assert f"Invalid value for {option}" in out
    assert message in out


def test_validate_refuses_one_file_under_two_spellings(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    file = tmp_path / "clag.yaml"
    file.write_bytes(Path(_CLAG_FILE).read_bytes())
    again = str(tmp_path / "sub" / ".." / "clag.yaml")
    status, out = _invoke(["validate", str(file), again])
    assert status == 2, out
    assert (
        f"Invalid value for FILES: {again!r} is the same file as {str(file)!r}: give each file "
        "once" in out
    )
    assert ": ok" not in out  # refused before any file is checked


def test_an_overlay_copied_under_another_name_is_a_usage_error(tmp_path: Path) -> None:
    copy = tmp_path / "our-copy.yaml"
    copy.write_bytes(Path(_OVERLAY).read_bytes())
    refusal = (
        f"Invalid value for --overlay: overlays[1]: expected each overlay given once; this "
        f"repeats overlays[0] ({_OVERLAY!r}), the same content, found {str(copy)!r}"
    )
    va_cag = ["schedule", "VA-CAG", "--height", "170 cm", "--weight", "70 kg"]
    for args in (["show", "VA-CAG"], va_cag):
        status, out = _invoke([*args, "--overlay", _OVERLAY, "--overlay", str(copy)])
        assert status == 2, out
        assert refusal in " ".join(out.split()), out
    status, out = _invoke(["show", "VA-CAG", "--overlay", str(copy)])
    assert status == 0, out  # one copy alone is an overlay like any other


def test_values_that_do_not_replace_one_another_are_all_used() -> None:
    # Two labs on one day, the same lab on two days, one drug over two separate windows.
    base = [
        *_VEN,
        "--format",
        "json",
        "--concomitant",
        "posaconazole:0-3",
        "--concomitant",
        "posaconazole:6-",
    ]
    status, out = _invoke([*base, "--labs", "1:wbc=25", "--labs", "1:crcl=80", "--labs", "2:wbc=5"])
    assert status == 0, out
    data = json.loads(out)
    assert data["labs"] == {"1": {"wbc": 25.0, "crcl": 80.0}, "2": {"wbc": 5.0}}
    assert [(c["start_day"], c["stop_day"]) for c in data["concomitants"]] == [(0, 3), (6, None)]


@pytest.mark.parametrize(
    ("args", "option", "text"),
    [
        ([*_MEC, "--prior", "mitoxantrone=1_2_0"], "--prior", "'1_2_0'"),
        ([*_MEC, "--labs", "1:wbc=1_0"], "--labs", "'1_0'"),
        ([*_MEC, "--labs", "1:wbc=nan"], "--labs", "'nan'"),
        ([*_MEC, "--labs", "1:wbc=inf"], "--labs", "'inf'"),
        ([*_MEC, "--labs", "1:wbc=1e1"], "--labs", "'1e1'"),
        ([*_MEC, "--labs", "1:wbc=0x10"], "--labs", "'0x10'"),
        ([*_MEC, "--labs", "1:wbc=.5"], "--labs", "'.5'"),  # a naked decimal point (ISMP)
        ([*_MEC, "--labs", "1:wbc=5."], "--labs", "'5.'"),
        ([*_MEC, "--labs", "1:wbc=+5"], "--labs", "'+5'"),
        ([*_MEC, "--labs", "1:wbc=-5"], "--labs", "'-5'"),
        ([*_MEC, "--labs", "1:wbc=1.2.3"], "--labs", "'1.2.3'"),
        ([*_MEC, "--labs", "1:wbc=٥"], "--labs", "'\u0665'"),  # Arabic-Indic five
        ([*_MEC, "--labs", "1_0:wbc=5"], "--labs", "'1_0'"),
        ([*_MEC, "--labs", "+1:wbc=5"], "--labs", "'+1'"),
        ([*_MEC, "--labs", "١:wbc=5"], "--labs", "'\u0661'"),
        ([*_MEC, "--cycle", "1_0"], "'--cycle'", "'1_0'"),
        ([*_MEC, "--cycle", "+1"], "'--cycle'", "'+1'"),
        ([*_MEC, "--age", "4_0"], "'--age'", "'4_0'"),
        (["forecast", "CLAG", "p.csv", "--cycles", "0x1"], "'--cycles'", "'0x1'"),
        ([*_VEN, "--concomitant", "posaconazole:٣-"], "--concomitant", "expected NAME"),
        # int() raises a bare ValueError past 4,300 digits; float() gives infinity from ~309.
        ([*_MEC, "--cycle", "9" * 5000], "'--cycle'", "is a whole number of 5000 digits"),
        ([*_MEC, "--labs", "9" * 19 + ":wbc=5"], "--labs", "is a whole number of 19 digits"),
        (
            [*_VEN, "--concomitant", "posaconazole:" + "9" * 5000 + "-"],
            "--concomitant",
            "is a whole number of 5000 digits",
        ),
        ([*_MEC, "--labs", "1:wbc=" + "9" * 400], "--labs", "is too large to be a number"),
        ([*_MEC, "--start", "20260105"], "--start", "expected a date as YYYY-MM-DD"),
        ([*_MEC, "--measured-on", "2026-W02-1"], "--measured-on", "expected a date as YYYY-MM-DD"),
    ],
)
def test_numbers_are_plain_decimals(args: list[str], option: str, text: str) -> None:
    status, out = _invoke(args)
    assert status == 2, out
    assert f"Invalid value for {option}" in out
    assert text in out


def test_plain_numbers_and_signed_days_are_read() -> None:
    # 12.5 is read as 12.5, day -1 is a day before day 0: both reach the schedule.
    status, out = _invoke(
        [
            *_MEC,
            "--format",
            "json",
            "--labs",
            "-1:wbc=12.5",
            "--prior",
            "mitoxantrone=60",
            "--cycle",
            "2",
            "--age",
            "40",
        ]
    )
    assert status == 0, out
    data = json.loads(out)
    assert data["labs"] == {"-1": {"wbc": 12.5}}
    assert data["cycle"] == 2


def test_height_and_weight_are_one_plain_number_and_a_unit() -> None:
    for height in ("1_70 cm", "1.7e2 cm", "nan cm", "0x10 cm"):
        status, out = _invoke(["schedule", "MEC", "--height", height, "--weight", "70 kg"])
        assert status == 1, out
        assert out.startswith("error: height: expected a length"), out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--labs", "99:wbc=5"], "error: labs[99]: expected a day from day -30 to day 5"),
        (
            ["--rule-set", "protocol", "--measured-on", "2026-01-06", "--start", "2026-01-05"],
            "error: measured_on: expected a date on or before the schedule's first day",
        ),
        (["--measured-on", "2999-01-01"], "error: measured_on: expected a date not after today"),
        # MEC is days 1-5; an inhibitor's rule applies for 2 days after its last dose.
        (
            ["--concomitant", "posaconazole:6-"],
            "error: concomitant[0].start_day: expected a day "
            "on or before the schedule's last day, day 5 (a drug started later affects no dose of "
            "it), found 6",
        ),
        (
            ["--concomitant", "posaconazole:-5--2"],
            "error: concomitant[0].stop_day: expected day "
            "-1 or later: the schedule's first day is day 1 and a drug's rule applies for 2 days "
            "after its last dose, found -2",
        ),
    ],
)
def test_values_no_rule_reads_are_one_error_line(extra: list[str], message: str) -> None:
    status, out = _invoke(_MEC + extra)
    assert status == 1, out
    assert out.startswith(message), out
    assert len(out.strip().splitlines()) == 1


@pytest.mark.parametrize("window", ["posaconazole:5-", "posaconazole:-5--1"])
def test_a_window_at_the_edge_of_the_schedule_is_used(window: str) -> None:
    status, out = _invoke([*_MEC, "--concomitant", window, "--format", "json"])
    assert status == 0, out


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (
            "--patient-name",
            "A" * 2000,
            "error: name: expected at most 200 characters, found '2000 characters'",
        ),
        (
            "--patient-name",
            "Anna \x1b[31mMüller",
            "error: name: expected text without control "
            "characters or bidirectional overrides, found 'U+001B at position 6'",
        ),
        ("--patient-id", "MRN \u202e1234", "error: identifier: expected text without control"),
    ],
)
def test_unprintable_patient_details_are_one_error_line(
    option: str, value: str, message: str
) -> None:
    result = run_cli(*_MEC, option, value, "--format", "pdf", "-o", "/dev/null")
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert err.startswith(message), err
    assert len(err.strip().splitlines()) == 1


@given(st.text(alphabet="0123456789.-+_eExna \u0665", max_size=8))
def test_plain_decimal_rule_property(text: str) -> None:
    # The rule written out: digits, then at most one point followed by digits; spaces around.
    import re

    import click

    from regimen_calc.cli.support import plain_decimal

    plain = re.fullmatch(r" *[0-9]+(\.[0-9]+)? *", text) is not None
    try:
        value = plain_decimal(text, "--labs")
    except click.BadParameter as exc:
        assert not plain
        assert exc.param_hint == "--labs"
    else:
        assert plain
        assert value == float(text.strip())


def test_a_cycle_past_the_limit_is_worded_by_its_bound_and_source() -> None:
    # Lipo-MIT+CLAG: "up to 2 cycles" (ChiCTR2400086291 abstract, stated).
    out = run_cli(
        "schedule", "Lipo-MIT+CLAG", "--height", "170 cm", "--weight", "70 kg", "--cycle", "3"
    ).stderr.decode()
    assert "cycle: expected a cycle from 1 to 2 (Lipo-MIT+CLAG gives at most 2 cycles)" in out
    # VA-CAG: the registry assesses response over up to 2 cycles; a maximum is assumed (L).
    overlay = bundled_regimen_dir() / "overlays" / "VA-CAG.example-site.yaml"
    out = run_cli(
        "schedule",
        "VA-CAG",
        "--overlay",
        str(overlay),
        "--height",
        "170 cm",
        "--weight",
        "70 kg",
        "--cycle",
        "3",
    ).stderr.decode()
    assert (
        "(VA-CAG gives at most 2 cycles, assumed from VACAG-registry (confidence L), not stated)"
        in out
    )


def test_an_exact_number_of_cycles_is_not_called_at_most() -> None:
    regimen = rc.load_regimen("Lipo-MIT+CLAG")
    regimen = attrs.evolve(regimen, cycle=attrs.evolve(regimen.cycle, max_cycles_bound="exactly"))
    with pytest.raises(InputError, match="cycle") as caught:
        regimen.schedule(rc.Patient(height="170 cm", weight="70 kg"), cycle=3)
    assert "(Lipo-MIT+CLAG gives 2 cycles)" in str(caught.value)
    assert "at most" not in str(caught.value)


@pytest.mark.parametrize(
    "args",
    [
        ["show", "CLAG+VEN"],
        ["list"],
        ["schedule", "CLAG", "--height", "170cm", "--weight", "70kg"],
    ],
)
def test_a_reader_that_closes_the_pipe_stops_the_command_quietly(args: list[str]) -> None:
    """``regimen-calc show CLAG+VEN | head -1``: no ``error: Broken pipe`` on the terminal.

    The pipe's reading end is closed before the command writes, so every write fails.
    """
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "regimen_calc", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert result.stderr == b""
    assert result.returncode == 1


def test_show_does_not_call_unstated_values_stated() -> None:
    """`show` labels a value the source does not state (aclarubicin's infusion time in VA-CAG) as
    not stated, never as stated."""
    from click.testing import CliRunner

    from regimen_calc.cli.commands import main as cli_main

    result = CliRunner().invoke(cli_main, ["show", "VA-CAG", "--overlay", _OVERLAY])
    assert result.exit_code == 0, result.output
    block = result.output.split("aclarubicin (component aclarubicin)", 1)[1]
    infusion = next(line for line in block.splitlines() if line.strip().startswith("infusion:"))
    assert "infusion: not stated [not stated" in infusion
    assert "[stated" not in infusion, infusion
