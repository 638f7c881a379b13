"""``oars_report``: every format, filters, and errors as CommandError."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from oars_platform.reports.base import Filters
from oars_platform.reports.registry import get_report


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("oars_report", *args, stdout=out)
    return out.getvalue()


def test_formats_show_the_same_rows(world) -> None:
    course = next(iter(world.courses))
    expected = get_report("enrollees_current").run(Filters(course_key=course)).rows
    data = json.loads(run("enrollees_current", "--course", course, "--format", "json"))
    assert data["rows"] == expected
    assert [column["name"] for column in data["columns"]] == ["mode", "enrollees"]
    rows = list(csv.DictReader(io.StringIO(run("enrollees_current", "--course", course, "--format", "csv"))))
    assert [(row["mode"], int(row["enrollees"])) for row in rows] == [(r["mode"], r["enrollees"]) for r in expected]
    table = run("enrollees_current", "--course", course)
    assert table.splitlines()[0].split() == ["Enrollment", "mode", "Enrolled", "learners"]
    assert len(table.splitlines()) == 2 + len(expected)


def test_until_as_a_date_includes_that_day(world) -> None:
    course = next(iter(world.courses))
    rows = json.loads(run("enrollments_daily", "--course", course, "--format", "json"))["rows"]
    first_day = rows[0]["day"]
    only = json.loads(run("enrollments_daily", "--course", course, "--since", first_day, "--until", first_day,
                          "--format", "json"))["rows"]
    assert only == [row for row in rows if row["day"] == first_day]


def test_errors_are_command_errors(clickhouse) -> None:
    with pytest.raises(CommandError, match="Bad date"):
        run("enrollments_daily", "--since", "yesterday")
    with pytest.raises(CommandError, match="needs a course"):
        run("navigation_visits")
