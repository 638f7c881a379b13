"""``dump_data_to_clickhouse`` against a real MariaDB: pages, resume, reruns, PII gating, exit codes.

Each test runs the command as a child process (see conftest.py) on the module's seeded MariaDB database and a fresh
embedded ClickHouse of its own.
"""

from __future__ import annotations

import re

import pytest

from oars_platform.clickhouse.databases import Databases
from tests.learners.state import CURRENT_ENROLLEES, CURRENT_GRADES

pytestmark = pytest.mark.mysql

DATABASES = Databases(xapi="xapi", event_sink="event_sink", oars="oars")


def tally(output: str) -> dict[str, int]:
    """The summary line's numbers."""
    match = re.search(r"read (\d+), written (\d+), unchanged \(skipped\) (\d+), refused (\d+), (\d+) page", output)
    assert match, output
    return dict(zip(("read", "written", "skipped", "refused", "pages"), map(int, match.groups()), strict=True))


def checkpoint(site, name: str) -> tuple[int, int] | None:
    rows = site.sql(f"SELECT last_pk, completed FROM oars_platform_backfillcheckpoint WHERE object_name = '{name}'")
    return (int(rows[0][0]), int(rows[0][1])) if rows else None


def enrollment_ids(site) -> list[int]:
    return [row[0] for row in site.sql("SELECT id FROM student_courseenrollment ORDER BY id")]


def enrollees(site, course: str) -> list[list]:
    sql = CURRENT_ENROLLEES.render(DATABASES).replace("{course_key:String}", f"'{course}'")
    return site.query(sql)


def test_enrollments_arrive_in_pages_exactly_as_in_the_platform(maria_site, seeded) -> None:
    result = maria_site.dump("--object", "course_enrollment", "--batch-size", "700")
    assert result.returncode == 0, result.stderr
    assert tally(result.stdout) == {"read": 3000, "written": 3000, "skipped": 0, "refused": 0, "pages": 5}
    assert "row/s" in result.stderr, "a progress bar with its rate on stderr"
    platform = maria_site.sql(
        "SELECT COUNT(*), SUM(id), SUM(user_id), SUM(mode = 'verified'), COUNT(DISTINCT course_id) "
        "FROM student_courseenrollment"
    )[0]
    stored = maria_site.query(
        "SELECT count(), sum(id), sum(user_id), countIf(mode = 'verified'), uniqExact(course_key) "
        "FROM event_sink.course_enrollment"
    )[0]
    assert [int(value) for value in stored] == [int(value) for value in platform]
    assert checkpoint(maria_site, "course_enrollment") == (enrollment_ids(maria_site)[-1], 1)
    assert len(enrollees(maria_site, seeded.courses[0])) == seeded.users


def test_reruns_skip_unchanged_rows_and_force_never_duplicates_what_reports_see(maria_site, seeded) -> None:
    assert maria_site.dump("--object", "course_enrollment").returncode == 0
    rerun = maria_site.dump("--object", "course_enrollment")
    assert rerun.returncode == 0, rerun.stderr
    assert tally(rerun.stdout) | {"pages": 0} == {"read": 3000, "written": 0, "skipped": 3000, "refused": 0, "pages": 0}
    forced = maria_site.dump("--object", "course_enrollment", "--force")
    assert tally(forced.stdout)["written"] == 3000
    assert maria_site.scalar("SELECT count() FROM event_sink.course_enrollment") == 6000  # Aspects-style history
    assert len(enrollees(maria_site, seeded.courses[1])) == seeded.users  # but reports see each learner once
    assert maria_site.scalar("SELECT count() FROM (SELECT id FROM oars.learner_enrollment GROUP BY id)") == 3000


def test_changed_rows_are_rewritten_and_win(maria_site, seeded) -> None:
    assert maria_site.dump("--object", "course_enrollment").returncode == 0
    course = seeded.courses[2]
    maria_site.sql(f"UPDATE student_courseenrollment SET is_active = 0 WHERE course_id = '{course}' AND user_id <= 10")
    try:
        rerun = maria_site.dump("--object", "course_enrollment", "--batch-size", "1000")
        assert tally(rerun.stdout) == {"read": 3000, "written": 10, "skipped": 2990, "refused": 0, "pages": 3}
        current = enrollees(maria_site, course)
        assert len(current) == seeded.users - 10
        assert all(user_id > 10 for user_id, _ in current)
    finally:
        maria_site.sql(f"UPDATE student_courseenrollment SET is_active = 1 WHERE course_id = '{course}'")


