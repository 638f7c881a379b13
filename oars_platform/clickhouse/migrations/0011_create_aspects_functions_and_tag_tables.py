"""Create what Aspects' analytics read besides the raw tables: the org-from-URL functions and the tag tables.

aspects-dbt's models call ``get_org_from_course_url`` and ``get_org_from_ccx_course_url`` and join
``event_sink.tag``, ``event_sink.taxonomy`` and ``event_sink.object_tag``; on a ClickHouse that only this plugin set up
they would fail without them. The definitions are the ones tutor-contrib-aspects' own migrations leave in place
(its 0020 and 0033 for the functions, 0039 for the tables), with ``CREATE OR REPLACE`` and ``IF NOT EXISTS`` as
there, so either project's migrations can run first on one server and the other's change nothing.

Functions are server-wide in ClickHouse (not in a database). The tag tables are filled from the platform's content
tagging (``oel_tagging``) models: one row per dump of a tag, taxonomy or object tag, the latest ``time_last_dumped``
wins, as in Aspects.
"""

from oars_platform.clickhouse.ddl import CreateTable, RunSQL

#: tutor-contrib-aspects' columns of its three tag tables (migration 0039), before the dump bookkeeping columns.
_DUMPED = (("dump_id", "UUID"), ("time_last_dumped", "String"))

OPERATIONS = [
    RunSQL(
        r"CREATE OR REPLACE FUNCTION get_org_from_course_url{on_cluster} AS (course_url) -> "
        r"nullIf(EXTRACT(course_url, 'course-v1:([a-zA-Z0-9\w\-~.:%]*)'), '')"
    ),
    RunSQL(
        r"CREATE OR REPLACE FUNCTION get_org_from_ccx_course_url{on_cluster} AS (course_url) -> "
        r"nullIf(EXTRACT(course_url, 'ccx-v1:([a-zA-Z0-9]*)'), '')"
    ),
    CreateTable(
        role="event_sink",
        name="tag",
        columns=(
            ("id", "Int32"),
            ("taxonomy", "Int32"),
            ("parent", "Int32"),
            ("value", "String"),
            ("external_id", "String"),
            ("lineage", "String"),
            *_DUMPED,
        ),
        engine="ReplacingMergeTree",
        primary_key="(id, time_last_dumped)",
        order_by="(id, time_last_dumped)",
    ),
    CreateTable(
        role="event_sink",
        name="taxonomy",
        columns=(("id", "Int32"), ("name", "String"), *_DUMPED),
        engine="ReplacingMergeTree",
        primary_key="(id, time_last_dumped)",
        order_by="(id, time_last_dumped)",
    ),
    CreateTable(
        role="event_sink",
        name="object_tag",
        columns=(
            ("id", "Int32"),
            ("object_id", "String"),
            ("taxonomy", "Int32"),
            ("tag", "Int32"),
            ("_value", "String"),
            ("_export_id", "String"),
            ("lineage", "String"),
            *_DUMPED,
        ),
        engine="ReplacingMergeTree",
        primary_key="(id, time_last_dumped)",
        order_by="(id, time_last_dumped)",
    ),
]
