"""Factories for platform rows, going through the platform's own code paths so the usual events fire.

Enrollments use ``CourseEnrollment.enroll``, grades ``PersistentCourseGrade.update_or_create``, certificates
``GeneratedCertificate.save``, roles the role classes: a test that creates data also exercises the plugin's
receivers, exactly as on a real LMS.
"""

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from common.djangoapps.student.models import CourseEnrollment, UserProfile
from common.djangoapps.student.roles import (
    CourseInstructorRole,
    CourseLimitedStaffRole,
    CourseStaffRole,
    OrgInstructorRole,
    OrgStaffRole,
)
from django.contrib.auth.models import User
from lms.djangoapps.certificates.models import GeneratedCertificate
from lms.djangoapps.grades.models import PersistentCourseGrade
from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import CourseLocator
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
from openedx.core.djangoapps.course_groups.models import CohortMembership, CourseUserGroup
from openedx.core.djangoapps.external_user_ids.models import ExternalId, ExternalIdType
from openedx_events.learning.data import DiscussionThreadData
from openedx_events.learning.signals import FORUM_THREAD_CREATED, STUDENT_REGISTRATION_COMPLETED

from standin.events import user_data

_sequence = itertools.count(1)

DEFAULT_PASSWORD = "edx"


def create_user(
    username: str | None = None,
    *,
    email: str | None = None,
    name: str | None = None,
    is_staff: bool = False,
    is_active: bool = True,
    external_id_types: tuple[str, ...] = (ExternalIdType.XAPI,),
    registration_event: bool = True,
    **profile_fields: Any,
) -> User:
    """A user with a profile (``name`` defaults from the username) and external ids of the given types.

    Like the platform's account creation, STUDENT_REGISTRATION_COMPLETED is sent once the profile exists (its exact
    emit site in the platform is unverified, §2.4); pass ``registration_event=False`` for users made by an admin.
    """
    number = next(_sequence)
    username = username or f"learner{number}"
    user = User.objects.create_user(
        username=username,
        email=email or f"{username}@example.com",
        password=DEFAULT_PASSWORD,
        is_staff=is_staff,
        is_active=is_active,
    )
    profile_fields.setdefault("year_of_birth", 1980 + number % 25)
    profile_fields.setdefault("gender", "mfo"[number % 3])
    profile_fields.setdefault("level_of_education", ["b", "m", "hs", "p"][number % 4])
    profile_fields.setdefault("country", ["FR", "US", "IN", "BR"][number % 4])
    UserProfile.objects.create(user=user, name=name or username.replace("_", " ").title(), **profile_fields)
    for type_name in external_id_types:
        ExternalId.add_new_user_id(user, type_name)
    if registration_event:
        STUDENT_REGISTRATION_COMPLETED.send_event(user=user_data(user))
    return user


def course_key(org: str = "edX", number: str | None = None, run: str = "2026_T1") -> CourseKey:
    """A fresh course key (``course-v1:edX+C<n>+2026_T1``) unless a number is given."""
    return CourseLocator(org, number or f"C{next(_sequence)}", run)


def create_course_overview(key: CourseKey | None = None, **fields: Any) -> CourseOverview:
    """An overview row without any modulestore course (for learner-data tests that do not need structure)."""
    key = key or course_key()
    defaults: dict[str, Any] = {
        "version": CourseOverview.VERSION,
        "_location": key.make_usage_key("course", "course"),
        "org": key.org,
        "display_name": f"Course {key.course}",
        "display_number_with_default": key.course,
        "display_org_with_default": key.org,
        "start": datetime(2026, 1, 15, tzinfo=UTC),
        "end": datetime(2026, 6, 30, tzinfo=UTC),
        "banner_image_url": "",
        "course_image_url": "",
        "cert_name_short": "",
        "cert_name_long": "",
        "_pre_requisite_courses_json": "[]",
        "lowest_passing_grade": "0.50",
        "catalog_visibility": "both",
        "language": "en",
    }
    defaults.update(fields)
    overview, _ = CourseOverview.objects.update_or_create(id=key, defaults=defaults)
    return overview


def enroll(user: User, key: CourseKey, mode: str = "audit") -> CourseEnrollment:
    """Enroll through the platform code path (CHANGED then CREATED events, activation tracking event)."""
    return CourseEnrollment.enroll(user, key, mode=mode)


