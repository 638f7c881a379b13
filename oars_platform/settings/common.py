"""Defaults of every ``OARS_*`` setting, applied by the platform's ``add_plugins(..., SettingsType.COMMON)``.

The table :data:`SETTINGS` is the single declaration of each setting: its default and what it means. The
README's configuration table and a test that checks it are both derived from it, so a setting cannot be added
without being documented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One ``OARS_*`` setting: its name, default and a sentence for operators."""

    name: str
    default: Any
    doc: str


SETTINGS: tuple[Setting, ...] = (
    # ClickHouse connection and schema
    Setting(
        "OARS_CLICKHOUSE_URL",
        "",
        "Where ClickHouse is. `clickhouse://user:password@host:9000/?secure=false&verify=true` talks to a server over "
        "the native protocol (`clickhouses://` or `secure=true` for TLS); `chdb:///absolute/path` runs the embedded "
        "engine in-process (one process only: demo, tests, single-process installs). Empty means not configured.",
    ),
    Setting("OARS_CLICKHOUSE_CONNECT_TIMEOUT", 10, "Seconds to wait for a TCP connection to a ClickHouse server."),
    Setting("OARS_CLICKHOUSE_SEND_RECEIVE_TIMEOUT", 300, "Seconds a ClickHouse server may take to answer a query."),
    Setting(
        "OARS_CLICKHOUSE_CLUSTER",
        "",
        "ClickHouse cluster name. When set, every migration DDL runs `ON CLUSTER` with `Replicated*` engines.",
    ),
    Setting("OARS_XAPI_DATABASE", "xapi", "Database of the raw xAPI table `xapi_events_all` (Aspects-compatible)."),
    Setting(
        "OARS_EVENT_SINK_DATABASE",
        "event_sink",
        "Database of the course, block, enrollment, profile and external-id tables (Aspects-compatible).",
    ),
    Setting("OARS_DATABASE", "oars", "Database of our own tables: migrations ledger, derived tables, aggregates."),
    Setting(
        "OARS_DATA_TTL_MONTHS",
        0,
        "Retention of derived event tables in months (a TTL aligned to monthly partitions). 0 keeps data forever.",
    ),
    # xAPI transformation
    Setting(
        "OARS_LMS_ROOT_URL", None, "Root URL used in xAPI IRIs and actors. None means the platform's `LMS_ROOT_URL`."
    ),
    Setting(
        "OARS_XAPI_ACTOR_MODE",
        "external_id",
        "xAPI actor: `external_id` (anonymous account, default), `mbox` (mailto: email) or `mbox_sha1sum`.",
    ),
    Setting(
        "OARS_XAPI_ENABLED_EVENTS",
        None,
        "Allow-list of tracking event names to transform. None enables every supported event.",
    ),
    Setting(
        "OARS_PAGE_VIEWS_ENABLED",
        False,
        "Transform page-view server events (names under `/courses/`) into `viewed` statements. They are most of the "
        "tracking volume, so they are off by default.",
    ),
    Setting("OARS_MAX_EVENT_BYTES", 65536, "Tracking events larger than this (serialised) are quarantined."),
    Setting("OARS_LOOKUP_CACHE_TTL", 300, "Seconds an external id or course display name stays cached in a worker."),
    Setting("OARS_LOOKUP_CACHE_SIZE", 100_000, "Entries kept in each lookup cache (external ids, course names)."),
    # Real-time pipeline
    Setting(
        "OARS_TRACKING_BACKEND_ENABLED",
        True,
        "Add our eventtracking backend at the top level of `EVENT_TRACKING_BACKENDS` (the in-process path).",
    ),
    Setting(
        "OARS_TRACKING_SIGNAL_ENABLED",
        True,
        "Also take tracking events from openedx-events' `TRACKING_EVENT_EMITTED` (the event-bus path). An event "
        "arriving both ways is stored once.",
    ),
    Setting(
        "OARS_REDIS_URL",
        None,
        "Redis holding the durable event buffer (a stream with a consumer group). None uses the Celery broker "
        "(`BROKER_URL`, the platform's name, or `CELERY_BROKER_URL`) when that is a redis:// URL.",
    ),
    Setting("OARS_REDIS_KEY_PREFIX", "oars", "Prefix of the plugin's Redis keys (the stream is `<prefix>:tracking`)."),
    Setting("OARS_BATCH_SIZE", 1000, "Events per transform and insert; a drain starts at once when this many wait."),
    Setting(
        "OARS_BATCH_INTERVAL",
        2.0,
        "Seconds after the first buffered event before a drain runs anyway (a real timer: a quiet site's last events "
        "arrive within this delay).",
    ),
    Setting(
        "OARS_CLAIM_IDLE_SECONDS",
        60,
        "Events a worker took but did not acknowledge for this long (it died) are taken over by another drain.",
    ),
    Setting(
        "OARS_REDIS_REQUEST_TIMEOUT",
        0.05,
        "Seconds the request path waits for Redis (connect and answer) when it buffers a tracking event. Past it "
        "the event goes to the local spool and the request goes on.",
    ),
    Setting(
        "OARS_REDIS_RETRY_SECONDS",
        5.0,
        "After a failed append, the request path leaves Redis alone for this long (a circuit breaker: events go "
        "straight to the spool), and the spool retries its delivery at this interval.",
    ),
    Setting(
        "OARS_SPOOL_DIR",
        None,
        "Directory of the local spool: events the request path could not buffer in Redis, one file per process, "
        "appended to the stream once Redis is back. Use a persistent local directory shared by the host's LMS and "
        "Studio processes. None uses `<system temp dir>/oars-spool`.",
    ),
    Setting(
        "OARS_SPOOL_MAX_BYTES",
        64 * 1024 * 1024,
        "Bytes of spooled events each process keeps at most. Events past it are counted (`oars_status`, "
        "`check --deploy`) and recovered with `replay_tracking_logs`.",
    ),
    Setting(
        "OARS_CELERY_QUEUE",
        None,
        "Celery queue of every plugin task. None: each task runs on the default queue of the service that sent it "
        "(LMS workers: event drains, learner data, retirement; Studio workers: course dumps after a publish). When "
        "set, it must be in `CELERY_QUEUES` of the LMS and Studio, with workers consuming it (`check --deploy` "
        "fails otherwise).",
    ),
    Setting("OARS_TASK_MAX_RETRIES", 8, "Retries of a failed write (exponential backoff, jitter) before dead-letter."),
    Setting("OARS_RETRY_BACKOFF_MAX", 600, "Longest wait between two retries, in seconds."),
    Setting("OARS_QUARANTINE_RAW_MAX_BYTES", 16384, "Quarantined events keep at most this many bytes of raw text."),
    # Course structure
    Setting(
        "OARS_COURSE_DUMP_ENABLED",
        True,
        "Dump a course's overview and published blocks to ClickHouse when Studio publishes it (and its CCXs).",
    ),
    Setting(
        "OARS_COURSE_DUMP_DELAY",
        30,
        "Seconds a publish waits before its course is dumped; every publish of the course in that window is "
        "covered by one dump (debouncing). Needs a cache shared by Studio and the workers to coalesce.",
    ),
    Setting("OARS_COURSE_DUMP_BATCH_SIZE", 10_000, "Blocks per ClickHouse insert when a course is dumped."),
    Setting(
        "OARS_COURSE_DUMP_CACHE",
        "default",
        "Django cache alias holding the per-course publish counters used to debounce course dumps.",
    ),
    # Privacy
    Setting(
        "OARS_PII_ENABLED",
        False,
        "Write personal data (user profiles, external ids with usernames) to ClickHouse and show it in reports.",
    ),
)

DEFAULTS: dict[str, Any] = {setting.name: setting.default for setting in SETTINGS}


#: Name of our backend in ``EVENT_TRACKING_BACKENDS`` (top level, so it receives the raw event dict).
TRACKING_BACKEND_NAME = "oars"
TRACKING_BACKEND = {"ENGINE": "oars_platform.tracking.OarsTrackingBackend", "OPTIONS": {}}


def plugin_settings(settings: Any) -> None:
    """Give every ``OARS_*`` setting its default (keeping values the host set) and add our tracking backend."""
    for name, default in DEFAULTS.items():
        if not hasattr(settings, name):
            setattr(settings, name, default)
    backends = getattr(settings, "EVENT_TRACKING_BACKENDS", None)
    if isinstance(backends, dict) and settings.OARS_TRACKING_BACKEND_ENABLED:
        backends.setdefault(TRACKING_BACKEND_NAME, TRACKING_BACKEND)
