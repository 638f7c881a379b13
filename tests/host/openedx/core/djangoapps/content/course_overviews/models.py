"""``CourseOverview``: the LMS's cached, flat copy of course-level settings (§3.4), loaded from the modulestore."""

import logging
from typing import Any

from django.db import models
from opaque_keys.edx.django.models import CourseKeyField, UsageKeyField
from opaque_keys.edx.keys import CourseKey

log = logging.getLogger(__name__)


class CourseOverview(models.Model):
    """Platform fields, minus image sets and tabs; ``load_from_module_store`` fills them from the course block."""

    VERSION = 19

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    version = models.IntegerField()

    id = CourseKeyField(db_index=True, primary_key=True, max_length=255)
    _location = UsageKeyField(max_length=255)
    org = models.TextField(max_length=255, default="outdated_entry")
    display_name = models.TextField(null=True)
    display_number_with_default = models.TextField()
    display_org_with_default = models.TextField()

    start = models.DateTimeField(null=True)
    end = models.DateTimeField(null=True)
    advertised_start = models.TextField(null=True)
    announcement = models.DateTimeField(null=True)

    banner_image_url = models.TextField()
    course_image_url = models.TextField()
    social_sharing_url = models.TextField(null=True)
    end_of_course_survey_url = models.TextField(null=True)

    certificates_display_behavior = models.TextField(null=True)
    certificates_show_before_end = models.BooleanField(default=False)
    cert_html_view_enabled = models.BooleanField(default=False)
    has_any_active_web_certificate = models.BooleanField(default=False)
    cert_name_short = models.TextField()
    cert_name_long = models.TextField()
    certificate_available_date = models.DateTimeField(default=None, null=True)

    lowest_passing_grade = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    days_early_for_beta = models.FloatField(null=True)
    mobile_available = models.BooleanField(default=False)
    visible_to_staff_only = models.BooleanField(default=False)
    _pre_requisite_courses_json = models.TextField()

    enrollment_start = models.DateTimeField(null=True)
    enrollment_end = models.DateTimeField(null=True)
    enrollment_domain = models.TextField(null=True)
    invitation_only = models.BooleanField(default=False)
    max_student_enrollments_allowed = models.IntegerField(null=True)

    catalog_visibility = models.TextField(null=True)
    short_description = models.TextField(null=True)
    course_video_url = models.TextField(null=True)
    effort = models.TextField(null=True)
    self_paced = models.BooleanField(default=False)
    marketing_url = models.TextField(null=True)
    eligible_for_financial_aid = models.BooleanField(default=True)
    language = models.TextField(null=True)
    has_highlights = models.BooleanField(null=True, default=None)

    enable_proctored_exams = models.BooleanField(default=False)
    proctoring_provider = models.TextField(null=True)
    proctoring_escalation_email = models.TextField(null=True)
    allow_proctoring_opt_out = models.BooleanField(default=False)

    entrance_exam_enabled = models.BooleanField(default=False)
    entrance_exam_id = models.CharField(max_length=255, blank=True)
    entrance_exam_minimum_score_pct = models.FloatField(default=0.65)
    external_id = models.CharField(max_length=128, null=True, blank=True)
    force_on_flexible_peer_openassessments = models.BooleanField(default=False)

    class Meta:
        app_label = "course_overviews"

    def __str__(self) -> str:
        return str(self.id)

    # ---- convenience properties the platform also has ----
    @property
    def location(self):
        return self._location

    @property
    def number(self) -> str:
        return self.id.course

    @property
    def url_name(self) -> str:
        return self.id.run

    @property
    def display_name_with_default(self) -> str:
        return self.display_name or self.id.course

    @property
    def pacing(self) -> str:
        return "self" if self.self_paced else "instructor"

    # ---- loading ----
    @classmethod
    def get_from_id(cls, course_id: CourseKey) -> "CourseOverview":
        """The stored overview, else one built from the modulestore; ``DoesNotExist`` if neither has it."""
        try:
            return cls.objects.get(id=course_id)
        except cls.DoesNotExist:
            return cls.load_from_module_store(course_id)

    @classmethod
    def get_all_courses(cls, orgs: list[str] | None = None, filter_: dict[str, Any] | None = None) -> models.QuerySet:
        """All overviews, optionally limited to some orgs (case-insensitive) and by extra filters."""
        queryset = cls.objects.all()
        if orgs:
            queryset = queryset.filter(org__iregex=r"^(" + "|".join(orgs) + ")$")
        if filter_:
            queryset = queryset.filter(**filter_)
        return queryset

    @classmethod
    def get_all_course_keys(cls) -> list[CourseKey]:
        return list(cls.objects.values_list("id", flat=True))

    @classmethod
    def load_from_module_store(cls, course_id: CourseKey) -> "CourseOverview":
        """Create or refresh the overview from the course block in the store's current branch."""
        from xmodule.course_block import CourseBlock
        from xmodule.modulestore.django import modulestore

        store = modulestore()
        with store.bulk_operations(course_id):
            course = store.get_course(course_id)
            if not isinstance(course, CourseBlock):
                raise cls.DoesNotExist(f"Course {course_id} not found in the modulestore")
            about = {
                block.url_name: block.data for block in store.get_items(course_id, qualifiers={"category": "about"})
            }
        overview, _ = cls.objects.update_or_create(id=course.id, defaults=cls._fields_from_course(course, about))
        return overview

    @classmethod
    def _fields_from_course(cls, course: Any, about: dict[str, str]) -> dict[str, Any]:
        """Map course block fields and about blocks (effort, short_description, ...) to columns."""
        lowest = course.lowest_passing_grade
        return {
            "version": cls.VERSION,
            "_location": course.location,
            "org": course.org,
            "display_name": course.display_name,
            "display_number_with_default": course.display_number_with_default,
            "display_org_with_default": course.display_org_with_default,
            "start": course.start,
            "end": course.end,
            "advertised_start": course.advertised_start,
            "announcement": course.announcement,
            "banner_image_url": f"/asset-v1:{course.id.html_id()}/{course.banner_image}",
            "course_image_url": f"/asset-v1:{course.id.html_id()}/{course.course_image}",
            "certificates_display_behavior": course.certificates_display_behavior,
            "cert_html_view_enabled": course.cert_html_view_enabled,
            "cert_name_short": course.cert_name_short,
            "cert_name_long": course.cert_name_long,
            "certificate_available_date": course.certificate_available_date,
            "lowest_passing_grade": None if lowest is None else round(lowest, 2),
            "days_early_for_beta": course.days_early_for_beta,
            "mobile_available": course.mobile_available,
            "visible_to_staff_only": course.visible_to_staff_only,
            "_pre_requisite_courses_json": "[]",
            "enrollment_start": course.enrollment_start,
            "enrollment_end": course.enrollment_end,
            "invitation_only": course.invitation_only,
            "max_student_enrollments_allowed": course.max_student_enrollments_allowed,
            "catalog_visibility": course.catalog_visibility,
            "short_description": about.get("short_description"),
            "effort": about.get("effort"),
            "self_paced": course.self_paced,
            "language": course.language,
            "enable_proctored_exams": course.enable_proctored_exams,
            "proctoring_provider": course.proctoring_provider,
            "entrance_exam_enabled": course.entrance_exam_enabled,
            "entrance_exam_id": course.entrance_exam_id,
            "entrance_exam_minimum_score_pct": course.entrance_exam_minimum_score_pct,
        }
