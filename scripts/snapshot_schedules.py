"""Write (or check) the golden JSON snapshots of ``Schedule.to_dict()`` in ``tests/snapshots/``.

One file per case: every bundled regimen for the two reference patients of the hand-computed
goldens (tests/test_schedule.py), on one fixed start date, plus a few option sets that exercise
the dose rules (venetoclax with posaconazole, MEC after prior mitoxantrone, a lab hold of
filgrastim). VA-CAG is computed with its example site overlay, since it has no doses without one.

The snapshots pin every number, warning and provenance of a schedule, so that a change to the code
that changes a schedule cannot go unnoticed: ``tests/test_snapshots.py`` rebuilds every case and
compares it with its file. A change of a snapshot is reviewed by a person, as a diff, before it is
committed.

Usage:
    python scripts/snapshot_schedules.py           # rewrite tests/snapshots/*.json
    python scripts/snapshot_schedules.py --check   # exit 1 and print a diff if any is out of date
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import regimen_calc as rc

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "snapshots"
OVERLAYS = {"VA-CAG": (ROOT / "regimens" / "overlays" / "VA-CAG.example-site.yaml",)}

#: The reference patients of the hand-computed goldens (tests/test_schedule.py).
PATIENTS = {
    "A": rc.Patient(height="170 cm", weight="65 kg"),  # Mosteller 1.75 m²
    "B": rc.Patient(height="185 cm", weight="90 kg"),  # Mosteller 2.15 m²
}
#: Day 1 of every snapshot, so that the dates of the days are stable.
START = datetime.date(2026, 1, 5)

#: Option sets that exercise rules: ``name -> (regimen, patient, keyword arguments of schedule)``.
VARIANTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "posaconazole": ("CLAG+VEN", "A", {"concomitant": ["posaconazole"]}),
    "prior-mitoxantrone": ("MEC", "A", {"prior_exposure": {"mitoxantrone": "72 mg/m^2"}}),
    "labs-wbc-22": ("CLAG+VEN", "A", {"labs": {1: {"wbc": 22}}}),
}


def cases() -> dict[str, Callable[[], rc.Schedule]]:
    """Every snapshot: its file name (without ``.json``) and how its schedule is built."""
    found: dict[str, Callable[[], rc.Schedule]] = {}
    for regimen in rc.available_regimens():
        for who in PATIENTS:
            found[f"{regimen}--{who}"] = _builder(regimen, who, {})
    for variant, (regimen, who, options) in VARIANTS.items():
        found[f"{regimen}--{who}--{variant}"] = _builder(regimen, who, options)
    return dict(sorted(found.items()))


def _builder(regimen: str, who: str, options: dict[str, Any]) -> Callable[[], rc.Schedule]:
    def build() -> rc.Schedule:
        reg = rc.load_regimen(regimen, overlays=OVERLAYS.get(regimen, ()))
        return reg.schedule(PATIENTS[who], start=START, **options)

    return build


def normalise(data: Any) -> Any:
    """Drop what may change from one machine or run to another: an absolute file path is written
    relative to its folder (bundled files are recorded relative already), and the generator's
    version is written as ``VERSION`` (a release must not rewrite every snapshot)."""
    if isinstance(data, dict):
        out = {k: normalise(v) for k, v in data.items()}
        if set(out) == {"name", "version"} and out.get("name") == "regimen_calc":
            out["version"] = "VERSION"
        if isinstance(out.get("path"), str) and Path(out["path"]).is_absolute():
            out["path"] = _relative(Path(out["path"]))
        return out
    if isinstance(data, list):
        return [normalise(v) for v in data]
    return data


def _relative(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.name


def render(schedule: rc.Schedule) -> str:
    """A schedule's snapshot text: sorted keys, indent 1, UTF-8 text, a trailing newline."""
    data = normalise(schedule.to_dict())
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def snapshot_path(name: str) -> Path:
    return SNAPSHOTS / f"{name}.json"


def diff(name: str, old: str, new: str) -> str:
    """A unified diff from the committed snapshot to the schedule computed now."""
    rel = f"tests/snapshots/{name}.json"
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"{rel} (committed)",
            tofile=f"{rel} (computed now)",
        )
    )


def stale_files() -> list[Path]:
    """Snapshot files that belong to no case."""
    names = set(cases())
    return sorted(p for p in SNAPSHOTS.glob("*.json") if p.stem not in names)


def _changes() -> Iterator[tuple[str, str, str]]:
    for name, build in cases().items():
        path = snapshot_path(name)
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        new = render(build())
        if old != new:
            yield name, old, new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare with the committed snapshots instead of writing them",
    )
    args = parser.parse_args(argv)
    changed = 0
    for name, old, new in _changes():
        changed += 1
        if old:
            print(diff(name, old, new), end="")
        else:
            print(f"new snapshot (no committed file): tests/snapshots/{name}.json")
        if not args.check:
            SNAPSHOTS.mkdir(parents=True, exist_ok=True)
            snapshot_path(name).write_text(new, encoding="utf-8", newline="\n")
    stale = stale_files()
    for path in stale:
        print(f"stale snapshot (no case builds it): tests/snapshots/{path.name}")
        if not args.check:
            path.unlink()
    total = len(cases())
    if args.check:
        if changed or stale:
            print(
                f"{changed} of {total} snapshots differ, {len(stale)} stale: run "
                "`python scripts/snapshot_schedules.py` and have a person review the diff",
                file=sys.stderr,
            )
            return 1
        print(f"all {total} snapshots are up to date")
        return 0
    print(
        f"{changed} of {total} snapshots written, {len(stale)} stale removed; "
        "review the diff (git diff tests/snapshots) before committing"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
