"""Reads institution dosing-policy YAML files into a
:class:`~regimen_calc.engine.policy.DosingPolicy`.

The only module that reads policy files, through the library's one guarded reader (``yaml_reader``:
a regular file within a size limit; a SafeLoader that also refuses aliases, duplicate and merge
keys, explicit tags and deep nesting), unknown keys refused, strict types (``true`` is
not a number, ``"10"`` is not a percentage), and every problem reported at once as
``FILE: path.to.field: what was expected, what was found``. The format is in docs/safety.md.

Hand-written rather than a cattrs converter: the file is small and flat, and each field needs
its own domain check (a drug in the catalog, a mass with a unit, a percentage in range) whose
message must name the YAML path, not an attrs attribute. The checks record their problems in the
library's one :class:`~regimen_calc.content.checking.ProblemCollector`, the one the bundled
interaction table is checked with.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from regimen_calc.content.bsa import BSA_FORMULAS
from regimen_calc.content.catalog import drug_info, known_drugs
from regimen_calc.content.checking import ProblemCollector
from regimen_calc.content.yaml_reader import GuardedLoader, read_yaml
from regimen_calc.engine.cumulative import equivalence_scales
from regimen_calc.engine.policy import (
    MAX_DEVIATION_LIMIT,
    WEIGHT_BASES,
    DoseModification,
    DosingPolicy,
    DrugPolicy,
    ExactComposition,
    Increment,
    NearestPack,
    _bsa_cap,
)
from regimen_calc.errors import LoadError, Problem

#: Largest policy file accepted, in bytes.
MAX_FILE_BYTES = 64 * 1024
MAX_DEPTH = 12

_TOP = (
    "name",
    "source",
    "bsa_formula",
    "bsa_decimals",
    "bsa_cap",
    "dose_decimals",
    "max_deviation_percent",
    "doxorubicin_equivalence",
    "drugs",
)
_DRUG = ("weight_basis", "rounding", "max_deviation_percent", "modification")
_ROUNDING = ("increment", "packs", "max_packs", "exact_composition")
_MODIFICATION = ("percent", "reason")


class _Guarded(GuardedLoader):
    """The regimen files' SafeLoader, so a policy file reads the same way: a duplicate key is
    refused (never last-one-wins), and so are merge keys and explicit tags; only plain decimal
    numbers are numbers (YAML 1.1 would read ``0x2`` as 2 and ``1:5`` as 65). Only the alias
    message and the depth limit are its own."""

    max_depth = MAX_DEPTH
    alias_message = "aliases (*name) are not allowed in policy files"


def _read(path: Path) -> Any:
    return read_yaml(path, loader_class=_Guarded, max_bytes=MAX_FILE_BYTES)[0]


def _rounding(c: ProblemCollector, raw: object, path: str) -> Any:
    if not isinstance(raw, dict):
        c.add(
            path,
            f"expected a mapping with one of increment, packs or exact_composition, found {raw!r}",
        )
        return None
    c.unknown_keys(raw, path, _ROUNDING)
    kinds = [k for k in ("increment", "packs", "exact_composition") if k in raw]
    if len(kinds) != 1:
        c.add(
            path,
            "expected exactly one of increment, packs or exact_composition, "
            f"found {kinds or 'none'}",
        )
        return None
    if "max_packs" in raw and kinds != ["packs"]:
        c.add(f"{path}.max_packs", "max_packs goes only with packs")
    kind = kinds[0]
    if kind == "increment":
        value = raw["increment"]
        if not isinstance(value, str):
            c.add(
                f"{path}.increment",
                f"expected a mass with its unit such as '10 mg', found {value!r}",
            )
            return None
        return c.build(f"{path}.increment", lambda: Increment(value))
    if kind == "packs":
        sizes = raw["packs"]
        if not isinstance(sizes, list) or not sizes or not all(isinstance(s, str) for s in sizes):
            c.add(
                f"{path}.packs",
                f"expected a list of pack sizes such as ['300 mcg', '480 mcg'], found {sizes!r}",
            )
            return None
        max_packs = None
        if "max_packs" in raw:
            max_packs = c.number(raw["max_packs"], f"{path}.max_packs", 1, 100, whole=True)
            if max_packs is None:
                return None
        return c.build(f"{path}.packs", lambda: NearestPack(sizes, max_packs))
    if raw["exact_composition"] is not True:
        c.add(f"{path}.exact_composition", f"expected true, found {raw['exact_composition']!r}")
        return None
    return ExactComposition()


def _drug(c: ProblemCollector, raw: object, path: str) -> DrugPolicy | None:
    if not isinstance(raw, dict):
        c.add(path, f"expected a mapping of {', '.join(_DRUG)}, found {raw!r}")
        return None
    c.unknown_keys(raw, path, _DRUG)
    kwargs: dict[str, Any] = {}
    ok = True
    if "weight_basis" in raw:
        if c.choice(raw["weight_basis"], f"{path}.weight_basis", WEIGHT_BASES) is not None:
            kwargs["weight_basis"] = raw["weight_basis"]
        else:
            ok = False
    if "rounding" in raw:
        rule = _rounding(c, raw["rounding"], f"{path}.rounding")
        ok = ok and rule is not None
        kwargs["rounding"] = rule
    if "max_deviation_percent" in raw:
        dev = c.number(
            raw["max_deviation_percent"], f"{path}.max_deviation_percent", 0, MAX_DEVIATION_LIMIT
        )
        ok = ok and dev is not None
        kwargs["max_deviation_percent"] = dev
    if "modification" in raw:
        mod = raw["modification"]
        mpath = f"{path}.modification"
        if not isinstance(mod, dict):
            c.add(mpath, f"expected a mapping with percent and reason, found {mod!r}")
            ok = False
        else:
            c.unknown_keys(mod, mpath, _MODIFICATION)
            missing = [key for key in _MODIFICATION if key not in mod]
            for key in missing:
                c.add(f"{mpath}.{key}", "required")
            pct = (
                None
                if "percent" not in mod
                else c.number(mod["percent"], f"{mpath}.percent", 0, 100, low_open=True)
            )
            reason = mod.get("reason")
            if "reason" in mod and (not isinstance(reason, str) or not reason.strip()):
                c.add(
                    f"{mpath}.reason",
                    f"expected the reason as text (printed on every output), found {reason!r}",
                )
                reason = None
            if pct is None or reason is None:
                ok = False
            else:
                kwargs["modification"] = c.build(
                    mpath, lambda: DoseModification(percent=pct, reason=reason)
                )
                ok = ok and kwargs["modification"] is not None
    if not ok:
        return None
    # A problem between two fields (a deviation limit with exact composition) is named by the
    # field the error names, inside this drug.
    return c.build(path, lambda: DrugPolicy(**kwargs), field_prefix=True)


def read_policy(path: str | os.PathLike[str]) -> DosingPolicy:
    """See :func:`load_policy`."""
    if not isinstance(path, str | os.PathLike):
        raise LoadError([Problem(repr(path), "", "expected a path to a policy YAML file")])
    p = Path(path)
    raw = _read(p)
    c = ProblemCollector(p.name)
    if not isinstance(raw, dict):
        raise LoadError(
            [
                Problem(
                    p.name,
                    "",
                    f"expected a mapping of policy fields ({', '.join(_TOP)}), "
                    f"found {type(raw).__name__}",
                )
            ]
        )
    c.unknown_keys(raw, "", _TOP)
    kwargs: dict[str, Any] = {}
    for key in ("name", "source"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].strip():
                c.add(key, f"expected text, found {raw[key]!r}")
            else:
                kwargs[key] = raw[key]
    if (
        "bsa_formula" in raw
        and c.choice(raw["bsa_formula"], "bsa_formula", BSA_FORMULAS) is not None
    ):
        kwargs["bsa_formula"] = raw["bsa_formula"]
    for key, low, high in (("bsa_decimals", 1, 4), ("dose_decimals", 0, 3)):
        if key in raw and (v := c.number(raw[key], key, low, high, whole=True)) is not None:
            kwargs[key] = v
    if "max_deviation_percent" in raw:
        v = c.number(raw["max_deviation_percent"], "max_deviation_percent", 0, MAX_DEVIATION_LIMIT)
        if v is not None:
            kwargs["max_deviation_percent"] = v
    if "bsa_cap" in raw and raw["bsa_cap"] is not None:
        if not isinstance(raw["bsa_cap"], str):
            c.add(
                "bsa_cap",
                f"expected null or an area with its unit such as '2 m^2', found {raw['bsa_cap']!r}",
            )
        else:
            cap = c.build("bsa_cap", lambda: _bsa_cap(raw["bsa_cap"]))
            if cap is not None:
                kwargs["bsa_cap"] = cap
    if (
        "doxorubicin_equivalence" in raw
        and c.choice(
            raw["doxorubicin_equivalence"], "doxorubicin_equivalence", equivalence_scales()
        )
        is not None
    ):
        kwargs["doxorubicin_equivalence"] = raw["doxorubicin_equivalence"]
    drugs: dict[str, DrugPolicy] = {}
    if "drugs" in raw:
        entries = raw["drugs"]
        if not isinstance(entries, dict):
            c.add("drugs", f"expected a mapping of generic drug name → rules, found {entries!r}")
            entries = {}
        for drug, rules in entries.items():
            dpath = f"drugs.{drug}"
            if not isinstance(drug, str) or drug not in known_drugs():
                c.add(
                    dpath,
                    "expected a generic name from the drug catalog "
                    f"({', '.join(known_drugs())}), found {drug!r}",
                )
                continue
            built = _drug(c, rules, dpath)
            if built is None:
                continue
            if isinstance(built.rounding, ExactComposition):
                pres = drug_info(drug).presentations
                if pres is None or pres.kind != "tablet":
                    c.add(
                        f"{dpath}.rounding.exact_composition",
                        f"expected a drug with tablet strengths in the catalog; {drug} has none",
                    )
                    continue
            drugs[drug] = built
    if c.problems:
        raise LoadError(c.problems)
    policy = c.build("", lambda: DosingPolicy(drugs=drugs, **kwargs))
    if c.problems:
        raise LoadError(c.problems)
    return policy


def load_policy(path: str | os.PathLike[str]) -> DosingPolicy:
    """Load an institution dosing-policy YAML file (format: docs/safety.md).

    Raises:
        LoadError: listing every problem, each with the file and the path inside it.
    """
    return read_policy(path)
