"""One typed view of the plugin's Django settings.

Everything else reads configuration through :func:`get_config`, never ``django.conf.settings`` directly, so the
names, types and validation of the ``OARS_*`` settings live in one place. Identifiers that end up in SQL
(database and cluster names) are validated here, at start-up, against a strict pattern.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from oars_platform.clickhouse.databases import Databases
from oars_platform.settings.common import DEFAULTS

#: ClickHouse identifiers we accept from settings: plain, unquoted names only, so they can never carry SQL.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")  # always fullmatch: `$` would let a trailing newline in
ACTOR_MODES = ("external_id", "mbox", "mbox_sha1sum")
#: Redis key prefixes and Celery queue names.
_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_HTTP_URL = re.compile(r"https?://[^\s/?#]+(?:/[^\s?#]*)?")
BOOLEANS = ("OARS_PAGE_VIEWS_ENABLED", "OARS_PII_ENABLED", "OARS_TRACKING_SIGNAL_ENABLED",
            "OARS_TRACKING_BACKEND_ENABLED", "OARS_COURSE_DUMP_ENABLED")


def validate_identifier(value: str, setting: str) -> str:
    """Return ``value`` if it is a safe ClickHouse identifier, else raise ImproperlyConfigured naming the setting."""
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        raise ImproperlyConfigured(
            f"{setting} must be a plain ClickHouse identifier (letters, digits, underscore; not starting with a "
            f"digit; at most 63 characters), got {value!r}."
        )
    return value


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
    redis_request_timeout: float = 0.05
    redis_retry_seconds: float = 5.0
    spool_dir: str = ""
    spool_max_bytes: int = 64 * 1024 * 1024


def _setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def build_config() -> OarsConfig:
    """Read and validate the settings (raises ImproperlyConfigured with the setting's name on a bad value)."""
    for name in BOOLEANS:
        _boolean(name)
    cluster = _setting("OARS_CLICKHOUSE_CLUSTER") or ""
    if cluster:
        validate_identifier(cluster, "OARS_CLICKHOUSE_CLUSTER")
    actor_mode = _setting("OARS_XAPI_ACTOR_MODE")
    if actor_mode not in ACTOR_MODES:
        raise ImproperlyConfigured(f"OARS_XAPI_ACTOR_MODE must be one of {', '.join(ACTOR_MODES)}, got {actor_mode!r}.")
    enabled = _setting("OARS_XAPI_ENABLED_EVENTS")
    if enabled is not None and (isinstance(enabled, str) or not all(isinstance(name, str) for name in enabled)):
        raise ImproperlyConfigured(f"OARS_XAPI_ENABLED_EVENTS must be None or a list of event names, got {enabled!r}.")
    lms_root = _setting("OARS_LMS_ROOT_URL") or getattr(settings, "LMS_ROOT_URL", "") or ""
    if lms_root and not _HTTP_URL.fullmatch(str(lms_root)):
        raise ImproperlyConfigured(f"OARS_LMS_ROOT_URL (or LMS_ROOT_URL) must be an http(s) URL, got {lms_root!r}.")
    ttl_months = _non_negative_int("OARS_DATA_TTL_MONTHS")
    queue = _setting("OARS_CELERY_QUEUE") or None
    if queue is not None and (not isinstance(queue, str) or not _NAME.fullmatch(queue)):
        raise ImproperlyConfigured(f"OARS_CELERY_QUEUE must be None or a queue name of [A-Za-z0-9_.:-], got {queue!r}.")
    cache = _setting("OARS_COURSE_DUMP_CACHE") or "default"
    if cache not in getattr(settings, "CACHES", {"default": None}):
        raise ImproperlyConfigured(f"OARS_COURSE_DUMP_CACHE must name one of the CACHES, got {cache!r}.")
    return OarsConfig(
        clickhouse_url=_clickhouse_url(),
        connect_timeout=_seconds("OARS_CLICKHOUSE_CONNECT_TIMEOUT", positive=True),
        send_receive_timeout=_seconds("OARS_CLICKHOUSE_SEND_RECEIVE_TIMEOUT", positive=True),
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
        max_event_bytes=_positive_int("OARS_MAX_EVENT_BYTES"),
        lookup_cache_ttl=_seconds("OARS_LOOKUP_CACHE_TTL"),
        lookup_cache_size=_positive_int("OARS_LOOKUP_CACHE_SIZE"),
        pii_enabled=bool(_setting("OARS_PII_ENABLED")),
        tracking_signal_enabled=bool(_setting("OARS_TRACKING_SIGNAL_ENABLED")),
        redis_url=_redis_url(),
        redis_key_prefix=_key_prefix(),
        batch_size=_positive_int("OARS_BATCH_SIZE"),
        batch_interval=_seconds("OARS_BATCH_INTERVAL", positive=True),
        claim_idle_seconds=_seconds("OARS_CLAIM_IDLE_SECONDS", positive=True),
        celery_queue=queue,
        max_retries=_non_negative_int("OARS_TASK_MAX_RETRIES"),
        retry_backoff_max=_seconds("OARS_RETRY_BACKOFF_MAX", positive=True),
        quarantine_raw_max_bytes=_positive_int("OARS_QUARANTINE_RAW_MAX_BYTES"),
        course_dump_enabled=bool(_setting("OARS_COURSE_DUMP_ENABLED")),
        course_dump_delay=_non_negative_float("OARS_COURSE_DUMP_DELAY"),
        course_dump_batch_size=_positive_int("OARS_COURSE_DUMP_BATCH_SIZE"),
        course_dump_cache=cache,
        redis_request_timeout=_seconds("OARS_REDIS_REQUEST_TIMEOUT", positive=True),
        redis_retry_seconds=_seconds("OARS_REDIS_RETRY_SECONDS", positive=True),
        spool_dir=_spool_dir(),
        spool_max_bytes=_positive_int("OARS_SPOOL_MAX_BYTES"),
    )


def _positive_int(name: str) -> int:
    value = _setting(name)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive integer, got {value!r}.")
    return value


def _non_negative_int(name: str) -> int:
    """An integer of 0 or more (booleans, floats and numeric strings refused)."""
    value = _setting(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ImproperlyConfigured(f"{name} must be an integer of 0 or more, got {value!r}.")
    return value


def _seconds(name: str, positive: bool = False) -> float:
    """A duration in seconds: a finite number, above 0 when ``positive`` (a zero timeout or interval spins)."""
    value = _setting(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0 \
            or (positive and value == 0):
        bound = "above 0" if positive else "0 or more"
        raise ImproperlyConfigured(f"{name} must be a number of seconds ({bound}), got {value!r}.")
    return float(value)


def _boolean(name: str) -> bool:
    """True or False, nothing else: bool("false") is True, and OARS_PII_ENABLED: "false" must not enable PII."""
    value = _setting(name)
    if not isinstance(value, bool):
        raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}.")
    return value


def _clickhouse_url() -> str:
    """OARS_CLICKHOUSE_URL: empty (the checks say so), clickhouse(s)://host..., or chdb:///absolute/path.

    The error shows the URL masked: a password never reaches a message.
    """
    from oars_platform.clickhouse import ClickHouseConfigError, mask_url
    from oars_platform.clickhouse.client import parse_url

    url = _setting("OARS_CLICKHOUSE_URL") or ""
    if not url:
        return ""
    if not isinstance(url, str):
        raise ImproperlyConfigured(f"OARS_CLICKHOUSE_URL must be a URL, got a {type(url).__name__}.")
    try:
        parse_url(url)
    except (ClickHouseConfigError, ValueError) as exc:
        raise ImproperlyConfigured(
            "OARS_CLICKHOUSE_URL must be clickhouse://user:password@host:9000/ (or clickhouses://) or "
            f"chdb:///absolute/path, got {mask_url(url)!r}."
        ) from exc
    return url


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
    if url and (not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://"))):
        from oars_platform.clickhouse import mask_url

        shown = mask_url(url) if isinstance(url, str) else type(url).__name__
        raise ImproperlyConfigured(f"OARS_REDIS_URL must be a redis://, rediss:// or unix:// URL, got {shown!r}.")
    if not url:
        broker = getattr(settings, "BROKER_URL", None) or getattr(settings, "CELERY_BROKER_URL", None) or ""
        if isinstance(broker, str) and broker.startswith(("redis://", "rediss://", "unix://")):
            url = broker
    return url


def _key_prefix() -> str:
    prefix = _setting("OARS_REDIS_KEY_PREFIX")
    if not isinstance(prefix, str) or not _NAME.fullmatch(prefix):
        raise ImproperlyConfigured(f"OARS_REDIS_KEY_PREFIX must be 1-64 of [A-Za-z0-9_.:-], got {prefix!r}.")
    return prefix


def _spool_dir() -> str:
    """OARS_SPOOL_DIR as an absolute path; None means a folder of the system's temporary directory."""
    import os
    import tempfile

    value = _setting("OARS_SPOOL_DIR")
    if value is None or value == "":
        return os.path.join(tempfile.gettempdir(), "oars-spool")
    if not isinstance(value, str) or not os.path.isabs(value) or "\x00" in value:
        raise ImproperlyConfigured(f"OARS_SPOOL_DIR must be None or an absolute directory path, got {value!r}.")
    return value
