"""Settings shared by the stand-in LMS and CMS, mirroring the platform's ``openedx/envs/common.py``.

Only settings the plugin (or the stand-in apps) read are reproduced. Values that depend on the
environment come from ``OARS_TEST_*`` variables so that the same settings serve sqlite and MariaDB
runs, eager and real Celery.
"""

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HOST_ROOT = Path(__file__).resolve().parents[2]

SECRET_KEY = os.environ.get("OARS_TEST_SECRET_KEY", "stand-in-host-secret-key-not-for-production")
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
USE_I18N = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# The platform uses ``platform-plugin``-style shared settings; FEATURES is read by many plugins.
FEATURES: dict[str, bool] = {}

# Open edX apps every stand-in project installs. LMS and CMS share one database, so both install
# every model app (as the platform does for the tables used here).
PLATFORM_APPS = [
    "openedx.core.djangoapps.plugins.apps.PluginsConfig",
    "common.djangoapps.student.apps.StudentConfig",
    "openedx.core.djangoapps.external_user_ids.apps.ExternalUserIdsConfig",
    "openedx.core.djangoapps.content.course_overviews.apps.CourseOverviewsConfig",
    "openedx.core.djangoapps.course_groups.apps.CourseGroupsConfig",
    "lms.djangoapps.grades.apps.GradesConfig",
    "lms.djangoapps.certificates.apps.CertificatesConfig",
    # openedx-core's tagging models, installed in both services (content_tagging's API reads them).
    "openedx_tagging.apps.TaggingConfig",
]
# The LMS adds the CCX app only when FEATURES["CUSTOM_COURSES_EDX"] is on (the platform's production.py; its test
# settings turn it on); Studio never installs it.
CCX_APP = "lms.djangoapps.ccx.apps.CCXConfig"

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

THIRD_PARTY_APPS = [
    "openedx_events",
    "eventtracking.django.apps.EventTrackingConfig",
]

# The platform's list is longer (theming, CSP, crum, safe sessions...); these are the ones a plugin's request path
# meets: the request cache and edx-django-utils' monitoring middleware, which reports the custom attributes a
# request accumulated to the configured telemetry backends (OPENEDX_TELEMETRY) when it ends.
MIDDLEWARE = [
    "edx_django_utils.cache.middleware.RequestCacheMiddleware",
    "edx_django_utils.monitoring.MonitoringSupportMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "common.djangoapps.track.middleware.TrackMiddleware",
]

# Not the platform's loaders, on purpose: the LMS and Studio configure the Django backend with theming- and
# Mako-aware loaders (``ThemeTemplateLoader`` and edxmako's ``MakoFilesystemLoader``/``MakoAppDirectoriesLoader``),
# which find a template in the same app ``templates/`` folders as Django's app-directories loader and compile it as
# Mako only when it declares itself Mako (a ``## mako`` first line). The plugin's templates are Django templates
# without that line, so ``APP_DIRS`` finds and renders them the same way; edxmako itself (its lookup directories,
# theming and context processors) cannot run outside the platform. Production static files are likewise served by
# the platform's pipeline storage there, by Django's default storage here.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("OARS_TEST_STATIC_ROOT", str(Path(tempfile.gettempdir()) / "oars_standin_static"))


def _databases() -> dict[str, dict]:
    """Pick sqlite (default) or the local MariaDB from ``OARS_TEST_DB``; LMS and CMS share it like edxapp."""
    if os.environ.get("OARS_TEST_DB", "sqlite") == "mysql":
        return {
            "default": {
                "ENGINE": "django.db.backends.mysql",
                "NAME": os.environ.get("OARS_TEST_DB_NAME", "oars_test"),
                "USER": os.environ.get("OARS_TEST_DB_USER", "root"),
                "PASSWORD": os.environ.get("OARS_TEST_DB_PASSWORD", ""),
                "HOST": os.environ.get("OARS_TEST_DB_HOST", "127.0.0.1"),
                "PORT": os.environ.get("OARS_TEST_DB_PORT", "3306"),
                "ATOMIC_REQUESTS": True,
                "OPTIONS": {"charset": "utf8mb4"},
                "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
            }
        }
    default_path = Path(tempfile.gettempdir()) / "oars_standin.sqlite3"
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("OARS_TEST_SQLITE_PATH", str(default_path)),
            "ATOMIC_REQUESTS": True,
        }
    }


