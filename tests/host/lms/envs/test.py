"""Stand-in LMS test settings: the common settings plus the plugins' ``test`` settings, as ``lms/envs/test.py``."""

from edx_django_utils.plugins import add_plugins
from openedx.core.djangoapps.plugins.constants import ProjectType, SettingsType

from lms.envs.common import *  # noqa: F403

LMS_ROOT_URL = "http://localhost:18000"
LMS_BASE = "localhost:18000"
CMS_BASE = "localhost:18010"
SITE_NAME = LMS_BASE
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Custom courses on, as the platform's lms/envs/test.py does.
FEATURES["CUSTOM_COURSES_EDX"] = True  # noqa: F405
INSTALLED_APPS.append(CCX_APP)  # noqa: F405

add_plugins(__name__, ProjectType.LMS, SettingsType.TEST)
