"""Custom monitoring attributes, through edx-django-utils as the platform's own code sets them.

The platform reports them to its telemetry backends (``OPENEDX_TELEMETRY``: New Relic, Datadog, OpenTelemetry):
per request through its monitoring middleware, per Celery task directly. An operator then sees in the same
dashboards as the rest of the site how many tracking events a request spooled or dropped, and what each drain
or course dump did. Monitoring never fails the work it describes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from edx_django_utils import monitoring

log = logging.getLogger(__name__)


def count_tracking_outcome(outcome: str) -> None:
    """Add one to the request's ``oars_tracking_<outcome>`` (enqueued, spooled, dropped, failed)."""
    try:
        monitoring.accumulate(f"oars_tracking_{outcome}", 1)
    except Exception as exc:  # the request must never fail because of its monitoring
        log.debug("oars: could not count a tracking outcome (%s)", type(exc).__name__)


def set_task_attributes(prefix: str, values: Mapping[str, Any]) -> None:
    """Set ``<prefix>_<key>`` for each plain value (numbers, text, flags) of a task's report; others are skipped."""
    try:
        for key, value in values.items():
            if isinstance(value, int | float | str | bool):
                monitoring.set_custom_attribute(f"{prefix}_{key}", value)
    except Exception as exc:  # a task's work is done: its monitoring must not turn it into a failure
        log.debug("oars: could not set monitoring attributes (%s)", type(exc).__name__)
