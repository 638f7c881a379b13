"""The report schema itself: retention rendered from the setting, course filters on the primary key, back-fill."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from oars_platform.clickhouse.ddl import Topology
from oars_platform.clickhouse.migrations import load_migrations
from oars_platform.conf import Databases
from oars_platform.reports.base import Filters
from oars_platform.reports.registry import get_report

EVENT_TABLES = ("events_parsed", "enrollment_events", "video_events", "problem_events", "navigation_events",
                "grading_events", "completion_events", "forum_events")
DATABASES = Databases(xapi="xapi", event_sink="event_sink", oars="oars")


def report_migration():
    return next(m for m in load_migrations() if m.name == "0008_create_report_tables")


def test_retention_is_a_month_aligned_ttl_when_set(settings) -> None:
    settings.OARS_DATA_TTL_MONTHS = 13
    statements = report_migration().render(DATABASES, Topology())
    for table in EVENT_TABLES:
        (create,) = [sql for sql in statements if sql.startswith(f"CREATE TABLE IF NOT EXISTS `oars`.`{table}`")]
        assert "TTL toStartOfMonth(emission_time) + INTERVAL 13 MONTH" in create
        assert "PARTITION BY toYYYYMM(emission_time)" in create
        assert "SETTINGS ttl_only_drop_parts = 1" in create


def test_no_ttl_by_default() -> None:
    assert "TTL" not in "\n".join(report_migration().render(DATABASES, Topology()))


@pytest.fixture
def ttl_settings(settings):
    settings.OARS_DATA_TTL_MONTHS = 2
    return settings


def test_the_ttl_reaches_the_engine(ttl_settings, clickhouse) -> None:
    create = clickhouse.client.query(f"SHOW CREATE TABLE `{clickhouse.databases.oars}`.video_events").scalar()
    assert "TTL toStartOfMonth(emission_time) + toIntervalMonth(2)" in create


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
