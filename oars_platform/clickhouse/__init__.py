"""ClickHouse access: one client protocol (native server or embedded engine), DDL rendering and migrations."""

from oars_platform.clickhouse.client import ClickHouseClient, QueryResult, from_url, get_client, mask_url
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
    "get_client",
    "mask_url",
]
