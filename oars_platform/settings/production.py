"""Production overrides, applied by ``add_plugins(..., SettingsType.PRODUCTION)``.

edx-platform's production settings load the operator's YAML into the settings module and keep it as
``ENV_TOKENS``; like other platform plugins we read our overrides from there, so a YAML key ``OARS_FOO`` wins over
the common default.
"""

from __future__ import annotations

from typing import Any

from oars_platform.settings.common import DEFAULTS, TRACKING_BACKEND, TRACKING_BACKEND_NAME


def plugin_settings(settings: Any) -> None:
    """Apply ``OARS_*`` values from the operator's YAML (``ENV_TOKENS``) over the defaults."""
    env_tokens = getattr(settings, "ENV_TOKENS", None) or {}
    for name, default in DEFAULTS.items():
        setattr(settings, name, env_tokens.get(name, getattr(settings, name, default)))
    backends = getattr(settings, "EVENT_TRACKING_BACKENDS", None)
    if isinstance(backends, dict):
        if settings.OARS_TRACKING_BACKEND_ENABLED:
            backends.setdefault(TRACKING_BACKEND_NAME, TRACKING_BACKEND)
        else:
            backends.pop(TRACKING_BACKEND_NAME, None)
