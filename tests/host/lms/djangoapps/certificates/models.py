"""``GeneratedCertificate`` and the certificate events its save/revoke paths send (§2.4).

CERTIFICATE_CHANGED goes out on every save; CERTIFICATE_CREATED on every save whose status is passing (not only the
first); CERTIFICATE_REVOKED from the revoke helpers. ``previous_status`` is never filled, as in the platform.
"""

from datetime import UTC

from common.djangoapps.track.contexts import course_context_from_course_id
from django.contrib.auth.models import User
from django.db import models
from eventtracking import tracker
from opaque_keys.edx.django.models import CourseKeyField
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import CertificateData, CourseData
from openedx_events.learning.signals import CERTIFICATE_CHANGED, CERTIFICATE_CREATED, CERTIFICATE_REVOKED
from standin.events import user_data


class CertificateStatuses:
    """Status strings of ``lms.djangoapps.certificates.data.CertificateStatuses``."""

    deleted = "deleted"
    deleting = "deleting"
    downloadable = "downloadable"
    error = "error"
    generating = "generating"
    notpassing = "notpassing"
    restricted = "restricted"
    unavailable = "unavailable"
    auditing = "auditing"
    audit_passing = "audit_passing"
    audit_notpassing = "audit_notpassing"
    honor_passing = "honor_passing"
    unverified = "unverified"
    invalidated = "invalidated"
    requesting = "requesting"

    PASSED_STATUSES = (downloadable, generating)
    NON_REFUNDABLE_STATUSES = (downloadable, generating, unavailable)

    @classmethod
    def is_passing_status(cls, status: str) -> bool:
        return status in cls.PASSED_STATUSES


class EligibleCertificateManager(models.Manager):
    """Excludes the audit statuses, like the platform's ``eligible_certificates``."""

    def get_queryset(self) -> models.QuerySet:
        return (
            super()
            .get_queryset()
            .exclude(status__in=(CertificateStatuses.audit_passing, CertificateStatuses.audit_notpassing))
        )


class GeneratedCertificate(models.Model):
    """One certificate per (user, course)."""

    MODES = (
        ("verified", "verified"),
        ("honor", "honor"),
        ("audit", "audit"),
        ("professional", "professional"),
        ("no-id-professional", "no-id-professional"),
        ("masters", "masters"),
        ("executive-education", "executive-education"),
        ("paid-executive-education", "paid-executive-education"),
        ("paid-bootcamp", "paid-bootcamp"),
    )

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    course_id = CourseKeyField(max_length=255, blank=True, default=None)
    verify_uuid = models.CharField(max_length=32, blank=True, default="", db_index=True)
    grade = models.CharField(max_length=5, blank=True, default="")
    key = models.CharField(max_length=32, blank=True, default="")
    distinction = models.BooleanField(default=False)
    status = models.CharField(max_length=32, default=CertificateStatuses.unavailable)
    mode = models.CharField(max_length=32, choices=MODES, default="honor")
    name = models.CharField(blank=True, max_length=255)
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)
    error_reason = models.CharField(max_length=512, blank=True, default="")
    download_uuid = models.CharField(max_length=32, blank=True, default="")
    download_url = models.CharField(max_length=128, blank=True, default="")

    objects = models.Manager()
    eligible_certificates = EligibleCertificateManager()

    class Meta:
        unique_together = (("user", "course_id"),)
        app_label = "certificates"

    def __str__(self) -> str:
        return f"certificate {self.user_id} {self.course_id}: {self.status}"

    @classmethod
    def certificate_for_student(cls, student: User, course_id: CourseKey) -> "GeneratedCertificate | None":
        return cls.objects.filter(user=student, course_id=course_id).first()

    def save(self, *args, **kwargs) -> None:
        """Save, then send CHANGED, and CREATED too when the status is passing."""
        super().save(*args, **kwargs)
        event_time = self.modified_date.astimezone(UTC)
        CERTIFICATE_CHANGED.send_event(time=event_time, certificate=self._event_data())
        if CertificateStatuses.is_passing_status(self.status):
            CERTIFICATE_CREATED.send_event(time=event_time, certificate=self._event_data())

    def _event_data(self) -> CertificateData:
        return CertificateData(
            user=user_data(self.user),
            course=CourseData(course_key=self.course_id),
            mode=self.mode,
            grade=self.grade,
            current_status=self.status,
            download_url=self.download_url,
            name=self.name,
        )

    # ---- revocation paths (all end in _revoke_certificate) ----
    def invalidate(self, mode: str | None = None, source: str | None = None) -> None:
        self._revoke_certificate(CertificateStatuses.unavailable, mode=mode, source=source)

    def mark_notpassing(self, mode: str | None = None, grade: str | None = None, source: str | None = None) -> None:
        self._revoke_certificate(CertificateStatuses.notpassing, mode=mode, grade=grade, source=source)

    def mark_unverified(self, mode: str | None = None, source: str | None = None) -> None:
        self._revoke_certificate(CertificateStatuses.unverified, mode=mode, source=source)

    def _revoke_certificate(
        self, status: str, mode: str | None = None, grade: str | None = None, source: str | None = None
    ) -> None:
        """Clear the download, store the new status, then send CERTIFICATE_REVOKED (after the save's events)."""
        previous_status = self.status
        if mode is not None:
            self.mode = mode
        self.error_reason = ""
        self.download_uuid = ""
        self.download_url = ""
        self.grade = grade or ""
        self.status = status
        self.save()
        CERTIFICATE_REVOKED.send_event(time=self.modified_date.astimezone(UTC), certificate=self._event_data())
        event_name = "edx.certificate.revoked"
        context = course_context_from_course_id(self.course_id)
        with tracker.get_tracker().context(event_name, context):
            tracker.emit(
                event_name,
                {
                    "user_id": self.user_id,
                    "course_id": str(self.course_id),
                    "certificate_id": self.verify_uuid,
                    "previous_certificate_status": previous_status,
                    "source": source or "",
                },
            )
