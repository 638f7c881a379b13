"""Celery tasks: thin wrappers that unpack arguments and call plain functions (which also run without Celery)."""
