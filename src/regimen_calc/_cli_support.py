"""What every ``regimen-calc`` command shares: how an error reaches the user, and common options.

Imported by ``cli.py`` and ``forecast_cli.py`` only (it imports click), never by the library.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["library_errors", "overlay_option", "rule_set_option"]

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
        from .errors import RegimenCalcError

        try:
            return func(*args, **kwargs)
        except RegimenCalcError as exc:
            message = str(exc).replace("\n", "\n  ")
            click.echo(f"error: {message}", err=True)
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
