"""Several processes: who transforms and who writes, for the embedded engine and for a server."""

from __future__ import annotations

import os

from benchmarks.corpus import write_tracking_log
from oars_platform.conf import get_config
from oars_platform.replay import SEND_BACK, VALIDATE, WRITE, ReplayOptions, replay, worker_mode
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


def test_workers_write_themselves_only_to_a_server() -> None:
    assert worker_mode("chdb:///var/lib/oars", dry_run=False) == SEND_BACK
    assert worker_mode("clickhouse://oars:secret@ch.example.org:9000/", dry_run=False) == WRITE
    assert worker_mode("clickhouses://ch.example.org/", dry_run=False) == WRITE
    assert worker_mode("chdb:///var/lib/oars", dry_run=True) == VALIDATE
    assert worker_mode("clickhouse://ch.example.org/", dry_run=True) == VALIDATE
