"""MariaDB backfill tests: the stand-in LMS on MariaDB, run as real ``manage.py`` processes.

The suite's own process runs Django on sqlite and holds the session's embedded ClickHouse, and chdb allows one data
path per process. So a MariaDB test gets :class:`MariaSite`: its own MariaDB database (migrated by ``manage.py lms
migrate``), its own chdb path, and a YAML for the stand-in's production settings (``LMS_CFG``) naming both; every
command runs as ``scripts/manage.py lms --settings production ...`` with ``OARS_TEST_DB=mysql``, and results are read
back by a short child process that opens the same chdb path once the command has exited. Rows are seeded with
plain multi-row INSERTs into the platform's tables (platform-api.md §4), thousands per statement.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import logcheck

ROOT = Path(__file__).resolve().parents[2]
MANAGE = ROOT / "scripts" / "manage.py"
_numbers = itertools.count(1)

READ_CHDB = """
import json, sys
from chdb import session
sql = sys.argv[2] + " SETTINGS output_format_json_quote_64bit_integers = 0"
result = session.Session(sys.argv[1]).query(sql, "JSONCompact")
print(json.dumps(json.loads(result.bytes() or b'{"data": []}')["data"]))
"""


def mysql_connection(database: str | None = None):
    """A MariaDB connection with the stand-in's defaults (root on 127.0.0.1:3306), autocommit."""
    import MySQLdb

    connection = MySQLdb.connect(
        host=os.environ.get("OARS_TEST_DB_HOST", "127.0.0.1"),
        port=int(os.environ.get("OARS_TEST_DB_PORT", "3306")),
        user=os.environ.get("OARS_TEST_DB_USER", "root"),
        password=os.environ.get("OARS_TEST_DB_PASSWORD", ""),
        database=database or "",
        charset="utf8mb4",
    )
    connection.autocommit(True)
    return connection


