"""Counts that equal what is stored after a retried batch and after a failure between the raw insert and the counts.

The figures (``oars.ingest_totals``, ``oars_status``) count the ledger's distinct ids. Here the same batch is
written twice (a retry), and a batch whose raw insert landed but whose ledger insert failed (ClickHouse lost the
table for a moment, as when a process dies between the two) is retried: in both cases every stored statement is
counted once and every bad event quarantined once.
"""

from __future__ import annotations

import json

import pytest

from oars_platform.clickhouse import ClickHouseError
from oars_platform.ingest import ingest, transform
from oars_platform.status import read_status
from tests.pipeline.conftest import fixture_event_texts


def distinct_stored(clickhouse) -> int:
    return int(clickhouse.client.query(
        f"SELECT uniqExact(event_id) FROM `{clickhouse.databases.xapi}`.xapi_events_all").scalar())


def written_ids(clickhouse) -> int:
    return int(clickhouse.client.query(
        f"SELECT uniqExact(id) FROM `{clickhouse.databases.oars}`.ingest_ledger WHERE outcome = 'written'").scalar())


def quarantine_rows(clickhouse) -> int:
    return clickhouse.count("oars.quarantine")


@pytest.fixture
def batch(shared_dir) -> list[str]:
    events = list(fixture_event_texts(shared_dir).values())
    return [*events, "{not json", json.dumps({"name": "problem_check", "timestamp": "yesterday"})]


def expected_by_event(events: list[str]) -> dict[str, int]:
    names: dict[str, set[str]] = {}
    for statement in transform(events).statements:
        names.setdefault(statement.event_name, set()).add(statement.id)
    return {name: len(ids) for name, ids in names.items()}


def test_a_retried_batch_counts_and_quarantines_nothing_twice(clickhouse, fixture_world, batch) -> None:
    ingest(batch, "test")
    first = read_status(clickhouse.client)
    rows = quarantine_rows(clickhouse)
    ingest(batch, "test")
    ingest(list(reversed(batch)), "test")
    again = read_status(clickhouse.client)
    assert again.statements_by_event == first.statements_by_event == expected_by_event(batch)
    assert again.quarantine_by_reason == first.quarantine_by_reason
    assert sum(again.quarantine_by_reason.values()) == quarantine_rows(clickhouse) == rows >= 2
    assert written_ids(clickhouse) == distinct_stored(clickhouse)


def test_a_failure_between_the_raw_insert_and_the_counts_is_caught_up_by_the_retry(
    clickhouse, fixture_world, batch
) -> None:
    ledger = f"`{clickhouse.databases.oars}`.ingest_ledger"
    clickhouse.client.execute(f"DETACH TABLE {ledger}")
    with pytest.raises(ClickHouseError):
        ingest(batch, "test")
    clickhouse.client.execute(f"ATTACH TABLE {ledger}")
    assert distinct_stored(clickhouse) > 0  # stored, not yet counted: the batch was not acknowledged
    assert written_ids(clickhouse) == 0

    ingest(batch, "test")  # the retry

    assert written_ids(clickhouse) == distinct_stored(clickhouse)
    assert read_status(clickhouse.client).statements_by_event == expected_by_event(batch)
    rejected = {(str(rejection.reason), rejection.raw) for rejection in transform(batch).rejections}
    assert sum(read_status(clickhouse.client).quarantine_by_reason.values()) == quarantine_rows(clickhouse)
    assert quarantine_rows(clickhouse) == len(rejected) >= 2
