"""The senders of the retirement signals: the retirement pipeline's API views (``accounts/views.py``).

In the platform the retirement pipeline calls these views' ``post``; each sends its signal with
``sender=self.__class__``: ``AccountRetirementView`` sends ``USER_RETIRE_LMS_CRITICAL(user=)``,
``LMSAccountRetirementView`` sends ``USER_RETIRE_LMS_MISC(user=)`` and then ``USER_RETIRE_MAILINGS(email=,
new_email=, user=)``. Simplified: the stand-in keeps only the signal sends (no HTTP, no retirement status rows, no
deletion of the platform's own data); ``retire`` takes the user and the retired email directly.
"""

from typing import Any

from openedx.core.djangoapps.user_api.accounts.signals import (
    USER_RETIRE_LMS_CRITICAL,
    USER_RETIRE_LMS_MISC,
    USER_RETIRE_MAILINGS,
)


class AccountRetirementView:
    """The "retire" step: critical LMS data."""

    def retire(self, user: Any) -> None:
        USER_RETIRE_LMS_CRITICAL.send(sender=self.__class__, user=user)


class LMSAccountRetirementView:
    """The "retire LMS misc" step: plugins delete what they hold of the user, then mailings are unsubscribed."""

    def retire(self, user: Any, retired_email: str) -> None:
        USER_RETIRE_LMS_MISC.send(sender=self.__class__, user=user)
        USER_RETIRE_MAILINGS.send(sender=self.__class__, email=user.email, new_email=retired_email, user=user)
