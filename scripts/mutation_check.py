#!/usr/bin/env python3
"""Mutation check of one module of regimen_calc: do its tests notice a wrong dose rule?

Each mutant is one small, plausible mistake in the module (a ``<`` that should be ``<=``, a
``*`` that should be ``/``, a coefficient off by one or by a factor of ten, ``min`` for ``max``,
a condition negated, a result dropped, a call left out). The module's tests are run against every
mutant; a mutant the tests fail on is *killed*, one they pass on *survived*. Every survivor is a
mistake the tests would let through, or an equivalent change (one that cannot alter any result),
and is to be explained as such (see docs/testing.md).

Usage (from the repository root)::

    python scripts/mutation_check.py src/regimen_calc/content/bsa.py
    python scripts/mutation_check.py src/regimen_calc/engine/tablets.py --function 'compose*' \\
        --max 60
    python scripts/mutation_check.py src/regimen_calc/engine/safety.py \\
        --tests tests/test_safety.py tests/test_cli.py --jobs 4 --fail-under 95

The working tree is never changed: ``src/`` is copied to a temporary directory per job, the
mutant is written there, and that copy is put first on ``PYTHONPATH`` for the test run. Standard
library only. Exit status 0 (it is a report), or 1 when ``--fail-under`` is given and the kill
rate is below it (2 when the tests fail before any mutation, which makes the check meaningless).
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import copy
import fnmatch
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "regimen_calc"
PYTEST_ARGS = ["-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]

_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_ARITH_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Pow: ast.Mult,
}
_LIST_BUILDERS = {"list", "sorted", "tuple"}


@dataclass(frozen=True)
class Mutant:
    """One mutation: where it is, what it changes, and how to apply it to a fresh tree."""

    lineno: int
    kind: str
    original: str
    mutated: str
    node_index: int  # position of the mutated node in ast.walk order of the parsed module
    variant: int  # which of the node's mutations (a node can have several)

    def describe(self, path: str) -> str:
        return f"{path}:{self.lineno}: {self.original} -> {self.mutated}"


def _number(value: float | int) -> float | int:
    if isinstance(value, float):
        return float(f"{value:.12g}")
    return value


def _excluded_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: docstrings, annotations, decorators, ``__all__``."""
    skip: set[int] = set()

    def drop(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            drop(body[0])
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for dec in node.decorator_list:
                drop(dec)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            drop(node.returns)
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None:
                    drop(arg.annotation)
        if isinstance(node, ast.AnnAssign):
            drop(node.annotation)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            drop(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            drop(node)
    return skip


def _functions_matching(tree: ast.Module, pattern: str) -> set[int]:
    """ids of the nodes inside functions whose name or Class.name matches ``pattern``."""
    inside: set[int] = set()

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                qualname = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef) and (
                    fnmatch.fnmatchcase(child.name, pattern)
                    or fnmatch.fnmatchcase(qualname, pattern)
                ):
                    inside.update(id(n) for n in ast.walk(child))
                visit(child, f"{qualname}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return inside


def _condition_tests(tree: ast.Module) -> set[int]:
    """ids of the expressions used as a condition (if, while, conditional expression, filter)."""
    tests: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If | ast.While | ast.IfExp):
            tests.add(id(node.test))
        elif isinstance(node, ast.comprehension):
            tests.update(id(t) for t in node.ifs)
    return tests


def _replacements(node: ast.AST, conditions: set[int]) -> Iterator[tuple[str, ast.AST]]:
    """(kind, replacement node) for every mutation of ``node`` itself."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swap = _COMPARE_SWAPS.get(type(op))
            if swap is not None:
                new = copy.deepcopy(node)
                new.ops[i] = swap()
                yield "compare", new
    if isinstance(node, ast.BinOp):
        swap = _ARITH_SWAPS.get(type(node.op))
        if swap is not None:
            new = copy.deepcopy(node)
            new.op = swap()
            yield "arithmetic", new
    if isinstance(node, ast.AugAssign):
        swap = _ARITH_SWAPS.get(type(node.op))
        if swap is not None:
            new = copy.deepcopy(node)
            new.op = swap()
            yield "arithmetic", new
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        seen = {node.value}
        for value in (node.value + 1, node.value - 1, node.value * 10):
            value = _number(value)
            if value not in seen:
                seen.add(value)
                yield "constant", ast.Constant(value=value)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"min", "max"}
    ):
        new = copy.deepcopy(node)
        new.func = ast.Name(id="max" if node.func.id == "min" else "min", ctx=ast.Load())
        yield "min/max", new
    if id(node) in conditions:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield "not", copy.deepcopy(node.operand)
        else:
            yield "not", ast.UnaryOp(op=ast.Not(), operand=copy.deepcopy(node))
    if isinstance(node, ast.Return) and node.value is not None:
        value = node.value
        if not (isinstance(value, ast.Constant) and value.value is None):
            yield "return", ast.Return(value=ast.Constant(value=None))
        list_like = isinstance(value, ast.List | ast.ListComp | ast.Tuple) or (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id in _LIST_BUILDERS
        )
        if list_like and not (isinstance(value, ast.List) and not value.elts):
            yield "return", ast.Return(value=ast.List(elts=[], ctx=ast.Load()))
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield "call removed", ast.Pass()


def _show(node: ast.AST) -> str:
    text = ast.unparse(node)
    if isinstance(node, ast.Pass):
        return "(removed)"
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:117] + "..."


def generate_mutants(source: str, function: str | None = None) -> list[Mutant]:
    """Every mutant of ``source`` (optionally only inside functions matching ``function``)."""
    tree = ast.parse(source)
    skip = _excluded_nodes(tree)
    only = _functions_matching(tree, function) if function else None
    conditions = _condition_tests(tree)
    mutants: list[Mutant] = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skip or (only is not None and id(node) not in only):
            continue
        for variant, (kind, new) in enumerate(_replacements(node, conditions)):
            mutants.append(
                Mutant(
                    lineno=getattr(node, "lineno", 0),
                    kind=kind,
                    original=_show(node),
                    mutated=_show(new),
                    node_index=index,
                    variant=variant,
                )
            )
    mutants.sort(key=lambda m: (m.lineno, m.node_index, m.variant))
    return mutants


def apply_mutant(source: str, mutant: Mutant) -> str:
    """The source of the module with ``mutant`` applied (re-parsed; comments are not kept)."""
    tree = ast.parse(source)
    conditions = _condition_tests(tree)
    nodes = list(ast.walk(tree))
    target = nodes[mutant.node_index]
    replacement = list(_replacements(target, conditions))[mutant.variant][1]
    for parent in nodes:
        for field, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, field, replacement)
                break
            if isinstance(value, list) and any(item is target for item in value):
                value[[item is target for item in value].index(True)] = replacement
                break
        else:
            continue
        break
    else:
        raise ValueError(f"node of {mutant} not found")
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


# --------------------------------------------------------------------------------------------
# Running


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    status: str  # "killed", "survived" or "timeout"
    seconds: float


def _run_tests(src_copy: Path, tests: list[str], timeout: float) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(src_copy), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a stale .pyc of the previous mutant can never be used
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *PYTEST_ARGS, *tests],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "timeout"
    return "survived" if rc == 0 else "killed"


def _check_copy(src_copy: Path, module_rel: Path) -> None:
    """Make sure the tests will import the copy, not the working tree or an installed package."""
    env = dict(os.environ, PYTHONPATH=str(src_copy), PYTHONDONTWRITEBYTECODE="1")
    dotted = ".".join(module_rel.with_suffix("").parts)
    out = subprocess.run(
        [sys.executable, "-c", f"import {dotted} as m; print(m.__file__)"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if not out.stdout.strip().startswith(str(src_copy)):
        sys.exit(
            f"mutation_check: {dotted} is not imported from the copy: {out.stdout}{out.stderr}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "module", help="a module path under src/regimen_calc, e.g. src/regimen_calc/content/bsa.py"
    )
    parser.add_argument("--function", "-f", help="only mutate functions matching this name or glob")
    parser.add_argument(
        "--tests", nargs="+", action="extend", help="test files (default: tests/test_<module>.py)"
    )
    parser.add_argument("--max", type=int, help="at most N mutants, sampled with --seed")
    parser.add_argument("--seed", type=int, default=12, help="seed of the --max sample (12)")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="parallel test runs (2)")
    parser.add_argument(
        "--timeout", type=float, help="seconds per mutant (default: 5 × baseline + 10)"
    )
    parser.add_argument(
        "--fail-under", type=float, help="exit 1 when the kill rate (%%) is below P"
    )
    parser.add_argument("--list", action="store_true", help="only list the mutants, run nothing")
    args = parser.parse_args(argv)

    module = Path(args.module).resolve()
    src_root = REPO / "src"
    try:
        module_rel = module.relative_to(src_root)
    except ValueError:
        parser.error(f"{args.module} is not under {src_root}")
    if module_rel.parts[0] != PACKAGE or module.suffix != ".py" or not module.is_file():
        parser.error(f"{args.module} is not a module of src/{PACKAGE}")
    shown = module.relative_to(REPO).as_posix()
    tests = args.tests or [f"tests/test_{module.stem}.py"]
    for test in tests:
        if not (REPO / test).exists():
            parser.error(f"test file {test} not found (give --tests)")

    source = module.read_text(encoding="utf-8")
    mutants = generate_mutants(source, args.function)
    total_generated = len(mutants)
    if args.max is not None and len(mutants) > args.max:
        picked = random.Random(args.seed).sample(range(len(mutants)), args.max)
        mutants = [mutants[i] for i in sorted(picked)]
    print(f"{shown}: {total_generated} mutants generated, {len(mutants)} to run")
    print(f"tests: {' '.join(tests)}")
    if args.list:
        for m in mutants:
            print(f"  [{m.kind}] {m.describe(shown)}")
        return 0
    if not mutants:
        return 0

    with tempfile.TemporaryDirectory(prefix="mutation_check-") as tmp:
        copies: queue.Queue[Path] = queue.Queue()
        for job in range(max(1, args.jobs)):
            dest = Path(tmp) / f"job{job}" / "src"
            shutil.copytree(src_root, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            copies.put(dest)
        first = copies.get()
        _check_copy(first, module_rel)
        start = time.monotonic()
        baseline = _run_tests(first, tests, timeout=args.timeout or 600)
        baseline_seconds = time.monotonic() - start
        copies.put(first)
        if baseline != "survived":
            print(f"mutation_check: the tests do not pass on the unmutated source ({baseline})")
            return 2
        timeout = args.timeout or 5 * baseline_seconds + 10
        print(f"baseline passes in {baseline_seconds:.1f} s; timeout per mutant {timeout:.0f} s")

        def run_one(mutant: Mutant) -> Outcome:
            src_copy = copies.get()
            target = src_copy / module_rel
            try:
                target.write_text(apply_mutant(source, mutant), encoding="utf-8")
                began = time.monotonic()
                status = _run_tests(src_copy, tests, timeout)
                return Outcome(mutant, status, time.monotonic() - began)
            finally:
                target.write_text(source, encoding="utf-8")
                copies.put(src_copy)

        outcomes: list[Outcome] = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for n, outcome in enumerate(pool.map(run_one, mutants), start=1):
                outcomes.append(outcome)
                mark = {"killed": ".", "survived": "S", "timeout": "T"}[outcome.status]
                print(mark, end="\n" if n % 60 == 0 else "", flush=True)
        print()

    killed = sum(o.status == "killed" for o in outcomes)
    timeouts = sum(o.status == "timeout" for o in outcomes)
    survivors = [o.mutant for o in outcomes if o.status == "survived"]
    rate = 100.0 * (killed + timeouts) / len(outcomes)
    print(
        f"killed {killed}, survived {len(survivors)}, timeout {timeouts} of {len(outcomes)}: "
        f"kill rate {rate:.1f}% (a timeout counts as killed)"
    )
    if survivors:
        print("survivors (each a missing test or an equivalent change to explain):")
        for m in survivors:
            print(f"  {m.describe(shown)}")
    if args.fail_under is not None and rate < args.fail_under:
        print(f"kill rate {rate:.1f}% is below --fail-under {args.fail_under:g}%")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
