"""Course dumps into ClickHouse: the four target tables declared once, the commit protocol, pruning, the ledger.

:mod:`oars_platform.sources.course_rows` turns a snapshot into rows keyed by column name; the :class:`Table`
declarations below give each table's columns (name and type, checked against ``DESCRIBE TABLE`` by
``tests/learners/test_declarations.py``) and turn those rows into insert tuples in the declared order.

Write order is the commit protocol: the Aspects history rows, then the per-dump block rows, then **last** the ledger
row in ``oars.course_dumps``. The current views only follow ledger rows, so a dump interrupted half-way (worker
killed, ClickHouse gone) is invisible to reports and simply repeated; a finished dump replaces the previous one
atomically from a reader's point of view. Rerunning a dump adds a new generation, never duplicate current rows.

After the ledger row, the block rows of superseded generations are deleted (:func:`prune_superseded`), so
``oars.course_block_dumps`` holds about one generation per course, not one per publish; ``event_sink.course_blocks``
keeps the full history, as Aspects expects. Reports read the current state from the views ``oars.courses_current``
and ``oars.course_blocks_current`` (exact before any merge).
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
from oars_platform.conf import get_config
from oars_platform.connection import get_client
from oars_platform.sinks.schema import UTC_TIME, Column, Table
from oars_platform.sinks.values import DUMP_STAMP
from oars_platform.sources.course_rows import course_rows, deletion_ledger_row
from oars_platform.sources.course_structure import CourseSnapshot, CourseSource, read_course

log = logging.getLogger(__name__)

#: Aspects' course history (its columns and keys): one row per course per dump.
COURSE_OVERVIEWS = Table(
    "event_sink",
    "course_overviews",
    (
        Column("org", "String"),
        Column("course_key", "String"),
        Column("display_name", "String"),
        Column("course_start", "String"),
        Column("course_end", "String"),
        Column("enrollment_start", "String"),
        Column("enrollment_end", "String"),
        Column("self_paced", "Bool"),
        Column("course_data_json", "String"),
        Column("created", "String"),
        Column("modified", "String"),
        *DUMP_STAMP,
    ),
)

#: Aspects' block history: one row per block per dump.
COURSE_BLOCKS = Table(
    "event_sink",
    "course_blocks",
    (
        Column("org", "String"),
        Column("course_key", "String"),
        Column("location", "String"),
        Column("display_name", "String"),
        Column("xblock_data_json", "String"),
        Column("order", "Int32"),
        Column("edited_on", "String"),
        *DUMP_STAMP,
    ),
)

#: Every block of every dump with the tree facts as columns; current through ``oars.course_blocks_current``.
BLOCK_DUMPS = Table(
    "oars",
    "course_block_dumps",
    (
        Column("org", "String"),
        Column("course_key", "String"),
        Column("dump_id", "UUID"),
        Column("location", "String"),
        Column("block_type", "LowCardinality(String)"),
        Column("display_name", "String"),
        Column("display_name_with_location", "String"),
        Column("parent_location", "String"),
        Column("section_location", "String"),
        Column("subsection_location", "String"),
        Column("unit_location", "String"),
        Column("section", "UInt32"),
        Column("subsection", "UInt32"),
        Column("unit", "UInt32"),
        Column("course_order", "Int32"),
        Column("graded", "Bool"),
        Column("detached", "Bool"),
        Column("completion_mode", "LowCardinality(String)"),
        Column("edited_on", "String"),
        Column("xblock_data_json", "String"),
        Column("read_at", UTC_TIME),
    ),
)

#: The dump ledger: one row per committed dump (or deletion), written last; ``version`` is the read time in µs.
COURSE_DUMPS = Table(
    "oars",
    "course_dumps",
    (
        Column("course_key", "String"),
        Column("org", "String"),
        Column("dump_id", "UUID"),
        Column("version", "UInt64"),
        Column("display_name", "String"),
        Column("master_course_key", "String"),
        Column("source", "LowCardinality(String)"),
        Column("source_modified", f"Nullable({UTC_TIME})"),
        Column("read_at", UTC_TIME),
        Column("dumped_at", UTC_TIME),
        Column("block_count", "UInt32"),
        Column("is_deleted", "UInt8"),
    ),
)

COURSE_TABLES = (COURSE_OVERVIEWS, COURSE_BLOCKS, BLOCK_DUMPS, COURSE_DUMPS)


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


def insert_rows(client: ClickHouseClient, databases: Databases, table: Table, rows: Sequence[dict]) -> None:
    """Insert rows keyed by column name into ``table``, by its declared column list."""
    client.insert(table.qualified(databases), table.names, table.tuples(rows))


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
    if not snapshots:
        return []
    overviews, sink_blocks, block_dumps, ledgers, dumped = [], [], [], [], []
    for snapshot in snapshots:  # each course's dict rows become insert tuples at once: memory stays per course
        rows = course_rows(snapshot, uuid.uuid4(), dumped_at)
        overviews.append(rows.overview)
        sink_blocks += COURSE_BLOCKS.tuples(rows.sink_blocks)
        block_dumps += BLOCK_DUMPS.tuples(rows.block_dumps)
        ledgers.append(rows.ledger)
        dumped.append(DumpedCourse(snapshot.course_key, rows.ledger["dump_id"], len(rows.block_dumps)))
    insert_rows(client, databases, COURSE_OVERVIEWS, overviews)
    for batch in batched(sink_blocks, size):
        client.insert(COURSE_BLOCKS.qualified(databases), COURSE_BLOCKS.names, batch)
    for batch in batched(block_dumps, size):
        client.insert(BLOCK_DUMPS.qualified(databases), BLOCK_DUMPS.names, batch)
    insert_rows(client, databases, COURSE_DUMPS, ledgers)
    prune_superseded([snapshot.course_key for snapshot in snapshots], client, databases, Topology(config.cluster))
    return dumped


def prune_superseded(
    course_keys: Sequence[str], client: ClickHouseClient, databases: Databases, topology: Topology
) -> None:
    """Delete the block rows of these courses' dumps that can never be current again.

    A dump is current when its read is the newest committed one (``course_dumps.version`` is the read time), so any
    block row read before the newest committed read of its course is dead. A newer dump still being written is kept
    (its rows were read later), and an older one still being written could never win anyway. One lightweight
    ``DELETE`` per call, for every course of the batch; a failure is logged and leaves the rows for the next dump:
    the dump itself is already committed, and the current views never show superseded rows.
    """
    dumps = COURSE_DUMPS.qualified(databases)
    blocks = BLOCK_DUMPS.qualified(databases)
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
        superseded = (
            "WHERE course_key IN {keys:Array(String)} AND read_at < transform(course_key, "
            "{keys:Array(String)}, {cutoffs:Array(DateTime64(6, 'UTC'))}, toDateTime64(0, 6, 'UTC'))"
        )
        # A read on the primary key first: a first dump (every course of a backfill) has nothing to prune, and a
        # DELETE is a mutation even when it matches no row (it halved the backfill's courses/s).
        if not client.query(f"SELECT count() FROM {blocks} {superseded}", params).scalar():  # noqa: S608
            return
        client.execute(f"DELETE FROM {blocks}{topology.on_cluster()} {superseded}", params)  # noqa: S608
    except ClickHouseError as exc:
        log.warning(
            "Superseded course dumps of %d course(s) not pruned (%s); the next dump retries",
            len(course_keys),
            type(exc).__name__,
        )


def write_snapshot(
    snapshot: CourseSnapshot, client: ClickHouseClient | None = None, batch_size: int | None = None
) -> DumpedCourse:
    """Dump one snapshot (see :func:`write_snapshots`)."""
    return write_snapshots([snapshot], client, batch_size)[0]


def dump_course(
    source: CourseSource, course_key: str, client: ClickHouseClient | None = None, batch_size: int | None = None
) -> list[DumpedCourse]:
    """Read the published course from ``source`` and dump it with its derived courses (CCXs)."""
    return write_snapshots(read_course(source, course_key), client, batch_size)


def mark_deleted(course_key: str, client: ClickHouseClient | None = None) -> None:
    """Take a deleted course out of the current views (its history stays)."""
    client = client or get_client()
    row = deletion_ledger_row(course_key, uuid.uuid4(), dt.datetime.now(dt.UTC))
    insert_rows(client, get_config().databases, COURSE_DUMPS, [row])


def last_dumps(course_keys: Sequence[str], client: ClickHouseClient | None = None) -> dict[str, LastDump]:
    """The newest committed dump of each of ``course_keys``, in one query (courses never dumped are absent)."""
    if not course_keys:
        return {}
    client = client or get_client()
    table = COURSE_DUMPS.qualified(get_config().databases)
    rows = client.query(
        "SELECT course_key, argMax(read_at, version), argMax(source_modified, version), argMax(is_deleted, version) "  # noqa: S608
        f"FROM {table} WHERE course_key IN {{keys:Array(String)}} GROUP BY course_key",
        {"keys": list(course_keys)},
    ).rows
    return {key: LastDump(_utc(read_at), _utc(modified), bool(deleted)) for key, read_at, modified, deleted in rows}


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
