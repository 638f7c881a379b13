"""The platform's modulestore as a course source: the only module of the plugin that imports ``xmodule``.

Structure is always read from the published branch (``branch_setting(published_only)``): Studio's default branch is
draft-preferred, and drafts must never reach reports. Course-level bookkeeping (created/modified) comes from
CourseOverview, the LMS's copy of the course block, which the platform refreshes on every publish; its ``modified``
is the change time the backfill compares with the last dump.

Names: a course's name is its published course block's ``display_name``, the same field CourseOverview copies and
the xAPI course-name lookup (:mod:`oars_platform.platform.courses`) reads; an unset name is "" in both.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from oars_platform.platform import models
from oars_platform.platform.tagging import TagLookup
from oars_platform.sources.course_rows import text_time
from oars_platform.sources.course_structure import DETACHED_TYPES, BlockNode, CourseListing, CourseSnapshot

log = logging.getLogger(__name__)


def detached_types() -> frozenset[str]:
    """The platform's ``DETACHED_XBLOCK_TYPES`` (block types tagged "detached"); our copy only where it cannot load.

    The platform computes the set from the installed XBlocks' tags, so a site with an extra detached block type
    dumps it as detached too; the fallback is the set edx-platform ships.
    """
    try:
        from xmodule.modulestore.store_utilities import DETACHED_XBLOCK_TYPES
    except ImportError:
        log.debug("xmodule's DETACHED_XBLOCK_TYPES is not importable; using the built-in set")
        return DETACHED_TYPES
    return frozenset(str(block_type) for block_type in DETACHED_XBLOCK_TYPES)


def _overviews(keys: list[CourseKey] | None = None) -> Any:
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    queryset = CourseOverview.objects.all()
    return queryset if keys is None else queryset.filter(id__in=keys)


def _is_ccx(key: Any) -> bool:
    return getattr(key, "ccx", None) is not None


#: The platform's direct-only block types, where it cannot be imported (edx-platform's list).
_DIRECT_ONLY = frozenset({"course", "chapter", "sequential", "about", "static_tab", "course_info"})


def published_at_once(block_type: str) -> bool:
    """Whether Studio publishes a change to this block type immediately (``DIRECT_ONLY_CATEGORIES``).

    Deleting any other block (a unit, a component) changes only the draft branch: the published course changes when
    its parent is published, which sends ``course_published`` and ``XBLOCK_PUBLISHED``.
    """
    try:
        from xmodule.modulestore.draft_and_published import DIRECT_ONLY_CATEGORIES
    except ImportError:
        return block_type in _DIRECT_ONLY
    return block_type in DIRECT_ONLY_CATEGORIES


def block_node(block: Any, children: tuple[str, ...], tags: TagLookup) -> BlockNode:
    """The row model of one XBlock (``graded`` is the inherited value the block reports).

    Tags come from content tagging (the XBlock field ``tags`` is a legacy list the platform no longer fills).
    """
    location = block.location
    return BlockNode(
        location=str(location),
        block_type=location.block_type,
        display_name=str(block.display_name_with_default),
        children=children,
        graded=bool(getattr(block, "graded", False)),
        completion_mode=str(getattr(block, "completion_mode", "") or ""),
        edited_on=text_time(getattr(block, "edited_on", None)),
        tags=tags.tag_ids(str(location)),
    )


def _walk(course: Any, tags: TagLookup) -> dict[str, BlockNode]:
    """Every block of the published tree, by location (iterative: deep trees cannot hit the recursion limit)."""
    blocks: dict[str, BlockNode] = {}
    stack = [course]
    while stack:
        block = stack.pop()
        children = block.get_children() if getattr(block, "has_children", False) else []
        blocks[str(block.location)] = block_node(block, tuple(str(child.location) for child in children), tags)
        stack.extend(children)
    return blocks


class ModulestoreSource:
    """Published courses of the platform's modulestore, listed from CourseOverview; CCXs follow their course."""

    name = "modulestore"

    def list_courses(self) -> list[CourseListing]:
        """Every course overview (one SQL query), CCXs excluded: they are dumped with their master course."""
        return [
            CourseListing(str(key), modified)
            for key, modified in _overviews().order_by("id").values_list("id", "modified")
            if not _is_ccx(key)
        ]

    def read(self, course_key: str) -> CourseSnapshot | None:
        """The published course, or None if the modulestore has no such course."""
        from xmodule.modulestore import ModuleStoreEnum
        from xmodule.modulestore.django import modulestore

        try:
            key = CourseKey.from_string(course_key)
        except InvalidKeyError:
            return None
        read_at = dt.datetime.now(dt.UTC)
        # Bookkeeping first: a publish landing between the two reads makes the stored ``modified`` older than the
        # structure, so the next backfill dumps again (never the reverse, which would skip a change).
        overview = _overviews([key]).values("created", "modified", "effort", "external_id").first() or {}
        store = modulestore()
        with store.branch_setting(ModuleStoreEnum.Branch.published_only, key):
            course = store.get_course(key, depth=None)
            if course is None:
                return None
            tags = TagLookup.for_course(str(key))
            blocks = _walk(course, tags)
            effort = overview.get("effort")
            for block_type in sorted(detached_types()):
                for block in store.get_items(key, qualifiers={"category": block_type}):
                    blocks.setdefault(str(block.location), block_node(block, (), tags))
                    if effort is None and block_type == "about" and block.location.block_id == "effort":
                        effort = getattr(block, "data", None)
            return CourseSnapshot(
                course_key=str(key),
                display_name=course.display_name or "",
                root=str(course.location),
                blocks=blocks,
                source=self.name,
                read_at=read_at,
                modified=overview.get("modified"),
                created=overview.get("created"),
                start=course.start,
                end=course.end,
                enrollment_start=course.enrollment_start,
                enrollment_end=course.enrollment_end,
                self_paced=bool(course.self_paced),
                course_data=_course_data(course, effort, overview.get("external_id"), tags.tag_ids(str(key))),
            )

    def derived_courses(self, snapshot: CourseSnapshot) -> Iterator[CourseSnapshot]:
        """The CCXs of the course, each with the master's published structure under its own keys."""
        for ccx_key, name in ccx_courses(snapshot.course_key):
            yield snapshot.for_ccx(ccx_key, name)


