"""Pipeline status for operators: the facts behind ``oars_status`` and the instance dashboard."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from oars_platform.clickhouse import ClickHouseClient, ClickHouseError
from oars_platform.clickhouse.sql import qualified
from oars_platform.conf import get_config
from oars_platform.privacy import mask_secrets


@dataclass
class PipelineStatus:
    """One fact per field; None where the fact could not be read (the error says why)."""

    clickhouse: str
    last_event_time: dt.datetime | None = None
    last_received_at: dt.datetime | None = None
    lag_seconds: float | None = None
    queue_depth: int | None = None
    dead_letters: int | None = None
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)
    statements_by_event: dict[str, int] = field(default_factory=dict)
    #: Events waiting in this host's spool (Redis was away), and events no spool could keep (every host).
    spool_pending: int | None = None
    spool_dropped: int | None = None
    spool_dropped_between: tuple[str, str] | None = None
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (datetimes as ISO strings)."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, dt.datetime):
                data[key] = value.isoformat()
        return data


def read_status(client: ClickHouseClient) -> PipelineStatus:
    """Collect every fact; a failing source is reported in ``errors``, the others are still read."""
    config = get_config()
    status = PipelineStatus(clickhouse=client.display_url)
    counts = qualified(config.databases.oars, "ingest_counts")
    try:
        rows = client.query(
            f"SELECT event_name, outcome, sum(events), max(last_received_at), max(last_emission_time) "  # noqa: S608
            f"FROM {counts} GROUP BY event_name, outcome"
        ).rows
        for name, outcome, events, received, emitted in rows:
            if outcome == "written":
                status.statements_by_event[name] = int(events)
                if status.last_event_time is None or emitted > status.last_event_time:
                    status.last_event_time = emitted
            else:
                status.quarantine_by_reason[outcome] = status.quarantine_by_reason.get(outcome, 0) + int(events)
            if status.last_received_at is None or received > status.last_received_at:
                status.last_received_at = received
        if status.last_event_time is not None and status.last_received_at is not None:
            status.lag_seconds = max(0.0, (status.last_received_at - status.last_event_time).total_seconds())
    except ClickHouseError as exc:
        status.errors.append(f"clickhouse: {mask_secrets(str(exc))}")
    status.dead_letters = _dead_letters(status)
    status.queue_depth = _queue_depth(status)
    _spool(status)
    return status


def _dead_letters(status: PipelineStatus) -> int | None:
    from oars_platform.models import DeadLetter

    try:
        return DeadLetter.objects.filter(replayed_at__isnull=True).count()
    except Exception as exc:  # the table may not be migrated yet
        status.errors.append(f"dead letters: {type(exc).__name__}")
        return None


def _queue_depth(status: PipelineStatus) -> int | None:
    """Events waiting in the durable buffer (the Redis stream), including those being processed."""
    from oars_platform.buffer import get_buffer

    try:
        return get_buffer().depth()
    except Exception as exc:  # Redis down or not configured
        status.errors.append(f"buffer: {type(exc).__name__}")
        return None


def _spool(status: PipelineStatus) -> None:
    """Spooled events of this host, and events dropped past the spools' bound (see :mod:`oars_platform.spool`)."""
    from oars_platform.spool import dropped_summary, local_report

    try:
        local = local_report(get_config().spool_dir)
        status.spool_pending = local.events
        summary = dropped_summary()
        status.spool_dropped = summary.count
        if summary.count:
            status.spool_dropped_between = (summary.first, summary.last)
    except Exception as exc:  # Redis down: the local part is still shown
        status.errors.append(f"spool: {type(exc).__name__}")
