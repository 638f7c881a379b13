"""``./manage.py lms oars_status``: is the pipeline flowing? One line per fact, or --json."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from oars_platform.clickhouse import ClickHouseError
from oars_platform.connection import get_client
from oars_platform.management.base import OarsCommand, one_line
from oars_platform.privacy import mask_secrets
from oars_platform.status import PipelineStatus, read_status


class Command(OarsCommand):
    """Print the pipeline's health: last event, lag, queue depth, dead letters, quarantine, statements by event."""

    help = (
        "Show the oars_platform pipeline status: time of the last stored event (flagged when a producer's clock "
        "stamps events in the future), lag (how long the oldest event waiting in the Redis buffer has waited), "
        "buffer depth, dead letters not yet replayed (in all and per kind), quarantined events per reason, "
        "statements written per event type and pending ClickHouse migrations. Exits 1 when ClickHouse or Redis "
        "cannot be read or the schema is behind, so it can serve as a monitoring probe. The ClickHouse URL is "
        "shown with its password masked."
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
        """Read and print the status; CommandError (exit 1) unless every source answered and the schema is current."""
        try:
            client = get_client()
        except ClickHouseError as exc:
            raise CommandError(f"ClickHouse is not usable: {one_line(mask_secrets(str(exc)))}") from exc
        if options["clear_spool_drops"]:
            _clear_spool_drops(self)
        status = read_status(client)
        if options["json"]:
            self.stdout.write(json.dumps({**status.as_dict(), "healthy": status.healthy}, sort_keys=True))
        else:
            self._print(status)
        if not status.healthy:
            problems = list(status.errors)
            if status.pending_migrations:
                problems.append(f"{len(status.pending_migrations)} ClickHouse migration(s) not applied: run "
                                "./manage.py lms migrate_clickhouse")
            raise CommandError("; ".join(problems))

    def _print(self, status: PipelineStatus) -> None:
        out = self.stdout.write
        out(f"clickhouse: {status.clickhouse}")
        last = str(status.last_event_time or "none yet")
        if status.future_seconds is not None:
            last += (f" (in the future by {_duration(status.future_seconds)}: a producer's clock is ahead; lag is "
                     "measured on the buffer, not from these times)")
        out(f"last event time: {last}")
        out(f"last received at: {status.last_received_at or 'none yet'}")
        out(f"lag seconds: {_fmt(status.lag_seconds)} (how long the oldest event waiting in the buffer has waited)")
        out(f"queue depth: {_fmt(status.queue_depth)}")
        out(f"dead letters to replay: {_fmt(status.dead_letters)}")
        for kind, count in sorted(status.dead_letters_by_kind.items()):
            if count:
                out(f"dead letters {kind}: {count} (replay_failed_events --kind {kind})")
        for reason, count in sorted(status.quarantine_by_reason.items()):
            out(f"quarantined {reason}: {count}")
        for view, count in sorted(status.view_refused.items()):
            out(f"stored but refused by view {view}: {count}")
        for name, count in sorted(status.statements_by_event.items(), key=lambda item: (-item[1], item[0])):
            out(f"statements {name}: {count}")
        for name in status.pending_migrations:
            out(f"pending migration: {name}")
        out(f"spooled on this host: {_fmt(status.spool_pending)}")
        out(f"dropped past the spool bound: {_fmt(status.spool_dropped)}")
        if status.spool_dropped_between:
            first, last = status.spool_dropped_between
            out(f"dropped between {first} and {last} UTC: recover with replay_tracking_logs")
        for error in status.errors:
            out(f"error: {error}")


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s"


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
