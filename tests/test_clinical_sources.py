"""docs/clinical-sources.md is generated from the bundled regimens and must match them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen_clinical_sources.py"
PAGE = ROOT / "docs" / "clinical-sources.md"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_clinical_sources", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_page_equals_a_fresh_generation() -> None:
    fresh = _generator().render()
    committed = PAGE.read_text(encoding="utf-8")
    assert committed == fresh, (
        "docs/clinical-sources.md is out of date with regimens/*.yaml: "
        "run `python scripts/gen_clinical_sources.py` and review the diff"
    )


def test_every_bundled_regimen_and_component_is_listed() -> None:
    import regimen_calc as rc

    page = PAGE.read_text(encoding="utf-8")
    for rid in rc.available_regimens():
        assert f"\n## {rid}\n" in page
        for comp in rc.load_regimen(rid).components:
            assert f"### {comp.drug} (`{comp.id}`)" in page


def test_no_value_the_files_do_not_state_is_shown_as_stated() -> None:
    gen = _generator()
    import regimen_calc as rc

    for rid in rc.available_regimens():
        section = gen.render_regimen(rc.load_regimen(rid))
        for line in section.splitlines():
            if line.startswith("| ") and "| — |" in line:
                assert "| stated |" not in line, f"{rid}: a missing value is marked stated: {line}"


def test_check_mode_passes_on_the_committed_page() -> None:
    assert _generator().main(["--check"]) == 0


#: Every reference of every bundled regimen: (kind, confidence), read from the clinical reference
#: (shared dossier; section named). Where it gives a range (H/M, L/M) the lower grade is used.
REFERENCES = {
    ("CLAG", "NCT06763666"): ("registry", "H"),  # §1.1 registry text, H
    ("CLAG", "Neupogen-label"): ("label", "H"),  # §3 Neupogen label, H
    ("CLAG", "Robak-2000"): ("abstract", "H"),  # §1.2 "abstract (acnpsearch index). H for doses"
    ("CLAG+VEN", "Venclexta-label"): ("label", "H"),  # §2 label rules, H
    ("CAV", "NCT05657639"): ("abstract", "H"),  # §1.4 ASH 2025 abstract 5202, H
    ("CAV", "ChiCTR2400091392"): ("abstract", "H"),  # §1.4 "H (abstract)"
    ("CAV", "Kadia-2018"): ("paper", "M"),  # §1.4 Kadia entries "H/M"
    ("CAV", "Venclexta-label"): ("label", "H"),
    ("MEC", "NCT05657639"): ("abstract", "H"),  # §1.5 comparator arm, H
    ("MEC", "Amadori-1991"): ("secondary", "L"),  # §1.5 Amadori 1991 "secondary, L/M"
    ("CMGV", "CMGV-ASH-abstract"): ("abstract", "M"),  # §1.6 ASH abstract, M; gap G3
    ("CMGV", "NCT06329999"): ("registry", "M"),  # §1.6 / G3: matched, not confirmed, M
    ("CMGV", "Neupogen-label"): ("label", "H"),
    ("CMGV", "Venclexta-label"): ("label", "H"),
    ("Lipo-MIT+CLAG", "ChiCTR2400086291"): ("abstract", "H"),  # §1.7 interim abstract, H
    ("VA-CAG", "VACAG-registry"): ("registry", "H"),  # §1.8 registry description, H
    ("VA-CAG", "Neupogen-label"): ("label", "H"),
    ("VA-CAG", "Venclexta-label"): ("label", "H"),
}


def test_every_reference_has_the_kind_and_confidence_of_the_clinical_reference() -> None:
    import regimen_calc as rc

    found = {}
    for rid in rc.available_regimens():
        reg = rc.load_regimen(rid)
        base = rc.load_regimen(reg.extends) if reg.extends else None
        for ref in reg.references:
            if base is not None and base.reference(ref.id) == ref:
                continue  # inherited: checked on the base regimen
            found[(rid, ref.id)] = (ref.kind, ref.confidence)
    assert found == REFERENCES


def test_cmgv_doses_do_not_rest_on_the_registry_description() -> None:
    """The registry description states no dose (sources/CMGV-trial-registry-description.txt)."""
    import regimen_calc as rc

    reg = rc.load_regimen("CMGV")
    registry = reg.reference("NCT06329999")
    assert registry is not None and registry.kind == "registry"
    assert registry.file == "CMGV-trial-registry-description.txt"
    for comp in reg.components:
        for field in ("dose", "steps", "days", "frequency"):
            assert comp.provenance_of(field).source != "NCT06329999", (comp.id, field)


def test_the_page_shows_each_references_confidence_and_the_cycle_bound() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert "| CMGV-ASH-abstract | abstract | M |" in page
    assert "| number of cycles | at most 2 | stated | H | ChiCTR2400086291 |" in page
