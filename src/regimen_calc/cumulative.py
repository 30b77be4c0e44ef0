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
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import attrs
import pint

from ._checks import is_number
from ._data import read_data
from .errors import CumulativeDoseError, InputError
from .units import unit, ureg

__all__ = [
    "CumulativeReport",
    "DrugExposure",
    "assess_cumulative",
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


def _amount(value: object, field: str) -> Decimal:
    expected = "a cumulative dose of 0 or more in mg/m², such as 60 or '60 mg/m^2'"
    if isinstance(value, bool):
        raise InputError(field, expected, value)
    mag: int | float
    if isinstance(value, int | float):
        mag = value  # kept exact: float() overflows on an int above 1e308
    elif isinstance(value, str | pint.Quantity):
        try:
            q = (
                ureg.Quantity(value)
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
        except Exception as exc:  # pint raises many kinds for a bad unit string
            raise InputError(field, expected, str(value)) from exc
    else:
        raise InputError(field, expected, value)
    if not is_number(mag) or mag < 0:
        raise InputError(
            field, expected, value if not isinstance(value, pint.Quantity) else str(value)
        )
    ceiling = _prior_max()
    if mag > ceiling:  # far above any lifetime anthracycline exposure: a unit slip
        from .formatting import format_number

        raise InputError(
            field,
            expected + f" up to {format_number(ceiling)} mg/m²",
            value if not isinstance(value, pint.Quantity) else str(value),
        )
    return _d(mag)


def _prior_max() -> float:
    """The most prior exposure accepted, in mg/m² (``prior_exposure_max`` in the data file)."""
    return float(ureg.Quantity(_data()["prior_exposure_max"]).to(unit("mg/m**2")).magnitude)


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


def _check_override(override: object) -> str | None:
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
    from .formatting import format_number, format_quantity

    data = _data()
    if scale not in data["scales"]:
        raise InputError("doxorubicin_equivalence", f"one of {', '.join(data['scales'])}", scale)
    override = _check_override(override)
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
            text = (
                f"{drug}: cumulative {format_quantity(_q(life))} = prior "
                f"{format_quantity(_q(before))} + this cycle {format_quantity(_q(now))}; "
                f"{format_number(percent, decimals=1)}% of the lifetime limit "
                f"{format_quantity(limit_q)} ({lim['source'].split(':')[0].strip()})"
            )
            if life > limit:
                if override is None:
                    raise CumulativeDoseError(
                        drug,
                        format_quantity(_q(life)),
                        format_quantity(limit_q),
                        format_quantity(_q(before)),
                        format_quantity(_q(now)),
                    )
                status = "over_overridden"
                warnings.append((drug, f"{text}. ABOVE THE LIMIT, overridden: {override}"))
            elif life >= limit * _d(lim["warn_fraction"]):
                status = "near"
                warnings.append(
                    (drug, f"{text}. Nearing the limit: check LVEF and the lifetime total.")
                )
        if factor is None:
            if lim is None:
                status = "no_validated_limit"
            why = note or f"No factor in the {sc['name']} scale."
            warnings.append(
                (
                    drug,
                    f"{drug}: cumulative {format_quantity(_q(life))} (prior "
                    f"{format_quantity(_q(before))} + this cycle {format_quantity(_q(now))}); "
                    f"not counted in the doxorubicin equivalent. {' '.join(why.split())}",
                )
            )
        if cycle > 1 and now > 0 and before == 0:
            warnings.append(
                (
                    drug,
                    f"Cycle {cycle}: prior_exposure gives no {drug}; the lifetime total counts "
                    "this cycle only. "
                    "Give every earlier dose, earlier cycles of this regimen included.",
                )
            )
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


def report_to_dict(report: CumulativeReport) -> dict[str, Any]:
    """The report as plain data for ``Schedule.to_dict()``."""
    from ._export import quantity

    return {
        "scale": report.scale,
        "scale_name": report.scale_name,
        "scale_source": report.scale_source,
        "override": report.override,
        "doxorubicin_equivalent_cycle": quantity(report.doxorubicin_equivalent_cycle),
        "doxorubicin_equivalent_lifetime": quantity(report.doxorubicin_equivalent_lifetime),
        "drugs": [
            {
                "drug": d.drug,
                "prior": quantity(d.prior),
                "this_cycle": quantity(d.this_cycle),
                "lifetime": quantity(d.lifetime),
                "limit": quantity(d.limit),
                "percent_of_limit": d.percent_of_limit,
                "status": d.status,
                "factor": d.factor,
                "doxorubicin_equivalent": quantity(d.doxorubicin_equivalent),
                "note": d.note,
            }
            for d in report.drugs
        ],
    }
