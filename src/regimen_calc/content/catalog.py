"""The drug catalog (``data/drugs.yaml``): generic names, presentations, interaction rules and
each drug's codes (ATC, RxNorm: :mod:`regimen_calc.content.terminology`)."""

from __future__ import annotations

import functools

import attrs
import pint

from regimen_calc.content.checking import ProblemCollector
from regimen_calc.content.tables import read_data
from regimen_calc.content.terminology import DrugCodes, parse_drug_codes
from regimen_calc.errors import InputError
from regimen_calc.units import ureg

__all__ = ["Drug", "Presentation", "drug_info", "known_drugs"]


@attrs.frozen(kw_only=True)
class Presentation:
    """The strengths a drug comes in (tablets, syringes), used to compose doses exactly."""

    kind: str
    strengths: tuple[pint.Quantity, ...]
    source: str


@attrs.frozen(kw_only=True)
class Drug:
    """One catalog entry."""

    name: str
    presentations: Presentation | None = None
    interaction_rule: str | None = None
    #: Standing instructions from the label, each ``(text, source)``, printed with the schedule.
    instructions: tuple[tuple[str, str], ...] = ()
    #: The frequencies a regimen may give the drug at (empty: any), and the source saying so.
    frequencies: tuple[str, ...] = ()
    frequencies_source: str | None = None
    #: The drug's ATC and RxNorm codes, each with its source or marked not confirmed (``None``
    #: only for an entry built in code, outside the bundled catalog).
    codes: DrugCodes | None = None


@functools.cache
def _catalog() -> dict[str, Drug]:
    out: dict[str, Drug] = {}
    # The codes are checked field by field: a broken code is a load error naming its path in
    # drugs.yaml, never a wrong code in an exported schedule.
    ck = ProblemCollector("drugs.yaml")
    for index, entry in enumerate(read_data("drugs.yaml")["drugs"]):
        codes = parse_drug_codes(ck, entry.get("codes"), f"drugs[{index}].codes")
        pres = entry.get("presentations")
        presentation = None
        if pres:
            presentation = Presentation(
                kind=pres["kind"],
                strengths=tuple(ureg.Quantity(s) for s in pres["strengths"]),
                source=pres["source"],
            )
        out[entry["name"]] = Drug(
            name=entry["name"],
            presentations=presentation,
            interaction_rule=entry.get("interaction_rule"),
            frequencies=tuple(entry.get("frequencies", {}).get("allowed", ())),
            frequencies_source=entry.get("frequencies", {}).get("source"),
            instructions=tuple(
                (" ".join(i["text"].split()), i["source"]) for i in entry.get("instructions", ())
            ),
            codes=codes,
        )
    ck.raise_if_any()
    return out


def known_drugs() -> tuple[str, ...]:
    """Every generic name the catalog knows."""
    return tuple(_catalog())


def drug_info(name: str) -> Drug:
    """The catalog entry for a generic name.

    Raises:
        InputError: for a name the catalog does not know.
    """
    try:
        return _catalog()[name]
    except (KeyError, TypeError):  # TypeError: an unhashable name such as a list
        expected = f"a generic name from the drug catalog ({', '.join(known_drugs())})"
        raise InputError("drug", expected, name) from None
