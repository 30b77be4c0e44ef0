"""Reads regimen and overlay files: YAML in, a frozen
:class:`~regimen_calc.model.regimen.Regimen` out.

The only module that reads regimen files, through the library's one guarded reader
(``content.yaml_reader``: bounded regular files only; a SafeLoader that also refuses aliases,
duplicate and merge keys, explicit tags, deep nesting and YAML 1.1's surprising numbers such as
``1:5`` = 65); one strict cattrs converter; every problem of a file is reported at once with the
file and the path inside it. The format is documented in ``docs/regimen-format.md`` and described
by the JSON Schema ``schema/regimen.schema.json``.
"""

from __future__ import annotations

import copy
import functools
import math
import os
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from regimen_calc.content.catalog import drug_info, known_drugs
from regimen_calc.content.yaml_reader import GuardedLoader, read_yaml
from regimen_calc.engine.labs import lab_table
from regimen_calc.engine.safety import check_regimen_doses
from regimen_calc.errors import InputError, LoadError, Problem
from regimen_calc.model import parsing as _parsing
from regimen_calc.model.regimen import (
    CONFIDENCES,
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
    SourceFile,
)
from regimen_calc.wording.ismp import format_quantity

__all__ = [
    "available_regimens",
    "bundled_regimen_dir",
    "load_regimen",
    "search_problems",
    "validate_file",
]

#: Largest regimen or overlay file accepted, in bytes. Real regimens are a few kilobytes.
MAX_FILE_BYTES = 256 * 1024
#: Deepest nesting of mappings and lists accepted.
MAX_DEPTH = 20
#: Longest ``extends`` chain accepted.
MAX_EXTENDS = 8


def _name_key(text: str) -> str:
    """How a regimen id or alias is compared: in any case, and by what it looks like.

    NFKC folds compatibility forms (full-width ``ＣＬＡＧ``, ligatures, superscripts) into the
    letters they show, so a site file cannot claim a name that reads as a bundled one.
    """
    return unicodedata.normalize("NFKC", text).casefold()


#: Fields whose value may be written as ``{value: ..., status: ..., source: ..., note: ...}``.
PROVENANCE_FIELDS = (
    "dose",
    "steps",
    "route",
    "days",
    "frequency",
    "infusion",
    "sequence",
    "conditions",
    "drug",
    "interaction_rule",
)
CYCLE_FIELDS = ("length_days", "max_cycles")
#: The cycle key that says how ``max_cycles`` is given ("up to N" or exactly N); a plain value.
CYCLE_BOUND = "max_cycles_bound"
#: Largest values of the cycle fields: a cycle of more than 400 days (the last day a regimen may
#: use) or more than 100 cycles is a typing error, not a regimen; write ``not_stated`` instead.
CYCLE_LIMITS = {"length_days": _parsing.MAX_DAY, "max_cycles": 100}
#: Longest infusion per frequency: the time between two doses (a q12h infusion cannot run past
#: the next dose), and for a single dose seven days, the longest continuous infusion in AML use
#: (cytarabine over 7 days in "7+3").
MAX_INFUSION_HOURS = {"q12h": 12, "daily": 24, "once": 7 * 24}
#: Largest offset of one component after another, in hours: both are given on the same day.
MAX_OFFSET_HOURS = 24
_WRAPPER_KEYS = frozenset({"value", "status", "source", "note", "required", "confidence"})

#: Routes a regimen may name (codes; the printed names come from wording.ismp.route_name).
ROUTES = ("IV", "subcut", "PO", "IM")

#: Keys a site overlay may have, and the keys of its ``source``.
OVERLAY_KEYS = ("overlay_for", "site", "source", "components", "cycle", "notes")
SOURCE_KEYS = ("id", "title", "url", "doi", "file", "note")

_UNKNOWN_KEY = "unknown key (check the spelling; see docs/regimen-format.md)"

_Found = list[tuple[str, str]]  # (path inside the file, message)


# --------------------------------------------------------------------------------------------
# Reading YAML (the guards are in content.yaml_reader, shared with policy and data files).


class _RegimenLoader(GuardedLoader):
    """The shared guarded SafeLoader, with the regimen files' nesting limit."""

    max_depth = MAX_DEPTH


def _read_yaml(path: Path) -> Any:
    """A regimen or overlay file's data (see :func:`_read_with_hash` for its content hash).

    Raises:
        LoadError: unreadable, not a regular file, too large, not UTF-8, not valid YAML, or
            refused by a guard (duplicate or merge key, explicit tag, alias, control character).
    """
    return _read_with_hash(path)[0]


def _read_with_hash(path: Path) -> tuple[Any, str]:
    return read_yaml(path, loader_class=_RegimenLoader, max_bytes=MAX_FILE_BYTES)


# --------------------------------------------------------------------------------------------
# The one converter: strict scalars, unknown keys refused, unit checks in structure hooks.


def _strict(kind: type, words: str) -> Callable[[object, type], object]:
    def hook(value: object, _: type) -> object:
        if isinstance(value, bool) and kind is not bool:
            raise TypeError(f"expected {words}, found {value!r}")
        if kind is float and isinstance(value, int | float):
            if not math.isfinite(value):
                raise ValueError(f"expected {words}, found {value!r}")
            return float(value)
        if not isinstance(value, kind):
            raise TypeError(f"expected {words}, found {value!r}")
        return value

    return hook


def _one_of(allowed: Sequence[str], value: object) -> str:
    if isinstance(value, str) and value in allowed:
        return value
    raise ValueError(f"expected one of {', '.join(allowed)}, found {value!r}")


def _route_hook(value: object, _: type) -> str | None:
    return None if value is None else _one_of(ROUTES, value)


def _frequency_hook(value: object, _: type) -> str:
    return _one_of(tuple(FREQUENCIES), value)


