"""One test per deliberate difference from ERB (contract §0 rule 6), each naming its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from oars_platform.xapi.constants import EXT_ATTEMPT_ID, EXT_SPEED_FROM, EXT_SPEED_TO

from .support import load_event, load_expected, run
from .test_golden import ATTEMPT_ID_ADDED, without_attempt_id


def _as_live(event: dict) -> dict:
    """A tracking-log-shaped fixture rewritten as the live path delivers it (payload under `data`)."""
    live = {key: value for key, value in event.items() if key not in ("event", "time")}
    live["data"] = event["event"]
    live["timestamp"] = event["time"]
    return live


def test_multi_question_parent_describes_the_whole_problem() -> None:
    """Rule 6: the parent's success/response/name describe the whole problem, not the first sub-question.

    ERB's live path would say success=true here (the first sub-question is right) with its answer and question
    text, although the problem is "incorrect" with 2/3. We give the replay output in both shapes.
    """
    event = load_event("problem_check(server,multiple_questions,partial_correct).json")
    first = next(iter(event["event"]["submission"].values()))
    assert first["correct"] is True and event["event"]["success"] == "incorrect"
    live = run([_as_live(event)]).statements
    parent = live[0].statement
    assert parent["result"]["success"] is False
    assert "response" not in parent["result"]
    assert parent["object"]["definition"]["name"] == {"en-US": "Multiple Choice Questions"}
    assert "description" not in parent["object"]["definition"]
    assert parent["result"]["score"] == {"min": 0, "max": 3, "raw": 2, "scaled": 2 / 3}
    # Same statements from both shapes, equal to what ERB produced on replay (so replays deduplicate).
    replay = [s.statement for s in run([event]).statements]
    assert [s.statement for s in live] == replay
    expected = load_expected("problem_check(server,multiple_questions,partial_correct).json")
    assert without_attempt_id(json.loads(json.dumps(replay))) == expected  # the attempt id: the test below


def test_a_logged_multi_question_problem_check_carries_the_attempt_id() -> None:
    """Rule 6: the parent and every child carry `attempt-id`, as ERB's live path writes them, in both shapes.

    ERB reads `data.attempts`; a tracking-log line keeps the payload under `event`, so ERB's transformer given the
    log shape (its own fixtures) leaves the extension out, while the live event it handles in production has it.
    We give the live output for both shapes; the statement ids are the same either way (they do not depend on the
    definition), so a replay of logs ERB loaded still deduplicates.
    """
    for name in ATTEMPT_ID_ADDED:
        event = load_event(name)
        attempts = event["event"]["attempts"]
        replay = run([event]).statements
        live = run([_as_live(event)]).statements
        assert [s.statement for s in replay] == [s.statement for s in live]
        assert len(replay) == 1 + len(event["event"]["submission"])
        for row in replay:
            assert row.statement["object"]["definition"]["extensions"] == {EXT_ATTEMPT_ID: attempts}
            assert f'"{EXT_ATTEMPT_ID}":{attempts}' in row.json
        assert [row.id for row in replay] == [statement["id"] for statement in load_expected(name)]


def test_scores_are_written_as_floats_as_erb_writes_them() -> None:
    """Not a difference any more: tincan's `Score` stores floats, so ERB writes `"raw":1.0`, `"min":0.0`."""
    for name in ("problem_check(server).json", "edx.grades.problem.submitted.json",
                 "problem_check(server,multiple_questions,correct).json"):
        [parent, *_] = run([load_event(name)]).statements
        score = parent.statement["result"]["score"]
        assert all(type(value) is float for value in score.values()), score
        text = parent.json
        assert '"min":0.0' in text
        assert all(f'"{key}":{json.dumps(value)}' in text for key, value in score.items())


def test_browser_problem_check_with_legacy_referer() -> None:
    """Rule 6 (§5.2 item 7): the object is the problem from `data`, not the sequential named by the referer."""
    [row] = run([load_event("problem_check(browser)legacy.json")]).statements
    assert row.statement["object"]["id"] == (
        "http://localhost:18000/xblock/block-v1:edX+DemoX+Demo_Course+type@problem+block@3fc5461f86764ad7bdbdf6cbdde61e66")
    erb = load_expected("problem_check(browser)legacy.json")[0]
    assert "type@sequential" in erb["object"]["id"]


def test_exam_events_read_from_live_data_shape() -> None:
    """Rule 6 (§3.5): edx-proctoring's live events carry the payload in `data`; ERB raised TypeError on them."""
    for name in ("edx.special_exam.timed.attempt.created.json", "edx.special_exam.proctored.attempt.submitted.json"):
        live = _as_live(load_event(name))
        assert "event" not in live
        rows = run([live]).statements
        assert json.loads(json.dumps([r.statement for r in rows])) == load_expected(name)


def test_speed_change_without_speeds_omits_them() -> None:
    """Rule 6 (§5.2 item 9): ERB raises TypeError on `None + "x"`; we omit the missing speeds."""
    event = load_event("speed_change_video.json")
    del event["data"]["old_speed"]
    [row] = run([event]).statements
    assert EXT_SPEED_FROM not in row.statement["result"]["extensions"]
    assert row.statement["result"]["extensions"][EXT_SPEED_TO] == "1.25x"
    del event["data"]["new_speed"]
    [row] = run([event]).statements
    assert row.statement["result"] == {"extensions": {}}


def test_completion_without_completion_omits_the_result() -> None:
    """Rule 6 (§5.2 item 9): ERB computes `None * 100` and crashes; we emit the progress statement without result."""
    event = load_event("edx.completion.block_completion.changed.json")
    del event["data"]["completion"]
    [row] = run([event]).statements
    assert "result" not in row.statement
    assert row.statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/progressed"


def test_naive_timestamps_are_taken_as_utc() -> None:
    """Rule 6: ERB drops naive timestamps; tracking logs are UTC, so we read them as UTC.

    The id is computed from the UTC `isoformat()` text, the same text the live path produces for that instant, so a
    naive string, a naive datetime and the explicit `+00:00` form all get one id.
    """
    base = load_event("play_video.json")
    aware = dict(base, timestamp="2020-07-15T06:52:55.057099+00:00")
    naive_text = dict(base, timestamp="2020-07-15T06:52:55.057099")
    naive_dt = dict(base, timestamp=datetime(2020, 7, 15, 6, 52, 55, 57099))
    aware_dt = dict(base, timestamp=datetime(2020, 7, 15, 6, 52, 55, 57099, tzinfo=UTC))
    rows = [run([e]).statements[0] for e in (aware, naive_text, naive_dt, aware_dt)]
    assert {r.id for r in rows} == {"203e182c-6a2d-5458-9c61-a271297d459a"}
    assert {r.statement["timestamp"] for r in rows} == {"2020-07-15T06:52:55.057099+00:00"}
    assert {r.emission_time for r in rows} == {datetime(2020, 7, 15, 6, 52, 55, 57099, tzinfo=UTC)}


def test_tiny_and_huge_score_numbers_are_written_in_orjson_notation() -> None:
    """Rule 6: the same number, another text, for floats Python writes with an exponent (below 1e-4, from 1e16).

    ERB serialises with Python's `json` (`1e-05`); we serialise with orjson (`0.00001`). Scores that small need a
    problem worth 10,000 points or more, so the texts of real statements do not differ.
    """
    event = load_event("problem_check(server).json")
    event["data"].update(grade=1, max_grade=100000)
    [row] = run([event]).statements
    assert row.statement["result"]["score"]["scaled"] == 1e-05
    assert '"scaled":0.00001' in row.json and json.dumps(1e-05) == "1e-05"
