"""``common.djangoapps.student.models``: the platform splits these models across modules and re-exports them."""

from .course_enrollment import CourseEnrollment
from .user import (
    AnonymousUserId,
    CourseAccessRole,
    UserProfile,
    anonymous_id_for_user,
    user_by_anonymous_id,
)

__all__ = [
    "AnonymousUserId",
    "CourseAccessRole",
    "CourseEnrollment",
    "UserProfile",
    "anonymous_id_for_user",
    "user_by_anonymous_id",
]
