"""The mutation check's generator yields exactly the dose-deciding mutants of a small source.

Only the generator and the applying of a mutant are tested here (no test run per mutant), so the
test is fast; scripts/mutation_check.py is loaded from its file.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mutation_check.py"


@pytest.fixture(scope="module")
def mc():
    spec = importlib.util.spec_from_file_location("mutation_check", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_check"] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("mutation_check", None)


SAMPLE = '''\
"""Module docstring 1."""
__all__ = ["capped"]


@cache(3)
def capped(x: int, items) -> list:
    """Docstring with 2 in it."""
    if x < 2:
        return min(x, 1)
    log(x)
    return [i * 2 for i in items]


def other(flag):
    while not flag:
        flag = step(flag) - 1.5
    return flag is None
'''

EXPECTED_CAPPED = [
    (8, "compare", "x < 2", "x <= 2"),
    (8, "not", "x < 2", "not x < 2"),
    (8, "constant", "2", "3"),
    (8, "constant", "2", "1"),
    (8, "constant", "2", "20"),
    (9, "return", "return min(x, 1)", "return None"),
    (9, "min/max", "min(x, 1)", "max(x, 1)"),
    (9, "constant", "1", "2"),
    (9, "constant", "1", "0"),
    (9, "constant", "1", "10"),
    (10, "call removed", "log(x)", "(removed)"),
    (11, "return", "return [i * 2 for i in items]", "return None"),
    (11, "return", "return [i * 2 for i in items]", "return []"),
    (11, "arithmetic", "i * 2", "i / 2"),
    (11, "constant", "2", "3"),
    (11, "constant", "2", "1"),
    (11, "constant", "2", "20"),
]

EXPECTED_OTHER = [
    (15, "not", "not flag", "flag"),
    (16, "arithmetic", "step(flag) - 1.5", "step(flag) + 1.5"),
    (16, "constant", "1.5", "2.5"),
    (16, "constant", "1.5", "0.5"),
    (16, "constant", "1.5", "15.0"),
    (17, "return", "return flag is None", "return None"),
    (17, "compare", "flag is None", "flag is not None"),
]


def _rows(mutants):
    return [(m.lineno, m.kind, m.original, m.mutated) for m in mutants]


def test_generator_yields_the_expected_mutants(mc):
    # Docstrings, __all__, decorator arguments and annotations are never mutated.
    assert _rows(mc.generate_mutants(SAMPLE)) == EXPECTED_CAPPED + EXPECTED_OTHER


def test_function_filter_keeps_only_matching_functions(mc):
    assert _rows(mc.generate_mutants(SAMPLE, "other")) == EXPECTED_OTHER
    assert _rows(mc.generate_mutants(SAMPLE, "cap*")) == EXPECTED_CAPPED
    assert mc.generate_mutants(SAMPLE, "nothing") == []


def test_each_mutant_applies_as_exactly_its_change(mc):
    original = ast.dump(ast.parse(SAMPLE))
    mutants = mc.generate_mutants(SAMPLE)
    sources = [mc.apply_mutant(SAMPLE, m) for m in mutants]
    assert len(set(sources)) == len(sources)  # every mutant is a distinct program
    for mutant, mutated in zip(mutants, sources, strict=True):
        assert ast.dump(ast.parse(mutated)) != original
        if mutant.mutated != "(removed)":
            assert mutant.mutated in mutated, mutant

    by_change = {(m.lineno, m.mutated): s for m, s in zip(mutants, sources, strict=True)}
    assert "if x <= 2:" in by_change[(8, "x <= 2")]
    assert "log(x)" not in by_change[(10, "(removed)")]
    assert "while flag:" in by_change[(15, "flag")]


def test_describe_names_file_line_and_change(mc):
    first = mc.generate_mutants(SAMPLE)[0]
    assert first.describe("src/regimen_calc/x.py") == "src/regimen_calc/x.py:8: x < 2 -> x <= 2"
