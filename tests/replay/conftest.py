"""Fixtures for replay tests: a seeded generated corpus whose learners and courses exist in the stand-in LMS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from opaque_keys.edx.keys import CourseKey

from benchmarks.corpus import Corpus, generate
from oars_platform.ingest import reset_lookups
from tests.pipeline.conftest import fixture_world  # noqa: F401 - the ERB fixture users, for tracking.log

LEARNERS = 40
COURSES = 3


@pytest.fixture
def corpus_world(db) -> Iterator[Corpus]:
    """A 400-event corpus (seed 11); its learners (with xAPI external ids) and courses exist in the LMS."""
    from openedx.core.djangoapps.external_user_ids.models import ExternalId
    from standin.factories import create_course_overview

    reset_lookups()
    corpus = generate(400, seed=11, learners=LEARNERS, courses=COURSES)
    users = User.objects.bulk_create(
        [User(id=uid, username=name, email=f"{name}@example.org") for uid, name in corpus.usernames.items()]
    )
    ExternalId.batch_get_or_create_user_ids(users, "xapi")
    for course_id, name in corpus.course_names.items():
        create_course_overview(CourseKey.from_string(course_id), display_name=name)
    yield corpus
    reset_lookups()


_LINE = re.compile(r"^(\s*)([^:]+): (\d+)")


def run_replay(*args: Any, fails: bool = False) -> dict[str, Any]:
    """Run the command (no progress bar) and read its summary back as numbers.

    ``fails``: the command must end with an error (its message is in ``errors``); otherwise its error is raised.
    Returns ``{"lines": n, "transformed": n, "events": n, "statements": n, "written": n,
    "skipped": {reason: n}, "rejected": {reason: n}, "invalid": n, "output": text}``.
    """
    out, err = StringIO(), StringIO()
    error = ""
    try:
        call_command("replay_tracking_logs", *map(str, args), "--no-progress", stdout=out, stderr=err)
    except CommandError as exc:  # the command's non-zero exit
        if not fails:
            raise
        error = str(exc)
    assert error or not fails, "the command was expected to fail"
    return {**parse_summary(out.getvalue()), "errors": err.getvalue() + error}


def parse_summary(text: str) -> dict[str, Any]:
    """The command's summary (its stdout) as numbers; see :func:`run_replay`."""
    summary: dict[str, Any] = {"skipped": {}, "rejected": {}, "output": text}
    section = None
    for line in text.splitlines():
        if line.startswith("Lines read: "):
            summary["lines"] = int(line.split(": ")[1])
        elif line.startswith("Events transformed: "):
            numbers = re.findall(r"\d+", line)
            summary["transformed"], summary["events"] = int(numbers[0]), int(numbers[1])
        elif line.startswith("Statements: "):
            numbers = [int(n) for n in re.findall(r"\d+", line)]
            summary["statements"] = numbers[0]
            summary["written"] = numbers[1] if len(numbers) > 1 else 0
        elif line.startswith("Skipped lines: "):
            section = "skipped"
        elif line.startswith("Rejected events: "):
            section = "rejected"
        elif line.startswith("Invalid statements: "):
            summary["invalid"] = int(line.split(": ")[1])
            section = None
        elif not line.startswith("  "):
            section = None
        elif section:
            match = _LINE.match(line)
            assert match, line
            summary[section][match.group(2)] = int(match.group(3))
    return summary


def stored(clickhouse) -> dict[str, str]:
    """Statement id -> JSON text of every stored statement (deduplicated, as reports read it)."""
    rows = clickhouse.client.query(
        f"SELECT toString(event_id), event FROM `{clickhouse.databases.xapi}`.xapi_events_all FINAL"
    ).rows
    return dict(rows)


def quarantined(clickhouse) -> list[tuple[str, str]]:
    """(reason, event name) of every quarantined event, sorted."""
    rows = clickhouse.client.query(
        f"SELECT reason, event_name FROM `{clickhouse.databases.oars}`.quarantine ORDER BY reason, event_name"
    ).rows
    return [tuple(row) for row in rows]


def counts(clickhouse) -> dict[tuple[str, str], int]:
    """ingest_totals (distinct statements and quarantined events) summed per (event name, outcome)."""
    rows = clickhouse.client.query(
        f"SELECT event_name, outcome, sum(events) FROM `{clickhouse.databases.oars}`.ingest_totals "
        "GROUP BY event_name, outcome"
    ).rows
    return {(name, outcome): int(n) for name, outcome, n in rows}
