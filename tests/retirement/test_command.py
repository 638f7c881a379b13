"""``retire_users_from_clickhouse``: lists of users retired after the fact, in batches, with a dry run."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.retirement.test_retirement import GONE, PRESENT, personal_rows, rows
from tests.servers import free_port

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    """Run the command; its stdout and stderr."""
    out, err = StringIO(), StringIO()
    call_command("retire_users_from_clickhouse", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_user_ids_and_a_file_in_batches(clickhouse, learners, tmp_path: Path) -> None:
    listing = tmp_path / "retired.txt"
    listing.write_text(f"# retired last week\n{learners.bob.id}\n\n")
    out, _ = run("--user-ids", f"{learners.alice.id},999", "--file", str(listing), "--batch-size", "2")
    assert "batch 1/2: 2 user(s), 3 row(s) removed" in out  # 999 has nothing: harmless
    assert "batch 2/2: 1 user(s), 3 row(s) removed" in out
    assert "Retired 3 user(s) from ClickHouse: 6 row(s)" in out
    assert personal_rows(clickhouse, learners.alice.id) == GONE
    assert personal_rows(clickhouse, learners.bob.id) == GONE
    assert rows(clickhouse, "SELECT count() FROM {xapi}.xapi_events_all")[0][0] >= 4, "events stay"


def test_dry_run_shows_counts_per_table_and_changes_nothing(clickhouse, learners) -> None:
    out, _ = run("--user-ids", str(learners.alice.id), "--dry-run")
    db = clickhouse.databases.event_sink
    assert f"{db}.course_enrollment: 1, {db}.external_id: 1, {db}.user_profile: 1" in out
    assert "Would retire 1 user(s)" in out
    assert personal_rows(clickhouse, learners.alice.id) == PRESENT
    assert rows(clickhouse, "SELECT count() FROM {oars}.retired_users") == [(0,)]


def test_values_that_are_not_ids_are_reported_and_the_others_retired(clickhouse, learners, tmp_path: Path) -> None:
    listing = tmp_path / "retired.txt"
    listing.write_text("alice@example.com\n-3\n")
    err = StringIO()
    with pytest.raises(CommandError, match="2 value"):
        call_command(
            "retire_users_from_clickhouse",
            "--user-ids",
            f"{learners.alice.id}",
            "--file",
            str(listing),
            stdout=StringIO(),
            stderr=err,
        )
    assert f"{listing}:1" in err.getvalue() and f"{listing}:2" in err.getvalue()
    assert "alice" not in err.getvalue(), "where, not what: a file's line may be personal data"
    assert personal_rows(clickhouse, learners.alice.id) == GONE
    assert personal_rows(clickhouse, learners.bob.id) == PRESENT


def test_a_typo_in_user_ids_is_named_and_nothing_is_retired(clickhouse, learners) -> None:
    with pytest.raises(CommandError) as error:
        run("--user-ids", f"{learners.alice.id},x1")
    assert str(error.value) == (
        "--user-ids: 'x1' is not a user id (a positive integer, auth_user.id); nothing was retired"
    )
    assert personal_rows(clickhouse, learners.alice.id) == PRESENT


def test_nothing_to_retire_is_an_error(clickhouse) -> None:
    with pytest.raises(CommandError, match="No user ids"):
        run()
    with pytest.raises(CommandError, match="Cannot read"):
        run("--file", "/nonexistent/ids.txt")


def test_clickhouse_down_is_a_clear_error_saying_to_rerun(clickhouse, learners, settings) -> None:
    settings.OARS_CLICKHOUSE_URL = f"clickhouse://oars:pw@127.0.0.1:{free_port()}/default"
    settings.OARS_CLICKHOUSE_CONNECT_TIMEOUT = 0.5
    with pytest.raises(CommandError, match=r"Batch 1/1 failed.*Rerun") as failure:
        run("--user-ids", str(learners.alice.id))
    assert "pw@" not in str(failure.value)
