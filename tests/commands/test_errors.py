"""Every failure an operator meets is one clear line on stderr and a non-zero exit, in a real process.

Before: the embedded engine's directory locked by another process printed 35-72 lines (a C++ stack among them); an
unreachable server printed the driver's own traceback first, and ``dump_courses_to_clickhouse --olx`` let
``ClickHouseUnavailable`` escape; ``oars_status`` exited 0 while printing an error; bad keys, dates and ids were
taken as data.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os

import pytest

from oars_platform.sources.olx_generate import OlxSpec, generate_olx
from tests.commands.conftest import closed_port, configure, manage, one_error_line
from tests.site_main import COURSE_ID
from tests.sites import Site

LOCK_COMMANDS = [
    ("oars_status",),
    ("migrate_clickhouse",),
    ("oars_report", "instance_summary"),
    ("dump_data_to_clickhouse", "--object", "course_enrollment", "--no-progress"),
]


@pytest.mark.parametrize("command", LOCK_COMMANDS, ids=lambda command: command[0])
def test_engine_directory_used_by_another_process(embedded_site: Site, engine_holder, command) -> None:
    run = manage(embedded_site, *command)
    line = one_error_line(run)
    assert run.rc == 1
    assert line.startswith("CommandError: ")
    assert f"used by another process (pid {engine_holder.pid}): stop it or use a ClickHouse server" in line


def test_replay_into_a_locked_engine(embedded_site: Site, engine_holder, tmp_path) -> None:
    log = tmp_path / "tracking.log"
    log.write_text(json.dumps(_play_video()) + "\n")
    run = manage(embedded_site, "replay_tracking_logs", str(log), "--no-progress")
    assert run.rc == 1
    assert f"used by another process (pid {engine_holder.pid})" in one_error_line(run)


def test_engine_directory_that_cannot_be_created(embedded_site: Site) -> None:
    blocker = embedded_site.directory / "a-file"
    blocker.write_text("not a directory")
    configure(embedded_site, OARS_CLICKHOUSE_URL=f"chdb://{blocker / 'engine'}")
    run = manage(embedded_site, "migrate_clickhouse")
    assert run.rc == 1
    line = one_error_line(run)
    assert f"The embedded engine's directory {blocker / 'engine'} is not writable" in line


@pytest.mark.parametrize(
    "command",
    [
        ("oars_status",),
        ("migrate_clickhouse",),
        ("oars_report", "instance_summary"),
        ("dump_courses_to_clickhouse", "--olx", "{olx}"),
    ],
    ids=lambda command: command[0],
)
def test_unreachable_server(embedded_site: Site, tmp_path, command) -> None:
    port = closed_port()
    configure(embedded_site, OARS_CLICKHOUSE_URL=f"clickhouse://oars:s3cret@127.0.0.1:{port}/")
    olx = generate_olx(OlxSpec(), tmp_path / "export")
    run = manage(embedded_site, *(str(olx.folder) if part == "{olx}" else part for part in command))
    assert run.rc == 1
    line = one_error_line(run)  # no driver traceback before it
    assert f"ClickHouse at clickhouse://oars:***@127.0.0.1:{port}/ is unreachable" in line
    assert "s3cret" not in run.out + run.err


def test_status_exits_non_zero_when_the_schema_is_behind(embedded_site: Site) -> None:
    run = manage(embedded_site, "oars_status")  # nothing migrated yet
    assert run.rc == 1
    assert "migration(s) not applied: run ./manage.py lms migrate_clickhouse" in one_error_line(run)
    assert manage(embedded_site, "migrate_clickhouse").rc == 0
    healthy = manage(embedded_site, "oars_status")
    assert (healthy.rc, healthy.err) == (0, "")


def test_status_exits_non_zero_when_redis_is_unreachable(embedded_site: Site) -> None:
    assert manage(embedded_site, "migrate_clickhouse").rc == 0
    port = closed_port()
    configure(embedded_site, OARS_REDIS_URL=f"redis://127.0.0.1:{port}/0")
    run = manage(embedded_site, "oars_status")
    assert run.rc == 1
    assert f"buffer: Redis at redis://127.0.0.1:{port}/0 is not usable" in one_error_line(run)


def test_replay_counts_and_names_a_truncated_gzip_and_an_unreadable_file(embedded_site: Site, tmp_path) -> None:
    assert manage(embedded_site, "migrate_clickhouse").rc == 0
    whole = gzip.compress(("\n".join(json.dumps(_play_video(n)) for n in range(200)) + "\n").encode())
    truncated = tmp_path / "tracking.log-1.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    missing = tmp_path / "tracking.log-2"
    os.symlink(tmp_path / "gone", missing)  # listed in the folder, cannot be opened
    run = manage(embedded_site, "replay_tracking_logs", str(truncated), str(missing), "--no-progress")
    assert run.rc == 1
    assert "  unreadable_file: 2" in run.out.splitlines()
    assert f"{truncated}: unreadable after byte" in run.out
    assert f"{missing}: cannot open" in run.out
    line = one_error_line(run)
    assert line == ("CommandError: 2 file(s) could not be read completely (listed above); the lines read before "
                    "the damage were replayed. Fix or remove them and rerun: nothing is stored twice.")


def test_invalid_course_key_in_oars_report(embedded_site: Site) -> None:
    run = manage(embedded_site, "oars_report", "enrollments_daily", "--course", "not-a-key")
    assert run.rc == 1
    assert one_error_line(run) == (
        "CommandError: --course: invalid course key: 'not-a-key' (expected course-v1:ORG+NUMBER+RUN)"
    )


def test_invalid_course_key_in_dump_courses(embedded_site: Site) -> None:
    run = manage(embedded_site, "dump_courses_to_clickhouse", "--courses", COURSE_ID, "not-a-key")
    assert run.rc == 1
    assert one_error_line(run) == (
        "CommandError: --courses: invalid course key: 'not-a-key' (expected course-v1:ORG+NUMBER+RUN)"
    )
    assert "to dump" not in run.out  # refused before any work


def test_invalid_course_key_in_the_dashboard_url(client, admin_user) -> None:
    client.force_login(admin_user)  # even global staff, who may see every course
    page = client.get("/oars/courses/not-a-key/")
    assert page.status_code == 404
    assert page.content.decode() == "invalid course key: 'not-a-key' (expected course-v1:ORG+NUMBER+RUN)"
    data = client.get("/oars/courses/not-a-key/reports/enrollments_daily.json")
    assert (data.status_code, data.json()["detail"]) == (404, page.content.decode())


def test_inverted_since_until_is_refused(embedded_site: Site) -> None:
    run = manage(embedded_site, "oars_report", "enrollments_daily", "--since", "2025-02-01", "--until", "2025-01-01")
    assert run.rc == 1
    assert one_error_line(run) == (
        "CommandError: --since (2025-02-01T00:00:00+00:00) must be before --until (2025-01-02T00:00:00+00:00): "
        "the range [since, until) would be empty"
    )


def test_user_ids_names_the_bad_value(embedded_site: Site) -> None:
    run = manage(embedded_site, "retire_users_from_clickhouse", "--user-ids", "abc")
    assert run.rc == 1
    assert one_error_line(run) == (
        "CommandError: --user-ids: 'abc' is not a user id (a positive integer, auth_user.id); nothing was retired"
    )


def _play_video(index: int = 0) -> dict:
    return {
        "name": "play_video",
        "event_type": "play_video",
        "event_source": "browser",
        "time": (dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC) + dt.timedelta(seconds=index)).isoformat(),
        "context": {"user_id": 1 + index % 20, "course_id": COURSE_ID, "org_id": "edX", "path": "/event"},
        "event": json.dumps({"id": "0b9e39477cf34507a7a48f74be381fdd", "currentTime": index, "duration": 300.0,
                             "code": "html5"}),
        "page": None,
        "username": "",
    }
