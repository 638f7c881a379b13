"""Builders for the openedx-events payload pieces that several stand-in models share.

The platform builds these inline in each model; one helper here keeps the stand-in models short while producing
the same values (``name`` comes from the user's profile, as in the platform).
"""

from django.contrib.auth.models import AbstractBaseUser
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import CourseData, UserData, UserPersonalData


def profile_name(user: AbstractBaseUser) -> str:
    """The profile's full name, or "" for users without a profile (the platform would raise instead)."""
    profile = getattr(user, "profile", None)
    return profile.name if profile is not None else ""


def user_data(user: AbstractBaseUser) -> UserData:
    """``UserData`` the way the platform fills it for enrollment, certificate and cohort events."""
    return UserData(
        id=user.id,
        is_active=user.is_active,
        pii=UserPersonalData(username=user.username, email=user.email, name=profile_name(user)),
    )


def course_data(course_key: CourseKey, with_display_name: bool = False) -> CourseData:
    """``CourseData``; only enrollment events add the display name (from CourseOverview)."""
    if not with_display_name:
        return CourseData(course_key=course_key)
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    overview = CourseOverview.objects.filter(id=course_key).first()
    return CourseData(course_key=course_key, display_name=overview.display_name if overview else "")
