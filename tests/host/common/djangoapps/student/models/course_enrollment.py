"""``CourseEnrollment`` with the platform's enroll/update/unenroll flow and the events it emits (§2.4).

Order matters to receivers: a new enrollment is created inactive, ``update_enrollment(is_active=True)`` emits
COURSE_ENROLLMENT_CHANGED, and only then ``enroll`` emits COURSE_ENROLLMENT_CREATED. Deactivation emits CHANGED then
COURSE_UNENROLLMENT_COMPLETED. The server tracking events (``edx.course.enrollment.*``) are emitted as well.
"""

import logging

from django.contrib.auth.models import User
from django.db import models
from eventtracking import tracker
from opaque_keys.edx.keys import CourseKey
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
from openedx_events.learning.data import CourseEnrollmentData
from openedx_events.learning.signals import (
    COURSE_ENROLLMENT_CHANGED,
    COURSE_ENROLLMENT_CREATED,
    COURSE_UNENROLLMENT_COMPLETED,
)
from standin.events import course_data, user_data

from common.djangoapps.track.contexts import course_context_from_course_id

log = logging.getLogger(__name__)

DEFAULT_MODE_SLUG = "audit"
EVENT_NAME_ENROLLMENT_ACTIVATED = "edx.course.enrollment.activated"
EVENT_NAME_ENROLLMENT_DEACTIVATED = "edx.course.enrollment.deactivated"
EVENT_NAME_ENROLLMENT_MODE_CHANGED = "edx.course.enrollment.mode_changed"


class CourseEnrollmentManager(models.Manager):
    """The few manager helpers of the platform that analytics code uses."""

    def users_enrolled_in(self, course_id: CourseKey) -> models.QuerySet:
        """Users with an active enrollment in the course."""
        return User.objects.filter(courseenrollment__course_id=course_id, courseenrollment__is_active=True)


class CourseEnrollment(models.Model):
    """One row per (user, course); ``course`` is an unconstrained FK to CourseOverview, column ``course_id``."""

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    course = models.ForeignKey(CourseOverview, db_constraint=False, on_delete=models.DO_NOTHING)
    created = models.DateTimeField(auto_now_add=True, null=True, db_index=True)
    is_active = models.BooleanField(default=True)
    mode = models.CharField(default=DEFAULT_MODE_SLUG, max_length=100)

    objects = CourseEnrollmentManager()

    class Meta:
        unique_together = (("user", "course"),)
        indexes = [models.Index(fields=["user", "-created"])]
        ordering = ("user", "course")

    def __str__(self) -> str:
        return f"[CourseEnrollment] {self.user_id}: {self.course_id} ({self.created}); active: ({self.is_active})"

    @classmethod
    def enroll(cls, user: User, course_key: CourseKey, mode: str | None = None) -> "CourseEnrollment":
        """Enroll (or re-enroll) the user; emits CHANGED (when something changed) then always CREATED."""
        enrollment, _ = cls.objects.get_or_create(
            user=user, course_id=course_key, defaults={"mode": DEFAULT_MODE_SLUG, "is_active": False}
        )
        enrollment.update_enrollment(is_active=True, mode=mode or DEFAULT_MODE_SLUG)
        COURSE_ENROLLMENT_CREATED.send_event(enrollment=enrollment.event_data())
        return enrollment

    @classmethod
    def unenroll(cls, user: User, course_id: CourseKey) -> None:
        """Deactivate the enrollment; a missing enrollment is only logged, as in the platform."""
        try:
            record = cls.objects.get(user=user, course_id=course_id)
        except cls.DoesNotExist:
            log.error("Tried to unenroll user %s from %s but they were not enrolled", user.id, course_id)
            return
        record.update_enrollment(is_active=False)

    @classmethod
    def is_enrolled(cls, user: User, course_key: CourseKey) -> bool:
        """True when the user has an active enrollment."""
        return cls.objects.filter(user=user, course_id=course_key, is_active=True).exists()

    @classmethod
    def get_enrollment(cls, user: User, course_key: CourseKey) -> "CourseEnrollment | None":
        """The enrollment row, active or not, or None."""
        return cls.objects.filter(user=user, course_id=course_key).first()

    def update_enrollment(self, mode: str | None = None, is_active: bool | None = None) -> None:
        """Save changes and emit CHANGED; a deactivation also emits UNENROLLMENT_COMPLETED (after CHANGED)."""
        activation_changed = is_active is not None and self.is_active != is_active
        if activation_changed:
            self.is_active = is_active
        mode_changed = mode is not None and self.mode != mode
        if mode_changed:
            self.mode = mode
        if activation_changed or mode_changed:
            self.save()
            COURSE_ENROLLMENT_CHANGED.send_event(enrollment=self.event_data())
        if activation_changed:
            if self.is_active:
                self.emit_tracking_event(EVENT_NAME_ENROLLMENT_ACTIVATED)
            else:
                self.emit_tracking_event(EVENT_NAME_ENROLLMENT_DEACTIVATED)
                COURSE_UNENROLLMENT_COMPLETED.send_event(enrollment=self.event_data())
        if mode_changed:
            self.emit_tracking_event(EVENT_NAME_ENROLLMENT_MODE_CHANGED)

    def event_data(self) -> CourseEnrollmentData:
        """The payload the platform sends; ``created_by`` is never set."""
        return CourseEnrollmentData(
            user=user_data(self.user),
            course=course_data(self.course_id, with_display_name=True),
            mode=self.mode,
            is_active=self.is_active,
            creation_date=self.created,
        )

    def emit_tracking_event(self, event_name: str) -> None:
        """Server tracking event with the course context, like ``CourseEnrollment.emit_event``."""
        context = course_context_from_course_id(self.course_id)
        data = {"user_id": self.user_id, "course_id": str(self.course_id), "mode": self.mode}
        with tracker.get_tracker().context(event_name, context):
            tracker.emit(event_name, data)
