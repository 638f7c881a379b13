"""Tracking events in Celery: wake-up calls that drain the durable buffer in batches.

The request path appends each event to the Redis stream (:mod:`oars_platform.buffer`) and, at most once per
``OARS_BATCH_INTERVAL``, schedules :func:`drain_tracking_buffer` after that interval (the real timer), or at once
when ``OARS_BATCH_SIZE`` events wait. A drain reads batches, runs :func:`oars_platform.ingest.ingest` and
acknowledges the entries ClickHouse took. When ClickHouse cannot take a batch the entries stay pending, the next
drain is scheduled with exponential backoff and jitter, and entries delivered more than ``OARS_TASK_MAX_RETRIES``
times move to the dead-letter store. A wake-up lost with a killed worker costs nothing: the events are still in the
stream, and every worker schedules a drain when it starts.

The request path never waits on Redis: its appends use a short timeout (``OARS_REDIS_REQUEST_TIMEOUT``) behind a
circuit breaker, and an event that cannot be appended goes to the process's local spool
(:mod:`oars_platform.spool`), which appends it to the stream when Redis is back. A wake-up the broker refuses is
logged, not counted against the event: the event is in the stream, and the next event after
``OARS_BATCH_INTERVAL`` (or a worker start) sends another.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import redis
from celery import shared_task
from celery.signals import worker_ready

from oars_platform.breaker import CircuitBreaker
from oars_platform.buffer import Entry, EventBuffer, get_buffer, get_request_buffer
from oars_platform.clickhouse import ClickHouseError
from oars_platform.conf import get_config
from oars_platform.ingest import ingest
from oars_platform.privacy import scrub_raw, scrub_text
from oars_platform.tasks.base import send_options

log = logging.getLogger(__name__)

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


#: What became of an event on the request path.
BUFFERED, SPOOLED, DROPPED = "enqueued", "spooled", "dropped"


@functools.cache
def _breaker(url: str, open_seconds: float) -> CircuitBreaker:
    return CircuitBreaker(open_seconds)


def request_breaker() -> CircuitBreaker:
    """The process's circuit breaker for the request path's Redis (one per URL and pause)."""
    config = get_config()
    return _breaker(config.redis_url, config.redis_retry_seconds)


def reset_breakers() -> None:
    """Forget every breaker's state (tests)."""
    _breaker.cache_clear()


def enqueue_event(raw: str, source: str) -> str:
    """Buffer one raw event, or spool it when Redis does not answer in time; return BUFFERED, SPOOLED or DROPPED.

    Request path: at most one short Redis call, none while the breaker is open; errors other than Redis's reach
    the caller, which catches them.
    """
    from oars_platform.spool import get_spool

    config = get_config()
    breaker = request_breaker()
    if breaker.allows():
        buffer = get_request_buffer()
        try:
            waiting, timer_started = buffer.append(raw, source, config.batch_interval)
        except (redis.RedisError, OSError) as exc:
            if breaker.trip():
                log.warning("oars: Redis did not take a tracking event within %.3fs (%s); events go to the local "
                            "spool for now", config.redis_request_timeout, type(exc).__name__)
        else:
            if breaker.reset():
                log.warning("oars: Redis takes tracking events again")
            _wake(buffer, waiting, timer_started)
            return BUFFERED
    return SPOOLED if get_spool().append(raw, source) else DROPPED


def _wake(buffer: EventBuffer, waiting: int, timer_started: bool) -> None:
    """Send the wake-ups an append calls for; a refused one is logged (the event is safe in the stream)."""
    config = get_config()
    try:
        if waiting >= config.batch_size and buffer.claim_size_trigger():
            schedule_drain(0, retry=False)
        if timer_started:
            schedule_drain(config.batch_interval, retry=False)
    except Exception as exc:  # the broker: the next event after the timer, or a worker start, wakes a drain
        log.warning("oars: a drain wake-up was not sent (%s); the event is buffered", type(exc).__name__)


def schedule_drain(countdown: float, claim_idle: float | None = None, retry: bool = True) -> None:
    """Send a drain wake-up to the plugin's queue; ``claim_idle`` shortens the take-over delay for a retry.

    The request path sends with ``retry=False``: a broker that is down fails at once instead of Celery's retry
    loop holding the request.
    """
    options = send_options(countdown)
    if not retry:
        options["retry"] = False
    drain_tracking_buffer.apply_async(kwargs={"claim_idle": claim_idle}, **options)


