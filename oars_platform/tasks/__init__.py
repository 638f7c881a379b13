"""Celery tasks: thin wrappers that unpack arguments and call plain functions (which also run without Celery)."""

from oars_platform.tasks import courses  # registers the course dump tasks in every worker

__all__ = ["courses"]
