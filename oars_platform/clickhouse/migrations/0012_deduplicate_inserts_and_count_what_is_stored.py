"""Deduplicate retried inserts in the engine, and count statements and quarantined events from what is stored.

Why: the writer (``oars_platform/clickhouse/writer.py``) now sends every insert with a deduplication token made from
its rows' ids. A single-node MergeTree table honours tokens only with ``non_replicated_deduplication_window`` set,
and a materialized view's target checks the block again only with its own window: this migration sets it on the raw
table, on every report table the views fill from it, on the quarantine and on the new ledger. (``Replicated*``
tables deduplicate with ``replicated_deduplication_window``, on by default; the setting here does nothing there.)

Counts: ``ingest_counts`` summed what each batch said it did, so a retried, replayed or killed batch made it drift
from what was stored (double after a rerun, short after a kill between two inserts). ``ingest_ledger`` has one row
per statement id (written) or quarantine id (rejected) and outcome, collapsed by ReplacingMergeTree; the view
``ingest_totals`` counts it (``FINAL``), with ``ingest_counts``' columns. ``ingest_counts`` is no longer written and
keeps the figures from before this migration. ``quarantine.quarantine_id`` is the event's deterministic id (reason
and raw text), which the writer checks, so the same bad event is quarantined once.
"""

from __future__ import annotations

from oars_platform.clickhouse.ddl import CreateTable, RunSQL

#: Tables that receive blocks through materialized views over the raw table (0008, 0010), spelled out: a migration
#: never imports another.
VIEW_TARGETS = (
    "events_parsed",
    "enrollment_events",
    "video_events",
    "problem_events",
    "navigation_events",
    "grading_events",
    "completion_events",
    "forum_events",
    "problem_learner_state",
)


def _window(table: str) -> RunSQL:
    return RunSQL(f"ALTER TABLE {table}{{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000")


OPERATIONS = [
    _window("{xapi}.`xapi_events_all`"),
    *(_window("{oars}.`" + name + "`") for name in VIEW_TARGETS),
    RunSQL("ALTER TABLE {oars}.`quarantine`{on_cluster} ADD COLUMN IF NOT EXISTS `quarantine_id` UUID"),
    _window("{oars}.`quarantine`"),
    CreateTable(
        role="oars",
        name="ingest_ledger",
        columns=(
            ("outcome", "LowCardinality(String)"),
            ("event_name", "String"),
            ("id", "UUID"),
            ("day", "Date"),
            ("source", "LowCardinality(String)"),
            ("received_at", "DateTime64(3, 'UTC')"),
            ("emission_time", "DateTime64(6, 'UTC')"),
        ),
        engine="ReplacingMergeTree",
        order_by="(outcome, event_name, id)",
        settings="non_replicated_deduplication_window = 10000",
    ),
    RunSQL(
        "CREATE VIEW IF NOT EXISTS {oars}.`ingest_totals`{on_cluster} AS\n"
        "SELECT day, source, event_name, outcome, count() AS events, max(received_at) AS last_received_at,\n"
        "    max(emission_time) AS last_emission_time\n"
        "FROM {oars}.`ingest_ledger` FINAL\n"
        "GROUP BY day, source, event_name, outcome"
    ),
]
