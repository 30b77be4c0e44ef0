"""Reads patients CSV files into a :class:`~regimen_calc.cohort.forecast.Cohort` for a forecast.

The only module that reads patients files: one row per patient with height and weight (with
their units), sex, concomitant drugs and, optionally, an identifier (:data:`CSV_COLUMNS`). The
file is read through the library's one guarded reader (a regular file, at most
:data:`MAX_PATIENTS_FILE_BYTES`), and every field of every row is checked before anything is
forecast: a bad row is reported with its line number and column, never skipped, and all the
problems come together in one :class:`~regimen_calc.cohort.forecast.PatientDataError`.

Each row is checked by building its :class:`~regimen_calc.model.patient.Patient`, so a file
accepts exactly the heights, weights and sexes a single schedule accepts, with the same messages.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from typing import Any

from regimen_calc._checks import check_flag
from regimen_calc.cohort.forecast import Cohort, PatientDataError, _Progress
from regimen_calc.content.yaml_reader import UnreadableFile, read_limited
from regimen_calc.engine.interactions import resolve_concomitants
from regimen_calc.errors import InputError, Problem, RegimenCalcError, shown
from regimen_calc.model.patient import Patient

__all__ = ["CSV_COLUMNS", "MAX_PATIENTS_FILE_BYTES", "read_patients_csv"]

#: The columns of a patients CSV file (header names, any case). ``id`` is optional.
CSV_COLUMNS: Mapping[str, str] = {
    "id": "optional; the patient's identifier, unique in the file (default: 'row N')",
    "height": "a length with its unit, such as '170 cm' or '67 in'",
    "weight": "a mass with its unit, such as '70 kg' or '154 lb'",
    "sex": "'female', 'male' (any case) or empty",
    "concomitant": (
        "concomitant drug names separated by ';', such as 'posaconazole; fluconazole', or empty"
    ),
}
_REQUIRED_COLUMNS = ("height", "weight", "sex", "concomitant")
#: Largest patients CSV file accepted, in bytes: about two million patients.
MAX_PATIENTS_FILE_BYTES = 128 * 1024 * 1024


#: A valid value for each checked :class:`Patient` field, put in place of a bad one so that the
#: row's remaining fields are checked too (every problem of a row is reported, not the first).
_PLACEHOLDERS: Mapping[str, object] = {
    "height": "170 cm",
    "weight": "70 kg",
    "sex": None,
    "identifier": "placeholder",
}


#: The CSV column of a :class:`Patient` field whose name differs from it.
_COLUMN_OF: Mapping[str, str] = {"identifier": "id"}


def read_patients_csv(path: str | os.PathLike[str], *, progress: bool = False) -> Cohort:
    """Read a patients CSV file into a :class:`Cohort`.

    Columns (:data:`CSV_COLUMNS`; header names in any case and order): ``height`` and ``weight``
    with their units (``170 cm``, ``70 kg``), ``sex`` (``female``, ``male`` or empty),
    ``concomitant`` (drug names separated by ``;``, each drug once, or empty) and, optionally,
    ``id``. Blank lines are skipped. Every field of every row is checked: a bad row is never
    skipped.

    Raises:
        PatientDataError: listing every problem: unknown or missing columns, a row with the wrong
            number of fields, and each bad field as ``FILE: row N.column: ...``, N being the
            file's line number (the header is line 1): a repeated ``id``, a drug twice in one
            row's ``concomitant`` (by any case or alias). Nothing is returned when there is one.
        InputError: the file cannot be read, is not a regular file (a device such as
            /dev/zero, a pipe) or is larger than :data:`MAX_PATIENTS_FILE_BYTES`.
    """
    if not isinstance(path, str | os.PathLike) or not isinstance(os.fspath(path), str):
        raise InputError("patients_csv", "the path of a CSV file, as a str or pathlib.Path", path)
    progress = check_flag("progress", progress)
    name = os.fspath(path)
    try:
        text = read_limited(name, MAX_PATIENTS_FILE_BYTES).decode("utf-8-sig")
    except UnreadableFile as exc:
        raise InputError(
            "patients_csv",
            f"a readable CSV file of at most {MAX_PATIENTS_FILE_BYTES:,} bytes",
            f"{name} ({exc.reason})",
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            "patients_csv",
            "a CSV text file in UTF-8",
            f"{name} (byte {exc.start} is not UTF-8)",
        ) from None
    reader = csv.reader(io.StringIO(text))
    rows = _csv_rows(reader, name)
    problems: list[Problem] = []

    def bad(where: str, message: str) -> None:
        problems.append(Problem(file=name, path=where, message=message))

    header = next(rows, None)
    if header is None:
        raise PatientDataError(
            [Problem(file=name, path="", message="expected a header row, found an empty file")]
        )
    columns = [h.strip().lower() for h in header]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    missing = [c for c in _REQUIRED_COLUMNS if c not in columns]
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if unknown or missing or dupes:
        for c in unknown:
            bad("row 1", f"expected only the columns {', '.join(CSV_COLUMNS)}, found {shown(c)}")
        for c in missing:
            bad("row 1", f"expected a column {c!r} ({CSV_COLUMNS[c]}), found none")
        for c in dupes:
            bad("row 1", f"expected each column once, found {shown(c)} more than once")
        raise PatientDataError(problems)

    patients: list[Patient] = []
    ids: list[str] = []
    concomitant: list[tuple[str, ...]] = []
    seen_ids: dict[str, int] = {}
    resolved_names: dict[str, str | None] = {}
    bar = _Progress("reading patients", None, progress)
    for fields in rows:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        bar.update(len(patients))
        where = f"row {line}"
        if len(fields) != len(columns):
            bad(where, f"expected {len(columns)} fields, found {len(fields)}")
            continue
        row = {c: f.strip() for c, f in zip(columns, fields, strict=True)}
        pid = row.get("id") or f"row {line}"
        if "id" in row:
            if not row["id"]:
                bad(f"{where}.id", "expected an identifier, found an empty field")
            elif pid in seen_ids:
                bad(
                    f"{where}.id",
                    f"expected a unique identifier, found {shown(pid)} again "
                    f"(row {seen_ids[pid]}.id)",
                )
            else:
                seen_ids[pid] = line
        kwargs: dict[str, object] = {
            "height": row["height"],
            "weight": row["weight"],
            "sex": row["sex"] or None,
            "identifier": pid,
        }
        patient = None
        for _ in range(len(_PLACEHOLDERS)):
            try:
                patient = Patient(**kwargs)  # type: ignore[arg-type]
                break
            except InputError as exc:
                if (
                    exc.field not in _PLACEHOLDERS
                    or kwargs.get(exc.field) == _PLACEHOLDERS[exc.field]
                ):
                    bad(where, str(exc))
                    break
                column = _COLUMN_OF.get(exc.field, exc.field)
                bad(
                    f"{where}.{column}",
                    f"expected {exc.expected}, found {shown(row.get(column, pid))}",
                )
                # A valid stand-in, so the next field of the row is checked too.
                kwargs[exc.field] = _PLACEHOLDERS[exc.field]
        names = tuple(n.strip() for n in row["concomitant"].split(";") if n.strip())
        row_ok = True
        in_row: dict[str, str] = {}  # canonical name -> the drug as first written in this row
        for drug in names:
            if drug not in resolved_names:
                try:
                    resolved_names[drug] = resolve_concomitants([drug])[0].name
                except RegimenCalcError as exc:
                    resolved_names[drug] = None
                    resolved_names[f"\0{drug}"] = str(exc)
            canonical = resolved_names[drug]
            if canonical is None:
                bad(f"{where}.concomitant", str(resolved_names[f"\0{drug}"]))
                row_ok = False
            elif canonical in in_row:
                # Taken for the whole schedule, both would give the same drug on the same days.
                first = in_row[canonical]
                again = "twice" if first == drug else f"again as {drug!r} ({canonical})"
                bad(f"{where}.concomitant", f"expected each drug once, found {first!r} {again}")
                row_ok = False
            else:
                in_row[canonical] = drug
        if patient is not None and row_ok:
            patients.append(patient)
            ids.append(pid)
            concomitant.append(names)
    bar.done()
    if problems:
        raise PatientDataError(problems)
    if not patients:
        raise PatientDataError(
            [Problem(file=name, path="", message="expected at least one patient row, found none")]
        )
    return Cohort.from_patients(patients, concomitant=concomitant, ids=ids)


def _csv_rows(reader: Any, name: str) -> Any:
    """The reader's rows; a row csv cannot read (a field above ``csv.field_size_limit()``)
    becomes a :class:`PatientDataError` naming its line, never a ``csv.Error``."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            where = f"row {reader.line_num}"
            message = f"expected a CSV row, found: {exc}"
            raise PatientDataError([Problem(file=name, path=where, message=message)]) from None
        yield row
