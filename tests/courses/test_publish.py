"""Publishing in Studio dumps the course: every publish signal, debounced, retried, never breaking the publish."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from openedx_events.content_authoring.data import CourseCatalogData, CourseScheduleData, XBlockData
from openedx_events.content_authoring.signals import COURSE_CATALOG_INFO_CHANGED, XBLOCK_DELETED, XBLOCK_PUBLISHED
from standin.courses import CourseSpec, build_course
from xmodule.modulestore import ModuleStoreEnum
from xmodule.modulestore.django import COURSE_PUBLISHED

from oars_platform.models import DeadLetter
from oars_platform.tasks.base import _send
from oars_platform.tasks.courses import dump_course_task
from tests.dead_letters import clickhouse_down, replay, replay_fails, waiting
from tests.servers import free_port

pytestmark = pytest.mark.django_db
USER = ModuleStoreEnum.UserID.test


def test_publishing_a_course_dumps_it_after_the_commit(store, reader, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        built = build_course(CourseSpec(sections=2, unpublished_units=1, seed=31))
    key = str(built.course_key)
    assert reader.dumps(key) == 0, "nothing is enqueued before the commit"
    for callback in callbacks:
        callback()
    assert reader.dumps(key) == 1
    assert set(reader.current_locations(key)) == {str(k) for k in built.published_keys + built.detached}


def _is_dump_task(callback) -> bool:
    """An on-commit callback of enqueue_on_commit(dump_course_task, ...): partial(_send, task, args, kwargs, ...)."""
    return getattr(callback, "func", None) is _send and callback.args[0] is dump_course_task


@pytest.fixture
def commit_then_wait(django_capture_on_commit_callbacks):
    """Commit like the platform (on-commit signals run now, also those they trigger), then let the delay pass:
    the queued dump tasks run last, in order, as a worker would run them once their countdown expired."""

    def run(action, *args):
        with django_capture_on_commit_callbacks() as pending:
            result = action(*args)
        tasks = []
        while pending:
            tasks += [callback for callback in pending if _is_dump_task(callback)]
            with django_capture_on_commit_callbacks() as nested:
                for callback in pending:
                    if not _is_dump_task(callback):
                        callback()
            pending = list(nested)
        for task in tasks:
            task()
        return result, len(tasks)

    return run


def test_a_burst_of_publishes_costs_one_dump(store, reader, commit_then_wait) -> None:
    def burst():
        built = build_course(CourseSpec(sections=2, seed=37))
        for unit in built.units:  # four more publishes of the same course within the delay
            store.publish(unit, USER)
        return built

    built, queued = commit_then_wait(burst)
    assert queued >= 5
    assert reader.dumps(str(built.course_key)) == 1

    _, queued = commit_then_wait(store.delete_item, built.sections[0], USER)  # a later burst: one more dump
    assert queued == 2  # course_published, then XBLOCK_DELETED after the commit
    assert reader.dumps(str(built.course_key)) == 2
    assert str(built.sections[0]) not in reader.current_locations(str(built.course_key))


def test_without_a_shared_cache_every_publish_still_dumps(store, reader, settings, committed) -> None:
    settings.CACHES = {**settings.CACHES, "nowhere": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.OARS_COURSE_DUMP_CACHE = "nowhere"
    built = committed(build_course, CourseSpec(sections=1, seed=41))
    committed(store.publish, built.units[0], USER)
    assert reader.dumps(str(built.course_key)) >= 2


def _course_published(built) -> None:
    COURSE_PUBLISHED.send_robust(sender=type(built), course_key=built.course_key)


def _catalog(built) -> None:
    COURSE_CATALOG_INFO_CHANGED.send_event(
        catalog_info=CourseCatalogData(
            course_key=built.course_key,
            name="x",
            schedule_data=CourseScheduleData(start=built.overview.start, pacing="instructor"),
        )
    )


def _xblock_published(built) -> None:
    XBLOCK_PUBLISHED.send_event(xblock_info=XBlockData(usage_key=built.units[0], block_type="vertical"))


def _xblock_deleted(built) -> None:
    # A section: deleted from the published course at once (a unit's deletion waits for its parent's publish).
    XBLOCK_DELETED.send_event(xblock_info=XBlockData(usage_key=built.sections[0], block_type="chapter"))


@pytest.mark.parametrize("send", [_course_published, _catalog, _xblock_published, _xblock_deleted])
def test_every_publish_signal_requests_a_dump_of_its_course(store, reader, committed, send) -> None:
    built = build_course(CourseSpec(sections=1, seed=43))  # not committed: no dump yet
    assert reader.dumps(str(built.course_key)) == 0
    committed(send, built)
    assert reader.dumps(str(built.course_key)) == 1


def test_a_receiver_failure_never_breaks_the_publish(store, settings, committed, caplog) -> None:
    settings.OARS_COURSE_DUMP_CACHE = "no-such-cache"
    built = committed(build_course, CourseSpec(sections=1, seed=47))
    assert store.get_course(built.course_key) is not None
    assert "could not request a dump" in caplog.text


def test_dumps_can_be_switched_off(store, reader, settings, committed) -> None:
    settings.OARS_COURSE_DUMP_ENABLED = False
    built = committed(build_course, CourseSpec(sections=1, seed=53))
    assert reader.dumps(str(built.course_key)) == 0


def test_clickhouse_down_means_retries_then_a_dead_letter_then_a_redump(store, reader, settings, committed) -> None:
    settings.CELERY_EAGER_PROPAGATES_EXCEPTIONS = False  # let Celery retry, as on a worker
    good_url = settings.OARS_CLICKHOUSE_URL
    settings.OARS_CLICKHOUSE_URL = f"clickhouse://oars:pw@127.0.0.1:{free_port()}/default"
    settings.OARS_CLICKHOUSE_CONNECT_TIMEOUT = 0.5
    settings.OARS_TASK_MAX_RETRIES = 2
    built = build_course(CourseSpec(sections=1, seed=59))
    key = str(built.course_key)
    committed(_course_published, built)

    (letter,) = DeadLetter.objects.filter(kind=DeadLetter.KIND_COURSE_DUMP)
    assert letter.payload == {"course_key": key}
    assert letter.attempts == 3
    assert "ClickHouseUnavailable" in letter.reason and "pw@" not in letter.reason

    settings.OARS_CLICKHOUSE_URL = good_url
    call_command("dump_courses_to_clickhouse", courses=[letter.payload["course_key"]], stdout=None, stderr=None)
    assert reader.dumps(key) == 1


def test_deleting_a_course_takes_it_out_of_the_current_views(store, reader, committed) -> None:
    built = committed(build_course, CourseSpec(sections=1, seed=61))
    key = str(built.course_key)
    assert reader.current(key)
    committed(store.delete_course, built.course_key, USER)
    assert reader.current(key) == []
    assert reader.course(key) is None


def test_deleting_a_draft_unit_asks_for_no_dump_until_its_parent_is_published(store, reader, commit_then_wait) -> None:
    built, _ = commit_then_wait(build_course, CourseSpec(sections=1, seed=43))
    key = str(built.course_key)
    assert reader.dumps(key) == 1
    _, queued = commit_then_wait(store.delete_item, built.units[0], USER)  # XBLOCK_DELETED for a draft change
    assert queued == 0 and reader.dumps(key) == 1
    assert str(built.units[0]) in reader.current_locations(key), "still published"
    _, queued = commit_then_wait(store.publish, built.subsections[0], USER)
    assert queued >= 1 and reader.dumps(key) == 2
    assert str(built.units[0]) not in reader.current_locations(key)


def test_a_course_dump_dead_letter_replays_by_kind(store, reader, settings, committed) -> None:
    settings.CELERY_EAGER_PROPAGATES_EXCEPTIONS = False
    good_url = clickhouse_down(settings)
    settings.OARS_TASK_MAX_RETRIES = 0
    built = build_course(CourseSpec(sections=1, seed=67))
    key = str(built.course_key)
    committed(_course_published, built)
    (letter,) = DeadLetter.objects.filter(kind=DeadLetter.KIND_COURSE_DUMP)
    assert waiting(DeadLetter.KIND_COURSE_DUMP) == 1

    assert f"#{letter.id} (course_dump)" in replay_fails(DeadLetter.KIND_COURSE_DUMP)
    letter.refresh_from_db()
    assert letter.replayed_at is None

    settings.OARS_CLICKHOUSE_URL = good_url
    assert f"replayed #{letter.id} (course_dump): 1 courses dumped" in replay(DeadLetter.KIND_COURSE_DUMP)
    assert reader.dumps(key) == 1
    assert set(reader.current_locations(key)) == {str(k) for k in built.published_keys + built.detached}
    letter.refresh_from_db()
    assert letter.replayed_at is not None
    assert waiting(DeadLetter.KIND_COURSE_DUMP) == 0


def test_a_course_deletion_dead_letter_replays_as_a_deletion(store, reader, settings, committed) -> None:
    built = committed(build_course, CourseSpec(sections=1, seed=71))
    key = str(built.course_key)
    assert reader.current(key)
    settings.CELERY_EAGER_PROPAGATES_EXCEPTIONS = False
    good_url = clickhouse_down(settings)
    settings.OARS_TASK_MAX_RETRIES = 0
    committed(store.delete_course, built.course_key, USER)
    (letter,) = DeadLetter.objects.filter(kind=DeadLetter.KIND_COURSE_DUMP)
    assert letter.payload == {"course_key": key, "deleted": True}

    settings.OARS_CLICKHOUSE_URL = good_url
    assert reader.current(key), "still current until the deletion is written"
    assert "1 courses marked deleted" in replay(DeadLetter.KIND_COURSE_DUMP)
    assert reader.current(key) == []
    assert reader.course(key) is None
    assert waiting(DeadLetter.KIND_COURSE_DUMP) == 0