def _drug_hook(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {value!r}")
    drugs = known_drugs()
    if value not in drugs:
        close = _close_drugs(value, drugs)
        hint = (
            f"did you mean {' or '.join(map(repr, close))}?"
            if close
            else f"known: {', '.join(drugs)}"
        )
        raise ValueError(f"expected a generic name from the drug catalog, found {value!r}; {hint}")
    return value


def _close_drugs(name: str, drugs: Sequence[str]) -> list[str]:
    """Catalog names close to ``name``, best first; word order does not matter.

    'liposomal mitoxantrone' must lead to 'mitoxantrone liposome' (its own drug), not only to
    'mitoxantrone', whose doses are not interchangeable with it.
    """

    import difflib  # only on an error: kept off the start-up path

    def words(text: str) -> str:
        return " ".join(sorted(re.findall(r"[a-z]+", text.lower())))

    def score(drug: str) -> float:
        plain = difflib.SequenceMatcher(None, name.lower(), drug).ratio()
        by_words = difflib.SequenceMatcher(None, words(name), words(drug)).ratio()
        return max(plain, by_words)

    ranked = sorted(((score(d), d) for d in drugs), key=lambda t: -t[0])
    return [d for s, d in ranked if s >= 0.6][:2]


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(str, _strict(str, "text"))
    conv.register_structure_hook(int, _strict(int, "a whole number"))
    conv.register_structure_hook(float, _strict(float, "a finite number"))
    conv.register_structure_hook(bool, _strict(bool, "true or false"))

    def dose_hook(value: object, _: type) -> DoseSpec:
        return _parsing.parse_dose(value)

    conv.register_structure_hook_func(lambda t: t == DoseSpec, dose_hook)
    conv.register_structure_hook_func(
        lambda t: t == DoseSpec | None, lambda v, _: None if v is None else dose_hook(v, _)
    )

    def literal_hook(value: object, t: Any) -> object:
        allowed = get_args(t)
        if isinstance(value, Hashable) and not isinstance(value, bool) and value in allowed:
            return value
        raise ValueError(f"expected one of {', '.join(map(str, allowed))}, found {value!r}")

    conv.register_structure_hook_func(lambda t: get_origin(t) is Literal, literal_hook)

    def tuple_of_str(value: object, _: type) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TypeError(f"expected a list of text, found {value!r}")
        return tuple(value)

    conv.register_structure_hook_func(lambda t: t == tuple[str, ...], tuple_of_str)

    def is_tuple_of_classes(t: Any) -> bool:
        args = get_args(t)
        return (
            get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis and attrs.has(args[0])
        )

    def tuple_of_classes(value: object, t: Any) -> tuple[Any, ...]:
        item_type = get_args(t)[0]
        if not isinstance(value, list):
            raise TypeError(f"expected a list, found {value!r}")
        out, errors = [], []
        for i, item in enumerate(value):
            try:
                out.append(conv.structure(item, item_type))
            except Exception as exc:  # collected and reported with their index, never lost
                exc.__notes__ = [
                    *getattr(exc, "__notes__", []),
                    IterableValidationNote(f"item {i}", i, item_type),
                ]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {t!r}", errors, t)
        return tuple(out)

    conv.register_structure_hook_func(is_tuple_of_classes, tuple_of_classes)

    def cls_fn(cls: type, what: str, **overrides: Any) -> None:
        fn = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True, **overrides)

        def hook(value: object, t: type) -> Any:
            if not isinstance(value, dict):
                raise TypeError(f"expected {what} (a mapping of key: value), found {value!r}")
            return fn(value, t)

        conv.register_structure_hook(cls, hook)

    def quantity(dimension: str, example: str, optional: bool = False) -> Any:
        def hook(v: object, _: type) -> Any:
            return (
                None if optional and v is None else _parsing.parse_quantity(v, dimension, example)
            )

        return override(struct_hook=hook)

    days = override(struct_hook=lambda v, _: _parsing.parse_days(v))
    cls_fn(Provenance, "a provenance record")
    cls_fn(Reference, "a reference {id, kind, title}")
    cls_fn(CycleInfo, "the cycle {length_days, max_cycles, max_cycles_bound}")
    cls_fn(Condition, "a condition {kind, lab, operator, threshold, unit, text}")
    cls_fn(DoseStep, "a step {days, dose}", days=days)
    cls_fn(Infusion, "an infusion {duration, at_least}", duration=quantity("time", "2 h"))
    cls_fn(SequenceRule, "a sequence {after, anchor, offset}", offset=quantity("time", "2 h"))
    mass = quantity("mass", "100 mg", optional=True)
    cls_fn(
        ProtocolInteractionRule,
        "an interaction rule {strong, moderate, text, source}",
        strong=mass,
        moderate=mass,
    )
    cls_fn(
        Component,
        "a component {id, drug, dose, days, ...}",
        days=days,
        drug=override(struct_hook=_drug_hook),
        route=override(struct_hook=_route_hook),
        frequency=override(struct_hook=_frequency_hook),
    )
    cls_fn(Regimen, "a mapping of regimen fields")
    return conv


