"""App config for the stand-in `grades` app (platform module path and label, so tables are named `grades_*`)."""

from django.apps import AppConfig


class GradesConfig(AppConfig):
    """Same name and label as the platform's app."""

    name = "lms.djangoapps.grades"
    label = "grades"
    default_auto_field = "django.db.models.AutoField"
