"""What a dashboard shows (which reports, with which filters, as template context) and the standalone page.

The standalone page is the course dashboard as one HTML file (library, script, styles and data inline) that the
demo writes to disk.

Data reaches the page in two escaped forms only: table cells through Django's autoescape and chart data through
``json_script``. The only text marked safe is our own static files, read from the package.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from oars_platform.reports.base import FAR_FUTURE, Filters, Report
from oars_platform.reports.output import as_records
from oars_platform.reports.registry import REPORTS

STATIC = Path(__file__).resolve().parent.parent / "static" / "oars_platform"
CHART_LIBRARY = "vendor/chart.umd.min.js"

#: The course dashboard, top to bottom.
COURSE_PANELS = (
    "enrollments_daily",
    "enrollees_current",
    "enrollments_cumulative",
    "problem_difficulty",
    "video_engagement",
    "navigation_visits",
    "grade_distribution",
    "course_structure",
)
INSTANCE_PANELS = ("instance_summary", "instance_daily")


@dataclass(frozen=True)
class Panel:
    """One report on a page: its definition, rows, and the element id of its chart data."""

    report: Report
    rows: list[dict[str, Any]]

    @property
    def data_id(self) -> str:
        """Element id of the ``json_script`` holding this panel's chart data."""
        return f"oars-data-{self.report.name}"

    @property
    def table(self) -> list[list[str]]:
        """Cells in column order as display text, for the template's table (escaped by the template)."""
        return [[_display(row[column.name]) for column in self.report.columns] for row in self.rows]

    @property
    def chart_data(self) -> dict[str, Any]:
        """What the chart script reads: the chart spec, column names and rows (JSON-ready)."""
        return {"chart": self.report.chart, "rows": self.rows}


def _display(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def panels(names: tuple[str, ...], filters: Filters) -> list[Panel]:
    """Run each report with ``filters``."""
    result = []
    for name in names:
        report = REPORTS[name]
        ran = report.run(filters)
        result.append(Panel(report, as_records(ran)))
    return result


def date_filters(since: dt.date | None, until: dt.date | None, course_key: str = "") -> Filters:
    """Filters from a page's date inputs: ``until`` is an inclusive day, as on the command line."""
    kwargs: dict[str, Any] = {"course_key": course_key}
    if since:
        kwargs["since"] = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    kwargs["until"] = (
        dt.datetime.combine(until, dt.time(), tzinfo=dt.UTC) + dt.timedelta(days=1) if until else FAR_FUTURE
    )
    return Filters(**kwargs)


def _static_text(relative: str) -> SafeString:
    """One of our own static files, to inline in a standalone page (never data: nothing here comes from input)."""
    text = (STATIC / relative).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise ValueError(f"{relative} cannot be inlined safely")
    return mark_safe(text)  # our packaged static file, checked above


def course_context(course_key: str, course_name: str, since: dt.date | None, until: dt.date | None) -> dict:
    """Template context of the course dashboard.

    Every variable the template reads is set (``inline`` too): a missing one makes Django log the whole context at
    DEBUG, the request's user included.
    """
    return {
        "title": course_name or course_key,
        "course_key": course_key,
        "inline": False,
        "panels": panels(COURSE_PANELS, date_filters(since, until, course_key)),
        "since": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
        "scope": "course",
    }


def render_course_dashboard_html(
    course_key: str, course_name: str = "", since: dt.date | None = None, until: dt.date | None = None
) -> str:
    """The course dashboard as one self-contained HTML page: chart library, script, styles and data inline.

    For the demo's static file: it opens from disk with no server and no network.
    """
    context = course_context(course_key, course_name, since, until)
    context.update(
        inline=True,
        inline_library=_static_text(CHART_LIBRARY),
        inline_script=_static_text("dashboard.js"),
        inline_styles=_static_text("dashboard.css"),
    )
    return render_to_string("oars_platform/dashboard.html", context)
