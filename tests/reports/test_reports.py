"""Every report equals an independent Python recomputation over the stored statements (aspects-schema.md §0 rule 3).

The statements were ingested in shuffled, uneven batches with duplicates and then replayed, so the derived tables
hold several copies of many rows; the reports must still count each statement once.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from oars_platform.reports.base import Filters
from oars_platform.reports.registry import ALL, REPORTS, get_report
from tests.courses.current import current_blocks
from tests.reports import recompute


def _same(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(actual) == len(expected), (actual, expected)
    for got, want in zip(actual, expected, strict=True):
        for key, value in want.items():
            if key.startswith("_"):
                continue
            if isinstance(value, float):
                assert math.isclose(float(got[key]), value, rel_tol=1e-9, abs_tol=1e-6), (key, got, want)
            else:
                assert got[key] == value, (key, got, want)


def _blocks(course_key: str) -> dict[str, dict]:
    return {row["location"]: row for row in current_blocks(course_key)}


def test_duplicates_really_reach_the_derived_tables(world, clickhouse) -> None:
    """The setup is not trivially clean: derived tables hold more rows than distinct statements until merged."""
    table = f"`{clickhouse.databases.oars}`.events_parsed"
    total, distinct = clickhouse.client.query(f"SELECT count(), uniqExact(event_id) FROM {table}").rows[0]
    assert total > distinct > 500


def test_every_course_report_equals_the_recomputation(world, clickhouse) -> None:
    statements = recompute.load(clickhouse)
    for course_key in world.courses:
        blocks = _blocks(course_key)
        filters = Filters(course_key=course_key)
        expected = {
            "enrollments_daily": recompute.enrollments_daily(statements, course_key),
            "enrollees_current": recompute.enrollees_current(statements, course_key),
            "enrollments_cumulative": recompute.enrollments_cumulative(statements, course_key),
            "problem_difficulty": recompute.problem_difficulty(statements, course_key, blocks),
            "video_engagement": recompute.video_engagement(statements, course_key, blocks),
            "navigation_visits": recompute.navigation_visits(statements, course_key, blocks),
            "grade_distribution": recompute.grade_distribution(statements, course_key),
        }
        for name, rows in expected.items():
            assert rows, f"{name} has no data for {course_key}: the test would prove nothing"
            _same(get_report(name).run(filters).rows, rows)


def test_problem_names_and_places_come_from_the_course_blocks(world) -> None:
    course_key = next(iter(world.courses))
    rows = get_report("problem_difficulty").run(Filters(course_key=course_key)).rows
    assert all(row["problem_name"] and row["section"] > 0 for row in rows)


def test_course_structure_is_the_current_dump(world) -> None:
    for course_key, built in world.courses.items():
        rows = get_report("course_structure").run(Filters(course_key=course_key)).rows
        assert {row["location"] for row in rows} >= {str(key) for key in built.published_keys}
        assert [row["course_order"] for row in rows] == sorted(row["course_order"] for row in rows)
        assert all(row["last_published"] is not None for row in rows)


def test_org_filter_and_date_range(world, clickhouse) -> None:
    statements = recompute.load(clickhouse)
    course_a = next(key for key in world.courses if "OrgA" in key)
    days = sorted({row["day"] for row in recompute.enrollments_daily(statements, course_a)})
    since = dt.datetime.combine(days[1], dt.time(), tzinfo=dt.UTC)
    until = dt.datetime.combine(days[-2], dt.time(), tzinfo=dt.UTC)
    expected = [row for row in recompute.enrollments_daily(statements, course_a) if since.date() <= row["day"]
                < until.date()]
    _same(get_report("enrollments_daily").run(Filters(org="OrgA", since=since, until=until)).rows, expected)
    assert get_report("enrollments_daily").run(Filters(org="NoSuchOrg")).rows == []


def test_instance_daily_equals_the_recomputation(world, clickhouse) -> None:
    statements = recompute.load(clickhouse)
    _same(get_report("instance_daily").run(Filters()).rows, recompute.instance_daily(statements))


def test_instance_summary_reports_courses_and_pipeline(world) -> None:
    rows = {row["metric"]: row["value"] for row in get_report("instance_summary").run(Filters()).rows}
    assert rows["courses"] == 2 and rows["orgs"] == 2
    assert rows["last_event_stored"] is not None
    assert rows["dead_letters"] == 0


def test_registry_lists_every_report_once_with_columns() -> None:
    assert len(REPORTS) == len(ALL) >= 10
    for report in ALL:
        assert report.title and report.description and report.columns
        assert report.scope in ("course", "instance")


@pytest.mark.parametrize("report", [r for r in ALL if r.sql], ids=lambda r: r.name)
def test_every_report_runs_on_empty_tables(clickhouse, report) -> None:
    assert report.run(Filters(course_key="course-v1:Nobody+X+1")).rows == []
