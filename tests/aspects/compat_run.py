"""One compatibility run, in a pytest process of its own (started by ``test_compat.py``; not collected otherwise).

The run's environment says what it proves:
- ``ASPECTS_COMPAT_ORDER``: ``ours`` (a ClickHouse set up by our migrations alone) or ``aspects-first``
  (tutor-contrib-aspects' init and Alembic migrations, then ours, which must succeed and change nothing of theirs);
- ``ASPECTS_COMPAT_PII``: ``on`` or ``off`` (``OARS_PII_ENABLED`` while the cohort is written).

Databases keep Aspects' names (``xapi``, ``event_sink``, ``reporting``) because its SQL names them.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

import pytest

from oars_platform.clickhouse import from_url
from oars_platform.clickhouse.ddl import Topology
from oars_platform.clickhouse.migrator import Migrator
from oars_platform.conf import Databases
from tests.aspects import assets, dbt_models
from tests.conftest import CHDB_URL

ORDER = os.environ.get("ASPECTS_COMPAT_ORDER", "ours")
PII = os.environ.get("ASPECTS_COMPAT_PII", "on") == "on"
DATABASES = Databases(xapi="xapi", event_sink="event_sink", oars="oars")
#: Databases whose objects Aspects' migrations and dbt create.
ASPECTS_DATABASES = ("xapi", "event_sink", "openedx", "reporting")

#: Datasets that read server tables the embedded engine does not have; each must fail for that reason only.
SERVER_ONLY_DATASETS = {
    "query_log": "system.query_log",
    "slowest_clickhouse_queries": "system.query_log",
    "clickhouse_computed_metrics": "system.asynchronous_metrics",
}

#: Datasets on Superset's own metadata database (its users, its action log), not on ClickHouse: not run here.
SUPERSET_METADATA_DATASETS = {"ab_user", "superset_action_log"}

#: Models that rightly hold nothing for this cohort, and why.
EMPTY_MODELS = {
    "dim_most_recent_tags": "no tags: the stand-in platform has no content tagging to dump into event_sink.tag",
    "dim_most_recent_taxonomies": "no taxonomies (as above)",
    "dim_most_recent_object_tags": "no object tags (as above)",
    "dim_most_recent_course_tags": "no course tags (as above)",
}
#: Datasets that rightly return nothing for this cohort, and why.
EMPTY_DATASETS = {
    "tag_filter": "lists tags, and there are none (see EMPTY_MODELS)",
}
#: Models and datasets that show personal data: empty when it is off.
PII_ONLY = {"user_pii", "dim_user_pii", "enrollment_pii"}

#: Learners of the cohort (about 70 events each over two courses): every model and dataset gets rows.
LEARNERS = 10
#: Events per ingest call: the production batch size order of magnitude, so the views see multi-row blocks.
BATCH = 500

pytestmark = pytest.mark.django_db


def _objects(client) -> dict[tuple[str, str], str]:
    """Every table, view and dictionary of Aspects' databases, and every SQL function, with its definition."""
    rows = client.query(
        "SELECT database, name, create_table_query FROM system.tables WHERE database IN {names:Array(String)}",
        {"names": list(ASPECTS_DATABASES)},
    ).rows
    functions = client.query("SELECT '', name, create_query FROM system.functions WHERE origin = 'SQLUserDefined'").rows
    return {(database, name): sql for database, name, sql in [*rows, *functions]}


def _aspects_schema(client) -> None:
    """What a Tutor site with Aspects has before our plugin: its init job's databases, then every Alembic revision."""
    for sql in assets.init_databases():
        client.execute(sql)
    for revision in assets.alembic_revisions():
        for sql in revision.statements:
            try:
                client.execute(sql)
            except Exception as error:
                raise AssertionError(f"Aspects' revision {revision.revision} failed: {error}\n{sql}") from error


