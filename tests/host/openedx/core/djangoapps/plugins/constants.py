"""Plugin constants, re-exported from edx-django-utils exactly as the platform's module does."""

from edx_django_utils.plugins import PluginContexts, PluginSettings, PluginSignals, PluginURLs

__all__ = ["PluginContexts", "PluginSettings", "PluginSignals", "PluginURLs", "ProjectType", "SettingsType"]


class ProjectType:
    """The entry-point groups (stevedore namespaces) plugins register under."""

    LMS = "lms.djangoapp"
    CMS = "cms.djangoapp"


class SettingsType:
    """The settings flavours a plugin's ``settings_config`` can target."""

    PRODUCTION = "production"
    COMMON = "common"
    DEVSTACK = "devstack"
    TEST = "test"
