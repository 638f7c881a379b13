"""Create ``event_sink.course_enrollment``, ``user_profile`` and ``external_id`` with Aspects' columns and keys.

``user_profile`` and ``external_id`` hold personal data: they always exist but stay empty unless
``OARS_PII_ENABLED``. They are partitioned by ``user_id MOD 100`` so that retiring a user rewrites one
hundredth of the table.
"""

from oars_platform.clickhouse.ddl import CreateTable

OPERATIONS = [
    CreateTable(
        role="event_sink",
        name="course_enrollment",
        columns=(
            ("id", "Int32"),
            ("course_key", "String"),
            ("created", "String"),
            ("is_active", "Bool"),
            ("mode", "LowCardinality(String)"),
            ("username", "String"),
            ("user_id", "Int32"),
            ("dump_id", "UUID"),
            ("time_last_dumped", "String"),
        ),
        engine="MergeTree",
        primary_key="(course_key, user_id, time_last_dumped)",
        order_by="(course_key, user_id, time_last_dumped)",
    ),
    CreateTable(
        role="event_sink",
        name="user_profile",
        columns=(
            ("id", "Int32"),
            ("user_id", "Int32"),
            ("name", "String"),
            ("username", "String DEFAULT ''"),
            ("email", "String DEFAULT ''"),
            ("meta", "String"),
            ("courseware", "String"),
            ("language", "String"),
            ("location", "String"),
            ("year_of_birth", "String"),
            ("gender", "String"),
            ("level_of_education", "String"),
            ("mailing_address", "String"),
            ("city", "String"),
            ("country", "String"),
            ("state", "String"),
            ("goals", "String"),
            ("bio", "String"),
            ("profile_image_uploaded_at", "String"),
            ("phone_number", "String"),
            ("dump_id", "UUID"),
            ("time_last_dumped", "String"),
        ),
        engine="ReplacingMergeTree",
        partition_by="user_id MOD 100",
        primary_key="(id, time_last_dumped)",
        order_by="(id, time_last_dumped)",
    ),
    CreateTable(
        role="event_sink",
        name="external_id",
        columns=(
            ("external_user_id", "UUID"),
            ("external_id_type", "String"),
            ("username", "String"),
            ("user_id", "Int32"),
            ("dump_id", "UUID"),
            ("time_last_dumped", "String"),
        ),
        engine="ReplacingMergeTree",
        partition_by="user_id MOD 100",
        primary_key="(external_user_id, time_last_dumped)",
        order_by="(external_user_id, time_last_dumped)",
    ),
]
