"""One table of bad inputs to the public API and the error each must raise.

Every row: the call, the library error class it must raise (exactly that class), the field it
names and a fragment of the expected text. The field is ``err.field`` for an ``InputError``; for a
file's ``ProblemsError`` (``LoadError``, ``PatientDataError``) the path of its one problem (``""``
for the file as a whole); for the errors that carry no field (``UnknownDrugError``,
``CumulativeDoseError``) the name the message starts with. Every error is the library's base
error, a ``ValueError``: never a KeyError, TypeError, AttributeError, OverflowError or a pint
error from inside, and nothing partial is returned.

The hypothesis properties over odd values, and the CLI cases, are in test_api_fuzz.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pint
import pytest

import regimen_calc as rc
from regimen_calc.engine.policy import (
    DoseModification,
    DosingPolicy,
    DrugPolicy,
    ExactComposition,
    Increment,
    NearestPack,
)
from regimen_calc.errors import CumulativeDoseError, ProblemsError
from regimen_calc.io.policy_files import load_policy
from regimen_calc.render import render
from regimen_calc.wording import ismp as formatting
from render_support import HUGE, clag_schedule, policy_from_text, write_patients_csv

A = rc.Patient(height="170 cm", weight="65 kg")
NAN = float("nan")
P = rc.Patient(height="170 cm", weight="70 kg")
OTHER = pint.UnitRegistry()  # a second registry: its quantities cannot be mixed with ureg's
ARRAY_MG = rc.ureg.Quantity(np.array([100.0, 200.0]), "mg")


def sched(regimen: str = "CLAG", patient: rc.Patient = A, **kwargs: Any) -> Callable[[Path], Any]:
    return lambda _tmp: rc.load_regimen(regimen).schedule(patient, **kwargs)


def patient(**kwargs: Any) -> Callable[[Path], Any]:
    base = {"height": "170 cm", "weight": "65 kg"}
    return lambda _tmp: rc.Patient(**{**base, **kwargs})


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[Path], Any]:
    return lambda _tmp: fn(*args, **kwargs)


def policy_file(text: str | bytes) -> Callable[[Path], Any]:
    def run(tmp: Path) -> Any:
        path = tmp / "site-policy.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return load_policy(path)

    return run


def drug_policy(**kwargs: Any) -> Callable[[Path], Any]:
    return lambda _tmp: DosingPolicy(drugs={"filgrastim": DrugPolicy(**kwargs)})


ALIAS_BOMB = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
DEEP = "drugs: " + "[" * 40 + "]" * 40 + "\n"


def row(
    name: str, make: Callable[[Path], Any], error: type[Exception], field: str, text: str
) -> Any:
    """One case: its readable id, the call (given pytest's tmp_path) and what it must raise."""
    return pytest.param(make, error, field, text, id=name)


ROWS: list[Any] = [
    row(
        "height missing",
        patient(height=None),
        rc.InputError,
        "height",
        "a length between 50 cm and 250 cm (required)",
    ),
    row(
        "height bare number",
        patient(height=170),
        rc.InputError,
        "height",
        "a length with a unit such as '170 cm' (a bare number has no unit)",
    ),
    row(
        "height in metres typed as m for cm",
        patient(height="170 m"),
        rc.InputError,
        "height",
        "a length between 50 cm and 250 cm (check the unit)",
    ),
    row(
        "height as a mass",
        patient(height="170 kg"),
        rc.InputError,
        "height",
        "a length with a unit such as '170 cm'",
    ),
    row(
        "height NaN",
        patient(height="nan cm"),
        rc.InputError,
        "height",
        "a length with a unit such as '170 cm': one number and one unit",
    ),
    row(
        "weight in grams by mistake",
        patient(weight="70 g"),
        rc.InputError,
        "weight",
        "a mass between 10 kg and 350 kg (check the unit)",
    ),
    row(
        "weight negative",
        patient(weight="-70 kg"),
        rc.InputError,
        "weight",
        "a mass with a unit such as '70 kg': one number and one unit",
    ),
    row(
        "weight as True",
        patient(weight=True),
        rc.InputError,
        "weight",
        "a mass with a unit such as '70 kg' (a bare number has no unit)",
    ),
    row(
        "sex abbreviation",
        patient(sex="m"),
        rc.InputError,
        "sex",
        "None, 'female' or 'male' (any case)",
    ),
    row("age negative", patient(age=-1), rc.InputError, "age", "None or whole years from 0 to 120"),
    row("cycle zero", sched(cycle=0), rc.InputError, "cycle", "a whole number from 1"),
    row("cycle as text", sched(cycle="1"), rc.InputError, "cycle", "a whole number from 1"),
    row(
        "start as text",
        sched(start="2026-01-05"),
        rc.InputError,
        "start",
        "a datetime.date: the date of day 1",
    ),
    row(
        "start as datetime",
        sched(start=datetime.datetime(2026, 1, 5, 8)),
        rc.InputError,
        "start",
        "a datetime.date: the date of day 1",
    ),
    row(
        "bsa formula misspelt",
        sched(bsa_formula="mosteler"),
        rc.InputError,
        "bsa_formula",
        "one of mosteller, dubois, haycock, gehan-george",
    ),
    row(
        "bsa formula not text",
        sched(bsa_formula=3),
        rc.InputError,
        "bsa_formula",
        "one of mosteller, dubois, haycock, gehan-george",
    ),
    row(
        "rule set not text",
        sched(rule_set=5),
        rc.InputError,
        "rule_set",
        "one of 'label', 'protocol'",
    ),
    row(
        "policy not a policy",
        sched(policy={"bsa_decimals": 2}),
        rc.InputError,
        "policy",
        "a DosingPolicy",
    ),
    row(
        "patient not a patient",
        call(lambda: rc.load_regimen("CLAG").schedule({"height": "170 cm"})),
        rc.InputError,
        "patient",
        "a Patient(height=..., weight=...)",
    ),
    row(
        "unknown concomitant",
        sched(concomitant=["posaconazol"]),
        rc.UnknownDrugError,
        "concomitant",
        "unknown drug 'posaconazol'; did you mean posaconazole",
    ),
    row(
        "concomitant not a list",
        sched(concomitant=5),
        rc.InputError,
        "concomitant",
        "a list of drug names or Concomitant objects",
    ),
    row(
        "lab negative",
        sched(labs={1: {"wbc": -3}}),
        rc.InputError,
        "labs[1].wbc",
        "a value from 0 to 1000 10^9/L",
    ),
    row(
        "lab unknown",
        sched(labs={1: {"wcc": 3}}),
        rc.InputError,
        "labs[1].wcc",
        "one of the labs wbc, anc, platelets, crcl, alt_uln, bilirubin_uln",
    ),
    row(
        "lab NaN", sched(labs={1: {"wbc": NAN}}), rc.InputError, "labs[1].wbc", "a number in 10^9/L"
    ),
    row(
        "lab as text",
        sched(labs={1: {"crcl": "45"}}),
        rc.InputError,
        "labs[1].crcl",
        "a number in mL/min",
    ),
    row(
        "lab implausible (µmol/L for mL/min)",
        sched(labs={1: {"crcl": 900}}),
        rc.InputError,
        "labs[1].crcl",
        "a value from 0 to 300 mL/min",
    ),
    row(
        "lab day as text",
        sched(labs={"1": {"wbc": 3}}),
        rc.InputError,
        "labs",
        "whole-number days as keys",
    ),
    row(
        "lab row not a mapping",
        sched(labs={1: 25}),
        rc.InputError,
        "labs[1]",
        "a mapping of lab name → value",
    ),
    row(
        "labs a list",
        sched(labs=[1, 2]),
        rc.InputError,
        "labs",
        "a mapping of day → {lab: value}, such as {1: {'wbc': 25}}",
    ),
    row(
        "prior unknown drug",
        sched("MEC", prior_exposure={"doxorubicine": 100}),
        rc.InputError,
        "prior_exposure['doxorubicine']",
        "one of the anthracyclines doxorubicin, daunorubicin",
    ),
    row(
        "prior negative",
        sched("MEC", prior_exposure={"mitoxantrone": -5}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
        "0, or from 1 to 5,000 mg/m²",
    ),
    row(
        "prior in mg not mg/m2",
        sched("MEC", prior_exposure={"mitoxantrone": "60 mg"}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
        "0, or from 1 to 5,000 mg/m²",
    ),
    row(
        "prior as bool",
        sched("MEC", prior_exposure={"mitoxantrone": True}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
        "0, or from 1 to 5,000 mg/m²",
    ),
    row(
        "prior NaN",
        sched("MEC", prior_exposure={"mitoxantrone": NAN}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
        "0, or from 1 to 5,000 mg/m²",
    ),
    row(
        "prior absurd",
        sched("MEC", prior_exposure={"mitoxantrone": 60000}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
        "0, or from 1 to 5,000 mg/m²",
    ),
    row(
        "prior bad unit",
        sched("MEC", prior_exposure={"mitoxantrone": "60 mgg/m^2"}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
        "0, or from 1 to 5,000 mg/m²",
    ),
    row(
        "prior a list",
        sched("MEC", prior_exposure=[60]),
        rc.InputError,
        "prior_exposure",
        "a mapping of drug → mg/m², such as {'mitoxantrone': 60}",
    ),
    row(
        "past the lifetime limit",
        sched("MEC", prior_exposure={"mitoxantrone": 120}),
        CumulativeDoseError,
        "prior_exposure",
        "160 mg/m² (prior 120 mg/m² + this cycle 40 mg/m²) is above the lifetime limit 140 mg/m²",
    ),
    row(
        "override blank",
        sched("MEC", override_cumulative="  "),
        rc.InputError,
        "override_cumulative",
        "the reason for going past the lifetime limit, as text",
    ),
    row(
        "override not text",
        sched("MEC", override_cumulative=True),
        rc.InputError,
        "override_cumulative",
        "the reason for going past the lifetime limit, as text",
    ),
    row(
        "policy formula",
        call(DosingPolicy, bsa_formula="mosteler"),
        rc.InputError,
        "bsa_formula",
        "one of mosteller, dubois, haycock, gehan-george",
    ),
    row(
        "policy bsa decimals 0",
        call(DosingPolicy, bsa_decimals=0),
        rc.InputError,
        "bsa_decimals",
        "a whole number from 1 to 4",
    ),
    row(
        "policy bsa decimals float",
        call(DosingPolicy, bsa_decimals=2.5),
        rc.InputError,
        "bsa_decimals",
        "a whole number from 1 to 4",
    ),
    row(
        "policy bsa cap implausible",
        call(DosingPolicy, bsa_cap="5 m^2"),
        rc.InputError,
        "bsa_cap",
        "an area from 1 m² to 3 m²",
    ),
    row(
        "policy bsa cap not an area",
        call(DosingPolicy, bsa_cap="2 kg"),
        rc.InputError,
        "bsa_cap",
        "area with a unit such as '2 m^2'",
    ),
    row(
        "policy max deviation 60",
        call(DosingPolicy, max_deviation_percent=60),
        rc.InputError,
        "max_deviation_percent",
        "a percentage from 0 to 50",
    ),
    row(
        "policy max deviation negative",
        call(DosingPolicy, max_deviation_percent=-1),
        rc.InputError,
        "max_deviation_percent",
        "a percentage from 0 to 50",
    ),
    row(
        "policy unknown drug",
        call(DosingPolicy, drugs={"asprin": DrugPolicy()}),
        rc.InputError,
        "drugs['asprin']",
        "a generic name from the drug catalog",
    ),
    row(
        "policy drug rules not DrugPolicy",
        call(DosingPolicy, drugs={"filgrastim": "nearest"}),
        rc.InputError,
        "drugs['filgrastim']",
        "a DrugPolicy(...)",
    ),
    row(
        "policy drugs a list",
        call(DosingPolicy, drugs=["filgrastim"]),
        rc.InputError,
        "drugs",
        "a mapping of generic drug name → DrugPolicy",
    ),
    row(
        "policy scale unknown",
        call(DosingPolicy, doxorubicin_equivalence="cardiac"),
        rc.InputError,
        "doxorubicin_equivalence",
        "one of cog, feijen",
    ),
    row(
        "weight basis unknown",
        drug_policy(weight_basis="lean"),
        rc.InputError,
        "weight_basis",
        "one of actual, ideal, adjusted",
    ),
    row(
        "drug max deviation 51",
        drug_policy(max_deviation_percent=51),
        rc.InputError,
        "max_deviation_percent",
        "a percentage from 0 to 50",
    ),
    row(
        "rounding not a rule",
        drug_policy(rounding="10 mg"),
        rc.InputError,
        "rounding",
        "None, Increment(...), NearestPack(...) or ExactComposition()",
    ),
    row(
        "increment zero",
        call(Increment, "0 mg"),
        rc.InputError,
        "rounding.step",
        "a mass above 0, such as '10 mg'",
    ),
    row(
        "increment bare number",
        call(Increment, 10),
        rc.InputError,
        "rounding.step",
        "a mass with a unit such as '10 mg' (a bare number has no unit)",
    ),
    row(
        "increment a volume",
        call(Increment, "10 mL"),
        rc.InputError,
        "rounding.step",
        "a mass with a unit such as '10 mg'",
    ),
    row(
        "packs empty",
        call(NearestPack, []),
        rc.InputError,
        "rounding.sizes",
        "a list of pack sizes",
    ),
    row(
        "packs max zero",
        call(NearestPack, ["300 mcg"], 0),
        rc.InputError,
        "rounding.max_packs",
        "None or a whole number from 1",
    ),
    row(
        "modification 0%",
        call(DoseModification, percent=0, reason="x"),
        rc.InputError,
        "modification.percent",
        "a percentage above 0 to 100",
    ),
    row(
        "modification 150%",
        call(DoseModification, percent=150, reason="x"),
        rc.InputError,
        "modification.percent",
        "a percentage above 0 to 100",
    ),
    row(
        "modification bool",
        call(DoseModification, percent=True, reason="x"),
        rc.InputError,
        "modification.percent",
        "a percentage above 0 to 100",
    ),
    row(
        "modification no reason",
        call(DoseModification, percent=75, reason=""),
        rc.InputError,
        "modification.reason",
        "the reason for the dose level, as text",
    ),
    row(
        "exact composition, no tablets",
        call(DosingPolicy, drugs={"cytarabine": DrugPolicy(rounding=ExactComposition())}),
        rc.InputError,
        "drugs['cytarabine'].rounding",
        "exact composition only for a drug with tablet strengths",
    ),
    row(
        "ideal weight without sex",
        sched(policy=DosingPolicy(drugs={"filgrastim": DrugPolicy(weight_basis="ideal")})),
        rc.InputError,
        "sex",
        "the policy doses filgrastim on ideal body weight, which needs the patient's sex",
    ),
    row(
        "round_dose negative",
        call(DosingPolicy().round_dose, "cytarabine", rc.ureg.Quantity(-5, "mg")),
        rc.InputError,
        "dose",
        "a finite mass above 0",
    ),
    row(
        "round_dose NaN",
        call(DosingPolicy().round_dose, "cytarabine", rc.ureg.Quantity(NAN, "mg")),
        rc.InputError,
        "dose",
        "a finite mass above 0",
    ),
    row(
        "yaml unknown key",
        policy_file("bsa_formul: mosteller\n"),
        rc.LoadError,
        "bsa_formul",
        "unknown key",
    ),
    row(
        "yaml decimals as text",
        policy_file("bsa_decimals: '2'\n"),
        rc.LoadError,
        "bsa_decimals",
        "expected a whole number from 1 to 4, found '2'",
    ),
    row(
        "yaml deviation 51",
        policy_file("max_deviation_percent: 51\n"),
        rc.LoadError,
        "max_deviation_percent",
        "expected a number from 0 to 50, found 51",
    ),
    row(
        "yaml unknown drug",
        policy_file("drugs: {filgrastin: {rounding: {increment: 10 mcg}}}\n"),
        rc.LoadError,
        "drugs.filgrastin",
        "expected a generic name from the drug catalog (cladribine, cytarabine, filgrastim",
    ),
    row(
        "yaml modification 0",
        policy_file("drugs: {cytarabine: {modification: {percent: 0, reason: x}}}\n"),
        rc.LoadError,
        "drugs.cytarabine.modification.percent",
        "expected a number above 0 to 100, found 0",
    ),
    row(
        "yaml modification 101",
        policy_file("drugs: {cytarabine: {modification: {percent: 101, reason: x}}}\n"),
        rc.LoadError,
        "drugs.cytarabine.modification.percent",
        "expected a number above 0 to 100, found 101",
    ),
    row(
        "yaml modification reason missing",
        policy_file("drugs: {cytarabine: {modification: {percent: 75}}}\n"),
        rc.LoadError,
        "drugs.cytarabine.modification.reason",
        "required",
    ),
    row(
        "yaml two rounding kinds",
        policy_file("drugs: {cytarabine: {rounding: {increment: 10 mg, packs: [100 mg]}}}\n"),
        rc.LoadError,
        "drugs.cytarabine.rounding",
        "expected exactly one of increment, packs or exact_composition",
    ),
    row(
        "yaml increment bare number",
        policy_file("drugs: {cytarabine: {rounding: {increment: 10}}}\n"),
        rc.LoadError,
        "drugs.cytarabine.rounding.increment",
        "expected a mass with its unit such as '10 mg', found 10",
    ),
    row(
        "yaml weight basis",
        policy_file("drugs: {filgrastim: {weight_basis: lean}}\n"),
        rc.LoadError,
        "drugs.filgrastim.weight_basis",
        "expected one of actual, ideal, adjusted, found 'lean'",
    ),
    row(
        "yaml python tag",
        policy_file("name: !!python/object/apply:os.system ['echo hi']\n"),
        rc.LoadError,
        "line 1",
        "explicit tags such as !!python/object/apply:os.system are not allowed",
    ),
    row(
        "yaml alias bomb",
        policy_file(ALIAS_BOMB),
        rc.LoadError,
        "line 2",
        "aliases (*name) are not allowed in policy files",
    ),
    row(
        "yaml deep nesting",
        policy_file(DEEP),
        rc.LoadError,
        "line 1",
        "nesting deeper than 12 levels",
    ),
    row(
        "yaml huge file",
        policy_file("# " + "x" * 70_000 + "\n"),
        rc.LoadError,
        "",
        "file is 70,003 bytes; the limit is 65,536",
    ),
    row(
        "yaml not a mapping",
        policy_file("- mosteller\n"),
        rc.LoadError,
        "",
        "expected a mapping of policy fields",
    ),
    row(
        "yaml not UTF-8",
        policy_file(b"name: \xff\xfe\n"),
        rc.LoadError,
        "",
        "cannot read the file as UTF-8 text",
    ),
    row(
        "yaml invalid",
        policy_file("drugs: {cytarabine: [\n"),
        rc.LoadError,
        "line 2",
        "expected the node content",
    ),
    row(
        "policy file missing",
        call(load_policy, "/nonexistent/policy.yaml"),
        rc.LoadError,
        "",
        "cannot read the file",
    ),
    row(
        "policy path not a path",
        call(load_policy, 5),
        rc.LoadError,
        "",
        "expected a path to a policy YAML file",
    ),
    row(
        "format_number decimals huge",
        lambda _t: formatting.format_number(5, decimals=10**30),
        rc.InputError,
        "decimals",
        "a whole number of decimal places from 0 to 12",
    ),
    row(
        "format_quantity decimals huge",
        lambda _t: rc.format_quantity(rc.ureg.Quantity(5, "mg"), decimals=10**9),
        rc.InputError,
        "decimals",
        "a whole number of decimal places from 0 to 12",
    ),
    row(
        "format_date weekday not a bool",
        lambda _t: formatting.format_date(datetime.date(2026, 1, 5), weekday=np.array([1, 2])),
        rc.InputError,
        "weekday",
        "True or False",
    ),
    row(
        "format_date year as text",
        lambda _t: formatting.format_date(datetime.date(2026, 1, 5), year="no"),
        rc.InputError,
        "year",
        "True or False",
    ),
    row(
        "format_days a number",
        lambda _t: formatting.format_days(5),
        rc.InputError,
        "days",
        "one or more whole day numbers",
    ),
    row(
        "format_days a date",
        lambda _t: formatting.format_days(datetime.date(2026, 1, 5)),
        rc.InputError,
        "days",
        "one or more whole day numbers",
    ),
    row(
        "format_days a quantity array",
        lambda _t: formatting.format_days(ARRAY_MG),
        rc.InputError,
        "days",
        "one or more whole day numbers",
    ),
    row(
        "format_sequence text",
        lambda _t: formatting.format_sequence("cladribine"),
        rc.InputError,
        "sequence",
        "None or a SequenceRule",
    ),
    row(
        "format_sequence after_name not text",
        lambda _t: formatting.format_sequence(None, after_name=5),
        rc.InputError,
        "after_name",
        "None or a string",
    ),
    row(
        "format_infusion route not text",
        lambda _t: formatting.format_infusion(None, route=True),
        rc.InputError,
        "route",
        "None or a string",
    ),
    row(
        "format_infusion a quantity",
        lambda _t: formatting.format_infusion(rc.ureg.Quantity(2, "hour")),
        rc.InputError,
        "infusion",
        "None or an Infusion",
    ),
    row(
        "render format unhashable",
        lambda _t: render(clag_schedule(), ["text"]),
        rc.InputError,
        "format",
        "one of text, markdown, html, pdf, csv, json, ics",
    ),
    row(
        "render option a format does not take",
        lambda _t: render(clag_schedule(), "text", paper="a4"),
        rc.InputError,
        "options.paper",
        "for format 'text', no options",
    ),
    row(
        "render unknown option",
        lambda _t: render(clag_schedule(), "html", bogus=1),
        rc.InputError,
        "options.bogus",
        "for format 'html', one of paper",
    ),
    row(
        "forecast cycles astronomically large (regimen states no number of cycles)",
        lambda _t: rc.forecast(rc.load_regimen("CLAG"), [P], cycles=10**30),
        rc.InputError,
        "cycles",
        "a whole number from 1 to 100 (CLAG does not state its number of cycles",
    ),
    row(
        "forecast cycles past the regimen's stated number",
        lambda _t: rc.forecast(rc.load_regimen("Lipo-MIT+CLAG"), [P], cycles=3),
        rc.InputError,
        "cycles",
        "a whole number from 1 to 2 (Lipo-MIT+CLAG gives at most 2)",
    ),
    row(
        "forecast concomitant_by_patient a bool",
        lambda _t: rc.forecast(rc.load_regimen("CLAG"), [P], concomitant_by_patient=True),
        rc.InputError,
        "concomitant_by_patient",
        "a list with one entry per patient (1)",
    ),
    row(
        "forecast vectorised as text",
        lambda _t: rc.forecast(rc.load_regimen("CLAG"), [P], vectorised="no"),
        rc.InputError,
        "vectorised",
        "True or False",
    ),
    row(
        "forecast progress as an array",
        lambda _t: rc.forecast(rc.load_regimen("CLAG"), [P], progress=np.array([1, 2])),
        rc.InputError,
        "progress",
        "True or False",
    ),
    row(
        "Cohort.from_patients ids a number",
        lambda _t: rc.Cohort.from_patients([P], ids=5),
        rc.InputError,
        "ids",
        "a list with one entry per patient (1)",
    ),
    row(
        "Cohort.from_patients ids text (split into letters)",
        lambda _t: rc.Cohort.from_patients([P, P, P], ids="abc"),
        rc.InputError,
        "ids",
        "a list with one entry per patient (3)",
    ),
    row(
        "Cohort.from_patients ids not text",
        lambda _t: rc.Cohort.from_patients([P], ids=[5]),
        rc.InputError,
        "ids[0]",
        "a non-empty string",
    ),
    row(
        "Cohort.from_arrays heights as text",
        lambda _t: rc.Cohort.from_arrays(height_cm="abc", weight_kg=[70]),
        rc.InputError,
        "height_cm",
        "a list or array of numbers (int or float; not text, bools or objects)",
    ),
    row(
        "Cohort.from_arrays heights as numeric text (never converted)",
        lambda _t: rc.Cohort.from_arrays(height_cm=["170"], weight_kg=[70]),
        rc.InputError,
        "height_cm",
        "a list or array of numbers (int or float; not text, bools or objects)",
    ),
    row(
        "Cohort.from_arrays heights as a dict",
        lambda _t: rc.Cohort.from_arrays(height_cm={1: 2}, weight_kg=[70]),
        rc.InputError,
        "height_cm",
        "a list or array of numbers (int or float; not text, bools or objects)",
    ),
    row(
        "Cohort.from_arrays weights as bools",
        lambda _t: rc.Cohort.from_arrays(height_cm=[170], weight_kg=[True]),
        rc.InputError,
        "weight_kg",
        "a list or array of numbers (int or float; not text, bools or objects)",
    ),
    row(
        "Cohort.from_arrays heights as quantities",
        lambda _t: rc.Cohort.from_arrays(height_cm=[rc.ureg.Quantity(170, "cm")], weight_kg=[70]),
        rc.InputError,
        "height_cm",
        "a list or array of numbers",
    ),
    row(
        "Cohort.from_arrays sex a number",
        lambda _t: rc.Cohort.from_arrays(height_cm=[170], weight_kg=[70], sex=5),
        rc.InputError,
        "sex",
        "a list with one entry per patient (1)",
    ),
    row(
        "Cohort.from_arrays concomitant a number",
        lambda _t: rc.Cohort.from_arrays(height_cm=[170], weight_kg=[70], concomitant=5),
        rc.InputError,
        "concomitant",
        "a list with one entry per patient (1)",
    ),
    row(
        "Cohort.from_arrays concomitant_sets a number",
        lambda _t: rc.Cohort.from_arrays(
            height_cm=[170], weight_kg=[70], concomitant_sets=5, concomitant_group=[0]
        ),
        rc.InputError,
        "concomitant_sets",
        "a list of concomitant-drug sets",
    ),
    row(
        "read_patients_csv path None",
        lambda _t: rc.read_patients_csv(None),
        rc.InputError,
        "patients_csv",
        "the path of a CSV file, as a str or pathlib.Path",
    ),
    row(
        "read_patients_csv path bytes",
        lambda _t: rc.read_patients_csv(b"patients.csv"),
        rc.InputError,
        "patients_csv",
        "the path of a CSV file, as a str or pathlib.Path",
    ),
    row(
        "read_patients_csv path a date",
        lambda _t: rc.read_patients_csv(datetime.date(2026, 1, 5)),
        rc.InputError,
        "patients_csv",
        "the path of a CSV file, as a str or pathlib.Path",
    ),
    row(
        "read_patients_csv progress as text",
        lambda t: rc.read_patients_csv(
            write_patients_csv(t, b"height,weight,sex,concomitant\n"), progress="yes"
        ),
        rc.InputError,
        "progress",
        "True or False",
    ),
    row(
        "read_patients_csv binary file",
        lambda t: rc.read_patients_csv(
            write_patients_csv(t, b"height,weight,sex,concomitant\n\xff\xfe\x00\n")
        ),
        rc.InputError,
        "patients_csv",
        "a CSV text file in UTF-8",
    ),
    row(
        "read_patients_csv field above csv's size limit",
        lambda t: rc.read_patients_csv(
            write_patients_csv(
                t, b"height,weight,sex,concomitant\n170 cm,70 kg,," + b"x" * 200_000 + b"\n"
            )
        ),
        rc.PatientDataError,
        "row 2",
        "field larger than field limit (131072)",
    ),
    row(
        "lab value an int too large for a float",
        lambda _t: rc.load_regimen("CLAG").schedule(P, labs={1: {"wbc": HUGE}}),
        rc.InputError,
        "labs[1].wbc",
        "a value from 0 to 1000 10^9/L",
    ),
    row(
        "lab value a negative huge int",
        lambda _t: rc.load_regimen("CLAG").schedule(P, labs={1: {"crcl": -HUGE}}),
        rc.InputError,
        "labs[1].crcl",
        "a value from 0 to 300 mL/min",
    ),
    row(
        "prior exposure an int too large for a float",
        lambda _t: rc.load_regimen("MEC").schedule(P, prior_exposure={"mitoxantrone": HUGE}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
        "0, or from 1 to 5,000 mg/m²",
    ),
    row(
        "policy file with a key twice (last one must not silently win)",
        lambda t: policy_from_text(t, "dose_decimals: 2\ndose_decimals: 3\n"),
        rc.LoadError,
        "line 2",
        "duplicate key 'dose_decimals'",
    ),
    row(
        "policy file with a drug twice",
        lambda t: policy_from_text(
            t,
            "drugs:\n  filgrastim:\n    weight_basis: actual\n"
            "  filgrastim:\n    weight_basis: ideal\n",
        ),
        rc.LoadError,
        "line 4",
        "duplicate key 'filgrastim'",
    ),
    row(
        "policy file with a YAML 1.1 hex number",
        lambda t: policy_from_text(t, "bsa_decimals: 0x2\n"),
        rc.LoadError,
        "bsa_decimals",
        "expected a whole number from 1 to 4, found '0x2'",
    ),
    row(
        "policy file with a YAML 1.1 base-60 number",
        lambda t: policy_from_text(t, "max_deviation_percent: 1:5\n"),
        rc.LoadError,
        "max_deviation_percent",
        "expected a number from 0 to 50, found '1:5'",
    ),
    row(
        "policy file with a number too large for a float",
        lambda t: policy_from_text(t, f"max_deviation_percent: {HUGE}\n"),
        rc.LoadError,
        "max_deviation_percent",
        "expected a number from 0 to 50, found 1000000000",
    ),
    row(
        "height '1/0 cm'",
        lambda _t: rc.Patient(height="1/0 cm", weight="70 kg"),
        rc.InputError,
        "height",
        "a length with a unit such as '170 cm': one number and one unit",
    ),
    row(
        "height a snowman",
        lambda _t: rc.Patient(height="☃", weight="70 kg"),
        rc.InputError,
        "height",
        "a length with a unit such as '170 cm': one number and one unit",
    ),
    row(
        "weight a Python expression",
        lambda _t: rc.Patient(height="170 cm", weight="__import__('os')"),
        rc.InputError,
        "weight",
        "a mass with a unit such as '70 kg': one number and one unit",
    ),
    row(
        "height a quantity with a huge int",
        lambda _t: rc.Patient(height=rc.ureg.Quantity(HUGE, "cm"), weight="70 kg"),
        rc.InputError,
        "height",
        "a length with a unit such as '170 cm' with a finite number",
    ),
    row(
        "height another registry's quantity with a huge int",
        lambda _t: rc.body_surface_area(OTHER.Quantity(HUGE, "cm"), "70 kg"),
        rc.InputError,
        "height",
        "a length with a unit such as '170 cm' with a finite number",
    ),
    row(
        "ideal body weight, height '1/0 cm'",
        lambda _t: rc.ideal_body_weight("1/0 cm", "male"),
        rc.InputError,
        "height",
        "a length with a unit such as '170 cm': one number and one unit",
    ),
    row(
        "policy bsa_cap '1/0 m**2'",
        lambda _t: rc.DosingPolicy(bsa_cap="1/0 m**2"),
        rc.InputError,
        "bsa_cap",
        "area with a unit such as '2 m^2': one number and one unit",
    ),
    row(
        "policy file bsa_cap a snowman",
        lambda t: policy_from_text(t, "bsa_cap: ☃\n"),
        rc.LoadError,
        "bsa_cap",
        "area with a unit such as '2 m^2': one number and one unit",
    ),
    row(
        "policy max_deviation_percent a huge int",
        lambda _t: rc.DosingPolicy(max_deviation_percent=HUGE),
        rc.InputError,
        "max_deviation_percent",
        "a percentage from 0 to 50",
    ),
    row(
        "DrugPolicy weight_basis an array",
        lambda _t: rc.DrugPolicy(weight_basis=np.array([1, 2])),
        rc.InputError,
        "weight_basis",
        "one of actual, ideal, adjusted",
    ),
    row(
        "Concomitant cyp3a4 an array",
        lambda _t: rc.Concomitant("drug-x", cyp3a4=np.array([1, 2])),
        rc.InputError,
        "concomitant.cyp3a4",
        "one of none, weak, moderate, strong",
    ),
    row(
        "schedule concomitant a quantity",
        lambda _t: rc.load_regimen("CLAG").schedule(P, concomitant=rc.ureg.Quantity(70, "kg")),
        rc.InputError,
        "concomitant",
        "a list of drug names or Concomitant objects",
    ),
    row(
        "schedule start the last date there is",
        lambda _t: rc.load_regimen("CLAG").schedule(P, start=datetime.date.max),
        rc.InputError,
        "start",
        "a date whose cycle days all fall within the calendar",
    ),
    row(
        "schedule start the first date there is (day 0 is the day before)",
        lambda _t: rc.load_regimen("CLAG").schedule(P, start=datetime.date.min),
        rc.InputError,
        "start",
        "a date whose cycle days all fall within the calendar",
    ),
    row(
        "compose_tablets an array dose",
        lambda _t: rc.compose_tablets(ARRAY_MG, [rc.ureg.Quantity(10, "mg")]),
        rc.InputError,
        "dose",
        "a mass above 0 in whole micrograms",
    ),
]


def test_the_table_has_every_case_once() -> None:
    # 86 + 59 rows from the two former tables, none the same call twice.
    assert len(ROWS) == 145
    ids = [r.id for r in ROWS]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(("make", "error", "field", "text"), ROWS)
def test_bad_input_raises_the_library_error_naming_the_field(
    make: Callable[[Path], Any], error: type[Exception], field: str, text: str, tmp_path: Path
) -> None:
    try:
        make(tmp_path)
    except rc.RegimenCalcError as exc:
        err = exc
    except Exception as exc:  # the bug this table exists to catch
        raise AssertionError(f"{type(exc).__name__} escaped: {exc}") from exc
    else:
        raise AssertionError("accepted a bad value")
    assert type(err) is error, (type(err), str(err))
    assert isinstance(err, ValueError)
    message = str(err)
    if isinstance(err, rc.InputError):
        assert err.field == field, message
        assert message.startswith(f"{field}: expected "), message
    elif isinstance(err, ProblemsError):
        assert [p.path for p in err.problems] == [field], message
    else:
        assert message.startswith(f"{field}: "), message
    assert text in message, message
    # Nothing partial is kept either: no cache or half-built state lets the same bad input through
    # the second time, or changes what it is refused for.
    with pytest.raises(rc.RegimenCalcError) as again:
        make(tmp_path)
    assert (type(again.value), str(again.value)) == (type(err), message)
