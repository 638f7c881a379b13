"""ClickHouse servers over the native protocol, through clickhouse-driver.

One driver connection per client, guarded by a lock (the driver's Client is not thread-safe); the driver
reconnects by itself on the next call after a broken connection, and we turn its exceptions into our typed errors.
Parameters are bound server-side where the server supports it (ClickHouse 19.x and later) and escaped by the
driver otherwise (only the old servers used for wire-contract tests).
"""

from __future__ import annotations

import logging
import re
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

from clickhouse_driver import Client, defines
from clickhouse_driver import errors as driver_errors

from oars_platform.clickhouse.client import ClickHouseURL, InsertSettings, Params, QueryResult
from oars_platform.clickhouse.errors import ClickHouseQueryError, ClickHouseUnavailable, without_values
from oars_platform.clickhouse.sql import column_list, split_qualified

_PLACEHOLDER = re.compile(r"\{(\w+):[^{}]+\}")
_UNAVAILABLE = (
    driver_errors.NetworkError,
    driver_errors.SocketTimeoutError,
    driver_errors.UnexpectedPacketFromServerError,
    EOFError,
    ConnectionError,
    socket.timeout,
    OSError,
)


class _WithoutDriverTraceback(logging.Filter):
    """Drop the driver's "Failed to connect" warning and its traceback: our ClickHouseUnavailable says it in one line.

    clickhouse-driver logs every failed connection attempt with ``exc_info``, so a command run against a server
    that is down printed a traceback before its own clean message.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to connect")


logging.getLogger("clickhouse_driver.connection").addFilter(_WithoutDriverTraceback())

_IN_ARRAY = re.compile(r"\bIN\s*\{(\w+):Array\(", re.IGNORECASE)


def to_pyformat(sql: str) -> str:
    """Rewrite ``{name:Type}`` placeholders as ``%(name)s`` for client-side escaping (old servers only)."""
    return _PLACEHOLDER.sub(lambda match: f"%({match.group(1)})s", sql.replace("%", "%%"))


def pyformat_params(sql: str, params: Params) -> dict[str, Any]:
    """Parameters for client-side escaping (old servers only): an array right of ``IN`` goes as a tuple.

    Servers before 19.x refuse ``x IN [1, 2]`` (an array) but take ``x IN (1, 2)``; newer ones bind
    ``IN {ids:Array(Int64)}`` themselves.
    """
    in_arrays = set(_IN_ARRAY.findall(sql))
    return {
        name: tuple(value) if name in in_arrays and isinstance(value, list | tuple | set | frozenset) else value
        for name, value in dict(params or {}).items()
    }


class NativeClient:
    """A ClickHouse server reached with clickhouse-driver."""

    def __init__(
        self, url: ClickHouseURL, *, display_url: str, connect_timeout: float, send_receive_timeout: float
    ) -> None:
        self.display_url = display_url
        self._lock = threading.Lock()
        self._connect_timeout = connect_timeout
        self._send_receive_timeout = send_receive_timeout
        self._client = Client(
            host=url.host,
            port=url.port,
            user=url.user,
            password=url.password,
            database=url.database,
            secure=url.secure,
            verify=url.verify,
            connect_timeout=connect_timeout,
            send_receive_timeout=send_receive_timeout,
            sync_request_timeout=connect_timeout,
            client_name="oars-platform",
            settings={"server_side_params": True},
        )
        self._known_settings: dict[str, bool] = {}

    def _server_binds_params(self) -> bool:
        """Whether the connected server binds ``{name:Type}`` parameters itself (revision 54459 and later)."""
        connection = self._client.connection
        if connection.server_info is None or not connection.connected:
            self._client.execute("SELECT 1")  # connects; the handshake tells us the server's protocol revision
        return connection.server_info.used_revision >= defines.DBMS_MIN_PROTOCOL_VERSION_WITH_PARAMETERS

    def _connect(self) -> None:
        """Open the connection, the protocol handshake included, within the connect timeout.

        The driver bounds only the TCP connect by ``connect_timeout``; it waits for the server's hello with the
        query timeout, so a port that accepts connections and never answers held a caller for
        ``send_receive_timeout`` (300 s by default). Queries keep the long timeout once the handshake is done.
        """
        connection = self._client.connection
        if connection.connected:
            return
        connection.send_receive_timeout = self._connect_timeout
        try:
            connection.connect()
        finally:
            connection.send_receive_timeout = self._send_receive_timeout
        if connection.socket is not None:
            connection.socket.settimeout(self._send_receive_timeout)

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        """Run ``call`` under the lock, with our typed errors.

        A connection that was open before the call may have gone stale (server restarted, idle socket closed by a
        proxy): that case gets one fresh connection and one more try. Statements here are idempotent by design
        (DDL with IF NOT EXISTS, inserts into deduplicating tables), so a second attempt is safe.
        """
        retry_allowed = True
        with self._lock:
            while True:
                was_connected = self._client.connection.connected
                try:
                    self._connect()
                    return call()
                except driver_errors.ServerException as exc:
                    raise ClickHouseQueryError(_first_line(exc.message), code=exc.code) from None
                except _UNAVAILABLE as exc:
                    self._client.disconnect()
                    if retry_allowed and was_connected:
                        retry_allowed = False
                        continue
                    raise ClickHouseUnavailable(
                        f"ClickHouse at {self.display_url} is unreachable: {_unreachable(exc)}"
                    ) from None
                except (driver_errors.Error, TypeError, ValueError) as exc:
                    raise ClickHouseQueryError(f"{what} failed: {exc}") from None

    def _run(self, sql: str, params: Params, **kwargs: Any) -> Any:
        def call() -> Any:
            if not params:
                return self._client.execute(sql, **kwargs)
            binds = self._server_binds_params()
            settings = {"server_side_params": binds}
            if binds:
                return self._client.execute(sql, dict(params), settings=settings, **kwargs)
            return self._client.execute(to_pyformat(sql), pyformat_params(sql, params), settings=settings, **kwargs)

        return self._call("Query", call)

    def execute(self, sql: str, params: Params = None) -> None:
        """Run a statement that returns nothing."""
        self._run(sql, params)

    def query(self, sql: str, params: Params = None) -> QueryResult:
        """Run a SELECT."""
        rows, types = self._run(sql, params, with_column_types=True)
        return QueryResult(columns=[name for name, _ in types], rows=[tuple(row) for row in rows])

    def insert(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], settings: InsertSettings = None
    ) -> int:
        """Insert rows in one block (the driver sends them in the native columnar format)."""
        if not rows:
            return 0
        database, name = split_qualified(table)
        sql = f"INSERT INTO `{database}`.`{name}` {column_list(list(columns))} VALUES"
        data = [tuple(row) for row in rows]
        known = self._supported(settings)
        try:
            return int(self._call("Insert", lambda: self._client.execute(sql, data, settings=known)) or 0)
        except ClickHouseQueryError as exc:
            raise without_values(exc, table) from None

    def _supported(self, settings: InsertSettings) -> dict[str, int | str]:
        """The settings this server knows (asked once per name): an old server refuses an unknown one outright."""
        if not settings:
            return {}
        unknown = [name for name in settings if name not in self._known_settings]
        if unknown:
            rows = self.query("SELECT name FROM system.settings WHERE name IN {names:Array(String)}",
                              {"names": unknown}).rows
            present = {row[0] for row in rows}
            self._known_settings.update((name, name in present) for name in unknown)
        return {name: value for name, value in settings.items() if self._known_settings[name]}

    def server_version(self) -> str:
        """The server's version, e.g. ``24.8.4``."""
        return str(self.query("SELECT version()").scalar())

    def close(self) -> None:
        """Close the connection (the next call opens a new one)."""
        with self._lock:
            self._client.disconnect()


def _unreachable(exc: BaseException) -> str:
    """Why a server could not be used, in words (the driver's timeout error reads only ``Code: 209. (host:port)``)."""
    if isinstance(exc, driver_errors.SocketTimeoutError | socket.timeout):
        return f"no answer in time ({exc})"
    return " ".join(_first_line(str(exc)).split()) or type(exc).__name__


def _first_line(message: str) -> str:
    return (message or "").split("Stack trace:")[0].strip()
