"""Visits per section and subsection, from ``navigation_events`` joined to the course's current blocks.

Statements: every courseware navigation becomes verb *navigated* (xapi.md §3.2 rows 25-29): sequence next /
previous / tab selections name the subsection (``{LMS}/xblock/<sequential>``), outline selections and link clicks
name their target URL (``…/jump_to/<usage key>`` when in the course). A statement whose object names a block of the
course is a visit to that block's subsection and section (a unit or component counts for its enclosing subsection);
statements naming no current block (external links, deleted blocks) are not counted. Page-view statements (*viewed*,
off by default) are not navigation statements and are not read.

Per section and per subsection of the current structure, within [since, until): visits = distinct statements,
learners = distinct actors. Sections and subsections without visits are listed with zeros.
"""

from __future__ import annotations

from oars_platform.reports.base import Report, columns

NAVIGATION_VISITS = Report(
    name="navigation_visits",
    title="Visits per section and subsection",
    description=(
        "How often learners opened each section and subsection (from the course navigation or a link into the "
        "course), and how many different learners did. Opening a unit counts for its subsection. Parts nobody "
        "opened are listed with zero."
    ),
    scope="course",
    columns=columns(
        ("level", "Level"),
        ("location", "Block id", "id"),
        ("name", "Name"),
        ("section", "Section", "int"),
        ("subsection", "Subsection", "int"),
        ("visits", "Visits", "int"),
        ("learners", "Learners", "int"),
    ),
    sql=(
        "WITH blocks AS (\n"
        "    SELECT location, toString(block_type) AS block_type, display_name, section, subsection,\n"
        "        section_location, subsection_location, course_order\n"
        "    FROM {oars}.`course_blocks_current` WHERE {course_filter}\n"
        "), visits AS (\n"
        "    SELECT n.event_id AS event_id, n.actor_id AS actor_id, b.section_location AS section_location,\n"
        "        b.subsection_location AS subsection_location\n"
        "    FROM {oars}.`navigation_events` AS n INNER JOIN blocks AS b ON b.location = n.block_id\n"
        "    WHERE {course_filter} AND {time_filter}\n"
        "), counted AS (\n"
        "    SELECT 'section' AS level, section_location AS location, uniqExact(event_id) AS visits,\n"
        "        uniqExact(actor_id) AS learners\n"
        "    FROM visits WHERE section_location != '' GROUP BY section_location\n"
        "    UNION ALL\n"
        "    SELECT 'subsection' AS level, subsection_location AS location, uniqExact(event_id) AS visits,\n"
        "        uniqExact(actor_id) AS learners\n"
        "    FROM visits WHERE subsection_location != '' GROUP BY subsection_location\n"
        ")\n"
        "SELECT if(b.block_type = 'chapter', 'section', 'subsection') AS level, b.location AS location,\n"
        "    b.display_name AS name, b.section AS section, b.subsection AS subsection,\n"
        "    c.visits AS visits, c.learners AS learners\n"
        "FROM blocks AS b LEFT JOIN counted AS c\n"
        "    ON c.location = b.location AND c.level = if(b.block_type = 'chapter', 'section', 'subsection')\n"
        "WHERE (b.block_type = 'chapter' AND b.section_location = b.location)\n"
        "   OR (b.block_type = 'sequential' AND b.subsection_location = b.location)\n"
        "ORDER BY b.course_order"
    ),
    chart={"type": "bar", "x": "name", "y": "visits", "series": "level"},
    requires_course=True,
)

REPORTS = (NAVIGATION_VISITS,)
