"""The report schema itself: retention that follows the setting, course filters on the primary key, back-fill."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.ddl import Topology
from oars_platform.clickhouse.migrations import load_migrations
from oars_platform.clickhouse.migrator import Migrator
from oars_platform.reports.base import Filters
from oars_platform.reports.registry import get_report

EVENT_TABLES = ("events_parsed", "enrollment_events", "video_events", "problem_events", "navigation_events",
                "grading_events", "completion_events", "forum_events")
DATABASES = Databases(xapi="xapi", event_sink="event_sink", oars="oars")


def report_migration():
    return next(m for m in load_migrations() if m.name == "0008_create_report_tables")


def test_rendered_migrations_do_not_depend_on_settings(settings, clickhouse) -> None:
    """Frozen history: applied under one retention setting, the ledger matches a fresh render under any other."""
    migrator = clickhouse.migrator
    for months in (0, 2, 13):
        settings.OARS_DATA_TTL_MONTHS = months
        again = Migrator(clickhouse.client, clickhouse.databases, Topology(), retention_months=months)
        assert again.changed() == []
        assert "TTL" not in "\n".join(report_migration().render(DATABASES, Topology()))
    assert {m.version: m.checksum(clickhouse.databases, Topology()) for m in migrator.migrations} == {
        version: row.checksum for version, row in migrator.applied().items()
    }


def _ttls(clickhouse) -> dict[str, str]:
    rows = clickhouse.client.query(
        "SELECT name, create_table_query FROM system.tables WHERE database = {db:String}",
        {"db": clickhouse.databases.oars},
    ).rows
    return {name: create for name, create in rows if name in EVENT_TABLES}


def test_retention_follows_the_setting_on_every_migrate(clickhouse) -> None:
    def migrate(months: int) -> Migrator:
        migrator = Migrator(clickhouse.client, clickhouse.databases, Topology(), retention_months=months)
        assert migrator.migrate() == []  # no migration reapplied: retention is not history
        assert migrator.retention_plan() == []  # and once applied there is nothing left to change
        assert migrator.changed() == []
        return migrator

    assert all(" TTL " not in create for create in _ttls(clickhouse).values())
    migrate(2)
    ttls = _ttls(clickhouse)
    assert sorted(ttls) == sorted(EVENT_TABLES)
    for create in ttls.values():
        assert "TTL toStartOfMonth(emission_time) + toIntervalMonth(2)" in create
        assert "ttl_only_drop_parts = 1" in create
    migrate(13)
    assert all("toIntervalMonth(13)" in create for create in _ttls(clickhouse).values())
    migrate(0)
    assert all(" TTL " not in create.replace("\n", " ") for create in _ttls(clickhouse).values())


def test_migrate_command_applies_the_retention_setting(settings, clickhouse) -> None:
    from io import StringIO

    from django.core.management import call_command

    settings.OARS_DATA_TTL_MONTHS = 6
    plan = StringIO()
    call_command("migrate_clickhouse", "--plan", stdout=plan)
    assert "No pending migrations." in plan.getvalue()
    assert f"Retention (OARS_DATA_TTL_MONTHS = 6): {len(EVENT_TABLES) * 2} change(s):" in plan.getvalue()
    call_command("migrate_clickhouse", stdout=StringIO())
    assert all("toIntervalMonth(6)" in create for create in _ttls(clickhouse).values())


def _statement(course: str, verb: str, when: dt.datetime) -> tuple[str, dt.datetime, str]:
    event_id = str(uuid.uuid4())
    body = {"id": event_id, "actor": {"objectType": "Agent", "account": {"homePage": "http://x", "name": "a1"}},
            "verb": {"id": verb},
            "object": {"id": f"http://x/course/{course}", "definition": {
                "type": "http://adlnet.gov/expapi/activities/course",
                "extensions": {"https://w3id.org/xapi/acrossx/extensions/type": "audit"}}},
            "timestamp": when.isoformat()}
    return event_id, when.replace(tzinfo=None), json.dumps(body)


def test_rows_present_before_the_migration_are_back_filled(clickhouse) -> None:
    """Statements already in the raw table when the derived tables are created appear in them (CREATE … AS SELECT)."""
    db = clickhouse.databases
    course = "course-v1:Early+E1+2025"
    rows = [_statement(course, "http://adlnet.gov/expapi/verbs/registered", dt.datetime(2025, 5, 1, tzinfo=dt.UTC))]
    client = clickhouse.client
    client.execute(f"DROP TABLE `{db.oars}`.enrollment_events_fields_mv")  # 0010's view of the table
    client.execute(f"DROP TABLE `{db.oars}`.enrollment_events")
    client.insert(f"`{db.xapi}`.xapi_events_all", ("event_id", "emission_time", "event"), rows)
    for sql in report_migration().render(db, Topology()):
        if "`enrollment_events`" in sql and "CREATE" in sql:
            client.execute(sql)
    assert get_report("enrollees_current").run(Filters(course_key=course)).rows == [{"mode": "audit", "enrollees": 1}]
    client.insert(f"`{db.xapi}`.xapi_events_all", ("event_id", "emission_time", "event"),
                  [_statement(course, "http://id.tincanapi.com/verb/unregistered",
                              dt.datetime(2025, 5, 2, tzinfo=dt.UTC))])
    assert get_report("enrollees_current").run(Filters(course_key=course)).rows == []


def test_a_course_filter_reads_only_the_course_range(clickhouse) -> None:
    """EXPLAIN shows the primary key (org, course_key) used by a course report's filter."""
    rows = [_statement(f"course-v1:Org{n}+A1+2026", "http://adlnet.gov/expapi/verbs/registered",
                       dt.datetime(2026, 1, 1 + n, tzinfo=dt.UTC)) for n in range(3)]
    clickhouse.client.insert(f"`{clickhouse.databases.xapi}`.xapi_events_all", ("event_id", "emission_time", "event"),
                             rows)
    sql = get_report("enrollments_daily").render(Filters(course_key="course-v1:Org1+A1+2026"))
    plan = "\n".join(row[0] for row in clickhouse.client.query(
        "EXPLAIN indexes = 1 " + sql, Filters(course_key="course-v1:Org1+A1+2026").params()).rows)
    assert "PrimaryKey" in plan
    key_section = plan[plan.index("PrimaryKey"):]
    assert "Keys:" in key_section and "org" in key_section and "course_key" in key_section
