"""Problem events (spec §3.2 rows 10-15, §3.4): problem_check, showanswer, hints, problem grades.

`problem_check` has two shapes. From the browser (`event_source == "browser"`) it only says the learner attempted
the problem; from the server it carries the graded submission. A server event with more than one sub-question gives
one parent statement for the whole problem plus one child statement per sub-question.

Deliberate differences from ERB (contract §0 rule 6):
* Multi-question parent: success is `data.success == "correct"`, the definition carries the problem's display name,
  and there is no response: the parent describes the whole problem, not its first sub-question. This is exactly what
  ERB produced when replaying tracking logs (the fixtures), so replayed ids and contents match ERB's; ERB's live
  path gave the first sub-question's correctness, answer and text instead.
* Browser events: the object is always the problem parsed from `data`, never the sequential named by a legacy
  referer's `activate_block_id`.
"""

from __future__ import annotations

import json
from typing import Any

from oars_platform.xapi import common
from oars_platform.xapi import constants as c
from oars_platform.xapi.common import StatementBuilder
from oars_platform.xapi.inputs import Event, iri_part, present
from oars_platform.xapi.iri import is_absolute_iri
from oars_platform.xapi.registry import register
from oars_platform.xapi.results import invalid, missing

# ERB's `json.dumps(answer, ensure_ascii=False)`, with the encoder built once instead of per call.
_ENCODE_LIST = json.JSONEncoder(ensure_ascii=False).encode

INTERACTION_TYPES: dict[str, str] = {
    "choiceresponse": "choice",
    "multiplechoiceresponse": "choice",
    "choicetextresponse": "choice",
    "optionresponse": "choice",
    "numericalresponse": "numeric",
    "stringresponse": "fill-in",
    "formularesponse": "fill-in",
    "annotationresponse": "fill-in",
    "symbolicresponse": "fill-in",
    "imageresponse": "matching",
    "truefalseresponse": "true-false",
    # customresponse, coderesponse, externalresponse, schematicresponse and anything unknown: "other"
}


def interaction_type(response_type: Any) -> str:
    """The xAPI interactionType for an Open edX response type."""
    return INTERACTION_TYPES.get(response_type, "other") if isinstance(response_type, str) else "other"


def response_text(answer: Any) -> str | None:
    """ERB's response: lists as JSON (non-ASCII kept), strings as is, other values as their Python text."""
    answer = present(answer)
    if answer is None:
        return None
    if isinstance(answer, str):
        return answer
    if isinstance(answer, list):
        return _ENCODE_LIST(answer)
    return str(answer)


