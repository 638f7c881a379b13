"""The platform's ``PluginsConfig``: connects every plugin's ``signals_config`` receivers when Django is ready."""

from django.apps import AppConfig
from django.conf import settings
from edx_django_utils.plugins import connect_plugin_receivers

from .constants import ProjectType


class PluginsConfig(AppConfig):
    """Same choice as the platform: the LMS is recognised by its URLconf, anything else is Studio."""

    name = "openedx.core.djangoapps.plugins"
    label = "plugins"
    verbose_name = "Plugins"

    def ready(self) -> None:
        project_type = ProjectType.LMS if settings.ROOT_URLCONF == "lms.urls" else ProjectType.CMS
        connect_plugin_receivers(project_type)
