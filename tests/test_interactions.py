"""Tests of the interaction table and rule sets (regimen_calc.content.interaction_tables),
Concomitant and the venetoclax rule engine (regimen_calc.engine.interactions).

Hand-checked values come from shared/clinical-reference.md sections 1.1, 2 and 2.1.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import regimen_calc as rc
from regimen_calc.content.interaction_tables import (
    InteractionRuleSet,
    _parse_rule_sets,
    _parse_table,
    interaction_table,
    lookup_drug,
    rule_set,
    rule_set_names,
)
from regimen_calc.engine.interactions import (
    ProtocolRule,
    VenetoclaxAdjustment,
    adjust_venetoclax,
    check_windows,
    resolve_concomitants,
)
from regimen_calc.errors import InputError, LoadError, RegimenCalcError, UnknownDrugError
from regimen_calc.model.concomitant import Concomitant
from regimen_calc.units import ureg
from render_support import site_regimen

MG = ureg.milligram

# Golden list, written out by hand from clinical-reference.md section 2.1 (class per the table;
# diltiazem's default is the conservative class of its conflict).
GOLDEN_CLASSES = {
    "posaconazole": "strong",
    "voriconazole": "strong",
    "itraconazole": "strong",
    "ketoconazole": "strong",
    "clarithromycin": "strong",
    "ritonavir": "strong",
    "cobicistat": "strong",
    "lopinavir": "strong",
    "indinavir": "strong",
    "nefazodone": "strong",
    "idelalisib": "strong",
    "conivaptan": "strong",
    "diltiazem": "strong",
    "fluconazole": "moderate",
    "isavuconazole": "moderate",
    "erythromycin": "moderate",
    "ciprofloxacin": "moderate",
    "verapamil": "moderate",
    "aprepitant": "moderate",
    "fosaprepitant": "moderate",
    "netupitant": "moderate",
    "cyclosporine": "moderate",
    "amiodarone": "moderate",
    "letermovir": "moderate",
    "micafungin": "none",
    "caspofungin": "none",
    "anidulafungin": "none",
}
GOLDEN_PGP = {"cyclosporine", "amiodarone"}  # the only P-gp inhibitors the reference names
GOLDEN_ALIASES = {"isavuconazonium": "isavuconazole", "ciclosporin": "cyclosporine"}

CLAG_VEN_RULE = ProtocolRule(
    strong="100 mg",
    moderate="200 mg",
    source="NCT06763666",
    text="reduce venetoclax to 100–200 mg/day with a CYP3A4 inhibitor",
)


def course(doses: dict[int, int]) -> dict[int, object]:
    return {day: ureg.Quantity(mg, MG) for day, mg in doses.items()}


def clag_ven() -> dict[int, object]:
    return course(dict.fromkeys(range(2, 9), 400))


def adjusted_mg(result) -> list[float]:
    return [a.adjusted.to(MG).magnitude for a in result.values()]


# ------------------------------------------------------------------------------------------
# The table
# ------------------------------------------------------------------------------------------


def test_table_covers_every_reference_drug_with_its_class():
    table = interaction_table()
    assert set(table) == set(GOLDEN_CLASSES)
    assert {name: e.cyp3a4 for name, e in table.items()} == GOLDEN_CLASSES


def test_pgp_only_where_the_reference_says_so():
    table = interaction_table()
    assert {n for n, e in table.items() if e.pgp is True} == GOLDEN_PGP
    # the others are "not stated", never an invented False or True
    assert all(e.pgp is None for n, e in table.items() if n not in GOLDEN_PGP)


def test_every_entry_has_sources_with_confidence():
    for entry in interaction_table().values():
        assert entry.sources, entry.name
        assert all(s.name and s.confidence in ("H", "M", "L") for s in entry.sources)


def test_only_posaconazole_has_its_own_rule():
    assert {n for n, e in interaction_table().items() if e.rule} == {"posaconazole"}
    assert lookup_drug("posaconazole").rule == "posaconazole"


@pytest.mark.parametrize(("alias", "name"), sorted(GOLDEN_ALIASES.items()))
def test_aliases_resolve(alias, name):
    assert lookup_drug(alias).name == name
    assert lookup_drug(f"  {alias.upper()} ").name == name


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [
        ("posaconazol", "posaconazole"),
        ("Voriconazol", "voriconazole"),
        ("flucanazole", "fluconazole"),
    ],
)
def test_unknown_name_suggests_near_matches(typo, suggestion):
    with pytest.raises(UnknownDrugError) as info:
        resolve_concomitants([typo])
    assert suggestion in info.value.suggestions
    assert suggestion in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unknown_drug_is_never_no_interaction():
    with pytest.raises(UnknownDrugError, match="never taken as 'no interaction'"):
        resolve_concomitants(["drug-x"])


def test_diltiazem_conflict_is_data_and_strong_by_default():
    entry = lookup_drug("diltiazem")
    assert {(c.cyp3a4, c.source) for c in entry.conflict} == {
        ("strong", "AbbVie HCP"),
        ("moderate", "UpToDate/FDA list"),
    }
    (dil,) = resolve_concomitants(["diltiazem"])
    assert dil.cyp3a4 == "strong"
    assert "conflict" in dil.note and "conservative default" in dil.note
    result = adjust_venetoclax(clag_ven(), [dil])
    assert adjusted_mg(result) == [10, 20, 50, 100, 100, 100, 100]
    assert "conflict" in result[2].note


def test_diltiazem_caller_may_choose_moderate():
    (dil,) = resolve_concomitants(["Diltiazem"], conflict_choice={"diltiazem": "moderate"})
    assert dil.cyp3a4 == "moderate" and dil.rule is None
    assert "chosen by the caller" in dil.note
    assert adjusted_mg(adjust_venetoclax(clag_ven(), [dil])) == [200] * 7


@pytest.mark.parametrize(
    "choice",
    [{"diltiazem": "weak"}, {"fluconazole": "weak"}, {"diltiazm": "moderate"}, ["diltiazem"]],
)
def test_invalid_conflict_choice(choice):
    with pytest.raises(RegimenCalcError):
        resolve_concomitants(["diltiazem"], conflict_choice=choice)


# ------------------------------------------------------------------------------------------
# Concomitant and resolve_concomitants
# ------------------------------------------------------------------------------------------


def test_concomitant_positional_name():
    c = Concomitant("drug-x", cyp3a4="strong", start_day=4, stop_day=None)
    assert (c.name, c.cyp3a4, c.pgp, c.start_day, c.stop_day, c.source) == (
        "drug-x",
        "strong",
        False,
        4,
        None,
        "caller",
    )
    assert resolve_concomitants([c]) == (c,)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cyp3a4": "severe"}, "concomitant.cyp3a4"),
        ({"cyp3a4": "strong", "pgp": "yes"}, "concomitant.pgp"),
        ({"cyp3a4": "strong", "start_day": 1.5}, "concomitant.start_day"),
        ({"cyp3a4": "strong", "stop_day": True}, "concomitant.stop_day"),
        ({"cyp3a4": "strong", "start_day": 5, "stop_day": 4}, "concomitant.stop_day"),
        ({"cyp3a4": "strong", "note": None}, "concomitant.note"),
    ],
)
def test_invalid_concomitant(kwargs, field):
    with pytest.raises(InputError) as info:
        Concomitant("drug-x", **kwargs)
    assert info.value.field == field


def test_empty_name_refused():
    with pytest.raises(InputError):
        Concomitant(" ", cyp3a4="strong")


def test_names_mappings_and_objects():
    resolved = resolve_concomitants(
        [
            "POSACONAZOLE",
            {"name": "ciclosporin", "start_day": 3, "stop_day": 6},
            {"name": "drug-y", "cyp3a4": "moderate", "pgp": True, "start_day": 1},
            Concomitant("drug-x", cyp3a4="weak"),
        ]
    )
    pos, cyc, dy, dx = resolved
    assert (pos.name, pos.cyp3a4, pos.rule, pos.start_day, pos.stop_day) == (
        "posaconazole",
        "strong",
        "posaconazole",
        None,
        None,
    )
    assert pos.source.startswith("interactions.yaml")
    assert (cyc.name, cyc.cyp3a4, cyc.pgp, cyc.start_day, cyc.stop_day) == (
        "cyclosporine",
        "moderate",
        True,
        3,
        6,
    )
    assert (dy.name, dy.cyp3a4, dy.pgp, dy.source) == ("drug-y", "moderate", True, "caller")
    assert dx.cyp3a4 == "weak"
    assert resolve_concomitants("fluconazole")[0].name == "fluconazole"


# ------------------------------------------------------------------------------------------
# One drug twice on a day: one entry would be ignored, so both are named and refused.

_POSA_3_5 = {"name": "posaconazole", "start_day": 3, "stop_day": 5}


@pytest.mark.parametrize(
    ("items", "field", "message"),
    [
        (
            ["posaconazole", _POSA_3_5],
            "concomitant[1]",
            "concomitant[1]: expected each drug once on any day; concomitant[0] already gives "
            "posaconazole throughout the schedule, found 'posaconazole on days 3-5'",
        ),
        # By any case and alias: ciclosporin is cyclosporine.
        (
            [{"name": "Cyclosporine", "start_day": 2}, {"name": "CICLOSPORIN", "stop_day": 2}],
            "concomitant[1]",
            "concomitant[1]: expected each drug once on any day; concomitant[0] already gives "
            "cyclosporine from day 2 on, found 'cyclosporine from before the cycle to day 2'",
        ),
        # A caller's own drug, by its name in any case; the windows share day 4 only.
        (
            [
                Concomitant("drug-x", cyp3a4="strong", stop_day=4),
                Concomitant("DRUG-X", cyp3a4="strong", start_day=4),
            ],
            "concomitant[1]",
            "concomitant[1]: expected each drug once on any day; concomitant[0] already gives "
            "drug-x from before the cycle to day 4, found 'DRUG-X from day 4 on'",
        ),
        # The repeat is named by its own index and the entry it repeats, with others between.
        (
            [
                {"name": "voriconazole", "start_day": 0, "stop_day": 3},
                "fluconazole",
                {"name": "voriconazole", "start_day": 2, "stop_day": 2},
            ],
            "concomitant[2]",
            "concomitant[2]: expected each drug once on any day; concomitant[0] already gives "
            "voriconazole on days 0-3, found 'voriconazole on day 2'",
        ),
        (
            ["fluconazole", "fluconazole"],
            "concomitant[1]",
            "concomitant[1]: expected each drug once on any day; concomitant[0] already gives "
            "fluconazole throughout the schedule, found 'fluconazole throughout the schedule'",
        ),
    ],
)
def test_the_same_drug_on_overlapping_days_is_refused_naming_both(items, field, message):
    with pytest.raises(InputError) as info:
        resolve_concomitants(items)
    assert info.value.field == field
    assert str(info.value) == message


def test_the_same_drug_on_separate_days_is_kept():
    # Stopped after day 3 and started again on day 4: no day is given twice.
    resolved = resolve_concomitants(
        [{"name": "posaconazole", "stop_day": 3}, {"name": "Posaconazole", "start_day": 4}]
    )
    assert [(c.name, c.start_day, c.stop_day) for c in resolved] == [
        ("posaconazole", None, 3),
        ("posaconazole", 4, None),
    ]


def test_adjust_venetoclax_refuses_the_same_drug_twice_too():
    twice = [Concomitant("drug-x", cyp3a4="strong"), Concomitant("drug-x", cyp3a4="moderate")]
    with pytest.raises(InputError) as info:
        adjust_venetoclax(clag_ven(), twice)
    assert str(info.value) == (
        "concomitants[1]: expected each drug once on any day; concomitants[0] already gives "
        "drug-x throughout the schedule, found 'drug-x throughout the schedule'"
    )


def test_the_schedule_refuses_the_same_drug_twice():
    import regimen_calc as rc

    patient = rc.Patient(height="170 cm", weight="70 kg")
    with pytest.raises(InputError) as info:
        rc.load_regimen("CLAG+VEN").schedule(patient, concomitant=["posaconazole", _POSA_3_5])
    assert info.value.field == "concomitant[1]"


def _days(start, stop):
    """The days of a window whose days lie within -99..99: None reaches past that end."""
    return set(range(-100 if start is None else start, (100 if stop is None else stop) + 1))


_window_days = st.none() | st.integers(min_value=-10, max_value=30)


@settings(max_examples=300, deadline=None)
@given(_window_days, _window_days, _window_days, _window_days)
def test_property_refused_exactly_when_the_windows_share_a_day(a0, a1, b0, b1):
    if a0 is not None and a1 is not None and a1 < a0:
        a0, a1 = a1, a0
    if b0 is not None and b1 is not None and b1 < b0:
        b0, b1 = b1, b0
    items = [
        {"name": "voriconazole", "start_day": a0, "stop_day": a1},
        {"name": "VORICONAZOLE", "start_day": b0, "stop_day": b1},
    ]
    share_a_day = bool(_days(a0, a1) & _days(b0, b1))
    try:
        resolved = resolve_concomitants(items)
    except InputError as exc:
        assert share_a_day, (items, str(exc))
        assert exc.field == "concomitant[1]" and "concomitant[0] already gives" in str(exc)
    else:
        assert not share_a_day, items
        assert [(c.start_day, c.stop_day) for c in resolved] == [(a0, a1), (b0, b1)]


# ------------------------------------------------------------------------------------------
# A window that reaches no day of the schedule is read by no rule: refused.
# The label's rule applies through stop_day + 2 (resume.after_last_dose_days: 3).

_CAV_DAYS = tuple(range(1, 22))  # CAV: days 1-21


@pytest.mark.parametrize(
    ("start", "stop", "accepted"),
    [
        (21, None, True),  # starts on the last day
        (None, -1, True),  # last dose on day -1: the rule still applies on day 1
        (-5, -1, True),
        (None, 21, True),
        (22, None, False),
        (22, 25, False),
        (None, -2, False),  # the rule would end on day 0, before day 1
        (-5, -2, False),
    ],
)
def test_a_window_reaching_no_day_of_the_schedule_is_refused(start, stop, accepted):
    c = Concomitant("drug-x", cyp3a4="strong", start_day=start, stop_day=stop)
    if accepted:
        check_windows([c], _CAV_DAYS)
        return
    with pytest.raises(InputError) as info:
        check_windows([Concomitant("drug-y", cyp3a4="weak"), c], _CAV_DAYS)
    if start is not None and start > 21:
        assert str(info.value) == (
            "concomitant[1].start_day: expected a day on or before the schedule's last day, "
            f"day 21 (a drug started later affects no dose of it), found {start}"
        )
    else:
        assert str(info.value) == (
            "concomitant[1].stop_day: expected day -1 or later: the schedule's first day is "
            f"day 1 and a drug's rule applies for 2 days after its last dose, found {stop}"
        )


def test_a_window_at_the_edge_of_the_schedule_changes_its_edge_dose():
    import regimen_calc as rc

    patient = rc.Patient(height="170 cm", weight="70 kg")
    cav = rc.load_regimen("CAV")

    def venetoclax(window):
        schedule = cav.schedule(patient, concomitant=[{"name": "voriconazole", **window}])
        given = schedule.administrations("venetoclax")
        return [(d.day, rc.format_quantity(a.dose)) for d, a in given]

    # Stopped on day -1: its rule still applies on day 1 (dosing day 1 of the table: 10 mg).
    assert venetoclax({"stop_day": -1})[:2] == [(1, "10 mg"), (2, "200 mg")]
    # Started on day 21, the last day: steady state, 100 mg that day only.
    assert venetoclax({"start_day": 21})[-2:] == [(20, "400 mg"), (21, "100 mg")]
    for window, field in [
        ({"stop_day": -2}, "concomitant[0].stop_day"),
        ({"start_day": 22}, "concomitant[0].start_day"),
    ]:
        with pytest.raises(InputError) as info:
            venetoclax(window)
        assert info.value.field == field


@pytest.mark.parametrize(
    "item",
    [
        {"name": "posaconazole", "dose": "300 mg"},
        {"start_day": 1},
        {"name": "posaconazole", "pgp": True},
        {"name": "posaconazole", "start_day": "day 1"},
        42,
        None,
    ],
)
def test_invalid_items(item):
    with pytest.raises(InputError):
        resolve_concomitants([item])


def test_caller_cannot_classify_a_table_drug_more_leniently():
    with pytest.raises(InputError, match="at least 'strong'"):
        resolve_concomitants([Concomitant("Posaconazole", cyp3a4="moderate")])
    with pytest.raises(InputError, match="P-gp"):
        resolve_concomitants([Concomitant("amiodarone", cyp3a4="moderate", pgp=False)])
    # diltiazem may be called moderate: one of its sources says so
    (dil,) = resolve_concomitants([Concomitant("diltiazem", cyp3a4="moderate")])
    assert dil.cyp3a4 == "moderate"


def test_caller_posaconazole_gets_its_own_rule():
    (pos,) = resolve_concomitants([Concomitant("Posaconazole", cyp3a4="strong", start_day=0)])
    assert (pos.name, pos.rule, pos.source) == ("posaconazole", "posaconazole", "caller")
    assert adjusted_mg(adjust_venetoclax(clag_ven(), [pos]))[-1] == 70


# ------------------------------------------------------------------------------------------
# Rule sets and data-file validation
# ------------------------------------------------------------------------------------------


def test_rule_sets():
    assert rule_set_names() == ("label", "protocol")
    label = rule_set()
    assert isinstance(label, InteractionRuleSet) and label.name == "label"
    assert label.resume.after_last_dose_days == 3
    assert [q.to(MG).magnitude for q in label.strong_table("posaconazole").ramp] == [10, 20, 50, 70]
    assert [q.to(MG).magnitude for q in label.strong_table(None).ramp] == [10, 20, 50, 100]
    assert label.moderate.percent_of_planned == Decimal(50) == label.pgp.percent_of_planned
    protocol = rule_set("protocol")
    assert protocol.protocol_classes == ("strong", "moderate", "pgp")
    assert protocol.resume == label.resume


def test_unknown_rule_set_lists_valid_names():
    with pytest.raises(InputError, match="label, protocol"):
        rule_set("uptodate")
    with pytest.raises(InputError, match="label, protocol"):
        adjust_venetoclax(clag_ven(), [], rule_set="Label")


def test_protocol_rule_set_needs_a_protocol_rule():
    with pytest.raises(InputError, match="protocol_rule"):
        adjust_venetoclax(clag_ven(), resolve_concomitants(["voriconazole"]), rule_set="protocol")


@pytest.mark.parametrize(
    "rule",
    [
        {"strong": "100 mg", "source": "x"},  # no text
        {"strong": "100 mg", "source": "x", "text": "y", "weak": "300 mg"},
        {"source": "x", "text": "y"},  # no dose at all
        {"strong": None, "source": "x", "text": "y"},
        {"strong": "100", "source": "x", "text": "y"},  # no unit
        {"strong": "100 mL", "source": "x", "text": "y"},
        {"strong": "-100 mg", "source": "x", "text": "y"},
        "100 mg",
    ],
)
def test_invalid_protocol_rule(rule):
    with pytest.raises(InputError):
        adjust_venetoclax(clag_ven(), [], rule_set="protocol", protocol_rule=rule)


def test_bad_table_lists_every_problem():
    raw = {
        "schema": 1,
        "drugs": {
            "posaconazole": {"cyp3a4": "very strong", "pgp": "maybe", "aliases": [], "sources": []},
            "Fluconazole": {"cyp3a4": "moderate", "pgp": False, "aliases": [], "sources": []},
            "diltiazem": {
                "cyp3a4": "moderate",
                "pgp": "not_stated",
                "aliases": ["posaconazole"],
                "sources": [{"name": "x", "confidence": "high"}],
                "conflict": [
                    {"class": "strong", "source": "a"},
                    {"class": "moderate", "source": "b"},
                ],
                "colour": "blue",
            },
        },
    }
    with pytest.raises(LoadError) as info:
        _parse_table(raw, file="interactions.yaml")
    text = str(info.value)
    for where in (
        "drugs.posaconazole.cyp3a4",
        "drugs.posaconazole.pgp",
        "drugs.posaconazole.sources",
        "drugs.Fluconazole",
        "drugs.diltiazem.cyp3a4",
        "drugs.diltiazem.colour",
        "drugs.diltiazem.sources[0].confidence",
        "already used",
    ):
        assert where in text
    assert len(info.value.problems) >= 8


def test_bad_rule_sets_list_every_problem():
    raw = {
        "schema": 1,
        "default": "lable",
        "rule_sets": {
            "label": {
                "title": "t",
                "strong": {
                    "default": {
                        "id": "a",
                        "ramp": ["10 mg", "ten"],
                        "steady": "100 mL",
                        "text": "t",
                        "source": "s",
                        "confidence": "H",
                    }
                },
                "moderate": {
                    "id": "m",
                    "percent_of_planned": 150,
                    "text": "t",
                    "source": "s",
                    "confidence": "H",
                },
                "pgp": {
                    "id": "p",
                    "percent_of_planned": 50,
                    "text": "t",
                    "source": "s",
                    "confidence": "H",
                },
                "weak": {"id": "w", "text": "t", "source": "s", "confidence": "L"},
                "resume": {
                    "after_last_dose_days": 0,
                    "text": "t",
                    "source": "s",
                    "confidence": "H",
                },
            },
            "protocol": {"title": "p", "base": "nothing", "protocol_classes": ["weak"]},
        },
    }
    with pytest.raises(LoadError) as info:
        _parse_rule_sets(raw, drug_rules=["posaconazole"])
    text = str(info.value)
    for where in (
        "rule_sets.label.strong.default.ramp[1]",
        "rule_sets.label.strong.default.steady",
        "rule_sets.label.strong: no table for the drug-specific rule 'posaconazole'",
        "rule_sets.label.moderate.percent_of_planned",
        "rule_sets.protocol.base",
        "default",
    ):
        assert where in text


def test_yaml_is_loaded_once():
    assert interaction_table() is interaction_table()
    assert rule_set("label") is rule_set("label")


def test_bundled_files_parse_strictly():
    # the bundled files load without problems (the caches are filled by the first lookup)
    assert len(interaction_table()) == len(GOLDEN_CLASSES)
    assert set(rule_set_names()) == {"label", "protocol"}


# ------------------------------------------------------------------------------------------
# adjust_venetoclax: hand-checked examples
# ------------------------------------------------------------------------------------------


def test_clag_ven_with_posaconazole_from_day_0():
    conc = resolve_concomitants([{"name": "posaconazole", "start_day": 0}])
    result = adjust_venetoclax(clag_ven(), conc)
    assert list(result) == list(range(2, 9))
    assert adjusted_mg(result) == [10, 20, 50, 70, 70, 70, 70]
    a = result[2]
    assert isinstance(a, VenetoclaxAdjustment)
    assert a.unadjusted == 400 * MG and a.adjusted == 10 * MG
    assert a.rule_id == "label.strong.posaconazole"
    assert "posaconazole" in a.rule_text and a.source
    assert a.inhibitors == ("posaconazole",)


def test_clag_ven_with_voriconazole():
    result = adjust_venetoclax(clag_ven(), resolve_concomitants(["voriconazole"]))
    assert adjusted_mg(result) == [10, 20, 50, 100, 100, 100, 100]
    assert {a.rule_id for a in result.values()} == {"label.strong"}


def test_clag_ven_with_fluconazole():
    result = adjust_venetoclax(clag_ven(), resolve_concomitants(["fluconazole"]))
    assert adjusted_mg(result) == [200] * 7
    assert {a.rule_id for a in result.values()} == {"label.moderate"}


@pytest.mark.parametrize(
    ("drug", "expected", "rule_id"),
    [
        ("voriconazole", 100, "protocol.strong"),
        ("fluconazole", 200, "protocol.moderate"),
        ("posaconazole", 100, "protocol.strong"),
    ],
)
def test_clag_ven_protocol_rule(drug, expected, rule_id):
    result = adjust_venetoclax(
        clag_ven(), resolve_concomitants([drug]), rule_set="protocol", protocol_rule=CLAG_VEN_RULE
    )
    assert adjusted_mg(result) == [expected] * 7
    assert {a.rule_id for a in result.values()} == {rule_id}
    assert result[2].source == "NCT06763666"


def test_protocol_dose_above_label_is_flagged():
    result = adjust_venetoclax(
        clag_ven(),
        resolve_concomitants(["posaconazole"]),
        rule_set="protocol",
        protocol_rule=CLAG_VEN_RULE,
    )
    assert "above the label rule's 70 mg" in result[8].note


def test_protocol_rule_as_mapping_and_pgp_only_falls_back_to_label():
    rule = {"strong": "100 mg", "moderate": "200 mg", "source": "NCT06763666", "text": "t"}
    pgp_only = Concomitant("drug-p", cyp3a4="none", pgp=True)
    result = adjust_venetoclax(
        course({1: 100, 2: 200, 3: 400}), [pgp_only], rule_set="protocol", protocol_rule=rule
    )
    assert adjusted_mg(result) == [50, 100, 200]
    assert {a.rule_id for a in result.values()} == {"label.pgp"}


def test_protocol_rule_never_raises_a_dose():
    result = adjust_venetoclax(
        course({1: 100, 2: 200, 3: 400}),
        resolve_concomitants(["fluconazole"]),
        rule_set="protocol",
        protocol_rule=CLAG_VEN_RULE,
    )
    assert adjusted_mg(result) == [100, 200, 200]
    assert "planned kept" in result[1].note


def test_protocol_rule_ignored_by_label_rule_set():
    result = adjust_venetoclax(
        clag_ven(), resolve_concomitants(["voriconazole"]), protocol_rule=CLAG_VEN_RULE
    )
    assert adjusted_mg(result) == [10, 20, 50, 100, 100, 100, 100]


def test_posaconazole_stopping_day_4():
    conc = resolve_concomitants([{"name": "posaconazole", "start_day": 0, "stop_day": 4}])
    result = adjust_venetoclax(clag_ven(), conc)
    assert adjusted_mg(result) == [10, 20, 50, 70, 70, 400, 400]
    assert result[5].rule_id == result[6].rule_id == "label.strong.posaconazole"
    assert "resumes day 7" in result[6].note
    assert result[7].rule_id == "none" and result[7].adjusted == result[7].unadjusted


@pytest.mark.parametrize(
    ("name", "planned", "expected"),
    [
        ("CAV", {1: 100, 2: 200, **dict.fromkeys(range(3, 22), 400)}, [10, 20, 50] + [70] * 18),
        ("CMGV", {2: 100, 3: 200, **dict.fromkeys(range(4, 11), 400)}, [10, 20, 50] + [70] * 6),
    ],
)
def test_regimen_ramp_replaced_by_posaconazole_table(name, planned, expected):
    result = adjust_venetoclax(course(planned), resolve_concomitants(["posaconazole"]))
    assert adjusted_mg(result) == expected, name


def test_strong_inhibitor_started_at_steady_state_gives_steady_value_at_once():
    conc = resolve_concomitants([{"name": "voriconazole", "start_day": 6}])  # 5th dosing day
    assert adjusted_mg(adjust_venetoclax(clag_ven(), conc)) == [400, 400, 400, 400, 100, 100, 100]


def test_strong_inhibitor_started_during_ramp_continues_the_table():
    conc = resolve_concomitants([{"name": "posaconazole", "start_day": 3}])  # 2nd dosing day
    assert adjusted_mg(adjust_venetoclax(clag_ven(), conc)) == [400, 20, 50, 70, 70, 70, 70]


def test_table_value_above_planned_keeps_planned():
    result = adjust_venetoclax(
        course({1: 100, 2: 50, 3: 50, 4: 50, 5: 50}), resolve_concomitants(["voriconazole"])
    )
    assert adjusted_mg(result) == [10, 20, 50, 50, 50]
    assert "planned kept" in result[5].note


def test_strong_plus_pgp_takes_the_lowest_not_the_product():
    conc = resolve_concomitants(["voriconazole", "amiodarone"])
    result = adjust_venetoclax(clag_ven(), conc)
    assert adjusted_mg(result) == [10, 20, 50, 100, 100, 100, 100]  # not 50 (100 x 50%)
    assert result[8].inhibitors == ("voriconazole", "amiodarone")
    assert "not the product" in result[8].note
    # a strong inhibitor that is also a P-gp inhibitor
    both = Concomitant("drug-z", cyp3a4="strong", pgp=True)
    assert adjusted_mg(adjust_venetoclax(clag_ven(), [both])) == [10, 20, 50, 100, 100, 100, 100]


def test_posaconazole_plus_moderate():
    conc = resolve_concomitants(["posaconazole", "fluconazole"])
    result = adjust_venetoclax(clag_ven(), conc)
    assert adjusted_mg(result) == [10, 20, 50, 70, 70, 70, 70]
    assert result[2].rule_id == "label.strong.posaconazole"
    assert result[2].inhibitors == ("posaconazole", "fluconazole")


def test_moderate_and_pgp_in_one_drug_halves_once():
    result = adjust_venetoclax(clag_ven(), resolve_concomitants(["cyclosporine"]))
    assert adjusted_mg(result) == [200] * 7


def test_weak_inhibitor_changes_nothing_but_notes_it():
    weak = Concomitant("drug-w", cyp3a4="weak")
    result = adjust_venetoclax(clag_ven(), [weak])
    assert all(a.adjusted == a.unadjusted for a in result.values())
    assert result[2].rule_id == "label.weak"
    assert "drug-w" in result[2].note and result[2].inhibitors == ("drug-w",)


def test_echinocandin_changes_nothing():
    result = adjust_venetoclax(clag_ven(), resolve_concomitants(["micafungin"]))
    assert all(a.adjusted == a.unadjusted and a.rule_id == "none" for a in result.values())
    assert result[2].inhibitors == ()
    assert "micafungin" in result[2].note


def test_half_dose_is_exact_and_not_rounded_to_tablets():
    result = adjust_venetoclax(course({1: 150}), resolve_concomitants(["fluconazole"]))
    assert result[1].adjusted == 75 * MG  # left for the tablet composer to refuse
    result = adjust_venetoclax(
        {1: ureg.Quantity(0.4, "g"), 2: "0.6 g"}, resolve_concomitants(["fluconazole"])
    )
    assert adjusted_mg(result) == [200, 300]


def test_zero_dose_days_do_not_advance_the_ramp():
    planned = course({1: 400, 2: 0, 3: 400, 4: 400})
    result = adjust_venetoclax(planned, resolve_concomitants(["voriconazole"]))
    assert adjusted_mg(result) == [10, 0, 20, 50]


@pytest.mark.parametrize(
    "planned",
    [
        {1: 400},  # bare number
        {1: "400 mL"},
        {1: "-400 mg"},
        {1.5: "400 mg"},
        {True: "400 mg"},
        [("1", "400 mg")],
    ],
)
def test_invalid_planned(planned):
    with pytest.raises(InputError):
        adjust_venetoclax(planned, [])


@pytest.mark.parametrize("concs", [["posaconazole"], "posaconazole", [None], 5])
def test_concomitants_must_be_resolved(concs):
    with pytest.raises(InputError):
        adjust_venetoclax(clag_ven(), concs)


def test_result_is_read_only():
    result = adjust_venetoclax(clag_ven(), [])
    with pytest.raises(TypeError):
        result[2] = None  # type: ignore[index]


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------

KINDS = {
    "posaconazole": {"cyp3a4": "strong", "rule": "posaconazole"},
    "strong": {"cyp3a4": "strong"},
    "moderate": {"cyp3a4": "moderate"},
    "pgp": {"cyp3a4": "none", "pgp": True},
    "moderate+pgp": {"cyp3a4": "moderate", "pgp": True},
    "strong+pgp": {"cyp3a4": "strong", "pgp": True},
    "weak": {"cyp3a4": "weak"},
    "none": {"cyp3a4": "none"},
}
CHANGING = {"posaconazole", "strong", "moderate", "pgp", "moderate+pgp", "strong+pgp"}


@st.composite
def planned_courses(draw):
    """A venetoclax course: start day -1..5, 1-21 days, a dose with an optional 100/200/400 ramp."""
    start = draw(st.integers(min_value=-1, max_value=5))
    length = draw(st.integers(min_value=1, max_value=21))
    dose = draw(st.sampled_from([100, 200, 400, 600]))
    ramp = [100, 200, 400] if draw(st.booleans()) else []
    doses = [*ramp, *[dose] * length][:length]
    return {start + i: ureg.Quantity(mg, MG) for i, mg in enumerate(doses)}


@st.composite
def concomitants(draw, kind=None):
    kind = kind or draw(st.sampled_from(sorted(KINDS)))
    start = draw(st.none() | st.integers(min_value=-3, max_value=28))
    low = -3 if start is None else start
    stop = draw(st.none() | st.integers(min_value=low, max_value=low + 25))
    return Concomitant(f"drug-{kind}", start_day=start, stop_day=stop, **KINDS[kind])


def no_repeat(concs: list[Concomitant]) -> bool:
    """No drug twice on a day (refused, tested above): each name's windows share no day."""
    for i, a in enumerate(concs):
        for b in concs[:i]:
            if a.name == b.name and _days(a.start_day, a.stop_day) & _days(b.start_day, b.stop_day):
                return False
    return True


