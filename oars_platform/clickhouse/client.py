"""The one ClickHouse client protocol and the factory that picks a backend from a URL.

SQL everywhere in the plugin uses ClickHouse's typed placeholders, ``{name:Type}``, with values passed in a dict:
values are never formatted into SQL text. Identifiers (database and table names) come from validated settings and
code constants only.

Backends:

* ``clickhouse://user:password@host:9000/?secure=true`` — a server, over the native protocol (clickhouse-driver);
  ``clickhouses://`` is the same with TLS.
* ``chdb:///absolute/path`` — the embedded engine (chdb): real ClickHouse inside this process, data kept at path.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import SplitResult, parse_qs, quote, unquote, urlsplit

from oars_platform.clickhouse.errors import ClickHouseConfigError

Params = Mapping[str, Any] | None
#: Query settings of one insert: names are code constants, values ints or tokens we generate (never user input).
InsertSettings = Mapping[str, int | str] | None


@dataclass
class QueryResult:
    """Rows of a SELECT, as tuples, with the column names."""

    columns: list[str]
    rows: list[tuple]

    def dicts(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def scalar(self) -> Any:
        """The first column of the first row (None when there is no row)."""
        return self.rows[0][0] if self.rows else None


class ClickHouseClient(Protocol):
    """What the rest of the plugin may ask of ClickHouse."""

    #: The URL with its password masked: safe for logs, checks and status output.
    display_url: str

    def execute(self, sql: str, params: Params = None) -> None:
        """Run a statement that returns nothing (DDL, ALTER, OPTIMIZE)."""

    def query(self, sql: str, params: Params = None) -> QueryResult:
        """Run a SELECT and return its rows."""

    def insert(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], settings: InsertSettings = None
    ) -> int:
        """Insert rows (each a sequence in ``columns`` order) into ``db.table``; return the number inserted.

        ``settings`` are ClickHouse query settings for this insert (deduplication token and friends, see
        :mod:`oars_platform.clickhouse.writer`); a server that does not know one of them is sent the others.
        """

    def server_version(self) -> str:
        """The server's version string (also a cheap reachability probe)."""

    def close(self) -> None:
        """Release connections (the embedded engine stays open for the life of the process)."""


@dataclass(frozen=True)
class ClickHouseURL:
    """A parsed ClickHouse URL."""

    scheme: str
    host: str = "localhost"
    port: int = 9000
    user: str = "default"
    password: str = field(default="", repr=False)
    database: str = "default"
    path: str = ""
    secure: bool = False
    verify: bool = True
    options: dict[str, str] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        """True for the in-process engine."""
        return self.scheme == "chdb"


_TRUE = {"1", "true", "yes", "on"}


def parse_url(url: str) -> ClickHouseURL:
    """Parse ``url`` or raise ClickHouseConfigError saying what is wrong (never echoing the password)."""
    if not url:
        raise ClickHouseConfigError("No ClickHouse URL configured (set OARS_CLICKHOUSE_URL).")
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "chdb":
        if not parts.path or parts.path == "/":
            raise ClickHouseConfigError(
                f"An embedded ClickHouse URL needs a path, e.g. chdb:///var/oars: {mask_url(url)}"
            )
        return ClickHouseURL(scheme="chdb", path=parts.path, options=query)
    if parts.scheme not in ("clickhouse", "clickhouses"):
        raise ClickHouseConfigError(
            f"Unsupported ClickHouse URL scheme {parts.scheme!r}: use clickhouse://, clickhouses:// or chdb:///path."
        )
    secure = parts.scheme == "clickhouses" or query.pop("secure", "false").lower() in _TRUE
    verify = query.pop("verify", "true").lower() in _TRUE
    try:
        port = parts.port or (9440 if secure else 9000)
    except ValueError as exc:
        raise ClickHouseConfigError(f"Invalid port in ClickHouse URL {mask_url(url)}") from exc
    return ClickHouseURL(
        scheme="clickhouse",
        host=parts.hostname or "localhost",
        port=port,
        user=unquote(parts.username or "") or "default",
        password=unquote(parts.password or ""),
        database=parts.path.strip("/") or "default",
        secure=secure,
        verify=verify,
        options=query,
    )


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***``: the only form of a URL we ever log or show."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = f"{quote(parts.username or '', safe='')}:***@{parts.hostname or ''}"
        if parts.port:
            netloc += f":{parts.port}"
        return SplitResult(parts.scheme, netloc, parts.path, parts.query, parts.fragment).geturl()
    except ValueError:
        return "<unparseable URL>"


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


_clients: dict[tuple[str, float, float], ClickHouseClient] = {}
_clients_lock = threading.Lock()


def get_client() -> ClickHouseClient:
    """The process-wide client for the configured URL (connections are reused across tasks and requests)."""
    from oars_platform.conf import get_config

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
