"""Create the current-state course tables in ``oars``: per-dump block rows, a per-course dump ledger, two views.

Aspects keeps course structure as append-only history in ``event_sink`` and picks "the latest row per block", so a
block deleted from a course never leaves the reports. We keep that history (for Aspects' dbt models) and add a
dump-generation scheme that answers "the blocks of course X now", exactly, without waiting for merges:

* ``course_block_dumps`` holds every block of every dump, keyed ``(course_key, dump_id, location)``;
* ``course_dumps`` gets one row per course dump, written only after all of that dump's blocks landed (the commit
  marker); ``version`` is the time the structure was read, in microseconds, so the newest read wins even when an
  older dump finishes last. ``argMax(dump_id, version)`` per course is exact before any merge; ReplacingMergeTree
  only keeps the ledger small.
* ``courses_current`` (one row per live course) and ``course_blocks_current`` (the blocks of each course's latest
  committed dump) are plain views. Query them with ``WHERE course_key = {course_key:String}``: the filter is pushed
  into the view, and ``(course_key, dump_id)`` is the primary-key prefix of the block table.

A block deleted between two dumps is absent from the newer dump, hence from the current view, while older dumps
(and ``event_sink.course_blocks``) still hold it. A deleted course gets a marker row with ``is_deleted = 1``.
"""

from oars_platform.clickhouse.ddl import CreateTable, RunSQL

OPERATIONS = [
    CreateTable(
        role="oars",
        name="course_block_dumps",
        columns=(
            ("org", "String"),
            ("course_key", "String"),
            ("dump_id", "UUID"),
            ("location", "String"),
            ("block_type", "LowCardinality(String)"),
            ("display_name", "String"),
            ("display_name_with_location", "String"),
            ("parent_location", "String"),
            ("section_location", "String"),
            ("subsection_location", "String"),
            ("unit_location", "String"),
            ("section", "UInt32"),
            ("subsection", "UInt32"),
            ("unit", "UInt32"),
            ("course_order", "Int32"),
            ("graded", "Bool"),
            ("detached", "Bool"),
            ("completion_mode", "LowCardinality(String)"),
            ("edited_on", "String"),
            ("xblock_data_json", "String"),
            ("read_at", "DateTime64(6, 'UTC')"),
        ),
        engine="MergeTree",
        primary_key="(course_key, dump_id)",
        order_by="(course_key, dump_id, location)",
    ),
    CreateTable(
        role="oars",
        name="course_dumps",
        columns=(
            ("course_key", "String"),
            ("org", "String"),
            ("dump_id", "UUID"),
            ("version", "UInt64"),
            ("display_name", "String"),
            ("master_course_key", "String"),
            ("source", "LowCardinality(String)"),
            ("source_modified", "Nullable(DateTime64(6, 'UTC'))"),
            ("read_at", "DateTime64(6, 'UTC')"),
            ("dumped_at", "DateTime64(6, 'UTC')"),
            ("block_count", "UInt32"),
            ("is_deleted", "UInt8"),
        ),
        engine="ReplacingMergeTree(version)",
        order_by="course_key",
    ),
    RunSQL(
        "CREATE VIEW IF NOT EXISTS {oars}.`courses_current`{on_cluster} AS\n"
        "SELECT course_key,\n"
        "       argMax(org, version) AS org,\n"
        "       argMax(display_name, version) AS display_name,\n"
        "       argMax(master_course_key, version) AS master_course_key,\n"
        "       argMax(dump_id, version) AS dump_id,\n"
        "       argMax(source, version) AS source,\n"
        "       argMax(source_modified, version) AS source_modified,\n"
        "       argMax(read_at, version) AS read_at,\n"
        "       argMax(block_count, version) AS block_count\n"
        "FROM {oars}.`course_dumps`\n"
        "GROUP BY course_key\n"
        "HAVING argMax(is_deleted, version) = 0"
    ),
    RunSQL(
        "CREATE VIEW IF NOT EXISTS {oars}.`course_blocks_current`{on_cluster} AS\n"
        "SELECT *\n"
        "FROM {oars}.`course_block_dumps`\n"
        "WHERE (course_key, dump_id) IN (\n"
        "    SELECT course_key, argMax(dump_id, version) FROM {oars}.`course_dumps` GROUP BY course_key\n"
        ")"
    ),
]