def window(c: Concomitant, first_day: int) -> tuple[int, float]:
    start = first_day if c.start_day is None else c.start_day
    stop = float("inf") if c.stop_day is None else c.stop_day + 2
    return start, stop


def mg(q) -> Decimal:
    return Decimal(repr(q.to(MG).magnitude))


@settings(max_examples=300, deadline=None)
@given(planned_courses(), st.lists(concomitants(), max_size=3).filter(no_repeat))
def test_property_shape_and_never_raises(planned, concs):
    result = adjust_venetoclax(planned, concs)
    assert list(result) == list(planned)  # exactly the planned days, in day order
    first = min(planned)
    for day, a in result.items():
        assert a.day == day and a.unadjusted == planned[day]
        assert 0 < mg(a.adjusted) <= mg(a.unadjusted)  # an inhibitor never raises a dose
        changing = [c for c in concs if c.cyp3a4 in ("strong", "moderate") or c.pgp]
        exposed = [c for c in changing if window(c, first)[0] <= day <= window(c, first)[1]]
        if a.rule_id not in ("none", "label.weak") or a.adjusted != a.unadjusted:
            assert exposed, (day, a)  # adjustments only inside [start, stop + 2]
        if exposed:
            assert a.rule_id not in ("none", "label.weak")
            assert set(a.inhibitors) >= {c.name for c in exposed}


