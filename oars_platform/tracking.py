"""The request path: an eventtracking backend that only enqueues.

The platform hands every tracking event to each top-level backend of ``EVENT_TRACKING_BACKENDS``; ours is added
by the plugin settings. ``send`` keeps the request cheap and safe: a name check against what we transform, one
JSON encoding, one Redis append with a short timeout (or a line in the local spool while Redis is away) — no
transform, no ClickHouse, and never an exception into the request.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import Counter
from typing import Any

import orjson

from oars_platform.conf import get_config
from oars_platform.monitoring import count_tracking_outcome
from oars_platform.xapi import takes_event
from oars_platform.xapi.inputs import raw_text

log = logging.getLogger(__name__)


class EventFilter:
    """Which event names are worth a message: those the worker would transform (one rule: ``takes_event``)."""

    def wanted(self, name: Any) -> bool:
        """True when the worker would transform an event of this name, under the settings read now."""
        return takes_event(name, get_config())


@functools.cache
def event_filter() -> EventFilter:
    """The process's filter."""
    return EventFilter()


def encode_event(event: dict[str, Any], max_bytes: int = 0) -> str:
    """The event as JSON text, with its timestamp in UTC ISO form exactly as the tracking log writes it.

    eventtracking's JSON encoder converts datetimes to UTC and calls ``isoformat()``; we do the same, so an event
    received live and the same event replayed from the tracking log give the same statement id.

    Hostile input must not be lost here, where nobody would ever see it: an event JSON cannot carry (an int past 64
    bits, a lone surrogate, nesting past 255 levels, a tuple key...) travels as its Python ``repr``, which the
    worker refuses as ``malformed_json`` and quarantines. Text longer than ``max_bytes`` (``OARS_MAX_EVENT_BYTES``)
    is cut just past the limit: the worker quarantines it as ``oversize`` either way, and the buffer stays small.
    """
    try:
        timestamp = event.get("timestamp")
        if isinstance(timestamp, dt.datetime):
            if timestamp.tzinfo is not None:
                timestamp = timestamp.astimezone(dt.UTC)
            event = {**event, "timestamp": timestamp.isoformat()}
        text = orjson.dumps(event, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except Exception:  # any value orjson refuses; the fallback below never raises
        text = _unencodable(event)
    return text[: max_bytes + 1] if max_bytes and len(text) > max_bytes else text


def _unencodable(event: Any) -> str:
    """Text for an event orjson refused: its ``repr`` (never JSON, so the worker quarantines it)."""
    try:
        text = raw_text(event)
        text.encode("utf-8")  # Redis needs UTF-8: a surrogate that survived would fail the append
        return text
    except Exception:  # a repr can fail too (recursion): keep a marker the worker quarantines
        return f"<unencodable tracking event: {type(event).__name__}>"


class OarsTrackingBackend:
    """eventtracking backend (``ENGINE: oars_platform.tracking.OarsTrackingBackend``)."""

    SOURCE = "tracking"

    def __init__(self, **options: Any) -> None:
        self.filter = event_filter()
        self.stats: Counter[str] = Counter()
        _deliver_orphans()

    def send(self, event: dict[str, Any]) -> None:
        """Enqueue ``event`` for the batching worker (or spool it); count and log failures, never raise."""
        try:
            if not isinstance(event, dict) or not self.filter.wanted(event.get("name")):
                self.stats["ignored"] += 1
                return
            from oars_platform.tasks.tracking import enqueue_event

            # "enqueued" (in the Redis stream), "spooled" (on local disk until Redis is back) or "dropped".
            outcome = enqueue_event(encode_event(event, get_config().max_event_bytes), self.SOURCE)
        except Exception as exc:  # the request must never fail because of analytics
            outcome = "failed"
            log.error("oars: could not enqueue a tracking event (%s)", type(exc).__name__)
        self.stats[outcome] += 1
        count_tracking_outcome(outcome)


def _deliver_orphans() -> None:
    """A process starting its tracker delivers the spool files that gone processes of this host left."""
    try:
        from oars_platform.spool import get_spool

        get_spool().wake_for_orphans()
    except Exception as exc:  # the platform must start whatever the spool directory holds
        log.error("oars: could not look for spooled events (%s)", type(exc).__name__)
