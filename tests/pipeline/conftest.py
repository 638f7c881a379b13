"""Fixtures for pipeline tests: the users and courses the reference fixtures name, in the stand-in LMS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from opaque_keys.edx.keys import CourseKey

from oars_platform.ingest import reset_lookups

FIXTURE_USER_IDS = (3, 4, 5, 6, 8, 15, 16, 17, 18, 19)
FIXTURE_COURSES = {
    "course-v1:edX+DemoX+Demo_Course": "Demonstration Course",
    "ccx-v1:edX+DemoX+Demo_Course+ccx@1": "Demonstration Course",
    "course-v1:testX+XAPI101+2019_T2": "Demonstration Course",
    "course-v1:TestX+XP101+2023_T1": "Demonstration Course",
}


def fixture_event_texts(shared_dir: Path) -> dict[str, str]:
    """Every reference event file, by name, as the raw JSON text a tracking backend would enqueue."""
    folder = shared_dir / "fixtures" / "erb" / "events"
    return {path.stem: json.dumps(json.loads(path.read_text())) for path in sorted(folder.glob("*.json"))}


@pytest.fixture
def fixture_world(db):
    """Users (with xAPI external ids) and course overviews for every id the reference events mention."""
    from openedx.core.djangoapps.external_user_ids.models import ExternalId
    from standin.factories import create_course_overview

    reset_lookups()
    users = [User.objects.create_user(id=user_id, username=f"user{user_id}") for user_id in FIXTURE_USER_IDS]
    users.append(User.objects.create_user(id=100, username="edx", email="edx@example.com"))
    for user in users:
        ExternalId.add_new_user_id(user, "xapi")
    for course_id, name in FIXTURE_COURSES.items():
        create_course_overview(CourseKey.from_string(course_id), display_name=name)
    yield
    reset_lookups()
