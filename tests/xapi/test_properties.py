"""Property tests: random and mutated events never raise, and every statement produced is valid xAPI."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oars_platform.xapi import ActorMode, Rejection, supported_events
from oars_platform.xapi.results import BatchResult
from oars_platform.xapi.validation import validate_statement

from .support import fixture_names, load_event, run

FIXTURE_EVENTS = [load_event(name) for name in fixture_names()]
NAMES = [*supported_events(), "/courses/course-v1:a+b+c/courseware/", "edx.unknown", ""]
PROPERTY_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers() | st.integers(-(2**70), 2**70) | st.floats()
           | st.text(max_size=30) | st.sampled_from(["", "0", "correct", "course-v1:x+y+z", "2020-07-15T06:52:55Z",
                                                      "block-v1:edX+DemoX+Demo_Course+type@problem+block@abc"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)
junk = st.sampled_from(["x" * 100_000, "\u0000\ud7ff\n\t ", {"a": {"b": {"c": [1, {"d": None}]}}}, [[[[]]]],
                        "https://example.com/ok", "mailto:a@b.c"]) | json_values


def _check(result: BatchResult, n_inputs: int) -> None:
    """Every input is accounted for; statements validate (ERB parity exceptions aside) and round-trip as JSON."""
    events_with_output = {id(row.statement) for row in result.statements}
    assert len(result.rejections) <= n_inputs
    assert len(events_with_output) == len(result.statements)
    for rejection in result.rejections:
        assert isinstance(rejection, Rejection) and rejection.reason and isinstance(rejection.raw, str)
    for row in result.statements:
        assert validate_statement(row.statement, allow_erb_parity=True) == [], row.statement
        assert validate_statement(json.loads(row.json), allow_erb_parity=True) == []


@PROPERTY_SETTINGS
@given(st.lists(st.fixed_dictionaries(
    {"name": st.sampled_from(NAMES), "timestamp": scalars, "context": json_values, "data": json_values}),
    max_size=5), st.sampled_from(list(ActorMode)))
def test_random_events_never_raise(events: list[dict[str, Any]], mode: ActorMode) -> None:
    _check(run(events, mode=mode, page_views_enabled=True), len(events))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key)))
    return out


@st.composite
def mutated_fixture(draw: st.DrawFn) -> dict[str, Any]:
    event = copy.deepcopy(draw(st.sampled_from(FIXTURE_EVENTS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(event)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = event
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["delete", "replace", "junk", "timestamp", "stringify"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "junk":
            parent[path[-1]] = copy.deepcopy(draw(junk))  # sampled objects are shared between examples
        elif action == "timestamp":
            event["timestamp"] = draw(st.text(max_size=40) | st.sampled_from(
                ["2020-07-15T06:52:55", "2020-07-15 06:52:55Z", "9999-12-31T23:59:59-23:59",
                 "0001-01-01T00:00:00+01:00"]))
        else:
            parent[path[-1]] = json.dumps(parent[path[-1]])
    return event


@PROPERTY_SETTINGS
@given(st.lists(mutated_fixture(), min_size=1, max_size=4), st.sampled_from(list(ActorMode)))
def test_mutated_fixtures_never_raise(events: list[dict[str, Any]], mode: ActorMode) -> None:
    _check(run(events, mode=mode, page_views_enabled=True), len(events))


@PROPERTY_SETTINGS
@given(st.lists(mutated_fixture().map(json.dumps) | st.text() | st.binary(), min_size=1, max_size=4))
def test_mutated_log_lines_never_raise(lines: list[Any]) -> None:
    _check(run(lines, max_event_bytes=50_000), len(lines))
