"""The library's errors: one base class, a ``ValueError``, and a few specific kinds.

Every error carries the data it is about and builds its message in ``__str__``, so callers can
inspect the field, the expected value and what was found instead of parsing text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

__all__ = [
    "CumulativeDoseError",
    "DoseLimitError",
    "InputError",
    "LoadError",
    "MissingSiteValuesError",
    "Problem",
    "ProblemsError",
    "RegimenCalcError",
    "UnknownDrugError",
    "shown",
]


class RegimenCalcError(ValueError):
    """Base of every error the library raises on bad input or an unsafe dose."""


class InputError(RegimenCalcError):
    """A value given to the library is not what the field accepts.

    Args:
        field: the name of the field, as the caller wrote it (``"height"``, ``"labs[3].wbc"``).
        expected: what the field accepts, in words a pharmacist reads.
        found: what was given (``None`` when nothing was given).
    """

    def __init__(self, field: str, expected: str, found: object = None) -> None:
        super().__init__(field, expected, found)
        self.field = field
        self.expected = expected
        self.found = found

    def __str__(self) -> str:
        found = "" if self.found is None else f", found {shown(self.found)}"
        return f"{self.field}: expected {self.expected}{found}"


#: The most characters of a value an error message shows (a pasted file is not echoed whole).
MAX_SHOWN = 200


def shown(value: object) -> str:
    """``repr(value)``, shortened past :data:`MAX_SHOWN` characters with its full length.

    >>> shown("x" * 1000)[-25:]
    'xxxxx… (1,002 characters)'
    """
    text = repr(value)
    if len(text) <= MAX_SHOWN:
        return text
    return f"{text[:MAX_SHOWN]}… ({len(text):,} characters)"


@attrs.frozen
class Problem:
    """One problem found in a regimen, overlay or policy file."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class ProblemsError(RegimenCalcError):
    """An error that lists every problem found (each a :class:`Problem`), not only the first.

    The base of :class:`LoadError` (a file) and ``forecast.PatientDataError`` (patient rows).
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(tuple(problems))
        self.problems: tuple[Problem, ...] = tuple(problems)

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


class LoadError(ProblemsError):
    """A file could not be loaded; lists every problem found in it, not only the first."""


class MissingSiteValuesError(RegimenCalcError):
    """A regimen needs values that only the site can supply (no public value exists)."""

    def __init__(self, regimen_id: str, fields: Sequence[str]) -> None:
        super().__init__(regimen_id, tuple(fields))
        self.regimen_id = regimen_id
        self.fields: tuple[str, ...] = tuple(fields)

    def __str__(self) -> str:
        listed = "; ".join(self.fields)
        return (
            f"{self.regimen_id}: cannot schedule without site-supplied values for: {listed}. "
            "Supply them in a site overlay file (see docs/regimen-format.md, 'Site overlays')."
        )


class UnknownDrugError(RegimenCalcError):
    """A concomitant drug name is not in the interaction table (never read as 'no interaction')."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(name, tuple(suggestions))
        self.name = name
        self.suggestions: tuple[str, ...] = tuple(suggestions)

    def __str__(self) -> str:
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        return (
            f"concomitant: unknown drug {self.name!r}{hint} An unknown drug is never taken as "
            "'no interaction': classify it with Concomitant(name, cyp3a4=..., pgp=...)."
        )


class DoseLimitError(RegimenCalcError):
    """A computed dose is above the drug's ceiling (a guard against tenfold errors), or a cycle's
    flat doses of a drug with a per-m² cycle total are above that total.

    Args:
        drug: the drug.
        day: the day of the dose; for ``kind="cycle"``, the day the cycle's total passes the limit.
        dose: the dose, or for ``kind="cycle"`` the cycle's flat-dose total, as printed.
        limit: the limit, as printed.
        kind: ``"single"``, ``"daily"`` or ``"cycle"``.
        message: the whole message, when the kind needs more than the dose and the limit.
        quantity: the dose (or the cycle's flat-dose total) as a quantity, so a caller can
            compare it without parsing ``dose``; ``None`` when not given.
        limit_quantity: the limit as a quantity; ``None`` when not given.
    """

    def __init__(
        self,
        drug: str,
        day: int,
        dose: str,
        limit: str,
        kind: str,
        message: str | None = None,
        *,
        quantity: Any = None,
        limit_quantity: Any = None,
    ) -> None:
        super().__init__(drug, day, dose, limit, kind, message)
        self.drug, self.day, self.dose, self.limit, self.kind = drug, day, dose, limit, kind
        self.message = message
        # The quantities are kept beside the printed text (pint is not imported here: errors
        # are the lowest layer); they are not part of ``args``, which stays as it was.
        self.quantity = quantity
        self.limit_quantity = limit_quantity

    def __str__(self) -> str:
        if self.message is not None:
            return self.message
        return (
            f"{self.drug}, day {self.day}: {self.kind} dose {self.dose} is above the limit "
            f"{self.limit}; check the regimen, the patient's height and weight and their units"
        )


class CumulativeDoseError(RegimenCalcError):
    """A cumulative (lifetime) dose would pass its limit, and no override reason was given.

    Args:
        drug: the drug (``"mitoxantrone"``).
        lifetime: the lifetime total after this cycle, as printed (``"150 mg/m²"``).
        limit: the limit, as printed (``"140 mg/m²"``).
        prior: the prior exposure given, as printed.
        this_cycle: this cycle's exposure, as printed.
        quantity: the lifetime total after this cycle as a quantity (mg/m²); ``None`` when not
            given.
        limit_quantity: the limit as a quantity; ``None`` when not given.
        prior_quantity: the prior exposure as a quantity; ``None`` when not given.
        this_cycle_quantity: this cycle's exposure as a quantity; ``None`` when not given.
    """

    def __init__(
        self,
        drug: str,
        lifetime: str,
        limit: str,
        prior: str,
        this_cycle: str,
        *,
        quantity: Any = None,
        limit_quantity: Any = None,
        prior_quantity: Any = None,
        this_cycle_quantity: Any = None,
    ) -> None:
        super().__init__(drug, lifetime, limit, prior, this_cycle)
        self.drug, self.lifetime, self.limit = drug, lifetime, limit
        self.prior, self.this_cycle = prior, this_cycle
        self.quantity = quantity
        self.limit_quantity = limit_quantity
        self.prior_quantity = prior_quantity
        self.this_cycle_quantity = this_cycle_quantity

    def __str__(self) -> str:
        return (
            f"prior_exposure: cumulative {self.drug} {self.lifetime} (prior {self.prior} + this "
            f"cycle {self.this_cycle}) is above the lifetime limit {self.limit}; to schedule it "
            "anyway, give override_cumulative='the reason' (recorded on the schedule)"
        )
