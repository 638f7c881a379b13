"""User retirement: the platform's ``USER_RETIRE_LMS_MISC`` asks for the user's personal data to be deleted.

The receiver only enqueues, after the surrounding transaction commits, one
:func:`~oars_platform.tasks.retirement.retire_user` task with the user's id. It never raises into the platform's
retirement pipeline (a failure there would stop the pipeline for this user at this step); if enqueueing fails, it
logs the user id, and ``retire_users_from_clickhouse --user-ids`` does the same work later.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def on_user_retired(sender: Any = None, user: Any = None, **kwargs: Any) -> None:
    """Enqueue the retirement of ``user`` from ClickHouse; never raise."""
    from oars_platform.platform.retirement import retired_user_id
    from oars_platform.tasks.base import enqueue_on_commit
    from oars_platform.tasks.retirement import retire_user

    user_id = getattr(user, "id", None)
    try:
        enqueue_on_commit(retire_user, retired_user_id(user))
    except Exception as exc:  # the platform's retirement pipeline must go on whatever happens here
        log.error(
            "oars: could not enqueue the ClickHouse retirement of user id %s (%s); run retire_users_from_clickhouse",
            user_id if isinstance(user_id, int) else "?",
            type(exc).__name__,
        )