def _build_models(client) -> list[dbt_models.Model]:
    built = dbt_models.models()
    failures = []
    for model in built:
        try:
            dbt_models.build(client, model)
        except Exception as error:
            failures.append(f"{model.name}: {error}")
    assert not failures, "models that did not build:\n" + "\n".join(failures)
    return built


def _write_cohort(client, settings, capture) -> int:
    """Courses dumped, learners enrolled (their profiles and external ids with personal data on), then statements.

    Aspects' dictionaries load on first use and keep what they loaded for their lifetime (120 s), as on a server;
    they are reloaded once the courses and learners are written, as their lifetime would, before the statements
    flow through the materialized views that read them.
    """
    from standin import factories

    from oars_platform.ingest import ingest
    from tests.reports.world import build_world

    settings.OARS_COURSE_DUMP_DELAY = 0
    settings.OARS_PII_ENABLED = PII
    with capture(execute=True):
        world = build_world(seed=11, learners=LEARNERS)
        for user in world.learners:
            for course in world.courses.values():
                factories.enroll(user, course.course_key)
    client.execute("SYSTEM RELOAD DICTIONARIES")
    events = sorted(world.events, key=lambda event: event["timestamp"])
    for start in range(0, len(events), BATCH):
        ingest(events[start : start + BATCH], "test")
    return len(events)


_DEDUP_WINDOW = re.compile(r", non_replicated_deduplication_window = \d+")


def _count(client, relation: str) -> int:
    return int(client.query(f"SELECT count() FROM {relation}").scalar())


def test_aspects_models_and_datasets_run_on_our_tables(settings, store, django_capture_on_commit_callbacks) -> None:
    client = from_url(CHDB_URL)
    before: dict[tuple[str, str], str] = {}
    if ORDER == "aspects-first":
        _aspects_schema(client)
        before = _objects(client)
        made = {("xapi", "xapi_events_all"), ("event_sink", "course_blocks"), ("event_sink", "object_tag"),
                ("", "get_org_from_course_url"), ("", "get_org_from_ccx_course_url")}
        assert made <= set(before), sorted(before)
    Migrator(client, DATABASES, Topology()).migrate()
    if before:
        # The one change ours make to Aspects' objects, on purpose: migration 0012 gives the raw table an insert
        # deduplication window (a table setting: no column, key or data changes), so retried inserts store once.
        after = {key: _DEDUP_WINDOW.sub("", sql) for key, sql in _objects(client).items()}
        assert _DEDUP_WINDOW.search(_objects(client)[("xapi", "xapi_events_all")])
        changed = {key: (sql, after.get(key)) for key, sql in before.items() if after.get(key) != sql}
        assert not changed, f"our migrations changed what Aspects made: {changed}"

    started = time.monotonic()
    models = _build_models(client)
    built = time.monotonic()
    events = _write_cohort(client, settings, django_capture_on_commit_callbacks)
    print(f"models built in {built - started:.1f}s; {events} events written in {time.monotonic() - built:.1f}s")
    client.execute("SYSTEM RELOAD DICTIONARIES")

    empty_models = []
    for model in models:
        rows = _count(client, model.relation)
        expected_empty = model.name in EMPTY_MODELS or (not PII and model.name in PII_ONLY)
        if (rows == 0) != expected_empty:
            empty_models.append(f"{model.name}: {rows} rows")
    assert not empty_models, "models whose row count is not what the cohort gives:\n" + "\n".join(empty_models)

    failures, wrong = [], []
    found = assets.datasets()
    assert set(found.elsewhere) == SUPERSET_METADATA_DATASETS
    assert {dataset.name for dataset in found.clickhouse} >= set(SERVER_ONLY_DATASETS)
    assert len(found.clickhouse) > 40, [dataset.name for dataset in found.clickhouse]
    for dataset in found.clickhouse:
        try:
            rows = client.query(dataset.sql).rows
        except Exception as error:
            missing = SERVER_ONLY_DATASETS.get(dataset.name)
            if not missing or not re.search(rf"Unknown table expression identifier '{re.escape(missing)}'",
                                            str(error)):
                failures.append(f"{dataset.name}: {error}")
            continue
        if dataset.name in SERVER_ONLY_DATASETS:
            wrong.append(f"{dataset.name}: ran, but it reads {SERVER_ONLY_DATASETS[dataset.name]}")
            continue
        expected_empty = dataset.name in EMPTY_DATASETS or (not PII and dataset.name in PII_ONLY)
        if (not rows) != expected_empty:
            wrong.append(f"{dataset.name}: {len(rows)} rows")
    assert not failures, "datasets that failed:\n" + "\n".join(failures)
    assert not wrong, "datasets whose rows are not what the cohort gives:\n" + "\n".join(wrong)


