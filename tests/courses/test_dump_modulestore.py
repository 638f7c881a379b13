"""Courses of the stand-in modulestore dumped into the embedded ClickHouse: shapes, CCX, deletions, renames, reruns."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import uuid

import pytest
from standin import factories
from standin.courses import CourseSpec, build_course
from xmodule.modulestore import ModuleStoreEnum

from oars_platform.clickhouse.ddl import Topology
from oars_platform.platform.courses import fetch_course_names
from oars_platform.platform.modulestore import ModulestoreSource
from oars_platform.sinks.courses import (
    BLOCK_DUMPS,
    COURSE_DUMPS,
    dump_course,
    insert_rows,
    mark_deleted,
    prune_superseded,
    write_snapshot,
)
from oars_platform.sources.course_rows import course_rows

pytestmark = pytest.mark.django_db
USER = ModuleStoreEnum.UserID.test


def test_a_twelve_section_course_lands_with_tree_order_numbering_and_detached_blocks(store, reader) -> None:
    built = build_course(CourseSpec(sections=12, subsections_per_section=2, units_per_subsection=2, seed=3))
    key = str(built.course_key)
    (dumped,) = dump_course(ModulestoreSource(), key)

    rows = {row["location"]: row for row in reader.current(key)}
    published = [str(k) for k in built.published_keys]
    detached = [str(k) for k in built.detached]
    assert set(rows) == set(published) | set(detached)
    assert dumped.blocks == len(rows)
    assert [rows[str(section)]["section"] for section in built.sections] == list(range(1, 13))
    assert rows[str(built.sections[11])]["course_order"] > rows[str(built.sections[9])]["course_order"]
    for location in published[1:]:  # every block comes after its parent in course order
        row = rows[location]
        assert row["course_order"] > rows[row["parent_location"]]["course_order"]
    for location in detached:
        assert rows[location]["detached"] is True and rows[location]["section"] == 0
    assert not any(rows[location]["detached"] for location in published)
    for subsection in built.graded_subsections:  # graded is inherited by everything below a graded subsection
        below = [row for row in rows.values() if row["subsection_location"] == str(subsection)]
        assert below and all(row["graded"] for row in below)
    last_unit = rows[str(built.units[-1])]
    assert (last_unit["section"], last_unit["subsection"], last_unit["unit"]) == (12, 2, 2)

    sink = reader.sink_blocks(key)
    assert [row["location"] for row in sink] == [row["location"] for row in reader.current(key)]
    assert json.loads(sink[0]["xblock_data_json"])["block_type"] == "course"
    (overview,) = reader.overviews(key)
    assert overview["display_name"] == built.overview.display_name
    assert json.loads(overview["course_data_json"])["language"] == "en"


def test_unpublished_drafts_are_never_dumped(store, reader) -> None:
    built = build_course(CourseSpec(unpublished_units=2, unpublished_components=3, seed=5))
    dump_course(ModulestoreSource(), str(built.course_key))
    locations = set(reader.current_locations(str(built.course_key)))
    assert built.unpublished and not locations & {str(k) for k in built.unpublished}
    assert not reader.history_locations(str(built.course_key)) & {str(k) for k in built.unpublished}


def test_ccx_courses_of_a_published_course_are_dumped_too(store, reader) -> None:
    built = build_course(CourseSpec(seed=7))
    coach = factories.create_user()
    ccx = factories.create_ccx(built.course_key, coach, display_name="Coached cohort")
    dumped = dump_course(ModulestoreSource(), str(built.course_key))

    assert [course.course_key for course in dumped] == [str(built.course_key), str(ccx.locator)]
    course = reader.course(str(ccx.locator))
    assert course["display_name"] == "Coached cohort"
    assert course["master_course_key"] == str(built.course_key)
    master_blocks = reader.current(str(built.course_key))
    ccx_blocks = reader.current(str(ccx.locator))
    assert len(ccx_blocks) == len(master_blocks)
    assert [row["section"] for row in ccx_blocks] == [row["section"] for row in master_blocks]
    assert all(row["location"].startswith("ccx-block-v1:") for row in ccx_blocks)


def test_a_block_deleted_between_two_publishes_leaves_current_state_but_stays_in_history(store, reader) -> None:
    built = build_course(CourseSpec(sections=3, seed=11))
    key = str(built.course_key)
    dump_course(ModulestoreSource(), key)
    unit = built.units[0]
    unit_children = [str(k) for k in store.get_item(unit).children]
    section = built.sections[-1]

    store.delete_item(unit, USER)  # a unit: deleted in draft, gone from published at the next publish
    store.publish(built.subsections[0], USER)
    store.delete_item(section, USER)  # a section: direct-only, deleted from published at once
    dump_course(ModulestoreSource(), key)

    current = set(reader.current_locations(key))
    gone = {str(unit), *unit_children, str(section)}
    assert not current & gone
    assert gone <= reader.history_locations(key)
    assert reader.dumps(key) == 2
    sections = sorted(row["section"] for row in reader.current(key) if row["block_type"] == "chapter")
    assert sections == [1, 2]


def test_a_renamed_course_shows_its_new_name_in_reports_and_the_xapi_lookup(store, reader) -> None:
    built = build_course(CourseSpec(display_name="Old name", seed=13))
    key = str(built.course_key)
    dump_course(ModulestoreSource(), key)

    with store.branch_setting(ModuleStoreEnum.Branch.draft_preferred, built.course_key):
        course = store.get_course(built.course_key)
        course.display_name = "New name"
        store.update_item(course, USER)  # the course block is direct-only: published at once, overview refreshed
    dump_course(ModulestoreSource(), key)

    assert reader.course(key)["display_name"] == "New name"
    assert [row["display_name"] for row in reader.overviews(key)] == ["Old name", "New name"]
    assert fetch_course_names({key}) == {key: "New name"}  # the live xAPI lookup agrees


def test_repeated_dumps_and_reruns_are_exact_before_any_merge(store, reader, clickhouse) -> None:
    built = build_course(CourseSpec(seed=17))
    key = str(built.course_key)
    for _ in range(3):
        dump_course(ModulestoreSource(), key, batch_size=7)
    expected = len(built.published_keys) + len(built.detached)
    assert len(reader.current(key)) == expected
    assert len(set(reader.current_locations(key))) == expected
    assert reader.dumps(key) == 3  # three generations in Aspects' history...
    assert clickhouse.count("oars.course_block_dumps") == expected  # ...one left in the per-dump table
    assert reader.generations(key) == [reader.course(key)["dump_id"]]


def test_an_older_read_that_finishes_last_does_not_replace_a_newer_one(store, reader) -> None:
    built = build_course(CourseSpec(seed=19))
    key = str(built.course_key)
    older = ModulestoreSource().read(key)
    store.delete_item(built.sections[0], USER)
    newer = ModulestoreSource().read(key)
    write_snapshot(newer)
    write_snapshot(older)  # a slow worker: older content, written last
    assert newer.read_at > older.read_at
    assert str(built.sections[0]) not in reader.current_locations(key)
    assert reader.course(key)["read_at"] == newer.read_at


def test_pruning_never_touches_a_newer_read_still_being_written(store, reader, clickhouse) -> None:
    """An older dump committing while a newer one has written its blocks but not its ledger row: the newer blocks
    stay, so when that dump commits it is complete; only then are the older blocks pruned."""
    built = build_course(CourseSpec(seed=29))
    key = str(built.course_key)
    older = ModulestoreSource().read(key)
    store.delete_item(built.sections[0], USER)
    newer = ModulestoreSource().read(key)
    in_flight = course_rows(newer, uuid.uuid4(), dt.datetime.now(dt.UTC))
    # The newer dump's blocks are in; its ledger row is not yet.
    insert_rows(clickhouse.client, clickhouse.databases, BLOCK_DUMPS, in_flight.block_dumps)
    write_snapshot(older)  # commits, then prunes what was read before it: nothing of the newer read
    assert in_flight.ledger["dump_id"] in reader.generations(key)
    assert str(built.sections[0]) in reader.current_locations(key)  # the older dump is current for now

    insert_rows(clickhouse.client, clickhouse.databases, COURSE_DUMPS, [in_flight.ledger])
    assert str(built.sections[0]) not in reader.current_locations(key)
    assert len(reader.current(key)) == len(in_flight.block_dumps)  # complete: none of its rows was pruned
    write_snapshot(ModulestoreSource().read(key))  # the next dump prunes both older generations
    assert reader.generations(key) == [reader.course(key)["dump_id"]]


def test_a_deleted_course_leaves_the_current_views(store, reader) -> None:
    built = build_course(CourseSpec(seed=23))
    key = str(built.course_key)
    dump_course(ModulestoreSource(), key)
    mark_deleted(key)
    assert reader.current(key) == []
    assert reader.course(key) is None
    assert reader.history_locations(key)


def test_a_missing_course_is_not_dumped(store, reader) -> None:
    from oars_platform.sources.course_structure import CourseNotFound

    with pytest.raises(CourseNotFound):
        dump_course(ModulestoreSource(), "course-v1:edX+Nope+2026")
    assert ModulestoreSource().read("not a key") is None


def test_a_failed_prune_is_logged_and_leaves_the_dump_alone(clickhouse, caplog) -> None:
    """Pruning is housekeeping after the commit: ClickHouse refusing it must not fail the dump."""
    broken = dataclasses.replace(clickhouse.databases, oars="no_such_database")
    with caplog.at_level(logging.WARNING, logger="oars_platform.sinks.courses"):
        prune_superseded(["course-v1:Org+X+1"], clickhouse.client, broken, Topology(""))
    assert "not pruned (ClickHouseQueryError)" in caplog.text
