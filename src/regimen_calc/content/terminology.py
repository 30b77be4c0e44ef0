"""Terminology for interoperable output (FHIR R4): drug, route and unit codes with their sources.

The code systems, the SNOMED CT concept of each regimen route and the UCUM code of each printed
unit are in ``data/terminology.yaml``; each drug's ATC and RxNorm codes are in ``data/drugs.yaml``
beside the drug (read through :func:`regimen_calc.content.catalog.drug_info`, as ``.codes``).

Every code carries the public source that confirms it. A code that no public source confirmed is
recorded as *not confirmed* (a :class:`Coding` whose ``code`` is ``None``, with a note saying so),
never guessed: a wrong code in an exported schedule would be read by another system as a fact.
Both files are checked field by field when read (:class:`ProblemCollector`); a broken table raises
one :class:`~regimen_calc.errors.LoadError` naming every bad field by its path.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from typing import Any

import attrs

from regimen_calc.content.checking import ProblemCollector
from regimen_calc.content.tables import read_data
from regimen_calc.errors import InputError

__all__ = [
    "Coding",
    "DrugCodes",
    "UnitCode",
    "code_system",
    "parse_drug_codes",
    "route_code",
    "routes",
    "ucum",
    "unit_code",
    "unit_texts",
]

TERMINOLOGY_FILE = "terminology.yaml"

#: The code systems the tables name, by the short name used in the data files.
_SYSTEM_NAMES = ("atc", "rxnorm", "snomed", "ucum")

#: The shape of a code in each system, so that a typing error in a table (a letter for a digit, a
#: space) is refused when it is read rather than exported. UCUM codes are checked for the
#: characters UCUM's case-sensitive syntax uses.
_CODE_PATTERNS = {
    "atc": re.compile(r"[A-Z]\d{2}[A-Z]{2}\d{2}"),
    "rxnorm": re.compile(r"\d{1,9}"),
    "snomed": re.compile(r"\d{6,18}"),
    "ucum": re.compile(r"[0-9A-Za-z*/.\[\]{}^-]+"),
}

#: What each system's code looks like, as a problem message says it.
_CODE_SHAPES = {
    "atc": "an ATC code such as L01BC01",
    "rxnorm": "an RxNorm code (digits)",
    "snomed": "a SNOMED CT identifier (6 to 18 digits)",
    "ucum": "a UCUM code such as mg/m2",
}

NOT_CONFIRMED = "not_confirmed"


@attrs.frozen(kw_only=True)
class Coding:
    """One code of a code system with the public source that confirms it, or the explicit record
    that no code is confirmed (``code`` is ``None``; ``note`` says so)."""

    #: The code system's URI (``http://www.whocc.no/atc``, ``http://snomed.info/sct``).
    system: str
    #: The code, or ``None`` when no public source confirmed one.
    code: str | None
    #: The code system's name for the concept (``None`` for a code not confirmed).
    display: str | None = None
    #: The public source that confirms the code (``None`` for a code not confirmed).
    source: str | None = None
    #: Why the code is the one (or why there is none): printed where the code is missing.
    note: str | None = None

    @property
    def confirmed(self) -> bool:
        """Whether a public source confirmed a code (``False``: the code is ``None``)."""
        return self.code is not None


@attrs.frozen(kw_only=True)
class DrugCodes:
    """A drug's codes: its WHO ATC code and its RxNorm ingredient code, each maybe not confirmed."""

    atc: Coding
    rxnorm: Coding


@attrs.frozen(kw_only=True)
class UnitCode:
    """A unit as the library prints it (ISMP notation) and its UCUM code."""

    #: The unit as printed: ``mcg``, ``mg/m²``, ``10^9/L``.
    text: str
    #: Its UCUM code (case-sensitive): ``ug``, ``mg/m2``, ``10*9/L``.
    ucum: str
    #: UCUM's name for the unit (``microgram``).
    display: str
    source: str


@attrs.frozen(kw_only=True)
class _Terminology:
    systems: Mapping[str, str]
    routes: Mapping[str, Coding]
    units: Mapping[str, UnitCode]


def _coding(ck: ProblemCollector, value: object, path: str, system: str, uri: str) -> Coding | None:
    """A coding entry: ``{code, display, source[, note]}``, or ``{status: not_confirmed, note}``."""
    if isinstance(value, dict) and "status" in value:
        entry = ck.mapping(value, path, required=("status", "note"))
        if entry is None:
            return None
        ck.choice(entry.get("status"), f"{path}.status", (NOT_CONFIRMED,))
        note = ck.text(entry.get("note"), f"{path}.note")
        return Coding(system=uri, code=None, note=" ".join(note.split()))
    entry = ck.mapping(value, path, required=("code", "display", "source"), optional=("note",))
    if entry is None:
        return None
    code = ck.text(entry.get("code"), f"{path}.code")
    if code and not _CODE_PATTERNS[system].fullmatch(code):
        ck.expected(f"{path}.code", _CODE_SHAPES[system], code)
    display = ck.text(entry.get("display"), f"{path}.display")
    source = ck.text(entry.get("source"), f"{path}.source")
    note = ck.text(entry["note"], f"{path}.note") if "note" in entry else None
    return Coding(
        system=uri,
        code=code,
        display=display,
        source=" ".join(source.split()),
        note=None if note is None else " ".join(note.split()),
    )


