"""``./manage.py lms replay_failed_events``: redo the work of dead letters, once ClickHouse is back."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from oars_platform.dead_letters import REPLAYS, replay
from oars_platform.management.base import OarsCommand, one_line, positive_int
from oars_platform.models import DeadLetter
from oars_platform.privacy import scrub_text


class Command(OarsCommand):
    """Replay dead letters in creation order; each one is marked replayed only after its work was redone."""

    help = (
        "Redo the work that failed every retry and was kept as a dead letter, with the functions the pipeline "
        "itself uses: tracking letters ingest their events again, course_dump letters dump (or mark deleted) "
        "their course again, learner letters write the learner's rows again, retirement letters retire the user "
        "again. Every write is idempotent, so replaying twice never duplicates what reports see. A letter is "
        "marked replayed once its work is done (oars_status counts only those still to do). Stops at the first "
        "dead letter that still fails and exits non-zero; rerun once the cause is fixed."
    )

    def add_arguments(self, parser: Any) -> None:
        """--kind, --ids, --limit, --include-replayed, --dry-run."""
        parser.add_argument(
            "--kind",
            choices=sorted(REPLAYS),
            help="Only dead letters of this kind (default: every kind).",
        )
        parser.add_argument("--ids", type=int, nargs="+", help="Only these dead-letter ids.")
        parser.add_argument("--limit", type=positive_int, default=None, help="Replay at most this many dead letters.")
        parser.add_argument(
            "--include-replayed", action="store_true", help="Also replay dead letters already marked replayed."
        )
        parser.add_argument("--dry-run", action="store_true", help="List what would be replayed; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Replay, print one line per dead letter and a summary."""
        kinds = [options["kind"]] if options["kind"] else sorted(REPLAYS)
        letters = DeadLetter.objects.filter(kind__in=kinds).order_by("id")
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
        if options["dry_run"]:
            for letter in letters:
                self.stdout.write(
                    f"would replay #{letter.id} ({letter.kind}): {letter.item_count} item(s), "
                    f"{letter.attempts} attempt(s) ({one_line(letter.reason)[:80]})"
                )
            self.stdout.write(f"Would replay {len(letters)} dead letter(s).")
            return
        totals: dict[str, int] = {}
        for done, letter in enumerate(letters):
            try:
                counts = replay(letter)
            except Exception as exc:  # whatever still fails: one line, and the letter stays to do
                raise CommandError(
                    f"Dead letter #{letter.id} ({letter.kind}) still fails: {type(exc).__name__}: "
                    f"{one_line(scrub_text(str(exc)))[:300]}; {done} replayed before it, rerun once it is fixed"
                ) from exc
            for name, count in counts.items():
                totals[name] = totals.get(name, 0) + count
            self.stdout.write(f"replayed #{letter.id} ({letter.kind}): {_counts(counts)}")
        self.stdout.write(self.style.SUCCESS(f"Replayed {len(letters)} dead letter(s): {_counts(totals)}."))


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in counts.items()) or "nothing to do"
