"""Apply the ClickHouse migrations and record them in ClickHouse itself.

The ledger ``<oars>.clickhouse_migrations`` lives in the database it describes, so a fresh ClickHouse (or a
restored backup) always knows its own schema version. Every migration is idempotent on its own (IF NOT EXISTS),
so a run interrupted between a DDL and its ledger row is simply repeated. After the migrations, the retained
tables' TTL is brought to the retention setting (``retention``), which is not history and so not in the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from oars_platform.clickhouse import retention
from oars_platform.clickhouse.client import ClickHouseClient
from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.ddl import CreateDatabase, CreateTable, Topology
from oars_platform.clickhouse.migrations import Migration, load_migrations
from oars_platform.clickhouse.sql import qualified

LEDGER_TABLE = "clickhouse_migrations"

_LEDGER = CreateTable(
    role="oars",
    name=LEDGER_TABLE,
    columns=(
        ("version", "UInt32"),
        ("name", "String"),
        ("checksum", "String"),
        ("applied_at", "DateTime64(3, 'UTC')"),
    ),
    engine="ReplacingMergeTree(applied_at)",
    order_by="version",
)


@dataclass(frozen=True)
class AppliedMigration:
    """A ledger row."""

    version: int
    name: str
    checksum: str
    applied_at: dt.datetime


class Migrator:
    """Plans and applies migrations for one client, database naming and topology."""

    def __init__(
        self, client: ClickHouseClient, databases: Databases, topology: Topology, *, retention_months: int = 0
    ) -> None:
        self.client = client
        self.databases = databases
        self.topology = topology
        self.retention_months = retention_months
        self.migrations = load_migrations()

    @property
    def ledger(self) -> str:
        """Qualified name of the ledger table."""
        return qualified(self.databases.oars, LEDGER_TABLE)

    def bootstrap_sql(self) -> list[str]:
        """The statements that create the ledger (and its database) before anything else."""
        return CreateDatabase("oars").render(self.databases, self.topology) + _LEDGER.render(
            self.databases, self.topology
        )

    def applied(self) -> dict[int, AppliedMigration]:
        """Ledger rows by version; empty when the ledger does not exist yet."""
        exists = self.client.query(
            "SELECT count() FROM system.tables WHERE database = {db:String} AND name = {table:String}",
            {"db": self.databases.oars, "table": LEDGER_TABLE},
        ).scalar()
        if not exists:
            return {}
        rows = self.client.query(
            f"SELECT version, argMax(name, applied_at), argMax(checksum, applied_at), max(applied_at) "  # noqa: S608
            f"FROM {self.ledger} GROUP BY version ORDER BY version"
        ).rows
        return {int(row[0]): AppliedMigration(int(row[0]), row[1], row[2], row[3]) for row in rows}

    def pending(self) -> list[Migration]:
        """Migrations not yet recorded in the ledger, in order."""
        done = self.applied()
        return [migration for migration in self.migrations if migration.version not in done]

    def changed(self) -> list[Migration]:
        """Applied migrations whose rendered SQL differs from what was applied (history was edited)."""
        done = self.applied()
        return [
            migration
            for migration in self.migrations
            if migration.version in done
            and done[migration.version].checksum != migration.checksum(self.databases, self.topology)
        ]

    def migrate(self, on_step: Callable[[Migration], None] | None = None) -> list[Migration]:
        """Apply every pending migration in order; return those applied (none on a rerun)."""
        for sql in self.bootstrap_sql():
            self.client.execute(sql)
        applied: list[Migration] = []
        for migration in self.pending():
            if on_step:
                on_step(migration)
            for sql in migration.render(self.databases, self.topology):
                self.client.execute(sql)
            self.client.insert(
                self.ledger,
                ["version", "name", "checksum", "applied_at"],
                [
                    (
                        migration.version,
                        migration.name,
                        migration.checksum(self.databases, self.topology),
                        dt.datetime.now(dt.UTC),
                    )
                ],
            )
            applied.append(migration)
        for sql in self.retention_plan():
            self.client.execute(sql)
        return applied

    def retention_plan(self) -> list[str]:
        """The statements that bring the retained tables' TTL to ``retention_months`` (none when they agree)."""
        tables = retention.retained_tables(op for migration in self.migrations for op in migration.operations)
        return retention.plan(self.client, tables, self.databases, self.topology, self.retention_months)