def _parse_terminology(raw: object, *, file: str = TERMINOLOGY_FILE) -> _Terminology:
    """The checked content of a terminology table (``raw``: its parsed YAML).

    Raises:
        LoadError: listing every problem of the table, each by its path in the file.
    """
    ck = ProblemCollector(file)
    ck.mapping(raw, "", required=("systems", "routes", "units"))
    ck.raise_if_any()  # without the three parts there is nothing more to check
    top: dict[str, Any] = raw  # type: ignore[assignment]  # a mapping: checked just above
    systems: dict[str, str] = {}
    sys_map = ck.mapping(top["systems"], "systems", required=_SYSTEM_NAMES)
    for name in _SYSTEM_NAMES:
        if sys_map is not None and name in sys_map:
            uri = ck.text(sys_map[name], f"systems.{name}")
            if uri and not uri.startswith("http"):
                ck.expected(f"systems.{name}", "a code system URI (http...)", uri)
            systems[name] = uri
    routes: dict[str, Coding] = {}
    route_map = top["routes"]
    if not isinstance(route_map, dict) or not route_map:
        ck.expected("routes", "a mapping of route to its SNOMED CT code", route_map)
    else:
        for route, value in route_map.items():
            coding = _coding(ck, value, f"routes.{route}", "snomed", systems.get("snomed", ""))
            if coding is not None:
                routes[str(route)] = coding
    units: dict[str, UnitCode] = {}
    unit_map = top["units"]
    if not isinstance(unit_map, dict) or not unit_map:
        ck.expected("units", "a mapping of printed unit to its UCUM code", unit_map)
    else:
        for text, value in unit_map.items():
            path = f"units.{text}"
            entry = ck.mapping(value, path, required=("ucum", "display", "source"))
            if entry is None:
                continue
            code = ck.text(entry.get("ucum"), f"{path}.ucum")
            if code and not _CODE_PATTERNS["ucum"].fullmatch(code):
                ck.expected(f"{path}.ucum", _CODE_SHAPES["ucum"], code)
            units[str(text)] = UnitCode(
                text=str(text),
                ucum=code,
                display=ck.text(entry.get("display"), f"{path}.display"),
                source=" ".join(ck.text(entry.get("source"), f"{path}.source").split()),
            )
    ck.raise_if_any()
    return _Terminology(systems=systems, routes=routes, units=units)


@functools.cache
def _terminology() -> _Terminology:
    return _parse_terminology(copy.deepcopy(read_data(TERMINOLOGY_FILE)))


def code_system(name: str) -> str:
    """The URI of a code system by its short name (``atc``, ``rxnorm``, ``snomed``, ``ucum``).

    Raises:
        InputError: for a name that is not one of those.
    """
    try:
        return _terminology().systems[name]
    except (KeyError, TypeError):
        raise InputError("system", f"one of {', '.join(_SYSTEM_NAMES)}", name) from None


def parse_drug_codes(ck: ProblemCollector, value: object, path: str) -> DrugCodes | None:
    """A drug's ``codes`` block (``{atc: ..., rxnorm: ...}``), its problems recorded in ``ck``.

    Used by the drug catalog, so that the codes are checked with the rest of ``drugs.yaml``.
    """
    entry = ck.mapping(value, path, required=("atc", "rxnorm"))
    if entry is None:
        return None
    codings = {
        name: _coding(ck, entry[name], f"{path}.{name}", name, code_system(name))
        for name in ("atc", "rxnorm")
        if name in entry
    }
    atc, rxnorm = codings.get("atc"), codings.get("rxnorm")
    if atc is None or rxnorm is None:
        return None
    return DrugCodes(atc=atc, rxnorm=rxnorm)


def routes() -> tuple[str, ...]:
    """Every route the table has a SNOMED CT code for (``IV``, ``subcut``, ``PO``, ``IM``)."""
    return tuple(_terminology().routes)


def route_code(route: str) -> Coding:
    """The SNOMED CT route of administration of a regimen route (``"IV"`` → 47625008).

    Raises:
        InputError: for a route the table does not have.
    """
    try:
        return _terminology().routes[route]
    except (KeyError, TypeError):
        raise InputError("route", f"one of {', '.join(routes())}", route) from None


def unit_texts() -> tuple[str, ...]:
    """Every printed unit the table has a UCUM code for."""
    return tuple(_terminology().units)


def unit_code(unit_text: str) -> UnitCode | None:
    """The UCUM entry of a unit as printed (``"mcg"``), or ``None`` for a unit without one."""
    return _terminology().units.get(unit_text) if isinstance(unit_text, str) else None


def ucum(unit_text: str) -> str | None:
    """The UCUM code of a unit as printed (``"mg/m²"`` → ``"mg/m2"``, ``"mcg"`` → ``"ug"``).

    ``None`` for a unit the table has no confirmed code for: the output then says so with a null
    rather than a code made up from the printed text.
    """
    entry = unit_code(unit_text)
    return None if entry is None else entry.ucum
