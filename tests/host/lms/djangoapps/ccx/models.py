"""``CustomCourseForEdX``: a CCX of a master course; its course key is a ``CCXLocator``."""

from ccx_keys.locator import CCXLocator
from django.contrib.auth.models import User
from django.db import models
from opaque_keys.edx.django.models import CourseKeyField


class CustomCourseForEdX(models.Model):
    """A coach-led copy of a master course (table ``ccx_customcourseforedx``)."""

    course_id = CourseKeyField(max_length=255, db_index=True)
    display_name = models.CharField(max_length=255)
    coach = models.ForeignKey(User, db_index=True, on_delete=models.CASCADE)
    structure_json = models.TextField(verbose_name="Structure JSON", blank=True, null=True)

    class Meta:
        app_label = "ccx"

    def __str__(self) -> str:
        return self.display_name

    @property
    def locator(self) -> CCXLocator:
        """The CCX course key, e.g. ``ccx-v1:edX+DemoX+Demo_Course+ccx@3``."""
        return CCXLocator.from_course_locator(self.course_id, str(self.id))
