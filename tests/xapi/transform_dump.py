"""Transform a file of inputs with whichever ``oars_platform`` comes first on ``sys.path``; write what came out.

Run as a script by ``test_compiled.py``: ``python transform_dump.py PACKAGE_ROOT INPUTS OUTPUT``. The same inputs go
through the compiled transform (the installed package) and through a plain-Python copy of the sources, and the two
outputs must be identical: compiled code checks declared types at run time, so a wrong annotation would show up here
as a different rejection or a different statement.
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any


def dump(inputs: dict[str, Any]) -> dict[str, Any]:
    """Statements (JSON text) and rejections (reason, field) per actor mode, batch by batch."""
    from oars_platform.xapi import ActorMode, CachedLookups, TransformConfig, transform_batch

    def actors(refs: set[Any], mode: str) -> dict[Any, str]:
        known = {ref for ref in refs if "unknown" not in str(ref)}
        if mode == "external_id":
            return {ref: str(uuid.uuid5(uuid.NAMESPACE_URL, str(ref))) for ref in known}
        return {ref: f"learner-{ref}@example.org" for ref in known}

    def courses(course_ids: set[str]) -> dict[str, str]:
        return {course_id: f"Course {course_id}" for course_id in course_ids if "unknown" not in course_id}

    out: dict[str, Any] = {}
    for mode in ActorMode:
        config = TransformConfig(lms_root_url="http://localhost:18000", actor_mode=mode, page_views_enabled=True,
                                 max_event_bytes=20_000)
        lookups = CachedLookups(actors, courses)
        rows = []
        events = inputs["events"]
        for start in range(0, len(events), 200):
            result = transform_batch(events[start:start + 200], config, lookups)
            rows.extend(row.json for row in result.statements)
            rows.extend(f"{rejection.reason}|{rejection.field}|{rejection.detail}" for rejection in result.rejections)
        out[mode.value] = rows
    return out


if __name__ == "__main__":
    root, source, target = sys.argv[1:4]
    sys.path.insert(0, root)
    from oars_platform.xapi import pipeline

    with open(source) as inputs, open(target, "w") as output:
        json.dump({"pipeline": pipeline.__file__, "out": dump(json.load(inputs))}, output)
