"""The Celery app shared by the LMS and CMS, configured from Django settings with no namespace, as the platform's.

Old-style setting names therefore apply (``BROKER_URL``, ``CELERY_ALWAYS_EAGER``, ``CELERY_DEFAULT_QUEUE``,
``CELERY_QUEUES``); ``CELERY_BROKER_URL`` or ``CELERY_TASK_ALWAYS_EAGER`` would be ignored, as on a real site.

The platform creates it when the ``lms``/``cms`` package is imported, so that ``@shared_task`` in plugins binds to
it; the stand-in does the same.
"""

from celery import Celery

APP = Celery("proj")
APP.config_from_object("django.conf:settings")
APP.autodiscover_tasks()
APP.set_default()
