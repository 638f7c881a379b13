"""Copy of Studio's publish handler: after a publish commits, send COURSE_CATALOG_INFO_CHANGED, if toggled on.

As in the platform, the event is sent only when the setting toggle ``SEND_CATALOG_INFO_SIGNAL`` (a ``SettingToggle``
in ``cms/djangoapps/contentstore/toggles.py``) is on; its default is off.
"""

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from opaque_keys.edx.keys import CourseKey
from openedx_events.content_authoring.data import CourseCatalogData, CourseScheduleData
from openedx_events.content_authoring.signals import COURSE_CATALOG_INFO_CHANGED
from xmodule.modulestore import ModuleStoreEnum
from xmodule.modulestore.django import SignalHandler, modulestore


def create_catalog_data_for_signal(course_key: CourseKey) -> tuple[datetime, CourseCatalogData] | None:
    """Catalog data from the published course; ``time`` is the course's ``subtree_edited_on``."""
    store = modulestore()
    with store.branch_setting(ModuleStoreEnum.Branch.published_only, course_key):
        course = store.get_course(course_key)
        if course is None:
            return None
        timestamp = course.subtree_edited_on.replace(tzinfo=UTC)
        return timestamp, CourseCatalogData(
            course_key=course_key.for_branch(None),
            name=course.display_name,
            schedule_data=CourseScheduleData(
                start=course.start,
                pacing="self" if course.self_paced else "instructor",
                end=course.end,
                enrollment_start=course.enrollment_start,
                enrollment_end=course.enrollment_end,
            ),
            hidden=course.catalog_visibility in ["about", "none"] or course_key.deprecated,
            invitation_only=course.invitation_only,
        )


def emit_catalog_info_changed_signal(course_key: CourseKey) -> None:
    """Send the event if the course still exists."""
    result = create_catalog_data_for_signal(course_key)
    if result is not None:
        timestamp, catalog_info = result
        COURSE_CATALOG_INFO_CHANGED.send_event(time=timestamp, catalog_info=catalog_info)


@receiver(SignalHandler.course_published, dispatch_uid="contentstore.listen_for_course_publish")
def listen_for_course_publish(sender: type, course_key: CourseKey, **kwargs: Any) -> None:
    """Defer the catalog event until the publishing transaction commits (only with the toggle on)."""
    if not getattr(settings, "SEND_CATALOG_INFO_SIGNAL", False):
        return
    transaction.on_commit(lambda: emit_catalog_info_changed_signal(course_key))
