"""The course backfill: choose what to dump with one ClickHouse query, dump course by course, keep going on failure.

**Skip rule.** A course is unchanged when its source's change time (CourseOverview ``modified``, an export's mtime)
is not newer than the change time recorded with its last committed dump. Both numbers come from the same clock
(the source's), so no clock skew between Studio, workers and ClickHouse can skip a change; a course the source
cannot date is always dumped. All candidates are checked in one query (:func:`last_dumps`).

**Resume.** A dump becomes visible only when its ledger row is written, after its blocks; so after an interruption,
the courses that finished are exactly those the skip rule now skips, and a plain rerun continues where the first
run stopped. A ``--force`` run resumes with ``--skip-dumped-since`` (the start time it printed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from oars_platform.clickhouse import ClickHouseClient, ClickHouseError
from oars_platform.sources.course_dump import CourseNotFound, LastDump, dump_course, last_dumps
from oars_platform.sources.course_structure import CourseListing, CourseSource


@dataclass(frozen=True)
class BackfillOptions:
    """What the operator asked for (the command's options, minus presentation)."""

    courses: Sequence[str] = ()
    skip: Sequence[str] = ()
    force: bool = False
    limit: int | None = None
    skip_dumped_since: dt.datetime | None = None


@dataclass
class BackfillPlan:
    """Courses to dump, in order, and those skipped with the reason."""

    to_dump: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass
class BackfillSummary:
    """What a run did."""

    dumped: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    blocks: int = 0


def needs_dump(listing: CourseListing, last: LastDump | None, options: BackfillOptions) -> str | None:
    """None when the course must be dumped, else why it is skipped."""
    if last is not None and options.skip_dumped_since is not None and last.read_at >= options.skip_dumped_since:
        return "dumped since the interrupted run started"
    if options.force or last is None or last.is_deleted:
        return None
    if listing.modified is None or last.source_modified is None or listing.modified > last.source_modified:
        return None
    return "unchanged since its last dump"


def plan_backfill(
    source: CourseSource, options: BackfillOptions, client: ClickHouseClient | None = None
) -> BackfillPlan:
    """Which courses to dump: the listing, narrowed by ``--courses``/``--courses-to-skip``, the skip rule, the limit."""
    listings = {listing.course_key: listing for listing in source.list_courses()}
    plan = BackfillPlan()
    wanted: Iterable[str] = options.courses or listings
    candidates = []
    for key in wanted:
        if key in options.skip:
            plan.skipped[key] = "listed in --courses-to-skip"
        else:
            candidates.append(listings.get(key, CourseListing(key)))
    dumps = last_dumps([listing.course_key for listing in candidates], client)
    for listing in candidates:
        reason = needs_dump(listing, dumps.get(listing.course_key), options)
        if reason is None:
            plan.to_dump.append(listing.course_key)
        else:
            plan.skipped[listing.course_key] = reason
    if options.limit is not None:
        for key in plan.to_dump[options.limit :]:
            plan.skipped[key] = "beyond --limit"
        plan.to_dump = plan.to_dump[: options.limit]
    return plan


def run_backfill(
    source: CourseSource,
    plan: BackfillPlan,
    batch_size: int | None = None,
    client: ClickHouseClient | None = None,
    on_course: Callable[[str], None] | None = None,
) -> BackfillSummary:
    """Dump every planned course in this process; a failing course is recorded and the next one goes on."""
    summary = BackfillSummary(skipped=dict(plan.skipped))
    for key in plan.to_dump:
        try:
            dumped = dump_course(source, key, client, batch_size)
        except CourseNotFound as exc:
            summary.failed[key] = str(exc)
        except ClickHouseError as exc:
            summary.failed[key] = f"ClickHouse: {type(exc).__name__}: {str(exc)[:200]}"
        except Exception as exc:  # a broken course must not stop the backfill: report it and go on
            summary.failed[key] = f"{type(exc).__name__}: {str(exc)[:200]}"
        else:
            summary.dumped.append(key)
            summary.derived += [course.course_key for course in dumped[1:]]
            summary.blocks += sum(course.blocks for course in dumped)
        if on_course is not None:
            on_course(key)
    return summary
