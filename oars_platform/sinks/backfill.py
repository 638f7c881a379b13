"""Backfills: read a platform table in primary-key pages and write each page through its sink.

* **Pages**: keyset pagination (``pk > last ORDER BY pk LIMIT n``) through the adapter, one page per insert.
* **Unchanged rows**: skipped, decided once per page against ClickHouse (see :mod:`oars_platform.sinks.writer`),
  so rerunning a finished backfill writes nothing new; ``force`` rewrites every row (a fresh dump).
* **Resumable**: after each page ClickHouse took, :class:`~oars_platform.models.BackfillCheckpoint` records its last
  primary key. A run without ``from_pk`` continues after it unless the previous run completed; ``ids`` runs
  neither read nor move the checkpoint.
* **PII**: a sink holding personal data refuses to run unless ``OARS_PII_ENABLED`` (:class:`PIIDisabled`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from oars_platform.clickhouse import ClickHouseClient
from oars_platform.conf import get_config
from oars_platform.connection import get_client
from oars_platform.platform.learners import count_after, fetch_page
from oars_platform.sinks.base import Sink, Stamp
from oars_platform.sinks.writer import WriteOutcome, write_page

DEFAULT_BATCH_SIZE = 50_000


class PIIDisabled(Exception):
    """The sink holds personal data and ``OARS_PII_ENABLED`` is off: nothing may be written."""


@dataclass(frozen=True)
class BackfillOptions:
    """What to read and how (the command's options)."""

    ids: Sequence[int] | None = None
    from_pk: int | None = None
    limit: int | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    force: bool = False
    skip_ids: Sequence[int] = ()
    sleep_seconds: float = 0.0  # pause after each page (platform-plugin-aspects' --sleep_time), to spare the database


@dataclass
class BackfillSummary:
    """The closing tally of a run."""

    sink: str
    started_after: int
    resumed: bool
    total: int
    last_pk: int
    pages: int = 0
    completed: bool = False
    seconds: float = 0.0
    outcome: WriteOutcome = field(default_factory=WriteOutcome)

    @property
    def rate(self) -> float:
        """Rows read per second."""
        return self.outcome.read / self.seconds if self.seconds else 0.0


def start_point(sink: Sink, options: BackfillOptions) -> tuple[int, bool]:
    """The primary key to start after, and whether it comes from an unfinished run's checkpoint."""
    from oars_platform.models import BackfillCheckpoint

    if options.from_pk is not None:
        return options.from_pk, False
    if options.ids is not None:
        return 0, False
    checkpoint = BackfillCheckpoint.objects.filter(object_name=sink.name).first()
    if checkpoint is not None and not checkpoint.completed:
        return checkpoint.last_pk, True
    return 0, False


def _save_checkpoint(sink: Sink, last_pk: int, completed: bool, rows_written: int) -> None:
    from oars_platform.models import BackfillCheckpoint

    BackfillCheckpoint.objects.update_or_create(
        object_name=sink.name,
        defaults={"last_pk": last_pk, "completed": completed, "rows_written": rows_written},
    )


def backfill(
    sink: Sink,
    options: BackfillOptions,
    *,
    client: ClickHouseClient | None = None,
    on_start: Callable[[BackfillSummary], None] | None = None,
    on_page: Callable[[int], None] | None = None,
) -> BackfillSummary:
    """Run one backfill; raises :class:`PIIDisabled`, or a ClickHouseError with the checkpoint at the last page."""
    config = get_config()
    if sink.source is None or not sink.backfill:
        raise ValueError(f"Sink {sink.name} has no platform table to backfill from")
    if sink.pii and not config.pii_enabled:
        raise PIIDisabled(
            f"{sink.name} holds personal data and OARS_PII_ENABLED is off: nothing was written. "
            "Turn the setting on to export it."
        )
    client = client or get_client()
    after, resumed = start_point(sink, options)
    total = count_after(sink.source, after, options.ids, options.skip_ids)
    if options.limit is not None:
        total = min(total, options.limit)
    summary = BackfillSummary(sink=sink.name, started_after=after, resumed=resumed, total=total, last_pk=after)
    if on_start:
        on_start(summary)
    track = options.ids is None
    started = time.perf_counter()
    remaining = options.limit
    while remaining is None or remaining > 0:
        size = options.batch_size if remaining is None else min(options.batch_size, remaining)
        stamp = Stamp.now()
        page = fetch_page(sink.source, summary.last_pk, size, options.ids, options.skip_ids)
        if not page.rows:
            summary.completed = True
            break
        summary.outcome.add(write_page(client, config.databases, sink, page, stamp, force=options.force))
        summary.pages += 1
        summary.last_pk = page.last_pk
        if remaining is not None:
            remaining -= len(page.rows)
        if track:
            _save_checkpoint(sink, summary.last_pk, False, summary.outcome.written)
        if on_page:
            on_page(len(page.rows))
        if len(page.rows) < size:
            summary.completed = True
            break
        if options.sleep_seconds:
            time.sleep(options.sleep_seconds)
    summary.seconds = time.perf_counter() - started
    if track:
        _save_checkpoint(sink, summary.last_pk, summary.completed, summary.outcome.written)
    return summary
