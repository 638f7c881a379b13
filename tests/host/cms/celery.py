"""CMS (Studio) Celery entry point (``celery -A cms.celery worker``), as in the platform."""

from openedx.core.lib.celery import APP

__all__ = ["APP"]