@settings(max_examples=200, deadline=None)
@given(
    planned_courses(),
    st.lists(
        concomitants().filter(lambda c: c.cyp3a4 in ("weak", "none") and not c.pgp), max_size=3
    ).filter(no_repeat),
)
def test_property_no_inhibitor_no_change(planned, concs):
    for a in adjust_venetoclax(planned, concs).values():
        assert a.adjusted == a.unadjusted and a.adjusted is a.unadjusted


@settings(max_examples=200, deadline=None)
@given(planned_courses(), st.sampled_from(["moderate", "pgp", "moderate+pgp"]), st.data())
def test_property_moderate_or_pgp_alone_halves_exactly(planned, kind, data):
    c = data.draw(concomitants(kind))
    start, stop = window(c, min(planned))
    for day, a in adjust_venetoclax(planned, [c]).items():
        if start <= day <= stop:
            assert mg(a.adjusted) * 2 == mg(a.unadjusted)
            assert a.adjusted * 2 == a.unadjusted
        else:
            assert a.adjusted == a.unadjusted and a.rule_id == "none"


@settings(max_examples=200, deadline=None)
@given(planned_courses(), st.sampled_from(["posaconazole", "strong", "strong+pgp"]), st.data())
def test_property_strong_tables(planned, kind, data):
    c = data.draw(concomitants(kind))
    first = min(planned)
    start, stop = window(c, first)
    ceiling = 70 if kind == "posaconazole" else 100
    from_start = c.start_day is None or c.start_day <= first
    result = adjust_venetoclax(planned, [c])
    for ordinal, (day, a) in enumerate(result.items(), start=1):
        if not start <= day <= stop:
            assert a.adjusted == a.unadjusted
            continue
        if ordinal >= 4:
            assert mg(a.adjusted) <= ceiling
        if ordinal <= 3 and from_start:
            assert mg(a.adjusted) == [10, 20, 50][ordinal - 1]
        table = ([10, 20, 50] + [ceiling] * 30)[ordinal - 1]
        expected = min(table, mg(a.unadjusted))  # the table by dosing-day ordinal
        if kind == "strong+pgp":  # the lowest outcome of the two rules, never their product
            expected = min(expected, mg(a.unadjusted) / 2)
        assert mg(a.adjusted) == expected


