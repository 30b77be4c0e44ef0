"""What a regimen that ``extends`` another means, and what a site overlay changes, on the raw data.

``extends``: the base with the child's changes (components and references merged by ``id``).
A site overlay: its values replace the regimen's, marked status ``site`` with the site's source,
and each value it sets is remembered with the overlay file and path it came from, so a problem
of that value is reported there.
"""

from __future__ import annotations

import copy
from typing import Any

from regimen_calc.errors import LoadError, Problem
from regimen_calc.io.converter import Found
from regimen_calc.io.names import aliases_of, name_key
from regimen_calc.io.provenance import CYCLE_BOUND, CYCLE_FIELDS, PROVENANCE_FIELDS

#: Keys a site overlay may have, and the keys of its ``source``.
OVERLAY_KEYS = ("overlay_for", "site", "source", "components", "cycle", "notes")
SOURCE_KEYS = ("id", "title", "url", "doi", "file", "note")


class _Merge:
    """Merges a child's list (components or references) into its base's list by ``id``."""

    def __init__(self, what: str, key: str, problems: Found) -> None:
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


def extend(parent: dict, child: dict, problems: Found | None = None) -> dict:
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


#: Where a value set by an overlay came from: regimen path -> (overlay file, path in it).
Origins = dict[str, tuple[str, str]]


def _set_twice(name: str, path: str, earlier: tuple[str, str]) -> Problem:
    file, at = earlier
    where = "this overlay" if file == name else file
    return Problem(
        name,
        path,
        f"expected each value set by one overlay entry; {where} already sets it at {at}",
    )


def apply_overlay(raw: dict, data: Any, name: str, origins: Origins) -> dict:
    """Apply a site overlay: its values replace the regimen's and are marked status 'site'.

    ``data`` is the overlay file's data and ``name`` the file as problems name it; each value it
    sets is added to ``origins``.
    """
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
    ids = [raw.get("id"), *aliases_of(raw)]
    if not isinstance(target, str) or name_key(target) not in [name_key(str(i)) for i in ids]:
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


def origin_of(path: str, file: str, origins: Origins) -> tuple[str, str]:
    """The file and path a problem belongs to: an overlay's when the overlay set the value."""
    for prefix, (o_file, o_path) in origins.items():
        if path == prefix or path.startswith((f"{prefix}.", f"{prefix}[")):
            return o_file, o_path + path[len(prefix) :]
    return file, path
