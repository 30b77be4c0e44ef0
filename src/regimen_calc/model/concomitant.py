"""A patient's concomitant medicine: :class:`Concomitant`, a drug with its CYP3A4/P-gp class
and the days it is taken.

Classifying a drug by name from the interaction table is
:func:`regimen_calc.engine.interactions.resolve_concomitants`.
"""

from __future__ import annotations

import attrs

from regimen_calc.content.interaction_tables import CYP3A4_CLASSES
from regimen_calc.errors import InputError

__all__ = ["Concomitant"]


def check_day(field: str, value: object) -> None:
    """Refuse a day that is not a whole number (``None`` passes: no day given)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InputError(field, "a whole day number or None", value)


def _validate_name(_inst: object, _attr: object, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InputError("concomitant.name", "a non-empty drug name", value)


def _validate_cyp3a4(_inst: object, _attr: object, value: object) -> None:
    if not isinstance(value, str) or value not in CYP3A4_CLASSES:
        raise InputError("concomitant.cyp3a4", f"one of {', '.join(CYP3A4_CLASSES)}", value)


def _validate_pgp(_inst: object, _attr: object, value: object) -> None:
    if not isinstance(value, bool):
        raise InputError("concomitant.pgp", "True or False", value)


def text_validator(field: str):  # type: ignore[no-untyped-def]
    """An attrs validator refusing a value that is not text, as ``field``."""

    def check(_inst: object, _attr: object, value: object) -> None:
        if not isinstance(value, str):
            raise InputError(field, "text", value)

    return check


def _validate_rule(_inst: object, _attr: object, value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InputError("concomitant.rule", "None or the name of a drug-specific rule", value)


# The class is not kw_only as a whole so that ``name`` may be positional on every attrs >= 24.1
# (field-level kw_only=False overriding a class-level kw_only=True arrived only in attrs 25.4);
# every other field is keyword-only.
@attrs.frozen
class Concomitant:
    """A concomitant drug, its CYP3A4/P-gp classification and the days it is taken.

    Build one directly for a drug outside the interaction table
    (``Concomitant("drug-x", cyp3a4="strong", start_day=4)``), or let
    :func:`~regimen_calc.engine.interactions.resolve_concomitants` build it from a name.

    Args:
        name: the drug's name.
        cyp3a4: ``"strong"``, ``"moderate"``, ``"weak"`` or ``"none"``.
        pgp: whether the drug inhibits P-gp.
        start_day: first day taken; ``None`` means already taken before the cycle starts.
        stop_day: last day taken; ``None`` means it continues past the schedule.
        source: where the classification comes from (``"caller"`` for a caller's own).
        note: free text shown with the adjustment.
        rule: the name of a drug-specific strong-inhibitor table (``"posaconazole"``), if any.

    Raises:
        InputError: for an unknown class, a non-boolean ``pgp``, non-integer days, or
            ``stop_day`` before ``start_day``.
    """

    name: str = attrs.field(validator=_validate_name)
    cyp3a4: str = attrs.field(kw_only=True, validator=_validate_cyp3a4)
    pgp: bool = attrs.field(default=False, kw_only=True, validator=_validate_pgp)
    start_day: int | None = attrs.field(default=None, kw_only=True)
    stop_day: int | None = attrs.field(default=None, kw_only=True)
    source: str = attrs.field(
        default="caller", kw_only=True, validator=text_validator("concomitant.source")
    )
    note: str = attrs.field(default="", kw_only=True, validator=text_validator("concomitant.note"))
    rule: str | None = attrs.field(default=None, kw_only=True, validator=_validate_rule)

    def __attrs_post_init__(self) -> None:
        check_day("concomitant.start_day", self.start_day)
        check_day("concomitant.stop_day", self.stop_day)
        if (
            self.start_day is not None
            and self.stop_day is not None
            and self.stop_day < self.start_day
        ):
            raise InputError(
                "concomitant.stop_day",
                f"a day on or after start_day {self.start_day}",
                self.stop_day,
            )
