"""Actor modes (rule 3) and batched, cached lookups (one bulk call per batch, TTL for renamed courses)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest

from oars_platform.xapi import ActorMode, CachedLookups, Reason, TransformConfig, transform_batch
from oars_platform.xapi.inputs import normalize
from oars_platform.xapi.pipeline import user_reference

from .support import LMS, FakeFetchers, load_event, run


def test_external_id_actor_is_the_default() -> None:
    [row] = run([load_event("play_video.json")]).statements
    assert row.statement["actor"] == {"objectType": "Agent", "account": {
        "homePage": LMS, "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"}}


def test_mbox_actor_and_its_id() -> None:
    [row] = run([load_event("play_video.json")], mode=ActorMode.MBOX).statements
    assert row.statement["actor"] == {"objectType": "Agent", "mbox": "mailto:learner3@example.com"}
    actor_json = '{"objectType": "Agent", "mbox": "mailto:learner3@example.com"}'
    verb_json = '{"id": "https://w3id.org/xapi/video/verbs/played", "display": {"en": "played"}}'
    namespace = uuid.uuid5(uuid.NAMESPACE_DNS, verb_json)
    assert row.id == str(uuid.uuid5(namespace, f"{actor_json}-2020-07-15T06:52:55.057099+00:00"))


def test_mbox_sha1sum_hashes_the_mailto_iri() -> None:
    """Deliberate difference (rule 3): the xAPI spec hashes `mailto:<email>`; ERB hashes the bare email."""
    [row] = run([load_event("play_video.json")], mode=ActorMode.MBOX_SHA1SUM).statements
    digest = hashlib.sha1(b"mailto:learner3@example.com").hexdigest()
    assert row.statement["actor"] == {"objectType": "Agent", "mbox_sha1sum": digest}
    assert digest != hashlib.sha1(b"learner3@example.com").hexdigest()
    assert json.loads(row.json)["actor"]["mbox_sha1sum"] == digest


@pytest.mark.parametrize("mode", list(ActorMode))
def test_unknown_user_is_rejected_in_every_mode(mode: ActorMode) -> None:
    fetchers = FakeFetchers(resolve_all=False, courses={"course-v1:edX+DemoX+Demo_Course": "Demo"})
    result = transform_batch([load_event("play_video.json")], TransformConfig(lms_root_url=LMS, actor_mode=mode),
                             fetchers.lookups())
    assert [r.reason for r in result.rejections] == [Reason.UNKNOWN_USER]
    anonymous = run([load_event("edx.ui.lms.link_clicked(anonymous_user).json")], mode=mode)
    assert [r.reason for r in anonymous.rejections] == [Reason.UNKNOWN_USER]


@pytest.mark.parametrize("data, context, expected", [
    ({"user_id": 7, "username": "x"}, {"user_id": 3}, 7),
    ({"username": "bob"}, {"user_id": 3}, "bob"),
    ({"user_id": "12"}, {}, 12),
    ({}, {"user_id": 3, "username": "edx"}, 3),
    ({}, {"user_id": "", "username": "edx"}, "edx"),
    ({"user_id": 0}, {"user_id": 3}, 3),  # ERB chains with `or`, so id 0 counts as empty
])
def test_user_reference_follows_erb(data: dict[str, Any], context: dict[str, Any], expected: Any) -> None:
    event = normalize({"name": "play_video", "timestamp": "2020-07-15T06:52:55+00:00", "data": data,
                       "context": context})
    assert user_reference(event) == expected


def _batch(n: int) -> list[dict[str, Any]]:
    events = []
    for index in range(n):
        event = load_event("play_video.json")
        event["context"]["user_id"] = index % 7 + 1
        event["context"]["course_id"] = f"course-v1:edX+Demo{index % 3}+2024"
        events.append(event)
    return events


def test_one_bulk_call_per_batch_and_only_misses_are_fetched() -> None:
    fetchers = FakeFetchers()
    lookups = fetchers.lookups()
    config = TransformConfig(lms_root_url=LMS)
    result = transform_batch(_batch(50), config, lookups)
    assert len(result.statements) == 50
    assert fetchers.actor_calls == [set(range(1, 8))]
    assert fetchers.course_calls == [{f"course-v1:edX+Demo{i}+2024" for i in range(3)}]
    transform_batch(_batch(50), config, lookups)  # everything cached: no fetch at all
    assert len(fetchers.actor_calls) == 1 and len(fetchers.course_calls) == 1
    extra = _batch(1)
    extra[0]["context"]["user_id"] = 99
    transform_batch(_batch(10) + extra, config, lookups)
    assert fetchers.actor_calls[-1] == {99}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_renamed_course_shows_its_new_name_after_the_ttl() -> None:
    clock = FakeClock()
    fetchers = FakeFetchers(courses={"course-v1:edX+DemoX+Demo_Course": "Old name"})
    lookups = CachedLookups(fetchers.fetch_actors, fetchers.fetch_course_names, course_ttl=60, course_maxsize=10,
                            actor_ttl=3600, actor_maxsize=10, timer=clock)
    config = TransformConfig(lms_root_url=LMS)

    def course_name() -> str:
        [row] = transform_batch([load_event("play_video.json")], config, lookups).statements
        return row.statement["context"]["contextActivities"]["parent"][0]["definition"]["name"]["en-US"]

    assert course_name() == "Old name"
    fetchers.courses["course-v1:edX+DemoX+Demo_Course"] = "New name"  # renamed in Studio
    clock.now += 59
    assert course_name() == "Old name"
    clock.now += 2
    assert course_name() == "New name"
    assert len(fetchers.course_calls) == 2
    assert len(fetchers.actor_calls) == 1  # actors live longer


def test_cache_is_bounded() -> None:
    fetchers = FakeFetchers()
    lookups = CachedLookups(fetchers.fetch_actors, fetchers.fetch_course_names, actor_maxsize=5, actor_ttl=60)
    lookups.actors(set(range(20)), ActorMode.EXTERNAL_ID)
    lookups.actors(set(range(20)), ActorMode.EXTERNAL_ID)
    assert len(fetchers.actor_calls) == 2
    assert len(fetchers.actor_calls[1]) >= 15


def test_cached_lookups_are_thread_safe() -> None:
    from concurrent.futures import ThreadPoolExecutor

    fetchers = FakeFetchers()
    lookups = CachedLookups(fetchers.fetch_actors, fetchers.fetch_course_names, actor_maxsize=50, actor_ttl=60)
    config = TransformConfig(lms_root_url=LMS)

    def work(offset: int) -> int:
        events = _batch(40)
        for index, event in enumerate(events):
            event["context"]["user_id"] = offset * 40 + index + 1
        return len(transform_batch(events, config, lookups).statements)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(work, range(64))) == [40] * 64
