"""Report results as text (aligned table), CSV or JSON, and the parsing of date filters given as text.

Shared by the ``oars_report`` command and the dashboards' JSON endpoints, so both show the same values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from oars_platform.reports.base import ReportResult


def parse_bound(text: str, *, end_of_day: bool = False) -> dt.datetime:
    """``YYYY-MM-DD`` or an ISO 8601 time (naive means UTC); ValueError on anything else.

    A bare date as an upper bound means the end of that day, so ``--until 2026-02-03`` includes the 3rd.
    """
    text = text.strip()
    if len(text) == 10:
        day = dt.date.fromisoformat(text)
        start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        return start + dt.timedelta(days=1) if end_of_day else start
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def jsonable(value: Any) -> Any:
    """Dates as ISO text, everything else as is (ints, floats, strings, bools, None)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def as_records(result: ReportResult) -> list[dict[str, Any]]:
    """Rows with JSON-ready values."""
    return [{key: jsonable(value) for key, value in row.items()} for row in result.rows]


def as_json(result: ReportResult) -> str:
    """One JSON object: report name and title, filters, columns (name, label, kind) and rows."""
    report = result.report
    filters = result.filters
    return json.dumps(
        {
            "report": report.name,
            "title": report.title,
            "filters": {
                "org": filters.org,
                "course_key": filters.course_key,
                "since": filters.since.isoformat(),
                "until": filters.until.isoformat(),
            },
            "columns": [{"name": c.name, "label": c.label, "kind": c.kind} for c in report.columns],
            "rows": as_records(result),
        },
        sort_keys=False,
    )


def as_csv(result: ReportResult) -> str:
    """A header of column names, then one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column.name for column in result.columns])
    for row in as_records(result):
        writer.writerow([row[column.name] for column in result.columns])
    return out.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else str(jsonable(value))


def as_table(result: ReportResult) -> str:
    """Aligned columns with the labels as header, for a terminal."""
    header = [column.label for column in result.columns]
    body = [[_cell(row[column.name]) for column in result.columns] for row in result.rows]
    widths = [max(len(line[index]) for line in [header, *body]) for index in range(len(header))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
             for line in [header, *body]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines) + "\n"


FORMATS = {"table": as_table, "csv": as_csv, "json": as_json}
