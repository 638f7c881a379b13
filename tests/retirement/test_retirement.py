"""User retirement on the embedded engine: the platform's signal, the task, the library and the write guard."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.management import call_command
from standin import factories

from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.ddl import Topology
from oars_platform.ingest import forget_users, lookups
from oars_platform.models import DeadLetter
from oars_platform.retirement import (
    PERSONAL_TABLES,
    PersonalTable,
    RetirementIncomplete,
    _wait_until_gone,
    retire_users,
)
from oars_platform.xapi import CachedLookups
from tests.dead_letters import clickhouse_down, replay, replay_fails, waiting
from tests.servers import free_port

pytestmark = pytest.mark.django_db

GONE = {"user_profile": 0, "external_id": 0, "enrollment_usernames": 0}
PRESENT = {"user_profile": 1, "external_id": 1, "enrollment_usernames": 1}


def rows(clickhouse, sql: str) -> list[tuple]:
    """Rows of ``sql`` whose ``{event_sink}``, ``{oars}``, ``{xapi}`` name this test's databases."""
    names = {role: f"`{getattr(clickhouse.databases, role)}`" for role in ("xapi", "event_sink", "oars")}
    return clickhouse.client.query(sql.format(**names)).rows


def personal_rows(clickhouse, user_id: int) -> dict[str, int]:
    """The user's rows in each personal-data table (with a username, for the enrollments)."""
    where = f"WHERE user_id = {user_id}"
    return {
        "user_profile": rows(clickhouse, f"SELECT count() FROM {{event_sink}}.user_profile {where}")[0][0],
        "external_id": rows(clickhouse, f"SELECT count() FROM {{event_sink}}.external_id {where}")[0][0],
        "enrollment_usernames": rows(
            clickhouse, f"SELECT count() FROM {{event_sink}}.course_enrollment {where} AND username != ''"
        )[0][0],
    }


def actors(clickhouse) -> list[str]:
    """The actor of every stored statement (the anonymous external id)."""
    return sorted(
        row[0]
        for row in rows(
            clickhouse, "SELECT JSONExtractString(event, 'actor', 'account', 'name') FROM {xapi}.xapi_events_all"
        )
    )


def test_the_personal_tables_are_found_from_the_sinks() -> None:
    assert {(table.role, table.table, table.blank) for table in PERSONAL_TABLES} == {
        ("event_sink", "user_profile", ()),
        ("event_sink", "external_id", ()),
        ("event_sink", "course_enrollment", ("username",)),
    }


def test_the_signal_deletes_the_users_personal_rows_and_keeps_everything_else(clickhouse, learners, committed) -> None:
    alice, bob = learners.alice, learners.bob
    assert personal_rows(clickhouse, alice.id) == PRESENT
    before_bob = personal_rows(clickhouse, bob.id)
    before_actors = actors(clickhouse)
    external = str(alice.externalid_set.get().external_user_id)
    assert before_actors.count(external) >= 2

    committed(factories.retire_user, alice)

    assert personal_rows(clickhouse, alice.id) == GONE
    assert personal_rows(clickhouse, bob.id) == before_bob == PRESENT
    assert actors(clickhouse) == before_actors, "events stay, with the anonymous actor"
    # The enrollment stays (history and current state), only its username is gone.
    assert rows(
        clickhouse, f"SELECT username, mode FROM {{event_sink}}.course_enrollment WHERE user_id = {alice.id}"
    ) == [("", "audit")]
    assert rows(clickhouse, f"SELECT count() FROM {{oars}}.learner_enrollment FINAL WHERE user_id = {alice.id}") == [
        (1,)
    ]
    assert rows(clickhouse, "SELECT user_id FROM {oars}.retired_users") == [(alice.id,)]
    everything = rows(clickhouse, "SELECT * FROM {event_sink}.user_profile") + rows(
        clickhouse, "SELECT * FROM {event_sink}.course_enrollment"
    )
    assert not any("alice" in str(value).lower() or "Oxford" in str(value) for row in everything for value in row)


