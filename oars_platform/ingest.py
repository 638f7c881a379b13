"""Transform, then write: the one path every tracking event takes, whether live, replayed or backfilled.

``ingest(events, source)`` turns a batch of raw tracking events into xAPI statements (``oars_platform.xapi``),
inserts them into the raw table, quarantines what the transform or ClickHouse refused, and records every outcome
in ``oars.ingest_ledger``. It raises :class:`~oars_platform.clickhouse.ClickHouseError` when ClickHouse cannot take
the batch at all, so the caller (a Celery task, a command) retries the whole batch.

Every write is idempotent, so a retry, a rerun or a second delivery changes nothing: the raw insert carries a
deduplication token (``clickhouse/writer.py``) and its statement ids are deterministic; a quarantined event has a
deterministic id (its reason and raw text) and is not quarantined again; the ledger has one row per id and outcome
(ReplacingMergeTree), and the figures operators read (``oars.ingest_totals``, ``oars_status``, ``instance_summary``)
count its ids. Writes go raw table first, ledger last: a process killed between them leaves statements stored and
not yet counted, never counted and not stored; the batch is then retried (it was not acknowledged) or the replay
rerun, and the ledger catches up.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from oars_platform.clickhouse import ClickHouseClient, ClickHouseQueryError
from oars_platform.clickhouse.sql import qualified
from oars_platform.clickhouse.writer import insert_idempotent, insert_isolating
from oars_platform.conf import OarsConfig, get_config
from oars_platform.connection import get_client
from oars_platform.privacy import scrub_raw, scrub_text
from oars_platform.xapi import BatchResult, CachedLookups, Reason, TransformConfig, transform_batch

RAW_COLUMNS = ("event_id", "emission_time", "event")
QUARANTINE_COLUMNS = (
    "quarantine_id", "received_at", "source", "reason", "event_name", "detail", "raw", "raw_truncated"
)
LEDGER_COLUMNS = ("id", "outcome", "event_name", "day", "source", "received_at", "emission_time")
WRITTEN = "written"
INSERT_REJECTED = "insert_rejected"
#: Ledger outcome of a statement stored in the raw table that a materialized view refused: ``view_refused:db.view``.
VIEW_REFUSED = "view_refused:"
#: Namespace of quarantine ids (uuid5 of the reason and the raw text).
QUARANTINE_NAMESPACE = uuid.UUID("5c1c6f8e-4f0b-5a4e-9d0e-0a7b0c0a0012")
#: Rejections that say nothing about the event itself: they are retried, not quarantined.
RETRYABLE = {Reason.LOOKUP_FAILED}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
log = logging.getLogger(__name__)
#: Quarantined events up to this many characters are parsed to be scrubbed of PII; longer ones by pattern.
SCRUB_WHOLE_MAX = 1 << 20


@dataclass
class IngestReport:
    """What one batch became."""

    events: int = 0
    statements: int = 0
    duplicates: int = 0
    #: Statements of the batch the raw table already held (a retry, a rerun): counted as written, not sent again.
    already_stored: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    retry: list[str] = field(default_factory=list)
    #: Statements stored in the raw table that a materialized view refused, per view (they are in ``statements``).
    view_refused: Counter[str] = field(default_factory=Counter)
    #: Each view's error (ClickHouse's code and name), per view.
    view_errors: dict[str, str] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        """Events quarantined (every outcome but ``written``)."""
        return sum(count for outcome, count in self.outcomes.items() if outcome != WRITTEN)


def quarantine_id(reason: str, raw: str) -> uuid.UUID:
    """The id of a quarantined event: the same bad event, quarantined twice (a replay), is one event."""
    return uuid.uuid5(QUARANTINE_NAMESPACE, reason + "\0" + raw)


def transform_config(config: OarsConfig) -> TransformConfig:
    """The transform's settings, from ours."""
    return TransformConfig(
        lms_root_url=config.lms_root_url,
        actor_mode=config.actor_mode,
        page_views_enabled=config.page_views_enabled,
        enabled_events=config.enabled_events,
        max_event_bytes=config.max_event_bytes,
    )