def set_grade(
    user: User,
    key: CourseKey,
    percent: float,
    *,
    passed: bool | None = None,
    letter_grade: str | None = None,
    course_version: str = "",
    grading_policy_hash: str = "c7f0d2bd7d6b4a0f6f0b9e2f2b4d2c8e5e1a9f00",
    course_edited_timestamp: datetime | None = None,
) -> PersistentCourseGrade:
    """Store a course grade; ``passed`` defaults to ``percent >= 0.5`` and the letter to Pass or ""."""
    passed = percent >= 0.5 if passed is None else passed
    return PersistentCourseGrade.update_or_create(
        user_id=user.id,
        course_id=key,
        passed=passed,
        percent_grade=percent,
        letter_grade=letter_grade if letter_grade is not None else ("Pass" if passed else ""),
        course_version=course_version,
        grading_policy_hash=grading_policy_hash,
        course_edited_timestamp=course_edited_timestamp,
    )


def issue_certificate(
    user: User, key: CourseKey, *, status: str = "downloadable", mode: str = "verified", grade: str = "0.85"
) -> GeneratedCertificate:
    """Create or update the user's certificate with one ``save()`` (so CHANGED, and CREATED when passing)."""
    certificate = GeneratedCertificate.objects.filter(user=user, course_id=key).first() or GeneratedCertificate(
        user=user, course_id=key
    )
    certificate.status = status
    certificate.mode = mode
    certificate.grade = grade
    certificate.name = user.profile.name
    certificate.verify_uuid = certificate.verify_uuid or f"{next(_sequence):032x}"
    certificate.download_url = f"/certificates/{certificate.verify_uuid}" if status == "downloadable" else ""
    certificate.save()
    return certificate


def add_course_staff(user: User, key: CourseKey, role: str = "staff") -> None:
    """Give a course role (``staff``, ``instructor`` or ``limited_staff``) through the role API."""
    role_class = {"staff": CourseStaffRole, "instructor": CourseInstructorRole, "limited_staff": CourseLimitedStaffRole}
    role_class[role](key).add_users(user)


def add_org_role(user: User, org: str, role: str = "staff") -> None:
    """Give an org-level role (``staff`` or ``instructor``: every course of the org)."""
    {"staff": OrgStaffRole, "instructor": OrgInstructorRole}[role](org).add_users(user)


def add_to_cohort(user: User, key: CourseKey, cohort_name: str = "Default Group") -> CohortMembership:
    """Create the cohort if needed and move the user into it (COHORT_MEMBERSHIP_CHANGED fires)."""
    cohort, _ = CourseUserGroup.create(cohort_name, key)
    current = CohortMembership.objects.filter(user=user, course_id=key).first()
    if current is not None and current.course_user_group_id == cohort.id:
        return current
    membership, _ = CohortMembership.assign(cohort, user)
    return membership


def create_ccx(master_key: CourseKey, coach: User, display_name: str = "CCX") -> Any:
    """A CCX of the master course; its key is ``ccx.locator`` (LMS only, with custom courses on, as the platform)."""
    from lms.djangoapps.ccx.models import CustomCourseForEdX

    return CustomCourseForEdX.objects.create(course_id=master_key, coach=coach, display_name=display_name)


def emit_passing_status(user: User, key: CourseKey, is_passing: bool, at: datetime | None = None) -> None:
    """The platform's ``emit_course_passing_status_update``: the CCX signal for a CCX key, the course one otherwise.

    ``at`` is the event's time (openedx-events' ``time`` metadata; now when None), to send updates out of order.
    """
    from ccx_keys.locator import CCXLocator
    from openedx_events.learning.data import CcxCourseData, CcxCoursePassingStatusData, CoursePassingStatusData
    from openedx_events.learning.signals import CCX_COURSE_PASSING_STATUS_UPDATED, COURSE_PASSING_STATUS_UPDATED

    from standin.events import course_data

    if isinstance(key, CCXLocator):
        ccx = CcxCourseData(ccx_course_key=key, master_course_key=key.to_course_locator(), display_name="")
        CCX_COURSE_PASSING_STATUS_UPDATED.send_event(
            time=at,
            course_passing_status=CcxCoursePassingStatusData(is_passing=is_passing, user=user_data(user), course=ccx),
        )
        return
    COURSE_PASSING_STATUS_UPDATED.send_event(
        time=at,
        course_passing_status=CoursePassingStatusData(
            is_passing=is_passing, user=user_data(user), course=course_data(key)
        ),
    )


