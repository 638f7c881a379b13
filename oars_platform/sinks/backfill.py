"""The one backfill runner, for learner data (``dump_data_to_clickhouse``) and courses (``dump_courses_to_clickhouse``).

A backfill is a :class:`Backfill` job: it plans (how many units, from where), then works, advancing a count and
recording failures in a :class:`BackfillSummary`. :func:`run_backfill` times the job and hands its summary to the
command, which draws the same progress bar and prints the same start and summary lines for every job
(:mod:`oars_platform.management.backfill`). A unit that fails (a row ClickHouse refuses, a course that cannot be
read or written) is recorded with its reason and the job goes on with the others; the command then exits non-zero.
A failure that stops the job (ClickHouse gone, personal data while ``OARS_PII_ENABLED`` is off) raises
:class:`BackfillError` with one line saying how to continue.

This module also holds the primary-key job, :class:`SinkBackfill`:

* **Pages**: keyset pagination (``pk > last ORDER BY pk LIMIT n``) through the adapter, one page per insert.
* **Unchanged rows**: skipped, decided once per page against ClickHouse (see :mod:`oars_platform.sinks.writer`),
  so rerunning a finished backfill writes nothing new; ``force`` rewrites every row (a fresh dump).
* **Resumable**: after each page ClickHouse took, :class:`~oars_platform.models.BackfillCheckpoint` records its last
  primary key (:func:`save_checkpoint`). A run without ``from_pk`` continues after it unless the previous run
  completed; ``ids`` runs neither read nor move the checkpoint. Course dumps need no checkpoint of their own: a
  course's ledger row is its commit, so the skip rule resumes them (:mod:`oars_platform.sinks.course_backfill`).
* **PII**: a sink holding personal data refuses to run unless ``OARS_PII_ENABLED``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from oars_platform.clickhouse import ClickHouseClient, ClickHouseError
from oars_platform.conf import get_config
from oars_platform.connection import get_client
from oars_platform.platform.learners import count_after, fetch_page
from oars_platform.privacy import scrub_text
from oars_platform.sinks.base import Sink, Stamp
from oars_platform.sinks.writer import WriteOutcome, write_page

DEFAULT_BATCH_SIZE = 50_000

#: Called with the number of units just done (the progress bar's step).
Advance = Callable[[int], None]


class BackfillError(Exception):
    """The job cannot go on (or start); the message is one line saying why and how to continue."""


@dataclass
class BackfillSummary:
    """What a run plans and did, the same fields for every job; ``counts`` is the job's own tally."""

    name: str
    #: What one step of the progress bar is (``row``, ``course``).
    unit: str
    #: How many units the run plans to process (the bar's total).
    total: int = 0
    #: Where the run starts, for the start line.
    plan: str = ""
    done: int = 0
    #: Units that failed, with the reason (the job went on with the others).
    failed: list[tuple[str, str]] = field(default_factory=list)
    completed: bool = False
    #: Where an incomplete run stopped, for the summary line.
    stopped_at: str = ""
    seconds: float = 0.0
    #: The job's own counts for the summary line (``read 10, written 8, ...``).
    counts: str = ""

    @property
    def rate(self) -> float:
        """Units done per second."""
        return self.done / self.seconds if self.seconds else 0.0


class Backfill(Protocol):
    """A job :func:`run_backfill` runs."""

    def plan(self) -> BackfillSummary:
        """The summary before any work: name, unit, total and where the run starts (may raise BackfillError)."""

    def work(self, summary: BackfillSummary, advance: Advance) -> None:
        """Do the work, filling ``summary`` (done, failed, completed, counts); calls ``advance`` per step."""


def run_backfill(
    job: Backfill,
    *,
    on_start: Callable[[BackfillSummary], None] | None = None,
    on_advance: Advance | None = None,
) -> BackfillSummary:
    """Plan, announce, work, time; the summary says what failed (BackfillError when the job had to stop)."""
    summary = job.plan()
    if on_start is not None:
        on_start(summary)
    started = time.perf_counter()
    try:
        job.work(summary, on_advance or (lambda _count: None))
    finally:
        summary.seconds = time.perf_counter() - started
    return summary


def failure_reason(exc: Exception) -> str:
    """One short, scrubbed line for a failed unit."""
    prefix = "ClickHouse: " if isinstance(exc, ClickHouseError) else ""
    return f"{prefix}{type(exc).__name__}: {scrub_text(str(exc))[:200]}"


# ---- checkpoints -------------------------------------------------------------------------------------------------


def load_checkpoint(name: str) -> tuple[int, bool] | None:
    """The last primary key of the previous run of ``name`` and whether it completed (None: never run)."""
    from oars_platform.models import BackfillCheckpoint

    checkpoint = BackfillCheckpoint.objects.filter(object_name=name).first()
    return None if checkpoint is None else (checkpoint.last_pk, checkpoint.completed)


