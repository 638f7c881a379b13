"""Delivery guarantees with real processes: a producer, a Celery worker over Redis, a clickhouse-server.

(a) ClickHouse goes away while events stream in and comes back: every event is present exactly once.
(b) The worker is killed with SIGKILL in the middle of a batch and restarted: every event is present exactly once.

The server is Debian's clickhouse-server 18.16 (the only one packaged), far older than our 24.8 floor: it lacks
DateTime64, Bool, LowCardinality and SimpleAggregateFunction, so the test creates the three tables the pipeline
writes with the same names and columns in types 18.16 has. The schema itself is tested on the embedded engine.
"""

from __future__ import annotations

import uuid

import pytest
from clickhouse_driver import Client

from tests.site_main import event
from tests.sites import Site, wait_until

pytestmark = pytest.mark.worker

COMPATIBLE_SCHEMA = [
    "CREATE DATABASE IF NOT EXISTS {xapi}",
    "CREATE DATABASE IF NOT EXISTS {oars}",
    "CREATE TABLE {xapi}.xapi_events_all (event_id UUID, emission_time DateTime, event String) "
    "ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(emission_time) ORDER BY (emission_time, event_id)",
    "CREATE TABLE {oars}.quarantine (quarantine_id UUID, received_at DateTime, source String, reason String, "
    "event_name String, detail String, raw String, raw_truncated UInt8) ENGINE = MergeTree() "
    "ORDER BY (reason, received_at)",
    "CREATE TABLE {oars}.ingest_ledger (id UUID, outcome String, event_name String, day Date, source String, "
    "received_at DateTime, emission_time DateTime) ENGINE = ReplacingMergeTree() ORDER BY (outcome, event_name, id)",
]


@pytest.fixture
def server_site(clickhouse_server):
    """A site whose ClickHouse is the real server, with fresh databases; its worker is stopped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    xapi, oars = f"xapi_{suffix}", f"oars_{suffix}"
    admin = Client("127.0.0.1", port=clickhouse_server.port)
    for sql in COMPATIBLE_SCHEMA:
        admin.execute(sql.format(xapi=xapi, oars=oars))
    site = Site(clickhouse_server.url, OARS_XAPI_DATABASE=xapi, OARS_DATABASE=oars)
    site.run("setup")
    site.xapi = xapi
    site.oars = oars
    yield site
    site.stop_worker()
    site.purge()
    admin.execute(f"DROP DATABASE IF EXISTS {xapi}")
    admin.execute(f"DROP DATABASE IF EXISTS {oars}")


def stored(server, site: Site) -> tuple[int, int]:
    """(rows as reports see them = FINAL, distinct statement ids); (-1, -1) while the server is down."""
    try:
        client = Client("127.0.0.1", port=server.port, connect_timeout=1)
        (row,) = client.execute(f"SELECT count(), uniqExact(event_id) FROM {site.xapi}.xapi_events_all FINAL")
        return int(row[0]), int(row[1])
    except Exception:
        return -1, -1


def assert_exactly_once(server, site: Site, count: int) -> None:
    wait_until(lambda: stored(server, site) == (count, count), timeout=150, what=f"{count} statements stored once")
    client = Client("127.0.0.1", port=server.port)
    total = client.execute(f"SELECT count() FROM {site.xapi}.xapi_events_all")[0][0]
    assert total >= count  # duplicates may exist on disk until merges; FINAL (what reports use) shows each once
    assert site.worker.poll() is None, site.worker_log.read_text()[-3000:]


def test_clickhouse_down_during_a_stream_then_back(clickhouse_server, server_site: Site) -> None:
    total = 2000
    server_site.start_worker()
    producer = server_site.start_producer("--count", str(total), "--chunk", "100", "--pause", "0.25")
    wait_until(lambda: stored(clickhouse_server, server_site)[0] > 0, timeout=60, what="the first batch")
    clickhouse_server.stop()
    try:
        wait_until(lambda: producer.poll() is not None, timeout=120, what="the producer")  # keeps going meanwhile
        assert producer.returncode == 0
    finally:
        clickhouse_server.start()
    assert_exactly_once(clickhouse_server, server_site, total)


def test_worker_killed_mid_batch_then_restarted(clickhouse_server, server_site: Site) -> None:
    total = 3000
    server_site.run("produce", "--count", str(total))  # buffered in Redis; no worker runs yet
    server_site.start_worker()
    wait_until(
        lambda: 0 < stored(clickhouse_server, server_site)[0] < total,
        timeout=60,
        interval=0.05,
        what="some but not all events stored",
    )
    server_site.kill_worker()
    partial = stored(clickhouse_server, server_site)[0]
    assert partial < total
    server_site.start_worker()
    assert_exactly_once(clickhouse_server, server_site, total)


def counted(server, site: Site) -> int:
    """Statements the pipeline's figures count as written (the ledger's distinct ids); -1 while the server is down."""
    try:
        client = Client("127.0.0.1", port=server.port, connect_timeout=1)
        return int(client.execute(
            f"SELECT uniqExact(id) FROM {site.oars}.ingest_ledger FINAL WHERE outcome = 'written'")[0][0])
    except Exception:
        return -1


def test_worker_killed_between_the_raw_insert_and_the_counts_then_restarted(clickhouse_server,
                                                                            server_site: Site) -> None:
    """Raw rows stored, counts not: the state a SIGKILL between the two inserts leaves. The restart catches up."""
    total = 1000
    admin = Client("127.0.0.1", port=clickhouse_server.port)
    server_site.run("produce", "--count", str(total))
    admin.execute(f"DETACH TABLE {server_site.oars}.ingest_ledger")  # every counts insert fails after the raw one
    server_site.start_worker()
    wait_until(lambda: stored(clickhouse_server, server_site)[0] > 0, timeout=60, interval=0.05,
               what="raw rows stored before the counts")
    server_site.kill_worker()
    admin.execute(f"ATTACH TABLE {server_site.oars}.ingest_ledger")
    assert stored(clickhouse_server, server_site)[1] > 0 and counted(clickhouse_server, server_site) == 0

    server_site.start_worker()
    assert_exactly_once(clickhouse_server, server_site, total)
    wait_until(lambda: counted(clickhouse_server, server_site) == total, timeout=60, what="every statement counted")
    assert stored(clickhouse_server, server_site) == (total, total)
    rows = admin.execute(f"SELECT count() FROM {server_site.xapi}.xapi_events_all")[0][0]
    assert rows == total  # the rows stored before the kill were not sent again: no duplicate even before merges


def test_the_stream_is_the_one_the_producer_sends() -> None:
    # The exactly-once assertions count distinct statements: the stream must not repeat (user, verb, timestamp).
    keys = {(e["context"]["user_id"], e["name"], e["timestamp"]) for e in map(event, range(5000))}
    assert len(keys) == 5000
