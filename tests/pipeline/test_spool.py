"""The request path with Redis hung or down: a short timeout, a circuit breaker, the local spool and its delivery.

Each test uses its own redis-server on a free loopback port (tests/servers.py), hung with SIGSTOP or killed.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
from django.core import checks
from openedx.core.lib.celery import APP

from oars_platform.spool import decode_record, encode_record, get_spool, local_report
from oars_platform.tracking import OarsTrackingBackend
from tests.servers import RedisServer
from tests.site_main import event

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def private_redis(settings):
    """A redis-server of this test's own, which the plugin uses; the request path's timeout at its default."""
    server = RedisServer()
    server.start()
    settings.OARS_REDIS_URL = server.url
    settings.OARS_REDIS_REQUEST_TIMEOUT = 0.05
    settings.OARS_REDIS_RETRY_SECONDS = 60  # the tests deliver by hand; the flusher thread stays asleep
    # Wake-ups go to the in-memory broker, where no worker drains: the tests count what reaches the stream.
    APP.conf.task_always_eager = False
    yield server
    APP.conf.task_always_eager = True
    server.cleanup()


def stream_length(server: RedisServer, settings) -> int:
    return int(redis.Redis.from_url(server.url).xlen(f"{settings.OARS_REDIS_KEY_PREFIX}:tracking"))


def stream_events(server: RedisServer, settings) -> list[bytes]:
    entries = redis.Redis.from_url(server.url).xrange(f"{settings.OARS_REDIS_KEY_PREFIX}:tracking")
    return [fields[b"e"] for _, fields in entries]


def send_all(backend: OarsTrackingBackend, count: int, first: int = 0, budget: float = 3.0) -> float:
    """Send ``count`` events in a thread; fail if they take longer than ``budget`` seconds. Return the time taken."""
    started = time.monotonic()
    thread = threading.Thread(target=lambda: [backend.send(event(index)) for index in range(first, first + count)],
                              daemon=True)
    thread.start()
    thread.join(budget)
    assert not thread.is_alive(), f"{count} sends took more than {budget}s: the request path waits on Redis"
    return time.monotonic() - started


def test_a_hung_redis_costs_one_short_timeout_then_nothing(private_redis, settings) -> None:
    backend = OarsTrackingBackend()
    send_all(backend, 5)
    assert backend.stats["enqueued"] == 5
    private_redis.hang()
    try:
        send_all(backend, 200, first=5, budget=2.0)  # today: 5 s of socket timeout per event
    finally:
        private_redis.resume()
    assert backend.stats["spooled"] == 200
    assert backend.stats["failed"] == backend.stats["dropped"] == 0
    # The breaker is open: later events are spooled without a try, even now that Redis answers again.
    send_all(backend, 3, first=205)
    assert backend.stats["spooled"] == 203
    assert get_spool().deliver() == 203
    # The append that timed out may have reached the frozen server's socket: Redis ran it on SIGCONT, so that
    # one event can be in the stream twice (at least once; storage keeps one statement per id). No other can.
    events = stream_events(private_redis, settings)
    assert len(set(events)) == 208
    assert len(events) - len(set(events)) <= 1


def test_spooled_events_reach_the_stream_once_however_often_they_are_delivered(private_redis, settings) -> None:
    backend = OarsTrackingBackend()
    private_redis.kill()
    send_all(backend, 300)
    assert backend.stats["spooled"] == 300
    spool = get_spool()
    with pytest.raises(redis.RedisError):
        spool.deliver()  # still down: the events stay on disk
    assert local_report(settings.OARS_SPOOL_DIR).events == 300
    private_redis.start()
    assert spool.deliver() == 300
    assert spool.deliver() == 0
    assert stream_length(private_redis, settings) == 300
    assert local_report(settings.OARS_SPOOL_DIR).events == 0
    # The breaker closed with the delivery: the next event goes straight to Redis.
    send_all(backend, 1, first=300)
    assert backend.stats["enqueued"] == 1
    assert stream_length(private_redis, settings) == 301


def _child(settings, code: str) -> subprocess.Popen:
    """A separate process of the same site (a gunicorn worker, say) running ``code`` after django.setup()."""
    env_settings = {
        "OARS_REDIS_URL": settings.OARS_REDIS_URL,
        "OARS_REDIS_KEY_PREFIX": settings.OARS_REDIS_KEY_PREFIX,
        "OARS_SPOOL_DIR": settings.OARS_SPOOL_DIR,
        "OARS_REDIS_REQUEST_TIMEOUT": 0.05,
        "OARS_REDIS_RETRY_SECONDS": 60,
    }
    script = (
        "import django, sys\n"
        "from django.conf import settings\n"
        f"django.setup()\nfor k, v in {env_settings!r}.items(): setattr(settings, k, v)\n"
        "from oars_platform.conf import get_config\nget_config.cache_clear()\n" + code
    )
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env={
        **os.environ, "DJANGO_SETTINGS_MODULE": "lms.envs.test", "OARS_TEST_CELERY_EAGER": "0",
        "PYTHONPATH": f"{ROOT / 'tests' / 'host'}:{ROOT}"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)


def test_a_gone_process_s_spool_is_delivered_once_by_two_processes_racing(private_redis, settings) -> None:
    private_redis.kill()
    producer = _child(settings, (
        "from tests.site_main import event\nfrom oars_platform.tracking import OarsTrackingBackend\n"
        "b = OarsTrackingBackend()\nfor i in range(2000): b.send(event(i))\n"
        "assert b.stats['spooled'] == 2000, dict(b.stats)\n"))
    output, _ = producer.communicate(timeout=120)
    assert producer.returncode == 0, output
    assert local_report(settings.OARS_SPOOL_DIR).events == 2000  # left behind by a process that is gone
    private_redis.start()
    racers = [_child(settings, "from oars_platform.spool import get_spool\nprint(get_spool().deliver())\n")
              for _ in range(2)]
    delivered = []
    for racer in racers:
        output, _ = racer.communicate(timeout=120)
        assert racer.returncode == 0, output
        delivered.append(int(output.strip().splitlines()[-1]))
    assert sum(delivered) == 2000
    assert stream_length(private_redis, settings) == 2000
    assert local_report(settings.OARS_SPOOL_DIR).files == 0


def test_a_process_that_dies_mid_write_loses_only_the_torn_record(settings, tmp_path) -> None:
    whole = encode_record(0, '{"name": "play_video"}', "tracking")
    assert decode_record(whole) == (0, '{"name": "play_video"}', "tracking")
    assert decode_record(whole[:-5]) is None  # torn: no newline, bad checksum
    assert decode_record(whole.replace(b"play", b"pley")) is None


def test_what_exceeds_the_bound_is_counted_and_reported(private_redis, settings) -> None:
    from oars_platform.checks import check_spool_drops
    from oars_platform.connection import get_client
    from oars_platform.status import read_status

    settings.OARS_SPOOL_MAX_BYTES = 20_000
    backend = OarsTrackingBackend()
    private_redis.kill()
    send_all(backend, 100)
    kept, dropped = backend.stats["spooled"], backend.stats["dropped"]
    assert kept > 0 and dropped > 0 and kept + dropped == 100
    assert local_report(settings.OARS_SPOOL_DIR).unreported_dropped == dropped
    private_redis.start()
    assert get_spool().deliver() == kept
    assert stream_length(private_redis, settings) == kept
    status = read_status(get_client())
    assert status.spool_dropped == dropped
    (warning,) = check_spool_drops()
    assert warning.id == "oars.W010"
    assert isinstance(warning, checks.Warning)
    assert f"{dropped} tracking events" in warning.msg
    assert "replay_tracking_logs" in warning.hint
    assert dt.datetime.now(dt.UTC).date().isoformat() in warning.msg  # when they were dropped
    get_spool().deliver()  # reporting again adds nothing
    assert read_status(get_client()).spool_dropped == dropped
