"""Operator reports: activity per day over every course, and the pipeline's state (global staff only).

``instance_daily`` (from ``events_parsed``, one row per stored statement): per UTC day, statements (distinct
statement ids), active learners (distinct actors with any statement that day), enrollments (distinct *registered*
statements, which include mode changes), unenrollments (*unregistered*) and active courses (distinct course keys).

``instance_summary`` (facts, not a time series): live courses and orgs (from ``courses_current``), the newest
statement stored (``max(emission_time)``), and from :mod:`oars_platform.status` the last batch received, pipeline
lag (how long the oldest event waiting in the buffer has waited, on Redis's clock), events waiting in the buffer,
dead letters not replayed and quarantined events by reason.
"""

from __future__ import annotations

from typing import Any

from oars_platform.clickhouse import ClickHouseClient
from oars_platform.clickhouse.sql import qualified
from oars_platform.conf import get_config
from oars_platform.reports.base import Column, Filters, Report, columns
from oars_platform.status import read_status

INSTANCE_DAILY = Report(
    name="instance_daily",
    title="Instance activity per day",
    description=(
        "Across every course, each day (UTC): events stored, learners active, enrollments (mode changes "
        "included), unenrollments, and courses with any activity."
    ),
    scope="instance",
    columns=columns(
        ("day", "Day", "date"),
        ("events", "Events stored", "int"),
        ("active_learners", "Active learners", "int"),
        ("enrollments", "Enrollments", "int"),
        ("unenrollments", "Unenrollments", "int"),
        ("active_courses", "Active courses", "int"),
    ),
    sql=(
        "SELECT toDate(emission_time) AS day, uniqExact(event_id) AS events, uniqExact(actor_id) AS active_learners,\n"
        "    uniqExactIf(event_id, verb_id = 'http://adlnet.gov/expapi/verbs/registered') AS enrollments,\n"
        "    uniqExactIf(event_id, verb_id = 'http://id.tincanapi.com/verb/unregistered') AS unenrollments,\n"
        "    uniqExactIf(course_key, course_key != '') AS active_courses\n"
        "FROM {oars}.`events_parsed`\n"
        "WHERE {course_filter} AND {time_filter}\n"
        "GROUP BY day ORDER BY day"
    ),
    chart={"type": "line", "x": "day", "y": ["events", "active_learners", "enrollments"]},
)


def _summary(report: Report, filters: Filters, client: ClickHouseClient) -> list[dict[str, Any]]:
    """Facts as (metric, value) rows: ClickHouse counts first, then the pipeline status."""
    databases = get_config().databases
    courses = qualified(databases.oars, "courses_current")
    parsed = qualified(databases.oars, "events_parsed")
    course_count, org_count = client.query(f"SELECT count(), uniqExact(org) FROM {courses}").rows[0]  # noqa: S608
    newest = client.query(f"SELECT max(emission_time), count() > 0 FROM {parsed}").rows[0]  # noqa: S608
    status = read_status(client)
    rows: list[tuple[str, Any]] = [
        ("courses", int(course_count)),
        ("orgs", int(org_count)),
        ("last_event_stored", newest[0].isoformat() if newest[1] else None),
        ("last_batch_received", status.last_received_at.isoformat() if status.last_received_at else None),
        ("pipeline_lag_seconds", status.lag_seconds),
        ("queue_depth", status.queue_depth),
        ("dead_letters", status.dead_letters),
        ("quarantined_total", sum(status.quarantine_by_reason.values())),
        *((f"quarantined:{reason}", count) for reason, count in sorted(status.quarantine_by_reason.items())),
        *((f"error:{index}", error) for index, error in enumerate(status.errors)),
    ]
    return [{"metric": metric, "fact": _fact(metric), "value": value} for metric, value in rows]


#: What the dashboard calls each fact (the metric keys stay for the command line, CSV and JSON).
FACTS = {
    "courses": "Live courses",
    "orgs": "Organizations",
    "last_event_stored": "Newest event stored",
    "last_batch_received": "Last batch of events received",
    "pipeline_lag_seconds": "Delay from an event to its storage (seconds)",
    "queue_depth": "Events waiting to be processed",
    "dead_letters": "Events that failed every retry (an operator can replay them)",
    "quarantined_total": "Events set aside as invalid (quarantined)",
}


def _fact(metric: str) -> str:
    if metric.startswith("quarantined:"):
        return f"Set aside as invalid: {metric.split(':', 1)[1].replace('_', ' ')}"
    if metric.startswith("error:"):
        return "Could not be read"
    return FACTS[metric]


INSTANCE_SUMMARY = Report(
    name="instance_summary",
    title="Instance and pipeline summary",
    description=(
        "How the analytics pipeline is doing: live courses and organizations, the newest event stored, when the "
        "last batch arrived, the delay from an event to its storage, events waiting, events that failed every "
        "retry, and events set aside as invalid, by reason. The last four should stay near zero."
    ),
    scope="instance",
    columns=columns(Column("metric", "Metric", dashboard=False), ("fact", "Fact"), ("value", "Value")),
    runner=_summary,
)

INSTANCE_COURSES = Report(
    name="instance_courses",
    title="Courses",
    description=(
        "Every live course, with a link to its dashboard: its name, organization, when it was last published, "
        "and the events stored for it in the chosen dates."
    ),
    scope="instance",
    columns=columns(
        ("course_key", "Course id", "course"),
        ("display_name", "Course"),
        ("org", "Organization"),
        ("last_published", "Last published", "time"),
        ("events", "Events stored", "int"),
    ),
    sql=(
        "SELECT c.course_key AS course_key, c.display_name AS display_name, c.org AS org,\n"
        "    ifNull(c.source_modified, c.read_at) AS last_published, ifNull(e.events, 0) AS events\n"
        "FROM (SELECT course_key, display_name, org, source_modified, read_at FROM {oars}.`courses_current`\n"
        "      WHERE {course_filter}) AS c\n"
        "LEFT JOIN (SELECT course_key, uniqExact(event_id) AS events FROM {oars}.`events_parsed`\n"
        "           WHERE {course_filter} AND {time_filter} GROUP BY course_key) AS e ON e.course_key = c.course_key\n"
        "ORDER BY c.org, c.display_name, c.course_key"
    ),
)

REPORTS = (INSTANCE_COURSES, INSTANCE_DAILY, INSTANCE_SUMMARY)
