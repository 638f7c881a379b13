"""What every management command of the plugin shares: failures end as one line on stderr and a non-zero exit.

Operators run these commands by hand and from cron or monitoring; a traceback there hides the one fact that
matters (which server, which file, which value) under driver internals.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from oars_platform.clickhouse import ClickHouseError
from oars_platform.privacy import mask_secrets


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
