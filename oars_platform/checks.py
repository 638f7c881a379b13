"""Django system checks: ClickHouse configured and reachable, its schema up to date, Redis reachable.

The settings are validated on every ``manage.py`` run (cheap, no I/O); reaching ClickHouse and reading its migration
ledger, and reaching the event buffer's Redis, are deployment checks (``./manage.py lms check --deploy --tag oars``),
so ordinary commands do not open connections (the embedded engine even allows a single process per data path).
Every deployment check is bounded by ``OARS_CLICKHOUSE_CONNECT_TIMEOUT`` (the handshake and the queries too): a
check that hangs on a server that accepts connections and never answers would hang a deployment. Messages name
the setting or command that fixes the problem and show the URL masked, never the password.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from oars_platform.clickhouse import ClickHouseError, from_url, mask_url
from oars_platform.privacy import mask_secrets

TAG = "oars"


@checks.register(TAG)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every ``OARS_*`` setting valid and a ClickHouse URL configured."""
    from oars_platform.conf import build_config

    try:
        config = build_config()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="oars.E000")]
    if not config.clickhouse_url:
        return [
            checks.Error(
                "OARS_CLICKHOUSE_URL is not set.",
                hint="Set it to clickhouse://user:password@host:9000/ for a server or chdb:///path for the "
                "embedded engine.",
                id="oars.E001",
            )
        ]
    if not config.redis_url:
        return [
            checks.Error(
                "No Redis for the event buffer: set OARS_REDIS_URL (or use a redis:// CELERY_BROKER_URL).",
                hint="Tracking events wait in a Redis stream until a worker has written them to ClickHouse.",
                id="oars.E005",
            )
        ]
    return []


@checks.register(TAG, deploy=True)
def check_clickhouse(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """ClickHouse reachable, every migration applied and unchanged (after the settings check passes)."""
    from oars_platform.clickhouse.ddl import Topology
    from oars_platform.clickhouse.migrator import Migrator
    from oars_platform.conf import build_config

    if check_settings():
        return []  # reported by check_settings
    config = build_config()
    shown = mask_url(config.clickhouse_url)
    try:
        client = from_url(
            config.clickhouse_url,
            connect_timeout=config.connect_timeout,
            send_receive_timeout=config.connect_timeout,
        )
        client.server_version()
    except ClickHouseError as exc:
        return [
            checks.Error(
                f"ClickHouse at {shown} is not usable: {mask_secrets(str(exc))}",
                hint="Check OARS_CLICKHOUSE_URL, the server and the network.",
                id="oars.E002",
            )
        ]
    try:
        migrator = Migrator(client, config.databases, Topology(config.cluster))
        pending = migrator.pending()
        changed = migrator.changed()
    except ClickHouseError as exc:
        return [checks.Error(f"Cannot read the migration ledger at {shown}: {mask_secrets(str(exc))}", id="oars.E003")]
    finally:
        client.close()
    messages: list[checks.CheckMessage] = []
    if pending:
        names = ", ".join(migration.name for migration in pending)
        messages.append(
            checks.Error(
                f"{len(pending)} ClickHouse migration(s) not applied at {shown}: {names}",
                hint="Run ./manage.py lms migrate_clickhouse (or cms).",
                id="oars.E004",
            )
        )
    if changed:
        names = ", ".join(migration.name for migration in changed)
        messages.append(
            checks.Warning(
                f"Applied ClickHouse migration(s) changed since they ran: {names}",
                hint="Migrations are history: add a new migration instead of editing an applied one.",
                id="oars.W001",
            )
        )
    return messages



@checks.register(TAG, deploy=True)
def check_redis(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The event buffer's Redis answers (after the settings check passes): without it every event is dropped."""
    from oars_platform.conf import build_config
    from oars_platform.redis_probe import RedisUnreachable, probe_buffer

    if check_settings():
        return []  # reported by check_settings
    config = build_config()
    try:
        probe_buffer(config.redis_url, config.redis_key_prefix, config.connect_timeout)
    except RedisUnreachable as exc:
        return [
            checks.Error(
                str(exc),
                hint="Check OARS_REDIS_URL (or CELERY_BROKER_URL), the Redis server and the network: tracking "
                "events are buffered there, and lost while it cannot be reached.",
                id="oars.E008",
            )
        ]
    return []


@checks.register(TAG, deploy=True)
def check_celery_queue(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A configured ``OARS_CELERY_QUEUE`` is one this service's workers consume (``CELERY_QUEUES``)."""
    from django.conf import settings

    from oars_platform.conf import build_config
    from oars_platform.platform.celery import declared_queues

    try:
        queue = build_config().celery_queue
    except ImproperlyConfigured:
        return []  # reported by check_settings
    declared = declared_queues(settings)
    if not queue or declared is None or queue in declared:
        return []
    return [
        checks.Error(
            f"OARS_CELERY_QUEUE is {queue!r}, which is not in CELERY_QUEUES ({', '.join(sorted(declared)) or 'none'}): "
            "no worker of this service would ever run the plugin's tasks.",
            hint="Add the queue to CELERY_QUEUES (and start workers with -Q for it) in both the LMS and Studio, or "
            "unset OARS_CELERY_QUEUE so each task runs on the default queue of the service that sent it.",
            id="oars.E014",
        )
    ]


@checks.register(TAG, deploy=True)
def check_spool_drops(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Tracking events the local spools could not keep: lost from the live path, still in the tracking logs.

    They were dropped while Redis was away and a spool was full; the warning stays until the operator replayed the
    logs of the window it names and cleared the count.
    """
    from oars_platform.spool import RECOVERY, dropped_summary

    if check_settings():
        return []
    try:
        summary = dropped_summary()
    except Exception:  # Redis unreachable: the Redis check says so
        return []
    if not summary.count:
        return []
    return [
        checks.Warning(
            f"{summary.count} tracking events were dropped from the live pipeline between {summary.first} and "
            f"{summary.last} UTC: Redis was unreachable and the local spool was full (OARS_SPOOL_MAX_BYTES).",
            hint=f"They are in the tracking logs: run ./manage.py lms {RECOVERY} on the logs of that window "
            "(replaying stores nothing twice), then ./manage.py lms oars_status --clear-spool-drops.",
            id="oars.W010",
        )
    ]
