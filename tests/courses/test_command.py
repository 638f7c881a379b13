"""``dump_courses_to_clickhouse``: selection, skip logic, --force, resume, OLX, Celery fan-out, summary and exit."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from standin.courses import CourseSpec, build_course
from xmodule.modulestore import ModuleStoreEnum

from oars_platform.conf import get_config
from oars_platform.connection import get_client
from oars_platform.platform.modulestore import ModulestoreSource
from oars_platform.sinks.backfill import run_backfill
from oars_platform.sinks.course_backfill import CourseBackfill, CourseOptions, plan_courses
from oars_platform.sinks.courses import BLOCK_DUMPS, insert_rows
from oars_platform.sources.course_rows import course_rows
from oars_platform.sources.olx_generate import OlxSpec, generate_olx, write_tarball

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses(store) -> list[str]:
    return [str(build_course(CourseSpec(number=f"N{i}", sections=2, seed=i)).course_key) for i in range(4)]


def dump(*args: str, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("dump_courses_to_clickhouse", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_every_course_is_dumped_then_unchanged_ones_are_skipped(courses, reader) -> None:
    out, err = dump()
    assert "courses: dumped 4 course(s)" in out and "failed 0" in out and "courses: done." in out
    assert "4/4" in err and "course/s" in err  # tqdm progress with rate, on stderr
    assert all(reader.dumps(key) == 1 for key in courses)

    out, _ = dump()
    assert "dumped 0 course(s)" in out and "skipped 4 (4 unchanged since its last dump)" in out
    assert all(reader.dumps(key) == 1 for key in courses)


def test_a_course_published_since_its_last_dump_is_dumped_again(courses, reader, store) -> None:
    dump()
    key = ModulestoreSource().read(courses[1]).key
    course = store.get_course(key)
    course.display_name = "Renamed"
    store.update_item(course, ModuleStoreEnum.UserID.test)  # publishes; the platform refreshes CourseOverview
    out, _ = dump()
    assert "dumped 1 course(s)" in out
    assert reader.dumps(courses[1]) == 2
    assert reader.course(courses[1])["display_name"] == "Renamed"


def test_force_dumps_everything_again_and_reports_still_see_one_copy(courses, reader) -> None:
    dump()
    out, _ = dump(force=True)
    assert "dumped 4 course(s)" in out
    assert all(reader.dumps(key) == 2 for key in courses)
    assert len(reader.current(courses[0])) == len(set(reader.current_locations(courses[0])))


def test_courses_skip_and_limit_select_what_is_dumped(courses, reader) -> None:
    out, _ = dump(courses=courses[:3], courses_to_skip=[courses[0]], limit=1)
    assert "dumped 1 course(s)" in out
    assert "1 listed in --courses-to-skip" in out and "1 beyond --limit" in out
    assert [reader.dumps(key) for key in courses] == [0, 1, 0, 0]


def test_one_failing_course_never_stops_the_others_and_the_exit_is_non_zero(courses, reader) -> None:
    missing = "course-v1:edX+Gone+2026"
    with pytest.raises(CommandError, match="1 course\\(s\\) failed: course-v1:edX\\+Gone\\+2026"):
        dump(courses=[missing, *courses])
    assert all(reader.dumps(key) == 1 for key in courses)


def test_the_summary_names_each_failure_with_its_reason(courses, clickhouse) -> None:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("dump_courses_to_clickhouse", courses=["course-v1:edX+Gone+2026"], stdout=out, stderr=err)
    assert "failed course-v1:edX+Gone+2026: course-v1:edX+Gone+2026 is not in the modulestore" in err.getvalue()
    assert "failed 1 in " in out.getvalue()


def test_an_interrupted_run_resumes_where_it_stopped(courses, reader) -> None:
    source = ModulestoreSource()
    plan = plan_courses(source, CourseOptions())
    done: list[int] = []

    def interrupt_after_two(count: int) -> None:
        done.append(count)
        if len(done) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # 40 blocks per insert: every course (45 blocks) is written on its own
        run_backfill(
            CourseBackfill(source, CourseOptions(batch_size=40), course_plan=plan), on_advance=interrupt_after_two
        )
    # The third course was being written when the process died: blocks in, ledger row not.
    snapshot = source.read(plan.to_dump[2])
    partial = course_rows(snapshot, uuid.uuid4(), dt.datetime.now(dt.UTC))
    insert_rows(get_client(), get_config().databases, BLOCK_DUMPS, partial.block_dumps)
    assert reader.current(plan.to_dump[2]) == []  # uncommitted: invisible

    out, _ = dump()
    assert "dumped 2 course(s)" in out and "2 unchanged since its last dump" in out
    # Reports see only the committed dump; the abandoned partial generation was read earlier, so it is pruned.
    assert [reader.dumps(key) for key in plan.to_dump] == [1, 1, 1, 1]
    assert len(reader.current(plan.to_dump[2])) == len(snapshot.blocks)
    assert reader.course(plan.to_dump[2])["dump_id"] != partial.ledger["dump_id"]
    assert reader.generations(plan.to_dump[2]) == [reader.course(plan.to_dump[2])["dump_id"]]


def test_an_interrupted_forced_run_resumes_with_skip_dumped_since(courses, reader) -> None:
    dump()
    out, _ = dump(force=True, courses=courses[:2])
    started = out.split("--skip-dumped-since ")[1].split(")")[0]
    out, _ = dump("--force", "--skip-dumped-since", started)
    assert "dumped 2 course(s)" in out and "2 dumped since the interrupted run started" in out
    assert [reader.dumps(key) for key in courses] == [2, 2, 2, 2]


def test_olx_exports_are_dumped_without_the_modulestore(tmp_path: Path, reader, clickhouse) -> None:
    first = generate_olx(OlxSpec(number="OLX1", sections=10), tmp_path / "one")
    second = generate_olx(OlxSpec(number="OLX2", sections=2, inline=True), tmp_path / "two")
    tarball = write_tarball(second.folder, tmp_path / "two.tar.gz")
    out, _ = dump(olx=[str(first.folder), str(tarball)])
    assert "dumped 2 course(s)" in out
    assert reader.current_locations(first.course_key)[: len(first.tree)] == first.tree

    out, _ = dump(olx=[str(first.folder), str(tarball)])
    assert "dumped 0 course(s)" in out
    later = dt.datetime.now().timestamp() + 5
    os.utime(tarball, (later, later))  # a new export of the course
    out, _ = dump(olx=[str(first.folder), str(tarball)])
    assert "dumped 1 course(s)" in out and reader.dumps(second.course_key) == 2


def test_via_celery_queues_one_task_per_course(courses, reader) -> None:
    out, _ = dump(via_celery=True, courses=courses[:2])
    assert "Queued 2 course dump(s)" in out
    assert [reader.dumps(key) for key in courses] == [1, 1, 0, 0]  # eager in tests: the workers ran them


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batch_size": 0}, "--batch-size"),
        ({"olx": ["x"], "via_celery": True}, "cannot be combined"),
        ({"olx": ["/no/such/export"]}, "no such file"),
    ],
)
def test_bad_options_are_refused(options: dict, message: str, clickhouse) -> None:
    with pytest.raises(CommandError, match=message):
        dump(**options)


def test_batch_size_splits_inserts_without_changing_the_result(courses, reader) -> None:
    dump(batch_size=3, courses=[courses[0]])
    expected = ModulestoreSource().read(courses[0]).blocks
    assert set(reader.current_locations(courses[0])) == set(expected)
