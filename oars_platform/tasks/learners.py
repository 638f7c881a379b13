"""Learner updates in Celery: thin tasks over :func:`oars_platform.sinks.live.sync_learner` and ``sync_rows``.

Arguments are plain values (sink names, a user id, a course key string, event values), never model instances: the
task reads the learner's rows itself, after the transaction committed, so it sees what was committed. A task that
failed every retry leaves a ``learner`` dead letter holding its arguments by name; ``replay_failed_events --kind
learner`` calls the same function with them, which reads the rows again (:func:`named_payload` also reads the raw
``{"args", "kwargs"}`` that letters of earlier versions hold).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import shared_task
from edx_django_utils.monitoring import set_code_owner_attribute

from oars_platform.models import DeadLetter
from oars_platform.tasks.base import OarsTask


def _by_name(names: Sequence[str], args: Any, kwargs: Any) -> dict[str, Any]:
    """A task's arguments keyed by parameter name, whether they were given by position or by name."""
    return {**dict(zip(names, args or (), strict=False)), **dict(kwargs or {})}


def learner_payload(args: Any, kwargs: Any) -> dict[str, Any]:
    """``{"sinks", "user_id", "course_key", "values"}``: the arguments of :func:`sync_learner_state`."""
    given = _by_name(("sinks", "user_id", "course_key", "values"), args, kwargs)
    return {
        "sinks": list(given["sinks"]),
        "user_id": int(given["user_id"]),
        "course_key": given.get("course_key"),
        "values": given.get("values"),
    }


def rows_payload(args: Any, kwargs: Any) -> dict[str, Any]:
    """``{"sink", "ids"}``: the arguments of :func:`sync_platform_rows`."""
    given = _by_name(("sink", "ids"), args, kwargs)
    return {"sink": given["sink"], "ids": [int(row_id) for row_id in given["ids"]]}


def named_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """A learner dead letter's payload by name, also when an earlier version stored the raw ``{"args", "kwargs"}``.

    Those letters do not say which of the two tasks failed; the first argument does: ``sync_platform_rows`` takes
    one sink name, ``sync_learner_state`` a list of them.
    """
    if "args" not in payload and "kwargs" not in payload:
        return payload
    args, kwargs = list(payload.get("args") or ()), dict(payload.get("kwargs") or {})
    first = args[0] if args else kwargs.get("sink", kwargs.get("sinks"))
    return rows_payload(args, kwargs) if isinstance(first, str) else learner_payload(args, kwargs)


class LearnerSyncTask(OarsTask):
    """Retries while ClickHouse is unavailable; a dead letter keeps the learner's sinks, user id and course."""

    dead_letter_kind = DeadLetter.KIND_LEARNER

    def dead_letter_payload(self, args: Any, kwargs: Any) -> dict[str, Any]:
        """The arguments of :func:`sync_learner_state`, by name."""
        return learner_payload(args, kwargs)


class PlatformRowsTask(LearnerSyncTask):
    """A dead letter keeps the sink and the row ids."""

    def dead_letter_payload(self, args: Any, kwargs: Any) -> dict[str, Any]:
        """The arguments of :func:`sync_platform_rows`, by name."""
        return rows_payload(args, kwargs)

    def dead_letter_items(self, payload: dict[str, Any]) -> int:
        """The rows to write again."""
        return len(payload["ids"])


@shared_task(base=LearnerSyncTask, name="oars_platform.sync_learner_state")
@set_code_owner_attribute
def sync_learner_state(
    sinks: list[str], user_id: int, course_key: str | None, values: dict[str, Any] | None = None
) -> dict[str, int]:
    """Write the learner's current rows for ``sinks``; returns rows written per sink."""
    from oars_platform.sinks.live import sync_learner

    return {name: outcome.written for name, outcome in sync_learner(sinks, user_id, course_key, values).items()}


@shared_task(base=PlatformRowsTask, name="oars_platform.sync_platform_rows")
@set_code_owner_attribute
def sync_platform_rows(sink: str, ids: list[int]) -> int:
    """Write the current state of these rows of a platform table (after a save of a tag, taxonomy or object tag)."""
    from oars_platform.sinks.live import sync_rows

    return sync_rows(sink, ids).written
