"""Stand-in for edx-platform's `lms` package; importing it sets up the shared Celery app as the platform does."""

from .celery import APP as CELERY_APP

__all__ = ["CELERY_APP"]
