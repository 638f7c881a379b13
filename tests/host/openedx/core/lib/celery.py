"""The Celery app shared by the LMS and CMS, configured from Django settings with the ``CELERY_`` namespace.

The platform creates it when the ``lms``/``cms`` package is imported, so that ``@shared_task`` in plugins binds to
it; the stand-in does the same.
"""

from celery import Celery

APP = Celery("proj")
APP.config_from_object("django.conf:settings", namespace="CELERY")
APP.autodiscover_tasks()
APP.set_default()