def post_forum_thread(
    user: User, key: CourseKey, title: str = "Question about week 1", body: str = "How do I start?"
) -> DiscussionThreadData:
    """Send FORUM_THREAD_CREATED as the forum would (no forum is stored; the emit site is unverified, §2.4)."""
    thread_id = f"{next(_sequence):024x}"
    thread = DiscussionThreadData(
        body=body,
        commentable_id="course",
        id=thread_id,
        truncated=False,
        url=f"/courses/{key}/discussion/forum/course/threads/{thread_id}",
        user=user_data(user),
        course_id=key,
        thread_type="discussion",
        anonymous=False,
        anonymous_to_peers=False,
        title=title,
        title_truncated=False,
        category_id=None,  # typed int in openedx-events; the forum sends no usable integer here
        category_name="General",
        user_course_roles=[],
        user_forums_roles=["Student"],
        options={"followed": False},
    )
    FORUM_THREAD_CREATED.send_event(thread=thread)
    return thread


def retire_user(user: User) -> None:
    """Run the retirement pipeline's signal steps through the platform's senders (the retirement API views)."""
    from openedx.core.djangoapps.user_api.accounts.views import AccountRetirementView, LMSAccountRetirementView

    AccountRetirementView().retire(user)
    LMSAccountRetirementView().retire(user, retired_email=f"retired__user_{user.id}@retired.invalid")


@dataclass
class CourseActivity:
    """What ``populate_course`` created, for assertions and the demo's summary."""

    learners: list[User] = field(default_factory=list)
    unenrolled: list[User] = field(default_factory=list)
    graded: list[User] = field(default_factory=list)
    certified: list[User] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)


def populate_course(
    key: CourseKey,
    learners: int = 20,
    *,
    seed: int = 0,
    staff: int = 1,
    unenroll_ratio: float = 0.1,
    graded_ratio: float = 0.7,
    cohorts: tuple[str, ...] = ("Group A", "Group B"),
) -> CourseActivity:
    """A realistic, seeded population of a course, all through the platform code paths (so all events fire).

    Each learner is enrolled (a mix of audit and verified), put in a cohort, some are graded, those who pass get a
    certificate, and a few unenroll; ``staff`` users get the course staff role.
    """
    rng = random.Random(seed)
    activity = CourseActivity()
    for _ in range(staff):
        user = create_user(is_staff=False)
        add_course_staff(user, key)
        activity.staff.append(user)
    for _ in range(learners):
        user = create_user()
        activity.learners.append(user)
        mode = rng.choices(["audit", "verified"], weights=[3, 1])[0]
        enroll(user, key, mode=mode)
        if cohorts:
            add_to_cohort(user, key, rng.choice(cohorts))
        if rng.random() < graded_ratio:
            percent = round(rng.uniform(0.1, 1.0), 2)
            set_grade(user, key, percent)
            activity.graded.append(user)
            if percent >= 0.5 and mode == "verified":
                issue_certificate(user, key, grade=f"{percent:.2f}")
                activity.certified.append(user)
        if rng.random() < unenroll_ratio:
            CourseEnrollment.unenroll(user, key)
            activity.unenrolled.append(user)
    return activity


def create_taxonomy(name: str = "Subjects", **fields: Any) -> Any:
    """A taxonomy (openedx-core's ``Taxonomy``), enabled unless told otherwise."""
    from openedx_tagging.models import Taxonomy

    export_id = fields.pop("export_id", f"{name.lower().replace(' ', '-')}-{next(_tag_numbers)}")
    return Taxonomy.objects.create(name=name, export_id=export_id, **fields)


def create_tag(taxonomy: Any, value: str, parent: Any = None, external_id: str | None = None) -> Any:
    """A tag of the taxonomy (its ``lineage`` computed on save, as the real model does)."""
    from openedx_tagging.models import Tag

    return Tag.objects.create(taxonomy=taxonomy, value=value, parent=parent, external_id=external_id)


def tag_content(object_id: Any, taxonomy: Any, *tags: Any) -> list[Any]:
    """Apply tags to a course or block, through the stand-in's ``content_tagging.api.tag_object``."""
    from openedx.core.djangoapps.content_tagging.api import tag_object

    return tag_object(str(object_id), taxonomy, list(tags))


_tag_numbers = itertools.count(1)
