"""The package's layers hold (docs/architecture.md): import contracts, one cycle, few local imports.

The contracts are in pyproject.toml (``[tool.importlinter]``) and run here through import-linter,
so a wrong import fails the suite. The cycle count and the function-local imports are measured
from the source with grimp and the ``ast`` module.
"""

from __future__ import annotations

import ast
import pathlib
import tomllib

import grimp
import pytest
from importlinter import configuration
from importlinter.application.use_cases import lint_imports

configuration.configure()  # import-linter's readers and graph builder, as its command line sets

ROOT = pathlib.Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "regimen_calc"

#: The one documented upward import: ``Regimen.schedule(patient)`` calls the engine.
UPWARD = ("regimen_calc.model.regimen", "regimen_calc.engine.schedule")

#: Every import of the package's own modules inside a function, with why it waits (each line also
#: carries the reason as a comment above the import).
LOCAL_IMPORTS = {
    ("cli/forecast.py", "regimen_calc.cohort.forecast"),  # only the forecast command loads cohort
    ("cli/forecast.py", "regimen_calc.io.patients_csv"),  # it imports cohort: the same reason
    ("model/regimen.py", "regimen_calc.engine.schedule"),  # the documented upward convenience
}


def _module_names() -> list[str]:
    names = []
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(names)


def test_the_import_contracts_hold(tmp_path: pathlib.Path) -> None:
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)


def test_the_layers_contract_notices_an_upward_import(tmp_path: pathlib.Path) -> None:
    """Without its one documented exception the layers contract must fail: it is not vacuous."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    lines = [
        "[importlinter]",
        "root_package = regimen_calc",
        "exclude_type_checking_imports = True",
        "[importlinter:contract:layers]",
        "name = layers without the documented exception",
        "type = layers",
        "containers = regimen_calc",
        "layers =",
        *(f"    {layer}" for layer in layers["layers"]),
    ]
    ini = tmp_path / "layers.ini"
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert not lint_imports(config_filename=str(ini), cache_dir=None, no_logo=True)


#: The contract that keeps number and unit formatting out of the rule modules.
RULE_WORDING = "rule modules do not format numbers or units"
RULE_MODULES = ("policy", "safety", "tablets", "cumulative", "interactions", "labs", "schedule")


def _rule_wording_contract() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"] == RULE_WORDING)


def _forbidden_ini(
    path: pathlib.Path, sources: list[str], forbidden: list[str], *, indirect: bool
) -> str:
    lines = [
        "[importlinter]",
        "root_package = regimen_calc",
        "exclude_type_checking_imports = True",
        "[importlinter:contract:rule-wording]",
        "name = rule wording, changed",
        "type = forbidden",
        "source_modules =",
        *(f"    {m}" for m in sources),
        "forbidden_modules =",
        *(f"    {m}" for m in forbidden),
        f"allow_indirect_imports = {indirect}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_the_rule_modules_contract_names_the_rule_modules() -> None:
    contract = _rule_wording_contract()
    assert contract["type"] == "forbidden"
    assert contract["source_modules"] == [f"regimen_calc.engine.{m}" for m in RULE_MODULES]
    assert contract["forbidden_modules"] == ["regimen_calc.wording.ismp"]
    assert contract["allow_indirect_imports"] is True


def test_the_rule_modules_contract_notices_a_formatter_import(tmp_path: pathlib.Path) -> None:
    """The contract is not vacuous: with a module that imports the formatter directly among its
    sources it fails, and without its allowance for indirect imports it fails too (the rule
    modules do reach the formatter, through the wording modules)."""
    contract = _rule_wording_contract()
    sources = list(contract["source_modules"])  # type: ignore[call-overload]
    forbidden = list(contract["forbidden_modules"])  # type: ignore[call-overload]
    # wording.messages imports wording.ismp directly, as a rule module formatting numbers would.
    direct = _forbidden_ini(
        tmp_path / "direct.ini",
        [*sources, "regimen_calc.wording.messages"],
        forbidden,
        indirect=True,
    )
    assert not lint_imports(config_filename=direct, cache_dir=None, no_logo=True)
    indirect = _forbidden_ini(tmp_path / "indirect.ini", sources, forbidden, indirect=False)
    assert not lint_imports(config_filename=indirect, cache_dir=None, no_logo=True)
    # ... and as written, it holds.
    held = _forbidden_ini(tmp_path / "held.ini", sources, forbidden, indirect=True)
    assert lint_imports(config_filename=held, cache_dir=None, no_logo=True)


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("regimen_calc", exclude_type_checking_imports=True, cache_dir=None)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    # A package's __init__ is its own node; imports of a package and of its modules stay apart.
    return {
        m: {t for t in graph.find_modules_directly_imported_by(m) if t.startswith("regimen_calc")}
        for m in graph.modules
        if m.startswith("regimen_calc")
    }


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_but_the_documented_one() -> None:
    edges = _edges(_graph())
    # The top-level package re-exports the public API from every layer: it is the one module
    # allowed to import everything, and nothing inside the package imports it.
    importers = sorted(m for m, targets in edges.items() if "regimen_calc" in targets)
    assert importers == []
    assert UPWARD[1] in edges[UPWARD[0]], "the documented upward import is gone: update the docs"
    with_it = _cycles(edges)
    edges[UPWARD[0]].discard(UPWARD[1])
    assert _cycles(edges) == []
    # ... and that one import does close a cycle (the engine imports the model).
    assert len(with_it) == 1 and set(UPWARD) <= set(with_it[0])


def _local_imports() -> list[tuple[str, str, int, str]]:
    """(file, imported module, line, the line above) for every own-module import in a function."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for func in ast.walk(ast.parse(text)):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and node.level:
                    pytest.fail(f"{path}:{node.lineno}: a relative import inside a function")
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "regimen_calc"
                ):
                    target = node.module
                elif isinstance(node, ast.Import) and node.names[0].name.startswith("regimen_calc"):
                    target = node.names[0].name
                else:
                    continue
                above = lines[node.lineno - 2].strip()
                found.append((str(path.relative_to(SRC)), target, node.lineno, above))
    return found


def test_function_local_imports_are_only_the_documented_ones() -> None:
    found = _local_imports()
    assert {(file, target) for file, target, _, _ in found} == LOCAL_IMPORTS
    for file, _, line, above in found:
        # Each says why it waits, in a comment just above (consecutive imports share one).
        follows_import = above.startswith("from regimen_calc")
        assert above.startswith("#") or follows_import, f"{file}:{line}: say why in a comment"


def test_every_module_is_in_a_layer() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    named = {
        part.strip() for layer in layers["layers"] for part in layer.replace(":", "|").split("|")
    }
    for module in _module_names():
        if module in ("regimen_calc", "regimen_calc.__main__"):
            continue  # the public face and ``python -m``: above every layer
        top = module.split(".")[1]
        assert top in named, f"{module} is in no layer of the contract"
