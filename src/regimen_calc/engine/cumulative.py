"""Cumulative anthracycline exposure: prior + this cycle, lifetime limits, doxorubicin equivalents.

Content is data (``data/anthracyclines.yaml``): the mitoxantrone lifetime limit (140 mg/m², US
label), the warning fraction (80%), and two doxorubicin-equivalence scales (COG: mitoxantrone ×4,
the default; Feijen 2019: mitoxantrone ×10.5). Liposomal mitoxantrone (and aclarubicin) have no
validated limit or factor: they are reported on their own, never folded into mitoxantrone.

Exposure is counted in mg/m²: each given (not held) administration's dose to give × times per
day ÷ the BSA the doses were calculated from (rounded, before any cap). MEC's mitoxantrone
8 mg/m² × 5 days = 40 mg/m² per cycle = 160 mg/m² doxorubicin-equivalent at ×4, 420 at ×10.5.

``prior_exposure`` is the patient's whole exposure before this cycle, including earlier cycles of
this regimen; the library does not add earlier cycles itself (it does not know what was given).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import attrs
import pint

from regimen_calc._checks import is_number
from regimen_calc.content.tables import read_data
from regimen_calc.errors import CumulativeDoseError, InputError
from regimen_calc.units import unit, ureg
from regimen_calc.wording import rule_messages

__all__ = [
    "CumulativeReport",
    "DrugExposure",
    "assess_cumulative",
    "check_override",
    "check_prior_exposure",
    "equivalence_scales",
]

_PER_M2 = ureg.Quantity(1, "mg/m**2")


@functools.cache
def _data() -> Mapping[str, Any]:
    return read_data("anthracyclines.yaml")


def equivalence_scales() -> tuple[str, ...]:
    """The doxorubicin-equivalence scales a policy may choose (``"cog"``, ``"feijen"``)."""
    return tuple(_data()["scales"])


def counted_drugs() -> tuple[str, ...]:
    """The drugs whose cumulative exposure the library counts."""
    return tuple(_data()["drugs"])


def _q(value: Decimal) -> pint.Quantity:
    return ureg.Quantity(float(value), unit("mg/m**2"))


def _d(x: float) -> Decimal:
    return Decimal(format(float(x), ".12g"))


def check_prior_exposure(prior: object) -> dict[str, Decimal]:
    """Validate ``{drug: mg/m²}``: numbers in mg/m², or quantities such as ``'60 mg/m^2'``.

    Raises:
        InputError: naming ``prior_exposure[drug]`` for an unknown drug, a value that is not a
            finite amount of 0 or more per m², or a value in plain mg (a prior dose must be per
            m²: the patient's BSA then is not known).
    """
    if prior is None:
        return {}
    if not isinstance(prior, Mapping):
        raise InputError(
            "prior_exposure", "a mapping of drug → mg/m², such as {'mitoxantrone': 60}", prior
        )
    known = counted_drugs()
    out: dict[str, Decimal] = {}
    for name, value in prior.items():
        field = f"prior_exposure[{name!r}]"
        key = name.strip().lower() if isinstance(name, str) else name
        if key not in known:
            raise InputError(field, f"one of the anthracyclines {', '.join(known)}", name)
        if key in out:
            raise InputError(field, "each drug once", name)
        out[key] = _amount(value, field)
    return out


#: "60 mg/m^2", "60 mg/m2", "60 mg/m²", "0.06 g/m**2": one plain decimal, a mass unit, per m².
#: pint's own parser would evaluate the text ("1_2_0 mg/m^2" as 120, "60 mg/m^2 * 2" as 120).
_PER_M2_TEXT = re.compile(
    r"\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[A-Za-zµμ]+)\s*/\s*m\s*(?:\^\s*2|\*\*\s*2|2|²)\s*"
)
#: "60 mg": a mass with no "per m²", named in the error.
_MASS_TEXT = re.compile(r"\s*[0-9]+(?:\.[0-9]+)?\s*[A-Za-zµμ]+\s*")


def _parse_per_m2(value: str, field: str, expected: str) -> pint.Quantity:
    m = _PER_M2_TEXT.fullmatch(value)
    if m is None:
        hint = " (per m²: plain mg cannot be converted)" if _MASS_TEXT.fullmatch(value) else ""
        raise InputError(field, expected + hint, value)
    try:
        return ureg.Quantity(float(m["num"]), ureg.Unit(m["unit"]) / ureg.meter**2)
    except Exception as exc:  # pint raises many kinds for an unknown unit
        raise InputError(field, expected, value) from exc


def _amount(value: object, field: str) -> Decimal:
    low, ceiling = _prior_min_positive(), _prior_max()
    expected = rule_messages.prior_amount_expected(low, ceiling)
    if isinstance(value, bool):
        raise InputError(field, expected, value)
    mag: int | float
    if isinstance(value, int | float):
        mag = value  # kept exact: float() overflows on an int above 1e308
    elif isinstance(value, str | pint.Quantity):
        try:
            q = (
                _parse_per_m2(value, field, expected)
                if isinstance(value, str)
                else ureg.Quantity(value.magnitude, str(value.units))
            )
            if not isinstance(q, pint.Quantity) or q.dimensionality != _PER_M2.dimensionality:
                raise InputError(
                    field, expected + " (per m²: plain mg cannot be converted)", str(value)
                )
            mag = float(q.to("mg/m**2").magnitude)
        except InputError:
            raise
        except Exception as exc:  # pint raises many kinds for a bad unit
            raise InputError(field, expected, str(value)) from exc
    else:
        raise InputError(field, expected, value)
    found = value if not isinstance(value, pint.Quantity) else str(value)
    # Not finite, negative, a positive amount below any real exposure (1e-300: a unit slip or an
    # artefact, and it would print as 0), or far above any lifetime exposure.
    if not is_number(mag) or mag < 0 or 0 < mag < low or mag > ceiling:
        raise InputError(field, expected, found)
    return _d(mag)


def _prior_max() -> float:
    """The most prior exposure accepted, in mg/m² (``prior_exposure_max`` in the data file)."""
    return float(ureg.Quantity(_data()["prior_exposure_max"]).to(unit("mg/m**2")).magnitude)


def _prior_min_positive() -> float:
    """The least positive prior exposure accepted, in mg/m² (``prior_exposure_min_positive``)."""
    return float(
        ureg.Quantity(_data()["prior_exposure_min_positive"]).to(unit("mg/m**2")).magnitude
    )


@attrs.frozen(kw_only=True)
class DrugExposure:
    """One drug's cumulative exposure in mg/m², against its limit where one exists."""

    drug: str
    prior: pint.Quantity
    this_cycle: pint.Quantity
    lifetime: pint.Quantity
    limit: pint.Quantity | None
    percent_of_limit: float | None
    status: Literal["ok", "near", "over_overridden", "no_validated_limit"]
    factor: float | None
    doxorubicin_equivalent: pint.Quantity | None
    note: str | None = None


@attrs.frozen(kw_only=True)
class CumulativeReport:
    """Cumulative anthracycline exposure recorded on a schedule."""

    scale: str
    scale_name: str
    scale_source: str
    drugs: tuple[DrugExposure, ...]
    doxorubicin_equivalent_cycle: pint.Quantity
    doxorubicin_equivalent_lifetime: pint.Quantity
    override: str | None = None

    def drug(self, name: str) -> DrugExposure | None:
        """The exposure of one drug, or ``None`` when it has none."""
        return next((d for d in self.drugs if d.drug == name), None)


def cycle_exposure(administrations: Iterable[Any], bsa: pint.Quantity) -> dict[str, Decimal]:
    """mg/m² of each counted drug given in one cycle (held administrations are not given)."""
    known = set(counted_drugs())
    area = _d(bsa.to(unit("m**2")).magnitude)
    out: dict[str, Decimal] = {}
    for a in administrations:
        if a.drug not in known or a.held:
            continue
        mg = _d(a.dose.to(unit("mg")).magnitude) * a.per_day
        out[a.drug] = out.get(a.drug, Decimal(0)) + mg / area
    return {k: v.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) for k, v in out.items()}


