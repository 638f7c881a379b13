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
from oars_platform.conf import get_config
from oars_platform.privacy import scrub_text
from oars_platform.sinks.courses import DumpedCourse, LastDump, last_dumps, write_snapshots
from oars_platform.sources.course_structure import (
    CourseListing,
    CourseNotFound,
    CourseSnapshot,
    CourseSource,
    read_course,
)


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
    """Dump every planned course in this process; a failing course is recorded and the next one goes on.

    Courses are read one by one and written in groups of about ``batch_size`` blocks (few, large inserts; memory
    bounded by the batch, whatever the number of courses). If ClickHouse refuses a group, its courses are written
    one by one so that only the failing ones are reported.
    """
    size = batch_size or get_config().course_dump_batch_size
    summary = BackfillSummary(skipped=dict(plan.skipped))
    pending: list[tuple[str, list[CourseSnapshot]]] = []

    def flush() -> None:
        _write(pending, client, size, summary)
        for key, _ in pending:
            if on_course is not None:
                on_course(key)
        pending.clear()

    for key in plan.to_dump:
        try:
            pending.append((key, read_course(source, key)))
        except Exception as exc:  # a course that cannot be read must not stop the backfill
            summary.failed[key] = _reason(exc)
            if on_course is not None:
                on_course(key)
            continue
        if sum(len(snapshot.blocks) for _, snapshots in pending for snapshot in snapshots) >= size:
            flush()
    flush()
    return summary


def _write(
    pending: list[tuple[str, list[CourseSnapshot]]],
    client: ClickHouseClient | None,
    size: int,
    summary: BackfillSummary,
) -> None:
    if not pending:
        return
    try:
        dumped = write_snapshots([snapshot for _, snapshots in pending for snapshot in snapshots], client, size)
    except Exception:  # ClickHouse refused, or the rows of a course could not be built
        for key, snapshots in pending:  # find the failing course(s); write the others
            try:
                _record(summary, key, write_snapshots(snapshots, client, size))
            except Exception as exc:
                summary.failed[key] = _reason(exc)
        return
    position = 0
    for key, snapshots in pending:
        _record(summary, key, dumped[position : position + len(snapshots)])
        position += len(snapshots)


def _record(summary: BackfillSummary, key: str, dumped: list[DumpedCourse]) -> None:
    summary.dumped.append(key)
    summary.derived += [course.course_key for course in dumped[1:]]
    summary.blocks += sum(course.blocks for course in dumped)


def _reason(exc: Exception) -> str:
    if isinstance(exc, CourseNotFound):
        return str(exc)
    prefix = "ClickHouse: " if isinstance(exc, ClickHouseError) else ""
    return f"{prefix}{type(exc).__name__}: {scrub_text(str(exc))[:200]}"
