"""Enrollment events (spec §3.2 rows 1-3): the course is the object and there are no context activities."""

from __future__ import annotations

from typing import Any

from oars_platform.xapi import common
from oars_platform.xapi import constants as c
from oars_platform.xapi.common import StatementBuilder, Verb
from oars_platform.xapi.inputs import Event
from oars_platform.xapi.registry import register

VERBS: dict[str, Verb] = {
    "edx.course.enrollment.activated": common.REGISTERED,
    "edx.course.enrollment.mode_changed": common.REGISTERED,
    "edx.course.enrollment.deactivated": common.UNREGISTERED,
}


def mode_extensions(event: Event) -> dict[str, Any]:
    """`{acrossx type: data.mode}`, or `{}` without a mode (tincan serialises an all-None Extensions as `{}`)."""
    mode = event.get("mode")
    return {} if mode is None else {c.EXT_ACROSSX_TYPE: mode}


@register(*VERBS)
def transform_enrollment(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Learner enrolled, changed mode or unenrolled."""
    obj = common.course_object(builder, mode_extensions(event))
    return [builder.build(VERBS[event.name], obj, activities=None)]
