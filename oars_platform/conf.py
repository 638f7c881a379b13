"""One typed view of the plugin's Django settings.

Everything else reads configuration through :func:`get_config`, never ``django.conf.settings`` directly, so the
names, types and validation of the ``OARS_*`` settings live in one place. Identifiers that end up in SQL
(database and cluster names) are validated here, at start-up, against a strict pattern.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from oars_platform.settings.common import DEFAULTS

#: ClickHouse identifiers we accept from settings: plain, unquoted names only, so they can never carry SQL.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
ACTOR_MODES = ("external_id", "mbox", "mbox_sha1sum")


def validate_identifier(value: str, setting: str) -> str:
    """Return ``value`` if it is a safe ClickHouse identifier, else raise ImproperlyConfigured naming the setting."""
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise ImproperlyConfigured(
            f"{setting} must be a plain ClickHouse identifier (letters, digits, underscore; not starting with a "
            f"digit; at most 63 characters), got {value!r}."
        )
    return value


@dataclass(frozen=True)
class Databases:
    """The three ClickHouse databases we write, by role."""

    xapi: str
    event_sink: str
    oars: str


@dataclass(frozen=True)
class OarsConfig:
    """The validated ``OARS_*`` settings."""

    clickhouse_url: str
    connect_timeout: float
    send_receive_timeout: float
    cluster: str
    databases: Databases
    data_ttl_months: int
    lms_root_url: str
    actor_mode: str
    enabled_events: frozenset[str] | None
    page_views_enabled: bool
    max_event_bytes: int
    lookup_cache_ttl: float
    lookup_cache_size: int
    pii_enabled: bool
    tracking_signal_enabled: bool
    redis_url: str
    redis_key_prefix: str
    batch_size: int
    batch_interval: float
    claim_idle_seconds: float
    celery_queue: str | None
    max_retries: int
    retry_backoff_max: float
    quarantine_raw_max_bytes: int
    course_dump_enabled: bool = True
    course_dump_delay: float = 30.0
    course_dump_batch_size: int = 10_000
    course_dump_cache: str = "default"


def _setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def build_config() -> OarsConfig:
    """Read and validate the settings (raises ImproperlyConfigured with the setting's name on a bad value)."""
    cluster = _setting("OARS_CLICKHOUSE_CLUSTER") or ""
    if cluster:
        validate_identifier(cluster, "OARS_CLICKHOUSE_CLUSTER")
    actor_mode = _setting("OARS_XAPI_ACTOR_MODE")
    if actor_mode not in ACTOR_MODES:
        raise ImproperlyConfigured(f"OARS_XAPI_ACTOR_MODE must be one of {', '.join(ACTOR_MODES)}, got {actor_mode!r}.")
    enabled = _setting("OARS_XAPI_ENABLED_EVENTS")
    lms_root = _setting("OARS_LMS_ROOT_URL") or getattr(settings, "LMS_ROOT_URL", "") or ""
    ttl_months = int(_setting("OARS_DATA_TTL_MONTHS") or 0)
    if ttl_months < 0:
        raise ImproperlyConfigured("OARS_DATA_TTL_MONTHS must be 0 (keep forever) or a positive number of months.")
    return OarsConfig(
        clickhouse_url=_setting("OARS_CLICKHOUSE_URL") or "",
        connect_timeout=float(_setting("OARS_CLICKHOUSE_CONNECT_TIMEOUT")),
        send_receive_timeout=float(_setting("OARS_CLICKHOUSE_SEND_RECEIVE_TIMEOUT")),
        cluster=cluster,
        databases=Databases(
            xapi=validate_identifier(_setting("OARS_XAPI_DATABASE"), "OARS_XAPI_DATABASE"),
            event_sink=validate_identifier(_setting("OARS_EVENT_SINK_DATABASE"), "OARS_EVENT_SINK_DATABASE"),
            oars=validate_identifier(_setting("OARS_DATABASE"), "OARS_DATABASE"),
        ),
        data_ttl_months=ttl_months,
        lms_root_url=lms_root.rstrip("/"),
        actor_mode=actor_mode,
        enabled_events=frozenset(enabled) if enabled is not None else None,
        page_views_enabled=bool(_setting("OARS_PAGE_VIEWS_ENABLED")),
        max_event_bytes=int(_setting("OARS_MAX_EVENT_BYTES")),
        lookup_cache_ttl=float(_setting("OARS_LOOKUP_CACHE_TTL")),
        lookup_cache_size=int(_setting("OARS_LOOKUP_CACHE_SIZE")),
        pii_enabled=bool(_setting("OARS_PII_ENABLED")),
        tracking_signal_enabled=bool(_setting("OARS_TRACKING_SIGNAL_ENABLED")),
        redis_url=_redis_url(),
        redis_key_prefix=_key_prefix(),
        batch_size=_positive_int("OARS_BATCH_SIZE"),
        batch_interval=float(_setting("OARS_BATCH_INTERVAL")),
        claim_idle_seconds=float(_setting("OARS_CLAIM_IDLE_SECONDS")),
        celery_queue=_setting("OARS_CELERY_QUEUE") or None,
        max_retries=int(_setting("OARS_TASK_MAX_RETRIES")),
        retry_backoff_max=float(_setting("OARS_RETRY_BACKOFF_MAX")),
        quarantine_raw_max_bytes=_positive_int("OARS_QUARANTINE_RAW_MAX_BYTES"),
        course_dump_enabled=bool(_setting("OARS_COURSE_DUMP_ENABLED")),
        course_dump_delay=_non_negative_float("OARS_COURSE_DUMP_DELAY"),
        course_dump_batch_size=_positive_int("OARS_COURSE_DUMP_BATCH_SIZE"),
        course_dump_cache=str(_setting("OARS_COURSE_DUMP_CACHE") or "default"),
    )


def _positive_int(name: str) -> int:
    value = _setting(name)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive integer, got {value!r}.")
    return value


def _non_negative_float(name: str) -> float:
    value = _setting(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ImproperlyConfigured(f"{name} must be a number of seconds (0 or more), got {value!r}.")
    return float(value)


@functools.cache
def get_config() -> OarsConfig:
    """The current configuration, built once per process and rebuilt when a test overrides a setting."""
    return build_config()


@receiver(setting_changed)
def _forget_config(setting: str, **kwargs) -> None:
    if setting.startswith("OARS_") or setting == "LMS_ROOT_URL":
        get_config.cache_clear()


def _redis_url() -> str:
    """OARS_REDIS_URL, else the Celery broker when it is Redis; empty when neither (the checks say so)."""
    url = _setting("OARS_REDIS_URL") or ""
    if not url:
        broker = getattr(settings, "CELERY_BROKER_URL", None) or getattr(settings, "BROKER_URL", None) or ""
        if isinstance(broker, str) and broker.startswith(("redis://", "rediss://", "unix://")):
            url = broker
    return url


def _key_prefix() -> str:
    prefix = _setting("OARS_REDIS_KEY_PREFIX")
    if not isinstance(prefix, str) or not re.match(r"^[A-Za-z0-9_.:-]{1,64}$", prefix):
        raise ImproperlyConfigured(f"OARS_REDIS_KEY_PREFIX must be 1-64 of [A-Za-z0-9_.:-], got {prefix!r}.")
    return prefix
