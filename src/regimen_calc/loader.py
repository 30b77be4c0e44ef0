"""Reads regimen and overlay files: YAML in, frozen :class:`~regimen_calc.model.Regimen` out.

The only module that reads regimen files. ``yaml.safe_load`` semantics only (a SafeLoader that
also refuses aliases and deep nesting); one strict cattrs converter; every problem of a file is
reported at once with the file and the path inside it.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import cattrs
import yaml
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, override

from . import _parsing
from .errors import LoadError, Problem
from .model import (
    FREQUENCIES,
    STATUSES,
    Component,
    Condition,
    CycleInfo,
    DoseSpec,
    DoseStep,
    Infusion,
    ProtocolInteractionRule,
    Provenance,
    Reference,
    Regimen,
    SequenceRule,
)

__all__ = [
    "available_regimens",
    "bundled_regimen_dir",
    "load_regimen",
    "validate_file",
]

#: Largest regimen or overlay file accepted, in bytes. Real regimens are a few kilobytes.
MAX_FILE_BYTES = 256 * 1024
#: Deepest nesting of mappings and lists accepted.
MAX_DEPTH = 20
#: Longest ``extends`` chain accepted.
MAX_EXTENDS = 8

#: Fields whose value may be written as ``{value: ..., status: ..., source: ..., note: ...}``.
PROVENANCE_FIELDS = ("dose", "steps", "route", "days", "frequency", "infusion", "sequence",
                     "conditions", "drug", "interaction_rule")
CYCLE_FIELDS = ("length_days", "max_cycles")
_WRAPPER_KEYS = frozenset({"value", "status", "source", "note", "required"})

#: Routes a regimen may name (codes; the printed names come from formatting.route_name).
ROUTES = ("IV", "subcut", "PO", "IM")


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (no alias bombs) and nesting deeper than MAX_DEPTH."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None,
                "aliases (*name) are not allowed in regimen files; use 'extends' to reuse a regimen",
                event.start_mark,
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise yaml.MarkedYAMLError(
                None, None, f"nesting deeper than {MAX_DEPTH} levels", self.peek_event().start_mark
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _read_yaml(path: Path) -> Any:
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError([Problem(str(path), "", f"cannot read the file ({exc.strerror})")]) from None
    if size > MAX_FILE_BYTES:
        raise LoadError([Problem(name, "", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError([Problem(name, "", f"cannot read the file as UTF-8 text ({exc})")]) from None
    loader = _GuardedLoader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else ""
        raise LoadError([Problem(name, where, str(exc.problem or exc.context))]) from None
    except yaml.YAMLError as exc:
        raise LoadError([Problem(name, "", f"not valid YAML ({exc})")]) from None
    except RecursionError:
        raise LoadError([Problem(name, "", f"nesting deeper than {MAX_DEPTH} levels")]) from None
    finally:
        loader.dispose()


# --------------------------------------------------------------------------------------------
# The one converter: strict scalars, unknown keys refused, unit checks in structure hooks.

def _strict(kind: type, words: str):  # noqa: ANN202 - a cattrs hook factory
    def hook(value: object, _: type) -> object:
        if isinstance(value, bool) and kind is not bool:
            raise TypeError(f"expected {words}, found {value!r}")
        if kind is float and isinstance(value, int | float):
            return float(value)
        if not isinstance(value, kind):
            raise TypeError(f"expected {words}, found {value!r}")
        return value

    return hook


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(str, _strict(str, "text"))
    conv.register_structure_hook(int, _strict(int, "a whole number"))
    conv.register_structure_hook(float, _strict(float, "a number"))
    conv.register_structure_hook(bool, _strict(bool, "true or false"))

    def dose_hook(value: object, _: type) -> DoseSpec:
        return _parsing.parse_dose(value)

    conv.register_structure_hook_func(lambda t: t == DoseSpec, dose_hook)
    conv.register_structure_hook_func(
        lambda t: t == DoseSpec | None, lambda v, _: None if v is None else dose_hook(v, _)
    )

    def tuple_of_str(value: object, _: type) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TypeError(f"expected a list of text, found {value!r}")
        return tuple(value)

    conv.register_structure_hook_func(lambda t: t == tuple[str, ...], tuple_of_str)

    def cls_fn(cls: type, **overrides: Any) -> None:
        conv.register_structure_hook(
            cls,
            make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True, **overrides),
        )

    cls_fn(DoseStep, days=override(struct_hook=lambda v, _: _parsing.parse_days(v)))
    cls_fn(Infusion, duration=override(struct_hook=lambda v, _: _parsing.parse_quantity(v, "time", "2 h")))
    cls_fn(SequenceRule, offset=override(struct_hook=lambda v, _: _parsing.parse_quantity(v, "time", "2 h")))
    mass = override(struct_hook=lambda v, _: None if v is None else _parsing.parse_quantity(v, "mass", "100 mg"))
    cls_fn(ProtocolInteractionRule, strong=mass, moderate=mass)
    cls_fn(Component, days=override(struct_hook=lambda v, _: _parsing.parse_days(v)))
    return conv


_CONVERTER = _make_converter()


def _walk(exc: BaseException, path: str, out: list[tuple[str, str]]) -> None:
    """Flatten cattrs' exception groups into (path, message) pairs."""
    if isinstance(exc, IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            _walk(inner, f"{path}[{note.index!r}]" if isinstance(note.index, str) else f"{path}[{note.index}]", out)
        for inner in without:
            _walk(inner, path, out)
    elif isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            _walk(inner, f"{path}.{note.name}" if path else note.name, out)
        for inner in without:
            _walk(inner, path, out)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            out.append((f"{path}.{key}" if path else key, "unknown key (check the spelling; see docs/regimen-format.md)"))
    elif isinstance(exc, KeyError):
        out.append((path, "required, but missing"))
    elif isinstance(exc, ExceptionGroup):
        for inner in exc.exceptions:
            _walk(inner, path, out)
    else:
        message = str(exc) or type(exc).__name__
        # cattrs' own messages for Literal values are terse; say what is allowed.
        out.append((path, message))


# --------------------------------------------------------------------------------------------
# Raw (dict) level: extends, overlays, provenance wrappers.


def _is_wrapper(value: object) -> bool:
    return isinstance(value, dict) and "status" in value and set(value) <= _WRAPPER_KEYS


def _unwrap_provenance(raw: dict, fields: Sequence[str], path: str, problems: list[tuple[str, str]]) -> None:
    """Move ``{value, status, source, note}`` wrappers into raw['provenance'] (in place)."""
    prov: dict[str, dict] = {}
    for field in fields:
        if field not in raw or not _is_wrapper(raw[field]):
            continue
        wrapper = raw.pop(field)
        status = wrapper.get("status")
        if status not in STATUSES:
            problems.append((f"{path}.{field}.status", f"expected one of {', '.join(STATUSES)}, found {status!r}"))
            continue
        if status == "not_stated" and "value" in wrapper:
            problems.append((f"{path}.{field}", "a not_stated value cannot have a value; use status 'assumed' with the related source"))
        if status in ("assumed", "site") and "value" not in wrapper:
            problems.append((f"{path}.{field}", f"status {status!r} needs a value"))
        if status == "assumed" and not wrapper.get("source"):
            problems.append((f"{path}.{field}.source", "an assumed value must name the related source it was taken from"))
        if "value" in wrapper:
            raw[field] = wrapper["value"]
        prov[field] = {k: v for k, v in wrapper.items() if k != "value"}
    if prov:
        raw["provenance"] = prov


def _merge_by_id(parent: list, child: list, what: str) -> list:
    merged = [copy.deepcopy(item) for item in parent]
    index = {item.get("id"): i for i, item in enumerate(merged) if isinstance(item, dict)}
    removed: set[int] = set()
    for item in child:
        if not isinstance(item, dict) or "id" not in item:
            merged.append(copy.deepcopy(item))
            continue
        i = index.get(item["id"])
        if item.get("remove") is True:
            if i is None:
                raise _RawProblem(f"cannot remove {what} {item['id']!r}: the base regimen has none")
            removed.add(i)
        elif i is None:
            merged.append(copy.deepcopy(item))
        else:
            merged[i] = {**merged[i], **copy.deepcopy(item)}
    return [item for i, item in enumerate(merged) if i not in removed]


class _RawProblem(Exception):
    """A problem found while merging raw data (extends, overlays)."""


def _extend(parent: dict, child: dict) -> dict:
    """What a regimen that ``extends`` another means, written out: the base with the child's changes."""
    out = {k: copy.deepcopy(v) for k, v in parent.items() if k not in ("aliases", "extends")}
    for key, value in child.items():
        if key == "components":
            out["components"] = _merge_by_id(parent.get("components", []), value, "component")
        elif key == "references":
            out["references"] = _merge_by_id(parent.get("references", []), value, "reference")
        elif key == "cycle" and isinstance(value, dict) and isinstance(parent.get("cycle"), dict):
            out["cycle"] = {**parent["cycle"], **copy.deepcopy(value)}
        else:
            out[key] = copy.deepcopy(value)
    return out


# --------------------------------------------------------------------------------------------
# Finding files.


def bundled_regimen_dir() -> Path:
    """The folder of the regimens shipped with the package."""
    return Path(str(resources.files(__package__) / "regimens"))


def _search_dirs(extra: Iterable[os.PathLike[str] | str] = ()) -> list[Path]:
    dirs = [Path(d) for d in extra]
    env = os.environ.get("REGIMEN_CALC_PATH")
    if env:
        dirs += [Path(p) for p in env.split(os.pathsep) if p]
    return [*dirs, bundled_regimen_dir()]


@functools.lru_cache(maxsize=16)
def _index(dirs: tuple[Path, ...]) -> dict[str, Path]:
    """Map each lower-cased id and alias to its file (earlier folders win)."""
    found: dict[str, Path] = {}
    for folder in reversed(dirs):
        for path in sorted(folder.glob("*.yaml")):
            try:
                raw = _read_yaml(path)
            except LoadError:
                continue
            if not isinstance(raw, dict) or "overlay_for" in raw:
                continue
            names = [raw.get("id"), *(raw.get("aliases") or [])]
            for name in names:
                if isinstance(name, str):
                    found[name.lower()] = path
    return found


def available_regimens(*, search_path: Sequence[os.PathLike[str] | str] = ()) -> tuple[str, ...]:
    """The ids of the regimens that can be loaded by name (bundled first, then site folders)."""
    ids = []
    for folder in _search_dirs(search_path):
        for path in sorted(folder.glob("*.yaml")):
            try:
                raw = _read_yaml(path)
            except LoadError:
                continue
            if isinstance(raw, dict) and isinstance(raw.get("id"), str) and "overlay_for" not in raw:
                ids.append(raw["id"])
    return tuple(dict.fromkeys(ids))


def _resolve(name: str | os.PathLike[str], dirs: Sequence[Path]) -> Path:
    text = os.fspath(name)
    if text.endswith((".yaml", ".yml")) or os.sep in text:
        return Path(text)
    path = _index(tuple(dirs)).get(text.lower())
    if path is None:
        import difflib

        names = sorted(_index(tuple(dirs)))
        close = difflib.get_close_matches(text.lower(), names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; available: {', '.join(available_regimens())}"
        raise LoadError([Problem(text, "", f"no regimen with this id or alias{hint}")])
    return path


# --------------------------------------------------------------------------------------------
# Loading.


def _load_raw(path: Path, dirs: Sequence[Path], chain: tuple[str, ...] = ()) -> dict:
    raw = _read_yaml(path)
    name = path.name
    if not isinstance(raw, dict):
        raise LoadError([Problem(name, "", f"expected a mapping of regimen fields, found {type(raw).__name__}")])
    if "overlay_for" in raw:
        raise LoadError([Problem(name, "", "this is a site overlay; pass it as overlays=[...] to load_regimen")])
    base = raw.get("extends")
    if base is None:
        return raw
    if not isinstance(base, str):
        raise LoadError([Problem(name, "extends", f"expected a regimen id, found {base!r}")])
    if base.lower() in chain or len(chain) >= MAX_EXTENDS:
        raise LoadError([Problem(name, "extends", f"circular or too long 'extends' chain: {' -> '.join([*chain, base])}")])
    parent = _load_raw(_resolve(base, dirs), dirs, (*chain, str(raw.get("id", name)).lower()))
    try:
        merged = _extend(parent, raw)
    except _RawProblem as exc:
        raise LoadError([Problem(name, "components", str(exc))]) from None
    merged["extends"] = base
    return merged


def _apply_overlay(raw: dict, overlay_path: Path) -> tuple[dict, dict]:
    """Apply a site overlay: its values replace the regimen's and are marked status 'site'."""
    data = _read_yaml(overlay_path)
    name = overlay_path.name
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise LoadError([Problem(name, "", "expected a mapping with overlay_for, source and components")])
    allowed = {"overlay_for", "site", "source", "components", "cycle", "notes"}
    for key in sorted(set(data) - allowed):
        problems.append(Problem(name, key, "unknown key in a site overlay"))
    target = data.get("overlay_for")
    ids = [raw.get("id"), *(raw.get("aliases") or [])]
    if not isinstance(target, str) or target.lower() not in [str(i).lower() for i in ids]:
        problems.append(Problem(name, "overlay_for", f"expected the id of the regimen it changes ({raw.get('id')!r}), found {target!r}"))
    source = data.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("id"), str) or not isinstance(source.get("title"), str):
        problems.append(Problem(name, "source", "expected the site's source document: {id: ..., title: ...}"))
    if problems:
        raise LoadError(problems)
    site_ref = {"kind": "site", **source}
    out = copy.deepcopy(raw)
    by_id = {c.get("id"): c for c in out.get("components", []) if isinstance(c, dict)}
    for i, comp in enumerate(data.get("components") or []):
        if not isinstance(comp, dict) or comp.get("id") not in by_id:
            problems.append(Problem(name, f"components[{i}].id", f"expected the id of one of the regimen's components ({', '.join(map(str, by_id))}), found {comp.get('id') if isinstance(comp, dict) else comp!r}"))
            continue
        target_comp = by_id[comp["id"]]
        for key, value in comp.items():
            if key == "id":
                continue
            if key not in PROVENANCE_FIELDS:
                problems.append(Problem(name, f"components[{i}].{key}", f"an overlay may set only {', '.join(PROVENANCE_FIELDS)}"))
                continue
            if key == "steps":
                target_comp.pop("dose", None)
                if "days" not in comp and isinstance(value, list):
                    step_days = [s.get("days") for s in value if isinstance(s, dict)]
                    target_comp["days"] = {"value": step_days, "status": "site", "source": source["id"]}
            if key == "dose":
                target_comp.pop("steps", None)
            target_comp[key] = {"value": value, "status": "site", "source": source["id"]}
    cycle = data.get("cycle") or {}
    if cycle:
        out_cycle = out.setdefault("cycle", {})
        for key, value in cycle.items():
            if key not in CYCLE_FIELDS:
                problems.append(Problem(name, f"cycle.{key}", f"expected one of {', '.join(CYCLE_FIELDS)}"))
                continue
            out_cycle[key] = {"value": value, "status": "site", "source": source["id"]}
    if problems:
        raise LoadError(problems)
    refs = [r for r in out.get("references", []) if not (isinstance(r, dict) and r.get("id") == source["id"])]
    out["references"] = [*refs, site_ref]
    return out, site_ref


def _structure(raw: dict, name: str) -> Regimen:
    problems: list[tuple[str, str]] = []
    raw = copy.deepcopy(raw)
    raw.pop("remove", None)
    for i, comp in enumerate(raw.get("components") or []):
        if isinstance(comp, dict):
            comp.pop("remove", None)
            _unwrap_provenance(comp, PROVENANCE_FIELDS, f"components[{i}]", problems)
    if isinstance(raw.get("cycle"), dict):
        _unwrap_provenance(raw["cycle"], CYCLE_FIELDS, "cycle", problems)
    try:
        regimen = _CONVERTER.structure(raw, Regimen)
    except (ClassValidationError, IterableValidationError) as exc:
        _walk(exc, "", problems)
        regimen = None
    except (TypeError, ValueError, AttributeError) as exc:  # a mis-shaped top level
        problems.append(("", f"expected a mapping of regimen fields ({exc})"))
        regimen = None
    if regimen is not None:
        problems += _check(regimen)
    if problems:
        raise LoadError([Problem(name, path, message) for path, message in problems])
    assert regimen is not None
    return regimen


def _check(reg: Regimen) -> list[tuple[str, str]]:
    """Rules that span fields: the converter checks each value; this checks how they fit."""
    out: list[tuple[str, str]] = []
    ref_ids = {r.id for r in reg.references}
    ids = [c.id for c in reg.components]
    if not reg.components:
        out.append(("components", "expected at least one component"))
    for i, comp in enumerate(reg.components):
        at = f"components[{i}]"
        if ids.count(comp.id) > 1:
            out.append((f"{at}.id", f"component id {comp.id!r} is used more than once"))
        dose_prov = comp.provenance.get(comp.dose_field) or comp.provenance.get("dose")
        dose_missing = dose_prov is not None and dose_prov.status == "not_stated"
        if comp.dose is not None and comp.steps:
            out.append((at, "give either 'dose' or 'steps', not both"))
        if comp.dose is None and not comp.steps and not dose_missing:
            out.append((f"{at}.dose", "required: a dose such as '5 mg/m^2', or 'steps', or {status: not_stated}"))
        if comp.steps:
            step_days = [d for s in comp.steps for d in s.days]
            if len(set(step_days)) != len(step_days):
                out.append((f"{at}.steps", "a day appears in more than one step"))
            if not comp.days:
                pass  # days follow from the steps (set below by the caller's view)
            elif set(step_days) != set(comp.days):
                out.append((f"{at}.steps", f"the steps' days {sorted(step_days)} differ from the component's days {list(comp.days)}"))
            if len({type(s.dose) for s in comp.steps}) > 1:
                out.append((f"{at}.steps", "every step must use the same dose basis"))
        days_prov = comp.provenance.get("days")
        if not comp.days and not comp.steps and not (days_prov and days_prov.status == "not_stated"):
            out.append((f"{at}.days", "required: the days this drug is given, such as '1-5'"))
        if comp.frequency not in FREQUENCIES:
            out.append((f"{at}.frequency", f"expected one of {', '.join(FREQUENCIES)}, found {comp.frequency!r}"))
        if comp.route is not None and comp.route not in ROUTES:
            out.append((f"{at}.route", f"expected one of {', '.join(ROUTES)}, found {comp.route!r}"))
        if comp.sequence is not None and comp.sequence.after not in ids:
            out.append((f"{at}.sequence.after", f"expected the id of another component ({', '.join(ids)}), found {comp.sequence.after!r}"))
        if comp.sequence is not None and comp.sequence.after == comp.id:
            out.append((f"{at}.sequence.after", "a component cannot follow itself"))
        for field, prov in [("", Provenance(status=comp.status, source=comp.source)), *comp.provenance.items()]:
            if prov.source is not None and prov.source not in ref_ids:
                where = f"{at}.{field}.source" if field else f"{at}.source"
                out.append((where, f"expected the id of one of the regimen's references ({', '.join(sorted(ref_ids))}), found {prov.source!r}"))
        if comp.status == "stated" and comp.source is None:
            out.append((f"{at}.source", "a component needs the id of the reference that states it"))
    for field, prov in reg.cycle.provenance.items():
        if prov.source is not None and prov.source not in ref_ids:
            out.append((f"cycle.{field}.source", f"expected the id of one of the regimen's references, found {prov.source!r}"))
    return out


def _with_step_days(reg: Regimen) -> Regimen:
    comps = []
    for comp in reg.components:
        if comp.steps and not comp.days:
            comp = attrs.evolve(comp, days=tuple(sorted(d for s in comp.steps for d in s.days)))
        comps.append(comp)
    return attrs.evolve(reg, components=tuple(comps))


def load_regimen(
    name_or_path: str | os.PathLike[str],
    *,
    overlays: Sequence[str | os.PathLike[str]] = (),
    search_path: Sequence[str | os.PathLike[str]] = (),
) -> Regimen:
    """Load a regimen by id or alias (any case) or from a YAML file, with optional site overlays.

    Args:
        name_or_path: a bundled or site regimen's id or alias, or a path to a ``.yaml`` file.
        overlays: site overlay files that supply or replace values (marked status ``site``).
        search_path: extra folders of site regimens, searched before the bundled ones (the
            ``REGIMEN_CALC_PATH`` environment variable adds more).

    Raises:
        LoadError: listing every problem found, each with its file and path.
    """
    if not isinstance(name_or_path, str | os.PathLike):
        raise LoadError([Problem(repr(name_or_path), "", "expected a regimen id or a path to a YAML file")])
    dirs = _search_dirs(search_path)
    path = _resolve(name_or_path, dirs)
    raw = _load_raw(path, dirs)
    names = []
    for overlay in overlays:
        raw, _ = _apply_overlay(raw, Path(overlay))
        names.append(Path(overlay).name)
    raw["overlays"] = names
    regimen = _with_step_days(_structure(raw, path.name))
    return attrs.evolve(regimen, file=str(path))


def validate_file(path: str | os.PathLike[str]) -> Regimen:
    """Check one regimen file without scheduling it; returns the regimen or raises LoadError."""
    return load_regimen(Path(path))


def regimen_to_raw(path: str | os.PathLike[str]) -> dict:
    """The file's data with ``extends`` written out (what the regimen means, before structuring)."""
    p = Path(path)
    return _load_raw(p, _search_dirs())
