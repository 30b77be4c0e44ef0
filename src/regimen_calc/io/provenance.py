"""Provenance wrappers: which fields may be written as ``{value, status, source, note}``, and how
such a wrapper is checked and moved into the regimen's ``provenance`` before structuring.
"""

from __future__ import annotations

from collections.abc import Sequence

from regimen_calc.io.converter import Found
from regimen_calc.model.regimen import CONFIDENCES, STATUSES

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
#: The cycle fields that may be written as a wrapper.
CYCLE_FIELDS = ("length_days", "max_cycles")
#: The cycle key that says how ``max_cycles`` is given ("up to N" or exactly N); a plain value.
CYCLE_BOUND = "max_cycles_bound"
#: The keys of a wrapper.
_WRAPPER_KEYS = frozenset({"value", "status", "source", "note", "required", "confidence"})


def _looks_like_wrapper(value: object) -> bool:
    """A mapping meant as ``{value, status, ...}``: it has a status, or only wrapper keys."""
    if not isinstance(value, dict):
        return False
    keys = set(value)
    return "status" in keys or ("value" in keys and keys <= _WRAPPER_KEYS)


def unwrap_provenance(raw: dict, fields: Sequence[str], path: str, problems: Found) -> None:
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
