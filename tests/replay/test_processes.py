"""``--processes``: a pool over a ClickHouse server stores what one process stores; the embedded engine refuses it.

The pool runs against the suite's real clickhouse-server (Debian's 18.16, older than our 24.8 floor), in the
three tables the replay writes, created in types 18.16 has (``COMPATIBLE_SCHEMA``, as the worker tests do): the
schema itself is tested on the embedded engine. The command runs as an operator runs it, in a process of its own,
with a stand-in LMS whose users and course its workers look up for themselves.
"""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from clickhouse_driver import Client

from benchmarks.corpus import write_tracking_log
from tests.commands.conftest import manage
from tests.commands.test_replay_files import EMBEDDED_REFUSAL, _event
from tests.pipeline.test_worker import COMPATIBLE_SCHEMA
from tests.replay.conftest import counts, parse_summary, quarantined, run_replay
from tests.sites import ROOT, Site, wait_until

SUMMARY_KEYS = ("lines", "events", "transformed", "statements", "written", "skipped", "rejected")


@pytest.mark.parametrize("dry_run", [False, True], ids=["write", "dry-run"])
def test_the_embedded_engine_refuses_more_than_one_process(clickhouse, corpus_world, tmp_path, dry_run) -> None:
    write_tracking_log(tmp_path / "t.log", corpus_world.events[:50])

    summary = run_replay(tmp_path / "t.log", "--processes", "2", *(["--dry-run"] if dry_run else []), fails=True)

    assert summary["errors"] == EMBEDDED_REFUSAL
    assert summary["output"] == ""  # refused before reading: no summary
    assert clickhouse.count("xapi.xapi_events_all") == 0
    assert counts(clickhouse) == {} and quarantined(clickhouse) == []


class ServerDatabases:
    """One set of the replay's three tables on the server, and what a replay left in them."""

    def __init__(self, admin: Client) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.admin = admin
        self.xapi, self.oars = f"xapi_{suffix}", f"oars_{suffix}"
        for sql in COMPATIBLE_SCHEMA:
            admin.execute(sql.format(xapi=self.xapi, oars=self.oars))

    def settings(self) -> dict[str, str]:
        return {"OARS_XAPI_DATABASE": self.xapi, "OARS_DATABASE": self.oars}

    def stored(self) -> dict[str, str]:
        """Statement id -> JSON text, as reports read them (FINAL)."""
        rows = self.admin.execute(f"SELECT toString(event_id), event FROM {self.xapi}.xapi_events_all FINAL")
        return dict(rows)

    def quarantined(self) -> list[tuple[str, str]]:
        return sorted(self.admin.execute(f"SELECT reason, event_name FROM {self.oars}.quarantine"))

    def ledger(self) -> dict[tuple[str, str], int]:
        """Distinct ids per (event name, outcome): the figures operators read."""
        rows = self.admin.execute(
            f"SELECT event_name, outcome, uniqExact(id) FROM {self.oars}.ingest_ledger GROUP BY event_name, outcome"
        )
        return {(name, outcome): int(n) for name, outcome, n in rows}

    def drop(self) -> None:
        for database in (self.xapi, self.oars):
            self.admin.execute(f"DROP DATABASE IF EXISTS {database}")


@pytest.fixture
def server_site(clickhouse_server) -> Iterator[tuple[Site, Client]]:
    """A stand-in LMS (users learner1..20, the demo course) whose ClickHouse is the real server."""
    admin = Client("127.0.0.1", port=clickhouse_server.port)
    site = Site(clickhouse_server.url)
    site.run("setup")
    yield site, admin
    site.purge()


