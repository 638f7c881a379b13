"""Celery tasks: thin wrappers that unpack arguments and call plain functions (which also run without Celery).

Celery's autodiscovery imports ``oars_platform.tasks`` in every worker of the platform, so this package imports
each task module: a task that is not imported here is never registered.
"""

from oars_platform.tasks import courses, learners, retirement, tracking

__all__ = ["courses", "learners", "retirement", "tracking"]
