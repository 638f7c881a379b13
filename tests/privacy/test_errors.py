"""A refused insert says which column and type failed, never the value: rows may be a learner's profile."""

from __future__ import annotations

import uuid

import pytest

from oars_platform.clickhouse import ClickHouseQueryError, from_url
from oars_platform.clickhouse.errors import without_values

NAME = "Ada O'Lovelace"


def refused(client, table: str, columns: list[str], rows: list[tuple]) -> str:
    with pytest.raises(ClickHouseQueryError) as error:
        client.insert(table, columns, rows)
    return str(error.value)


def test_embedded_engine_errors_quote_no_value(clickhouse) -> None:
    table = f"`{clickhouse.databases.oars}`.people"
    clickhouse.client.execute(f"CREATE TABLE {table} (id Int64, ref UUID) ENGINE = Memory")
    not_a_number = refused(clickhouse.client, table, ["id", "ref"], [(NAME, str(uuid.uuid4()))])
    not_a_uuid = refused(clickhouse.client, table, ["id", "ref"], [(1, NAME)])
    for message in (not_a_number, not_a_uuid):
        assert "Ada" not in message and "Lovelace" not in message, message
    assert not_a_number.endswith(".people refused the rows: Code: 6. CANNOT_PARSE_TEXT")
    assert not_a_uuid.endswith("refused the rows: Code: 376. CANNOT_PARSE_UUID")


@pytest.mark.native
def test_server_errors_quote_no_value(clickhouse_server) -> None:
    client = from_url(clickhouse_server.url)
    database = f"privacy_{uuid.uuid4().hex[:8]}"
    client.execute(f"CREATE DATABASE {database}")
    try:
        client.execute(f"CREATE TABLE {database}.people (id UInt64, name String) ENGINE = Memory")
        message = refused(client, f"{database}.people", ["id", "name"], [(NAME, "x")])
        assert "Ada" not in message and "Lovelace" not in message, message
        assert "Column id" in message  # still says what is wrong
    finally:
        client.execute(f"DROP DATABASE IF EXISTS {database}")


def test_type_names_and_column_names_stay() -> None:
    error = ClickHouseQueryError(
        "Type mismatch in VALUES section. Expected Int64 got <class 'str'>: Ada for column \"id\". Also 'Ada' and "
        '"O\'Hara".',
        code=53,
    )
    cleaned = without_values(error, "db.people")
    assert str(cleaned) == (
        "db.people refused the rows: Type mismatch in VALUES section. Expected Int64 got <class 'str'>: <value> "
        "for column \"id\". Also <value> and <value>."
    )
    assert cleaned.code == 53
