"""Course dumps in Celery, debounced: a burst of publishes of one course costs one dump.

Debouncing works with a per-course **publish counter** in Django's cache (``OARS_COURSE_DUMP_CACHE``):

1. every publish signal increments the counter at once (:func:`request_course_dump`) and, after the transaction
   commits, enqueues :func:`dump_course_task` with the new value and a countdown of ``OARS_COURSE_DUMP_DELAY``;
2. a task first compares its value with the course's *covered* counter: if a dump already covered it, it stops;
3. otherwise it notes the current counter, reads the published course and dumps it, then raises *covered* to the
   noted value: that read started after every publish counted so far, so all of them are in the dump.

A burst of N publishes within the delay becomes N queued tasks; the first to run covers all N, the others exit
at once. A never-ending stream of publishes still gets a dump per delay window (no starvation), because the
first waiting task always runs. Nothing is lost if a message never arrives: any later task covers its publish.
Everything fails open: without a shared cache (a per-process LocMem cache, an evicted key) counters are missing,
and every task dumps; correct, only not debounced. Calls without a counter (the backfill's ``--via-celery``)
always dump.

Failures use the shared delivery policy of :class:`~oars_platform.tasks.base.OarsTask`: ClickHouse unreachable →
retries with backoff → a ``course_dump`` dead letter naming the course (and whether it was a deletion), which
``replay_failed_events --kind course_dump`` redoes with the same functions once ClickHouse is back.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.core.cache import caches
from edx_django_utils.monitoring import set_code_owner_attribute

from oars_platform.conf import get_config
from oars_platform.models import DeadLetter
from oars_platform.monitoring import set_task_attributes
from oars_platform.tasks.base import OarsTask, enqueue_on_commit

log = logging.getLogger(__name__)

#: Counters live this long after the last publish of a course; a day is far beyond any countdown or retry.
COUNTER_TTL = 24 * 3600


def _keys(course_key: str) -> tuple[str, str]:
    return f"oars:course-dump:requested:{course_key}", f"oars:course-dump:covered:{course_key}"


def _cache() -> Any:
    return caches[get_config().course_dump_cache]


def next_publish_number(course_key: str) -> int | None:
    """Count one more publish of the course; None when the cache cannot count (then the dump is not debounced)."""
    requested, _ = _keys(course_key)
    cache = _cache()
    try:
        cache.add(requested, 0, COUNTER_TTL)
        number = cache.incr(requested)
        cache.touch(requested, COUNTER_TTL)
        return int(number)
    except (ValueError, TypeError):  # the key was evicted between add and incr
        return None


def already_covered(course_key: str, number: int | None) -> bool:
    """Whether a finished dump started after publish ``number`` of the course."""
    if number is None:
        return False
    covered = _cache().get(_keys(course_key)[1])
    return isinstance(covered, int) and covered >= number


def _current_number(course_key: str) -> int | None:
    value = _cache().get(_keys(course_key)[0])
    return value if isinstance(value, int) else None


def _mark_covered(course_key: str, number: int | None) -> None:
    if number is None:
        return
    _, covered_key = _keys(course_key)
    cache = _cache()
    covered = cache.get(covered_key)
    if not isinstance(covered, int) or covered < number:
        cache.set(covered_key, number, COUNTER_TTL)


def request_course_dump(course_key: str) -> None:
    """Debounced dump of the course after the current transaction commits (see the module docstring)."""
    config = get_config()
    if not config.course_dump_enabled:
        return
    number = next_publish_number(course_key)
    enqueue_on_commit(dump_course_task, course_key, countdown=config.course_dump_delay, publish_number=number)


class CourseDumpTask(OarsTask):
    """Course dumps: the shared delivery policy; a dead letter keeps the course key."""

    dead_letter_kind = DeadLetter.KIND_COURSE_DUMP

    def dead_letter_payload(self, args: Any, kwargs: Any) -> dict[str, Any]:
        """``{"course_key": KEY}``: the course to dump again."""
        return {"course_key": _course_key(args, kwargs)}


class CourseDeletionTask(CourseDumpTask):
    """A deleted course's ledger row: its dead letter says so, for the replay to mark the course deleted again."""

    def dead_letter_payload(self, args: Any, kwargs: Any) -> dict[str, Any]:
        """``{"course_key": KEY, "deleted": true}``."""
        return {"course_key": _course_key(args, kwargs), "deleted": True}


def _course_key(args: Any, kwargs: Any) -> str:
    """The ``course_key`` argument of a course task, given by position or by name."""
    return [*list(args or ()), (kwargs or {}).get("course_key")][0]


@shared_task(base=CourseDumpTask, bind=True, name="oars_platform.dump_course")
@set_code_owner_attribute
def dump_course_task(self: CourseDumpTask, course_key: str, publish_number: int | None = None) -> dict[str, Any]:
    """Dump the course and its CCXs from the modulestore, unless a newer dump already covered this publish."""
    result = _dump_unless_covered(course_key, publish_number)
    set_task_attributes(
        "oars_course_dump",
        {"course_key": course_key, "courses": len(result.get("dumped", ())), "skipped": result.get("skipped", "")},
    )
    return result


def _dump_unless_covered(course_key: str, publish_number: int | None) -> dict[str, Any]:
    from oars_platform.platform.modulestore import ModulestoreSource
    from oars_platform.sinks.courses import dump_course
    from oars_platform.sources.course_structure import CourseNotFound

    if already_covered(course_key, publish_number):
        return {"course_key": course_key, "skipped": "covered by a newer dump"}
    starting_number = _current_number(course_key) if publish_number is not None else None
    try:
        dumped = dump_course(ModulestoreSource(), course_key)
    except CourseNotFound:
        log.info("oars: course %s is gone from the modulestore; nothing to dump", course_key)
        return {"course_key": course_key, "skipped": "not found"}
    _mark_covered(course_key, starting_number or publish_number)
    return {"course_key": course_key, "dumped": [course.course_key for course in dumped]}


@shared_task(base=CourseDeletionTask, bind=True, name="oars_platform.mark_course_deleted")
@set_code_owner_attribute
def mark_course_deleted_task(self: CourseDeletionTask, course_key: str) -> None:
    """Write the ledger row that takes a deleted course out of the current views."""
    from oars_platform.sinks.courses import mark_deleted

    mark_deleted(course_key)
