"""Batched inserts that isolate bad rows: one rejected row never costs the rest of its batch.

A batch is inserted in one statement. If ClickHouse rejects it (a :class:`ClickHouseQueryError`: a value that does
not fit a column, say), the batch is split in halves and each half retried, down to single rows, so the good rows
land and the poison rows come back with ClickHouse's reason. An unreachable server (:class:`ClickHouseUnavailable`)
is not a property of the rows: it propagates at once, for the caller to retry the whole batch later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from oars_platform.clickhouse.client import ClickHouseClient
from oars_platform.clickhouse.errors import ClickHouseQueryError


@dataclass
class InsertOutcome:
    """How many rows landed, and which (by index into the input) ClickHouse refused, with its reason."""

    inserted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def insert_isolating(
    client: ClickHouseClient, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> InsertOutcome:
    """Insert ``rows``; on a rejected insert, bisect until every good row landed and every bad one is named."""
    outcome = InsertOutcome()
    _insert(client, table, columns, rows, 0, outcome)
    outcome.rejected.sort()
    return outcome


def _insert(
    client: ClickHouseClient,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    offset: int,
    outcome: InsertOutcome,
) -> None:
    if not rows:
        return
    try:
        outcome.inserted += client.insert(table, columns, rows)
    except ClickHouseQueryError as exc:
        if len(rows) == 1:
            outcome.rejected.append((offset, str(exc)[:500]))
            return
        middle = len(rows) // 2
        _insert(client, table, columns, rows[:middle], offset, outcome)
        _insert(client, table, columns, rows[middle:], offset + middle, outcome)
