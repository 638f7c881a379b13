"""Statement ids (ERB byte compatibility) and input shapes (live dict, log line, signal payload)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oars_platform.xapi import from_tracking_signal
from oars_platform.xapi.common import PLAYED, Verb, make_actor, namespace_for, parse_timestamp, uuid5_text
from oars_platform.xapi.config import ActorMode
from oars_platform.xapi.results import Rejection, TransformFailure

from .support import EXTERNAL_ID, LMS, fixture_names, load_event, run, to_log_line
from .test_golden import REJECTED


@given(st.text(), st.text())
def test_uuid5_text_equals_uuid_module(key: str, name: str) -> None:
    try:
        key.encode("utf-8")
        name.encode("utf-8")
    except UnicodeEncodeError:
        return
    expected_ns = uuid.uuid5(uuid.NAMESPACE_DNS, key)
    assert namespace_for(key) == expected_ns.bytes
    assert uuid5_text(expected_ns.bytes, name) == str(uuid.uuid5(expected_ns, name))


def test_verb_and_actor_json_are_tincan_text() -> None:
    assert PLAYED.json_text == json.dumps({"id": PLAYED.iri, "display": {"en": "played"}})
    actor = make_actor(ActorMode.EXTERNAL_ID, EXTERNAL_ID, LMS)
    assert actor.json_text == json.dumps(
        {"objectType": "Agent", "account": {"name": EXTERNAL_ID, "homePage": LMS}})
    odd = make_actor(ActorMode.MBOX, 'é"x@example.com', LMS)
    assert odd.json_text == json.dumps({"objectType": "Agent", "mbox": 'mailto:é"x@example.com'})
    verb = Verb("http://example.com/v", "d\u00e9")
    assert verb.json_text == '{"id": "http://example.com/v", "display": {"en": "d\\u00e9"}}'


def test_ids_from_the_spec() -> None:
    """§2.1: play_video and the Z-versus-+00:00 pair of block_completion (the text form changes the id)."""
    assert run([load_event("play_video.json")]).statements[0].id == "203e182c-6a2d-5458-9c61-a271297d459a"
    event = load_event("edx.completion.block_completion.changed.json")
    assert run([event]).statements[0].id.startswith("88e13618-")
    event["timestamp"] = "2023-08-22T20:16:25.500832+00:00"
    assert run([event]).statements[0].id.startswith("7c74c127-")


def test_child_statement_ids_use_the_child_namespace() -> None:
    rows = run([load_event("problem_check(server,multiple_questions,partial_correct).json")]).statements
    assert rows[0].id == "7d8be6d2-15b9-5f0d-bdfc-4e2daee2eee4"
    assert rows[1].id == "f3e25970-2c71-57a6-9ba9-8ba714e68f76"
    assert all(r.statement["context"]["statement"]["id"] == rows[0].id for r in rows[1:])


@pytest.mark.parametrize("raw, text", [
    ("2023-08-22T20:16:25.500832Z", "2023-08-22T20:16:25.500832+00:00"),
    ("2023-08-22T20:16:25.5+02:00", "2023-08-22T20:16:25.500000+02:00"),
    ("2023-08-22T20:16:25+00:00", "2023-08-22T20:16:25+00:00"),
    ("2023-08-22T20:16:25.500832-05:00", "2023-08-22T20:16:25.500832-05:00"),
    ("2020-W29-3T06:52:55.057099+00:00", "2020-07-15T06:52:55.057099+00:00"),  # week date: same length as the fast path
])
def test_timestamp_serialisation_keeps_erb_quirks(raw: str, text: str) -> None:
    ts = parse_timestamp(raw)
    assert (ts.id_text, ts.text) == (raw, text)
    assert ts.emission.tzinfo is not None and ts.emission.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("raw", ["2023-08-22 20:16:25+00:00", "yesterday", "", 1690000000, None,
                                 "2023-08-22T20:16:25+00:00:30", "2023-13-22T20:16:25Z"])
def test_bad_timestamps(raw: object) -> None:
    with pytest.raises(TransformFailure) as info:
        parse_timestamp(raw)
    assert info.value.reason == "bad_timestamp"


LIVE_FIXTURES = [n for n in fixture_names() if n not in REJECTED]


@pytest.mark.parametrize("name", LIVE_FIXTURES)
def test_live_and_log_shapes_give_identical_statements(name: str) -> None:
    event = load_event(name)
    reference = [s.statement for s in run([event]).statements]
    assert reference
    shapes = [
        to_log_line(event),
        to_log_line(event).encode(),
        to_log_line(event, event_as_string=False),
        to_log_line(event, prefix="2023-05-23 13:53:13,461 INFO 20 [tracking] [user 6] logger.py:41 - "),
        json.loads(to_log_line(event)),
    ]
    for shape in shapes:
        result = run([shape])
        assert result.rejections == []
        assert [s.statement for s in result.statements] == reference


def test_tracking_signal_payload() -> None:
    event = load_event("play_video.json")
    payload = from_tracking_signal(event["name"], datetime(2020, 7, 15, 6, 52, 55, 57099, tzinfo=UTC),
                                   json.dumps(event["data"]), json.dumps(event["context"]))
    assert not isinstance(payload, Rejection)
    [row] = run([payload]).statements
    assert row.id == "203e182c-6a2d-5458-9c61-a271297d459a"
    bad = from_tracking_signal("play_video", datetime(2020, 7, 15, tzinfo=UTC), "{not json", "{}")
    assert isinstance(bad, Rejection) and bad.reason == "malformed_json"


def test_the_shared_tracking_log_replays() -> None:
    """The real log sample: prefixes, a broken line, page views, server events."""
    from .support import FIXTURES

    lines = (FIXTURES / "tracking.log").read_bytes().splitlines()
    result = run(lines)
    assert len(result.statements) + len(result.rejections) >= len(lines)
    assert "malformed_json" in {r.reason for r in result.rejections}
    for rejection in result.rejections:
        assert rejection.raw.encode() in lines


@pytest.mark.parametrize("name", ["problem_check(server,multiple_questions,correct).json", "play_video.json"])
def test_caller_events_are_not_mutated(name: str) -> None:
    event = load_event(name)
    snapshot = json.dumps(event, sort_keys=True)
    assert run([event]).statements
    assert json.dumps(event, sort_keys=True) == snapshot
