"""The one strict cattrs converter of regimen data, and its problems as (path, message) pairs.

Each value is checked as it is structured: scalars of exactly their type (no ``true`` for a
number, no infinite number), a drug from the catalog, a route and a frequency from their lists,
doses, days and quantities through ``model.parsing``; unknown keys are refused. Every problem of
a file is collected, never only the first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Sequence
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

from regimen_calc.content.catalog import known_drugs
from regimen_calc.model import parsing as _parsing
from regimen_calc.model.regimen import (
    FREQUENCIES,
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

#: Routes a regimen may name (codes; the printed names come from wording.ismp.route_name).
ROUTES = ("IV", "subcut", "PO", "IM")

#: The message of a key the format does not have.
UNKNOWN_KEY = "unknown key (check the spelling; see docs/regimen-format.md)"

#: Problems found in one file: (path inside the file, message), reported together.
Found = list[tuple[str, str]]


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


#: The one converter of regimen data (each value checked as it is structured).
CONVERTER = _make_converter()


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def walk_errors(exc: BaseException, path: str, out: Found) -> None:
    """Flatten cattrs' exception groups into (path, message) pairs."""
    if isinstance(exc, IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            walk_errors(inner, f"{path}[{note.index}]", out)
        for inner in without:
            walk_errors(inner, path, out)
    elif isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            walk_errors(inner, _join(path, note.name), out)
        for inner in without:
            walk_errors(inner, path, out)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(map(str, exc.extra_fields)):
            out.append((_join(path, key), UNKNOWN_KEY))
    elif isinstance(exc, KeyError):
        out.append((path, "required, but missing"))
    elif isinstance(exc, ExceptionGroup):
        for inner in exc.exceptions:
            walk_errors(inner, path, out)
    else:
        out.append((path, str(exc) or type(exc).__name__))
