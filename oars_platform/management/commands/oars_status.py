"""``./manage.py lms oars_status``: is the pipeline flowing? One line per fact, or --json."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from oars_platform.clickhouse import ClickHouseError, get_client
from oars_platform.privacy import mask_secrets
from oars_platform.status import read_status


class Command(BaseCommand):
    """Print the pipeline's health: last event, lag, queue depth, dead letters, quarantine, statements by event."""

    help = (
        "Show the oars_platform pipeline status: time of the last stored event, lag between emission and storage, "
        "Celery queue depth, dead letters waiting for replay, quarantined events per reason and statements "
        "written per event type. The ClickHouse URL is shown with its password masked."
    )

    def add_arguments(self, parser: Any) -> None:
        """--json."""
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of lines of text.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Read and print the status."""
        try:
            client = get_client()
        except ClickHouseError as exc:
            self.stderr.write(f"ClickHouse is not configured: {mask_secrets(str(exc))}")
            raise SystemExit(1) from exc
        status = read_status(client)
        if options["json"]:
            self.stdout.write(json.dumps(status.as_dict(), sort_keys=True))
            return
        self.stdout.write(f"clickhouse: {status.clickhouse}")
        self.stdout.write(f"last event time: {status.last_event_time or 'none yet'}")
        self.stdout.write(f"last received at: {status.last_received_at or 'none yet'}")
        self.stdout.write(f"lag seconds: {_fmt(status.lag_seconds)}")
        self.stdout.write(f"queue depth: {_fmt(status.queue_depth)}")
        self.stdout.write(f"dead letters: {_fmt(status.dead_letters)}")
        for reason, count in sorted(status.quarantine_by_reason.items()):
            self.stdout.write(f"quarantined {reason}: {count}")
        for view, count in sorted(status.view_refused.items()):
            self.stdout.write(f"stored but refused by view {view}: {count}")
        for name, count in sorted(status.statements_by_event.items(), key=lambda item: (-item[1], item[0])):
            self.stdout.write(f"statements {name}: {count}")
        for error in status.errors:
            self.stdout.write(f"error: {error}")


def _fmt(value: Any) -> str:
    if value is None:
        return "unknown"
    return f"{value:.1f}" if isinstance(value, float) else str(value)
