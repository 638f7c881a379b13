"""Learner updates in Celery: a thin task over :func:`oars_platform.sinks.live.sync_learner`.

Arguments are plain values (sink names, a user id, a course key string, event values), never model instances: the
task reads the learner's rows itself, after the transaction committed, so it sees what was committed.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from oars_platform.tasks.base import OarsTask


class LearnerSyncTask(OarsTask):
    """Retries while ClickHouse is unavailable; a dead letter keeps the arguments (a backfill also repairs them)."""

    dead_letter_kind = "learner"


@shared_task(base=LearnerSyncTask, name="oars_platform.sync_learner_state")
def sync_learner_state(
    sinks: list[str], user_id: int, course_key: str | None, values: dict[str, Any] | None = None
) -> dict[str, int]:
    """Write the learner's current rows for ``sinks``; returns rows written per sink."""
    from oars_platform.sinks.live import sync_learner

    return {name: outcome.written for name, outcome in sync_learner(sinks, user_id, course_key, values).items()}


@shared_task(base=LearnerSyncTask, name="oars_platform.sync_platform_rows")
def sync_platform_rows(sink: str, ids: list[int]) -> int:
    """Write the current state of these rows of a platform table (after a save of a tag, taxonomy or object tag)."""
    from oars_platform.sinks.live import sync_rows

    return sync_rows(sink, ids).written
