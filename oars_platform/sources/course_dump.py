"""Write course dumps to ClickHouse and read back what was dumped: the I/O around :mod:`course_rows`.

Write order is the commit protocol: the Aspects history rows, then the per-dump block rows, then **last** the ledger
row in ``oars.course_dumps``. The current views only follow ledger rows, so a dump interrupted half-way (worker
killed, ClickHouse gone) is invisible to reports and simply repeated; a finished dump replaces the previous one
atomically from a reader's point of view. Rerunning a dump adds a new generation, never duplicate current rows.

After the ledger row, the block rows of superseded generations are deleted (:func:`prune_superseded`), so
``oars.course_block_dumps`` holds about one generation per course, not one per publish; ``event_sink.course_blocks``
keeps the full history, as Aspects expects.

Current state, for reports (exact before any merge)::

    SELECT location, display_name, section, subsection, unit, graded
    FROM oars.course_blocks_current
    WHERE course_key = {course_key:String}
    ORDER BY course_order
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import batched

from oars_platform.clickhouse import ClickHouseClient, ClickHouseError
from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.ddl import Topology
from oars_platform.clickhouse.sql import qualified
from oars_platform.conf import get_config
from oars_platform.connection import get_client
from oars_platform.sources.course_rows import (
    BLOCK_DUMP_COLUMNS,
    DUMP_COLUMNS,
    OVERVIEW_COLUMNS,
    SINK_BLOCK_COLUMNS,
    course_rows,
    deletion_ledger_row,
)
from oars_platform.sources.course_structure import CourseSnapshot, CourseSource

log = logging.getLogger(__name__)

#: Current blocks of one course, in course order; the query reports should start from.
CURRENT_BLOCKS_SQL = "SELECT * FROM {view} WHERE course_key = {{course_key:String}} ORDER BY course_order"


class CourseNotFound(LookupError):
    """The source has no such course (deleted, or a mistyped key)."""


@dataclass(frozen=True)
class DumpedCourse:
    """One course written: its key, the dump id, how many blocks."""

    course_key: str
    dump_id: uuid.UUID
    blocks: int


@dataclass(frozen=True)
class LastDump:
    """The newest committed dump of a course: when its structure was read and the source's change time then."""

    read_at: dt.datetime
    source_modified: dt.datetime | None
    is_deleted: bool


def write_snapshots(
    snapshots: Sequence[CourseSnapshot],
    client: ClickHouseClient | None = None,
    batch_size: int | None = None,
    databases: Databases | None = None,
) -> list[DumpedCourse]:
    """Dump several snapshots together: history rows, block rows (``batch_size`` per insert), then ledger rows.

    Many small courses share inserts, so a backfill makes few, large ClickHouse parts instead of four per course;
    the ledger rows still come last, so a batch cut short is invisible and redone by the next run.
    """
    config = get_config()
    client = client or get_client()
    databases = databases or config.databases
    size = batch_size or config.course_dump_batch_size
    dumped_at = dt.datetime.now(dt.UTC)
    all_rows = [course_rows(snapshot, uuid.uuid4(), dumped_at) for snapshot in snapshots]
    if not all_rows:
        return []
    client.insert(
        qualified(databases.event_sink, "course_overviews"), OVERVIEW_COLUMNS, [rows.overview for rows in all_rows]
    )
    sink_blocks = [row for rows in all_rows for row in rows.sink_blocks]
    for batch in batched(sink_blocks, size):
        client.insert(qualified(databases.event_sink, "course_blocks"), SINK_BLOCK_COLUMNS, batch)
    block_dumps = [row for rows in all_rows for row in rows.block_dumps]
    for batch in batched(block_dumps, size):
        client.insert(qualified(databases.oars, "course_block_dumps"), BLOCK_DUMP_COLUMNS, batch)
    client.insert(qualified(databases.oars, "course_dumps"), DUMP_COLUMNS, [rows.ledger for rows in all_rows])
    prune_superseded([snapshot.course_key for snapshot in snapshots], client, databases, Topology(config.cluster))
    return [
        DumpedCourse(snapshot.course_key, rows.ledger[2], len(rows.block_dumps))
        for snapshot, rows in zip(snapshots, all_rows, strict=True)
    ]