def _logs(directory: Path) -> int:
    """Two logs (plain and gzip) with good events, broken lines, unknown users and courses; returns the good ones."""
    good = []
    for index in range(240):
        event = _event(index)
        if index % 3 == 1:
            event["name"] = event["event_type"] = "pause_video"
        good.append(json.dumps(event))
    bad = [
        "",
        "garbage line",
        json.dumps({"name": "edx.not.ours", "time": "2025-03-01T12:00:00+00:00"}),
        json.dumps(_event(1000, user=9999)),
        json.dumps(_event(1001, course="course-v1:Gone+X+Y")),
        json.dumps(_event(1002, user=9998)),
    ]
    (directory / "a.log").write_text("\n".join(good[:100] + bad[:3] + good[100:120]) + "\n")
    with gzip.open(directory / "b.log.gz", "wt") as handle:
        handle.write("\n".join(good[120:] + bad[3:]) + "\n")
    return len(good)


@pytest.mark.native
def test_a_pool_over_a_server_stores_and_counts_what_one_process_does(server_site, tmp_path) -> None:
    site, admin = server_site
    good = _logs(tmp_path)
    serial, pool, dry = ServerDatabases(admin), ServerDatabases(admin), ServerDatabases(admin)
    try:
        summaries = []
        for databases, extra in ((serial, ()), (pool, ("--processes", "2")), (dry, ("--processes", "2", "--dry-run"))):
            config = site.variant(databases.xapi, **databases.settings())
            run = manage(
                site,
                "replay_tracking_logs",
                str(tmp_path),
                "--batch-size",
                "37",
                "--no-progress",
                *extra,
                config_path=config,
                timeout=300,
            )
            assert run.rc == 0, run.err
            summaries.append(parse_summary(run.out))

        one, two, dry_two = summaries
        assert one["lines"] == good + 6 and one["transformed"] == good
        assert one["skipped"] == {"blank": 1, "not_json": 1, "not_transformed": 1}
        assert one["rejected"] == {"unknown_course": 1, "unknown_user": 2}
        assert len(serial.stored()) == one["statements"] == one["written"] >= good
        assert {reason for reason, _ in serial.quarantined()} == {"unknown_course", "unknown_user"}
        # the pool: the same statements, quarantine, ledger and summary
        assert pool.stored() == serial.stored()
        assert pool.quarantined() == serial.quarantined()
        assert pool.ledger() == serial.ledger()
        for key in SUMMARY_KEYS:
            assert two[key] == one[key], key
        # a dry run on the pool: the same counts, nothing written
        assert dry.stored() == {} and dry.quarantined() == [] and dry.ledger() == {}
        assert dry_two["written"] == 0 and dry_two["invalid"] == 0
        for key in ("lines", "events", "transformed", "statements", "skipped", "rejected"):
            assert dry_two[key] == one[key], key
    finally:
        for databases in (serial, pool, dry):
            databases.drop()


@pytest.mark.native
def test_sigint_on_a_pool_counts_exactly_what_the_workers_wrote(server_site, tmp_path) -> None:
    site, admin = server_site
    databases = ServerDatabases(admin)
    total = 20_000
    log = tmp_path / "tracking.log"
    log.write_text("".join(json.dumps(_event(index)) + "\n" for index in range(total)))
    config = site.variant(databases.xapi, **databases.settings())
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "manage.py"), "lms", "--settings", "production",
         "replay_tracking_logs", str(log), "--batch-size", "20", "--processes", "2", "--no-progress"],
        env={**site.env_for(config), "OARS_TEST_LOG_LEVEL": "WARNING"}, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until(lambda: len(databases.stored()) > 0, timeout=120, interval=0.2, what="the first batches")
        assert process.poll() is None, "the replay ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
        assert process.returncode == 130, err
        read = parse_summary(out)["lines"]
        assert 0 < read < total
        assert [line for line in err.splitlines() if line.strip()] == [
            f"CommandError: interrupted after {read} lines; rerun to resume (statements already written are not "
            "stored twice)"
        ]
        assert f"Statements: {read} produced, {read} written" in out  # every chunk under way finished and counted
        assert len(databases.stored()) == read
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        databases.drop()