def check_override(override: object) -> str | None:
    """The reason to schedule past a lifetime limit, stripped; ``None`` when none is given.

    Raises:
        InputError: an override that is not text, or is only blank (a reason must be recorded).
    """
    if override is None:
        return None
    if not isinstance(override, str) or not override.strip():
        raise InputError(
            "override_cumulative",
            "None or the reason for going past the lifetime limit, as text",
            override,
        )
    return override.strip()


def assess_cumulative(
    this_cycle: Mapping[str, Decimal],
    prior: Mapping[str, Decimal],
    *,
    scale: str = "cog",
    override: str | None = None,
    cycle: int = 1,
) -> tuple[CumulativeReport, list[tuple[str, str]]]:
    """Totals, limits and doxorubicin equivalents: the report and ``(drug, message)`` warnings.

    Raises:
        CumulativeDoseError: a lifetime total above its limit without an ``override`` reason.
        InputError: for an unknown ``scale`` or an empty ``override``.
    """

    data = _data()
    if scale not in data["scales"]:
        raise InputError("doxorubicin_equivalence", f"one of {', '.join(data['scales'])}", scale)
    override = check_override(override)
    sc = data["scales"][scale]
    factors: Mapping[str, float] = sc["factors"]
    warnings: list[tuple[str, str]] = []
    entries: list[DrugExposure] = []
    dox_cycle = dox_life = Decimal(0)
    for drug in counted_drugs():
        before, now = prior.get(drug, Decimal(0)), this_cycle.get(drug, Decimal(0))
        if before == 0 and now == 0:
            continue
        life = before + now
        info = data["drugs"][drug] or {}
        lim = data["limits"].get(drug)
        factor = factors.get(drug)
        status: str = "ok"
        limit_q = percent = None
        note = info.get("note")
        if lim is not None:
            limit_q = ureg.Quantity(lim["lifetime"]).to("mg/m**2")
            limit = _d(limit_q.magnitude)
            percent = float((life / limit * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
            text = rule_messages.cumulative_status(
                drug,
                _q(life),
                _q(before),
                _q(now),
                percent,
                limit_q,
                lim["source"].split(":")[0].strip(),
            )
            if life > limit:
                if override is None:
                    raise CumulativeDoseError(
                        drug,
                        rule_messages.limit_text(_q(life)),
                        rule_messages.limit_text(limit_q),
                        rule_messages.limit_text(_q(before)),
                        rule_messages.limit_text(_q(now)),
                        quantity=_q(life),
                        limit_quantity=limit_q,
                        prior_quantity=_q(before),
                        this_cycle_quantity=_q(now),
                    )
                status = "over_overridden"
                warnings.append((drug, rule_messages.cumulative_overridden(text, override)))
            elif life >= limit * _d(lim["warn_fraction"]):
                status = "near"
                warnings.append((drug, rule_messages.cumulative_near(text)))
        if lim is None:
            # No lifetime limit in the data: never "below limit", which would read as checked.
            status = "no_validated_limit"
            if factor is not None:
                warnings.append(
                    (
                        drug,
                        rule_messages.cumulative_no_limit(
                            drug, _q(life), _q(before), _q(now), sc["name"]
                        ),
                    )
                )
        if factor is None:
            why = note or rule_messages.no_factor(sc["name"])
            warnings.append(
                (
                    drug,
                    rule_messages.cumulative_not_counted(drug, _q(life), _q(before), _q(now), why),
                )
            )
        if cycle > 1 and now > 0 and before == 0:
            warnings.append((drug, rule_messages.prior_missing(cycle, drug)))
        dox = None
        if factor is not None:
            f = _d(factor)
            dox_cycle += now * f
            dox_life += life * f
            dox = _q(life * f)
        entries.append(
            DrugExposure(
                drug=drug,
                prior=_q(before),
                this_cycle=_q(now),
                lifetime=_q(life),
                limit=limit_q,
                percent_of_limit=percent,
                status=status,
                factor=None if factor is None else float(factor),  # type: ignore[arg-type]
                doxorubicin_equivalent=dox,
                note=note,
            )
        )
    counted = [e.drug for e in entries if e.factor is not None]
    if len(counted) > 1:
        limited = [e for e in entries if e.limit is not None]
        message = rule_messages.several_anthracyclines(
            counted, _q(dox_life), sc["name"], [(e.drug, e.limit) for e in limited]
        )
        warnings.append(("anthracyclines", message))
    report = CumulativeReport(
        scale=scale,
        scale_name=sc["name"],
        scale_source=" ".join(str(sc["source"]).split()),
        drugs=tuple(entries),
        doxorubicin_equivalent_cycle=_q(dox_cycle),
        doxorubicin_equivalent_lifetime=_q(dox_life),
        override=override,
    )
    return report, warnings
