"""Performance benchmarks for issue 6: cold start, one warm schedule, a 100,000-patient forecast.

Not collected by the test suite (the file name does not start with ``test_``). Run:

    python -m pytest benchmarks/bench_performance.py --benchmark-only   # pytest-benchmark
    python benchmarks/bench_performance.py                              # one side-by-side report

Every comparison is measured side by side in one run: the cold-start commands are interleaved
(baseline, candidate, baseline, ...) so drift of the machine hits both; the forecast and its
plain-numpy baseline alternate in the same way. Ratios are of medians. Nothing here asserts a
time: the numbers go in docs/performance.md.
"""

from __future__ import annotations

import compileall
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

import regimen_calc as rc
from regimen_calc.cohort.forecast import Cohort, forecast

BASELINE_COLD = [sys.executable, "-c", "import pint; pint.UnitRegistry()"]
_LIBRARY_COLD = [
    sys.executable,
    "-c",
    "import regimen_calc as rc; rc.load_regimen('CLAG+VEN')"
    ".schedule(rc.Patient(height='170 cm', weight='70 kg')).to_dict()",
]
COHORT_SIZE = 100_000
CONCOMITANT_SETS = ((), ("posaconazole",), ("fluconazole",))


def cli_cold_command() -> tuple[list[str], str]:
    """The cold-start command and what it is: the CLI if it works, else the library call.

    The console script next to this interpreter is used, not a shim on PATH (a pyenv shim alone
    adds ~100 ms of bash).
    """
    script = os.path.join(os.path.dirname(sys.executable), "regimen-calc")
    if not os.path.exists(script):
        script = shutil.which("regimen-calc") or ""
    cmd = [
        script,
        "schedule",
        "CLAG+VEN",
        "--height",
        "170 cm",
        "--weight",
        "70 kg",
        "--format",
        "json",
    ]
    if script:
        done = subprocess.run(cmd, capture_output=True, check=False)
        if done.returncode == 0 and done.stdout.lstrip().startswith(b"{"):
            return cmd, "regimen-calc schedule CLAG+VEN ... --format json"
    return _LIBRARY_COLD, "python -c (library: load, schedule, to_dict); the CLI did not run"


def compile_bytecode() -> bool:
    """Write the package's ``.pyc`` files, as ``pip install`` does for an installed wheel.

    pint and every other installed library are timed with their bytecode; an editable checkout
    has none until Python writes it, and with ``PYTHONDONTWRITEBYTECODE=1`` (set on these
    machines) it never does, so every run would compile ~11,000 lines of source (about 35 ms)
    that no installed copy compiles. Returns whether all files compiled.
    """
    package = os.path.dirname(rc.__file__)
    return bool(compileall.compile_dir(package, quiet=1))


def interleaved(commands: list[list[str]], rounds: int) -> list[list[float]]:
    """Wall times of each command, run in turn ``rounds`` times (after one warm-up each)."""
    for cmd in commands:
        subprocess.run(cmd, capture_output=True, check=False)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(rounds):
        for i, cmd in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=False)
            times[i].append(time.perf_counter() - start)
    return times


def warm_schedule_case() -> Callable[[], object]:
    """One patient per call, CLAG+VEN, cycle 1, posaconazole, default policy (rounding on).

    The engine keeps each regimen's patient-independent work (its plan) between calls, so the
    calls cycle through 1,000 different patients: every call computes its own BSA, weight-based
    and BSA-based doses, their rounding and the ceilings, as a new patient would.
    """
    regimen = rc.load_regimen("CLAG+VEN")
    rng = np.random.default_rng(6)
    patients = [
        rc.Patient(height=f"{h:.1f} cm", weight=f"{w:.1f} kg")
        for h, w in zip(rng.uniform(150, 195, 1000), rng.uniform(50, 120, 1000), strict=True)
    ]
    turn = itertools.cycle(patients)
    return lambda: regimen.schedule(next(turn), concomitant=["posaconazole"])


