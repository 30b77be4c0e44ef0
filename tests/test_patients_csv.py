"""Patients CSV files: every row and field checked, every problem reported with its line and column.

The file becomes a :class:`~regimen_calc.cohort.forecast.Cohort`; a bad row is never skipped, and
a file that is not a regular file or is above the size limit is refused before it is read.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from cohort_support import BAD_CSV, GOOD_CSV
from regimen_calc.cohort.forecast import PatientDataError
from regimen_calc.errors import InputError
from regimen_calc.io import patients_csv
from regimen_calc.io.patients_csv import read_patients_csv


def test_read_patients_csv(tmp_path) -> None:
    path = tmp_path / "patients.csv"
    path.write_text(GOOD_CSV + "\n", encoding="utf-8")
    cohort = read_patients_csv(path)
    assert cohort.ids == ("P1", "P2", "P3")
    assert cohort.sex == ("female", "male", None)
    assert [tuple(c.name for c in cohort.concomitant(i)) for i in range(3)] == [
        ("posaconazole",),
        (),
        ("fluconazole", "micafungin"),
    ]
    assert cohort.height_cm.tolist() == [170.0, 67 * 2.54, 160.0]


def test_read_patients_csv_without_id_column(tmp_path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("Height,Weight,Sex,Concomitant\n170 cm,70 kg,,\n", encoding="utf-8")
    assert read_patients_csv(path).ids == ("row 2",)


def test_read_patients_csv_reports_every_bad_row(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    with pytest.raises(PatientDataError) as info:
        read_patients_csv(path)
    paths = [p.path for p in info.value.problems]
    assert paths == [
        "row 3.height",
        "row 4.sex",
        "row 4.concomitant",
        "row 5.id",
        "row 5.height",
        "row 5.weight",
        "row 6",
        "row 7.concomitant",
    ]
    assert all(p.file == str(path) for p in info.value.problems)
    text = str(info.value)
    assert text.startswith("8 problems:")
    assert "posaconazol" in text and "row 2" in text  # the duplicate id names its first row


def test_a_drug_twice_in_one_row_is_refused_naming_the_row_and_column(tmp_path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(
        "id,height,weight,sex,concomitant\n"
        "P1,170 cm,70 kg,female,fluconazole;fluconazole\n"
        "P2,170 cm,70 kg,male,posaconazole; micafungin ;POSACONAZOLE\n"
        "P3,170 cm,70 kg,male,cyclosporine;ciclosporin;cyclosporine\n"
        "P4,170 cm,70 kg,male,fluconazole;posaconazole\n",
        encoding="utf-8",
    )
    with pytest.raises(PatientDataError) as info:
        read_patients_csv(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}: row 2.concomitant: expected each drug once, found 'fluconazole' twice",
        f"{path}: row 3.concomitant: expected each drug once, found 'posaconazole' again as "
        "'POSACONAZOLE' (posaconazole)",
        # Each repeat is its own problem: an alias, then the same name.
        f"{path}: row 4.concomitant: expected each drug once, found 'cyclosporine' again as "
        "'ciclosporin' (cyclosporine)",
        f"{path}: row 4.concomitant: expected each drug once, found 'cyclosporine' twice",
    ]


def test_cell_problems_name_the_row_and_the_column(tmp_path) -> None:
    path = tmp_path / "cells.csv"
    path.write_text(
        "id,height,weight,sex,concomitant\n"
        "P1,170 cm,70 kg,female,\n"
        "P1,170 cm,70 kg,female,\n"
        "P\x1b3,170 cm,70 kg,female,\n",
        encoding="utf-8",
    )
    with pytest.raises(PatientDataError) as info:
        read_patients_csv(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}: row 3.id: expected a unique identifier, found 'P1' again (row 2.id)",
        # The Patient field is 'identifier'; the CSV column is 'id'.
        f"{path}: row 4.id: expected text without control characters or bidirectional "
        "overrides, found 'P\\x1b3'",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "expected a header row"),
        ("height,weight,sex\n", "expected a column 'concomitant'"),
        ("height,weight,sex,concomitant,mrn\n", "found 'mrn'"),
        ("height,weight,sex,concomitant\n", "at least one patient"),
    ],
)
def test_read_patients_csv_header_problems(tmp_path, content: str, expected: str) -> None:
    path = tmp_path / "h.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PatientDataError, match=expected):
        read_patients_csv(path)


def test_read_patients_csv_missing_file(tmp_path) -> None:
    with pytest.raises(InputError, match="patients_csv"):
        read_patients_csv(tmp_path / "nope.csv")


def test_read_patients_csv_reads_up_to_its_limit(tmp_path, monkeypatch) -> None:
    """A file exactly at the size limit is read; one byte more is refused, with its size."""
    text = GOOD_CSV + "\n"
    size = len(text.encode("utf-8"))
    monkeypatch.setattr(patients_csv, "MAX_PATIENTS_FILE_BYTES", size)
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    assert read_patients_csv(path).ids == ("P1", "P2", "P3")
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_patients_csv(path)
    assert info.value.field == "patients_csv"
    assert info.value.found == f"{path} (file is {size + 1:,} bytes; the limit is {size:,})"


def test_read_patients_csv_refuses_devices_and_pipes(tmp_path) -> None:
    """Run in a child process with a time limit: reading either would never end."""
    code = (
        "import os, sys\n"
        "from regimen_calc.io.patients_csv import read_patients_csv\n"
        "from regimen_calc.errors import InputError\n"
        "pipe = os.path.join(sys.argv[1], 'p.csv')\n"
        "os.mkfifo(pipe)\n"
        "for name in ('/dev/zero', pipe):\n"
        "    try:\n"
        "        read_patients_csv(name)\n"
        "    except InputError as exc:\n"
        "        print(exc.found)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.splitlines() == [
        "/dev/zero (expected a regular file, found a character device (such as /dev/zero))",
        f"{tmp_path / 'p.csv'} (expected a regular file, found a named pipe)",
    ]


def test_a_very_long_value_is_shown_shortened_with_its_length(tmp_path) -> None:
    # A 100,000-character identifier (a pasted file) is not echoed whole: its first 200
    # characters of repr and its full length, 100,002 with the quotes.
    path = tmp_path / "long.csv"
    path.write_text(f"id,height,weight,sex,concomitant\n{'x' * 100_000},170 cm,70 kg,,\n")
    with pytest.raises(PatientDataError) as info:
        read_patients_csv(path)
    text = str(info.value)
    assert "… (100,002 characters)" in text and len(text) < 1_000
