"""The backend-independent parts of the client layer: URLs, masking, configuration errors."""

from __future__ import annotations

import pytest

from oars_platform.clickhouse import ClickHouseConfigError, from_url, mask_url
from oars_platform.clickhouse.client import parse_url
from oars_platform.clickhouse.native import to_pyformat
from oars_platform.clickhouse.sql import identifier, qualified


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("clickhouse://user:secret@host:9000/db", "clickhouse://user:***@host:9000/db"),
        ("clickhouses://user:p%40ss@host/db?secure=1", "clickhouses://user:***@host/db?secure=1"),
        ("clickhouse://host:9000/db", "clickhouse://host:9000/db"),
        ("chdb:///var/oars", "chdb:///var/oars"),
    ],
)
def test_mask_url_hides_passwords(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "OARS_CLICKHOUSE_URL"),
        ("http://host:8123", "Unsupported ClickHouse URL scheme"),
        ("chdb://", "needs a path"),
        ("clickhouse://u:pw@host:notaport/db", "Invalid port"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ClickHouseConfigError, match=message) as error:
        from_url(url)
    assert "pw" not in str(error.value)


def test_native_url_defaults() -> None:
    parsed = parse_url("clickhouse://analytics.internal")
    assert (parsed.host, parsed.port, parsed.user, parsed.database, parsed.secure) == (
        "analytics.internal",
        9000,
        "default",
        "default",
        False,
    )


def test_placeholders_rewrite_for_old_servers_and_keep_literal_percent() -> None:
    sql = "SELECT * FROM t WHERE a = {a:String} AND b LIKE '%x%' AND c IN {c:Array(UInt32)}"
    assert to_pyformat(sql) == "SELECT * FROM t WHERE a = %(a)s AND b LIKE '%%x%%' AND c IN %(c)s"


@pytest.mark.parametrize("bad", ["", "1abc", "a-b", "a b", "a;DROP", "a`b", "db.table"])
def test_identifiers_are_checked(bad: str) -> None:
    with pytest.raises(ValueError):
        identifier(bad)


def test_qualified_quotes_both_parts() -> None:
    assert qualified("xapi", "xapi_events_all") == "`xapi`.`xapi_events_all`"
