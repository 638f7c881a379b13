"""Exactly once in the raw table and in every table a view fills from it, with a view that fails on some statements.

The operator's view below does what Aspects' ``problem_events`` view did to our statements: it casts an extension
that some problem statements lack, so ClickHouse commits the raw rows and then throws
(``ATTEMPT_TO_READ_AFTER_EOF``). The reference events are replayed in batches, then retried as they were, then
sent again in other batches. Whatever happens, each statement is stored once in the raw table and once in every
derived table (ours, and an operator's plain MergeTree that would show any second insert), the failing view holds
exactly the statements of the batches it accepted, and each refusal is reported as a view's, never as a
statement ClickHouse refused.
"""

from __future__ import annotations

from collections import Counter

import pytest

from oars_platform.clickhouse.writer import deduplication_token, insert_isolating
from oars_platform.ingest import INSERT_REJECTED, VIEW_REFUSED, ingest, transform
from oars_platform.xapi.results import TransformedStatement
from tests.pipeline.conftest import fixture_event_texts

ATTEMPT = "http://id.tincanapi.com/extension/attempt-id"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
#: Report tables filled by views over the raw table (migrations 0008, 0010), each keyed by statement id.
DERIVED = ("events_parsed", "enrollment_events", "video_events", "problem_events", "navigation_events",
           "grading_events", "completion_events", "forum_events")


@pytest.fixture
def operator_views(clickhouse):
    """An operator's failing view (``attempts``) and a plain copy of every id (``copies``), both plain MergeTree."""
    xapi, oars = clickhouse.databases.xapi, clickhouse.databases.oars
    for sql in (
        f"CREATE TABLE `{oars}`.attempts (event_id UUID, attempt Int16) ENGINE = MergeTree ORDER BY event_id "
        "SETTINGS non_replicated_deduplication_window = 1000",
        f"CREATE MATERIALIZED VIEW `{oars}`.attempts_mv TO `{oars}`.attempts AS SELECT event_id, "
        f"CAST(JSONExtractString(event, 'context', 'extensions', '{ATTEMPT}'), 'Int16') AS attempt "
        f"FROM `{xapi}`.xapi_events_all WHERE JSONExtractString(event, 'object', 'definition', 'type') = "
        f"'{INTERACTION}'",
        f"CREATE TABLE `{oars}`.copies (event_id UUID) ENGINE = MergeTree ORDER BY event_id "
        "SETTINGS non_replicated_deduplication_window = 1000",
        f"CREATE MATERIALIZED VIEW `{oars}`.copies_mv TO `{oars}`.copies AS SELECT event_id "
        f"FROM `{xapi}`.xapi_events_all",
    ):
        clickhouse.client.execute(sql)
    return f"{oars}.attempts_mv"


def fails_the_view(statement: TransformedStatement) -> bool:
    """What the operator's view refuses: a problem interaction without an attempt id."""
    definition = statement.statement.get("object", {}).get("definition", {})
    extensions = statement.statement.get("context", {}).get("extensions", {})
    return definition.get("type") == INTERACTION and not str(extensions.get(ATTEMPT, "")).strip()


def ids_and_rows(clickhouse, database: str, table: str) -> tuple[set[str], int]:
    rows = clickhouse.client.query(f"SELECT toString(event_id) FROM `{database}`.`{table}`").rows
    return {row[0] for row in rows}, len(rows)


def assert_each_stored_once(clickhouse, expected: set[str]) -> None:
    """Every statement exactly once in the raw table and in every table fed from it (ours and the operator's)."""
    raw_ids, raw_rows = ids_and_rows(clickhouse, clickhouse.databases.xapi, "xapi_events_all")
    assert raw_ids == expected
    assert raw_rows == len(expected)
    copies, copy_rows = ids_and_rows(clickhouse, clickhouse.databases.oars, "copies")
    assert copies == expected and copy_rows == len(expected)
    parsed, parsed_rows = ids_and_rows(clickhouse, clickhouse.databases.oars, "events_parsed")
    assert parsed == expected and parsed_rows == len(expected)
    for table in DERIVED:
        ids, rows = ids_and_rows(clickhouse, clickhouse.databases.oars, table)
        assert rows == len(ids), f"{table}: {rows} rows for {len(ids)} statements"


