"""App config for the stand-in `course_groups` app (platform path and label, hence `course_groups_*` tables)."""

from django.apps import AppConfig


class CourseGroupsConfig(AppConfig):
    """Same name and label as the platform's app."""

    name = "openedx.core.djangoapps.course_groups"
    label = "course_groups"
    default_auto_field = "django.db.models.AutoField"
