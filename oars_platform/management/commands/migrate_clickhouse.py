"""``./manage.py lms migrate_clickhouse``: apply (or, with --plan, show) the pending ClickHouse migrations."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from oars_platform.clickhouse import ClickHouseError
from oars_platform.clickhouse.ddl import Topology
from oars_platform.clickhouse.migrations import Migration
from oars_platform.clickhouse.migrator import Migrator
from oars_platform.conf import get_config
from oars_platform.connection import get_client
from oars_platform.management.base import OarsCommand


class Command(OarsCommand):
    """Apply the plugin's versioned ClickHouse migrations; safe to rerun."""

    help = (
        "Create or upgrade the oars_platform ClickHouse schema (xapi, event_sink and oars databases). "
        "Applied migrations are recorded in ClickHouse, so reruns do nothing. With OARS_CLICKHOUSE_CLUSTER set, "
        "every statement runs ON CLUSTER with Replicated engines."
    )

    def add_arguments(self, parser: Any) -> None:
        """--plan and --sql."""
        parser.add_argument("--plan", action="store_true", help="List pending migrations without applying them.")
        parser.add_argument(
            "--sql", action="store_true", help="With --plan, also print the SQL each pending migration would run."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Plan or migrate, printing one line per migration and a summary."""
        config = get_config()
        try:
            migrator = Migrator(get_client(), config.databases, Topology(config.cluster),
                                retention_months=config.data_ttl_months)
            if options["plan"]:
                self._plan(migrator, show_sql=options["sql"])
                return
            applied = migrator.migrate(on_step=self._announce)
        except ClickHouseError as exc:
            raise CommandError(f"ClickHouse migration failed: {exc}") from exc
        total = len(migrator.migrations)
        if applied:
            self.stdout.write(self.style.SUCCESS(f"Applied {len(applied)} migration(s); schema at {total:04d}."))
        else:
            self.stdout.write(f"No migrations to apply; schema at {total:04d}.")

    def _announce(self, migration: Migration) -> None:
        self.stdout.write(f"Applying {migration.name}: {migration.description}")

    def _plan(self, migrator: Migrator, *, show_sql: bool) -> None:
        pending = migrator.pending()
        if pending:
            self.stdout.write(f"{len(pending)} pending migration(s):")
        else:
            self.stdout.write("No pending migrations.")
        for migration in pending:
            self.stdout.write(f"  {migration.name}: {migration.description}")
            if show_sql:
                for sql in migration.render(migrator.databases, migrator.topology):
                    self.stdout.write(sql + ";\n")
        # Planned against the tables that exist now; tables a pending migration creates get theirs when it runs.
        changes = migrator.retention_plan()
        if changes:
            months = migrator.retention_months
            self.stdout.write(f"Retention (OARS_DATA_TTL_MONTHS = {months}): {len(changes)} change(s):")
            for sql in changes:
                self.stdout.write(f"  {sql};")