def _course_data(
    course: Any, effort: str | None, external_id: str | None, tags: tuple[int, ...]
) -> dict[str, Any]:
    """``course_data_json`` values from the course block (what CourseOverview copies).

    ``external_id`` is CourseOverview's own column (the course block has no such field; the platform never copies
    it from the block), ``tags`` the content tags of the course key, as Aspects reads them.
    """
    lowest = getattr(course, "lowest_passing_grade", None)
    return {
        "advertised_start": getattr(course, "advertised_start", None),
        "announcement": text_time(getattr(course, "announcement", None)) or None,
        "lowest_passing_grade": None if lowest is None else round(float(lowest), 2),
        "invitation_only": bool(getattr(course, "invitation_only", False)),
        "max_student_enrollments_allowed": getattr(course, "max_student_enrollments_allowed", None),
        "effort": effort,
        "enable_proctored_exams": bool(getattr(course, "enable_proctored_exams", False)),
        "entrance_exam_enabled": bool(getattr(course, "entrance_exam_enabled", False)),
        "external_id": external_id,
        "language": getattr(course, "language", None),
        "tags": list(tags),
    }


def ccx_courses(course_key: str) -> list[tuple[str, str]]:
    """``(ccx course key, display name)`` of every CCX of the course; empty where the CCX app is not installed.

    Studio never installs the LMS's CCX app and the LMS installs it only when ``CUSTOM_COURSES_EDX`` is on; the
    model still imports there (it declares its app label) but has no table.
    """
    model = models.resolve(models.CCX)
    if model is None:
        return []
    key = CourseKey.from_string(course_key)
    return [(str(ccx.locator), ccx.display_name) for ccx in model.objects.filter(course_id=key)]
