"""Retention: the TTL of the tables a migration marks ``retention=<time column>`` follows the configured months.

Why not in the migrations: a migration is frozen history, checksummed in the ledger; a TTL rendered from a setting
would make a later change of the setting look like an edited migration, and nothing would apply the new value.
Instead, every ``migrate_clickhouse`` compares each retained table's live TTL with the setting and issues the
``ALTER TABLE … MODIFY TTL`` (or ``REMOVE TTL``) that closes the gap; nothing is issued when they agree.

The TTL is month-aligned (``toStartOfMonth(column) + INTERVAL N MONTH``) on tables partitioned by month, with
``ttl_only_drop_parts``, so whole monthly partitions expire at once instead of parts being rewritten row by row.
"""

from __future__ import annotations

from collections.abc import Iterable

from oars_platform.clickhouse.client import ClickHouseClient
from oars_platform.clickhouse.ddl import CreateTable, Topology
from oars_platform.clickhouse.sql import qualified


def retained_tables(operations: Iterable[object]) -> list[CreateTable]:
    """The tables whose TTL follows the retention setting, in migration order."""
    return [op for op in operations if isinstance(op, CreateTable) and op.retention]


def _wanted(table: CreateTable, months: int) -> str:
    """The TTL clause as ClickHouse prints it in ``create_table_query`` (empty: no TTL)."""
    return f"TTL toStartOfMonth({table.retention}) + toIntervalMonth({months})" if months else ""


def plan(
    client: ClickHouseClient,
    tables: Iterable[CreateTable],
    databases: object,
    topology: Topology,
    months: int,
) -> list[str]:
    """The ALTER statements that bring every existing retained table to ``months`` (none when already there)."""
    statements: list[str] = []
    for table in tables:
        database = getattr(databases, table.role)
        rows = client.query(
            "SELECT create_table_query FROM system.tables WHERE database = {db:String} AND name = {name:String}",
            {"db": database, "name": table.name},
        ).rows
        if not rows:
            continue
        create = rows[0][0]
        wanted = _wanted(table, months)
        has_ttl = " TTL " in create.replace("\n", " ")
        if (wanted and wanted in create) or (not wanted and not has_ttl):
            continue
        target = f"ALTER TABLE {qualified(database, table.name)}{topology.on_cluster()}"
        if not wanted:
            statements.append(f"{target} REMOVE TTL")
            continue
        if "ttl_only_drop_parts = 1" not in create:
            statements.append(f"{target} MODIFY SETTING ttl_only_drop_parts = 1")
        statements.append(f"{target} MODIFY TTL toStartOfMonth({table.retention}) + INTERVAL {int(months)} MONTH")
    return statements
