"""Studio's contentstore app, reduced to the course_published handler that emits COURSE_CATALOG_INFO_CHANGED."""

from django.apps import AppConfig


class ContentstoreConfig(AppConfig):
    """Installed only in the CMS settings, so the catalog event fires in the Studio process only (§2.4)."""

    name = "cms.djangoapps.contentstore"
    label = "contentstore"

    def ready(self) -> None:
        from .signals import handlers  # noqa: F401  (connects receivers)
