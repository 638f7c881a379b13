"""Rendering of every migration, single node and cluster, against committed SQL snapshots.

The snapshots make every change to rendered DDL visible in review, and catch an edit of shared rendering code
that would silently rewrite an old migration. Regenerate with ``OARS_UPDATE_SNAPSHOTS=1 pytest tests/clickhouse``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.ddl import CreateTable, Topology
from oars_platform.clickhouse.migrations import MigrationError, load_migrations
from oars_platform.clickhouse.migrator import Migrator

SNAPSHOTS = Path(__file__).parent / "snapshots"
DATABASES = Databases(xapi="xapi", event_sink="event_sink", oars="oars")


def rendered(topology: Topology) -> str:
    migrator = Migrator(client=None, databases=DATABASES, topology=topology)
    parts = [f"-- bootstrap\n{sql};" for sql in migrator.bootstrap_sql()]
    for migration in migrator.migrations:
        parts += [f"-- {migration.name}\n{sql};" for sql in migration.render(DATABASES, topology)]
    return "\n\n".join(parts) + "\n"


@pytest.mark.parametrize(("name", "topology"), [("single", Topology()), ("cluster", Topology("analytics"))])
def test_rendered_ddl_matches_snapshot(name: str, topology: Topology) -> None:
    path = SNAPSHOTS / f"{name}.sql"
    text = rendered(topology)
    if os.environ.get("OARS_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing snapshot {path}: run with OARS_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text()


def test_cluster_rendering_puts_every_statement_on_the_cluster_with_replicated_engines() -> None:
    statements = [sql for sql in rendered(Topology("analytics")).split(";\n") if sql.strip()]
    for sql in statements:
        assert "ON CLUSTER `analytics`" in sql, sql
        for engine in re.findall(r"ENGINE = (\w+)", sql):
            # A Null table stores nothing (it only hands inserts on to its views), so it has nothing to replicate.
            assert engine.startswith("Replicated") or engine == "Null", sql


def test_single_node_rendering_has_no_cluster_clauses() -> None:
    text = rendered(Topology())
    assert "ON CLUSTER" not in text
    assert "Replicated" not in text


def test_engine_arguments_survive_replication() -> None:
    table = CreateTable("oars", "t", (("v", "UInt64"),), engine="ReplacingMergeTree(v)", order_by="v")
    assert "ENGINE = ReplicatedReplacingMergeTree(v)" in table.render(DATABASES, Topology("c"))[0]
    assert "ENGINE = ReplacingMergeTree(v)" in table.render(DATABASES, Topology())[0]


def test_database_names_come_from_settings() -> None:
    custom = Databases(xapi="lrs", event_sink="sink", oars="ours")
    text = "\n".join(sql for migration in load_migrations() for sql in migration.render(custom, Topology()))
    assert "`lrs`.`xapi_events_all`" in text
    assert "`sink`.`course_blocks`" in text
    assert "`xapi`" not in text


def _write_migration(directory: Path, name: str) -> None:
    (directory / f"{name}.py").write_text(
        '"""Test migration."""\nfrom oars_platform.clickhouse.ddl import CreateDatabase\n'
        'OPERATIONS = [CreateDatabase("oars")]\n'
    )


def test_loader_rejects_duplicate_numbers(tmp_path: Path) -> None:
    _write_migration(tmp_path, "0001_create_a")
    _write_migration(tmp_path, "0001_create_b")
    (tmp_path / "max_migration.txt").write_text("0001_create_b\n")
    with pytest.raises(MigrationError, match="Two migrations numbered 0001"):
        load_migrations(tmp_path)


def test_loader_requires_max_migration_to_name_the_newest(tmp_path: Path) -> None:
    _write_migration(tmp_path, "0001_create_a")
    _write_migration(tmp_path, "0002_create_b")
    (tmp_path / "max_migration.txt").write_text("0001_create_a\n")
    with pytest.raises(MigrationError, match=r"max_migration\.txt"):
        load_migrations(tmp_path)
