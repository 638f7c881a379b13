"""Figures operators read are true after a replay is run twice or rerun after an interruption (issue 17 point 4).

``oars.ingest_totals``, ``oars_status`` and ``instance_summary`` count distinct stored statements and distinct
quarantined events, so running the same log twice (or a rerun of an interrupted run) changes none of them.
"""

from __future__ import annotations

from pathlib import Path

from oars_platform.reports.base import Filters
from oars_platform.reports.registry import get_report
from oars_platform.status import read_status
from tests.replay.conftest import counts, quarantined, run_replay, stored
from tests.replay.test_replay_command import _mixed_log


def figures(clickhouse) -> dict:
    status = read_status(clickhouse.client)
    summary = {row["metric"]: row["value"] for row in get_report("instance_summary").run(Filters()).rows}
    return {
        "totals": counts(clickhouse),
        "quarantine_rows": quarantined(clickhouse),
        "statements_by_event": status.statements_by_event,
        "quarantine_by_reason": status.quarantine_by_reason,
        "quarantined_total": summary["quarantined_total"],
    }


def test_replaying_one_log_twice_changes_no_figure(clickhouse, corpus_world, tmp_path: Path) -> None:
    expected = _mixed_log(corpus_world, tmp_path / "mixed.log")
    run_replay(tmp_path / "mixed.log")
    first = figures(clickhouse)
    assert first["quarantine_rows"], "the log has events the transform rejects"
    assert first["quarantined_total"] == len(first["quarantine_rows"]) == sum(first["quarantine_by_reason"].values())
    named = {(name, outcome): n for (name, outcome), n in first["totals"].items() if outcome == "written"}
    assert sum(named.values()) >= len(stored(clickhouse)) == len(expected["ids"])

    run_replay(tmp_path / "mixed.log")
    run_replay(tmp_path / "mixed.log", "--batch-size", "7")  # other batches: other tokens, same figures

    assert figures(clickhouse) == first


def test_a_rerun_after_an_interrupted_replay_counts_each_statement_once(clickhouse, corpus_world, tmp_path) -> None:
    _mixed_log(corpus_world, tmp_path / "mixed.log")
    run_replay(tmp_path / "mixed.log", "--limit", "25", "--batch-size", "5")  # the first run stops part-way
    partial = figures(clickhouse)
    run_replay(tmp_path / "mixed.log", "--batch-size", "5")
    after = figures(clickhouse)
    assert sum(after["statements_by_event"].values()) > sum(partial["statements_by_event"].values())

    clickhouse.client.execute(f"TRUNCATE TABLE `{clickhouse.databases.xapi}`.xapi_events_all")
    for table in ("quarantine", "ingest_ledger"):
        clickhouse.client.execute(f"TRUNCATE TABLE `{clickhouse.databases.oars}`.{table}")
    run_replay(tmp_path / "mixed.log")  # one clean run: the figures the interrupted one must equal
    assert figures(clickhouse) == after
