"""Retirement end to end on a real worker: the platform's signal in the site's process, a Celery worker over Redis,
a clickhouse-server.

The site runs with personal data enabled; learners enrolled through the platform's code path get their profile,
external id and enrollment rows written by the worker, and their tracking events stored. Then the retirement signal
is sent in the site's process, and the worker deletes the user's rows. The server is Debian's 18.16 (see
tests/pipeline/test_worker.py): the tables are created with the same names and columns in types it has, and its
mutations run in the background, so this also proves that retirement waits for them.
"""

from __future__ import annotations

import uuid

import pytest
from clickhouse_driver import Client

from tests.pipeline.test_worker import COMPATIBLE_SCHEMA
from tests.sites import Site, wait_until

pytestmark = pytest.mark.worker

LEARNER_SCHEMA = [
    "CREATE DATABASE IF NOT EXISTS {event_sink}",
    "CREATE TABLE {event_sink}.course_enrollment (id Int32, course_key String, created String, is_active UInt8, "
    "mode String, username String, user_id Int32, dump_id UUID, time_last_dumped String) "
    "ENGINE = MergeTree() ORDER BY (course_key, user_id, time_last_dumped)",
    "CREATE TABLE {event_sink}.user_profile (id Int32, user_id Int32, name String, username String, email String, "
    "meta String, courseware String, language String, location String, year_of_birth String, gender String, "
    "level_of_education String, mailing_address String, city String, country String, state String, goals String, "
    "bio String, profile_image_uploaded_at String, phone_number String, dump_id UUID, time_last_dumped String) "
    "ENGINE = ReplacingMergeTree() PARTITION BY user_id % 100 ORDER BY (id, time_last_dumped)",
    "CREATE TABLE {event_sink}.external_id (external_user_id UUID, external_id_type String, username String, "
    "user_id Int32, dump_id UUID, time_last_dumped String) "
    "ENGINE = ReplacingMergeTree() PARTITION BY user_id % 100 ORDER BY (external_user_id, time_last_dumped)",
    "CREATE TABLE {oars}.learner_enrollment (course_key String, user_id Int32, id Int64, mode String, "
    "is_active UInt8, created DateTime, version DateTime) ENGINE = ReplacingMergeTree(version) "
    "ORDER BY (course_key, user_id)",
    "CREATE TABLE {oars}.retired_users (user_id Int64, retired_at DateTime) "
    "ENGINE = ReplacingMergeTree() ORDER BY user_id",
]


@pytest.fixture
def pii_site(clickhouse_server):
    """A site with personal data on, whose ClickHouse is the real server with fresh databases."""
    suffix = uuid.uuid4().hex[:8]
    names = {"xapi": f"xapi_{suffix}", "event_sink": f"event_sink_{suffix}", "oars": f"oars_{suffix}"}
    admin = Client("127.0.0.1", port=clickhouse_server.port)
    for sql in [*COMPATIBLE_SCHEMA, *LEARNER_SCHEMA]:
        admin.execute(sql.format(**names))
    site = Site(
        clickhouse_server.url,
        OARS_XAPI_DATABASE=names["xapi"],
        OARS_EVENT_SINK_DATABASE=names["event_sink"],
        OARS_DATABASE=names["oars"],
        OARS_PII_ENABLED=True,
    )
    site.run("setup")
    site.names = names
    site.admin = admin
    yield site
    site.stop_worker()
    site.purge()
    for name in names.values():
        admin.execute(f"DROP DATABASE IF EXISTS {name}")


def counts(site: Site, user_id: int) -> dict[str, int]:
    """The user's rows in each personal-data table, and enrollments (with a username / all)."""
    sink = site.names["event_sink"]

    def count(sql: str) -> int:
        return int(site.admin.execute(sql, {"user": user_id})[0][0])

    return {
        "user_profile": count(f"SELECT count() FROM {sink}.user_profile WHERE user_id = %(user)s"),
        "external_id": count(f"SELECT count() FROM {sink}.external_id WHERE user_id = %(user)s"),
        "named_enrollments": count(
            f"SELECT count() FROM {sink}.course_enrollment WHERE user_id = %(user)s AND username != ''"
        ),
        "enrollments": count(f"SELECT count() FROM {sink}.course_enrollment WHERE user_id = %(user)s"),
    }


def statements(site: Site) -> int:
    return int(site.admin.execute(f"SELECT count() FROM {site.names['xapi']}.xapi_events_all FINAL")[0][0])


def present(found: dict[str, int]) -> bool:
    """Profile and external id written, every enrollment row with its username.

    Enrolling sends two signals; without the 18.16-incompatible view that feeds ``oars.learner_enrollment``, each
    writes a history row: how many does not matter here.
    """
    return found["user_profile"] == found["external_id"] == 1 and found["named_enrollments"] == found["enrollments"] > 0


def retired(found: dict[str, int]) -> bool:
    """No profile, no external id, enrollments kept without their username."""
    return found["user_profile"] == found["external_id"] == found["named_enrollments"] == 0 < found["enrollments"]


def test_the_retirement_signal_makes_the_worker_delete_the_users_personal_rows(pii_site: Site) -> None:
    pii_site.start_worker()
    pii_site.run("learners", "--ids", "1,2,3")
    pii_site.run("produce", "--count", "60")
    wait_until(lambda: all(present(counts(pii_site, user)) for user in (1, 2, 3)), 120, what="personal rows")
    wait_until(lambda: statements(pii_site) >= 60, 120, what="the events")
    events = statements(pii_site)
    before = {user: counts(pii_site, user) for user in (1, 2, 3)}

    pii_site.run("retire", "--ids", "2")

    wait_until(lambda: retired(counts(pii_site, 2)), 120, what="the retired user's rows deleted")
    assert counts(pii_site, 2)["enrollments"] == before[2]["enrollments"]
    assert counts(pii_site, 1) == before[1]
    assert counts(pii_site, 3) == before[3]
    assert statements(pii_site) == events, "events stay"
    profiles = pii_site.admin.execute(f"SELECT name, email, city FROM {pii_site.names['event_sink']}.user_profile")
    assert sorted(profiles) == [
        ("Learner Number 1", "learner1@example.com", "Lyon"),
        ("Learner Number 3", "learner3@example.com", "Lyon"),
    ]
    assert pii_site.admin.execute(f"SELECT user_id FROM {pii_site.names['oars']}.retired_users") == [(2,)]

    # The platform still holds her profile: a new enrollment refreshes it, but nothing personal comes back.
    pii_site.run("learners", "--ids", "2,3", "--course", "course-v1:edX+Other+2026_T1")
    more = before[3]["enrollments"]
    wait_until(lambda: counts(pii_site, 3)["enrollments"] > more, 120, what="the next enrollments")
    wait_until(lambda: counts(pii_site, 2)["enrollments"] > before[2]["enrollments"], 120, what="her new enrollment")
    assert retired(counts(pii_site, 2))
    assert present(counts(pii_site, 3))
    assert pii_site.worker.poll() is None, pii_site.worker_log.read_text()[-3000:]
