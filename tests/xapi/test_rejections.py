"""Rule 5: bad input never raises; each rejected event gets a specific, machine-readable reason."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from oars_platform.xapi import CachedLookups, Reason, TransformConfig, transform_batch
from oars_platform.xapi.registry import Registry

from .support import LMS, FakeFetchers, load_event, run


def _one_rejection(events: list[Any], **config: Any) -> Any:
    result = run(events, **config)
    assert result.statements == []
    [rejection] = result.rejections
    return rejection


def test_unknown_event() -> None:
    rejection = _one_rejection([dict(load_event("play_video.json"), name="edx.something.new")])
    assert (rejection.reason, rejection.event_name) == (Reason.UNKNOWN_EVENT, "edx.something.new")


def test_disabled_event() -> None:
    rejection = _one_rejection([load_event("play_video.json")], enabled_events={"load_video"})
    assert rejection.reason == Reason.DISABLED_EVENT
    assert run([load_event("load_video.json")], enabled_events={"load_video"}).rejections == []


@pytest.mark.parametrize("mutate, field", [
    (lambda e: e["data"].pop("id"), "data.id"),
    (lambda e: e["context"].pop("course_id"), "context.course_id"),
    (lambda e: e.pop("name"), "name"),
])
def test_missing_field(mutate: Any, field: str) -> None:
    event = load_event("play_video.json")
    mutate(event)
    rejection = _one_rejection([event])
    assert (rejection.reason, rejection.field) == (Reason.MISSING_FIELD, field)


def test_unknown_user_anonymous_and_not_found() -> None:
    anonymous = load_event("edx.ui.lms.link_clicked(anonymous_user).json")
    assert _one_rejection([anonymous]).reason == Reason.UNKNOWN_USER
    fetchers = FakeFetchers(resolve_all=False, courses={"course-v1:edX+DemoX+Demo_Course": "Demo"})
    config = TransformConfig(lms_root_url=LMS)
    result = transform_batch([load_event("play_video.json")], config, fetchers.lookups())
    assert [(r.reason, r.field) for r in result.rejections] == [(Reason.UNKNOWN_USER, "user_id")]


def test_unknown_course() -> None:
    fetchers = FakeFetchers(users={3: "ext-3"}, resolve_all=False)
    result = transform_batch([load_event("play_video.json")], TransformConfig(lms_root_url=LMS), fetchers.lookups())
    assert [(r.reason, r.field) for r in result.rejections] == [(Reason.UNKNOWN_COURSE, "context.course_id")]


@pytest.mark.parametrize("timestamp", [None, "2020-07-15 06:52:55.057099+00:00", "not a time", 12,
                                       "2020-02-30T00:00:00Z"])
def test_bad_timestamp(timestamp: Any) -> None:
    event = load_event("play_video.json")
    event["timestamp"] = timestamp
    assert _one_rejection([event]).reason == Reason.BAD_TIMESTAMP


@pytest.mark.parametrize("timestamp", ["0001-01-01T00:00:00+00:00", "1969-12-31T23:59:59.999999+00:00",
                                       "9999-12-31T23:59:59+00:00", "2299-01-01T00:00:00Z",
                                       dt.datetime.now(dt.UTC) + dt.timedelta(days=2)])
def test_timestamps_far_in_the_past_or_future_are_bad(timestamp: Any) -> None:
    event = load_event("play_video.json")
    event["timestamp"] = timestamp
    rejection = _one_rejection([event])
    assert (rejection.reason, rejection.field) == (Reason.BAD_TIMESTAMP, "timestamp")


@pytest.mark.parametrize("timestamp", ["1970-01-01T00:00:00+00:00", dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)])
def test_timestamps_at_the_edges_of_the_window_are_kept(timestamp: Any) -> None:
    event = load_event("play_video.json")
    event["timestamp"] = timestamp
    assert len(run([event]).statements) == 1


@pytest.mark.parametrize("ref", [2**63, -(2**63) - 1, 2**64 - 1, "u" * 151, "name\x00with a nul"])
def test_impossible_user_references_are_invalid_without_a_lookup(ref: Any) -> None:
    # A user id past 64 bits made the platform's user query raise, so every event of its batch was retried forever.
    event = load_event("play_video.json")
    event["context"]["user_id"] = ref
    rejection = _one_rejection([event])
    assert (rejection.reason, rejection.field) == (Reason.INVALID_EVENT, "user_id")


@pytest.mark.parametrize("line", [
    '{"name": "play_video", "context": "oops}',
    b"syslog prefix without any json",
    '{"name": "play_video", "event": "{\\"id\\": ", "time": "2020-07-15T06:52:55.057099+00:00"}',
])
def test_malformed_json(line: str | bytes) -> None:
    rejection = _one_rejection([line])
    assert rejection.reason == Reason.MALFORMED_JSON
    assert rejection.raw == (line.decode() if isinstance(line, bytes) else line)


def test_oversize_for_text_and_dicts() -> None:
    event = load_event("play_video.json")
    event["data"]["padding"] = "x" * 5000
    line = json.dumps(event)
    for item in (event, line, line.encode()):
        rejection = _one_rejection([item], max_event_bytes=4096)
        assert rejection.reason == Reason.OVERSIZE
        assert "padding" in rejection.raw
    assert run([event], max_event_bytes=0).rejections == []


@pytest.mark.parametrize("item", [
    "[1, 2, 3]",
    42,
    dict(load_event("play_video.json"), data={"id": ["not", "a", "string"], "duration": 1}),
    dict(load_event("play_video.json"), data={"id": "0b9e39477cf34507a7a48f74be381fdd", "duration": "fast"}),
    dict(load_event("play_video.json"), context={**load_event("play_video.json")["context"], "course_id": "a b"}),
    dict(load_event("problem_check(server).json"),
         data={**load_event("problem_check(server).json")["data"], "grade": 5, "max_grade": 1}),
    dict(load_event("edx.ui.lms.link_clicked.json"), data={"target_url": "not an iri"}),
    dict(load_event("play_video.json"), context={**load_event("play_video.json")["context"], "user_id": [3]}),
])
def test_invalid_event(item: Any) -> None:
    assert _one_rejection([item]).reason == Reason.INVALID_EVENT


def test_unexpected_exception_becomes_transform_error() -> None:
    registry = Registry()

    @registry.register("play_video")
    def broken(event: Any, builder: Any) -> list[dict[str, Any]]:
        raise ZeroDivisionError("learner edx at 172.18.0.1")

    result = transform_batch([load_event("play_video.json")], TransformConfig(lms_root_url=LMS),
                             FakeFetchers().lookups(), registry=registry)
    [rejection] = result.rejections
    assert (rejection.reason, rejection.detail) == (Reason.TRANSFORM_ERROR, "ZeroDivisionError")


def test_lookup_failure_rejects_the_batch_events_without_raising() -> None:
    def boom(*_: Any) -> dict[Any, str]:
        raise ConnectionError("db down")

    result = transform_batch([load_event("play_video.json"), load_event("load_video.json")],
                             TransformConfig(lms_root_url=LMS), CachedLookups(boom, boom))
    assert [r.reason for r in result.rejections] == [Reason.LOOKUP_FAILED] * 2


def test_rejection_details_never_contain_personal_data() -> None:
    """Details are built from field names and types only; the raw text keeps the full event for replay."""
    events = []
    for name in ("play_video.json", "edx.ui.lms.link_clicked.json", "problem_check(server).json"):
        event = load_event(name)
        event["context"]["username"] = "alice.secret"
        event["context"]["ip"] = "203.0.113.7"
        event["data"] = {"id": "alice.secret@example.com has spaces", "target_url": "mailto alice"}
        events.append(event)
    events.append(dict(load_event("play_video.json"), timestamp="alice.secret 203.0.113.7"))
    result = run(events)
    assert len(result.rejections) == len(events)
    for rejection in result.rejections:
        for secret in ("alice", "203.0.113", "example.com"):
            assert secret not in rejection.detail
        assert "alice.secret" in rejection.raw


def test_a_bad_event_does_not_affect_its_neighbours() -> None:
    good = load_event("play_video.json")
    result = run([good, "garbage", {"name": 5}, None, good])
    assert len(result.statements) == 2
    assert [r.reason for r in result.rejections] == [Reason.MALFORMED_JSON, Reason.INVALID_EVENT,
                                                     Reason.INVALID_EVENT]
