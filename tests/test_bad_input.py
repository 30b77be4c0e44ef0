"""One table of bad inputs and the error each must raise.

Every row: the call, the library error class it must raise, and the field (or file path) the
message must name. Every error is the library's base error, a ``ValueError``: never a KeyError,
TypeError or AttributeError from inside, and nothing partial is returned.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import regimen_calc as rc
from regimen_calc.errors import CumulativeDoseError
from regimen_calc.policy import (
    DoseModification,
    DosingPolicy,
    DrugPolicy,
    ExactComposition,
    Increment,
    NearestPack,
    load_policy,
)

A = rc.Patient(height="170 cm", weight="65 kg")
NAN = float("nan")


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

ROWS: list[tuple[str, Callable[[Path], Any], type[Exception], str]] = [
    # ---------------------------------------------------------------- patient values and units
    ("height missing", patient(height=None), rc.InputError, "height"),
    ("height bare number", patient(height=170), rc.InputError, "height"),
    ("height in metres typed as m for cm", patient(height="170 m"), rc.InputError, "height"),
    ("height as a mass", patient(height="170 kg"), rc.InputError, "height"),
    ("height NaN", patient(height="nan cm"), rc.InputError, "height"),
    ("weight in grams by mistake", patient(weight="70 g"), rc.InputError, "weight"),
    ("weight negative", patient(weight="-70 kg"), rc.InputError, "weight"),
    ("weight as True", patient(weight=True), rc.InputError, "weight"),
    ("sex abbreviation", patient(sex="m"), rc.InputError, "sex"),
    ("age negative", patient(age=-1), rc.InputError, "age"),
    # ---------------------------------------------------------------- schedule arguments
    ("cycle zero", sched(cycle=0), rc.InputError, "cycle"),
    ("cycle as text", sched(cycle="1"), rc.InputError, "cycle"),
    ("start as text", sched(start="2026-01-05"), rc.InputError, "start"),
    ("start as datetime", sched(start=datetime.datetime(2026, 1, 5, 8)), rc.InputError, "start"),
    ("bsa formula misspelt", sched(bsa_formula="mosteler"), rc.InputError, "bsa_formula"),
    ("bsa formula not text", sched(bsa_formula=3), rc.InputError, "bsa_formula"),
    ("rule set not text", sched(rule_set=5), rc.InputError, "rule_set"),
    ("policy not a policy", sched(policy={"bsa_decimals": 2}), rc.InputError, "policy"),
    (
        "patient not a patient",
        call(lambda: rc.load_regimen("CLAG").schedule({"height": "170 cm"})),
        rc.InputError,
        "patient",
    ),
    # ---------------------------------------------------------------- concomitant drugs
    ("unknown concomitant", sched(concomitant=["posaconazol"]), rc.UnknownDrugError, "concomitant"),
    ("concomitant not a list", sched(concomitant=5), rc.InputError, "concomitant"),
    # ---------------------------------------------------------------- labs
    ("lab negative", sched(labs={1: {"wbc": -3}}), rc.InputError, "labs[1].wbc"),
    ("lab unknown", sched(labs={1: {"wcc": 3}}), rc.InputError, "labs[1].wcc"),
    ("lab NaN", sched(labs={1: {"wbc": NAN}}), rc.InputError, "labs[1].wbc"),
    ("lab as text", sched(labs={1: {"crcl": "45"}}), rc.InputError, "labs[1].crcl"),
    (
        "lab implausible (µmol/L for mL/min)",
        sched(labs={1: {"crcl": 900}}),
        rc.InputError,
        "labs[1].crcl",
    ),
    ("lab day as text", sched(labs={"1": {"wbc": 3}}), rc.InputError, "labs"),
    ("lab row not a mapping", sched(labs={1: 25}), rc.InputError, "labs[1]"),
    ("labs a list", sched(labs=[1, 2]), rc.InputError, "labs"),
    # ---------------------------------------------------------------- prior exposure / override
    (
        "prior unknown drug",
        sched("MEC", prior_exposure={"doxorubicine": 100}),
        rc.InputError,
        "prior_exposure['doxorubicine']",
    ),
    (
        "prior negative",
        sched("MEC", prior_exposure={"mitoxantrone": -5}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
    ),
    (
        "prior in mg not mg/m2",
        sched("MEC", prior_exposure={"mitoxantrone": "60 mg"}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
    ),
    (
        "prior as bool",
        sched("MEC", prior_exposure={"mitoxantrone": True}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
    ),
    (
        "prior NaN",
        sched("MEC", prior_exposure={"mitoxantrone": NAN}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
    ),
    (
        "prior absurd",
        sched("MEC", prior_exposure={"mitoxantrone": 60000}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
    ),
    (
        "prior bad unit",
        sched("MEC", prior_exposure={"mitoxantrone": "60 mgg/m^2"}),
        rc.InputError,
        "prior_exposure['mitoxantrone']",
    ),
    ("prior a list", sched("MEC", prior_exposure=[60]), rc.InputError, "prior_exposure"),
    (
        "past the lifetime limit",
        sched("MEC", prior_exposure={"mitoxantrone": 120}),
        CumulativeDoseError,
        "prior_exposure",
    ),
    (
        "override blank",
        sched("MEC", override_cumulative="  "),
        rc.InputError,
        "override_cumulative",
    ),
    (
        "override not text",
        sched("MEC", override_cumulative=True),
        rc.InputError,
        "override_cumulative",
    ),
    # ---------------------------------------------------------------- policy objects
    ("policy formula", call(DosingPolicy, bsa_formula="mosteler"), rc.InputError, "bsa_formula"),
    ("policy bsa decimals 0", call(DosingPolicy, bsa_decimals=0), rc.InputError, "bsa_decimals"),
    (
        "policy bsa decimals float",
        call(DosingPolicy, bsa_decimals=2.5),
        rc.InputError,
        "bsa_decimals",
    ),
    ("policy bsa cap implausible", call(DosingPolicy, bsa_cap="5 m^2"), rc.InputError, "bsa_cap"),
    ("policy bsa cap not an area", call(DosingPolicy, bsa_cap="2 kg"), rc.InputError, "bsa_cap"),
    (
        "policy max deviation 60",
        call(DosingPolicy, max_deviation_percent=60),
        rc.InputError,
        "max_deviation_percent",
    ),
    (
        "policy max deviation negative",
        call(DosingPolicy, max_deviation_percent=-1),
        rc.InputError,
        "max_deviation_percent",
    ),
    (
        "policy unknown drug",
        call(DosingPolicy, drugs={"asprin": DrugPolicy()}),
        rc.InputError,
        "drugs['asprin']",
    ),
    (
        "policy drug rules not DrugPolicy",
        call(DosingPolicy, drugs={"filgrastim": "nearest"}),
        rc.InputError,
        "drugs['filgrastim']",
    ),
    ("policy drugs a list", call(DosingPolicy, drugs=["filgrastim"]), rc.InputError, "drugs"),
    (
        "policy scale unknown",
        call(DosingPolicy, doxorubicin_equivalence="cardiac"),
        rc.InputError,
        "doxorubicin_equivalence",
    ),
    ("weight basis unknown", drug_policy(weight_basis="lean"), rc.InputError, "weight_basis"),
    (
        "drug max deviation 51",
        drug_policy(max_deviation_percent=51),
        rc.InputError,
        "max_deviation_percent",
    ),
    ("rounding not a rule", drug_policy(rounding="10 mg"), rc.InputError, "rounding"),
    ("increment zero", call(Increment, "0 mg"), rc.InputError, "rounding.step"),
    ("increment bare number", call(Increment, 10), rc.InputError, "rounding.step"),
    ("increment a volume", call(Increment, "10 mL"), rc.InputError, "rounding.step"),
    ("packs empty", call(NearestPack, []), rc.InputError, "rounding.sizes"),
    ("packs max zero", call(NearestPack, ["300 mcg"], 0), rc.InputError, "rounding.max_packs"),
    (
        "modification 0%",
        call(DoseModification, percent=0, reason="x"),
        rc.InputError,
        "modification.percent",
    ),
    (
        "modification 150%",
        call(DoseModification, percent=150, reason="x"),
        rc.InputError,
        "modification.percent",
    ),
    (
        "modification bool",
        call(DoseModification, percent=True, reason="x"),
        rc.InputError,
        "modification.percent",
    ),
    (
        "modification no reason",
        call(DoseModification, percent=75, reason=""),
        rc.InputError,
        "modification.reason",
    ),
    (
        "exact composition, no tablets",
        call(DosingPolicy, drugs={"cytarabine": DrugPolicy(rounding=ExactComposition())}),
        rc.InputError,
        "drugs['cytarabine'].rounding",
    ),
    (
        "ideal weight without sex",
        sched(policy=DosingPolicy(drugs={"filgrastim": DrugPolicy(weight_basis="ideal")})),
        rc.InputError,
        "sex",
    ),
    (
        "round_dose negative",
        call(DosingPolicy().round_dose, "cytarabine", rc.ureg.Quantity(-5, "mg")),
        rc.InputError,
        "dose",
    ),
    (
        "round_dose NaN",
        call(DosingPolicy().round_dose, "cytarabine", rc.ureg.Quantity(NAN, "mg")),
        rc.InputError,
        "dose",
    ),
    # ---------------------------------------------------------------- policy YAML files
    (
        "yaml unknown key",
        policy_file("bsa_formul: mosteller\n"),
        rc.LoadError,
        "site-policy.yaml: bsa_formul",
    ),
    ("yaml decimals as text", policy_file("bsa_decimals: '2'\n"), rc.LoadError, "bsa_decimals"),
    (
        "yaml deviation 51",
        policy_file("max_deviation_percent: 51\n"),
        rc.LoadError,
        "max_deviation_percent",
    ),
    (
        "yaml unknown drug",
        policy_file("drugs: {filgrastin: {rounding: {increment: 10 mcg}}}\n"),
        rc.LoadError,
        "drugs.filgrastin",
    ),
    (
        "yaml modification 0",
        policy_file("drugs: {cytarabine: {modification: {percent: 0, reason: x}}}\n"),
        rc.LoadError,
        "drugs.cytarabine.modification.percent",
    ),
    (
        "yaml modification 101",
        policy_file("drugs: {cytarabine: {modification: {percent: 101, reason: x}}}\n"),
        rc.LoadError,
        "drugs.cytarabine.modification.percent",
    ),
    (
        "yaml modification reason missing",
        policy_file("drugs: {cytarabine: {modification: {percent: 75}}}\n"),
        rc.LoadError,
        "drugs.cytarabine.modification.reason",
    ),
    (
        "yaml two rounding kinds",
        policy_file("drugs: {cytarabine: {rounding: {increment: 10 mg, packs: [100 mg]}}}\n"),
        rc.LoadError,
        "drugs.cytarabine.rounding",
    ),
    (
        "yaml increment bare number",
        policy_file("drugs: {cytarabine: {rounding: {increment: 10}}}\n"),
        rc.LoadError,
        "drugs.cytarabine.rounding.increment",
    ),
    (
        "yaml weight basis",
        policy_file("drugs: {filgrastim: {weight_basis: lean}}\n"),
        rc.LoadError,
        "drugs.filgrastim.weight_basis",
    ),
    (
        "yaml python tag",
        policy_file("name: !!python/object/apply:os.system ['echo hi']\n"),
        rc.LoadError,
        "site-policy.yaml",
    ),
    ("yaml alias bomb", policy_file(ALIAS_BOMB), rc.LoadError, "aliases"),
    ("yaml deep nesting", policy_file(DEEP), rc.LoadError, "nesting"),
    ("yaml huge file", policy_file("# " + "x" * 70_000 + "\n"), rc.LoadError, "limit"),
    ("yaml not a mapping", policy_file("- mosteller\n"), rc.LoadError, "site-policy.yaml"),
    ("yaml not UTF-8", policy_file(b"name: \xff\xfe\n"), rc.LoadError, "UTF-8"),
    ("yaml invalid", policy_file("drugs: {cytarabine: [\n"), rc.LoadError, "site-policy.yaml"),
    (
        "policy file missing",
        call(load_policy, "/nonexistent/policy.yaml"),
        rc.LoadError,
        "policy.yaml",
    ),
    ("policy path not a path", call(load_policy, 5), rc.LoadError, "path"),
]


def test_the_table_is_large_enough() -> None:
    assert len(ROWS) >= 40
    assert len({r[0] for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize(("name", "make", "error", "field"), ROWS, ids=[r[0] for r in ROWS])
def test_bad_input(
    name: str, make: Callable[[Path], Any], error: type[Exception], field: str, tmp_path: Path
) -> None:
    with pytest.raises(rc.RegimenCalcError) as err:
        make(tmp_path)
    assert type(err.value) is error, (type(err.value), str(err.value))
    # Nothing partial is kept either: no cache or half-built state lets the same bad input through
    # the second time, or changes what it is refused for.
    with pytest.raises(rc.RegimenCalcError) as again:
        make(tmp_path)
    assert (type(again.value), str(again.value)) == (type(err.value), str(err.value))
    assert isinstance(err.value, ValueError)
    if isinstance(err.value, rc.InputError):
        assert err.value.field == field, str(err.value)
    assert field in str(err.value), str(err.value)
