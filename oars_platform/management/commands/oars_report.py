"""``./manage.py lms oars_report NAME``: run one report from the registry and print it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from oars_platform.clickhouse import ClickHouseError
from oars_platform.management.base import OarsCommand
from oars_platform.reports.base import FAR_FUTURE, Filters
from oars_platform.reports.output import FORMATS, parse_bound
from oars_platform.reports.registry import ALL, REPORTS


class Command(OarsCommand):
    """Print a report as a table, CSV or JSON; the definitions of its figures are in the report's docstring."""

    help = (
        "Run one oars_platform report over ClickHouse and print it. Reports: "
        + ", ".join(f"{report.name} ({report.title})" for report in ALL)
        + ". Filters narrow to an org, a course and a date range [since, until) of statement emission times."
    )

    def add_arguments(self, parser: Any) -> None:
        """NAME, filters and --format."""
        parser.add_argument("name", choices=sorted(REPORTS), help="Which report to run (see the list above).")
        parser.add_argument("--org", default="", help="Only this organisation (e.g. edX); default: every org.")
        parser.add_argument(
            "--course", default="", help="Only this course key (course-v1:ORG+NUMBER+RUN); some reports need one."
        )
        parser.add_argument(
            "--since", default="", help="Start of the date range, YYYY-MM-DD or ISO time (UTC if naive), inclusive."
        )
        parser.add_argument(
            "--until", default="", help="End of the date range, exclusive; a bare date YYYY-MM-DD includes that day."
        )
        parser.add_argument(
            "--format", choices=sorted(FORMATS), default="table", help="Output: aligned table (default), csv or json."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Parse the filters, run, print."""
        if options["course"]:
            from oars_platform.platform.courses import InvalidCourseKey, check_course_key

            try:
                check_course_key(options["course"])
            except InvalidCourseKey as exc:
                raise CommandError(f"--course: {exc}") from None
        try:
            filters = Filters(
                org=options["org"],
                course_key=options["course"],
                **({"since": parse_bound(options["since"])} if options["since"] else {}),
                until=parse_bound(options["until"], end_of_day=True) if options["until"] else FAR_FUTURE,
            )
        except ValueError as exc:
            raise CommandError(f"Bad date: {exc}") from exc
        if filters.since >= filters.until:
            raise CommandError(
                f"--since ({filters.since.isoformat()}) must be before --until ({filters.until.isoformat()}): the "
                "range [since, until) would be empty"
            )
        report = REPORTS[options["name"]]
        try:
            result = report.run(filters)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except ClickHouseError as exc:
            raise CommandError(f"ClickHouse failed: {exc}") from exc
        self.stdout.write(FORMATS[options["format"]](result), ending="" if options["format"] != "json" else "\n")
