"""Create the learners' current-state tables in ``oars``: enrollment, course grade, passing status, certificate, cohort.

Each table holds one row per (course, learner) once merged: ``ReplacingMergeTree`` keyed by ``(course_key,
user_id)`` with a version column, so the newest state wins whatever order the writes arrived in and however often a
backfill or a live event rewrote it. Reports must not wait for merges: they read with ``FINAL`` or ``argMax(col,
version)`` (see ``oars_platform.sinks.queries``).

Versions: the platform's own modified time where it keeps one (grades ``modified``, certificates
``modified_date``); otherwise the time our writer read the platform row (enrollments, cohorts: the reader notes the
time *before* its SELECT, so a later read always reflects every commit an earlier one saw), or the event's time for
the passing status, which has no table in the platform.

``learner_enrollment`` is filled by a materialized view from ``event_sink.course_enrollment`` (Aspects' append-only
history), so whatever writes that table, us or Aspects' plugin, keeps the current state current. ``id`` is the
platform's row id, with a min-max index so that a backfill page's change check reads only the parts it wrote.
The certificate table leaves out the name printed on the certificate (personal data).
"""

from oars_platform.clickhouse.ddl import CreateTable, RunSQL

UTC_TIME = "DateTime64(6, 'UTC')"


def id_range_index(table: str) -> RunSQL:
    """A min-max index on the platform row id (the backfill's change check selects by id)."""
    return RunSQL(
        f"ALTER TABLE {{oars}}.`{table}`{{on_cluster}} ADD INDEX IF NOT EXISTS id_range id TYPE minmax GRANULARITY 1"
    )


OPERATIONS = [
    CreateTable(
        role="oars",
        name="learner_enrollment",
        columns=(
            ("course_key", "String"),
            ("user_id", "Int32"),
            ("id", "Int64"),
            ("mode", "LowCardinality(String)"),
            ("is_active", "Bool"),
            ("created", UTC_TIME),
            ("version", UTC_TIME),
        ),
        engine="ReplacingMergeTree(version)",
        order_by="(course_key, user_id)",
    ),
    id_range_index("learner_enrollment"),
    RunSQL(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`learner_enrollment_mv`{on_cluster}"
        "\nTO {oars}.`learner_enrollment`"
        "\nAS SELECT course_key, user_id, toInt64(id) AS id, mode, is_active,"
        "\n    parseDateTime64BestEffortOrZero(created, 6, 'UTC') AS created,"
        "\n    parseDateTime64BestEffort(time_last_dumped, 6, 'UTC') AS version"
        "\nFROM {event_sink}.`course_enrollment`"
    ),
    CreateTable(
        role="oars",
        name="learner_grade",
        columns=(
            ("course_key", "String"),
            ("user_id", "Int32"),
            ("id", "Int64"),
            ("percent_grade", "Float64"),
            ("letter_grade", "String"),
            ("passed_timestamp", f"Nullable({UTC_TIME})"),
            ("course_version", "String"),
            ("grading_policy_hash", "String"),
            ("course_edited_timestamp", f"Nullable({UTC_TIME})"),
            ("created", UTC_TIME),
            ("modified", UTC_TIME),
        ),
        engine="ReplacingMergeTree(modified)",
        order_by="(course_key, user_id)",
    ),
    id_range_index("learner_grade"),
    CreateTable(
        role="oars",
        name="learner_passing",
        columns=(
            ("course_key", "String"),
            ("user_id", "Int32"),
            ("is_passing", "Bool"),
            ("version", UTC_TIME),
        ),
        engine="ReplacingMergeTree(version)",
        order_by="(course_key, user_id)",
    ),
    CreateTable(
        role="oars",
        name="learner_certificate",
        columns=(
            ("course_key", "String"),
            ("user_id", "Int32"),
            ("id", "Int64"),
            ("status", "LowCardinality(String)"),
            ("mode", "LowCardinality(String)"),
            ("grade", "String"),
            ("download_url", "String"),
            ("created", UTC_TIME),
            ("modified", UTC_TIME),
        ),
        engine="ReplacingMergeTree(modified)",
        order_by="(course_key, user_id)",
    ),
    id_range_index("learner_certificate"),
    CreateTable(
        role="oars",
        name="learner_cohort",
        columns=(
            ("course_key", "String"),
            ("user_id", "Int32"),
            ("cohort_id", "Int64"),
            ("cohort_name", "String"),
            ("version", UTC_TIME),
        ),
        engine="ReplacingMergeTree(version)",
        order_by="(course_key, user_id)",
    ),
]
