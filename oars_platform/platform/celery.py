"""The platform's Celery configuration, as the plugin needs to know it: which queues the workers consume.

edx-platform's Celery app is ``Celery('proj')`` configured with ``config_from_object('django.conf:settings')`` and
**no namespace**, so its settings have the old-style names: ``CELERY_QUEUES`` (the queues a service's workers
consume, built from the YAML in ``production.py``: a dict keyed by queue name), ``CELERY_DEFAULT_QUEUE`` (the
service's default: ``edx.lms.core.default``-style in the LMS, ``edx.cms.core.default``-style in Studio). A plugin
task sent without a queue goes to the default queue of the service that sent it.
"""

from __future__ import annotations

from typing import Any


def declared_queues(settings: Any) -> set[str] | None:
    """Names of the queues in ``CELERY_QUEUES`` (dict keys, names, or kombu ``Queue`` objects); None when unset."""
    queues = getattr(settings, "CELERY_QUEUES", None)
    if queues is None:
        return None
    if isinstance(queues, dict):
        return {str(name) for name in queues}
    return {str(getattr(queue, "name", queue)) for queue in queues}


def default_queue(settings: Any) -> str | None:
    """The service's default queue (``CELERY_DEFAULT_QUEUE``), where plugin tasks go when no queue is configured."""
    value = getattr(settings, "CELERY_DEFAULT_QUEUE", None)
    return str(value) if value else None
