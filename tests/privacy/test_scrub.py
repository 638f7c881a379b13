"""oars_platform.privacy: what the scrubber removes, and that a scrubbed event still gives the same statements."""

from __future__ import annotations

import json

import pytest

from oars_platform.privacy import REDACTED, mask_secrets, scrub_event, scrub_raw, scrub_text, scrub_value
from oars_platform.xapi.config import ActorMode
from oars_platform.xapi.inputs import normalize
from oars_platform.xapi.pipeline import user_reference
from oars_platform.xapi.results import Rejection
from tests.logcheck import fixture_pii
from tests.xapi.support import fixture_names, load_event, run, to_log_line


def outcome(texts: list[str], mode: ActorMode) -> tuple[list, list]:
    """Statement ids and contents, and rejection reasons: what a replay must reproduce."""
    result = run(texts, mode)
    return ([(s.id, s.statement) for s in result.statements], [str(r.reason) for r in result.rejections])


@pytest.mark.parametrize("mode", list(ActorMode))
def test_every_fixture_event_gives_the_same_statements_after_scrubbing(mode: ActorMode) -> None:
    texts = []
    for name in fixture_names():
        event = load_event(name)
        texts += [json.dumps(event), to_log_line(event), to_log_line(event, prefix="2024-01-01 INFO tracking - ")]
    scrubbed = [scrub_raw(text) for text in texts]
    assert scrubbed != texts
    assert outcome(scrubbed, mode) == outcome(texts, mode)
    assert len(outcome(texts, mode)[0]) > 150


def test_no_fixture_pii_survives_but_the_username_that_names_the_learner() -> None:
    pii = fixture_pii()
    assert {"172.18.0.1", "xiaaug24", "bmtcril"} <= pii.strings
    for name in fixture_names():
        event = load_event(name)
        for text in (json.dumps(event), to_log_line(event)):
            scrubbed = scrub_raw(text)
            kept = reference_username(text)
            leaks = {value for value in pii.strings if value in scrubbed and value != kept}
            assert not leaks, (name, leaks)
            assert '"agent":"Mozilla' not in scrubbed


def reference_username(text: str) -> str | None:
    """The username the transform itself takes as the learner, if the event names its learner by username."""
    event = normalize(text)
    ref = None if isinstance(event, Rejection) else user_reference(event)
    return ref if isinstance(ref, str) else None


def test_a_username_is_kept_only_where_it_names_the_learner() -> None:
    # An instructor (context) enrolls a learner named in data: data.username wins ERB's order, so it stays.
    event = {
        "name": "edx.course.enrollment.activated",
        "context": {"user_id": 7, "username": "instructor_ann"},
        "data": {"username": "learner_bob", "email": "bob@example.org"},
    }
    scrubbed = scrub_event(event)
    assert scrubbed["data"] == {"username": "learner_bob", "email": REDACTED}
    assert scrubbed["context"] == {"user_id": 7, "username": REDACTED}
    assert event["context"]["username"] == "instructor_ann"  # the caller's dict is not modified

    by_id = {"data": {"user_id": 9, "username": "learner_bob"}, "context": {"username": "x_y"}}
    assert scrub_event(by_id) == {"data": {"user_id": 9, "username": REDACTED}, "context": {"username": REDACTED}}

    both = {"data": {"user_id": 4}, "event": json.dumps({"username": "unread_one"}), "context": {"ip": "10.1.1.1"}}
    assert scrub_event(both)["event"] == json.dumps({"username": REDACTED}, separators=(",", ":"))
    as_text = {"data": '{"username": "bad_json_one", ', "event": "input_1=a&email=x%40y.org"}
    assert scrub_event(as_text) == {"data": f'{{"username": "{REDACTED}", ', "event": f"input_1=a&email={REDACTED}"}

    log_line = {"username": "only_name", "event": json.dumps({"target_username": "other_one"}), "ip": "10.1.1.1"}
    assert scrub_event(log_line) == {
        "username": "only_name",
        "event": json.dumps({"target_username": REDACTED}, separators=(",", ":")),
        "ip": REDACTED,
    }


