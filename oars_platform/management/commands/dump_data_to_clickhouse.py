"""``./manage.py lms dump_data_to_clickhouse --object NAME``: backfill learner data from the platform's tables."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from oars_platform.management.backfill import run_and_report
from oars_platform.management.base import OarsCommand, positive_int
from oars_platform.sinks import SINKS
from oars_platform.sinks.backfill import DEFAULT_BATCH_SIZE, PageOptions, SinkBackfill

#: platform-plugin-aspects' name for course overviews and their blocks (its course sink).
COURSE_OVERVIEWS = "course_overviews"
#: Objects platform-plugin-aspects dumps that this plugin does not, and why (so its command lines fail clearly).
NOT_OURS = {
    "auth_user": "not copied by oars_platform: users reach ClickHouse only as anonymous xAPI actors and, with "
                 "OARS_PII_ENABLED, as user_profile and external_id",
}
#: platform-plugin-aspects' ClickHouse connection overrides, refused by name.
CONNECTION_OPTIONS = ("--url", "--username", "--password", "--database", "--timeout_secs")


def _int_ids(values: list[str] | None, option: str) -> list[int] | None:
    """Primary keys given as text (Aspects passes strings), or a one-line error naming the bad value."""
    if not values:  # absent or empty: every row (as in Aspects)
        return None
    ids = []
    for value in values:
        try:
            ids.append(int(value.strip()))
        except ValueError:
            raise CommandError(f"{option}: {value.strip()[:40]!r} is not a primary key (an integer)") from None
    return ids


class Command(OarsCommand):
    """Argument parsing; the work is :class:`oars_platform.sinks.backfill.SinkBackfill`, shown as every backfill is."""

    help = (
        "Copy learner data (enrollments, profiles, external ids, course grades, certificates) from the platform's "
        "tables into ClickHouse, in primary-key pages, through the same sinks as the live signals. Rows ClickHouse "
        "already holds unchanged are skipped (checked once per page), so rerunning never duplicates what reports "
        "see. Resumable: an interrupted run continues after its last written primary key. Personal data "
        "(user_profile, external_id) is written only when OARS_PII_ENABLED is on. Exits 1 when ClickHouse is "
        "unreachable, refuses rows, or the object holds personal data while PII is off."
    )

    def add_arguments(self, parser: Any) -> None:
        """Our options, and platform-plugin-aspects' spellings of the same command (a drop-in for Aspects sites)."""
        parser.add_argument(
            "--object",
            required=True,
            choices=[*SINKS.names(backfill_only=True), COURSE_OVERVIEWS, *sorted(NOT_OURS)],
            help=f"Which platform data to copy (the sink's name); {COURSE_OVERVIEWS} (Aspects' name for courses) "
            "runs dump_courses_to_clickhouse.",
        )
        parser.add_argument(
            "--ids", nargs="*", metavar="ID",
            help="Only these primary keys (course keys for course_overviews); the checkpoint is neither used nor "
            "moved.",
        )
        parser.add_argument(
            "--ids-to-skip", "--ids_to_skip", dest="ids_to_skip", nargs="*", metavar="ID",
            help="Never copy these primary keys (course keys for course_overviews).",
        )
        parser.add_argument(
            "--from-pk", "--start_pk", dest="from_pk", type=int, default=None,
            help="Start after this primary key instead of the checkpoint (0 rereads the whole table); "
            "--start_pk is platform-plugin-aspects' name for it.",
        )
        parser.add_argument("--limit", type=positive_int, default=None, help="Read at most this many rows, then stop.")
        parser.add_argument(
            "--batch-size", "--batch_size", dest="batch_size",
            type=positive_int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows per page: one platform query and one ClickHouse insert each (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--sleep-time", "--sleep_time", dest="sleep_time", type=float, default=0.0,
            help="Seconds to pause after each page, to spare a busy database (default 0; Aspects' default is 1).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Write every row read, even those ClickHouse already holds unchanged (a fresh dump; no check query).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar on stderr.")
        for option in CONNECTION_OPTIONS:
            parser.add_argument(
                option, dest=option.strip("-"), default=None,
                help="Refused: platform-plugin-aspects' connection override; oars_platform connects with "
                "OARS_CLICKHOUSE_URL and its timeouts.",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the backfill with a progress bar, then print the summary; CommandError (exit 1) on failure."""
        given = [option for option in CONNECTION_OPTIONS if options.get(option.strip("-")) is not None]
        if given:
            raise CommandError(f"{', '.join(given)}: oars_platform connects to ClickHouse with OARS_CLICKHOUSE_URL "
                               "(and OARS_CLICKHOUSE_*_TIMEOUT); remove the option")
        name = options["object"]
        if name in NOT_OURS:
            raise CommandError(f"--object {name}: {NOT_OURS[name]}")
        if name == COURSE_OVERVIEWS:
            self._courses(options)
            return
        options_read = PageOptions(
            ids=_int_ids(options["ids"], "--ids"),
            from_pk=options["from_pk"],
            limit=options["limit"],
            batch_size=options["batch_size"],
            force=options["force"],
            skip_ids=_int_ids(options["ids_to_skip"], "--ids_to_skip") or (),
            sleep_seconds=max(0.0, options["sleep_time"]),
        )
        run_and_report(self, SinkBackfill(SINKS.get(name), options_read), no_progress=options["no_progress"])

    def _courses(self, options: dict[str, Any]) -> None:
        """``--object course_overviews``: what Aspects dumps under that name, done by our course dump command."""
        from django.core.management import call_command

        args: list[str] = []
        if options["ids"]:
            args += ["--courses", *options["ids"]]
        if options["ids_to_skip"]:
            args += ["--courses-to-skip", *options["ids_to_skip"]]
        if options["force"]:
            args.append("--force")
        if options["limit"]:
            args += ["--limit", str(options["limit"])]
        if options["sleep_time"]:
            args += ["--sleep-time", str(options["sleep_time"])]
        if options["no_progress"]:
            args.append("--no-progress")
        call_command("dump_courses_to_clickhouse", *args, stdout=self.stdout, stderr=self.stderr)
