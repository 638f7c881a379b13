"""Platform models the plugin listens to, resolved only where they exist.

Receivers on ``post_save``/``post_delete`` of a platform model need the model class as their sender. The same
plugin runs in the LMS and in Studio, on releases with and without content tagging, so each model is looked up
when the app is ready and a receiver is connected only where its model resolves (as platform-plugin-aspects does).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

log = logging.getLogger(__name__)

#: ``module:Class`` of every platform model whose saves or deletions the plugin follows.
USER_PROFILE = "common.djangoapps.student.models:UserProfile"
EXTERNAL_ID = "openedx.core.djangoapps.external_user_ids.models:ExternalId"
TAG = "openedx_tagging.models:Tag"
TAXONOMY = "openedx_tagging.models:Taxonomy"
OBJECT_TAG = "openedx_tagging.models:ObjectTag"
CCX = "lms.djangoapps.ccx.models:CustomCourseForEdX"


def resolve(path: str) -> Any | None:
    """The model class named ``module:Class``; None where it is not importable or its app is not installed."""
    from django.apps import apps

    module, name = path.split(":")
    try:
        model = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, RuntimeError) as exc:  # RuntimeError: a model of an app not installed
        log.debug("oars: platform model %s is not available here (%s)", path, type(exc).__name__)
        return None
    # A model that declares its ``app_label`` imports even where its app is not installed (the LMS's CCX app when
    # custom courses are off): it then has no app config and no table.
    app_config = getattr(getattr(model, "_meta", None), "app_config", None)
    if app_config is None or not apps.is_installed(app_config.name):
        return None
    return model
