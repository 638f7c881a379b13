"""The request path: an eventtracking backend that only enqueues.

The platform hands every tracking event to each top-level backend of ``EVENT_TRACKING_BACKENDS``; ours is added
by the plugin settings. ``send`` keeps the request cheap and safe: a name check against what we transform, one
JSON encoding, one Celery publish — no transform, no ClickHouse, and never an exception into the request.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import Counter
from typing import Any

import orjson

from oars_platform.conf import get_config
from oars_platform.xapi import supported_events

log = logging.getLogger(__name__)

PAGE_VIEW_PREFIX = "/courses/"


class EventFilter:
    """Which event names are worth a message: those we transform, and page views when they are on."""

    def __init__(self) -> None:
        self._supported = frozenset(supported_events())

    def wanted(self, name: Any) -> bool:
        """True when the worker would transform an event of this name."""
        if not isinstance(name, str):
            return False
        config = get_config()
        if name in self._supported:
            return config.enabled_events is None or name in config.enabled_events
        return config.page_views_enabled and name.startswith(PAGE_VIEW_PREFIX)


@functools.cache
def event_filter() -> EventFilter:
    """The process's filter (the supported names never change while it runs)."""
    return EventFilter()


def encode_event(event: dict[str, Any]) -> str:
    """The event as JSON text, with its timestamp in UTC ISO form exactly as the tracking log writes it.

    eventtracking's JSON encoder converts datetimes to UTC and calls ``isoformat()``; we do the same, so an event
    received live and the same event replayed from the tracking log give the same statement id.
    """
    timestamp = event.get("timestamp")
    if isinstance(timestamp, dt.datetime):
        if timestamp.tzinfo is not None:
            timestamp = timestamp.astimezone(dt.UTC)
        event = {**event, "timestamp": timestamp.isoformat()}
    return orjson.dumps(event, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


class OarsTrackingBackend:
    """eventtracking backend (``ENGINE: oars_platform.tracking.OarsTrackingBackend``)."""

    SOURCE = "tracking"

    def __init__(self, **options: Any) -> None:
        self.filter = event_filter()
        self.stats: Counter[str] = Counter()

    def send(self, event: dict[str, Any]) -> None:
        """Enqueue ``event`` for the batching worker; count and log failures, never raise."""
        try:
            if not self.filter.wanted(event.get("name")):
                self.stats["ignored"] += 1
                return
            from oars_platform.tasks.tracking import enqueue_event

            enqueue_event(encode_event(event), self.SOURCE)
            self.stats["enqueued"] += 1
        except Exception as exc:  # the request must never fail because of analytics
            self.stats["failed"] += 1
            log.error("oars: could not enqueue a tracking event (%s)", type(exc).__name__)
