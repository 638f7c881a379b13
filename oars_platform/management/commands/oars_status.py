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
        parser.add_argument(
            "--clear-spool-drops",
            action="store_true",
            help="Forget the count of tracking events the local spools dropped (after replaying the tracking logs "
            "of the window it named with replay_tracking_logs).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Read and print the status."""
        try:
            client = get_client()
        except ClickHouseError as exc:
            self.stderr.write(f"ClickHouse is not configured: {mask_secrets(str(exc))}")
            raise SystemExit(1) from exc
        if options["clear_spool_drops"]:
            _clear_spool_drops(self)
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
        for name, count in sorted(status.statements_by_event.items(), key=lambda item: (-item[1], item[0])):
            self.stdout.write(f"statements {name}: {count}")
        self.stdout.write(f"spooled on this host: {_fmt(status.spool_pending)}")
        self.stdout.write(f"dropped past the spool bound: {_fmt(status.spool_dropped)}")
        if status.spool_dropped_between:
            first, last = status.spool_dropped_between
            self.stdout.write(f"dropped between {first} and {last} UTC: recover with replay_tracking_logs")
        for error in status.errors:
            self.stdout.write(f"error: {error}")


def _clear_spool_drops(command: BaseCommand) -> None:
    """Reset the dropped-events count in Redis and this host's unreported drop files."""
    from pathlib import Path

    from oars_platform.buffer import get_buffer
    from oars_platform.conf import get_config
    from oars_platform.spool import DROPPED_SUFFIX

    get_buffer().clear_dropped()
    for path in Path(get_config().spool_dir).glob(f"*{DROPPED_SUFFIX}"):
        path.unlink(missing_ok=True)
    command.stdout.write("spool drop count cleared")


def _fmt(value: Any) -> str:
    if value is None:
        return "unknown"
    return f"{value:.1f}" if isinstance(value, float) else str(value)
