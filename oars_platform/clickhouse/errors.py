"""Typed ClickHouse errors shared by both backends, so callers never see a driver's own exception classes.

The split matters to the pipeline: a :class:`ClickHouseUnavailable` is worth retrying later (the server is down or
unreachable), a :class:`ClickHouseQueryError` is not (the server understood us and said no).
"""

from __future__ import annotations

import re

# Row values as drivers and ClickHouse quote them in insert errors: the clickhouse-driver type check
# ("Expected Int64 got <class 'str'>: <value> for column "id"."), and '...' or "..." literals (pyarrow, ClickHouse's
# "Cannot parse string '...'"); a type name (<class 'str'>) and a column name (column "id") are not values.
_MISMATCH_VALUE = re.compile(r"(got <class '[\w.]+'>: ).*( for column \"[^\"]*\")", re.DOTALL)
_SERVER_ERROR = re.compile(r"Code: (\d+)\..*\(([A-Z][A-Z0-9_]+)\)\s*$", re.DOTALL)
#: ClickHouse's context line when a materialized view attached to the insert's table failed; the innermost (first)
#: one names the view that threw. Backquotes and the view's UUID in parentheses are not part of the name.
_VIEW = re.compile(r"while pushing to view `?(\w+)`?\.`?(\w+)`?")
_QUOTED_VALUE = re.compile(r"(<class '[\w.]+'>|column \"[^\"]*\")|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


class ClickHouseError(Exception):
    """Base class of every error raised by the ClickHouse layer."""


class ClickHouseConfigError(ClickHouseError):
    """The ClickHouse URL or options are invalid (wrong scheme, missing path, bad option)."""


class ClickHouseUnavailable(ClickHouseError):
    """The server could not be reached or the connection broke: retry later."""


class ClickHouseQueryError(ClickHouseError):
    """The server rejected a statement; ``code`` is ClickHouse's error code when known."""

    def __init__(self, message: str, code: int | None = None, view: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        #: The materialized view that refused the rows, when the insert's own table took them (see ``failed_view``).
        self.view = view if view is not None else failed_view(message)


def failed_view(message: str) -> str | None:
    """The view named by ClickHouse's ``while pushing to view db.name`` context, or None.

    When it is there, the insert's own table has already committed the rows (ClickHouse writes the table's part,
    then pushes the block to each attached view): the rows are stored, one view refused them.
    """
    match = _VIEW.search(message)
    return f"{match[1]}.{match[2]}" if match else None


def without_values(error: ClickHouseQueryError, table: str) -> ClickHouseQueryError:
    """The error of a refused insert into ``table``, without the row values its message may quote.

    Insert errors end up in logs, quarantine rows and command output, and the rows may be a learner's profile: the
    reason must say what failed, never what the learner's name is. ClickHouse quotes values in its own way per error
    (``Cannot parse uuid <value>: while executing ...``), so its message is cut down to the error code and name
    (``Code: 376. CANNOT_PARSE_UUID``); a driver's or pyarrow's message keeps its text with the values replaced.
    """
    message = str(error)
    server = _SERVER_ERROR.search(message)
    if server:
        message = f"Code: {server[1]}. {server[2]}"
    else:
        message = _MISMATCH_VALUE.sub(r"\1<value>\2", message)
        message = _QUOTED_VALUE.sub(lambda match: match[1] or "<value>", message)
    if error.view:
        return ClickHouseQueryError(f"view {error.view} refused the rows: {message}", code=error.code, view=error.view)
    return ClickHouseQueryError(f"{table} refused the rows: {message}", code=error.code)
