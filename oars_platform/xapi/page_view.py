"""Page views (contract §0 rule 7; not in ERB): server events named by a URL path under `/courses/`.

They are about two thirds of tracking volume, so they are off by default and are not in the registry: the batch
loop only considers them after a registry miss, with a prefix check (`PAGE_VIEW_PREFIX`).
"""

from __future__ import annotations

from typing import Any

from oars_platform.xapi import common
from oars_platform.xapi import constants as c
from oars_platform.xapi.common import StatementBuilder
from oars_platform.xapi.inputs import Event, iri_part

PAGE_VIEW_PREFIX = "/courses/"


def is_page_view(name: str) -> bool:
    """True for event names that are course URL paths."""
    return name.startswith(PAGE_VIEW_PREFIX)


def transform_page_view(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Viewed `{LMS}{path}`, a page activity, with the usual course parent."""
    iri = f"{builder.lms}{iri_part(event.name, 'name')}"
    return [builder.build(common.VIEWED, common.activity(iri, {"type": c.ACTIVITY_PAGE}))]
