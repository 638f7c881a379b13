"""The one delivery policy (retries, backoff, dead letters) and the registry that replays every dead-letter kind."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from io import StringIO

import pytest
from celery import current_app
from celery.signals import task_retry
from django.core.management import call_command
from django.core.management.base import CommandError

from oars_platform.buffer import get_buffer
from oars_platform.dead_letters import KINDS, REPLAYS, replays
from oars_platform.delivery import DeliveryPolicy, delivery_policy
from oars_platform.drain import drain
from oars_platform.models import DeadLetter
from oars_platform.tasks.base import OarsTask
from oars_platform.tasks.retirement import retire_user
from tests.dead_letters import clickhouse_down, replay, replay_fails, waiting


def _event_text() -> str:
    """A play_video of a fixture learner, as the tracking backend appends it to the buffer."""
    return json.dumps(
        {
            "name": "play_video",
            "timestamp": dt.datetime(2024, 6, 1, 8, 0, tzinfo=dt.UTC).isoformat(),
            "context": {
                "user_id": 6,
                "course_id": "course-v1:edX+DemoX+Demo_Course",
                "org_id": "edX",
                "path": "/event",
            },
            "data": {"id": "abc", "currentTime": 3, "duration": 60},
        }
    )


def test_backoff_grows_with_the_attempt_up_to_the_cap() -> None:
    policy = DeliveryPolicy(max_retries=8, backoff_max=10.0, jitter=False)
    assert [policy.backoff(attempt) for attempt in range(1, 7)] == [2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert DeliveryPolicy(max_retries=8, backoff_max=0.1, jitter=False).backoff(3) == 0.5, "never sooner than that"


def test_backoff_is_jittered_between_the_floor_and_the_ceiling() -> None:
    policy = DeliveryPolicy(max_retries=8, backoff_max=10.0)
    draws = {attempt: [policy.backoff(attempt) for _ in range(300)] for attempt in range(1, 7)}
    for attempt, waits in draws.items():
        assert all(policy.backoff_min <= wait <= min(10.0, 2.0**attempt) for wait in waits)
        assert len(set(waits)) > 250, "jittered: workers failing together do not come back together"
    means = [statistics.fmean(draws[attempt]) for attempt in range(1, 7)]
    assert means[0] < means[1] < means[2] < means[3], "grows with the attempt"
    assert max(max(waits) for waits in draws.values()) <= 10.0, "capped"


def test_the_policy_is_read_from_the_settings_when_used(settings) -> None:
    settings.OARS_TASK_MAX_RETRIES = 3
    settings.OARS_RETRY_BACKOFF_MAX = 7
    assert delivery_policy() == DeliveryPolicy(max_retries=3, backoff_max=7.0)
    assert retire_user.max_retries == 3
    assert not delivery_policy().exhausted(3) and delivery_policy().exhausted(4)
    settings.OARS_TASK_MAX_RETRIES = 5
    assert retire_user.max_retries == 5


def test_tasks_and_the_drain_wait_what_the_policy_says(clickhouse, fixture_world, settings, monkeypatch) -> None:
    # A recognisable backoff: the waits seen below can only come from the policy.
    monkeypatch.setattr(DeliveryPolicy, "backoff", lambda self, attempt: 100.0 + attempt)
    clickhouse_down(settings)
    settings.OARS_TASK_MAX_RETRIES = 2
    settings.CELERY_EAGER_PROPAGATES_EXCEPTIONS = False

    waits: list[float] = []

    def on_retry(sender, reason, **kwargs) -> None:
        waits.append(reason.when)

    task_retry.connect(on_retry, weak=False)
    try:
        retire_user.apply(args=(4242,))
    finally:
        task_retry.disconnect(on_retry)
    assert waits == [101.0, 102.0], "Celery's retries, with the policy's waits"

    buffer = get_buffer()
    buffer.append(_event_text(), "tracking", 60)
    reports = [drain(buffer, claim_idle=0) for _ in range(3)]
    assert [report.retry_in for report in reports] == [101.0, 102.0, 101.0]
    assert [report.dead_lettered for report in reports] == [0, 0, 1]
    assert sorted(DeadLetter.objects.values_list("kind", "attempts")) == [
        (DeadLetter.KIND_RETIREMENT, 3),
        (DeadLetter.KIND_TRACKING, 3),
    ]


def test_every_kind_has_one_replay_and_every_task_names_one() -> None:
    assert set(REPLAYS) == set(KINDS)
    ours = [task for name, task in current_app.tasks.items() if name.startswith("oars_platform.")]
    assert len(ours) >= 6
    for task in ours:
        if isinstance(task, OarsTask):
            assert task.dead_letter_kind in REPLAYS, task.name
    with pytest.raises(ValueError, match="already replay"):
        replays(DeadLetter.KIND_TRACKING)(lambda payload: {})
    with pytest.raises(ValueError, match="not a dead-letter kind"):
        replays("postcards")


def test_a_tracking_dead_letter_replays_by_kind(clickhouse, fixture_world, settings) -> None:
    good_url = clickhouse_down(settings)
    settings.OARS_TASK_MAX_RETRIES = 0
    buffer = get_buffer()
    buffer.append(_event_text(), "tracking", 60)
    assert drain(buffer, claim_idle=0).dead_lettered == 1
    (letter,) = DeadLetter.objects.all()
    assert letter.kind == DeadLetter.KIND_TRACKING and letter.item_count == 1
    assert waiting(DeadLetter.KIND_TRACKING) == 1

    assert f"#{letter.id} (tracking)" in replay_fails(DeadLetter.KIND_TRACKING)
    letter.refresh_from_db()
    assert letter.replayed_at is None, "still to do"
    assert replay(DeadLetter.KIND_COURSE_DUMP).strip() == "No dead letters to replay.", "another kind"

    settings.OARS_CLICKHOUSE_URL = good_url
    out = replay(DeadLetter.KIND_TRACKING)
    assert f"replayed #{letter.id} (tracking): 1 statements written, 0 quarantined, 1 events" in out
    assert "Replayed 1 dead letter(s): 1 statements written" in out
    assert clickhouse.count("xapi.xapi_events_all") == 1
    letter.refresh_from_db()
    assert letter.replayed_at is not None
    assert waiting(DeadLetter.KIND_TRACKING) == 0
    assert replay(DeadLetter.KIND_TRACKING).strip() == "No dead letters to replay."


def test_dry_run_and_bad_kinds(db) -> None:
    letter = DeadLetter.objects.create(
        kind=DeadLetter.KIND_RETIREMENT,
        task_name="oars_platform.retire_user",
        reason="ClickHouseUnavailable: x",
        payload={"user_id": 7},
        item_count=1,
        attempts=9,
    )
    out = StringIO()
    call_command("replay_failed_events", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        f"would replay #{letter.id} (retirement): 1 item(s), 9 attempt(s) (ClickHouseUnavailable: x)",
        "Would replay 1 dead letter(s).",
    ]
    letter.refresh_from_db()
    assert letter.replayed_at is None
    with pytest.raises(CommandError, match="invalid choice: 'postcards'"):
        call_command("replay_failed_events", "--kind", "postcards")
