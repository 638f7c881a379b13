"""Pipeline status for operators: the facts behind ``oars_status`` and the instance dashboard.

Lag is how long the oldest event received and not yet stored has waited in the buffer, measured on Redis's clock
(``redis_probe``): emission times come from the producers' clocks, and one producer stamping events two hours
ahead made "newest received minus newest emitted" read 0 while a backlog grew. Emission times in the future are
reported as such (``future_seconds``), not folded into the lag.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from oars_platform.clickhouse import ClickHouseClient, ClickHouseError
from oars_platform.clickhouse.sql import qualified
from oars_platform.conf import get_config
from oars_platform.ingest import VIEW_REFUSED
from oars_platform.privacy import mask_secrets


@dataclass
class PipelineStatus:
    """One fact per field; None where the fact could not be read (the error says why)."""

    clickhouse: str
    last_event_time: dt.datetime | None = None
    last_received_at: dt.datetime | None = None
    lag_seconds: float | None = None
    future_seconds: float | None = None
    queue_depth: int | None = None
    #: Dead letters still to replay (those marked replayed are done), in all and per kind.
    dead_letters: int | None = None
    dead_letters_by_kind: dict[str, int] = field(default_factory=dict)
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)
    statements_by_event: dict[str, int] = field(default_factory=dict)
    pending_migrations: list[str] = field(default_factory=list)
    #: Statements stored in the raw table that a materialized view refused, per view (also in statements_by_event).
    view_refused: dict[str, int] = field(default_factory=dict)
    #: Events waiting in this host's spool (Redis was away), and events no spool could keep (every host).
    spool_pending: int | None = None
    spool_dropped: int | None = None
    spool_dropped_between: tuple[str, str] | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """Every source answered and the schema is current: what a monitoring probe of ``oars_status`` checks."""
        return not self.errors and not self.pending_migrations

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
    # One row per distinct statement (or quarantined event) and outcome: retries, reruns and replays count once.
    counts = qualified(config.databases.oars, "ingest_totals")
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
            elif outcome.startswith(VIEW_REFUSED):
                view = outcome[len(VIEW_REFUSED):]
                status.view_refused[view] = status.view_refused.get(view, 0) + int(events)
            else:
                status.quarantine_by_reason[outcome] = status.quarantine_by_reason.get(outcome, 0) + int(events)
            if status.last_received_at is None or received > status.last_received_at:
                status.last_received_at = received
        if status.last_event_time is not None:
            ahead = (status.last_event_time - dt.datetime.now(dt.UTC)).total_seconds()
            status.future_seconds = ahead if ahead > FUTURE_TOLERANCE_SECONDS else None
    except ClickHouseError as exc:
        status.errors.append(f"clickhouse: {_one_line(mask_secrets(str(exc)))}")
    _read_schema(client, status)
    _dead_letters(status)
    _read_buffer(status)
    _spool(status)
    return status


#: Emission times up to this far ahead of this host's clock are ordinary skew, not worth a warning.
FUTURE_TOLERANCE_SECONDS = 60.0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _read_schema(client: ClickHouseClient, status: PipelineStatus) -> None:
    """Names of migrations the code has and ClickHouse has not applied (the schema is behind)."""
    from oars_platform.clickhouse.ddl import Topology
    from oars_platform.clickhouse.migrator import Migrator

    config = get_config()
    try:
        pending = Migrator(client, config.databases, Topology(config.cluster)).pending()
    except ClickHouseError as exc:
        if not status.errors:
            status.errors.append(f"clickhouse: {_one_line(mask_secrets(str(exc)))}")
        return
    status.pending_migrations = [migration.name for migration in pending]


def _dead_letters(status: PipelineStatus) -> None:
    """Dead letters not replayed yet, per kind (``replay_failed_events`` marks those it redid)."""
    from oars_platform.dead_letters import waiting_by_kind

    try:
        status.dead_letters_by_kind = waiting_by_kind()
    except Exception as exc:  # the table may not be migrated yet
        status.errors.append(f"dead letters: {type(exc).__name__}")
        return
    status.dead_letters = sum(status.dead_letters_by_kind.values())


def _read_buffer(status: PipelineStatus) -> None:
    """Events waiting in the durable buffer (including those being processed) and how long the oldest has waited."""
    from oars_platform.redis_probe import RedisUnreachable, probe_buffer

    config = get_config()
    if not config.redis_url:
        status.errors.append("buffer: no Redis configured (OARS_REDIS_URL)")
        return
    try:
        state = probe_buffer(config.redis_url, config.redis_key_prefix, config.connect_timeout)
    except RedisUnreachable as exc:
        status.errors.append(f"buffer: {exc}")
        return
    status.queue_depth = state.depth
    status.lag_seconds = state.oldest_age_seconds


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
