"""The platform's user retirement, as the plugin sees it: the signal to listen to and the user it names.

edx-platform's retirement pipeline sends ``USER_RETIRE_LMS_MISC`` (with ``user=``) from its "retire misc" step,
for plugins to delete what they hold of the user; Aspects' plugin listens to the same signal. At that step the
user's email is already replaced by a hash (at deactivation) but the username, profile and external ids are still
there: the username and the profile are cleared only at the pipeline's last step. Retirement here therefore never
relies on the platform's rows having changed (see :mod:`oars_platform.sinks.retired`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: Import path of the signal (connected by the plugin machinery through ``signals.RECEIVERS``).
USER_RETIRE_LMS_MISC = "openedx.core.djangoapps.user_api.accounts.signals.USER_RETIRE_LMS_MISC"


def retirement_signal() -> Any:
    """The ``USER_RETIRE_LMS_MISC`` signal object itself."""
    from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_MISC as signal

    return signal


def retired_user_id(user: Any) -> int:
    """The id of the user the signal names (``user=``); ValueError when there is none."""
    user_id = getattr(user, "id", None)
    if user_id is None or isinstance(user_id, bool):
        raise ValueError("the retirement signal named no user with an id")
    return int(user_id)


def usernames(user_ids: Iterable[int]) -> set[str]:
    """The users' current usernames (to forget cached lookups keyed by them); unknown ids are left out."""
    from django.contrib.auth import get_user_model

    ids = [int(user_id) for user_id in user_ids]
    if not ids:
        return set()
    return set(get_user_model().objects.filter(id__in=ids).values_list("username", flat=True))
