"""``has_access(user, action, obj, course_key=None)`` for the ``staff`` and ``instructor`` actions on a course.

What the instructor dashboard asks (``has_access(request.user, 'staff', course)`` / ``'instructor'``). As in the
platform's ``_has_access_to_course``: anonymous users are denied; global staff are granted; ``staff`` is granted to
course or org staff (limited staff included, through the role cache) and to course or org instructors;
``instructor`` to course or org instructors. Simplified: the platform dispatches on many object types (blocks,
overviews, locations, ...) and actions, checks masquerading and returns an ``AccessResponse`` with error codes; the
stand-in accepts a course key, a CourseOverview or a course block and returns a bool.
"""

from typing import Any

from common.djangoapps.student.roles import (
    CourseInstructorRole,
    CourseStaffRole,
    GlobalStaff,
    OrgInstructorRole,
    OrgStaffRole,
)
from opaque_keys.edx.keys import CourseKey


def administrative_accesses_to_course_for_user(user: Any, course_key: CourseKey) -> tuple[bool, bool, bool]:
    """``(global staff, staff access, instructor access)`` of the user in the course."""
    global_staff = GlobalStaff().has_user(user)
    staff = CourseStaffRole(course_key).has_user(user) or OrgStaffRole(course_key.org).has_user(user)
    instructor = CourseInstructorRole(course_key).has_user(user) or OrgInstructorRole(course_key.org).has_user(user)
    return global_staff, staff, instructor


def has_access(user: Any, action: str, obj: Any, course_key: CourseKey | None = None) -> bool:
    key = obj if isinstance(obj, CourseKey) else getattr(obj, "id", None) or course_key
    if not isinstance(key, CourseKey):
        raise TypeError(f"Unknown object type in has_access(): {type(obj)}")
    if user is None or not user.is_authenticated:
        return False
    global_staff, staff, instructor = administrative_accesses_to_course_for_user(user, key.for_branch(None))
    if global_staff:
        return True
    if action == "staff":
        return staff or instructor
    if action == "instructor":
        return instructor
    return False
