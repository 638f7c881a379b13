#!/usr/bin/env python
"""The oars_platform demo: a stand-in LMS with the plugin installed, on the embedded ClickHouse engine.

It configures the LMS the way an operator would (a YAML file read by the production settings), applies the Django
and ClickHouse migrations, generates a course, then simulates a cohort of learners (enrollments, videos, problems,
navigation, grades) through the platform's real signals and tracking, with a real Celery worker draining the
event buffer in batches, checks that every event it emitted was stored, and prints what landed per event type.
Everything lives under ``var/demo/``; a rerun adds a new cohort, ``--reset`` starts over; ``--serve`` then serves
the site. Needs Redis on 127.0.0.1:6379 (scripts/demo.sh starts it); its keys carry this checkout's own prefix.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "host"), str(ROOT)]

from scripts import demo_site  # noqa: E402 - the checkout's folders go on sys.path first
from scripts.demo_site import DEMO  # noqa: E402

STAFF_USERNAME = "demo_staff"


class DemoFailed(Exception):
    """The demo cannot go on: one line says why."""


class EmittedCounter:
    """An eventtracking backend beside ours that counts, per name, the events the plugin is meant to store.

    The count is taken where the platform hands events to its backends, independently of the plugin's own
    bookkeeping, so the check after the run compares what was emitted with what ClickHouse says it stored.
    """

    def __init__(self) -> None:
        from oars_platform.tracking import event_filter

        self.wanted = event_filter().wanted
        self.counts: Counter[str] = Counter()

    def send(self, event: dict[str, Any]) -> None:
        """Count one event (eventtracking's backend interface)."""
        name = event.get("name")
        if self.wanted(name):
            self.counts[name] += 1


def main() -> None:
    """Set up, run (unless ``--serve`` finds a finished demo), check, then serve when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true",
                        help="Delete var/demo and this checkout's Redis keys first, and start from nothing.")
    parser.add_argument("--learners", type=int, default=300, help="How many learners to simulate (default 300).")
    parser.add_argument("--seed", type=int, default=None,
                        help=f"Seed of the generated course and activity (default {demo_site.DEFAULT_SEED}, or the "
                             "seed of the site's earlier runs).")
    parser.add_argument("--serve", action="store_true",
                        help="Serve the demo site (the LMS, its dashboards and static files) on 127.0.0.1 after "
                             "the demo; runs the demo first only when it never finished. Stop it with Ctrl-C.")
    parser.add_argument("--port", type=int, default=18000, help="Port of --serve (default 18000).")
    args = parser.parse_args()
    if args.learners < 1:
        parser.error("--learners must be at least 1")
    try:
        run(args)
    except DemoFailed as exc:
        print(f"DEMO FAILED: {exc}", file=sys.stderr)
        sys.exit(1)


def run(args: argparse.Namespace) -> None:
    """The demo's steps, in order."""
    if args.reset:
        if DEMO.exists():
            shutil.rmtree(DEMO)
        removed = demo_site.delete_redis_keys()
        print(f"== Reset: removed {DEMO} and this checkout's {removed} Redis key(s) ({demo_site.PREFIX}:*)")
    finished = DEMO / "finished"
    seed = args.seed if args.seed is not None else demo_site.seed_used()
    if finished.exists() and seed != demo_site.seed_used():
        raise DemoFailed(f"this site's course was built with --seed {demo_site.seed_used()}; use it or --reset")
    demo_site.write_configs()
    (DEMO / "seed").write_text(str(seed))
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.envs.production"

    import django

    django.setup()
    if args.serve and finished.exists():
        demo_site.restore_course()
        serve(args.port)
        return
    started = time.perf_counter()
    migrate()
    run_number = int((DEMO / "runs").read_text()) + 1 if (DEMO / "runs").exists() else 1
    course_key = run_cohort(args.learners, seed, run_number)
    (DEMO / "runs").write_text(str(run_number))
    load_olx_export(seed)
    write_dashboard(course_key)
    print("== Tables")
    summarise()
    finished.write_text(course_key)
    print(f"Demo finished in {time.perf_counter() - started:.1f}s (run {run_number} of this site); data in {DEMO}")
    print_next_steps(course_key)
    if args.serve:
        serve(args.port)


def migrate() -> None:
    """Django and ClickHouse migrations (reruns are no-ops)."""
    from django.core.management import call_command

    print("== Django migrations (stand-in LMS database)")
    call_command("migrate", verbosity=0)
    print("== ClickHouse migrations (embedded engine)")
    call_command("migrate_clickhouse")


def stored_counts() -> tuple[Counter[str], Counter[str]]:
    """Events ClickHouse recorded as stored, per event name, and as quarantined, per reason (all time)."""
    from oars_platform.clickhouse.sql import qualified
    from oars_platform.conf import get_config
    from oars_platform.connection import get_client

    counts = qualified(get_config().databases.oars, "ingest_totals")
    stored: Counter[str] = Counter()
    quarantined: Counter[str] = Counter()
    query = f"SELECT event_name, outcome, sum(events) FROM {counts} GROUP BY event_name, outcome"  # noqa: S608
    for name, outcome, events in get_client().query(query).rows:
        (stored if outcome == "written" else quarantined)[name if outcome == "written" else outcome] += int(events)
    return stored, quarantined


def run_cohort(learners: int, seed: int, run_number: int) -> str:
    """Generate a course, simulate the cohort with a Celery worker running, check that everything landed."""
    from celery.contrib.testing.worker import start_worker
    from django.core.management import call_command
    from django.test import override_settings
    from eventtracking import tracker
    from lms.celery import APP
    from standin.courses import build_course
    from tqdm import tqdm

    from oars_platform.buffer import get_buffer
    from scripts.demo_activity import burst, simulate

    counter = EmittedCounter()
    tracker.get_tracker().routing_backend.register_backend("oars_demo_counter", counter)
    stored_before, quarantined_before = stored_counts()
    buffer = get_buffer()
    with start_worker(APP, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=60):
        print("== Course: generating and publishing (Studio's publish signal dumps it to ClickHouse)")
        course = build_course(demo_site.course_spec(seed))
        print(f"   {course.course_key}: {len(course.published_keys)} published blocks")
        print(f"== Cohort: {learners} learners enroll, watch, answer, navigate and get graded "
              f"(usernames run{run_number}-learner1...; the bar estimates the time left)")
        started = time.perf_counter()
        with tqdm(total=learners, unit="learner", file=sys.stdout, mininterval=1.0) as bar, \
                override_settings(PASSWORD_HASHERS=demo_site.FAST_HASHERS):
            activity = simulate(course.course_key, course.components, course.subsections, learners, seed,
                                username_prefix=f"run{run_number}-learner", progress=lambda: bar.update(1))
        emitted = sum(activity.tracking_events.values())
        simulated = time.perf_counter() - started
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
    check_stored(counter.counts, stored_before, quarantined_before)
    print("== Pipeline status (./manage.py lms oars_status)")
    call_command("oars_status")
    return str(course.course_key)


def check_stored(emitted: Counter[str], stored_before: Counter[str], quarantined_before: Counter[str]) -> None:
    """Compare, per event name, this run's emitted events with what ClickHouse counted as stored; fail if unequal."""
    stored_after, quarantined_after = stored_counts()
    stored = stored_after - stored_before
    quarantined = quarantined_after - quarantined_before
    names = sorted(set(emitted) | set(stored))
    print("== Check: events emitted by this run = events stored, per event type")
    width = max(len(name) for name in names)
    print(f"   {'event type':<{width}} {'emitted':>8} {'stored':>8}")
    wrong = []
    for name in names:
        mark = "" if emitted[name] == stored[name] else "   <-- MISMATCH"
        print(f"   {name:<{width}} {emitted[name]:>8} {stored[name]:>8}{mark}")
        if mark:
            wrong.append(name)
    if quarantined:
        print(f"   quarantined: {dict(quarantined)}")
    if wrong or quarantined:
        raise DemoFailed(
            f"stored events differ from emitted ones for {', '.join(wrong) or 'no type'}"
            f"{'; some were quarantined' if quarantined else ''} (emitted {sum(emitted.values())}, stored "
            f"{sum(stored.values())}): see `oars_status` and the table above")
    print(f"   all {sum(emitted.values())} events stored, none quarantined")


def write_dashboard(course_key: str) -> None:
    """The course dashboard the LMS serves at /oars/courses/<key>/, as one self-contained HTML file."""
    from django.core.management import call_command

    from oars_platform.reports.dashboard import render_course_dashboard_html

    print(f"== Reports for {course_key} (./manage.py lms oars_report NAME --course ...)")
    for name in ("enrollees_current", "learners_by_cohort", "problem_difficulty", "video_engagement"):
        print(f"-- {name}")
        call_command("oars_report", name, "--course", course_key, "--format", "table")
    path = DEMO / "course_dashboard.html"
    path.write_text(render_course_dashboard_html(course_key, demo_site.COURSE_NAME))
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


def wait_until_drained(buffer, timeout: float = 300) -> None:
    """Wait until the event buffer is empty (every event stored or quarantined); say so while it takes long."""
    started = time.monotonic()
    said = started
    while depth := buffer.depth():
        now = time.monotonic()
        if now - started > timeout:
            raise DemoFailed(f"{depth} events still wait in the buffer after {timeout:.0f}s: is the worker stuck?")
        if now - said >= 5:
            print(f"   ... {depth} events still waiting in the buffer ({now - started:.0f}s)", flush=True)
            said = now
        time.sleep(0.05)


def summarise() -> None:
    """One line per ClickHouse table we own: rows and engine."""
    from oars_platform.conf import get_config
    from oars_platform.connection import get_client

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


def python_command() -> str:
    """How to call this venv's Python from the checkout, as a newcomer would type it."""
    python = Path(sys.executable)
    try:
        return str(python.relative_to(ROOT))
    except ValueError:
        return str(python)


def next_steps(course_key: str) -> list[str]:
    """Commands to go on with, each working as printed from the checkout (README: "After the demo")."""
    manage = f"{python_command()} scripts/manage.py"
    return [
        f"{manage} lms --settings demo oars_status",
        f"{manage} lms --settings demo oars_report enrollees_current --course {course_key}",
        f"{manage} lms --settings demo dump_courses_to_clickhouse --force",
        f"{manage} cms --settings demo migrate_clickhouse --plan",
        f"{venv_setting()}bash scripts/demo.sh --serve",
    ]


def venv_setting() -> str:
    """``OARS_VENV=... `` when this demo runs from a venv other than the checkout's default ``.venv``."""
    return "" if Path(sys.prefix) == ROOT / ".venv" else f"OARS_VENV={sys.prefix} "


def print_next_steps(course_key: str) -> None:
    """The closing lines: where to go from here."""
    print("== Next (from this checkout; README: \"After the demo\"):")
    print("   run any management command against this demo site:")
    for command in next_steps(course_key):
        if "scripts/demo.sh" in command:
            print("   serve the site, then open the dashboards in a browser (one process at a time: the embedded "
                  "engine cannot be shared, so stop the server before running commands):")
        print(f"   $ {command}")


def staff_login() -> tuple[str, str]:
    """The staff user who can see every dashboard; its password is made once and kept in var/demo/."""
    from django.contrib.auth import get_user_model

    path = DEMO / "staff_password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    password = path.read_text().strip()
    user, _ = get_user_model().objects.get_or_create(username=STAFF_USERNAME,
                                                     defaults={"email": "demo_staff@example.com"})
    user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()
    return STAFF_USERNAME, password


def serve(port: int) -> None:
    """Serve the stand-in LMS with its static files on 127.0.0.1 until Ctrl-C.

    One process: the embedded engine allows only one, so the server is this process (no autoreloader). Static
    files (the dashboards' styles, script and Chart.js, the admin's) are served from the installed apps by Django's
    static-files handler, as ``runserver --insecure`` does: this is a local demo on the loopback interface, not a
    deployment (a real site serves them from its web server after ``collectstatic``).
    """
    from django.core.management import call_command

    from oars_platform.connection import get_client

    try:  # open the engine now: another process holding it must fail here, not on the first page
        get_client().server_version()
    except Exception as exc:  # ClickHouseError, or the embedded engine's own RuntimeError when its folder is locked
        raise DemoFailed(f"cannot open the demo's ClickHouse ({type(exc).__name__}): is another demo process or "
                         "command running on this checkout? Stop it first") from exc
    username, password = staff_login()
    course_key = (DEMO / "finished").read_text().strip()
    base = f"http://127.0.0.1:{port}"
    print("== Serving the demo LMS (Ctrl-C stops it)")
    print(f"   log in:            {base}/admin/login/?next=/oars/instance/")
    print(f"   user / password:   {username} / {password}")
    print(f"   instance dashboard {base}/oars/instance/")
    print(f"   course dashboard   {base}/oars/courses/{course_key}/")
    print(f"   pipeline health    {base}/oars/health/")
    print(f"   report data (JSON) {base}/oars/courses/{course_key}/reports/enrollees_current.json")
    sys.stdout.flush()
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, insecure_serving=True, use_static_handler=True,
                 skip_checks=True)


if __name__ == "__main__":
    main()
