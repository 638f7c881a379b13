"""ingest(): transform and write a batch into the embedded ClickHouse, quarantine and count the rest."""

from __future__ import annotations

import json
import uuid

import pytest

from oars_platform.clickhouse.writer import insert_isolating
from oars_platform.ingest import ingest, transform
from tests.pipeline.conftest import fixture_event_texts


def stored_ids(clickhouse) -> list[str]:
    rows = clickhouse.client.query(
        f"SELECT toString(event_id) FROM `{clickhouse.databases.xapi}`.xapi_events_all FINAL"
    ).rows
    return sorted(row[0] for row in rows)


def quarantine(clickhouse) -> list[dict]:
    return clickhouse.client.query(
        f"SELECT reason, event_name, detail, raw, raw_truncated FROM `{clickhouse.databases.oars}`.quarantine "
        "ORDER BY reason, event_name"
    ).dicts()


def test_every_fixture_event_lands_once_and_a_replay_changes_nothing(clickhouse, fixture_world, shared_dir) -> None:
    events = list(fixture_event_texts(shared_dir).values())
    expected = sorted({statement.id for statement in transform(events).statements})
    assert len(expected) > 60

    first = ingest(events, "test")
    assert first.statements == len(expected)
    assert stored_ids(clickhouse) == expected

    again = ingest(events, "test")
    assert again.statements == len(expected)
    assert stored_ids(clickhouse) == expected  # deduplicated by statement id (FINAL), not stored twice


def test_stored_statement_is_the_transform_output(clickhouse, fixture_world, shared_dir) -> None:
    event = fixture_event_texts(shared_dir)["play_video"]
    (statement,) = transform([event]).statements
    ingest([event], "test")
    row = clickhouse.client.query(
        f"SELECT toString(event_id), emission_time, event FROM `{clickhouse.databases.xapi}`.xapi_events_all"
    ).rows[0]
    assert row[0] == statement.id
    assert row[1] == statement.emission_time
    assert json.loads(row[2]) == statement.statement
    assert statement.statement["verb"]["id"] == "https://w3id.org/xapi/video/verbs/played"


def test_duplicates_within_a_batch_are_written_once(clickhouse, fixture_world, shared_dir) -> None:
    event = fixture_event_texts(shared_dir)["play_video"]
    report = ingest([event, event, event], "test")
    assert (report.statements, report.duplicates) == (1, 2)
    assert clickhouse.count("xapi.xapi_events_all") == 1


def test_rejections_are_quarantined_with_their_reason_and_counted(clickhouse, fixture_world, shared_dir) -> None:
    good = fixture_event_texts(shared_dir)["pause_video"]
    unknown_user = json.loads(good)
    unknown_user["context"]["user_id"] = 999_999
    unknown_user.setdefault("data", {})
    if isinstance(unknown_user.get("data"), dict):
        unknown_user["data"].pop("user_id", None)
    events = [
        good,
        "{not json",
        json.dumps({"name": "no.such.event", "timestamp": "2024-01-01T00:00:00+00:00"}),
        json.dumps(unknown_user),
    ]
    report = ingest(events, "test")
    assert report.statements == 1
    assert report.outcomes["written"] == 1
    reasons = sorted(row["reason"] for row in quarantine(clickhouse))
    assert reasons == ["malformed_json", "unknown_event", "unknown_user"]
    counted = clickhouse.client.query(
        f"SELECT outcome, sum(events) FROM `{clickhouse.databases.oars}`.ingest_totals "
        "GROUP BY outcome ORDER BY outcome"
    ).rows
    assert counted == [("malformed_json", 1), ("unknown_event", 1), ("unknown_user", 1), ("written", 1)]
    assert all(row["raw"] for row in quarantine(clickhouse))  # kept for inspection and replay


def test_quarantined_raw_text_is_capped(clickhouse, settings, fixture_world) -> None:
    settings.OARS_QUARANTINE_RAW_MAX_BYTES = 100
    huge = json.dumps({"name": "no.such.event", "data": {"x": "é" * 5000}})
    ingest([huge], "test")
    (row,) = quarantine(clickhouse)
    assert row["raw_truncated"] is True
    assert len(row["raw"].encode()) <= 100


def test_lookup_failures_are_returned_for_retry_not_quarantined(clickhouse, fixture_world, shared_dir, monkeypatch):
    from oars_platform.ingest import reset_lookups
    from oars_platform.platform import users

    def broken(refs, mode):
        raise ConnectionError("MySQL went away")

    monkeypatch.setattr(users, "fetch_actors", broken)
    reset_lookups()
    event = fixture_event_texts(shared_dir)["play_video"]
    report = ingest([event], "test")
    assert report.retry == [event]
    assert report.statements == 0
    assert quarantine(clickhouse) == []


def test_a_poison_row_is_isolated_and_the_rest_of_the_batch_lands(clickhouse) -> None:
    table = f"`{clickhouse.databases.oars}`.poison_probe"
    clickhouse.client.execute(f"CREATE TABLE {table} (id UUID, n UInt8) ENGINE = MergeTree ORDER BY id")
    rows = [(str(uuid.uuid4()), 1), (str(uuid.uuid4()), 2), ("not-a-uuid", 3), (str(uuid.uuid4()), 4), ("also bad", 5)]
    outcome = insert_isolating(clickhouse.client, table, ["id", "n"], rows)
    assert outcome.inserted == 3
    assert [index for index, _ in outcome.rejected] == [2, 4]
    assert "UUID" in outcome.rejected[0][1] or "uuid" in outcome.rejected[0][1].lower()
    assert sorted(r[0] for r in clickhouse.client.query(f"SELECT n FROM {table}").rows) == [1, 2, 4]


def test_a_batch_the_table_refuses_entirely_raises_for_a_retry(clickhouse, fixture_world, shared_dir) -> None:
    from oars_platform.clickhouse import ClickHouseQueryError

    clickhouse.client.execute(f"DETACH TABLE `{clickhouse.databases.xapi}`.xapi_events_all")
    events = [fixture_event_texts(shared_dir)[name] for name in ("play_video", "pause_video")]
    with pytest.raises(ClickHouseQueryError):
        ingest(events, "test")
    assert quarantine(clickhouse) == []  # nothing quarantined for a table-level failure
