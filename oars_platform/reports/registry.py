"""Every report, by name, in one list (a duplicate name is an error, never a silent override)."""

from __future__ import annotations

from oars_platform.reports import course_data, enrollments, grades, instance, learners, navigation, problems, video
from oars_platform.reports.base import Report

ALL: tuple[Report, ...] = (
    *course_data.REPORTS,
    *enrollments.REPORTS,
    *problems.REPORTS,
    *video.REPORTS,
    *navigation.REPORTS,
    *grades.REPORTS,
    *learners.REPORTS,
    *instance.REPORTS,
)


def _index(reports: tuple[Report, ...]) -> dict[str, Report]:
    found: dict[str, Report] = {}
    for report in reports:
        if report.name in found:
            raise ValueError(f"Two reports named {report.name!r}")
        found[report.name] = report
    return found


REPORTS: dict[str, Report] = _index(ALL)
COURSE_REPORTS: tuple[Report, ...] = tuple(report for report in ALL if report.scope == "course")


def get_report(name: str) -> Report:
    """The report called ``name`` (KeyError when there is none)."""
    return REPORTS[name]