_lookups: CachedLookups | None = None
_lookups_lock = threading.Lock()


def lookups() -> CachedLookups:
    """The process-wide lookup caches in front of the platform's users and course overviews."""
    global _lookups  # noqa: PLW0603 - one cache per worker process is the point
    with _lookups_lock:
        if _lookups is None:
            from oars_platform.platform.courses import fetch_course_names
            from oars_platform.platform.users import fetch_actors

            config = get_config()
            _lookups = CachedLookups(
                fetch_actors,
                fetch_course_names,
                actor_maxsize=config.lookup_cache_size,
                actor_ttl=config.lookup_cache_ttl,
                course_maxsize=config.lookup_cache_size,
                course_ttl=config.lookup_cache_ttl,
            )
        return _lookups


def forget_users(refs: Iterable[int | str]) -> int:
    """Drop this process's cached lookups of these users (ids or usernames): retirement calls it."""
    with _lookups_lock:
        cached = _lookups
    return cached.forget_users(refs) if cached is not None else 0


def reset_lookups() -> None:
    """Forget cached users and course names (tests, settings changes)."""
    global _lookups  # noqa: PLW0603
    with _lookups_lock:
        _lookups = None


def transform(events: Sequence[Any]) -> BatchResult:
    """Transform a batch with the configured settings and the process's lookup caches (no ClickHouse)."""
    return transform_batch(events, transform_config(get_config()), lookups())


def ingest(events: Sequence[Any], source: str, client: ClickHouseClient | None = None) -> IngestReport:
    """Transform ``events`` and write the statements, quarantine and counts (see the module docstring)."""
    return write_result(transform(events), source, client, events=len(events))


def write_result(result: BatchResult, source: str, client: ClickHouseClient | None = None, *, events: int,
                 config: OarsConfig | None = None) -> IngestReport:
    """The write half of :func:`ingest`, for a batch the caller transformed itself (the tracking-log replay).

    Only ``id``, ``emission_time``, ``event_name`` and ``json`` of each statement are read. ``config`` defaults to
    the settings (a replay passes the configuration it was started with).
    """
    config = config or get_config()
    client = client or get_client()
    received_at = dt.datetime.now(dt.UTC)
    report = IngestReport(events=events)

    statements, seen = [], set()
    for statement in result.statements:
        if statement.id in seen:
            report.duplicates += 1
            continue
        seen.add(statement.id)
        statements.append(statement)

    raw_table = qualified(config.databases.xapi, "xapi_events_all")
    stored = _stored_ids(client, raw_table, statements)
    report.already_stored = len(stored)
    fresh = [statement for statement in statements if statement.id not in stored]
    rows = [(statement.id, statement.emission_time, statement.json) for statement in fresh]
    outcome = insert_isolating(client, raw_table, RAW_COLUMNS, rows)
    if rows and len(outcome.rejected) == len(rows) and len(rows) > 1:
        # Every row refused: the table, not the rows, is the problem (schema missing, read-only...). Retry it all.
        raise ClickHouseQueryError(f"ClickHouse refused the whole batch: {outcome.rejected[0][1]}")
    refused = {fresh[index].id: reason for index, reason in outcome.rejected}

    quarantine: list[Quarantined] = []
    ledger: list[tuple[Any, ...]] = []
    day = received_at.date()
    # Every statement of the batch, a second event giving the same statement id included: the figures are per event
    # name, and must not depend on which of the two came first in the batch.
    for statement in result.statements:
        if statement.id in refused:
            item = Quarantined(INSERT_REJECTED, statement.event_name, refused[statement.id], statement.json)
            quarantine.append(item)
            ledger.append(item.ledger_row(day, source, received_at))
            continue
        ledger.append((statement.id, WRITTEN, statement.event_name[:200], day, source, received_at,
                       statement.emission_time))
    for failure in outcome.view_failures:
        report.view_refused[failure.view] += len(failure.rows)
        report.view_errors[failure.view] = failure.error
        for index in failure.rows:
            statement = fresh[index]
            ledger.append((statement.id, VIEW_REFUSED + failure.view, statement.event_name[:200], day, source,
                           received_at, statement.emission_time))
        log.warning("oars: %d statements stored in the raw table were refused by view %s (%s)",
                    len(failure.rows), failure.view, scrub_text(failure.error)[:300])
    for rejection in result.rejections:
        if rejection.reason in RETRYABLE:
            report.retry.append(rejection.raw)
            continue
        item = Quarantined(str(rejection.reason), rejection.event_name or "", rejection.detail, rejection.raw)
        quarantine.append(item)
        ledger.append(item.ledger_row(day, source, received_at))

    _write_quarantine(client, config, source, received_at, quarantine)
    insert_idempotent(client, qualified(config.databases.oars, "ingest_ledger"), LEDGER_COLUMNS, ledger)
    report.statements = outcome.inserted + len(stored)
    report.outcomes.update(row[1] for row in ledger if not row[1].startswith(VIEW_REFUSED))
    return report


