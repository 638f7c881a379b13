"""``learners_by_cohort`` equals a recomputation from the platform's own rows, after live updates in any order.

The course is populated through the stand-in's code paths (enrollments, cohorts, grades, certificates, unenrollments),
so the learner sinks fill ``oars.learner_*`` as on a site; pass/fail updates, some contradicting the grade record and
some arriving out of order, are sent as the platform's event. The oracle reads the stand-in's Django models and the
list of updates sent, never ClickHouse.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

import pytest
from common.djangoapps.student.models import CourseEnrollment
from lms.djangoapps.certificates.models import GeneratedCertificate
from lms.djangoapps.grades.models import PersistentCourseGrade
from openedx.core.djangoapps.course_groups.models import CohortMembership
from standin import factories

from oars_platform.reports.base import Filters
from oars_platform.reports.registry import get_report

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def expected(course, statuses: dict[int, list[tuple[dt.datetime, bool]]]) -> list[dict]:
    """The report's rows from the platform's tables and the pass/fail updates sent (newest by event time)."""
    enrolled = set(CourseEnrollment.objects.filter(course_id=course, is_active=True).values_list("user_id", flat=True))
    grades = {grade.user_id: grade for grade in PersistentCourseGrade.objects.filter(course_id=course)}
    certified = set(
        GeneratedCertificate.objects.filter(course_id=course, status="downloadable").values_list("user_id", flat=True)
    )
    cohorts = {
        membership.user_id: membership.course_user_group.name
        for membership in CohortMembership.objects.filter(course_id=course).select_related("course_user_group")
    }
    groups: dict[str, list[int]] = defaultdict(list)
    for user_id in enrolled:
        groups[cohorts.get(user_id, "")].append(user_id)

    def passing(user_id: int) -> bool:
        if statuses.get(user_id):
            return max(statuses[user_id])[1]
        return user_id in grades and grades[user_id].passed_timestamp is not None

    rows = []
    for cohort in sorted(groups, key=lambda name: (name == "", name)):
        members = groups[cohort]
        graded = [grades[user_id].percent_grade for user_id in members if user_id in grades]
        rows.append({
            "cohort": cohort,
            "enrolled": len(members),
            "graded": len(graded),
            "average_grade_pct": 100 * sum(graded) / len(graded) if graded else None,
            "passing": sum(passing(user_id) for user_id in members),
            "certified": sum(user_id in certified for user_id in members),
        })  # fmt: skip
    return rows


def send_status(user, course, is_passing: bool, at: dt.datetime, statuses: dict) -> None:
    """The platform's pass/fail update, recorded for the oracle."""
    factories.emit_passing_status(user, course, is_passing, at)
    statuses[user.id].append((at, is_passing))


def same(actual: list[dict], wanted: list[dict]) -> None:
    assert [row["cohort"] for row in actual] == [row["cohort"] for row in wanted], (actual, wanted)
    for got, want in zip(actual, wanted, strict=True):
        for key, value in want.items():
            if isinstance(value, float):
                assert math.isclose(got[key], value, rel_tol=1e-9), (key, got, want)
            else:
                assert got[key] == value, (key, got, want)


def test_the_report_equals_the_platform_rows(clickhouse, committed) -> None:
    course, other = factories.course_key(), factories.course_key()
    activity = committed(factories.populate_course, course, learners=40, seed=7, cohorts=("Group A", "Group B"))
    committed(factories.populate_course, other, learners=10, seed=8, cohorts=("Group A",))
    statuses: dict[int, list[tuple[dt.datetime, bool]]] = defaultdict(list)
    graded = [user for user in activity.graded if user not in activity.unenrolled]
    passed = next(
        user for user in graded if PersistentCourseGrade.objects.get(user_id=user.id, course_id=course).passed_timestamp
    )
    committed(factories.set_grade, passed, course, 0.2)  # below passing now; the grade record keeps passed_timestamp
    committed(send_status, passed, course, False, START, statuses)
    late = graded[-1]
    committed(send_status, late, course, True, START + dt.timedelta(days=2), statuses)
    committed(send_status, late, course, False, START + dt.timedelta(days=1), statuses)  # older, arrives after
    uncohorted = factories.create_user()
    committed(factories.enroll, uncohorted, course)
    committed(factories.add_to_cohort, activity.learners[0], course, "Group C")  # moves

    wanted = expected(course, statuses)
    assert {row["cohort"] for row in wanted} == {"Group A", "Group B", "Group C", ""}
    assert 0 < sum(row["passing"] for row in wanted) < sum(row["graded"] for row in wanted)
    assert sum(row["certified"] for row in wanted) > 0
    same(get_report("learners_by_cohort").run(Filters(course_key=str(course))).rows, wanted)
    same(get_report("learners_by_cohort").run(Filters(course_key=str(other))).rows, expected(other, {}))


def test_unenrolled_learners_are_not_counted(clickhouse, committed) -> None:
    course = factories.course_key()
    stays, leaves = factories.create_user(), factories.create_user()
    for user in (stays, leaves):
        committed(factories.enroll, user, course)
        committed(factories.set_grade, user, course, 0.9)
    committed(CourseEnrollment.unenroll, leaves, course)
    rows = get_report("learners_by_cohort").run(Filters(course_key=str(course))).rows
    assert rows == [
        {"cohort": "", "enrolled": 1, "graded": 1, "average_grade_pct": pytest.approx(90.0), "passing": 1,
         "certified": 0}
    ]  # fmt: skip


def test_the_report_needs_a_course(clickhouse) -> None:
    with pytest.raises(ValueError, match="needs a course"):
        get_report("learners_by_cohort").run(Filters(org="edX"))
