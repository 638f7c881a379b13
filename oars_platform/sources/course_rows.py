"""A course snapshot in, table rows out: the pure transform behind every course dump.

Four tables receive a dump (declared in :mod:`oars_platform.sinks.courses`, created by migrations 0003 and 0006); rows
are dicts keyed by column name, turned into insert tuples by the table declarations:

* ``event_sink.course_overviews`` and ``event_sink.course_blocks``: Aspects' columns, values and JSON keys
  (aspects-schema.md §1.6), so Aspects' dbt models read our rows unchanged;
* ``oars.course_block_dumps``: the same blocks with the tree facts as real columns (section numbers, parents,
  section/subsection/unit locations), keyed by dump;
* ``oars.course_dumps``: one ledger row, written last, that makes the dump current.

Numbering follows the course tree, not flat counters: a section is a ``chapter`` under the course, a subsection a
``sequential`` under a section, a unit a ``vertical`` under a subsection. Blocks anywhere else (components, a
vertical nested in a unit) carry the numbers of the unit, subsection and section they are in. Numbers are integers,
so section 10 sorts after section 9. ``order`` is the block's position in a depth-first walk from the root (root =
0); detached blocks (not in the tree) follow the tree, flagged ``detached`` with section 0.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from opaque_keys.edx.keys import CourseKey

from oars_platform.sources.course_structure import COURSE_DATA_KEYS, BlockNode, CourseSnapshot

_LEVELS = {"chapter": ("course", 0), "sequential": ("chapter", 1), "vertical": ("sequential", 2)}


@dataclass(frozen=True)
class PlacedBlock:
    """A block with its place in the course: DFS order, parent, section/subsection/unit numbers and locations."""

    node: BlockNode
    order: int
    parent: str
    numbers: tuple[int, int, int]
    locations: tuple[str, str, str]
    detached: bool


def text_time(value: dt.datetime | None) -> str:
    """Aspects' text form of a time (``str(datetime)``, as its serializers write it); "" for none."""
    return "" if value is None else str(value)


def version_of(read_at: dt.datetime) -> int:
    """The ledger version of a dump: when its structure was read, in microseconds since the epoch."""
    return int(read_at.timestamp() * 1_000_000)


def place_blocks(snapshot: CourseSnapshot) -> Iterator[PlacedBlock]:
    """Every block of the snapshot, tree first in depth-first order, then detached blocks sorted by location."""
    blocks = snapshot.blocks
    seen: set[str] = set()
    order = 0
    counters = [0, 0, 0]
    # Stack entries: (location, parent, numbers, locations). Children pushed in reverse keep document order.
    stack: list[tuple[str, str, tuple[int, int, int], tuple[str, str, str]]] = [
        (snapshot.root, "", (0, 0, 0), ("", "", ""))
    ]
    while stack:
        location, parent, numbers, locations = stack.pop()
        node = blocks.get(location)
        if node is None or location in seen:  # a dangling child or a block listed twice: the platform skips both
            continue
        seen.add(location)
        level = _LEVELS.get(node.block_type)
        parent_type = blocks[parent].block_type if parent in blocks else ""
        if level is not None and parent_type == level[0]:
            index = level[1]
            counters[index] += 1
            counters[index + 1 :] = [0] * (2 - index)
            numbers = (*numbers[:index], counters[index], *([0] * (2 - index)))
            locations = (*locations[:index], location, *([""] * (2 - index)))
        yield PlacedBlock(node, order, parent, numbers, locations, detached=False)
        order += 1
        stack.extend((child, location, numbers, locations) for child in reversed(node.children))
    for location in sorted(set(blocks) - seen):
        yield PlacedBlock(blocks[location], order, "", (0, 0, 0), ("", "", ""), detached=True)
        order += 1


def xblock_data(snapshot_key: CourseKey, placed: PlacedBlock) -> str:
    """``xblock_data_json`` with Aspects' keys (§1.6)."""
    node = placed.node
    section, subsection, unit = placed.numbers
    return json.dumps(
        {
            "course": snapshot_key.course,
            "run": snapshot_key.run,
            "block_type": node.block_type,
            "detached": 1 if placed.detached else 0,
            "graded": 1 if node.graded else 0,
            "completion_mode": node.completion_mode,
            "section": section,
            "subsection": subsection,
            "unit": unit,
            "tags": list(node.tags),
        }
    )


