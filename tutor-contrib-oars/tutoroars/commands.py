"""``tutor local|dev|k8s do oars-…`` jobs: oars-platform's management commands in the LMS or Studio job container.

Each job passes its arguments on unchanged (quoted for the job's shell), so every option of the command works:
``tutor local do oars-dump-data-to-clickhouse --object course_enrollment``. Names carry the ``oars-`` prefix:
tutor-contrib-aspects has do-jobs called ``dump-data-to-clickhouse`` and ``transform-tracking-logs``.
"""

from __future__ import annotations

import shlex
import typing as t
from dataclasses import dataclass

import click


@dataclass(frozen=True)
class Job:
    """A do-job: its name, the service whose job container runs it, and the management command."""

    name: str
    service: str
    command: str
    help: str


#: Every do-job of the plugin; the tests check each command exists in oars_platform/management/commands.
JOBS: tuple[Job, ...] = (
    Job("oars-migrate-clickhouse", "lms", "migrate_clickhouse", "Apply pending ClickHouse migrations."),
    Job("oars-status", "lms", "oars_status", "Print the pipeline's health (lag, buffer, dead letters, counts)."),
    Job(
        "oars-dump-courses-to-clickhouse",
        "cms",
        "dump_courses_to_clickhouse",
        "Backfill course overviews and published blocks from the modulestore.",
    ),
    Job(
        "oars-dump-data-to-clickhouse",
        "lms",
        "dump_data_to_clickhouse",
        "Backfill learner data (enrollments, grades, …) from MySQL; e.g. --object course_enrollment.",
    ),
    Job(
        "oars-replay-tracking-logs",
        "lms",
        "replay_tracking_logs",
        "Replay tracking logs (paths inside the job container) through the live pipeline's transform and writer.",
    ),
)


def job_command(job: Job, args: t.Sequence[str]) -> str:
    """The shell line the job container runs: the management command and the arguments, each quoted."""
    return " ".join(["./manage.py", job.service, job.command, *(shlex.quote(arg) for arg in args)])


def _make(job: Job) -> click.Command:
    @click.command(
        name=job.name,
        help=f"{job.help} Arguments go to `./manage.py {job.service} {job.command}`.",
        context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    )
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def command(args: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(job.service, job_command(job, args))]

    return command


DO_COMMANDS: tuple[click.Command, ...] = tuple(_make(job) for job in JOBS)
