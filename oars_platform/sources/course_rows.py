"""A course snapshot in, table rows out: the pure transform behind every course dump.

Four tables receive a dump (see migrations 0003 and 0006):

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

OVERVIEW_COLUMNS = (
    "org",
    "course_key",
    "display_name",
    "course_start",
    "course_end",
    "enrollment_start",
    "enrollment_end",
    "self_paced",
    "course_data_json",
    "created",
    "modified",
    "dump_id",
    "time_last_dumped",
)
SINK_BLOCK_COLUMNS = (
    "org",
    "course_key",
    "location",
    "display_name",
    "xblock_data_json",
    "order",
    "edited_on",
    "dump_id",
    "time_last_dumped",
)
BLOCK_DUMP_COLUMNS = (
    "org",
    "course_key",
    "dump_id",
    "location",
    "block_type",
    "display_name",
    "display_name_with_location",
    "parent_location",
    "section_location",
    "subsection_location",
    "unit_location",
    "section",
    "subsection",
    "unit",
    "course_order",
    "graded",
    "detached",
    "completion_mode",
    "edited_on",
    "xblock_data_json",
    "read_at",
)
DUMP_COLUMNS = (
    "course_key",
    "org",
    "dump_id",
    "version",
    "display_name",
    "master_course_key",
    "source",
    "source_modified",
    "read_at",
    "dumped_at",
    "block_count",
    "is_deleted",
)

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
    """Every row of one dump, as tuples in the column order of the constants above."""

    overview: tuple
    sink_blocks: list[tuple]
    block_dumps: list[tuple]
    ledger: tuple


def course_rows(snapshot: CourseSnapshot, dump_id: uuid.UUID, dumped_at: dt.datetime) -> CourseRows:
    """Rows of every table for one dump of ``snapshot`` (no I/O)."""
    key = snapshot.key
    org = key.org
    dumped_text = text_time(dumped_at)
    overview = (
        org,
        snapshot.course_key,
        snapshot.display_name,
        text_time(snapshot.start),
        text_time(snapshot.end),
        text_time(snapshot.enrollment_start),
        text_time(snapshot.enrollment_end),
        snapshot.self_paced,
        course_data_json(snapshot),
        text_time(snapshot.created),
        text_time(snapshot.modified),
        dump_id,
        dumped_text,
    )
    sink_blocks, block_dumps = [], []
    for placed in place_blocks(snapshot):
        node = placed.node
        data = xblock_data(key, placed)
        section, subsection, unit = placed.numbers
        sink_blocks.append(
            (org, snapshot.course_key, node.location, node.display_name, data, placed.order, node.edited_on, dump_id,
             dumped_text)
        )
        block_dumps.append(
            (
                org,
                snapshot.course_key,
                dump_id,
                node.location,
                node.block_type,
                node.display_name,
                f"{section}:{subsection}:{unit} - {node.display_name}",
                placed.parent,
                *placed.locations,
                section,
                subsection,
                unit,
                placed.order,
                node.graded,
                placed.detached,
                node.completion_mode,
                node.edited_on,
                data,
                snapshot.read_at,
            )
        )
    ledger = (
        snapshot.course_key,
        org,
        dump_id,
        version_of(snapshot.read_at),
        snapshot.display_name,
        snapshot.master_course_key,
        snapshot.source,
        snapshot.modified,
        snapshot.read_at,
        dumped_at,
        len(block_dumps),
        0,
    )
    return CourseRows(overview, sink_blocks, block_dumps, ledger)


def deletion_ledger_row(course_key: str, dump_id: uuid.UUID, when: dt.datetime) -> tuple:
    """The ledger row that takes a deleted course (and so its blocks) out of the current views."""
    org = CourseKey.from_string(course_key).org
    return (course_key, org, dump_id, version_of(when), "", "", "deleted", None, when, when, 0, 1)
