"""Create the pipeline's own tables in ``oars``: quarantined events and per-batch ingestion counts.

``quarantine`` keeps events the transform or ClickHouse rejected, with the reason, for inspection and replay; the
raw text is capped by the writer and rows expire after 90 days, so a flood of bad input cannot fill the disk.
``ingest_counts`` sums, per day, source, event name and outcome, what the pipeline did: the exact per-reason
counts survive even where quarantine rows were capped or expired.
"""

from oars_platform.clickhouse.ddl import CreateTable

OPERATIONS = [
    CreateTable(
        role="oars",
        name="quarantine",
        columns=(
            ("received_at", "DateTime64(3, 'UTC')"),
            ("source", "LowCardinality(String)"),
            ("reason", "LowCardinality(String)"),
            ("event_name", "String"),
            ("detail", "String"),
            ("raw", "String"),
            ("raw_truncated", "Bool"),
        ),
        engine="MergeTree",
        partition_by="toYYYYMM(received_at)",
        order_by="(reason, received_at)",
        ttl="toDateTime(received_at) + INTERVAL 90 DAY",
    ),
    CreateTable(
        role="oars",
        name="ingest_counts",
        columns=(
            ("day", "Date"),
            ("source", "LowCardinality(String)"),
            ("event_name", "String"),
            ("outcome", "LowCardinality(String)"),
            ("events", "SimpleAggregateFunction(sum, UInt64)"),
            ("last_received_at", "SimpleAggregateFunction(max, DateTime64(3, 'UTC'))"),
            ("last_emission_time", "SimpleAggregateFunction(max, DateTime64(6, 'UTC'))"),
        ),
        engine="AggregatingMergeTree",
        partition_by="toYYYYMM(day)",
        order_by="(day, source, event_name, outcome)",
    ),
]
