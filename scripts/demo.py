#!/usr/bin/env python
"""The oars_platform demo: a stand-in LMS with the plugin installed, on the embedded ClickHouse engine.

It configures the LMS the way an operator would (a YAML file read by the production settings), applies the Django
and ClickHouse migrations, generates a course, then simulates a cohort of learners (enrollments, videos, problems,
navigation, grades) through the platform's real signals and tracking, with a real Celery worker draining the
event buffer in batches, and prints what landed per event type and the throughput. Everything lives under
``var/demo/``; ``--reset`` starts over. Needs Redis on 127.0.0.1:6379 (scripts/demo.sh starts it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "var" / "demo"
REDIS = "redis://127.0.0.1:6379/9"


def write_config() -> Path:
    """The operator's YAML: where ClickHouse is, where the LMS database is."""
    import yaml

    config = {
        "LMS_ROOT_URL": "http://localhost:18000",
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DEMO / "lms.sqlite3")}},
        "OARS_CLICKHOUSE_URL": f"chdb://{DEMO / 'clickhouse'}",
        "OARS_REDIS_URL": REDIS,
        "OARS_REDIS_KEY_PREFIX": "oars-demo",
        "OARS_BATCH_INTERVAL": 1.0,
        "OARS_COURSE_DUMP_DELAY": 1,
        # Old-style names: the platform's Celery app (and the stand-in's) reads settings with no namespace.
        "BROKER_URL": REDIS,
        "CELERY_ALWAYS_EAGER": False,
        "CELERY_DEFAULT_QUEUE": "oars-demo",
    }
    path = DEMO / "lms.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def main() -> None:
    """Set up, migrate, summarise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true", help="Delete var/demo first and start from nothing.")
    parser.add_argument("--learners", type=int, default=300, help="How many learners to simulate (default 300).")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the generated course and activity.")
    args = parser.parse_args()
    if args.reset and DEMO.exists():
        shutil.rmtree(DEMO)
        import redis

        client = redis.Redis.from_url(REDIS)
        client.flushdb()
    DEMO.mkdir(parents=True, exist_ok=True)
    os.environ["LMS_CFG"] = str(write_config())
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.envs.production"
    sys.path[:0] = [str(ROOT / "tests" / "host"), str(ROOT)]

    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    print("== Django migrations (stand-in LMS database)")
    call_command("migrate", verbosity=0)
    print("== ClickHouse migrations (embedded engine)")
    call_command("migrate_clickhouse")
    course_key = run_cohort(args.learners, args.seed)
    load_olx_export(args.seed)
    write_dashboard(course_key)
    print("== Tables")
    summarise()
    print(f"Demo finished in {time.perf_counter() - started:.1f}s; data in {DEMO}")


def run_cohort(learners: int, seed: int) -> str:
    """Generate a course, simulate the cohort with a Celery worker running, wait until everything landed."""
    from celery.contrib.testing.worker import start_worker
    from django.core.management import call_command
    from lms.celery import APP
    from standin.courses import CourseSpec, build_course

    from oars_platform.buffer import get_buffer
    from scripts.demo_activity import burst, simulate

    with start_worker(APP, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=60):
        print("== Course: generating and publishing (Studio's publish signal dumps it to ClickHouse)")
        spec = CourseSpec(org="OARS", number="Demo101", run=f"R{seed}", display_name="OARS Demo Course",
                          sections=4, subsections_per_section=3, units_per_subsection=3, components_per_unit=3,
                          seed=seed)
        course = build_course(spec)
        print(f"   {course.course_key}: {len(course.published_keys)} published blocks")
        print(f"== Cohort: {learners} learners enroll, watch, answer, navigate and get graded")
        started = time.perf_counter()
        activity = simulate(course.course_key, course.components, course.subsections, learners, seed)
        emitted = sum(activity.tracking_events.values())
        simulated = time.perf_counter() - started
        buffer = get_buffer()
        wait_until_drained(buffer)
        settled = time.perf_counter() - started - simulated
        print(f"   {emitted} tracking events in {simulated:.1f}s (the stand-in's user creation and enrollments set "
              f"the pace); the last one was stored {settled:.1f}s after the simulation ended")
        burst_size = 20 * learners
        print(f"== Burst: {burst_size} video events from the cohort, as fast as the tracker takes them")
        started = time.perf_counter()
        burst(course.course_key, course.components, activity.users, burst_size, seed)
        emitted_in = time.perf_counter() - started
        wait_until_drained(buffer)
        stored_in = time.perf_counter() - started
        per_event = emitted_in / burst_size * 1e6
        print(f"   emitted in {emitted_in:.1f}s ({per_event:,.0f} us per event through eventtracking); "
              f"all stored after {stored_in:.1f}s: {burst_size / stored_in:,.0f} events/s end to end")
        print("   (one process plays both the LMS and the worker here, sharing one core's worth of Python; "
              "`python -m benchmarks.run pipeline` measures a worker on its own)")
        time.sleep(1.5)  # let the debounced course dump and learner tasks finish
    print("== Pipeline status (./manage.py lms oars_status)")
    call_command("oars_status")
    return str(course.course_key)


def write_dashboard(course_key: str) -> None:
    """The course dashboard the LMS serves at /oars/courses/<key>/, as one self-contained HTML file."""
    from django.core.management import call_command

    from oars_platform.reports.dashboard import render_course_dashboard_html

    print(f"== Reports for {course_key} (./manage.py lms oars_report NAME --course ...)")
    for name in ("enrollees_current", "problem_difficulty", "video_engagement"):
        print(f"-- {name}")
        call_command("oars_report", name, "--course", course_key, "--format", "table")
    path = DEMO / "course_dashboard.html"
    path.write_text(render_course_dashboard_html(course_key, "OARS Demo Course"))
    print(f"== Course dashboard written to {path} (open it in a browser; no server or network needed)")


def load_olx_export(seed: int) -> None:
    """Generate a course export (OLX, as Studio writes it) and load it without Studio, through the backfill command."""
    from django.core.management import call_command

    from oars_platform.sources.olx_generate import OlxSpec, generate_olx, write_tarball

    folder = DEMO / "olx" / "course"
    if folder.parent.exists():
        shutil.rmtree(folder.parent)
    course = generate_olx(OlxSpec(org="OARS", number="Export201", run=f"R{seed}", display_name="OARS Exported Course",
                                  sections=12, nested_verticals=2, drafts=2, seed=seed), folder)
    tarball = write_tarball(folder, DEMO / "olx" / "course.tar.gz")
    print(f"== OLX export: {course.course_key}, {len(course.tree)} blocks in {tarball.name}, loaded without Studio")
    call_command("dump_courses_to_clickhouse", "--olx", str(tarball), "--force")


def wait_until_drained(buffer, timeout: float = 180) -> None:
    """Wait until the event buffer is empty (every event stored or quarantined)."""
    deadline = time.monotonic() + timeout
    while buffer.depth() and time.monotonic() < deadline:
        time.sleep(0.05)


def summarise() -> None:
    """One line per ClickHouse table we own: rows and engine."""
    from oars_platform.clickhouse import get_client
    from oars_platform.conf import get_config

    config = get_config()
    client = get_client()
    print(f"ClickHouse {client.server_version()} at {client.display_url}")
    databases = [config.databases.xapi, config.databases.event_sink, config.databases.oars]
    rows = client.query(
        "SELECT database, name, engine, total_rows FROM system.tables WHERE has({dbs:Array(String)}, database) "
        "ORDER BY database, name",
        {"dbs": databases},
    ).rows
    for database, name, engine, total_rows in rows:
        print(f"  {database + '.' + name:<36} {engine:<20} {total_rows or 0:>10} rows")


if __name__ == "__main__":
    main()
