"""The platform's role API (``common.djangoapps.student.roles``): course and org roles read through a role cache.

As in the platform, a role check asks the user's ``RoleCache`` (built once per user object, cached on
``user._roles``), which holds every ``CourseAccessRole`` row of the user; a role matches its own name and every role
whose ``BASE_ROLE`` it is, so limited staff (``BASE_ROLE = "staff"``) pass ``CourseStaffRole.has_user``. An org role
is a row with the org and no course. ``GlobalStaff`` is the ``is_staff`` flag alone.

Simplified: the platform's RoleCache also merges openedx-authz role assignments (and its role registry groups more
roles: beta testers, course creators, library users, data researchers); the stand-in has only ``CourseAccessRole``.
Adding or removing a course role emits COURSE_ACCESS_ROLE_ADDED/REMOVED like the platform's
``emit_course_access_role_added/removed`` (pii carries username and email only).
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import CourseAccessRoleData, UserData, UserPersonalData
from openedx_events.learning.signals import COURSE_ACCESS_ROLE_ADDED, COURSE_ACCESS_ROLE_REMOVED

from common.djangoapps.student.models import CourseAccessRole

#: role name → the role names that count as it (itself and the roles built on it), filled as classes are defined.
_ROLE_FAMILIES: dict[str, set[str]] = {}


def register_access_role(cls: type) -> type:
    """The platform's decorator: a role with a ``BASE_ROLE`` also counts as that base role."""
    role = getattr(cls, "ROLE", None)
    if role:
        _ROLE_FAMILIES.setdefault(role, set()).add(role)
        base = getattr(cls, "BASE_ROLE", None)
        if base and base != role:
            _ROLE_FAMILIES.setdefault(base, {base}).add(role)
    return cls


class RoleCache:
    """Every role row of one user, read once (the platform also adds the user's openedx-authz assignments)."""

    def __init__(self, user: User) -> None:
        self._roles = set(CourseAccessRole.objects.filter(user=user).values_list("role", "course_id", "org"))

    @staticmethod
    def get_roles(role: str) -> set[str]:
        return _ROLE_FAMILIES.get(role, {role})

    def has_role(self, role: str, course_id: CourseKey | None, org: str) -> bool:
        names = self.get_roles(role)
        return any(
            name in names and (course_id or None) == (row_course or None) and org == row_org
            for name, row_course, row_org in self._roles
        )


def _role_event_data(user: User, course_key: CourseKey | None, org: str, role: str) -> CourseAccessRoleData:
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
    """Platform-wide staff: exactly ``bool(user and user.is_staff)``, as the platform defines it."""

    def has_user(self, user: User | AnonymousUser) -> bool:
        return bool(user and user.is_staff)

    def add_users(self, *users: User) -> None:
        for user in users:
            if user.is_authenticated and user.is_active:
                user.is_staff = True
                user.save(update_fields=["is_staff"])

    def remove_users(self, *users: User) -> None:
        for user in users:
            user.is_staff = False
            user.save(update_fields=["is_staff"])


class RoleBase(AccessRole):
    """A named role in an org, or in one course of it, stored as ``CourseAccessRole`` rows."""

    def __init__(self, role_name: str, org: str = "", course_key: CourseKey | None = None) -> None:
        self.org = org
        self.course_key = course_key
        self._role_name = role_name

    def has_user(self, user: User | AnonymousUser, check_user_activation: bool = True) -> bool:
        if check_user_activation and not (user and user.is_authenticated and user.is_active):
            return False
        if not hasattr(user, "_roles"):
            user._roles = RoleCache(user)
        return user._roles.has_role(self._role_name, self.course_key, self.org)

    def _rows(self):
        return CourseAccessRole.objects.filter(role=self._role_name, org=self.org, course_id=self.course_key)

    def add_users(self, *users: User) -> None:
        for user in users:
            _, created = CourseAccessRole.objects.get_or_create(
                user=user, role=self._role_name, course_id=self.course_key, org=self.org
            )
            if hasattr(user, "_roles"):
                del user._roles
            if created:
                COURSE_ACCESS_ROLE_ADDED.send_event(
                    course_access_role_data=_role_event_data(user, self.course_key, self.org, self._role_name)
                )

    def remove_users(self, *users: User) -> None:
        for user in users:
            deleted, _ = self._rows().filter(user=user).delete()
            if hasattr(user, "_roles"):
                del user._roles
            if deleted:
                COURSE_ACCESS_ROLE_REMOVED.send_event(
                    course_access_role_data=_role_event_data(user, self.course_key, self.org, self._role_name)
                )

    def users_with_role(self) -> Iterable[User]:
        return User.objects.filter(
            courseaccessrole__role=self._role_name,
            courseaccessrole__org=self.org,
            courseaccessrole__course_id=self.course_key,
        )


class CourseRole(RoleBase):
    """A role in one course (its org is the course's)."""

    def __init__(self, role: str, course_key: CourseKey) -> None:
        super().__init__(role, course_key.org, course_key)

    @property
    def role(self) -> str:
        return self._role_name


class OrgRole(RoleBase):
    """A role across every course of an org: a row with the org and no course."""

    def __init__(self, role: str, org: str) -> None:
        super().__init__(role, org)


@register_access_role
class CourseStaffRole(CourseRole):
    """Course staff (``staff``)."""

    ROLE = "staff"

    def __init__(self, course_key: CourseKey) -> None:
        super().__init__(self.ROLE, course_key)


@register_access_role
class CourseInstructorRole(CourseRole):
    """Course instructor/admin (``instructor``)."""

    ROLE = "instructor"

    def __init__(self, course_key: CourseKey) -> None:
        super().__init__(self.ROLE, course_key)


@register_access_role
class CourseLimitedStaffRole(CourseStaffRole):
    """Limited staff: staff in the LMS without Studio's edit rights; counts as staff (``BASE_ROLE``)."""

    ROLE = "limited_staff"
    BASE_ROLE = CourseStaffRole.ROLE

    def __init__(self, course_key: CourseKey) -> None:
        CourseRole.__init__(self, self.ROLE, course_key)


@register_access_role
class OrgStaffRole(OrgRole):
    """Staff of every course of an org."""

    ROLE = "staff"

    def __init__(self, org: str) -> None:
        super().__init__(self.ROLE, org)


@register_access_role
class OrgInstructorRole(OrgRole):
    """Instructor of every course of an org."""

    ROLE = "instructor"

    def __init__(self, org: str) -> None:
        super().__init__(self.ROLE, org)