def test_pii_keys_are_found_at_any_depth_in_any_case_and_empty_values_stay() -> None:
    value = {"a": [{"Email": "x@y.org", "IP": "", "nested": {"full_name": "Ada Lovelace", "user_id": 3}}]}
    assert scrub_value(value) == {"a": [{"Email": REDACTED, "IP": "", "nested": {"full_name": REDACTED,
                                                                                    "user_id": 3}}]}
    statement = {"actor": {"objectType": "Agent", "mbox": "mailto:ada@example.com"}, "object": {"id": "x"}}
    assert scrub_event(statement)["actor"] == {"objectType": "Agent", "mbox": REDACTED}


def test_free_text_loses_emails_addresses_pairs_and_secrets() -> None:
    text = (
        'boom {"username": "bob_1", "ip": "10.1.2.3"} {\'email\': \'b@c.org\'} \\"full_name\\": \\"Ada L\\" '
        "mail bob@example.org from 172.18.0.1 and 2001:db8::1 at 12:00:00 on ::1 and 127.0.0.1, "
        "clickhouse://oars:s3cr3t-p@ss@db.internal:9000/x?a=1 /page?email=a%40b.c&x=1"
    )
    assert scrub_text(text) == (
        'boom {"username": "[redacted]", "ip": "[redacted]"} {\'email\': \'[redacted]\'} '
        '\\"full_name\\": \\"[redacted]\\" '
        "mail [email] from [ip] and [ip] at 12:00:00 on ::1 and 127.0.0.1, "
        "clickhouse://oars:***@db.internal:9000/x?a=1 /page?email=[redacted]&x=1"
    )


def test_text_cut_in_the_middle_of_a_value_loses_the_rest() -> None:
    assert scrub_text('{"name": "x", "username": "ada_lov') == '{"name": "x", "username": "[redacted]'
    assert scrub_raw('{"name": "x", "ip": "172.18') == '{"name": "x", "ip": "[redacted]'


def test_malformed_event_text_is_scrubbed_as_text() -> None:
    raw = '{"name": "play_video", "username": "xiaaug24", "context": {"ip": "172.18.0.1"}, oops'
    assert scrub_raw(raw) == '{"name": "play_video", "username": "[redacted]", "context": {"ip": "[redacted]"}, oops'


def test_configured_passwords_are_masked_in_any_form(settings) -> None:
    settings.OARS_CLICKHOUSE_URL = "clickhouse://oars:s3cr3t-p%40ss@db.internal:9000/default"
    settings.OARS_REDIS_URL = "redis://:redis-pw-9@cache.internal:6379/0"
    text = "auth failed for s3cr3t-p@ss / s3cr3t-p%40ss; redis said redis-pw-9"
    assert mask_secrets(text) == "auth failed for *** / ***; redis said ***"
    assert "s3cr3t" not in scrub_text(text)


def test_hosts_of_our_services_are_kept(settings) -> None:
    settings.OARS_CLICKHOUSE_URL = "clickhouse://oars:pw@10.0.0.5:9000/default"
    text = "Connection refused (10.0.0.5:9000) for 10.0.0.6"
    assert scrub_text(text) == "Connection refused (10.0.0.5:9000) for [ip]"


@pytest.mark.parametrize(
    "text",
    ["a" * 200_000, "a." * 100_000, "1:" * 100_000, "a@" * 100_000, '"ip": "' * 30_000, "x://" + "a:" * 100_000,
     "\\\"ip\\\": \\\"" + "x" * 200_000, "1.1." * 50_000],
)
def test_hostile_text_is_scrubbed(text: str) -> None:
    # Patterns without nested quantifiers: a quadratic one would take minutes on these texts, not milliseconds.
    for scrubbed in (scrub_text(text), scrub_raw(text)):
        assert len(scrubbed) <= len(text) + 10 * text.count(":")
        assert "@" not in scrubbed or text.startswith("a@")
