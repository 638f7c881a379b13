"""Stand-in Studio test settings: the CMS common settings plus the plugins' ``test`` settings."""

from edx_django_utils.plugins import add_plugins
from openedx.core.djangoapps.plugins.constants import ProjectType, SettingsType

from cms.envs.common import *  # noqa: F403

LMS_ROOT_URL = "http://localhost:18000"
LMS_BASE = "localhost:18000"
CMS_BASE = "localhost:18010"
CMS_ROOT_URL = f"http://{CMS_BASE}"
SITE_NAME = CMS_BASE
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

add_plugins(__name__, ProjectType.CMS, SettingsType.TEST)
