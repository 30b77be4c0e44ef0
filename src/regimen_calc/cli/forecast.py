"""``regimen-calc forecast``: a cohort's drug totals and packs, from a patients CSV file.

Registered on the main command group in ``cli.commands`` (``main.add_command(forecast)``). click
is imported here and in ``cli.commands`` only, never by the library: ``import regimen_calc`` is free
of it. The command parses arguments and calls load → read → forecast → render; it calculates
nothing itself.
"""

from __future__ import annotations

import click

from regimen_calc.cli.support import (
    PlainInt,
    StrictCommand,
    library_errors,
    overlay_option,
    refuse_repeated_files,
    rule_set_option,
)
from regimen_calc.io.regimen_files import load_regimen

__all__ = ["forecast"]


@click.command("forecast", cls=StrictCommand)
@click.argument("name")
@click.argument("patients_csv", type=click.Path(dir_okay=False))
@click.option(
    "--cycles",
    type=PlainInt(1),
    default=1,
    show_default=True,
    help="Number of cycles to sum (1 up to the regimen's number of cycles).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
@rule_set_option
@overlay_option
@click.option("--totals-only", is_flag=True, help="Leave out the per-patient rows (text, json).")
@library_errors
def forecast(
    name: str,
    patients_csv: str,
    cycles: int,
    fmt: str,
    output: str | None,
    rule_set: str,
    overlays: tuple[str, ...],
    totals_only: bool,
) -> None:
    """Forecast regimen NAME for every patient in PATIENTS_CSV: doses and packs per drug.

    PATIENTS_CSV has the columns height, weight (with units: "170 cm", "70 kg"), sex
    (female, male or empty), concomitant (drug names separated by ';') and, optionally, id.
    Every bad row is reported with its line number and field, and nothing is forecast.

    Every format names the regimen's files with their SHA-256 and carries every note. In CSV,
    after the total row come a source_files row, a method row and one note row per note, their
    text in the last column, note.
    """
    # Here, not at the top: the cohort engine (about 17 ms to import; the patients CSV reader
    # imports it) is loaded by this command only, not by `regimen-calc --help` or the others.
    from regimen_calc.cohort.forecast import forecast as run_forecast
    from regimen_calc.io.patients_csv import read_patients_csv

    refuse_repeated_files(overlays, "--overlay")
    regimen = load_regimen(name, overlays=overlays)
    cohort = read_patients_csv(patients_csv, progress=True)
    result = run_forecast(regimen, cohort, cycles=cycles, rule_set=rule_set, progress=True)
    if fmt == "csv":
        text = result.to_csv()
    elif fmt == "json":
        import json

        text = json.dumps(result.to_dict(patients=not totals_only), indent=2, ensure_ascii=False)
        text += "\n"
    else:
        text = result.to_text(patients=not totals_only)
    if output is None:
        click.echo(text, nl=False)
    else:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        click.echo(f"wrote {output}", err=True)
