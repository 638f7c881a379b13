"""Discussion forum events (spec §3.2 rows 30-37)."""

from __future__ import annotations

from typing import Any

from oars_platform.xapi import common
from oars_platform.xapi import constants as c
from oars_platform.xapi.common import StatementBuilder, Verb
from oars_platform.xapi.inputs import Event, iri_part
from oars_platform.xapi.registry import register
from oars_platform.xapi.results import missing

# event name → verb.
FORUM_VERBS: dict[str, Verb] = {
    "edx.forum.thread.created": common.POSTED,
    "edx.forum.response.created": common.POSTED,
    "edx.forum.comment.created": common.POSTED,
    "edx.forum.thread.edited": common.EDITED,
    "edx.forum.response.edited": common.EDITED,
    "edx.forum.comment.edited": common.EDITED,
    "edx.forum.thread.deleted": common.DELETED,
    "edx.forum.response.deleted": common.DELETED,
    "edx.forum.comment.deleted": common.DELETED,
    "edx.forum.thread.viewed": common.VIEWED,
    "edx.forum.thread.voted": common.VOTED,
    "edx.forum.response.voted": common.VOTED,
    "edx.forum.thread.reported": common.REPORTED,
    "edx.forum.response.reported": common.REPORTED,
    "edx.forum.comment.reported": common.REPORTED,
    "edx.forum.thread.unreported": common.UNREPORTED,
    "edx.forum.response.unreported": common.UNREPORTED,
    "edx.forum.comment.unreported": common.UNREPORTED,
}
# event name → data key whose value goes into the acrossx `type` context extension.
TYPE_EXTENSION_SOURCE: dict[str, str] = {
    "edx.forum.thread.created": "thread_type",
    "edx.forum.thread.voted": "vote_value",
    "edx.forum.response.voted": "vote_value",
}


def forum_object_iri(event: Event, builder: StatementBuilder) -> str:
    """`{LMS}{path}/{id}`, where path is the request path without the id and without trailing slashes."""
    object_id = event.iri_part("id")
    path = event.ctx("path")
    if path is None:
        raise missing("context.path")
    path = iri_part(path, "context.path").rstrip("/").replace(object_id, "").rstrip("/")
    return f"{builder.lms}{path}/{object_id}"


@register(*FORUM_VERBS)
def transform_forum(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Posts, edits, deletes, views, votes and reports; replies are grouped under their thread."""
    definition: dict[str, Any] = {"type": c.ACTIVITY_DISCUSSION}
    title = event.text("title")
    if title is not None:
        definition["name"] = {c.EN: title}
    obj = common.activity(forum_object_iri(event, builder), definition)
    extensions = None
    source = TYPE_EXTENSION_SOURCE.get(event.name)
    if source is not None and event.get(source) is not None:
        extensions = {c.EXT_ACROSSX_TYPE: event.get(source)}
    activities: dict[str, Any] | None = {"parent": [builder.parent]} if builder.parent is not None else None
    discussion = event.get("discussion")
    thread_id = discussion.get("id") if isinstance(discussion, dict) else None
    if thread_id:
        activities = dict(activities or {})
        thread_iri = f"{builder.lms}/api/discussion/v1/threads/{iri_part(thread_id, 'data.discussion.id')}"
        activities["grouping"] = [common.activity(thread_iri, {"type": c.ACTIVITY_DISCUSSION})]
    return [builder.build(FORUM_VERBS[event.name], obj, extensions=extensions, activities=activities)]
