"""Fixtures for the ClickHouse layer tests: a real clickhouse-server for the native backend."""

from collections.abc import Iterator

import pytest

from tests.servers import ClickHouseServer


@pytest.fixture(scope="session")
def clickhouse_server() -> Iterator[ClickHouseServer]:
    """One clickhouse-server process for the session, on a free loopback port."""
    server = ClickHouseServer()
    server.start()
    yield server
    server.cleanup()
