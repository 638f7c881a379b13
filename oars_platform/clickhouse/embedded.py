"""The embedded engine: chdb, real ClickHouse running inside this Python process.

chdb allows one data path per process, so there is one :class:`EmbeddedClient` per process, shared by every
caller and guarded by a lock. Inserts hand ClickHouse an Arrow table (``INSERT ... SELECT ... FROM Python(t)``),
which measured several times faster than a text payload on this engine.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from oars_platform.clickhouse.client import InsertSettings, Params, QueryResult
from oars_platform.clickhouse.errors import (
    ClickHouseConfigError,
    ClickHouseQueryError,
    ClickHouseUnavailable,
    without_values,
)
from oars_platform.clickhouse.sql import column_list, identifier, split_qualified

_CODE = re.compile(r"Code: (\d+)\.")
_SETTING_NAME = re.compile(r"^[a-z_]{1,100}$")
_SETTING_TEXT = re.compile(r"^[A-Za-z0-9:_-]{0,200}$")


def settings_clause(settings: InsertSettings) -> str:
    """`` SETTINGS name = value, ...`` for an insert; names and values are checked (a SETTINGS clause binds nothing)."""
    if not settings:
        return ""
    parts = []
    for name, value in settings.items():
        if not _SETTING_NAME.match(name):
            raise ClickHouseQueryError(f"invalid setting name {name!r}")
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ClickHouseQueryError(f"setting {name} needs an int or a token")
        if isinstance(value, str) and not _SETTING_TEXT.match(value):
            raise ClickHouseQueryError(f"setting {name} is not a token")
        parts.append(f"{name} = {value}" if isinstance(value, int) else f"{name} = '{value}'")
    return " SETTINGS " + ", ".join(parts)


def param_text(value: Any) -> str:
    """The text form chdb expects for a bound ``{name:Type}`` parameter (ClickHouse's own literal syntax)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    return str(value)


def _literal(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = param_text(value)
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _column(values: list[Any]) -> list[Any]:
    """Arrow cannot infer UUID objects: send them as text (ClickHouse casts on insert)."""
    sample = next((value for value in values if value is not None), None)
    if isinstance(sample, uuid.UUID):
        return [str(value) if value is not None else None for value in values]
    return values


class EmbeddedClient:
    """ClickHouse in-process (chdb), one per process."""

    _instance: ClassVar[EmbeddedClient | None] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: str) -> None:
        try:
            from chdb import session
        except ImportError as exc:  # the extra was not installed
            raise ClickHouseConfigError(
                "The embedded ClickHouse engine needs chdb: pip install 'oars-platform[embedded]'."
            ) from exc
        self.path = path
        self.display_url = f"chdb://{path}"
        self._lock = threading.Lock()
        check_data_path(path)
        try:
            self._session = session.Session(path)
        except Exception as exc:  # another process won the race since the check, or chdb failed in its own way
            check_data_path(path)
            first = " ".join(str(exc).split("Stack trace:")[0].split())
            raise ClickHouseUnavailable(f"The embedded engine could not open {path}: {first}") from None
        self._column_types: dict[tuple[str, str], dict[str, str]] = {}

    @classmethod
    def open(cls, path: str) -> EmbeddedClient:
        """The process's embedded client; a second, different path in the same process is a configuration error."""
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls(path)
            elif cls._instance.path != path:
                raise ClickHouseConfigError(
                    f"The embedded engine is already open at {cls._instance.path}; chdb allows one path per process "
                    f"(asked for {path})."
                )
            return cls._instance

    def _query(self, sql: str, params: Params, fmt: str) -> Any:
        bound = {name: param_text(value) for name, value in (params or {}).items()}
        with self._lock:
            try:
                return self._session.query(sql, fmt, params=bound) if bound else self._session.query(sql, fmt)
            except Exception as exc:  # chdb raises ChdbError/RuntimeError with ClickHouse's message
                raise _query_error(exc) from None

    def execute(self, sql: str, params: Params = None) -> None:
        """Run a statement that returns nothing."""
        self._query(sql, params, "Null")

    def query(self, sql: str, params: Params = None) -> QueryResult:
        """Run a SELECT; values come back as Python objects (UUID, tz-aware datetimes, lists)."""
        table = self._query(sql, params, "ArrowTable")
        columns = list(table.column_names)
        data = [table.column(index).to_pylist() for index in range(len(columns))]
        return QueryResult(columns=columns, rows=list(zip(*data, strict=True)) if data else [])

    def insert(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], settings: InsertSettings = None
    ) -> int:
        """Insert rows as one Arrow block."""
        if not rows:
            return 0
        transposed = [list(values) for values in zip(*rows, strict=True)]
        return self.insert_columns(table, dict(zip(columns, transposed, strict=True)), settings)

    def insert_columns(self, table: str, data: dict[str, list[Any]], settings: InsertSettings = None) -> int:
        """Insert column-oriented data (the cheapest path: no row objects at all).

        Each column is CAST to the table's type explicitly: a plain INSERT ... SELECT converts a malformed value
        to the type's default (a bad UUID becomes the zero UUID) instead of refusing it, which would hide bad rows.
        """
        import pyarrow as pa

        database, name = split_qualified(table)
        columns = list(data)
        types = self._types(database, name)
        unknown = [column for column in columns if column not in types]
        if unknown:
            raise ClickHouseQueryError(f"{table} has no column(s) {', '.join(unknown)}")
        try:
            arrow_batch = pa.table({column: _column(values) for column, values in data.items()})
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise without_values(ClickHouseQueryError(f"Rows do not fit: {exc}"), table) from None
        selected = ", ".join(
            f"CAST({identifier(column)}, {_literal(types[column])}) AS {identifier(column)}" for column in columns
        )
        target = f"{identifier(database)}.{identifier(name)} {column_list(columns)}"
        sql = (f"INSERT INTO {target} SELECT {selected} FROM Python(arrow_batch)"  # noqa: S608 - checked identifiers
               + settings_clause(settings))
        with self._lock:
            try:
                self._session.query(sql, "Null")
            except Exception as exc:
                self._column_types.pop((database, name), None)  # the schema may have changed
                raise without_values(_query_error(exc), table) from None
        return arrow_batch.num_rows

    def _types(self, database: str, name: str) -> dict[str, str]:
        """Column types of a table, read once (from system.columns) and cached."""
        key = (database, name)
        if key not in self._column_types:
            rows = self.query(
                "SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String}",
                {"db": database, "table": name},
            ).rows
            if not rows:
                raise ClickHouseQueryError(f"Table {database}.{name} does not exist", code=60)
            self._column_types[key] = dict(rows)
        return self._column_types[key]

    def server_version(self) -> str:
        """The embedded engine's ClickHouse version."""
        return str(self.query("SELECT version()").scalar())

    def close(self) -> None:
        """Nothing to do: the engine lives as long as the process (chdb cannot reopen another path)."""


