"""Content tags (``openedx.core.djangoapps.content_tagging``): the tags of a course's blocks, as Aspects reads them.

A block's tags, for ``xblock_data_json`` and ``course_data_json``, are the ids of the tags
``content_tagging.api.get_object_tags(object_id=str(usage_key))`` returns, each with its ancestors (what
platform-plugin-aspects writes, and what aspects-dbt joins with ``event_sink.tag``). Calling the API once per block
would cost one query per block on every dump, so one query on the ``oel_tagging`` table first finds which objects
of the course carry any tag, and the API is asked only about those. Releases without content tagging (before
Redwood) have no tags: every block then has none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from oars_platform.platform.models import OBJECT_TAG, resolve

log = logging.getLogger(__name__)


def _get_object_tags() -> Any | None:
    try:
        from openedx.core.djangoapps.content_tagging.api import get_object_tags
    except ImportError:
        return None
    return get_object_tags


def course_of(object_id: str) -> str | None:
    """The course key of a tagged object id (a course or one of its blocks); None for anything else (libraries)."""
    from opaque_keys import InvalidKeyError
    from opaque_keys.edx.keys import CourseKey, UsageKey

    try:
        return str(CourseKey.from_string(object_id))
    except InvalidKeyError:
        pass
    try:
        context = UsageKey.from_string(object_id).context_key
    except (InvalidKeyError, AttributeError):
        return None
    return str(context) if isinstance(context, CourseKey) else None


@dataclass
class TagLookup:
    """The tag ids of each tagged object of one course (objects without tags are absent)."""

    by_object: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def for_course(cls, course_key: str) -> TagLookup:
        """Ask content tagging about every tagged object of the course (the course itself and its blocks)."""
        get_object_tags = _get_object_tags()
        model = resolve(OBJECT_TAG)
        if get_object_tags is None or model is None:
            return cls()
        from django.db.models import Q

        block_prefix = course_key.replace("course-v1:", "block-v1:", 1)
        tagged = (
            model.objects.filter(Q(object_id=course_key) | Q(object_id__startswith=block_prefix))
            .values_list("object_id", flat=True)
            .distinct()
        )
        by_object = {}
        for object_id in tagged:
            ids = tag_ids_with_ancestors(get_object_tags(object_id=object_id))
            if ids:
                by_object[object_id] = ids
        return cls(by_object)

    def tag_ids(self, object_id: str) -> tuple[int, ...]:
        """The object's tag ids, ancestors included, ascending (empty when untagged)."""
        return self.by_object.get(object_id, ())


def tag_ids_with_ancestors(object_tags: Any) -> tuple[int, ...]:
    """Ids of the object tags' tags and of every ancestor of those (free-text tags have no tag, hence no id)."""
    ids: set[int] = set()
    for object_tag in object_tags:
        tag = object_tag.tag
        while tag is not None:
            ids.add(int(tag.id))
            tag = tag.parent
    return tuple(sorted(ids))