def prune_superseded(course_keys: Sequence[str], client: ClickHouseClient, databases: Databases,
                     topology: Topology) -> None:
    """Delete the block rows of these courses' dumps that can never be current again.

    A dump is current when its read is the newest committed one (``course_dumps.version`` is the read time), so any
    block row read before the newest committed read of its course is dead. A newer dump still being written is kept
    (its rows were read later), and an older one still being written could never win anyway. One lightweight
    ``DELETE`` per call, for every course of the batch; a failure is logged and leaves the rows for the next dump:
    the dump itself is already committed, and the current views never show superseded rows.
    """
    dumps = qualified(databases.oars, "course_dumps")
    blocks = qualified(databases.oars, "course_block_dumps")
    try:
        newest = client.query(
            f"SELECT course_key, max(read_at) FROM {dumps} "  # noqa: S608 - checked identifiers, bound values
            "WHERE course_key IN {keys:Array(String)} AND is_deleted = 0 GROUP BY course_key",
            {"keys": sorted(set(course_keys))},
        ).rows
        if not newest:
            return
        keys, cutoffs = zip(*newest, strict=True)
        params = {"keys": list(keys), "cutoffs": list(cutoffs)}
        superseded = ("WHERE course_key IN {keys:Array(String)} AND read_at < transform(course_key, "
                      "{keys:Array(String)}, {cutoffs:Array(DateTime64(6, 'UTC'))}, toDateTime64(0, 6, 'UTC'))")
        # A read on the primary key first: a first dump (every course of a backfill) has nothing to prune, and a
        # DELETE is a mutation even when it matches no row (it halved the backfill's courses/s).
        if not client.query(f"SELECT count() FROM {blocks} {superseded}", params).scalar():  # noqa: S608
            return
        client.execute(f"DELETE FROM {blocks}{topology.on_cluster()} {superseded}", params)  # noqa: S608
    except ClickHouseError as exc:
        log.warning("Superseded course dumps of %d course(s) not pruned (%s); the next dump retries",
                    len(course_keys), type(exc).__name__)


def write_snapshot(
    snapshot: CourseSnapshot, client: ClickHouseClient | None = None, batch_size: int | None = None
) -> DumpedCourse:
    """Dump one snapshot (see :func:`write_snapshots`)."""
    return write_snapshots([snapshot], client, batch_size)[0]


def read_course(source: CourseSource, course_key: str) -> list[CourseSnapshot]:
    """The published course and its derived courses (CCXs), ready to write; CourseNotFound if it is gone."""
    snapshot = source.read(course_key)
    if snapshot is None:
        raise CourseNotFound(f"{course_key} is not in the {source.name}")
    return [snapshot, *source.derived_courses(snapshot)]


def dump_course(
    source: CourseSource, course_key: str, client: ClickHouseClient | None = None, batch_size: int | None = None
) -> list[DumpedCourse]:
    """Read the published course from ``source`` and dump it with its derived courses (CCXs)."""
    return write_snapshots(read_course(source, course_key), client, batch_size)


def mark_deleted(course_key: str, client: ClickHouseClient | None = None) -> None:
    """Take a deleted course out of the current views (its history stays)."""
    client = client or get_client()
    row = deletion_ledger_row(course_key, uuid.uuid4(), dt.datetime.now(dt.UTC))
    client.insert(qualified(get_config().databases.oars, "course_dumps"), DUMP_COLUMNS, [row])


def last_dumps(course_keys: Sequence[str], client: ClickHouseClient | None = None) -> dict[str, LastDump]:
    """The newest committed dump of each of ``course_keys``, in one query (courses never dumped are absent)."""
    if not course_keys:
        return {}
    client = client or get_client()
    table = qualified(get_config().databases.oars, "course_dumps")
    rows = client.query(
        "SELECT course_key, argMax(read_at, version), argMax(source_modified, version), argMax(is_deleted, version) "  # noqa: S608
        f"FROM {table} WHERE course_key IN {{keys:Array(String)}} GROUP BY course_key",
        {"keys": list(course_keys)},
    ).rows
    return {key: LastDump(_utc(read_at), _utc(modified), bool(deleted)) for key, read_at, modified, deleted in rows}


def current_blocks(course_key: str, client: ClickHouseClient | None = None) -> list[dict]:
    """The blocks reports see for ``course_key`` now (runs :data:`CURRENT_BLOCKS_SQL`)."""
    client = client or get_client()
    sql = CURRENT_BLOCKS_SQL.format(view=qualified(get_config().databases.oars, "course_blocks_current"))
    return client.query(sql, {"course_key": course_key}).dicts()


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
