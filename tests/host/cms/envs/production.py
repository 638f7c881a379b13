"""Stand-in Studio production settings: YAML overrides named by ``CMS_CFG``, then the plugins' production settings.

Follows ``cms/envs/production.py`` as the LMS module follows ``lms/envs/production.py`` (see there): most YAML keys
replace settings wholesale, a few are merged, ``ENV_TOKENS``/``AUTH_TOKENS`` keep the raw YAML, and the YAML
``EVENT_BUS_PRODUCER_CONFIG`` is merged only after the plugins ran.
"""

import os
from typing import Any

import yaml
from edx_django_utils.plugins import add_plugins
from openedx.core.djangoapps.plugins.constants import ProjectType, SettingsType
from openedx_events.event_bus import merge_producer_configs

from cms.envs.common import *  # noqa: F403

_SPECIAL_KEYS = {
    "FEATURES",
    "TRACKING_BACKENDS",
    "EVENT_TRACKING_BACKENDS",
    "JWT_AUTH",
    "CELERY_QUEUES",
    "REST_FRAMEWORK",
    "EVENT_BUS_PRODUCER_CONFIG",
    "DEFAULT_FILE_STORAGE",
    "STATICFILES_STORAGE",
}


def _load_yaml(path: str | None) -> dict[str, Any]:
    """Read the YAML config; an unset ``CMS_CFG`` means no overrides (the platform would fail instead)."""
    if not path:
        return {}
    with open(path, encoding="utf-8") as stream:
        return yaml.safe_load(stream) or {}


_YAML_TOKENS = _load_yaml(os.environ.get("CMS_CFG"))

vars().update({key: value for key, value in _YAML_TOKENS.items() if key not in _SPECIAL_KEYS})

FEATURES.update(_YAML_TOKENS.get("FEATURES", {}))  # noqa: F405
# The workers' queues: the YAML's (a list or a dict of names), else the service's own (as the LMS module).
if "CELERY_QUEUES" in _YAML_TOKENS:
    CELERY_QUEUES = {name: {} for name in _YAML_TOKENS["CELERY_QUEUES"]}
EVENT_TRACKING_BACKENDS["tracking_logs"]["OPTIONS"]["backends"].update(  # noqa: F405
    _YAML_TOKENS.get("EVENT_TRACKING_BACKENDS", {})
)

ENV_TOKENS = _YAML_TOKENS
AUTH_TOKENS = _YAML_TOKENS
ENV_FEATURES = _YAML_TOKENS.get("FEATURES", {})

DEBUG = False

############################ Plugin Django Apps ############################
add_plugins(__name__, ProjectType.CMS, SettingsType.PRODUCTION)

EVENT_BUS_PRODUCER_CONFIG = merge_producer_configs(
    EVENT_BUS_PRODUCER_CONFIG,  # noqa: F405
    _YAML_TOKENS.get("EVENT_BUS_PRODUCER_CONFIG", {}),
)