@settings(max_examples=200, deadline=None)
@given(planned_courses(), st.lists(concomitants(), min_size=2, max_size=3).filter(no_repeat))
def test_property_several_inhibitors_take_the_lowest_single_outcome(planned, concs):
    together = adjust_venetoclax(planned, concs)
    alone = [adjust_venetoclax(planned, [c]) for c in concs]
    for day, a in together.items():
        assert mg(a.adjusted) == min(mg(r[day].adjusted) for r in alone)


@settings(max_examples=100, deadline=None)
@given(planned_courses(), st.lists(concomitants(), max_size=3).filter(no_repeat))
def test_property_protocol_never_raises_and_caps(planned, concs):
    result = adjust_venetoclax(planned, concs, rule_set="protocol", protocol_rule=CLAG_VEN_RULE)
    for a in result.values():
        assert mg(a.adjusted) <= mg(a.unadjusted)
        if a.rule_id == "protocol.strong":
            assert mg(a.adjusted) == min(Decimal(100), mg(a.unadjusted))


# ------------------------------------------------------------------------------ venetoclax caps

_ADULT = rc.Patient(height="170 cm", weight="65 kg")

_VEN_BID = """\
    id: SITE-VEN-BID
    name: Site venetoclax 200 mg twice daily
    version: "1.0.0"
    references:
      - {id: SITE, kind: site, title: "site protocol"}
    cycle:
      length_days: 28
      max_cycles: 2
    components:
      - id: venetoclax
        drug: venetoclax
        source: SITE
        dose: 200 mg
        frequency: q12h
        route: PO
        days: 1-14
    """


