"""Throughput of the enrollment backfill, MariaDB → ClickHouse, end to end.

N enrollments (N/10 users x 10 courses) are bulk-inserted into a fresh MariaDB database of the stand-in LMS; the
embedded ClickHouse gets a fresh data path. Each timed run empties the target tables and the checkpoint, then runs
:class:`oars_platform.sinks.backfill.SinkBackfill` for ``course_enrollment`` exactly as the command does (keyset pages
through the adapter, change check per page, insert, materialized view into ``oars.learner_enrollment``,
checkpoint per page). The baseline is a bare ``client.insert`` of the same rows, already built, into the same
table, measured in the same run. Target: ≥ 50,000 rows/s.

The measurement runs in a child process (``python -m benchmarks.bench_backfill child``): it sets up Django on a
MariaDB database and opens the embedded engine, neither of which may leak into the benchmarks that run after it in
the runner's process (chdb allows one data path per process).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import Figure

ROOT = Path(__file__).resolve().parents[1]
TARGET_ROWS_PER_S = 50_000
COURSES = 10


def _setup_django(database: str, chdb_path: str) -> None:
    """Point the stand-in LMS at a fresh MariaDB database and the embedded engine, then migrate both."""
    import MySQLdb

    os.environ.update({"OARS_TEST_DB": "mysql", "OARS_TEST_DB_NAME": database})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.envs.test")
    sys.path[:0] = [str(ROOT / "tests" / "host"), str(ROOT)]
    connection = MySQLdb.connect(host="127.0.0.1", user="root", password="")
    connection.cursor().execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    connection.close()

    import django
    from django.conf import settings

    django.setup()
    settings.OARS_CLICKHOUSE_URL = f"chdb://{chdb_path}"
    from django.core.management import call_command

    from oars_platform.conf import get_config

    get_config.cache_clear()
    call_command("migrate", verbosity=0)
    call_command("migrate_clickhouse", stdout=io.StringIO())


def _seed(count: int) -> None:
    """``count`` enrollments in one transaction of multi-row INSERTs (users first)."""
    from django.db import connection, transaction

    users = max(1, count // COURSES)
    now = dt.datetime(2026, 2, 1, 12, 0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined) VALUES (%s, '', 0, %s, '', '', '', 0, 1, %s)",
            [(uid, f"learner{uid}", now) for uid in range(1, users + 1)],
        )
        cursor.executemany(
            "INSERT INTO student_courseenrollment (created, is_active, mode, course_id, user_id) "
            "VALUES (%s, 1, %s, %s, %s)",
            [
                (now, "verified" if uid % 4 == 0 else "audit", f"course-v1:edX+BENCH{course}+2026_T1", uid)
                for course in range(COURSES)
                for uid in range(1, users + 1)
            ][:count],
        )


def _reset() -> None:
    """Empty what a backfill writes, so every timed run does the full work."""
    from oars_platform.connection import get_client
    from oars_platform.models import BackfillCheckpoint

    client = get_client()
    client.execute("TRUNCATE TABLE event_sink.course_enrollment")
    client.execute("TRUNCATE TABLE oars.learner_enrollment")
    BackfillCheckpoint.objects.all().delete()


def _timed(run: Callable[[], Any], repeats: int) -> float:
    """Median seconds of ``run`` after a reset each time (the reset is not timed)."""
    runs = []
    for _ in range(repeats):
        _reset()
        start = time.perf_counter()
        run()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def run(quick: bool) -> list[Figure]:
    """Seed, then time the backfill and the bare insert of the same rows."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_backfill", "child", "quick" if quick else "full"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr[-4000:]}")
    return [Figure(**fields) for fields in json.loads(done.stdout.strip().splitlines()[-1])]


def _child(quick: bool) -> list[Figure]:
    count = 20_000 if quick else 200_000
    repeats = 2 if quick else 5
    database = f"oars_bench_{os.getpid()}"
    chdb_path = tempfile.mkdtemp(prefix="oars-bench-chdb-")
    try:
        _setup_django(database, chdb_path)
        return _measure(count, repeats)
    finally:
        _drop(database)
        shutil.rmtree(chdb_path, ignore_errors=True)


def _measure(count: int, repeats: int) -> list[Figure]:
    from oars_platform.conf import get_config
    from oars_platform.connection import get_client
    from oars_platform.platform.learners import fetch_page
    from oars_platform.sinks import SINKS, Stamp
    from oars_platform.sinks.backfill import SinkBackfill, run_backfill

    _seed(count)
    sink = SINKS.get("course_enrollment")
    summaries = []

    def backfill_once() -> None:
        job = SinkBackfill(sink)
        run_backfill(job)
        assert job.outcome.written == count, job.outcome
        summaries.append(job)

    backfill_seconds = _timed(backfill_once, repeats)
    page = fetch_page(sink.source, 0, count)
    columns = sink.build(page, Stamp.now())
    rows = list(zip(*columns.values(), strict=True))
    client = get_client()
    table = f"{get_config().databases.event_sink}.course_enrollment"
    bare_seconds = _timed(lambda: client.insert(table, sink.columns, rows), repeats)
    backfill_rate = count / backfill_seconds
    bare_rate = count / bare_seconds
    return [
        Figure(
            f"enrollment backfill, {count:,} rows (median of {repeats})",
            backfill_rate,
            "rows/s",
            target=f">= {TARGET_ROWS_PER_S:,} rows/s",
            ratio=backfill_rate / bare_rate,
        ),
        Figure("bare client.insert of the same rows (baseline)", bare_rate, "rows/s"),
        Figure("pages per backfill run", summaries[-1].pages, "pages"),
    ]


def _drop(database: str) -> None:
    import MySQLdb
    from django.db import connections

    connections.close_all()
    connection = MySQLdb.connect(host="127.0.0.1", user="root", password="")
    connection.cursor().execute(f"DROP DATABASE IF EXISTS `{database}`")
    connection.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        print(json.dumps([dataclasses.asdict(figure) for figure in _child(sys.argv[2:3] == ["quick"])]))
    else:
        for figure in run("--quick" in sys.argv):
            print(figure)
