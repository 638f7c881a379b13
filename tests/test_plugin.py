"""The plugin as edx-platform loads it: entry points, plugin_app settings, URLs and signal receivers.

The stand-in host's settings call edx-django-utils' ``get_plugin_apps``/``add_plugins`` exactly as the platform's
``lms/envs/common.py`` does, so these tests exercise the real plugin machinery against the installed package.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from edx_django_utils.plugins import get_plugin_apps
from edx_django_utils.plugins.plugin_signals import connect_plugin_receivers

from oars_platform.apps import OarsPlatformConfig, signals_config
from oars_platform.settings import common as common_settings
from oars_platform.settings import production as production_settings
from oars_platform.signals import RECEIVERS

ROOT = Path(__file__).resolve().parents[1]


def test_entry_points_register_the_app_for_lms_and_studio() -> None:
    assert "oars_platform.apps.OarsPlatformConfig" in get_plugin_apps("lms.djangoapp")
    assert "oars_platform.apps.OarsPlatformConfig" in get_plugin_apps("cms.djangoapp")


def test_the_host_settings_loaded_the_app_and_every_default() -> None:
    assert "oars_platform.apps.OarsPlatformConfig" in settings.INSTALLED_APPS
    for setting in common_settings.SETTINGS:
        assert hasattr(settings, setting.name), setting.name


def test_common_settings_keep_values_the_host_already_set() -> None:
    class Module:
        OARS_DATABASE = "analytics"

    common_settings.plugin_settings(Module)
    assert Module.OARS_DATABASE == "analytics"
    assert Module.OARS_XAPI_DATABASE == "xapi"
    assert Module.OARS_PII_ENABLED is False


def test_production_settings_read_the_operators_yaml_tokens() -> None:
    class Module:
        ENV_TOKENS = {"OARS_CLICKHOUSE_URL": "clickhouse://ch:9000/", "OARS_PII_ENABLED": True}

    common_settings.plugin_settings(Module)
    production_settings.plugin_settings(Module)
    assert Module.OARS_CLICKHOUSE_URL == "clickhouse://ch:9000/"
    assert Module.OARS_PII_ENABLED is True
    assert Module.OARS_XAPI_ACTOR_MODE == "external_id"


def test_urls_are_mounted_under_oars() -> None:
    assert reverse("oars_platform:health") == "/oars/health/"


def test_signals_config_lists_every_receiver_for_its_services() -> None:
    config = signals_config()
    for receiver in RECEIVERS:
        for project in receiver.projects:
            names = [entry["receiver_func_name"] for entry in config[project]["receivers"]]
            assert receiver.function in names


def test_every_receiver_is_connected_by_the_platform_machinery() -> None:
    from django.utils.module_loading import import_string

    from oars_platform.signals import receivers

    connect_plugin_receivers("lms.djangoapp")
    for receiver in RECEIVERS:
        signal = import_string(receiver.signal_path)
        function = getattr(receivers, receiver.function)
        connected = [entry[1]() if isinstance(entry[1], weakref.ref) else entry[1] for entry in signal.receivers]
        assert function in connected, receiver.function


def test_plugin_app_declares_settings_for_both_services_and_settings_types() -> None:
    plugin_app = OarsPlatformConfig.plugin_app
    for project in ("lms.djangoapp", "cms.djangoapp"):
        assert set(plugin_app["settings_config"][project]) == {"common", "production"}
        assert plugin_app["url_config"][project]["regex"] == r"^oars/"


def test_studio_loads_the_plugin_and_its_urls_in_a_fresh_process() -> None:
    script = textwrap.dedent(
        """
        import json, django
        django.setup()
        from django.conf import settings
        from django.urls import reverse
        print(json.dumps({
            "installed": "oars_platform.apps.OarsPlatformConfig" in settings.INSTALLED_APPS,
            "root_urlconf": settings.ROOT_URLCONF,
            "health": reverse("oars_platform:health"),
            "default": settings.OARS_EVENT_SINK_DATABASE,
        }))
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", script],
        env={"DJANGO_SETTINGS_MODULE": "cms.envs.test", "PYTHONPATH": f"{ROOT / 'tests' / 'host'}:{ROOT}"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    loaded = json.loads(output.strip().splitlines()[-1])
    assert loaded == {"installed": True, "root_urlconf": "cms.urls", "health": "/oars/health/", "default": "event_sink"}
