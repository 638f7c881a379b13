"""LMS Celery entry point (``celery -A lms.celery worker``), as in the platform."""

import os

# Like the platform (which defaults to production settings); the stand-in defaults to its test settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.envs.test")

from openedx.core.lib.celery import APP

__all__ = ["APP"]