def cohort_arrays(n: int = COHORT_SIZE, seed: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Heights (cm), weights (kg), and a concomitant-set index: 70% none, 20% posa, 10% fluco."""
    rng = np.random.default_rng(seed)
    heights = rng.uniform(145, 200, n).round(1)
    weights = rng.uniform(45, 130, n).round(1)
    group = rng.choice(len(CONCOMITANT_SETS), n, p=[0.7, 0.2, 0.1])
    return heights, weights, group


def vectorised_forecast(h: np.ndarray, w: np.ndarray, g: np.ndarray, regimen: rc.Regimen) -> object:
    cohort = Cohort.from_arrays(
        height_cm=h, weight_kg=w, concomitant_sets=CONCOMITANT_SETS, concomitant_group=g
    )
    return forecast(regimen, cohort)


def _half_up(x: np.ndarray, decimals: int) -> np.ndarray:
    scale = 10.0**decimals
    return np.floor(x * scale + 0.5) / scale


# CLAG+VEN written out by hand, for the baseline only: the doses, days and tablet compositions
# a pharmacist would type into a spreadsheet. Venetoclax per concomitant set, days 2-8:
# none 400 mg (4 × 100); posaconazole 10, 20, 50, 70, 70, 70, 70 mg; fluconazole 200 mg (2 × 100).
_VEN_TOTAL = np.array([7 * 400.0, 10 + 20 + 50 + 4 * 70.0, 7 * 200.0])
_VEN_TABLETS = np.array(
    [  # 10, 50, 100 mg tablets per cycle
        [0, 0, 28],
        [1 + 2 + 0 + 4 * 2, 0 + 0 + 1 + 4 * 1, 0],
        [0, 0, 14],
    ]
)


def plain_numpy(h: np.ndarray, w: np.ndarray, g: np.ndarray) -> dict[str, np.ndarray]:
    """The same doses with plain numpy: no validation, no units, no engine, no checks."""
    hm, wm = _half_up(h, 6), _half_up(w, 6)
    bsa = _half_up(np.sqrt(hm * wm / 3600.0), 2)
    cladribine = _half_up(5.0 * bsa, 2)
    cytarabine = _half_up(1.0 * bsa * 1000.0, 2)
    filgrastim = _half_up(5.0 * wm, 2)
    n = np.ceil(filgrastim / 480.0)
    big = np.clip(np.ceil((filgrastim - n * 300.0) / 180.0), 0, n)
    return {
        "cladribine": cladribine * 5,
        "cytarabine": cytarabine * 5,
        "filgrastim": filgrastim * 6,
        "filgrastim 480": big * 6,
        "filgrastim 300": (n - big) * 6,
        "venetoclax": _VEN_TOTAL[g],
        "venetoclax tablets": _VEN_TABLETS[g],
    }


def check_same_doses(result: object, base: dict[str, np.ndarray]) -> int:
    """The baseline must compute what the forecast computes, or the ratio means nothing.

    Returns the number of patients whose numbers differ. The plain baseline rounds with
    ``floor(x·100 + 0.5)`` on the binary float; the engine rounds the float's decimal ``repr``
    half-up. They differ only where a BSA sits on a tie (197.5 cm, 71.1 kg: exactly 1.975 m²,
    float sqrt 1.9749999999999999: engine 1.97, baseline 1.98), about 1 in 100,000 here.
    """
    f = result  # a Forecast
    differ = np.zeros(len(base["venetoclax"]), dtype=bool)
    for drug in ("cladribine", "cytarabine", "filgrastim", "venetoclax"):
        got = f.drug(drug).per_patient  # type: ignore[attr-defined]
        differ |= ~np.isclose(got, base[drug], rtol=1e-12, atol=0)
    fil = f.drug("filgrastim").packs_per_patient  # type: ignore[attr-defined]
    differ |= fil["480 mcg"] != base["filgrastim 480"]
    differ |= fil["300 mcg"] != base["filgrastim 300"]
    assert differ.sum() <= max(10, differ.size // 10_000), int(differ.sum())
    return int(differ.sum())


# --------------------------------------------------------------------------------------------
# pytest-benchmark
# --------------------------------------------------------------------------------------------


def test_a_cold_start(benchmark) -> None:
    compile_bytecode()
    cmd, label = cli_cold_command()
    result: dict[str, float] = {}

    def run() -> None:
        base, cand = interleaved([BASELINE_COLD, cmd], rounds=15)
        result["baseline"] = statistics.median(base)
        result["candidate"] = statistics.median(cand)

    benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(
        command=label,
        baseline_median_s=result["baseline"],
        candidate_median_s=result["candidate"],
        ratio=result["candidate"] / result["baseline"],
    )


def test_b_warm_schedule(benchmark) -> None:
    case = warm_schedule_case()
    case()
    benchmark(case)


def test_c_forecast_100k_vectorised(benchmark) -> None:
    h, w, g = cohort_arrays()
    regimen = rc.load_regimen("CLAG+VEN")
    check_same_doses(vectorised_forecast(h, w, g, regimen), plain_numpy(h, w, g))
    benchmark(vectorised_forecast, h, w, g, regimen)


def test_c_plain_numpy_baseline(benchmark) -> None:
    h, w, g = cohort_arrays()
    benchmark(plain_numpy, h, w, g)


# --------------------------------------------------------------------------------------------
# One side-by-side report
# --------------------------------------------------------------------------------------------


def _alternate(funcs: list[Callable[[], object]], rounds: int) -> list[list[float]]:
    for f in funcs:
        f()
    times: list[list[float]] = [[] for _ in funcs]
    for _ in range(rounds):
        for i, f in enumerate(funcs):
            start = time.perf_counter()
            f()
            times[i].append(time.perf_counter() - start)
    return times


def main() -> None:
    med = statistics.median
    compiled = compile_bytecode()
    cmd, label = cli_cold_command()
    base, cand = interleaved([BASELINE_COLD, cmd], rounds=21)
    print(
        f"(a) cold start, {len(base)} interleaved runs each, medians "
        f"(package bytecode {'compiled' if compiled else 'NOT compiled'}, as by pip install)"
    )
    print(f"    baseline  python -c 'import pint; pint.UnitRegistry()'  {med(base) * 1e3:7.1f} ms")
    print(f"    candidate {label}  {med(cand) * 1e3:7.1f} ms")
    print(f"    ratio candidate/baseline {med(cand) / med(base):.2f}")

    case = warm_schedule_case()
    (warm,) = _alternate([case], rounds=500)
    print(
        f"(b) warm schedule CLAG+VEN + posaconazole, 500 runs over 1,000 different patients: "
        f"median {med(warm) * 1e3:.3f} ms, "
        f"min {min(warm) * 1e3:.3f} ms (target 0.5 ms: ratio {med(warm) / 0.0005:.2f})"
    )

    h, w, g = cohort_arrays()
    regimen = rc.load_regimen("CLAG+VEN")
    result = vectorised_forecast(h, w, g, regimen)
    differ = check_same_doses(result, plain_numpy(h, w, g))
    fc, npy = _alternate(
        [lambda: vectorised_forecast(h, w, g, regimen), lambda: plain_numpy(h, w, g)], rounds=15
    )
    print(
        f"(c) {COHORT_SIZE:,} patients CLAG+VEN, 15 alternating runs, medians "
        f"(method: {result.method})"
    )  # type: ignore[attr-defined]
    print(f"    forecast (Cohort.from_arrays + forecast)  {med(fc) * 1e3:7.1f} ms")
    print(f"    plain numpy, same doses                   {med(npy) * 1e3:7.1f} ms")
    print(f"    ratio forecast/numpy {med(fc) / med(npy):.2f}   (targets: ≤ 1 s, ≤ 3×)")
    print(
        "    patients whose numbers differ (exact BSA ties, which float noise puts a hair below "
        f"and the naive baseline rounds down): {differ}"
    )


if __name__ == "__main__":
    main()
