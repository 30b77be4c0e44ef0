"""Golden snapshots: every case of scripts/snapshot_schedules.py gives exactly its committed file.

The snapshots in tests/snapshots/ are the whole ``Schedule.to_dict()`` of every bundled regimen for
the reference patients, and of a few option sets that exercise the dose rules. They complement the
hand-computed goldens of tests/test_schedule.py, which check the numbers against arithmetic done by
hand: the snapshots catch any change at all (a number, a warning, a provenance, an order), and a
person decides whether the change is right.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "snapshot_schedules.py"
SNAPSHOTS = ROOT / "tests" / "snapshots"

REGENERATE = (
    "regenerate with `python scripts/snapshot_schedules.py`, then have a person review the diff "
    "(`git diff tests/snapshots`) before committing: a changed snapshot is a changed schedule"
)


def _script():
    spec = importlib.util.spec_from_file_location("snapshot_schedules", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SNAP = _script()
CASES = SNAP.cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_schedule_equals_its_snapshot(name: str) -> None:
    path = SNAP.snapshot_path(name)
    assert path.is_file(), f"no snapshot tests/snapshots/{path.name}: {REGENERATE}"
    committed = path.read_text(encoding="utf-8")
    now = SNAP.render(CASES[name]())
    if committed != now:
        pytest.fail(
            f"the schedule of {name} differs from its snapshot; {REGENERATE}.\n\n"
            + SNAP.diff(name, committed, now),
            pytrace=False,
        )


def test_every_snapshot_file_belongs_to_a_case() -> None:
    files = {p.stem for p in SNAPSHOTS.glob("*.json")}
    assert files == set(CASES), (
        f"stale snapshots (no case): {sorted(files - set(CASES))}; "
        f"missing snapshots: {sorted(set(CASES) - files)}; {REGENERATE}"
    )


def test_every_bundled_regimen_has_a_snapshot_for_each_reference_patient() -> None:
    import regimen_calc as rc

    for regimen in rc.available_regimens():
        for who in SNAP.PATIENTS:
            assert f"{regimen}--{who}" in CASES


def test_snapshots_are_stable_text() -> None:
    """Sorted keys, indent 1, UTF-8 text (not \\u escapes), one trailing newline; no absolute
    path of this machine."""
    import json

    for name in CASES:
        text = SNAP.snapshot_path(name).read_text(encoding="utf-8")
        data = json.loads(text)
        assert text == json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        assert str(ROOT) not in text
        for f in data["regimen"]["files"]:
            assert not Path(f["path"]).is_absolute(), (name, f["path"])


def test_check_mode_reports_a_change_as_a_diff(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--check`` writes nothing, exits 1 and prints a unified diff of the changed schedule."""
    name = "CLAG--A"
    real = SNAP.render

    def changed(schedule):
        text = real(schedule)
        return (
            text.replace('"text": "8.75 mg"', '"text": "8.76 mg"')
            if (schedule.regimen.id == "CLAG" and schedule.bsa.magnitude == 1.75)
            else text
        )

    monkeypatch.setattr(SNAP, "render", changed)
    before = SNAP.snapshot_path(name).read_text(encoding="utf-8")
    assert SNAP.main(["--check"]) == 1
    out = capsys.readouterr()
    assert f"--- tests/snapshots/{name}.json (committed)" in out.out
    removed = [ln for ln in out.out.splitlines() if ln.startswith("-") and "8.75 mg" in ln]
    added = [ln for ln in out.out.splitlines() if ln.startswith("+") and "8.76 mg" in ln]
    assert removed and len(removed) == len(added)
    assert "review" in out.err
    assert SNAP.snapshot_path(name).read_text(encoding="utf-8") == before
