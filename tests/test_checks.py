"""The Django system checks: each failure has its own clear message, and no message shows a password."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from oars_platform.checks import check_clickhouse, check_settings
from tests.servers import free_port


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_all_good_when_configured_reachable_and_migrated(clickhouse) -> None:
    assert check_clickhouse() == []


def test_missing_url(settings) -> None:
    settings.OARS_CLICKHOUSE_URL = ""
    assert check_clickhouse() == []  # the deploy check leaves it to the settings check
    messages = check_settings()
    assert ids(messages) == ["oars.E001"]
    assert "OARS_CLICKHOUSE_URL is not set" in messages[0].msg


def test_unreachable_server_masks_the_password(settings) -> None:
    settings.OARS_CLICKHOUSE_URL = f"clickhouse://oars:topsecret@127.0.0.1:{free_port()}/default"
    settings.OARS_CLICKHOUSE_CONNECT_TIMEOUT = 1
    messages = check_clickhouse()
    assert ids(messages) == ["oars.E002"]
    assert "topsecret" not in messages[0].msg
    assert "oars:***@127.0.0.1" in messages[0].msg


def test_pending_migrations_are_listed_with_the_command_to_run(settings, clickhouse) -> None:
    settings.OARS_DATABASE = clickhouse.databases.oars + "_fresh"
    messages = check_clickhouse()
    assert ids(messages) == ["oars.E004"]
    assert "0001_create_databases" in messages[0].msg
    assert "migrate_clickhouse" in messages[0].hint


def test_edited_migration_is_a_warning(clickhouse) -> None:
    clickhouse.client.execute(
        f"ALTER TABLE {clickhouse.migrator.ledger} UPDATE checksum = 'x' WHERE version = 3 SETTINGS mutations_sync = 1"
    )
    messages = check_clickhouse()
    assert ids(messages) == ["oars.W001"]
    assert "0003_create_event_sink_course_tables" in messages[0].msg


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("OARS_XAPI_DATABASE", "xapi; DROP DATABASE x"),
        ("OARS_DATABASE", "1oars"),
        ("OARS_EVENT_SINK_DATABASE", "event-sink"),
        ("OARS_CLICKHOUSE_CLUSTER", "main`--"),
        ("OARS_XAPI_ACTOR_MODE", "username"),
    ],
)
def test_hostile_or_wrong_settings_are_rejected_by_name(settings, setting: str, value: str) -> None:
    setattr(settings, setting, value)
    messages = check_settings()
    assert ids(messages) == ["oars.E000"]
    assert setting in messages[0].msg


def test_manage_py_check_fails_with_our_message(settings) -> None:
    settings.OARS_CLICKHOUSE_URL = ""
    with pytest.raises(SystemCheckError, match="OARS_CLICKHOUSE_URL is not set"):
        call_command("check", tags=["oars"])


def test_deploy_check_reports_pending_migrations(settings, clickhouse) -> None:
    settings.OARS_DATABASE = clickhouse.databases.oars + "_unmigrated"
    call_command("check", tags=["oars"])  # ordinary checks do not contact ClickHouse
    with pytest.raises(SystemCheckError, match="not applied"):
        call_command("check", tags=["oars"], deploy=True)


def test_settings_check_is_clean_when_configured(clickhouse) -> None:
    assert check_settings() == []


def test_a_queue_no_worker_consumes_fails_the_deploy_check(settings, clickhouse) -> None:
    settings.OARS_CELERY_QUEUE = "oars.analytics"
    with pytest.raises(SystemCheckError, match=r"OARS_CELERY_QUEUE is 'oars.analytics', which is not in CELERY_QUEUES"):
        call_command("check", deploy=True, tags=["oars"])
    settings.CELERY_QUEUES = {**settings.CELERY_QUEUES, "oars.analytics": {}}
    call_command("check", deploy=True, tags=["oars"])
    settings.OARS_CELERY_QUEUE = None  # unset: the service's default queue, always consumed
    call_command("check", deploy=True, tags=["oars"])
