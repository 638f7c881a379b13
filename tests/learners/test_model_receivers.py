"""Receivers on the platform's models (profiles, external ids, content tags) and the CCX passing status, live."""

from __future__ import annotations

import json

import pytest
from common.djangoapps.student.models import UserProfile
from django.core.management import call_command
from opaque_keys.edx.keys import UsageKey
from standin import factories

from oars_platform.models import DeadLetter
from tests.dead_letters import clickhouse_down, replay, waiting
from tests.learners.state import PASSING_LEARNERS

pytestmark = pytest.mark.django_db


def _rows(clickhouse, sql: str, **params: object) -> list[tuple]:
    """Rows of ``sql`` with ``SINK`` naming the test's event_sink database."""
    return clickhouse.client.query(sql.replace("SINK", f"`{clickhouse.databases.event_sink}`"), params).rows


def test_a_profile_edit_reaches_clickhouse_without_a_backfill(clickhouse, committed, settings) -> None:
    settings.OARS_PII_ENABLED = True
    user = committed(factories.create_user, "editor", city="Lyon")
    profile = UserProfile.objects.get(user=user)
    profile.city = "Nantes"
    committed(profile.save)
    newest = _rows(
        clickhouse,
        "SELECT city FROM SINK.user_profile WHERE user_id = {user:Int64} ORDER BY time_last_dumped DESC LIMIT 1",
        user=user.id,
    )
    assert newest == [("Nantes",)]
    external = _rows(clickhouse, "SELECT user_id, external_id_type FROM SINK.external_id")
    assert external == [(user.id, "xapi")], "a new external id is written when it is created"


def test_an_xapi_id_the_plugin_creates_reaches_clickhouse(clickhouse, committed, settings) -> None:
    from oars_platform.platform.users import fetch_actors

    settings.OARS_PII_ENABLED = True
    user = committed(factories.create_user, "newcomer", external_id_types=())
    actors = committed(fetch_actors, {user.id}, "external_id")
    assert _rows(clickhouse, "SELECT user_id, toString(external_user_id) FROM SINK.external_id") == [
        (user.id, actors[user.id])
    ]
    committed(fetch_actors, {user.id}, "external_id")  # an existing id is not announced again
    assert clickhouse.count("event_sink.external_id") == 1


def test_profile_edits_stay_out_of_clickhouse_with_pii_off(clickhouse, committed, settings) -> None:
    settings.OARS_PII_ENABLED = False
    user = committed(factories.create_user, "private")
    profile = UserProfile.objects.get(user=user)
    profile.city = "Lille"
    committed(profile.save)
    assert clickhouse.count("event_sink.user_profile") == 0
    assert clickhouse.count("event_sink.external_id") == 0


def test_a_retired_users_profile_edit_is_not_written_again(clickhouse, committed, settings) -> None:
    settings.OARS_PII_ENABLED = True
    user = committed(factories.create_user, "leaver")
    committed(factories.retire_user, user)
    profile = UserProfile.objects.get(user=user)
    profile.city = "Brest"
    committed(profile.save)
    assert _rows(clickhouse, "SELECT count() FROM SINK.user_profile WHERE user_id = {user:Int64}", user=user.id) == [
        (0,)
    ]


def test_a_ccx_passing_event_lands(clickhouse, committed) -> None:
    master = factories.course_key()
    coach, learner = factories.create_user(), factories.create_user()
    ccx = factories.create_ccx(master, coach)
    committed(factories.emit_passing_status, learner, ccx.locator, True)
    rows = clickhouse.client.query(PASSING_LEARNERS.render(clickhouse.databases), {"course_key": str(ccx.locator)}).rows
    assert rows == [(learner.id,)]


def test_tags_taxonomies_and_object_tags_are_written_as_they_are_saved(clickhouse, committed) -> None:
    subjects = committed(factories.create_taxonomy, "Subjects")
    science = committed(factories.create_tag, subjects, "Science", external_id="sci")
    physics = committed(factories.create_tag, subjects, "Physics", parent=science)
    block = UsageKey.from_string("block-v1:edX+Tags+2026+type@problem+block@p1")
    (object_tag,) = committed(factories.tag_content, block, subjects, physics)

    assert _rows(clickhouse, "SELECT id, name FROM SINK.taxonomy") == [(subjects.id, "Subjects")]
    tags = _rows(clickhouse, "SELECT id, taxonomy, parent, value, external_id, lineage FROM SINK.tag ORDER BY id")
    assert tags == [
        (science.id, subjects.id, 0, "Science", "sci", json.dumps(["Science"])),
        (physics.id, subjects.id, science.id, "Physics", "", json.dumps(["Science", "Physics"])),
    ]
    object_tags = _rows(
        clickhouse, "SELECT id, object_id, taxonomy, tag, _value, _export_id, lineage FROM SINK.object_tag"
    )
    assert object_tags == [
        (object_tag.id, str(block), subjects.id, physics.id, "Physics", subjects.export_id,
         json.dumps(["Science", "Physics"])),
    ]  # fmt: skip


def test_tagging_a_block_asks_for_a_dump_of_its_course(django_capture_on_commit_callbacks, monkeypatch) -> None:
    from oars_platform.tasks import courses

    requested = []
    monkeypatch.setattr(courses, "request_course_dump", requested.append)
    subjects = factories.create_taxonomy("Topics")
    tag = factories.create_tag(subjects, "Optics")
    block = UsageKey.from_string("block-v1:edX+Tags+2026+type@html+block@h1")
    (object_tag,) = factories.tag_content(block, subjects, tag)
    object_tag.delete()
    factories.tag_content("lb:edX:library:html:x", subjects, tag)  # a library block belongs to no course
    assert requested == ["course-v1:edX+Tags+2026", "course-v1:edX+Tags+2026"]


def test_dump_data_backfills_the_tag_tables(clickhouse) -> None:
    levels = factories.create_taxonomy("Levels")
    tags = [factories.create_tag(levels, f"Level {number}") for number in range(3)]
    factories.tag_content("course-v1:edX+Back+2026", levels, *tags)
    for name in ("taxonomy", "tag", "object_tag"):
        call_command("dump_data_to_clickhouse", "--object", name, "--no-progress")
    assert clickhouse.count("event_sink.taxonomy") == 1
    assert clickhouse.count("event_sink.tag") == 3
    assert clickhouse.count("event_sink.object_tag") == 3
    call_command("dump_data_to_clickhouse", "--object", "tag", "--no-progress", "--from-pk", "0")
    assert clickhouse.count("event_sink.tag") == 3, "unchanged tags are not written again"


def test_a_platform_rows_dead_letter_replays_the_rows(clickhouse, committed, settings) -> None:
    settings.CELERY_EAGER_PROPAGATES_EXCEPTIONS = False
    good_url = clickhouse_down(settings)
    settings.OARS_TASK_MAX_RETRIES = 0
    subjects = committed(factories.create_taxonomy, "Subjects")
    (letter,) = DeadLetter.objects.filter(kind=DeadLetter.KIND_LEARNER)
    assert letter.payload == {"sink": "taxonomy", "ids": [subjects.id]}
    assert letter.task_name == "oars_platform.sync_platform_rows" and letter.item_count == 1

    settings.OARS_CLICKHOUSE_URL = good_url
    assert f"replayed #{letter.id} (learner): 1 rows written, 0 rows refused" in replay(DeadLetter.KIND_LEARNER)
    assert _rows(clickhouse, "SELECT id, name FROM SINK.taxonomy") == [(subjects.id, "Subjects")]
    assert waiting(DeadLetter.KIND_LEARNER) == 0
