"""Every migration on the embedded engine: applies, reapplies as a no-op, and matches aspects-schema.md."""

from __future__ import annotations

import pytest

from oars_platform.clickhouse.ddl import Topology
from oars_platform.clickhouse.migrator import Migrator

# Written out from shared/spec/aspects-schema.md §1.2 and §1.6 (not derived from our migrations).
_DUMPED = [("dump_id", "UUID"), ("time_last_dumped", "String")]
SPEC_COLUMNS = {
    ("event_sink", "tag"): [
        ("id", "Int32"),
        ("taxonomy", "Int32"),
        ("parent", "Int32"),
        ("value", "String"),
        ("external_id", "String"),
        ("lineage", "String"),
        *_DUMPED,
    ],
    ("event_sink", "taxonomy"): [("id", "Int32"), ("name", "String"), *_DUMPED],
    ("event_sink", "object_tag"): [
        ("id", "Int32"),
        ("object_id", "String"),
        ("taxonomy", "Int32"),
        ("tag", "Int32"),
        ("_value", "String"),
        ("_export_id", "String"),
        ("lineage", "String"),
        *_DUMPED,
    ],
    ("xapi", "xapi_events_all"): [("event_id", "UUID"), ("emission_time", "DateTime64(6)"), ("event", "String")],
    ("event_sink", "course_overviews"): [
        ("org", "String"),
        ("course_key", "String"),
        ("display_name", "String"),
        ("course_start", "String"),
        ("course_end", "String"),
        ("enrollment_start", "String"),
        ("enrollment_end", "String"),
        ("self_paced", "Bool"),
        ("course_data_json", "String"),
        ("created", "String"),
        ("modified", "String"),
        ("dump_id", "UUID"),
        ("time_last_dumped", "String"),
    ],
    ("event_sink", "course_blocks"): [
        ("org", "String"),
        ("course_key", "String"),
        ("location", "String"),
        ("display_name", "String"),
        ("xblock_data_json", "String"),
        ("order", "Int32"),
        ("edited_on", "String"),
        ("dump_id", "UUID"),
        ("time_last_dumped", "String"),
    ],
    ("event_sink", "course_enrollment"): [
        ("id", "Int32"),
        ("course_key", "String"),
        ("created", "String"),
        ("is_active", "Bool"),
        ("mode", "LowCardinality(String)"),
        ("username", "String"),
        ("user_id", "Int32"),
        ("dump_id", "UUID"),
        ("time_last_dumped", "String"),
    ],
    ("event_sink", "user_profile"): [
        ("id", "Int32"),
        ("user_id", "Int32"),
        ("name", "String"),
        ("username", "String"),
        ("email", "String"),
        *[
            (name, "String")
            for name in (
                "meta",
                "courseware",
                "language",
                "location",
                "year_of_birth",
                "gender",
                "level_of_education",
                "mailing_address",
                "city",
                "country",
                "state",
                "goals",
                "bio",
                "profile_image_uploaded_at",
                "phone_number",
            )
        ],
        ("dump_id", "UUID"),
        ("time_last_dumped", "String"),
    ],
    ("event_sink", "external_id"): [
        ("external_user_id", "UUID"),
        ("external_id_type", "String"),
        ("username", "String"),
        ("user_id", "Int32"),
        ("dump_id", "UUID"),
        ("time_last_dumped", "String"),
    ],
}

# engine, partition key, primary key, sorting key (as system.tables prints them)
_TAG_KEYS = ("ReplacingMergeTree", "", "id, time_last_dumped", "id, time_last_dumped")
SPEC_KEYS = {
    ("event_sink", "tag"): _TAG_KEYS,
    ("event_sink", "taxonomy"): _TAG_KEYS,
    ("event_sink", "object_tag"): _TAG_KEYS,
    ("xapi", "xapi_events_all"): (
        "ReplacingMergeTree",
        "toYYYYMM(emission_time)",
        "emission_time, event_id",
        "emission_time, event_id",
    ),
    ("event_sink", "course_overviews"): (
        "MergeTree",
        "",
        "org, course_key, modified, time_last_dumped",
        "org, course_key, modified, time_last_dumped",
    ),
    ("event_sink", "course_blocks"): (
        "MergeTree",
        "",
        "org, course_key, location, edited_on",
        "org, course_key, location, edited_on, order",
    ),
    ("event_sink", "course_enrollment"): (
        "MergeTree",
        "",
        "course_key, user_id, time_last_dumped",
        "course_key, user_id, time_last_dumped",
    ),
    ("event_sink", "user_profile"): (
        "ReplacingMergeTree",
        "user_id % 100",
        "id, time_last_dumped",
        "id, time_last_dumped",
    ),
    ("event_sink", "external_id"): (
        "ReplacingMergeTree",
        "user_id % 100",
        "external_user_id, time_last_dumped",
        "external_user_id, time_last_dumped",
    ),
}


