"""DDL operations as data, rendered for a single node or a cluster.

A migration is a list of operations. Rendering is separate from running (dry runs and ``--plan`` are free), and
topology is a parameter: with a cluster name every statement gets ``ON CLUSTER`` and every MergeTree-family engine
becomes its ``Replicated*`` variant, relying on the server's default replica path (``{uuid}`` on Atomic databases),
as Aspects does. Fan-out style: DDL is issued once, with ON CLUSTER, from one node.

Frozen history: migrations spell out their columns and keys themselves; only the small rendering rules below are
shared, and the rendered SQL of every migration is snapshotted by the tests so a change here that would alter an
old migration fails loudly.
"""

from __future__ import annotations

from dataclasses import dataclass

from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.sql import identifier

MERGE_TREE_FAMILY = (
    "MergeTree",
    "ReplacingMergeTree",
    "SummingMergeTree",
    "AggregatingMergeTree",
    "CollapsingMergeTree",
    "VersionedCollapsingMergeTree",
)


@dataclass(frozen=True)
class Topology:
    """Single node (no cluster) or a named cluster."""

    cluster: str = ""

    def on_cluster(self) -> str:
        """`` ON CLUSTER `name` `` or nothing."""
        return f" ON CLUSTER {identifier(self.cluster)}" if self.cluster else ""

    def engine(self, engine: str) -> str:
        """The engine clause for this topology: ``ReplacingMergeTree(v)`` → ``ReplicatedReplacingMergeTree(v)``."""
        family = engine.split("(", 1)[0]
        if family not in MERGE_TREE_FAMILY:
            return engine
        if not self.cluster:
            return engine if "(" in engine else f"{engine}()"
        args = engine[len(family) :] or "()"
        return f"Replicated{family}{args}"


@dataclass(frozen=True)
class CreateDatabase:
    """``CREATE DATABASE IF NOT EXISTS`` for one of our database roles (xapi, event_sink, oars)."""

    role: str

    def render(self, databases: Databases, topology: Topology) -> list[str]:
        """SQL statements for this operation."""
        name = identifier(getattr(databases, self.role))
        return [f"CREATE DATABASE IF NOT EXISTS {name}{topology.on_cluster()}"]


@dataclass(frozen=True)
class CreateTable:
    """``CREATE TABLE IF NOT EXISTS`` with explicit columns, engine and keys.

    ``fill`` (a RunSQL-style template) makes it ``CREATE TABLE … AS SELECT``: the table starts with the rows it
    selects, and unlike an ``INSERT`` it can run ``ON CLUSTER`` and is a no-op on a re-run. ``retention`` names the
    time column of a table whose TTL follows the retention setting: it is not part of the rendered SQL (history
    does not depend on settings); ``clickhouse.retention`` brings the live table's TTL to the setting.
    """

    role: str
    name: str
    columns: tuple[tuple[str, str], ...]
    engine: str
    order_by: str
    primary_key: str | None = None
    partition_by: str | None = None
    ttl: str | None = None
    settings: str | None = None
    fill: str | None = None
    retention: str | None = None

    def render(self, databases: Databases, topology: Topology) -> list[str]:
        """SQL statements for this operation."""
        table = f"{identifier(getattr(databases, self.role))}.{identifier(self.name)}"
        columns = ",\n".join(f"    {identifier(name)} {type_}" for name, type_ in self.columns)
        lines = [f"CREATE TABLE IF NOT EXISTS {table}{topology.on_cluster()}", "(", columns, ")"]
        lines.append(f"ENGINE = {topology.engine(self.engine)}")
        if self.partition_by:
            lines.append(f"PARTITION BY {self.partition_by}")
        if self.primary_key:
            lines.append(f"PRIMARY KEY {self.primary_key}")
        lines.append(f"ORDER BY {self.order_by}")
        if self.ttl:
            lines.append(f"TTL {self.ttl}")
        if self.settings:
            lines.append(f"SETTINGS {self.settings}")
        if self.fill:
            (select,) = RunSQL(self.fill).render(databases, topology)
            lines.append(f"AS {select}")
        return ["\n".join(lines)]


@dataclass(frozen=True)
class RunSQL:
    """Free-form SQL for what the typed operations do not cover.

    The template may name ``{xapi}``, ``{event_sink}``, ``{oars}`` (database names, inserted quoted) and
    ``{on_cluster}``; it must be idempotent on its own (IF [NOT] EXISTS, CREATE OR REPLACE).
    """

    template: str

    def render(self, databases: Databases, topology: Topology) -> list[str]:
        """SQL statements for this operation."""
        return [
            self.template.format(
                xapi=identifier(databases.xapi),
                event_sink=identifier(databases.event_sink),
                oars=identifier(databases.oars),
                on_cluster=topology.on_cluster(),
            )
        ]


Operation = CreateDatabase | CreateTable | RunSQL
