"""ClickHouse access: one client protocol (native server or embedded engine), DDL rendering and migrations.

It imports nothing else of the plugin (``oars_platform.connection`` wires it to the Django settings).
"""

from oars_platform.clickhouse.backends import from_url
from oars_platform.clickhouse.client import ClickHouseClient, QueryResult, mask_url
from oars_platform.clickhouse.errors import (
    ClickHouseConfigError,
    ClickHouseError,
    ClickHouseQueryError,
    ClickHouseUnavailable,
)

__all__ = [
    "ClickHouseClient",
    "ClickHouseConfigError",
    "ClickHouseError",
    "ClickHouseQueryError",
    "ClickHouseUnavailable",
    "QueryResult",
    "from_url",
    "mask_url",
]
