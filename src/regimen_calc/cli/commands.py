"""The ``regimen-calc`` command line: parse arguments, then load → schedule → render.

The CLI calculates nothing and formats nothing itself. The library is imported at the top (it
loads with ``import regimen_calc``); only the forecast's cohort engine waits for its command. Any
library error (a
:class:`~regimen_calc.errors.RegimenCalcError`) becomes one line on stderr, ``error: ...``, and
exit status 1; usage errors exit with 2 (click's convention); no traceback is ever shown.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import sys
from typing import TYPE_CHECKING, Any

import click

from regimen_calc.cli.support import (
    PlainInt,
    StrictGroup,
    library_errors,
    overlay_option,
    plain_decimal,
    plain_int,
    refuse_repeated_files,
    rule_set_option,
)
from regimen_calc.content.interaction_tables import lookup_drug
from regimen_calc.errors import InputError, LoadError, RegimenCalcError
from regimen_calc.io.policy_files import load_policy
from regimen_calc.io.regimen_files import (
    available_regimens,
    load_regimen,
    search_problems,
    validate_file,
)
from regimen_calc.model.patient import Patient
from regimen_calc.render import BINARY_FORMATS, render
from regimen_calc.render._view import confidence_mark
from regimen_calc.wording.ismp import (
    format_days,
    format_dose_per_unit,
    format_frequency,
    format_infusion,
    format_number,
    format_sequence,
    route_name,
)

if TYPE_CHECKING:
    from regimen_calc.model.regimen import Regimen

FORMAT_NAMES = ("text", "markdown", "html", "pdf", "csv", "json", "ics")
_CONCOMITANT = re.compile(
    r"^(?P<name>[^:]+?)\s*(?::\s*(?P<start>-?[0-9]+)\s*-\s*(?P<stop>-?[0-9]+)?)?$"
)

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@click.group(cls=StrictGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="regimen-calc", prog_name="regimen-calc")
def main() -> None:
    """Checked, printable day-by-day dose schedules for chemotherapy regimens.

    Output is not a prescribing source: check every value against the approved protocol.
    """


# --------------------------------------------------------------------------------------------
# list


@main.command("list")
@library_errors
def list_command() -> None:
    """List the REGIMEN_CALC_PATH and bundled regimens with their sources.

    A file that cannot be loaded is reported on stderr (exit status 1); the others are listed.
    """

    problems = list(search_problems())
    for regimen_id in available_regimens():
        try:
            reg = load_regimen(regimen_id)
        except LoadError as exc:
            problems += exc.problems
            continue
        click.echo(f"{reg.id}: {reg.name} (version {reg.version})")
        if reg.aliases:
            click.echo(f"  aliases: {', '.join(reg.aliases)}")
        for ref in reg.references:
            where = f" <{ref.url}>" if ref.url else ""
            grade = f", confidence {ref.confidence}" if ref.confidence else ""
            click.echo(f"  - {ref.id} ({ref.kind}{grade}): {ref.title}{where}")
    for problem in dict.fromkeys(problems):  # a problem shared by two regimens, once
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(1)


# --------------------------------------------------------------------------------------------
# show


def _status(prov: Any) -> str:
    label = {"stated": "stated", "assumed": "assumed", "not_stated": "not stated", "site": "site"}[
        prov.status
    ]
    extra = [x for x in (prov.source,) if x]
    text = f"{label} ({', '.join(extra)})" if extra else label
    if prov.note:
        text += f": {prov.note}"
    return text


def _dose_text(comp: Any) -> str:

    if comp.steps:
        return "; ".join(
            f"{'day' if len(s.days) == 1 else 'days'} {format_days(s.days)}: "
            f"{format_dose_per_unit(s.dose.amount)}"
            for s in comp.steps
        )
    if comp.dose is None:
        return "not stated"
    return format_dose_per_unit(comp.dose.amount)


def _field_text(comp: Any, field: str, names: dict[str, str]) -> str:

    if field == "drug":
        return comp.drug
    if field == "dose":
        return _dose_text(comp)
    if field == "route":
        return route_name(comp.route) if comp.route else "not stated"
    if field == "days":
        return format_days(comp.days) if comp.days else "not stated"
    if field == "frequency":
        # "once" is a single dose, not "once daily" (as the schedule prints it).
        return "once (single dose)" if comp.frequency == "once" else format_frequency(comp.per_day)
    if field == "infusion":
        return format_infusion(comp.infusion, route=comp.route)
    if field == "sequence":
        after = names.get(comp.sequence.after) if comp.sequence else None
        return format_sequence(comp.sequence, after_name=after)
    if field == "conditions":
        return "; ".join(c.text for c in comp.conditions) or "none"
    if field == "interaction_rule":
        rule = comp.interaction_rule
        if rule is None:
            return "none"
        doses = ", ".join(
            f"{k} {format_dose_per_unit(v)}"
            for k, v in (("strong", rule.strong), ("moderate", rule.moderate))
            if v
        )
        return f"{rule.text} ({doses})"
    raise AssertionError(field)  # pragma: no cover


def _load_regimen(name: str, overlays: tuple[str, ...]) -> Regimen:
    """Load NAME with its overlays; an overlay the library refuses is a usage error."""

    try:
        return load_regimen(name, overlays=overlays)
    except InputError as exc:
        # Another copy of an overlay already given (the same bytes under another name).
        if exc.field.startswith("overlays["):
            raise click.BadParameter(str(exc), param_hint="--overlay") from None
        raise


@main.command("show")
@click.argument("name")
@overlay_option
@library_errors
def show_command(name: str, overlays: tuple[str, ...]) -> None:
    """Show regimen NAME as written, with the status of each value.

    Status: stated (source) / assumed (source) / not stated / site (site protocol).
    Values that rest on a source of medium or low confidence are marked [M] or [L], as in the
    schedule.
    """
    refuse_repeated_files(overlays, "--overlay")
    reg = _load_regimen(name, overlays)
    names = {c.id: c.drug for c in reg.components}
    click.echo(f"{reg.name}")
    extends = f"; extends {reg.extends}" if reg.extends else ""
    click.echo(f"id: {reg.id}; version {reg.version}{extends}")
    if reg.overlays:
        click.echo(f"site overlays: {', '.join(reg.overlays)}")
    if reg.description:
        click.echo(f"\n{reg.description}")
    click.echo("\nReferences:")
    for ref in reg.references:
        where = f" <{ref.url}>" if ref.url else ""
        grade = f", confidence {ref.confidence}" if ref.confidence else ""
        click.echo(f"  - {ref.id} ({ref.kind}{grade}): {ref.title}{where}")
    click.echo("\nCycle:")
    for field, label, unit in (("length_days", "length", "days"), ("max_cycles", "cycles", "")):
        value = getattr(reg.cycle, field)
        text = (
            "not stated" if value is None else f"{format_number(value, decimals=0)} {unit}".strip()
        )
        if field == "max_cycles" and value is not None and reg.cycle.max_cycles_bound == "at_most":
            text = f"at most {text}"
        prov = reg.cycle.provenance.get(field)
        status = _status(prov) if prov else "stated"
        if value is not None and prov is not None:
            text += confidence_mark(reg.confidence_of(prov))
        click.echo(f"  {label}: {text} [{status}]")
    fields = (
        "drug",
        "dose",
        "route",
        "days",
        "frequency",
        "infusion",
        "sequence",
        "conditions",
        "interaction_rule",
    )
    for comp in reg.components:
        click.echo(f"\n{comp.drug} (component {comp.id}) [{_status(comp.provenance_of(''))}]")
        for field in fields:
            if field == "interaction_rule" and comp.interaction_rule is None:
                continue
            prov_field = comp.dose_field if field == "dose" else field
            prov = comp.provenance.get(prov_field) or comp.provenance.get(field)
            text = _field_text(comp, field, names)
            if prov:
                status = _status(prov)
            elif getattr(comp, prov_field, None) in (None, ()):
                # Nothing written for it: the component's source cannot be said to state it.
                status = "not in the regimen file"
            else:
                status = _status(comp.provenance_of(""))
            if prov is not None and prov.status == "not_stated":
                # A value the source does not state has no value: never a default beside the mark.
                text = "not stated"
            elif status != "not in the regimen file":
                text += confidence_mark(reg.confidence_of(prov or comp.provenance_of("")))
            click.echo(f"  {field.replace('_', ' ')}: {text} [{status}]")
        for note in comp.notes:
            click.echo(f"  note: {note}")
    for note in reg.notes:
        click.echo(f"\nnote: {note}")


# --------------------------------------------------------------------------------------------
# schedule


def _parse_concomitant(value: str) -> dict[str, Any]:
    match = _CONCOMITANT.match(value.strip())
    if not match:
        raise click.BadParameter(
            f"{value!r}: expected NAME, NAME:START-STOP or NAME:START- "
            "(days, e.g. posaconazole:0-)",
            param_hint="--concomitant",
        )
    item: dict[str, Any] = {"name": match["name"].strip()}
    if match["start"] is not None:
        item["start_day"] = plain_int(match["start"], "--concomitant", value, signed=True)
        if match["stop"] is not None:
            item["stop_day"] = plain_int(match["stop"], "--concomitant", value, signed=True)
    return item


def _parse_labs(items: tuple[str, ...]) -> dict[int, dict[str, float]]:
    """``("1:wbc=25,crcl=80", ...)`` → ``{1: {"wbc": 25.0, "crcl": 80.0}}``.

    A lab given twice for one day is refused (in one item or in two): one value would replace
    the other. The values are checked by the engine.
    """
    labs: dict[int, dict[str, float]] = {}
    for item in items:
        day_text, sep, rest = item.partition(":")
        pairs = [p.partition("=") for p in rest.split(",")] if sep else []
        if not sep or not all(p[1] and p[0].strip() for p in pairs):
            raise click.BadParameter(
                f"{item!r}: expected DAY:LAB=VALUE[,LAB=VALUE], e.g. 1:wbc=25", param_hint="--labs"
            )
        day = plain_int(day_text, "--labs", item, signed=True)
        row = labs.setdefault(day, {})
        for name, _, value in pairs:
            lab = name.strip()
            if lab in row:
                raise click.BadParameter(
                    f"{item!r}: {lab} on day {day} is given more than once; give each lab once "
                    "per day",
                    param_hint="--labs",
                )
            row[lab] = plain_decimal(value, "--labs", item)
    return labs


def _parse_prior(items: tuple[str, ...]) -> dict[str, float]:
    """``("mitoxantrone=60",)`` → ``{"mitoxantrone": 60.0}`` (mg/m², checked by the engine).

    A drug given twice (in any case) is refused: one value would replace the other.
    """
    prior: dict[str, float] = {}
    seen: set[str] = set()
    for item in items:
        drug, sep, value = item.partition("=")
        if not sep or not drug.strip():
            raise click.BadParameter(
                f"{item!r}: expected DRUG=MG_PER_M2, e.g. mitoxantrone=60", param_hint="--prior"
            )
        key = drug.strip().casefold()
        if key in seen:
            raise click.BadParameter(
                f"{item!r}: {drug.strip()} is given more than once; give each drug once "
                "(its whole exposure before this cycle)",
                param_hint="--prior",
            )
        seen.add(key)
        prior[drug.strip()] = plain_decimal(value, "--prior", item)
    return prior


def _refuse_repeated_concomitants(items: list[dict[str, Any]], texts: tuple[str, ...]) -> None:
    """The same drug (by any name or alias) twice over overlapping days: one would be ignored."""

    taken: dict[str, list[tuple[float, float, str]]] = {}
    for item, text in zip(items, texts, strict=True):
        drug = lookup_drug(item["name"]).name
        first = item.get("start_day", -math.inf)
        last = item.get("stop_day", math.inf)
        for other_first, other_last, other in taken.get(drug, []):
            if first <= other_last and other_first <= last:
                raise click.BadParameter(
                    f"{text!r} repeats {other!r} ({drug}) on the same days; give each drug once "
                    "for any day",
                    param_hint="--concomitant",
                )
        taken.setdefault(drug, []).append((first, last, text))


def _parse_date(value: str | None, option: str) -> datetime.date | None:
    if value is None:
        return None
    try:
        # fromisoformat also reads 20260105 and 2026-W02-1: only the documented form is taken.
        if _DATE.fullmatch(value) is None:
            raise ValueError(value)
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: expected a date as YYYY-MM-DD", param_hint=option
        ) from None


@main.command("schedule")
@click.argument("name")
@click.option("--height", required=True, help='Height with its unit, e.g. "170 cm" or "67 in".')
@click.option("--weight", required=True, help='Weight with its unit, e.g. "70 kg" or "154 lb".')
@click.option(
    "--sex",
    type=click.Choice(["female", "male"], case_sensitive=False),
    help="Needed by some BSA formulas (Schlich).",
)
@click.option("--age", type=PlainInt(0, 120), help="Age in whole years.")
@click.option("--bsa-formula", help="BSA formula (default: the policy's, Mosteller).")
@click.option("--start", help="Date of day 1, YYYY-MM-DD (needed for dates and for ics).")
@click.option("--cycle", type=PlainInt(), default=1, show_default=True, help="Cycle number.")
@click.option(
    "--concomitant",
    "concomitants",
    multiple=True,
    metavar="NAME[:START-[STOP]]",
    help="A concomitant drug, optionally with the days taken (repeatable), "
    "e.g. posaconazole or posaconazole:0- or fluconazole:3-10.",
)
@rule_set_option
@overlay_option
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False),
    help="An institution dosing-policy YAML file (rounding, weight basis, dose levels).",
)
@click.option(
    "--labs",
    "lab_items",
    multiple=True,
    metavar="DAY:LAB=VALUE[,LAB=VALUE]",
    help="Laboratory values for a day (repeatable), e.g. 1:wbc=25 or 0:wbc=12,crcl=80; "
    "units in docs/safety.md.",
)
@click.option(
    "--prior",
    "prior_items",
    multiple=True,
    metavar="DRUG=MG_PER_M2",
    help="Prior cumulative exposure in mg/m² (repeatable), e.g. mitoxantrone=60.",
)
@click.option(
    "--override-cumulative",
    metavar="REASON",
    help="Schedule past a cumulative limit; the reason is printed on the schedule.",
)
@click.option("--patient-name", help="The patient's full name (printed).")
@click.option("--patient-id", help="A second identifier such as a hospital number (printed).")
@click.option("--measured-on", help="Date height and weight were measured, YYYY-MM-DD.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--paper",
    type=click.Choice(["a4", "letter"], case_sensitive=False),
    default="a4",
    show_default=True,
    help="Paper size for html and pdf (landscape).",
)
@click.option(
    "--ics-include-patient",
    is_flag=True,
    help="Put the patient's name and identifier in ics events (left out by default: "
    "calendars are often synced outside the hospital).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
@library_errors
def schedule_command(
    name: str,
    height: str,
    weight: str,
    sex: str | None,
    age: int | None,
    bsa_formula: str | None,
    start: str | None,
    cycle: int,
    concomitants: tuple[str, ...],
    rule_set: str,
    overlays: tuple[str, ...],
    policy_file: str | None,
    lab_items: tuple[str, ...],
    prior_items: tuple[str, ...],
    override_cumulative: str | None,
    patient_name: str | None,
    patient_id: str | None,
    measured_on: str | None,
    fmt: str,
    paper: str,
    ics_include_patient: bool,
    output: str | None,
) -> None:
    """Compute and print the day-by-day schedule of regimen NAME for one patient."""
    items = [_parse_concomitant(c) for c in concomitants]
    refuse_repeated_files(overlays, "--overlay")
    labs = _parse_labs(lab_items)
    prior = _parse_prior(prior_items)
    start_date = _parse_date(start, "--start")
    measured = _parse_date(measured_on, "--measured-on")
    _refuse_repeated_concomitants(items, concomitants)
    if fmt == "pdf" and output is None and sys.stdout.isatty():
        raise click.UsageError(
            "pdf is binary: write it to a file with -o FILE (or redirect stdout)"
        )

    patient = Patient(
        height=height,
        weight=weight,
        sex=sex,
        age=age,
        name=patient_name,
        identifier=patient_id,
        measured_on=measured,
    )
    regimen = _load_regimen(name, overlays)
    policy = None
    if policy_file is not None:
        policy = load_policy(policy_file)
    schedule = regimen.schedule(
        patient,
        cycle=cycle,
        start=start_date,
        concomitant=items,
        rule_set=rule_set,
        bsa_formula=bsa_formula,
        policy=policy,
        labs=labs or None,
        prior_exposure=prior or None,
        override_cumulative=override_cumulative,
    )
    options: dict[str, Any] = {"paper": paper.lower()} if fmt in ("html", "pdf") else {}
    if fmt == "ics":
        options["include_patient"] = ics_include_patient
    result = render(schedule, fmt, **options)
    data = result if fmt in BINARY_FORMATS else str(result).encode("utf-8")
    assert isinstance(data, bytes)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        with open(output, "wb") as fh:
            fh.write(data)
        click.echo(f"wrote {output}", err=True)


# --------------------------------------------------------------------------------------------
# validate


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@library_errors
def validate_command(files: tuple[str, ...]) -> None:
    """Check regimen FILES; print every problem as FILE: path: message.

    Each file is given once. Exit status 0 when every file is valid, 1 when any is not.
    """

    refuse_repeated_files(files, "FILES")
    bad = False
    for path in files:
        try:
            validate_file(path)
        except LoadError as exc:
            bad = True
            for problem in exc.problems:
                where = f"{problem.path}: " if problem.path else ""
                # A problem in another file (the regimen this one extends) names that file too.
                own = problem.file in (path, os.path.basename(path))
                in_file = "" if own else f"(in {problem.file}) "
                click.echo(f"{path}: {in_file}{where}{problem.message}")
        except (RegimenCalcError, OSError) as exc:
            bad = True
            click.echo(f"{path}: {exc}")
        else:
            click.echo(f"{path}: ok", err=True)
    sys.exit(1 if bad else 0)


# --------------------------------------------------------------------------------------------
# Commands defined in their own modules. cli.forecast imports only click and imports the forecast
# engine inside the command, so registering it here keeps `regimen-calc --help` fast.

from regimen_calc.cli.forecast import forecast as _forecast_command  # noqa: E402

main.add_command(_forecast_command)


if __name__ == "__main__":  # pragma: no cover
    main()
