"""The course backfill job: choose what to dump with one ClickHouse query, dump course by course, keep going on failure.

Run by :func:`oars_platform.sinks.backfill.run_backfill`, like the learner backfills.

**Skip rule.** A course is unchanged when its source's change time (CourseOverview ``modified``, an export's mtime)
is not newer than the change time recorded with its last committed dump. Both numbers come from the same clock
(the source's), so no clock skew between Studio, workers and ClickHouse can skip a change; a course the source
cannot date is always dumped. All candidates are checked in one query (:func:`~oars_platform.sinks.courses.last_dumps`).

**Resume.** A dump becomes visible only when its ledger row is written, after its blocks; so after an interruption,
the courses that finished are exactly those the skip rule now skips, and a plain rerun continues where the first
run stopped (the ledger is the checkpoint). A ``--force`` run resumes with ``--skip-dumped-since`` (the start time
it printed).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from oars_platform.clickhouse import ClickHouseClient
from oars_platform.conf import get_config
from oars_platform.sinks.backfill import Advance, BackfillSummary, failure_reason
from oars_platform.sinks.courses import DumpedCourse, LastDump, last_dumps, write_snapshots
from oars_platform.sources.course_structure import (
    CourseListing,
    CourseNotFound,
    CourseSnapshot,
    CourseSource,
    read_course,
)

#: The job's name in the start and summary lines.
NAME = "courses"


@dataclass(frozen=True)
class CourseOptions:
    """What the operator asked for (``dump_courses_to_clickhouse``'s options, minus presentation)."""

    courses: Sequence[str] = ()
    skip: Sequence[str] = ()
    force: bool = False
    limit: int | None = None
    skip_dumped_since: dt.datetime | None = None
    #: Blocks per ClickHouse insert (None: ``OARS_COURSE_DUMP_BATCH_SIZE``).
    batch_size: int | None = None
    #: Pause after each course, to spare a busy modulestore.
    sleep_seconds: float = 0.0


@dataclass
class CoursePlan:
    """Courses to dump, in order, and those skipped with the reason."""

    to_dump: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def needs_dump(listing: CourseListing, last: LastDump | None, options: CourseOptions) -> str | None:
    """None when the course must be dumped, else why it is skipped."""
    if last is not None and options.skip_dumped_since is not None and last.read_at >= options.skip_dumped_since:
        return "dumped since the interrupted run started"
    if options.force or last is None or last.is_deleted:
        return None
    if listing.modified is None or last.source_modified is None or listing.modified > last.source_modified:
        return None
    return "unchanged since its last dump"


def plan_courses(source: CourseSource, options: CourseOptions, client: ClickHouseClient | None = None) -> CoursePlan:
    """Which courses to dump: the listing, narrowed by ``--courses``/``--courses-to-skip``, the skip rule, the limit."""
    listings = {listing.course_key: listing for listing in source.list_courses()}
    plan = CoursePlan()
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


@dataclass
class CourseBackfill:
    """Dump the planned courses in this process; a failing course is recorded and the next one goes on.

    Courses are read one by one and written in groups of about ``batch_size`` blocks (few, large inserts; memory
    bounded by the batch, whatever the number of courses). If ClickHouse refuses a group, its courses are written
    one by one so that only the failing ones are reported.
    """

    source: CourseSource
    options: CourseOptions = field(default_factory=CourseOptions)
    client: ClickHouseClient | None = None
    #: When the run started: printed with the plan, so that an interrupted forced run can resume from it.
    started: dt.datetime | None = None
    #: Filled by :meth:`plan` (or given, to run a plan made earlier).
    course_plan: CoursePlan | None = None
    #: Filled by the run.
    dumped: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)
    blocks: int = 0

    def _plan(self) -> CoursePlan:
        if self.course_plan is None:
            self.course_plan = plan_courses(self.source, self.options, self.client)
        return self.course_plan

    def planned(self) -> list[str]:
        """The courses to dump, in order (planned on first use)."""
        return list(self._plan().to_dump)

    def plan(self) -> BackfillSummary:
        """Plan with one ClickHouse query."""
        plan = self._plan()
        started = (self.started or dt.datetime.now(dt.UTC)).isoformat()
        text = f"{len(plan.to_dump)} course(s) to dump, {len(plan.skipped)} skipped; started {started}"
        if self.options.force:
            text += f" (resume with --force --skip-dumped-since {started})"
        return BackfillSummary(NAME, "course", total=len(plan.to_dump), plan=text)

    def work(self, summary: BackfillSummary, advance: Advance) -> None:
        """Read, group, write; every planned course ends dumped or failed."""
        size = self.options.batch_size or get_config().course_dump_batch_size
        failed: dict[str, str] = {}
        pending: list[tuple[str, list[CourseSnapshot]]] = []
        pending_blocks = 0

        def done() -> None:
            summary.done += 1
            advance(1)
            if self.options.sleep_seconds > 0:
                time.sleep(self.options.sleep_seconds)

        def flush() -> None:
            nonlocal pending_blocks
            self._write(pending, size, failed)
            for _ in pending:
                done()
            pending.clear()
            pending_blocks = 0

        try:
            for key in self._plan().to_dump:
                try:
                    snapshots = read_course(self.source, key)
                except Exception as exc:  # a course that cannot be read must not stop the backfill
                    failed[key] = str(exc) if isinstance(exc, CourseNotFound) else failure_reason(exc)
                    done()
                    continue
                pending.append((key, snapshots))
                pending_blocks += sum(len(snapshot.blocks) for snapshot in snapshots)
                if pending_blocks >= size:
                    flush()
            flush()
            summary.completed = True
        finally:
            self._tally(summary, failed)

    def _write(self, pending: list[tuple[str, list[CourseSnapshot]]], size: int, failed: dict[str, str]) -> None:
        if not pending:
            return
        snapshots = [snapshot for _, course_snapshots in pending for snapshot in course_snapshots]
        try:
            dumped = write_snapshots(snapshots, self.client, size)
        except Exception:  # ClickHouse refused, or the rows of a course could not be built
            for key, course_snapshots in pending:  # find the failing course(s); write the others
                try:
                    self._record(key, write_snapshots(course_snapshots, self.client, size))
                except Exception as exc:
                    failed[key] = failure_reason(exc)
            return
        position = 0
        for key, course_snapshots in pending:
            self._record(key, dumped[position : position + len(course_snapshots)])
            position += len(course_snapshots)

    def _record(self, key: str, dumped: list[DumpedCourse]) -> None:
        self.dumped.append(key)
        self.derived += [course.course_key for course in dumped[1:]]
        self.blocks += sum(course.blocks for course in dumped)

    def _tally(self, summary: BackfillSummary, failed: dict[str, str]) -> None:
        plan = self._plan()
        summary.failed = list(failed.items())
        summary.stopped_at = f"{summary.done} of {summary.total} course(s)"
        reasons = Counter(plan.skipped.values())
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items())) or "none"
        summary.counts = (
            f"dumped {len(self.dumped)} course(s) ({len(self.derived)} CCX, {self.blocks} blocks), "
            f"skipped {len(plan.skipped)} ({skipped}), failed {len(failed)}"
        )
