"""App config for ``external_user_ids`` (tables ``external_user_ids_externalid`` and ``..._externalidtype``)."""

from django.apps import AppConfig


class ExternalUserIdsConfig(AppConfig):
    """Platform module path and label."""

    name = "openedx.core.djangoapps.external_user_ids"
    label = "external_user_ids"
    default_auto_field = "django.db.models.AutoField"
