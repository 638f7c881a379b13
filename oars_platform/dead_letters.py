"""Dead letters: for each kind, the function that redoes its work; and the replay of one letter.

A dead letter (:class:`~oars_platform.models.DeadLetter`) is work that failed every retry of the delivery policy
(:mod:`oars_platform.delivery`). Its ``kind`` names the function below that redoes the work from the letter's
payload, with the same functions the task or drain used, once ClickHouse is back: every ``DeadLetter.KIND_*`` has
exactly one (a test holds the registry and the model's kinds equal), so nothing can be dead-lettered that cannot
be replayed. Every write is idempotent (deterministic ids, versioned rows), so replaying a letter twice, or one
whose work a backfill already redid, changes nothing that reports see.

A replay function returns what it did as named counts, and raises when the work still fails (ClickHouse down,
a lookup source down, a mutation unfinished): the letter then stays unreplayed, for the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import Count
from django.utils import timezone

from oars_platform.models import DeadLetter

#: A replay: the letter's payload in, what was done (name → count, in display order) out.
Replay = Callable[[Mapping[str, Any]], dict[str, int]]

#: Dead-letter kind → its replay function.
REPLAYS: dict[str, Replay] = {}

#: The kinds the model declares.
KINDS = tuple(kind for kind, _label in DeadLetter.KIND_CHOICES)


class ReplayIncomplete(Exception):
    """Part of a letter's work could not be redone yet (a lookup source is down): replay it again later."""


def replays(kind: str) -> Callable[[Replay], Replay]:
    """Register the decorated function as the replay of dead letters of ``kind``; one per kind."""
    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not a dead-letter kind of the model (DeadLetter.KIND_CHOICES)")

    def register(function: Replay) -> Replay:
        if kind in REPLAYS:
            raise ValueError(f"dead letters of kind {kind!r} already replay with {REPLAYS[kind].__name__}")
        REPLAYS[kind] = function
        return function

    return register


@replays(DeadLetter.KIND_TRACKING)
def replay_tracking(payload: Mapping[str, Any]) -> dict[str, int]:
    """Ingest the (scrubbed) raw events again: the same statements as the first time."""
    from oars_platform.ingest import ingest

    events = list(payload.get("events", []))
    report = ingest(events, f"replay:{payload.get('source', 'tracking')}")
    if report.retry:
        raise ReplayIncomplete(
            f"{len(report.retry)} of {len(events)} events still wait for a lookup source (users or courses); "
            "the others are stored"
        )
    return {"statements written": report.statements, "quarantined": report.rejected, "events": len(events)}


@replays(DeadLetter.KIND_COURSE_DUMP)
def replay_course_dump(payload: Mapping[str, Any]) -> dict[str, int]:
    """Dump the course again from the modulestore, as the publish task does, or mark it deleted again."""
    from oars_platform.platform.modulestore import ModulestoreSource
    from oars_platform.sinks.courses import dump_course, mark_deleted
    from oars_platform.sources.course_structure import CourseNotFound

    course_key = str(payload["course_key"])
    if payload.get("deleted"):
        mark_deleted(course_key)
        return {"courses marked deleted": 1}
    try:
        dumped = dump_course(ModulestoreSource(), course_key)
    except CourseNotFound:  # deleted since: its deletion is written by its own task (or letter)
        return {"courses dumped": 0, "courses gone from the modulestore": 1}
    return {"courses dumped": len(dumped)}


@replays(DeadLetter.KIND_LEARNER)
def replay_learner(payload: Mapping[str, Any]) -> dict[str, int]:
    """Write the learner's (or the platform rows') current state again, read afresh from the platform."""
    from oars_platform.sinks.live import sync_learner, sync_rows
    from oars_platform.tasks.learners import named_payload

    payload = named_payload(dict(payload))
    if "ids" in payload:  # a tag, taxonomy or object-tag save (tasks.learners.PlatformRowsTask)
        outcomes = [sync_rows(payload["sink"], [int(row_id) for row_id in payload["ids"]])]
    else:
        outcomes = list(
            sync_learner(
                payload["sinks"], int(payload["user_id"]), payload.get("course_key"), payload.get("values")
            ).values()
        )
    return {
        "rows written": sum(outcome.written for outcome in outcomes),
        "rows refused": sum(len(outcome.rejected) for outcome in outcomes),
    }


@replays(DeadLetter.KIND_RETIREMENT)
def replay_retirement(payload: Mapping[str, Any]) -> dict[str, int]:
    """Retire the user from ClickHouse again (idempotent)."""
    from oars_platform.retirement import retire_users

    report = retire_users([int(payload["user_id"])])
    return {"users retired": len(report.user_ids), "rows removed": report.total}


def replay(letter: DeadLetter) -> dict[str, int]:
    """Redo the letter's work, then mark it replayed; an exception leaves it as it was (still to do)."""
    done = REPLAYS[letter.kind](letter.payload or {})
    letter.replayed_at = timezone.now()
    letter.save(update_fields=["replayed_at"])
    return done


def waiting_by_kind() -> dict[str, int]:
    """Dead letters not replayed yet, per kind (every kind, zeros included)."""
    counts = dict.fromkeys(KINDS, 0)
    for row in DeadLetter.objects.filter(replayed_at__isnull=True).values("kind").annotate(letters=Count("id")):
        counts[row["kind"]] = counts.get(row["kind"], 0) + row["letters"]
    return counts
