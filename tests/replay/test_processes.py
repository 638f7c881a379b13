"""Several processes: who transforms and who writes, for the embedded engine and for a server."""

from __future__ import annotations

import os

from benchmarks.corpus import to_log_line, write_tracking_log
from oars_platform.conf import get_config
from oars_platform.ingest import lookups
from oars_platform.replay import (
    SEND_BACK,
    VALIDATE,
    WRITE,
    ChunkProcessor,
    ReplayOptions,
    _Writer,
    replay,
    worker_mode,
)
from tests.replay.conftest import stored


def test_with_the_embedded_engine_workers_transform_and_only_the_parent_writes(
    clickhouse, corpus_world, tmp_path
) -> None:
    write_tracking_log(tmp_path / "t.log.gz", corpus_world.events)

    summary = replay([str(tmp_path / "t.log.gz")], get_config(), ReplayOptions(batch_size=50, processes=2))

    assert summary.writers == {os.getpid()}
    # worker processes transformed every chunk (how many each took depends on start-up timing)
    assert summary.transformers and os.getpid() not in summary.transformers
    assert len(summary.transformers) <= 2
    assert summary.written == summary.statements == len(stored(clickhouse))


def test_with_one_process_this_process_transforms_and_writes(clickhouse, corpus_world, tmp_path) -> None:
    write_tracking_log(tmp_path / "t.log", corpus_world.events[:100])

    summary = replay([str(tmp_path / "t.log")], get_config(), ReplayOptions(batch_size=30))

    assert summary.writers == summary.transformers == {os.getpid()}
    assert summary.written == len(stored(clickhouse))


def test_batches_that_queue_up_during_an_insert_go_in_as_one_insert(clickhouse, corpus_world) -> None:
    lines = [to_log_line(event).encode() for event in corpus_world.events[:300]]
    processor = ChunkProcessor(get_config(), lookups(), SEND_BACK, "replay:test")
    outcomes = [processor.process(lines[start:start + 100]) for start in range(0, 300, 100)]
    assert all(outcome.statements for outcome in outcomes)
    writer = _Writer(get_config(), "replay:test")

    with clickhouse.client._lock:  # the first insert waits while the other two batches queue up behind it
        for index, outcome in enumerate(outcomes):
            writer.put(outcome, index)
    written = writer.close()

    assert [token for _, token in written] == [0, 1, 2]  # in order
    # two of the three went in as one insert, counted on the later one of the pair
    assert sorted(outcome.written == 0 for outcome in outcomes) == [False, False, True]
    total = sum(outcome.statements for outcome in outcomes)
    assert sum(outcome.written for outcome in outcomes) == total == len(stored(clickhouse))
    assert all(outcome.result is None and outcome.written_by == os.getpid() for outcome in outcomes)


def test_workers_write_themselves_only_to_a_server() -> None:
    assert worker_mode("chdb:///var/lib/oars", dry_run=False) == SEND_BACK
    assert worker_mode("clickhouse://oars:secret@ch.example.org:9000/", dry_run=False) == WRITE
    assert worker_mode("clickhouses://ch.example.org/", dry_run=False) == WRITE
    assert worker_mode("chdb:///var/lib/oars", dry_run=True) == VALIDATE
    assert worker_mode("clickhouse://ch.example.org/", dry_run=True) == VALIDATE
