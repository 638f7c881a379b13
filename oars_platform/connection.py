"""The ClickHouse client of this process, built from the Django settings.

``oars_platform.clickhouse`` knows nothing of Django or of our settings (it can be used and tested on its own);
this is the one place that wires it to them. Connections are reused across tasks and requests: one client per URL
and timeouts, built on first use.
"""

from __future__ import annotations

import threading

from oars_platform.clickhouse import ClickHouseClient, from_url
from oars_platform.conf import get_config

_clients: dict[tuple[str, float, float], ClickHouseClient] = {}
_clients_lock = threading.Lock()


def get_client() -> ClickHouseClient:
    """The process-wide client for the configured URL."""
    config = get_config()
    key = (config.clickhouse_url, config.connect_timeout, config.send_receive_timeout)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = from_url(
                config.clickhouse_url,
                connect_timeout=config.connect_timeout,
                send_receive_timeout=config.send_receive_timeout,
            )
            _clients[key] = client
        return client
