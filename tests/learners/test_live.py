"""Live learner signals, through the stand-in platform's own code paths, into the embedded ClickHouse."""

from __future__ import annotations

import datetime as dt

import pytest
from common.djangoapps.student.models import CourseEnrollment
from openedx_events.learning.signals import COURSE_ENROLLMENT_CHANGED
from standin import factories

from oars_platform.models import DeadLetter
from tests.dead_letters import clickhouse_down, replay, replay_fails, waiting
from tests.learners.state import (
    CERTIFICATE_STATUSES,
    COHORTS,
    CURRENT_ENROLLEES,
    CURRENT_GRADES,
    PASSING_LEARNERS,
    StateQuery,
)

pytestmark = pytest.mark.django_db



def state(clickhouse, query: StateQuery, course) -> list[tuple]:
    return clickhouse.client.query(query.render(clickhouse.databases), {"course_key": str(course)}).rows


def test_enrollment_lands_in_event_sink_and_current_state_after_commit(
    clickhouse, django_capture_on_commit_callbacks
) -> None:
    user = factories.create_user()
    course = factories.course_key()
    with django_capture_on_commit_callbacks() as callbacks:
        factories.enroll(user, course, mode="verified")
    assert callbacks, "the update waits for the commit"
    assert clickhouse.count("event_sink.course_enrollment") == 0
    for callback in callbacks:
        callback()
    rows = clickhouse.client.query(
        f"SELECT id, course_key, is_active, mode, username, user_id FROM `{clickhouse.databases.event_sink}`"
        ".course_enrollment"
    ).rows
    enrollment = CourseEnrollment.objects.get(user=user)
    assert rows == [(enrollment.id, str(course), True, "verified", user.username, user.id)]
    assert state(clickhouse, CURRENT_ENROLLEES, course) == [(user.id, "verified")]


def test_mode_change_and_unenrollment_update_the_current_state(clickhouse, committed) -> None:
    alice, bob = factories.create_user(), factories.create_user()
    course = factories.course_key()
    committed(factories.enroll, alice, course)
    committed(factories.enroll, bob, course)
    committed(CourseEnrollment.get_enrollment(alice, course).update_enrollment, mode="verified")
    committed(CourseEnrollment.unenroll, bob, course)
    assert state(clickhouse, CURRENT_ENROLLEES, course) == [(alice.id, "verified")]


def test_stale_and_repeated_events_do_not_undo_the_current_state(clickhouse, committed) -> None:
    user = factories.create_user()
    course = factories.course_key()
    committed(factories.enroll, user, course)
    stale = CourseEnrollment.get_enrollment(user, course).event_data()  # active, audit
    committed(CourseEnrollment.unenroll, user, course)
    for _ in range(3):  # the old "active" event arrives late, several times
        committed(COURSE_ENROLLMENT_CHANGED.send_event, enrollment=stale)
    assert state(clickhouse, CURRENT_ENROLLEES, course) == []
    history = clickhouse.count("event_sink.course_enrollment")
    committed(COURSE_ENROLLMENT_CHANGED.send_event, enrollment=stale)
    assert clickhouse.count("event_sink.course_enrollment") == history, "an unchanged state adds no history row"


def test_grades_follow_the_latest_update(clickhouse, committed) -> None:
    user = factories.create_user()
    course = factories.course_key()
    committed(factories.set_grade, user, course, 0.3)
    committed(factories.set_grade, user, course, 0.8)
    committed(factories.set_grade, user, course, 0.6)
    assert state(clickhouse, CURRENT_GRADES, course) == [(user.id, 0.6, "Pass", True)]


def test_passing_status_keeps_the_newest_event_whatever_the_arrival_order(clickhouse, committed) -> None:
    alice, bob = factories.create_user(), factories.create_user()
    course = factories.course_key()
    early, late = dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    committed(factories.emit_passing_status, alice, course, True, late)
    committed(factories.emit_passing_status, alice, course, False, early)  # arrives after, but happened before
    committed(factories.emit_passing_status, bob, course, False, early)
    committed(factories.emit_passing_status, bob, course, True, late)
    committed(factories.emit_passing_status, bob, course, True, late)  # repeated
    assert state(clickhouse, PASSING_LEARNERS, course) == [(alice.id,), (bob.id,)]


def test_certificate_issue_and_revocation(clickhouse, committed) -> None:
    alice, bob = factories.create_user(), factories.create_user()
    course = factories.course_key()
    committed(factories.issue_certificate, alice, course)
    certificate = committed(factories.issue_certificate, bob, course, mode="honor")
    committed(certificate.invalidate)
    assert state(clickhouse, CERTIFICATE_STATUSES, course) == [
        (alice.id, "downloadable", "verified"),
        (bob.id, "unavailable", "honor"),
    ]
    names = clickhouse.client.query(
        "SELECT name FROM system.columns WHERE database = {db:String} AND table = 'learner_certificate'",
        {"db": clickhouse.databases.oars},
    ).rows
    assert ("name",) not in names, "the name printed on a certificate is personal data"