def _derived_tables(client) -> list[tuple[str, str]]:
    """Tables (not views) of Aspects' databases, other than the raw one, that keep a statement id per row."""
    rows: list[Any] = client.query(
        "SELECT database, table FROM system.columns WHERE database IN {names:Array(String)} AND name = 'event_id' "
        "AND (database, table) IN (SELECT database, name FROM system.tables WHERE engine LIKE '%MergeTree')",
        {"names": list(ASPECTS_DATABASES)},
    ).rows
    return [(database, table) for database, table in rows if (database, table) != ("xapi", "xapi_events_all")]


def test_reference_replay_with_aspects_views_stores_each_statement_once(settings) -> None:
    """The reference events, replayed through our write path into a raw table with Aspects' views attached.

    A dependent view that refuses a block must not make the writer insert raw rows again (ClickHouse committed
    them before the view threw), and whatever the views refuse is reported as stored, not as refused.
    """
    from oars_platform.ingest import INSERT_REJECTED, write_result
    from tests.xapi.support import fixture_names, load_event, run

    client = from_url(CHDB_URL)
    if ORDER == "aspects-first":
        _aspects_schema(client)
    Migrator(client, DATABASES, Topology()).migrate()
    _build_models(client)
    events = [load_event(name) for name in fixture_names()]
    result = run(events)
    ids = {statement.id for statement in result.statements}
    assert len(ids) > 50, len(ids)
    client.execute("SYSTEM STOP MERGES")  # a merge would hide rows stored twice
    report = write_result(result, "replay", client, events=len(events))

    raw = client.query("SELECT count(), uniqExact(event_id) FROM xapi.xapi_events_all").rows[0]
    stored = {str(row[0]) for row in client.query("SELECT DISTINCT event_id FROM xapi.xapi_events_all").rows}
    assert stored == ids
    assert raw == (len(ids), len(ids)), f"raw table: {raw[0]} rows for {raw[1]} statements"
    twice = {}
    for database, table in _derived_tables(client):
        rows, distinct = client.query(f"SELECT count(), uniqExact(event_id) FROM `{database}`.`{table}`").rows[0]
        if rows != distinct:
            twice[f"{database}.{table}"] = (rows, distinct)
    assert not twice, f"derived tables holding a statement more than once (rows, statements): {twice}"
    parsed = client.query("SELECT count() FROM xapi.xapi_events_all_parsed").scalar()
    assert parsed == len(ids), f"xapi_events_all_parsed: {parsed} rows for {len(ids)} statements"
    rejected = report.outcomes[INSERT_REJECTED]
    assert rejected == 0, f"{rejected} statements reported refused by ClickHouse, yet every one is stored"


def test_models_fail_without_the_functions_aspects_migrations_create() -> None:
    """The build check is not vacuous: without the org-from-URL functions (our 0011), the models that call them fail."""
    client = from_url(CHDB_URL)
    Migrator(client, DATABASES, Topology()).migrate()
    client.execute("DROP FUNCTION get_org_from_course_url")
    with pytest.raises(AssertionError, match=r"models that did not build:\n(.|\n)*get_org_from_course_url"):
        _build_models(client)
