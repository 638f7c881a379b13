"""Reports as data: a name, a title, typed columns and one SQL template with bound parameters.

A template names tables as ``{oars}.`table``` (database from validated settings) and filters with two fragments
chosen here, never built from input: ``{course_filter}`` (``org`` / ``course_key`` equality, so a course report
reads one primary-key range of tables ordered by ``(org, course_key, …)``) and ``{time_filter}`` (half-open
``[since, until)`` on ``emission_time``). Every value is a ``{name:Type}`` placeholder bound by ClickHouse.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from oars_platform.clickhouse import ClickHouseClient
from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.sql import identifier
from oars_platform.conf import get_config
from oars_platform.connection import get_client

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
FAR_FUTURE = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
_ORG = re.compile(r"^(?:course|ccx)-v1:([^+]+)\+")


def org_of(course_key: str) -> str:
    """The org part of a ``course-v1:``/``ccx-v1:`` key ('' for other keys), as the derived tables store it."""
    match = _ORG.match(course_key or "")
    return match.group(1) if match else ""


@dataclass(frozen=True)
class Filters:
    """What every report is filtered by; empty org/course means all, since/until default to all time."""

    org: str = ""
    course_key: str = ""
    since: dt.datetime = EPOCH
    until: dt.datetime = FAR_FUTURE

    @property
    def effective_org(self) -> str:
        """The org to filter on: the given one, else the course key's (keeps the primary-key prefix usable)."""
        return self.org or org_of(self.course_key)

    def params(self) -> dict[str, Any]:
        """Bound parameters shared by every report."""
        return {
            "org": self.effective_org,
            "course_key": self.course_key,
            "since": self.since.astimezone(dt.UTC).replace(tzinfo=None),
            "until": self.until.astimezone(dt.UTC).replace(tzinfo=None),
        }

    def course_filter(self) -> str:
        """The ``{course_filter}`` fragment: constant text, values as placeholders."""
        parts = []
        if self.effective_org:
            parts.append("org = {org:String}")
        if self.course_key:
            parts.append("course_key = {course_key:String}")
        return " AND ".join(parts) or "1"


TIME_FILTER = "emission_time >= {since:DateTime64(6)} AND emission_time < {until:DateTime64(6)}"


@dataclass(frozen=True)
class Column:
    """One output column: name, label and kind (``text``, ``id``, ``int``, ``float``, ``percent``, ``date``, ``time``).

    ``id`` is an opaque identifier (a block or course key): long, and the one kind a dashboard table may break over
    lines. ``values`` gives stored values the words a dashboard shows for them (``registered`` -> "enrolled"): the
    command line, CSV and JSON keep the stored values. ``dashboard=False`` keeps a machine-readable column out of
    the dashboard's table.
    """

    name: str
    label: str
    kind: str = "text"
    values: tuple[tuple[str, str], ...] = ()
    dashboard: bool = True

    def shown(self, value: object) -> object:
        """The value as a dashboard names it."""
        return dict(self.values).get(value, value) if self.values and isinstance(value, str) else value


@dataclass(frozen=True)
class ReportResult:
    """Rows of one report run, as dicts keyed by column name in column order."""

    report: Report
    filters: Filters
    rows: list[dict[str, Any]]

    @property
    def columns(self) -> tuple[Column, ...]:
        """The report's columns."""
        return self.report.columns


@dataclass(frozen=True)
class Report:
    """A named report: one SQL template (or, for operator facts, a function) and its column list."""

    name: str
    title: str
    description: str
    scope: str  # "course" (course staff may run it for their course) or "instance" (global staff only)
    columns: tuple[Column, ...]
    sql: str = ""
    chart: dict[str, Any] = field(default_factory=dict)
    runner: Callable[[Report, Filters, ClickHouseClient], list[dict[str, Any]]] | None = None
    requires_course: bool = False

    def render(self, filters: Filters, databases: Databases | None = None) -> str:
        """The SQL text for these filters (identifiers and fixed fragments only)."""
        databases = databases or get_config().databases
        return self.sql.format(
            oars=identifier(databases.oars),
            course_filter=filters.course_filter(),
            time_filter=TIME_FILTER,
        )

    def run(self, filters: Filters, client: ClickHouseClient | None = None) -> ReportResult:
        """Run against ClickHouse; rows come back keyed by this report's column names."""
        client = client or get_client()
        if self.requires_course and not filters.course_key:
            raise ValueError(f"The {self.name} report needs a course.")
        if self.runner is not None:
            return ReportResult(self, filters, self.runner(self, filters, client))
        rows = client.query(self.render(filters), filters.params()).dicts()
        names = [column.name for column in self.columns]
        return ReportResult(self, filters, [{name: row[name] for name in names} for row in rows])


def columns(*spec: tuple[Any, ...] | Column) -> tuple[Column, ...]:
    """Shorthand: ``columns(("day", "Day", "date"), ("events", "Events", "int"))``; a Column passes as is."""
    return tuple(item if isinstance(item, Column) else Column(*item) for item in spec)
