"""Course overviews: display names for the xAPI course parent, fetched in bulk."""

from __future__ import annotations

from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey


class InvalidCourseKey(ValueError):
    """Text that is not a course key; the message says so in the words every command and view uses."""


def check_course_key(text: str) -> str:
    """``text`` if it parses as a course key (``course-v1:ORG+NUMBER+RUN``, CCX keys too), else InvalidCourseKey."""
    try:
        CourseKey.from_string(text)
    except (InvalidKeyError, TypeError):
        shown = str(text)[:100]
        raise InvalidCourseKey(f"invalid course key: {shown!r} (expected course-v1:ORG+NUMBER+RUN)") from None
    return text


def fetch_course_names(course_ids: set[str]) -> dict[str, str]:
    """Display name per course id string; unknown or malformed ids are omitted (one query)."""
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    keys = {}
    for course_id in course_ids:
        try:
            keys[CourseKey.from_string(course_id)] = course_id
        except (InvalidKeyError, TypeError):
            continue
    if not keys:
        return {}
    rows = CourseOverview.objects.filter(id__in=list(keys)).values_list("id", "display_name")
    return {keys[key]: name or "" for key, name in rows if key in keys}