def test_retiring_again_changes_nothing_and_runs_no_mutation(clickhouse, learners) -> None:
    first = retire_users([learners.alice.id])
    assert first.mutations == 3
    assert first.total == 3
    second = retire_users([learners.alice.id])
    assert second.mutations == 0
    assert second.total == 0
    assert personal_rows(clickhouse, learners.bob.id)["user_profile"] == 1
    assert rows(clickhouse, "SELECT count() FROM {oars}.retired_users FINAL") == [(1,)]


def test_a_dry_run_counts_and_changes_nothing(clickhouse, learners) -> None:
    report = retire_users([learners.alice.id, learners.bob.id], dry_run=True)
    db = clickhouse.databases.event_sink
    assert report.rows == {f"{db}.user_profile": 2, f"{db}.external_id": 2, f"{db}.course_enrollment": 2}
    assert report.mutations == 0
    assert personal_rows(clickhouse, learners.alice.id)["user_profile"] == 1
    assert rows(clickhouse, "SELECT count() FROM {oars}.retired_users") == [(0,)]


def test_no_later_write_re_adds_a_retired_users_personal_data(clickhouse, learners, committed) -> None:
    alice, bob = learners.alice, learners.bob
    committed(factories.retire_user, alice)
    # The platform still has her rows: a new enrollment (live task) and a forced backfill both read them again.
    committed(factories.enroll, alice, factories.course_key())
    for name in ("user_profile", "external_id", "course_enrollment"):
        out = StringIO()
        call_command("dump_data_to_clickhouse", object=name, force=True, from_pk=0, no_progress=True, stdout=out)
        if name != "course_enrollment":  # enrollments are written, without her username
            assert "withheld (retired users) 1" in out.getvalue()
    assert personal_rows(clickhouse, alice.id) == GONE
    assert (
        rows(clickhouse, f"SELECT count() FROM {{event_sink}}.course_enrollment WHERE user_id = {alice.id}")[0][0] >= 2
    )
    assert personal_rows(clickhouse, bob.id)["user_profile"] >= 1, "other users are written as before"
    assert personal_rows(clickhouse, bob.id)["enrollment_usernames"] >= 1


def test_the_receiver_never_raises_into_the_retirement_pipeline(caplog) -> None:
    caplog.set_level(logging.ERROR)
    from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_MISC

    USER_RETIRE_LMS_MISC.send(sender=None, user=None)  # no user at all
    USER_RETIRE_LMS_MISC.send(sender=None, user=object())  # something without an id
    messages = [record.getMessage() for record in caplog.records if "retirement" in record.getMessage()]
    assert len(messages) == 2
    assert all("retire_users_from_clickhouse" in message for message in messages)


def test_clickhouse_down_means_retries_then_a_dead_letter_holding_only_the_user_id(
    clickhouse, learners, committed, settings
) -> None:
    settings.CELERY_EAGER_PROPAGATES_EXCEPTIONS = False  # let Celery retry, as on a worker
    good_url = settings.OARS_CLICKHOUSE_URL
    settings.OARS_CLICKHOUSE_URL = f"clickhouse://oars:pw@127.0.0.1:{free_port()}/default"
    settings.OARS_CLICKHOUSE_CONNECT_TIMEOUT = 0.5
    settings.OARS_TASK_MAX_RETRIES = 2
    committed(factories.retire_user, learners.alice)

    (letter,) = DeadLetter.objects.filter(kind=DeadLetter.KIND_RETIREMENT)
    assert letter.payload == {"user_id": learners.alice.id}
    assert letter.attempts == 3
    assert "ClickHouseUnavailable" in letter.reason and "pw@" not in letter.reason
    assert "alice" not in str(letter.payload) + letter.reason
    assert personal_rows(clickhouse, learners.alice.id)["user_profile"] == 1

    settings.OARS_CLICKHOUSE_URL = good_url
    call_command("retire_users_from_clickhouse", dead_letters=True, stdout=None)
    assert personal_rows(clickhouse, learners.alice.id) == GONE
    letter.refresh_from_db()
    assert letter.replayed_at is not None


