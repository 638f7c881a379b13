"""Batched inserts that are idempotent in the engine and isolate bad rows.

**Idempotent.** Every insert carries an ``insert_deduplication_token`` computed from its rows (statement ids and
texts; the same rows in any order give the same token), with ``deduplicate_blocks_in_dependent_materialized_views``:
an insert retried with the same rows (after a timeout, a killed worker, a rerun) is dropped by the table, and every
materialized view attached to it, ours or an operator's, checks the block again itself, so a view that missed it
gets it and a view that had it does not get it twice. The tables need a deduplication window:
``non_replicated_deduplication_window`` on a single node (migration 0012), ``replicated_deduplication_window`` on
``Replicated*`` tables (on by default). The token is per block; our inserts are one block each (a batch is far below
``max_insert_block_size``), and a server splitting a larger insert suffixes the token per block, so a retry of the
same rows still matches block for block.

**Isolating.** If the table refuses a batch (:class:`ClickHouseQueryError`: a value that does not fit a column),
nothing of it was stored; the batch is split in halves and each half inserted (with its own token), down to single
rows, so the good rows land and the poison rows come back with ClickHouse's reason. If instead a *view* refused
the block (``while pushing to view X``), the table has already committed the rows: they are never re-sent as new
rows. The same insert is repeated once, same token, with ``materialized_views_ignore_errors``: the table drops it
as a duplicate, the views that did not get the block (ClickHouse stops at the failing view) get it once, and view
X still refuses it. The rows are reported as stored, refused by X with X's error. An unreachable server
(:class:`ClickHouseUnavailable`) is not a property of the rows: it propagates at once, for the caller to retry the
whole batch later (with the same token).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from oars_platform.clickhouse.client import ClickHouseClient
from oars_platform.clickhouse.errors import ClickHouseQueryError

#: Settings of every insert besides its token (see the module docstring).
DEDUPLICATION = {"insert_deduplicate": 1, "deduplicate_blocks_in_dependent_materialized_views": 1}


@dataclass
class ViewFailure:
    """Rows the table stored that a materialized view refused: which view, its error, and the rows (indices)."""

    view: str
    error: str
    rows: list[int] = field(default_factory=list)


@dataclass
class InsertOutcome:
    """How many rows landed, which (by index into the input) the table refused, and which views refused rows."""

    inserted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    view_failures: list[ViewFailure] = field(default_factory=list)


def deduplication_token(rows: Sequence[Sequence[Any]]) -> str:
    """The token of an insert of ``rows``: the same rows, in any order, give the same token; other rows never do.

    The whole content counts, not only the ids: a learner sink writes a new version of a row under the same key,
    and that insert must not be dropped as a retry of the previous one.
    """
    digest = hashlib.sha256()
    for text in sorted(repr(tuple(row)) for row in rows):
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return f"oars-{digest.hexdigest()[:40]}"


def insert_settings(rows: Sequence[Sequence[Any]]) -> dict[str, int | str]:
    """The settings of an idempotent insert of ``rows``."""
    return {**DEDUPLICATION, "insert_deduplication_token": deduplication_token(rows)}


def insert_idempotent(
    client: ClickHouseClient, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """Insert ``rows`` with their token: a retry of the same rows stores nothing more."""
    if not rows:
        return 0
    return client.insert(table, columns, rows, insert_settings(rows))


def insert_isolating(
    client: ClickHouseClient, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> InsertOutcome:
    """Insert ``rows`` idempotently; isolate the rows the table refuses and report the views that refused rows."""
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
    settings = insert_settings(rows)
    try:
        outcome.inserted += client.insert(table, columns, rows, settings)
    except ClickHouseQueryError as exc:
        if exc.view:
            _view_refused(client, table, columns, rows, offset, outcome, settings, exc)
            return
        if len(rows) == 1:
            outcome.rejected.append((offset, str(exc)[:500]))
            return
        middle = len(rows) // 2
        _insert(client, table, columns, rows[:middle], offset, outcome)
        _insert(client, table, columns, rows[middle:], offset + middle, outcome)


def _view_refused(
    client: ClickHouseClient,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    offset: int,
    outcome: InsertOutcome,
    settings: dict[str, int | str],
    error: ClickHouseQueryError,
) -> None:
    """The table stored ``rows`` and view ``error.view`` refused them: let the other views have them, once."""
    outcome.inserted += len(rows)
    indices = list(range(offset, offset + len(rows)))
    outcome.view_failures.append(ViewFailure(str(error.view), str(error)[:500], indices))
    try:
        client.insert(table, columns, rows, {**settings, "materialized_views_ignore_errors": 1})
    except ClickHouseQueryError as again:  # a server without the setting: the other views keep what they had
        if again.view is None:
            raise