class EngineInUse(ClickHouseUnavailable):
    """Another process holds the embedded engine's directory (chdb allows one process per data path)."""


def check_data_path(path: str) -> None:
    """Refuse, in one line, a data directory chdb could not use, before chdb tries.

    chdb's own failure for both cases is a ``BAD_ARGUMENTS`` runtime error after printing ClickHouse's message (and,
    for a directory it cannot create, a C++ stack) on the process's stderr. ClickHouse holds an exclusive ``flock``
    on ``<path>/status`` while an engine runs there and writes its pid into that file, so a lock we cannot take
    names the process to stop. A stale status file (a killed process) is not locked and does not count.
    """
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise ClickHouseConfigError(
            f"The embedded engine's directory {path} is not writable ({exc.strerror or type(exc).__name__}): "
            "fix its permissions or set OARS_CLICKHOUSE_URL to another chdb:///path"
        ) from None
    status = os.path.join(path, "status")
    try:
        fd = os.open(status, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise
            match = re.search(rb"PID: (\d+)", os.pread(fd, 256, 0))
            pid = match.group(1).decode() if match else "unknown"
            raise EngineInUse(
                f"The embedded engine's directory {path} is used by another process (pid {pid}): stop it or use a "
                "ClickHouse server (OARS_CLICKHOUSE_URL=clickhouse://...)"
            ) from None
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _query_error(exc: Exception) -> ClickHouseQueryError:
    message = str(exc).split("Stack trace:")[0].strip()
    match = _CODE.search(message)
    return ClickHouseQueryError(message, code=int(match.group(1)) if match else None)
