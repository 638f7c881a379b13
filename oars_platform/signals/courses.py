"""Course publishing: every signal that says "this course's published content changed" asks for one debounced dump.

Four signals say it, often about the same publish: the modulestore's ``course_published`` (end of the bulk
operation), Studio's ``COURSE_CATALOG_INFO_CHANGED`` (after that commits), ``XBLOCK_PUBLISHED`` (each published
subtree) and ``XBLOCK_DELETED`` (a removed block; sections and subsections are republished at once). Rather than
patching single block rows, each one requests a dump of the whole course through
:func:`oars_platform.tasks.courses.request_course_dump`: section/subsection/unit numbering and ``order`` depend on
the whole tree, and the debounce makes the burst one dump. ``course_deleted`` takes the course out of the current
views. Receivers never raise: a failure is logged and the next publish (or the backfill) catches up.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def _request(course_key: Any, signal: str) -> None:
    from oars_platform.tasks.courses import request_course_dump

    try:
        if course_key is None:
            return
        key = course_key.for_branch(None) if hasattr(course_key, "for_branch") else course_key
        request_course_dump(str(key))
    except Exception as exc:  # receivers must never break a publish
        log.error("oars: could not request a dump of %s after %s (%s)", course_key, signal, type(exc).__name__)


def on_course_published(sender: Any = None, course_key: Any = None, **kwargs: Any) -> None:
    """``SignalHandler.course_published``: the course's published branch changed."""
    _request(course_key, "course_published")


def on_course_catalog_info_changed(sender: Any = None, catalog_info: Any = None, **kwargs: Any) -> None:
    """``COURSE_CATALOG_INFO_CHANGED``: name, dates or pacing may have changed (sent after the publish commits)."""
    _request(getattr(catalog_info, "course_key", None), "COURSE_CATALOG_INFO_CHANGED")


def on_xblock_published(sender: Any = None, xblock_info: Any = None, **kwargs: Any) -> None:
    """``XBLOCK_PUBLISHED``: a block and its subtree were published."""
    _request(getattr(getattr(xblock_info, "usage_key", None), "course_key", None), "XBLOCK_PUBLISHED")


def on_xblock_deleted(sender: Any = None, xblock_info: Any = None, **kwargs: Any) -> None:
    """``XBLOCK_DELETED``: a section, subsection or detached block left the published course.

    The platform also sends it for deletions that touch only drafts (units and components, through
    ``on_commit_changes_to``); those change nothing published until their parent is published, which sends its own
    signals, so they ask for no dump.
    """
    from oars_platform.platform.modulestore import published_at_once

    usage_key = getattr(xblock_info, "usage_key", None)
    block_type = getattr(xblock_info, "block_type", None) or getattr(usage_key, "block_type", "")
    if published_at_once(str(block_type)):
        _request(getattr(usage_key, "course_key", None), "XBLOCK_DELETED")


def on_course_deleted(sender: Any = None, course_key: Any = None, **kwargs: Any) -> None:
    """``SignalHandler.course_deleted``: the course and its blocks leave the current views (history stays)."""
    from oars_platform.conf import get_config
    from oars_platform.tasks.base import enqueue_on_commit
    from oars_platform.tasks.courses import mark_course_deleted_task

    try:
        if course_key is None or not get_config().course_dump_enabled:
            return
        enqueue_on_commit(mark_course_deleted_task, str(course_key))
    except Exception as exc:
        log.error("oars: could not record the deletion of %s (%s)", course_key, type(exc).__name__)
