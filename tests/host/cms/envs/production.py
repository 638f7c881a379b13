"""Stand-in Studio production settings: YAML overrides named by ``CMS_CFG``, then the plugins' production settings.

Follows ``cms/envs/production.py`` as the LMS twin (``lms.envs.production``) does: most YAML keys replace settings
wholesale, ``FEATURES`` is merged, ``ENV_TOKENS``/``AUTH_TOKENS`` keep the raw YAML for plugins that read them.
Tutor's ``cms/envs/tutor/production.py`` starts with ``from cms.envs.production import *``.
"""

import os
from typing import Any

import yaml
from edx_django_utils.plugins import add_plugins
from openedx.core.djangoapps.plugins.constants import ProjectType, SettingsType

from cms.envs.common import *  # noqa: F403

_SPECIAL_KEYS = {"FEATURES", "EVENT_TRACKING_BACKENDS", "CELERY_QUEUES", "EVENT_BUS_PRODUCER_CONFIG"}


def _load_yaml(path: str | None) -> dict[str, Any]:
    """Read the YAML config; an unset ``CMS_CFG`` means no overrides (the platform would fail instead)."""
    if not path:
        return {}
    with open(path, encoding="utf-8") as stream:
        return yaml.safe_load(stream) or {}


_YAML_TOKENS = _load_yaml(os.environ.get("CMS_CFG"))

vars().update({key: value for key, value in _YAML_TOKENS.items() if key not in _SPECIAL_KEYS})

FEATURES.update(_YAML_TOKENS.get("FEATURES", {}))  # noqa: F405

ENV_TOKENS = _YAML_TOKENS
AUTH_TOKENS = _YAML_TOKENS
ENV_FEATURES = _YAML_TOKENS.get("FEATURES", {})

DEBUG = False

############################ Plugin Django Apps ############################
add_plugins(__name__, ProjectType.CMS, SettingsType.PRODUCTION)
