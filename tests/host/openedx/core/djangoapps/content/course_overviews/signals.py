"""Keep CourseOverview in step with the modulestore, as the platform's course_overviews signal handlers do."""

from typing import Any

from django.dispatch import receiver
from opaque_keys.edx.keys import CourseKey
from xmodule.modulestore.django import SignalHandler

from .models import CourseOverview


@receiver(SignalHandler.course_published, dispatch_uid="course_overviews.listen_for_course_publish")
def _listen_for_course_publish(sender: type, course_key: CourseKey, **kwargs: Any) -> None:
    """Reload the overview from the store after every publish (both LMS and CMS do this)."""
    CourseOverview.load_from_module_store(course_key)


@receiver(SignalHandler.course_deleted, dispatch_uid="course_overviews.listen_for_course_delete")
def _listen_for_course_delete(sender: type, course_key: CourseKey, **kwargs: Any) -> None:
    """Drop the overview of a deleted course."""
    CourseOverview.objects.filter(id=course_key).delete()
