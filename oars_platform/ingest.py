"""Transform, then write: the one path every tracking event takes, whether live, replayed or backfilled.

``ingest(events, source)`` turns a batch of raw tracking events into xAPI statements (``oars_platform.xapi``),
inserts them into the raw table, quarantines what the transform or ClickHouse refused, and counts everything per
event name and outcome. It raises :class:`~oars_platform.clickhouse.ClickHouseError` when ClickHouse cannot take
the batch at all, so the caller (a Celery task, a command) retries the whole batch: statement ids are
deterministic and the raw table deduplicates them, so a retry never double-counts what reports see.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from oars_platform.clickhouse import ClickHouseClient, ClickHouseQueryError
from oars_platform.clickhouse.sql import qualified
from oars_platform.clickhouse.writer import insert_isolating
from oars_platform.conf import OarsConfig, get_config
from oars_platform.connection import get_client
from oars_platform.privacy import scrub_raw, scrub_text
from oars_platform.xapi import BatchResult, CachedLookups, Lookups, Reason, TransformConfig, transform_batch

RAW_COLUMNS = ("event_id", "emission_time", "event")
QUARANTINE_COLUMNS = ("received_at", "source", "reason", "event_name", "detail", "raw", "raw_truncated")
COUNT_COLUMNS = ("day", "source", "event_name", "outcome", "events", "last_received_at", "last_emission_time")
WRITTEN = "written"
INSERT_REJECTED = "insert_rejected"
#: Rejections that say nothing about the event itself: they are retried, not quarantined.
RETRYABLE = {Reason.LOOKUP_FAILED}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: Quarantined events up to this many characters are parsed to be scrubbed of PII; longer ones by pattern.
SCRUB_WHOLE_MAX = 1 << 20


@dataclass
class IngestReport:
    """What one batch became."""

    events: int = 0
    statements: int = 0
    duplicates: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    retry: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Events quarantined (every outcome but ``written``)."""
        return sum(count for outcome, count in self.outcomes.items() if outcome != WRITTEN)


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


def transform(events: Sequence[Any], lookups_: Lookups | None = None) -> BatchResult:
    """Transform a batch with the configured settings and lookups (no ClickHouse).

    ``lookups_`` replaces the process-wide caches: replay workers resolve users through their parent process.
    """
    return transform_batch(events, transform_config(get_config()), lookups_ or lookups())


def ingest(events: Sequence[Any], source: str, client: ClickHouseClient | None = None) -> IngestReport:
    """Transform ``events`` and write the statements, quarantine and counts (see the module docstring)."""
    return write_result(transform(events), source, client, events=len(events))


def write_result(result: BatchResult, source: str, client: ClickHouseClient | None = None, *, events: int,
                 config: OarsConfig | None = None) -> IngestReport:
    """The write half of :func:`ingest`, for a batch transformed elsewhere (a replay worker process).

    Only ``id``, ``emission_time``, ``event_name`` and ``json`` of each statement are read, so a caller may ship
    statements between processes without their ``statement`` dicts. ``config`` defaults to the settings; a worker
    process without Django passes its parent's.
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

    rows = [(statement.id, statement.emission_time, statement.json) for statement in statements]
    outcome = insert_isolating(client, qualified(config.databases.xapi, "xapi_events_all"), RAW_COLUMNS, rows)
    if rows and len(outcome.rejected) == len(rows) and len(rows) > 1:
        # Every row refused: the table, not the rows, is the problem (schema missing, read-only...). Retry it all.
        raise ClickHouseQueryError(f"ClickHouse refused the whole batch: {outcome.rejected[0][1]}")
    refused = dict(outcome.rejected)

    quarantine: list[tuple[str, str, str, str]] = []  # reason, event name, detail, raw text
    counts: Counter[tuple[str, str]] = Counter()
    last_emission: dict[tuple[str, str], dt.datetime] = {}
    for index, statement in enumerate(statements):
        if index in refused:
            quarantine.append((INSERT_REJECTED, statement.event_name, refused[index], statement.json))
            counts[(statement.event_name, INSERT_REJECTED)] += 1
            continue
        key = (statement.event_name, WRITTEN)
        counts[key] += 1
        if statement.emission_time > last_emission.get(key, EPOCH):
            last_emission[key] = statement.emission_time
    for rejection in result.rejections:
        if rejection.reason in RETRYABLE:
            report.retry.append(rejection.raw)
            continue
        name = rejection.event_name or ""
        quarantine.append((str(rejection.reason), name, rejection.detail, rejection.raw))
        counts[(name, str(rejection.reason))] += 1

    _write_quarantine(client, config, source, received_at, quarantine)
    _write_counts(client, config, source, received_at, counts, last_emission)
    report.statements = outcome.inserted
    for (_, outcome_name), n in counts.items():
        report.outcomes[outcome_name] += n
    return report


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
    items: list[tuple[str, str, str, str]],
) -> None:
    if not items:
        return
    rows = []
    limit = config.quarantine_raw_max_bytes
    for reason, name, detail, raw in items:
        # PII is scrubbed before the cut: a whole event is scrubbed field by field, a cut one only by pattern.
        # Beyond SCRUB_WHOLE_MAX the event is cut first (nothing past the cap is kept anyway) to bound the work.
        cut = raw if len(raw) <= SCRUB_WHOLE_MAX else raw[: 2 * limit]
        text, truncated = _truncate(scrub_raw(cut), limit)
        row = (received_at, source, reason, scrub_text(name)[:200], scrub_text(detail)[:500], text,
               truncated or cut is not raw)
        rows.append(row)
    client.insert(qualified(config.databases.oars, "quarantine"), QUARANTINE_COLUMNS, rows)


def _write_counts(
    client: ClickHouseClient,
    config: OarsConfig,
    source: str,
    received_at: dt.datetime,
    counts: Counter[tuple[str, str]],
    last_emission: dict[tuple[str, str], dt.datetime],
) -> None:
    if not counts:
        return
    day = received_at.date()
    rows = [
        (day, source, name[:200], outcome, n, received_at, last_emission.get((name, outcome), EPOCH))
        for (name, outcome), n in counts.items()
    ]
    client.insert(qualified(config.databases.oars, "ingest_counts"), COUNT_COLUMNS, rows)