@pytest.mark.parametrize(("role", "table"), sorted(SPEC_COLUMNS))
def test_describe_equals_the_spec(clickhouse, role: str, table: str) -> None:
    database = getattr(clickhouse.databases, role)
    described = clickhouse.client.query(f"DESCRIBE TABLE `{database}`.`{table}`").rows
    assert [(row[0], row[1]) for row in described] == SPEC_COLUMNS[(role, table)]


@pytest.mark.parametrize(("role", "table"), sorted(SPEC_KEYS))
def test_engine_partitioning_and_keys_equal_the_spec(clickhouse, role: str, table: str) -> None:
    database = getattr(clickhouse.databases, role)
    row = clickhouse.client.query(
        "SELECT engine, partition_key, primary_key, sorting_key FROM system.tables "
        "WHERE database = {db:String} AND name = {table:String}",
        {"db": database, "table": table},
    ).rows[0]
    assert tuple(row) == SPEC_KEYS[(role, table)]


def test_every_migration_is_recorded_and_a_rerun_is_a_no_op(clickhouse) -> None:
    migrator = clickhouse.migrator
    assert sorted(migrator.applied()) == [migration.version for migration in migrator.migrations]
    assert migrator.pending() == []
    assert migrator.migrate() == []
    again = Migrator(clickhouse.client, clickhouse.databases, Topology())
    assert again.migrate() == []
    assert again.changed() == []
    ledger_rows = clickhouse.client.query(f"SELECT count() FROM {migrator.ledger} FINAL").scalar()
    assert ledger_rows == len(migrator.migrations)


def test_statements_are_idempotent_even_without_the_ledger(clickhouse) -> None:
    # A run interrupted after the DDL but before its ledger row repeats the DDL: it must not fail.
    migrator = clickhouse.migrator
    for migration in migrator.migrations:
        for sql in migration.render(migrator.databases, migrator.topology):
            clickhouse.client.execute(sql)


def test_an_edited_applied_migration_is_reported(clickhouse) -> None:
    migrator = clickhouse.migrator
    clickhouse.client.execute(
        f"ALTER TABLE {migrator.ledger} UPDATE checksum = 'edited' WHERE version = 2 SETTINGS mutations_sync = 1"
    )
    assert [migration.version for migration in migrator.changed()] == [2]


def test_raw_table_collapses_replayed_statements(clickhouse) -> None:
    import datetime as dt
    import uuid

    table = f"`{clickhouse.databases.xapi}`.xapi_events_all"
    row = (uuid.uuid4(), dt.datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=dt.UTC), '{"id": 1}')
    for _ in range(3):
        clickhouse.client.insert(table, ["event_id", "emission_time", "event"], [row])
    assert clickhouse.client.query(f"SELECT count() FROM {table} FINAL").scalar() == 1


@pytest.mark.parametrize(
    ("function", "url", "org"),
    [
        ("get_org_from_course_url", "http://lms/course/course-v1:Org-1.x~y+CS101+2024/block", "Org-1.x~y"),
        ("get_org_from_course_url", "http://lms/xblock/block-v1:NoCourse+type@html", None),
        ("get_org_from_ccx_course_url", "http://lms/course/ccx-v1:OrgC+CS1+R+ccx@3", "OrgC"),
        ("get_org_from_ccx_course_url", "http://lms/course/course-v1:Org+CS1+R", None),
    ],
)
def test_aspects_org_functions(clickhouse, function: str, url: str, org: str | None) -> None:
    # aspects-dbt calls these on every statement's object id (spec §1.2: coalesce of both, else '').
    assert clickhouse.client.query(f"SELECT {function}({{url:String}})", {"url": url}).scalar() == org