def _success(value: Any, field_name: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise invalid(f"{field_name} must be a boolean", field_name)


def _submissions(event: Event) -> dict[str, Any]:
    submissions = event.get("submission")
    if submissions is None:
        return {}
    if not isinstance(submissions, dict) or not all(isinstance(sub, dict) for sub in submissions.values()):
        raise invalid("data.submission must map ids to objects", "data.submission")
    return submissions


def _problem_score(event: Event) -> dict[str, Any]:
    grade = common.number(event.get("grade"), "data.grade")
    max_grade = common.number(event.get("max_grade"), "data.max_grade")
    scaled = None
    if grade is not None and max_grade is not None:
        scaled = grade / max_grade if max_grade else 0
    return common.score(grade, max_grade, scaled)


def _server_problem_iri(event: Event, builder: StatementBuilder) -> str:
    if isinstance(event.raw_data, dict):
        problem_id = event.get("problem_id") or event.get("module_id")
        if problem_id is None:
            raise missing("data.problem_id")
        return builder.xblock_iri(iri_part(problem_id, "data.problem_id"))
    module = event.context.get("module")
    usage = present(module.get("usage_key")) if isinstance(module, dict) else None
    if usage is None:
        raise missing("data.problem_id")
    return builder.xblock_iri(iri_part(usage, "context.module.usage_key"))


def _display_name(event: Event) -> str | None:
    module = event.context.get("module")
    name = present(module.get("display_name")) if isinstance(module, dict) else None
    if name is None or isinstance(name, str):
        return name
    raise invalid("context.module.display_name must be a string", "context.module.display_name")


def _browser_check(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Browser problem_check: `data` is the URL-encoded form, `input_<hex>_<n>_<m>...`; element [1] is the hex."""
    data = event.raw_data
    if not isinstance(data, str) or not data:
        raise missing("data")
    parts = data.split("_")
    if len(parts) < 2 or not parts[1]:
        raise invalid("data has no problem id", "data")
    block = common.usage_key(builder.need_course_id(), "problem", iri_part(parts[1], "data"))
    obj = common.activity(builder.xblock_iri(block), {"type": c.ACTIVITY_INTERACTION, "interactionType": "other"})
    return [builder.build(common.ATTEMPTED, obj)]


def _add_attempt(definition: dict[str, Any], event: Event) -> None:
    """The attempt number, as ERB gives it to a single problem, a multi-question parent and each of its children.

    ERB reads `data.attempts` in each of those statements' object definitions and leaves it out when falsy (0 too).
    """
    attempts = event.get("attempts")
    if attempts:
        definition["extensions"] = {c.EXT_ATTEMPT_ID: attempts}


def _single_check(event: Event, builder: StatementBuilder, submissions: dict[str, Any]) -> list[dict[str, Any]]:
    object_iri = _server_problem_iri(event, builder)
    submission = next((sub for sub in submissions.values() if present(sub.get("response_type"))), None)
    definition: dict[str, Any] = {"type": c.ACTIVITY_INTERACTION}
    if submission is not None:
        question = submission.get("question")
        if question is not None:
            if not isinstance(question, str):
                raise invalid("submission question must be a string", "data.submission")
            definition["description"] = {c.EN_US: question}
        definition["interactionType"] = interaction_type(submission.get("response_type"))
        success = _success(submission.get("correct"), "data.submission.correct")
        response = response_text(submission.get("answer"))
    else:
        name = _display_name(event)
        if name is not None:
            definition["name"] = {c.EN_US: name}
        definition["interactionType"] = "other"
        success = event.get("success") == "correct"
        response = response_text(event.get("answers"))
    _add_attempt(definition, event)
    result: dict[str, Any] = {"score": _problem_score(event)}
    if success is not None:
        result["success"] = success
    if response is not None:
        result["response"] = response
    return [builder.build(common.EVALUATED, common.activity(object_iri, definition), result=result)]


def _multi_check(event: Event, builder: StatementBuilder, submissions: dict[str, Any]) -> list[dict[str, Any]]:
    object_iri = _server_problem_iri(event, builder)
    definition: dict[str, Any] = {"type": c.ACTIVITY_INTERACTION, "interactionType": "other"}
    name = _display_name(event)
    if name is not None:
        definition["name"] = {c.EN_US: name}
    _add_attempt(definition, event)
    parent_object = common.activity(object_iri, definition, "GroupActivity")
    result = {"score": _problem_score(event), "success": event.get("success") == "correct"}
    parent = builder.build(common.EVALUATED, parent_object, result=result)
    statements = [parent]
    activities: dict[str, Any] = {"parent": [parent_object]}
    if builder.parent is not None:
        activities["grouping"] = [builder.parent]
    stem = object_iri.rsplit("@", 1)[0]
    for key, sub in submissions.items():
        child_key = iri_part(key, "data.submission")
        child_definition: dict[str, Any] = {"type": c.ACTIVITY_INTERACTION}
        question = sub.get("question")
        if question is not None:
            if not isinstance(question, str):
                raise invalid("submission question must be a string", "data.submission")
            child_definition["description"] = {c.EN_US: question}
        child_definition["interactionType"] = interaction_type(sub.get("response_type"))
        _add_attempt(child_definition, event)
        child_result: dict[str, Any] = {}
        success = _success(sub.get("correct"), "data.submission.correct")
        if success is not None:
            child_result["success"] = success
        response = response_text(sub.get("answer"))
        if response is not None:
            child_result["response"] = response
        child = builder.build(common.EVALUATED, common.activity(f"{stem}@{child_key}", child_definition),
                              result=child_result or None, activities=activities, child_key=child_key,
                              statement_ref=parent["id"])
        statements.append(child)
    return statements


@register("problem_check")
def transform_problem_check(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Browser: attempted, no result. Server: evaluated with score, success and response."""
    if event.field("event_source") == "browser":
        return _browser_check(event, builder)
    submissions = _submissions(event)
    if len(submissions) > 1:
        return _multi_check(event, builder, submissions)
    return _single_check(event, builder, submissions)


@register("showanswer")
def transform_showanswer(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Learner asked for the answer."""
    iri = f"{builder.xblock_iri(event.iri_part('problem_id'))}/answer"
    return [builder.build(common.ASKED, common.activity(iri, {"type": c.ACTIVITY_SOLUTION}))]


@register("edx.problem.hint.demandhint_displayed")
def transform_hint(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Learner asked for a hint (ERB uses an extension IRI as the activity type; kept for parity)."""
    iri = f"{builder.xblock_iri(event.iri_part('module_id'))}/hint/{event.iri_part('hint_index')}"
    return [builder.build(common.ASKED, common.activity(iri, {"type": c.ACTIVITY_SUPPLEMENTAL_INFO}))]


@register("edx.grades.problem.submitted")
def transform_problem_submitted(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Problem grade: success when earned ≥ possible; both weights are required."""
    iri = builder.xblock_iri(event.iri_part("problem_id"))
    earned = common.required_number(event.need("weighted_earned"), "data.weighted_earned")
    possible = common.required_number(event.need("weighted_possible"), "data.weighted_possible")
    scaled = earned / possible if possible else 0
    result = {"score": common.score(earned, possible, scaled), "success": earned >= possible}
    return [builder.build(common.ATTEMPTED, common.activity(iri, {"type": c.ACTIVITY_QUESTION}), result=result)]


@register("edx.problem.completed")
def transform_problem_completed(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Proposed event: the object id is the raw usage key, as ERB emits it (a usage key parses as an IRI)."""
    problem_id = event.need("problem_id")
    if not is_absolute_iri(problem_id):
        raise invalid("data.problem_id is not a usage key", "data.problem_id")
    return [builder.build(common.COMPLETED, common.activity(problem_id, {"type": c.ACTIVITY_INTERACTION}))]
