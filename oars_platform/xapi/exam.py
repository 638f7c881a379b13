"""Special-exam attempt events (spec §3.2 rows 38-39, §3.5).

ERB reads `event.*`, so it only works on replayed tracking logs; edx-proctoring emits the payload under `data` in the
live path, where ERB raises. Our normalisation puts a log line's `event` under `data`, so both shapes are read from
`data.*` (deliberate difference).

ERB parity kept on purpose: the object id is the raw usage key (`block-v1:...`, which parses as an absolute IRI) and
the grouping activity id is the attempt code, a bare UUID that is *not* an absolute IRI, so these statements fail
strict xAPI validation on `context.contextActivities.grouping[0].id` (see validation.ERB_PARITY_EXCEPTIONS).
"""

from __future__ import annotations

from typing import Any

from oars_platform.xapi import common
from oars_platform.xapi import constants as c
from oars_platform.xapi.common import StatementBuilder, Verb
from oars_platform.xapi.inputs import Event
from oars_platform.xapi.iri import is_absolute_iri, is_iri_component
from oars_platform.xapi.registry import register
from oars_platform.xapi.results import invalid

EXAM_KINDS = ("timed", "practice", "proctored")
# event name → (verb, exam kind).
EXAM_EVENTS: dict[str, tuple[Verb, str]] = {
    **{f"edx.special_exam.{kind}.attempt.created": (common.INITIALIZED, kind) for kind in EXAM_KINDS},
    **{f"edx.special_exam.{kind}.attempt.submitted": (common.TERMINATED, kind) for kind in EXAM_KINDS},
}


@register(*EXAM_EVENTS)
def transform_exam_attempt(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Exam attempt started or submitted."""
    verb, kind = EXAM_EVENTS[event.name]
    content_id = event.need("exam_content_id")
    if not is_absolute_iri(content_id):
        raise invalid("data.exam_content_id is not a usage key", "data.exam_content_id")
    attempt_code = event.need("attempt_code")
    if not is_iri_component(attempt_code):
        raise invalid("data.attempt_code is not an id", "data.attempt_code")
    name = event.text("exam_name")
    definition: dict[str, Any] = {"type": f"{c.ACTIVITY_EXAM_PREFIX}{kind}-assessment"}
    attempt_definition: dict[str, Any] = {"type": c.ACTIVITY_ATTEMPT}
    if name is not None:
        definition["name"] = {c.EN: name}
        attempt_definition["name"] = {c.EN: name}
    definition["extensions"] = common.drop_none({c.EXT_TIME_LIMIT: event.get("exam_default_time_limit_mins")})
    attempt_definition["extensions"] = common.drop_none({
        c.EXT_ATTEMPT_STARTED: event.get("attempt_started_at"),
        c.EXT_ATTEMPT_COMPLETED: event.get("attempt_completed_at"),
        c.EXT_DURATION: event.get("attempt_event_elapsed_time_secs"),
        c.EXT_ATTEMPT_ID: event.get("attempt_id"),
    })
    activities: dict[str, Any] = {"parent": [builder.parent]} if builder.parent is not None else {}
    activities["grouping"] = [common.activity(attempt_code, attempt_definition)]
    return [builder.build(verb, common.activity(content_id, definition), activities=activities)]
