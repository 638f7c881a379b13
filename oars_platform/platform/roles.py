"""Who may see which dashboard: exactly what the platform's own access checks say.

The course dashboard is for those the platform lets into the course's staff tools: in the LMS, the instructor
dashboard's rule, ``has_access(user, 'staff', course_key)`` (``lms.djangoapps.courseware.access``), which grants
global staff, course and org staff (limited staff included), course and org instructors, and whatever openedx-authz
assignments the platform's role cache merges in; in Studio, ``has_studio_read_access(user, course_key)``
(``common.djangoapps.student.auth``), Studio's rule for opening a course. Asking the platform rather than reading
role rows means a new role, an org-level grant or an authz assignment gets exactly the access the platform gives.
The instance dashboard is for global staff (``GlobalStaff``: the user's ``is_staff``).

Imports happen inside functions, like every adapter here, so the plugin imports cleanly outside the platform.
"""

from __future__ import annotations

from typing import Any

from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey


def is_global_staff(user: Any) -> bool:
    """Platform-wide staff (the instance dashboard and every course)."""
    from common.djangoapps.student.roles import GlobalStaff

    return bool(user is not None and user.is_authenticated and GlobalStaff().has_user(user))


def _in_studio() -> bool:
    from django.conf import settings

    return getattr(settings, "ROOT_URLCONF", "") != "lms.urls"


def can_view_course(user: Any, course_key: str) -> bool:
    """The platform's staff access to this course; False for a malformed key or an anonymous user.

    Whether the course exists is not asked: a denial must look the same for a real and an invented course.
    """
    if user is None or not user.is_authenticated:
        return False
    try:
        key = CourseKey.from_string(course_key)
    except (InvalidKeyError, TypeError):
        return False
    if _in_studio():
        from common.djangoapps.student.auth import has_studio_read_access

        return bool(has_studio_read_access(user, key))
    from lms.djangoapps.courseware.access import has_access

    return bool(has_access(user, "staff", key))