def test_a_retirement_dead_letter_replays_by_kind(clickhouse, learners, committed, settings) -> None:
    settings.CELERY_EAGER_PROPAGATES_EXCEPTIONS = False
    good_url = clickhouse_down(settings)
    settings.OARS_TASK_MAX_RETRIES = 0
    committed(factories.retire_user, learners.alice)
    (letter,) = DeadLetter.objects.filter(kind=DeadLetter.KIND_RETIREMENT)
    assert waiting(DeadLetter.KIND_RETIREMENT) == 1

    assert f"#{letter.id} (retirement)" in replay_fails(DeadLetter.KIND_RETIREMENT)
    letter.refresh_from_db()
    assert letter.replayed_at is None

    settings.OARS_CLICKHOUSE_URL = good_url
    assert f"replayed #{letter.id} (retirement): 1 users retired" in replay(DeadLetter.KIND_RETIREMENT)
    assert personal_rows(clickhouse, learners.alice.id) == GONE
    assert personal_rows(clickhouse, learners.bob.id) == PRESENT
    letter.refresh_from_db()
    assert letter.replayed_at is not None
    assert waiting(DeadLetter.KIND_RETIREMENT) == 0


def test_rows_still_there_when_the_wait_runs_out_mean_a_retry(clickhouse, learners) -> None:
    with pytest.raises(RetirementIncomplete, match="user_profile: 1"):
        _wait_until_gone([learners.alice.id], client=clickhouse.client, databases=clickhouse.databases, wait=0)


def test_mutations_bind_the_ids_and_run_on_the_cluster() -> None:
    databases = Databases(xapi="xapi", event_sink="event_sink", oars="oars")
    delete = PersonalTable("event_sink", "user_profile").mutation_sql(databases, Topology("analytics"), sync=True)
    assert delete == (
        "ALTER TABLE `event_sink`.`user_profile` ON CLUSTER `analytics` DELETE "
        "WHERE user_id IN {user_ids:Array(Int64)} SETTINGS mutations_sync = 2"
    )
    blank = PersonalTable("event_sink", "course_enrollment", ("username",)).mutation_sql(
        databases, Topology(), sync=False
    )
    assert blank == (
        "ALTER TABLE `event_sink`.`course_enrollment` UPDATE `username` = '' "
        "WHERE user_id IN {user_ids:Array(Int64)} AND (`username` != '')"
    )


def test_cached_lookups_of_the_retired_user_are_forgotten(learners, settings) -> None:
    settings.OARS_XAPI_ACTOR_MODE = "mbox"
    alice, bob = learners.alice, learners.bob
    assert lookups().actors({alice.id, "alice", bob.id}, "mbox") == {
        alice.id: "alice@example.com",
        "alice": "alice@example.com",
        bob.id: "bob@example.com",
    }
    assert forget_users([alice.id]) >= 2  # her id, and her username found by its value
    assert lookups().actors({"alice", bob.id}, "mbox") == {"alice": "alice@example.com", bob.id: "bob@example.com"}
    calls: list[set] = []
    cache = CachedLookups(lambda refs, mode: calls.append(refs) or {ref: "x@example.com" for ref in refs}, dict)
    cache.actors({"carol", 7}, "mbox")
    assert cache.forget_users(["carol"]) == 2
    cache.actors({"carol", 7}, "mbox")
    assert calls == [{"carol", 7}, {"carol", 7}]


def test_the_task_forgets_the_users_cached_lookups(clickhouse, learners, committed) -> None:
    alice, bob = learners.alice, learners.bob
    cached = lookups()
    assert alice.id in cached.actors({alice.id, bob.id}, "external_id")
    committed(factories.retire_user, alice)
    fetched: list[set] = []
    original = cached._fetch_actors
    cached._fetch_actors = lambda refs, mode: fetched.append(refs) or original(refs, mode)
    cached.actors({alice.id, bob.id}, "external_id")
    assert fetched == [{alice.id}], "only the retired user is looked up again"
