"""App config for the stand-in ``student`` app (label ``student``, as in the platform)."""

from django.apps import AppConfig


class StudentConfig(AppConfig):
    """Keeps the platform's module path and label so table names come out as ``student_*``."""

    name = "common.djangoapps.student"
    label = "student"
    verbose_name = "Student"
    default_auto_field = "django.db.models.AutoField"
