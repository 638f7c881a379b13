"""The one ClickHouse client protocol, and ClickHouse URLs (parsed, validated, masked).

SQL everywhere in the plugin uses ClickHouse's typed placeholders, ``{name:Type}``, with values passed in a dict:
values are never formatted into SQL text. Identifiers (database and table names) come from validated settings and
code constants only.

Backends:

* ``clickhouse://user:password@host:9000/?secure=true`` — a server, over the native protocol (clickhouse-driver);
  ``clickhouses://`` is the same with TLS.
* ``chdb:///absolute/path`` — the embedded engine (chdb): real ClickHouse inside this process, data kept at path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

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
    """Parse ``url`` or raise ClickHouseConfigError saying what is wrong (never echoing the password).

    The one validator of ClickHouse URLs: the settings check calls it too.
    """
    if not url:
        raise ClickHouseConfigError("No ClickHouse URL configured (set OARS_CLICKHOUSE_URL).")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ClickHouseConfigError(f"A ClickHouse URL cannot hold spaces or control characters: {mask_url(url)!r}")
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "chdb":
        if not parts.path.startswith("/") or parts.path == "/" or parts.netloc:
            raise ClickHouseConfigError(
                f"An embedded ClickHouse URL needs a path, an absolute one, e.g. chdb:///var/oars: {mask_url(url)}"
            )
        return ClickHouseURL(scheme="chdb", path=parts.path, options=query)
    if parts.scheme not in ("clickhouse", "clickhouses"):
        raise ClickHouseConfigError(
            f"Unsupported ClickHouse URL scheme {parts.scheme!r}: use clickhouse://, clickhouses:// or chdb:///path."
        )
    if not parts.hostname:
        raise ClickHouseConfigError(f"A ClickHouse server URL needs a host: {mask_url(url)}")
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


#: ``scheme://user:password@`` anywhere in a text (a URL alone, or quoted in a message).
URL_PASSWORD = re.compile(r"(?P<scheme>(?<![\w+.-])[A-Za-z][\w+.-]{0,30}://)(?P<user>[^\s:/@]*):(?P<password>[^\s/]*)@")


def mask_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``: the only form of a URL we log or show."""
    return URL_PASSWORD.sub(lambda match: f"{match['scheme']}{match['user']}:***@", text)
