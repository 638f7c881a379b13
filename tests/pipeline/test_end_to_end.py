"""Tracking events from the platform's own machinery to ClickHouse: eventtracking and openedx-events, Celery.

Celery runs eagerly here (same process, so the embedded engine is shared); the real worker processes over Redis
are in test_worker.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from eventtracking.django.django_tracker import DjangoTracker
from openedx_events.analytics.data import TrackingLogData
from openedx_events.analytics.signals import TRACKING_EVENT_EMITTED

from oars_platform.ingest import transform
from oars_platform.models import DeadLetter
from oars_platform.tracking import OarsTrackingBackend, encode_event
from tests.pipeline.conftest import fixture_event_texts
from tests.servers import free_port

CONTEXT = {
    "user_id": 6,
    "course_id": "course-v1:edX+DemoX+Demo_Course",
    "org_id": "edX",
    "path": "/event",
    "session": "056aca2a1e6a1d4e3a5f39e3d54e7ccb",
}


def live_event(name: str, data: dict, when: dt.datetime) -> dict:
    return {"name": name, "timestamp": when, "context": dict(CONTEXT), "data": data}


def stored(clickhouse) -> list[dict]:
    rows = clickhouse.client.query(
        f"SELECT toString(event_id) AS id, event FROM `{clickhouse.databases.xapi}`.xapi_events_all FINAL"
    ).dicts()
    return sorted(rows, key=lambda row: row["id"])


def test_the_plugin_backend_is_a_top_level_eventtracking_backend(settings) -> None:
    assert settings.EVENT_TRACKING_BACKENDS["oars"]["ENGINE"] == "oars_platform.tracking.OarsTrackingBackend"
    assert isinstance(DjangoTracker().backends["oars"], OarsTrackingBackend)


def test_an_event_emitted_by_eventtracking_lands_in_clickhouse(clickhouse, fixture_world) -> None:
    tracker = DjangoTracker()
    with tracker.context("edx.request", dict(CONTEXT)):
        tracker.emit(
            "play_video",
            {"id": "0b9e39477cf34507a7a48f74be381fdd", "currentTime": 23.4, "code": "html5", "duration": 195.0},
        )
    (row,) = stored(clickhouse)
    statement = json.loads(row["event"])
    assert statement["verb"]["id"] == "https://w3id.org/xapi/video/verbs/played"
    assert statement["object"]["id"].endswith("+type@video+block@0b9e39477cf34507a7a48f74be381fdd")
    assert statement["context"]["contextActivities"]["parent"][0]["definition"]["name"] == {
        "en-US": "Demonstration Course"
    }


def test_events_the_plugin_does_not_transform_are_not_enqueued(clickhouse, fixture_world) -> None:
    tracker = DjangoTracker()
    backend = tracker.backends["oars"]
    with tracker.context("edx.request", dict(CONTEXT)):
        tracker.emit("edx.bi.some.marketing.event", {"x": 1})
        tracker.emit("/courses/course-v1:edX+DemoX+Demo_Course/courseware/", {})  # page views are off by default
    assert backend.stats["ignored"] == 2
    assert clickhouse.count("xapi.xapi_events_all") == 0
    assert clickhouse.count("oars.quarantine") == 0


def test_page_views_flow_when_switched_on(clickhouse, fixture_world, settings) -> None:
    settings.OARS_PAGE_VIEWS_ENABLED = True
    tracker = DjangoTracker()
    context = dict(CONTEXT, path="/courses/course-v1:edX+DemoX+Demo_Course/courseware/")
    with tracker.context("edx.request", context):
        tracker.emit("/courses/course-v1:edX+DemoX+Demo_Course/courseware/", {"GET": {}, "POST": {}})
    (row,) = stored(clickhouse)
    assert json.loads(row["event"])["verb"]["id"] == "http://id.tincanapi.com/verb/viewed"


def test_the_event_bus_signal_path_lands_the_same_statement(clickhouse, fixture_world) -> None:
    when = dt.datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)
    data = {"id": "0b9e39477cf34507a7a48f74be381fdd", "currentTime": 1.5, "code": "html5", "duration": 195.0}
    TRACKING_EVENT_EMITTED.send_event(
        tracking_log=TrackingLogData(
            name="pause_video", timestamp=when, data=json.dumps(data), context=json.dumps(CONTEXT)
        )
    )
    (row,) = stored(clickhouse)
    (expected,) = transform([encode_event(live_event("pause_video", data, when))]).statements
    assert row["id"] == expected.id


def test_an_event_delivered_by_both_paths_is_stored_once(clickhouse, fixture_world) -> None:
    when = dt.datetime(2024, 5, 1, 10, 0, 0, 654321, tzinfo=dt.UTC)
    data = {"id": "0b9e39477cf34507a7a48f74be381fdd", "currentTime": 7.0, "code": "html5", "duration": 195.0}
    DjangoTracker().backends["oars"].send(live_event("play_video", data, when))
    TRACKING_EVENT_EMITTED.send_event(
        tracking_log=TrackingLogData(
            name="play_video", timestamp=when, data=json.dumps(data), context=json.dumps(CONTEXT)
        )
    )
    assert len(stored(clickhouse)) == 1
    written = clickhouse.client.query(
        f"SELECT sum(events) FROM `{clickhouse.databases.oars}`.ingest_totals WHERE outcome = 'written'"
    ).scalar()
    assert written == 1  # both deliveries were processed; one statement is stored, and counted


def test_every_fixture_event_lands_once_through_the_backend(clickhouse, fixture_world, shared_dir) -> None:
    backend = DjangoTracker().backends["oars"]
    texts = fixture_event_texts(shared_dir)
    for text in texts.values():
        event = json.loads(text)
        backend.send(event)
    expected = sorted(statement.id for statement in transform(list(texts.values())).statements)
    assert [row["id"] for row in stored(clickhouse)] == sorted(set(expected))


def test_the_request_path_never_raises(monkeypatch, fixture_world) -> None:
    from oars_platform.buffer import EventBuffer

    def redis_down(*args, **kwargs):
        raise ConnectionError("redis unreachable")

    monkeypatch.setattr(EventBuffer, "append", redis_down)
    backend = OarsTrackingBackend()
    backend.send(live_event("play_video", {"id": "x"}, dt.datetime.now(dt.UTC)))
    backend.send({"name": object(), "timestamp": "garbage"})  # not even a string name
    assert backend.stats["spooled"] == 1  # Redis refused it: it waits in the local spool
    assert backend.stats["failed"] == 0
    assert backend.stats["ignored"] == 1


def test_clickhouse_down_means_retries_then_a_dead_letter_then_a_replay(clickhouse, fixture_world, settings):
    from oars_platform.buffer import get_buffer
    from oars_platform.drain import drain

    good_url = settings.OARS_CLICKHOUSE_URL
    settings.OARS_CLICKHOUSE_URL = f"clickhouse://oars:pw@127.0.0.1:{free_port()}/default"
    settings.OARS_CLICKHOUSE_CONNECT_TIMEOUT = 0.5
    settings.OARS_TASK_MAX_RETRIES = 2
    when = dt.datetime(2024, 6, 1, 8, 0, tzinfo=dt.UTC)
    DjangoTracker().backends["oars"].send(
        live_event("play_video", {"id": "abc", "currentTime": 3, "duration": 60}, when)
    )

    # The first delivery failed in the request's eager drain; each retry is one more delivery of the same entry.
    buffer = get_buffer()
    assert buffer.depth() == 1
    reports = [drain(buffer, claim_idle=0) for _ in range(2)]
    assert [report.dead_lettered for report in reports] == [0, 1]
    assert all("ClickHouseUnavailable" in report.failed for report in reports)
    assert buffer.depth() == 0  # moved out of the buffer, into the dead-letter store

    (letter,) = DeadLetter.objects.all()
    assert letter.attempts == 3  # the first try and two retries
    assert letter.item_count == 1
    assert "ClickHouseUnavailable" in letter.reason
    assert "pw@" not in letter.reason
    assert clickhouse.count("xapi.xapi_events_all") == 0

    settings.OARS_CLICKHOUSE_URL = good_url
    out = StringIO()
    call_command("replay_failed_events", stdout=out)
    assert "Replayed 1 dead letter(s): 1 statements written" in out.getvalue()
    assert clickhouse.count("xapi.xapi_events_all") == 1
    letter.refresh_from_db()
    assert letter.replayed_at is not None
    out = StringIO()
    call_command("replay_failed_events", stdout=out)
    assert out.getvalue().strip() == "No dead letters to replay."


def test_a_backoff_that_outlives_the_outage_lands_everything(clickhouse, fixture_world, settings):
    from oars_platform.buffer import get_buffer
    from oars_platform.drain import drain

    good_url = settings.OARS_CLICKHOUSE_URL
    settings.OARS_CLICKHOUSE_URL = f"clickhouse://oars:pw@127.0.0.1:{free_port()}/default"
    settings.OARS_CLICKHOUSE_CONNECT_TIMEOUT = 0.5
    backend = DjangoTracker().backends["oars"]
    for second in range(5):
        when = dt.datetime(2024, 6, 1, 8, 0, second, tzinfo=dt.UTC)
        backend.send(live_event("play_video", {"id": "abc", "currentTime": second, "duration": 60}, when))
    assert get_buffer().depth() == 5
    settings.OARS_CLICKHOUSE_URL = good_url
    report = drain(get_buffer(), claim_idle=0)
    assert (report.events, report.statements, report.failed) == (5, 5, None)
    assert get_buffer().depth() == 0
    assert clickhouse.count("xapi.xapi_events_all") == 5


def test_oars_status_reports_every_fact(clickhouse, fixture_world, shared_dir) -> None:
    texts = fixture_event_texts(shared_dir)
    backend = DjangoTracker().backends["oars"]
    for text in texts.values():
        backend.send(json.loads(text))
    reference = transform(list(texts.values()))
    expected_rejections = Counter(str(rejection.reason) for rejection in reference.rejections)
    backend.send({"name": "play_video", "timestamp": "not a time", "context": CONTEXT, "data": {}})
    out = StringIO()
    call_command("oars_status", "--json", stdout=out)
    status = json.loads(out.getvalue())
    distinct: dict[str, set[str]] = {}
    for statement in reference.statements:  # two fixture events (live and log shape) may give one statement
        distinct.setdefault(statement.event_name, set()).add(str(statement.id))
    assert status["statements_by_event"] == {name: len(ids) for name, ids in distinct.items()}
    assert set().union(*distinct.values()) == {row["id"] for row in stored(clickhouse)}
    assert status["quarantine_by_reason"] == dict(expected_rejections + Counter({"bad_timestamp": 1}))
    assert status["dead_letters"] == 0
    assert status["queue_depth"] == 0
    assert status["last_event_time"] is not None
    assert status["errors"] == []
    out = StringIO()
    call_command("oars_status", stdout=out)
    lines = out.getvalue().splitlines()
    assert f"quarantined bad_timestamp: {expected_rejections['bad_timestamp'] + 1}" in lines
    assert any(line.startswith("lag seconds: ") for line in lines)


@pytest.mark.parametrize("shape", ["live", "log"])
def test_timestamps_are_encoded_as_the_tracking_log_writes_them(shape: str) -> None:
    when = dt.datetime(2024, 1, 2, 3, 4, 5, 600, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    encoded = json.loads(encode_event({"name": "x", "timestamp": when}))
    assert encoded["timestamp"] == "2024-01-02T01:04:05.000600+00:00"
