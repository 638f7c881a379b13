"""Retirement signals of ``openedx.core.djangoapps.user_api.accounts.signals``; all are sent with ``user=...``."""

from django.dispatch import Signal

# Sent when a user is retired from the LMS: critical data first, then mailings, then everything else.
USER_RETIRE_LMS_CRITICAL = Signal()
USER_RETIRE_MAILINGS = Signal()
USER_RETIRE_LMS_MISC = Signal()
