"""App config for ``course_overviews``; connects the course_published listener that refreshes overviews."""

from django.apps import AppConfig


class CourseOverviewsConfig(AppConfig):
    """Platform module path and label (table ``course_overviews_courseoverview``)."""

    name = "openedx.core.djangoapps.content.course_overviews"
    label = "course_overviews"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects receivers)
