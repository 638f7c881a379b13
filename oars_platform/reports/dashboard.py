"""What a dashboard shows (which reports, with which filters, as template context) and the standalone page.

The standalone page is the course dashboard as one HTML file (library, script, styles and data inline) that the
demo writes to disk.

Data reaches the page in two escaped forms only: table cells through Django's autoescape and chart data through
``json_script``. The only text marked safe is our own static files, read from the package.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from oars_platform.reports.base import FAR_FUTURE, Column, Filters, Report
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
    "learners_by_cohort",
    "course_structure",
)
INSTANCE_PANELS = ("instance_courses", "instance_summary", "instance_daily")


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, a link (a course's dashboard) and its kind (the template's CSS class)."""

    text: str
    href: str = ""
    kind: str = "text"


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
    def columns(self) -> tuple[Column, ...]:
        """The columns the page shows.

        Machine-readable keys stay in the data only, and a block's section, subsection and unit numbers make one
        "Place in course" column (``2.1.3``), so wide tables fit the page.
        """
        shown: list[Column] = []
        for column in self.report.columns:
            if not column.dashboard or (column.name in PLACE and column.name != PLACE[0]):
                continue
            shown.append(PLACE_COLUMN if column.name == PLACE[0] else column)
        return tuple(shown)

    @property
    def table(self) -> list[list[Cell]]:
        """Cells in column order as display text, for the template's table (escaped by the template)."""
        place = [name for name in PLACE if name in {column.name for column in self.report.columns}]
        return [
            [_place(row, place) if column is PLACE_COLUMN else _cell(column, row[column.name])
             for column in self.columns]
            for row in self.rows
        ]

    @property
    def chart_data(self) -> dict[str, Any]:
        """What the chart script reads: the chart spec, the rows (JSON-ready), column labels and value names."""
        return {
            "chart": self.report.chart,
            "rows": self.rows,
            "labels": {column.name: column.label for column in self.report.columns},
            "names": {column.name: dict(column.values) for column in self.report.columns if column.values},
        }


#: Block position columns, outermost first, and the one column the dashboard shows for them.
PLACE = ("section", "subsection", "unit")
PLACE_COLUMN = Column("place", "Place in course", "place")


def _place(row: dict[str, Any], names: list[str]) -> Cell:
    """``2.1.3`` for section 2, subsection 1, unit 3; trailing zeros (a section itself) dropped; '-' if detached."""
    numbers = [int(row[name] or 0) for name in names]
    while numbers and numbers[-1] == 0:
        numbers.pop()
    return Cell(".".join(str(number) for number in numbers) or "-", kind="place")


def _cell(column: Column, value: Any) -> Cell:
    if column.kind == "course" and value:
        return Cell(str(value), course_url(str(value)), "id")
    return Cell(_display(column.shown(value), column.kind), kind=column.kind)


def course_url(course_key: str) -> str:
    """The course dashboard's path (relative to the instance page when the URLconf does not name it)."""
    try:
        return reverse("oars_platform:course_dashboard", kwargs={"course_key": course_key})
    except NoReverseMatch:
        return f"../courses/{course_key}/"


def _display(value: Any, kind: str = "text") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f} %" if kind == "percent" else f"{value:,.2f}"
    if isinstance(value, str) and (kind == "time" or _ISO_TIME.match(value)):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC" if moment.tzinfo else f"{moment:%Y-%m-%d %H:%M:%S}"
    return str(value)


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


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
