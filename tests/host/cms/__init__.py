"""Stand-in for edx-platform's `cms` (Studio) package; importing it sets up the shared Celery app."""

from .celery import APP as CELERY_APP

__all__ = ["CELERY_APP"]
