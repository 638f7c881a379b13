"""Block completion (spec §3.2 row 9)."""

from __future__ import annotations

from typing import Any

from oars_platform.xapi import common
from oars_platform.xapi import constants as c
from oars_platform.xapi.common import StatementBuilder
from oars_platform.xapi.inputs import Event
from oars_platform.xapi.registry import register


@register("edx.completion.block_completion.changed")
def transform_completion(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Progress on a block: `completion` is true only at 1.0; progress is the percentage.

    Without `data.completion` the result is omitted (deliberate difference: ERB crashes on `None * 100`).
    """
    obj = common.activity(builder.xblock_iri(event.iri_part("block_id")), {"type": c.ACTIVITY_RESOURCE})
    completion = common.number(event.get("completion"), "data.completion")
    if completion is None:
        return [builder.build(common.PROGRESSED, obj)]
    result = {"completion": completion == 1.0, "extensions": {c.EXT_PROGRESS: completion * 100}}
    return [builder.build(common.PROGRESSED, obj, result=result)]
