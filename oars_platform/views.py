"""HTTP views of the plugin: pipeline health, the course and instance dashboards, and report data as JSON."""

from __future__ import annotations

import datetime as dt

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    JsonResponse,
)
from django.shortcuts import render
from django.views.decorators.http import require_GET

from oars_platform.clickhouse import ClickHouseError
from oars_platform.connection import get_client
from oars_platform.platform.roles import can_view_course, is_global_staff
from oars_platform.reports import dashboard
from oars_platform.reports.base import Filters
from oars_platform.reports.output import as_json
from oars_platform.reports.registry import REPORTS


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """ClickHouse reachability for global staff; a 404 for everyone else, so the endpoint reveals nothing."""
    if not (request.user.is_authenticated and request.user.is_staff):
        return JsonResponse({"detail": "Not found."}, status=404)
    try:
        client = get_client()
        version = client.server_version()
    except ClickHouseError as exc:
        return JsonResponse({"clickhouse": "unavailable", "error": type(exc).__name__}, status=503)
    return JsonResponse({"clickhouse": "ok", "server_version": version, "url": client.display_url})


# Dashboards and report data. GET only, read only (no state changes, so nothing for CSRF to protect). A course
# page or endpoint answers 404 to anyone who may not see that course, whether or not it exists; instance pages
# answer 403 to anyone but global staff (there is nothing whose existence could leak).

NOT_FOUND = {"detail": "Not found."}


def _invalid_course_key(course_key: str) -> HttpResponse | None:
    """A 404 saying "invalid course key" for text that is not one (it reveals nothing about any course)."""
    from oars_platform.platform.courses import InvalidCourseKey, check_course_key

    try:
        check_course_key(course_key)
    except InvalidCourseKey as exc:
        return HttpResponseNotFound(str(exc), content_type="text/plain; charset=utf-8")
    return None


def _dates(request: HttpRequest) -> tuple[dt.date | None, dt.date | None]:
    """``since`` / ``until`` query parameters as dates (ValueError when malformed)."""
    since, until = request.GET.get("since", ""), request.GET.get("until", "")
    return (dt.date.fromisoformat(since) if since else None, dt.date.fromisoformat(until) if until else None)


def _course_name(course_key: str) -> str:
    from oars_platform.platform.courses import fetch_course_names

    return fetch_course_names({course_key}).get(course_key, "")


@require_GET
def course_dashboard(request: HttpRequest, course_key: str) -> HttpResponse:
    """The course dashboard, for the course's staff and instructors and global staff (LMS and Studio)."""
    if (invalid := _invalid_course_key(course_key)) is not None:
        return invalid
    if not can_view_course(request.user, course_key):
        raise Http404("Not found.")
    try:
        since, until = _dates(request)
    except ValueError:
        return HttpResponseBadRequest("since and until must be dates (YYYY-MM-DD).")
    context = dashboard.course_context(course_key, _course_name(course_key), since, until)
    return render(request, "oars_platform/dashboard.html", context)


@require_GET
def instance_dashboard(request: HttpRequest) -> HttpResponse:
    """The operators' dashboard: activity per day and pipeline state, for global staff only."""
    if not is_global_staff(request.user):
        return HttpResponseForbidden("Global staff only.")
    try:
        since, until = _dates(request)
    except ValueError:
        return HttpResponseBadRequest("since and until must be dates (YYYY-MM-DD).")
    filters = dashboard.date_filters(since, until)
    context = {
        "title": "OARS instance",
        "course_key": "",
        "inline": False,  # every variable the template reads is set (see dashboard.course_context)
        "panels": dashboard.panels(dashboard.INSTANCE_PANELS, filters),
        "since": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
        "scope": "instance",
    }
    return render(request, "oars_platform/dashboard.html", context)


def _report_json(request: HttpRequest, report_name: str, scope: str, course_key: str = "") -> HttpResponse:
    report = REPORTS.get(report_name)
    if report is None or report.scope != scope:
        return JsonResponse(NOT_FOUND, status=404)
    try:
        since, until = _dates(request)
    except ValueError:
        return JsonResponse({"detail": "since and until must be dates (YYYY-MM-DD)."}, status=400)
    filters = dashboard.date_filters(since, until, course_key)
    if scope == "instance":
        filters = Filters(org=request.GET.get("org", ""), course_key=request.GET.get("course", ""),
                          since=filters.since, until=filters.until)
    return HttpResponse(as_json(report.run(filters)), content_type="application/json")


@require_GET
def course_report_data(request: HttpRequest, course_key: str, report_name: str) -> HttpResponse:
    """One course report as JSON (columns and rows), with the course dashboard's permission check."""
    if (invalid := _invalid_course_key(course_key)) is not None:
        return JsonResponse({"detail": invalid.content.decode()}, status=404)
    if not can_view_course(request.user, course_key):
        return JsonResponse(NOT_FOUND, status=404)
    return _report_json(request, report_name, "course", course_key)


@require_GET
def instance_report_data(request: HttpRequest, report_name: str) -> HttpResponse:
    """One instance report as JSON, for global staff; ``org`` / ``course`` narrow ``instance_daily``."""
    if not is_global_staff(request.user):
        return JsonResponse({"detail": "Global staff only."}, status=403)
    return _report_json(request, report_name, "instance")
