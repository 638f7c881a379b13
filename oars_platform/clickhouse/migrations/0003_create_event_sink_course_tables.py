"""Create ``event_sink.course_overviews`` and ``event_sink.course_blocks`` with Aspects' exact columns and keys.

Rows are append-only history: every dump carries ``dump_id`` and ``time_last_dumped``; the latest dump wins.
"""

from oars_platform.clickhouse.ddl import CreateTable

OPERATIONS = [
    CreateTable(
        role="event_sink",
        name="course_overviews",
        columns=(
            ("org", "String"),
            ("course_key", "String"),
            ("display_name", "String"),
            ("course_start", "String"),
            ("course_end", "String"),
            ("enrollment_start", "String"),
            ("enrollment_end", "String"),
            ("self_paced", "Bool"),
            ("course_data_json", "String"),
            ("created", "String"),
            ("modified", "String"),
            ("dump_id", "UUID"),
            ("time_last_dumped", "String"),
        ),
        engine="MergeTree",
        primary_key="(org, course_key, modified, time_last_dumped)",
        order_by="(org, course_key, modified, time_last_dumped)",
    ),
    CreateTable(
        role="event_sink",
        name="course_blocks",
        columns=(
            ("org", "String"),
            ("course_key", "String"),
            ("location", "String"),
            ("display_name", "String"),
            ("xblock_data_json", "String"),
            ("order", "Int32 DEFAULT 0"),
            ("edited_on", "String"),
            ("dump_id", "UUID"),
            ("time_last_dumped", "String"),
        ),
        engine="MergeTree",
        primary_key="(org, course_key, location, edited_on)",
        order_by="(org, course_key, location, edited_on, order)",
    ),
]
