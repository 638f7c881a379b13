"""No PII in quarantine rows or dead letters, and a dead-lettered event still replays to the same statement.

The reference events carry usernames, IP addresses, user agents and referers (tests/logcheck.py collects them);
what the pipeline keeps of them is searched for every one of those values.
"""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command
from eventtracking.django.django_tracker import DjangoTracker

from oars_platform.ingest import ingest, transform
from oars_platform.models import DeadLetter
from oars_platform.privacy import REDACTED
from oars_platform.xapi.inputs import normalize
from oars_platform.xapi.pipeline import user_reference
from oars_platform.xapi.results import Rejection, TransformFailure
from tests.logcheck import fixture_pii
from tests.pipeline.conftest import fixture_event_texts
from tests.servers import free_port

PERSON = {"username": "xiaaug24", "ip": "172.18.0.1", "email": "xia.aug@example.com", "agent": "Mozilla/5.0 (X11)"}


def leaked(text: str, allowed: set[str] = frozenset()) -> set[str]:
    values = fixture_pii().tokens | {PERSON["email"], PERSON["agent"]}
    return {value for value in values if value in text and value not in allowed}


def reference_usernames(texts: list[str]) -> set[str]:
    """Usernames that name the learner of an event (the one PII value a replay needs)."""
    found = set()
    for text in texts:
        event = normalize(text)
        if isinstance(event, Rejection):
            continue
        try:
            ref = user_reference(event)
        except TransformFailure:
            continue
        if isinstance(ref, str):
            found.add(ref)
    return found


def test_quarantine_rows_hold_no_pii_and_keep_their_reasons(clickhouse, fixture_world) -> None:
    context = {"user_id": 987654, "course_id": "course-v1:edX+DemoX+Demo_Course", **PERSON}
    events = [
        # not JSON: scrubbed as text
        '{"name": "play_video", "context": {"username": "xiaaug24", "ip": "172.18.0.1"}, "data": ',
        # unknown user: a whole event, scrubbed field by field
        json.dumps({"name": "play_video", "timestamp": "2024-06-01T08:00:00+00:00", "context": context,
                    "data": {"id": "v1", "currentTime": 1}}),
        # too big: cut, scrubbed by pattern
        json.dumps({"name": "play_video", "context": context, "data": {"pad": "x" * 70_000}}),
        # a bad timestamp, in the tracking-log shape with the PII at the top level
        json.dumps({"name": "play_video", "time": "yesterday", "context": {"user_id": 3}, "event": "{}", **PERSON}),
    ]
    report = ingest(events, "test")
    rows = clickhouse.client.query(
        f"SELECT reason, event_name, detail, raw, raw_truncated FROM `{clickhouse.databases.oars}`.quarantine "
        "ORDER BY reason"
    ).dicts()
    assert [row["reason"] for row in rows] == ["bad_timestamp", "malformed_json", "oversize", "unknown_user"]
    assert report.outcomes == {"bad_timestamp": 1, "malformed_json": 1, "oversize": 1, "unknown_user": 1}
    for row in rows:
        assert not leaked(json.dumps(row)), row
        assert REDACTED in row["raw"], row
    unknown = json.loads(rows[-1]["raw"])
    assert unknown["context"]["user_id"] == 987654  # what is needed to find out what went wrong stays
    assert unknown["context"]["ip"] == REDACTED


def test_dead_letters_hold_no_pii_and_replay_to_the_same_statements(clickhouse, fixture_world, shared_dir, settings):
    from oars_platform.buffer import get_buffer
    from oars_platform.drain import drain

    texts = list(fixture_event_texts(shared_dir).values())
    expected = statements(texts)
    assert len(expected) > 60
    good_url = settings.OARS_CLICKHOUSE_URL
    settings.OARS_CLICKHOUSE_URL = f"clickhouse://oars:pw@127.0.0.1:{free_port()}/default"
    settings.OARS_CLICKHOUSE_CONNECT_TIMEOUT = 0.5
    settings.OARS_TASK_MAX_RETRIES = 1
    backend = DjangoTracker().backends["oars"]
    for text in texts:
        backend.send(json.loads(text))
    drain(get_buffer(), claim_idle=0)  # the second delivery of each: past its last retry
    assert get_buffer().depth() == 0

    letters = list(DeadLetter.objects.all())
    assert sum(letter.item_count for letter in letters) == len(texts)
    stored = json.dumps([letter.payload for letter in letters])
    allowed = reference_usernames(texts)
    assert not leaked(stored, allowed)
    assert leaked("".join(texts)) - allowed  # the events did carry PII
    assert all("pw@" not in letter.reason for letter in letters)

    # Every statement, id and content, is the same from the scrubbed events...
    assert statements([event for letter in letters for event in letter.payload["events"]]) == expected
    # ... and the replay stores them (one row per id: events of one learner, verb and time share an id).
    settings.OARS_CLICKHOUSE_URL = good_url
    call_command("replay_failed_events", stdout=StringIO())
    rows = clickhouse.client.query(
        f"SELECT toString(event_id) FROM `{clickhouse.databases.xapi}`.xapi_events_all FINAL"
    ).rows
    assert sorted(row[0] for row in rows) == sorted({statement_id for statement_id, _ in expected})


def statements(texts: list[str]) -> list[tuple[str, str]]:
    """Every statement of the events, as (id, canonical JSON), in a stable order."""
    return sorted((s.id, json.dumps(s.statement, sort_keys=True)) for s in transform(texts).statements)
