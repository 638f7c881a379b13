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
from oars_platform.reports.base import Filters, Report, columns
from oars_platform.status import read_status

INSTANCE_DAILY = Report(
    name="instance_daily",
    title="Instance activity per day",
    description=__doc__.split("\n\n")[1].replace("\n", " "),
    scope="instance",
    columns=columns(
        ("day", "Day", "date"),
        ("events", "Statements", "int"),
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
    return [{"metric": metric, "value": value} for metric, value in rows]


INSTANCE_SUMMARY = Report(
    name="instance_summary",
    title="Instance and pipeline summary",
    description=__doc__.split("\n\n")[2].replace("\n", " "),
    scope="instance",
    columns=columns(("metric", "Metric"), ("value", "Value")),
    parameters=(),
    runner=_summary,
)

REPORTS = (INSTANCE_DAILY, INSTANCE_SUMMARY)
