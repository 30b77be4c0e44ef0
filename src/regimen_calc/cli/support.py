"""What every ``regimen-calc`` command shares: how an error reaches the user, and common options.

Imported by ``cli.commands`` and ``cli.forecast`` only (it imports click), never by the library.
"""

from __future__ import annotations

import functools
import math
import os
import re
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from regimen_calc.errors import RegimenCalcError

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "PlainInt",
    "StrictCommand",
    "StrictGroup",
    "library_errors",
    "overlay_option",
    "plain_decimal",
    "plain_int",
    "refuse_repeated_files",
    "rule_set_option",
]

#: A plain decimal as typed: ASCII digits with at most one point between digits, nothing else.
#: ``float()`` also reads ``1_2_0`` (120), ``nan``, ``inf``, ``1e3`` and non-ASCII digits; a
#: naked point (``.5``, ``5.``) is an ISMP error-prone notation. Each is refused.
_PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_PLAIN_INT = re.compile(r"[0-9]+")
_MAX_DIGITS = 18


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted, cut to ``limit`` characters (a mistyped value may be thousands long)."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text)} characters)"


def plain_decimal(text: str, option: str, item: str | None = None) -> float:
    """``text`` (surrounding spaces aside) as a float when it is a plain decimal such as ``25``
    or ``12.5``; otherwise a usage error naming ``option`` (and the ``item`` it came from).
    """
    where = f"{_shown(item)}: " if item is not None and item != text else ""
    if _PLAIN_DECIMAL.fullmatch(text.strip()) is None:
        raise click.BadParameter(
            f"{where}{_shown(text)} is not a number written as plain digits with at most one "
            "decimal point (such as 25 or 12.5)",
            param_hint=option,
        )
    value = float(text)
    if not math.isfinite(value):  # 400 digits and more: float() gives infinity
        raise click.BadParameter(
            f"{where}{_shown(text)} is too large to be a number", param_hint=option
        )
    return value


def plain_int(text: str, option: str, item: str | None = None, *, signed: bool = False) -> int:
    """``text`` as an int when it is plain ASCII digits (a leading ``-`` when ``signed``)."""
    stripped = text.strip()
    digits = stripped[1:] if signed and stripped.startswith("-") else stripped
    where = f"{_shown(item)}: " if item is not None and item != text else ""
    if _PLAIN_INT.fullmatch(digits) is None:
        sign = "an optional minus sign and " if signed else ""
        raise click.BadParameter(
            f"{where}{_shown(text)} is not a whole number written as {sign}plain digits",
            param_hint=option,
        )
    if len(digits) > _MAX_DIGITS:  # int() refuses over 4,300 digits with a bare ValueError
        raise click.BadParameter(
            f"{where}{_shown(text)} is a whole number of {len(digits)} digits: no day, cycle "
            f"or age has more than {_MAX_DIGITS}",
            param_hint=option,
        )
    return int(stripped)


class PlainInt(click.ParamType):
    """click's ``int`` (and ``IntRange``) without what ``int()`` also reads: ``1_0``, ``+1``,
    non-ASCII digits.

    Args:
        low: the smallest value accepted, or ``None``.
        high: the largest value accepted, or ``None``.
    """

    name = "integer"

    def __init__(self, low: int | None = None, high: int | None = None) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            hint = param.get_error_hint(ctx) if param is not None and ctx is not None else None
            number = plain_int(str(value), hint or "value")
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            low = "" if self.low is None else f"{self.low} <= "
            high = "" if self.high is None else f" <= {self.high}"
            self.fail(f"{number} is not in the range {low}x{high}.", param, ctx)
        return number


class StrictCommand(click.Command):
    """A command that refuses an option given twice when only one value of it can be used.

    click keeps the last of ``--height 170cm --height 180cm`` and drops the first without a
    word; a repeated flag is dropped the same way. Options declared ``multiple`` are checked
    by the command itself for values that would replace one another (the same lab on the same
    day, the same drug twice).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not ctx.resilient_parsing:
            _, _, order = self.make_parser(ctx).parse_args(args=list(args))
            seen: set[str | None] = set()
            for param in order:
                if not isinstance(param, click.Option) or param.multiple or param.count:
                    continue
                if param.name in seen:
                    raise click.BadParameter(
                        "given more than once; give it once (only one value can be used)",
                        ctx=ctx,
                        param=param,
                    )
                seen.add(param.name)
        return super().parse_args(ctx, args)


class StrictGroup(click.Group):
    """A command group whose commands are :class:`StrictCommand`."""

    command_class = StrictCommand


def refuse_repeated_files(paths: tuple[str, ...], option: str) -> None:
    """A usage error naming ``option`` when one file is given twice (by any spelling of it)."""
    seen: dict[str, str] = {}
    for path in paths:
        key = os.path.normcase(os.path.realpath(path))
        if key in seen:
            raise click.BadParameter(
                f"{path!r} is the same file as {seen[key]!r}: give each file once",
                param_hint=option,
            )
        seen[key] = path


#: ``--rule-set label|protocol``: the venetoclax interaction rule set.
rule_set_option = click.option(
    "--rule-set",
    type=click.Choice(["label", "protocol"]),
    default="label",
    show_default=True,
    help="Venetoclax interaction rule set.",
)

#: ``--overlay FILE`` (repeatable): site overlay files.
overlay_option = click.option(
    "--overlay",
    "overlays",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A site overlay file (repeatable).",
)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file behind stdout (a test runner)
        pass


def library_errors(func: F) -> F:
    """Turn a library error into one ``error: ...`` line on stderr and exit status 1.

    A :class:`~regimen_calc.errors.RegimenCalcError` (continuation lines of a multi-problem
    error indented under it) and an ``OSError`` (an output file that cannot be written, a full
    disk) are the user's to fix; click's usage errors pass through (click prints them and exits
    with 2); anything else is a bug, reported in one line, its traceback only with
    ``REGIMEN_CALC_DEBUG=1``.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:

        try:
            return func(*args, **kwargs)
        except RegimenCalcError as exc:
            message = str(exc).replace("\n", "\n  ")
            click.echo(f"error: {message}", err=True)
            sys.exit(1)
        except BrokenPipeError:
            # The reader closed the pipe (``regimen-calc show CLAG | head -1``): nothing is
            # left to tell it. Stop quietly; point stdout at the null device so the
            # interpreter's final flush does not raise again.
            _silence_stdout()
            sys.exit(1)
        except OSError as exc:
            click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if os.environ.get("REGIMEN_CALC_DEBUG"):
                raise
            click.echo(
                f"error: internal error ({type(exc).__name__}: {exc}); please report it "
                "(set REGIMEN_CALC_DEBUG=1 to see the traceback)",
                err=True,
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]
