"""User retirement in Celery: a thin task over :func:`oars_platform.retirement.retire_users`, one user per task.

The argument is the user id alone, and so is the dead letter's payload: no username or email is ever queued or
stored. The task is retried with the shared policy until ClickHouse took every deletion (an unreachable server,
or a mutation still running when the wait ran out); after the last retry the dead letter is what
``replay_failed_events --kind retirement`` (or ``retire_users_from_clickhouse --dead-letters``) replays.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from edx_django_utils.monitoring import set_code_owner_attribute

from oars_platform.models import DeadLetter
from oars_platform.retirement import RetirementIncomplete
from oars_platform.tasks.base import OarsTask


class RetirementTask(OarsTask):
    """Retries on ClickHouse errors and unfinished mutations; the dead letter keeps only the user id."""

    autoretry_for = (*OarsTask.autoretry_for, RetirementIncomplete)
    dead_letter_kind = DeadLetter.KIND_RETIREMENT

    def dead_letter_payload(self, args: Any, kwargs: Any) -> dict[str, Any]:
        """``{"user_id": N}``: what a replay needs, and nothing that names the person."""
        user_id = kwargs.get("user_id") if kwargs else None
        if user_id is None and args:
            user_id = args[0]
        return {"user_id": int(user_id)}


@shared_task(base=RetirementTask, name="oars_platform.retire_user")
@set_code_owner_attribute
def retire_user(user_id: int) -> dict[str, int]:
    """Delete the user's personal data from ClickHouse; returns the rows removed per table."""
    from oars_platform.retirement import retire_users

    return retire_users([user_id]).rows
