"""``./manage.py lms retire_users_from_clickhouse``: retire users from ClickHouse after the fact.

For users retired while the plugin was not installed or its worker was down, users whose retirement task ended
as a dead letter, or a list from the platform's retirement records. The work is
:func:`oars_platform.retirement.retire_users`, the function the retirement task runs.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from oars_platform.clickhouse import ClickHouseError
from oars_platform.management.base import OarsCommand, positive_float, positive_int
from oars_platform.privacy import scrub_text
from oars_platform.retirement import RetirementIncomplete, retire_users, user_ids_from

DEFAULT_BATCH_SIZE = 100


class Command(OarsCommand):
    """Argument parsing, batches, progress and the summary."""

    help = (
        "Delete the personal data of retired users from ClickHouse, as the platform's retirement signal does for "
        "each user: their rows in event_sink.user_profile and event_sink.external_id are deleted and their "
        "username is blanked in event_sink.course_enrollment; their xAPI events stay, with the anonymous actor, "
        "and their ids are recorded so no later write re-adds their personal data. Users come from --user-ids, "
        "--file and/or --dead-letters; batches of --batch-size users cost one mutation per table. Safe to rerun. "
        "Exits 1 when ClickHouse fails (rerun to continue) or some input was not a user id (the others are retired)."
    )

    def add_arguments(self, parser: Any) -> None:
        """--user-ids, --file, --dead-letters, --batch-size, --wait, --dry-run."""
        parser.add_argument(
            "--user-ids",
            action="append",
            default=[],
            metavar="ID,ID,...",
            help="Comma-separated platform user ids (auth_user.id); may be given several times.",
        )
        parser.add_argument(
            "--file",
            type=Path,
            action="append",
            default=[],
            metavar="PATH",
            help="A file with one user id per line (blank lines and lines starting with # are ignored).",
        )
        parser.add_argument(
            "--dead-letters",
            action="store_true",
            help="Also the users of retirement tasks that failed every retry (dead letters not yet replayed); "
            "those letters are marked replayed once their user is retired.",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Users per batch: one ALTER TABLE per table and batch (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--wait",
            type=positive_float,
            default=300.0,
            help="Seconds to wait, per batch, for ClickHouse to finish its mutations before failing (default 300).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count, per table, the rows that would be deleted or blanked; change nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Read the ids, retire them batch by batch with a line per batch, then print the summary."""
        ids, bad = self._read_ids(options)
        letters = self._dead_letters() if options["dead_letters"] else {}
        ids = user_ids_from([*ids, *letters])
        for where in bad:  # where only: the value itself may be a name or an email
            self.stderr.write(f"not a user id: {where}")
        if not ids:
            raise CommandError(
                "No user ids to retire: give --user-ids, --file or --dead-letters."
                + (f" {len(bad)} value(s) were not user ids." if bad else "")
            )
        dry = options["dry_run"]
        size = options["batch_size"]
        batches = [ids[start : start + size] for start in range(0, len(ids), size)]
        totals: Counter[str] = Counter()
        done = 0
        for number, batch in enumerate(batches, 1):
            try:
                report = retire_users(batch, dry_run=dry, wait=options["wait"])
            except (ClickHouseError, RetirementIncomplete) as exc:
                raise CommandError(
                    f"Batch {number}/{len(batches)} failed ({exc}); {done} user(s) retired before it. "
                    "Rerun: retiring a user twice is harmless."
                ) from exc
            done += len(batch)
            totals.update(report.rows)
            if not dry:
                self._mark_replayed(letters, batch)
            self.stdout.write(
                f"batch {number}/{len(batches)}: {len(batch)} user(s), {report.total} row(s) "
                f"{'to remove' if dry else 'removed'} ({self._tables(report.rows)})"
            )
        verb = "Would retire" if dry else "Retired"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {done} user(s) from ClickHouse: {sum(totals.values())} row(s) of personal data "
                f"{'to delete or blank' if dry else 'deleted or blanked'} ({self._tables(totals)}); "
                "their xAPI events stay, anonymous."
            )
        )
        if bad:
            raise CommandError(f"{len(bad)} value(s) were not user ids (listed above); the others were retired.")

    def _read_ids(self, options: dict[str, Any]) -> tuple[list[int], list[str]]:
        """Ids from --user-ids and --file, and where the values that are not ids were found."""
        ids: list[int] = []
        bad: list[str] = []

        def take(value: str, where: str) -> None:
            try:
                ids.extend(user_ids_from([value]))
            except ValueError:
                bad.append(where)

        values = [value for group in options["user_ids"] for value in group.split(",") if value.strip()]
        for value in values:  # typed by the operator: a typo stops the run before anything is retired
            try:
                ids.extend(user_ids_from([value]))
            except ValueError:
                raise CommandError(
                    f"--user-ids: {scrub_text(value.strip()[:40])!r} is not a user id (a positive integer, "
                    "auth_user.id); nothing was retired"
                ) from None
        for path in options["file"]:
            try:
                lines = path.read_text().splitlines()
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
            for number, line in enumerate(lines, 1):
                if line.strip() and not line.lstrip().startswith("#"):
                    take(line, f"{path}:{number}")
        return ids, bad

    def _dead_letters(self) -> dict[int, list[int]]:
        """User id → ids of the retirement dead letters not yet replayed."""
        from oars_platform.models import DeadLetter

        letters: dict[int, list[int]] = {}
        waiting = DeadLetter.objects.filter(kind=DeadLetter.KIND_RETIREMENT, replayed_at__isnull=True)
        for letter in waiting.order_by("id"):
            user_id = (letter.payload or {}).get("user_id")
            if isinstance(user_id, int) and user_id > 0:
                letters.setdefault(user_id, []).append(letter.id)
        return letters

    def _mark_replayed(self, letters: dict[int, list[int]], batch: list[int]) -> None:
        from oars_platform.models import DeadLetter

        done = [letter for user_id in batch for letter in letters.get(user_id, [])]
        if done:
            DeadLetter.objects.filter(id__in=done).update(replayed_at=timezone.now())

    @staticmethod
    def _tables(rows: dict[str, int] | Counter[str]) -> str:
        return ", ".join(f"{name}: {count}" for name, count in sorted(rows.items())) or "no table"
