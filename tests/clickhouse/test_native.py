"""The native backend's wire contract, against a real clickhouse-server process started by the suite."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from oars_platform.clickhouse import ClickHouseQueryError, ClickHouseUnavailable, from_url
from oars_platform.clickhouse.client import parse_url
from tests.servers import ClickHouseServer, free_port

pytestmark = pytest.mark.native


@pytest.fixture
def native(clickhouse_server: ClickHouseServer):
    client = from_url(clickhouse_server.url, connect_timeout=5, send_receive_timeout=30)
    table = f"default.wire_{uuid.uuid4().hex[:8]}"
    client.execute(
        f"CREATE TABLE {table} (id UInt32, name String, at DateTime, uid UUID, tags Array(String), score Float64) "
        "ENGINE = MergeTree ORDER BY id"
    )
    yield client, table
    client.execute(f"DROP TABLE IF EXISTS {table}")
    client.close()


def test_insert_then_select_round_trips_every_supported_type(native) -> None:
    client, table = native
    uid = uuid.uuid4()
    rows = [
        (1, "ünïcode ✓", dt.datetime(2024, 5, 6, 7, 8, 9), uid, ["a", "b'c"], 0.25),
        (2, "", dt.datetime(2020, 1, 1), uuid.uuid4(), [], -1.5),
    ]
    assert client.insert(table, ["id", "name", "at", "uid", "tags", "score"], rows) == 2
    result = client.query(f"SELECT id, name, at, uid, tags, score FROM {table} ORDER BY id")
    assert result.columns == ["id", "name", "at", "uid", "tags", "score"]
    assert result.rows[0] == rows[0]
    assert [row[0] for row in result.rows] == [1, 2]


def test_inserts_are_keyed_by_column_name_not_position(native) -> None:
    client, table = native
    client.insert(table, ["name", "id"], [("by-name", 7)])
    assert client.query(f"SELECT id, name FROM {table}").rows == [(7, "by-name")]


@pytest.mark.parametrize(
    "value",
    ["it's", "100% sure", "back\\slash", "tab\there", "line\nbreak", "'; DROP TABLE x; --", "{name:String}"],
)
def test_parameters_are_bound_values_never_sql(native, value: str) -> None:
    client, table = native
    client.insert(table, ["id", "name"], [(1, value)])
    found = client.query(f"SELECT count() FROM {table} WHERE name = {{v:String}}", {"v": value}).scalar()
    assert found == 1
    assert client.query("SELECT {v:String}", {"v": value}).scalar() == value


def test_array_and_number_parameters(native) -> None:
    client, table = native
    client.insert(table, ["id", "name"], [(1, "a"), (2, "b"), (3, "c")])
    result = client.query(
        f"SELECT id FROM {table} WHERE has({{names:Array(String)}}, name) AND id >= {{low:UInt32}} ORDER BY id",
        {"names": ["a", "c"], "low": 1},
    )
    assert result.rows == [(1,), (3,)]


def test_an_array_parameter_right_of_in(native) -> None:
    client, table = native
    uids = [uuid.uuid4() for _ in range(3)]
    client.insert(table, ["id", "uid"], [(index, uid) for index, uid in enumerate(uids)])
    found = client.query(
        f"SELECT id FROM {table} WHERE uid IN {{uids:Array(UUID)}} AND id IN {{ids:Array(UInt32)}} ORDER BY id",
        {"uids": uids[:2], "ids": [0, 1, 2]},
    )
    assert found.rows == [(0,), (1,)]


def test_server_errors_are_typed_with_clickhouse_code(native) -> None:
    client, _ = native
    with pytest.raises(ClickHouseQueryError) as error:
        client.query("SELECT * FROM default.no_such_table")
    assert error.value.code == 60
    assert "no_such_table" in str(error.value)


def test_rows_that_do_not_fit_are_a_query_error(native) -> None:
    client, table = native
    with pytest.raises(ClickHouseQueryError):
        client.insert(table, ["id"], [("not a number",)])


def test_wrong_password_is_rejected_without_echoing_it(clickhouse_server: ClickHouseServer) -> None:
    client = from_url(f"clickhouse://oars:wrong-secret@127.0.0.1:{clickhouse_server.port}/default")
    with pytest.raises(ClickHouseQueryError) as error:
        client.server_version()
    assert "wrong-secret" not in str(error.value)


def test_unreachable_server_is_unavailable_and_masks_the_password() -> None:
    client = from_url(f"clickhouse://oars:hunter2@127.0.0.1:{free_port()}/default", connect_timeout=1)
    with pytest.raises(ClickHouseUnavailable) as error:
        client.server_version()
    assert "hunter2" not in str(error.value)
    assert "***" in str(error.value)


def test_reconnects_after_the_server_restarts(clickhouse_server: ClickHouseServer) -> None:
    client = from_url(clickhouse_server.url, connect_timeout=5)
    assert client.query("SELECT 1").scalar() == 1
    clickhouse_server.restart()
    # The old socket is dead; the client notices, reconnects once and answers.
    assert client.query("SELECT 2").scalar() == 2


def test_server_down_then_back(clickhouse_server: ClickHouseServer) -> None:
    client = from_url(clickhouse_server.url, connect_timeout=1)
    assert client.server_version()
    clickhouse_server.stop()
    try:
        with pytest.raises(ClickHouseUnavailable):
            client.query("SELECT 1")
    finally:
        clickhouse_server.start()
    assert client.query("SELECT 3").scalar() == 3


def test_url_options() -> None:
    parsed = parse_url("clickhouses://u:p@db.example.org/analytics?verify=false")
    assert (parsed.secure, parsed.verify, parsed.port, parsed.database) == (True, False, 9440, "analytics")
    assert parse_url("clickhouse://h/?secure=true").secure is True
    assert parse_url("clickhouse://h:9001").port == 9001
