"""Create the raw xAPI table, drop-in compatible with Aspects' ``xapi.xapi_events_all``.

ReplacingMergeTree on (emission_time, event_id): statement ids are deterministic, so a replayed or retried
statement collapses into the row it duplicates (at merge time; reports deduplicate at query time until then).
"""

from oars_platform.clickhouse.ddl import CreateTable

OPERATIONS = [
    CreateTable(
        role="xapi",
        name="xapi_events_all",
        columns=(
            ("event_id", "UUID"),
            ("emission_time", "DateTime64(6)"),
            ("event", "String"),
        ),
        engine="ReplacingMergeTree",
        partition_by="toYYYYMM(emission_time)",
        primary_key="(emission_time, event_id)",
        order_by="(emission_time, event_id)",
    )
]
