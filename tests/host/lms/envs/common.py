"""Stand-in LMS settings: the platform's shared settings, LMS specifics, then plugins loaded exactly as the LMS does.

The plugin is never named here; it arrives through ``get_plugin_apps``/``add_plugins`` (entry point group
``lms.djangoapp``), so these settings also show whether the plugin's packaging works.
"""

from edx_django_utils.plugins import add_plugins, get_plugin_apps
from openedx.core.djangoapps.plugins.constants import ProjectType, SettingsType
from openedx.envs.common import *  # noqa: F403
from openedx.envs.common import CCX_APP, DJANGO_APPS, PLATFORM_APPS, THIRD_PARTY_APPS, celery_queues  # noqa: F401 - CCX_APP: envs

SERVICE_VARIANT = "lms"
ROOT_URLCONF = "lms.urls"
LMS_ROOT_URL = "https://lms.example.com"
LMS_BASE = "lms.example.com"
CMS_BASE = "studio.example.com"
SITE_NAME = LMS_BASE
PLATFORM_NAME = "Open edX stand-in"
# Tasks sent from this service without a queue go to its own default queue, consumed by its own workers.
CELERY_DEFAULT_QUEUE, CELERY_QUEUES = celery_queues("lms")
MODULESTORE_BRANCH = "published-only"

# Custom courses are off by default (lms/envs/common.py); production.py installs the app when YAML turns them on.
FEATURES = {**FEATURES, "CUSTOM_COURSES_EDX": False}  # noqa: F405
INSTALLED_APPS = [*DJANGO_APPS, *THIRD_PARTY_APPS, *PLATFORM_APPS]

############################ Plugin Django Apps ############################
INSTALLED_APPS.extend(get_plugin_apps(ProjectType.LMS))
add_plugins(__name__, ProjectType.LMS, SettingsType.COMMON)

# Like the platform, the LMS adds its own producer config after the plugins' common settings ran.
EVENT_BUS_PRODUCER_CONFIG.update(  # noqa: F405
    {
        "org.openedx.learning.course.unenrollment.completed.v1": {
            "course-unenrollment-lifecycle": {"event_key_field": "enrollment.course.course_key", "enabled": False},
        },
    }
)
