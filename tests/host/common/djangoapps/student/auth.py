"""Studio's permission checks (``common.djangoapps.student.auth``): ``has_studio_read_access`` and friends.

As in the platform: permissions are a bit mask from ``get_user_permissions``: global staff, org instructors and
course instructors have all; org or course staff (through ``user_has_role``, limited staff included) may view and
edit content; nobody has Studio permissions on a CCX. Simplified: library roles and the course-creator settings are
left out, and recent platform releases may narrow limited staff further; the plugin only calls these functions.
"""

from typing import Any

from ccx_keys.locator import CCXBlockUsageLocator, CCXLocator

from common.djangoapps.student.roles import (
    CourseInstructorRole,
    CourseStaffRole,
    GlobalStaff,
    OrgInstructorRole,
    OrgStaffRole,
)

STUDIO_EDIT_ROLES = 8
STUDIO_VIEW_USERS = 4
STUDIO_EDIT_CONTENT = 2
STUDIO_VIEW_CONTENT = 1
STUDIO_NO_PERMISSIONS = 0


def user_has_role(user: Any, role: Any) -> bool:
    if not user.is_active:
        return False
    if GlobalStaff().has_user(user) or role.has_user(user):
        return True
    return isinstance(role, CourseStaffRole) and CourseInstructorRole(role.course_key).has_user(user)


def get_user_permissions(user: Any, course_key: Any, org: str | None = None) -> int:
    if org is None:
        org = course_key.org
        course_key = course_key.for_branch(None)
    if isinstance(course_key, CCXLocator | CCXBlockUsageLocator):
        return STUDIO_NO_PERMISSIONS
    everything = STUDIO_EDIT_ROLES | STUDIO_VIEW_USERS | STUDIO_EDIT_CONTENT | STUDIO_VIEW_CONTENT
    if GlobalStaff().has_user(user) or OrgInstructorRole(org=org).has_user(user):
        return everything
    if course_key and user_has_role(user, CourseInstructorRole(course_key)):
        return everything
    if OrgStaffRole(org=org).has_user(user) or (course_key and user_has_role(user, CourseStaffRole(course_key))):
        return STUDIO_VIEW_USERS | STUDIO_EDIT_CONTENT | STUDIO_VIEW_CONTENT
    return STUDIO_NO_PERMISSIONS


def has_studio_write_access(user: Any, course_key: Any) -> bool:
    return bool(STUDIO_EDIT_CONTENT & get_user_permissions(user, course_key))


def has_studio_read_access(user: Any, course_key: Any) -> bool:
    return bool(STUDIO_VIEW_CONTENT & get_user_permissions(user, course_key))
