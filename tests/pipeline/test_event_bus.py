"""The event-bus path: TRACKING_EVENT_EMITTED produced to the Redis event bus (edx-event-bus-redis) in one
process, consumed by openedx-events' ``consume_events`` command in another, and stored in ClickHouse.

The producing process has the plugin's own signal receiver switched off, so the only way an event can reach
ClickHouse is through the bus.
"""

from __future__ import annotations

import json
import os
import signal
import uuid

import pytest

from tests.pipeline.test_worker import server_site, stored  # noqa: F401 - fixture reused
from tests.sites import Site, wait_until

pytestmark = pytest.mark.worker

TRACKING_EVENT = "org.openedx.analytics.tracking.event.emitted.v1"


def test_events_on_the_redis_event_bus_reach_clickhouse(clickhouse_server, server_site: Site) -> None:  # noqa: F811
    prefix = f"oars-bus-{uuid.uuid4().hex[:8]}"
    bus = {
        "EVENT_BUS_PRODUCER": "edx_event_bus_redis.create_producer",
        "EVENT_BUS_CONSUMER": "edx_event_bus_redis.RedisEventConsumer",
        "EVENT_BUS_REDIS_CONNECTION_URL": server_site.broker,
        "EVENT_BUS_TOPIC_PREFIX": prefix,
        "EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT": 1,
    }
    producer_config = server_site.variant(
        "producer",
        **bus,
        EVENT_BUS_PRODUCER_CONFIG={
            TRACKING_EVENT: {"analytics": {"event_key_field": "tracking_log.name", "enabled": True}}
        },
        OARS_TRACKING_SIGNAL_ENABLED=False,  # only the bus may carry these events
    )
    consumer_config = server_site.variant("consumer", **bus, CELERY_ALWAYS_EAGER=True)
    consumer = server_site.manage(
        consumer_config,
        "consume_events",
        "-t",
        "analytics",
        "-g",
        "oars_test",
        "--extra",
        json.dumps({"consumer_name": "c1", "check_backlog": True}),
    )
    try:
        server_site.run("produce-bus", "--count", "50", config_path=producer_config)
        wait_until(lambda: stored(clickhouse_server, server_site) == (50, 50), timeout=90, what="50 bus events stored")
        assert consumer.poll() is None
    finally:
        if consumer.poll() is None:
            os.killpg(consumer.pid, signal.SIGKILL)
            consumer.wait(timeout=30)