def _stored_ids(client: ClickHouseClient, raw_table: str, statements: Sequence[Any]) -> set[str]:
    """Which of these statements the raw table holds already (one primary-key range read).

    Sending them again would store them twice until a merge and feed every attached view twice; skipping them
    makes a retry whose batch was regrouped (a killed worker's entries taken over with new ones), a rerun replay
    and an event delivered twice each store nothing new.
    """
    if not statements:
        return set()
    times = [statement.emission_time for statement in statements]
    rows = client.query(
        f"SELECT DISTINCT toString(event_id) FROM {raw_table} "  # noqa: S608 - validated identifiers
        "WHERE emission_time >= {low:DateTime64(6)} AND emission_time <= {high:DateTime64(6)} "
        "AND event_id IN {ids:Array(UUID)}",
        {"low": min(times), "high": max(times), "ids": [str(statement.id) for statement in statements]},
    ).rows
    return {row[0] for row in rows}


@dataclass(frozen=True)
class Quarantined:
    """One event for the quarantine: why, its name, a short detail and its raw text."""

    reason: str
    event_name: str
    detail: str
    raw: str

    @property
    def id(self) -> uuid.UUID:
        """Its deterministic id (:func:`quarantine_id`)."""
        return quarantine_id(self.reason, self.raw)

    def ledger_row(self, day: dt.date, source: str, received_at: dt.datetime) -> tuple[Any, ...]:
        """Its row of ``oars.ingest_ledger`` (no emission time: the event gave no statement)."""
        return (str(self.id), self.reason, self.event_name[:200], day, source, received_at, EPOCH)


def _truncate(text: str, limit: int) -> tuple[str, bool]:
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text, False
    return data[:limit].decode("utf-8", "ignore"), True


def _write_quarantine(
    client: ClickHouseClient,
    config: OarsConfig,
    source: str,
    received_at: dt.datetime,
    items: list[Quarantined],
) -> None:
    """Quarantine the events not quarantined already (by id): a replay or a retry adds no second row."""
    if not items:
        return
    table = qualified(config.databases.oars, "quarantine")
    unique = {item.id: item for item in items}
    present = client.query(
        f"SELECT DISTINCT quarantine_id FROM {table} WHERE quarantine_id IN {{ids:Array(UUID)}}",  # noqa: S608
        {"ids": [str(key) for key in unique]},
    ).rows
    for (key,) in present:
        unique.pop(key if isinstance(key, uuid.UUID) else uuid.UUID(str(key)), None)
    rows = []
    limit = config.quarantine_raw_max_bytes
    for key, item in unique.items():
        # PII is scrubbed before the cut: a whole event is scrubbed field by field, a cut one only by pattern.
        # Beyond SCRUB_WHOLE_MAX the event is cut first (nothing past the cap is kept anyway) to bound the work.
        raw = item.raw
        cut = raw if len(raw) <= SCRUB_WHOLE_MAX else raw[: 2 * limit]
        text, truncated = _truncate(scrub_raw(cut), limit)
        rows.append((str(key), received_at, source, item.reason, scrub_text(item.event_name)[:200],
                     scrub_text(item.detail)[:500], text, truncated or cut is not raw))
    insert_idempotent(client, table, QUARANTINE_COLUMNS, rows)