def test_cohort_moves(clickhouse, committed) -> None:
    user = factories.create_user()
    course = factories.course_key()
    committed(factories.add_to_cohort, user, course, "Group A")
    committed(factories.add_to_cohort, user, course, "Group B")
    assert state(clickhouse, COHORTS, course) == [(user.id, "Group B")]


def test_pii_is_written_only_when_enabled(clickhouse, committed, settings) -> None:
    course = factories.course_key()
    committed(factories.enroll, factories.create_user(), course)
    assert clickhouse.count("event_sink.user_profile") == 0
    assert clickhouse.count("event_sink.external_id") == 0
    settings.OARS_PII_ENABLED = True
    user = factories.create_user(name="Ada Lovelace")
    committed(factories.enroll, user, course)
    profile = clickhouse.client.query(
        f"SELECT user_id, name, username, email FROM `{clickhouse.databases.event_sink}`.user_profile"
    ).rows
    assert profile == [(user.id, "Ada Lovelace", user.username, user.email)]
    external = clickhouse.client.query(
        f"SELECT toString(external_user_id), external_id_type, user_id FROM `{clickhouse.databases.event_sink}`"
        ".external_id"
    ).rows
    assert external == [(str(user.externalid_set.get().external_user_id), "xapi", user.id)]


def _enroll_while_clickhouse_is_down(committed, settings):
    """A verified enrollment whose update fails every retry (a dead letter); the user, course and good URL."""
    user = factories.create_user()
    course = factories.course_key()
    settings.CELERY_EAGER_PROPAGATES_EXCEPTIONS = False
    good_url = clickhouse_down(settings)
    settings.OARS_TASK_MAX_RETRIES = 0
    committed(factories.enroll, user, course, mode="verified")
    return user, course, good_url


def test_a_learner_dead_letter_replays_by_kind(clickhouse, committed, settings) -> None:
    user, course, good_url = _enroll_while_clickhouse_is_down(committed, settings)
    letters = list(DeadLetter.objects.filter(kind=DeadLetter.KIND_LEARNER))
    assert letters, "the enrollment's update failed for good"
    assert {letter.payload["user_id"] for letter in letters} == {user.id}
    assert waiting(DeadLetter.KIND_LEARNER) == len(letters)

    replay_fails(DeadLetter.KIND_LEARNER)
    assert DeadLetter.objects.filter(kind=DeadLetter.KIND_LEARNER, replayed_at__isnull=True).count() == len(letters)

    settings.OARS_CLICKHOUSE_URL = good_url
    out = replay(DeadLetter.KIND_LEARNER)
    assert f"Replayed {len(letters)} dead letter(s)" in out
    assert state(clickhouse, CURRENT_ENROLLEES, course) == [(user.id, "verified")]
    assert DeadLetter.objects.filter(kind=DeadLetter.KIND_LEARNER, replayed_at__isnull=True).count() == 0
    assert waiting(DeadLetter.KIND_LEARNER) == 0


def test_dead_letters_of_earlier_versions_replay_too(clickhouse, committed, settings) -> None:
    """Earlier versions kept a learner task's raw ``{"args", "kwargs"}``: replay reads them, either task's."""
    user, course, good_url = _enroll_while_clickhouse_is_down(committed, settings)
    subjects = committed(factories.create_taxonomy, "Subjects")
    letters = list(DeadLetter.objects.filter(kind=DeadLetter.KIND_LEARNER))
    assert {letter.task_name for letter in letters} == {
        "oars_platform.sync_learner_state", "oars_platform.sync_platform_rows"
    }  # fmt: skip
    for letter in letters:  # as the earlier OarsTask stored them: positional and named arguments mixed
        payload = letter.payload
        if "ids" in payload:
            letter.payload = {"args": [payload["sink"]], "kwargs": {"ids": payload["ids"]}}
        else:
            letter.payload = {
                "args": [payload["sinks"], payload["user_id"]],
                "kwargs": {"course_key": payload["course_key"], "values": payload["values"]},
            }
        letter.save()

    settings.OARS_CLICKHOUSE_URL = good_url
    assert f"Replayed {len(letters)} dead letter(s)" in replay(DeadLetter.KIND_LEARNER)
    assert state(clickhouse, CURRENT_ENROLLEES, course) == [(user.id, "verified")]
    taxonomies = clickhouse.client.query(f"SELECT id, name FROM `{clickhouse.databases.event_sink}`.taxonomy").rows
    assert taxonomies == [(subjects.id, "Subjects")]
    assert waiting(DeadLetter.KIND_LEARNER) == 0
