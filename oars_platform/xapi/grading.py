"""Grade events (spec §3.2 rows 4-8): pass/fail on the course, subsection and course grade calculations."""

from __future__ import annotations

from typing import Any

from oars_platform.xapi import common
from oars_platform.xapi import constants as c
from oars_platform.xapi.common import StatementBuilder, Verb
from oars_platform.xapi.enrollment import mode_extensions
from oars_platform.xapi.inputs import Event
from oars_platform.xapi.registry import register

PASS_FAIL_VERBS: dict[str, Verb] = {
    "edx.course.grade.passed.first_time": common.PASSED,
    "edx.course.grade.now_passed": common.PASSED,
    "edx.course.grade.now_failed": common.FAILED,
}


@register(*PASS_FAIL_VERBS)
def transform_pass_fail(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Course passed or failed: same object as enrollment (usually without mode, so `"extensions": {}`)."""
    obj = common.course_object(builder, mode_extensions(event))
    return [builder.build(PASS_FAIL_VERBS[event.name], obj, activities=None)]


@register("edx.grades.subsection.grade_calculated")
def transform_subsection_grade(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Subsection grade: success when earned ≥ possible; missing totals count as 0, as in ERB."""
    block_id = event.iri_part("block_id")
    earned = common.number(event.get("weighted_total_earned"), "data.weighted_total_earned") or 0
    possible = common.number(event.get("weighted_total_possible"), "data.weighted_total_possible") or 0
    scaled = earned / possible if possible else 0
    result = {"score": common.score(earned, possible, scaled), "success": earned >= possible}
    obj = common.activity(builder.xblock_iri(block_id), {"type": c.ACTIVITY_RESOURCE})
    return [builder.build(common.EARNED, obj, result=result)]


@register("edx.grades.course.grade_calculated")
def transform_course_grade(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Course grade: percent as raw and scaled over max 1.0, letter grade (or "Fail") as classification."""
    percent = common.required_number(event.need("percent_grade"), "data.percent_grade")
    letter = event.get("letter_grade") or "Fail"
    result = {
        "score": common.score(percent, 1.0, percent),
        "extensions": {c.EXT_GRADE_CLASSIFICATION: letter},
    }
    return [builder.build(common.EARNED, common.course_object(builder, None), result=result)]