@shared_task(name="oars_platform.drain_tracking_buffer", ignore_result=True)
def drain_tracking_buffer(claim_idle: float | None = None) -> dict[str, Any]:
    """Drain the buffer (see the module docstring)."""
    try:
        report = drain(get_buffer(), claim_idle=claim_idle)
    except redis.RedisError as exc:
        # Redis went away mid-drain: what was read stays pending in the stream and is taken over by the drain that
        # the next wake-up brings once Redis is back (this one cannot be sent while the broker is Redis and down).
        log.warning("oars: Redis failed during a drain (%s)", type(exc).__name__)
        try:
            schedule_drain(get_config().claim_idle_seconds + 1)
        except Exception as send_exc:
            log.warning("oars: the next drain could not be scheduled (%s)", type(send_exc).__name__)
        return DrainReport(failed=f"redis: {type(exc).__name__}").__dict__
    if report.takeover_only and drain_tracking_buffer.request.is_eager:
        return report.__dict__  # an eager task ignores countdowns: coming back now would only loop
    if report.retry_in is not None:
        # A retry takes over the failed batch as soon as it has waited out its backoff.
        schedule_drain(report.retry_in, claim_idle=report.retry_in * 0.9 if report.failed else None)
    return report.__dict__


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
            report.retry_in = _handle_failure(buffer, entries, report.failed, report)
            log.warning("oars: ClickHouse refused %d events (%s); next try in %.1fs", len(entries),
                        type(exc).__name__, report.retry_in)
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


def _handle_failure(buffer: EventBuffer, entries: list[Entry], reason: str, report: DrainReport) -> float:
    """Dead-letter entries past their last retry; return the backoff before the next drain."""
    from oars_platform.models import DeadLetter

    config = get_config()
    deliveries = buffer.deliveries([entry.id for entry in entries])
    exhausted = [entry for entry in entries if deliveries.get(entry.id, 1) > config.max_retries]
    if exhausted:
        by_source: dict[str, list[Entry]] = defaultdict(list)
        for entry in exhausted:
            by_source[entry.source].append(entry)
        for source, group in by_source.items():
            DeadLetter.objects.create(
                kind=DeadLetter.KIND_TRACKING,
                task_name=drain_tracking_buffer.name,
                reason=reason,
                # Scrubbed of PII, but still the same statements on replay (oars_platform.privacy).
                payload={"events": [scrub_raw(entry.raw) for entry in group], "source": source},
                item_count=len(group),
                attempts=max(deliveries.get(entry.id, 1) for entry in group),
            )
        buffer.ack([entry.id for entry in exhausted])
        report.dead_lettered += len(exhausted)
        log.error("oars: %d events failed every retry; stored as dead letters", len(exhausted))
    exhausted_ids = {entry.id for entry in exhausted}
    attempt = min((deliveries.get(entry.id, 1) for entry in entries if entry.id not in exhausted_ids), default=1)
    ceiling = min(config.retry_backoff_max, 2.0**attempt)
    return max(0.5, random.uniform(0, ceiling))  # exponential backoff with full jitter


@worker_ready.connect
def _drain_on_worker_start(**kwargs: Any) -> None:
    """A worker (re)starting drains what a killed one may have left, whatever wake-ups were lost.

    It also delivers spool files that processes gone from this host left in ``OARS_SPOOL_DIR``.
    """
    from oars_platform.spool import get_spool

    try:
        schedule_drain(1)
    except Exception as exc:  # a misconfigured site must not stop the worker from starting
        log.error("oars: could not schedule the start-up drain (%s)", type(exc).__name__)
    try:
        get_spool().wake_for_orphans()
    except Exception as exc:
        log.error("oars: could not look for spooled events (%s)", type(exc).__name__)


def _after_spool_delivery() -> None:
    """Spooled events reached the stream: close the request path's breaker and make sure a drain comes."""
    from oars_platform.spool import log as spool_log

    request_breaker().reset()
    try:
        schedule_drain(0)
    except Exception as exc:  # the events are in the stream; the next event or worker start wakes a drain
        spool_log.warning("oars: spooled events appended, but the drain wake-up failed (%s)", type(exc).__name__)


def _register_spool_callback() -> None:
    from oars_platform import spool

    if _after_spool_delivery not in spool.ON_DELIVERED:
        spool.ON_DELIVERED.append(_after_spool_delivery)


_register_spool_callback()
