"""Tracking events in Celery: the request path's append, and the wake-up calls that drain the buffer in batches.

The request path appends each event to the Redis stream (:mod:`oars_platform.buffer`) and, at most once per
``OARS_BATCH_INTERVAL``, schedules :func:`drain_tracking_buffer` after that interval (the real timer), or at once
when ``OARS_BATCH_SIZE`` events wait. The task runs :func:`oars_platform.drain.drain`, which reads batches, ingests
them and acknowledges the entries ClickHouse took; when ClickHouse cannot take a batch the entries stay pending
and the task schedules the next drain after the backoff of the shared delivery policy
(:mod:`oars_platform.delivery`), until entries past its last retry become dead letters. A wake-up lost with a
killed worker costs nothing: the events are still in the stream, and every worker schedules a drain when it starts.

The request path never waits on Redis: its appends use a short timeout (``OARS_REDIS_REQUEST_TIMEOUT``) behind a
circuit breaker, and an event that cannot be appended goes to the process's local spool
(:mod:`oars_platform.spool`), which appends it to the stream when Redis is back. A wake-up the broker refuses is
logged, not counted against the event: the event is in the stream, and the next event after
``OARS_BATCH_INTERVAL`` (or a worker start) sends another.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import redis
from celery import shared_task
from celery.signals import worker_ready
from edx_django_utils.monitoring import set_code_owner_attribute

from oars_platform.breaker import CircuitBreaker
from oars_platform.buffer import EventBuffer, get_buffer, get_request_buffer
from oars_platform.conf import get_config
from oars_platform.drain import DRAIN_TASK_NAME, DrainReport, drain
from oars_platform.monitoring import set_task_attributes
from oars_platform.tasks.base import send_options

log = logging.getLogger(__name__)

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


@shared_task(name=DRAIN_TASK_NAME, ignore_result=True)
@set_code_owner_attribute
def drain_tracking_buffer(claim_idle: float | None = None) -> dict[str, Any]:
    """Drain the buffer (:func:`oars_platform.drain.drain`) and schedule the next drain it asks for.

    What the drain did is set as monitoring attributes (``oars_drain_events``, ``oars_drain_statements``,
    ``oars_drain_failed``...).
    """
    report = _drain_and_reschedule(claim_idle)
    set_task_attributes("oars_drain", report)
    return report


def _drain_and_reschedule(claim_idle: float | None) -> dict[str, Any]:
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
