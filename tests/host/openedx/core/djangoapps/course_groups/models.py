"""Cohorts: ``CourseUserGroup`` and ``CohortMembership``, whose save sends COHORT_MEMBERSHIP_CHANGED (§2.4)."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from opaque_keys.edx.django.models import CourseKeyField
from openedx_events.learning.data import CohortData, CourseData
from openedx_events.learning.signals import COHORT_MEMBERSHIP_CHANGED
from standin.events import user_data


class CourseUserGroup(models.Model):
    """A named group of users in one course; cohorts are the ``cohort`` type."""

    COHORT = "cohort"
    GROUP_TYPE_CHOICES = ((COHORT, "Cohort"),)

    name = models.CharField(max_length=255, help_text="What is the name of this group? Must be unique within a course.")
    users = models.ManyToManyField(User, db_index=True, related_name="course_groups", help_text="Who is in this group?")
    course_id = CourseKeyField(max_length=255, db_index=True, help_text="Which course is this group associated with?")
    group_type = models.CharField(max_length=20, choices=GROUP_TYPE_CHOICES)

    class Meta:
        unique_together = (("name", "course_id"),)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def create(cls, name: str, course_id, group_type: str = COHORT) -> tuple["CourseUserGroup", bool]:
        return cls.objects.get_or_create(course_id=course_id, group_type=group_type, name=name)


class CohortMembership(models.Model):
    """A user's single cohort in a course; moving them keeps ``CourseUserGroup.users`` in step."""

    course_user_group = models.ForeignKey(CourseUserGroup, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    course_id = CourseKeyField(max_length=255)

    class Meta:
        unique_together = (("user", "course_id"),)

    def __str__(self) -> str:
        return f"{self.user_id} in {self.course_user_group_id} ({self.course_id})"

    def clean_fields(self, *args, **kwargs) -> None:
        if self.course_id is None:
            self.course_id = self.course_user_group.course_id
        super().clean_fields(*args, **kwargs)

    def clean(self) -> None:
        if self.course_user_group.group_type != CourseUserGroup.COHORT:
            raise ValidationError("CohortMembership cannot be used with CourseGroup types other than COHORT")
        if self.course_user_group.course_id != self.course_id:
            raise ValidationError("Non-matching course_ids provided")

    def save(self, *args, **kwargs) -> None:
        """Validate, send the event, then save: the event goes out before the row is written, as in the platform."""
        self.full_clean(validate_unique=False)
        COHORT_MEMBERSHIP_CHANGED.send_event(
            cohort=CohortData(
                user=user_data(self.user),
                course=CourseData(course_key=self.course_id),
                name=self.course_user_group.name,
            )
        )
        super().save(*args, **kwargs)

    @classmethod
    def assign(cls, cohort: CourseUserGroup, user: User) -> tuple["CohortMembership", CourseUserGroup | None]:
        """Put the user in ``cohort``; returns the membership and the cohort they left (None if new).

        Like the platform, assigning a user to the cohort they are already in is a ``ValueError``.
        """
        with transaction.atomic():
            membership, created = cls.objects.select_for_update().get_or_create(
                user__id=user.id, course_id=cohort.course_id, defaults={"course_user_group": cohort, "user": user}
            )
            if created:
                membership.course_user_group.users.add(user)
                return membership, None
            if membership.course_user_group == cohort:
                raise ValueError(f"User {user.username} already present in cohort {cohort.name}")
            previous_cohort = membership.course_user_group
            previous_cohort.users.remove(user)
            membership.course_user_group = cohort
            membership.course_user_group.users.add(user)
            membership.save()
        return membership, previous_cohort
