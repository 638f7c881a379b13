"""Fixtures for retirement tests: two learners with personal data in ClickHouse (PII on) and xAPI events."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from opaque_keys.edx.keys import CourseKey
from standin import factories

from oars_platform.ingest import ingest, reset_lookups

COURSE = "course-v1:edX+Retire+2026_T1"


def video_event(user: User, second: int) -> str:
    """A tracking event of ``user`` (a play_video, one per second) as the raw text the backend enqueues."""
    return json.dumps(
        {
            "name": "play_video",
            "timestamp": (dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC) + dt.timedelta(seconds=second)).isoformat(),
            "context": {"user_id": user.id, "course_id": COURSE, "org_id": "edX", "path": "/event"},
            "data": {"id": "0b9e39477cf34507a7a48f74be381fdd", "currentTime": 1, "duration": 30.0, "code": "html5"},
        }
    )


@dataclass
class Learners:
    """Alice is the one retired, Bob the one who stays."""

    alice: User
    bob: User
    course: CourseKey



@pytest.fixture
def learners(clickhouse, committed, settings, db) -> Learners:
    """Two enrolled learners with profiles and external ids in ClickHouse, and two xAPI events each."""
    settings.OARS_PII_ENABLED = True
    reset_lookups()
    course = CourseKey.from_string(COURSE)
    factories.create_course_overview(course, display_name="Retirement course")
    alice = factories.create_user("alice", email="alice@example.com", name="Alice Liddell", city="Oxford")
    bob = factories.create_user("bob", email="bob@example.com", name="Bob Builder")
    for user in (alice, bob):
        committed(factories.enroll, user, course)
    report = ingest([video_event(user, second) for user in (alice, bob) for second in (1, 2)], "test")
    assert report.statements == 4
    yield Learners(alice, bob, course)
    reset_lookups()
