"""The shape of the platform's role API (``common.djangoapps.student.roles``), backed by ``CourseAccessRole``.

Adding or removing a course role emits COURSE_ACCESS_ROLE_ADDED/REMOVED like the platform's
``emit_course_access_role_added/removed`` (pii carries username and email only).
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import CourseAccessRoleData, UserData, UserPersonalData
from openedx_events.learning.signals import COURSE_ACCESS_ROLE_ADDED, COURSE_ACCESS_ROLE_REMOVED

from common.djangoapps.student.models import CourseAccessRole


def _role_event_data(user: User, course_key: CourseKey, org: str, role: str) -> CourseAccessRoleData:
    return CourseAccessRoleData(
        user=UserData(
            id=user.id, is_active=user.is_active, pii=UserPersonalData(username=user.username, email=user.email)
        ),
        org_key=org,
        course_key=course_key,
        role=role,
    )


class AccessRole:
    """Base of every role: membership test plus add/remove."""

    def has_user(self, user: User | AnonymousUser) -> bool:
        raise NotImplementedError

    def add_users(self, *users: User) -> None:
        raise NotImplementedError

    def remove_users(self, *users: User) -> None:
        raise NotImplementedError


class GlobalStaff(AccessRole):
    """Platform-wide staff: the ``is_staff`` flag of the Django user."""

    def has_user(self, user: User | AnonymousUser) -> bool:
        return bool(user and user.is_authenticated and user.is_staff)

    def add_users(self, *users: User) -> None:
        for user in users:
            if user.is_authenticated and user.is_active:
                user.is_staff = True
                user.save(update_fields=["is_staff"])

    def remove_users(self, *users: User) -> None:
        for user in users:
            user.is_staff = False
            user.save(update_fields=["is_staff"])


class CourseRole(AccessRole):
    """A named role in one course, stored as a ``CourseAccessRole`` row."""

    ROLE = ""

    def __init__(self, course_key: CourseKey, role: str | None = None) -> None:
        self.course_key = course_key
        self.org = course_key.org
        self.role = role or self.ROLE

    def _rows(self):
        return CourseAccessRole.objects.filter(role=self.role, course_id=self.course_key)

    def has_user(self, user: User | AnonymousUser) -> bool:
        if not (user and user.is_authenticated and user.is_active):
            return False
        return self._rows().filter(user=user).exists()

    def add_users(self, *users: User) -> None:
        for user in users:
            _, created = CourseAccessRole.objects.get_or_create(
                user=user, role=self.role, course_id=self.course_key, org=self.org
            )
            if created:
                COURSE_ACCESS_ROLE_ADDED.send_event(
                    course_access_role_data=_role_event_data(user, self.course_key, self.org, self.role)
                )

    def remove_users(self, *users: User) -> None:
        for user in users:
            deleted, _ = self._rows().filter(user=user).delete()
            if deleted:
                COURSE_ACCESS_ROLE_REMOVED.send_event(
                    course_access_role_data=_role_event_data(user, self.course_key, self.org, self.role)
                )

    def users_with_role(self) -> Iterable[User]:
        return User.objects.filter(courseaccessrole__role=self.role, courseaccessrole__course_id=self.course_key)


class CourseStaffRole(CourseRole):
    """Course staff (``staff``)."""

    ROLE = "staff"

    def __init__(self, course_key: CourseKey) -> None:
        super().__init__(course_key)


class CourseInstructorRole(CourseRole):
    """Course instructor/admin (``instructor``)."""

    ROLE = "instructor"

    def __init__(self, course_key: CourseKey) -> None:
        super().__init__(course_key)
