"""Custom monitoring attributes: what a request's tracking events became and what tasks did reach the telemetry."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from edx_django_utils.monitoring import TelemetryBackend

RECORDED: list[tuple[str, Any]] = []


class RecordingBackend(TelemetryBackend):
    """A telemetry backend (``OPENEDX_TELEMETRY``) that keeps the attributes it is given."""

    def set_attribute(self, key: str, value: Any) -> None:
        RECORDED.append((key, value))

    def record_exception(self) -> None:
        RECORDED.append(("exception", None))

    def create_span(self, name: str, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(name)

    def tag_root_span_with_error(self, exception: Any) -> None:
        RECORDED.append(("root_span_error", type(exception).__name__))

    def set_local_root_span_name(self, name: str, group: Any = None, priority: Any = None) -> None:
        RECORDED.append(("root_span_name", name))


def test_a_request_reports_how_many_events_it_enqueued(clickhouse, fixture_world, settings, client) -> None:
    settings.OPENEDX_TELEMETRY = [f"{__name__}.RecordingBackend"]
    settings.OARS_PAGE_VIEWS_ENABLED = True
    client.force_login(User.objects.get(username="edx"))
    RECORDED.clear()
    client.get("/courses/course-v1:edX+DemoX+Demo_Course/courseware/")
    assert ("oars_tracking_enqueued", 1) in RECORDED
    assert not [key for key, _ in RECORDED if key.startswith("oars_tracking_") and key != "oars_tracking_enqueued"]
    assert clickhouse.count("xapi.xapi_events_all") == 1
    # The drain it woke (eager here) says what it did, and which module's task it was, as the platform's tasks do.
    assert ("code_owner_module", "oars_platform.tasks.tracking") in RECORDED
    assert ("oars_drain_events", 1) in RECORDED and ("oars_drain_statements", 1) in RECORDED


def test_a_request_whose_events_are_ignored_reports_nothing(clickhouse, fixture_world, settings, client) -> None:
    settings.OPENEDX_TELEMETRY = [f"{__name__}.RecordingBackend"]
    RECORDED.clear()
    client.get("/courses/course-v1:edX+DemoX+Demo_Course/courseware/")  # page views are off by default
    assert not [key for key, _ in RECORDED if key.startswith("oars_tracking_")]
    assert clickhouse.count("xapi.xapi_events_all") == 0


def test_a_course_dump_task_reports_its_course(clickhouse, settings, db) -> None:
    from oars_platform.tasks.courses import dump_course_task

    settings.OPENEDX_TELEMETRY = [f"{__name__}.RecordingBackend"]
    RECORDED.clear()
    result = dump_course_task.apply(args=("course-v1:OARS+Missing+R1",)).get()
    assert result["skipped"] == "not found"
    assert ("code_owner_module", "oars_platform.tasks.courses") in RECORDED
    assert ("oars_course_dump_course_key", "course-v1:OARS+Missing+R1") in RECORDED
    assert ("oars_course_dump_skipped", "not found") in RECORDED
