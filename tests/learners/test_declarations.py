"""Every sink's table declaration against ``DESCRIBE TABLE`` of the migrated engine: names, order and types.

The declarations (``oars_platform.sinks``) feed the platform read, the insert column list and the row building; the
migrations are frozen history written separately. This test is what keeps the two in step: a column renamed,
retyped, added or moved on either side fails here, not in production.
"""

from __future__ import annotations

import pytest

from oars_platform.sinks import SINKS
from oars_platform.sinks.courses import COURSE_TABLES
from oars_platform.sinks.learners import ENROLLMENT_STATE
from oars_platform.sinks.schema import Column, Table

DECLARED: dict[str, Table] = {
    **{f"sink {name}": SINKS.get(name).target for name in SINKS.names()},
    "state of course_enrollment": ENROLLMENT_STATE,
    **{f"course dump {table.role}.{table.name}": table for table in COURSE_TABLES},
}


@pytest.mark.parametrize("label", sorted(DECLARED))
def test_the_declaration_equals_the_migrated_table(clickhouse, label: str) -> None:
    table = DECLARED[label]
    described = clickhouse.client.query(f"DESCRIBE TABLE {table.qualified(clickhouse.databases)}").rows
    assert [(column.name, column.type) for column in table.columns] == [(row[0], row[1]) for row in described]


def _values_of(column_type: str) -> str:
    """The type of the values a column returns (LowCardinality changes the storage, not the values)."""
    wrapper = "LowCardinality("
    return column_type[len(wrapper) : -1] if column_type.startswith(wrapper) else column_type


@pytest.mark.parametrize("name", sorted(name for name in SINKS.names() if SINKS.get(name).freshness is not None))
def test_the_change_check_reads_columns_its_table_has_with_the_types_written(clickhouse, name: str) -> None:
    sink = SINKS.get(name)
    freshness = sink.freshness
    rows = clickhouse.client.query(f"DESCRIBE TABLE {sink.state_table.qualified(clickhouse.databases)}").rows
    described = {row[0]: row[1] for row in rows}
    assert described[freshness.key] == sink.state_table.type_of(freshness.key)  # the type its keys are bound as
    assert freshness.version in described
    written = {column.name: column.type for column in sink.target.columns}
    for column in freshness.compare:  # compared value by value with what the sink writes
        assert column in described, column
        assert _values_of(described[column]) == _values_of(written[column]), column


def test_every_table_a_sink_or_a_course_dump_writes_is_declared_once() -> None:
    targets = [(table.role, table.name) for table in DECLARED.values()]
    assert len(targets) == len(set(targets))


def test_a_sink_reads_each_of_its_fields_once_with_the_key_first() -> None:
    for name in SINKS.names():
        source = SINKS.get(name).source
        if source is None:
            continue
        assert source.names[0] == "id", name
        assert len(set(source.names)) == len(source.names), name


def test_a_declaration_refuses_a_column_twice_and_a_filled_column_that_is_also_read() -> None:
    with pytest.raises(ValueError, match="twice"):
        Table("oars", "t", (Column("a", "String"), Column("a", "String")))
    with pytest.raises(ValueError, match="filled column"):
        Column("a", "String", read="a", fill=lambda fields, stamp, count: [])
    table = Table("oars", "t", (Column("a", "String"), Column("b", "String")))
    assert table.tuples([{"b": 2, "a": 1}]) == [(1, 2)]
    with pytest.raises((ValueError, KeyError)):
        table.tuples([{"a": 1, "c": 2}])
    with pytest.raises(ValueError, match="declared"):
        table.tuples([{"a": 1}])
