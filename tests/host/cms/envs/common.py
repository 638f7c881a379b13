"""Stand-in Studio settings: shared settings, CMS specifics (draft-preferred modulestore), then plugins.

As in the platform, the plugin arrives only through the ``cms.djangoapp`` entry point group.
"""

from edx_django_utils.plugins import add_plugins, get_plugin_apps
from openedx.core.djangoapps.plugins.constants import ProjectType, SettingsType
from openedx.envs.common import *  # noqa: F403
from openedx.envs.common import DJANGO_APPS, PLATFORM_APPS, THIRD_PARTY_APPS, celery_queues

SERVICE_VARIANT = "cms"
ROOT_URLCONF = "cms.urls"
LMS_ROOT_URL = "https://lms.example.com"
LMS_BASE = "lms.example.com"
CMS_BASE = "studio.example.com"
CMS_ROOT_URL = f"https://{CMS_BASE}"
SITE_NAME = CMS_BASE
PLATFORM_NAME = "Open edX stand-in"
# Tasks sent from this service without a queue go to its own default queue, consumed by its own workers.
CELERY_DEFAULT_QUEUE, CELERY_QUEUES = celery_queues("cms")
# Studio reads and writes drafts unless a caller asks for the published branch (§3.1).
MODULESTORE_BRANCH = "draft-preferred"

INSTALLED_APPS = [
    *DJANGO_APPS,
    *THIRD_PARTY_APPS,
    *PLATFORM_APPS,
    "cms.djangoapps.contentstore.apps.ContentstoreConfig",
]

############################ Plugin Django Apps ############################
INSTALLED_APPS.extend(get_plugin_apps(ProjectType.CMS))
add_plugins(__name__, ProjectType.CMS, SettingsType.COMMON)

EVENT_BUS_PRODUCER_CONFIG.update(  # noqa: F405
    {
        "org.openedx.content_authoring.course.catalog_info.changed.v1": {
            "course-catalog-info-changed": {"event_key_field": "catalog_info.course_key", "enabled": False},
        },
    }
)
