"""What every management command of the plugin shares: failures end as one line on stderr and a non-zero exit.

Operators run these commands by hand and from cron or monitoring; a traceback there hides the one fact that
matters (which server, which file, which value) under driver internals.
"""

from __future__ import annotations

from argparse import ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from oars_platform.clickhouse import ClickHouseError
from oars_platform.privacy import mask_secrets


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (argparse turns the error into a one-line usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def one_line(text: str) -> str:
    """``text`` on one line (ClickHouse and driver messages may span several)."""
    return " ".join(str(text).split())


class OarsCommand(BaseCommand):
    """A ``BaseCommand`` whose ClickHouse errors (unreachable, engine directory in use, query refused) exit 1."""

    def execute(self, *args: Any, **options: Any) -> Any:
        """Run the command; a ClickHouse error nobody handled becomes a one-line ``CommandError``."""
        try:
            return super().execute(*args, **options)
        except ClickHouseError as exc:
            raise CommandError(one_line(mask_secrets(str(exc)))) from exc
