"""The tagging app, labelled ``oel_tagging`` as in openedx-core (its tables are ``oel_tagging_*``)."""

from django.apps import AppConfig


class TaggingConfig(AppConfig):
    name = "openedx_tagging"
    label = "oel_tagging"
    verbose_name = "Tagging"
    default_auto_field = "django.db.models.BigAutoField"