DATABASES = _databases()

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "oars-standin"}}


def _env_flag(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# ---- Celery: the platform's app (openedx/core/lib/celery.py) reads Django settings with no namespace, so these are
# Celery's old-style names. Each service sets its own CELERY_DEFAULT_QUEUE and CELERY_QUEUES (lms/cms envs).
# The platform's own test settings run tasks eagerly too; tests that claim delivery start real workers over Redis
# (tests/sites.py), with OARS_TEST_BROKER_URL / OARS_TEST_CELERY_EAGER or the YAML of the production settings.
BROKER_URL = os.environ.get("OARS_TEST_BROKER_URL", "memory://")
CELERY_ALWAYS_EAGER = _env_flag("OARS_TEST_CELERY_EAGER", True)
CELERY_EAGER_PROPAGATES_EXCEPTIONS = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = os.environ.get("OARS_TEST_RESULT_BACKEND") or None
CELERY_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"


def celery_queues(service: str) -> tuple[str, dict[str, dict]]:
    """``(CELERY_DEFAULT_QUEUE, CELERY_QUEUES)`` of a service, named as the platform's settings name them."""
    names = [f"edx.{service}.core.{priority}" for priority in ("default", "high", "low")]
    return names[0], {name: {} for name in names}

# ---- Event tracking (openedx/envs/common.py defaults, §5.1) ----
TRACK_MAX_EVENT = 50000
TRACKING_IGNORE_URL_PATTERNS = [r"^/event", r"^/login", r"^/heartbeat"]
EVENT_TRACKING_ENABLED = True
EVENT_TRACKING_BACKENDS = {
    "tracking_logs": {
        "ENGINE": "eventtracking.backends.routing.RoutingBackend",
        "OPTIONS": {
            "backends": {
                "logger": {
                    "ENGINE": "eventtracking.backends.logger.LoggerBackend",
                    "OPTIONS": {"name": "tracking", "max_event_size": TRACK_MAX_EVENT},
                }
            },
            "processors": [
                {"ENGINE": "common.djangoapps.track.shim.LegacyFieldMappingProcessor"},
                {"ENGINE": "common.djangoapps.track.shim.PrefixedEventProcessor"},
            ],
        },
    },
    "segmentio": {
        "ENGINE": "eventtracking.backends.routing.RoutingBackend",
        "OPTIONS": {
            "backends": {"segment": {"ENGINE": "eventtracking.backends.segment.SegmentBackend"}},
            "processors": [
                {
                    "ENGINE": "eventtracking.processors.whitelist.NameWhitelistProcessor",
                    "OPTIONS": {"whitelist": []},
                },
                {"ENGINE": "common.djangoapps.track.shim.GoogleAnalyticsProcessor"},
            ],
        },
    },
}
EVENT_TRACKING_PROCESSORS: list[dict] = []
EVENT_TRACKING_SEGMENTIO_EMIT_WHITELIST: list[str] = []

# ---- Event bus (openedx-events) ----
EVENT_BUS_PRODUCER_CONFIG: dict[str, dict] = {}
EVENTS_SERVICE_NAME = None

# ---- Modulestore (§3.1) ----
# The CMS overrides this with 'draft-preferred'; the in-memory store reads it for its default branch.
MODULESTORE_BRANCH = "published-only"
# InheritanceMixin's default start for blocks and courses without one (historically 2030-01-01 UTC).
DEFAULT_START_DATE = datetime(2030, 1, 1, tzinfo=UTC)
CUSTOM_COURSES_EDX = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "tracking": {"handlers": [], "level": "INFO", "propagate": False},
        "": {"handlers": ["console"], "level": os.environ.get("OARS_TEST_LOG_LEVEL", "WARNING")},
    },
}
