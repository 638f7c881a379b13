"""Target tables declared once: each column's ClickHouse name and type, where its values come from, how they convert.

A :class:`Table` is the one place a sink's columns are written down. Everything else is derived from it: the
platform fields a learner sink reads (:meth:`Table.reads`, turned into the ORM ``values_list`` by
:mod:`oars_platform.platform.learners`), the explicit insert column list (:attr:`Table.names`), the rows
(:meth:`Table.build` for column-wise pages, :meth:`Table.tuples` for rows built as dicts), and the test that runs
``DESCRIBE TABLE`` on a migrated engine and compares every declaration with what the migrations created
(``tests/learners/test_declarations.py``). The migrations themselves are frozen history and are not generated from
here: the test is what keeps both in step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any

from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.sql import qualified

#: The type of every UTC time column with microseconds, as ``DESCRIBE TABLE`` names it.
UTC_TIME = "DateTime64(6, 'UTC')"
#: Column-wise rows: every column of a table, in its declared order, as equally long sequences.
Columns = dict[str, Sequence[Any]]
#: Values read from the platform (one sequence per field, by name) → one column's values.
Convert = Callable[[Sequence[Any]], Sequence[Any]]
#: A column whose values are not read under its own name: (page fields by name, the stamp, row count) → values.
Fill = Callable[[Mapping[str, Sequence[Any]], Any, int], Sequence[Any]]


@dataclass(frozen=True)
class Column:
    """One ClickHouse column and where its values come from.

    ``read`` is the ORM path of the platform field read under this column's name (``"text:<field>"`` reads it as
    text in SQL); ``convert`` turns the values read into what the column takes (column-wise, one call per page).
    A column that is not read under its own name (the dump stamp, the read time, a value computed from other
    fields) has a ``fill`` instead. Columns of tables whose rows are built elsewhere (the course dumps) need neither.
    """

    name: str
    #: The type as ``DESCRIBE TABLE`` reports it (no DEFAULT expression).
    type: str
    read: str | None = None
    convert: Convert | None = None
    fill: Fill | None = None

    def __post_init__(self) -> None:
        if self.fill is not None and (self.read is not None or self.convert is not None):
            raise ValueError(f"Column {self.name}: a filled column is neither read nor converted")


@dataclass(frozen=True)
class Table:
    """A ClickHouse table a sink inserts into: its database role, name and columns in insert order.

    ``extra_reads`` are platform fields read for the row building but not stored under their own name (a
    related row's value that a ``fill`` combines).
    """

    role: str
    name: str
    columns: tuple[Column, ...]
    extra_reads: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        names = [column.name for column in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"Table {self.role}.{self.name} declares a column twice")

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The insert column list, in declared order."""
        return tuple(column.name for column in self.columns)

    @cached_property
    def _getter(self) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        return itemgetter(*self.names)

    def type_of(self, name: str) -> str:
        """The declared ClickHouse type of column ``name`` (KeyError when the table has none)."""
        for column in self.columns:
            if column.name == name:
                return column.type
        raise KeyError(f"{self.role}.{self.name} has no column {name!r}")

    def qualified(self, databases: Databases) -> str:
        """The table's quoted ``database.table`` for these databases."""
        return qualified(getattr(databases, self.role), self.name)

    def reads(self, key: tuple[str, str] = ("id", "id")) -> tuple[tuple[str, str], ...]:
        """``(field name, ORM path)`` the platform read returns: ``key`` first (it pages), then the read columns."""
        fields = [key]
        fields += [(column.name, column.read) for column in self.columns if column.read and column.name != key[0]]
        fields += self.extra_reads
        return tuple(fields)

    def build(self, fields: Mapping[str, Sequence[Any]], stamp: Any, count: int) -> Columns:
        """Column-wise rows from the fields read (by name): each column converted or filled as declared."""
        built: Columns = {}
        for column in self.columns:
            if column.fill is not None:
                built[column.name] = column.fill(fields, stamp, count)
            elif column.convert is not None:
                built[column.name] = column.convert(fields[column.name])
            else:
                built[column.name] = fields[column.name]
        return built

    def tuples(self, rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Rows built as dicts keyed by column name → tuples in insert order (a missing or extra key is an error)."""
        rows = rows if isinstance(rows, list) else list(rows)
        if rows and set(map(len, rows)) != {len(self.names)}:  # with itemgetter's KeyError: exactly the columns
            raise ValueError(f"{self.name} rows do not have the declared columns {self.names}")
        return list(map(self._getter, rows))
