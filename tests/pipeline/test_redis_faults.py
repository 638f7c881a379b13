"""Redis faults with real processes: a producer, a Celery worker, a private redis-server and a clickhouse-server.

(a) Redis hung (SIGSTOP) and then killed during a stream of events, each time back after a while: every event is
    stored exactly once, none by hand (the producer spools what Redis does not take and delivers it itself).
(b) Redis flushed (FLUSHALL) and restarted without persistence while the worker runs: the worker re-creates the
    consumer group, its Celery consumer reconnects to the broker, and it drains again.

The schema is the 18.16-compatible one of test_worker.py.
"""

from __future__ import annotations

import time

import pytest
import redis

from tests.pipeline.test_worker import assert_exactly_once, server_site, stored  # noqa: F401 - fixture reused
from tests.servers import RedisServer
from tests.sites import Site, wait_until

pytestmark = pytest.mark.worker


@pytest.fixture
def redis_server(request):
    """A private redis-server; ``persistent`` (append-only file, fsync always) when the test is marked so."""
    server = RedisServer(persistent=bool(request.node.get_closest_marker("persistent_redis")))
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def faulty_site(clickhouse_server, redis_server):
    """A site whose buffer and broker are the private Redis; the request path at its production timeout."""
    import uuid

    from clickhouse_driver import Client

    from tests.pipeline.test_worker import COMPATIBLE_SCHEMA

    suffix = uuid.uuid4().hex[:8]
    xapi, oars = f"xapi_{suffix}", f"oars_{suffix}"
    admin = Client("127.0.0.1", port=clickhouse_server.port)
    for sql in COMPATIBLE_SCHEMA:
        admin.execute(sql.format(xapi=xapi, oars=oars))
    site = Site(clickhouse_server.url, redis_url=redis_server.url, OARS_XAPI_DATABASE=xapi, OARS_DATABASE=oars,
                OARS_REDIS_RETRY_SECONDS=1)
    site.run("setup")
    site.xapi = xapi
    yield site
    site.stop_worker()
    admin.execute(f"DROP DATABASE IF EXISTS {xapi}")
    admin.execute(f"DROP DATABASE IF EXISTS {oars}")


def spooled_then_delivered(site: Site) -> str:
    return (site.directory / "producer.log").read_text()


@pytest.mark.persistent_redis
def test_redis_hung_then_killed_during_a_stream_loses_nothing(clickhouse_server, redis_server, faulty_site) -> None:
    total = 1500
    faulty_site.start_worker()
    producer = faulty_site.start_producer("--count", str(total), "--chunk", "50", "--pause", "0.2")
    wait_until(lambda: stored(clickhouse_server, faulty_site)[0] > 0, timeout=60, what="the first batch")
    redis_server.hang()
    time.sleep(3)
    redis_server.resume()
    wait_until(lambda: stored(clickhouse_server, faulty_site)[0] > 300, timeout=60, what="more events after the hang")
    redis_server.kill()
    time.sleep(3)
    redis_server.start()  # same data: the append-only file brings the stream and its pending entries back
    wait_until(lambda: producer.poll() is not None, timeout=240, what="the producer")
    log = spooled_then_delivered(faulty_site)
    assert producer.returncode == 0, log[-3000:]
    assert "'spooled'" in log, log[-3000:]  # some events did go through the spool
    assert_exactly_once(clickhouse_server, faulty_site, total)


def test_the_worker_drains_again_after_a_flush_and_a_restart_without_persistence(
    clickhouse_server, redis_server, faulty_site
) -> None:
    faulty_site.start_worker()
    faulty_site.run("produce", "--count", "100")
    wait_until(lambda: stored(clickhouse_server, faulty_site) == (100, 100), timeout=90, what="100 stored")

    redis.Redis.from_url(redis_server.url).flushall()  # the stream, its consumer group and Celery's keys go
    faulty_site.run("produce", "--first", "100", "--count", "100")
    wait_until(lambda: stored(clickhouse_server, faulty_site) == (200, 200), timeout=90,
               what="200 stored after FLUSHALL")

    redis_server.kill()  # the broker goes away under the worker
    time.sleep(2)
    redis_server.start()  # back empty
    time.sleep(2)
    faulty_site.run("produce", "--first", "200", "--count", "100")
    wait_until(lambda: stored(clickhouse_server, faulty_site) == (300, 300), timeout=120,
               what="300 stored after a restart without persistence")
    assert faulty_site.worker.poll() is None, faulty_site.worker_log.read_text()[-3000:]
    assert "Unrecoverable error" not in faulty_site.worker_log.read_text()
