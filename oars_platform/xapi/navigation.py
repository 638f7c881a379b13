"""Navigation events (spec §3.2 rows 25-29): links, outline, and moves inside a sequence."""

from __future__ import annotations

from typing import Any

from oars_platform.xapi import common
from oars_platform.xapi import constants as c
from oars_platform.xapi.common import StatementBuilder
from oars_platform.xapi.inputs import Event
from oars_platform.xapi.iri import is_absolute_iri
from oars_platform.xapi.registry import register
from oars_platform.xapi.results import invalid


def _target_url(event: Event) -> str:
    """`data.target_url`, used verbatim as the object id, so it must already be an absolute IRI."""
    url = event.need("target_url")
    if not is_absolute_iri(url):
        raise invalid("data.target_url is not an absolute IRI", "data.target_url")
    return url


@register("edx.ui.lms.link_clicked")
def transform_link_clicked(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """A link inside the courseware; the course parent only when the event has a course."""
    obj = common.activity(_target_url(event), {"type": c.ACTIVITY_LINK})
    return [builder.build(common.NAVIGATED, obj)]


@register("edx.ui.lms.outline.selected", "edx.ui.lms.sequence.outline.selected")
def transform_outline_selected(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """A unit picked in the course outline (ERB drops it without a target, since there is no object id)."""
    definition: dict[str, Any] = {"type": c.ACTIVITY_MODULE}
    name = event.text("target_name")
    if name is not None:
        definition["name"] = {c.EN: name}
    return [builder.build(common.NAVIGATED, common.activity(_target_url(event), definition))]


# event name → how the ending point is written.
SEQUENCE_ENDING: dict[str, str | None] = {
    "edx.ui.lms.sequence.next_selected": "next unit",
    "edx.ui.lms.sequence.previous_selected": "previous unit",
    "edx.ui.lms.sequence.tab_selected": None,  # data.target_tab
}


@register(*SEQUENCE_ENDING)
def transform_sequence(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Next/previous/tab inside a sequence: starting position, ending point and total items."""
    iri = builder.xblock_iri(event.iri_part("id"))
    definition = {"type": c.ACTIVITY_RESOURCE,
                  "extensions": common.drop_none({c.EXT_TOTAL_ITEMS: event.get("tab_count")})}
    ending = SEQUENCE_ENDING[event.name]
    extensions = common.drop_none({
        c.EXT_STARTING_POSITION: event.get("current_tab"),
        c.EXT_ENDING_POINT: event.get("target_tab") if ending is None else ending,
    })
    return [builder.build(common.NAVIGATED, common.activity(iri, definition), extensions=extensions)]