@dataclass
class MariaSite:
    """One MariaDB database and one chdb path, driven through ``manage.py`` child processes."""

    database: str
    chdb_path: Path
    config_dir: Path

    def env(self, **settings: object) -> dict[str, str]:
        """Environment of a child process: MariaDB, and a YAML with our settings (PII off unless given)."""
        config = {
            "OARS_CLICKHOUSE_URL": f"chdb://{self.chdb_path}",
            "OARS_REDIS_URL": "redis://127.0.0.1:6379/15",
            "OARS_PII_ENABLED": False,
            **settings,
        }
        path = self.config_dir / f"lms-{next(_numbers)}.yml"
        path.write_text(json.dumps(config))  # JSON is YAML
        inherited = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
        return {
            **inherited,
            "OARS_TEST_DB": "mysql",
            "OARS_TEST_DB_NAME": self.database,
            "LMS_CFG": str(path),
            "OARS_TEST_LOG_LEVEL": "INFO",
        }

    def manage(self, *args: str, **settings: object) -> subprocess.CompletedProcess:
        """Run ``manage.py lms --settings production <args>``; never raises on a non-zero exit.

        Its output is searched by the suite's log check (tests/logcheck.py).
        """
        result = subprocess.run(
            [sys.executable, str(MANAGE), "lms", "--settings", "production", *args],
            env=self.env(**settings),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        logcheck.record_output(result.stdout + result.stderr, f"manage.py {' '.join(args)}")
        return result

    def dump(self, *args: str, **settings: object) -> subprocess.CompletedProcess:
        """``dump_data_to_clickhouse`` with these options, progress bar on."""
        return self.manage("dump_data_to_clickhouse", *args, **settings)

    def query(self, sql: str) -> list[list]:
        """Rows of a ClickHouse query, read by a child process once no command holds the chdb path."""
        result = subprocess.run(
            [sys.executable, "-c", READ_CHDB, str(self.chdb_path), sql],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(result.stdout)

    def scalar(self, sql: str) -> object:
        """First value of the first row."""
        rows = self.query(sql)
        return rows[0][0] if rows else None

    def sql(self, statement: str, rows: list[tuple] | None = None) -> list[tuple]:
        """Run SQL on the site's MariaDB database (``executemany`` when rows are given)."""
        connection = mysql_connection(self.database)
        try:
            with connection.cursor() as cursor:
                if rows is None:
                    cursor.execute(statement)
                else:
                    cursor.executemany(statement, rows)
                return list(cursor.fetchall() or [])
        finally:
            connection.close()


@dataclass(frozen=True)
class Seeded:
    """What :func:`seed` created."""

    users: int
    courses: list[str]
    enrollments: int
    grades: int
    certificates: int


def seed(site: MariaSite, users: int = 600, courses: int = 5) -> Seeded:
    """Users with profiles and xAPI external ids, every user enrolled in every course, some grades and certificates."""
    now = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC).replace(tzinfo=None)
    keys = [f"course-v1:edX+B{number}+2026_T1" for number in range(1, courses + 1)]
    user_ids = range(1, users + 1)
    for uid in user_ids:
        logcheck.add_user(f"learner{uid}", f"learner{uid}@example.com", f"Learner {uid}")
    site.sql(
        "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff, "
        "is_active, date_joined) VALUES (%s, '', 0, %s, '', '', %s, 0, 1, %s)",
        [(uid, f"learner{uid}", f"learner{uid}@example.com", now) for uid in user_ids],
    )
    site.sql(
        "INSERT INTO auth_userprofile (user_id, name, meta, courseware, language, location, year_of_birth, gender, "
        "level_of_education, country) VALUES (%s, %s, '', 'course.xml', 'en', '', %s, 'f', 'b', 'FR')",
        [(uid, f"Learner {uid}", 1980 + uid % 20) for uid in user_ids],
    )
    site.sql(
        "INSERT INTO external_user_ids_externalid (created, modified, external_user_id, user_id, external_id_type_id) "
        "VALUES (%s, %s, %s, %s, (SELECT id FROM external_user_ids_externalidtype WHERE name = 'xapi'))",
        [(now, now, str(uuid.uuid4()), uid) for uid in user_ids],
    )
    site.sql(
        "INSERT INTO student_courseenrollment (created, is_active, mode, course_id, user_id) "
        "VALUES (%s, 1, %s, %s, %s)",
        [(now, "verified" if uid % 4 == 0 else "audit", key, uid) for key in keys for uid in user_ids],
    )
    graded = [(uid, key) for key in keys for uid in user_ids if uid % 2 == 0]
    site.sql(
        "INSERT INTO grades_persistentcoursegrade (created, modified, user_id, course_id, course_version, "
        "grading_policy_hash, percent_grade, letter_grade, passed_timestamp) "
        "VALUES (%s, %s, %s, %s, '', 'h', %s, %s, %s)",
        [(now, now, uid, key, (uid % 100) / 100, "Pass" if uid % 100 >= 50 else "", now if uid % 100 >= 50 else None)
         for uid, key in graded],
    )  # fmt: skip
    certified = [(uid, key) for uid, key in graded if uid % 100 >= 50]
    site.sql(
        "INSERT INTO certificates_generatedcertificate (course_id, verify_uuid, grade, `key`, distinction, status, "
        "mode, name, created_date, modified_date, error_reason, download_uuid, download_url, user_id) VALUES "
        "(%s, '', '0.9', '', 0, 'downloadable', 'verified', %s, %s, %s, '', '', '', %s)",
        [(key, f"Learner {uid}", now, now, uid) for uid, key in certified],
    )
    return Seeded(users, keys, users * courses, len(graded), len(certified))


@pytest.fixture(scope="module")
def mariadb_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh MariaDB database for the module, migrated by ``manage.py lms migrate`` (dropped afterwards)."""
    name = f"oars_learners_{os.getpid()}_{next(_numbers)}"
    connection = mysql_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    connection.close()
    bootstrap = MariaSite(name, tmp_path_factory.mktemp("chdb") / "data", tmp_path_factory.mktemp("cfg"))
    migrated = bootstrap.manage("migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    yield name
    connection = mysql_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    connection.close()


@pytest.fixture(scope="module")
def seeded(mariadb_database: str, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """The module's platform rows (tests may change a few rows, never the counts)."""
    return seed(MariaSite(mariadb_database, tmp_path_factory.mktemp("unused"), tmp_path_factory.mktemp("cfg")))


@pytest.fixture
def maria_site(mariadb_database: str, seeded: Seeded, tmp_path: Path) -> MariaSite:
    """A site on the module's MariaDB database with a fresh, migrated chdb path and no backfill checkpoint."""
    site = MariaSite(mariadb_database, tmp_path / "chdb", tmp_path)
    site.sql("DELETE FROM oars_platform_backfillcheckpoint")
    migrated = site.manage("migrate_clickhouse")
    assert migrated.returncode == 0, migrated.stderr
    return site
