"""App config for the stand-in `certificates` app (platform module path and label, hence `certificates_*` tables)."""

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    """Same name and label as the platform's app."""

    name = "lms.djangoapps.certificates"
    label = "certificates"
    default_auto_field = "django.db.models.AutoField"
