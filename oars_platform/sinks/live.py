"""Live updates: after a learner signal's transaction committed, write that learner's current rows.

The task re-reads the learner's row from the platform instead of trusting the event's payload: whatever order
events arrive in, however often they are repeated, the newest read wins (rows are versioned by the platform's
modified time or the read time), so the current-state tables converge on what the platform holds. Only the
passing status has no platform table: its values come from the event and are versioned by the event's time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from oars_platform.conf import get_config
from oars_platform.connection import get_client
from oars_platform.platform.learners import Page, fetch_learner, fetch_page
from oars_platform.privacy import scrub_text
from oars_platform.sinks.base import Sink, Stamp
from oars_platform.sinks.learners import SINKS
from oars_platform.sinks.writer import WriteOutcome, write_page

log = logging.getLogger(__name__)


def event_page(sink: Sink, user_id: int, course_key: str | None, values: Mapping[str, Any]) -> Page:
    """The one-row page of a sink whose values come with the event (the passing status)."""
    if sink.name != "course_passing_status":
        raise ValueError(f"Sink {sink.name} reads the platform; it takes no event values")
    time = dt.datetime.fromisoformat(values["time"]).astimezone(dt.UTC)
    row = {"course_key": course_key, "user_id": user_id, "is_passing": bool(values["is_passing"]), "version": time}
    return Page(sink.columns, sink.target.tuples([row]))


def sync_learner(
    sink_names: Sequence[str], user_id: int, course_key: str | None, values: Mapping[str, Any] | None = None
) -> dict[str, WriteOutcome]:
    """Write the learner's current rows for each sink; PII sinks only with ``OARS_PII_ENABLED``.

    Raises :class:`~oars_platform.clickhouse.ClickHouseError` when ClickHouse cannot take them, for the task to retry.
    """
    config = get_config()
    client = get_client()
    outcomes: dict[str, WriteOutcome] = {}
    for name in sink_names:
        sink = SINKS.get(name)
        if sink.pii and not config.pii_enabled:
            continue
        stamp = Stamp.now()
        if sink.source is None:
            page = event_page(sink, user_id, course_key, values or {})
        else:
            page = fetch_learner(sink.source, user_id, course_key)
        outcome = write_page(client, config.databases, sink, page, stamp)
        for key, reason in outcome.rejected:
            log.error("oars: ClickHouse refused the %s row %s: %s", name, key, scrub_text(reason))
        outcomes[name] = outcome
    return outcomes


def sync_rows(sink_name: str, ids: Sequence[int]) -> WriteOutcome:
    """Write the current state of the platform rows ``ids`` of a sink (a saved tag, taxonomy or object tag).

    Rows deleted since the save are simply absent. PII sinks are written only with ``OARS_PII_ENABLED``.
    """
    config = get_config()
    sink = SINKS.get(sink_name)
    if sink.source is None:
        raise ValueError(f"Sink {sink_name} has no platform table to read rows from")
    if (sink.pii and not config.pii_enabled) or not ids:
        return WriteOutcome(read=0)
    page = fetch_page(sink.source, 0, len(ids), ids)
    outcome = write_page(get_client(), config.databases, sink, page, Stamp.now())
    for key, reason in outcome.rejected:
        log.error("oars: ClickHouse refused the %s row %s: %s", sink_name, key, scrub_text(reason))
    return outcome
