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
