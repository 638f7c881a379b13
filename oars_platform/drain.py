"""The drain: read the tracking buffer in batches, ingest them, acknowledge what ClickHouse took.

This is the work behind the ``drain_tracking_buffer`` Celery task (:mod:`oars_platform.tasks.tracking`), kept
apart from Celery so that it runs the same in a worker, a test or a benchmark. A batch ClickHouse refuses stays
pending in the stream, to be taken over by the next drain after the backoff of the shared
:class:`~oars_platform.delivery.DeliveryPolicy`; each take-over is one more delivery of the entry, and an entry
delivered more than the policy's retries becomes a ``tracking`` dead letter.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

from oars_platform.buffer import Entry, EventBuffer
from oars_platform.clickhouse import ClickHouseError
from oars_platform.conf import get_config
from oars_platform.delivery import DeliveryPolicy, delivery_policy
from oars_platform.ingest import ingest
from oars_platform.models import DeadLetter
from oars_platform.privacy import scrub_text

log = logging.getLogger(__name__)

#: The Celery name of the task that runs :func:`drain`; its dead letters carry it.
DRAIN_TASK_NAME = "oars_platform.drain_tracking_buffer"

#: A drain gives the worker back after this long; if events remain it schedules its own continuation.
DRAIN_TIME_BUDGET = 30.0


@dataclass
class DrainReport:
    """What one drain did."""

    batches: int = 0
    events: int = 0
    statements: int = 0
    dead_lettered: int = 0
    failed: str | None = None
    retry_in: float | None = None
    #: The only reason to come back is entries another drain read and left unacknowledged.
    takeover_only: bool = False
    sources: dict[str, int] = field(default_factory=dict)


def drain(
    buffer: EventBuffer, *, claim_idle: float | None = None, time_budget: float = DRAIN_TIME_BUDGET
) -> DrainReport:
    """Read, ingest and acknowledge batches until the buffer is empty, ClickHouse fails, or time is up.

    Entries another consumer took and left unacknowledged for ``claim_idle`` seconds (default
    ``OARS_CLAIM_IDLE_SECONDS``) are taken over first: a dead worker's batch, or a batch waiting out its backoff.
    """
    config = get_config()
    report = DrainReport()
    started = time.monotonic()
    claim_idle_ms = int((config.claim_idle_seconds if claim_idle is None else claim_idle) * 1000)
    while True:
        entries = buffer.read(config.batch_size, claim_idle_ms)
        if not entries:
            # Let the next event start a new timer, then look once more: an event appended just before the
            # timer was cleared did not schedule anything and must be taken now.
            buffer.clear_timer()
            entries = buffer.read(config.batch_size, claim_idle_ms)
            if not entries:
                if report.retry_in is None and buffer.pending():
                    # Entries a consumer read and never acknowledged (a drain cut short by a Redis or worker
                    # failure): come back when they may be taken over, even if no event wakes us.
                    report.retry_in = config.claim_idle_seconds + 1
                    report.takeover_only = True
                return report
        try:
            waiting = _ingest_entries(entries, report)
        except ClickHouseError as exc:
            report.failed = f"{type(exc).__name__}: {scrub_text(str(exc))[:300]}"
            report.retry_in = _handle_failure(buffer, entries, report.failed, report, delivery_policy())
            log.warning(
                "oars: ClickHouse refused %d events (%s); next try in %.1fs",
                len(entries),
                type(exc).__name__,
                report.retry_in,
            )
            return report
        buffer.ack([entry.id for entry in entries if entry.id not in waiting])
        if waiting:  # lookups failed: leave them pending, another drain takes them over after the idle time
            report.retry_in = config.claim_idle_seconds + 1
        report.batches += 1
        if time.monotonic() - started > time_budget:
            report.retry_in = 0 if report.retry_in is None else report.retry_in
            return report


def _ingest_entries(entries: list[Entry], report: DrainReport) -> set[str]:
    """Ingest entries grouped by source; return the ids whose lookups failed (to retry later)."""
    by_source: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_source[entry.source].append(entry)
    waiting: set[str] = set()
    for source, group in by_source.items():
        result = ingest([entry.raw for entry in group], source)
        retry = set(result.retry)
        waiting.update(entry.id for entry in group if entry.raw in retry)
        report.events += len(group)
        report.statements += result.statements
        report.sources[source] = report.sources.get(source, 0) + len(group)
    return waiting


def _handle_failure(
    buffer: EventBuffer, entries: list[Entry], reason: str, report: DrainReport, policy: DeliveryPolicy
) -> float:
    """Dead-letter entries past their last retry (one letter per source); return the wait before the next drain."""
    deliveries = buffer.deliveries([entry.id for entry in entries])
    exhausted = [entry for entry in entries if policy.exhausted(deliveries.get(entry.id, 1))]
    if exhausted:
        by_source: dict[str, list[Entry]] = defaultdict(list)
        for entry in exhausted:
            by_source[entry.source].append(entry)
        for source, group in by_source.items():
            policy.dead_letter(
                DeadLetter.KIND_TRACKING,
                DRAIN_TASK_NAME,
                reason,
                {"events": [entry.raw for entry in group], "source": source},
                attempts=max(deliveries.get(entry.id, 1) for entry in group),
                item_count=len(group),
            )
        buffer.ack([entry.id for entry in exhausted])
        report.dead_lettered += len(exhausted)
    exhausted_ids = {entry.id for entry in exhausted}
    attempt = min((deliveries.get(entry.id, 1) for entry in entries if entry.id not in exhausted_ids), default=1)
    return policy.backoff(attempt)
