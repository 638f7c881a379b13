"""``tutor local|dev do`` jobs and the init task: the scripts Tutor runs are commands of ours that exist.

Tutor runs each task as ``docker compose … run --rm <service>-job sh -e -c SCRIPT``; the recording ``docker`` of
tests/tutor/site.py keeps that line, so the tests read the script the job container would run.
"""

from __future__ import annotations

import re

import pytest

from tests.tutor.conftest import SCENARIOS
from tests.tutor.site import ROOT, Job

# Our management commands, from the source tree.
COMMANDS = {path.stem for path in (ROOT / "oars_platform" / "management" / "commands").glob("[a-z]*.py")}
MANAGE = re.compile(r"^\./manage\.py (lms|cms) (\S+)(.*)$", re.M)


def our_commands(job: Job) -> list[tuple[str, str, str]]:
    """(service, command, arguments) of every ``./manage.py`` line of a job's script."""
    return MANAGE.findall(job.script)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_init_runs_migrate_clickhouse_after_the_django_migrations(tutor_site, name: str) -> None:
    scenario, site = SCENARIOS[name], tutor_site(name)
    jobs = site.jobs("local", "do", "init")
    ours = [index for index, job in enumerate(jobs) if "tutor-contrib-oars" in job.script]
    assert len(ours) == 1, "one init task of ours"
    job = jobs[ours[0]]
    assert job.service == "lms-job"
    assert our_commands(job) == [("lms", "migrate_clickhouse", "")]
    assert set(cmd for _, cmd, _ in our_commands(job)) <= COMMANDS
    # Tutor's own LMS init applies every Django migration (oars_platform's included) before ours runs.
    django = [index for index, job in enumerate(jobs) if re.search(r"^\./manage\.py lms migrate$", job.script, re.M)]
    assert django and django[0] < ours[0]
    if scenario.runs_clickhouse:
        assert "dockerize -wait tcp://oars-clickhouse:9000" in job.script
    else:
        assert "dockerize" not in job.script
    if scenario.aspects:
        # After Aspects' ClickHouse tasks (its databases, users and migrations), so both schemas meet as designed.
        aspects = [index for index, job in enumerate(jobs) if job.service in ("clickhouse-job", "aspects-job")]
        assert aspects and max(aspects) < ours[0]

    assert site.jobs("local", "do", "init", "--limit=oars") == [job]


JOBS = [
    (["oars-status", "--json"], "lms-job", ("lms", "oars_status", " --json")),
    (["oars-migrate-clickhouse", "--plan"], "lms-job", ("lms", "migrate_clickhouse", " --plan")),
    (
        ["oars-dump-courses-to-clickhouse", "--courses", "course-v1:Org+C+R", "--force"],
        "cms-job",
        ("cms", "dump_courses_to_clickhouse", " --courses course-v1:Org+C+R --force"),
    ),
    (
        ["oars-dump-data-to-clickhouse", "--object", "course_enrollment"],
        "lms-job",
        ("lms", "dump_data_to_clickhouse", " --object course_enrollment"),
    ),
    (
        ["oars-replay-tracking-logs", "/openedx/logs/tracking log.gz", "--processes", "2"],
        "lms-job",
        ("lms", "replay_tracking_logs", " '/openedx/logs/tracking log.gz' --processes 2"),
    ),
]


@pytest.mark.parametrize(("args", "service", "expected"), JOBS, ids=[args[0] for args, _, _ in JOBS])
def test_do_jobs(tutor_site, args: list[str], service: str, expected: tuple[str, str, str]) -> None:
    site = tutor_site("own ClickHouse")
    [job] = site.jobs("local", "do", *args)
    assert job.service == service
    assert our_commands(job) == [expected]
    assert expected[1] in COMMANDS


@pytest.mark.parametrize("name", ["own ClickHouse", "Aspects enabled"])
def test_do_jobs_in_dev_and_beside_aspects(tutor_site, name: str) -> None:
    """Our jobs keep their names with Aspects' own do-jobs loaded (theirs have no ``oars-`` prefix)."""
    site = tutor_site(name)
    [job] = site.jobs("dev", "do", "oars-dump-data-to-clickhouse", "--object", "user_profile")
    assert our_commands(job) == [("lms", "dump_data_to_clickhouse", " --object user_profile")]


def test_every_command_of_the_jobs_exists() -> None:
    """The do-jobs' table names commands that exist (the jobs above run them through Tutor)."""
    import sys

    sys.path.insert(0, str(ROOT / "tutor-contrib-oars"))
    try:
        from tutoroars.commands import JOBS as PLUGIN_JOBS
    finally:
        sys.path.remove(str(ROOT / "tutor-contrib-oars"))
    assert {job.command for job in PLUGIN_JOBS} <= COMMANDS
