"""``./manage.py cms dump_courses_to_clickhouse``: backfill course overviews and published blocks into ClickHouse."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from oars_platform.management.backfill import run_and_report
from oars_platform.management.base import OarsCommand
from oars_platform.sinks.course_backfill import CourseBackfill, CourseOptions
from oars_platform.sources.course_structure import CourseSource


def _time(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--skip-dumped-since needs an ISO 8601 time, got {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _check_keys(keys: list[str], option: str) -> None:
    """Refuse a malformed key before any work (it would otherwise count as a course that failed to dump)."""
    from oars_platform.platform.courses import InvalidCourseKey, check_course_key

    for key in keys:
        try:
            check_course_key(key)
        except InvalidCourseKey as exc:
            raise CommandError(f"{option}: {exc}") from None


class Command(OarsCommand):
    """Plan with one ClickHouse query, dump in-process as every backfill runs (or fan out to Celery)."""

    help = (
        "Dump courses (overview + every published block, and their CCXs) into ClickHouse: event_sink.course_overviews"
        " / course_blocks (Aspects history) and the oars current-state tables. By default every course of the "
        "modulestore, skipping those unchanged since their last dump; reruns and interrupted runs never duplicate "
        "what reports see. Exits non-zero if any course failed."
    )

    def add_arguments(self, parser: Any) -> None:
        """The options; each one's help says what it changes."""
        parser.add_argument(
            "--courses", "--ids", dest="courses", nargs="+", default=[], metavar="KEY",
            help="Dump only these course keys (--ids: platform-plugin-aspects' spelling).",
        )
        parser.add_argument(
            "--courses-to-skip", "--courses_to_skip", "--ids-to-skip", "--ids_to_skip", dest="courses_to_skip",
            nargs="+", default=[], metavar="KEY",
            help="Never dump these course keys (the other spellings are those of Aspects' commands).",
        )
        parser.add_argument(
            "--sleep-time", "--sleep_time", dest="sleep_time", type=float, default=0.0,
            help="Seconds to pause after each course, to spare a busy modulestore (default 0; Aspects' is 1).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Dump even courses unchanged since their last dump (a new version)."
        )
        parser.add_argument(
            "--skip-dumped-since",
            type=_time,
            metavar="ISO_TIME",
            help="Skip courses dumped at or after this time, even with --force: resumes an interrupted forced run "
            "(the run prints its start time).",
        )
        parser.add_argument("--limit", type=int, help="Dump at most this many courses (after skipping).")
        parser.add_argument(
            "--batch-size", "--batch_size", dest="batch_size",
            type=int,
            help="Blocks per ClickHouse insert (default OARS_COURSE_DUMP_BATCH_SIZE).",
        )
        parser.add_argument(
            "--via-celery",
            action="store_true",
            help="Queue one Celery task per course for the workers instead of dumping in this process.",
        )
        parser.add_argument(
            "--olx",
            nargs="+",
            default=[],
            metavar="PATH",
            help="Read these OLX course exports (folders or .tar.gz) instead of the modulestore.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar on stderr.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Plan, dump, summarise; raise CommandError (exit 1) when any course failed."""
        if options["batch_size"] is not None and options["batch_size"] <= 0:
            raise CommandError("--batch-size must be a positive number of blocks")
        if options["olx"] and options["via_celery"]:
            raise CommandError("--olx reads files on this machine: it cannot be combined with --via-celery")
        _check_keys(options["courses"], "--courses")
        _check_keys(options["courses_to_skip"], "--courses-to-skip")
        started = dt.datetime.now(dt.UTC)
        source = self._source(options["olx"])
        course_options = CourseOptions(
            courses=options["courses"],
            skip=options["courses_to_skip"],
            force=options["force"],
            limit=options["limit"],
            skip_dumped_since=options["skip_dumped_since"],
            batch_size=options["batch_size"],
            sleep_seconds=max(0.0, options["sleep_time"]),
        )
        job = CourseBackfill(source, course_options, started=started)
        if options["via_celery"]:
            summary = job.plan()
            self.stdout.write(f"{summary.name}: {summary.plan}")
            self._queue(job.planned())
            return
        run_and_report(self, job, no_progress=options["no_progress"])

    @staticmethod
    def _source(olx: list[str]) -> CourseSource:
        if olx:
            from oars_platform.sources.olx import OlxSource
            from oars_platform.sources.olx_files import OlxError

            source = OlxSource(olx)
            try:
                source.list_courses()
            except OlxError as exc:
                raise CommandError(str(exc)) from exc
            return source
        from oars_platform.platform.modulestore import ModulestoreSource

        return ModulestoreSource()

    def _queue(self, keys: list[str]) -> None:
        from oars_platform.tasks.base import send_options
        from oars_platform.tasks.courses import dump_course_task

        for key in tqdm(keys, unit="course", file=self.stderr, dynamic_ncols=True):
            dump_course_task.apply_async((key,), **send_options())
        self.stdout.write(self.style.SUCCESS(f"Queued {len(keys)} course dump(s) for the Celery workers."))
