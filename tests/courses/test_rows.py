"""The pure transform: a snapshot in, Aspects-compatible and current-state rows out."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from oars_platform.sinks.courses import COURSE_TABLES
from oars_platform.sources.course_rows import course_rows, place_blocks
from oars_platform.sources.course_structure import COURSE_DATA_KEYS, BlockNode, CourseSnapshot

KEY = "course-v1:OarsX+ROWS+2026"
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def loc(block_type: str, name: str) -> str:
    return f"block-v1:OarsX+ROWS+2026+type@{block_type}+block@{name}"


def snapshot(sections: int = 12, nested: bool = True, detached: bool = True) -> CourseSnapshot:
    """``sections`` sections of 2 subsections of 1 unit with 1 problem; unit 1.1.1 also nests a vertical."""
    blocks: dict[str, BlockNode] = {}

    def add(block_type: str, name: str, children: tuple[str, ...] = (), **kw) -> str:
        location = loc(block_type, name)
        blocks[location] = BlockNode(location, block_type, name.replace("_", " "), children, **kw)
        return location

    chapters = []
    for s in range(1, sections + 1):
        seqs = []
        for ss in (1, 2):
            problem = add("problem", f"p{s}_{ss}", graded=ss == 2)
            unit_children = [problem]
            if nested and s == 1 and ss == 1:
                unit_children.append(add("vertical", "inner", (add("html", "inner_html"),)))
            unit = add("vertical", f"u{s}_{ss}", tuple(unit_children))
            seqs.append(add("sequential", f"q{s}_{ss}", (unit,), graded=ss == 2))
        chapters.append(add("chapter", f"c{s}", tuple(seqs)))
    root = add("course", "course", tuple(chapters), completion_mode="aggregator")
    if detached:
        add("about", "overview")
        add("static_tab", "syllabus")
    return CourseSnapshot(
        course_key=KEY,
        display_name="Rows",
        root=root,
        blocks=blocks,
        source="test",
        read_at=NOW,
        start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        course_data={"language": "en", "effort": "4:00", "lowest_passing_grade": 0.5},
    )


def by_location(rows) -> dict[str, dict]:
    return {row["location"]: row for row in rows}


def test_numbering_stays_right_past_nine_sections() -> None:
    rows = by_location(course_rows(snapshot(), uuid.uuid4(), NOW).block_dumps)
    assert rows[loc("chapter", "c10")]["section"] == 10
    assert rows[loc("chapter", "c12")]["section"] == 12
    assert (rows[loc("sequential", "q11_2")]["section"], rows[loc("sequential", "q11_2")]["subsection"]) == (11, 2)
    problem = rows[loc("problem", "p12_2")]
    assert (problem["section"], problem["subsection"], problem["unit"]) == (12, 2, 1)
    assert problem["display_name_with_location"] == "12:2:1 - p12 2"
    assert problem["section_location"] == loc("chapter", "c12")
    assert problem["subsection_location"] == loc("sequential", "q12_2")
    assert problem["unit_location"] == loc("vertical", "u12_2")


def test_order_is_the_depth_first_course_tree_and_detached_blocks_follow() -> None:
    placed = list(place_blocks(snapshot(sections=2)))
    locations = [p.node.location for p in placed]
    assert locations[:8] == [
        loc("course", "course"),
        loc("chapter", "c1"),
        loc("sequential", "q1_1"),
        loc("vertical", "u1_1"),
        loc("problem", "p1_1"),
        loc("vertical", "inner"),
        loc("html", "inner_html"),
        loc("sequential", "q1_2"),
    ]
    assert [p.order for p in placed] == list(range(len(placed)))
    assert [p.detached for p in placed][-2:] == [True, True]
    assert not any(p.detached for p in placed[:-2])


def test_a_nested_vertical_is_not_a_unit_and_keeps_its_units_numbers() -> None:
    rows = by_location(course_rows(snapshot(sections=2), uuid.uuid4(), NOW).block_dumps)
    inner = rows[loc("vertical", "inner")]
    assert (inner["section"], inner["subsection"], inner["unit"]) == (1, 1, 1)
    assert inner["unit_location"] == loc("vertical", "u1_1")
    assert inner["parent_location"] == loc("vertical", "u1_1")
    assert rows[loc("vertical", "u1_2")]["unit"] == 1  # units restart per subsection
    assert rows[loc("chapter", "c2")]["subsection"] == 0


def test_detached_blocks_are_flagged_and_outside_any_section() -> None:
    rows = by_location(course_rows(snapshot(sections=1), uuid.uuid4(), NOW).block_dumps)
    about = rows[loc("about", "overview")]
    assert about["detached"] is True
    assert (about["section"], about["subsection"], about["unit"], about["parent_location"]) == (0, 0, 0, "")
    assert json.loads(about["xblock_data_json"])["detached"] == 1


def test_aspects_rows_have_the_spec_columns_and_json_keys() -> None:
    dump_id = uuid.uuid4()
    rows = course_rows(snapshot(sections=1), dump_id, NOW)
    overview = rows.overview
    assert overview["org"] == "OarsX"
    assert overview["course_start"] == "2026-01-01 00:00:00+00:00"
    assert overview["course_end"] == ""
    assert overview["dump_id"] == dump_id
    assert overview["time_last_dumped"] == str(NOW)
    data = json.loads(overview["course_data_json"])
    assert list(data) == list(COURSE_DATA_KEYS)
    assert data["tags"] == [] and data["effort"] == "4:00" and data["invitation_only"] is None
    block = rows.sink_blocks[4]
    xblock = json.loads(block["xblock_data_json"])
    assert list(xblock) == [
        "course", "run", "block_type", "detached", "graded", "completion_mode", "section", "subsection", "unit", "tags"
    ]
    assert (xblock["course"], xblock["run"], xblock["block_type"]) == ("ROWS", "2026", "problem")
    assert block["order"] == 4
    graded = by_location(rows.block_dumps)[loc("problem", "p1_2")]
    assert json.loads(graded["xblock_data_json"])["graded"] == 1


def test_the_transform_is_deterministic_for_one_dump() -> None:
    dump_id = uuid.uuid4()
    assert course_rows(snapshot(), dump_id, NOW) == course_rows(snapshot(), dump_id, NOW)


def test_a_ccx_gets_the_same_tree_under_its_own_keys() -> None:
    ccx = snapshot(sections=2).for_ccx("ccx-v1:OarsX+ROWS+2026+ccx@7", "Coached")
    assert ccx.course_key == "ccx-v1:OarsX+ROWS+2026+ccx@7"
    assert ccx.master_course_key == KEY
    assert ccx.root == "ccx-block-v1:OarsX+ROWS+2026+ccx@7+type@course+block@course"
    rows = by_location(course_rows(ccx, uuid.uuid4(), NOW).block_dumps)
    chapter = rows["ccx-block-v1:OarsX+ROWS+2026+ccx@7+type@chapter+block@c2"]
    assert chapter["section"] == 2 and chapter["org"] == "OarsX"
    assert all(location.startswith("ccx-block-v1:") for location in rows)


def test_every_row_has_exactly_its_tables_declared_columns() -> None:
    rows = course_rows(snapshot(sections=2), uuid.uuid4(), NOW)
    overviews, blocks, block_dumps, dumps = COURSE_TABLES
    built = {overviews: [rows.overview], blocks: rows.sink_blocks, block_dumps: rows.block_dumps, dumps: [rows.ledger]}
    for table, table_rows in built.items():
        assert all(tuple(row) == table.names for row in table_rows), table.name
        assert table.tuples(table_rows)[0] == tuple(table_rows[0][name] for name in table.names)