def save_checkpoint(name: str, last_pk: int, completed: bool, rows_written: int) -> None:
    """Record how far the run of ``name`` got."""
    from oars_platform.models import BackfillCheckpoint

    BackfillCheckpoint.objects.update_or_create(
        object_name=name, defaults={"last_pk": last_pk, "completed": completed, "rows_written": rows_written}
    )


# ---- sinks: a platform table in primary-key pages ----------------------------------------------------------------


@dataclass(frozen=True)
class PageOptions:
    """What to read and how (``dump_data_to_clickhouse``'s options)."""

    ids: Sequence[int] | None = None
    from_pk: int | None = None
    limit: int | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    force: bool = False
    skip_ids: Sequence[int] = ()
    sleep_seconds: float = 0.0  # pause after each page (platform-plugin-aspects' --sleep_time), to spare the database


@dataclass
class SinkBackfill:
    """Copy a sink's platform table into ClickHouse, page by page, resuming from its checkpoint."""

    sink: Sink
    options: PageOptions = field(default_factory=PageOptions)
    client: ClickHouseClient | None = None
    #: Filled by the run: the rows' outcome, the pages, where the run started and the last primary key written.
    outcome: WriteOutcome = field(default_factory=WriteOutcome)
    pages: int = 0
    started_after: int = 0
    resumed: bool = False
    last_pk: int = 0

    def start_point(self) -> tuple[int, bool]:
        """The primary key to start after, and whether it comes from an unfinished run's checkpoint."""
        if self.options.from_pk is not None:
            return self.options.from_pk, False
        if self.options.ids is not None:
            return 0, False
        checkpoint = load_checkpoint(self.sink.name)
        if checkpoint is not None and not checkpoint[1]:
            return checkpoint[0], True
        return 0, False

    def plan(self) -> BackfillSummary:
        """Refuse what may not run; count the rows to read."""
        sink, options = self.sink, self.options
        if sink.source is None or not sink.backfill:
            raise BackfillError(f"Sink {sink.name} has no platform table to backfill from")
        if sink.pii and not get_config().pii_enabled:
            raise BackfillError(
                f"{sink.name} holds personal data and OARS_PII_ENABLED is off: nothing was written. "
                "Turn the setting on to export it."
            )
        self.started_after, self.resumed = self.start_point()
        self.last_pk = self.started_after
        total = count_after(sink.source, self.started_after, options.ids, options.skip_ids)
        if options.limit is not None:
            total = min(total, options.limit)
        where = "resuming after checkpoint" if self.resumed else "starting after"
        return BackfillSummary(
            sink.name, "row", total=total, plan=f"{where} pk {self.started_after}, {total} row(s) to read"
        )

    def work(self, summary: BackfillSummary, advance: Advance) -> None:
        """Read, write, checkpoint, page after page; BackfillError when ClickHouse fails (checkpoint kept)."""
        try:
            self._pages(summary, advance)
        except ClickHouseError as exc:
            raise BackfillError(
                f"ClickHouse failed during {self.sink.name} ({exc}); rerun to continue after the last written page."
            ) from exc
        finally:
            self._tally(summary)

    def _pages(self, summary: BackfillSummary, advance: Advance) -> None:
        sink, options = self.sink, self.options
        config = get_config()
        client = self.client or get_client()
        track = options.ids is None
        remaining = options.limit
        while remaining is None or remaining > 0:
            size = options.batch_size if remaining is None else min(options.batch_size, remaining)
            stamp = Stamp.now()
            page = fetch_page(sink.source, self.last_pk, size, options.ids, options.skip_ids)
            if not page.rows:
                summary.completed = True
                break
            self.outcome.add(write_page(client, config.databases, sink, page, stamp, force=options.force))
            self.pages += 1
            self.last_pk = page.last_pk
            summary.done += len(page.rows)
            if remaining is not None:
                remaining -= len(page.rows)
            if track:
                save_checkpoint(sink.name, self.last_pk, False, self.outcome.written)
            advance(len(page.rows))
            if len(page.rows) < size:
                summary.completed = True
                break
            if options.sleep_seconds:
                time.sleep(options.sleep_seconds)
        if track:
            save_checkpoint(sink.name, self.last_pk, summary.completed, self.outcome.written)

    def _tally(self, summary: BackfillSummary) -> None:
        outcome = self.outcome
        summary.failed = [(f"pk {key}", reason) for key, reason in outcome.rejected]
        summary.stopped_at = f"pk {self.last_pk}"
        summary.counts = (
            f"read {outcome.read}, written {outcome.written}, unchanged (skipped) {outcome.skipped}, "
            f"refused {len(outcome.rejected)}, "
            + (f"withheld (retired users) {outcome.withheld}, " if outcome.withheld else "")
            + f"{self.pages} page(s)"
        )
