"""Tracking events in Celery: buffered into batches on the worker, then transformed and written together.

The request path only publishes one small message per event (:func:`enqueue_event`). The worker holds messages in
a celery-batches buffer and runs :func:`ingest_tracking_events` with up to ``OARS_BATCH_SIZE`` of them, or after
``OARS_BATCH_INTERVAL`` seconds on a real timer, so a quiet site's last events still arrive. Messages are
acknowledged only after the batch ran. When ClickHouse cannot take the batch, its raw events move to
:func:`retry_tracking_events`, an ordinary task with backoff, jitter and a dead letter at the end.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from celery import shared_task
from celery_batches import Batches
from django.conf import settings

from oars_platform.clickhouse import ClickHouseError
from oars_platform.conf import get_config
from oars_platform.ingest import ingest
from oars_platform.tasks.base import OarsTask, RetryableError

log = logging.getLogger(__name__)


class TrackingBatches(Batches):
    """celery-batches with our size and interval (read when the worker imports the task)."""

    acks_late = True
    reject_on_worker_lost = True
    flush_every = int(getattr(settings, "OARS_BATCH_SIZE", 1000))
    flush_interval = float(getattr(settings, "OARS_BATCH_INTERVAL", 2.0))


@shared_task(base=TrackingBatches, name="oars_platform.ingest_tracking_events")
def ingest_tracking_events(requests: list[Any]) -> None:
    """Ingest a buffered batch; hand it to the retry task if ClickHouse cannot take it now."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for request in requests:
        if request.args:
            by_source[(request.kwargs or {}).get("source", "tracking")].append(request.args[0])
    for source, events in by_source.items():
        ingest_or_retry(events, source)


def ingest_or_retry(events: list[str], source: str) -> None:
    """Ingest now; on a transient failure, schedule the same events on the retry task (never raises)."""
    try:
        report = ingest(events, source)
    except ClickHouseError as exc:
        log.warning("ClickHouse could not take %d events (%s); retrying later", len(events), type(exc).__name__)
        _schedule_retry(events, source)
        return
    if report.retry:
        _schedule_retry(report.retry, source)


def _schedule_retry(events: list[str], source: str) -> None:
    options: dict[str, Any] = {"countdown": 1}
    if get_config().celery_queue:
        options["queue"] = get_config().celery_queue
    retry_tracking_events.apply_async((events, source), **options)


class TrackingRetryTask(OarsTask):
    """Retries of tracking-event batches; dead letters keep the raw events."""

    dead_letter_kind = "tracking"

    def dead_letter_payload(self, args: Any, kwargs: Any) -> dict[str, Any]:
        """The raw events and where they came from."""
        events, source = [*list(args), None, None][:2]
        return {"events": list(events or []), "source": source or "tracking"}


@shared_task(base=TrackingRetryTask, bind=True, name="oars_platform.retry_tracking_events")
def retry_tracking_events(self: TrackingRetryTask, events: list[str], source: str) -> dict[str, int]:
    """Ingest again; raise (and so retry with backoff) while ClickHouse or the lookups are unavailable."""
    report = ingest(events, source)
    if report.retry:
        if len(report.retry) == len(events):
            raise RetryableError(f"{len(events)} events still wait for their user/course lookups")
        _schedule_retry(report.retry, source)
    return {"statements": report.statements, "rejected": report.rejected}


def enqueue_event(raw: str, source: str) -> None:
    """Publish one raw event for the batching worker (called on the request path; the caller catches errors)."""
    queue = get_config().celery_queue
    if queue:
        ingest_tracking_events.apply_async((raw,), {"source": source}, queue=queue)
    else:
        ingest_tracking_events.apply_async((raw,), {"source": source})
