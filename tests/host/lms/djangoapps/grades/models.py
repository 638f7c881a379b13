"""``PersistentCourseGrade``: the stored course grade, and the event the platform sends on every update (§2.4)."""

from datetime import UTC, datetime
from typing import Any

from common.djangoapps.track.contexts import course_context_from_course_id
from django.db import models
from eventtracking import tracker
from opaque_keys.edx.django.models import CourseKeyField
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import CourseData, PersistentCourseGradeData
from openedx_events.learning.signals import PERSISTENT_GRADE_SUMMARY_CHANGED

COURSE_GRADE_CALCULATED = "edx.grades.course.grade_calculated"


class PersistentCourseGrade(models.Model):
    """One row per (course, user); ``passed_timestamp`` is set the first time the learner passes, never cleared."""

    id = models.BigAutoField(primary_key=True)  # UnsignedBigIntAutoField in the platform
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    user_id = models.IntegerField(blank=False, db_index=True)
    course_id = CourseKeyField(blank=False, max_length=255)
    course_edited_timestamp = models.DateTimeField("Last content edit timestamp", blank=True, null=True)
    course_version = models.CharField("Course content version identifier", blank=True, max_length=255)
    grading_policy_hash = models.CharField("Hash of grading policy", blank=False, max_length=255)
    percent_grade = models.FloatField(blank=False)
    letter_grade = models.CharField("Letter grade for course", blank=False, max_length=255)
    passed_timestamp = models.DateTimeField("Date learner earned a passing grade", blank=True, null=True)

    class Meta:
        app_label = "grades"
        unique_together = [("course_id", "user_id")]
        indexes = [
            models.Index(fields=["passed_timestamp", "course_id"], name="lms_grades__passed__4fc3a8_idx"),
            models.Index(fields=["modified", "course_id"], name="lms_grades__modifie_3e4b0f_idx"),
        ]

    def __str__(self) -> str:
        return f"PersistentCourseGrade(user {self.user_id}, {self.course_id}: {self.percent_grade})"

    @classmethod
    def read(cls, user_id: int, course_id: CourseKey) -> "PersistentCourseGrade":
        return cls.objects.get(user_id=user_id, course_id=course_id)

    @classmethod
    def update_or_create(cls, user_id: int, course_id: CourseKey, **kwargs: Any) -> "PersistentCourseGrade":
        """Store the grade (``passed`` is a required kwarg, as in the platform) and emit the summary event."""
        passed = kwargs.pop("passed")
        if kwargs.get("course_version") is None:
            kwargs["course_version"] = ""
        grade, _ = cls.objects.update_or_create(user_id=user_id, course_id=course_id, defaults=kwargs)
        if passed and not grade.passed_timestamp:
            grade.passed_timestamp = datetime.now(UTC)
            grade.save()
        cls._emit_grade_calculated_event(grade)
        PERSISTENT_GRADE_SUMMARY_CHANGED.send_event(
            grade=PersistentCourseGradeData(
                user_id=grade.user_id,
                course=CourseData(course_key=grade.course_id),
                course_edited_timestamp=grade.course_edited_timestamp,
                course_version=grade.course_version,
                grading_policy_hash=grade.grading_policy_hash,
                percent_grade=grade.percent_grade,
                letter_grade=grade.letter_grade,
                passed_timestamp=grade.passed_timestamp,
            )
        )
        return grade

    @staticmethod
    def _emit_grade_calculated_event(grade: "PersistentCourseGrade") -> None:
        """The platform's ``edx.grades.course.grade_calculated`` tracking event."""
        context = course_context_from_course_id(grade.course_id)
        with tracker.get_tracker().context(COURSE_GRADE_CALCULATED, context):
            tracker.emit(
                COURSE_GRADE_CALCULATED,
                {
                    "user_id": str(grade.user_id),
                    "course_id": str(grade.course_id),
                    "course_version": str(grade.course_version),
                    "percent_grade": grade.percent_grade,
                    "letter_grade": str(grade.letter_grade),
                    "course_edited_timestamp": str(grade.course_edited_timestamp),
                    "grading_policy_hash": str(grade.grading_policy_hash),
                },
            )
