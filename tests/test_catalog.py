"""The drug catalog (regimen_calc.content.catalog): known generic names, entries and lookups."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import regimen_calc as rc
from regimen_calc.content.catalog import Drug, Presentation, drug_info, known_drugs
from regimen_calc.units import ureg

#: Abbreviations and brand names that must never stand for a drug (clinical reference §6.1: the
#: ISMP list of error-prone abbreviations; the regimens' sources write "G-CSF" and "ara-C").
ABBREVIATIONS = {
    "g-csf", "gcsf", "rhg-csf", "ara-c", "arac", "cda", "2-cda", "mtz", "mito", "mitox",
    "vp-16", "vp16", "ven", "aza", "5-aza", "acla", "lipo-mit", "ldac", "neupogen", "venclexta",
}  # fmt: skip
GENERIC = re.compile(r"^[a-z]+(?: [a-z]+)*$")  # lower-case words: no digits, hyphens or capitals


def bundled_regimens() -> list[rc.Regimen]:
    out = [rc.load_regimen(name) for name in rc.available_regimens()]
    overlays = resources.files("regimen_calc") / "regimens" / "overlays"
    for overlay in overlays.iterdir():
        if overlay.name.endswith(".yaml"):
            base = overlay.name.split(".")[0]
            with resources.as_file(overlay) as path:
                out.append(rc.load_regimen(base, overlays=[Path(path)]))
    return out


# ------------------------------------------------------------------------------ known names


def test_known_drugs_are_the_drugs_of_the_bundled_regimens_each_once() -> None:
    names = known_drugs()
    assert isinstance(names, tuple)
    assert len(set(names)) == len(names)
    assert set(names) == {
        "cladribine", "cytarabine", "filgrastim", "venetoclax", "mitoxantrone",
        "mitoxantrone liposome", "etoposide", "azacitidine", "aclarubicin",
    }  # fmt: skip


def test_every_bundled_regimen_and_overlay_is_checked() -> None:
    ids = [r.id for r in bundled_regimens()]
    assert set(ids) == set(rc.available_regimens())
    assert len(ids) == len(rc.available_regimens()) + 1  # VA-CAG with its example-site overlay


@pytest.mark.parametrize("regimen", bundled_regimens(), ids=lambda r: f"{r.id}{r.overlays}")
def test_every_drug_of_a_bundled_regimen_is_in_the_catalog(regimen: rc.Regimen) -> None:
    assert regimen.components, regimen.id
    unknown = [c.drug for c in regimen.components if c.drug not in known_drugs()]
    assert unknown == []
    for comp in regimen.components:
        assert drug_info(comp.drug).name == comp.drug


@pytest.mark.parametrize("name", known_drugs())
def test_every_catalog_name_is_a_full_generic_name(name: str) -> None:
    assert GENERIC.match(name), name
    assert name.lower() not in ABBREVIATIONS
    assert not any(word in ABBREVIATIONS for word in name.split())


def test_the_g_csf_of_the_sources_is_named_filgrastim() -> None:
    clag = rc.load_regimen("CLAG")
    assert clag.component("filgrastim").drug == "filgrastim"
    assert clag.component("filgrastim").provenance_of("drug").status == "assumed"


def test_liposomal_mitoxantrone_is_a_different_drug_from_mitoxantrone() -> None:
    # Clinical reference G6: Lipo-MIT doses are not interchangeable with mitoxantrone's.
    assert drug_info("mitoxantrone liposome") != drug_info("mitoxantrone")
    assert rc.load_regimen("CMGV").component("mitoxantrone-liposome").drug == (
        "mitoxantrone liposome"
    )


# ------------------------------------------------------------------------------ entries


def test_drug_info_gives_the_entry_of_its_name_and_the_same_entry_each_time() -> None:
    for name in known_drugs():
        entry = drug_info(name)
        assert isinstance(entry, Drug)
        assert entry.name == name
        assert drug_info(name) is entry


def test_filgrastim_comes_in_300_and_480_mcg_prefilled_syringes() -> None:
    # Clinical reference §3: Neupogen prefilled syringes 300 µg/0.5 mL and 480 µg/0.8 mL.
    pres = drug_info("filgrastim").presentations
    assert isinstance(pres, Presentation)
    assert pres.kind == "prefilled syringe"
    assert [s.to("mcg").magnitude for s in pres.strengths] == [300, 480]
    assert "Neupogen" in pres.source


def test_venetoclax_comes_in_10_50_and_100_mg_tablets_once_daily() -> None:
    ven = drug_info("venetoclax")
    assert ven.presentations is not None
    assert ven.presentations.kind == "tablet"
    assert [s.to("mg").magnitude for s in ven.presentations.strengths] == [10, 50, 100]
    assert set(ven.frequencies) == {"daily", "once"}
    assert ven.frequencies_source and "Venclexta" in ven.frequencies_source
    assert ven.interaction_rule == "venetoclax"


def test_presentation_strengths_are_masses_of_the_package_registry() -> None:
    for name in known_drugs():
        pres = drug_info(name).presentations
        if pres is None:
            continue
        assert pres.strengths, name
        for strength in pres.strengths:
            assert strength._REGISTRY is ureg
            assert strength.dimensionality == ureg.gram.dimensionality
            assert strength.magnitude > 0


def test_instructions_are_single_spaced_and_each_names_its_source() -> None:
    ven = drug_info("venetoclax")
    assert len(ven.instructions) == 2
    for text, source in ven.instructions:
        assert text == " ".join(text.split())
        assert source.startswith("Venclexta")
    assert any("grapefruit" in text for text, _ in ven.instructions)


def test_a_drug_without_rules_has_none() -> None:
    clad = drug_info("cladribine")
    assert (clad.presentations, clad.interaction_rule) == (None, None)
    assert (clad.frequencies, clad.instructions) == ((), ())


# ------------------------------------------------------------------------------ refused names


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("G-CSF", id="G-CSF abbreviation"),
        pytest.param("ara-C", id="ara-C abbreviation"),
        pytest.param("Neupogen", id="brand name"),
        pytest.param("Cytarabine", id="capitalised"),
        pytest.param("cytarabine ", id="trailing space"),
        pytest.param("mitoxantrone-liposome", id="component id, not drug name"),
        pytest.param("", id="empty"),
        pytest.param(None, id="None"),
        pytest.param(5, id="a number"),
        pytest.param(["cladribine"], id="a list (unhashable)"),
    ],
)
def test_a_name_the_catalog_does_not_know_is_refused_naming_the_field(name: Any) -> None:
    with pytest.raises(rc.InputError) as err:
        drug_info(name)
    assert err.value.field == "drug"
    assert err.value.found == name
    message = str(err.value)
    assert message.startswith("drug: expected a generic name from the drug catalog (cladribine, ")
    assert "mitoxantrone liposome" in message


def test_the_refusal_lists_every_known_name() -> None:
    with pytest.raises(rc.InputError) as err:
        drug_info("ara-C")
    assert err.value.expected == (
        "a generic name from the drug catalog (" + ", ".join(known_drugs()) + ")"
    )
    assert str(err.value).endswith("found 'ara-C'")


@pytest.mark.parametrize("name", known_drugs())
def test_every_catalog_drug_has_its_codes_or_an_explicit_not_confirmed(name: str) -> None:
    codes = drug_info(name).codes
    assert codes is not None, name
    for coding in (codes.atc, codes.rxnorm):
        if coding.confirmed:
            assert coding.source and coding.display, name
        else:  # never a guessed code: the note says there is none
            assert coding.code is None and coding.note and "no confirmed" in coding.note, name
    # No RxNorm code is confirmed for any bundled drug.
    assert not codes.rxnorm.confirmed


def test_catalog_atc_codes_are_those_of_the_who_index() -> None:
    # WHO ATC/DDD Index (atcddd.fhi.no), 2026-04-25 edition: L01BB04 cladribine, L01BC01
    # cytarabine, L03AA02 filgrastim, L01XX52 venetoclax, L01DB07 mitoxantrone, L01CB01
    # etoposide, L01BC07 azacitidine, L01DB04 aclarubicin; no entry for liposomal mitoxantrone.
    found = {n: drug_info(n).codes.atc.code for n in known_drugs()}  # type: ignore[union-attr]
    assert found == {
        "cladribine": "L01BB04",
        "cytarabine": "L01BC01",
        "filgrastim": "L03AA02",
        "venetoclax": "L01XX52",
        "mitoxantrone": "L01DB07",
        "mitoxantrone liposome": None,
        "etoposide": "L01CB01",
        "azacitidine": "L01BC07",
        "aclarubicin": "L01DB04",
    }


def test_a_drug_built_in_code_has_no_codes() -> None:
    assert Drug(name="x").codes is None
