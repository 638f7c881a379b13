"""``TRACKING_EVENT_EMITTED``: tracking events that reach us through openedx-events (and so the event bus)."""

from __future__ import annotations

import logging
from typing import Any

from oars_platform.conf import get_config

log = logging.getLogger(__name__)

SOURCE = "event_bus"


def on_tracking_event_emitted(sender: Any = None, tracking_log: Any = None, **kwargs: Any) -> None:
    """Enqueue the event carried by the signal, in the same shape as the live path; never raise."""
    from oars_platform.monitoring import count_tracking_outcome
    from oars_platform.tasks.tracking import enqueue_event
    from oars_platform.tracking import encode_event, event_filter
    from oars_platform.xapi import Rejection, from_tracking_signal

    try:
        if not get_config().tracking_signal_enabled or tracking_log is None:
            return
        if not event_filter().wanted(getattr(tracking_log, "name", None)):
            return
        event = from_tracking_signal(tracking_log.name, tracking_log.timestamp, tracking_log.data, tracking_log.context)
        # A payload that is not JSON still travels: the worker's transform rejects it again and quarantines it.
        max_bytes = get_config().max_event_bytes
        raw = event.raw[: max_bytes + 1] if isinstance(event, Rejection) else encode_event(event, max_bytes)
        count_tracking_outcome(enqueue_event(raw, SOURCE))
    except Exception as exc:  # a receiver error would be logged by openedx-events; we keep it quiet and counted
        count_tracking_outcome("failed")
        log.error("oars: could not enqueue a TRACKING_EVENT_EMITTED event (%s)", type(exc).__name__)
