"""``./manage.py lms replay_failed_events``: send dead-lettered events again, once ClickHouse is back."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from oars_platform.clickhouse import ClickHouseError
from oars_platform.ingest import ingest
from oars_platform.management.base import OarsCommand
from oars_platform.models import DeadLetter


class Command(OarsCommand):
    """Replay dead letters in creation order; each one is marked replayed only after its events were written."""

    help = (
        "Replay tracking events that failed every retry (stored as dead letters) through the normal transform "
        "and writer. Statement ids are deterministic, so replaying twice never duplicates what reports see. "
        "Stops at the first dead letter ClickHouse still refuses and exits non-zero."
    )

    def add_arguments(self, parser: Any) -> None:
        """--ids, --limit, --include-replayed, --dry-run."""
        parser.add_argument("--ids", type=int, nargs="+", help="Only these dead-letter ids.")
        parser.add_argument("--limit", type=int, default=None, help="Replay at most this many dead letters.")
        parser.add_argument(
            "--include-replayed", action="store_true", help="Also replay dead letters already marked replayed."
        )
        parser.add_argument("--dry-run", action="store_true", help="List what would be replayed; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Replay, print one line per dead letter and a summary."""
        # Only tracking-event letters carry raw events; course and learner letters are redone by their own
        # commands (dump_courses_to_clickhouse, dump_data_to_clickhouse), which re-read the platform.
        letters = DeadLetter.objects.filter(kind=DeadLetter.KIND_TRACKING).order_by("id")
        if not options["include_replayed"]:
            letters = letters.filter(replayed_at__isnull=True)
        if options["ids"]:
            letters = letters.filter(id__in=options["ids"])
        if options["limit"]:
            letters = letters[: options["limit"]]
        letters = list(letters)
        if not letters:
            self.stdout.write("No dead letters to replay.")
            return
        statements = rejected = 0
        for letter in letters:
            events = list((letter.payload or {}).get("events", []))
            source = (letter.payload or {}).get("source", "tracking")
            if options["dry_run"]:
                self.stdout.write(f"would replay #{letter.id}: {len(events)} events ({letter.reason[:80]})")
                continue
            try:
                report = ingest(events, f"replay:{source}")
            except ClickHouseError as exc:
                raise CommandError(f"Dead letter #{letter.id} still fails: {exc}") from exc
            letter.replayed_at = timezone.now()
            letter.save(update_fields=["replayed_at"])
            statements += report.statements
            rejected += report.rejected
            self.stdout.write(
                f"replayed #{letter.id}: {len(events)} events, {report.statements} statements, "
                f"{report.rejected} quarantined, {len(report.retry)} still waiting for lookups"
            )
        if not options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Replayed {len(letters)} dead letter(s): {statements} statements written, {rejected} quarantined."
                )
            )
