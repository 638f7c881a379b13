"""App config for the stand-in `ccx` app (platform module path and label, so tables are named `ccx_*`)."""

from django.apps import AppConfig


class CCXConfig(AppConfig):
    """Same name and label as the platform's app."""

    name = "lms.djangoapps.ccx"
    label = "ccx"
    default_auto_field = "django.db.models.AutoField"
