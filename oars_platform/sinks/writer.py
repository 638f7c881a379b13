"""Build, check, insert: one page of platform rows through a sink into ClickHouse.

1. **Build**: the sink's table declaration turns the page into columns (:mod:`oars_platform.sinks.schema`).
2. **Check**: in sinks holding personal data, one query per page finds retired users, whose personal data is
   never written again (:mod:`oars_platform.sinks.retired`); unless forced, one query per page asks ClickHouse for
   the newest stored values of the page's keys and drops the rows it already has; a row is never compared with
   ClickHouse on its own.
3. **Insert** through :func:`oars_platform.clickhouse.writer.insert_isolating`, by column name, so a row ClickHouse
   refuses is reported by its platform id without costing the rest of the page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from oars_platform.clickhouse import ClickHouseClient
from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.sql import identifier
from oars_platform.clickhouse.writer import insert_isolating
from oars_platform.platform.learners import Page
from oars_platform.sinks.base import Freshness, Sink, Stamp
from oars_platform.sinks.retired import holds_personal_data, retired_among, scrub
from oars_platform.sinks.schema import Columns, Table


@dataclass
class WriteOutcome:
    """What became of a page: rows read, written, skipped as unchanged, and refused (platform id, reason)."""

    read: int = 0
    written: int = 0
    skipped: int = 0
    rejected: list[tuple[Any, str]] = field(default_factory=list)
    #: Rows of retired users left out of a personal-data sink (``oars_platform.sinks.retired``).
    withheld: int = 0

    def add(self, other: WriteOutcome) -> None:
        """Accumulate another page's outcome."""
        self.read += other.read
        self.written += other.written
        self.skipped += other.skipped
        self.withheld += other.withheld
        self.rejected.extend(other.rejected)


def _comparable(value: Any) -> Any:
    """UUIDs come back from ClickHouse as UUID or text depending on the backend: compare them as text."""
    return str(value) if isinstance(value, uuid.UUID) else value


def changed_rows(
    client: ClickHouseClient, databases: Databases, freshness: Freshness, state: Table, columns: Columns
) -> list[int]:
    """Indexes of the rows whose state differs from the newest ``state`` holds for their key (one query)."""
    keys = list(columns[freshness.key])
    if not keys:
        return []
    key_type = state.type_of(freshness.key)
    version = identifier(freshness.version)
    newest = ", ".join(f"argMax({identifier(name)}, {version})" for name in freshness.compare)
    key = identifier(freshness.key)
    table = state.qualified(databases)
    if key_type.startswith(("Int", "UInt")):
        # Pages are primary-key ranges: bound the range rather than sending every key.
        where, params = f"{key} BETWEEN {{low:Int64}} AND {{high:Int64}}", {"low": min(keys), "high": max(keys)}
    else:
        where, params = f"{key} IN {{keys:Array({key_type})}}", {"keys": keys}
    sql = f"SELECT {key}, {newest} FROM {table} WHERE {where} GROUP BY {key}"  # noqa: S608 - checked identifiers
    stored = {
        _comparable(row[0]): tuple(_comparable(value) for value in row[1:]) for row in client.query(sql, params).rows
    }
    compared = [columns[name] for name in freshness.compare]
    return [
        index
        for index, row_key in enumerate(keys)
        if stored.get(_comparable(row_key)) != tuple(_comparable(values[index]) for values in compared)
    ]


def write_page(
    client: ClickHouseClient, databases: Databases, sink: Sink, page: Page, stamp: Stamp, *, force: bool = False
) -> WriteOutcome:
    """Write ``page`` through ``sink``; ``force`` writes every row even when ClickHouse already has its state."""
    outcome = WriteOutcome(read=len(page.rows))
    if not page.rows:
        return outcome
    columns = sink.build(page, stamp)
    keep = list(range(len(page.rows)))
    if holds_personal_data(sink):
        columns, keep = scrub(sink, columns, retired_among(client, databases, columns["user_id"]))
        outcome.withheld = len(page.rows) - len(keep)
        if not keep:
            return outcome
    if not force and sink.freshness is not None:
        changed = changed_rows(client, databases, sink.freshness, sink.state_table, columns)
        outcome.skipped = len(keep) - len(changed)
        if not changed:
            return outcome
        if len(changed) < len(keep):
            columns = {name: [values[index] for index in changed] for name, values in columns.items()}
            keep = [keep[index] for index in changed]
    rows = list(zip(*columns.values(), strict=True))
    inserted = insert_isolating(client, sink.target.qualified(databases), sink.columns, rows)
    outcome.written = inserted.inserted
    outcome.rejected = [(page.rows[keep[index]][0], reason) for index, reason in inserted.rejected]
    return outcome
