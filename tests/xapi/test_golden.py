"""Golden tests: every ERB fixture pair, statement for statement (contract §0 rule 1).

Fixtures without a passing pair are listed below with the reason; each has its own assertion here, and the
deliberate differences of rule 6 have dedicated tests in test_differences.py.
"""

from __future__ import annotations

import json

import pytest

from oars_platform.xapi import Reason
from oars_platform.xapi.constants import EXT_ATTEMPT_ID

from .support import FIXTURES, fixture_names, load_event, load_expected, run

# Fixtures we reject: (reason, field, why).
REJECTED: dict[str, tuple[Reason, str, str]] = {
    "edx.ui.lms.link_clicked(anonymous_user).json": (
        Reason.UNKNOWN_USER, "user_id",
        "no user id or username: ERB drops it in production (its test mocks the user lookup, hence the file)"),
    "problem_check(browser).required.only.data.json": (
        Reason.MISSING_FIELD, "data.problem_id",
        "no event_source, so the server path, and no problem id: the expected file has no object.id, and ERB's "
        "processor drops any statement without object.id (spec §1.3)"),
    "edx.grades.problem.submitted.weighted_possible_null.json": (
        Reason.MISSING_FIELD, "data.weighted_possible", "no expected file: weights are required"),
    "edx.video.closed_captions.hidden.null.duration.json": (
        Reason.MISSING_FIELD, "data.duration", "no expected file: video length required except for initialized"),
    "play_video.required.only.data.json": (
        Reason.MISSING_FIELD, "data.duration", "no expected file: video length required except for initialized"),
    "postion_changed_video.json": (
        Reason.MISSING_FIELD, "data.old_time", "no expected file: a seek needs both positions"),
}
# Fixtures whose output differs from the expected file by a deliberate difference (rule 6): name → test showing it.
DELIBERATE: dict[str, str] = {
    "problem_check(browser)legacy.json": "test_differences.py::test_browser_problem_check_with_legacy_referer",
}
# Log-shaped multi-question problem_check fixtures: we add the attempt id ERB's live path writes (rule 6).
ATTEMPT_ID_ADDED = {
    name: "test_differences.py::test_a_logged_multi_question_problem_check_carries_the_attempt_id"
    for name in ("problem_check(server).list_answers.json",
                 "problem_check(server,multiple_questions,correct).json",
                 "problem_check(server,multiple_questions,incorrect).json",
                 "problem_check(server,multiple_questions,partial_correct).json")
}


def without_attempt_id(statements: list[dict]) -> list[dict]:
    """The statements without the attempt-id extension, which each object (and a child's parent problem) must have."""
    for statement in statements:
        definitions = [statement["object"]["definition"]]
        parents = statement.get("context", {}).get("contextActivities", {}).get("parent", [])
        definitions += [parent["definition"] for parent in parents if parent.get("objectType") == "GroupActivity"]
        for definition in definitions:
            assert set(definition.pop("extensions")) == {EXT_ATTEMPT_ID}
    return statements


def test_every_fixture_has_an_expected_file_or_a_documented_reason() -> None:
    names = fixture_names()
    assert len(names) >= 80
    undocumented = [name for name in names if not (FIXTURES / "expected" / name).exists()
                    and name not in REJECTED and name not in DELIBERATE]
    assert undocumented == []
    assert set(REJECTED) | set(DELIBERATE) | set(ATTEMPT_ID_ADDED) <= set(names)


@pytest.mark.parametrize("name", fixture_names())
def test_fixture(name: str) -> None:
    result = run([load_event(name)])
    if name in REJECTED:
        reason, field, _ = REJECTED[name]
        assert result.statements == []
        assert [(r.reason, r.field) for r in result.rejections] == [(reason, field)]
        return
    assert result.rejections == []
    produced = json.loads(json.dumps([s.statement for s in result.statements]))
    expected = load_expected(name)
    if name in ATTEMPT_ID_ADDED:
        produced = without_attempt_id(produced)
    if name in DELIBERATE:
        assert len(produced) == len(expected) == 1
        assert produced[0]["object"]["id"] != expected[0]["object"]["id"]
        produced[0]["object"]["id"] = expected[0]["object"]["id"]
    assert produced == expected


@pytest.mark.parametrize("name", [n for n in fixture_names() if n not in REJECTED])
def test_json_column_matches_statement(name: str) -> None:
    for row in run([load_event(name)]).statements:
        assert json.loads(row.json) == row.statement
        assert row.id == row.statement["id"]
        assert row.emission_time.utcoffset().total_seconds() == 0