def test_an_interrupted_run_resumes_from_its_checkpoint(maria_site) -> None:
    ids = enrollment_ids(maria_site)
    first = maria_site.dump("--object", "course_enrollment", "--limit", "1000", "--batch-size", "300")
    assert first.returncode == 0, first.stderr
    assert tally(first.stdout) == {"read": 1000, "written": 1000, "skipped": 0, "refused": 0, "pages": 4}
    assert checkpoint(maria_site, "course_enrollment") == (ids[999], 0)
    resumed = maria_site.dump("--object", "course_enrollment", "--batch-size", "300")
    assert f"resuming after checkpoint pk {ids[999]}" in resumed.stdout
    assert tally(resumed.stdout)["read"] == 2000
    assert checkpoint(maria_site, "course_enrollment") == (ids[-1], 1)
    assert maria_site.query("SELECT count(), uniqExact(id) FROM event_sink.course_enrollment") == [[3000, 3000]]


def test_from_pk_and_ids_select_rows_and_ids_leave_the_checkpoint_alone(maria_site) -> None:
    ids = enrollment_ids(maria_site)
    tail = maria_site.dump("--object", "course_enrollment", "--from-pk", str(ids[-101]))
    assert tally(tail.stdout)["read"] == 100
    assert checkpoint(maria_site, "course_enrollment") == (ids[-1], 1)
    chosen = maria_site.dump("--object", "course_enrollment", "--ids", str(ids[0]), str(ids[5]), str(ids[7]))
    assert tally(chosen.stdout)["written"] == 3
    assert checkpoint(maria_site, "course_enrollment") == (ids[-1], 1)
    stored = maria_site.query("SELECT id FROM event_sink.course_enrollment WHERE id < 100 ORDER BY id")
    assert [row[0] for row in stored] == [ids[0], ids[5], ids[7]]


def test_personal_data_needs_the_pii_setting(maria_site, seeded) -> None:
    for name in ("user_profile", "external_id"):
        refused = maria_site.dump("--object", name)
        assert refused.returncode == 1
        assert "OARS_PII_ENABLED is off" in refused.stderr
        assert maria_site.scalar(f"SELECT count() FROM event_sink.{name}") == 0
    for name in ("user_profile", "external_id"):
        allowed = maria_site.dump("--object", name, "--batch-size", "250", OARS_PII_ENABLED=True)
        assert allowed.returncode == 0, allowed.stderr
        assert tally(allowed.stdout)["written"] == seeded.users
    profile = maria_site.query(
        "SELECT user_id, name, username, email, year_of_birth, country FROM event_sink.user_profile WHERE user_id = 7"
    )
    assert profile == [[7, "Learner 7", "learner7", "learner7@example.com", "1987", "FR"]]
    platform_ids = {str(row[0]) for row in maria_site.sql("SELECT external_user_id FROM external_user_ids_externalid")}
    stored_ids = {row[0] for row in maria_site.query("SELECT toString(external_user_id) FROM event_sink.external_id")}
    assert stored_ids == platform_ids
    again = maria_site.dump("--object", "external_id", OARS_PII_ENABLED=True)
    assert tally(again.stdout)["written"] == 0


def test_grades_and_certificates(maria_site, seeded) -> None:
    grades = maria_site.dump("--object", "persistent_course_grade", "--batch-size", "400")
    certificates = maria_site.dump("--object", "generated_certificate")
    assert grades.returncode == 0 and certificates.returncode == 0, grades.stderr + certificates.stderr
    assert tally(grades.stdout)["written"] == seeded.grades
    assert tally(certificates.stdout)["written"] == seeded.certificates
    sql = CURRENT_GRADES.render(DATABASES).replace("{course_key:String}", f"'{seeded.courses[0]}'")
    rows = maria_site.query(sql)
    assert len(rows) == seeded.users // 2
    assert sum(1 for row in rows if row[3]) == sum(1 for uid in range(2, seeded.users + 1, 2) if uid % 100 >= 50)
    assert maria_site.scalar("SELECT countIf(status = 'downloadable') FROM oars.learner_certificate") == (
        seeded.certificates
    )
    rerun = maria_site.dump("--object", "persistent_course_grade")
    assert tally(rerun.stdout)["skipped"] == seeded.grades


def test_exit_codes(maria_site) -> None:
    assert maria_site.dump("--object", "no_such_thing").returncode == 2
    assert maria_site.dump("--object", "course_enrollment", "--batch-size", "0").returncode == 2
    unreachable = maria_site.dump(
        "--object", "course_enrollment", "--skip-checks", OARS_CLICKHOUSE_URL="clickhouse://127.0.0.1:1/"
    )
    assert unreachable.returncode == 1
    assert "rerun to continue" in unreachable.stderr
