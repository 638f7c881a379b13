"""The factory that picks a backend for a URL; each backend's driver is imported only when it is used."""

from __future__ import annotations

from oars_platform.clickhouse.client import ClickHouseClient, mask_url, parse_url


def from_url(url: str, *, connect_timeout: float = 10, send_receive_timeout: float = 300) -> ClickHouseClient:
    """Build the client for ``url`` (imports the backend's driver only when it is used)."""
    parsed = parse_url(url)
    if parsed.embedded:
        from oars_platform.clickhouse.embedded import EmbeddedClient

        return EmbeddedClient.open(parsed.path)
    from oars_platform.clickhouse.native import NativeClient

    return NativeClient(
        parsed,
        display_url=mask_url(url),
        connect_timeout=connect_timeout,
        send_receive_timeout=send_receive_timeout,
    )
