"""``manage.py lms migrate_clickhouse``: plan, apply, rerun."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from oars_platform.clickhouse.migrations import load_migrations


def run(*args: str) -> str:
    out = StringIO()
    call_command("migrate_clickhouse", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def fresh_databases(settings, clickhouse):
    """Database names nobody has migrated yet (dropped afterwards)."""
    suffix = "_cmd"
    for name in ("OARS_XAPI_DATABASE", "OARS_EVENT_SINK_DATABASE", "OARS_DATABASE"):
        setattr(settings, name, getattr(settings, name) + suffix)
    yield
    for name in ("OARS_XAPI_DATABASE", "OARS_EVENT_SINK_DATABASE", "OARS_DATABASE"):
        clickhouse.client.execute(f"DROP DATABASE IF EXISTS `{getattr(settings, name)}`")


def test_plan_lists_pending_with_sql_then_migrate_then_rerun(fresh_databases) -> None:
    names = [migration.name for migration in load_migrations()]
    plan = run("--plan", "--sql")
    assert f"{len(names)} pending migration(s)" in plan
    for name in names:
        assert name in plan
    assert "CREATE TABLE IF NOT EXISTS" in plan

    applied = run()
    assert f"Applied {len(names)} migration(s)" in applied
    assert run("--plan") == "No pending migrations.\n"
    assert "No migrations to apply" in run()


def test_unreachable_clickhouse_is_a_command_error(settings) -> None:
    from tests.servers import free_port

    settings.OARS_CLICKHOUSE_URL = f"clickhouse://u:pw@127.0.0.1:{free_port()}/"
    settings.OARS_CLICKHOUSE_CONNECT_TIMEOUT = 1
    with pytest.raises(CommandError, match="unreachable"):
        run()
