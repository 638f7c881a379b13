"""User-related platform models: ``auth_userprofile``, anonymous ids and course access roles (§4)."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, models, transaction
from opaque_keys.edx.django.models import CourseKeyField
from opaque_keys.edx.keys import CourseKey


class UserProfile(models.Model):
    """Profile data the platform keeps next to ``auth_user``; the table name is the platform's legacy one."""

    GENDER_CHOICES = (("m", "Male"), ("f", "Female"), ("o", "Other/Prefer Not to Say"))
    LEVEL_OF_EDUCATION_CHOICES = (
        ("p", "Doctorate"),
        ("m", "Master's or professional degree"),
        ("b", "Bachelor's degree"),
        ("a", "Associate degree"),
        ("hs", "Secondary/high school"),
        ("jhs", "Junior secondary/junior high/middle school"),
        ("el", "Elementary/primary school"),
        ("none", "No formal education"),
        ("other", "Other education"),
    )

    user = models.OneToOneField(User, unique=True, db_index=True, related_name="profile", on_delete=models.CASCADE)
    name = models.CharField(blank=True, max_length=255, db_index=True)
    meta = models.TextField(blank=True)
    courseware = models.CharField(blank=True, max_length=255, default="course.xml")
    language = models.CharField(blank=True, max_length=255, db_index=True)
    location = models.CharField(blank=True, max_length=255, db_index=True)
    year_of_birth = models.IntegerField(blank=True, null=True, db_index=True)
    gender = models.CharField(blank=True, null=True, max_length=6, db_index=True, choices=GENDER_CHOICES)
    level_of_education = models.CharField(
        blank=True, null=True, max_length=6, db_index=True, choices=LEVEL_OF_EDUCATION_CHOICES
    )
    mailing_address = models.TextField(blank=True, null=True)
    city = models.TextField(blank=True, null=True)
    country = models.CharField(blank=True, null=True, max_length=2)  # django-countries CountryField in the platform
    state = models.CharField(blank=True, null=True, max_length=2)
    goals = models.TextField(blank=True, null=True)
    bio = models.CharField(blank=True, null=True, max_length=3000, db_index=False)
    profile_image_uploaded_at = models.DateTimeField(null=True, blank=True)
    phone_number = models.CharField(blank=True, null=True, max_length=50)

    class Meta:
        db_table = "auth_userprofile"

    def __str__(self) -> str:
        return f"UserProfile({self.user_id}, {self.name!r})"


class AnonymousUserId(models.Model):
    """Stored per-course anonymous ids; the digest is only computed once, then always read back."""

    user = models.ForeignKey(User, db_index=True, on_delete=models.CASCADE)
    anonymous_user_id = models.CharField(unique=True, max_length=32)
    course_id = CourseKeyField(db_index=True, max_length=255, blank=True)

    def __str__(self) -> str:
        return f"AnonymousUserId({self.user_id}, {self.course_id}, {self.anonymous_user_id})"


def anonymous_id_for_user(user: AbstractBaseUser | AnonymousUser, course_id: CourseKey | None) -> str | None:
    """Return the stored anonymous id, creating ``shake_128(SECRET_KEY + user id + course id)`` on first use.

    ``course_id=None`` gives the course-agnostic id (stored with an empty course id, as the platform does).
    """
    if user.is_anonymous:
        return None
    # CourseKeyField.Empty is stored as "" and, unlike None, is not turned into an IS NULL lookup.
    stored_course_id = course_id if course_id is not None else CourseKeyField.Empty
    existing = (
        AnonymousUserId.objects.filter(user=user, course_id=stored_course_id)
        .order_by("-id")
        .values_list("anonymous_user_id", flat=True)
        .first()
    )
    if existing:
        return existing
    hasher = hashlib.shake_128()
    hasher.update(settings.SECRET_KEY.encode("utf8"))
    hasher.update(str(user.id).encode("utf8"))
    if course_id:
        hasher.update(str(course_id).encode("utf-8"))
    digest = hasher.hexdigest(16)
    try:
        with transaction.atomic():
            AnonymousUserId.objects.create(user=user, course_id=stored_course_id, anonymous_user_id=digest)
    except IntegrityError:
        pass  # Created concurrently with the same (deterministic) digest.
    return digest


def user_by_anonymous_id(uid: str | None) -> User | None:
    """Reverse lookup of :func:`anonymous_id_for_user`."""
    if uid is None:
        return None
    row = AnonymousUserId.objects.filter(anonymous_user_id=uid).select_related("user").first()
    return row.user if row else None


class CourseAccessRole(models.Model):
    """Course or org level roles (``staff``, ``instructor``, ...); a blank course id means the whole org."""

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    org = models.CharField(max_length=64, db_index=True, blank=True)
    course_id = CourseKeyField(max_length=255, db_index=True, blank=True)
    role = models.CharField(max_length=64, db_index=True)

    class Meta:
        unique_together = ("user", "org", "course_id", "role")

    def __str__(self) -> str:
        return (
            f"[CourseAccessRole] user: {self.user_id}   role: {self.role}   org: {self.org}   course: {self.course_id}"
        )
