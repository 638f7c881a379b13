"""The course's current structure, from ``course_blocks_current`` and ``courses_current`` (no statements).

One row per block of the course's latest committed dump, in course order: location, type, display name,
section / subsection / unit numbers, graded, and the course's last publication (the source's change time recorded
with the dump, else the time the dump read the course). Detached blocks (about pages, static tabs) are included
with numbers 0. A block deleted from the course is absent: the dump that followed its deletion no longer has it.
"""

from __future__ import annotations

from oars_platform.reports.base import Column, Report, columns

COURSE_STRUCTURE = Report(
    name="course_structure",
    title="Course structure",
    description=(
        "Every part of the course as last published, in course order: sections, subsections, units and "
        "components, with their names, their place in the course and whether they are graded, and when the course "
        "was last published. About pages and tabs are listed with place 0."
    ),
    scope="course",
    columns=columns(
        Column("course_key", "Course id", "id", dashboard=False),  # the page's own course
        ("location", "Block id", "id"),
        ("block_type", "Type"),
        ("display_name", "Name"),
        ("section", "Section", "int"),
        ("subsection", "Subsection", "int"),
        ("unit", "Unit", "int"),
        ("graded", "Graded"),
        ("course_order", "Order", "int"),
        ("last_published", "Last published", "time"),
    ),
    sql=(
        "SELECT b.course_key AS course_key, b.location AS location, toString(b.block_type) AS block_type,\n"
        "    b.display_name AS display_name, b.section AS section, b.subsection AS subsection, b.unit AS unit,\n"
        "    b.graded AS graded, b.course_order AS course_order,\n"
        "    ifNull(c.source_modified, c.read_at) AS last_published\n"
        "FROM {oars}.`course_blocks_current` AS b\n"
        "INNER JOIN (SELECT course_key, source_modified, read_at FROM {oars}.`courses_current`\n"
        "            WHERE {course_filter}) AS c ON c.course_key = b.course_key\n"
        "WHERE {course_filter}\n"
        "ORDER BY course_key, course_order"
    ),
)

REPORTS = (COURSE_STRUCTURE,)
