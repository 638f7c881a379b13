"""The Django app and its ``plugin_app``: how edx-platform finds our settings, signal receivers and URLs.

The platform's settings call ``get_plugin_apps``/``add_plugins`` for the ``lms.djangoapp`` and ``cms.djangoapp``
entry points (see setup.py), and ``PluginsConfig.ready()`` connects the receivers listed here. Receivers are
connected per service: tracking and learner signals in the LMS, course publishing in Studio.
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from edx_django_utils.plugins.constants import PluginSettings, PluginSignals, PluginURLs

from oars_platform.signals import CMS, LMS, RECEIVERS


def signals_config() -> dict[str, Any]:
    """``signals_config`` built from :data:`oars_platform.signals.RECEIVERS`, per service."""
    config: dict[str, Any] = {}
    for receiver in RECEIVERS:
        for project in receiver.projects:
            entry = config.setdefault(
                project, {PluginSignals.RELATIVE_PATH: "signals.receivers", PluginSignals.RECEIVERS: []}
            )
            entry[PluginSignals.RECEIVERS].append(
                {
                    PluginSignals.RECEIVER_FUNC_NAME: receiver.function,
                    PluginSignals.SIGNAL_PATH: receiver.signal_path,
                    PluginSignals.DISPATCH_UID: f"oars_platform.{receiver.function}",
                }
            )
    return config


def _settings_config() -> dict[str, Any]:
    per_service = {
        "common": {PluginSettings.RELATIVE_PATH: "settings.common"},
        "production": {PluginSettings.RELATIVE_PATH: "settings.production"},
    }
    return {LMS: per_service, CMS: per_service}


_URLS = {PluginURLs.NAMESPACE: "oars_platform", PluginURLs.REGEX: r"^oars/", PluginURLs.RELATIVE_PATH: "urls"}


class OarsPlatformConfig(AppConfig):
    """oars_platform: xAPI, course structure and learner data into ClickHouse, and the OARS reports."""

    name = "oars_platform"
    verbose_name = "Open Analytics Reference System"
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        PluginURLs.CONFIG: {LMS: _URLS, CMS: _URLS},
        PluginSettings.CONFIG: _settings_config(),
        PluginSignals.CONFIG: signals_config(),
    }

    def ready(self) -> None:
        """Register the system checks (importing the module registers them) and the platform-model receivers."""
        from oars_platform import checks  # noqa: F401
        from oars_platform.signals.models import connect_model_receivers

        connect_model_receivers()