def test_strong_inhibitor_cap_is_per_day_not_per_administration(tmp_path: Path) -> None:
    """The label's doses and its CYP3A tables are once-daily doses (posaconazole: 70 mg a day).
    A regimen giving venetoclax q12h would make the caps per administration (70 mg twice a day =
    140 mg/day), so such a regimen is refused when it loads, naming the frequency."""
    with pytest.raises(rc.LoadError) as err:
        site_regimen(tmp_path, "ven_bid", _VEN_BID)
    assert any(p.path == "components[0].frequency" for p in err.value.problems)
    assert "'daily' or 'once' for venetoclax" in str(err.value)


def test_caller_rule_cannot_be_laxer_than_table() -> None:
    """Posaconazole has its own venetoclax rule in the table (70 mg at steady state,
    clinical-reference §2.1); a caller's Concomitant asking for the generic strong-inhibitor rule
    ("default", 100 mg) is refused at the rule field, not scheduled at the laxer cap."""
    reg = rc.load_regimen("CAV")
    lax = rc.Concomitant("posaconazole", cyp3a4="strong", rule="default")
    with pytest.raises(rc.InputError) as err:
        reg.schedule(_ADULT, concomitant=[lax])
    assert err.value.field == "concomitant[0].rule"
    assert "expected 'posaconazole' or None for posaconazole" in str(err.value)
    assert "found 'default'" in str(err.value)


