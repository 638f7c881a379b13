"""Stand-in LMS test settings: the common settings plus the plugins' ``test`` settings, as ``lms/envs/test.py``."""

from edx_django_utils.plugins import add_plugins
from openedx.core.djangoapps.plugins.constants import ProjectType, SettingsType

from lms.envs.common import *  # noqa: F403

LMS_ROOT_URL = "http://localhost:18000"
LMS_BASE = "localhost:18000"
CMS_BASE = "localhost:18010"
SITE_NAME = LMS_BASE
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

add_plugins(__name__, ProjectType.LMS, SettingsType.TEST)
