"""Who may see which dashboard: the platform's course roles and global staff (``common.djangoapps.student.roles``).

The only place the dashboards ask the platform about permissions. Imports happen inside functions, like every
adapter here, so the plugin imports cleanly outside the platform.
"""

from __future__ import annotations

from typing import Any

from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey


def is_global_staff(user: Any) -> bool:
    """Platform-wide staff (the instance dashboard and every course)."""
    from common.djangoapps.student.roles import GlobalStaff

    return bool(user is not None and user.is_authenticated and GlobalStaff().has_user(user))


def can_view_course(user: Any, course_key: str) -> bool:
    """Global staff, or staff / instructor of this course; False for a malformed key or an anonymous user.

    Whether the course exists is not asked: a denial must look the same for a real and an invented course.
    """
    if user is None or not user.is_authenticated:
        return False
    if is_global_staff(user):
        return True
    try:
        key = CourseKey.from_string(course_key)
    except (InvalidKeyError, TypeError):
        return False
    from common.djangoapps.student.roles import CourseInstructorRole, CourseStaffRole

    return CourseStaffRole(key).has_user(user) or CourseInstructorRole(key).has_user(user)