_CONVERTER = _make_converter()


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _walk(exc: BaseException, path: str, out: _Found) -> None:
    """Flatten cattrs' exception groups into (path, message) pairs."""
    if isinstance(exc, IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            _walk(inner, f"{path}[{note.index}]", out)
        for inner in without:
            _walk(inner, path, out)
    elif isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            _walk(inner, _join(path, note.name), out)
        for inner in without:
            _walk(inner, path, out)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(map(str, exc.extra_fields)):
            out.append((_join(path, key), _UNKNOWN_KEY))
    elif isinstance(exc, KeyError):
        out.append((path, "required, but missing"))
    elif isinstance(exc, ExceptionGroup):
        for inner in exc.exceptions:
            _walk(inner, path, out)
    else:
        out.append((path, str(exc) or type(exc).__name__))


# --------------------------------------------------------------------------------------------
# Raw (dict) level: extends, overlays, provenance wrappers.


def _looks_like_wrapper(value: object) -> bool:
    """A mapping meant as ``{value, status, ...}``: it has a status, or only wrapper keys."""
    if not isinstance(value, dict):
        return False
    keys = set(value)
    return "status" in keys or ("value" in keys and keys <= _WRAPPER_KEYS)


def _unwrap_provenance(raw: dict, fields: Sequence[str], path: str, problems: _Found) -> None:
    """Move ``{value, status, source, note, required}`` wrappers into raw['provenance'].

    Works in place; problems are appended to ``problems``.
    """
    prov: dict[str, dict] = {}
    for field in fields:
        if field not in raw or not _looks_like_wrapper(raw[field]):
            continue
        wrapper = raw.pop(field)
        at = f"{path}.{field}" if path else field
        ok = True
        for key in sorted(map(str, set(wrapper) - _WRAPPER_KEYS)):
            problems.append(
                (
                    f"{at}.{key}",
                    "unknown key in a provenance wrapper "
                    f"(allowed: {', '.join(sorted(_WRAPPER_KEYS))})",
                )
            )
            ok = False
        status = wrapper.get("status")
        if "status" not in wrapper:
            problems.append(
                (f"{at}.status", f"required in a provenance wrapper: one of {', '.join(STATUSES)}")
            )
            ok = False
        elif not isinstance(status, str) or status not in STATUSES:
            problems.append(
                (f"{at}.status", f"expected one of {', '.join(STATUSES)}, found {status!r}")
            )
            ok = False
        for key in ("source", "note"):
            if wrapper.get(key) is not None and not isinstance(wrapper[key], str):
                problems.append((f"{at}.{key}", f"expected text, found {wrapper[key]!r}"))
                ok = False
        confidence = wrapper.get("confidence")
        if "confidence" in wrapper and (
            not isinstance(confidence, str) or confidence not in CONFIDENCES
        ):
            problems.append(
                (
                    f"{at}.confidence",
                    f"expected one of {', '.join(CONFIDENCES)} (the clinical reference's "
                    f"confidence key), found {confidence!r}",
                )
            )
            ok = False
        required = wrapper.get("required", False)
        if not isinstance(required, bool):
            problems.append((f"{at}.required", f"expected true or false, found {required!r}"))
            ok = False
        if "value" in wrapper:
            raw[field] = wrapper["value"]
        if not ok:
            continue
        if status == "not_stated" and "value" in wrapper:
            problems.append(
                (
                    at,
                    "a not_stated value cannot have a value; "
                    "use status 'assumed' with the related source",
                )
            )
        if status in ("stated", "assumed", "site") and "value" not in wrapper:
            problems.append((at, f"status {status!r} needs a value"))
        if status in ("assumed", "site") and not wrapper.get("source"):
            kind = (
                "the related source it was taken from"
                if status == "assumed"
                else "the site's source"
            )
            problems.append((f"{at}.source", f"an {status} value must name {kind}"))
        if "confidence" in wrapper and status == "not_stated":
            problems.append(
                (
                    f"{at}.confidence",
                    "a not_stated value has no value to grade; give the confidence of a value",
                )
            )
        if required and status not in ("not_stated", "site"):
            problems.append(
                (f"{at}.required", "only a not_stated value can be required from the site")
            )
        prov[field] = {k: v for k, v in wrapper.items() if k != "value"}
    if prov:
        raw["provenance"] = prov


class _Merge:
    """Merges a child's list (components or references) into its base's list by ``id``."""

    def __init__(self, what: str, key: str, problems: _Found) -> None:
        self.what, self.key, self.problems = what, key, problems

    def __call__(self, parent: object, child: object) -> list:
        if not isinstance(child, list):
            self.problems.append((self.key, f"expected a list of {self.what}s, found {child!r}"))
            return []
        merged = [copy.deepcopy(item) for item in parent] if isinstance(parent, list) else []
        index = {
            item["id"]: i
            for i, item in enumerate(merged)
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        }
        removed: set[int] = set()
        for n, item in enumerate(child):
            at = f"{self.key}[{n}]"
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                merged.append(copy.deepcopy(item))  # the structuring step names what is wrong
                continue
            item = copy.deepcopy(item)
            i = index.get(item["id"])
            if "remove" in item:
                remove = item.pop("remove")
                if remove is not True:
                    self.problems.append(
                        (
                            f"{at}.remove",
                            f"expected true (to drop the base's {self.what}), found {remove!r}",
                        )
                    )
                    continue
                if i is None:
                    self.problems.append(
                        (
                            f"{at}.remove",
                            f"cannot remove {self.what} {item['id']!r}: the base regimen has "
                            f"none (it has {', '.join(index) or 'none'})",
                        )
                    )
                else:
                    removed.add(i)
            elif i is None:
                merged.append(item)
            else:
                merged[i] = {**merged[i], **item}
        return [item for i, item in enumerate(merged) if i not in removed]


def _extend(parent: dict, child: dict, problems: _Found | None = None) -> dict:
    """What a regimen that ``extends`` another means, written out: the base with its changes.

    Top-level keys of the child replace the base's; ``components`` and ``references`` merge by
    ``id`` (a child entry replaces the base entry's fields one by one, adds a new entry, or drops
    one with ``remove: true``); ``cycle`` merges key by key; ``aliases`` are never inherited.
    """
    problems = [] if problems is None else problems
    out = {k: copy.deepcopy(v) for k, v in parent.items() if k not in ("aliases", "extends")}
    for key, value in child.items():
        if key == "components":
            out["components"] = _Merge("component", key, problems)(parent.get("components"), value)
        elif key == "references":
            out["references"] = _Merge("reference", key, problems)(parent.get("references"), value)
        elif key == "cycle" and isinstance(value, dict) and isinstance(parent.get("cycle"), dict):
            out["cycle"] = {**parent["cycle"], **copy.deepcopy(value)}
        elif key != "extends":
            out[key] = copy.deepcopy(value)
    return out


# --------------------------------------------------------------------------------------------
# Finding files.


def bundled_regimen_dir() -> Path:
    """The folder of the regimens shipped with the package."""
    return Path(str(resources.files("regimen_calc") / "regimens"))


def _folders(value: object, field: str) -> list[Path]:
    if isinstance(value, str | os.PathLike):
        raise InputError(field, "a list of folders (not a single string)", value)
    try:
        dirs = [Path(d) for d in value]  # type: ignore[attr-defined]
    except TypeError:
        raise InputError(field, "a list of folders", value) from None
    for d in dirs:
        if not d.is_dir():
            raise InputError(field, "folders that exist", str(d))
    return dirs


def _search_dirs(extra: Iterable[os.PathLike[str] | str] = ()) -> list[Path]:
    dirs = _folders(extra, "search_path")
    env = os.environ.get("REGIMEN_CALC_PATH")
    if env:
        dirs += _folders([p for p in env.split(os.pathsep) if p], "REGIMEN_CALC_PATH")
    return [*dirs, bundled_regimen_dir()]


def _regimen_files(folder: Path) -> list[Path]:
    """A folder's ``*.yaml`` entries, sorted; sub-folders aside, each is read (or refused)."""
    return sorted(p for p in folder.glob("*.yaml") if not p.is_dir())


def _bundled_ids() -> tuple[str, ...]:
    """The bundled regimens' ids: their files are named by them (a test holds this)."""
    return tuple(sorted(p.stem for p in _regimen_files(bundled_regimen_dir())))


def _is_bundled(path: Path) -> bool:
    package = Path(str(resources.files("regimen_calc"))).resolve()
    return path.resolve().is_relative_to(package)


def _shown(path: Path) -> str:
    """A file as problems and schedules name it: a bundled one relative to the package."""
    if _is_bundled(path):
        package = Path(str(resources.files("regimen_calc"))).resolve()
        return path.resolve().relative_to(package).as_posix()
    return str(path)


def _stat_stamp(path: Path) -> tuple[str, int, int]:
    try:
        info = path.stat()
    except OSError:  # a broken symlink: read (and refused) like any other entry
        return (path.name, -1, -1)
    return (path.name, info.st_mtime_ns, info.st_size)


@attrs.frozen
class _Index:
    """What a search finds: each name's one file, and every file or name it cannot use."""

    #: Lower-cased id or alias -> the one file that claims it.
    names: dict[str, Path]
    #: Lower-cased id or alias claimed by more than one file -> a problem per claiming file.
    clashes: dict[str, tuple[Problem, ...]]
    #: The files that could not be read as a regimen or an overlay.
    unread: tuple[Problem, ...]
    #: The ids that can be loaded by name, in search order.
    ids: tuple[str, ...]


def _index(dirs: Sequence[Path]) -> _Index:
    # Keyed on the files' names, sizes and times: a file added or edited is seen at once.
    stamp = tuple((str(d), tuple(map(_stat_stamp, _regimen_files(d)))) for d in dirs)
    return _index_cached(tuple(dirs), stamp)


@functools.lru_cache(maxsize=32)
def _index_cached(dirs: tuple[Path, ...], stamp: object) -> _Index:
    """Every id and alias of the folders, each owned by one file (or reported as a clash)."""
    del stamp
    bundled = bundled_regimen_dir()
    entries: list[tuple[Path, dict]] = []
    unread: list[Problem] = []
    for folder in dirs:
        for path in _regimen_files(folder):
            try:
                raw = _peek(path)
            except LoadError as exc:
                unread += [attrs.evolve(p, file=_shown(path)) for p in exc.problems]
                continue
            if raw is not None:
                entries.append((path, raw))
    # A site regimen that says 'replaces: ID' (and is valid) takes the bundled one's place.
    replaced = {
        raw["replaces"]
        for path, raw in entries
        if "replaces" in raw and not _replaces_problems(raw, path)
    }
    claims: dict[str, list[tuple[Path, str, str]]] = {}
    for path, raw in entries:
        if path.parent == bundled and raw.get("id") in replaced:
            continue
        own: dict[str, tuple[str, str]] = {}
        for field, name in [("id", raw.get("id")), *(("aliases", a) for a in _aliases(raw))]:
            if isinstance(name, str):
                own.setdefault(_name_key(name), (field, name))
        for key, (field, name) in own.items():
            claims.setdefault(key, []).append((path, field, name))
    names = {key: found[0][0] for key, found in claims.items() if len(found) == 1}
    clashes = {
        key: _clash_problems(found, entries) for key, found in claims.items() if len(found) > 1
    }
    ids = tuple(
        raw["id"] for path, raw in entries if names.get(_name_key(str(raw.get("id")))) == path
    )
    return _Index(names=names, clashes=clashes, unread=tuple(unread), ids=ids)


def _clash_problems(
    found: list[tuple[Path, str, str]], entries: list[tuple[Path, dict]]
) -> tuple[Problem, ...]:
    """One problem per file claiming a name another file claims, naming the other files."""
    out: list[Problem] = []
    for path, field, name in found:
        others = [
            f"the {'id' if f == 'id' else 'alias'} of {_shown(p)}"
            + (" (bundled)" if _is_bundled(p) else "")
            for p, f, _ in found
            if p != path
        ]
        bundled_id = next(
            (n for p, f, n in found if p != path and _is_bundled(p) and f == "id"), None
        )
        hint = (
            _replace_hint(name, bundled_id)
            if field == "id" and bundled_id is not None and not _is_bundled(path)
            else ""
        )
        out.append(
            Problem(
                _shown(path),
                field,
                f"the {'id' if field == 'id' else 'alias'} {name!r} is also "
                f"{' and '.join(others)}; ids and aliases must be unique across the regimen "
                f"folders{hint}",
            )
        )
        raw = next(r for p, r in entries if p == path)
        if "replaces" in raw:
            out += [attrs.evolve(p, file=_shown(path)) for p in _replaces_problems(raw, path)]
    return tuple(out)


def _replace_hint(site_id: str, bundled_id: str) -> str:
    """How a site file that claims a bundled id says it replaces it (the bundled id as written)."""
    own = "" if site_id == bundled_id else f"'id: {bundled_id}' and "
    return f"; to replace the bundled regimen, write {own}'replaces: {bundled_id}' in this file"


def _aliases(raw: dict) -> list[object]:
    """The aliases a raw regimen names: one text or a list (anything else: none)."""
    aliases = raw.get("aliases")
    return [aliases] if isinstance(aliases, str) else aliases if isinstance(aliases, list) else []


def _peek(path: Path) -> dict | None:
    """A regimen file's raw data, or None for an overlay.

    Raises:
        LoadError: the file cannot be read, or is neither a regimen with an id nor an overlay.
    """
    raw = _read_yaml(path)
    if isinstance(raw, dict) and "overlay_for" in raw:
        return None
    if not isinstance(raw, dict):
        found = type(raw).__name__
        message = f"expected a regimen (a mapping with an id) or a site overlay, found {found}"
        raise LoadError([Problem(path.name, "", message)])
    if not isinstance(raw.get("id"), str):
        raise LoadError([Problem(path.name, "id", f"expected text, found {raw.get('id')!r}")])
    return raw


def _replaces_problems(raw: dict, path: Path) -> list[Problem]:
    """What is wrong with a file's ``replaces`` (empty: it replaces that bundled regimen)."""
    name, value = path.name, raw.get("replaces")
    if _is_bundled(path):
        return [Problem(name, "replaces", "only a site regimen can replace a bundled one")]
    ids = _bundled_ids()
    if not isinstance(value, str) or value not in ids:
        return [
            Problem(
                name,
                "replaces",
                f"expected the id of a bundled regimen ({', '.join(ids)}), found {value!r}",
            )
        ]
    if raw.get("id") != value:
        return [
            Problem(
                name,
                "id",
                f"a regimen that replaces {value!r} must have the id {value!r}, "
                f"found {raw.get('id')!r}",
            )
        ]
    return []


def available_regimens(*, search_path: Sequence[os.PathLike[str] | str] = ()) -> tuple[str, ...]:
    """The ids of the regimens that can be loaded by name.

    Site folders (``search_path``, then ``REGIMEN_CALC_PATH``) come first, then the bundled
    regimens. An id or alias claimed by two files is left out, and so are files that cannot be
    read: :func:`search_problems` lists both.
    """
    return _index(_search_dirs(search_path)).ids


def search_problems(*, search_path: Sequence[os.PathLike[str] | str] = ()) -> tuple[Problem, ...]:
    """Every problem of the regimen folders that keeps a file or a name from being loaded.

    A file that cannot be read (not YAML, a control character, not a regular file...) and each
    file of an id or alias that two files claim. Each problem names its file; the other regimens
    still load by name.
    """
    index = _index(_search_dirs(search_path))
    return (*index.unread, *(p for problems in index.clashes.values() for p in problems))


#: A name inside a file (``extends``, ``overlay_for``) is an id, never a path to another file.
_NOT_A_PATH = (
    "expected a regimen id or alias, found the path {found!r} (a file names another "
    "regimen by its id, never by a path)"
)


def _looks_like_path(text: str) -> bool:
    """Whether a name is written as a path: a folder separator, or a YAML file's suffix."""
    return "/" in text or "\\" in text or os.sep in text or text.endswith((".yaml", ".yml"))


def _resolve(
    name: str | os.PathLike[str], dirs: Sequence[Path], *, file: str | None = None, path: str = ""
) -> Path:
    """The file of a regimen named by id, alias or path; problems are reported at file/path."""
    text = os.fspath(name)
    if text.endswith((".yaml", ".yml")) or os.sep in text or "/" in text:  # a path given in code
        return Path(text)
    bundled = bundled_regimen_dir()
    if list(dirs) == [bundled]:
        # Only the bundled folder, whose files are named by their ids (a test holds this): the
        # file named like the id is the regimen, without reading every file for the index.
        for candidate in _regimen_files(bundled):
            if _name_key(candidate.stem) == _name_key(text):
                return candidate
    index = _index(dirs)
    if _name_key(text) in index.clashes:
        raise LoadError(index.clashes[_name_key(text)])
    found = index.names.get(_name_key(text))
    if found is None:
        import difflib  # only on an error: kept off the start-up path

        close = difflib.get_close_matches(_name_key(text), sorted(index.names), n=3, cutoff=0.5)
        ids = sorted(index.ids)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; available: {', '.join(ids)}"
        message = f"no regimen with the id or alias {text!r}{hint}"
        if index.unread:  # one of them may have been the regimen asked for
            message += "; files in the regimen folders that could not be read are listed below"
        raise LoadError([Problem(file or text, path, message), *index.unread])
    return found


# --------------------------------------------------------------------------------------------
# Loading.


def _source_file(
    path: Path, role: Literal["regimen", "base", "overlay"], sha256: str
) -> SourceFile:
    return SourceFile(role=role, path=_shown(path), sha256=sha256, bundled=_is_bundled(path))


def _load_raw(
    path: Path,
    dirs: Sequence[Path],
    chain: tuple[str, ...] = (),
    files: list[SourceFile] | None = None,
) -> dict:
    """A regimen file's data with ``extends`` written out; the base is checked on its own.

    Each file read (the regimen's, then each base's) is added to ``files`` with its hash.
    """
    raw, sha256 = _read_with_hash(path)
    if files is not None:
        files.append(_source_file(path, "base" if chain else "regimen", sha256))
    name = path.name
    if not isinstance(raw, dict):
        raise LoadError(
            [Problem(name, "", f"expected a mapping of regimen fields, found {type(raw).__name__}")]
        )
    if "overlay_for" in raw:
        raise LoadError(
            [Problem(name, "", "this is a site overlay; pass it as overlays=[...] to load_regimen")]
        )
    replaces = None
    if "replaces" in raw:
        if problems := _replaces_problems(raw, path):
            raise LoadError(problems)
        replaces = raw.pop("replaces")
    if "extends" not in raw:
        return raw
    base = raw["extends"]
    if not isinstance(base, str):
        raise LoadError([Problem(name, "extends", f"expected a regimen id, found {base!r}")])
    if _looks_like_path(base):
        raise LoadError([Problem(name, "extends", _NOT_A_PATH.format(found=base))])
    me = _name_key(str(raw.get("id", name)))
    # A site regimen that replaces a bundled one may build on it: its base is the bundled file.
    on_replaced = replaces is not None and _name_key(base) == _name_key(replaces)
    if _name_key(base) in (*chain, *(() if on_replaced else (me,))) or len(chain) >= MAX_EXTENDS:
        raise LoadError(
            [
                Problem(
                    name,
                    "extends",
                    f"circular or too long 'extends' chain: {' -> '.join([*chain, me, base])}",
                )
            ]
        )
    base_dirs = [bundled_regimen_dir()] if on_replaced else dirs
    base_path = _resolve(base, base_dirs, file=name, path="extends")
    parent = _load_raw(base_path, base_dirs, (*chain, me), files)
    _structure(parent, base_path.name)  # a broken base is reported against its own file
    problems: _Found = []
    for key in ("id", "name", "version"):
        if key not in raw:
            problems.append(
                (
                    key,
                    f"required, but missing (a regimen that extends {base!r} needs its own {key})",
                )
            )
    merged = _extend(parent, raw, problems)
    if problems:
        raise LoadError([Problem(name, p, m) for p, m in problems])
    merged["extends"] = base
    return merged


#: Where a value set by an overlay came from: regimen path -> (overlay file, path in it).
_Origins = dict[str, tuple[str, str]]


def _set_twice(name: str, path: str, earlier: tuple[str, str]) -> Problem:
    file, at = earlier
    where = "this overlay" if file == name else file
    return Problem(
        name,
        path,
        f"expected each value set by one overlay entry; {where} already sets it at {at}",
    )


def _apply_overlay(
    raw: dict,
    overlay_path: Path,
    origins: _Origins,
    files: list[SourceFile] | None = None,
    read: tuple[Any, str] | None = None,
) -> dict:
    """Apply a site overlay: its values replace the regimen's and are marked status 'site'.

    ``read`` is the file's data and hash when the caller has read it already.
    """
    data, sha256 = _read_with_hash(overlay_path) if read is None else read
    if files is not None:
        files.append(_source_file(overlay_path, "overlay", sha256))
    name = overlay_path.name
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise LoadError(
            [Problem(name, "", "expected a mapping with overlay_for, source and components")]
        )
    for key in sorted(map(str, set(data) - set(OVERLAY_KEYS))):
        problems.append(
            Problem(
                name, key, f"unknown key in a site overlay (allowed: {', '.join(OVERLAY_KEYS)})"
            )
        )
    target = data.get("overlay_for")
    ids = [raw.get("id"), *_aliases(raw)]
    if not isinstance(target, str) or _name_key(target) not in [_name_key(str(i)) for i in ids]:
        problems.append(
            Problem(
                name,
                "overlay_for",
                f"expected the id of the regimen it changes ({raw.get('id')!r}), found {target!r}",
            )
        )
    source = data.get("source")
    if (
        not isinstance(source, dict)
        or not isinstance(source.get("id"), str)
        or not isinstance(source.get("title"), str)
    ):
        problems.append(
            Problem(name, "source", "expected the site's source document: {id: ..., title: ...}")
        )
    else:
        for key in sorted(map(str, set(source) - set(SOURCE_KEYS))):
            problems.append(
                Problem(name, f"source.{key}", f"unknown key (allowed: {', '.join(SOURCE_KEYS)})")
            )
    if data.get("site") is not None and not isinstance(data.get("site"), str):
        problems.append(
            Problem(name, "site", f"expected the site's name as text, found {data['site']!r}")
        )
    components = data.get("components", [])
    if not isinstance(components, list):
        problems.append(
            Problem(name, "components", f"expected a list of components, found {components!r}")
        )
        components = []
    cycle = data.get("cycle", {})
    if not isinstance(cycle, dict):
        problems.append(
            Problem(
                name, "cycle", f"expected a mapping of {', '.join(CYCLE_FIELDS)}, found {cycle!r}"
            )
        )
        cycle = {}
    if problems:
        raise LoadError(problems)
    assert isinstance(source, dict)
    out = copy.deepcopy(raw)
    src = source["id"]
    comps = out.get("components") if isinstance(out.get("components"), list) else []
    by_id = {
        c["id"]: (i, c)
        for i, c in enumerate(comps)
        if isinstance(c, dict) and isinstance(c.get("id"), str)
    }
    for i, comp in enumerate(components):
        comp_id = comp.get("id") if isinstance(comp, dict) else comp
        if not isinstance(comp, dict) or not isinstance(comp_id, str) or comp_id not in by_id:
            problems.append(
                Problem(
                    name,
                    f"components[{i}].id",
                    "expected the id of one of the regimen's components "
                    f"({', '.join(by_id)}), found {comp_id!r}",
                )
            )
            continue
        n, target_comp = by_id[comp_id]
        for key, value in comp.items():
            if key == "id":
                continue
            if key not in PROVENANCE_FIELDS:
                problems.append(
                    Problem(
                        name,
                        f"components[{i}].{key}",
                        f"an overlay may set only {', '.join(PROVENANCE_FIELDS)}",
                    )
                )
                continue
            # A value is set by one overlay entry: a second one (a later overlay, or the same
            # component listed twice) would silently replace the first.
            same = ("dose", "steps") if key in ("dose", "steps") else (key,)
            if key == "steps" and "days" not in comp:
                same += ("days",)  # steps without days set the component's days too
            if earlier := [origins[p] for k in same if (p := f"components[{n}].{k}") in origins]:
                problems.append(_set_twice(name, f"components[{i}].{key}", earlier[0]))
                continue
            if key == "steps":
                target_comp.pop("dose", None)
                if "days" not in comp and isinstance(value, list):
                    step_days = [s.get("days") for s in value if isinstance(s, dict)]
                    target_comp["days"] = {"value": step_days, "status": "site", "source": src}
                    origins[f"components[{n}].days"] = (name, f"components[{i}].steps")
            if key == "dose":
                target_comp.pop("steps", None)
            target_comp[key] = {"value": value, "status": "site", "source": src}
            origins[f"components[{n}].{key}"] = (name, f"components[{i}].{key}")
    if cycle:
        if not isinstance(out.get("cycle"), dict):
            out["cycle"] = {}
        for key, value in cycle.items():
            if f"cycle.{key}" in origins:
                problems.append(_set_twice(name, f"cycle.{key}", origins[f"cycle.{key}"]))
                continue
            if key == CYCLE_BOUND:  # how the site's max_cycles is given: a plain value
                out["cycle"][key] = value
                origins[f"cycle.{key}"] = (name, f"cycle.{key}")
                continue
            if key not in CYCLE_FIELDS:
                problems.append(
                    Problem(
                        name,
                        f"cycle.{key}",
                        f"expected one of {', '.join((*CYCLE_FIELDS, CYCLE_BOUND))}",
                    )
                )
                continue
            out["cycle"][key] = {"value": value, "status": "site", "source": src}
            origins[f"cycle.{key}"] = (name, f"cycle.{key}")
    if problems:
        raise LoadError(problems)
    refs = out.get("references") if isinstance(out.get("references"), list) else []
    refs = [r for r in refs if not (isinstance(r, dict) and r.get("id") == src)]
    out["references"] = [*refs, {**source, "kind": "site"}]
    origins[f"references[{len(refs)}]"] = (name, "source")
    return out


def _origin(path: str, file: str, origins: _Origins) -> tuple[str, str]:
    """The file and path a problem belongs to: an overlay's when the overlay set the value."""
    for prefix, (o_file, o_path) in origins.items():
        if path == prefix or path.startswith((f"{prefix}.", f"{prefix}[")):
            return o_file, o_path + path[len(prefix) :]
    return file, path


def _structure(raw: dict, name: str, origins: _Origins | None = None) -> Regimen:
    problems: _Found = []
    raw = copy.deepcopy(raw)
    for key in ("file", "overlays", "remove"):
        if key in raw:
            raw.pop(key)
            problems.append((key, _UNKNOWN_KEY))
    comps = raw.get("components")
    for i, comp in enumerate(comps if isinstance(comps, list) else []):
        if isinstance(comp, dict):
            if "provenance" in comp:
                comp.pop("provenance")
                problems.append(
                    (
                        f"components[{i}].provenance",
                        f"{_UNKNOWN_KEY}; write {{value, status, source}} on the field itself",
                    )
                )
            if "remove" in comp:
                comp.pop("remove")
                problems.append(
                    (
                        f"components[{i}].remove",
                        "only a regimen that extends another can remove "
                        "one of its base's components",
                    )
                )
            _unwrap_provenance(comp, PROVENANCE_FIELDS, f"components[{i}]", problems)
    if isinstance(raw.get("cycle"), dict):
        _unwrap_provenance(raw["cycle"], CYCLE_FIELDS, "cycle", problems)
        if CYCLE_BOUND in raw["cycle"] and "max_cycles" not in raw["cycle"]:
            problems.append(
                (
                    f"cycle.{CYCLE_BOUND}",
                    "says how max_cycles is given, but the cycle has no max_cycles value",
                )
            )
    problems += _check_links(raw)
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
        # A per-unit dose implausible for its drug (cladribine 50 mg/m²) is refused at load time.
        # So is a cycle's total above its sourced limit (named where an overlay set the value).
        problems += check_regimen_doses(regimen, overridden=(origins or {}).keys())
    if problems:
        located = [_origin(path, name, origins or {}) for path, _ in problems]
        raise LoadError(
            [Problem(f, p, m) for (f, p), (_, m) in zip(located, problems, strict=True)]
        )
    assert regimen is not None
    return regimen


def _check_links(raw: dict) -> _Found:
    """Ids that must match: unique ids, sources naming a reference, sequences naming a component.

    Run on the raw data (provenance already unwrapped), so these are reported together with the
    problems of the values themselves.
    """
    out: _Found = []
    refs = raw.get("references") if isinstance(raw.get("references"), list) else []
    ref_ids = [r.get("id") for r in refs if isinstance(r, dict) and isinstance(r.get("id"), str)]
    for i, ref in enumerate(refs):
        if (
            isinstance(ref, dict)
            and isinstance(ref.get("id"), str)
            and ref_ids.count(ref["id"]) > 1
        ):
            out.append(
                (f"references[{i}].id", f"reference id {ref['id']!r} is used more than once")
            )
    known = ", ".join(sorted(ref_ids)) or "none"

    def source_problem(where: str, source: object) -> None:
        if isinstance(source, str) and source not in ref_ids:
            out.append(
                (
                    where,
                    "expected the id of one of the regimen's references "
                    f"({known}), found {source!r}",
                )
            )

    comps = raw.get("components") if isinstance(raw.get("components"), list) else []
    ids = [c.get("id") for c in comps if isinstance(c, dict) and isinstance(c.get("id"), str)]
    for i, comp in enumerate(comps):
        if not isinstance(comp, dict):
            continue
        at = f"components[{i}]"
        cid = comp.get("id")
        if isinstance(cid, str) and ids.count(cid) > 1:
            out.append((f"{at}.id", f"component id {cid!r} is used more than once"))
        source_problem(f"{at}.source", comp.get("source"))
        for field, prov in (comp.get("provenance") or {}).items():
            source_problem(f"{at}.{field}.source", prov.get("source"))
        seq = comp.get("sequence")
        after = seq.get("after") if isinstance(seq, dict) else None
        if isinstance(after, str) and after == cid:
            out.append((f"{at}.sequence.after", "a component cannot follow itself"))
        elif isinstance(after, str) and after not in ids:
            out.append(
                (
                    f"{at}.sequence.after",
                    f"expected the id of another component ({', '.join(ids)}), found {after!r}",
                )
            )
    cycle = raw.get("cycle") if isinstance(raw.get("cycle"), dict) else {}
    for field, prov in (cycle.get("provenance") or {}).items():
        source_problem(f"cycle.{field}.source", prov.get("source"))
    return out


def _allowed_frequencies(drug: str) -> tuple[str, ...]:
    """The frequencies the catalog allows for a drug (empty: any); unknown drugs: none checked."""
    return drug_info(drug).frequencies if drug in known_drugs() else ()


def _frequency_source(drug: str) -> str:
    return drug_info(drug).frequencies_source or "drug catalog"


def _check(reg: Regimen) -> _Found:
    """Rules that span fields: the converter checks each value; this checks how they fit."""
    out: _Found = []
    for key in ("id", "name", "version"):
        if not getattr(reg, key).strip():
            out.append((key, "expected text, found an empty value"))
    if not reg.components:
        out.append(("components", "expected at least one component"))
    for field in CYCLE_FIELDS:
        value = getattr(reg.cycle, field)
        if value is not None and not 1 <= value <= CYCLE_LIMITS[field]:
            out.append(
                (
                    f"cycle.{field}",
                    f"expected a whole number from 1 to {CYCLE_LIMITS[field]}, found {value}",
                )
            )
    out += _confidence_problems(reg)
    out += _single_line_problems(reg)
    out += _name_problems(reg)
    for i, comp in enumerate(reg.components):
        at = f"components[{i}]"
        if not comp.id.strip():
            out.append((f"{at}.id", "expected text, found an empty value"))
        dose_prov = comp.provenance.get(comp.dose_field) or comp.provenance.get("dose")
        dose_missing = dose_prov is not None and dose_prov.status == "not_stated"
        if comp.dose is not None and comp.steps:
            out.append((at, "give either 'dose' or 'steps', not both"))
        if comp.dose is None and not comp.steps and not dose_missing:
            out.append(
                (
                    f"{at}.dose",
                    "required: a dose such as '5 mg/m^2', or 'steps', or {status: not_stated}",
                )
            )
        if comp.steps:
            step_days = [d for s in comp.steps for d in s.days]
            if len(set(step_days)) != len(step_days):
                out.append((f"{at}.steps", "a day appears in more than one step"))
            if comp.days and set(step_days) != set(comp.days):
                out.append(
                    (
                        f"{at}.steps",
                        f"the steps' days {sorted(set(step_days))} differ from the "
                        f"component's days {list(comp.days)}",
                    )
                )
            if len({type(s.dose) for s in comp.steps}) > 1:
                out.append((f"{at}.steps", "every step must use the same dose basis"))
        days_prov = comp.provenance.get("days")
        if (
            not comp.days
            and not comp.steps
            and not (days_prov and days_prov.status == "not_stated")
        ):
            out.append((f"{at}.days", "required: the days this drug is given, such as '1-5'"))
        all_days = comp.days or tuple(d for s in comp.steps for d in s.days)
        length = reg.cycle.length_days
        if length is not None and length >= 1 and all_days and max(all_days) > length:
            out.append(
                (f"{at}.days", f"day {max(all_days)} is after the end of the {length}-day cycle")
            )
        allowed = _allowed_frequencies(comp.drug)
        if allowed and comp.frequency not in allowed:
            out.append(
                (
                    f"{at}.frequency",
                    f"expected {' or '.join(repr(f) for f in allowed)} for {comp.drug} "
                    f"({_frequency_source(comp.drug)}), found {comp.frequency!r}",
                )
            )
        if comp.frequency == "once" and len(all_days) > 1:
            out.append(
                (
                    f"{at}.frequency",
                    "'once' is a single administration, but the component has "
                    f"{len(all_days)} days; write 'daily'",
                )
            )
        out += _timing_problems(comp, at)
        out += _condition_problems(comp, at)
        if comp.interaction_rule is not None and (
            comp.drug not in known_drugs() or drug_info(comp.drug).interaction_rule is None
        ):
            out.append(
                (
                    f"{at}.interaction_rule",
                    f"{comp.drug} has no interaction rule in the drug catalog, so a protocol "
                    "rule for it would never be read; only a drug with one (venetoclax) takes it",
                )
            )
        if comp.status in ("stated", "assumed", "site") and comp.source is None:
            out.append(
                (
                    f"{at}.source",
                    f"a component with status {comp.status!r} needs the id of "
                    "the reference it comes from",
                )
            )
    return out


def _shown_quantity(q: Any) -> str:
    """A quantity as printed, or as written when its unit has no ISMP form (seconds)."""
    try:
        return format_quantity(q)
    except ValueError:
        return f"{q.magnitude} {q.units}"


def _timing_problems(comp: Component, at: str) -> _Found:
    """An infusion that lasts no time or past the next dose; an offset past the same day."""
    out: _Found = []
    if comp.infusion is not None:
        hours = comp.infusion.duration.m_as("hour")
        longest = MAX_INFUSION_HOURS.get(comp.frequency, 24)
        if not 0 < hours <= longest:
            out.append(
                (
                    f"{at}.infusion.duration",
                    f"expected a duration above 0 and at most {longest} h for a {comp.frequency} "
                    f"dose, found {_shown_quantity(comp.infusion.duration)}",
                )
            )
    if comp.sequence is not None:
        hours = comp.sequence.offset.m_as("hour")
        if hours > MAX_OFFSET_HOURS:
            out.append(
                (
                    f"{at}.sequence.offset",
                    f"expected an offset of at most {MAX_OFFSET_HOURS} h (both are given on the "
                    f"same day), found {_shown_quantity(comp.sequence.offset)}",
                )
            )
    return out


def _condition_problems(comp: Component, at: str) -> _Found:
    """Each lab condition against the lab table: a known lab, its unit, a threshold that can
    both hold and not (strictly inside the lab's plausible range). A condition on a lab the
    schedule does not read, or with a threshold that always or never fires, would never hold
    a dose as written."""
    table = lab_table()
    out: _Found = []
    for j, cond in enumerate(comp.conditions):
        where = f"{at}.conditions[{j}]"
        entry = table.get(cond.lab)
        if entry is None:
            out.append(
                (f"{where}.lab", f"expected one of the labs {', '.join(table)}, found {cond.lab!r}")
            )
            continue
        unit = str(entry["unit"])
        if cond.unit != unit:
            out.append(
                (
                    f"{where}.unit",
                    f"expected {unit!r}, the unit {cond.lab} values are given in (the threshold "
                    f"is compared in it), found {cond.unit!r}",
                )
            )
        low, high = entry["plausible"]  # type: ignore[misc]
        if not low < cond.threshold < high:
            out.append(
                (
                    f"{where}.threshold",
                    f"expected a value above {low} and below {high} {unit} (at or outside the "
                    f"plausible range it would always or never apply), found {cond.threshold:g}",
                )
            )
    return out


#: Fields printed on one line (titles, table cells, calendar summaries): no line break or tab.
#: What a regimen's id and aliases are written with: ASCII letters and digits, then also
#: ``+ - _ . ( )`` and spaces. A name is typed at a terminal and compared with the bundled names;
#: a Cyrillic С, a zero-width space or a full-width letter would make a second "CLAG" that looks
#: like the first.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9+\-_.() ]*")


def _name_problems(reg: Regimen) -> _Found:
    names = [("id", reg.id), *((f"aliases[{i}]", a) for i, a in enumerate(reg.aliases))]
    return [
        (
            path,
            "expected ASCII letters and digits (then also + - _ . ( ) and spaces), so that no "
            f"name can look like another, found {text!r}",
        )
        for path, text in names
        if _NAME.fullmatch(text) is None
    ]


def _single_line_problems(reg: Regimen) -> _Found:
    fields: list[tuple[str, str]] = [
        ("id", reg.id),
        ("name", reg.name),
        ("version", reg.version),
        *((f"aliases[{i}]", a) for i, a in enumerate(reg.aliases)),
        *((f"references[{i}].id", r.id) for i, r in enumerate(reg.references)),
        *((f"references[{i}].title", r.title) for i, r in enumerate(reg.references)),
    ]
    for i, comp in enumerate(reg.components):
        fields += [(f"components[{i}].id", comp.id), (f"components[{i}].drug", comp.drug)]
        fields += [(f"components[{i}].route", comp.route or "")]
    return [
        (path, "expected one line of text, found a line break or a tab")
        for path, text in fields
        if "\n" in text or "\t" in text
    ]


def _confidence_problems(reg: Regimen) -> _Found:
    """A value's own confidence may lower its source's grade, never raise it."""
    rank = {grade: i for i, grade in enumerate(CONFIDENCES)}  # H=0 is the highest
    out: _Found = []
    where = [("cycle", reg.cycle.provenance)] + [
        (f"components[{i}]", comp.provenance) for i, comp in enumerate(reg.components)
    ]
    for at, provenance in where:
        for field, prov in provenance.items():
            ref = reg.reference(prov.source) if prov.source else None
            own, of_source = prov.confidence, ref.confidence if ref else None
            if own is not None and of_source is not None and rank[own] < rank[of_source]:
                out.append(
                    (
                        f"{at}.{field}.confidence",
                        f"a value cannot be more certain than its source: {prov.source} is "
                        f"graded {of_source}, found {own!r}",
                    )
                )
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
        InputError: ``overlays`` or ``search_path`` is not a list of paths, or one overlay is
            given twice (``overlays[i]``, by the same file or the same content as an earlier one).
    """
    if not isinstance(name_or_path, str | os.PathLike):
        raise LoadError(
            [Problem(repr(name_or_path), "", "expected a regimen id or a path to a YAML file")]
        )
    if "\x00" in str(os.fspath(name_or_path)):  # open() would raise a bare ValueError
        raise InputError(
            "name_or_path",
            "a regimen id or a path without a NUL character",
            str(os.fspath(name_or_path)),
        )
    if isinstance(overlays, str | os.PathLike) or not isinstance(overlays, Iterable):
        raise InputError("overlays", "a list of overlay file paths", overlays)
    dirs = _search_dirs(search_path)
    path = _resolve(name_or_path, dirs)
    files: list[SourceFile] = []
    raw = _load_raw(path, dirs, files=files)
    origins: _Origins = {}
    names = []
    # An overlay given twice would be applied twice and read as two sources agreeing.
    by_path: dict[str, int] = {}
    by_hash: dict[str, int] = {}
    given: list[str] = []
    for i, overlay in enumerate(overlays):
        field = f"overlays[{i}]"
        if not isinstance(overlay, str | os.PathLike) or "\x00" in str(os.fspath(overlay)):
            raise InputError(field, "an overlay file path", overlay)
        given.append(os.fspath(overlay))
        key = os.path.normcase(os.path.realpath(overlay))
        if key in by_path:
            raise _repeated_overlay(field, by_path[key], given, "the same file")
        by_path[key] = i
        read = _read_with_hash(Path(overlay))
        if read[1] in by_hash:
            raise _repeated_overlay(field, by_hash[read[1]], given, "the same content")
        by_hash[read[1]] = i
        raw = _apply_overlay(raw, Path(overlay), origins, files, read)
        names.append(Path(overlay).name)
    regimen = _with_step_days(_structure(raw, path.name, origins))
    return attrs.evolve(regimen, overlays=tuple(names), file=str(path), files=tuple(files))


def _repeated_overlay(field: str, first: int, given: Sequence[str], why: str) -> InputError:
    return InputError(
        field,
        f"each overlay given once; this repeats overlays[{first}] ({given[first]!r}), {why}",
        given[-1],
    )


def validate_file(path: str | os.PathLike[str]) -> Regimen:
    """Check one regimen or site overlay file without scheduling it.

    An overlay is checked by applying it to the regimen named in its ``overlay_for``.

    Returns:
        the loaded regimen (with the overlay applied, for an overlay file).

    Raises:
        LoadError: listing every problem found, each with its file and path.
    """
    p = Path(path)
    data = _read_yaml(p)
    if isinstance(data, dict) and "overlay_for" in data:
        target = data["overlay_for"]
        if not isinstance(target, str):
            raise LoadError(
                [Problem(p.name, "overlay_for", f"expected a regimen id, found {target!r}")]
            )
        if _looks_like_path(target):
            raise LoadError([Problem(p.name, "overlay_for", _NOT_A_PATH.format(found=target))])
        base = _resolve(target, _search_dirs(), file=p.name, path="overlay_for")
        return load_regimen(base, overlays=[p])
    problems: list[Problem] = []
    regimen: Regimen | None = None
    try:
        regimen = load_regimen(p)
    except LoadError as exc:
        problems += exc.problems
    if isinstance(data, dict):
        problems += _names_taken(p, data)
    if problems:
        raise LoadError(problems)
    assert regimen is not None
    return regimen


def _names_taken(path: Path, raw: dict) -> list[Problem]:
    """A site file's id and aliases that another file of the search already has.

    What loading by name would refuse, found before the file is put into a regimen folder.
    """
    if _is_bundled(path):
        return []
    index = _index(_search_dirs())
    replaced = raw.get("replaces") if not _replaces_problems(raw, path) else None
    out: list[Problem] = []
    for field, name in [("id", raw.get("id")), *(("aliases", a) for a in _aliases(raw))]:
        if not isinstance(name, str):
            continue
        owner = index.names.get(_name_key(name))
        if owner is None or owner.resolve() == path.resolve():
            continue
        if _is_bundled(owner) and isinstance(replaced, str) and name == replaced:
            continue
        bundled_id = next((i for i in _bundled_ids() if _name_key(i) == _name_key(name)), None)
        hint = (
            _replace_hint(name, bundled_id)
            if field == "id" and _is_bundled(owner) and bundled_id is not None
            else ""
        )
        where = " (bundled)" if _is_bundled(owner) else ""
        out.append(
            Problem(
                path.name,
                field,
                f"the {'id' if field == 'id' else 'alias'} {name!r} is already a name of "
                f"{_shown(owner)}{where}; ids and aliases must be unique across the regimen "
                f"folders{hint}",
            )
        )
    return out


def regimen_to_raw(path: str | os.PathLike[str]) -> dict:
    """The file's data with ``extends`` written out (what the regimen means, before structuring)."""
    p = Path(path)
    return _load_raw(p, _search_dirs())