def course_data_json(snapshot: CourseSnapshot) -> str:
    """``course_data_json`` with exactly Aspects' keys; missing values are null (tags: an empty list)."""
    data: dict[str, Any] = {key: snapshot.course_data.get(key) for key in COURSE_DATA_KEYS}
    data["tags"] = list(data["tags"] or [])
    return json.dumps(data, default=str)


@dataclass(frozen=True)
class CourseRows:
    """Every row of one dump, keyed by column name (the tables are declared in :mod:`oars_platform.sinks.courses`)."""

    overview: dict[str, Any]
    sink_blocks: list[dict[str, Any]]
    block_dumps: list[dict[str, Any]]
    ledger: dict[str, Any]


def course_rows(snapshot: CourseSnapshot, dump_id: uuid.UUID, dumped_at: dt.datetime) -> CourseRows:
    """Rows of every table for one dump of ``snapshot`` (no I/O)."""
    key = snapshot.key
    org = key.org
    course_key = snapshot.course_key
    dumped_text = text_time(dumped_at)
    overview = {
        "org": org,
        "course_key": course_key,
        "display_name": snapshot.display_name,
        "course_start": text_time(snapshot.start),
        "course_end": text_time(snapshot.end),
        "enrollment_start": text_time(snapshot.enrollment_start),
        "enrollment_end": text_time(snapshot.enrollment_end),
        "self_paced": snapshot.self_paced,
        "course_data_json": course_data_json(snapshot),
        "created": text_time(snapshot.created),
        "modified": text_time(snapshot.modified),
        "dump_id": dump_id,
        "time_last_dumped": dumped_text,
    }
    sink_blocks, block_dumps = [], []
    for placed in place_blocks(snapshot):
        node = placed.node
        data = xblock_data(key, placed)
        section, subsection, unit = placed.numbers
        section_location, subsection_location, unit_location = placed.locations
        sink_blocks.append(
            {
                "org": org,
                "course_key": course_key,
                "location": node.location,
                "display_name": node.display_name,
                "xblock_data_json": data,
                "order": placed.order,
                "edited_on": node.edited_on,
                "dump_id": dump_id,
                "time_last_dumped": dumped_text,
            }
        )
        block_dumps.append(
            {
                "org": org,
                "course_key": course_key,
                "dump_id": dump_id,
                "location": node.location,
                "block_type": node.block_type,
                "display_name": node.display_name,
                "display_name_with_location": f"{section}:{subsection}:{unit} - {node.display_name}",
                "parent_location": placed.parent,
                "section_location": section_location,
                "subsection_location": subsection_location,
                "unit_location": unit_location,
                "section": section,
                "subsection": subsection,
                "unit": unit,
                "course_order": placed.order,
                "graded": node.graded,
                "detached": placed.detached,
                "completion_mode": node.completion_mode,
                "edited_on": node.edited_on,
                "xblock_data_json": data,
                "read_at": snapshot.read_at,
            }
        )
    ledger = ledger_row(
        course_key,
        org,
        dump_id,
        read_at=snapshot.read_at,
        dumped_at=dumped_at,
        display_name=snapshot.display_name,
        master_course_key=snapshot.master_course_key,
        source=snapshot.source,
        source_modified=snapshot.modified,
        block_count=len(block_dumps),
    )
    return CourseRows(overview, sink_blocks, block_dumps, ledger)


def ledger_row(
    course_key: str,
    org: str,
    dump_id: uuid.UUID,
    *,
    source: str,
    read_at: dt.datetime,
    dumped_at: dt.datetime,
    display_name: str = "",
    master_course_key: str = "",
    source_modified: dt.datetime | None = None,
    block_count: int = 0,
    is_deleted: bool = False,
) -> dict[str, Any]:
    """The ``oars.course_dumps`` row that commits a dump (or, ``is_deleted``, takes a course out of the views)."""
    return {
        "course_key": course_key,
        "org": org,
        "dump_id": dump_id,
        "version": version_of(read_at),
        "display_name": display_name,
        "master_course_key": master_course_key,
        "source": source,
        "source_modified": source_modified,
        "read_at": read_at,
        "dumped_at": dumped_at,
        "block_count": block_count,
        "is_deleted": 1 if is_deleted else 0,
    }


def deletion_ledger_row(course_key: str, dump_id: uuid.UUID, when: dt.datetime) -> dict[str, Any]:
    """The ledger row that takes a deleted course (and so its blocks) out of the current views."""
    org = CourseKey.from_string(course_key).org
    return ledger_row(course_key, org, dump_id, source="deleted", read_at=when, dumped_at=when, is_deleted=True)