def test_a_failing_view_never_makes_a_statement_stored_twice_nor_refused(
    clickhouse, fixture_world, shared_dir, operator_views
) -> None:
    events = list(fixture_event_texts(shared_dir).values())
    batches = [events[start:start + 6] for start in range(0, len(events), 6)]
    statements = {statement.id: statement for statement in transform(events).statements}
    refused_by_view: set[str] = set()
    accepted_by_view: set[str] = set()
    sent: set[str] = set()
    for batch in batches:  # the view refuses a whole block: every new statement of a batch with one it cannot cast
        new = {statement.id for statement in transform(batch).statements} - sent
        failing = any(fails_the_view(statements[key]) for key in new)
        (refused_by_view if failing else accepted_by_view).update(new)
        sent |= new
    assert refused_by_view, "the reference events must include problem statements the view cannot cast"

    reports = [ingest(batch, "test") for batch in batches]

    assert_each_stored_once(clickhouse, set(statements))
    assert sum(report.outcomes[INSERT_REJECTED] for report in reports) == 0  # stored, so never "refused"
    assert sum(report.view_refused[operator_views] for report in reports) == len(refused_by_view)
    assert all(report.view_errors[operator_views].endswith("ATTEMPT_TO_READ_AFTER_EOF")
               for report in reports if report.view_refused)
    assert sum(report.statements - report.already_stored for report in reports) == len(statements)
    attempts, _ = ids_and_rows(clickhouse, clickhouse.databases.oars, "attempts")
    interactions = {key for key in accepted_by_view if statements[key].statement["object"].get(
        "definition", {}).get("type") == INTERACTION}
    assert attempts == interactions

    # Retried as they were (a worker that died before acknowledging), then sent again in other batches (a replay).
    for batch in batches:
        ingest(batch, "test")
    for start in range(0, len(events), 4):
        ingest(events[start:start + 4], "test")

    assert_each_stored_once(clickhouse, set(statements))
    assert ids_and_rows(clickhouse, clickhouse.databases.oars, "attempts")[0] == attempts
    counted = dict(clickhouse.client.query(
        f"SELECT outcome, sum(events) FROM `{clickhouse.databases.oars}`.ingest_totals GROUP BY outcome"
    ).rows)
    # Per event name: one statement given by two names (live and log shape) counts under each, once.
    named = {(statement.event_name, statement.id) for statement in transform(events).statements}
    assert counted["written"] == len(named)
    assert counted[VIEW_REFUSED + operator_views] == len(refused_by_view)


def test_oars_status_reports_the_view_that_refused_stored_statements(
    clickhouse, fixture_world, shared_dir, operator_views
) -> None:
    from oars_platform.status import read_status

    events = list(fixture_event_texts(shared_dir).values())
    report = ingest(events, "test")
    assert report.view_refused[operator_views] == report.statements  # one block: the view refused all of it
    status = read_status(clickhouse.client)
    assert status.view_refused == {operator_views: report.statements}
    assert INSERT_REJECTED not in status.quarantine_by_reason
    assert sum(status.statements_by_event.values()) >= report.statements


def test_a_row_the_table_refuses_is_isolated_and_the_rest_stored_once_in_every_view(clickhouse, operator_views):
    """Bisection after a refusal by the table itself stores each good row once, and feeds each view once."""
    xapi, oars = clickhouse.databases.xapi, clickhouse.databases.oars
    clickhouse.client.execute(
        f"ALTER TABLE `{xapi}`.xapi_events_all ADD CONSTRAINT no_poison CHECK NOT (event LIKE '%poison%')"
    )
    ids = [f"00000000-0000-4000-8000-{index:012d}" for index in range(9)]
    rows = [(key, "2024-05-01 10:00:00", '{"poison": 1}' if index in (2, 7) else '{"fine": 1}')
            for index, key in enumerate(ids)]

    outcome = insert_isolating(clickhouse.client, f"`{xapi}`.`xapi_events_all`", ("event_id", "emission_time", "event"),
                               rows)
    again = insert_isolating(clickhouse.client, f"`{xapi}`.`xapi_events_all`", ("event_id", "emission_time", "event"),
                             rows)

    good = {key for index, key in enumerate(ids) if index not in (2, 7)}
    assert [index for index, _ in outcome.rejected] == [2, 7] == [index for index, _ in again.rejected]
    assert outcome.view_failures == []
    assert ids_and_rows(clickhouse, xapi, "xapi_events_all") == (good, len(good))
    assert ids_and_rows(clickhouse, oars, "copies") == (good, len(good))


def test_the_token_depends_on_the_rows_not_their_order() -> None:
    rows = [("a", 1), ("b", 2), ("c", 3)]
    assert deduplication_token(rows) == deduplication_token(list(reversed(rows)))
    assert deduplication_token(rows) != deduplication_token(rows[:2])
    assert deduplication_token(rows) != deduplication_token([("a", 1), ("b", 2), ("c", 4)])  # a new version
    assert len(Counter(deduplication_token([row]) for row in rows)) == 3