def test_near_miss_concomitant_name_is_not_silently_unknown() -> None:
    """A misspelt interacting drug ("posaconazol") is refused, not scheduled as an unknown drug
    with no interaction."""
    reg = rc.load_regimen("CAV")
    with pytest.raises(rc.RegimenCalcError):
        reg.schedule(_ADULT, concomitant=[rc.Concomitant("posaconazol", cyp3a4="moderate")])


# ------------------------------------------------------------------------------ two rules at once
# Label rule set (clinical reference §2): a strong CYP3A inhibitor gives 10, 20, 50 mg on
# venetoclax dosing days 1-3, then 100 mg; a P-gp inhibitor halves the planned dose (at least 50%).
# With both, the lowest outcome is taken, never the product of the two reductions.

_PGP_ONLY = Concomitant("drug-p", cyp3a4="none", pgp=True)


def test_a_strong_inhibitor_and_a_pgp_inhibitor_take_the_lowest_rule_with_a_note() -> None:
    (vori,) = resolve_concomitants(["voriconazole"])
    planned = {day: ureg.Quantity(400, "mg") for day in range(1, 5)}
    out = adjust_venetoclax(planned, [vori, _PGP_ONLY])
    # Dosing day 4: strong 100 mg, P-gp 50% of 400 = 200 mg: 100 mg (not 100 × 50% = 50 mg).
    day4 = out[4]
    assert day4.adjusted == ureg.Quantity(100, "mg")
    assert day4.rule_id == "label.strong"
    assert day4.inhibitors == ("voriconazole", "drug-p")
    assert day4.note == (
        "several rules apply: the lowest outcome is taken, not the product "
        "(label.strong 100 mg (voriconazole), label.pgp 200 mg (drug-p))"
    )
    # Dosing day 1: strong 10 mg, P-gp 200 mg: 10 mg.
    assert out[1].adjusted == ureg.Quantity(10, "mg")
    assert out[1].note == (
        "several rules apply: the lowest outcome is taken, not the product "
        "(label.strong 10 mg (voriconazole), label.pgp 200 mg (drug-p))"
    )


def test_a_pgp_rule_lower_than_the_strong_table_is_the_one_taken() -> None:
    # Planned 100 mg on dosing day 4: strong table 100 mg, P-gp 50% = 50 mg: 50 mg (label.pgp).
    (vori,) = resolve_concomitants(["voriconazole"])
    planned = {day: ureg.Quantity(100, "mg") for day in range(1, 5)}
    day4 = adjust_venetoclax(planned, [vori, _PGP_ONLY])[4]
    assert day4.adjusted == ureg.Quantity(50, "mg")
    assert day4.rule_id == "label.pgp"
    assert day4.note == (
        "several rules apply: the lowest outcome is taken, not the product "
        "(label.strong 100 mg (voriconazole), label.pgp 50 mg (drug-p))"
    )


def test_one_rule_alone_has_no_several_rules_note() -> None:
    (vori,) = resolve_concomitants(["voriconazole"])
    planned = {day: ureg.Quantity(400, "mg") for day in range(1, 5)}
    for concomitants, mg in (([vori], 100), ([_PGP_ONLY], 200)):
        day4 = adjust_venetoclax(planned, concomitants)[4]
        assert day4.adjusted == ureg.Quantity(mg, "mg")
        assert "several rules apply" not in day4.note
